"""HER2 statements read after a HER2 name: the stated status and the IHC score (with its percentage of
cells, assay and specimen), and HER2 values given without a score (image analysis).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.checkbox import MASK, stretch
from her2kit.extract.context import (
    SIGN_AFTER,
    ReportContext,
    Statement,
    Status,
    bad_value,
    control_or_condition,
    legend_pair,
    specimen_id,
    status_of,
    status_refused,
)
from her2kit.extract.keywords import (
    IHC_ASSAY_STARTS,
    SCORE_AFTER_STATUS_WORDS,
    SCORE_AFTER_WORD_WORDS,
    STATUS_STARTS,
)
from her2kit.extract.scan import Scanner, finditer_at, may_contain, search_at
from her2kit.vocab import ZERO_PLUS_READ_AS_0

WINDOW: Final = 220  # characters read after a HER2 name
STATUS_REACH: Final = 110  # a status word must stand this close to the name
PLUS_REACH: Final = 130  # a plus score (and a legend's pair of status words) this close
ULTRALOW_AFTER_SCORE: Final = 60  # "0 with faint staining (ultralow)": the word this close after the score
# "Blocks A3 and B2, HER2 IHC: 3+ and 1+, respectively": the labels of a "respectively" list at most this far back
RESPECTIVE_LABELS_BEFORE: Final = 60

_SCORE_CANON: Final[dict[str, str]] = {"zero": "0", "zoro": "0", "null": "0"}
_SCORE_STATUS: Final[dict[str, Status]] = {
    "0": "negative",
    "1+": "negative",
    "2+": "equivocal",
    "3+": "positive",
    "ultralow": "negative",
}
_RT_SCORE: Final = re.compile(r"^\s*score\s*[:=]?\s*(\d{1,3}(?:[.,]\d+)*)(?![\d+])", re.I)
_STATUS_FOR_BEFORE: Final = re.compile(rf"({P._POS}|{P._NEG})\s+for\s+(?:the\s+)?$", re.I)
_PERCENT_AFTER_NAME: Final = re.compile(r"^[\s.:]{0,4}(\d{1,3}(?:[.,]\d+)*)\s*%")


@dataclass
class IhcItem:
    score: str
    start: int
    end: int
    rank: tuple[int, int, int]
    quoted: bool
    percent: float | None
    specimen_id: str | None
    specimen: Literal["biopsy", "resection"] | None
    assay: str | None


def _score(token: str, ctx: ReportContext, *, ultralow: bool = False) -> str:
    """The canonical IHC score of a token; ``ultralow``: the report states HER2-ultralow beside it."""
    t = "".join(token.lower().split())
    t = _SCORE_CANON.get(t, t)
    if t.startswith("+"):
        t = t[1:] + "+"
    if t == "ultralow" or (ultralow and t in ("0", "0+")):
        return "ultralow"
    if t == "0+":
        ctx.warn(ZERO_PLUS_READ_AS_0 + "ask the laboratory which")
        return "0"
    score = t if t.endswith("+") or t == "0" else t + "+"
    if ultralow:
        ctx.warn(f'HER2 IHC {score} beside "ultralow" wording: the score is read')
    return score


def _sign_status(value: str) -> Status:
    return "positive" if P.sign_or_status(value) == "positive" else "negative"


def _after_criteria(text: str, tlow: str | None, a_start: int) -> bool:
    """The name follows a legend heading ("Scoring criteria: HER2 3+: ..."), so its values are definitions."""
    lo = max(0, a_start - 40)
    if tlow is not None and ":" not in tlow[lo:a_start]:
        return False
    return bool(P.CRITERIA_BEFORE.search(text, lo, a_start))


def _ultralow(
    ctx: ReportContext, a_end: int, window: str, found: tuple[str, int, int] | None
) -> tuple[int, int] | None:
    """Where HER2-ultralow is stated for the name ending at ``a_end`` (offsets from ``a_end``): close to the name,
    or at most ULTRALOW_AFTER_SCORE characters after its score, also past a HER2 name ("0+ with faint staining
    in 5% of cells (HER2-ultralow)") but not into another marker or section; not negated ("not ultralow"),
    not in a legend, a guideline or a control."""
    if found is None:
        region, limit = window, STATUS_REACH
    else:
        limit = max(0, found[2]) + ULTRALOW_AFTER_SCORE
        # (the word may start at ``limit``: the region holds it whole)
        at = a_end + max(0, found[2])
        region = ctx.text[a_end : min(a_end + limit + 9, ctx.next_stop_past_her2(at, a_end + limit + 9 - at))]
    rlow = None if ctx.low is None else ctx.low[a_end : a_end + len(region)]
    m = P.ULTRALOW.search(region) if rlow is None or "ultra" in rlow else None
    if m is None or m.start() > limit or P.NEGATION_BEFORE.search(region[max(0, m.start() - 12) : m.start()]):
        return None
    if bad_value(region, m.start(), m.end(), rlow, ish_ok=True):
        return None
    at = a_end + m.start()
    if P.ULTRALOW_NOT_STATED_AFTER.match(region, m.end()) or P.ULTRALOW_HEDGE_BEFORE.search(
        ctx.text, max(0, at - 40), at
    ):
        ctx.warn(P.ULTRALOW_NOT_STATED_WARNING)
        return None
    return m.start(), m.end()


def her2_statements(ctx: ReportContext) -> tuple[list[Statement], list[IhcItem], list[int]]:
    """Stated HER2 statuses, IHC scores, and positions of HER2 values without a score (image analysis)."""
    text = ctx.text
    tlow = ctx.low
    statuses: list[Statement] = []
    ihcs: list[IhcItem] = []
    other_results: list[int] = []
    # Blanked checkbox options do not count in the reaches after a name (checkbox.stretch).
    masked = MASK in text
    her2 = ctx.her2
    for k, (a_start, a_end) in enumerate(her2):
        if ctx.is_excluded(a_start) or control_or_condition(text, tlow, a_start):
            continue
        # "ER/PR/HER2: +/-/-": HER2's value is the third, its stated status (sixth review, 3)
        # (every match has a "/" and only white space between it and the name)
        prev = text[a_start - 1] if a_start else ""
        slash = prev == "/" or (
            prev.isspace() and text[max(0, a_start - 20) : a_start].rstrip().endswith("/")
        )
        triple = P.receptor_triple_before(text, a_start) if slash else None
        if triple is not None and triple.group("c"):
            pos = triple.start("c")
            sid = specimen_id(ctx, pos - 150, pos + 60, pos)
            statuses.append(Statement(_sign_status(triple.group("c")), pos, ctx.rank(pos), sid))
            continue
        win = stretch(text, a_end, WINDOW) if masked else WINDOW
        status_reach = stretch(text, a_end, STATUS_REACH) if masked else STATUS_REACH
        plus_reach = stretch(text, a_end, PLUS_REACH) if masked else PLUS_REACH
        w_end = min(a_end + win, ctx.next_stop(a_end, win))
        # A HER2 name right after the score that restates its category ("HER2/neu: 0, HER2-null") does not cut off the
        # score: the window reaches to the restatement's end, for the score only (a legend's pair and the stated status
        # are read before the name, which reads its own; step 15, 6). Tried only where the window ends at the next name.
        restated = None
        cut: int | None = None  # (the window's length before it, when it reaches past a restating name)
        if k + 1 < len(her2) and w_end == her2[k + 1][0]:
            past = P.restated_after_score(text, a_end, w_end)
            if past is not None and past[0] <= a_end + win:
                cut = w_end - a_end
                w_end, restated = past
        window = text[a_end:w_end]
        wlow = None if tlow is None else tlow[a_end:w_end]
        # The score's scale in brackets right after the name ("HER2 IHC (0, 1+, 2+, 3+): 2+") is blanked: no value.
        sc = P.NAME_SCALE.match(window)
        if sc is not None:
            a, b = sc.span("scale")
            window = window[:a] + " " * (b - a) + window[b:]
            wlow = None if wlow is None else wlow[:a] + " " * (b - a) + wlow[b:]
        rank = ctx.rank(a_start)
        quoted, biopsy = ctx.quote(a_start)
        pair_reach = plus_reach if cut is None else min(plus_reach, cut)
        legend = legend_pair(window, wlow, pair_reach, scan=ctx.scan, base=a_end) or _after_criteria(
            text, tlow, a_start
        )
        negated: list[str] = []
        found = None if legend else _find_score(window, wlow, negated, plus_reach, scan=ctx.scan, base=a_end)
        if negated:
            ctx.warn(P.NEGATED_SCORE_WARNING)
        rng = None if legend or "+" not in window else search_at(P.SCORE_RANGE, window, wlow, _RANGE_STARTS)
        if (
            rng
            and (found is None or rng.start() <= found[1])
            and not bad_value(window, rng.start(), rng.end(), wlow)
        ):
            found = None
            # ("HER2 0-1+: Negative" in a scoring key)
            if P.defined_in_list(text, a_end + rng.start(), a_end + rng.end()):
                legend, rng = True, None
            else:
                ctx.warn(P.SCORE_RANGE_WARNING)
        else:
            rng = None
        if found is not None and P.defined_in_list(text, a_end + found[1], a_end + found[2]):
            legend, found = True, None  # "HER2 3+: Positive. HER2 2+: Equivocal.": a scoring key
        rest = None if found is None else P.range_rest(window, found[0], found[2])
        if rest is not None:  # "score 2-3", "intensity 1 to 3": a range, read as its first score before
            ctx.warn(P.SCORE_RANGE_WARNING)
            found, rng = None, rest
        reach = status_reach if found is None else min(status_reach, found[2] + 25)
        if cut is not None:
            reach = min(reach, cut)

        # RT-PCR (Oncotype DX) "Her2 Score: 10 Negative" or "8.9": not an IHC score.
        rt = _RT_SCORE.match(window)
        if rt and ("." in rt.group(1) or "," in rt.group(1) or float(rt.group(1)) > 3):
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
        sm = SIGN_AFTER.match(window)
        before = text[max(0, a_start - 30) : a_start]
        bm = (
            _STATUS_FOR_BEFORE.search(before)
            if tlow is None or tlow.find("for", max(0, a_start - 30), a_start) >= 0
            else None
        )
        if sm and P.SIGN_STATUS.match(window):
            status = "positive" if sm.group(1) == "+" else "negative"
        elif bm:
            status = status_of(bm.group(1))
            status_pos = a_start - len(before) + bm.start()
        elif not legend:
            wm = ctx.scan.search_in(P.STATUS_WORD, window, a_end, STATUS_STARTS, 0, reach)
            refused = None if wm is None else status_refused(window, wm.start(), wm.end())
            if refused is None and wm is not None and P.STATUS_OF_CELLS.match(window, wm.end()):
                refused = "cells"  # "positive in 5% of cells": which cells stained, not the status
            if refused is None and wm is not None and P.negated_before(text, a_start):
                refused = "negated"  # "not HER2 positive"
            if refused == "negated":
                ctx.warn(P.NEGATED_STATUS_WARNING)
            if wm and refused is None and not bad_value(window, wm.start(), wm.end(), wlow, ish_ok=True):
                status = status_of(wm.group(1))
                status_pos = a_end + wm.start()
                low = wm.group(1).lower()
                if low.startswith("weakly"):
                    ctx.warn('"weakly positive" HER2 wording not read as a stated status')
                elif low.startswith("indeterminate"):
                    ctx.warn("HER2 stated as indeterminate")
        if rng is not None and status not in (None, "negative") and not any(d in rng.group(0) for d in "23"):
            ctx.warn(f"HER2 stated as {status} beside a 0-1+ score range; status not read")
            status = None
        if status is not None:
            sid = specimen_id(ctx, status_pos - 150, status_pos + 60, status_pos)
            statuses.append(Statement(status, status_pos, ctx.rank(status_pos), sid))

        # IHC score.
        if found is None and rng is None and not legend:
            bt = (
                P.SCORE_BEFORE_NAME.search(text, max(0, a_start - 40), a_start)
                if "+" in text[max(0, a_start - 40) : a_start]
                else None
            )
            if bt and not ctx.is_excluded(bt.start()):
                found = (bt.group("score"), bt.start("score") - a_end, bt.end("score") - a_end)
        # (without a score, "ultralow" in a restating name after the window is that name's: it reads it itself)
        near = window if cut is None else window[:cut]
        ultra = None if legend or rng is not None else _ultralow(ctx, a_end, near, found)
        if found is None and ultra is None:
            continue
        if found is None:
            assert ultra is not None
            token, s0, s1 = "ultralow", ultra[0], ultra[1]
        else:
            token, s0, s1 = found
        score = _score(token, ctx, ultralow=ultra is not None)
        # "HER2 IHC blocks A3 and B2: 3+ and 1+ respectively": a score for each block (sixth review, 4)
        each = (
            P.respective_scores(text, max(0, a_start - RESPECTIVE_LABELS_BEFORE), a_end + s0, w_end)
            if found is not None and ultra is None and s0 >= 0 and (wlow is None or "respectiv" in wlow)
            else None
        )
        if found is not None and s1 >= 0 and each is None and _further_score(window, wlow, s1, score):
            ctx.warn(P.FURTHER_SCORE_WARNING)
        start = min(a_start, a_end + s0)
        end = a_end + (max(s1, ultra[1]) if ultra else s1)  # the evidence holds the ultralow wording too
        pct = None
        pm2 = P.PERCENT_CELLS.search(window) if "%" in window else None
        if pm2:
            value = P.percent_number(pm2.group("a") or pm2.group("b"))
            if value is None:
                ctx.warn(P.PERCENT_NOT_DECIMAL_WARNING)
            pct = value if value is not None and 0 <= value <= 100 else None
        # What follows the score, also past a HER2 name ("0 (HER2-null)"), not into another marker or section.
        at = a_end + s1
        after = text[at : min(at + 60, ctx.next_stop_past_her2(at, 60))] if s1 >= 0 else ""
        pa = P.PERCENT_AFTER_SCORE.match(after) if pct is None and "%" in after else None
        if pa:
            value = P.percent_number(pa.group("p"))
            if value is None:
                ctx.warn(P.PERCENT_NOT_DECIMAL_WARNING)
            pct = value if value is not None and 0 <= value <= 100 else None
        if (
            pct is None
            and score == "0"
            and (token.strip().lower() == "null" or P.NULL_AFTER_ZERO.match(after))
        ):
            pct = 0.0  # "0 (null)", "HER2-null", "0, no membrane staining": no staining seen
        if pct is None and score == "0" and s1 >= 0:
            # "0 (faint, incomplete membrane staining in <10% of tumor cells)": the HER2-ultralow definition (every
            # match holds "faint" or "weak"; on the keyword path a cheap test first)
            flow = None if tlow is None else tlow[at : at + 120]
            if flow is None or "faint" in flow or "weak" in flow:
                longer = text[at : min(at + 120, ctx.next_stop_past_her2(at, 120))]
                if P.ULTRALOW_DEFINITION_AFTER_ZERO.match(longer):
                    score = "ultralow"
        assay = None
        am = ctx.scan.search_in(
            P.IHC_ASSAY, text, 0, IHC_ASSAY_STARTS, max(0, a_start - 60), min(len(text), w_end + 200)
        )
        if am:
            assay = P.IHC_ASSAY_CANON.get(am.group(1).lower().replace("a485", "a0485"), am.group(1))
        if not quoted and s0 >= 0 and (in_quote := ctx.quote(a_end + s0))[0]:
            # The score in a quoted passage that starts after the name: "HER2: previously reported as 3+", "HER2 IHC
            # on the prior biopsy was 3+", "HER2 (outside lab result): 3+" (fifth review, A3).
            quoted, biopsy = in_quote
            rank = (0, rank[1], rank[2])
        specimen: Literal["biopsy", "resection"] | None = "biopsy" if quoted and biopsy else None
        fm = P.SPECIMEN_FIELD.search(window) if may_contain(wlow, ("specimen",)) else None
        if fm:
            if P.RESECTION_WORD.search(fm.group(1)):
                specimen = "resection"
            elif P.BIOPSY_WORD.search(fm.group(1)):
                specimen = "biopsy"
        # (score, end, label) of each test: one, or one per labelled specimen (no percentage: it is not told whose)
        tests = (
            [(score, end, specimen_id(ctx, a_start - 150, a_end + s1 + 60, a_end + s1))]
            if each is None
            else [(_score(tok, ctx), t_end, label) for tok, _, t_end, label in each]
        )
        for t_score, t_end, label in tests:
            if status is not None and _SCORE_STATUS[t_score] != status:
                ctx.warn(f"HER2 IHC {t_score} stated as {status}: wording and score disagree")
            if restated in P.RESTATED_SCORES and t_score not in P.RESTATED_SCORES[restated]:
                ctx.warn(f"HER2 IHC {t_score} restated as HER2-{restated}: wording and score disagree")
            ihcs.append(
                IhcItem(
                    score=t_score,
                    start=start,
                    end=t_end,
                    rank=rank,
                    quoted=quoted,
                    percent=pct if each is None else None,
                    specimen_id=label,
                    specimen=specimen,
                    assay=assay,
                )
            )
    return statuses, ihcs, other_results


def _score_plus(window: str, wlow: str | None, reach: int = PLUS_REACH) -> re.Match[str] | None:
    """``SCORE_PLUS_ANY.search(window, 0, reach)``: every match holds a "+" at most 2 characters after its start."""
    if wlow is None:
        return P.SCORE_PLUS_ANY.search(window, 0, reach)
    cands: set[int] = set()
    find = window.find
    i = find("+", 0, reach)
    while i >= 0:
        cands.update((i - 2, i - 1, i))
        i = find("+", i + 1, reach)
    match = P.SCORE_PLUS_ANY.match
    for c in sorted(cands):
        if c >= 0:
            m = match(window, c, reach)
            if m is not None:
                return m
    return None


# Every match of P.SCORE_RANGE starts with one of these.
_RANGE_STARTS: Final = ("0", "1", "2", "zero", "zoro", "+", "between", "from")


def _further_score(window: str, wlow: str | None, after: int, score: str) -> bool:
    """Another plus score, different from ``score``, follows the one read ("3+ (100%) (repeat on block B: 1+)"):
    not in a legend, a threshold or an ISH statement, not stated as absent."""
    if "+" not in window[after:]:
        return False
    for m in P.SCORE_PLUS_ANY.finditer(window, after):
        s, e = m.start("score"), m.end("score")
        if P.score_key(m.group("score")) == score or P.score_negated(window, s, e):
            continue
        if not bad_value(window, s, e, wlow):
            return True
    return False


# Each negation of P.score_negated holds one of these: no/not/non/nor/none, neither, never, without, absen-,
# lack-, "negative for" (in every OCR spelling: "for"), rule(d) out, exclud-, free of, devoid of,
# inconsistent with, nil.
_NEGATION_PARTS: Final = (
    "no", "neither", "never", "without", "absen", "lack", "for", "rul", "exclu", "free", "devoid", "inconsistent",
    "nil",
)  # fmt: skip

_SCORE_SCANS: Final = (
    (P.SCORE_AFTER_STATUS, SCORE_AFTER_STATUS_WORDS),
    (P.SCORE_AFTER_WORD, SCORE_AFTER_WORD_WORDS),
)


def _find_score(
    window: str,
    wlow: str | None = None,
    negated: list[str] | None = None,
    plus_reach: int = PLUS_REACH,
    *,
    scan: Scanner | None = None,
    base: int = 0,
) -> tuple[str, int, int] | None:
    """The first score in ``window``; a score stated as absent ("3+ not identified", "no 3+ staining") is passed
    over (its token appended to ``negated``) and a later one ("; IHC 1+") can be read."""
    # Every negation word holds one of _NEGATION_PARTS (lower-cased: see scan.finditer_at).
    may_negate = wlow is None or any(p in wlow for p in _NEGATION_PARTS)

    def neg(start: int, end: int, token: str) -> bool:
        if may_negate and P.score_negated(window, start, end):
            if negated is not None:
                negated.append(token)
            return True
        return False

    cands: list[tuple[int, str, int]] = []
    ok: list[tuple[int, str, int]] = []  # already checked by bad_value (a pure function of its arguments)
    m = P.SCORE_ADJACENT.match(window)
    if m and not neg(m.start("score"), m.end("score"), m.group("score")):
        cands.append((m.start("score"), m.group("score"), m.end("score")))
    for rx, words in _SCORE_SCANS:
        # (With ``scan``, ``window`` is ``scan.text[base:...]`` and the words are read off its keyword hits.)
        matches = (
            finditer_at(rx, window, wlow, words)
            if scan is None
            else scan.finditer_in(rx, window, base, words)
        )
        for m in matches:
            if not bad_value(window, m.start("score"), m.end("score"), wlow) and not neg(
                m.start("score"), m.end("score"), m.group("score")
            ):
                ok.append((m.start("score"), m.group("score"), m.end("score")))
                break
    m = _score_plus(window, wlow, plus_reach)
    while m and neg(m.start("score"), m.end("score"), m.group("score")):
        m = P.SCORE_PLUS_ANY.search(window, m.end(), plus_reach)
    if m:
        cands.append((m.start("score"), m.group("score"), m.end("score")))
    cands = [c for c in cands if not bad_value(window, c[0], c[2], wlow)] + ok
    if not cands:
        return None
    start, token, end = min(cands)
    return token, start, end
