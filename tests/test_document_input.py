"""The document reader and the case contract refuse what the JSON Schema does not promise: a key given twice,
a document nested too deeply, an impossible YAML date, and values of the wrong kind (true for a number, 0 for a
date, "yes" for true/false, "60" for a number), each with an error naming the field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from her2kit.case import decode_document, load_case, parse_case
from her2kit.errors import InvalidInput


def base(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "c1", "tumor": {"type": "breast", "setting": "metastatic"}}
    doc.update(over)
    return doc


# ------------------------------------------------------------------ a key given twice
def test_json_duplicate_key_names_its_path() -> None:
    text = '{"id": "c1", "tumor": {"type": "breast"}, "her2_tests": [{"method": "ihc", "score": "1+", "score": "3+"}]}'
    with pytest.raises(InvalidInput) as exc:
        decode_document(text, "case.json")
    assert exc.value.field == "her2_tests.0.score"
    assert "given twice" in str(exc.value)
    assert "3+" not in str(exc.value)
    assert "1+" not in str(exc.value)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("case.json", '{"id": "c1", "patient": {"Zyxwvut Qa": 1, "Zyxwvut Qa": 2}}'),
        ("case.yaml", "id: c1\npatient:\n  Zyxwvut Qa: 1\n  Zyxwvut Qa: 2\n"),
    ],
)
def test_a_free_text_key_given_twice_is_not_named(name: str, text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        decode_document(text, name)
    assert exc.value.field == "patient"
    assert "given twice" in str(exc.value)
    assert "Zyxwvut" not in str(exc.value)


def test_json_duplicate_key_at_the_top_names_the_key() -> None:
    with pytest.raises(InvalidInput) as exc:
        decode_document('{"id": "PATIENT-SECRET", "id": "other"}', "case.json")
    assert exc.value.field == "id"
    assert "PATIENT-SECRET" not in str(exc.value)


def test_yaml_duplicate_key_names_its_path() -> None:
    text = 'id: c1\ntumor: {type: breast}\nher2_tests:\n  - method: ihc\n    score: "1+"\n    score: "3+"\n'
    with pytest.raises(InvalidInput) as exc:
        decode_document(text, "case.yaml")
    assert exc.value.field == "her2_tests.0.score"
    assert "given twice" in str(exc.value)
    assert "line 6" in str(exc.value)


def test_yaml_merge_keys_may_be_overridden() -> None:
    text = "base: &b {a: 1, c: 2}\nother:\n  <<: *b\n  a: 3\n"
    assert decode_document(text, "x.yaml") == {"base": {"a": 1, "c": 2}, "other": {"a": 3, "c": 2}}


def test_same_keys_in_different_objects_are_fine() -> None:
    text = '{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]}'
    assert decode_document(text, "x.json") == json.loads(text)


@pytest.mark.parametrize("name", ["002-duplicate-key-score.json", "002b-duplicate-key-score.yaml"])
def test_tester_duplicate_key_cases(tmp_path: Path, name: str) -> None:
    text = {
        "json": '{"schema_version": "1", "id": "dup", "tumor": {"type": "breast", "setting": "metastatic"},\n'
        ' "her2_tests": [{"method": "ihc", "score": "1+", "score": "3+"}]}\n',
        "yaml": 'schema_version: "1"\nid: dup\ntumor: {type: breast, setting: metastatic}\nher2_tests:\n'
        '  - method: ihc\n    score: "1+"\n    score: "3+"\n',
    }[name.rsplit(".", 1)[1]]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"her2_tests\.0\.score"):
        load_case(path)


# ------------------------------------------------------------------ nesting and YAML dates
@pytest.mark.parametrize(
    ("name", "text"), [("x.json", "[" * 1000 + "]" * 1000), ("x.yaml", "[" * 1000 + "]" * 1000)]
)
def test_deep_nesting_is_an_input_error(name: str, text: str) -> None:
    with pytest.raises(InvalidInput, match="nested too deeply"):
        decode_document(text, name)


def test_deep_value_inside_a_case_is_an_input_error() -> None:
    text = '{"id": "c1", "tumor": {"type": "breast"}, "medications": ' + "[" * 500 + "]" * 500 + "}"
    with pytest.raises(InvalidInput, match="nested too deeply"):
        decode_document(text, "case.json")


def test_ordinary_nesting_is_fine() -> None:
    text = "[" * 30 + "]" * 30
    assert decode_document(text, "x.json") is not None


def test_yaml_impossible_date_names_value_and_format() -> None:
    text = (
        'id: d\ntumor: {type: breast}\nher2_tests:\n  - method: ihc\n    score: "3+"\n    date: 2026-02-30\n'
    )
    with pytest.raises(InvalidInput) as exc:
        decode_document(text, "case.yaml")
    assert exc.value.field == "her2_tests.0.date"
    assert "2026-02-30" in str(exc.value)
    assert "YYYY-MM-DD" in str(exc.value)


def test_yaml_native_dates_still_work() -> None:
    text = (
        'id: d\ntumor: {type: breast}\nher2_tests:\n  - method: ihc\n    score: "3+"\n    date: 2026-01-31\n'
    )
    case = parse_case(decode_document(text, "case.yaml"))
    assert case.her2_tests[0].date == dt.date(2026, 1, 31)


# ------------------------------------------------------------------ values of the wrong kind
@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (base(patient={"age": True}), "patient.age"),
        (base(patient={"weight_kg": True}), "patient.weight_kg"),
        (base(patient={"weight_kg": "70"}), "patient.weight_kg"),
        (base(patient={"age": "6e1"}), "patient.age"),
        (
            base(her2_tests=[{"method": "ihc", "score": "1+", "percent_cells": True}]),
            "her2_tests.0.percent_cells",
        ),
        (base(her2_tests=[{"method": "ish", "ratio": "2.5"}]), "her2_tests.0.ratio"),
        (
            base(her2_tests=[{"method": "ish", "ratio": 2.5, "cells_counted": True}]),
            "her2_tests.0.cells_counted",
        ),
        (base(her2_tests=[{"method": "ish", "ratio": 2.5, "recounted": 1}]), "her2_tests.0.recounted"),
        (base(her2_tests=[{"method": "ihc", "score": "1+", "date": 0}]), "her2_tests.0.date"),
        (base(her2_tests=[{"method": "ihc", "score": "1+", "date": "0"}]), "her2_tests.0.date"),
        (base(her2_tests=[{"method": "ihc", "score": "1+", "date": 20260131}]), "her2_tests.0.date"),
        (base(biomarkers={"er_percent": True}), "biomarkers.er_percent"),
        (
            base(history={"therapies": [{"agents": ["x"], "setting": "metastatic", "line": True}]}),
            "history.therapies.0.line",
        ),
        (
            base(history={"lines_of_chemotherapy_metastatic": True}),
            "history.lines_of_chemotherapy_metastatic",
        ),
        (base(history={"endocrine_therapy_progressed": "yes"}), "history.endocrine_therapy_progressed"),
        (base(patient={"pregnant": 0}), "patient.pregnant"),
        (base(patient={"pregnant": "off"}), "patient.pregnant"),
        (base(patient={"pregnant": "no"}), "patient.pregnant"),
        (base(patient={"pregnant": "f"}), "patient.pregnant"),
        (base(patient={"pregnant": 1}), "patient.pregnant"),
        (base(patient={"pregnant": "yes"}), "patient.pregnant"),
    ],
)
def test_wrong_kinds_are_refused(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_case(doc)
    assert exc.value.field == field


def test_percent_cells_true_does_not_make_ultralow() -> None:
    doc = base(her2_tests=[{"method": "ihc", "score": "1+", "percent_cells": True}])
    with pytest.raises(InvalidInput, match="true/false is not a number"):
        parse_case(doc)


def test_kinds_the_schema_promises_still_work() -> None:
    case = parse_case(
        base(
            patient={"age": 60, "weight_kg": 70, "pregnant": False, "heart_failure_history": True},
            her2_tests=[
                {"method": "ihc", "score": "1+", "percent_cells": 30, "date": "2026-01-31"},
                {"method": "ish", "ratio": 2, "cells_counted": 20, "recounted": True},
            ],
            history={
                "therapies": [
                    {"agents": ["x"], "setting": "metastatic", "line": 1, "start": dt.date(2025, 1, 1)}
                ]
            },
        )
    )
    assert case.patient.weight_kg == 70.0
    assert isinstance(case.patient.weight_kg, float)
    assert case.her2_tests[0].date == dt.date(2026, 1, 31)
    assert case.history.therapies[0].start == dt.date(2025, 1, 1)
    assert parse_case(base(patient={"age": 60.0})).patient.age == 60


def test_a_lone_surrogate_escape_is_refused_naming_the_field_not_the_value() -> None:
    with pytest.raises(InvalidInput) as exc:
        decode_document('{"id": "MRN-4711\\ud800", "her2_tests": [{"score": "3+"}]}', "case.json")
    assert exc.value.field == "id"
    assert "MRN-4711" not in str(exc.value)
    with pytest.raises(InvalidInput) as exc:
        decode_document('{"her2_tests": [{"assay": "\\udc00"}]}', "case.json")
    assert exc.value.field == "her2_tests.0.assay"
