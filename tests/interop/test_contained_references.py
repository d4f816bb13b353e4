"""Local references (FHIR R4, Resource.contained and References: "#x" names the resource with id x contained in the
same resource; a contained resource names its container "#"). The import resolves them within the container: a
Patient's contained Observation whose subject is "#" is the Patient's, a contained Medication is read through
``medicationReference: "#med"``, and a contained copy number joins the contained ratio it is derived from (or that
has it as a member). The test sources reference contained resources this way only ("#ihc"); the import's own name
for a contained resource, ``DiagnosticReport/r1#ihc``, is no FHIR reference."""

from __future__ import annotations

from typing import Any

from her2kit.case import IshTest
from her2kit.interop import bundle_to_case

from .helpers import bundle, cc, condition, patient

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _contained_obs(oid: str, code: str, date: str = "2024-03-01", **kw: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": cc(code),
        "effectiveDateTime": date,
    }
    res.update(kw)
    return res


def test_an_observation_the_patient_contains_with_subject_hash_is_the_patient_s() -> None:
    p = patient()
    p["contained"] = [_contained_obs("ihc", "85319-2", subject={"reference": "#"}, valueString="3+")]
    result = bundle_to_case(bundle(p, condition()))
    assert [t.score for t in result.case.her2_tests] == ["3+"]  # type: ignore[union-attr]
    assert not any("another subject" in line for line in result.ignored)


def _statement(mid: str, **kw: Any) -> dict[str, Any]:
    """A completed metastatic-setting MedicationStatement (a past therapy the import adds to the history)."""
    res: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": mid,
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "category": {"text": "metastatic"},
        "effectivePeriod": {"start": "2023-01-15", "end": "2023-05-01"},
    }
    res.update(kw)
    return res


TRASTUZUMAB = {"resourceType": "Medication", "id": "med", "code": cc("224905", "trastuzumab", RXNORM)}


def test_a_contained_medication_is_read_through_its_local_reference() -> None:
    statement = _statement("m1", medicationReference={"reference": "#med"}, contained=[TRASTUZUMAB])
    result = bundle_to_case(bundle(patient(), condition(), statement))
    assert [t.agents for t in result.case.history.therapies] == [["trastuzumab"]]
    assert not any("no readable medication name" in line for line in result.ignored)


def test_a_local_reference_does_not_reach_into_another_container() -> None:
    lost = _statement("m1", medicationReference={"reference": "#med"})
    other = _statement("m2", medicationCodeableConcept={"text": "pertuzumab"}, contained=[TRASTUZUMAB])
    result = bundle_to_case(bundle(patient(), condition(), lost, other))
    assert [t.agents for t in result.case.history.therapies] == [["pertuzumab"]]
    assert any("MedicationStatement/m1: no readable medication name" in line for line in result.ignored)


def _report(*contained: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "code": cc("48676-1"),
        "subject": {"reference": "Patient/p1"},
        "result": [{"reference": f"#{c['id']}"} for c in contained],
        "contained": list(contained),
    }


def test_a_contained_copy_number_joins_the_ratio_it_is_derived_from() -> None:
    # (a day apart and without a specimen: only the reference joins them)
    ratio = _contained_obs("ratio", "49683-6", valueQuantity={"value": 2.2})
    copies = _contained_obs(
        "cn",
        "74860-8",
        "2024-03-02",
        valueQuantity={"value": 4.4, "unit": "{copies}"},
        derivedFrom=[{"reference": "#ratio"}],
    )
    result = bundle_to_case(bundle(patient(), condition(), _report(ratio, copies)))
    (ish,) = result.case.her2_tests
    assert isinstance(ish, IshTest)
    assert (ish.ratio, ish.her2_copies) == (2.2, 4.4)


def test_a_contained_copy_number_joins_the_ratio_it_is_a_member_of() -> None:
    ratio = _contained_obs("ratio", "49683-6", valueQuantity={"value": 2.2}, hasMember=[{"reference": "#cn"}])
    copies = _contained_obs("cn", "74860-8", "2024-03-02", valueQuantity={"value": 4.4, "unit": "{copies}"})
    result = bundle_to_case(bundle(patient(), condition(), _report(ratio, copies)))
    (ish,) = result.case.her2_tests
    assert isinstance(ish, IshTest)
    assert (ish.ratio, ish.her2_copies) == (2.2, 4.4)


def test_resources_a_patient_contains_are_named_without_the_patient_s_id() -> None:
    """A contained resource is named after its container (``Container/id#x``); for a Patient that put the Patient's
    id, a patient identifier, into findings and into the tests' ``source`` — which docs/fhir.md says never happens."""
    p = patient()
    p["id"] = "mrn-4471923"
    p["contained"] = [_contained_obs("ihc", "85319-2", subject={"reference": "#"}, valueString="3+")]
    doc = bundle(p, condition(subject={"reference": "Patient/mrn-4471923"}))
    result = bundle_to_case(doc)
    (test,) = result.case.her2_tests
    assert test.source == "Patient#ihc"
    # (the case's own id is the Patient's by design; nothing else may carry it)
    shown = result.case.model_dump_json(exclude={"id"})
    text = "\n".join([*result.findings, *result.inconsistencies, *result.ignored, shown])
    assert "4471923" not in text
    assert "Patient: 1 contained resource(s) read (Observation)" in result.findings


def test_two_patients_contained_resources_keep_apart() -> None:
    first, second = patient(), patient()
    first["id"], second["id"] = "p-a", "p-b"
    first["contained"] = [_contained_obs("ihc", "85319-2", subject={"reference": "#"}, valueString="3+")]
    second["contained"] = [_contained_obs("ihc", "85319-2", subject={"reference": "#"}, valueString="0")]
    doc = bundle(first, second, condition(subject={"reference": "Patient/p-b"}))
    result = bundle_to_case(doc, patient_id="p-b")
    assert [t.score for t in result.case.her2_tests] == ["0"]  # type: ignore[union-attr]
    text = "\n".join([*result.findings, *result.inconsistencies, *result.ignored])
    assert "p-a" not in text
    assert "p-b" not in text
