"""Observations in the FHIR import: HER2 IHC, ISH, ERBB2 duplication and variants, ER/PR, vitals.

:func:`read_observation` dispatches one Observation (or its components) by LOINC code to the readers of
an IHC score, an ERBB2/CEP17 ratio with copy numbers, an ERBB2 gene duplication by FISH, an ERBB2 genetic
variant (copy number, HGVS protein change), an ER or PR receptor status and a body weight, height or
LVEF; each checks a stated interpretation against its own numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from pydantic import ValidationError

from her2kit.case import IhcTest, IshTest, NgsTest
from her2kit.errors import MISSING, InvalidInput
from her2kit.interop import codes as C  # noqa: N812
from her2kit.interop.fhir_bundle import ImportContext, StagingRow, meta_profiles, off_primary_focus, ref_key
from her2kit.interop.fhir_values import (
    NEGATION,
    Stated,
    answer,
    answers,
    codings,
    comparator,
    concept_words,
    describe,
    describe_code,
    fmt,
    ihc_score_noted,
    loinc_codes,
    obs_date,
    partial_effective,
    quantity,
    ref_id,
    text_answer,
    text_percent_noted,
    value_text,
)
from her2kit.interop.r4b import Json, resource_name
from her2kit.tnm import Category, parse_n, parse_t

# --- observations ---------------------------------------------------------------------------------


def _check_ihc(ctx: ImportContext, source: str, score: str, stated: Stated | None) -> None:
    if stated == "negative" and score == "3+":
        ctx.inconsistencies.append(f"{source}: HER2 IHC 3+ interpreted negative — IHC 3+ is HER2-positive")
    if stated == "positive" and score in ("0", "ultralow", "1+"):
        ctx.inconsistencies.append(
            f"{source}: HER2 IHC {score} interpreted positive — IHC {score} is not positive"
        )


def _read_ihc(
    ctx: ImportContext,
    holder: Json,
    source: str,
    code: str,
    date: dt.date | None,
    specimen: str | None,
    stated: Stated | None,
) -> Stated | None:
    score, note = ihc_score_noted(holder)
    if score is not None:
        percent, bound = text_percent_noted(holder)
        test = IhcTest(
            method="ihc",
            score=score,
            percent_cells=percent,
            date=date,
            specimen_id=specimen,
            source=source,
        )
        ctx.add(test, source, f"LOINC {code} IHC score {score}", stated)
        if note is not None:
            ctx.findings.append(f"{source}: LOINC {code} value {value_text(holder)}: {note}")
        if bound is not None:
            ctx.findings.append(
                f"{source}: LOINC {code} the percentage in the score text ({bound}) is a bound, not a measurement — "
                "not read as percent_cells (a value with a comparator is not read)"
            )
        _check_ihc(ctx, source, score, stated)
        return {"3+": "positive", "2+": "equivocal"}.get(score, "negative")  # type: ignore[return-value]
    value = answer(holder.get("valueCodeableConcept"))
    where = value_text(holder)
    if value is None:
        value = stated if stated is not None else answers(holder.get("interpretation"))
        where = "from Observation.interpretation, no value"
    if value is not None:
        ctx.findings.append(
            f"{source}: LOINC {code} HER2 IHC stated {value} without a score ({where}) — "
            "not a her2_test: her2kit reads the score (0, 1+, 2+, 3+), and a stated result cannot tell "
            "HER2-low from HER2-0"
        )
        return value
    ctx.ignored.append(
        f"{source}: LOINC {code} value {value_text(holder)} is not an IHC score or a stated result"
    )
    return None


def _check_ratio(ctx: ImportContext, source: str, test: IshTest, stated: Stated | None) -> None:
    ratio = test.effective_ratio
    if ratio is None or stated is None:
        return
    copies = test.her2_copies
    if stated == "negative" and ratio >= 2.0:
        if copies is None:
            ctx.inconsistencies.append(
                f"{source}: ERBB2/CEP17 ratio {fmt(ratio)} interpreted negative — contradicts ratio ≥ 2.0 "
                "(amplified by the ratio; negative only as ASCO/CAP group 2 with HER2 < 4.0 copies and a "
                "concurrent IHC review, which the observation does not state)"
            )
        elif copies >= 4.0:
            ctx.inconsistencies.append(
                f"{source}: ERBB2/CEP17 ratio {fmt(ratio)} with {fmt(copies)} HER2 copies interpreted negative "
                "— contradicts ratio ≥ 2.0 and HER2 ≥ 4.0 (ASCO/CAP group 1, amplified)"
            )
    if stated == "positive" and ratio < 2.0 and copies is not None and copies < 4.0:
        ctx.inconsistencies.append(
            f"{source}: ERBB2/CEP17 ratio {fmt(ratio)} with {fmt(copies)} HER2 copies interpreted positive — "
            "contradicts ratio < 2.0 and HER2 < 4.0 (ASCO/CAP group 5, not amplified)"
        )


# Units a HER2/CEP17 ratio may carry (UCUM "1" or "{ratio}", or none).
RATIO_UNITS: Final = frozenset({"", "1", "{ratio}", "ratio", "{ratio}s"})
# Units of a copy number per nucleus (74860-8, 74861-6: LOINC component "... copy number/nucleus", property EntNum, an
# entitic number): none, "1", "#" or "{#}" (the MII examples use "#"), "{copies}" (the copy number the code names), or
# a unit per nucleus or cell ("{copies}/{nucleus}", "/{nucleus}", "copies/cell"). Any other unit is not read as copies
# per nucleus: "{signals}" is the count of signals scored (a total over the cells counted), "%" is no count at all.
_PER_NUCLEUS: Final = re.compile(
    r"(?:|1|#|copies|(?:copies|copy|signals?|#)?(?:/|per)(?:nucleus|nuclei|cell|cells))"
)
COPY_UNITS_SHOWN: Final = "none, 1, #, {copies}, {copies}/{nucleus}, /{nucleus}"


def per_nucleus(unit: str) -> bool:
    """Whether a copy-number unit is per nucleus (see ``_PER_NUCLEUS``)."""
    key = re.sub(r"[{}\s]", "", unit.lower())
    return _PER_NUCLEUS.fullmatch(key) is not None


def _copies_not_read(
    ctx: ImportContext, source: str, code: str, q: tuple[float, str], where: str = ""
) -> bool:
    """True (and an ignored line naming the Observation, code and unit) when a copy number's unit is not per nucleus."""
    if per_nucleus(q[1]):
        return False
    ctx.ignored.append(
        f"{source}: {where}LOINC {code} {C.LOINC_NAMES[code]} {fmt(q[0])} {q[1]}: the unit is not per nucleus "
        f"({COPY_UNITS_SHOWN}) — not read"
    )
    return True


def _bound_not_read(ctx: ImportContext, source: str, holder: Json, what: str) -> None:
    """A value given with a comparator ("<2.0") is a bound, not the measured number: it is not read as one."""
    bound = comparator(holder)
    if bound is not None:
        value = (holder.get("valueQuantity") or {}).get("value")
        ctx.ignored.append(
            f"{source}: {what} {bound}{value} has a comparator (a bound, not the measured value) — not read"
        )


def _read_ratio(
    ctx: ImportContext,
    obs: Json,
    holder: Json,
    source: str,
    date: dt.date | None,
    specimen: str | None,
    *,
    code: str = C.HER2_ISH_RATIO,
    stated: Stated | None = None,
) -> Stated | None:
    """The ratio of ``holder`` (the Observation or its 49683-6 component) and the copy numbers and cell count of the
    Observation's other components as one :class:`IshTest`. ``code`` names the Observation in the findings (49683-6,
    or the FISH presence code the numbers are given under) and ``stated`` is its stated result, when not the
    holder's own."""
    ratio: float | None = None
    vr = holder.get("valueRatio")
    if isinstance(vr, dict):
        num = (vr.get("numerator") or {}).get("value")
        den = (vr.get("denominator") or {}).get("value")
        if not isinstance(den, int | float) or not den:
            raise InvalidInput(
                f"{source}.valueRatio.denominator",
                den if den is not None else MISSING,
                "a value other than 0 (R4 Ratio: numerator and denominator are both present)",
            )
        if isinstance(num, int | float):
            ratio = round(float(num) / float(den), 3)
    elif (q := quantity(holder)) is not None:
        if q[1].strip().lower() in RATIO_UNITS:
            ratio = q[0]
        else:  # ("250 %" is not a ratio of 2.5 or of 250: which is meant is unknown)
            ctx.ignored.append(
                f"{source}: LOINC {C.HER2_ISH_RATIO} value {fmt(q[0])} {q[1]}: the unit is not a ratio (none, 1 or "
                "{ratio}) — not read"
            )
    _bound_not_read(ctx, source, holder, "the ERBB2/CEP17 ratio")
    extra: dict[str, float | int] = {}
    for comp in obs.get("component") or []:  # the copy numbers, also beside a ratio that is a component
        if comp is holder:
            continue
        ccode = next(iter(loinc_codes(comp.get("code"))), None)
        q = quantity(comp)
        _bound_not_read(ctx, source, comp, f"component LOINC {ccode}")
        if q is None:
            continue
        if ccode in (C.ERBB2_COPIES, C.CEP17_COPIES) and _copies_not_read(
            ctx, source, ccode, q, "component "
        ):
            continue
        if ccode == C.ERBB2_COPIES:
            extra["her2_copies"] = q[0]
        elif ccode == C.CEP17_COPIES:
            extra["cep17_copies"] = q[0]
        elif ccode == C.CELLS_COUNTED and q[0] >= 1:
            extra["cells_counted"] = int(q[0])
    if stated is None:
        stated = answers(holder.get("interpretation")) or answer(holder.get("valueCodeableConcept"))
    if ratio is None and "her2_copies" not in extra:
        if stated is None:
            ctx.ignored.append(f"{source}: LOINC {code} without a ratio, copy numbers or a stated result")
            return None
        result = {"positive": "amplified", "negative": "not-amplified", "equivocal": "equivocal"}.get(stated)
        if result is None:
            ctx.ignored.append(f"{source}: LOINC {code} stated {stated} without numbers")
            return stated
        test = IshTest(method="ish", result=result, date=date, specimen_id=specimen, source=source)
        ctx.add(test, source, f"LOINC {code} ISH stated {result} (no numbers)", stated)
        return stated
    try:
        test = IshTest(method="ish", ratio=ratio, date=date, specimen_id=specimen, source=source, **extra)
    except (InvalidInput, ValidationError) as exc:
        reason = exc.message if isinstance(exc, InvalidInput) else str(exc.errors()[0]["msg"])
        extra = {k: v for k, v in extra.items() if k == "cells_counted"}
        try:  # the ratio without the copy numbers, when it is they that do not fit
            test = IshTest(method="ish", ratio=ratio, date=date, specimen_id=specimen, source=source, **extra)
        except (InvalidInput, ValidationError):
            ctx.inconsistencies.append(f"{source}: {reason}; the ISH result is not read")
            return stated
        ctx.inconsistencies.append(f"{source}: {reason}; the copy numbers are dropped, the stated ratio kept")
    parts = [f"ERBB2/CEP17 ratio {fmt(ratio)}" if ratio is not None else "ERBB2 copies"]
    if test.her2_copies is not None:
        parts.append(f"HER2 {fmt(test.her2_copies)}/cell")
    if test.cep17_copies is not None:
        parts.append(f"CEP17 {fmt(test.cep17_copies)}/cell")
    if test.cells_counted is not None:
        parts.append(f"{test.cells_counted} cells")
    if stated is not None:
        parts.append(f"stated {stated}")
    ctx.add(test, source, f"LOINC {code} " + ", ".join(parts), stated)
    _check_ratio(ctx, source, test, stated)
    return stated


_ISH_NUMBERS: Final = frozenset({C.HER2_ISH_RATIO, C.ERBB2_COPIES, C.CEP17_COPIES})


def _read_fish_presence(
    ctx: ImportContext, obs: Json, source: str, code: str, date: dt.date | None, specimen: str | None
) -> None:
    """A FISH presence Observation (96893-3, 85318-4, 31150-6): its ISH numbers when it gives them as components
    (49683-6 ratio, 74860-8 / 74861-6 copies per nucleus, 62361-1 cells), which decide the ISH group, with its value
    as the stated result they are checked against; else the stated result alone."""
    comps = [c for c in obs.get("component") or [] if isinstance(c, dict)]
    if not any(set(loinc_codes(c.get("code"))) & _ISH_NUMBERS for c in comps):
        _read_duplication(ctx, obs, source, date, specimen, code)
        return
    stated = answer(obs.get("valueCodeableConcept")) or answers(obs.get("interpretation"))
    holder = next((c for c in comps if C.HER2_ISH_RATIO in loinc_codes(c.get("code"))), obs)
    _read_ratio(ctx, obs, holder, source, date, specimen, code=code, stated=stated)
    for comp in comps:
        ccodes = set(loinc_codes(comp.get("code")))
        if not ccodes & (_ISH_NUMBERS | {C.CELLS_COUNTED}):
            ctx.ignored.append(f"{source}: component {describe_code(comp.get('code'))} not read")


def _read_duplication(
    ctx: ImportContext,
    holder: Json,
    source: str,
    date: dt.date | None,
    specimen: str | None,
    code: str = C.ERBB2_DUPLICATION_FISH,
) -> Stated | None:
    stated = answer(holder.get("valueCodeableConcept")) or answers(holder.get("interpretation"))
    result = {"positive": "amplified", "negative": "not-amplified", "equivocal": "equivocal"}.get(
        stated or ""
    )
    if result is None:
        ctx.ignored.append(
            f"{source}: LOINC {code} value {value_text(holder)} is not positive/negative/equivocal"
        )
        return stated
    test = IshTest(method="ish", result=result, date=date, specimen_id=specimen, source=source)
    ctx.add(
        test,
        source,
        f"LOINC {code} {C.LOINC_NAMES[code]} {stated} → ISH {result} (no numbers)",
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


def _read_variant(ctx: ImportContext, obs: Json, source: str, date: dt.date | None) -> None:
    gene: str | None = None
    copy_number: float | None = None
    mutations: list[str] = []
    blob: list[str] = []
    for comp in obs.get("component") or []:
        code = next(iter(loinc_codes(comp.get("code"))), None)
        cc = comp.get("valueCodeableConcept")
        blob.extend(concept_words(cc) + [str(c.get("code", "")) for c in codings(cc)])
        if code == C.GENE_STUDIED:
            for c in codings(cc):
                if c.get("code") == C.ERBB2_HGNC or str(c.get("display", "")).upper() in ("ERBB2", "HER2"):
                    gene = "ERBB2"
                elif gene is None:
                    gene = str(c.get("display") or c.get("code"))
        elif code == C.STRUCTURAL_VARIANT_COPY_NUMBER and (q := quantity(comp)) is not None:
            copy_number = q[0]
        elif code == C.AMINO_ACID_CHANGE:
            texts = [str(c.get("code", "")) for c in codings(cc)] + concept_words(cc)
            if isinstance(comp.get("valueString"), str):
                texts.append(comp["valueString"])
            for text in texts:
                found = _hgvs(text)
                if found:
                    mutations.append(found)
                    break
    for cc in obs.get("interpretation") or []:
        blob.extend(concept_words(cc))
    if gene is None:
        ctx.ignored.append(f"{source}: LOINC 69548-6 genetic variant without a gene studied (48018-6)")
        return
    if gene != "ERBB2":
        ctx.ignored.append(f"{source}: LOINC 69548-6 genetic variant in {gene} — not ERBB2")
        return
    value = obs.get("valueCodeableConcept")
    presence = answer(value)
    if presence == "negative":  # LA9634-2 "Absent": mCODE's way to assert a variant absent
        ctx.findings.append(
            f"{source}: LOINC 69548-6 ERBB2 variant stated absent ({value_text(obs)}) — not imported"
        )
        return
    if value is not None and presence != "positive":
        # Indeterminate (LA11884-6), No call (LA18198-4) or a value that is not Present/Absent: no result
        ctx.ignored.append(
            f"{source}: LOINC 69548-6 ERBB2 variant value {value_text(obs)} is not Present (LA9633-4) or Absent "
            "(LA9634-2) — not read"
        )
        return
    text = " ".join(blob).lower()
    amplified: bool | None = None
    said = [t for t in blob if re.search(r"high[\s-]level[\s-]gain|amplif", t, re.I)]
    # (a text naming amplification that states it absent, "No ERBB2 amplification detected", or with a negation)
    if said and not any(text_answer(t) == "negative" or NEGATION.search(t) for t in said):
        amplified = True
    elif said:  # "No ERBB2 amplification detected", "not amplified": stated absent
        amplified = False
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
        # An observation of a copy-number change says nothing about mutations: no mutation result, not none found.
        erbb2_mutations_tested=bool(mutations) or not cnv,
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
            f"ERBB2 {label}" + (f", copy number {fmt(copy_number)}" if copy_number is not None else "")
        )
        if amplified is None:
            ctx.findings.append(
                f"{source}: ERBB2 copy-number change not stated as an amplification — erbb2_amplified left unset"
            )
    if mutations:
        what.append("ERBB2 " + ", ".join(dict.fromkeys(mutations)))
    ctx.add(test, source, "LOINC 69548-6 NGS " + "; ".join(what))


def _read_receptor(ctx: ImportContext, obs: Json, source: str, code: str, date: dt.date | None) -> None:
    which = "er" if code in C.ER_CODES else "pr"
    value = answer(obs.get("valueCodeableConcept"))
    from_interpretation = ""
    if value is None and (value := answers(obs.get("interpretation"))) is not None:
        from_interpretation = " (from Observation.interpretation)"
    words = " ".join(concept_words(obs.get("valueCodeableConcept"))).lower()
    percent: float | None = None
    holders = [obs, *(obs.get("component") or [])]
    for holder in holders:
        q = quantity(holder)
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
    contradicted = (status == "negative" and percent is not None and percent >= 1) or (
        status in ("positive", "low") and percent is not None and percent < 1
    )
    if contradicted:  # ≥1% of cells stained is positive, <1% negative (ASCO/CAP ER/PR guideline)
        ctx.inconsistencies.append(
            f"{source}: {which.upper()} stated {status} with {fmt(percent or 0)}% of cells stained (≥1% is "
            f"positive, <1% negative) — the status is not used"
        )
        status = None
    if status is None and percent is None:
        ctx.ignored.append(f"{source}: LOINC {code} value {value_text(obs)} is not a receptor status")
        return
    ctx.receptors[which].append((date, source, status, percent))
    pct = f", {fmt(percent)}%" if percent is not None else ""
    ctx.findings.append(
        f"{source}: LOINC {code} {which.upper()} {status or 'status not stated'}{pct}{from_interpretation} "
        f"→ biomarkers.{which}"
    )


def _read_vital(ctx: ImportContext, obs: Json, source: str, code: str, date: dt.date | None) -> None:
    q = quantity(obs)
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


_AJCC_DISPLAY = re.compile(r"American Joint Committee on Cancer\s+(\S+)")


def _read_tnm(ctx: ImportContext, obs: Json, source: str, code: str, date: dt.date | None) -> None:
    """An mCODE TNM category: the AJCC code (cancerstaging.org), an "American Joint Committee on Cancer pN0"
    display (SNOMED qualifier values) or the text; values naming different categories are not read. Without a
    prefix, the observation code gives c or p (recorded as inferred)."""
    which = "t" if code in C.TNM_T_CODES else "n"
    kind = (C.TNM_T_CODES if which == "t" else C.TNM_N_CODES)[code]
    cc = obs.get("valueCodeableConcept")
    texts = [
        str(c.get("code")) for c in codings(cc) if str(c.get("system", "")).rstrip("/") == C.CANCERSTAGING
    ]
    texts += [m[1] for w in concept_words(cc) if (m := _AJCC_DISPLAY.search(w))]
    texts += concept_words(cc)
    if isinstance(obs.get("valueString"), str):
        texts.append(obs["valueString"])
    parse = parse_t if which == "t" else parse_n
    read = [c for c in map(parse, texts) if c is not None]
    if len({(c.code, c.notes) for c in read}) > 1 or len({c.prefix for c in read if c.prefix}) > 1:
        ctx.inconsistencies.append(
            f"{source}: LOINC {code} value holds different categories "
            f"({', '.join(dict.fromkeys(map(str, read)))}) — not read"
        )
        return
    category = next((c for c in read if c.prefix), read[0] if read else None)
    if category is None:
        ctx.ignored.append(
            f"{source}: LOINC {code} value {value_text(obs)} is not an AJCC {which.upper()} category"
        )
        return
    inferred = category.prefix is None
    if inferred:
        if kind is None:
            ctx.ignored.append(
                f"{source}: LOINC {code} ({which.upper()}, staging type 'other') value {category} has no c/p/yp "
                "prefix — not read"
            )
            return
        category = Category(kind, category.code, category.notes)
    elif kind is not None and (category.prefix or "").removeprefix("y") != kind:
        ctx.inconsistencies.append(
            f"{source}: LOINC {code} ({C.LOINC_NAMES[code]}) holds {category} — not read"
        )
        return
    focus = next((k for k in (ref_key(f, ctx.index, obs) for f in obs.get("focus") or []) if k), None)
    ctx.staging[which].append(StagingRow(date, category, source, focus, inferred))


def note_breast_only(ctx: ImportContext, obs: Json) -> None:
    """Record an Observation read for the case that uses breast-specific codes or an MII mamma profile."""
    if obs.get("status") not in C.OBSERVATION_STATUS_USED:
        return
    codes = loinc_codes(obs.get("code"))
    breast = [c for c in codes if c in C.BREAST_ONLY_CODES]
    for comp in obs.get("component") or []:
        breast.extend(c for c in loinc_codes(comp.get("code")) if c in C.BREAST_ONLY_CODES)
    if breast or any("mamma" in p.lower() for p in meta_profiles(obs)):
        ctx.breast_only.append(
            (obs, f"{resource_name(obs)} ({', '.join(dict.fromkeys(breast)) or 'MII mamma profile'})")
        )


def read_observation(ctx: ImportContext, obs: Json, tumor: str) -> None:
    """Read one Observation for a case of the ``tumor`` type (see the module docstring)."""
    source = resource_name(obs)
    status = obs.get("status")
    codes = loinc_codes(obs.get("code"))
    if status == "preliminary":
        ctx.ignored.append(
            f"{source}: status preliminary — not read: an interim result may be incomplete or unverified; "
            "import the final one"
        )
        return
    if status not in C.OBSERVATION_STATUS_USED:
        ctx.ignored.append(f"{source}: status {status} — not read")
        return
    date = obs_date(obs)
    if (partial := partial_effective(obs)) is not None and set(codes) & C.READ_CODES:
        ctx.findings.append(
            f"{source}: effective date {partial} is partial — "
            + (f"the issued date {date} is used" if date is not None else "the result is read as undated")
            + " (a partial date is not ordered against full dates)"
        )
    specimen = ref_id(obs.get("specimen"))
    if set(codes) & C.FOCUSED_CODES and (other := off_primary_focus(ctx, obs, tumor)) is not None:
        # (a result of another cancer, or of an earlier one, is not this primary's: as for the staging)
        ctx.findings.append(
            f"{source}: LOINC {', '.join(c for c in codes if c in C.FOCUSED_CODES)} is about {other}, not the "
            "primary cancer read — not read"
        )
        ctx.withdraw_breast_only(obs)
        return
    if C.HER2_INTERPRETATION in codes:
        stated = answer(obs.get("valueCodeableConcept"))
        if stated is not None:
            ctx.stated_status.append((source, date, stated))
            ctx.findings.append(
                f"{source}: LOINC 48676-1 HER2 interpretation stated {stated} ({value_text(obs)}) — kept as a "
                "finding; her2kit interprets the tests"
            )
        else:
            ctx.ignored.append(f"{source}: LOINC 48676-1 value {value_text(obs)} is not a HER2 result")
        component_results: list[tuple[str, Stated | None]] = []
        comps = [c for c in obs.get("component") or [] if isinstance(c, dict)]
        has_ratio = any(C.HER2_ISH_RATIO in loinc_codes(c.get("code")) for c in comps)
        for comp in comps:
            ccodes = loinc_codes(comp.get("code"))
            if C.HER2_IHC_SCORE in ccodes or C.HER2_IHC_PRESENCE in ccodes:
                code = C.HER2_IHC_SCORE if C.HER2_IHC_SCORE in ccodes else C.HER2_IHC_PRESENCE
                component_results.append(
                    ("IHC", _read_ihc(ctx, comp, source, code, date, specimen, stated=None))
                )
            elif (fish := next((c for c in ccodes if c in C.HER2_FISH_PRESENCE_CODES), None)) is not None:
                component_results.append(("ISH", _read_duplication(ctx, comp, source, date, specimen, fish)))
            elif C.HER2_ISH_RATIO in ccodes:
                component_results.append(("ISH", _read_ratio(ctx, obs, comp, source, date, specimen)))
            elif has_ratio and set(ccodes) & {C.ERBB2_COPIES, C.CEP17_COPIES, C.CELLS_COUNTED}:
                pass  # read with the ratio component (_read_ratio)
            elif C.GENE_STUDIED not in ccodes:
                ctx.ignored.append(f"{source}: component {describe(comp.get('code'))} not read")
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
        _read_ihc(ctx, obs, source, code, date, specimen, answers(obs.get("interpretation")))
    elif C.HER2_ISH_RATIO in codes:
        _read_ratio(ctx, obs, obs, source, date, specimen)
    elif (fish := next((c for c in codes if c in C.HER2_FISH_PRESENCE_CODES), None)) is not None:
        _read_fish_presence(ctx, obs, source, fish, date, specimen)
    elif C.ERBB2_COPIES in codes or C.CEP17_COPIES in codes:
        ctx.copy_numbers.append(obs)  # joined to the ratio of the same specimen and date after the last read
    elif C.GENETIC_VARIANT in codes:
        _read_variant(ctx, obs, source, date)
    elif (receptor := next((c for c in codes if c in C.ER_CODES | C.PR_CODES), None)) is not None:
        _read_receptor(ctx, obs, source, receptor, date)
    elif (vital := next((c for c in codes if c in (C.BODY_WEIGHT, C.BODY_HEIGHT, C.LVEF)), None)) is not None:
        _read_vital(ctx, obs, source, vital, date)
    elif (tnm := next((c for c in codes if c in C.TNM_T_CODES or c in C.TNM_N_CODES), None)) is not None:
        _read_tnm(ctx, obs, source, tnm, date)
    else:
        ctx.ignored.append(f"{source}: {describe(obs.get('code'))} — not read by her2kit")


def _members(ctx: ImportContext, source: str) -> set[str | None]:
    """The names of the resources the Observation named ``source`` has as members (``hasMember``)."""
    holder = ctx.index.get(source)
    if holder is None:
        return set()
    return {ref_key(r, ctx.index, holder) for r in holder.get("hasMember") or []}


def join_copy_numbers(ctx: ImportContext) -> None:
    """Join lone 74860-8 / 74861-6 Observations to the 49683-6 ratio they belong to.

    The ratio is the one linked by ``hasMember`` / ``derivedFrom``, else the only ratio test of the same
    specimen and date. A copy number that joins no ratio is a finding, never dropped silently.
    """
    # The ratio tests, each with the Observations its hasMember names (the loop below only replaces a test's values).
    ratios = [t for t in ctx.tests if isinstance(t.test, IshTest) and t.test.ratio is not None and t.source]
    members = {t.source: _members(ctx, t.source) for t in ratios}
    for obs in ctx.copy_numbers:
        source = resource_name(obs)
        codes = loinc_codes(obs.get("code"))
        code = C.ERBB2_COPIES if C.ERBB2_COPIES in codes else C.CEP17_COPIES
        name = C.LOINC_NAMES[code]
        field = "her2_copies" if code == C.ERBB2_COPIES else "cep17_copies"
        q = quantity(obs)
        if q is None:
            ctx.ignored.append(f"{source}: LOINC {code} {name} without a quantity")
            continue
        if _copies_not_read(ctx, source, code, q):
            continue
        date, specimen = obs_date(obs), ref_id(obs.get("specimen"))
        links = {
            k for k in (ref_key(r, ctx.index, obs) for r in obs.get("derivedFrom") or []) if k is not None
        }
        linked = [t for t in ratios if t.source in links or source in members[t.source]]
        same = [
            t
            for t in ratios
            if specimen is not None and t.test.specimen_id == specimen and t.test.date == date
        ]
        match = linked or same
        if len(match) != 1 or getattr(match[0].test, field) is not None:
            why = "several ratio tests match" if len(match) > 1 else "no ERBB2/CEP17 ratio (49683-6) matches"
            if len(match) == 1:
                why = f"the matching ratio test already has {field}"
            ctx.findings.append(
                f"{source}: LOINC {code} {name} {fmt(q[0])} not joined to an ISH test — {why} "
                "(same specimen and date, or hasMember/derivedFrom)"
            )
            continue
        target = match[0]
        test = target.test
        assert isinstance(test, IshTest)
        try:
            joined = IshTest.model_validate({**test.model_dump(exclude_none=True), field: q[0]})
        except (InvalidInput, ValidationError) as exc:
            reason = exc.message if isinstance(exc, InvalidInput) else str(exc.errors()[0]["msg"])
            ctx.inconsistencies.append(
                f"{source}: {reason}; {name} {fmt(q[0])} not joined to {target.source}"
            )
            continue
        target.test = joined
        index = ctx.tests.index(target)
        ctx.findings.append(
            f"{source}: LOINC {code} {name} {fmt(q[0])} → her2_tests[{index}].{field} "
            f"(the ratio of {target.source})"
        )
        _check_ratio(ctx, target.source, joined, target.stated)
