"""mCODE TNM category Observations → tumor.t_category / n_category / yp_t_category / yp_n_category.

Source: mCODE TNMPrimaryTumorCategory and TNMRegionalNodesCategory ("Observation resources ... with Observation.code
LOINC 21905-5, 21899-0, or 21911-3" / "21906-3, 21900-6, or 21912-1"); the example values cN0 (cancerstaging.org)
and "American Joint Committee on Cancer pN0 (qualifier value)" (SNOMED CT 1229947003).
"""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.interop import bundle_to_case
from tests.interop.helpers import SNOMED, bundle, cc, condition, obs, patient

AJCC = "http://cancerstaging.org"


def _tnm(oid: str, loinc: str, value: dict[str, Any], date: str = "2024-03-01") -> dict[str, Any]:
    return obs(oid, loinc, date, valueCodeableConcept=value)


def _import(*observations: dict[str, Any]) -> Any:
    return bundle_to_case(bundle(patient(), condition(), *observations))


def test_clinical_t_and_n_are_read_from_ajcc_codes() -> None:
    result = _import(
        _tnm("t", "21905-5", cc("cT2", system=AJCC)), _tnm("n", "21906-3", cc("cN1", system=AJCC))
    )
    tumor = result.case.tumor
    assert (tumor.t_category, tumor.n_category) == ("cT2", "cN1")
    assert any("cT2 → tumor.t_category" in f for f in result.findings)


def test_a_snomed_ajcc_qualifier_display_is_read() -> None:
    value = cc("1229947003", "American Joint Committee on Cancer pN0 (qualifier value)", system=SNOMED)
    result = _import(_tnm("n", "21900-6", value))
    assert result.case.tumor.n_category == "pN0"


def test_an_unprefixed_value_takes_its_prefix_from_the_observation_code() -> None:
    result = _import(_tnm("t", "21899-0", {"text": "T1c"}), _tnm("n", "21906-3", {"text": "N0"}))
    assert (result.case.tumor.t_category, result.case.tumor.n_category) == ("pT1c", "cN0")


def test_other_staging_without_a_prefix_is_not_read() -> None:
    result = _import(_tnm("t", "21911-3", {"text": "T2"}))
    assert result.case.tumor.t_category is None
    assert any("staging type 'other'" in i for i in result.ignored)


def test_pathological_is_used_before_clinical_and_post_neoadjuvant_goes_to_the_yp_fields() -> None:
    result = _import(
        _tnm("ct", "21905-5", cc("cT3", system=AJCC), "2024-01-10"),
        _tnm("cn", "21906-3", cc("cN1", system=AJCC), "2024-01-10"),
        _tnm("ypt", "21899-0", cc("ypT1a", system=AJCC), "2024-06-20"),
        _tnm("ypn", "21900-6", cc("ypN0", system=AJCC), "2024-06-20"),
    )
    tumor = result.case.tumor
    assert (tumor.t_category, tumor.n_category) == ("cT3", "cN1")
    assert (tumor.yp_t_category, tumor.yp_n_category) == ("ypT1a", "ypN0")


def test_both_clinical_and_pathological_keep_the_pathological_and_say_so() -> None:
    result = _import(
        _tnm("cn", "21906-3", cc("cN0", system=AJCC), "2024-01-10"),
        _tnm("pn", "21900-6", cc("pN1a", system=AJCC), "2024-02-10"),
    )
    assert result.case.tumor.n_category == "pN1a"
    assert any("cN0: not used — the pathological category is" in f for f in result.findings)


def test_a_category_contradicting_its_staging_type_is_an_inconsistency() -> None:
    result = _import(_tnm("n", "21906-3", cc("pN1", system=AJCC)))
    assert result.case.tumor.n_category is None
    assert any("holds pN1" in i for i in result.inconsistencies)


def test_same_date_categories_that_differ_leave_the_field_unset() -> None:
    result = _import(
        _tnm("n1", "21900-6", cc("pN0", system=AJCC)),
        _tnm("n2", "21900-6", cc("pN1", system=AJCC)),
    )
    assert result.case.tumor.n_category is None
    assert any("tumor.n_category left unset" in i for i in result.inconsistencies)


@pytest.mark.parametrize("value", [{"text": "T5"}, {"text": "large"}, cc("X", system=AJCC)])
def test_what_is_not_a_category_is_ignored_with_a_reason(value: dict[str, Any]) -> None:
    result = _import(_tnm("t", "21905-5", value))
    assert result.case.tumor.t_category is None
    assert any("is not an AJCC T category" in i for i in result.ignored)


def test_imported_staging_reaches_the_extent_criterion() -> None:
    from her2kit.match import assess

    result = _import(
        _tnm("t", "21905-5", cc("cT1c", system=AJCC)),
        _tnm("n", "21906-3", cc("cN0", system=AJCC)),
        obs("ihc", "85319-2", valueCodeableConcept={"text": "3+"}),
    )
    case = result.case.model_copy(update={"tumor": result.case.tumor.model_copy(update={"setting": "early"})})
    assessment = assess(case)
    reasons = {n.indication: n.reasons for n in assessment.not_recommended}
    assert "2 cm or less, node negative" in " ".join(reasons.get("ind:pertuzumab-breast-neoadjuvant", []))


@pytest.mark.parametrize(("effective", "said"), [("2024-03", "read as undated"), ("2024", "read as undated")])
def test_a_partial_effective_date_is_said_not_dropped_silently(effective: str, said: str) -> None:
    result = _import(obs("ihc", "85319-2", effective, valueCodeableConcept={"text": "3+"}))
    assert any(f"effective date {effective} is partial" in f and said in f for f in result.findings)


def test_a_partial_effective_date_falls_back_to_the_issued_date_and_says_so() -> None:
    result = _import(
        obs("ihc", "85319-2", "2024-03", issued="2024-03-15T10:00:00Z", valueCodeableConcept={"text": "3+"})
    )
    assert any("the issued date 2024-03-15 is used" in f for f in result.findings)
    assert result.case.her2_tests[0].date is not None


def test_observations_contained_in_a_diagnostic_report_are_read() -> None:
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Breast biopsy pathology"},
        "contained": [
            {
                "resourceType": "Observation",
                "id": "ihc",
                "status": "final",
                "code": cc("85319-2"),
                "effectiveDateTime": "2024-03-01",
                "valueCodeableConcept": {"text": "3+"},
            },
            {
                "resourceType": "Observation",
                "id": "tn",
                "status": "final",
                "code": cc("21906-3"),
                "valueCodeableConcept": {"text": "cN1"},
            },
        ],
        "result": [{"reference": "#ihc"}, {"reference": "#tn"}],
    }
    result = bundle_to_case(bundle(patient(), condition(), report))
    assert [t.score for t in result.case.her2_tests] == ["3+"]  # type: ignore[union-attr]
    assert result.case.tumor.n_category == "cN1"
    assert any("DiagnosticReport/r1: 2 contained resource(s) read" in f for f in result.findings)
    assert not any("DiagnosticReport" in i for i in result.ignored)


def test_contained_observations_of_another_patients_report_are_not_read() -> None:
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r2",
        "status": "final",
        "subject": {"reference": "Patient/other"},
        "code": {"text": "pathology"},
        "contained": [
            {
                "resourceType": "Observation",
                "id": "ihc",
                "status": "final",
                "code": cc("85319-2"),
                "valueCodeableConcept": {"text": "3+"},
            }
        ],
    }
    result = bundle_to_case(bundle(patient(), condition(), report))
    assert result.case.her2_tests == []


# ------------------------------------------------------------------------------------------ bundle invariants
def _ihc(oid: str, score: str, **kw: Any) -> dict[str, Any]:
    return obs(oid, "85319-2", valueCodeableConcept={"text": score}, **kw)


def test_an_identical_resource_given_twice_is_read_once() -> None:
    result = bundle_to_case(bundle(patient(), condition(), _ihc("i1", "2+"), _ihc("i1", "2+")))
    assert len(result.case.her2_tests) == 1
    assert any("Observation/i1: given 2 times, identical — read once" in f for f in result.findings)


def test_versions_of_one_resource_keep_the_highest_version() -> None:
    old = _ihc("i1", "2+", meta={"versionId": "1"})
    new = _ihc("i1", "3+", meta={"versionId": "2"})
    result = bundle_to_case(bundle(patient(), condition(), new, old))
    assert [t.score for t in result.case.her2_tests] == ["3+"]  # type: ignore[union-attr]
    assert any("versionId 2 (the highest) is read" in f for f in result.findings)


def test_differing_copies_without_versions_are_not_read_and_say_so() -> None:
    result = bundle_to_case(bundle(patient(), condition(), _ihc("i1", "2+"), _ihc("i1", "3+")))
    assert result.case.her2_tests == []
    assert any("Observation/i1: given 2 times with different content" in i for i in result.inconsistencies)


def test_a_duplicated_patient_is_named_without_its_id() -> None:
    result = bundle_to_case(bundle(patient(), patient(birth="1971-01-01"), condition(), _ihc("i1", "3+")))
    text = " ".join([*result.findings, *result.inconsistencies])
    assert "a Patient resource: given 2 times" in text
    assert "Patient/p1" not in text


def test_one_page_of_a_paged_search_says_the_other_pages_are_not_read() -> None:
    doc = bundle(patient(), condition(), _ihc("i1", "3+"), kind="searchset")
    doc["link"] = [
        {"relation": "self", "url": "http://x/fhir/Observation?page=1"},
        {"relation": "next", "url": "http://x/fhir/Observation?page=2"},
    ]
    result = bundle_to_case(doc)
    assert any("one page of a paged search result" in i for i in result.inconsistencies)


# ------------------------------------------------------------------------------------ second review (s9)
def _neoadjuvant_med() -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": "m1",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": "trastuzumab"},
        "category": {"text": "neoadjuvant"},
        "effectivePeriod": {"start": "2024-01-15", "end": "2024-05-01"},
    }


def test_after_neoadjuvant_therapy_unprefixed_pathological_values_are_yp() -> None:
    result = _import(
        _tnm("ct", "21905-5", cc("cT2", system=AJCC), "2024-01-10"),
        _tnm("pt", "21899-0", {"text": "T1b"}, "2024-06-01"),
        _neoadjuvant_med(),
    )
    tumor = result.case.tumor
    if not any(t.setting == "neoadjuvant" for t in result.case.history.therapies):
        pytest.skip("the medication's setting is not read from this shape")
    assert (tumor.t_category, tumor.yp_t_category) == ("cT2", "ypT1b")


def test_without_neoadjuvant_therapy_the_later_of_clinical_and_pathological_is_used() -> None:
    result = _import(
        _tnm("pt", "21899-0", cc("pT1c", system=AJCC), "2015-03-01"),
        _tnm("ct", "21905-5", cc("cT4b", system=AJCC), "2024-03-01"),
    )
    assert result.case.tumor.t_category == "cT4b"


def test_staging_focused_on_another_cancer_is_not_read() -> None:
    lung = condition("c2", code="C34.1")
    t = _tnm("t", "21905-5", cc("cT4", system=AJCC))
    t["focus"] = [{"reference": "Condition/c2"}]
    result = bundle_to_case(bundle(patient(), condition(), lung, t), tumor_type="breast")
    assert result.case.tumor.t_category is None
    assert any("staging of another Condition than the primary read — not read" in i for i in result.ignored)


def test_a_value_naming_two_categories_is_an_inconsistency() -> None:
    value = {"coding": [{"system": AJCC, "code": "cN0(i+)"}], "text": "cN2"}
    result = _import(_tnm("n", "21906-3", value))
    assert result.case.tumor.n_category is None
    assert any("holds different categories" in i for i in result.inconsistencies)


def test_a_partial_date_on_an_unread_observation_is_not_mentioned() -> None:
    result = _import(obs("x", "2160-0", "2024-03", valueQuantity={"value": 1.0, "unit": "mg/dL"}))
    assert not any("is partial" in f for f in result.findings)


# ------------------------------------------------------------------------------------ third review (s9)
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("T-DM1 100 mg injection", "t-dm1"),
        ("5-FU", "5-fu"),
        ("S-1 20 mg capsule", "s-1"),
        ("trastuzumab 150 MG Injection", "trastuzumab"),
    ],
)
def test_medication_names_keep_their_digits(text: str, name: str) -> None:
    from her2kit.interop.fhir_values import medication_name

    assert medication_name({"text": text}) == name


def test_a_clinical_restaging_during_neoadjuvant_therapy_is_not_the_presentation() -> None:
    result = _import(
        _tnm("ct", "21905-5", cc("cT3", system=AJCC), "2024-01-10"),
        _tnm("ct2", "21905-5", {"text": "T1"}, "2024-05-01"),
        _neoadjuvant_med(),
    )
    if not any(t.setting == "neoadjuvant" for t in result.case.history.therapies):
        pytest.skip("the medication's setting is not read from this shape")
    assert result.case.tumor.t_category == "cT3"
    assert any("read as yc (a restaging)" in f for f in result.findings)


def test_staging_of_an_earlier_cancer_is_not_read() -> None:
    earlier = condition("c0", code="C50.9", clinicalStatus={"coding": [{"code": "resolved"}]})
    n = _tnm("n", "21900-6", cc("pN2a", system=AJCC), "2012-01-01")
    n["focus"] = [{"reference": "Condition/c0"}]
    her2 = obs("ihc", "85319-2", valueCodeableConcept={"text": "3+"}, focus=[{"reference": "Condition/c1"}])
    result = bundle_to_case(bundle(patient(), condition(), earlier, n, her2))
    assert result.case.tumor.n_category is None


def test_an_order_date_is_not_when_neoadjuvant_therapy_started() -> None:
    order = {
        "resourceType": "MedicationRequest",
        "id": "rq",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": "trastuzumab"},
        "category": [{"text": "neoadjuvant"}],
        "authoredOn": "2024-01-10",
    }
    result = _import(_tnm("ct", "21905-5", cc("cT2", system=AJCC), "2024-01-12"), order)
    assert result.case.tumor.t_category == "cT2"


def test_staging_focused_on_another_primary_than_the_her2_results_is_an_inconsistency() -> None:
    c2 = condition("c2", code="C50.4")
    t = _tnm("t", "21899-0", cc("pT2", system=AJCC))
    t["focus"] = [{"reference": "Condition/c2"}]
    her2 = obs("ihc", "85319-2", valueCodeableConcept={"text": "3+"}, focus=[{"reference": "Condition/c1"}])
    result = bundle_to_case(bundle(patient(), condition(), c2, t, her2))
    assert result.case.tumor.t_category is None
    assert any("while the HER2 results focus on Condition/c1" in i for i in result.inconsistencies)


def test_with_neoadjuvant_orders_only_differing_clinical_categories_are_not_guessed() -> None:
    order = {
        "resourceType": "MedicationRequest",
        "id": "rq",
        "status": "completed",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": "pertuzumab"},
        "category": [{"text": "neoadjuvant"}],
        "authoredOn": "2024-01-20",
    }
    result = _import(
        _tnm("c1", "21905-5", cc("cT3", system=AJCC), "2024-01-10"),
        _tnm("c2", "21905-5", cc("cT1c", system=AJCC), "2024-05-20"),
        order,
    )
    if not any(t.setting == "neoadjuvant" for t in result.case.history.therapies):
        pytest.skip("the order's setting is not read from this shape")
    assert result.case.tumor.t_category is None
    assert any("which is the presentation is not known" in i for i in result.inconsistencies)
