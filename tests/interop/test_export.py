"""assessment_to_fhir: structure, R4B validity, determinism."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle

from her2kit.case import parse_case
from her2kit.interop import assessment_to_fhir, bundle_to_case
from her2kit.match.assess import assess

from .helpers import bundle, cc, condition, obs, patient


def _case():  # type: ignore[no-untyped-def]
    return parse_case(
        {
            "id": "c1",
            "tumor": {"type": "breast", "setting": "metastatic"},
            "her2_tests": [
                {"method": "ihc", "score": "3+", "date": "2024-02-01", "source": "Observation/ihc-1"},
                {"method": "ish", "ratio": 2.5, "her2_copies": 5.0, "date": "2024-02-03"},
            ],
        }
    )


def test_bundle_shape_and_validity() -> None:
    case = _case()
    assessment = assess(case)
    out = assessment_to_fhir(assessment, case)
    Bundle.model_validate(out)
    assert out["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in out["entry"]]
    assert kinds == ["Observation", "DiagnosticReport", "CarePlan"]
    observation, report, plan = (e["resource"] for e in out["entry"])
    assert observation["code"]["coding"][0]["code"] == "48676-1"
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == "LA6576-8"  # positive
    assert observation["extension"][0]["valueString"] == assessment.her2.category == "HER2-positive"
    assert observation["effectiveDateTime"] == "2024-02-03"
    assert observation["derivedFrom"] == [{"reference": "Observation/ihc-1"}]
    notes = " ".join(n["text"] for n in observation["note"])
    assert assessment.her2.summary in notes
    assert all(r.rule in notes for r in assessment.her2.rationale)
    assert report["conclusion"] == assessment.her2.summary
    assert report["result"] == [{"reference": out["entry"][0]["fullUrl"]}]
    assert plan["intent"] == "proposal"
    assert plan["status"] == "draft"
    assert len(plan["activity"]) == len(assessment.options) > 0
    first = plan["activity"][0]["detail"]["description"]
    top = assessment.options[0]
    assert first.startswith(f"#1 {top.name}")
    assert top.evidence.level in first
    assert all(ref in first for ref in top.evidence.references)
    assert "timestamp" not in out


def test_deterministic_and_subject() -> None:
    case = _case()
    a = json.dumps(assessment_to_fhir(assess(case), case), sort_keys=True)
    b = json.dumps(assessment_to_fhir(assess(case), case), sort_keys=True)
    assert a == b
    other = parse_case({**case.model_dump(mode="json", exclude_none=True), "id": "c2"})
    c = assessment_to_fhir(assess(other), other)
    assert c["id"] != json.loads(a)["id"]
    with_subject = assessment_to_fhir(assess(case), case, subject="Patient/p9")
    assert with_subject["entry"][0]["resource"]["subject"] == {"reference": "Patient/p9"}


def test_no_options_no_tests() -> None:
    case = parse_case({"id": "empty", "tumor": {"type": "colorectal"}})
    out = assessment_to_fhir(assess(case), case)
    Bundle.model_validate(out)
    observation = out["entry"][0]["resource"]
    assert "derivedFrom" not in observation
    assert "effectiveDateTime" not in observation


def test_import_then_export_references_input_observations() -> None:
    b = bundle(patient(), condition(), obs("ihc-9", "85319-2", valueCodeableConcept=cc("x", "3+")))
    result = bundle_to_case(b)
    out = assessment_to_fhir(assess(result.case), result.case)
    assert out["entry"][0]["resource"]["derivedFrom"] == [{"reference": "Observation/ihc-9"}]
    assert out["entry"][0]["resource"]["valueCodeableConcept"]["coding"][0]["code"] == "LA6576-8"
