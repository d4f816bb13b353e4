"""Regular expressions for HER2, ISH and hormone-receptor statements, compiled once at import.

Reports in the wild are OCR text: words are broken by stray full stops ("HER-2/NEU. c-erb82"),
letters are misread ("Postive", "zoro", "c-exbB2") and tables lose their layout. The patterns
accept the common spellings and the common OCR slips, and nothing looser: a value is only read
when a HER2 (or ISH, ER, PR) name stands right before it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Final

_I = re.IGNORECASE

# --- names -------------------------------------------------------------------------------------

# HER2 and its aliases: HER2, HER-2/neu, HER 2 NEU, Her2neu, c-erbB-2 (and OCR c-erb82), HercepTest.
HER2: Final = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"HER[\s\-]?2(?:\s*/?\s*-?\s*neu)?"
    r"|ER-2-NEU"
    r"|c-?\s?erb-?\s?B-?2|c-?\s?e[rx]b-?[B8]2"
    r"|herceptest?"
    r")(?![A-Za-z0-9])",
    _I,
)

# ISH methods and kits.
ISH_WORD: Final = re.compile(
    r"(?<![A-Za-z])(?:FISH|FIS[HZ]|CISH|SISH|DDISH|DISH|ISH|in[\s\-]+situ\s+hybridi[sz]ation"
    r"|PathVysion|Vysis|INFORM\s+HER2|ZytoLight|IQFISH|CEP\s*-?\s*17|chromosome\s+17|amplification|amplified)"
    r"(?![A-Za-z])",
    _I,
)
ISH_TECHNIQUE: Final = re.compile(r"(?<![A-Za-z])(DDISH|CISH|SISH|FISH)(?![A-Za-z])", _I)
ISH_KIT: Final = re.compile(r"\b(PathVysion|INFORM\s+HER2(?:\s+Dual\s+ISH)?|ZytoLight|IQFISH)\b", _I)
IHC_ASSAY: Final = re.compile(
    r"(?<![A-Za-z0-9])(herceptest?|4B5|CB11|A0?485|SP3|polyclonal)(?![A-Za-z0-9])",
    _I,
)
IHC_ASSAY_CANON: Final[dict[str, str]] = {
    "herceptest": "HercepTest",
    "hercepte": "HercepTest",
    "herceptes": "HercepTest",
    "4b5": "PATHWAY 4B5",
    "cb11": "CB11",
    "a0485": "A0485",
    "a485": "A0485",
    "sp3": "SP3",
    "polyclonal": "polyclonal",
}

# Other markers: the window after a HER2 name stops at the next one of these.
OTHER_MARKER: Final = re.compile(
    r"(?<![A-Za-z0-9\-])(?:ER|PR|PgR|ERA|Ki-?\s?67|MIB-?1|EGFR|p63|p53|CK\s?\d|AE1|CAM\s?5\.2|E[\s\-]?cadherin|keratin"
    r"|estrogen|oestrogen|progesteron\w*|androgen)(?![A-Za-z0-9])"
)
# Other markers written as short capitals (androgen receptor, c-MET, mismatch-repair panel): their lower-case forms are
# frequent ("ar" in "carcinoma"), so they are found apart from the keyword index (context.ReportContext.lazy_stop).
CAPS_MARKER_WORDS: Final = ("AR", "MET", "MMR")
OTHER_MARKER_CAPS: Final = re.compile(r"(?<![A-Za-z0-9\-])(?:AR|MET|MMR)(?![A-Za-z0-9])")
OTHER_MARKER_I: Final = re.compile(
    r"(?<![A-Za-z])(?:estrogen|oestrogen|progesteron\w*|Ki-?\s?67|E[\s\-]?cadherin|keratin|androgen|cell\s+cycle"
    # other markers of gastric/breast panels (2026-11-27 review: their scores were read as the HER2 score)
    r"|claudin|cldn|trop-?2|gata-?3|c-?met(?![A-Za-z])|pd-?l1|fgfr|cdx-?2|mlh-?1|pms-?2|msh-?[26]|mismatch\s+repair)",
    _I,
)
# Nottingham grade components and synoptic fields whose scores or status words are not HER2's (2026-11-27 review).
# Also window stops; apart from OTHER_MARKER_I because their words are common in reports: the extractor looks for
# them only in the windows after a name (context.ReportContext.lazy_stop), not in the whole text.
# Each match is one word (what follows it is a look-ahead), so matches never overlap: the first match at or after a
# position is the same whether the text is searched from there or from its start.
FIELD_STOP: Final = re.compile(
    r"(?<![A-Za-z])(?:tubules?(?![A-Za-z])|tubul(?:e|ar)(?=\s+formation)|gland(?:ular)?(?=\s+formation)"
    r"|nuclear(?=\s+(?:pleomorphism|grade))|pleomorphism|mitos[ie]s|mitotic|bloom|nottingham"
    # the synoptic fields only where a field starts (the text's start, a new line, after ". ", "; ", a list mark or a
    # run of spaces, or a qualifier: "Surgical margins"): not in the name's own description ("HER2 IHC on the
    # carcinoma in lymph node: 3+", "(block with lymphovascular invasion)", "closest to the margin: 3+")
    r"|(?:^|(?<=\n)|(?<=[.;|•*\-]\s)|(?<=\s\s)|(?<=surgical\s)|(?<=resection\s)|(?<=closest\s))"
    r"(?:margins?(?![A-Za-z])|lymph(?=\s+nodes?\s*(?:status\s*)?(?:\([^()]{0,20}\)\s*)?:)|lymphovascular|perineural"
    r"|extranodal)"
    # a field label with its colon, written as a label (first letter a capital), wherever it stands: OCR and one-line
    # text join fields with a single space ("HER2/CEP17 Ratio: 1.4 Lymph nodes: 2 positive of 12"); not the name's
    # description ("carcinoma in lymph node: 3+"; third review of the evening, finding 2)
    r"|(?-i:M)argins?(?=\s*:)|(?-i:L)ymph(?=\s+nodes?\s*(?:status\s*)?(?:\([^()]{0,20}\)\s*)?:)"
    r"|(?-i:L)ymphovascular(?=(?:\s+(?:space\s+)?invasion)?\s*:)|(?-i:P)erineural(?=(?:\s+invasion)?\s*:)"
    r"|(?-i:E)xtranodal(?=(?:\s+extension)?\s*:))",
    _I,
)
# Every match of FIELD_STOP holds one of these (lower-cased).
FIELD_STOP_WORDS: Final = (
    "tubul", "gland", "nuclear", "pleomorphism", "mitos", "mitotic", "bloom", "nottingham", "margin", "lymph",
    "perineural", "extranodal",
)  # fmt: skip

# ER and PR names. "ER" and "PR" are matched in capitals only; "ER" not when it is a broken "HER-2".
ER_PR_BOTH: Final = re.compile(
    r"(?<![A-Za-z0-9\-])(?:ER\s*(?:/|and|&|,)\s*PR|ER\s*/\s*PgR|"
    r"(?:o?estrogen)\s+(?:and|&|/)\s+progesteron\w*)(?:\s+receptors?)?(?![A-Za-z0-9])",
    _I,
)
ER_NAME: Final = re.compile(
    r"(?<![A-Za-z0-9\-])(?:ER(?:-ICA|A)?(?![\s\-]*2)|(?i:o?estrogen)(?:\s+(?i:receptors?))?(?:\s*\(ER\))?)"
    r"(?![A-Za-z0-9])"
)
PR_NAME: Final = re.compile(
    r"(?<![A-Za-z0-9\-])(?:PR(?:-ICA)?|PgR|PGR|(?i:progesteron\w*)(?:\s+(?i:receptors?))?(?:\s*\(PR\))?)"
    r"(?![A-Za-z0-9])"
)

# --- values ------------------------------------------------------------------------------------

_POS = r"pos[il1]?t[il1]?ve|postive|positve|posititve"
_NEG = r"negat[il1]ve|negaitve|negtive"
STATUS_WORD: Final = re.compile(
    rf"(?<![A-Za-z])(weakly\s+(?:{_POS})|low[\s\-]+(?:{_POS})|{_POS}|{_NEG}|equivocal|borderline|indeterminate)"
    # not a word describing cells ("percentage of positive cells", "negative tumour cells")
    r"(?![A-Za-z])(?!\s+(?:(?:tumou?r|invasive|carcinoma)\s+)?(?:cells|nuclei)(?![A-Za-z]))",
    _I,
)
# "HER2-" / "Her2+" as in "(ER+, PR+, Her2-)".
SIGN_STATUS: Final = re.compile(r"([+\-])(?=\s*[),;]|\s+and\b|\s*$)")

# An IHC score token. Bare digits only where a word such as "score" or a status stands before.
_SCORE_PLUS = r"(?:[0-3]\s?\+|\+\s?[0-3])(?![\d+])"
# A bare digit before a comma only when a status word follows ("IHC 0, negative"), or after a 0 the absence of staining
# ("0, no membrane staining", "0, null"); not "intensity 3, incomplete" (a staining intensity is not a score), "1,000"
# or "2, 3".
_ABSENT_NEXT = (
    r"\s*(?:HER[\s\-]?2[\s\-]*)?"
    r"(?:no\s+(?:membrane\s+|membranous\s+)?staining|null|absent|ultra[\s\-]?low)(?![A-Za-z])"
)


# A HER2 name restating the category of the score right before it ("HER2/neu: 0, HER2-null", "1, HER2-low", "3+,
# HER2-positive"; docs/extraction.md step 15, 6): the window read after the name before it reaches past it
# (restated_after_score), and a bare score before a comma may be followed by it (the name is optional before a status
# word in _STATUS_NEXT; the other categories in _LOW_NEXT: one copy of the status words per branch of _bare, whose
# patterns are compiled three times at import).
_RESTATING = r"HER[\s\-]?2(?:/neu)?[ \-]{0,3}"
_CATEGORY = rf"null|ultra[\s\-]?low|low|{_POS}|{_NEG}"
_STATUS_NEXT = rf"\s*(?:{_RESTATING})?(?:{_POS}|{_NEG}|equivocal|borderline)(?![A-Za-z])"
_LOW_NEXT = rf"\s*{_RESTATING}(?:null|ultra[\s\-]?low|low)(?![A-Za-z])"


def _bare(after: str) -> str:
    """A bare score 0-3 not followed by ``after`` nor by a comma that does not lead to a status, a restated category
    (or, after a 0, the absence of staining)."""
    return (
        rf"(?:0(?!{after}|,(?!{_STATUS_NEXT}|{_ABSENT_NEXT}|{_LOW_NEXT}))"
        rf"|[1-3](?!{after}|,(?!{_STATUS_NEXT}|{_LOW_NEXT})))"
    )


# (nor a dilution or a ratio, "1:200": fifth review, B1)
_NOT_AFTER_BARE = r"\.\d|[\d/%+]|\s*%|\s*(?:cm|mm|x)\b|\s?:\s?\d"
_SCORE_BARE = rf"(?:{_bare(_NOT_AFTER_BARE)}|zero|zoro|null)"
_RANGE_SEP = r"\s*(?:or|/|-|–|to)\s*"


def _range(sep: str) -> str:
    """Two plus scores, the lower first, joined by ``sep``: "0-1+", "1+ to 3+", "+2/+3", "2-3+"."""
    out = []
    for lo, his in (("(?:0|zero|zoro)", "1-3"), ("1", "23"), ("2", "3")):
        out.append(rf"(?:\+\s?{lo}|{lo}(?:\s?\+)?){sep}(?:\+\s?[{his}]|[{his}]\s?\+)(?![\d+])")
    return "|".join(out)


# A score range: two plus scores, the lower first ("0-1+", "zero or 1+", "1+ to 3+", "+2/+3", "2-3+"), or
# "between 2+ and 3+", "from 1+ to 3+". Every match starts with one of ihc._RANGE_STARTS and holds a "+".
_BETWEEN_SEP = r"\s*(?:and|to|-|–)\s*"
SCORE_RANGE: Final = re.compile(
    rf"(?<![\d.])(?:{_range(_RANGE_SEP)})|(?<![A-Za-z])(?:between|from)\s+(?:{_range(_BETWEEN_SEP)})",
    _I,
)
# The rest of a range after a score read ("score 2-3", "intensity 1 to 3"): a higher score, plus or bare.
SCORE_RANGE_REST: Final = re.compile(
    r"\s*(?:-|–|/|to|or)\s*(?:\+\s?)?(?P<hi>[0-3])(?:\s?\+)?(?![\d+]|[.,]\d)"
    r"(?!\s*(?:%|cm|mm|x\b|blocks?|slides?|cores?|specimens?|sections?|cells?|of\b))",
    _I,
)


def range_rest(window: str, token: str, end: int) -> re.Match[str] | None:
    """The rest of a range after the score ``token`` ending at ``end`` ("score 2-3", "+2 to 3", and written
    highest first, "3+/2+"), with another score than ``token``."""
    m = SCORE_RANGE_REST.match(window, end)
    first = next((int(c) for c in token if c.isdigit()), 0)  # zero, zoro, null: 0
    return m if m is not None and int(m.group("hi")) != first else None


SCORE_RANGE_WARNING: Final = "HER2 IHC score stated as a range (e.g. 0-1+); no single score read"
FURTHER_SCORE_WARNING: Final = (
    "a further HER2 IHC score after the first (e.g. a repeat on another block) was not read"
)


def score_key(token: str) -> str:
    """A plus score token in one spelling ("3+", "+3", "3 +" are "3+"), to compare two scores."""
    t = "".join(token.split())
    return t[1:] + "+" if t.startswith("+") else t


# After "intensity" a bare digit before a comma is never a score, whatever follows ("intensity 3, positive in 5% of
# cells": an intensity is not a score; third review of the evening, finding 1).
_INTENSITY_BARE = rf"(?:[0-3](?!{_NOT_AFTER_BARE}|,)|zero|zoro|null)"
SCORE_AFTER_WORD: Final = re.compile(
    r"(?:\bscore[ds]?|(?P<intensity>\bintensity|\bstaining\s+intensity))(?:\s+(?:of|is|was|=))?\s*[:=]?\s*[(\[]?\s*"
    rf"(?P<score>{_SCORE_PLUS}|(?(intensity){_INTENSITY_BARE}|{_SCORE_BARE}))",
    _I,
)
SCORE_AFTER_STATUS: Final = re.compile(
    rf"(?P<status>{_POS}|{_NEG}|equivocal)(?:\s+reaction)?(?:\s+for\s+overexpression)?\s*[,:\-]?\s*[(\[]?\s*"
    rf"(?:score\s*[:=]?\s*)?(?P<score>{_SCORE_PLUS}|{_SCORE_BARE})",
    _I,
)
# A bare digit that counts something is not a score: "HER2 IHC 2 blocks", "3 of 4 cores".
_COUNTED = r"\s*(?:blocks?|slides?|cores?|specimens?|sections?|cells?|times|x\b|of\b|to\b|-\s*\d)"
# (not a dilution: "HER2 IHC 1:200 dilution: 2+"; fifth review, B1)
_NOT_AFTER_ADJACENT = r"\.\d|[\d/%+]|\s?:\s?\d|" + _COUNTED
SCORE_ADJACENT: Final = re.compile(
    r"^\s*(?:\([^()]{0,30}\)\s*)?(?:(?:by\s+)?(?:IHC|immunohistochemistry|herceptest?)\s*)?[:=\-]?\s*"
    rf"(?P<score>{_SCORE_PLUS}|{_bare(_NOT_AFTER_ADJACENT)}|zero|zoro)",
    _I,
)
SCORE_PLUS_ANY: Final = re.compile(rf"(?<![\d+./])(?P<score>{_SCORE_PLUS})")
# Tables that print the value before the name: "SCORE. 1+. NEGATIVE. Her2/neu."
SCORE_BEFORE_NAME: Final = re.compile(
    rf"(?<![\d+])(?P<score>[0-3]\s?\+)\.?\s+(?P<status>{_POS}|{_NEG}|equivocal)\.?\s+$",
    _I,
)
RESTATED_NAME: Final = re.compile(rf"{_RESTATING}(?P<cat>{_CATEGORY})(?![A-Za-z])", _I)
# (a status restated ends its clause: "HER2-positive by FISH", "HER2-negative (FISH ...)" may state another test's)
_CLAUSE_ENDS: Final = re.compile(r"[ \t]*(?:[.,;)\]\n]|$)")
# The score the restated category follows, a few separators before the name (a search ending at the name).
_SCORE_TAIL: Final = re.compile(
    rf"(?:{_SCORE_PLUS}|(?<![\d.,+/])[0-3](?![\d+])|(?<![A-Za-z])z[eo]ro)[\s,;(\-–]{{1,4}}$", _I
)
# The scores each category restated without a status word agrees with (positive and negative are status words,
# checked as such; ultralow after a score by the ultralow rule).
RESTATED_SCORES: Final[dict[str, tuple[str, ...]]] = {"null": ("0",), "low": ("1+", "2+")}


def restated_after_score(text: str, lo: int, at: int) -> tuple[int, str] | None:
    """Where a HER2 name at ``at`` that restates a category ("HER2-null", "HER2-low", "HER2-ultralow", "HER2-positive",
    "HER2-negative") ends, and the category ("null", "low", "ultralow", "positive", "negative"), when a score ends
    ``text[lo:at]`` with at most four separators (white space , ; ( -) between; else None. A status ("positive",
    "negative") counts only where it ends its clause."""
    m = RESTATED_NAME.match(text, at)
    if m is None:
        return None
    cat = m.group("cat").lower()
    if cat.startswith(("pos", "neg")):  # (every spelling of _POS, _NEG)
        if _CLAUSE_ENDS.match(text, m.end()) is None:
            return None
        cat = "positive" if cat[0] == "p" else "negative"
    elif cat.startswith("ultra"):
        cat = "ultralow"
    if _SCORE_TAIL.search(text, max(lo, at - 12), at) is None:
        return None
    return m.end(), cat


# A percentage in a value position: "30", "0.5", or "0,5" with a decimal comma. Every digit group joined by a full
# stop or a comma is taken into the match ("1,000", "0,5,1"), so that a percentage is never read in part ("0,5 %" as
# 5 %); ``percent_number`` then reads it, or refuses it when it is not plainly one decimal number.
_PCT = r"(?<![\d.])(?<!\d[,·٫'’])(?<!\d\s,)(?<!\d,\s)\d{1,3}(?:[.,·٫'’]\d+)*"
_DOT_DECIMAL: Final = re.compile(r"\d{1,3}(?:\.\d{1,2})?")
PERCENT_NOT_DECIMAL_WARNING: Final = (
    "percentage written with a comma or full stop that is not one decimal number (e.g. 1,000 % or 0,5,1 %);"
    " percentage not read"
)


def percent_number(raw: str) -> float | None:
    """The value of a number matched by ``_PCT``: "30", "0.5" and "0,5" (one or two digits after the comma or full
    stop); None for another form ("1,000" may be a thousand, "0,5,1" is a list, "0.125" is not a percentage as
    reports give one)."""
    return _decimal_value(raw, _DOT_DECIMAL)


def _decimal_value(raw: str, plain: re.Pattern[str]) -> float | None:
    """``raw`` as a number when it matches ``plain`` (after reading "·" and "٫" as a full stop) or is one decimal
    written with a comma; else None."""
    raw = raw.replace("·", ".").replace("٫", ".")
    if plain.fullmatch(raw):
        return float(raw)
    if _COMMA_DECIMAL.fullmatch(raw):
        return float(raw.replace(",", "."))
    return None


PERCENT_CELLS: Final = re.compile(
    rf"(?:%\s*(?:of\s+)?tumou?r\s+staining\s*[:=]?\s*(?P<a>{_PCT})\s*%"
    rf"|(?<!-)(?P<b>{_PCT})\s*%\s+of\s+(?:the\s+)?(?:invasive\s+)?(?:tumou?r|carcinoma|cancer|neoplastic)"
    r"\s+cells\s+(?:show|exhibit|demonstrate|with|display)\w*\s+(?:\w+\s+){0,2}membran)",
    _I,
)

# A score stated as absent, judged from the words around it within its clause: a negation before it ("no 3+
# staining", "negative for 3+", "no evidence of 3+", "lacks 3+", "not consistent with 3+"; not a double negation
# such as "no loss of 3+"), or an absence stated after it, past only staining words ("3+ not identified",
# "3+ (not detected)", "3+ ruled out", "3+ staining: none identified"). The clause before the score ends at
# . ; : , ( ) [ ] or a new line, or at "but", "however", "whereas", "rather", "instead".
SCORE_NEGATED_AFTER: Final = re.compile(
    r"[\s(\[:\-–]*"
    r"(?:(?:complete|circumferential|strong|intense|membrane|membranous|staining|expression|reactivity"
    r"|immunoreactivity|pattern)[\s(\[:\-–]+)*"
    r"(?:(?:is|was|were|are|has\s+been|have\s+been)\s+)?"
    r"(?:not\s+(?:\w+\s+)?(?:identified|seen|present|detected|observed|demonstrated|demonstrable|found|noted|evident"
    r"|appreciated|visible|shown)|absent|lacking|never\s+seen|ruled\s+out|excluded|nil"
    r"|none(?!\s+of\b)(?:\s+(?:seen|identified|present|detected|observed|found|noted))?)"
    r"(?![A-Za-z])",
    _I,
)
SCORE_NEGATOR_BEFORE: Final = re.compile(
    r"(?<![A-Za-z])(?:no|not|non|nor|neither|none|never|without|absen(?:ce|t)|lack(?:s|ing|ed)?|lack\s+of"
    rf"|(?:{_NEG})\s+for|rul(?:e|es|ed|ing)\s+out|exclud(?:e|es|ed|ing)|free\s+of|devoid\s+of|inconsistent\s+with)"
    r"(?![A-Za-z])"
    r"(?![\s\-]*(?:loss|lost|less|fewer|lower|reduc|decreas|chang|doubt|question|differen|only)(?![A-Za-z]))",
    _I,
)
_CLAUSE_STOPS: Final = ".;:,()[]\n"
_CLAUSE_WORD: Final = re.compile(r"(?<![A-Za-z])(?:but|however|whereas|rather|instead)(?![A-Za-z])", _I)
NEGATION_REACH: Final = 60  # characters before the score searched for a negation
_ZERO_TOKENS: Final = frozenset({"0", "zero", "zoro", "null"})
NEGATED_SCORE_WARNING: Final = (
    "HER2 IHC score stated as not seen (e.g. 3+ not identified); that score not read"
)


def score_negated(window: str, start: int, end: int) -> bool:
    """The score ``window[start:end]`` is stated as absent: a negation before it in its clause ("no 3+ staining",
    "negative for 3+", "not consistent with 3+"), or an absence stated after it ("3+ not identified",
    "3+ (not detected)", "3+ ruled out")."""
    # ("0 (absent staining)", "0, no staining": absence after a 0 describes the 0, it does not negate it.)
    if SCORE_NEGATED_AFTER.match(window, end) and window[start:end].lower() not in _ZERO_TOKENS:
        return True
    lo = max(0, start - NEGATION_REACH)
    for c in _CLAUSE_STOPS:
        i = window.rfind(c, lo, start)
        if i >= lo:
            lo = i + 1
    for m in _CLAUSE_WORD.finditer(window, lo, start):
        lo = m.end()
    return SCORE_NEGATOR_BEFORE.search(window, lo, start) is not None


# HER2-ultralow and HER2-null stated with (or instead of) an IHC score of 0 (ASCO/CAP 2023 update; DESTINY-Breast06).
ULTRALOW: Final = re.compile(r"(?<![A-Za-z])ultra[\s\-]?low(?![A-Za-z])", _I)
# The negation right before, on the same line and in the same field (not "Lymphovascular invasion: No\nHER2 ...",
# nor across a run of spaces between template fields).
NEGATION_BEFORE: Final = re.compile(r"\b(?:not|no|non)(?:[ \t]?-[ \t]?|[ \t])?\Z", _I)
# A negation in prose wrapped onto the line before ("The tumor is not\nHER2-positive", "(ER-, PR-, not\nHER2
# amplified)"): after a word, a comma or a bracket on its line (not a field's answer, "invasion: No"), and the next
# line does not start a field ("HER2 (IHC): ..."; third review of the evening, finding 3).
_NEGATION_WRAPPED: Final = re.compile(r"[A-Za-z,;(][ \t]+(?:not|no|non)[ \t]*\r?\n[ \t]*\Z", _I)
_FIELD_LINE_START: Final = re.compile(r"(?:[A-Za-z0-9/\-]+[ \t]*(?:\([^()\n]{0,30}\)[ \t]*)?){1,4}:")


def negated_before(text: str, start: int) -> bool:
    """A negation stands right before ``text[start]`` (a HER2 name or an ISH result): on its line and in its field
    (NEGATION_BEFORE), or wrapped onto the line before in prose."""
    if NEGATION_BEFORE.search(text[max(0, start - 12) : start]):
        return True
    return (
        "\n" in text[max(0, start - 4) : start]
        and _NEGATION_WRAPPED.search(text[max(0, start - 20) : start]) is not None
        and _FIELD_LINE_START.match(text, start) is None
    )


NEGATED_ISH_WARNING: Final = "HER2 ISH result stated in a negated form (e.g. not HER2 amplified); not read"
NULL_AFTER_ZERO: Final = re.compile(
    r"^[\s,;:(\-]*(?:HER[\s\-]?2[\s\-]*)?(?:null(?![A-Za-z])|(?:no|absent)\s+(?:membrane\s+|membranous\s+)?staining(?!\s*,?\s+or\b))",
    _I,
)
# HER2-ultralow named but not established: "ultralow not excluded", "ultralow cannot be assessed", "possible
# ultralow", "cannot exclude HER2-ultralow", "0 or ultralow".
ULTRALOW_NOT_STATED_AFTER: Final = re.compile(
    r"[\s\-)]*(?:(?:is|was)\s+)?(?:not\s+(?:be\s+)?(?:excluded|assessed|assessable|evaluable|evaluated|determined"
    r"|possible|applicable|ruled\s+out)|cannot|can\s+not|could\s+not|indeterminate|uncertain|unknown|\?)",
    _I,
)
ULTRALOW_HEDGE_BEFORE: Final = re.compile(
    r"(?:(?<![A-Za-z])(?:possible|possibly|probable|probably|questionable|suspicious\s+for|versus|vs\.?|or|exclude"
    r"|rule\s+out|r/o)|\?)[\s\-(]*(?:HER[\s\-]?2(?:/neu)?[\s\-]*)?$",
    _I,
)
# The HER2-ultralow definition stated right after a score of 0: "0 (faint, incomplete membrane staining in <10% of
# tumor cells)"; the bound is at most 10 % ("<", "≤", "less than", "up to"). Not "no faint ..." nor a clause that
# goes on with "or" (the whole IHC 0 definition, null or ultralow).
ULTRALOW_DEFINITION_AFTER_ZERO: Final = re.compile(
    r"^\s*[,(:\-]?\s*(?:with\s+)?(?:very\s+)?(?:faint|weak)(?:\s*,\s*|\s+(?:and\s+|/\s*)?)(?:barely\s+perceptible\s*,?\s*"
    r"(?:and\s+)?)?incomplete\s+membran(?:e|ous)\s+staining\s+(?:in\s+)?(?:<|≤|=<|<=|less\s+than|fewer\s+than|up\s+to"
    r"|at\s+most|no\s+more\s+than)\s*(?:10|[1-9](?:[.,]\d)?)\s*%(?![^)\n;]{0,40}?(?<![A-Za-z])or(?![A-Za-z]))",
    _I,
)
ULTRALOW_NOT_STATED_WARNING: Final = (
    "HER2-ultralow named but not established (e.g. not excluded, cannot be assessed); ultralow not read"
)
# "1+ in 30% of invasive tumour cells", "1+, 20% of cells": the percentage right after the score.
PERCENT_AFTER_SCORE: Final = re.compile(
    rf"^\s*[,(]?\s*(?:in\s+)?(?P<p>{_PCT})\s*%\s+of\s+(?:the\s+)?(?:invasive\s+)?"
    r"(?:tumou?r\s+|carcinoma\s+|neoplastic\s+)?cells",
    _I,
)

# "criteria" naming the scoring system in the parentheses right after the name (and "IHC"), the value right after:
# "HER2 IHC (4B5, gastric scoring criteria): 2+", "HER2 (Hofmann criteria): 3+". Not a legend word there.
NAME_CRITERIA: Final = re.compile(
    r"\s*(?:(?:IHC|immunohistochemistry)\s*)?\([^()<>\n]{0,40}?(?<![A-Za-z])(?:gastric|gastro-?o?esophageal|GEJ|Hofmann"
    r"|ToGA|R(?:ü|ue?)schoff|breast)(?![A-Za-z])[^()<>\n]{0,20}?(?<![A-Za-z])criteria\s*\)\s*:?\s*",
    _I,
)
# A value defined after it ("3+ = strong ...", "0: no reactivity"): a legend.
DEFINED_AFTER: Final = re.compile(r"\s*[:=]", _I)

# A scoring legend that names HER2 after its heading: "Scoring criteria: HER2 3+: strong, complete ...".
CRITERIA_BEFORE: Final = re.compile(r"\b(?:criteria|legend|key)\s*(?:\([^()]{0,30}\)\s*)?:\s*$", _I)
# A guideline cited in brackets ("HER2 status (ASCO/CAP 2018 guidelines): 2+", "(per ASCO/CAP 2018 guideline)", "(2018
# ASCO/CAP guidelines)", "(ASCO/CAP criteria)"): a citation, not a legend, so the value after it is read (sixth review,
# 2). Only the words of a citation are allowed in the brackets, and ASCO or CAP must be named.
_CITE_WORD = r"(?:ASCO|CAP|(?:19|20)\d\d|guidelines?|criteria|recommendations?|updated?|focused|breast)"
GUIDELINE_CITATION: Final = re.compile(
    r"\((?=[^()\n]{0,60}?(?<![A-Za-z])(?:ASCO|CAP)(?![A-Za-z]))\s*"
    r"(?:(?:per|according\s+to|using|based\s+on|following)\s+)?(?:the\s+)?"
    rf"{_CITE_WORD}(?:\s*[\s/\-,&]\s*(?:and\s+)?{_CITE_WORD}){{0,7}}\s*\)",
    _I,
)
# The legend words (LEGEND) a citation may hold.
CITATION_LEGEND_WORDS: Final = ("guideline", "criteria")


def past_citations(
    text: str, lm: re.Match[str] | None, search: Callable[[int], re.Match[str] | None], limit: int
) -> tuple[re.Match[str] | None, bool]:
    """The first legend match from ``lm`` on that is not a word of a bracketed guideline citation (GUIDELINE_CITATION)
    ending at or before ``limit`` in ``text``, and whether a citation was passed over; ``search(pos)`` is the next
    legend match from ``pos``."""
    passed = False
    while lm is not None and lm.group(0).lower() in CITATION_LEGEND_WORDS:
        lo = text.rfind("(", max(0, lm.start() - 60), lm.start())
        cm = GUIDELINE_CITATION.match(text, lo) if lo >= 0 else None
        if cm is None or cm.end() < lm.end() or cm.end() > limit:
            break
        passed = True
        lm = search(cm.end())
    return lm, passed


# --- fifth review (2026-11-27), A2: scoring keys, criteria and general statements are not results ----------------

# A score defined after it by the staining it stands for: "1+ = faint", "0 = no staining", "3+ = strong complete ..."
# (a scoring key; "3+ = positive" is still read).
_DEFINED_BY_STAINING = (
    r"\s*=\s*(?:no|faint|weak|moderate|strong|complete|incomplete|barely|partial|intense|circumferential|membran\w*"
    r"|absent)(?![A-Za-z])"
)
# A general statement about a class of tumours or results, after the value: "A HER2 score of 3+ is considered positive",
# "a 2+ result requires reflex FISH", "HER2 3+ tumours may benefit", "HER2-positive tumors (IHC 3+ or ISH amplified) are
# candidates", "HER2-amplified tumours respond"; and alternatives that define a status ("IHC 3+ or ISH amplified").
_GENERIC_AFTER = (
    r"\)?\s*(?:(?:(?:results?|scores?)\s+)?(?:is|are)\s+(?:considered|regarded|defined)"
    r"|(?:results?|scores?)\s+(?:requires?|warrants?|necessitates?|mandates?|should|must)"
    r"|(?:breast\s+|gastric\s+)?(?:tumou?rs|cancers|carcinomas|patients|cases)"
    r"|(?:are|is)\s+(?:candidates|eligible)"
    r"|(?:may|might|can|could|would)\s+(?:benefit|respond|qualify|be\s+eligible))(?![A-Za-z])"
    r"|\s+(?:or|and/or)\s+(?:by\s+)?(?:ISH|FISH|CISH|SISH|DISH|DDISH|in\s+situ)(?![A-Za-z])"
)
# A status word that heads a definition of alternatives: "HER2 positive: IHC 3+ or ISH amplified", "HER2 negative: IHC
# 0/1+ or ISH not amplified" (not "Positive: strong complete staining, 3+").
STATUS_DEFINED_AFTER: Final = re.compile(
    r"\s*:\s*[^.;\n]{0,40}?(?<![A-Za-z])(?:or|and/or)\s+(?:by\s+)?(?:IHC|ISH|FISH|CISH|SISH|DISH|DDISH|in\s+situ"
    r"|immunohisto\w*)(?![A-Za-z])",
    _I,
)
# An ISH result word that heads its threshold: "Amplified: HER2/CEP17 ratio ≥2.0", "Not amplified: ratio <2.0 and HER2
# <4.0" (interpretation criteria; not "Amplified: ratio 3.5 (≥2.0)", a result with its threshold).
RESULT_DEFINED_AFTER: Final = re.compile(
    r"\s*:\s*(?:(?:HER[\s\-]?2|CEP\s*-?\s*17|ratio|average|mean|copy|copies|number|signals?|per|cells?|nucle(?:us|i)"
    r"|of|/|\s)+)?(?:[<>≥≤]|=<|>=|\d+(?:[.,]\d+)?\s*(?:or|and)\s+(?:greater|more|higher|above|less|lower|below)"
    r"(?![A-Za-z]))",
    _I,
)
# An ISH result given as one alternative of a definition: "HER2 negative: IHC 0/1+ or ISH not amplified".
ISH_ALTERNATIVE_BEFORE: Final = re.compile(
    r"(?<![A-Za-z])(?:or|and/or)\s+(?:by\s+)?(?:ISH|FISH|CISH|SISH|DISH|DDISH)\s*\Z", _I
)
# The scale of the score in brackets right after the name: "HER2 IHC (0, 1+, 2+, 3+): 2+", "HER2 score (0-3+): 2+",
# "HER2 (scale 0 to 3+): 1+", "HER2 IHC [0-3+]: 3+", "HER2 (score range 0-3): 2". It spans 0 to 3, so it is no
# result (a result range never does); the value after it is read (``scale`` is blanked in the window).
NAME_SCALE: Final = re.compile(
    r"\s*(?:(?:IHC|immunohistochemistry)\s*)?(?:score\s*)?(?P<scale>[(\[]\s*(?:(?:score\s+)?(?:range|scale)\s*"
    r"(?:of\s+)?)?0\s?\+?(?:\s*(?:,|-|–|to|/|or)\s*[12]\s?\+?)*\s*(?:,|-|–|to|/|or)\s*3\s?\+?\s*[)\]])",
    _I,
)
# A score or range defined right after it ("3+: Positive", "0 = no staining", "0-1+: Negative"). With another such
# entry of a different score within DEFINED_LIST_REACH characters (no specimen label between), it is a scoring key,
# not a result: "HER2 3+: Positive. HER2 2+: Equivocal. HER2 0-1+: Negative.", "HER2 scoring key: 0: no staining. 1+:
# faint ...". One entry alone is read ("HER2 IHC: 2+: weak to moderate complete staining").
SCORE_DEFINED_AFTER: Final = re.compile(r"\s*[:=]\s*(?=[A-Za-z(])")
SCORE_DEFINED: Final = re.compile(
    r"(?<![\d+./,])(?:[0-3]\s?\+|\+\s?[0-3]|0(?![\d.,]))(?:\s*(?:-|–|/|or|to|and)\s*(?:[0-3]\s?\+|[0-3])(?![\d.,]))?"
    r"(?=\s*[:=]\s*[A-Za-z(])",
    _I,
)
DEFINED_LIST_REACH: Final = 100
_LIST_LABEL: Final = re.compile(
    r"(?<![A-Za-z])(?:blocks?|slides?|parts?|tumou?rs?|lesions?|specimens?)\s*#?\s*[A-Z]?\d", _I
)


def defined_in_list(text: str, start: int, end: int) -> bool:
    """The score (or range) ``text[start:end]`` is an entry of a scoring key: defined right after it, with another
    entry of a different score close by and no specimen label between them."""
    if SCORE_DEFINED_AFTER.match(text, end) is None:
        return False
    key = "".join(text[start:end].split()).lower()
    lo, hi = max(0, start - DEFINED_LIST_REACH), min(len(text), end + DEFINED_LIST_REACH)
    for m in SCORE_DEFINED.finditer(text, lo, hi):
        if m.start() == start or "".join(m.group(0).split()).lower() == key:
            continue
        a, b = (m.end(), start) if m.start() < start else (end, m.start())
        if _LIST_LABEL.search(text, a, b) is None:
            return True
    return False


# ISH values. A number in a value position: "1.8", "1·8" or "1٫8" (middle dot, Arabic decimal separator), or
# "1,8" as European reports write it. Every digit group joined by a comma is taken into the match ("1,000",
# "1,8,2"), and so is a whole number followed by digits after a spaced comma or an apostrophe ("1 ,8", "1, 8",
# "2'1"), so that a number is never read in part ("1,8" as 1); ``decimal`` then reads it, or refuses it when it is
# not plainly one decimal number.
_NUM = r"(\d{1,3}(?:\.\d{1,3}|[·٫]\d{1,3}|,\d+(?:[.,]\d+)*|\s*,\s+\d+|\s+,\d+|['’]\d+)?)"
_PLAIN_DECIMAL: Final = re.compile(r"\d{1,3}(?:\.\d{1,3})?")
_COMMA_DECIMAL: Final = re.compile(r"\d{1,3},\d{1,2}")
COMMA_NOT_DECIMAL_WARNING: Final = (
    "ISH value written with a comma or another separator that is not one decimal number (e.g. 1,000, 1,8,2,"
    " 1 ,8 or 2'1); value not read"
)


def decimal(raw: str) -> float | None:
    """The value of a number matched by ``_NUM``: "1.8" and "1,8" (one group of one or two digits after the
    comma) are 1.8, and so are "1·8" and "1٫8"; None for another form ("1,000" may be a thousand, "1,8,2" is a
    list, "1 ,8" and "2'1" are unclear)."""
    return _decimal_value(raw, _PLAIN_DECIMAL)


RATIO: Final = re.compile(
    r"\bratio\b(?:\s+HER[\s\-]?2\s*/\s*CEP\s*-?\s*17)?(?:\s+(?:value|is|was|of|=|result))?(?:\s+(?:determined\s+to\s+be|calculated\s+as))?"
    # "Combined ratio (40 cells) 2.05": the cells counted, in brackets before the value, are no ratio (sixth review, 1)
    r"(?:\s*\(\s*\d{1,3}\s+(?:(?:tumou?r|invasive|interphase)\s+)?(?:cells|nuclei)\s*\))?"
    rf"[\s:=(]*{_NUM}(?![\d.]*\s*(?:%|(?:(?:tumou?r|invasive|interphase)\s+)?(?:cells|nuclei)(?![A-Za-z])))",
    _I,
)
# A recount, a second reading or a combined count of an ISH test: "recount", "re-count", "second observer/reader/count",
# "Reader 2", "Count 2", "an additional 20 cells", "combined", "overall/final ratio", "average of the two counts" (sixth
# review, 1). Between two ratios of a passage (the marker at most RECOUNT_REACH after the earlier ratio, the later ratio
# at most RECOUNT_TO_RATIO after it), or in brackets right after the later ratio ("ratio 2.1 (recount)"), it starts the
# count the report rests on: the later ratio's test supersedes the earlier count's (ish.ish_tests).
RECOUNT: Final = re.compile(
    r"(?<![A-Za-z])(?:re-?\s?count(?:ed|ing|s)?"
    r"|(?:second|2nd)\s+(?:count|reader|observer|scorer|reading|read|technologist|technician|pathologist|enumeration)"
    r"|(?:count|reader|observer|scorer|reading)\s*(?:#|no\.?)?\s*2(?![\d.])"
    r"|additional\s+(?:\d{1,3}|twenty|thirty|forty|fifty)\s+(?:(?:tumou?r|invasive|interphase)\s+)?(?:cells|nuclei)"
    # "combined" only of counts: "combined ratio/count/result", "combined (40 cells)", "(combined)", "40 cells combined"
    r"|combined(?=\s*(?:HER[\s\-]?2\s*/\s*CEP\s*-?\s*17\s+)?(?:ratio|counts?|results?|readings?)(?![A-Za-z])"
    r"|\s*\(?\s*\d{1,3}\s+(?:cells|nuclei)|\s*\)|\s*,\s*\d{1,3}\s+(?:cells|nuclei))"
    r"|\d{1,3}\s+(?:cells|nuclei)\s+combined"
    r"|(?:overall|final)\s+(?:HER[\s\-]?2\s*/\s*CEP\s*-?\s*17\s+)?ratio"
    r"|average\s+of\s+(?:the\s+|both\s+)?(?:two\s+)?(?:counts|readers|observers|readings))"
    r"(?![A-Za-z])",
    _I,
)
# Another specimen named between two counts ("Tumor 1: ratio 1.5. Tumor 2 (combined count): ratio 2.5", "the second
# lesion"): the later count is that specimen's, not a recount.
OTHER_SPECIMEN: Final = re.compile(
    r"(?<![A-Za-z])(?:(?:blocks?|slides?|parts?|tumou?rs?|lesions?|specimens?|areas?|foci|focus|regions?|sites?)\s*#?\s*"
    r"[A-Z]?\d|(?:another|other|second|2nd|separate)\s+(?:tumou?r|lesion|focus|area|region|block|specimen|site|mass"
    r"|nodule))",
    _I,
)
RECOUNT_REACH: Final = 300
RECOUNT_TO_RATIO: Final = 200
# What stands between a ratio and a marker in brackets right after it ("ratio 2.05 (combined, 40 cells)").
_BRACKET_AFTER: Final = re.compile(r"\s*\(\s*(?:[^()\n]{0,25}?[\s,;/])?")
# The cells of "an additional 20 cells were counted": the cells added, not those the ratio after them is over.
ADDITIONAL_BEFORE: Final = re.compile(r"(?<![A-Za-z])additional\s+$", _I)
RECOUNT_WARNING: Final = (
    "HER2 ISH: an earlier count{first} is superseded by a recount, second reading or combined count in the same"
    " passage (ratio {ratio}); the earlier count was not read"
)


def recount_breaks(text: str, ratios: list[tuple[int, int]]) -> list[int]:
    """Where a recount starts, for each two consecutive ratios ``(start, end)`` of the ISH values with no other specimen
    named between them (OTHER_SPECIMEN): the first RECOUNT marker after the earlier ratio and before the later one (not
    in brackets right after the earlier ratio: that one is the earlier ratio's), or the later ratio's start when the
    marker is in brackets right after it."""
    out: list[int] = []
    for (_, e1), (s2, e2) in itertools.pairwise(ratios):
        if OTHER_SPECIMEN.search(text, e1, s2) is not None:
            continue
        m = RECOUNT.search(text, e1, min(len(text), s2 + 40, e1 + RECOUNT_REACH + 40))
        while m is not None and m.start() < s2 and _BRACKET_AFTER.fullmatch(text, e1, m.start()):
            m = RECOUNT.search(text, m.end(), min(len(text), s2 + 40, e1 + RECOUNT_REACH + 40))
        if (
            m is not None
            and m.start() < s2
            and m.start() - e1 <= RECOUNT_REACH
            and s2 - m.start() <= RECOUNT_TO_RATIO
        ):
            out.append(m.start())
            continue
        m = RECOUNT.search(text, e2, min(len(text), e2 + 40))
        if m is not None and _BRACKET_AFTER.fullmatch(text, e2, m.start()):
            out.append(s2)
    return out


# A stated ratio this many times the quotient of the mean copy numbers (or more) contradicts them by far more than
# rounding explains (a few per cent): what a ratio that lost its decimal point in OCR looks like ("ratio: 13" beside HER2
# 5.2 and CEP17 4.0, 1.3). The ratio is not read and the copy numbers are (sixth review, 5). Only the ratio above the
# counts: copy numbers far above the ratio are what a count that lost its decimal point looks like (HER2 "52" for 5.2),
# and the ratio is kept and the counts dropped as for any other contradiction (ish._build_ish).
RATIO_SLIP_FACTOR: Final = 5.0
RATIO_SLIP_WARNING: Final = (
    "ISH ratio contradicts the mean copy numbers by far more than rounding (5 times their quotient or more, e.g. a"
    " decimal point lost in OCR); the ratio was not read, the copy numbers were; check the report"
)


def ratio_slipped(ratio: float, her2: float, cep17: float) -> bool:
    """The stated ``ratio`` is RATIO_SLIP_FACTOR times the quotient of the mean copy numbers or more."""
    return her2 > 0 and cep17 > 0 and ratio >= RATIO_SLIP_FACTOR * her2 / cep17


RATIO_DETERMINED: Final = re.compile(
    rf"centromere\s+signals\s+(?:was|is|were)\s+(?:determined|calculated|found)\s+to\s+be\s+{_NUM}", _I
)
RATIO_AFTER_ISH: Final = re.compile(
    r"(?:FISH|ISH|CISH|SISH)\s*\)?\s*[:=]\s*(\d{1,2}(?:\.\d{1,3}|,\d+(?:[.,]\d+)*))\b(?!\s*%)\s*,?\s*(?=not|non|no\b|amplif)",
    _I,
)
RATIO_AFTER_BAD: Final = re.compile(
    r"\s*(?:or\s+(?:greater|more|higher|above|less|lower|below)|and\s+(?:above|below|greater|higher)"
    r"|-\s*\d|–\s*\d|to\s+\d|is\s+(?:considered|defined))",
    _I,
)
HER2_MEAN: Final = re.compile(
    rf"(?:average|mean)\s+(?:of\s+)?{_NUM}\.?\s+(?:copies|signals)\s+of\s+(?:the\s+)?(?:LSI\s+)?HER[\s\-]?2"
    r"|(?:average|mean)\s+(?:number\s+of\s+)?(?:LSI\s+)?HER[\s\-]?2(?:/neu)?\s+(?:gene\s+)?"
    r"(?:copy\s+numbers?|copies|signals)(?:\s*(?:per|/)\s*(?:cell|nucleus|nuclei))?\s*(?:is|was|of|=|:)?\s*"
    rf"{_NUM}"
    rf"|HER[\s\-]?2(?:/neu)?\s+(?:signals|copies)\s*(?:per|/)\s*(?:cell|nucleus)\s*[:=]\s*{_NUM}"
    rf"|HER[\s\-]?2(?:/neu)?\s+{_NUM}\s+(?:signals|copies)\s*(?:per|/)\s*(?:cell|nucleus)"
    # "HER2 copy number 4.2", a value only (not "copy number gain", "6 or more", "4-6")
    rf"|HER[\s\-]?2(?:/neu)?\s+(?:gene\s+)?copy\s+number\s*(?:is|was|of|=|:)?\s*{_NUM}(?![\d.]*\s*(?:%|or\s|-\s*\d|–|to\s+\d))"
    # a table (TCGA): "Number of Her2 signals/nucleus. 2.3."
    rf"|(?<=number\sof\s)HER[\s\-]?2(?:/neu)?\s+signals\s*(?:per|/)\s*(?:cell|nucleus)\.\s+{_NUM}(?=\.?(?:\s|$))",
    _I,
)
CEP17_MEAN: Final = re.compile(
    rf"(?:average|mean)\s+(?:of\s+)?{_NUM}\.?\s+(?:copies|signals)\s+of\s+(?:the\s+)?(?:CEP\s*-?17|chromosome\s+17)"
    r"|(?:average|mean)\s+(?:number\s+of\s+)?(?:CEP\s*-?17|chromosome\s+17)(?:\s+centromere)?\s+"
    r"(?:copy\s+numbers?|copies|signals)(?:\s*(?:per|/)\s*(?:cell|nucleus|nuclei))?\s*(?:is|was|of|=|:)?\s*"
    rf"{_NUM}"
    rf"|CEP\s*-?17\s+(?:signals|copies)\s*(?:per|/)\s*(?:cell|nucleus)\s*[:=]\s*{_NUM}"
    rf"|CEP\s*-?17\s+{_NUM}\s+(?:signals|copies)\s*(?:per|/)\s*(?:cell|nucleus)"
    rf"|(?<=number\sof\s)CEP\s*-?17\s+signals\s*(?:per|/)\s*(?:cell|nucleus)\.\s+{_NUM}(?=\.?(?:\s|$))",
    _I,
)
_COUNT_WORDS = r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|one\s+hundred|hundred"
CELLS_COUNTED: Final = re.compile(
    rf"(?<![\d.])(?<!\d[,·٫'’])(\d{{1,3}}|{_COUNT_WORDS})\s+(?:tumou?r\s+|invasive\s+|interphase\s+|carcinoma\s+)?"
    r"(?:nuclei|cells)\s+(?:were\s+)?(?:counted|scored|analy[sz]ed|enumerated)"
    r"|(?:number\s+of\s+)?(?:cells|nuclei)\s+(?:counted|scored|analy[sz]ed)\s*[:=]\s*(\d{1,3})(?![.,]?\d)",
    _I,
)
COUNT_WORDS: Final[dict[str, int]] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "one hundred": 100,
    "hundred": 100,
}
ISH_NOT_AMPLIFIED: Final = re.compile(
    r"(?<![A-Za-z])(?:not|non|no)[\s\-]*amplifi(?:ed|cation)"
    r"|amplification\s+(?:(?:is|was|has\s+been)\s+)?not\s+(?:found|detected|identified|seen|observed|present|demonstrated)"
    r"|no\s+(?:evidence\s+of\s+)?(?:HER[\s\-]?2(?:/neu)?\s+)?(?:gene\s+)?amplification"
    r"|negative\s+for\s+(?:HER[\s\-]?2(?:/neu)?\s+)?(?:gene\s+)?amplification",
    _I,
)
ISH_AMPLIFIED: Final = re.compile(
    r"(?:\b(?:is|are|was|:|-)\s*|\bgene\s+|HER[\s\-]?2(?:/neu)?\s+)amplified\b(?!\s+control)"
    r"(?!\s*[:=\-]\s*(?:no|not)(?![A-Za-z]))"
    r"|(?<=[.;]\s)amplified(?=\s*\.(?:\s|$)|\s*$)"
    # the result right after the ratio: "ratio 2.6, amplified", "ratio 2.6 (amplified)" (third review, finding 10)
    r"|(?:(?<=\.\d,\s)|(?<=\.\d\d,\s))amplified\b|(?:(?<=\.\d\s\()|(?<=\.\d\d\s\())amplified(?=\))"
    r"|positive\s+for\s+(?:HER[\s\-]?2(?:/neu)?\s+)?(?:gene\s+)?amplification"
    r"|amplification\s+(?:(?:is|was|has\s+been)\s+)?(?:present|detected|identified|observed|demonstrated)"
    # the CAP template's option "Positive (amplified)" (a ticked checkbox: checkbox.py; fifth review, A1)
    r"|(?<![A-Za-z])positive\s*\(\s*amplified\s*\)",
    _I,
)
ISH_EQUIVOCAL: Final = re.compile(
    r"equivocal\s+(?:for\s+)?(?:HER[\s\-]?2\s+)?(?:gene\s+)?amplification"
    r"|(?:FISH|ISH|CISH|SISH)\s*\)?\s*[:=\-]\s*equivocal",
    _I,
)
SINGLE_PROBE: Final = re.compile(r"single[\s\-]+probe|HER2[\s\-]+only\s+probe", _I)
# Looked for only in a report that also names a single probe (a single- and a dual-probe ISH, two tests).
DUAL_PROBE: Final = re.compile(r"(?<![A-Za-z])dual[\s\-]+(?:colou?r\s+)?probe", _I)

# --- context -----------------------------------------------------------------------------------

# Words that make a nearby value part of a legend, a guideline or a control, not a result.
LEGEND: Final = re.compile(
    r"<|>|≥|≤|\blevels?\s*:|guideline|defined|considered|criteria|\brange\b|control|\bknown\b|cell\s+lines?"
    r"|\bif\b|should|reference|\bcut-?off|interpretation:\s*ER|scoring\s+system|scale\s+of\s+0",
    _I,
)
_LEGEND_AFTER: Final = re.compile(r"^\s*(?:<|>|≥|≤|=<|>=|is\s+defined|defined\s+as|if\b|=\s*\d)", _I)
# The scoring-key and general-statement wordings after a value (fifth review, A2), tried only where the first character
# after an optional ")" and white space is a letter or "=" (every match has one there; after most values it is "(",
# "," or ".": the longer pattern cost about 0.6 µs per value).
_DEFINED_OR_GENERIC_AFTER: Final = re.compile(f"^(?:{_DEFINED_BY_STAINING}|{_GENERIC_AFTER})", _I)
_AFTER_SKIP: Final = re.compile(r"\)?\s*")
# "positive control", "3+) and negative controls": the value of a control, within its clause ("control" starts at
# most 30 characters after the value). Not "0 with appropriate controls", "(3+) with adequate controls": a routine
# quality-control remark after the value.
# Nor a "Controls:" field after the value's own field (after a run of two spaces, or a ")" before "Controls:": "Negative
# (Score 1+)  Controls: internal and external, appropriate"), nor controls that "work/stain/perform appropriately"
# ("Score 3+ Positive controls work appropriately"): quality-control remarks (third review of the evening, finding 7).
_CONTROL_AFTER: Final = re.compile(
    r"(?![\s)\]]*with(?![A-Za-z]))(?:(?:(?!\s\s)[^.;:,()\n]){0,30}?(?<![A-Za-z])controls?(?![A-Za-z])|(?:(?!\s\s)[^.;:,(\n]){0,30}?(?<![A-Za-z])contr"
    r"ols?(?![A-Za-z])(?!\s*:))(?!\s+(?:(?:were|are|have)\s+)?(?:work|stain|perform|react|behav)\w*\s+(?:appropriately|adequately|as\s+expected|well))",
    _I,
)


def legend_after(after: str) -> bool:
    """What follows a value makes it a definition or a control's value (the reference's LEGEND_AFTER.match): the
    control wording is tried only when "control" is that close (a cheap test first)."""
    if _LEGEND_AFTER.match(after):
        return True
    skip = _AFTER_SKIP.match(after)
    j = 0 if skip is None else skip.end()
    if j < len(after) and (after[j].isalpha() or after[j] == "=") and _DEFINED_OR_GENERIC_AFTER.match(after):
        return True
    return "control" in after[:37].lower() and _CONTROL_AFTER.match(after) is not None


# Two status words that describe the controls ("with appropriate positive and negative controls"): not a legend's pair
# (third review of the evening, finding 7). Matched right after the second word.
CONTROL_PAIR_AFTER: Final = re.compile(r"\s+controls?(?![A-Za-z])", _I)


# A HER2 name in a control statement ("Controls: External positive control (HER2 3+ breast carcinoma)") or a
# condition ("if HER2 IHC is 2+, reflex FISH will be performed"): the text before the name, within its sentence.
# The word and the name in one clause: nothing between them but words and single spaces (no . ; , or line break, no
# run of two or more spaces that separates template fields, no colon that ends a field: "Internal control cells:
# present, stain as expected   HER2 ...", "Treatment effect (if applicable): none   HER2 ..."), except a colon right
# after the word ("Controls: HER2 3+ breast carcinoma").
# A control remark that ends with "... and" before the name ("Control slides reviewed and HER2 (4B5) is 3+", "controls
# were run and HER2 ...") is a clause of its own (third review of the evening, finding 7).
CONTROL_GAP: Final = re.compile(
    r"(?:\s*:)?(?:(?!\s\s|(?<![A-Za-z])(?:reviewed|run|ran|performed|evaluated|work(?:ed|s)?|appropriate|adequate|acceptable|satisfactory|expected)\s+and(?![A-Za-z]))[^.;\n,:]){0,60}",
    _I,
)
CONDITION_GAP: Final = re.compile(r"(?:\s*:)?(?:(?!\s\s)[^.;\n,:]){0,40}")
CONTROL_BEFORE: Final = re.compile(r"(?<![A-Za-z])controls?(?![A-Za-z])" + CONTROL_GAP.pattern + r"\Z", _I)
CONDITION_BEFORE: Final = re.compile(
    r"(?<![A-Za-z])(?:if|unless|whether|should)(?![A-Za-z])" + CONDITION_GAP.pattern + r"\Z", _I
)
# A pending phrase under a condition: "if"/"unless" before it in its sentence ("If HER2 IHC is 2+, reflex FISH will be
# performed") or after it in its clause ("FISH will be performed if IHC is 2+"); not an "if" in a later clause ("...
# reported in an addendum, and the clinician will be notified if amplified"), nor "whether" ("FISH to see whether HER2
# is amplified is pending": an announced test).
CONDITION: Final = re.compile(r"(?<![A-Za-z])(?:if|unless)(?![A-Za-z])", _I)
CONDITION_AFTER: Final = re.compile(r"[^.;:,\n]{0,80}?(?<![A-Za-z])(?:if|unless)(?![A-Za-z])", _I)


# An order already placed ("HER2 FISH has been ordered", "was requested"): not made conditional by an "if" in an earlier
# clause of its sentence ("as required if equivocal, HER2 FISH has been ordered"; third review of the evening, finding
# 9). An "if" in its own clause ("if FISH has been ordered") still is.
PENDING_DONE: Final = re.compile(r"(?:has|have)\s+been\s|(?:was|were)\s", _I)
_CONDITION_CLAUSE_END: Final = re.compile(r"[,;:\n]")


def pending_conditional(text: str, s0: int, s1: int, start: int, end: int) -> bool:
    """The pending phrase ``text[start:end]`` in the sentence ``text[s0:s1]`` is a condition's (a protocol)."""
    if CONDITION_AFTER.match(text, end, s1) is not None:
        return True
    last = None
    for last in CONDITION.finditer(text, s0, start):  # noqa: B007 (the last one is wanted)
        pass
    if last is None:
        return False
    return (
        PENDING_DONE.match(text, start, end) is None
        or _CONDITION_CLAUSE_END.search(text, last.end(), start) is None
    )


# An ISH result asked about, not stated: "FISH will be performed to determine whether HER2 is amplified", "if not
# amplified": "whether"/"if" before it in its clause.
RESULT_ASKED: Final = re.compile(r"(?<![A-Za-z])(?:whether|if)(?![A-Za-z])[^.;:,\n]{0,50}\Z", _I)
# A status word that heads a list ("Positive: CK5/6, EGFR") or is answered "No" ("HER2-positive: No").
# A list heading is a status word followed by ":" and then nothing (the window ends at the next marker) or a marker
# name; a status followed by ":" and any other words is the status with its description ("Positive: strong nuclear
# staining, 95%", "NEGATIVE: faint, barely perceptible incomplete membrane staining", "Negative: No nuclear staining";
# third review of the evening, finding 8).
STATUS_HEADING_AFTER: Final = re.compile(
    r"\s*:\s*(?:$|(?:ER|PR|AR|PgR|(?i:HER[\s\-]?2|CK\s?\d|cytokeratin|EGFR|p63|p40|p53|Ki[\s\-]?67|E[\s\-]?cadherin"
    r"|GATA[\s\-]?3|o?estrogen|progesterone|androgen|CD\s?\d|S[\s\-]?100|SOX[\s\-]?10|TTF[\s\-]?1|mammaglobin"
    r"|GCDFP|calponin|SMMHC|vimentin|synaptophysin|chromogranin|CDX[\s\-]?2|PAX[\s\-]?8|WT[\s\-]?1))(?![A-Za-z]))"
)
# Answered "No" (the answer ends the field: "HER2-positive: No", "Positive - none."); not a description after a
# dash or colon ("NEGATIVE - NO STAINING IN TUMOR CELLS", "Negative - no overexpression (score 1+)").
STATUS_ANSWERED_NO: Final = re.compile(
    r"\s*[:=\-]\s*(?:(?:no|not|none|absent)(?=[ \t]*(?:$|[.;,)\n]|\s\s))"
    r"|not\s+(?:applicable|identified|detected|seen|present|found|performed|assessed|done|evaluated|known))",
    _I,
)
# A HER2 status word that tells which cells stained ("intensity 3, positive in 5% of cells"), not the HER2 status
# (third review of the evening, finding 1). HER2 only: "ER: positive in 95% of cells" is ER's status.
STATUS_OF_CELLS: Final = re.compile(
    r"\s+in\s+(?:[<>≤≥]\s*)?\d[\d.,]*\s*%\s+of\s+(?:the\s+)?(?:(?:invasive\s+)?(?:tumou?r|carcinoma|neoplastic)\s+)?cells",
    _I,
)
# A status word that qualifies a control ("positive control stains appropriately", "Positive controls work
# appropriately"): the control's, not the tumour's (fifth review, B3). ER/PR then read the status after the control's
# clause (CLAUSE_END: "...; tumour cells negative").
STATUS_OF_CONTROL: Final = re.compile(
    r"\s+(?:(?:external|internal|tissue|on-?slide|known|normal)\s+)?controls?(?![A-Za-z])", _I
)
# An ISH threshold before a value in its sentence: "HER2 ratio 2.0 or greater: amplified" (fifth review, A2; ISH values
# only, _sentence_legend).
ISH_THRESHOLD_BEFORE: Final = re.compile(
    r"(?<![A-Za-z])(?:or|and)\s+(?:greater|more|higher|above)(?![A-Za-z])", _I
)
CLAUSE_END: Final = re.compile(r";|\.(?=\s)|\n")
# STATUS_DEFINED_AFTER or STATUS_OF_CONTROL, the first that matches, by its group name (context.status_refused).
STATUS_DEFINED_OR_CONTROL: Final = re.compile(
    f"(?P<definition>{STATUS_DEFINED_AFTER.pattern})|(?P<control>{STATUS_OF_CONTROL.pattern})", _I
)
NEGATED_STATUS_WARNING: Final = "HER2 status stated in a negated form (e.g. not positive); not read"
ONCOTYPE: Final = re.compile(r"onco\s?type|recurrence\s+score|mammaprint|RT-?PCR", _I)
ONCOTYPE_END: Final = re.compile(r"see\s+separate|report\s+for\s+further|Microscopic|Final\s+Review", _I)
ADDENDUM: Final = re.compile(
    r"(?<![A-Za-z])(?:addend(?:um|a|im)|amended\s+report|supplementary\s+report|corrected\s+report|revised\s+report)\b",
    _I,
)
# "CORRECTED REPORT" / "REVISED REPORT" start the addenda only after a HER2 name (the report they correct); at the top of
# a report they are the banner of the whole report (fifth review, C).
ADDENDUM_CORRECTION: Final = re.compile(r"corrected|revised", _I)
ADDENDUM_NOT_HEADING: Final = re.compile(
    r"(?:\b(?:in|as|an|see|separate|future|subsequent|following|forthcoming)\s*$)", _I
)
ADDENDUM_SIGNATURE: Final = re.compile(r"^\s*(?:final|review|diagnosis)?\s*:?\s*(?:M\.D\.|Pathologist)", _I)
QUOTED: Final = re.compile(
    r"previously\s+(?:performed|reported|done|issued)|performed\s+on\s+(?:the\s+)?(?:prior|previous|another|"
    r"outside|core|needle|earlier)|(?:prior|previous|outside|earlier)\s+(?:core\s+)?(?:biopsy|report|specimen|"
    r"institution|hospital)|reported\s+(?:to\s+be|as)|outside\s+(?:consult(?:ation)?\s+)?(?:report|institution|hospital"
    r"|slides?)"
    # fifth review, A3: "previously positive", "Previous HER2 on core biopsy ... was 3+", "Reportedly HER2 positive",
    # "Indication: HER2 3+ breast carcinoma" (its own sentence only: context.read_context), "the core biopsy from 2019
    # showed", "(outside, S-19-2222)"
    r"|previously\s+(?:pos|neg|equivocal|amplif|not\s+amplif|non-?amplif|[0-3]\s?\+)"
    r"|(?:prior|previous|earlier)\s+(?:HER[\s\-]?2|IHC|FISH|ISH|immunohisto\w*|testing|results?|studies|stains?)"
    r"|reportedly|indications?(?:\s+for\s+[A-Za-z]+)?\s*:|biops(?:y|ies)\s+(?:from|in)\s+(?:19|20)\d\d(?![\d\-/]|\.\d)"
    r"|(?<=\()outside(?=\s*[,;)])"
    r"|see\s+outside|per\s+(?:outside|prior|previous|the\s+outside)|clinical\s+(?:diagnosis\s+and\s+)?history"
    # (not "sent for outside HER2 FISH testing", "sent out to outside ...": the current block sent out; "compared to
    # outside HER2", "according to outside HER2 results" are quotes: third review of the evening, finding 4)
    r"|(?<!sent\sfor\s)(?<!sent\sto\s)(?<!out\sfor\s)(?<!out\sto\s)outside\s+(?:HER[\s\-]?2|IHC|FISH|ISH|immunohisto\w*|testing|results?|studies|stains?"
    r"|lab(?:orator(?:y|ies))?(?![A-Za-z])|consult(?:ation)?s?(?![A-Za-z]))"
    r"|clinical\s+information|history\s+of",
    _I,
)
QUOTED_BIOPSY: Final = re.compile(r"biops|core|needle|\bFNA\b", _I)
# A quoted passage also ends where the report turns to its own specimen: a "Diagnosis:" heading (not "Clinical
# diagnosis:"), "the current specimen", "this metastasis".
# The "Diagnosis:" heading only where a heading starts (the text's start, a new line, after a full stop or a semicolon
# and a space, after a run of spaces) or after "final", "microscopic", "pathologic(al)", "pathology", "surgical",
# "frozen section": not "Pre-op diagnosis:", "Prior diagnosis:", "Clinical History/Diagnosis:" (history headings).
# (Look-behinds, so that every match starts at "diagnos": context._quote_end.)
QUOTE_END: Final = re.compile(
    r"(?<![A-Za-z])(?:(?:^|(?<=\n)|(?<=[.;]\s)|(?<=\s\s)|(?<=final\s)|(?<=microscopic\s)|(?<=pathologic\s)"
    r"|(?<=pathological\s)|(?<=pathology\s)|(?<=surgical\s)|(?<=frozen\ssection\s))diagnos[ie]s\s*:"
    r"|(?:current|present|this|today'?s)\s+(?:specimen|biopsy|resection|sample|tumou?r|case|material|metastasis"
    r"|lesion|excision|mastectomy|lumpectomy)(?![A-Za-z]))",
    _I,
)
# Inside a clinical history only a real heading ends the passage: "Diagnosis:" at a line start, or after
# final / microscopic / pathologic(al) / pathology / surgical / frozen section; not "Diagnosis: left breast IDC, HER2
# 3+ (2018)" after ". " within the history (third review of the evening, finding 5). Tried at a QUOTE_END match.
HISTORY_HEADING: Final = re.compile(
    r"(?:^|(?<=\n))|(?<=final\s)|(?<=microscopic\s)|(?<=pathologic\s)|(?<=pathological\s)"
    r"|(?<=pathology\s)|(?<=surgical\s)|(?<=frozen\ssection\s)",
    _I,
)
SECTION_BREAK: Final = re.compile(
    r"ADDEND(?:UM|A)|FINAL\s+DIAGNOSIS|GROSS\s+DESCRIPTION|MICROSCOPIC\s+DESCRIPTION|SPECIMEN\(S\)|"
    r"SYNOPTIC|INTRAOPERATIVE|PRE-OPERATIVE|Procedures/Addenda",
)
DCIS: Final = re.compile(
    r"\bDCIS\b|ductal\s+carcinoma\s+in\s+situ|carcinoma\s+in\s+situ|intraductal|in[\s\-]situ\s+carcinoma", _I
)
INVASIVE: Final = re.compile(r"invasive|infiltrating|metasta", _I)
NEGATED: Final = re.compile(
    r"\b(?:not|never|no)\s+(?:been\s+)?(?:ordered|requested|performed|done|sent)|not\s+requested"
    r"|\bno\s+(?:[\w/\-]+\s+){0,4}(?:was|were|is|are|has\s+been|have\s+been)\s+(?:ordered|requested|performed|done|sent)"
    # "No FISH will be performed" (fifth review, C)
    r"|\bno\s+(?:[\w/\-]+\s+){0,4}will\s+be\s+(?:performed|done|ordered|requested|sent|reported)",
    _I,
)

# Announced but not reported.
PENDING: Final = re.compile(
    r"\bpending\b(?!\s+clinical)"
    r"|(?:has|have)\s+been\s+(?:ordered|requested|sent)"
    r"|(?:was|were|is|are)\s+(?:being\s+)?(?:ordered|requested|sent\s+out)"
    r"|will\s+be\s+(?:performed|reported|issued|evaluated|done|ordered|sent|assessed|forthcoming)"
    r"|to\s+follow\b|will\s+follow|reported\s+(?:in|as)\s+an?\s+(?:addendum|separate\s+report)"
    r"|(?:FISH|ISH)\s+ordered\s*:\s*yes"
    # "HER2 IHC ordered.", "HER2 FISH requested.", "in progress", "awaiting results", "sent out to ..."
    r"|(?<![A-Za-z])(?:ordered|requested)(?![A-Za-z])(?!\s*:\s*(?:no|none|not)(?![A-Za-z]))"
    r"|(?<![A-Za-z])in\s+progress(?![A-Za-z])|(?<![A-Za-z])await(?:ing|ed)(?![A-Za-z])"
    r"|(?<=\s)sent\s+(?:out|to)(?![A-Za-z])",
    _I,
)

# The bare pending words ("ordered", "requested", "in progress", "awaiting", "sent out/to") count only with HER2 or an
# ISH method in their own clause: not "A copy of this report was sent to Dr. Jones", "Additional levels ordered", "as
# requested by the oncologist", "(performed at outside lab, sent out 1/2/2020)".
PENDING_BARE: Final = re.compile(r"ordered|requested|in\s+progress|await(?:ing|ed)|sent\s+(?:out|to)", _I)
# A clause ends at , ; ( ) [ ] or a line break; a short bracket with no clause end inside belongs to its clause
# ("reflex testing (FISH) requested"; third review of the evening, finding 9).
_CLAUSE_BOUND: Final = re.compile(r"\([^()\[\],;\n]{0,30}\)|[,;()\[\]\n]")
# The ISH method written out ("Reflex in situ hybridization requested"; not EBER / EBV / HPV in situ hybridisation).
ISH_SPELLED: Final = re.compile(
    r"(?<!EBER\s)(?<!EBV\s)(?<!HPV\s)(?<![A-Za-z])in\s+situ\s+hybridi[sz]ation", _I
)


_RESULTS_SENT: Final = re.compile(r"(?<![A-Za-z])(?:results?|reports?|cop(?:y|ies))(?![A-Za-z])", _I)


def bare_pending_unnamed(text: str, s0: int, s1: int, start: int, end: int) -> bool:
    """``text[start:end]`` is a bare pending word (PENDING_BARE) with neither HER2 nor an ISH method in its clause
    (within the sentence ``text[s0:s1]``)."""
    if PENDING_BARE.fullmatch(text, start, end) is None:
        return False
    c0, c1 = clause_bounds(text, s0, s1, start, end)
    if text[start:end].lower().startswith("sent") and _RESULTS_SENT.search(text, c0, start):
        return True  # "HER2 results were sent to the oncologist": results delivered, not a test pending
    return (
        HER2.search(text, c0, c1) is None
        and ISH_TECHNIQUE.search(text, c0, c1) is None
        and ISH_SPELLED.search(text, c0, c1) is None
    )


def clause_bounds(text: str, s0: int, s1: int, start: int, end: int) -> tuple[int, int]:
    """The clause of ``text[start:end]`` within the sentence ``text[s0:s1]``: from after the last clause end before it
    to the first one after it (``_CLAUSE_BOUND``; a short bracket with no clause end inside belongs to the clause)."""
    c0 = s0
    for b in _CLAUSE_BOUND.finditer(text, s0, start):
        if b.end() - b.start() == 1:
            c0 = b.end()
    c1 = s1
    for b in _CLAUSE_BOUND.finditer(text, end, s1):
        if b.end() - b.start() == 1:
            c1 = b.start()
            break
    return c0, c1


# Targets of in situ hybridisation other than HER2 (Epstein-Barr virus RNA, viruses, light chains, translocation and
# amplification probes of other genes). An ISH named for one of them is not HER2's: a pending phrase whose every ISH
# mention in its clause is another target's, with no HER2 name awaiting a result there (``pending_for_other_target``),
# and a ratio or result whose sentence names one of them last (``other_target_before``).
_OTHER_TARGET: Final = (
    r"EBER|EBV(?:-encoded\s+RNA)?|Epstein[\s\-]*Barr(?:\s+virus)?|HPV(?:[\s\-]?(?:16|18))?|CMV|kappa|lambda|ALK"
    r"|ROS-?1|c-?MYC|MYCN?|BCL-?[26]|MDM-?2|CDK-?4|CCND-?1|EGFR|FGFR[1-4]?|c-?MET|TOP2A|NTRK[1-3]?|EWSR-?1|DDIT-?3"
    r"|SS18|TFE-?3|TP53|1p\s*/?\s*19q"
)
# (MET alone only in capitals: "criteria met" is no target. As a window stop it is patterns.OTHER_MARKER_CAPS.)
OTHER_ISH_TARGET: Final = re.compile(rf"(?<![A-Za-z0-9])(?:{_OTHER_TARGET}|(?-i:MET))(?![A-Za-z0-9])", _I)
_HER2_ALIAS: Final = r"HER[\s\-]?2(?:[\s\-/]*neu)?|ERBB-?2|c-?erb[\s\-]?B-?2"
_HER2_ALIAS_RX: Final = re.compile(rf"(?<![A-Za-z0-9])(?:{_HER2_ALIAS})", _I)
# A name with what may follow it before the ISH word ("ALK break-apart", "kappa and lambda light chain", "MDM2
# amplification", "HER2 (ERBB2) gene").
_NAME: Final = rf"(?:{_OTHER_TARGET}|(?-i:MET)|{_HER2_ALIAS})(?![A-Za-z0-9])"
_QUALIFIER: Final = (
    r"(?:\s*\(\s*ERBB-?2\s*\)|\s+(?:gene|rearrangement|amplification|status|translocation|break[\s\-]?apart"
    r"|co-?deletion|deletion|light\s+chains?|probes?|fusion))*"
)
_TOKEN: Final = rf"(?:\(\s*{_NAME}\s*\)|{_NAME}){_QUALIFIER}"
_TOKENS: Final = rf"{_TOKEN}(?:\s*(?:/|,|&|\band\b|\bor\b)?\s*{_TOKEN})*"
# The names an ISH mention is written for: right before it ("EBER ISH", "kappa and lambda CISH", "HER2 and MYC FISH",
# "MDM2 amplification by FISH") or after it ("in situ hybridization for Epstein-Barr virus", "FISH analysis for
# ALK", "FISH (ALK)").
_NAMES_BEFORE_ISH: Final = re.compile(
    rf"(?<![A-Za-z0-9]){_TOKENS}[\s\-]*(?:\([^()]{{0,12}}\)\s*)?(?:(?:by|using|via)\s+)?$", _I
)
_NAMES_AFTER_ISH: Final = re.compile(
    rf"\s*(?:\(\s*{_TOKENS}\s*\)|(?:\s*(?:analysis|testing|study|studies|assay))?\s*(?:for|of)\s+(?:the\s+)?{_TOKENS})",
    _I,
)
ISH_MENTION: Final = re.compile(
    r"(?<![A-Za-z])(?:DDISH|CISH|SISH|FISH|ISH)(?![A-Za-z])|in[\s\-]+situ\s+hybridi[sz]ation", _I
)
# A HER2 name followed by its own result ("HER2 0 (negative) and MYC FISH to follow": HER2 awaits nothing).
_HER2_RESULTED_AFTER: Final = re.compile(
    r"[\s:(\-]*(?:(?:IHC|immunohistochemistry|score)[\s:(\-]*)*"
    r"(?:[0-3]\s*\+|[0-3](?![\d.,])|negative|positive|equivocal|not\s+amplified|amplified)",
    _I,
)


def ish_of_other_target(text: str, start: int, end: int) -> str | None:
    """The target the ISH mention ``text[start:end]`` is named for when it names only targets other than HER2 ("EBER
    ISH", "kappa and lambda CISH", "in situ hybridization for Epstein-Barr virus"); None when it names none, or HER2
    among them."""
    names = _ish_names(text, start, end)
    if not names or _HER2_ALIAS_RX.search(names) is not None:
        return None
    target = OTHER_ISH_TARGET.search(names)
    return None if target is None else target.group(0)


def _ish_names(text: str, start: int, end: int) -> str:
    """The target names written with the ISH mention ``text[start:end]`` (before or after it), "" for none."""
    before = _NAMES_BEFORE_ISH.search(text, max(0, start - 80), start)
    after = _NAMES_AFTER_ISH.match(text, end, min(len(text), end + 80))
    return " ".join(m.group(0) for m in (before, after) if m is not None)


def pending_for_other_target(text: str, s0: int, s1: int, start: int, end: int) -> bool:
    """The pending phrase ``text[start:end]`` has ISH mentions in its clause (within the sentence ``text[s0:s1]``), every
    one named for another target, and no HER2 name there still awaiting its result: "EBER ISH pending", "Kappa and
    lambda CISH ordered", "HER2 0 (negative) and MYC FISH to follow" (not "FISH pending, EBER positive", "HER2 FISH and
    EBER ISH pending", "HER2 IHC and EBER ISH pending")."""
    c0, c1 = clause_bounds(text, s0, s1, start, end)
    mentions = list(ISH_MENTION.finditer(text, c0, c1))
    if not mentions or not all(ish_of_other_target(text, m.start(), m.end()) is not None for m in mentions):
        return False
    for h in HER2.finditer(text, c0, c1):
        if _HER2_RESULTED_AFTER.match(text, h.end(), min(c1, h.end() + 30)) is None:
            return False
    return True


# How far back in its sentence an ISH value's target is looked for (other_target_before).
OTHER_TARGET_REACH: Final = 200
# Another target's own ISH value: "MDM2/CEP12", "TOP2A:CEP17", "MDM2 amplified", "c-MYC gene: amplified", "TOP2A
# co-amplified", "kappa/lambda ratio", "MYC gene copies" (not "HER2/TOP2A/CEP17", a HER2 probe set).
_TARGET_VALUE: Final = re.compile(
    rf"(?<![A-Za-z0-9/])(?:{_OTHER_TARGET}|(?-i:MET))(?![A-Za-z0-9])(?:\s*[:/]\s*CEP"
    rf"|(?:\s*/\s*(?:{_OTHER_TARGET}))?\s+ratio|[\s:\-]+(?:gene[\s:]+)?(?:co-?)?(?:amplif|cop(?:y|ies)|signals))",
    _I,
)


def other_target_before(text: str, s0: int, end: int) -> str | None:
    """The target other than HER2 an ISH value ending at ``end`` belongs to, read in its sentence up to it
    (``text[s0:end]``): the last ISH mention there named for another target ("MYC FISH: amplified (ratio 4.1)",
    "kappa/lambda ISH ratio 3.2"), or another target's own value wording ("MDM2/CEP12 ratio 6.0", "MDM2 amplified by
    FISH", "HER2/CEP17 ratio 4.5; TOP2A/CEP17 ratio 2.3" for the second), whichever comes last (an ISH mention naming
    no target leaves it to the value wording), with no HER2 name after it. None otherwise ("EGFR: positive; FISH ratio
    1.2" stays HER2's)."""
    last_ish = None
    for m in ISH_MENTION.finditer(text, s0, end):
        last_ish = m
    last_value = None
    for m in _TARGET_VALUE.finditer(text, s0, end):
        last_value = m
    if last_ish is None and last_value is None:
        return None
    unnamed = last_ish is not None and not _ish_names(text, last_ish.start(), last_ish.end())
    if last_value is not None and (last_ish is None or unnamed or last_value.start() > last_ish.start()):
        target = OTHER_ISH_TARGET.match(text, last_value.start())
        name, after = (None if target is None else target.group(0)), last_value.end()
    else:
        assert last_ish is not None
        name, after = ish_of_other_target(text, last_ish.start(), last_ish.end()), last_ish.end()
    if name is None or _HER2_ALIAS_RX.search(text, after, end) is not None:
        return None
    return name


# Window stops: the other markers and the targets of other in situ hybridisations ("Dual ISH (HER2/CEP17) requested;
# EBER negative": the negative is EBER's; "HER2 IHC 2+ (equivocal). ALK FISH negative" is no legend of two statuses).
OTHER_MARKER_I_STOP: Final = re.compile(
    OTHER_MARKER_I.pattern + r"|(?<![A-Za-z0-9])(?:" + _OTHER_TARGET + r")(?![A-Za-z0-9])", _I
)


# Specimen labels and types.
SPECIMEN_ID: Final = re.compile(
    r"\b(?:blocks?|slides?)(?:\s+(?:number|no\.?|#))?(?:\s+used)?\s*[:.#]?\s*[\"“(]?"
    r"(?P<id>[A-Z]{0,2}\d{1,2}[A-Z]?\d{0,2})(?![A-Za-z0-9])(?:\s*(?:and|,|&)\s*[\"“]?(?P<id2>[A-Z]{1,2}\d{1,2}))?"
    r"|\bPART\s*#?\s*(?P<part>\d{1,2})\b",
    _I,
)
# Several labelled specimens with a score each, in order: "HER2 IHC blocks A3 and B2: 3+ and 1+ respectively", "HER2 IHC
# on parts 1 and 2: 2+ and 0, respectively", "on blocks A1, B1 and C1: 3+, 2+ and 0 respectively" (sixth review, 4). The
# labels are written as SPECIMEN_ID writes them (blocks and slides "A3", parts "part 1"); the scores are plus scores, 0 or
# "zero". Not "3+ and 1+ in the invasive and in situ components, respectively" (no labels), nor a count that differs.
_RESP_ID = r"[A-Z]{0,2}\d{1,2}[A-Z]?\d{0,2}"
RESPECTIVE_LABELS: Final = re.compile(
    r"(?<![A-Za-z])(?:blocks?|slides?|(?P<parts>parts?))\s*#?\s*"
    rf"(?P<ids>{_RESP_ID}(?:\s*,\s*#?\s*{_RESP_ID})*\s*,?\s*(?:and|&)\s*#?\s*{_RESP_ID})(?![A-Za-z0-9])",
    _I,
)
_RESP_ID_RX: Final = re.compile(_RESP_ID, _I)
_RESP_SCORE = r"(?:[0-3]\s?\+|\+\s?[0-3]|0|zero)(?![\d+%]|[.,]\d)"
_RESP_SCORE_RX: Final = re.compile(_RESP_SCORE, _I)
RESPECTIVE_SCORES: Final = re.compile(
    rf"(?P<scores>{_RESP_SCORE}(?:\s*,\s*{_RESP_SCORE})*\s*,?\s*(?:and|&)\s*{_RESP_SCORE})\s*,?\s*respectively"
    r"(?![A-Za-z])",
    _I,
)
_RESP_BREAK: Final = re.compile(r"[.;!?](?=\s)|\n")


def respective_scores(text: str, lo: int, start: int, hi: int) -> list[tuple[str, int, int, str]] | None:
    """The scores of a list that opens at ``start`` and ends with "respectively" before ``hi`` (RESPECTIVE_SCORES), each
    with its specimen label, when a list of as many block, slide or part labels (RESPECTIVE_LABELS) stands before it
    from ``lo`` on, in the same sentence: (token, start, end, label) in order; else None."""
    sm = RESPECTIVE_SCORES.match(text, start, hi)
    if sm is None:
        return None
    labels = None
    for labels in RESPECTIVE_LABELS.finditer(text, lo, start):  # noqa: B007 (the last one is wanted)
        pass
    if labels is None or _RESP_BREAK.search(text, labels.end(), start) is not None:
        return None
    ids = [m.group(0).upper() for m in _RESP_ID_RX.finditer(text, labels.start("ids"), labels.end("ids"))]
    tokens = list(_RESP_SCORE_RX.finditer(text, sm.start("scores"), sm.end("scores")))
    if len(ids) != len(tokens):
        return None
    if labels.group("parts"):
        if not all(i.isdigit() for i in ids):
            return None
        ids = [f"part {i}" for i in ids]
    return [(t.group(0), t.start(), t.end(), i) for t, i in zip(tokens, ids, strict=True)]


SPECIMEN_FIELD: Final = re.compile(r"specimen(?:\s+type)?\s*:\s*([A-Za-z][A-Za-z \-]{2,40})", _I)
RESECTION_WORD: Final = re.compile(r"excision|mastectomy|lumpectomy|resection|segmentectomy", _I)
BIOPSY_WORD: Final = re.compile(r"biopsy|core|needle", _I)
IMAGE_ANALYSIS: Final = re.compile(r"\bACIS\b|image\s+analysis", _I)

# ER/PR values.
PERCENT: Final = re.compile(
    r"(?P<cmp>>|<|≥|≤|over|more\s+than|greater\s+than|less\s+than|approximately|about|~)?\s*"
    rf"(?P<lo>{_PCT})(?:\s*(?:-|–|to)\s*(?P<hi>{_PCT}))?\s*%",
    _I,
)
# "ER/PR: 95%/0%", "ER/PR: positive/negative", "ER and PR: Positive in 95% and 0% respectively", "Estrogen and progesterone
# receptors: negative and positive, respectively": each value belongs to its receptor, in order (fifth review, B2; the
# first value was read for both). Matched right after an "ER and PR" name. Joined by "/" any two values; by ",", "and"
# or "&" two of one kind (percentages, status words, signs) or with "respectively". Not a third value ("ER/PR/HER2").
_PAIR_PCT = rf"(?:(?:<|>|≤|≥|less\s+than|more\s+than|greater\s+than)\s*)?{_PCT}\s*%"
_PAIR_STATUS = rf"(?:{_POS}|{_NEG})(?![A-Za-z])"
_PAIR_SIGN = r"[+\-](?=\s*(?:/|,|and\b|&|$|[.;)\n]))"
_PAIR_VALUE = rf"(?:{_PAIR_PCT}|{_PAIR_STATUS}|{_PAIR_SIGN})"
RECEPTOR_PAIR: Final = re.compile(
    rf"\s*[:\-]?\s*(?:(?:are|were|is)\s+)?(?:(?:{_POS}|{_NEG})\s+in\s+)?(?P<a>{_PAIR_VALUE})\s*(?P<sep>/|,|and|&)\s*"
    rf"(?P<b>{_PAIR_VALUE})(?P<resp>\s*,?\s*respectively)?(?!\s*/)",
    _I,
)


def pair_kind(value: str) -> str:
    """The kind of a RECEPTOR_PAIR value: "pct", "status" or "sign"."""
    v = value.strip()
    return "pct" if v.endswith("%") else ("sign" if v in ("+", "-") else "status")


def receptor_pair(window: str) -> re.Match[str] | None:
    """The two values of an "ER and PR" name, in order, right after it (RECEPTOR_PAIR), else None."""
    m = RECEPTOR_PAIR.match(window)
    if m is None:
        return None
    if m.group("sep") != "/" and not m.group("resp") and pair_kind(m.group("a")) != pair_kind(m.group("b")):
        return None
    return m


# "ER/PR/HER2: +/-/-", "ER/PR/HER2 -/-/+", "ER/PR/HER2 status: 90%/0%/negative", "Receptors (ER/PR/HER2): +/+/-": three
# values joined by "/" after the three names, each its receptor's in order; HER2's is its stated status (sixth review, 3).
# Matched after an "ER/PR" (or "ER/PgR") name, from the "/" before the HER2 name. One status word for all three
# ("ER/PR/HER2: negative.") is ER's and PR's as after "ER/PR" (HER2 reads it after its own name). Not four names or
# values ("ER/PR/HER2/Ki-67: +/+/-/20%"), nor two values for three names.
TRIPLE_ER_PR: Final = re.compile(r"ER\s*/\s*P(?:g)?R", _I)
_TRIPLE_LAST = rf"(?:{_POS}|{_NEG})(?![A-Za-z])|[+\-](?![\w+\-]|\.\d)"
RECEPTOR_TRIPLE: Final = re.compile(
    r"\s*/\s*(?P<her2>HER[\s\-]?2(?:\s*/?\s*-?\s*neu)?)(?![A-Za-z0-9])\s*(?:status|receptors?)?\s*\)?\s*[:\-]?\s*"
    rf"(?:(?P<a>{_PAIR_VALUE})\s*/\s*(?P<b>{_PAIR_VALUE})\s*/\s*(?P<c>{_TRIPLE_LAST})(?!\s*/)"
    rf"|(?P<all>{_PAIR_STATUS})(?!\s*/)(?=\s*(?:$|[.;,)\n])))",
    _I,
)
_TRIPLE_NAMES_BEFORE: Final = re.compile(r"(?<![A-Za-z0-9\-])ER\s*/\s*P(?:g)?R(?=\s*/\s*$)", _I)


def receptor_triple(text: str, start: int, end: int) -> re.Match[str] | None:
    """The three values (or the one for all) after the "ER/PR" name ``text[start:end]`` followed by "/HER2"
    (RECEPTOR_TRIPLE), else None."""
    if TRIPLE_ER_PR.fullmatch(text, start, end) is None:
        return None
    return RECEPTOR_TRIPLE.match(text, end)


def receptor_triple_before(text: str, her2_start: int) -> re.Match[str] | None:
    """The RECEPTOR_TRIPLE match of the HER2 name starting at ``her2_start``, when it is the third of "ER/PR/HER2"."""
    names = _TRIPLE_NAMES_BEFORE.search(text, max(0, her2_start - 20), her2_start)
    if names is None:
        return None
    m = RECEPTOR_TRIPLE.match(text, names.end())
    return m if m is not None and m.start("her2") == her2_start else None


def sign_or_status(value: str) -> str:
    """ "positive" or "negative" for a sign or a status word of RECEPTOR_PAIR / RECEPTOR_TRIPLE."""
    v = value.strip()
    if v in ("+", "-"):
        return "positive" if v == "+" else "negative"
    return "negative" if v.lower().startswith("neg") else "positive"


PERCENT_CATEGORY_WARNING: Final = "ER/PR category derived from the stated percentage of stained nuclei"
PERCENT_SPAN_WARNING: Final = "ER/PR stated as a percentage range that spans 1%; not read"


def pair_category(value: str) -> tuple[str | None, str | None]:
    """The category of one value of a RECEPTOR_PAIR ("positive", "low", "negative" or None) and the warning to give, as
    a percentage, a status word or a sign after a receptor name is read."""
    if pair_kind(value) != "pct":
        return sign_or_status(value), None
    pm = PERCENT.search(value)
    lo_v = None if pm is None else percent_number(pm.group("lo"))
    if pm is None or lo_v is None:
        return None, PERCENT_NOT_DECIMAL_WARNING
    lo, hi = lo_v, lo_v
    cmp = " ".join((pm.group("cmp") or "").lower().split())
    if cmp in ("<", "less than", "≤"):
        lo, hi = (0.0, hi) if hi > 1 else (0.0, 0.0)
    elif cmp in (">", "more than", "greater than", "≥"):
        hi = 100.0
    return percent_category(lo, hi)


def percent_category(lo: float, hi: float) -> tuple[str | None, str | None]:
    """The ER/PR category of a percentage of stained nuclei ``lo``-``hi`` and the warning to give: below 1% negative,
    1-10% low, above positive (ASCO/CAP 2020); a range that spans 1% is not read."""
    if hi < 1:
        return "negative", None
    if lo >= 1 or (lo == 0 and hi == 100):
        return ("low" if hi <= 10 else "positive"), PERCENT_CATEGORY_WARNING
    return None, PERCENT_SPAN_WARNING


ALLRED: Final = re.compile(r"allred(?:\s+score)?\s*[:=]?\s*(\d)(?!\d)", _I)
# Allred written "PS + IS = total" ("Allred score 2+2=4", "2 + 3 = 5"): the first number is the proportion score, the
# total follows "=" (third review of the evening, finding 6). Matched right after ALLRED's first number.
ALLRED_SUM: Final = re.compile(r"[ \t]*\+[ \t]*(\d)[ \t]*=[ \t]*(\d)(?!\d|[.,]\d)")
ALLRED_SUM_WARNING: Final = (
    "Allred score written as a sum that does not add up (proportion + intensity = total); not read"
)
# The Allred proportion score stated after the total ("Allred score 4 (proportion score 2, intensity score 2)").
# Proportion score 0: no cells stained, 1: < 1 %, 2: 1-10 %, 3: 11-33 %, 4: 34-66 %, 5: >= 67 % (NAACCR SSDI Manual,
# "ER (Estrogen Receptor) Total Allred Score", https://apps.naaccr.org/ssdi/input/breast/er_allred_score/, after
# Harvey JM et al., J Clin Oncol 1999;17:1474). With ASCO/CAP 2020 (< 1 % negative, ER 1-10 % low) a proportion
# score of 0-1 is negative and 2 is ER-low, whatever the total.
ALLRED_PROPORTION: Final = re.compile(
    r"[^.;\n]{0,30}?(?:\bproportion(?:\s+score)?|(?<![A-Za-z])(?-i:PS))\s*[:=]?\s*([0-5])(?![\d.])", _I
)
# A bare Allred total (no proportion score) of 3-5 for ER, 3-4 for PR does not tell the ASCO/CAP category: 3 is PS 1 +
# IS 2 (< 1 %) or PS 2 + IS 1 (1-10 %); 4 is PS 1 + IS 3 (< 1 %) up to PS 3 + IS 1; 5 is PS 2 + IS 3 (1-10 %, ER-low) up
# to PS 4 + IS 1 (PR positive from 1 %). 0-2 is < 1 % (negative) and 6-8 at least PS 3 (> 10 %, positive).
ALLRED_TOTAL_WARNING: Final = (
    "Allred total of 3-5 without its proportion score: the total alone does not tell ER/PR negative (< 1 %),"
    " ER-low (1-10 %) or positive; not read"
)


def allred_total_unclear(total: int, names: frozenset[str]) -> frozenset[str]:
    """The receptors among ``names`` ("er", "pr") whose category a bare Allred ``total`` does not tell."""
    return frozenset(n for n in names if 3 <= total <= (5 if n == "er" else 4))


ALLRED_PROPORTION_WARNING: Final = (
    "ER/PR category derived from the Allred proportion score (0-1: < 1 % of cells, 2: 1-10 %)"
)
RECEPTOR_ABSENT: Final = re.compile(
    r"^[\s:\-.]*(?:no\s+(?:expression|staining|immunoreactivity)|not\s+(?:detected|identified|expressed))"
    r"|^\s*(?:were\s+)?not\s+(?:detected|found)",
    _I,
)
RECEPTOR_ABSENT_BEFORE: Final = re.compile(r"\bno\s+$", _I)
STATUS_FOR_MARKER: Final = re.compile(
    rf"(?P<status>{_POS}|{_NEG})\s+for\s+(?P<names>(?:(?:ER|PR|PgR|o?estrogen|progesteron\w*|receptors?|and|,|&|/|\s)+))",
    _I,
)
