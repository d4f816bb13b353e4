"""ER and PR statements: a sign, a status word, a percentage of stained nuclei or an Allred score read
after an ER or PR name, and "positive for ER and PR".
"""

from __future__ import annotations

import bisect
import re
from typing import Final

from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.checkbox import MASK, stretch
from her2kit.extract.context import (
    SIGN_AFTER,
    ReportContext,
    Statement,
    bad_value,
    legend_pair,
    status_of,
    status_refused,
)
from her2kit.extract.keywords import (
    ER_EXACT,
    ER_PR_BOTH_ANCHORS,
    ER_PR_BOTH_OK,
    ER_PR_BOTH_PREV,
    ER_PR_BOTH_WORDS,
    ER_WORDS,
    LEGEND_STARTS,
    PR_EXACT,
    PR_WORDS,
    RECEPTOR_BETWEEN_RX,
    STATUS_FOR_WORDS,
    STATUS_STARTS,
)
from her2kit.extract.scan import may_contain, search_at

RECEPTOR_WINDOW: Final = 100
VALUE_REACH: Final = 90  # a percentage or a status word this close after the name
_RECEPTOR_BETWEEN: Final = re.compile(r"=|calculated|proportion|\bsum\b|allred\s+score\s+for|h-?score", re.I)


def _receptor_between(window: str, wlow: str | None, end: int) -> bool:
    """``_RECEPTOR_BETWEEN.search(window[:end])``, skipped when none of its words is there."""
    if wlow is not None and RECEPTOR_BETWEEN_RX.search(wlow, 0, end) is None:
        return False
    return bool(_RECEPTOR_BETWEEN.search(window[:end]))


# The characters a P.PERCENT match may hold before its first digit: a comparison word ("greater than") and white space.
_BEFORE_PERCENT_RUN: Final = re.compile(r"[\s<>≥≤~A-Za-z]*")
_DIGIT: Final = re.compile(r"[0-9]")
# The longest such run in a match on the keyword path: "greater", a white-space run, "than", another (scan.py: white-space
# runs of at most 24 characters).
_BEFORE_PERCENT_MAX: Final = len("greater") + 24 + len("than") + 24


def _first_percent(window: str, wlow: str | None, end: int = VALUE_REACH) -> re.Match[str] | None:
    """``P.PERCENT.search(window, 0, end)``. The pattern opens with an optional comparison word, so a search costs a
    full attempt at every character; on the keyword path (``wlow``; digits are ASCII there) a match starts at its first
    digit or in the run of comparison-word and white-space characters right before it, so no match starts before the
    first digit's run (a later digit's match starts after the first digit)."""
    if wlow is None:
        return P.PERCENT.search(window, 0, end)
    d = _DIGIT.search(window, 0, end)
    if d is None:
        return None  # (every match holds a digit)
    first = d.start()
    lo = max(0, first - _BEFORE_PERCENT_MAX)
    run = _BEFORE_PERCENT_RUN.match(window[lo:first][::-1])
    return P.PERCENT.search(window, first - (0 if run is None else run.end()), end)


def _legend_before(window: str, wlow: str | None, end: int) -> bool:
    """``P.LEGEND.search(window[:end].replace(">", "").replace("<", ""))``, on the keyword path through the words that
    open every match (as context.bad_value), passing over a guideline cited in brackets (P.past_citations)."""
    segment = window[:end].replace(">", "").replace("<", "")
    low = None if wlow is None else wlow[:end].replace(">", "").replace("<", "")

    def search(pos: int) -> re.Match[str] | None:
        return (
            P.LEGEND.search(segment, pos)
            if low is None
            else search_at(P.LEGEND, segment, low, LEGEND_STARTS, pos)
        )

    lm = search(0)
    if lm is not None:  # "ER (per ASCO/CAP 2020 guideline): 5%": a guideline cited (sixth review, 2)
        lm, _ = P.past_citations(segment, lm, search, len(segment))
    return lm is not None


def receptor_statements(ctx: ReportContext) -> tuple[list[Statement], list[Statement]]:
    text = ctx.text
    anchors: list[tuple[int, int, frozenset[str]]] = []
    both_spans = []
    scan = ctx.scan
    for m in scan.starts(
        P.ER_PR_BOTH,
        ER_PR_BOTH_WORDS,
        word_start=True,
        near=(ER_PR_BOTH_ANCHORS, 64),
        anchor_prev=ER_PR_BOTH_PREV,
        anchor_ok=ER_PR_BOTH_OK,
    ):
        anchors.append((m.start(), m.end(), frozenset({"er", "pr"})))
        both_spans.append((m.start(), m.end()))
    both_starts = [a for a, _ in both_spans]
    for matches, name in (
        (scan.starts(P.ER_NAME, ER_WORDS, exact=ER_EXACT, word_start=True), "er"),
        (scan.starts(P.PR_NAME, PR_WORDS, exact=PR_EXACT, word_start=True), "pr"),
    ):
        for m in matches:
            # (The "ER and PR" spans come from one scan: sorted and not overlapping, so the last one starting
            # at or before this name is the only one that can hold it.)
            k = bisect.bisect_right(both_starts, m.start())
            if k and m.start() < both_spans[k - 1][1]:
                continue
            anchors.append((m.start(), m.end(), frozenset({name})))
    anchors.sort()
    starts = sorted({a for a, _, _ in anchors} | set(ctx.stops))
    tlow = ctx.low
    er: list[Statement] = []
    pr: list[Statement] = []

    def emit(names: frozenset[str], value: str, pos: int, pct: tuple[float, float] | None) -> None:
        for name in names:
            v = value
            if name == "er" and v == "positive" and pct is not None and pct[0] >= 1 and pct[1] <= 10:
                ctx.warn("ER positive in 1-10% of cells read as ER-low (ASCO/CAP 2020)")
                v = "low"
            if name == "pr" and v == "low":
                v = "positive"
            (er if name == "er" else pr).append(Statement(v, pos, ctx.rank(pos)))

    # Blanked checkbox options do not count in the reaches after a name (checkbox.stretch).
    masked = MASK in text
    for a_start, a_end, names in anchors:
        if ctx.is_excluded(a_start):
            continue
        rw = stretch(text, a_end, RECEPTOR_WINDOW) if masked else RECEPTOR_WINDOW
        vr = stretch(text, a_end, VALUE_REACH) if masked else VALUE_REACH
        i = bisect.bisect_left(starts, a_end)
        nxt = starts[i] if i < len(starts) else len(text)
        lazy = ctx.lazy_stop(a_end, min(nxt, a_end + rw))  # (grade and synoptic fields: context.py)
        w_end = min(a_end + rw, nxt if lazy is None else lazy)
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
        sm = SIGN_AFTER.match(window)
        if sm:
            emit(names, "positive" if sm.group(1) == "+" else "negative", a_start, None)
            continue
        if P.RECEPTOR_ABSENT.match(window):
            emit(names, "negative", a_start, None)
            continue
        # "ER/PR: 95%/0%", "ER and PR: positive in 95% and 0% respectively": each value is its receptor's, in order
        # (fifth review, B2).
        pair = P.receptor_pair(window) if len(names) == 2 else None
        base = a_end  # (where the pair's offsets count from)
        if pair is None and len(names) == 2 and text[a_end : a_end + 30].lstrip().startswith("/"):
            # "ER/PR/HER2: +/-/-": ER's and PR's values of the three; "ER/PR/HER2: negative.": one for all (sixth review,
            # 3). Matched in the text: the HER2 name ends the window.
            pair, base = P.receptor_triple(text, a_start, a_end), 0
            if pair is not None and pair.group("all"):
                emit(names, P.sign_or_status(pair.group("all")), pair.start("all"), None)
                continue
        if pair is not None:
            for name, g in (("er", "a"), ("pr", "b")):
                value, warning = P.pair_category(pair.group(g))
                if warning is not None:
                    ctx.warn(warning)
                if value is not None:
                    emit(frozenset({name}), value, base + pair.start(g), None)
            continue
        if legend_pair(window, wlow, scan=scan, base=a_end):
            continue
        pct = None
        # (The first match only: every pass of this loop ends in a break.)
        for pm in (_first_percent(window, wlow, vr),) if "%" in window[:vr] else ():
            if pm is None:
                break
            if _legend_before(window, wlow, pm.start()) or _receptor_between(window, wlow, pm.start()):
                break
            lo_v = P.percent_number(pm.group("lo"))
            hi_v = P.percent_number(pm.group("hi")) if pm.group("hi") else lo_v
            if lo_v is None or hi_v is None:  # a comma form that is not plainly one decimal number
                ctx.warn(P.PERCENT_NOT_DECIMAL_WARNING)
                break
            lo, hi = lo_v, hi_v
            cmp = (pm.group("cmp") or "").lower()
            if cmp in ("<", "less than", "≤"):
                lo, hi = (0.0, hi) if hi > 1 else (0.0, 0.0)
            elif cmp in (">", "over", "more than", "greater than", "≥"):
                hi = 100.0
            pct = (lo, hi)
            break
        wm = scan.search_in(P.STATUS_WORD, window, a_end, STATUS_STARTS, 0, vr)
        k = 0  # (where the status is judged from)
        refused = None if wm is None else status_refused(window, wm.start(), wm.end())
        if wm and refused == "control":
            # "ER: positive control stains appropriately; tumour cells negative": the tumour's status after the
            # control's clause, judged from there (fifth review, B3)
            ce = P.CLAUSE_END.search(window, wm.end(), vr)
            k = 0 if ce is None else ce.end()
            wm = None if ce is None else scan.search_in(P.STATUS_WORD, window, a_end, STATUS_STARTS, k, vr)
            refused = None if wm is None else status_refused(window, wm.start(), wm.end())
        if wm and refused is not None:
            # "ER: not positive", "Positive: CK5/6, EGFR" (a heading of the next list): not the status; a percentage
            # or an Allred score before it still is ("ER: 90% strong. Positive: CK5/6, EGFR")
            wm = None
        if (
            wm
            and not bad_value(
                window[k:], wm.start() - k, wm.end() - k, None if wlow is None else wlow[k:], ish_ok=True
            )
            and not _receptor_between(window[k:], None if wlow is None else wlow[k:], wm.start() - k)
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
            category, warning = P.percent_category(*pct)
            if category is not None:
                emit(names, category, a_start, None)
            if warning is not None:
                ctx.warn(warning)
            continue
        am = (
            P.ALLRED.search(window, 0, 60)
            if may_contain(None if wlow is None else wlow[:60], ("allred",))
            else None
        )
        if am and not _receptor_between(window, wlow, am.start()):
            ps = P.ALLRED_PROPORTION.match(window, am.end())
            sm = P.ALLRED_SUM.match(window, am.end()) if "=" in window[am.end() : am.end() + 12] else None
            if sm is not None:  # "Allred score 2+2=4": proportion score + intensity score = total
                prop, inten, total = int(am.group(1)), int(sm.group(1)), int(sm.group(2))
                if prop > 5 or inten > 3 or prop + inten != total:
                    ctx.warn(P.ALLRED_SUM_WARNING)
                elif prop <= 2:
                    ctx.warn(P.ALLRED_PROPORTION_WARNING)
                    emit(names, "negative" if prop <= 1 else "low", a_start, None)
                else:
                    emit(names, "positive", a_start, None)
            elif ps is not None and int(ps.group(1)) <= 2:
                ctx.warn(P.ALLRED_PROPORTION_WARNING)
                emit(names, "negative" if int(ps.group(1)) <= 1 else "low", a_start, None)
            else:
                total = int(am.group(1))
                unclear = P.allred_total_unclear(total, names) if ps is None else frozenset()
                if unclear:
                    ctx.warn(P.ALLRED_TOTAL_WARNING)
                emit(names - unclear, "negative" if total <= 2 else "positive", a_start, None)
    # "positive for ER and PR", "negative for PR"
    for m in scan.starts(P.STATUS_FOR_MARKER, STATUS_FOR_WORDS):
        if ctx.is_excluded(m.start()):
            continue
        names_text = m.group("names")
        value = status_of(m.group("status")) or "positive"
        found: set[str] = set()
        if re.search(r"\bER\b|estrogen", names_text, re.I):
            found.add("er")
        if re.search(r"\bPR\b|PgR|progesteron", names_text, re.I):
            found.add("pr")
        emit(frozenset(found), value, m.start(), None)
    return er, pr
