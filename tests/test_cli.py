"""The command line: output formats and the one-line error contract (exit code 2, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"


def her2kit(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "her2kit", *args],
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
        cwd=ROOT,
    )


def test_status_quick_form_json() -> None:
    out = her2kit(
        "status",
        "--tumor",
        "breast",
        "--ihc",
        "2+",
        "--ish-ratio",
        "2.3",
        "--her2-copies",
        "4.1",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["her2"]["result"] == "positive"
    assert doc["her2"]["ish_group"] == 1


def test_status_case_file_table() -> None:
    out = her2kit("status", str(EXAMPLES / "breast-her2-low.json"))
    assert out.returncode == 0, out.stderr
    assert "HER2-low" in out.stdout
    assert "Decision path" in out.stdout


def test_status_output_is_byte_identical_across_runs() -> None:
    args = ("status", str(EXAMPLES / "breast-her2-low.json"), "--format", "json")
    assert her2kit(*args).stdout == her2kit(*args).stdout


@pytest.mark.parametrize(
    ("args", "content", "fragment"),
    [
        (("status", "{case}"), "{not json", "well-formed JSON"),
        (("status", "{case}"), '{"id": "x", "tumor": {"type": "brest"}}', "tumor.type: 'brest' is not valid"),
        (
            ("status", "{case}"),
            '{"id": "x", "tumor": {"type": "breast"}, "her2_tests": [{"method": "ihc", "score": "4+"}]}',
            "her2_tests.0.score: '4+' is not valid",
        ),
        (
            ("status", "{case}"),
            '{"id": "x", "tumor": {"type": "breast"}, "her2_tests": [{"method": "ish", "ratio": -0.5}]}',
            "her2_tests.0.ratio: -0.5 is not valid",
        ),
        (
            ("status", "{case}"),
            '{"id": "x", "tumor": {"type": "breast"}, "patient": {"weight_kg": 0}}',
            "patient.weight_kg: 0 is not valid",
        ),
        (("status", "--tumor", "breast", "--ihc", "4+"), None, "--ihc: '4+' is not valid"),
        (("status", "--tumor", "brest"), None, "--tumor: 'brest' is not valid"),
        (("status", "--tumor", "breast", "--ish-ratio", "-1", "--her2-copies", "3"), None, "--ish-ratio"),
        (("status", "nonexistent.json"), None, "case file: 'nonexistent.json' is not valid"),
        (("kb", "show", "no-such-record"), None, "no record matches"),
        (("explain", "zzzz qqqq"), None, "no topic matches"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, args: tuple[str, ...], content: str | None, fragment: str
) -> None:
    case = tmp_path / "case.json"
    if content is not None:
        case.write_text(content)
    out = her2kit(*[a.replace("{case}", str(case)) for a in args])
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert fragment in lines[0]


# Free text typed into a field that takes a code (a patient's name in the wrong column of a spreadsheet export).
MARKER = "Zyxwvut Qa MRN-77731"
_CASE: dict[str, Any] = {
    "id": "x",
    "tumor": {"type": "breast"},
    "her2_tests": [{"method": "ihc", "score": "2+"}],
}


def _case_with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(_CASE))
    cur = doc
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("document", "field", "allowed"),
    [
        # (the tag of a test: pydantic's message quoted it, "Input tag 'Zyxwvut Qa MRN-77731' found using 'method'")
        (_case_with(("her2_tests", 0, "method"), MARKER), "her2_tests.0.method", "'ihc', 'ish', 'ngs'"),
        (_case_with(("tumor", "type"), MARKER), "tumor.type", "breast, gastric"),
        (_case_with(("her2_tests", 0, "score"), MARKER), "her2_tests.0.score", '"2+", "3+"'),
        (_case_with(("patient",), {"sex": MARKER}), "patient.sex", "'female'"),
        (
            _case_with(("her2_tests", 0), {"method": "ngs", "erbb2_mutations": [MARKER]}),
            "her2_tests.0.erbb2_mutations",
            "an HGVS protein change such as p.Y772_A775dup",
        ),
        (_case_with(("patient",), {MARKER: 1}), "patient", "a known key"),
    ],
)
@pytest.mark.parametrize("command", ["status", "assess"])
def test_a_case_file_error_never_repeats_free_text(
    tmp_path: Path, command: str, document: dict[str, Any], field: str, allowed: str
) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(document))
    out = her2kit(command, str(case))
    assert out.returncode == 2, (out.stdout, out.stderr)
    for part in (*MARKER.split(), MARKER[:8]):
        assert part not in out.stdout + out.stderr, out.stderr
    assert out.stderr.startswith(f"her2kit: error: {field}: "), out.stderr
    assert allowed in out.stderr


def test_a_known_key_in_the_wrong_place_is_still_named(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({**_CASE, "lines_of_chemotherapy_metastatic": 2}))
    out = her2kit("status", str(case))
    assert out.returncode == 2
    assert "lines_of_chemotherapy_metastatic: " in out.stderr
    assert "a known key" in out.stderr


@pytest.mark.parametrize("name", ["case", "assessment"])
def test_schema_commands(name: str) -> None:
    out = her2kit("schema", name)
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    assert schema["additionalProperties"] is False
    assert "schema_version" in schema["properties"]


def test_kb_validate() -> None:
    out = her2kit("kb", "validate")
    assert out.returncode == 0, out.stderr
    assert "is valid" in out.stdout


def test_kb_export_holds_every_section_whole() -> None:
    """Docs review: the export said "the whole knowledge base" but left out the safety rules (drug classes, safety
    gates, cardiac monitoring, adverse-reaction rules, laboratory grading)."""
    from her2kit.kb import default_kb
    from her2kit.kb.load import SECTIONS

    doc = json.loads(her2kit("kb", "export").stdout)
    kb = default_kb()
    assert doc["kb_version"] == kb.version
    for name in SECTIONS:
        assert [r["id"] for r in doc[name]] == list(kb.section(name)), name


def test_kb_export_has_the_sections_and_version() -> None:
    out = her2kit("kb", "export")
    doc = json.loads(out.stdout)
    for key in (
        "kb_version",
        "agents",
        "indications",
        "regimens",
        "trials",
        "adverse_events",
        "references",
        "topics",
    ):
        assert key in doc
    assert doc["agents"]


@pytest.mark.parametrize("key", ["T-DXd", "trial:destiny-breast03", "topic:what-is-her2", "Kadcyla"])
def test_kb_show_cards(key: str) -> None:
    out = her2kit("kb", "show", key)
    assert out.returncode == 0, out.stderr
    assert "References:" in out.stdout


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "aerule:tucatinib-alt-hy-1",
            ["tucatinib, alt grades 2–4", "with bilirubin > 2 × ULN", "action: discontinue"],
        ),
        ("aerule:neratinib-other-1", ["hold until grade ≤ 1, then resume 1 dose level lower", "within 21 d"]),
        (
            "cardiac:trastuzumab-deruxtecan",
            ["LVEF < 40%: hold; repeat in 3 wk", "symptomatic CHF: discontinue"],
        ),
        ("ctcae:alt", ["CTCAE v5.0 grading of alt", "grade 2: [3.001, 5.001)"]),
    ],
)
def test_kb_show_cards_for_monitoring_rules_say_what_the_rule_is(key: str, expected: list[str]) -> None:
    # `her2kit monitor` points readers here for each rule that fired: the card must state the rule itself.
    out = her2kit("kb", "show", key)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(key)
    for fragment in expected:
        assert fragment in out.stdout


def test_explain_topic_by_id_and_words() -> None:
    by_id = her2kit("explain", "what-is-her2")
    assert by_id.returncode == 0, by_id.stderr
    assert "References:" in by_id.stdout
    assert her2kit("explain", "what is HER2").stdout == by_id.stdout


def test_extract_command(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("HER2 (4B5) immunohistochemistry: Score 3+, positive. ER positive (95%).")
    out = her2kit("extract", str(report), "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["her2_tests"][0]["score"] == "3+"
    assert doc["er"] == "positive"


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    out = her2kit(
        "report", str(EXAMPLES / "breast-her2-low.json"), "-o", str(tmp_path / "missing-dir" / "r.html")
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_missing_field_does_not_echo_the_document(tmp_path: Path) -> None:
    course = tmp_path / "course.json"
    course.write_text(json.dumps({"schema_version": "1", "id": "SECRET-123", "today": "2026-01-01"}))
    out = her2kit("monitor", str(course))
    assert out.returncode == 2
    assert "SECRET-123" not in out.stderr
    assert "agent" in out.stderr


def test_cohort_screen_json_summary_is_reproducible(tmp_path: Path) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "id,tumor_type,setting,ihc_score,ish_ratio,er,pr\n"
        "a,breast,metastatic,3+,,positive,negative\n"
        "b,breast,,1+,,,\n"
        "c,breast,metastatic,4+,,,\n",
        encoding="utf-8",
    )
    runs = [
        her2kit("cohort", "screen", str(registry), "-o", str(tmp_path / f"out{i}.csv"), "--format", "json")
        for i in range(2)
    ]
    assert [run.returncode for run in runs] == [0, 0]
    first, second = (json.loads(run.stdout) for run in runs)
    first.pop("output_path")
    second.pop("output_path")
    assert first == second  # no run time: the same input and versions give the same summary
    assert "seconds" not in first
    assert first["kb_version"]
    assert (first["rows"], first["errors"], first["setting_not_given"]) == (3, 1, 1)
    assert first["errors_by_field"] == {"ihc_score": 1}


@pytest.mark.parametrize("command", ["status", "assess", "monitor"])
def test_a_file_that_is_not_utf8_is_one_line_exit_2(tmp_path: Path, command: str) -> None:
    document = tmp_path / "doc.json"
    document.write_bytes('{"id": "M\u00fcller"}'.encode("latin-1"))
    out = her2kit(command, str(document))
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        f"her2kit: error: {'course' if command == 'monitor' else 'case'} file: '{document}' is not valid; "
        "allowed: UTF-8 encoded JSON or YAML (byte 10 is not UTF-8)"
    ]


def test_extract_refuses_a_binary_file_and_flags_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    out = her2kit("extract", str(pdf))
    assert out.returncode == 2
    assert "a plain-text report" in out.stderr
    assert "Traceback" not in out.stderr
    latin = tmp_path / "report.txt"
    latin.write_bytes("HER2 (4B5): score 3+, positive. Tumour 2 \u00b5m.".encode("latin-1"))
    out = her2kit("extract", str(latin), "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["her2_tests"][0]["score"] == "3+"
    assert doc["warnings"][0].startswith("1 byte sequence(s) in the file are not UTF-8")


@pytest.mark.parametrize(
    ("command", "source"),
    [("status", EXAMPLES / "breast-her2-low.json"), ("monitor", EXAMPLES / "course-tdxd.json")],
)
def test_a_file_with_a_byte_order_mark_is_read(tmp_path: Path, command: str, source: Path) -> None:
    """Windows editors and spreadsheet exports often start UTF-8 files with a byte-order mark."""
    document = tmp_path / source.name
    document.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    out = her2kit(command, str(document))
    assert out.returncode == 0, out.stderr
    assert out.stdout == her2kit(command, str(source)).stdout


SEG = ROOT / "tests" / "genomics" / "data" / "seg_log2_grch37.seg"


def test_genomics_purity_converts_a_log2_ratio() -> None:
    """Without a purity a log2 ratio above 0 is only a lower bound (undetermined); with 30% tumour cells it is
    8.04 copies, amplified."""
    plain = json.loads(her2kit("genomics", str(SEG), "--sample", "T1", "--format", "json").stdout)
    assert plain["erbb2"]["amplified"] is None
    pure = her2kit("genomics", str(SEG), "--sample", "T1", "--purity", "0.3", "--format", "json")
    assert pure.returncode == 0, pure.stderr
    erbb2 = json.loads(pure.stdout)["erbb2"]
    assert (erbb2["amplified"], erbb2["copy_number"]) == (True, 8.04)


@pytest.mark.parametrize(("option", "value"), [("--purity", "1.5"), ("--purity", "0"), ("--ploidy", "-2")])
def test_genomics_refuses_an_impossible_purity_or_ploidy(option: str, value: str) -> None:
    out = her2kit("genomics", str(SEG), "--sample", "T1", option, value)
    assert out.returncode != 0
    assert option in out.stderr
    assert "Traceback" not in out.stderr


def test_a_citation_has_one_full_stop_after_et_al(kb) -> None:  # type: ignore[no-untyped-def]
    from her2kit.render import cite, sentence

    assert sentence("Wolff AC, et al.") == "Wolff AC, et al."
    assert sentence("What is HER2?") == "What is HER2?"
    assert sentence("Modi S") == "Modi S."
    for ref in kb.references.values():
        assert ".." not in cite(ref).replace("...", ""), ref.id


def test_a_quick_form_probe_typo_is_an_error_even_without_ish_values() -> None:
    result = her2kit("status", "--tumor", "breast", "--ihc", "3+", "--probe", "triple")
    assert result.returncode == 2
    assert "--probe: 'triple' is not valid; allowed: dual or single" in result.stderr


def test_a_nan_percentage_is_called_not_a_finite_number() -> None:
    result = her2kit("status", "--tumor", "breast", "--ihc", "2+", "--ihc-percent", "nan")
    assert result.returncode == 2
    assert "a finite number (not NaN or infinity)" in result.stderr


def test_serve_turns_off_uvicorns_access_log_which_writes_query_strings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    from her2kit.cli import serve

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    serve(host="127.0.0.1", port=8765, workers=1)
    assert seen["access_log"] is False
    config: Any = seen["log_config"]
    assert config["loggers"]["her2kit.api"]["level"] == "INFO"  # her2kit's own access log, in every worker


def test_report_never_writes_over_its_case_file(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(
        (ROOT / "examples" / "breast-her2-low.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    link = tmp_path / "report.html"
    link.symlink_to(case)
    for output in (link, case):
        result = her2kit("report", str(case), "-o", str(output))
        assert result.returncode == 2, result.stderr
        assert "other than an input file" in result.stderr
    assert case.read_text(encoding="utf-8").lstrip().startswith("{")


def test_cohort_output_onto_its_input_or_a_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    registry = tmp_path / "in.csv"
    registry.write_text("id,tumor_type,ihc_score\nr1,breast,3+\n", encoding="utf-8")
    same = her2kit("cohort", "screen", str(registry), "-o", str(registry))
    assert same.returncode == 2
    assert registry.read_text(encoding="utf-8").startswith("id,tumor_type")
    folder = tmp_path / "out.csv"
    folder.mkdir()
    onto = her2kit("cohort", "screen", str(registry), "-o", str(folder))
    assert onto.returncode == 2
    assert "this is a folder" in onto.stderr
    assert not list(tmp_path.glob(".*.partial"))


def test_serve_help_names_every_setting_the_server_reads() -> None:
    """Docs review: `serve --help` named two of the five HER2KIT_ settings."""
    import os
    import re

    settings = set()
    for path in (ROOT / "src" / "her2kit").rglob("*.py"):
        settings.update(re.findall(r"HER2KIT_[A-Z_]+", path.read_text(encoding="utf-8")))
    out = subprocess.run(
        [sys.executable, "-m", "her2kit", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "250"},
    )
    assert settings
    assert [name for name in sorted(settings) if name not in out.stdout] == []


def test_the_cli_reference_is_generated_from_the_commands() -> None:
    """Docs review: options such as `status --probe`, `dose --regimen` and `cohort screen --no-progress` were
    documented nowhere; docs/cli.md is now generated from the commands and checked here."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_doc.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr


# ------------------------------------------------------------------ the disclaimer on every decision-support output
DISCLAIMER = "her2kit supports clinical decisions; it does not make them."


@pytest.mark.parametrize(
    "args",
    [
        ("monitor", "examples/course-neratinib.json"),
        ("dose", "--agent", "trastuzumab", "--weight", "70", "--weight-unit", "kg", "--schedule", "q3w"),
        ("assess", "examples/breast-her2-low.json"),
    ],
)
def test_decision_outputs_state_the_disclaimer_in_text_and_json(args: tuple[str, ...]) -> None:
    text = her2kit(*args)
    assert text.returncode == 0, text.stderr
    assert DISCLAIMER in text.stdout
    out = her2kit(*args, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["disclaimer"] == DISCLAIMER
