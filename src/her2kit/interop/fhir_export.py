""":class:`~her2kit.assessment.Assessment` → FHIR R4 Bundle (type ``collection``).

The bundle holds an Observation (LOINC 48676-1) with the interpreted HER2 status, a
DiagnosticReport whose conclusion is the status summary, and a CarePlan (intent
``proposal``) with one activity per ranked option. It is deterministic: ids are UUID v5
of the case id, and every date comes from the case (the latest HER2 test date), never from
the clock. The output is validated with the R4B models of fhir.resources before it is returned.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, Final

from her2kit.assessment import Assessment, Option
from her2kit.case import Case
from her2kit.interop import codes as C  # noqa: N812
from her2kit.interop.r4b import Json, validate

if TYPE_CHECKING:
    from her2kit.interop.fhir_import import ImportResult

NAMESPACE: Final = uuid.UUID("3c5b1f1e-8d0a-5b7e-9f4a-2b6c8e1d4a70")  # fixed: ids are stable across releases
EXTENSION_BASE: Final = "urn:her2kit:fhir:StructureDefinition"
CATEGORY_EXTENSION: Final = f"{EXTENSION_BASE}:her2-category"
ISH_GROUP_EXTENSION: Final = f"{EXTENSION_BASE}:ish-group"
CASE_ID_SYSTEM: Final = "urn:her2kit:case-id"
KB_SYSTEM: Final = "urn:her2kit:kb-version"
RULE_SYSTEM: Final = "urn:her2kit:rule"


def _uuid(case_id: str, kind: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{case_id}\x1f{kind}"))


def _status_text(result: str) -> str:
    return {"positive": "Positive", "negative": "Negative", "equivocal": "Equivocal"}.get(
        result, "Indeterminate"
    )


def _option_text(option: Option) -> str:
    ev = option.evidence
    parts = [
        f"#{option.rank} {option.name}",
        f"{option.setting}" + (f", {option.line}" if option.line else ""),
    ]
    parts.append(f"evidence: {ev.regulatory}, ESCAT {ev.level}")
    if ev.trials:
        parts.append("trials: " + ", ".join(ev.trials))
    if option.regimen:
        parts.append(f"regimen: {option.regimen}")
    if option.missing:
        parts.append("to confirm: " + "; ".join(option.missing))
    if option.contraindications:
        parts.append("contraindications: " + "; ".join(f.text for f in option.contraindications))
    if option.cautions:
        parts.append("cautions: " + "; ".join(f.text for f in option.cautions))
    parts.append("references: " + ", ".join(ev.references))
    parts.append(f"indication: {option.id}")
    return " | ".join(parts)


# A test source the export may reference: the logical id of an Observation, or the fullUrl of one that had none (a
# transaction's urn:uuid, or an absolute URL). A contained result ("DiagnosticReport/r1#ihc") cannot be referenced
# from outside its container, and a source that is not a FHIR reference (a report, a lab) is not one: both are left
# out rather than turned into a reference that does not resolve.
_RESOLVABLE: Final = re.compile(
    r"Observation/[A-Za-z0-9\-.]{1,64}"
    r"|urn:uuid:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
    r"|urn:oid:[0-2](?:\.(?:0|[1-9][0-9]*))+"
    r"|https?://[^\s#?]+/Observation/[A-Za-z0-9\-.]{1,64}(?:/_history/[A-Za-z0-9\-.]{1,64})?"
)


def _derived_from(assessment: Assessment, case: Case) -> list[Json]:
    refs: list[str] = []
    indices = assessment.her2.basis or list(range(len(case.her2_tests)))
    for i in indices:
        if 0 <= i < len(case.her2_tests):
            source = case.her2_tests[i].source or ""
            if _RESOLVABLE.fullmatch(source) and source not in refs:
                refs.append(source)
    return [{"reference": r} for r in refs]


def _laboratory_notes(assessment: Assessment, imported: ImportResult | None) -> list[Json]:
    """A note per stated 48676-1 interpretation that her2kit's result contradicts (positive against negative, as the
    import's inconsistency says), naming the Observation, its date and the two results — no text of the input."""
    if imported is None:
        return []
    result = assessment.her2.result
    notes: list[Json] = []
    for stated in imported.her2_interpretations:
        if {stated.result, result} == {"positive", "negative"}:
            when = f", {stated.date.isoformat()}" if stated.date else ""
            notes.append(
                {
                    "text": f"Laboratory interpretation differs: {stated.source} (LOINC {C.HER2_INTERPRETATION}{when}) "
                    f"states HER2 {stated.result}; her2kit interprets the imported tests as {result}."
                }
            )
    return notes


def _effective(assessment: Assessment, case: Case) -> str | None:
    indices = assessment.her2.basis or list(range(len(case.her2_tests)))
    dates = [case.her2_tests[i].date for i in indices if 0 <= i < len(case.her2_tests)]
    known = [d for d in dates if d is not None]
    return max(known).isoformat() if known else None


def assessment_to_fhir(
    assessment: Assessment, case: Case, *, subject: str | None = None, imported: ImportResult | None = None
) -> dict[str, Any]:
    """The assessment as an R4 Bundle of type ``collection`` (a plain JSON-ready dict).

    ``subject`` (e.g. ``"Patient/123"``) is the patient reference to use; else, with ``imported`` (the
    :class:`ImportResult` the case came from), the input's ``Patient/<id>``; without either the resources point at
    the case by identifier (system ``urn:her2kit:case-id``). With ``imported``, the laboratory's stated 48676-1
    interpretations that her2kit's result contradicts are notes of the Observation.
    """
    if subject is None and imported is not None:
        subject = imported.patient_reference
    case_id = assessment.case_id
    her2 = assessment.her2
    obs_id, report_id, plan_id, bundle_id = (
        _uuid(case_id, k) for k in ("observation", "report", "careplan", "bundle")
    )
    obs_url, report_url, plan_url = (f"urn:uuid:{i}" for i in (obs_id, report_id, plan_id))
    patient: Json = (
        {"reference": subject}
        if subject
        else {
            "identifier": {"system": CASE_ID_SYSTEM, "value": case_id},
            "display": f"her2kit case {case_id}",
        }
    )
    rules = list(dict.fromkeys(r.rule for r in her2.rationale))
    value: Json = {
        "coding": C.RESULT_CODINGS[her2.result],
        "text": f"{_status_text(her2.result)} ({her2.category})",
    }
    extensions: list[Json] = [{"url": CATEGORY_EXTENSION, "valueString": her2.category}]
    if her2.ish_group is not None:
        extensions.append({"url": ISH_GROUP_EXTENSION, "valueInteger": her2.ish_group})
    notes = [{"text": her2.summary}]
    notes.append({"text": f"Guideline: {her2.guideline}. Rules: {', '.join(rules) if rules else '(none)'}."})
    notes.extend({"text": f"Action ({a.code}): {a.text}"} for a in her2.actions)
    notes.extend({"text": f"Discordance ({d.code}): {d.text}"} for d in her2.discordances)
    notes.extend({"text": n} for n in her2.notes)
    notes.extend(_laboratory_notes(assessment, imported))
    effective = _effective(assessment, case)
    observation: Json = {
        "resourceType": "Observation",
        "id": obs_id,
        "extension": extensions,
        "status": "preliminary" if her2.provisional else "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                        "display": "Laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": C.LOINC,
                    "code": C.HER2_INTERPRETATION,
                    "display": "HER2 [Interpretation] in Tissue",
                }
            ]
        },
        "subject": patient,
        "valueCodeableConcept": value,
        "method": {
            "text": f"her2kit interpretation under {her2.guideline} (knowledge base {assessment.kb_version})"
        },
        "note": notes,
    }
    if effective:
        observation["effectiveDateTime"] = effective
    derived = _derived_from(assessment, case)
    if derived:
        observation["derivedFrom"] = derived

    report: Json = {
        "resourceType": "DiagnosticReport",
        "id": report_id,
        "status": "preliminary" if her2.provisional else "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                        "code": "PAT",
                        "display": "Pathology",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": C.LOINC,
                    "code": C.HER2_INTERPRETATION,
                    "display": "HER2 [Interpretation] in Tissue",
                }
            ],
            "text": "her2kit HER2 assessment",
        },
        "subject": patient,
        "result": [{"reference": obs_url}],
        "conclusion": her2.summary,
        "conclusionCode": [value],
    }
    if effective:
        report["effectiveDateTime"] = effective

    activities: list[Json] = []
    for option in sorted(assessment.options, key=lambda o: (o.rank, o.id)):
        activities.append(
            {
                "detail": {
                    "kind": "MedicationRequest",
                    "code": {
                        "coding": [{"system": "urn:her2kit:indication", "code": option.id}],
                        "text": option.name,
                    },
                    "status": "not-started",
                    "productCodeableConcept": {"text": " + ".join(option.agents)},
                    "description": _option_text(option),
                }
            }
        )
    plan_notes = [{"text": n} for n in assessment.notes]
    plan_notes.extend(
        {"text": f"Not recommended: {nr.name} ({nr.indication}): {'; '.join(nr.reasons)}"}
        for nr in assessment.not_recommended
    )
    careplan: Json = {
        "resourceType": "CarePlan",
        "id": plan_id,
        "identifier": [{"system": KB_SYSTEM, "value": assessment.kb_version}],
        "status": "draft",
        "intent": "proposal",
        "title": "her2kit HER2-directed options",
        "description": (
            f"{len(assessment.options)} ranked HER2-directed option(s) for case {case_id}; "
            "her2kit supports clinical decisions, it does not make them."
        ),
        "subject": patient,
        "supportingInfo": [{"reference": report_url}, {"reference": obs_url}],
    }
    if activities:
        careplan["activity"] = activities
    if plan_notes:
        careplan["note"] = plan_notes

    bundle: Json = {
        "resourceType": "Bundle",
        "id": bundle_id,
        "identifier": {"system": CASE_ID_SYSTEM, "value": case_id},
        "type": "collection",
        "entry": [
            {"fullUrl": obs_url, "resource": observation},
            {"fullUrl": report_url, "resource": report},
            {"fullUrl": plan_url, "resource": careplan},
        ],
    }
    validate(bundle)
    return bundle
