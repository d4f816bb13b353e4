from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run by default, so that `make test` (and CI) gives the same verdict
# for the same tree; HYPOTHESIS_PROFILE=explore draws fresh random examples (run it when changing a rule or a schema).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def kb():  # type: ignore[no-untyped-def]
    from her2kit.kb import default_kb

    return default_kb()
