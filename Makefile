# her2kit — set-up and checks. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint typecheck unit kb-validate eval bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(STAMP_DEV): pyproject.toml constraints.txt | $(BIN)/python system-deps
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,spark]'
	touch $(STAMP) $@

## system-deps: Java (Spark), Chromium (browser tests), wrk (load test) and a CJK font (PDF reports) from Debian,
## when missing
system-deps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	fc-list ':charset=4e2d 3042 d55c' family 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-microhei"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

## run: install, validate the knowledge base, interpret and assess the example cases, monitor the example course
run: $(STAMP)
	$(BIN)/her2kit kb validate
	$(BIN)/her2kit status examples/gastric-ihc2-ish.json
	$(BIN)/her2kit assess examples/breast-her2-low.json
	$(BIN)/her2kit dose --agent T-DXd --indication breast --weight 68 --weight-unit kg
	$(BIN)/her2kit monitor examples/course-tdxd.json
	$(BIN)/her2kit monitor examples/course-neratinib.json

## test: install with dev extras, then lint, type-check and run the test suite
test: $(STAMP_DEV) lint typecheck unit

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests scripts

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

unit: $(STAMP_DEV)
	$(BIN)/pytest

kb-validate: $(STAMP)
	$(BIN)/her2kit kb validate

## eval: extraction precision/recall on the TCGA reports (needs ../shared)
eval: $(STAMP_DEV)
	$(BIN)/python scripts/eval_extraction.py

## bench: the performance figures reported in the README
bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_extract.py || true
	$(BIN)/python benchmarks/bench_genomics.py
	$(BIN)/python benchmarks/bench_cohort.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
