"""Small FHIR builders for the interop tests."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def cc(code: str, display: str | None = None, system: str = LOINC) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def patient(pid: str = "p1", birth: str = "1970-05-01", gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": birth, "gender": gender}


def condition(
    cid: str = "c1", code: str = "C50.9", system: str = "http://hl7.org/fhir/sid/icd-10", **kw: Any
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "code": cc(code, system=system),
        "subject": {"reference": "Patient/p1"},
        "meta": {
            "profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"]
        },
    }
    res.update(kw)
    return res


def obs(oid: str, code: str, date: str | None = "2024-03-01", **kw: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": cc(code),
        "subject": {"reference": "Patient/p1"},
    }
    if date:
        res["effectiveDateTime"] = date
    res.update(kw)
    return res


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


def positive() -> dict[str, Any]:
    return cc("LA6576-8", "Positive")


def negative() -> dict[str, Any]:
    return cc("LA6577-6", "Negative")
