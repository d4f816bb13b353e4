"""Small readers of FHIR R4 datatypes, shared by the FHIR import modules.

Each reads one value and nothing else: the codings, LOINC codes, words (displays and text) and
qualitative answer of a CodeableConcept, dates (of a value, an Observation, a Condition), references,
quantities, the HER2 IHC score of a value, a value as text, and a medication's name without its dose
form. ``Stated`` is the qualitative result type they return.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Final, Literal

from her2kit.errors import InvalidInput
from her2kit.interop import codes as C  # noqa: N812
from her2kit.interop.r4b import Json
from her2kit.vocab import ZERO_PLUS_READ_AS_0, normalise_ihc_score

Stated = Literal["positive", "negative", "equivocal", "indeterminate"]

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


# --- small readers ------------------------------------------------------------------------------


def codings(cc: Any) -> list[Json]:
    if not isinstance(cc, dict):
        return []
    return [c for c in cc.get("coding") or [] if isinstance(c, dict)]


def loinc_codes(cc: Any) -> list[str]:
    return [str(c.get("code")) for c in codings(cc) if str(c.get("system", "")).rstrip("/") == C.LOINC]


def concept_words(cc: Any) -> list[str]:
    """Displays and text of a CodeableConcept, text first."""
    out: list[str] = []
    if isinstance(cc, dict) and isinstance(cc.get("text"), str):
        out.append(cc["text"])
    out.extend(str(c["display"]) for c in codings(cc) if isinstance(c.get("display"), str))
    return out


def icd_system(system: Any) -> Literal["ICD-10", "ICD-O-3"] | None:
    """Whether a coding system is ICD-O-3 (topography) or ICD-10 (any national modification), by URI or HL7 OID."""
    text = str(system or "").strip().lower().rstrip("/")
    if "icd-o" in text or text in C.ICDO3_OIDS:
        return "ICD-O-3"
    if "icd-10" in text or "icd10" in text or text in C.ICD10_OIDS:
        return "ICD-10"
    return None


_ICD_CODE: Final = re.compile(r"^\s*([A-Za-z])(\d{2})(?:\.?(\d{1,4}))?")


def icd_code(code: Any) -> str:
    """An ICD-10 / ICD-O-3 code in its dotted form: "C160" and "c16.0" are C16.0 (cardia), not C16 (stomach). Marks
    after the code (ICD-10-GM "+", "*", "!", a side letter) are left out."""
    text = str(code or "")
    m = _ICD_CODE.match(text)
    if m is None:
        return text.strip().upper()
    return f"{m[1].upper()}{m[2]}" + (f".{m[3]}" if m[3] else "")


def _system_label(system: str, code: str) -> tuple[str, str]:
    icd = icd_system(system)
    if icd is not None:
        return icd, icd_code(code)
    label = "LOINC" if system == C.LOINC else "SNOMED" if system == C.SNOMED else system.rsplit("/", 1)[-1]
    return label, code


def describe_code(cc: Any) -> str:
    """A CodeableConcept by its first coding's system and code only, never its display or text (which may hold free
    text: names, numbers); "(text only)" or "(no code)" without a coding."""
    for c in codings(cc):
        label, code = _system_label(str(c.get("system", "")).rstrip("/"), str(c.get("code")))
        return f"{label} {code}"
    return "(text only)" if concept_words(cc) else "(no code)"


def describe(cc: Any) -> str:
    for c in codings(cc):
        system = str(c.get("system", "")).rstrip("/")
        label = (
            "LOINC" if system == C.LOINC else "SNOMED" if system == C.SNOMED else system.rsplit("/", 1)[-1]
        )
        display = f" {c['display']!r}" if c.get("display") else ""
        return f"{label} {c.get('code')}{display}"
    words = concept_words(cc)
    return repr(words[0]) if words else "(no code)"


def answer(cc: Any) -> Stated | None:
    """A qualitative result (positive, negative, equivocal, indeterminate) from a CodeableConcept."""
    for c in codings(cc):
        system = str(c.get("system", "")).rstrip("/")
        code = str(c.get("code", ""))
        found = C.ANSWER_CODES.get((system, code))
        if found is None and system.endswith("her2neu-status-obds"):
            found = C.MII_HER2_OBDS.get(code)
        if found is not None:
            return found  # type: ignore[return-value]
    for text in concept_words(cc):
        found = text_answer(text)
        if found is not None:
            return found
    return None


# A negated phrase that is itself a result ("not amplified"); any other negation makes a text unreadable.
_NEGATED_RESULT: Final = re.compile(
    r"\b(?:not[\s-]+amplified|non[\s-]?amplified|nicht[\s-]+amplifiziert|not[\s-]+detected"
    r"|no\s+(?:evidence\s+of\s+)?(?:\w+\s+)?amplification(?:\s+(?:is\s+)?(?:detected|identified|seen|present))?"
    r"|(?:\w+\s+)?amplification\s+(?:is\s+)?not\s+(?:detected|identified|seen|present)"
    r"|absence\s+of\s+(?:\w+\s+)?amplification|keine\s+amplifikation)\b",
    re.I,
)
NEGATION: Final = re.compile(
    r"\b(?:no|not|non|none|without|never|neither|nor|kein\w*|nicht|ohne|unable|cannot|can't)\b|n't\b", re.I
)
_AMBIGUOUS: Final = re.compile(r"\bco[\s-]?amplif|\bpolysom|\bcontrol\b", re.I)


def text_answer(text: str) -> Stated | None:
    """The result a text states, or None when it states none or is not plain: "Not amplified" is negative, but
    "No amplification detected", "not positive" or "not negative" are not read (a negation other than the
    result phrases, which would turn "detected" or "positive" around), nor a text naming two results or about
    controls or co-amplification."""
    rest = _NEGATED_RESULT.sub(" ", text)
    if NEGATION.search(rest) or _AMBIGUOUS.search(text):
        return None
    found = {value for pattern, value in C.ANSWER_WORDS if pattern.search(rest)}
    if rest != text:
        found.add("negative")
    if len(found) != 1:
        return None
    return found.pop()  # type: ignore[return-value]


def answers(ccs: Any) -> Stated | None:
    for cc in ccs if isinstance(ccs, list) else [ccs]:
        found = answer(cc)
        if found is not None:
            return found
    return None


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def obs_date(res: Json) -> dt.date | None:
    period: Json = res["effectivePeriod"] if isinstance(res.get("effectivePeriod"), dict) else {}
    for value in (
        res.get("effectiveDateTime"),
        res.get("effectiveInstant"),
        period.get("start"),
        res.get("issued"),
    ):
        found = parse_date(value)
        if found is not None:
            return found
    return None


def partial_effective(res: Json) -> str | None:
    """An effective date with year or year-month only ("2024", "2024-03"), which a date cannot hold."""
    period: Json = res["effectivePeriod"] if isinstance(res.get("effectivePeriod"), dict) else {}
    for value in (res.get("effectiveDateTime"), period.get("start")):
        if isinstance(value, str) and len(value) in (4, 7):
            return value
    return None


def condition_dates(res: Json) -> list[dt.date]:
    values = [res.get("recordedDate"), res.get("onsetDateTime")]
    onset = res.get("onsetPeriod")
    if isinstance(onset, dict):
        values.append(onset.get("start"))
    for ext in res.get("extension") or []:
        if isinstance(ext, dict) and str(ext.get("url", "")).endswith("condition-assertedDate"):
            values.append(ext.get("valueDateTime"))
    return [d for d in (parse_date(v) for v in values) if d is not None]


def ref_id(ref: Any) -> str | None:
    if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
        return str(ref["reference"]).rsplit("/", 1)[-1]
    return None


def comparator(holder: Json) -> str | None:
    """The comparator of a value ("<2.0": the value is below 2.0, not 2.0), if any."""
    q = holder.get("valueQuantity")
    found = q.get("comparator") if isinstance(q, dict) else None
    return found if isinstance(found, str) and found else None


def quantity(holder: Json) -> tuple[float, str] | None:
    """An exact number and its unit; None for a value with a comparator (see :func:`comparator`)."""
    q = holder.get("valueQuantity")
    if comparator(holder) is not None:
        return None
    if isinstance(q, dict) and isinstance(q.get("value"), int | float):
        return float(q["value"]), str(q.get("code") or q.get("unit") or "")
    if isinstance(holder.get("valueInteger"), int):
        return float(holder["valueInteger"]), ""
    return None


def fmt(value: float) -> str:
    return f"{value:g}"


ZERO_PLUS_NOTE: Final = ZERO_PLUS_READ_AS_0 + "ask the laboratory to state HER2-ultralow or HER2-null"
_ULTRALOW: Final = re.compile(r"(?<!not )(?<!no )\bultra[\s-]?low\b|>\s*0\s*<\s*1\+", re.I)
_NULL: Final = re.compile(r"(?<!not )\bnull\b", re.I)
_PLUS: Final = re.compile(r"(?<![\d.>])([0-3])\s*\+")
_STATED: Final = r"(?:negative|positive|equivocal|neg|pos|negativ|positiv)\b"
# A lone 0-3 beside "HER2", "IHC" or "score", before "(negative)" / "/ negative", or in "Negative (0)".
_LONE: Final = (
    re.compile(
        r"\b(?:her-?2(?:/neu)?|ihc|score)\s*[:=]?\s*([0-3])(?![\d.,+])"
        r"(?!\s*(?:%|percent|slides?|blocks?|cells?|copies|signals?))",
        re.I,
    ),
    re.compile(r"(?<![\d.,])([0-3])(?![\d.,+])\s*(?:\(\s*|[/,:-]\s*)?" + _STATED, re.I),
    re.compile(_STATED + r"\s*(?:\(\s*|[/,:-]\s*)([0-3])(?![\d.,])\s*\)?", re.I),
)


_SCORE_RANGE: Final = re.compile(
    r"(?<![\d.])[0-3]\s*\+?\s*(?:-|–|—|/|\bto\b|\bor\b|\bbis\b)\s*\+?\s*[0-3](?![\d.])", re.I
)
_PERCENT: Final = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*%")


def _text_score(value: str) -> tuple[str, str | None] | None:
    """The score in a text value, with a note when the text's "0+" had to be read as 0; None for a text that is
    not one score: a range ("0-1+", "2/3+"), two scores ("ER 3+; HER2 1+") or a negated score ("not 3+"; "0 (no
    staining)" is a score of 0)."""
    # (NFKC: a full-width "３+" or a superscript "3⁺" is the score 3+)
    key = " ".join(unicodedata.normalize("NFKC", value).strip().lower().split())
    if _SCORE_RANGE.search(key) or len(set(_PLUS.findall(key))) > 1:
        return None
    found = _one_text_score(key)
    if found is not None and found[0] != "0" and NEGATION.search(key):
        return None
    return found


# A comparator before a percentage (">10%", "more than 10%", "up to 10%", "≤10%", "5-10%") or after it ("10% or more"):
# the figure is a bound (or a range), not the measured percentage of cells.
_BOUND_BEFORE: Final = re.compile(
    r"(?:[<>≤≥≦≧⩽⩾]\s*=?|=\s*[<>]|\b(?:more|greater|less|fewer|higher|lower)\s+than|\bup\s+to|\bat\s+(?:least|most)"
    r"|\b(?:over|under|above|below|beyond|exceeding|max(?:imum)?|min(?:imum)?)\b\.?|\b(?:mehr|weniger)\s+als"
    r"|\bbis(?:\s+zu)?|\b(?:über|unter|mindestens|höchstens|maximal|minimal)\b"
    r"|\d+(?:\.\d+)?\s*%?\s*(?:-|–|—|\bto\b|\bbis\b))\s*$",
    re.I,
)
_BOUND_AFTER: Final = re.compile(
    r"^\s*(?:or\s+(?:more|less|greater|fewer|higher|lower|above|below|over|under)\b|and\s+(?:more|above|over|"
    r"less|below|under)\b|oder\s+(?:mehr|weniger)\b|\+(?!\s*\d))",
    re.I,
)


def text_percent_noted(holder: Json) -> tuple[float | None, str | None]:
    """The percentage of cells in a score's text ("3+ in 5% of cells"), when it holds exactly one measured figure,
    and the first bound, as written, when a figure has a comparator: "3+ (>10% of cells)" or the IHC definitions ("in
    >10% of tumor cells", "in ≤10%") state the category's threshold, not a measurement, so no percentage is read from
    them."""
    text = holder.get("valueString")
    if not isinstance(text, str):
        text = " ".join(concept_words(holder.get("valueCodeableConcept")))
    text = unicodedata.normalize("NFKC", text)
    exact: list[float] = []
    bound: str | None = None
    for m in _PERCENT.finditer(text):
        before = _BOUND_BEFORE.search(text[: m.start()])
        after = _BOUND_AFTER.match(text[m.end() :])
        if before is None and after is None:
            exact.append(float(m[1]))
        elif bound is None:
            start = before.start() if before is not None else m.start()
            end = m.end() + (after.end() if after is not None else 0)
            bound = text[start:end].strip()
    if len(exact) != 1 or exact[0] > 100:
        return None, bound
    return exact[0], bound


def text_percent(holder: Json) -> float | None:
    """The percentage of cells in a score's text; see :func:`text_percent_noted`."""
    return text_percent_noted(holder)[0]


def _one_text_score(key: str) -> tuple[str, str | None] | None:
    if _ULTRALOW.search(key):
        return "ultralow", None
    if key == "0+" or ((m := _PLUS.search(key)) is not None and m.group(1) == "0"):
        return "0", ZERO_PLUS_NOTE
    try:
        return normalise_ihc_score(key), None
    except InvalidInput:
        pass
    if m is not None:
        return normalise_ihc_score(m.group(1) + "+"), None
    for pattern in _LONE:
        if (m := pattern.search(key)) is not None:
            return normalise_ihc_score(m.group(1)), None
    if _NULL.search(key):
        return "0", None
    return None


def ihc_score_noted(holder: Json) -> tuple[str | None, str | None]:
    """The HER2 IHC score of a value (CodeableConcept display/code/text, string or integer) and a note.

    The note is set when a "0+" was read as score 0: "0+" is 0 in older reports and HER2-ultralow in the
    2026 consensus, so, as in the free-text extractor, a bare "0+" is 0 and the laboratory is asked which;
    "0+ (ultralow)" and other explicit ultralow wording stay ultralow.
    """
    candidates: list[Any] = []
    cc = holder.get("valueCodeableConcept")
    for c in codings(cc):  # a LOINC answer of the HER2 IHC score list (LL4396-9), with or without a display
        if str(c.get("system", "")).rstrip("/") == C.LOINC and str(c.get("code")) in C.IHC_SCORE_ANSWERS:
            return C.IHC_SCORE_ANSWERS[str(c.get("code"))], None
    candidates.extend(concept_words(cc))
    candidates.extend(c.get("code") for c in codings(cc))
    if "valueString" in holder:
        candidates.append(holder["valueString"])
    if "valueInteger" in holder:
        candidates.append(holder["valueInteger"])
    for value in candidates:
        if isinstance(value, str):
            found = _text_score(value)
            if found is not None:
                return found
            continue
        try:
            return normalise_ihc_score(value), None
        except InvalidInput:
            pass
    return None, None


def ihc_score(holder: Json) -> str | None:
    """The HER2 IHC score of a value; see :func:`ihc_score_noted`."""
    return ihc_score_noted(holder)[0]


def value_text(holder: Json) -> str:
    if "valueCodeableConcept" in holder:
        return describe(holder["valueCodeableConcept"])
    for key in ("valueString", "valueInteger", "valueBoolean"):
        if key in holder:
            return repr(holder[key])
    q = quantity(holder)
    return f"{fmt(q[0])} {q[1]}".strip() if q else "(no value)"


_STRENGTH = re.compile(
    r"(?:^|\s)\d[\d.,]*\s*(?:mg|g|mcg|µg|ug|ml|l|%|iu|units?|unit|mmol|mg/m2|mg/kg|mg/ml)\b", re.IGNORECASE
)


def medication_name(cc: Any) -> str | None:
    texts = concept_words(cc)
    if not texts:
        return None
    text = texts[0].lower()
    # the strength and what follows it ("trastuzumab 150 mg injection"); digits inside a name stay ("T-DM1", "5-FU")
    text = _STRENGTH.split(text, maxsplit=1)[0]
    words = [w for w in text.replace(",", " ").split() if w not in _DOSE_WORDS]
    return " ".join(words) or None
