"""The case contract: closed models, aliases, plausibility checks and error messages."""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.case import Case, parse_case
from her2kit.errors import WITHHELD, InvalidInput


def base(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "c1", "tumor": {"type": "breast", "setting": "metastatic"}}
    doc.update(over)
    return doc


def test_minimal_case_defaults() -> None:
    case = parse_case(base())
    assert case.schema_version == "1"
    assert case.her2_tests == []
    assert case.patient.age is None


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("breast", "breast"),
        ("BRCA", "breast"),
        ("IDC", "breast"),
        ("STAD", "gastric"),
        ("Stomach", "gastric"),
        ("GEJ", "gej"),
        ("gastroesophageal junction", "gej"),
        ("ESCA", "esophageal"),
        ("oesophageal", "esophageal"),
        ("COADREAD", "colorectal"),
        ("crc", "colorectal"),
        ("LUAD", "nsclc"),
        ("NSCLC", "nsclc"),
        ("CHOL", "biliary"),
        ("biliary tract", "biliary"),
        ("UCEC", "endometrial"),
        ("solid tumour", "other-solid"),
    ],
)
def test_tumour_aliases(given: str, canonical: str) -> None:
    assert parse_case(base(tumor={"type": given})).tumor.type == canonical


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("0", "0"),
        (0, "0"),
        ("0+", "0"),
        (">0 <1+", "ultralow"),
        ("ultralow", "ultralow"),
        ("1+", "1+"),
        ("1", "1+"),
        ("2+", "2+"),
        (3, "3+"),
        ("3+", "3+"),
    ],
)
def test_ihc_aliases(given: Any, canonical: str) -> None:
    case = parse_case(base(her2_tests=[{"method": "ihc", "score": given}]))
    assert case.her2_tests[0].score == canonical  # type: ignore[union-attr]


def err(doc: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_case(doc)
    return info.value


@pytest.mark.parametrize(
    ("doc", "field", "fragment"),
    [
        (base(tumor={"type": "brest"}), "tumor.type", "OncoTree"),
        (base(her2_tests=[{"method": "ihc", "score": "4+"}]), "her2_tests.0.score", '"3+"'),
        (
            base(her2_tests=[{"method": "ish", "ratio": -1}]),
            "her2_tests.0.ratio",
            "greater than or equal to 0",
        ),
        (base(patient={"weight_kg": 0}), "patient.weight_kg", "greater than 0"),
        (
            base(patient={"brain_metastases": "yes"}),
            "patient.brain_metastases",
            "'none', 'stable' or 'active'",
        ),
        (
            base(her2_tests=[{"method": "ish", "ratio": 3.0, "her2_copies": 4.0, "cep17_copies": 2.0}]),
            "her2_tests.0.ratio",
            "her2_copies/cep17_copies",
        ),
        (
            base(her2_tests=[{"method": "ish", "probe": "single", "ratio": 2.0}]),
            "her2_tests.0.ratio",
            "single-probe",
        ),
        # (the unknown tag is an error on the tag's own field, as the REST API has always said)
        (base(her2_tests=[{"method": "pcr"}]), "her2_tests.0.method", "'ihc', 'ish', 'ngs'"),
        (base(tumour={"type": "breast"}), "tumour", "known key"),
        (base(patient={"lvef_percent": 150}), "patient.lvef_percent", "less than or equal to 90"),
        (
            base(her2_tests=[{"method": "ngs", "erbb2_mutations": ["Y772dup"]}]),
            "her2_tests.0.erbb2_mutations",
            "HGVS",
        ),
        (
            base(history={"therapies": [{"agents": ["trastuzumab"], "setting": "palliative"}]}),
            "history.therapies.0.setting",
            "metastatic",
        ),
        ([1, 2], "(document)", "JSON object"),
    ],
)
def test_bad_input_names_field_value_and_allowed(doc: Any, field: str, fragment: str) -> None:
    error = err(doc)
    assert error.field == field
    assert fragment in str(error)
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "doc",
    [
        base(her2_tests=[{"method": "Zyxwvut Qa MRN-77731"}]),
        base(patient={"sex": "Zyxwvut Qa MRN-77731"}),
        base(her2_tests=[{"method": "ngs", "erbb2_mutations": ["Zyxwvut Qa MRN-77731"]}]),
        base(patient={"Zyxwvut Qa MRN-77731": 1}),
    ],
)
def test_free_text_is_repeated_nowhere_in_an_error(doc: Any) -> None:
    """Not in the value, nor in what is allowed (pydantic's message for an unknown tag quoted it), nor in the field
    (an unknown key): the Python API's errors follow the rule of errors.shown, as the CLI's and the REST API's do."""
    error = err(doc)
    assert error.value is WITHHELD
    for part in ("Zyxwvut", "MRN-77731"):
        assert part not in str(error)
        assert part not in error.field


def test_missing_tumour_is_required() -> None:
    error = err({"id": "x"})
    assert error.field == "tumor"
    assert "required" in error.allowed


def test_error_never_echoes_long_values() -> None:
    secret = "PATIENT-NAME-" + "x" * 200
    error = err(base(tumor={"type": secret}))
    assert secret not in str(error)
    assert len(str(error)) < 400


def test_ratio_within_rounding_tolerance_is_accepted() -> None:
    case = parse_case(
        base(her2_tests=[{"method": "ish", "ratio": 2.3, "her2_copies": 4.1, "cep17_copies": 1.8}])
    )
    assert case.her2_tests[0].effective_ratio == 2.3  # type: ignore[union-attr]


def test_hormone_receptor_status() -> None:
    assert (
        parse_case(base(biomarkers={"er": "low", "pr": "negative"})).biomarkers.hormone_receptor == "positive"
    )
    assert (
        parse_case(base(biomarkers={"er": "negative", "pr": "negative"})).biomarkers.hormone_receptor
        == "negative"
    )
    assert parse_case(base(biomarkers={"er": "negative"})).biomarkers.hormone_receptor is None


def test_therapy_dates_ordered() -> None:
    error = err(
        base(
            history={
                "therapies": [
                    {"agents": ["T-DM1"], "setting": "metastatic", "start": "2024-05-01", "end": "2024-01-01"}
                ]
            }
        )
    )
    assert error.field.startswith("history.therapies.0")


def test_models_are_closed_everywhere() -> None:
    schema = Case.model_json_schema()
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition.get("additionalProperties") is False, name


@pytest.mark.parametrize(
    ("where", "value", "field"),
    [
        ("tumor", {"type": "breast", "histology": "X" * 1001}, "tumor.histology"),
        ("medications", ["Y" * 301], "medications.0"),
    ],
)
def test_absurdly_long_free_text_is_refused(where: str, value: Any, field: str) -> None:
    """A 5,000-character word took a report's PDF two minutes to lay out; free text has a bound."""
    doc: dict[str, Any] = {"schema_version": "1", "id": "x", "tumor": {"type": "breast"}, "her2_tests": []}
    doc[where] = value
    with pytest.raises(InvalidInput) as caught:
        parse_case(doc)
    assert caught.value.field == field
