"""Findings of an adversarial review of the FHIR import (2026-11-27): negated wording, score text that is not
one score, value comparators, preliminary results, results not attributable to the patient, versioned
references, NGS wording, copy-number-only NGS, receptor status against its percentage, same-date conflicts and
identifiers in errors and findings. Inputs are the reviewer's minimal bundles (data/audit2/); their Patient
carries sentinel identifiers (id pt-SENT1, name Zyxwvut, birth date 1961-03-12, MRN-77731)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from her2kit.case import IhcTest, IshTest, NgsTest
from her2kit.errors import InvalidInput
from her2kit.interop import bundle_to_case
from her2kit.interop.fhir_values import ihc_score_noted

DATA = Path(__file__).parent / "data" / "audit2"
SENTINELS = ("pt-SENT1", "Zyxwvut", "1961-03-12", "1961", "MRN-77731", "12/03/1961")


def _bundle(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _read(name: str, **kw: Any) -> Any:
    return bundle_to_case(_bundle(name), **kw)


def _ish(result: Any) -> list[IshTest]:
    return [t for t in result.case.her2_tests if isinstance(t, IshTest)]


def _ihc(result: Any) -> list[IhcTest]:
    return [t for t in result.case.her2_tests if isinstance(t, IhcTest)]


# 1. Negated wording is not a result.
def test_no_amplification_detected_is_not_amplified() -> None:
    result = _read("W01a-fish-no-amplification-detected.json")
    assert [t.result for t in _ish(result)] == ["not-amplified"]


def test_a_negated_result_word_is_not_read() -> None:
    result = _read("W01b-fish-not-positive.json")
    assert [t.result for t in _ish(result)] == []
    assert any("fish1" in line for line in result.ignored)


def test_negated_er_wording_is_not_read_as_positive() -> None:
    result = _read("W01c-er-no-staining-detected.json")
    assert result.case.biomarkers.er is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Not amplified", "negative"),
        ("HER2 negative (not amplified)", "negative"),
        ("Negative for amplification", "negative"),
        ("Amplified", "positive"),
        ("Positive", "positive"),
        ("Not detected", "negative"),
        ("No amplification detected", "negative"),
        ("No evidence of HER2 amplification", "negative"),
        ("Absence of amplification", "negative"),
        ("keine Amplifikation", "negative"),
        ("Not positive", None),
        ("not negative", None),
        ("HER2 amplification not present", "negative"),
        ("No amplification detected in a positive control", None),
        ("positive control only; tumour not evaluable", None),
        ("Co-amplified with CEP17 (polysomy)", None),
    ],
)
def test_answer_text(text: str, expected: str | None) -> None:
    from her2kit.interop.fhir_values import answer

    assert answer({"text": text}) == expected


# 2. Score text that is not one score.
@pytest.mark.parametrize(
    "text",
    ["Not 3+", "ER 3+; HER2 1+", "2-3+", "1-2+", "0-1+", "0/1+", "1+ to 2+", "1+ or 2+", "no 3+ staining"],
)
def test_score_text_that_is_not_one_score_is_not_read(text: str) -> None:
    assert ihc_score_noted({"valueString": text}) == (None, None)


@pytest.mark.parametrize(
    ("text", "score"),
    [("0 (negative)", "0"), ("3+ (positive, 3+)", "3+"), ("HER2-null", "0"), ("３+", "3+"), ("3⁺", "3+")],
)
def test_score_text_still_read(text: str, score: str) -> None:
    assert ihc_score_noted({"valueString": text})[0] == score


def test_a_percentage_in_the_score_text_is_the_percent_of_cells() -> None:
    from her2kit.interop.fhir_values import text_percent

    assert text_percent({"valueString": "3+ in 5% of cells"}) == 5.0
    assert text_percent({"valueString": "3+"}) is None
    assert text_percent({"valueString": "3+ (5%, 90%)"}) is None  # two figures: which is meant is unknown


# 3. A value with a comparator is not an exact number.
def test_a_ratio_with_a_comparator_is_not_read_as_the_number() -> None:
    result = _read("W03-ish-ratio-comparator.json")
    assert all(t.ratio is None for t in _ish(result))
    assert any("comparator" in line for line in result.ignored)


# 4. Preliminary results are not final results.
def test_a_preliminary_observation_is_not_used_as_a_result() -> None:
    result = _read("W04-preliminary-ihc3.json")
    assert _ihc(result) == []
    assert any("preliminary" in line for line in result.ignored)


# 6. Results not attributable to the patient are not imported into them.
def test_an_observation_for_another_identifier_is_not_imported() -> None:
    result = _read("W06a-identifier-subject-other-patient.json")
    assert [t.score for t in _ihc(result)] == ["1+"]
    assert any("theirs" in line for line in result.ignored)


def test_an_observation_without_a_subject_in_a_two_patient_bundle_is_not_imported() -> None:
    result = _read("W06b-orphan-in-two-patient-bundle.json", patient_id="pt-SENT1")
    assert [t.score for t in _ihc(result)] == ["1+"]
    assert any("orphan" in line and "subject" in line for line in result.ignored)


# 8. A versioned reference names the same patient.
def test_a_versioned_patient_reference_is_the_same_patient() -> None:
    result = _read("W08a-versioned-subject.json")
    assert sorted(t.score for t in _ihc(result)) == ["1+", "3+"]
    no_patient = _read("W08b-versioned-subject-no-patient.json")
    assert [t.score for t in _ihc(no_patient)] == ["3+", "3+"]  # one patient, not "2 subjects"


# 9, 10. NGS.
def test_ngs_no_amplification_wording_is_not_amplified() -> None:
    result = _read("W09-ngs-no-amplification.json")
    (ngs,) = [t for t in result.case.her2_tests if isinstance(t, NgsTest)]
    assert ngs.erbb2_amplified is not True


def test_a_copy_number_only_ngs_observation_says_no_mutation_result() -> None:
    result = _read("W10-ngs-cnv-only-nsclc.json")
    (ngs,) = [t for t in result.case.her2_tests if isinstance(t, NgsTest)]
    assert ngs.erbb2_mutations_tested is False


# 11. A receptor status that contradicts its own percentage.
def test_er_negative_with_50_percent_is_flagged_and_not_used() -> None:
    result = _read("W11-er-negative-50pct.json")
    assert result.case.biomarkers.er is None
    assert any("ER" in line and "50" in line for line in result.inconsistencies)


# 13. Same-date results that differ: neither is used, whatever the entry order.
@pytest.mark.parametrize("name", ["W13a-order-er-weight.json", "W13b-order-er-weight-reversed.json"])
def test_same_date_conflicts_do_not_depend_on_entry_order(name: str) -> None:
    result = _read(name)
    assert result.case.biomarkers.er is None
    assert result.case.patient.weight_kg is None
    assert any("weight" in line for line in result.inconsistencies)


# 15. Findings say the age, not the birth date or the patient id.
def test_findings_do_not_repeat_the_birth_date_or_patient_id() -> None:
    result = _read("W01a-fish-no-amplification-detected.json")
    lines = [*result.findings, *result.inconsistencies, *result.ignored]
    assert not any(s in line for line in lines for s in ("1961-03-12", "Patient/pt-SENT1"))


def test_an_impossible_birth_date_inconsistency_names_no_identifier() -> None:
    result = _read("L02-birthdate-inconsistency-on-stderr.json")
    assert result.inconsistencies
    assert not any(s in line for line in result.inconsistencies for s in ("pt-SENT1", "2030-02-03"))


# 14. Validation errors never echo patient data.
@pytest.mark.parametrize("name", ["L01a-subject-display-name.json", "L01b-contained-patient-birthdate.json"])
def test_errors_withhold_patient_data_wherever_it_is(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _read(name)
    message = str(caught.value)
    assert not any(s in message for s in SENTINELS), message


# 17. A ratio without a denominator is not a ratio.
def test_a_value_ratio_without_a_denominator_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        _read("U02-ratio-without-denominator.json")
    assert "denominator" in str(caught.value)


# 16. An entry's resource type that R4 does not have, or none, is named with its entry.
@pytest.mark.parametrize(("kind", "shown"), [("Foo", "'Foo'"), (None, "(missing)")])
def test_an_entry_without_a_known_resource_type_is_named(kind: str | None, shown: str) -> None:
    resource: dict[str, Any] = {"id": "x"}
    if kind is not None:
        resource["resourceType"] = kind
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]}
    with pytest.raises(InvalidInput) as caught:
        bundle_to_case(bundle)
    assert caught.value.field == "Bundle.entry[0].resource.resourceType"
    assert shown in str(caught.value)
    assert "R4." not in str(caught.value)


# 18. A ratio in a unit that is not a ratio is not read as one.
def test_a_ratio_in_percent_is_not_read() -> None:
    from .helpers import bundle, condition, obs, patient

    ratio = obs("r1", "49683-6", valueQuantity={"value": 250, "unit": "%", "code": "%"})
    result = bundle_to_case(bundle(patient(), condition(), ratio))
    assert all(t.ratio is None for t in _ish(result))
    assert any("not a ratio" in line for line in result.ignored)
