"""Medications in the FHIR import: current medications and past therapies.

:func:`read_medication` reads a MedicationStatement, MedicationRequest or MedicationAdministration (its
name from the CodeableConcept or the referenced Medication) as a current medication, a therapy in
``history.therapies`` when its setting (neoadjuvant, adjuvant, metastatic) is stated, or a finding.
"""

from __future__ import annotations

import json
import re
from typing import Final, Literal

from her2kit.case import Therapy
from her2kit.interop.fhir_bundle import ImportContext, ref_key
from her2kit.interop.fhir_values import medication_name, parse_date
from her2kit.interop.r4b import Json, resource_name

_CURRENT_REQUEST_INTENTS: Final = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order"}
)


# --- medications ----------------------------------------------------------------------------------


def _setting(res: Json) -> Literal["neoadjuvant", "adjuvant", "metastatic"] | None:
    parts: list[str] = []
    for key in ("category", "reasonCode", "extension", "note", "dosage", "courseOfTherapyType"):
        if key in res:
            parts.append(json.dumps(res[key], ensure_ascii=False))
    text = " ".join(parts).lower()
    if re.search(r"neo-?adjuvant", text):
        return "neoadjuvant"
    if re.search(r"\badjuvant", text):
        return "adjuvant"
    if re.search(r"\bmetastatic\b", text):
        return "metastatic"
    return None


def read_medication(ctx: ImportContext, res: Json) -> None:
    source = resource_name(res)
    kind = str(res.get("resourceType"))
    cc = res.get("medicationCodeableConcept")
    if cc is None and (key := ref_key(res.get("medicationReference"), ctx.index, res)) is not None:
        med = ctx.index.get(key)
        cc = med.get("code") if med else None
    name = medication_name(cc)
    if name is None:
        ctx.ignored.append(f"{source}: no readable medication name")
        return
    status = str(res.get("status"))
    period: Json = res["effectivePeriod"] if isinstance(res.get("effectivePeriod"), dict) else {}
    start = parse_date(period.get("start") or res.get("effectiveDateTime") or res.get("authoredOn"))
    end = parse_date(period.get("end"))
    when = f" ({start}{'..' + str(end) if end else ''})" if start else ""
    if kind == "MedicationRequest" and res.get("doNotPerform") is True:
        # R4 MedicationRequest.doNotPerform is a modifier: "If true indicates that the request is asking for the
        # specified action to not occur" — a request not to give the drug, never a current or past medication.
        ctx.ignored.append(f"{source}: {name} doNotPerform true (a request that it not be given) — not read")
        return
    if kind == "MedicationRequest":
        intent = str(res.get("intent"))
        if intent not in _CURRENT_REQUEST_INTENTS:
            ctx.findings.append(
                f"{source}: {name} recommended (intent {intent}, status {status}){when} — not a current medication"
            )
            return
        current = status in ("active", "on-hold")
        past = status in ("completed", "stopped")
    elif kind == "MedicationAdministration":
        current = status in ("in-progress", "on-hold")
        past = status in ("completed", "stopped")
    else:
        current = status in ("active", "intended", "on-hold")
        past = status in ("completed", "stopped")
    if status in ("entered-in-error", "not-taken", "not-done", "cancelled", "draft"):
        ctx.ignored.append(f"{source}: {name} status {status} — not read")
        return
    setting = _setting(res)
    if current:
        if name not in ctx.medications:
            ctx.medications.append(name)
        ctx.findings.append(f"{source}: {name} {status}{when} → medications")
    if current or past:
        given_from = parse_date(
            period.get("start") or res.get("effectiveDateTime")
        )  # (not an order's authoredOn)
        if setting == "neoadjuvant" and given_from is not None and kind != "MedicationRequest":
            ctx.neoadjuvant_given_from.append(given_from)
        if setting is not None:
            # (FHIR "stopped" says it ended, not that it was completed as planned: the outcome is left unstated)
            outcome: Literal["completed", "ongoing"] | None = (
                "ongoing" if current else "completed" if status == "completed" else None
            )
            ctx.therapies.append(
                Therapy(agents=[name], setting=setting, start=start, end=end, outcome=outcome)
            )
            ctx.findings.append(
                f"{source}: {name} {setting} therapy ({outcome or f'status {status}, outcome not stated'}) → "
                "history.therapies"
            )
        elif past:
            ctx.findings.append(
                f"{source}: {name} {status}{when} — a past therapy whose setting (neoadjuvant, adjuvant, "
                "metastatic) is not stated: not added to history.therapies"
            )
        return
    ctx.findings.append(f"{source}: {name} status {status}{when} — neither current nor clearly past")
