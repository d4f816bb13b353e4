"""The report context every reader shares, and the value checks they have in common.

``read_context`` finds, once per report, the HER2 names, the Oncotype DX passages (never read), the
passages quoted from earlier reports, the first addendum, and the positions where another marker or a
section starts (a window read after a name stops there). The checks below tell a value from a legend, a
control or a guideline, read a status word, and find the specimen label nearest a value.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Final, Literal

from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.checkbox import boxes_possible, mask_checkboxes, own_subs_replaced
from her2kit.extract.keywords import (
    ADDENDUM_WORDS,
    CADHERIN,
    HER2_OFFSETS,
    HER2_WORDS,
    INDEX,
    ISH_BETWEEN_WORDS,
    ISH_TECHNIQUE_WORDS,
    KI67,
    LEGEND_STARTS,
    ONCOTYPE_END_WORDS,
    ONCOTYPE_OFFSETS,
    ONCOTYPE_WORDS,
    OTHER_MARKER_EXACT,
    OTHER_MARKER_I_WORDS,
    OTHER_TARGET_WORDS,
    QUOTE_END_WORDS,
    QUOTED_OK,
    QUOTED_WORDS,
    SECTION_EXACT,
    SPECIMEN_ID_WORDS,
    STATUS_STARTS,
    WARM_WORDS,
)
from her2kit.extract.model import Evidence
from her2kit.extract.scan import Scanner, finditer_at, may_contain, search_at, words_rx
from her2kit.extract.sentences import Sentences

Status = Literal["positive", "negative", "equivocal"]

QUOTE_REACH: Final = 380  # a "previously performed ..." phrase covers this much text after it
ONCOTYPE_REACH: Final = 700
QUOTED_SOURCE: Final = "quoted from a prior report"

_ISH_BETWEEN: Final = re.compile(
    r"FISH|\bISH\b|CISH|SISH|ratio|CEP\s*-?17|amplif|allred|H-?score|grade|nottingham", re.I
)
_FOLLOWED_BY_FOR: Final = re.compile(
    r"^\s+for\b(?!\s+(?:HER[\s\-]?2\S*\s+)?(?:protein\s+)?(?:over-?\s?expression|amplification))", re.I
)
_LEGEND_GAP: Final = 12
SIGN_AFTER: Final = re.compile(r"^([+\-])(?![\w.])(?!\s*[:\-]?\s*(?:pos|neg|equiv|weak|strong|low|\d))", re.I)
_HER2_GAP: Final = re.compile(r"[\s()/\-:.,]*")
_ADDENDUM_REVIEW: Final = re.compile(r"\s*(?:Review|Final)\s*:", re.I)
_ADDENDUM_PATHOLOGIST: Final = re.compile(r"s?\s*:\s*Pathologist", re.I)
# "(?<=[.\s])[A-H]\s?[:.)]\s+[A-Z][A-Za-z]", with the look-behind after the first character so the
# regex engine can skip ahead to a capital A-H (the same matches, about 3x faster).
_SPECIMEN_HEAD: Final = re.compile(r"[A-H](?<=[.\s][A-H])\s?[:.)]\s+[A-Z][A-Za-z]")


# The stops looked for in windows only on the keyword path (ReportContext.lazy_stop), and how far past a window a
# match of theirs may reach (longer than any on the keyword path: white-space runs of at most 24 characters).
_LAZY_STOPS: Final = (P.FIELD_STOP, P.OTHER_MARKER_CAPS)
_LAZY_SLACK: Final = 200


# The words every match of those stops starts with (lower-cased text; the markers in capitals), searched in one pass.
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    rx = words_rx(words)  # (the scanner's cached alternation of the words)
    assert rx is not None
    return rx


_FIELD_WORD: Final = _words(P.FIELD_STOP_WORDS)
_CAPS_WORD: Final = _words(P.CAPS_MARKER_WORDS)
_LONGEST_WORD: Final = max(len(w) for w in (*P.FIELD_STOP_WORDS, *P.CAPS_MARKER_WORDS))
_SHORT: Final = 8  # up to this many passages, a look-up reads them one by one
_SPACES: Final = re.compile(r"\s*")


class _Regions:
    """The first of a list of ``(start, end)`` passages, in text order, that holds a position, found by
    bisection: the answer of a loop over the list, in O(log n) instead of O(n) (a report with a passage per
    sentence would otherwise cost n^2)."""

    __slots__ = ("_reach", "_starts")

    def __init__(self, regions: list[tuple[int, int]]) -> None:
        # Passages are found in text order (``Scanner.starts``), so their starts are sorted.
        self._starts = [a for a, _ in regions]
        reach: list[int] = []
        top = -1
        for _, b in regions:
            top = max(top, b)
            reach.append(top)
        self._reach = reach  # the furthest end among the passages up to each one

    def first(self, pos: int) -> int:
        """The index of the first passage with ``start <= pos < end``, else -1."""
        k = bisect.bisect_right(self._starts, pos)  # passages [0, k) start at or before pos
        if k == 0 or self._reach[k - 1] <= pos:
            return -1
        # The first passage whose running furthest end passes pos: its own end does, no earlier one's does.
        return bisect.bisect_right(self._reach, pos, 0, k)


@dataclass
class ReportContext:
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
    # ``stops`` without the HER2 names, for next_stop_past_her2 (built on first use).
    _other_stops: list[int] | None = field(init=False, default=None)
    # Look-ups for is_excluded and quote when there are many passages (built on first use).
    _excluded_at: _Regions | None = field(init=False, default=None)
    _quoted_at: _Regions | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.low = self.scan.low if self.scan.fast else None

    def is_excluded(self, pos: int) -> bool:
        excluded = self.excluded
        if len(excluded) <= _SHORT:
            return any(a <= pos < b for a, b in excluded)
        if self._excluded_at is None:
            self._excluded_at = _Regions(excluded)
        return self._excluded_at.first(pos) >= 0

    def quote(self, pos: int) -> tuple[bool, bool]:
        """(inside a quoted passage, the passage names a biopsy)."""
        quoted = self.quoted
        if len(quoted) <= _SHORT:
            for a, b, biopsy in quoted:
                if a <= pos < b:
                    return True, biopsy
            return False, False
        if self._quoted_at is None:
            self._quoted_at = _Regions([(a, b) for a, b, _ in quoted])
        i = self._quoted_at.first(pos)
        return (True, quoted[i][2]) if i >= 0 else (False, False)

    def in_addendum(self, pos: int) -> bool:
        return self.addendum_at is not None and pos >= self.addendum_at

    def rank(self, pos: int) -> tuple[int, int, int]:
        return (0 if self.quote(pos)[0] else 1, 1 if self.in_addendum(pos) else 0, pos)

    def next_stop(self, pos: int, reach: int) -> int:
        """The first stop after ``pos`` (another marker, a section, a HER2 name), else the end; a caller reads at most
        ``reach`` characters after ``pos``, so a stop further away may be missed (the window ends first)."""
        i = bisect.bisect_right(self.stops, pos)
        found = self.stops[i] if i < len(self.stops) else len(self.text)
        lazy = self.lazy_stop(pos + 1, min(found, pos + reach))
        return found if lazy is None else lazy

    def next_stop_past_her2(self, pos: int, reach: int) -> int:
        """The first stop after ``pos`` that is not a HER2 name (another marker, a section), else the end; as
        :meth:`next_stop`, exact within ``reach``."""
        other = self._other_stops
        if other is None:
            # Built once per report: rebuilding the set of names and walking past them on every call made a
            # report of n HER2 sentences cost n^2 (16,000 sentences: 38 s).
            names = {a for a, _ in self.her2}
            other = self._other_stops = [s for s in self.stops if s not in names]
        i = bisect.bisect_right(other, pos)
        found = other[i] if i < len(other) else len(self.text)
        lazy = self.lazy_stop(pos + 1, min(found, pos + reach))
        return found if lazy is None else lazy

    def lazy_stop(self, lo: int, hi: int) -> int | None:
        """The first start ``lo <= s < hi`` of a stop left out of ``stops`` on the keyword path (patterns.FIELD_STOP,
        patterns.OTHER_MARKER_CAPS: common words, cheaper to look for in a window than in the whole text), else
        None (also off the keyword path, where ``stops`` holds them). The pattern may read up to _LAZY_SLACK
        characters past ``hi`` (a match starting before ``hi`` may end after it); on the keyword path no white-space
        run is longer than 24 characters, so every match is shorter than that."""
        low = self.low
        if low is None or hi <= lo:
            return None
        text = self.text
        end = min(len(text), hi + _LAZY_SLACK)
        # Every match starts with one of its words (lower-cased; capitals for the markers): the pattern is tried only
        # where one starts before ``hi`` (it may end after it), in order.
        best: int | None = None
        last = min(len(text), hi + _LONGEST_WORD)
        w = low[lo:last]
        for word in P.FIELD_STOP_WORDS:  # (plain look-ups first: the alternation search is slower)
            if word in w:
                c = _FIELD_WORD.search(low, lo, last)
                break
        else:
            c = None
        while c is not None and c.start() < hi:
            if P.FIELD_STOP.match(text, c.start(), end) is not None:
                best = c.start()
                break
            c = _FIELD_WORD.search(low, c.start() + 1, last)
        t = text[lo:last]
        c = _CAPS_WORD.search(text, lo, last) if ("AR" in t or "MET" in t or "MMR" in t) else None
        while c is not None and c.start() < (hi if best is None else best):
            if P.OTHER_MARKER_CAPS.match(text, c.start(), end) is not None:
                return c.start()
            c = _CAPS_WORD.search(text, c.start() + 1, last)
        return best

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def _her2_anchors(scan: Scanner) -> list[tuple[int, int]]:
    """HER2 names, with runs such as "HER2/NEU (HERCEPTEST)" merged into one."""
    text = scan.text
    out: list[tuple[int, int]] = []
    for m in scan.starts(P.HER2, HER2_WORDS, offsets=HER2_OFFSETS):
        if out:
            gap = text[out[-1][1] : m.start()]
            if len(gap) <= 6 and _HER2_GAP.fullmatch(gap):
                out[-1] = (out[-1][0], m.end())
                continue
        out.append((m.start(), m.end()))
    return out


def _addendum_start(scan: Scanner, her2: list[tuple[int, int]]) -> int | None:
    text = scan.text
    for m in scan.starts(P.ADDENDUM, ADDENDUM_WORDS):
        if text[m.start()] in "cCrR" and not (her2 and her2[0][0] < m.start()):
            continue  # (a correction's banner at the top, not an addendum)
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


def read_context(text: str) -> ReportContext:
    """The context of ``text``. A checkbox template is read with the options of empty boxes and the ticked boxes
    blanked (checkbox.mask_checkboxes: same length and sentence bounds); evidence sentences are taken from the text as
    written."""
    shown = text
    text = own_subs_replaced(text)
    scan = Scanner(text, INDEX)
    box_warnings: list[str] = []
    if boxes_possible(text, scan):
        masked, box_warnings = mask_checkboxes(text)
        if masked != text:
            text = masked
            scan = Scanner(text, INDEX)
    # Lower-case words found now so that their case-sensitive look-ups (OTHER_MARKER, SECTION_BREAK,
    # ER_NAME, PR_NAME) filter these hits instead of scanning the text again.
    # ("pr" first: "progesteron", "prior" and "previous" are read off its hits; see scan._PREFIX_OF.)
    scan.warm(*WARM_WORDS)
    low = scan.low if scan.fast else None
    sents = Sentences(shown)
    excluded = []
    for m in scan.starts(P.ONCOTYPE, ONCOTYPE_WORDS, offsets=ONCOTYPE_OFFSETS):
        end = min(len(text), m.start() + ONCOTYPE_REACH)
        stop = scan.search_in(P.ONCOTYPE_END, text, 0, ONCOTYPE_END_WORDS, m.end(), end)
        excluded.append((m.start(), stop.start() if stop else end))
    quoted = []
    for m in scan.starts(P.QUOTED, QUOTED_WORDS, anchor_ok=QUOTED_OK):
        reach = 2 * QUOTE_REACH if m.group(0).lower().startswith("clinical") else QUOTE_REACH
        end = min(len(text), m.end() + reach)
        # "Indication: ..." covers its own sentence only (fifth review, A3).
        if m.group(0)[:3].lower() == "ind":
            spaces = _SPACES.match(text, m.end())
            end = min(end, sents.bounds(m.end() if spaces is None else spaces.end())[1])
        brk = scan.search_in(P.SECTION_BREAK, text, 0, SECTION_EXACT, m.end(), end, case=True)
        # A specimen heading ("B: Lymph node", "C. SENTINEL") also ends the quoted passage.
        head = _SPECIMEN_HEAD.search(text, m.end() + 40, end)
        # The report's own specimen ("Diagnosis:", "the current specimen") ends it too (P.QUOTE_END).
        own = scan.search_in(P.QUOTE_END, text, 0, QUOTE_END_WORDS, m.end(), end)
        # Passed over, in one loop: a current specimen named in the quoting sentence itself ("Clinical history: ...,
        # HER2 3+ on core biopsy, s/p neoadjuvant TCHP, this mastectomy for residual disease") is the history's; inside
        # a clinical history, "Diagnosis:" ends the passage only as a real heading (P.HISTORY_HEADING).
        history = reach != QUOTE_REACH
        while own is not None and (
            (history and P.HISTORY_HEADING.match(text, own.start()) is None)
            if own.group(0)[0] in "dD"
            else sents.bounds(own.start())[0] <= m.start()
        ):
            own = scan.search_in(P.QUOTE_END, text, 0, QUOTE_END_WORDS, own.end(), end)
        # (From the start of that sentence: "HER2 testing on the current specimen shows 1+".)
        own_at = None if own is None else max(m.end(), sents.bounds(own.start())[0])
        stops = [x.start() for x in (brk, head) if x is not None] + ([] if own_at is None else [own_at])
        end = min([end, *stops])
        w0, w1 = max(0, m.start() - 40), min(len(text), m.end() + 60)
        quoted.append((m.start(), end, _biopsy_named(text, low, w0, w1)))
    her2 = _her2_anchors(scan)
    stops = sorted(
        {
            m.start()
            for m in scan.starts(
                P.OTHER_MARKER, exact=OTHER_MARKER_EXACT, offsets=(CADHERIN,), word_start=True
            )
        }
        | {
            m.start()
            for m in scan.starts(P.OTHER_MARKER_I_STOP, OTHER_MARKER_I_WORDS, offsets=(KI67, CADHERIN))
        }
        | {a for a, _ in her2}
        | {m.start() for m in scan.starts(P.SECTION_BREAK, exact=SECTION_EXACT)}
        # (On the keyword path the grade and synoptic fields and the capitals-only markers are looked for only in
        # the windows after a name: ReportContext.lazy_stop.)
        | (set() if low is not None else {m.start() for rx in _LAZY_STOPS for m in rx.finditer(text)})
    )
    return ReportContext(
        text, sents, excluded, quoted, _addendum_start(scan, her2), her2, stops, scan, warnings=box_warnings
    )


# Every match of P.HER2 holds one of these (lower-cased), starting at most _HER2_KEY_REACH characters after the match's
# start ("c- erbB-2"; see keywords.HER2_WORDS, HER2_OFFSETS).
_HER2_KEYS: Final = (*HER2_WORDS, *(w for w, _ in HER2_OFFSETS))
_HER2_KEY_REACH: Final = max(o for _, offs in HER2_OFFSETS for o in offs)


def her2_in(ctx: ReportContext, lo: int, hi: int) -> bool:
    """``P.HER2.search(ctx.text[lo:hi]) is not None``. On the keyword path a match holds a key of _HER2_KEYS that starts
    inside the segment, so the search starts a few characters before the first such key (none: no match, and no
    slice); the regex pattern opens with a look-behind and no literal, so it costs a full attempt at every character
    it passes."""
    t = ctx.scan.first_start(_HER2_KEYS, lo)
    if t is None:
        return P.HER2.search(ctx.text[lo:hi]) is not None
    if t >= hi:
        return False
    return P.HER2.search(ctx.text[lo:hi], max(0, t - lo - _HER2_KEY_REACH)) is not None


def ish_technique_in(ctx: ReportContext, lo: int, hi: int) -> bool:
    """``P.ISH_TECHNIQUE.search(ctx.text[lo:hi]) is not None``."""
    return ctx.scan.search_in(P.ISH_TECHNIQUE, ctx.text[lo:hi], lo, ISH_TECHNIQUE_WORDS) is not None


def other_target_possible(ctx: ReportContext, lo: int, hi: int) -> bool:
    """False only if ``text[lo:hi]`` names no ISH target other than HER2 (patterns.OTHER_ISH_TARGET: every match holds
    one of OTHER_TARGET_WORDS, lower-cased, or "MET"), so the other-target checks there can be skipped."""
    lo, hi = max(0, lo), min(len(ctx.text), hi)
    if ctx.low is None:
        return True
    # (The words are in the keyword index: their hits answer without a search of the window.)
    return ctx.scan.occurs_within(OTHER_TARGET_WORDS, lo, hi) or "MET" in ctx.text[lo:hi]


def evidence(ctx: ReportContext, start: int, end: int) -> Evidence:
    return Evidence(start=start, end=end, sentence=ctx.sents.around(start, end))


def legend_pair(
    segment: str,
    low: str | None = None,
    end: int | None = None,
    *,
    scan: Scanner | None = None,
    base: int = 0,
) -> bool:
    """Two different status words side by side ("Negative 0-1+, Equivocal 2+"): a legend, not a result.

    ``segment[:end]`` is read; ``low`` is ``segment`` lower-cased (see scan.finditer_at) or None. With ``scan``,
    ``segment`` is ``scan.text[base : base + len(segment)]`` and the status words are read off its keyword hits."""
    prev: tuple[str, int] | None = None
    matches = (
        finditer_at(P.STATUS_WORD, segment, low, STATUS_STARTS, 0, end)
        if scan is None
        else scan.finditer_in(P.STATUS_WORD, segment, base, STATUS_STARTS, 0, end)
    )
    for m in matches:
        value = status_of(m.group(1)) or m.group(1).lower().split()[0]
        if (
            prev is not None
            and prev[0] != value
            and m.start() - prev[1] <= _LEGEND_GAP
            and P.CONTROL_PAIR_AFTER.match(segment, m.end(), len(segment) if end is None else end) is None
        ):
            return True
        prev = (value, m.end())
    return False


def status_of(word: str) -> Status | None:
    w = " ".join(word.lower().split())
    if w.startswith(("weakly", "low", "indeterminate")):
        return None
    if w.startswith("neg"):
        return "negative"
    if w.startswith(("equivocal", "borderline")):
        return "equivocal"
    return "positive"


LABEL_AFTER_REACH: Final = 150  # (TCGA-AR-A1AM: the label 127 characters after the value)
# Not ",." nor ".,": OCR strays ("(FISH,. performed in Laboratory Genetics) (blocks B2 and B4)").
_LABEL_AFTER_STOP: Final = re.compile(r"[;\n]|(?<!,)\.(?![\d,])")


def specimen_id(ctx: ReportContext, lo: int, hi: int, near: int) -> str | None:
    best: tuple[int, str] | None = None
    for m in ctx.scan.finditer_in(
        P.SPECIMEN_ID, ctx.text, 0, SPECIMEN_ID_WORDS, max(0, lo), min(len(ctx.text), hi)
    ):
        if m.group("part"):
            label = f"part {m.group('part')}"
        else:
            label = m.group("id").upper()
            if m.group("id2"):
                label = f"{label}, {m.group('id2').upper()}"
        # A label before the value (a heading, "Block Number: E18") wins over one after it. A label after it counts
        # only right after it in its sentence ("3+ (block A1)"), not in the next sentence or line ("Repeat IHC on
        # block B3 is pending", the next specimen's heading).
        if m.start() > near and (
            m.start() - near > LABEL_AFTER_REACH or _LABEL_AFTER_STOP.search(ctx.text, near, m.start())
        ):
            continue
        dist = near - m.start() if m.start() <= near else 10_000 + m.start() - near
        if best is None or dist < best[0]:
            best = (dist, label)
    return best[1] if best else None


def status_refused(window: str, start: int, end: int) -> str | None:
    """Why the status word ``window[start:end]`` is not read: "negated" ("not positive", "HER2-positive: No"),
    "heading" (it heads the next list: "Positive: CK5/6, EGFR"), "definition" (it heads the alternatives that define
    it: "HER2 positive: IHC 3+ or ISH amplified"), "control" (it qualifies a control: "positive control stains
    appropriately"); None when it is read."""
    if P.STATUS_ANSWERED_NO.match(window, end) or P.NEGATION_BEFORE.search(
        window[max(0, start - 12) : start]
    ):
        return "negated"
    if P.STATUS_HEADING_AFTER.match(window, end):
        return "heading"
    extra = P.STATUS_DEFINED_OR_CONTROL.match(window, end)  # (one pattern for both: fewer calls)
    if extra is None:
        return None
    return "definition" if extra.lastgroup == "definition" else "control"


def control_or_condition(text: str, low: str | None, start: int) -> bool:
    """The name at ``start`` stands in a control statement ("Controls: External positive control (HER2 3+ ...")
    or a condition ("if HER2 IHC is 2+, reflex FISH ..."), judged from the text before it in its sentence: what
    follows is no result of the patient's."""
    lo = max(0, start - 70)
    if low is not None:
        w = low[lo:start]
        # (plain look-ups first: "if" stands inside many words, "specified", "identified", so only then the search)
        if not ("control" in w or "unless" in w or "whether" in w or "should" in w) and (
            "if" not in w or _CONTROL_OR_CONDITION_WORD.search(w) is None
        ):
            return False
    if low is None:
        return bool(
            P.CONTROL_BEFORE.search(text, lo, start)
            or P.CONDITION_BEFORE.search(text, max(0, start - 50), start)
        )
    # The patterns end with a clause gap (P.CONTROL_GAP, P.CONDITION_GAP) and "$": they hold when the gap after the
    # last such word before ``start`` is one (an earlier word's gap holds the later word's, which breaks it too, or is
    # longer), so only the last word is checked.
    return _last_word_within(_CONTROL_WORD, text, lo, start, P.CONTROL_GAP) or _last_word_within(
        _CONDITION_WORD, text, max(0, start - 50), start, P.CONDITION_GAP
    )


# "control", or a condition word standing alone (no ASCII letter right before or after it, as the patterns'
# look-arounds require: not the "if" of "specified"), in the lower-cased text before a name: one search.
_CONTROL_OR_CONDITION_WORD: Final = re.compile(r"control|(?<![a-z])(?:if|unless|whether|should)(?![a-z])")


_CONTROL_WORD: Final = re.compile(r"(?<![A-Za-z])controls?(?![A-Za-z])", re.I)
_CONDITION_WORD: Final = re.compile(r"(?<![A-Za-z])(?:if|unless|whether|should)(?![A-Za-z])", re.I)


def _last_word_within(word: re.Pattern[str], text: str, lo: int, start: int, gap: re.Pattern[str]) -> bool:
    """Whether the text between the last match of ``word`` in ``text[lo:start]`` and ``start`` is a ``gap`` (the
    same clause, close enough)."""
    last = None
    for last in word.finditer(text, lo, start):  # noqa: B007 (the last one is wanted)
        pass
    return last is not None and gap.fullmatch(text, last.end(), start) is not None


@dataclass
class Statement:
    value: str
    pos: int
    rank: tuple[int, int, int]
    specimen_id: str | None = None


def bad_value(window: str, start: int, end: int, wlow: str | None = None, *, ish_ok: bool = False) -> bool:
    """A value that belongs to a legend, a control, a guideline or (for IHC) an ISH statement.

    ``wlow``: ``window`` lower-cased (see scan.finditer_at) or None."""
    between = window[:start]
    lm = (
        search_at(P.LEGEND, window, wlow, LEGEND_STARTS, 0, start)
        if wlow is not None
        else P.LEGEND.search(between)
    )
    if lm is not None and lm.group(0).lower() == "criteria":
        # "HER2 (Hofmann criteria): 3+": the scoring system named in the name's parentheses, not a legend, unless
        # another legend word follows or the value is defined ("3+ = strong ...", "0: no reactivity").
        nm = P.NAME_CRITERIA.match(window)
        if nm is not None and lm.end() <= nm.end() <= start:
            lm = (
                search_at(P.LEGEND, window, wlow, LEGEND_STARTS, nm.end(), start)
                if wlow is not None
                else P.LEGEND.search(between, nm.end())
            )
            if lm is None and P.DEFINED_AFTER.match(window, end):
                return True
    if lm is not None and lm.group(0).lower() in P.CITATION_LEGEND_WORDS:
        # "HER2 status (ASCO/CAP 2018 guidelines): 2+": a guideline cited in brackets, not a legend, unless the value is
        # defined after it (sixth review, 2)
        lm, cited = P.past_citations(
            window,
            lm,
            lambda pos: (
                search_at(P.LEGEND, window, wlow, LEGEND_STARTS, pos, start)
                if wlow is not None
                else P.LEGEND.search(between, pos)
            ),
            start,
        )
        if cited and lm is None and P.DEFINED_AFTER.match(window, end):
            return True
    if lm is not None:
        return True
    after = window[end:]
    if P.legend_after(after):
        return True
    if _FOLLOWED_BY_FOR.match(after):
        return True
    if ish_ok:
        return False
    return may_contain(None if wlow is None else wlow[:start], ISH_BETWEEN_WORDS) and bool(
        _ISH_BETWEEN.search(between)
    )
