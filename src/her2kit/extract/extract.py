"""Read HER2 (and ER/PR) results from the free text of a pathology report.

The extractor is conservative by design: a value is read only where a HER2 (or ISH, ER, PR)
name stands right before it, never from a legend, a guideline, a control or an Oncotype DX
score, and a result that is only announced sets ``pending`` instead of being guessed. Every
test carries the character span it was read from. See ``docs/extraction.md``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import ValidationError

from her2kit.errors import Her2kitError
from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.model import Evidence, ExtractedIhc, ExtractedIsh, ExtractionResult
from her2kit.extract.scan import KeywordIndex, Scanner, finditer_at, may_contain, search_at
from her2kit.extract.sentences import Sentences

Status = Literal["positive", "negative", "equivocal"]
Receptor = Literal["positive", "low", "negative"]

WINDOW: Final = 220  # characters read after a HER2 name
STATUS_REACH: Final = 110  # a status word must stand this close to the name
RECEPTOR_WINDOW: Final = 100
QUOTE_REACH: Final = 380  # a "previously performed ..." phrase covers this much text after it
ISH_CONTEXT_BEFORE: Final = 300
ISH_CLUSTER_GAP: Final = 1500
ONCOTYPE_REACH: Final = 700
QUOTED_SOURCE: Final = "quoted from a prior report"

_SCORE_CANON: Final[dict[str, str]] = {"zero": "0", "zoro": "0", "null": "0"}
_SCORE_STATUS: Final[dict[str, Status]] = {
    "0": "negative",
    "1+": "negative",
    "2+": "equivocal",
    "3+": "positive",
}
_ISH_BETWEEN: Final = re.compile(
    r"FISH|\bISH\b|CISH|SISH|ratio|CEP\s*-?17|amplif|allred|H-?score|grade|nottingham", re.I
)
_RECEPTOR_BETWEEN: Final = re.compile(r"=|calculated|proportion|\bsum\b|allred\s+score\s+for|h-?score", re.I)
_FOLLOWED_BY_FOR: Final = re.compile(
    r"^\s+for\b(?!\s+(?:HER[\s\-]?2\S*\s+)?(?:protein\s+)?(?:over-?\s?expression|amplification))", re.I
)
_LEGEND_GAP: Final = 12
_RT_SCORE: Final = re.compile(r"^\s*score\s*[:=]?\s*(\d{1,3}(?:\.\d+)?)(?![\d+])", re.I)
_SIGN_AFTER: Final = re.compile(
    r"^([+\-])(?![\w.])(?!\s*[:\-]?\s*(?:pos|neg|equiv|weak|strong|low|\d))", re.I
)
_STATUS_FOR_BEFORE: Final = re.compile(rf"({P._POS}|{P._NEG})\s+for\s+(?:the\s+)?$", re.I)
_PERCENT_AFTER_NAME: Final = re.compile(r"^[\s.:]{0,4}(\d{1,3}(?:\.\d)?)\s*%")
_HER2_GAP: Final = re.compile(r"[\s()/\-:.,]*")
_ADDENDUM_REVIEW: Final = re.compile(r"\s*(?:Review|Final)\s*:", re.I)
_ADDENDUM_PATHOLOGIST: Final = re.compile(r"s?\s*:\s*Pathologist", re.I)
# "(?<=[.\s])[A-H]\s?[:.)]\s+[A-Z][A-Za-z]", with the look-behind after the first character so the
# regex engine can skip ahead to a capital A-H (the same matches, about 3x faster).
_SPECIMEN_HEAD: Final = re.compile(r"[A-H](?<=[.\s][A-H])\s?[:.)]\s+[A-Z][A-Za-z]")
_RATIO_NEAR: Final = re.compile(r"HER|CEP|17|signal|FISH|ISH|amplif", re.I)
_CEP_NEAR: Final = re.compile(r"CEP\s*-?17|PathVysion", re.I)
_ISH_LEVELS_AFTER: Final = re.compile(r"^\s*(?:HER[\s\-]?2\S*\s+)?(?:levels?|control)", re.I)

# Keywords that open (or sit at a fixed offset in) every match of a whole-text pattern; see scan.py.
_HER2_WORDS: Final = ("her", "er-2-neu")
_HER2_OFFSETS: Final = (("erb", (1, 2, 3)), ("exb", (1, 2, 3)))
_QUOTED_WORDS: Final = (
    "previous",
    "per",
    "prior",
    "outside",
    "earlier",
    "reported",
    "see",
    "clinical",
    "history",
)
_OTHER_MARKER_EXACT: Final = (
    "ER", "PR", "PgR", "Ki", "MIB", "EGFR", "p63", "p53", "CK", "AE1", "CAM",
    "keratin", "estrogen", "oestrogen", "progesteron", "androgen",
)  # fmt: skip
_OTHER_MARKER_I_WORDS: Final = ("estrogen", "oestrogen", "progesteron", "keratin", "androgen", "cell")
_CADHERIN: Final = ("cadherin", (1, 2))
_SECTION_EXACT: Final = (
    "ADDEND", "FINAL", "GROSS", "MICROSCOPIC", "SPECIMEN(S)", "SYNOPTIC", "INTRAOPERATIVE", "PRE-OPERATIVE",
    "Procedures/Addenda",
)  # fmt: skip
_PENDING_WORDS: Final = ("pending", "ordered", "requested", "sent", "will", "follow", "reported")
_PENDING_STARTS: Final = (
    "pending",
    "has",
    "have",
    "was",
    "were",
    "is",
    "are",
    "will",
    "to",
    "reported",
    "ish",
)
# Words that open every match of a pattern (or that every match contains), for the window scans.
_STATUS_STARTS: Final = ("weakly", "low", "pos", "neg", "equivocal", "borderline", "indeterminate")
_LEGEND_STARTS: Final = (
    "<", ">", "\u2265", "\u2264", "level", "guideline", "defined", "considered", "criteria", "range", "control",
    "known", "cell", "if", "should", "reference", "cut", "interpretation", "scoring", "scale",
)  # fmt: skip
# ("hscore", "h-score": the H-?score of the patterns; plain "score" is common and would not filter.)
_ISH_BETWEEN_WORDS: Final = (
    "ish", "ratio", "cep", "amplif", "allred", "hscore", "h-score", "grade", "nottingham",
)  # fmt: skip
_RECEPTOR_BETWEEN_WORDS: Final = ("=", "calculated", "proportion", "sum", "allred", "hscore", "h-score")
_RECEPTOR_BETWEEN_RX: Final = re.compile("|".join(map(re.escape, _RECEPTOR_BETWEEN_WORDS)))
_IHC_ASSAY_STARTS: Final = ("hercep", "4b5", "cb11", "a0485", "a485", "sp3", "polyclonal")
_CELLS_STARTS: Final = (
    *"0123456789", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "one",
    "hundred", "number", "cells", "nuclei",
)  # fmt: skip

# Every keyword looked up in the whole text (by Scanner.starts/warm), lower-cased: one automaton
# finds them all in one pass per report (see scan.KeywordIndex). A keyword left out would still be
# found, by ``str.find``; tests/extract/test_keyword_index.py checks that none is left out. The start
# words of ``near=`` scans are looked up only in the 64-180 characters before a rarer anchor, by a
# bounded ``str.find`` unless they are in the index anyway: adding them (digits, "is", ":", ...) made
# the automaton pass twice as slow, for range searches that are cheap.
_ONCOTYPE_WORDS: Final = ("onco", "recurrence", "mammaprint")
_ONCOTYPE_OFFSETS: Final = (("pcr", (2, 3)),)
_ADDENDUM_WORDS: Final = ("addend", "amended", "supplementary")
_WARM_WORDS: Final = ("pr", "pgr", "estrogen", "oestrogen", "progesteron", "keratin", "androgen", "addend")
_KI67: Final = ("67", (2, 3, 4))
_ISH_OFFSET: Final = ("ish", (1,))
_ISH_RESULT_SCANS: Final = (
    ("not-amplified", P.ISH_NOT_AMPLIFIED, ("no", "amplification", "negative"), "amplif"),
    ("equivocal", P.ISH_EQUIVOCAL, ("equivocal", "ish"), "equivocal"),
    (
        "amplified",
        P.ISH_AMPLIFIED,
        ("is", "are", "was", ":", "-", "gene", "her", "amplif", "positive"),
        "amplif",
    ),
)
_CELLS_ANCHORS: Final = ("counted", "scored", "analy", "enumerated")
_ER_PR_BOTH_WORDS: Final = ("er", "estrogen", "oestrogen")
_ER_PR_BOTH_ANCHORS: Final = ("pr", "pgr")
_ER_WORDS: Final = ("estrogen", "oestrogen")
_ER_EXACT: Final = ("ER",)
_PR_WORDS: Final = ("progesteron",)
_PR_EXACT: Final = ("PR", "PgR", "PGR")
_STATUS_FOR_WORDS: Final = ("pos", "neg")
# An anchor listed counts only after white space or one of these characters (see Scanner.starts):
# "been sent", "being sent out", "to follow"; "ER/PR", "ER & PR", "ER,PR", "ER andPR", "estrogen and progesterone".
_PENDING_PREV: Final = {"sent": "", "follow": ""}
_ER_PR_BOTH_PREV: Final = {"pr": "/&,d", "pgr": "/&,d"}
# An anchor listed counts only where its check (on the lower-cased text) is true; see Scanner.starts.
_ALNUM: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_WORD_CHARS: Final = _ALNUM | {"_"}


def _sent_anchor(low: str, i: int) -> bool:
    """Whether a hit of "sent" can be the anchor of a PENDING match (``Scanner.starts(anchor_ok=...)``).

    "sent" stands in PENDING only as "has been sent" (white space and "been" before it), "is sent out"
    (white space after it) or "will be sent" (that match also holds the anchor "will"). ``low`` is a
    keyword-path text (scan.py): white-space runs of at most 24 characters."""
    j = i + 4
    return (j < len(low) and low[j].isspace()) or low[max(0, i - 40) : i].rstrip().endswith("been")


def _follow_anchor(low: str, i: int) -> bool:
    """Whether a hit of "follow" can be the anchor of a PENDING match: "to follow" and a word end, or
    "will follow" (that match also holds the anchor "will")."""
    j = i + 6
    return j >= len(low) or low[j] not in _WORD_CHARS


def _pr_anchor(low: str, i: int) -> bool:
    r"""A hit of "pr" in an ER_PR_BOTH match is "PR" followed by no letter or digit (the pattern ends
    ``(?:\s+receptors?)?(?![A-Za-z0-9])``), or the start of "progesteron". On the keyword path no
    non-ASCII character lower-cases to an ASCII letter or digit (scan.py)."""
    j = i + 2
    return j >= len(low) or low[j] not in _ALNUM or low.startswith("ogesteron", j)


def _pgr_anchor(low: str, i: int) -> bool:
    """A hit of "pgr" in an ER_PR_BOTH match is "PgR" followed by no letter or digit."""
    j = i + 3
    return j >= len(low) or low[j] not in _ALNUM


_PENDING_OK: Final = {"sent": _sent_anchor, "follow": _follow_anchor}
_ER_PR_BOTH_OK: Final = {"pr": _pr_anchor, "pgr": _pgr_anchor}
# Every match of P.ISH_WORD, in any window of the text (``search(text, lo, hi)``: the look-ahead after
# it may see the end of the window, the look-behind before it sees the text), holds one of: "ish" as
# the end of "ish", "fish", "cish", "sish", "dish", "ddish" or "iqfish" with a non-letter before that
# (FISH, CISH, SISH, DDISH, DISH, ISH, IQFISH); "cep" and "17" (CEP 17); "amplification" or
# "amplified"; one of _ISH_WORD_RARE (FISZ, hybridisation, PathVysion, Vysis, ZytoLight); "inform her2"
# or "chromosome 17". All these words are in the keyword index, so the check is a few look-ups.
_ISH_WORD_INDEXED: Final = ("ish", "cep", "amplif")
_ISH_PREFIXES: Final = ("", "f", "c", "s", "d", "dd", "iqf")
_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
_CEP17: Final = re.compile(r"cep\s*-?\s*17")
_ISH_WORD_RARE: Final = ("fisz", "hybridi", "vysis", "pathvysion", "zytolight")  # (HYBRIDISATION, ...)
_ISH_WORD_CHECKED: Final = ("inform", "chromosome")
_ISH_WORD_OTHER: Final = re.compile(r"inform\s+her2|chromosome\s+17")


_KEYWORDS: Final = frozenset(
    w.lower()
    for group in (
        _HER2_WORDS, [w for w, _ in _HER2_OFFSETS], _ONCOTYPE_WORDS, [w for w, _ in _ONCOTYPE_OFFSETS],
        _QUOTED_WORDS, _OTHER_MARKER_EXACT, _OTHER_MARKER_I_WORDS, (_CADHERIN[0], _KI67[0]), _SECTION_EXACT,
        _WARM_WORDS, _ADDENDUM_WORDS, ("ratio", "centromere", _ISH_OFFSET[0]), ("average", "mean", "her", "cep"),
        _CELLS_ANCHORS, [anchor for _, _, _, anchor in _ISH_RESULT_SCANS], ("single", "her2"), _PENDING_WORDS,
        _ER_PR_BOTH_ANCHORS, _ER_WORDS, _ER_EXACT, _PR_WORDS, _PR_EXACT, _STATUS_FOR_WORDS,
        _ISH_WORD_INDEXED, _ISH_WORD_RARE, _ISH_WORD_CHECKED,
    )
    for w in group
)  # fmt: skip
_INDEX: KeywordIndex = KeywordIndex(_KEYWORDS)


# --- context -----------------------------------------------------------------------------------


@dataclass
class _Ctx:
    text: str
    sents: Sentences
    excluded: list[tuple[int, int]]
    quoted: list[tuple[int, int, bool]]
    addendum_at: int | None
    her2: list[tuple[int, int]]
    stops: list[int]
    scan: Scanner
    warnings: list[str] = field(default_factory=list)
    # The lower-cased text when the keyword path is exact for it (see scan.py), else None.
    low: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.low = self.scan.low if self.scan.fast else None

    def is_excluded(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.excluded)

    def quote(self, pos: int) -> tuple[bool, bool]:
        """(inside a quoted passage, the passage names a biopsy)."""
        for a, b, biopsy in self.quoted:
            if a <= pos < b:
                return True, biopsy
        return False, False

    def in_addendum(self, pos: int) -> bool:
        return self.addendum_at is not None and pos >= self.addendum_at

    def rank(self, pos: int) -> tuple[int, int, int]:
        return (0 if self.quote(pos)[0] else 1, 1 if self.in_addendum(pos) else 0, pos)

    def next_stop(self, pos: int) -> int:
        i = bisect.bisect_right(self.stops, pos)
        return self.stops[i] if i < len(self.stops) else len(self.text)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def _her2_anchors(scan: Scanner) -> list[tuple[int, int]]:
    """HER2 names, with runs such as "HER2/NEU (HERCEPTEST)" merged into one."""
    text = scan.text
    out: list[tuple[int, int]] = []
    for m in scan.starts(P.HER2, _HER2_WORDS, offsets=_HER2_OFFSETS):
        if out:
            gap = text[out[-1][1] : m.start()]
            if len(gap) <= 6 and _HER2_GAP.fullmatch(gap):
                out[-1] = (out[-1][0], m.end())
                continue
        out.append((m.start(), m.end()))
    return out


def _addendum_start(scan: Scanner) -> int | None:
    text = scan.text
    for m in scan.starts(P.ADDENDUM, _ADDENDUM_WORDS):
        before = text[max(0, m.start() - 25) : m.start()]
        after = text[m.end() : m.end() + 30]
        if P.ADDENDUM_NOT_HEADING.search(before) or P.ADDENDUM_SIGNATURE.match(after):
            continue
        if _ADDENDUM_REVIEW.match(after) or _ADDENDUM_PATHOLOGIST.match(after):
            continue
        return m.start()
    return None


def _biopsy_named(text: str, low: str | None, start: int, end: int) -> bool:
    """``P.QUOTED_BIOPSY.search(text[start:end])``. On the keyword path (``low``, see scan.py) "biops",
    "core" and "needle" are looked up in the lower-cased text (a case-insensitive ASCII word matches only
    ASCII letters there); the pattern runs only if "fna" is there (for its word boundaries)."""
    if low is not None:
        w = low[start:end]
        if "biops" in w or "core" in w or "needle" in w:
            return True
        if "fna" not in w:
            return False
    return bool(P.QUOTED_BIOPSY.search(text[start:end]))


def _context(text: str) -> _Ctx:
    scan = Scanner(text, _INDEX)
    # Lower-case words found now so that their case-sensitive look-ups (OTHER_MARKER, SECTION_BREAK,
    # ER_NAME, PR_NAME) filter these hits instead of scanning the text again.
    # ("pr" first: "progesteron", "prior" and "previous" are read off its hits; see scan._PREFIX_OF.)
    scan.warm(*_WARM_WORDS)
    low = scan.low if scan.fast else None
    excluded = []
    for m in scan.starts(P.ONCOTYPE, _ONCOTYPE_WORDS, offsets=_ONCOTYPE_OFFSETS):
        end = min(len(text), m.start() + ONCOTYPE_REACH)
        stop = P.ONCOTYPE_END.search(text, m.end(), end)
        excluded.append((m.start(), stop.start() if stop else end))
    quoted = []
    for m in scan.starts(P.QUOTED, _QUOTED_WORDS):
        reach = 2 * QUOTE_REACH if m.group(0).lower().startswith("clinical") else QUOTE_REACH
        end = min(len(text), m.end() + reach)
        brk = search_at(P.SECTION_BREAK, text, text, _SECTION_EXACT, m.end(), end)  # case-sensitive words
        # A specimen heading ("B: Lymph node", "C. SENTINEL") also ends the quoted passage.
        head = _SPECIMEN_HEAD.search(text, m.end() + 40, end)
        stops = [x.start() for x in (brk, head) if x is not None]
        end = min([end, *stops])
        w0, w1 = max(0, m.start() - 40), min(len(text), m.end() + 60)
        quoted.append((m.start(), end, _biopsy_named(text, low, w0, w1)))
    her2 = _her2_anchors(scan)
    stops = sorted(
        {
            m.start()
            for m in scan.starts(
                P.OTHER_MARKER, exact=_OTHER_MARKER_EXACT, offsets=(_CADHERIN,), word_start=True
            )
        }
        | {
            m.start()
            for m in scan.starts(P.OTHER_MARKER_I, _OTHER_MARKER_I_WORDS, offsets=(_KI67, _CADHERIN))
        }
        | {a for a, _ in her2}
        | {m.start() for m in scan.starts(P.SECTION_BREAK, exact=_SECTION_EXACT)}
    )
    return _Ctx(text, Sentences(text), excluded, quoted, _addendum_start(scan), her2, stops, scan)


def _evidence(ctx: _Ctx, start: int, end: int) -> Evidence:
    return Evidence(start=start, end=end, sentence=ctx.sents.around(start, end))


def _legend_pair(segment: str, low: str | None = None, end: int | None = None) -> bool:
    """Two different status words side by side ("Negative 0-1+, Equivocal 2+"): a legend, not a result.

    ``segment[:end]`` is read; ``low`` is ``segment`` lower-cased (see scan.finditer_at) or None."""
    prev: tuple[str, int] | None = None
    for m in finditer_at(P.STATUS_WORD, segment, low, _STATUS_STARTS, 0, end):
        value = _status_of(m.group(1)) or m.group(1).lower().split()[0]
        if prev is not None and prev[0] != value and m.start() - prev[1] <= _LEGEND_GAP:
            return True
        prev = (value, m.end())
    return False


def _status_of(word: str) -> Status | None:
    w = " ".join(word.lower().split())
    if w.startswith(("weakly", "low", "indeterminate")):
        return None
    if w.startswith("neg"):
        return "negative"
    if w.startswith(("equivocal", "borderline")):
        return "equivocal"
    return "positive"


def _specimen_id(ctx: _Ctx, lo: int, hi: int, near: int) -> str | None:
    best: tuple[int, str] | None = None
    for m in finditer_at(
        P.SPECIMEN_ID, ctx.text, ctx.low, ("block", "slide", "part"), max(0, lo), min(len(ctx.text), hi)
    ):
        if m.group("part"):
            label = f"part {m.group('part')}"
        else:
            label = m.group("id").upper()
            if m.group("id2"):
                label = f"{label}, {m.group('id2').upper()}"
        # A label before the value (a heading, "Block Number: E18") wins over one after it.
        dist = near - m.start() if m.start() <= near else 10_000 + m.start() - near
        if best is None or dist < best[0]:
            best = (dist, label)
    return best[1] if best else None


# --- HER2 statements and IHC -------------------------------------------------------------------


@dataclass
class _Stmt:
    value: str
    pos: int
    rank: tuple[int, int, int]
    specimen_id: str | None = None


@dataclass
class _Ihc:
    score: str
    start: int
    end: int
    rank: tuple[int, int, int]
    quoted: bool
    percent: float | None
    specimen_id: str | None
    specimen: Literal["biopsy", "resection"] | None
    assay: str | None


def _score(token: str, ctx: _Ctx) -> str:
    t = "".join(token.lower().split())
    t = _SCORE_CANON.get(t, t)
    if t.startswith("+"):
        t = t[1:] + "+"
    if t == "0+":
        ctx.warn('IHC "0+" read as score 0 (not as HER2-ultralow, which a report must state)')
        return "0"
    return t if t.endswith("+") or t == "0" else t + "+"


def _her2_statements(ctx: _Ctx) -> tuple[list[_Stmt], list[_Ihc], list[int]]:
    """Stated HER2 statuses, IHC scores, and positions of HER2 values without a score (image analysis)."""
    text = ctx.text
    tlow = ctx.low
    statuses: list[_Stmt] = []
    ihcs: list[_Ihc] = []
    other_results: list[int] = []
    for a_start, a_end in ctx.her2:
        if ctx.is_excluded(a_start):
            continue
        w_end = min(a_end + WINDOW, ctx.next_stop(a_end))
        window = text[a_end:w_end]
        wlow = None if tlow is None else tlow[a_end:w_end]
        rank = ctx.rank(a_start)
        quoted, biopsy = ctx.quote(a_start)
        legend = _legend_pair(window, wlow, STATUS_REACH + 20)
        found = None if legend else _find_score(window, wlow)
        rng = (
            None
            if legend or "+" not in window
            else search_at(P.SCORE_RANGE, window, wlow, ("0", "1", "zero", "zoro"))
        )
        if (
            rng
            and (found is None or rng.start() <= found[1])
            and not _bad_value(window, rng.start(), rng.end(), wlow)
        ):
            ctx.warn("HER2 IHC score stated as a range (e.g. 0-1+); no single score read")
            found = None
        else:
            rng = None
        reach = STATUS_REACH if found is None else min(STATUS_REACH, found[2] + 25)

        # RT-PCR (Oncotype DX) "Her2 Score: 10 Negative" or "8.9": not an IHC score.
        rt = _RT_SCORE.match(window)
        if rt and (float(rt.group(1)) > 3 or "." in rt.group(1)):
            continue
        # Image analysis: "HER2. 0.0%" — a value, but no score.
        pm = _PERCENT_AFTER_NAME.match(window)
        if pm and P.IMAGE_ANALYSIS.search(text, max(0, a_start - 400), min(len(text), a_end + 100)):
            ctx.warn("HER2 reported by image analysis as a percentage; no IHC score read")
            other_results.append(a_start)
            continue

        # Stated status: "HER2: Negative", "Her2-)", "negative for HER2".
        status: Status | None = None
        status_pos = a_start
        sm = _SIGN_AFTER.match(window)
        before = text[max(0, a_start - 30) : a_start]
        bm = (
            _STATUS_FOR_BEFORE.search(before)
            if tlow is None or tlow.find("for", max(0, a_start - 30), a_start) >= 0
            else None
        )
        if sm and P.SIGN_STATUS.match(window):
            status = "positive" if sm.group(1) == "+" else "negative"
        elif bm:
            status = _status_of(bm.group(1))
            status_pos = a_start - len(before) + bm.start()
        elif not legend:
            wm = search_at(P.STATUS_WORD, window, wlow, _STATUS_STARTS, 0, reach)
            if wm and not _bad_value(window, wm.start(), wm.end(), wlow, ish_ok=True):
                status = _status_of(wm.group(1))
                status_pos = a_end + wm.start()
                low = wm.group(1).lower()
                if low.startswith("weakly"):
                    ctx.warn('"weakly positive" HER2 wording not read as a stated status')
                elif low.startswith("indeterminate"):
                    ctx.warn("HER2 stated as indeterminate")
        if rng is not None and status not in (None, "negative") and "2" not in rng.group(0):
            ctx.warn(f"HER2 stated as {status} beside a 0-1+ score range; status not read")
            status = None
        if status is not None:
            sid = _specimen_id(ctx, status_pos - 150, status_pos + 60, status_pos)
            statuses.append(_Stmt(status, status_pos, ctx.rank(status_pos), sid))

        # IHC score.
        if found is None and rng is None and not legend:
            bt = (
                P.SCORE_BEFORE_NAME.search(text, max(0, a_start - 40), a_start)
                if "+" in text[max(0, a_start - 40) : a_start]
                else None
            )
            if bt and not ctx.is_excluded(bt.start()):
                found = (bt.group("score"), bt.start("score") - a_end, bt.end("score") - a_end)
        if found is None:
            continue
        token, s0, s1 = found
        score = _score(token, ctx)
        start, end = min(a_start, a_end + s0), a_end + s1
        pct = None
        pm2 = P.PERCENT_CELLS.search(window) if "%" in window else None
        if pm2:
            value = float(pm2.group("a") or pm2.group("b"))
            pct = value if 0 <= value <= 100 else None
        assay = None
        am = search_at(
            P.IHC_ASSAY, text, tlow, _IHC_ASSAY_STARTS, max(0, a_start - 60), min(len(text), w_end + 200)
        )
        if am:
            assay = P.IHC_ASSAY_CANON.get(am.group(1).lower().replace("a485", "a0485"), am.group(1))
        specimen: Literal["biopsy", "resection"] | None = "biopsy" if quoted and biopsy else None
        fm = P.SPECIMEN_FIELD.search(window) if may_contain(wlow, ("specimen",)) else None
        if fm:
            if P.RESECTION_WORD.search(fm.group(1)):
                specimen = "resection"
            elif P.BIOPSY_WORD.search(fm.group(1)):
                specimen = "biopsy"
        if status is not None and _SCORE_STATUS[score] != status:
            ctx.warn(f"HER2 IHC {score} stated as {status}: wording and score disagree")
        ihcs.append(
            _Ihc(
                score=score,
                start=start,
                end=end,
                rank=rank,
                quoted=quoted,
                percent=pct,
                specimen_id=_specimen_id(ctx, a_start - 150, a_end + s1 + 60, a_end + s1),
                specimen=specimen,
                assay=assay,
            )
        )
    return statuses, ihcs, other_results


def _bad_value(window: str, start: int, end: int, wlow: str | None = None, *, ish_ok: bool = False) -> bool:
    """A value that belongs to a legend, a control, a guideline or (for IHC) an ISH statement.

    ``wlow``: ``window`` lower-cased (see scan.finditer_at) or None."""
    between = window[:start]
    if (
        search_at(P.LEGEND, window, wlow, _LEGEND_STARTS, 0, start)
        if wlow is not None
        else P.LEGEND.search(between)
    ):
        return True
    after = window[end:]
    if P.LEGEND_AFTER.match(after):
        return True
    if _FOLLOWED_BY_FOR.match(after):
        return True
    if ish_ok:
        return False
    return may_contain(None if wlow is None else wlow[:start], _ISH_BETWEEN_WORDS) and bool(
        _ISH_BETWEEN.search(between)
    )


def _score_plus(window: str, wlow: str | None) -> re.Match[str] | None:
    """``SCORE_PLUS_ANY.search(window, 0, 130)``: every match holds a "+" at most 2 characters after its start."""
    if wlow is None:
        return P.SCORE_PLUS_ANY.search(window, 0, 130)
    cands: set[int] = set()
    find = window.find
    i = find("+", 0, 130)
    while i >= 0:
        cands.update((i - 2, i - 1, i))
        i = find("+", i + 1, 130)
    match = P.SCORE_PLUS_ANY.match
    for c in sorted(cands):
        if c >= 0:
            m = match(window, c, 130)
            if m is not None:
                return m
    return None


_SCORE_SCANS: Final = (
    (P.SCORE_AFTER_STATUS, ("pos", "neg", "equivocal")),
    (P.SCORE_AFTER_WORD, ("score", "intensity", "staining")),
)


def _find_score(window: str, wlow: str | None = None) -> tuple[str, int, int] | None:
    cands: list[tuple[int, str, int]] = []
    ok: list[tuple[int, str, int]] = []  # already checked by _bad_value (a pure function of its arguments)
    m = P.SCORE_ADJACENT.match(window)
    if m:
        cands.append((m.start("score"), m.group("score"), m.end("score")))
    for rx, words in _SCORE_SCANS:
        for m in finditer_at(rx, window, wlow, words):
            if not _bad_value(window, m.start("score"), m.end("score"), wlow):
                ok.append((m.start("score"), m.group("score"), m.end("score")))
                break
    m = _score_plus(window, wlow)
    if m:
        cands.append((m.start("score"), m.group("score"), m.end("score")))
    cands = [c for c in cands if not _bad_value(window, c[0], c[2], wlow)] + ok
    if not cands:
        return None
    start, token, end = min(cands)
    return token, start, end


# --- ISH ---------------------------------------------------------------------------------------


@dataclass
class _Frag:
    kind: str  # ratio | her2 | cep17 | cells | result | probe
    value: float | str
    start: int
    end: int


@dataclass
class _IshCluster:
    frags: list[_Frag] = field(default_factory=list)

    def get(self, kind: str) -> _Frag | None:
        for f in self.frags:
            if f.kind == kind:
                return f
        return None


def _ish_context(ctx: _Ctx, start: int, end: int) -> bool:
    text = ctx.text
    lo = max(0, start - ISH_CONTEXT_BEFORE)
    if P.ISH_WORD.search(text, lo, min(len(text), end + 100)):
        return True
    i = bisect.bisect_left(ctx.her2, (lo, 0))
    return i < len(ctx.her2) and ctx.her2[i][0] < end + 60


def _sentence_legend(ctx: _Ctx, start: int, end: int) -> bool:
    s0, _ = ctx.sents.bounds(start)
    before = ctx.text[max(s0, start - 60) : start]
    after = ctx.text[end : end + 25]
    low = ctx.low
    return bool(
        search_at(P.LEGEND, before, None if low is None else low[max(s0, start - 60) : start], _LEGEND_STARTS)
        or P.LEGEND_AFTER.match(after)
        or _ISH_LEVELS_AFTER.match(after)
    )


def _ish_fragments(ctx: _Ctx) -> list[_Frag]:
    text = ctx.text
    scan = ctx.scan
    frags: list[_Frag] = []

    def add(kind: str, value: float | str, m: re.Match[str], group: int | str = 0) -> None:
        start, end = m.start(), m.end()
        if ctx.is_excluded(start) or not _ish_context(ctx, start, end) or _sentence_legend(ctx, start, end):
            return
        frags.append(_Frag(kind, value, start, end))

    ratio_scans = (
        (P.RATIO, scan.starts(P.RATIO, ("ratio",))),
        (P.RATIO_DETERMINED, scan.starts(P.RATIO_DETERMINED, ("centromere",))),
        (P.RATIO_AFTER_ISH, scan.starts(P.RATIO_AFTER_ISH, ("ish",), offsets=(_ISH_OFFSET,))),
    )
    for rx, matches in ratio_scans:
        for m in matches:
            if rx is P.RATIO and P.RATIO_AFTER_BAD.match(text[m.end() : m.end() + 40]):
                continue
            if rx is P.RATIO and not _RATIO_NEAR.search(text[max(0, m.start() - 40) : m.end()]):
                continue
            add("ratio", float(m.group(1)), m)
    for kind, rx, word in (("her2", P.HER2_MEAN, "her"), ("cep17", P.CEP17_MEAN, "cep")):
        for m in scan.starts(rx, ("average", "mean", word)):
            value = next(g for g in m.groups() if g is not None)
            add(kind, float(value), m)
    for m in scan.starts(P.CELLS_COUNTED, _CELLS_STARTS, near=(_CELLS_ANCHORS, 180)):
        raw = (m.group(1) or m.group(2) or "").lower()
        raw = " ".join(raw.split())
        n = P.COUNT_WORDS.get(raw) if not raw.isdigit() else int(raw)
        if n:
            add("cells", float(n), m)
    taken: list[tuple[int, int]] = []
    for value, rx, words, anchor in _ISH_RESULT_SCANS:
        offsets = (_ISH_OFFSET,) if value == "equivocal" else ()
        for m in scan.starts(rx, words, offsets=offsets, near=((anchor,), 180)):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            # "amplification" needs HER2 or an ISH method nearby, not just the word itself.
            near = text[max(0, m.start() - 200) : m.end() + 80]
            if not (P.HER2.search(near) or P.ISH_TECHNIQUE.search(near) or _CEP_NEAR.search(near)):
                continue
            taken.append((m.start(), m.end()))
            add("result", value, m)
    for m in scan.starts(P.SINGLE_PROBE, ("single", "her2")):
        add("probe", "single", m)
    frags.sort(key=lambda f: f.start)
    return frags


def _clusters(frags: list[_Frag]) -> list[_IshCluster]:
    out: list[_IshCluster] = []
    cur = _IshCluster()
    last = -(10**9)
    for f in frags:
        prev = cur.get(f.kind)
        new = (
            f.start - last > ISH_CLUSTER_GAP
            or (prev is not None and prev.value != f.value)
            or (f.kind == "result" and cur.get("result") is not None and cur.get("ratio") is not None)
        )
        if new and cur.frags:
            out.append(cur)
            cur = _IshCluster()
        if prev is None or new:
            cur.frags.append(f)
        last = f.end
    if cur.frags:
        out.append(cur)
    return [c for c in out if any(c.get(k) for k in ("ratio", "result", "her2"))]


def _ish_possible(ctx: _Ctx) -> bool:
    """False only if no ISH fragment can be read: a fragment needs a HER2 name or an ISH word near it
    (:func:`_ish_context`), and the keyword-path text has neither anywhere. (On the keyword path no
    non-ASCII character matches an ASCII letter case-insensitively, see scan.py.)"""
    low = ctx.low
    if ctx.her2 or low is None:
        return True
    scan = ctx.scan
    ish, cep, amplif = _ISH_WORD_INDEXED
    for i in scan.positions(ish):
        for pre in _ISH_PREFIXES:
            k = i - len(pre)
            if k >= 0 and low.startswith(pre, k) and (k == 0 or low[k - 1] not in _LETTERS):
                return True
    if any(_CEP17.match(low, i) for i in scan.positions(cep)):
        return True
    if any(low.startswith(("amplification", "amplified"), i) for i in scan.positions(amplif)):
        return True
    if scan.has(*_ISH_WORD_RARE):
        return True
    return any(_ISH_WORD_OTHER.match(low, i) for w in _ISH_WORD_CHECKED for i in scan.positions(w))


def _ish_tests(ctx: _Ctx) -> list[tuple[ExtractedIsh, tuple[int, int, int], bool]]:
    text = ctx.text
    out = []
    for c in _clusters(_ish_fragments(ctx)):
        main = c.get("ratio") or c.get("result") or c.get("her2")
        assert main is not None
        lo = min(f.start for f in c.frags)
        hi = max(f.end for f in c.frags)
        quoted, biopsy = ctx.quote(main.start)
        technique = search_at(
            P.ISH_TECHNIQUE,
            text,
            ctx.low,
            ("ddish", "cish", "sish", "fish"),
            max(0, lo - 400),
            min(len(text), hi + 200),
        )
        kit = search_at(
            P.ISH_KIT,
            text,
            ctx.low,
            ("pathvysion", "inform", "zytolight", "iqfish"),
            max(0, lo - 1200),
            min(len(text), hi + 600),
        )
        assay_parts = [technique.group(1).upper() if technique else None, kit.group(1) if kit else None]
        assay = " ".join(p for p in assay_parts if p) or None
        data: dict[str, object] = {
            "method": "ish",
            "evidence": _evidence(ctx, main.start, main.end),
            "specimen_id": _specimen_id(ctx, lo - 100, hi + 250, main.start),
            "assay": assay,
        }
        for kind, key in (("ratio", "ratio"), ("her2", "her2_copies"), ("cep17", "cep17_copies")):
            f = c.get(kind)
            if f is not None:
                data[key] = f.value
        cells = c.get("cells")
        if cells is not None:
            data["cells_counted"] = int(float(cells.value))
        result = c.get("result")
        if result is not None:
            data["result"] = result.value
        if c.get("probe") is not None:
            data["probe"] = "single"
            if "ratio" in data or "cep17_copies" in data:
                ctx.warn("single-probe ISH with a ratio or CEP17 count; ratio and CEP17 not read")
                data.pop("ratio", None)
                data.pop("cep17_copies", None)
        if quoted:
            data["source"] = QUOTED_SOURCE
            if biopsy:
                data["specimen"] = "biopsy"
        test = _build_ish(ctx, data)
        if test is not None:
            out.append((test, ctx.rank(main.start), quoted))
    return out


def _build_ish(ctx: _Ctx, data: dict[str, object]) -> ExtractedIsh | None:
    try:
        return ExtractedIsh.model_validate(data)
    except (ValidationError, Her2kitError, ValueError):
        pass
    if "her2_copies" in data or "cep17_copies" in data:
        ctx.warn(
            "ISH ratio contradicts the mean copy numbers (or a value is implausible); copy numbers not read"
        )
        data.pop("her2_copies", None)
        data.pop("cep17_copies", None)
        try:
            return ExtractedIsh.model_validate(data)
        except (ValidationError, Her2kitError, ValueError):
            pass
    ctx.warn("an ISH statement with implausible values was not read")
    return None


# --- pending -----------------------------------------------------------------------------------


def _pending(ctx: _Ctx) -> list[tuple[int, str]]:
    """Positions of HER2 results announced but not given, with their kind ("ish" or "any")."""
    text = ctx.text
    out = []
    for m in ctx.scan.starts(
        P.PENDING,
        _PENDING_STARTS,
        offsets=(_ISH_OFFSET,),
        near=(_PENDING_WORDS, 80),
        anchor_prev=_PENDING_PREV,
        anchor_ok=_PENDING_OK,
    ):
        if ctx.is_excluded(m.start()):
            continue
        near = text[max(0, m.start() - 40) : m.end() + 40]
        tlow = ctx.low
        if may_contain(
            None if tlow is None else tlow[max(0, m.start() - 40) : m.end() + 40], ("no", "never")
        ) and (P.NEGATED.search(near)):
            continue
        s0, s1 = ctx.sents.bounds(m.start())
        sentence = text[s0:s1]
        here = P.HER2.search(sentence) or P.ISH_TECHNIQUE.search(sentence)
        if not here:
            if (
                P.OTHER_MARKER.search(sentence)
                or P.OTHER_MARKER_I.search(sentence)
                or re.search(r"stain|recut|marker|receptor|immunohisto", sentence, re.I)
            ):
                if re.search(r"marker|prognostic|receptor\s+studies", sentence, re.I):
                    ctx.warn("marker studies announced without naming HER2; not read as HER2 pending")
                continue
            p0, _ = ctx.sents.bounds(max(0, s0 - 1))
            prev = text[max(p0, m.start() - 160) : s0]
            if not (P.HER2.search(prev) or P.ISH_TECHNIQUE.search(prev)):
                if re.search(r"marker|prognostic", sentence, re.I):
                    ctx.warn("marker studies announced without naming HER2; not read as HER2 pending")
                continue
            sentence = prev + sentence
        kind = (
            "ish"
            if P.ISH_TECHNIQUE.search(sentence) or re.search(r"amplification|in situ", sentence, re.I)
            else "any"
        )
        out.append((m.start(), kind))
    return out


# --- ER / PR -----------------------------------------------------------------------------------


def _receptor_between(window: str, wlow: str | None, end: int) -> bool:
    """``_RECEPTOR_BETWEEN.search(window[:end])``, skipped when none of its words is there."""
    if wlow is not None and _RECEPTOR_BETWEEN_RX.search(wlow, 0, end) is None:
        return False
    return bool(_RECEPTOR_BETWEEN.search(window[:end]))


def _receptors(ctx: _Ctx) -> tuple[list[_Stmt], list[_Stmt]]:
    text = ctx.text
    anchors: list[tuple[int, int, frozenset[str]]] = []
    both_spans = []
    scan = ctx.scan
    for m in scan.starts(
        P.ER_PR_BOTH,
        _ER_PR_BOTH_WORDS,
        word_start=True,
        near=(_ER_PR_BOTH_ANCHORS, 64),
        anchor_prev=_ER_PR_BOTH_PREV,
        anchor_ok=_ER_PR_BOTH_OK,
    ):
        anchors.append((m.start(), m.end(), frozenset({"er", "pr"})))
        both_spans.append((m.start(), m.end()))
    for matches, name in (
        (scan.starts(P.ER_NAME, _ER_WORDS, exact=_ER_EXACT, word_start=True), "er"),
        (scan.starts(P.PR_NAME, _PR_WORDS, exact=_PR_EXACT, word_start=True), "pr"),
    ):
        for m in matches:
            if any(a <= m.start() < b for a, b in both_spans):
                continue
            anchors.append((m.start(), m.end(), frozenset({name})))
    anchors.sort()
    starts = sorted({a for a, _, _ in anchors} | set(ctx.stops))
    tlow = ctx.low
    er: list[_Stmt] = []
    pr: list[_Stmt] = []

    def emit(names: frozenset[str], value: str, pos: int, pct: tuple[float, float] | None) -> None:
        for name in names:
            v = value
            if name == "er" and v == "positive" and pct is not None and pct[0] >= 1 and pct[1] <= 10:
                ctx.warn("ER positive in 1-10% of cells read as ER-low (ASCO/CAP 2020)")
                v = "low"
            if name == "pr" and v == "low":
                v = "positive"
            (er if name == "er" else pr).append(_Stmt(v, pos, ctx.rank(pos)))

    for a_start, a_end, names in anchors:
        if ctx.is_excluded(a_start):
            continue
        i = bisect.bisect_left(starts, a_end)
        nxt = starts[i] if i < len(starts) else len(text)
        w_end = min(a_end + RECEPTOR_WINDOW, nxt)
        window = text[a_end:w_end]
        wlow = None if tlow is None else tlow[a_end:w_end]
        before = text[max(0, a_start - 12) : a_start]
        # (A no-op test of the same "no ..." wording stood here; it had no effect and was removed.)
        if (
            may_contain(None if tlow is None else tlow[max(0, a_start - 12) : a_start], ("no",))
            and (P.RECEPTOR_ABSENT_BEFORE.search(before))
            and re.match(r"^[\s\w]{0,25}?\b(?:detected|identified|seen)", window, re.I)
        ):
            emit(names, "negative", a_start, None)
            continue
        sm = _SIGN_AFTER.match(window)
        if sm:
            emit(names, "positive" if sm.group(1) == "+" else "negative", a_start, None)
            continue
        if P.RECEPTOR_ABSENT.match(window):
            emit(names, "negative", a_start, None)
            continue
        if _legend_pair(window, wlow):
            continue
        pct = None
        for pm in P.PERCENT.finditer(window, 0, 90) if "%" in window[:90] else ():
            if P.LEGEND.search(window[: pm.start()].replace(">", "").replace("<", "")) or _receptor_between(
                window, wlow, pm.start()
            ):
                break
            lo = float(pm.group("lo"))
            hi = float(pm.group("hi")) if pm.group("hi") else lo
            cmp = (pm.group("cmp") or "").lower()
            if cmp in ("<", "less than", "≤"):
                lo, hi = (0.0, hi) if hi > 1 else (0.0, 0.0)
            elif cmp in (">", "over", "more than", "greater than", "≥"):
                hi = 100.0
            pct = (lo, hi)
            break
        wm = search_at(P.STATUS_WORD, window, wlow, _STATUS_STARTS, 0, 90)
        if (
            wm
            and not _bad_value(window, wm.start(), wm.end(), wlow, ish_ok=True)
            and not _receptor_between(window, wlow, wm.start())
        ):
            word = wm.group(1).lower()
            if word.startswith(("indeterminate", "equivocal", "borderline")):
                continue
            value = (
                "low" if word.startswith("low") else ("negative" if word.startswith("neg") else "positive")
            )
            emit(names, value, a_end + wm.start(), pct)
            continue
        if pct is not None:
            lo, hi = pct
            if hi < 1:
                emit(names, "negative", a_start, None)
            elif lo >= 1 or (lo == 0 and hi == 100):
                emit(names, "low" if hi <= 10 else "positive", a_start, None)
                ctx.warn("ER/PR category derived from the stated percentage of stained nuclei")
            else:
                ctx.warn("ER/PR stated as a percentage range that spans 1%; not read")
            continue
        am = (
            P.ALLRED.search(window, 0, 60)
            if may_contain(None if wlow is None else wlow[:60], ("allred",))
            else None
        )
        if am and not _receptor_between(window, wlow, am.start()):
            emit(names, "negative" if int(am.group(1)) <= 2 else "positive", a_start, None)
    # "positive for ER and PR", "negative for PR"
    for m in scan.starts(P.STATUS_FOR_MARKER, _STATUS_FOR_WORDS):
        if ctx.is_excluded(m.start()):
            continue
        names_text = m.group("names")
        value = _status_of(m.group("status")) or "positive"
        found: set[str] = set()
        if re.search(r"\bER\b|estrogen", names_text, re.I):
            found.add("er")
        if re.search(r"\bPR\b|PgR|progesteron", names_text, re.I):
            found.add("pr")
        emit(frozenset(found), value, m.start(), None)
    return er, pr


# --- assembling the result ---------------------------------------------------------------------


def _resolve(ctx: _Ctx, stmts: list[_Stmt], what: str) -> str | None:
    if not stmts:
        return None
    direct = [s for s in stmts if s.rank[0] == 1]
    pool = direct or stmts
    if not direct:
        ctx.warn(f"{what} {QUOTED_SOURCE}")
    if any(s.rank[1] for s in pool):
        pool = [s for s in pool if s.rank[1]]
    best = max(pool, key=lambda s: s.rank)
    values = {s.value for s in pool}
    labels = {s.specimen_id for s in pool if s.value != best.value} | {best.specimen_id}
    if len(values) > 1 and None not in labels and len(labels) > 1:
        ctx.warn(f"{what}: specimens differ ({', '.join(sorted(values))}); no single status read")
        return None
    if len(values) > 1:
        earlier = sorted(values - {best.value})
        ctx.warn(
            f"{what}: the report also states {', '.join(earlier)}; the latest statement ({best.value}) is used"
        )
    return best.value


def _dedupe_ihc(ctx: _Ctx, items: list[_Ihc]) -> list[_Ihc]:
    direct_scores = {i.score for i in items if not i.quoted}
    kept: list[_Ihc] = []
    for item in sorted(items, key=lambda i: i.rank):
        if item.quoted and item.score in direct_scores:
            continue
        same = [
            k
            for k in kept
            if (k.specimen_id, k.quoted) == (item.specimen_id, item.quoted)
            or ((item.specimen_id is None or k.specimen_id is None) and k.quoted == item.quoted)
        ]
        dup = next((k for k in same if k.score == item.score), None)
        if dup is not None:
            if item.specimen_id and not dup.specimen_id:
                dup.specimen_id = item.specimen_id
            continue
        if same and ctx.in_addendum(item.start):
            for k in same:
                if not ctx.in_addendum(k.start) or k.start < item.start:
                    ctx.warn(f"HER2 IHC {k.score} superseded by a later addendum ({item.score})")
                    kept.remove(k)
        elif same:
            ctx.warn("the report gives more than one HER2 IHC score for the same or unlabelled specimens")
        kept.append(item)
    return kept


def _dedupe_ish(
    ctx: _Ctx, items: list[tuple[ExtractedIsh, tuple[int, int, int], bool]]
) -> list[tuple[ExtractedIsh, tuple[int, int, int], bool]]:
    def key(t: ExtractedIsh) -> tuple[object, ...]:
        return (t.ratio, t.result, t.her2_copies)

    direct = {key(t) for t, _, q in items if not q}
    kept: list[tuple[ExtractedIsh, tuple[int, int, int], bool]] = []
    for item in sorted(items, key=lambda x: x[1]):
        t, rank, q = item
        if q and key(t) in direct:
            continue
        same = [
            k
            for k in kept
            if k[2] == q and (k[0].specimen_id == t.specimen_id or None in (k[0].specimen_id, t.specimen_id))
        ]
        if any(key(k[0]) == key(t) for k in same):
            continue
        # A bare result next to a fuller one is the same test said twice.
        if any(
            k[0].result == t.result and (k[0].ratio is None or t.ratio is None) and (k[0].ratio or t.ratio)
            for k in same
        ):
            kept = [
                k
                for k in kept
                if not (k in same and k[0].ratio is None and t.ratio is not None and k[0].result == t.result)
            ]
            if t.ratio is None:
                continue
        elif same and rank[1] and t.specimen_id is None and any(not k[1][1] for k in same):
            for k in [k for k in same if not k[1][1]]:
                ctx.warn("an earlier ISH statement was superseded by a later addendum")
                kept.remove(k)
        kept.append(item)
    return kept


def _ihc_model(ctx: _Ctx, item: _Ihc) -> ExtractedIhc | None:
    data: dict[str, object] = {
        "method": "ihc",
        "score": item.score,
        "evidence": _evidence(ctx, item.start, item.end),
        "percent_cells": item.percent,
        "specimen_id": item.specimen_id,
        "specimen": item.specimen,
        "assay": item.assay,
    }
    if item.quoted:
        data["source"] = QUOTED_SOURCE
    try:
        return ExtractedIhc.model_validate(data)
    except (ValidationError, Her2kitError, ValueError):
        ctx.warn("an IHC statement with an implausible value was not read")
        return None


_ISH_PHRASE: Final = re.compile(r"in\s+situ\s+hybridi[sz]ation", re.I)


def _dcis_only(ctx: _Ctx, start: int, end: int) -> bool:
    s0, s1 = ctx.sents.bounds(start)
    r0, r1 = max(0, s0, start - 60), max(end, s1)
    low = ctx.low
    if low is not None:
        # Every match of _ISH_PHRASE holds "situ"; every match of P.DCIS holds "dcis", "situ" or
        # "intraductal" (case-insensitive ASCII words: on the keyword path, ASCII letters only).
        w = low[r0:r1]
        if "situ" not in w and "dcis" not in w and "intraductal" not in w:
            return False
    region = ctx.text[r0:r1]
    region = _ISH_PHRASE.sub("", region)
    return bool(P.DCIS.search(region)) and not P.INVASIVE.search(region)


def extract_report(text: str) -> ExtractionResult:
    """Extract HER2 tests, the stated HER2 status, pending results and ER/PR from one report.

    Pure and deterministic; never raises on any string.
    """
    if not isinstance(text, str) or not text.strip():
        return ExtractionResult()
    ctx = _context(text)
    statuses, ihc_items, other_results = _her2_statements(ctx)
    ish_items = _dedupe_ish(ctx, _ish_tests(ctx)) if _ish_possible(ctx) else []
    ihc_items = _dedupe_ihc(ctx, ihc_items)

    tests: list[tuple[int, ExtractedIhc | ExtractedIsh]] = []
    for item in ihc_items:
        model = _ihc_model(ctx, item)
        if model is not None:
            tests.append((item.start, model))
    for ish, _, _ in ish_items:
        tests.append((ish.evidence.start, ish))
    tests.sort(key=lambda t: t[0])
    for _, t in tests:
        if t.source == QUOTED_SOURCE:
            ctx.warn(f"HER2 {t.method.upper()} {QUOTED_SOURCE}")
        if _dcis_only(ctx, t.evidence.start, t.evidence.end):
            ctx.warn(f"HER2 {t.method.upper()} appears to refer to DCIS only")

    # Pending: announced and not answered by a later (or addendum) result of that kind.
    pending = False
    result_positions: list[tuple[int, str]] = [(p, t.method) for p, t in tests if t.source != QUOTED_SOURCE]
    result_positions += [(s.pos, "any") for s in statuses if s.rank[0] == 1]
    result_positions += [(p, "any") for p in other_results]
    for pos, kind in _pending(ctx):
        answered = any(
            (kind == "any" or method == "ish") and (p > pos or ctx.in_addendum(p))
            for p, method in result_positions
        )
        if answered:
            ctx.warn("a HER2 result announced as pending is reported later in the text")
        else:
            pending = True

    stated = _resolve(ctx, statuses, "stated HER2 status")
    er_stmts, pr_stmts = _receptors(ctx)
    er = _resolve(ctx, er_stmts, "ER")
    pr = _resolve(ctx, pr_stmts, "PR")
    return ExtractionResult.model_validate(
        {
            "her2_tests": [t for _, t in tests],
            "stated_status": stated,
            "pending": pending,
            "er": er,
            "pr": pr,
            "warnings": ctx.warnings,
        }
    )
