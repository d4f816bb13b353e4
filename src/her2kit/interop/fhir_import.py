"""FHIR R4 / mCODE → :class:`~her2kit.case.Case`.

:func:`bundle_to_case` reads a Bundle (transaction, collection, searchset, batch, document) or a
single Observation, Patient or Condition. It validates the input with the R4B models of
fhir.resources, reads the resources her2kit understands (see ``docs/fhir.md``), and returns the
case together with one line per resource saying what it yielded (``findings``), what
contradicts itself or another resource (``inconsistencies``) and what was not read
(``ignored``). Nothing is guessed: a stated "HER2 IHC positive" without a score stays a
finding, a past therapy without a stated setting stays a finding, and the clock is never read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from her2kit.case import (
    Biomarkers,
    Case,
    Her2Test,
    History,
    IhcTest,
    IshTest,
    NgsTest,
    Patient,
    Therapy,
    Tumor,
    decode_document,
    invalid_input_from,
)
from her2kit.errors import Her2kitError, InvalidInput
from her2kit.interop import codes as C  # noqa: N812
from her2kit.interop.r4b import Json, resource_name, validate
from her2kit.status import interpret_her2
from her2kit.vocab import normalise_ihc_score, normalise_tumor_type

Stated = Literal["positive", "negative", "equivocal", "indeterminate"]

SINGLE_RESOURCES: Final = frozenset({"Observation", "Patient", "Condition"})
_CANCER_WORDS: Final = re.compile(
    r"malignan|carcinom|cancer|neoplas|tumou?r|neubildung|karzinom|sarcom|adenocarc", re.I
)
_LYMPH_NODE: Final = re.compile(r"lymph", re.I)
_STAGE_IV: Final = re.compile(r"^(stage\s*)?(4|iv)[a-c]?$", re.I)
_DOSE_WORDS: Final = frozenset(
    {
        "injectable",
        "injetable",
        "injection",
        "oral",
        "product",
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "solution",
        "for",
        "infusion",
        "pill",
        "powder",
        "kit",
        "prefilled",
        "syringe",
    }
)
_CURRENT_REQUEST_INTENTS: Final = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order"}
)


class ImportResult(BaseModel):
    """A case read from FHIR, with what each resource yielded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case: Case
    findings: list[str] = Field(default_factory=list, description="what each resource yielded")
    inconsistencies: list[str] = Field(
        default_factory=list, description="statements that contradict their own numbers or each other"
    )
    ignored: list[str] = Field(default_factory=list, description="resources or values her2kit does not read")


def load_bundle_file(path: str | Path) -> dict[str, Any]:
    """Read a FHIR JSON file (a Bundle or one resource) as a dict; bad JSON is :class:`InvalidInput`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput("FHIR file", str(path), "a readable file", hint=exc.strerror) from None
    except UnicodeDecodeError:
        raise InvalidInput("FHIR file", str(path), "UTF-8 encoded JSON") from None
    data = decode_document(text, path.name if path.suffix == ".json" else f"{path.name}.json")
    if not isinstance(data, dict):
        raise InvalidInput(path.name, type(data).__name__, "a JSON object: a FHIR Bundle or resource")
    return data


# --- small readers ------------------------------------------------------------------------------


def _codings(cc: Any) -> list[Json]:
    if not isinstance(cc, dict):
        return []
    return [c for c in cc.get("coding") or [] if isinstance(c, dict)]


def _loinc_codes(cc: Any) -> list[str]:
    return [str(c.get("code")) for c in _codings(cc) if str(c.get("system", "")).rstrip("/") == C.LOINC]


def _words(cc: Any) -> list[str]:
    """Displays and text of a CodeableConcept, text first."""
    out: list[str] = []
    if isinstance(cc, dict) and isinstance(cc.get("text"), str):
        out.append(cc["text"])
    out.extend(str(c["display"]) for c in _codings(cc) if isinstance(c.get("display"), str))
    return out


def _describe(cc: Any) -> str:
    for c in _codings(cc):
        system = str(c.get("system", "")).rstrip("/")
        label = (
            "LOINC" if system == C.LOINC else "SNOMED" if system == C.SNOMED else system.rsplit("/", 1)[-1]
        )
        display = f" {c['display']!r}" if c.get("display") else ""
        return f"{label} {c.get('code')}{display}"
    words = _words(cc)
    return repr(words[0]) if words else "(no code)"


def _answer(cc: Any) -> Stated | None:
    """A qualitative result (positive, negative, equivocal, indeterminate) from a CodeableConcept."""
    for c in _codings(cc):
        system = str(c.get("system", "")).rstrip("/")
        code = str(c.get("code", ""))
        found = C.ANSWER_CODES.get((system, code))
        if found is None and system.endswith("her2neu-status-obds"):
            found = C.MII_HER2_OBDS.get(code)
        if found is not None:
            return found  # type: ignore[return-value]
    for text in _words(cc):
        for pattern, value in C.ANSWER_WORDS:
            if pattern.search(text):
                return value  # type: ignore[return-value]
    return None


def _answers(ccs: Any) -> Stated | None:
    for cc in ccs if isinstance(ccs, list) else [ccs]:
        found = _answer(cc)
        if found is not None:
            return found
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _obs_date(res: Json) -> dt.date | None:
    period: Json = res["effectivePeriod"] if isinstance(res.get("effectivePeriod"), dict) else {}
    for value in (
        res.get("effectiveDateTime"),
        res.get("effectiveInstant"),
        period.get("start"),
        res.get("issued"),
    ):
        found = _date(value)
        if found is not None:
            return found
    return None


def _condition_dates(res: Json) -> list[dt.date]:
    values = [res.get("recordedDate"), res.get("onsetDateTime")]
    onset = res.get("onsetPeriod")
    if isinstance(onset, dict):
        values.append(onset.get("start"))
    for ext in res.get("extension") or []:
        if isinstance(ext, dict) and str(ext.get("url", "")).endswith("condition-assertedDate"):
            values.append(ext.get("valueDateTime"))
    return [d for d in (_date(v) for v in values) if d is not None]


def _ref_id(ref: Any) -> str | None:
    if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
        return str(ref["reference"]).rsplit("/", 1)[-1]
    return None


def _quantity(holder: Json) -> tuple[float, str] | None:
    q = holder.get("valueQuantity")
    if isinstance(q, dict) and isinstance(q.get("value"), int | float):
        return float(q["value"]), str(q.get("code") or q.get("unit") or "")
    if isinstance(holder.get("valueInteger"), int):
        return float(holder["valueInteger"]), ""
    return None


def _fmt(value: float) -> str:
    return f"{value:g}"


def _ihc_score(holder: Json) -> str | None:
    """The HER2 IHC score of a value (CodeableConcept display/code/text, string or integer)."""
    candidates: list[Any] = []
    cc = holder.get("valueCodeableConcept")
    candidates.extend(_words(cc))
    candidates.extend(c.get("code") for c in _codings(cc))
    if "valueString" in holder:
        candidates.append(holder["valueString"])
    if "valueInteger" in holder:
        candidates.append(holder["valueInteger"])
    for value in candidates:
        try:
            return normalise_ihc_score(value)
        except InvalidInput:
            pass
        if isinstance(value, str):
            m = re.search(r"(?<![\d.>])([0-3])\s*\+", value) or re.search(
                r"\bscore\s*:?\s*([0-3])\b", value, re.I
            )
            if m:
                return normalise_ihc_score(m.group(1) + ("+" if m.group(1) != "0" else ""))
    return None


def _value_text(holder: Json) -> str:
    if "valueCodeableConcept" in holder:
        return _describe(holder["valueCodeableConcept"])
    for key in ("valueString", "valueInteger", "valueBoolean"):
        if key in holder:
            return repr(holder[key])
    q = _quantity(holder)
    return f"{_fmt(q[0])} {q[1]}".strip() if q else "(no value)"


def _medication_name(cc: Any) -> str | None:
    texts = _words(cc)
    if not texts:
        return None
    text = texts[0].lower()
    text = re.split(r"\d", text, maxsplit=1)[0]
    words = [w for w in text.replace(",", " ").split() if w not in _DOSE_WORDS]
    return " ".join(words) or None


# --- the import -----------------------------------------------------------------------------------


@dataclass
class _Test:
    test: Her2Test
    source: str
    stated: Stated | None = None


@dataclass
class _Ctx:
    index: dict[str, Json]
    findings: list[str] = field(default_factory=list)
    inconsistencies: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    tests: list[_Test] = field(default_factory=list)
    stated_status: list[tuple[str, dt.date | None, Stated]] = field(default_factory=list)
    breast_only: list[str] = field(default_factory=list)
    receptors: dict[str, list[tuple[dt.date | None, str, str | None, float | None]]] = field(
        default_factory=lambda: {"er": [], "pr": []}
    )
    vitals: dict[str, list[tuple[dt.date | None, float, str]]] = field(default_factory=dict)
    medications: list[str] = field(default_factory=list)
    therapies: list[Therapy] = field(default_factory=list)

    def add(self, test: Her2Test, source: str, what: str, stated: Stated | None = None) -> None:
        self.tests.append(_Test(test, source, stated))
        self.findings.append(f"{source}: {what} → her2_tests[{len(self.tests) - 1}]")


def _entries(doc: Json) -> list[tuple[Json, str | None]]:
    kind = doc.get("resourceType")
    if kind == "Bundle":
        out: list[tuple[Json, str | None]] = []
        for entry in doc.get("entry") or []:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                out.append((entry["resource"], entry.get("fullUrl")))
        return out
    return [(doc, None)]


def _build_index(entries: list[tuple[Json, str | None]]) -> dict[str, Json]:
    index: dict[str, Json] = {}
    for res, full_url in entries:
        index[resource_name(res)] = res
        if full_url:
            index[full_url] = res
    return index


def _ref_key(ref: Any, index: dict[str, Json]) -> str | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    text = str(ref["reference"])
    if text in index:
        return resource_name(index[text])
    parts = text.rstrip("/").split("/")
    if len(parts) >= 2 and "_history" not in parts[-2:]:
        return f"{parts[-2]}/{parts[-1]}"
    return text


def _subject(res: Json, index: dict[str, Json]) -> str | None:
    return _ref_key(res.get("subject") or res.get("patient"), index)


def _select_patient(
    entries: list[tuple[Json, str | None]], index: dict[str, Json], patient_id: str | None
) -> tuple[Json | None, str | None]:
    patients = [r for r, _ in entries if r.get("resourceType") == "Patient"]
    names = [resource_name(p) for p in patients]
    if patient_id is not None:
        wanted = patient_id if patient_id.startswith("Patient/") else f"Patient/{patient_id}"
        for p in patients:
            if resource_name(p) == wanted:
                return p, wanted
        known = {_subject(r, index) for r, _ in entries}
        if wanted in known:
            return None, wanted
        raise InvalidInput(
            "patient_id", patient_id, "a Patient in the bundle: " + (", ".join(names) or "(none)")
        )
    if len(patients) > 1:
        raise InvalidInput(
            "Bundle",
            f"{len(patients)} Patients",
            "one patient per import; name one with patient_id: " + ", ".join(names),
        )
    if patients:
        return patients[0], names[0]
    subjects = sorted({s for s in (_subject(r, index) for r, _ in entries) if s and s.startswith("Patient/")})
    if len(subjects) > 1:
        raise InvalidInput(
            "Bundle",
            f"{len(subjects)} subjects",
            "one patient per import; name one with patient_id: " + ", ".join(subjects),
        )
    return None, (subjects[0] if subjects else None)


def _site(cc: Any) -> tuple[str, str] | None:
    """(tumour type, how it was read) of a Condition code or body site."""
    for c in _codings(cc):
        system = str(c.get("system", "")).lower()
        code = str(c.get("code", "")).upper()
        if "icd-10" in system or "icd10" in system or "icd-o-3" in system or "icd-o" in system:
            for prefix, tumor in C.ICD_SITES:
                if code.startswith(prefix):
                    label = "ICD-O-3" if "icd-o" in system else "ICD-10"
                    return tumor, f"{label} {code}"
        elif system.rstrip("/") == C.SNOMED and code in C.SNOMED_SITES:
            return C.SNOMED_SITES[code], f"SNOMED {code}"
    for text in _words(cc):
        if not _CANCER_WORDS.search(text):
            continue
        if C.SMALL_CELL.search(text):
            return None
        for pattern, tumor in C.SITE_WORDS:
            if pattern.search(text):
                return tumor, f"display {text!r}"
    return None


def _profiles(res: Json) -> list[str]:
    meta: Json = res["meta"] if isinstance(res.get("meta"), dict) else {}
    return [str(p) for p in meta.get("profile") or []]


def _condition_kind(res: Json) -> str:
    profiles = " ".join(_profiles(res)).lower()
    if "secondary-cancer-condition" in profiles or any(
        C.SECONDARY_WORDS.search(t) for t in _words(res.get("code"))
    ):
        return "secondary"
    if "fruehere-tumorerkrankung" in profiles:
        return "prior"
    if "primary-cancer-condition" in profiles or "primaertumor" in profiles:
        return "primary"
    return "other"


def _verification_refuted(res: Json) -> bool:
    codes = {str(c.get("code")) for c in _codings(res.get("verificationStatus"))}
    return bool(codes & {"refuted", "entered-in-error"})


def _tumor(
    ctx: _Ctx,
    conditions: list[Json],
    her2_focus: set[str],
    tumor_type: str | None,
) -> tuple[str, Literal["early", "metastatic"] | None]:
    candidates: list[tuple[Json, str, str]] = []
    fallback: list[tuple[Json, str, str]] = []
    seen: list[str] = []
    metastatic: list[str] = []
    for res in conditions:
        name = resource_name(res)
        seen.append(f"{name} {_describe(res.get('code'))}")
        if _verification_refuted(res):
            ctx.ignored.append(f"{name}: verification status refuted/entered-in-error")
            continue
        kind = _condition_kind(res)
        site = _site(res.get("code")) or _site(
            res.get("bodySite", [None])[0] if res.get("bodySite") else None
        )
        if kind == "secondary":
            text = " ".join(_words(res.get("code")))
            if _LYMPH_NODE.search(text):
                ctx.findings.append(
                    f"{name}: secondary cancer in lymph nodes {_describe(res.get('code'))} (does not set the setting)"
                )
            else:
                metastatic.append(name)
                ctx.findings.append(
                    f"{name}: distant secondary cancer {_describe(res.get('code'))} → tumor.setting metastatic"
                )
            continue
        for stage in res.get("stage") or []:
            summary = stage.get("summary") if isinstance(stage, dict) else None
            values = [str(c.get("code", "")) for c in _codings(summary)] + _words(summary)
            if any(_STAGE_IV.match(v.strip()) for v in values):
                metastatic.append(name)
                ctx.findings.append(f"{name}: stage {values[0]} → tumor.setting metastatic")
        if kind == "prior":
            label = f"{site[0]} ({site[1]})" if site else _describe(res.get("code"))
            ctx.findings.append(f"{name}: prior (earlier) tumour {label} — not the current primary")
            continue
        if site is None:
            if kind == "primary":
                ctx.ignored.append(
                    f"{name}: primary cancer {_describe(res.get('code'))} not mapped to a tumour type"
                )
            else:
                ctx.ignored.append(
                    f"{name}: Condition {_describe(res.get('code'))} is not a cancer her2kit maps"
                )
            continue
        (candidates if kind == "primary" else fallback).append((res, site[0], site[1]))
    chosen = candidates or fallback
    setting: Literal["early", "metastatic"] | None = "metastatic" if metastatic else None
    if tumor_type is not None:
        canonical = normalise_tumor_type(tumor_type, "tumor_type")
        stated = {t for _, t, _ in chosen}
        note = (
            f" (the bundle's Condition says {', '.join(sorted(stated))})"
            if stated and stated != {canonical}
            else ""
        )
        ctx.findings.append(f"tumor.type {canonical} from the tumor_type argument{note}")
        return canonical, setting
    types = {t for _, t, _ in chosen}
    if len(types) > 1:
        focused = [c for c in chosen if resource_name(c[0]) in her2_focus]
        if len({t for _, t, _ in focused}) == 1:
            chosen = focused
        else:
            raise InvalidInput(
                "Condition",
                sorted(types),
                "one primary cancer per import; pass tumor_type (conditions seen: " + "; ".join(seen) + ")",
            )
    if chosen:
        res, tumor, how = chosen[0]
        ctx.findings.append(f"{resource_name(res)}: primary cancer {how} → tumor.type {tumor}")
        return tumor, setting
    if ctx.breast_only:
        ctx.findings.append(
            "tumor.type breast inferred from breast-specific HER2/ER/PR codes ("
            + ", ".join(ctx.breast_only[:3])
            + "): the input has no primary cancer Condition"
        )
        return "breast", setting
    raise InvalidInput(
        "Condition",
        "; ".join(seen) if seen else "(no Condition)",
        "a primary cancer Condition coded ICD-10/ICD-O-3 (C50 breast, C16 stomach, C15 oesophagus, C16.0 GEJ, "
        "C18-C20 colorectum, C34 lung, C22.1/C23/C24 biliary, C54 endometrium, ...) or SNOMED CT, "
        "or pass tumor_type",
    )


# --- observations ---------------------------------------------------------------------------------


def _check_ihc(ctx: _Ctx, source: str, score: str, stated: Stated | None) -> None:
    if stated == "negative" and score == "3+":
        ctx.inconsistencies.append(f"{source}: HER2 IHC 3+ interpreted negative — IHC 3+ is HER2-positive")
    if stated == "positive" and score in ("0", "ultralow", "1+"):
        ctx.inconsistencies.append(
            f"{source}: HER2 IHC {score} interpreted positive — IHC {score} is not positive"
        )


def _read_ihc(
    ctx: _Ctx,
    holder: Json,
    source: str,
    code: str,
    date: dt.date | None,
    specimen: str | None,
    stated: Stated | None,
) -> Stated | None:
    score = _ihc_score(holder)
    if score is not None:
        test = IhcTest(method="ihc", score=score, date=date, specimen_id=specimen, source=source)
        ctx.add(test, source, f"LOINC {code} IHC score {score}", stated)
        _check_ihc(ctx, source, score, stated)
        return {"3+": "positive", "2+": "equivocal"}.get(score, "negative")  # type: ignore[return-value]
    value = _answer(holder.get("valueCodeableConcept"))
    if value is not None:
        ctx.findings.append(
            f"{source}: LOINC {code} HER2 IHC stated {value} without a score ({_value_text(holder)}) — "
            "not a her2_test: her2kit reads the score (0, 1+, 2+, 3+), and a stated result cannot tell "
            "HER2-low from HER2-0"
        )
        return value
    ctx.ignored.append(
        f"{source}: LOINC {code} value {_value_text(holder)} is not an IHC score or a stated result"
    )
    return None


def _check_ratio(ctx: _Ctx, source: str, test: IshTest, stated: Stated | None) -> None:
    ratio = test.effective_ratio
    if ratio is None or stated is None:
        return
    copies = test.her2_copies
    if stated == "negative" and ratio >= 2.0:
        if copies is None:
            ctx.inconsistencies.append(
                f"{source}: ERBB2/CEP17 ratio {_fmt(ratio)} interpreted negative — contradicts ratio ≥ 2.0 "
                "(amplified by the ratio; negative only as ASCO/CAP group 2 with HER2 < 4.0 copies and a "
                "concurrent IHC review, which the observation does not state)"
            )
        elif copies >= 4.0:
            ctx.inconsistencies.append(
                f"{source}: ERBB2/CEP17 ratio {_fmt(ratio)} with {_fmt(copies)} HER2 copies interpreted negative "
                "— contradicts ratio ≥ 2.0 and HER2 ≥ 4.0 (ASCO/CAP group 1, amplified)"
            )
    if stated == "positive" and ratio < 2.0 and copies is not None and copies < 4.0:
        ctx.inconsistencies.append(
            f"{source}: ERBB2/CEP17 ratio {_fmt(ratio)} with {_fmt(copies)} HER2 copies interpreted positive — "
            "contradicts ratio < 2.0 and HER2 < 4.0 (ASCO/CAP group 5, not amplified)"
        )


def _read_ratio(
    ctx: _Ctx, obs: Json, holder: Json, source: str, date: dt.date | None, specimen: str | None
) -> Stated | None:
    ratio: float | None = None
    vr = holder.get("valueRatio")
    if isinstance(vr, dict):
        num = (vr.get("numerator") or {}).get("value")
        den = (vr.get("denominator") or {}).get("value", 1)
        if isinstance(num, int | float) and isinstance(den, int | float) and den:
            ratio = round(float(num) / float(den), 3)
    elif (q := _quantity(holder)) is not None:
        ratio = q[0]
    extra: dict[str, float | int] = {}
    for comp in (obs.get("component") or []) if holder is obs else []:
        code = next(iter(_loinc_codes(comp.get("code"))), None)
        q = _quantity(comp)
        if q is None:
            continue
        if code == C.ERBB2_COPIES:
            extra["her2_copies"] = q[0]
        elif code == C.CEP17_COPIES:
            extra["cep17_copies"] = q[0]
        elif code == C.CELLS_COUNTED and q[0] >= 1:
            extra["cells_counted"] = int(q[0])
    stated = _answers(holder.get("interpretation")) or _answer(holder.get("valueCodeableConcept"))
    if ratio is None and "her2_copies" not in extra:
        if stated is None:
            ctx.ignored.append(f"{source}: LOINC 49683-6 without a ratio, copy numbers or a stated result")
            return None
        result = {"positive": "amplified", "negative": "not-amplified", "equivocal": "equivocal"}.get(stated)
        if result is None:
            ctx.ignored.append(f"{source}: LOINC 49683-6 stated {stated} without numbers")
            return stated
        test = IshTest(method="ish", result=result, date=date, specimen_id=specimen, source=source)
        ctx.add(test, source, f"LOINC 49683-6 ISH stated {result} (no numbers)", stated)
        return stated
    try:
        test = IshTest(method="ish", ratio=ratio, date=date, specimen_id=specimen, source=source, **extra)
    except (InvalidInput, ValidationError) as exc:
        reason = exc.message if isinstance(exc, InvalidInput) else str(exc.errors()[0]["msg"])
        ctx.inconsistencies.append(f"{source}: {reason}; the copy numbers are dropped, the stated ratio kept")
        extra = {k: v for k, v in extra.items() if k == "cells_counted"}
        test = IshTest(method="ish", ratio=ratio, date=date, specimen_id=specimen, source=source, **extra)
    parts = [f"ERBB2/CEP17 ratio {_fmt(ratio)}" if ratio is not None else "ERBB2 copies"]
    if test.her2_copies is not None:
        parts.append(f"HER2 {_fmt(test.her2_copies)}/cell")
    if test.cep17_copies is not None:
        parts.append(f"CEP17 {_fmt(test.cep17_copies)}/cell")
    if test.cells_counted is not None:
        parts.append(f"{test.cells_counted} cells")
    if stated is not None:
        parts.append(f"stated {stated}")
    ctx.add(test, source, "LOINC 49683-6 " + ", ".join(parts), stated)
    _check_ratio(ctx, source, test, stated)
    return stated


def _read_duplication(
    ctx: _Ctx, holder: Json, source: str, date: dt.date | None, specimen: str | None
) -> Stated | None:
    stated = _answer(holder.get("valueCodeableConcept")) or _answers(holder.get("interpretation"))
    result = {"positive": "amplified", "negative": "not-amplified", "equivocal": "equivocal"}.get(
        stated or ""
    )
    if result is None:
        ctx.ignored.append(
            f"{source}: LOINC 96893-3 value {_value_text(holder)} is not positive/negative/equivocal"
        )
        return stated
    test = IshTest(method="ish", result=result, date=date, specimen_id=specimen, source=source)
    ctx.add(
        test,
        source,
        f"LOINC 96893-3 ERBB2 gene duplication by FISH {stated} → ISH {result} (no numbers)",
        stated,
    )
    return stated


def _hgvs(text: str) -> str | None:
    value = text.strip()
    if ":" in value:
        value = value.split(":", 1)[1]
    if not value.startswith("p."):
        return None
    try:
        from her2kit.genomics.hgvs import normalise

        return normalise(value)
    except Exception:  # the genomics parser rejects what it cannot normalise; keep the text
        inner = value[2:]
        if inner.startswith("(") and inner.endswith(")"):
            inner = inner[1:-1]
        return f"p.{inner}" if len(inner) >= 2 else None


def _read_variant(ctx: _Ctx, obs: Json, source: str, date: dt.date | None) -> None:
    gene: str | None = None
    copy_number: float | None = None
    mutations: list[str] = []
    blob: list[str] = []
    for comp in obs.get("component") or []:
        code = next(iter(_loinc_codes(comp.get("code"))), None)
        cc = comp.get("valueCodeableConcept")
        blob.extend(_words(cc) + [str(c.get("code", "")) for c in _codings(cc)])
        if code == C.GENE_STUDIED:
            for c in _codings(cc):
                if c.get("code") == C.ERBB2_HGNC or str(c.get("display", "")).upper() in ("ERBB2", "HER2"):
                    gene = "ERBB2"
                elif gene is None:
                    gene = str(c.get("display") or c.get("code"))
        elif code == C.STRUCTURAL_VARIANT_COPY_NUMBER and (q := _quantity(comp)) is not None:
            copy_number = q[0]
        elif code == C.AMINO_ACID_CHANGE:
            texts = [str(c.get("code", "")) for c in _codings(cc)] + _words(cc)
            if isinstance(comp.get("valueString"), str):
                texts.append(comp["valueString"])
            for text in texts:
                found = _hgvs(text)
                if found:
                    mutations.append(found)
                    break
    for cc in obs.get("interpretation") or []:
        blob.extend(_words(cc))
    if gene is None:
        ctx.ignored.append(f"{source}: LOINC 69548-6 genetic variant without a gene studied (48018-6)")
        return
    if gene != "ERBB2":
        ctx.ignored.append(f"{source}: LOINC 69548-6 genetic variant in {gene} — not ERBB2")
        return
    presence = _answer(obs.get("valueCodeableConcept"))
    if presence == "negative":
        ctx.findings.append(f"{source}: LOINC 69548-6 ERBB2 variant stated absent — not imported")
        return
    text = " ".join(blob).lower()
    amplified: bool | None = None
    if re.search(r"high[\s-]level[\s-]gain|amplif", text):
        amplified = True
    cnv = (
        amplified is not None or copy_number is not None or re.search(r"\bgain\b|loss|copy", text) is not None
    )
    if not cnv and not mutations:
        ctx.ignored.append(f"{source}: LOINC 69548-6 ERBB2 variant without a copy number or a protein change")
        return
    test = NgsTest(
        method="ngs",
        erbb2_amplified=amplified,
        copy_number=copy_number,
        erbb2_mutations=list(dict.fromkeys(mutations)),
        date=date,
        source=source,
    )
    what = []
    if cnv:
        label = (
            "high-level gain"
            if re.search(r"high[\s-]level[\s-]gain", text)
            else ("amplified" if amplified else "copy-number variant")
        )
        what.append(
            f"ERBB2 {label}" + (f", copy number {_fmt(copy_number)}" if copy_number is not None else "")
        )
        if amplified is None:
            ctx.findings.append(
                f"{source}: ERBB2 copy-number change not stated as an amplification — erbb2_amplified left unset"
            )
    if mutations:
        what.append("ERBB2 " + ", ".join(dict.fromkeys(mutations)))
    ctx.add(test, source, "LOINC 69548-6 NGS " + "; ".join(what))


def _read_receptor(ctx: _Ctx, obs: Json, source: str, code: str, date: dt.date | None) -> None:
    which = "er" if code in C.ER_CODES else "pr"
    value = _answer(obs.get("valueCodeableConcept"))
    words = " ".join(_words(obs.get("valueCodeableConcept"))).lower()
    percent: float | None = None
    holders = [obs, *(obs.get("component") or [])]
    for holder in holders:
        q = _quantity(holder)
        if q is not None and q[1] in ("%", "percent") and 0 <= q[0] <= 100:
            percent = q[0]
            break
    status: str | None
    if which == "er" and "low" in words.split():
        status = "low"
    elif value in ("positive", "negative"):
        status = value
        if which == "er" and value == "positive" and percent is not None and 1 <= percent <= 10:
            status = "low"
    else:
        status = None
    if status is None and percent is None:
        ctx.ignored.append(f"{source}: LOINC {code} value {_value_text(obs)} is not a receptor status")
        return
    ctx.receptors[which].append((date, source, status, percent))
    pct = f", {_fmt(percent)}%" if percent is not None else ""
    ctx.findings.append(
        f"{source}: LOINC {code} {which.upper()} {status or 'status not stated'}{pct} → biomarkers.{which}"
    )


def _read_vital(ctx: _Ctx, obs: Json, source: str, code: str, date: dt.date | None) -> None:
    q = _quantity(obs)
    if q is None:
        ctx.ignored.append(f"{source}: LOINC {code} without a quantity")
        return
    value, unit = q
    factors = {
        C.BODY_WEIGHT: {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237, "lb": 0.45359237, "lbs": 0.45359237},
        C.BODY_HEIGHT: {"cm": 1.0, "m": 100.0, "mm": 0.1, "[in_i]": 2.54, "in": 2.54},
        C.LVEF: {"%": 1.0},
    }[code]
    if unit not in factors:
        ctx.ignored.append(f"{source}: LOINC {code} unit {unit!r} not one of {', '.join(factors)}")
        return
    ctx.vitals.setdefault(code, []).append((date, round(value * factors[unit], 2), source))


def _read_observation(ctx: _Ctx, obs: Json) -> None:
    source = resource_name(obs)
    status = obs.get("status")
    codes = _loinc_codes(obs.get("code"))
    if status not in C.OBSERVATION_STATUS_USED:
        ctx.ignored.append(f"{source}: status {status} — not read")
        return
    date = _obs_date(obs)
    specimen = _ref_id(obs.get("specimen"))
    breast = [c for c in codes if c in C.BREAST_ONLY_CODES]
    for comp in obs.get("component") or []:
        breast.extend(c for c in _loinc_codes(comp.get("code")) if c in C.BREAST_ONLY_CODES)
    if breast or any("mamma" in p.lower() for p in _profiles(obs)):
        ctx.breast_only.append(f"{source} ({', '.join(dict.fromkeys(breast)) or 'MII mamma profile'})")
    if C.HER2_INTERPRETATION in codes:
        stated = _answer(obs.get("valueCodeableConcept"))
        if stated is not None:
            ctx.stated_status.append((source, date, stated))
            ctx.findings.append(
                f"{source}: LOINC 48676-1 HER2 interpretation stated {stated} ({_value_text(obs)}) — kept as a "
                "finding; her2kit interprets the tests"
            )
        else:
            ctx.ignored.append(f"{source}: LOINC 48676-1 value {_value_text(obs)} is not a HER2 result")
        component_results: list[tuple[str, Stated | None]] = []
        for comp in obs.get("component") or []:
            ccodes = _loinc_codes(comp.get("code"))
            if C.HER2_IHC_SCORE in ccodes or C.HER2_IHC_PRESENCE in ccodes:
                code = C.HER2_IHC_SCORE if C.HER2_IHC_SCORE in ccodes else C.HER2_IHC_PRESENCE
                component_results.append(
                    ("IHC", _read_ihc(ctx, comp, source, code, date, specimen, stated=None))
                )
            elif C.ERBB2_DUPLICATION_FISH in ccodes:
                component_results.append(("ISH", _read_duplication(ctx, comp, source, date, specimen)))
            elif C.HER2_ISH_RATIO in ccodes:
                component_results.append(("ISH", _read_ratio(ctx, obs, comp, source, date, specimen)))
            elif C.GENE_STUDIED not in ccodes:
                ctx.ignored.append(f"{source}: component {_describe(comp.get('code'))} not read")
        ihc = [r for k, r in component_results if k == "IHC"]
        ish = [r for k, r in component_results if k == "ISH"]
        if stated == "negative" and ("positive" in ihc or "positive" in ish):
            which = "IHC 3+" if "positive" in ihc else "ISH amplified"
            ctx.inconsistencies.append(
                f"{source}: HER2 interpreted negative while its own component reports {which}"
            )
        if stated == "positive" and ihc and all(r == "negative" for r in ihc) and "positive" not in ish:
            ctx.inconsistencies.append(
                f"{source}: HER2 interpreted positive while its own IHC component is 0/1+ and no ISH shows amplification"
            )
        return
    if C.HER2_IHC_SCORE in codes or C.HER2_IHC_PRESENCE in codes:
        code = C.HER2_IHC_SCORE if C.HER2_IHC_SCORE in codes else C.HER2_IHC_PRESENCE
        _read_ihc(ctx, obs, source, code, date, specimen, _answers(obs.get("interpretation")))
    elif C.HER2_ISH_RATIO in codes:
        _read_ratio(ctx, obs, obs, source, date, specimen)
    elif C.ERBB2_DUPLICATION_FISH in codes:
        _read_duplication(ctx, obs, source, date, specimen)
    elif C.GENETIC_VARIANT in codes:
        _read_variant(ctx, obs, source, date)
    elif (receptor := next((c for c in codes if c in C.ER_CODES | C.PR_CODES), None)) is not None:
        _read_receptor(ctx, obs, source, receptor, date)
    elif (vital := next((c for c in codes if c in (C.BODY_WEIGHT, C.BODY_HEIGHT, C.LVEF)), None)) is not None:
        _read_vital(ctx, obs, source, vital, date)
    else:
        ctx.ignored.append(f"{source}: {_describe(obs.get('code'))} — not read by her2kit")


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


def _medication(ctx: _Ctx, res: Json) -> None:
    source = resource_name(res)
    kind = str(res.get("resourceType"))
    cc = res.get("medicationCodeableConcept")
    if cc is None and (key := _ref_key(res.get("medicationReference"), ctx.index)) is not None:
        med = ctx.index.get(key)
        cc = med.get("code") if med else None
    name = _medication_name(cc)
    if name is None:
        ctx.ignored.append(f"{source}: no readable medication name")
        return
    status = str(res.get("status"))
    period: Json = res["effectivePeriod"] if isinstance(res.get("effectivePeriod"), dict) else {}
    start = _date(period.get("start") or res.get("effectiveDateTime") or res.get("authoredOn"))
    end = _date(period.get("end"))
    when = f" ({start}{'..' + str(end) if end else ''})" if start else ""
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
        if setting is not None:
            outcome: Literal["completed", "ongoing"] = "ongoing" if current else "completed"
            ctx.therapies.append(
                Therapy(agents=[name], setting=setting, start=start, end=end, outcome=outcome)
            )
            ctx.findings.append(f"{source}: {name} {setting} therapy ({outcome}) → history.therapies")
        elif past:
            ctx.findings.append(
                f"{source}: {name} {status}{when} — a past therapy whose setting (neoadjuvant, adjuvant, "
                "metastatic) is not stated: not added to history.therapies"
            )
        return
    ctx.findings.append(f"{source}: {name} status {status}{when} — neither current nor clearly past")


# --- assembly -------------------------------------------------------------------------------------


def _latest(items: Iterable[tuple[dt.date | None, Any, Any]]) -> list[tuple[dt.date | None, Any, Any]]:
    return sorted(items, key=lambda t: t[0] or dt.date.min, reverse=True)


def _biomarkers(ctx: _Ctx) -> Biomarkers:
    values: dict[str, Any] = {}
    for which in ("er", "pr"):
        rows = sorted(ctx.receptors[which], key=lambda t: t[0] or dt.date.min, reverse=True)
        if not rows:
            continue
        statuses = {r[2] for r in rows if r[2] is not None}
        if len(statuses) > 1:
            ctx.inconsistencies.append(
                f"{which.upper()} results differ: "
                + "; ".join(f"{r[1]} {r[2]}" for r in rows)
                + " — the latest is used"
            )
        _, _, status, percent = rows[0]
        if which == "pr" and status == "low":
            status = "positive"
        values[which] = status
        values[f"{which}_percent"] = percent
    try:
        return Biomarkers(**values)
    except ValidationError as exc:
        raise invalid_input_from(exc, "biomarkers") from None


def _patient(ctx: _Ctx, patient: Json | None, reference: dt.date | None, source_of_date: str) -> Patient:
    values: dict[str, Any] = {}
    if patient is not None:
        name = resource_name(patient)
        gender = patient.get("gender")
        if gender in C.GENDERS:
            values["sex"] = gender
            ctx.findings.append(f"{name}: gender {gender} → patient.sex")
        birth = _date(patient.get("birthDate"))
        if birth is not None and reference is not None:
            age = reference.year - birth.year - ((reference.month, reference.day) < (birth.month, birth.day))
            if 0 <= age <= 120:
                values["age"] = age
                ctx.findings.append(
                    f"{name}: birthDate {birth}, age {age} at {reference} ({source_of_date}) → patient.age"
                )
            else:
                ctx.inconsistencies.append(f"{name}: birthDate {birth} gives age {age} at {reference}")
        elif birth is not None:
            ctx.findings.append(
                f"{name}: birthDate {birth} but no dated Observation or Condition to compute the age at — "
                "patient.age left unset (the clock is never read)"
            )
    fields = {C.BODY_WEIGHT: "weight_kg", C.BODY_HEIGHT: "height_cm", C.LVEF: "lvef_percent"}
    for code, name in fields.items():
        rows = sorted(ctx.vitals.get(code, []), key=lambda t: t[0] or dt.date.min, reverse=True)
        if rows:
            values[name] = rows[0][1]
            ctx.findings.append(f"{rows[0][2]}: LOINC {code} {_fmt(rows[0][1])} → patient.{name}")
    try:
        return Patient(**values)
    except ValidationError as exc:
        raise invalid_input_from(exc, "patient") from None


def _cross_checks(ctx: _Ctx, tumor: str, tests: list[Her2Test]) -> None:
    if len({s for _, _, s in ctx.stated_status}) > 1:
        ctx.inconsistencies.append(
            "HER2 interpretations (LOINC 48676-1) differ: "
            + "; ".join(f"{src} {s}{' on ' + str(d) if d else ''}" for src, d, s in ctx.stated_status)
        )
    by_specimen: dict[str | None, list[_Test]] = {}
    for t in ctx.tests:
        if isinstance(t.test, IhcTest | IshTest):
            by_specimen.setdefault(t.test.specimen_id, []).append(t)
    for specimen, group in by_specimen.items():
        where = f"specimen {specimen}" if specimen else "tests without a specimen"
        scores = {t.test.score for t in group if isinstance(t.test, IhcTest)}
        if len(scores) > 1:
            srcs = ", ".join(f"{t.source} {t.test.score}" for t in group if isinstance(t.test, IhcTest))
            ctx.inconsistencies.append(f"IHC results on {where} differ: {srcs}")
        ratios = [(t.source, t.test.effective_ratio) for t in group if isinstance(t.test, IshTest)]
        known = [r for _, r in ratios if r is not None]
        if len(known) > 1 and max(known) - min(known) > 0.2:
            srcs = ", ".join(f"{s} {_fmt(r)}" for s, r in ratios if r is not None)
            ctx.inconsistencies.append(f"ISH ratios on {where} differ: {srcs}")
    if tumor != "breast" and ctx.breast_only:
        ctx.inconsistencies.append(
            f"tumor.type is {tumor}, but breast-specific codes or profiles are used: "
            + "; ".join(ctx.breast_only)
            + " — check which tumour the results belong to"
        )
    if ctx.stated_status and tests:
        try:
            status = interpret_her2(tests, tumor)
        except Her2kitError:
            return
        for src, _, stated in ctx.stated_status:
            if {stated, status.result} == {"positive", "negative"}:
                ctx.inconsistencies.append(
                    f"{src}: states HER2 {stated}, but her2kit interprets the imported tests as "
                    f"{status.result} ({status.guideline})"
                )


def bundle_to_case(
    bundle: dict[str, Any],
    *,
    patient_id: str | None = None,
    tumor_type: str | None = None,
    case_id: str | None = None,
) -> ImportResult:
    """Read a FHIR R4 Bundle (or one Observation, Patient or Condition) as a :class:`Case`.

    ``patient_id`` picks one patient of a multi-patient bundle; ``tumor_type`` overrides (or
    supplies, for a lone Observation) the tumour type; ``case_id`` defaults to the Patient id.
    """
    if not isinstance(bundle, dict):
        raise InvalidInput("(document)", type(bundle).__name__, "a JSON object: a FHIR Bundle or resource")
    kind = bundle.get("resourceType")
    if kind != "Bundle" and kind not in SINGLE_RESOURCES:
        raise InvalidInput("resourceType", kind, "Bundle, " + ", ".join(sorted(SINGLE_RESOURCES)))
    notes = validate(bundle)
    entries = _entries(bundle)
    index = _build_index(entries)
    ctx = _Ctx(index=index, findings=notes)
    patient, patient_key = _select_patient(entries, index, patient_id)

    mine: list[Json] = []
    for res, _ in entries:
        subject = _subject(res, index)
        rtype = res.get("resourceType")
        if rtype == "Patient":
            if resource_name(res) != patient_key:
                ctx.ignored.append(f"{resource_name(res)}: another patient")
            continue
        if subject is not None and patient_key is not None and subject != patient_key:
            ctx.ignored.append(f"{resource_name(res)}: belongs to {subject}")
            continue
        mine.append(res)

    conditions = [r for r in mine if r.get("resourceType") == "Condition"]
    dates: list[dt.date] = []
    her2_focus: set[str] = set()
    for res in mine:
        rtype = res.get("resourceType")
        if rtype == "Observation":
            if res.get("status") in C.OBSERVATION_STATUS_USED and (d := _obs_date(res)) is not None:
                dates.append(d)
            if set(_loinc_codes(res.get("code"))) & C.HER2_CODES:
                her2_focus.update(k for k in (_ref_key(f, index) for f in res.get("focus") or []) if k)
            _read_observation(ctx, res)
        elif rtype == "Condition":
            dates.extend(_condition_dates(res))
        elif rtype in ("MedicationStatement", "MedicationRequest", "MedicationAdministration"):
            _medication(ctx, res)
        elif rtype not in ("Medication",):
            ctx.ignored.append(f"{resource_name(res)}: {rtype} not read by her2kit")

    tumor, setting = _tumor(ctx, conditions, her2_focus, tumor_type)
    reference = max(dates) if dates else None
    patient_model = _patient(ctx, patient, reference, "the latest Observation/Condition date in the input")
    tests = [t.test for t in ctx.tests]
    _cross_checks(ctx, tumor, tests)
    if not tests:
        ctx.findings.append(
            "no HER2 test (IHC score, ISH, ERBB2 NGS) in the input — HER2 status will be indeterminate"
        )

    identifier = case_id or (patient_key.split("/", 1)[1] if patient_key else None) or resource_name(bundle)
    try:
        case = Case(
            id=identifier[:200],
            patient=patient_model,
            tumor=Tumor(type=tumor, setting=setting),
            her2_tests=tests,
            biomarkers=_biomarkers(ctx),
            history=History(therapies=ctx.therapies),
            medications=ctx.medications,
        )
    except ValidationError as exc:
        raise invalid_input_from(exc) from None
    return ImportResult(
        case=case, findings=ctx.findings, inconsistencies=ctx.inconsistencies, ignored=ctx.ignored
    )
