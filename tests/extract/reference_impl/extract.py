# ruff: noqa
# Copy of her2kit.extract before the performance rewrite; used only by test_differential.py. Change it only
# together with her2kit.extract, for a deliberate change of behaviour (listed in docs/extraction.md).
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
from . import patterns as P  # noqa: N812
from .checkbox import mask_checkboxes, own_subs_replaced, stretch
from .model import Evidence, ExtractedIhc, ExtractedIsh, ExtractionResult
from .sentences import Sentences

Status = Literal["positive", "negative", "equivocal"]
Receptor = Literal["positive", "low", "negative"]

WINDOW: Final = 220  # characters read after a HER2 name
STATUS_REACH: Final = 110  # a status word must stand this close to the name
ULTRALOW_AFTER_SCORE: Final = 60  # "0 with faint staining (ultralow)": the word this close after the score
RECEPTOR_WINDOW: Final = 100
QUOTE_REACH: Final = 380  # a "previously performed ..." phrase covers this much text after it
ISH_CONTEXT_BEFORE: Final = 300
ISH_CLUSTER_GAP: Final = 1500
_SENTENCE_END: Final = re.compile(r"[.;!?](?=\s)|\n")
# What ends a restatement's reach after the ratio: a sentence end, a field colon or another block's (tumour's) label
# ("block A1: not amplified, ratio 1.2, block B2: not amplified": B2's result is its own).
_RESTATE_BREAK: Final = re.compile(
    r"[.;!?:](?=\s)|\n|(?<![A-Za-z])(?i:blocks?|slides?|parts?|tumou?r|lesion|specimen)\s*#?\s*[A-Z]?\d"
)
ONCOTYPE_REACH: Final = 700
QUOTED_SOURCE: Final = "quoted from a prior report"

_SCORE_CANON: Final[dict[str, str]] = {"zero": "0", "zoro": "0", "null": "0"}
_SCORE_STATUS: Final[dict[str, Status]] = {
    "0": "negative",
    "1+": "negative",
    "2+": "equivocal",
    "3+": "positive",
    "ultralow": "negative",
}
_ISH_BETWEEN: Final = re.compile(
    r"FISH|\bISH\b|CISH|SISH|ratio|CEP\s*-?17|amplif|allred|H-?score|grade|nottingham", re.I
)
_RECEPTOR_BETWEEN: Final = re.compile(r"=|calculated|proportion|\bsum\b|allred\s+score\s+for|h-?score", re.I)
_FOLLOWED_BY_FOR: Final = re.compile(
    r"^\s+for\b(?!\s+(?:HER[\s\-]?2\S*\s+)?(?:protein\s+)?(?:over-?\s?expression|amplification))", re.I
)
_LEGEND_GAP: Final = 12
_RT_SCORE: Final = re.compile(r"^\s*score\s*[:=]?\s*(\d{1,3}(?:[.,]\d+)*)(?![\d+])", re.I)
_SIGN_AFTER: Final = re.compile(
    r"^([+\-])(?![\w.])(?!\s*[:\-]?\s*(?:pos|neg|equiv|weak|strong|low|\d))", re.I
)
_STATUS_FOR_BEFORE: Final = re.compile(rf"({P._POS}|{P._NEG})\s+for\s+(?:the\s+)?$", re.I)
_PERCENT_AFTER_NAME: Final = re.compile(r"^[\s.:]{0,4}(\d{1,3}(?:[.,]\d+)*)\s*%")


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
    warnings: list[str] = field(default_factory=list)

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

    def next_stop_past_her2(self, pos: int) -> int:
        """The first stop after ``pos`` that is not a HER2 name (another marker, a section), else the end."""
        names = {a for a, _ in self.her2}
        i = bisect.bisect_right(self.stops, pos)
        while i < len(self.stops) and self.stops[i] in names:
            i += 1
        return self.stops[i] if i < len(self.stops) else len(self.text)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def _her2_anchors(text: str) -> list[tuple[int, int]]:
    """HER2 names, with runs such as "HER2/NEU (HERCEPTEST)" merged into one."""
    out: list[tuple[int, int]] = []
    for m in P.HER2.finditer(text):
        if out:
            gap = text[out[-1][1] : m.start()]
            if len(gap) <= 6 and re.fullmatch(r"[\s()/\-:.,]*", gap):
                out[-1] = (out[-1][0], m.end())
                continue
        out.append((m.start(), m.end()))
    return out


def _addendum_start(text: str) -> int | None:
    for m in P.ADDENDUM.finditer(text):
        if P.ADDENDUM_CORRECTION.match(text, m.start()) and not P.HER2.search(text, 0, m.start()):
            continue  # (a correction's banner at the top, not an addendum)
        before = text[max(0, m.start() - 25) : m.start()]
        after = text[m.end() : m.end() + 30]
        if P.ADDENDUM_NOT_HEADING.search(before) or P.ADDENDUM_SIGNATURE.match(after):
            continue
        if re.match(r"\s*(?:Review|Final)\s*:", after, re.I) or re.match(
            r"s?\s*:\s*Pathologist", after, re.I
        ):
            continue
        return m.start()
    return None


def _context(text: str, shown: str) -> _Ctx:
    excluded = []
    for m in P.ONCOTYPE.finditer(text):
        end = min(len(text), m.start() + ONCOTYPE_REACH)
        stop = P.ONCOTYPE_END.search(text, m.end(), end)
        excluded.append((m.start(), stop.start() if stop else end))
    quoted = []
    for m in P.QUOTED.finditer(text):
        reach = 2 * QUOTE_REACH if m.group(0).lower().startswith("clinical") else QUOTE_REACH
        end = min(len(text), m.end() + reach)
        if m.group(0).lower().startswith("ind"):  # "Indication: ..." covers its own sentence only
            end = min(end, Sentences(shown).bounds(re.compile(r"\s*").match(text, m.end()).end())[1])
        brk = P.SECTION_BREAK.search(text, m.end(), end)
        # A specimen heading ("B: Lymph node", "C. SENTINEL") also ends the quoted passage.
        head = re.compile(r"(?<=[.\s])[A-H]\s?[:.)]\s+[A-Z][A-Za-z]").search(text, m.end() + 40, end)
        own = P.QUOTE_END.search(text, m.end(), end)
        history = m.group(0).lower().startswith("clinical")
        while own is not None and (
            (history and P.HISTORY_HEADING.match(text, own.start()) is None)
            if own.group(0).lower().startswith("diagnos")
            else Sentences(shown).bounds(own.start())[0] <= m.start()
        ):
            own = P.QUOTE_END.search(text, own.end(), end)
        own_at = None if own is None else max(m.end(), Sentences(shown).bounds(own.start())[0])
        stops = [x.start() for x in (brk, head) if x is not None] + ([] if own_at is None else [own_at])
        end = min([end, *stops])
        window = text[max(0, m.start() - 40) : min(len(text), m.end() + 60)]
        quoted.append((m.start(), end, bool(P.QUOTED_BIOPSY.search(window))))
    her2 = _her2_anchors(text)
    stops = sorted(
        {m.start() for m in P.OTHER_MARKER.finditer(text)}
        | {m.start() for m in P.OTHER_MARKER_I_STOP.finditer(text)}
        | {a for a, _ in her2}
        | {m.start() for m in P.SECTION_BREAK.finditer(text)}
        | {m.start() for m in P.OTHER_MARKER_CAPS.finditer(text)}
        | {m.start() for m in P.FIELD_STOP.finditer(text)}
    )
    return _Ctx(text, Sentences(shown), excluded, quoted, _addendum_start(text), her2, stops)


def _evidence(ctx: _Ctx, start: int, end: int) -> Evidence:
    return Evidence(start=start, end=end, sentence=ctx.sents.around(start, end))


def _legend_pair(segment: str) -> bool:
    """Two different status words side by side ("Negative 0-1+, Equivocal 2+"): a legend, not a result."""
    prev: tuple[str, int] | None = None
    for m in P.STATUS_WORD.finditer(segment):
        value = _status_of(m.group(1)) or m.group(1).lower().split()[0]
        if (
            prev is not None
            and prev[0] != value
            and m.start() - prev[1] <= _LEGEND_GAP
            and P.CONTROL_PAIR_AFTER.match(segment, m.end()) is None
        ):
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


LABEL_AFTER_REACH: Final = 150
_LABEL_AFTER_STOP: Final = re.compile(r"[;\n]|(?<!,)\.(?![\d,])")  # not ",." nor ".,": OCR strays


def _specimen_id(ctx: _Ctx, lo: int, hi: int, near: int) -> str | None:
    best: tuple[int, str] | None = None
    for m in P.SPECIMEN_ID.finditer(ctx.text, max(0, lo), min(len(ctx.text), hi)):
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


# --- HER2 statements and IHC -------------------------------------------------------------------


def _status_refused(window: str, start: int, end: int) -> str | None:
    if P.STATUS_ANSWERED_NO.match(window, end) or P.NEGATION_BEFORE.search(
        window[max(0, start - 12) : start]
    ):
        return "negated"
    if P.STATUS_HEADING_AFTER.match(window, end):
        return "heading"
    if P.STATUS_DEFINED_AFTER.match(window, end):
        return "definition"
    if P.STATUS_OF_CONTROL.match(window, end):
        return "control"
    return None


def _control_or_condition(text: str, start: int) -> bool:
    return bool(
        P.CONTROL_BEFORE.search(text, max(0, start - 70), start)
        or P.CONDITION_BEFORE.search(text, max(0, start - 50), start)
    )


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


def _score(token: str, ctx: _Ctx, *, ultralow: bool = False) -> str:
    """The canonical IHC score of a token; ``ultralow``: the report states HER2-ultralow beside it."""
    t = "".join(token.lower().split())
    t = _SCORE_CANON.get(t, t)
    if t.startswith("+"):
        t = t[1:] + "+"
    if t == "ultralow" or (ultralow and t in ("0", "0+")):
        return "ultralow"
    if t == "0+":
        ctx.warn(
            'IHC "0+" read as score 0: it means 0 in older reports and HER2-ultralow in the 2026 expert '
            "consensus (Rakha et al., Mod Pathol 2026;39:100925); ask the laboratory which"
        )
        return "0"
    score = t if t.endswith("+") or t == "0" else t + "+"
    if ultralow:
        ctx.warn(f'HER2 IHC {score} beside "ultralow" wording: the score is read')
    return score


def _ultralow(
    ctx: _Ctx, a_end: int, window: str, found: tuple[str, int, int] | None
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
        region = ctx.text[a_end : min(a_end + limit + 9, ctx.next_stop_past_her2(a_end + max(0, found[2])))]
    m = P.ULTRALOW.search(region)
    if m is None or m.start() > limit or P.NEGATION_BEFORE.search(region[max(0, m.start() - 12) : m.start()]):
        return None
    if _bad_value(region, m.start(), m.end(), ish_ok=True):
        return None
    at = a_end + m.start()
    if P.ULTRALOW_NOT_STATED_AFTER.match(region, m.end()) or P.ULTRALOW_HEDGE_BEFORE.search(
        ctx.text, max(0, at - 40), at
    ):
        ctx.warn(P.ULTRALOW_NOT_STATED_WARNING)
        return None
    return m.start(), m.end()


def _her2_statements(ctx: _Ctx) -> tuple[list[_Stmt], list[_Ihc], list[int]]:
    """Stated HER2 statuses, IHC scores, and positions of HER2 values without a score (image analysis)."""
    text = ctx.text
    statuses: list[_Stmt] = []
    ihcs: list[_Ihc] = []
    other_results: list[int] = []
    for a_start, a_end in ctx.her2:
        if ctx.is_excluded(a_start) or _control_or_condition(text, a_start):
            continue
        # "ER/PR/HER2: +/-/-": HER2's value is the third, its stated status (sixth review, 3)
        triple = P.receptor_triple_before(text, a_start)
        if triple is not None and triple.group("c"):
            pos = triple.start("c")
            status_c: Status = "positive" if P.sign_or_status(triple.group("c")) == "positive" else "negative"
            statuses.append(_Stmt(status_c, pos, ctx.rank(pos), _specimen_id(ctx, pos - 150, pos + 60, pos)))
            continue
        # (blanked checkbox options do not count in the reaches after a name: checkbox.stretch)
        win, status_reach, plus_reach = (stretch(text, a_end, n) for n in (WINDOW, STATUS_REACH, 130))
        w_end = min(a_end + win, ctx.next_stop(a_end))
        # A HER2 name right after the score that restates its category ("HER2/neu: 0, HER2-null") does not cut off the
        # score: the window reaches to the restatement's end, for the score only (step 15, 6).
        restated = None
        cut: int | None = None  # (the window's length before it, when it reaches past a restating name)
        if any(a == w_end for a, _ in ctx.her2):
            past = P.restated_after_score(text, a_end, w_end)
            if past is not None and past[0] <= a_end + win:
                cut = w_end - a_end
                w_end, restated = past
        window = text[a_end:w_end]
        # The score's scale in brackets right after the name ("HER2 IHC (0, 1+, 2+, 3+): 2+") is blanked: no value.
        sc = P.NAME_SCALE.match(window)
        if sc is not None:
            window = window[: sc.start("scale")] + " " * len(sc.group("scale")) + window[sc.end("scale") :]
        rank = ctx.rank(a_start)
        quoted, biopsy = ctx.quote(a_start)
        legend = _legend_pair(window[: plus_reach if cut is None else min(plus_reach, cut)]) or bool(
            P.CRITERIA_BEFORE.search(text, max(0, a_start - 40), a_start)
        )
        negated: list[str] = []
        found = None if legend else _find_score(window, negated, plus_reach)
        if negated:
            ctx.warn(P.NEGATED_SCORE_WARNING)
        rng = None if legend else P.SCORE_RANGE.search(window)
        if (
            rng
            and (found is None or rng.start() <= found[1])
            and not _bad_value(window, rng.start(), rng.end())
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
        sm = _SIGN_AFTER.match(window)
        before = text[max(0, a_start - 30) : a_start]
        bm = _STATUS_FOR_BEFORE.search(before)
        if sm and P.SIGN_STATUS.match(window):
            status = "positive" if sm.group(1) == "+" else "negative"
        elif bm:
            status = _status_of(bm.group(1))
            status_pos = a_start - len(before) + bm.start()
        elif not legend:
            wm = P.STATUS_WORD.search(window, 0, reach)
            refused = None if wm is None else _status_refused(window, wm.start(), wm.end())
            if refused is None and wm is not None and P.STATUS_OF_CELLS.match(window, wm.end()):
                refused = "cells"  # "positive in 5% of cells": which cells stained, not the status
            if refused is None and wm is not None and P.negated_before(text, a_start):
                refused = "negated"  # "not HER2 positive"
            if refused == "negated":
                ctx.warn(P.NEGATED_STATUS_WARNING)
            if wm and refused is None and not _bad_value(window, wm.start(), wm.end(), ish_ok=True):
                status = _status_of(wm.group(1))
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
            sid = _specimen_id(ctx, status_pos - 150, status_pos + 60, status_pos)
            statuses.append(_Stmt(status, status_pos, ctx.rank(status_pos), sid))

        # IHC score.
        if found is None and rng is None and not legend:
            bt = P.SCORE_BEFORE_NAME.search(text, max(0, a_start - 40), a_start)
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
            P.respective_scores(text, max(0, a_start - 60), a_end + s0, w_end)
            if found is not None and ultra is None and s0 >= 0
            else None
        )
        if found is not None and s1 >= 0 and each is None and _further_score(window, s1, score):
            ctx.warn(P.FURTHER_SCORE_WARNING)
        start, end = min(a_start, a_end + s0), a_end + max(s1, ultra[1] if ultra else s1)
        pct = None
        pm2 = P.PERCENT_CELLS.search(window)
        if pm2:
            value = P.percent_number(pm2.group("a") or pm2.group("b"))
            if value is None:
                ctx.warn(P.PERCENT_NOT_DECIMAL_WARNING)
            pct = value if value is not None and 0 <= value <= 100 else None
        # What follows the score, also past a HER2 name ("0 (HER2-null)"), not into another marker or section.
        at = a_end + s1
        after = text[at : min(at + 60, ctx.next_stop_past_her2(at))] if s1 >= 0 else ""
        pa = P.PERCENT_AFTER_SCORE.match(after) if pct is None and "%" in after[:60] else None
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
            longer = text[at : min(at + 120, ctx.next_stop_past_her2(at))]
            if P.ULTRALOW_DEFINITION_AFTER_ZERO.match(longer):
                score = "ultralow"
        assay = None
        am = P.IHC_ASSAY.search(text, max(0, a_start - 60), min(len(text), w_end + 200))
        if am:
            assay = P.IHC_ASSAY_CANON.get(am.group(1).lower().replace("a485", "a0485"), am.group(1))
        if not quoted and s0 >= 0 and ctx.quote(a_end + s0)[0]:
            # The score in a quoted passage that starts after the name: "HER2: previously reported as 3+", "HER2 IHC
            # on the prior biopsy was 3+", "HER2 (outside lab result): 3+" (fifth review, A3).
            quoted, biopsy = ctx.quote(a_end + s0)
            rank = (0, rank[1], rank[2])
        specimen: Literal["biopsy", "resection"] | None = "biopsy" if quoted and biopsy else None
        fm = P.SPECIMEN_FIELD.search(window)
        if fm:
            if P.RESECTION_WORD.search(fm.group(1)):
                specimen = "resection"
            elif P.BIOPSY_WORD.search(fm.group(1)):
                specimen = "biopsy"
        tests = (
            [(score, end, _specimen_id(ctx, a_start - 150, a_end + s1 + 60, a_end + s1))]
            if each is None
            else [(_score(tok, ctx), t_end, label) for tok, _, t_end, label in each]
        )
        for t_score, t_end, label in tests:
            if status is not None and _SCORE_STATUS[t_score] != status:
                ctx.warn(f"HER2 IHC {t_score} stated as {status}: wording and score disagree")
            if restated in P.RESTATED_SCORES and t_score not in P.RESTATED_SCORES[restated]:
                ctx.warn(f"HER2 IHC {t_score} restated as HER2-{restated}: wording and score disagree")
            ihcs.append(
                _Ihc(
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


def _bad_value(window: str, start: int, end: int, *, ish_ok: bool = False) -> bool:
    """A value that belongs to a legend, a control, a guideline or (for IHC) an ISH statement."""
    between = window[:start]
    lm = P.LEGEND.search(between)
    if lm is not None and lm.group(0).lower() == "criteria":
        nm = P.NAME_CRITERIA.match(window)
        if nm is not None and lm.end() <= nm.end() <= start:
            lm = P.LEGEND.search(between, nm.end())
            if lm is None and P.DEFINED_AFTER.match(window, end):
                return True
    if lm is not None and lm.group(0).lower() in P.CITATION_LEGEND_WORDS:
        # a guideline cited in brackets (sixth review, 2)
        lm, cited = P.past_citations(window, lm, lambda pos: P.LEGEND.search(between, pos), start)
        if cited and lm is None and P.DEFINED_AFTER.match(window, end):
            return True
    if lm or P.LEGEND_AFTER.match(window[end:]):
        return True
    if _FOLLOWED_BY_FOR.match(window[end:]):
        return True
    return not ish_ok and bool(_ISH_BETWEEN.search(between))


def _further_score(window: str, after: int, score: str) -> bool:
    for m in P.SCORE_PLUS_ANY.finditer(window, after):
        s, e = m.start("score"), m.end("score")
        if P.score_key(m.group("score")) == score or P.score_negated(window, s, e):
            continue
        if not _bad_value(window, s, e):
            return True
    return False


def _find_score(
    window: str, negated: list[str] | None = None, plus_reach: int = 130
) -> tuple[str, int, int] | None:
    def neg(m: re.Match[str]) -> bool:
        if P.score_negated(window, m.start("score"), m.end("score")):
            if negated is not None:
                negated.append(m.group("score"))
            return True
        return False

    cands: list[tuple[int, str, int]] = []
    m = P.SCORE_ADJACENT.match(window)
    if m and not neg(m):
        cands.append((m.start("score"), m.group("score"), m.end("score")))
    for rx in (P.SCORE_AFTER_STATUS, P.SCORE_AFTER_WORD):
        for m in rx.finditer(window):
            if not _bad_value(window, m.start("score"), m.end("score")) and not neg(m):
                cands.append((m.start("score"), m.group("score"), m.end("score")))
                break
    m = P.SCORE_PLUS_ANY.search(window, 0, plus_reach)
    while m and neg(m):
        m = P.SCORE_PLUS_ANY.search(window, m.end(), plus_reach)
    if m:
        cands.append((m.start("score"), m.group("score"), m.end("score")))
    cands = [c for c in cands if not _bad_value(window, c[0], c[2])]
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
    probe: str | None = None  # the probe ("single"/"dual") named in its sentence, when a report names both


@dataclass
class _IshCluster:
    frags: list[_Frag] = field(default_factory=list)
    recount: bool = False  # it starts at a recount, second reading or combined count (sixth review, 1)

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
    lm = P.LEGEND.search(before)
    if lm is not None:  # a guideline cited in brackets (sixth review, 2)
        lm, _ = P.past_citations(before, lm, lambda pos: P.LEGEND.search(before, pos), len(before))
    return bool(
        lm
        or P.LEGEND_AFTER.match(after)
        or re.match(r"^\s*(?:HER[\s\-]?2\S*\s+)?(?:levels?|control)", after, re.I)
        or P.ISH_THRESHOLD_BEFORE.search(before)
    )


def _ish_fragments(ctx: _Ctx) -> list[_Frag]:
    text = ctx.text
    frags: list[_Frag] = []

    def add(kind: str, value: float | str | None, m: re.Match[str], group: int | str = 0) -> None:
        start, end = m.start(), m.end()
        if ctx.is_excluded(start) or not _ish_context(ctx, start, end) or _sentence_legend(ctx, start, end):
            return
        other = (
            P.other_target_before(text, max(ctx.sents.bounds(start)[0], start - P.OTHER_TARGET_REACH), end)
            if kind not in ("cep17", "her2")
            else None
        )
        if other is not None:  # "MYC FISH: amplified (ratio 4.1)", "MDM2/CEP12 ratio 6.0"
            ctx.warn(f"an ISH value of another target ({other}) is not read as HER2's")
            return
        if value is None:  # a comma form that is not plainly one decimal number (P.decimal)
            ctx.warn(P.COMMA_NOT_DECIMAL_WARNING)
            return
        frags.append(_Frag(kind, value, start, end))

    for rx in (P.RATIO, P.RATIO_DETERMINED, P.RATIO_AFTER_ISH):
        for m in rx.finditer(text):
            if rx is P.RATIO and P.RATIO_AFTER_BAD.match(text[m.end() : m.end() + 40]):
                continue
            # (and the words of a recount or second reading: sixth review, 1)
            if rx is P.RATIO and not re.search(
                r"HER|CEP|17|signal|FISH|ISH|amplif|re-?\s?count|counted|observer|reader|combined|overall"
                r"|(?:first|second|1st|2nd|initial|final)\s+count|count\s*(?:#|no\.?)?\s*[12](?![\d.])",
                text[max(0, m.start() - 40) : m.end()],
                re.I,
            ):
                continue
            add("ratio", P.decimal(m.group(1)), m)
    for kind, rx in (("her2", P.HER2_MEAN), ("cep17", P.CEP17_MEAN)):
        for m in rx.finditer(text):
            value = next(g for g in m.groups() if g is not None)
            add(kind, P.decimal(value), m)
    for m in P.CELLS_COUNTED.finditer(text):
        raw = (m.group(1) or m.group(2) or "").lower()
        raw = " ".join(raw.split())
        n = P.COUNT_WORDS.get(raw) if not raw.isdigit() else int(raw)
        if n:
            add("cells", float(n), m)
    taken: list[tuple[int, int]] = []
    for value, rx in (
        ("not-amplified", P.ISH_NOT_AMPLIFIED),
        ("equivocal", P.ISH_EQUIVOCAL),
        ("amplified", P.ISH_AMPLIFIED),
    ):
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            # "amplification" needs HER2 or an ISH method nearby, not just the word itself.
            near = text[max(0, m.start() - 200) : m.end() + 80]
            if not (
                P.HER2.search(near)
                or P.ISH_TECHNIQUE.search(near)
                or re.search(r"CEP\s*-?17|PathVysion", near, re.I)
            ):
                continue
            taken.append((m.start(), m.end()))
            if P.RESULT_ASKED.search(text, max(0, m.start() - 60), m.start()):
                continue
            if value == "amplified" and P.negated_before(text, m.start()):  # "not HER2 amplified"
                ctx.warn(P.NEGATED_ISH_WARNING)
                continue
            # A threshold's heading or a definition's alternative: "Not amplified: ratio <2.0", "IHC 0/1+ or ISH not
            # amplified" (fifth review, A2).
            if P.RESULT_DEFINED_AFTER.match(text, m.end()) or P.ISH_ALTERNATIVE_BEFORE.search(
                text, max(0, m.start() - 30), m.start()
            ):
                continue
            add("result", value, m)
    for m in P.SINGLE_PROBE.finditer(text):
        add("probe", "single", m)
    if any(f.kind == "probe" for f in frags):  # (a rare word: searched only beside a single probe)
        for m in P.DUAL_PROBE.finditer(text):
            add("probe", "dual", m)
    frags.sort(key=lambda f: f.start)
    _tag_probes(ctx, frags)
    return frags


def _tag_probes(ctx: _Ctx, frags: list[_Frag]) -> None:
    """When the report names both a single and a dual probe, each fragment takes the probe named in its sentence
    (if only one is), so that the values of the two assays are not merged into one test (:func:`_clusters`)."""
    probes = [f for f in frags if f.kind == "probe"]
    if len({p.value for p in probes}) < 2:
        return
    starts = [p.start for p in probes]
    for f in frags:
        if f.kind == "probe":
            f.probe = str(f.value)
            continue
        s0, s1 = ctx.sents.bounds(f.start)
        kinds = {
            str(p.value) for p in probes[bisect.bisect_left(starts, s0) : bisect.bisect_left(starts, s1)]
        }
        if len(kinds) == 1:
            f.probe = kinds.pop()


def _restated(text: str, cur: _IshCluster, f: _Frag) -> bool:
    """``f`` restates the cluster's result right after its ratio, in the ratio's sentence ("NOT AMPLIFIED ... Ratio
    1.3, consistent with no amplification"), so it does not start another test."""
    res, ratio = cur.get("result"), cur.get("ratio")
    return (
        res is not None
        and ratio is not None
        and res.value == f.value
        and res.start < ratio.start
        and 0 <= f.start - ratio.end <= 60
        and _RESTATE_BREAK.search(text, ratio.end, f.start) is None
    )


def _clusters(text: str, frags: list[_Frag], breaks: list[int]) -> list[_IshCluster]:
    out: list[_IshCluster] = []
    cur = _IshCluster()
    last = -(10**9)
    probe: str | None = None  # the cluster's probe (see _tag_probes)
    for f in frags:
        prev = cur.get(f.kind)
        # a recount starts a test at the first fragment after its start (sixth review, 1)
        recount = any(last < b <= f.start for b in breaks) if cur.frags else False
        new = (
            recount
            or f.start - last > ISH_CLUSTER_GAP
            or (prev is not None and prev.value != f.value)
            or (
                f.kind == "result"
                and cur.get("result") is not None
                and cur.get("ratio") is not None
                and not _restated(text, cur, f)
            )
            or (f.probe is not None and probe is not None and f.probe != probe)
        )
        if new and cur.frags:
            out.append(cur)
            cur = _IshCluster()
            probe = None
        if recount:
            cur.recount = True
        if prev is None or new:
            cur.frags.append(f)
        if probe is None:
            probe = f.probe
        last = f.end
    if cur.frags:
        out.append(cur)
    return [c for c in out if any(c.get(k) for k in ("ratio", "result", "her2"))]


def _ish_tests(ctx: _Ctx) -> list[tuple[ExtractedIsh, tuple[int, int, int], bool]]:
    text = ctx.text
    out = []
    frags = _ish_fragments(ctx)
    breaks = P.recount_breaks(text, [(f.start, f.end) for f in frags if f.kind == "ratio"])
    clusters = _clusters(text, frags, breaks)
    last: tuple[int, _IshCluster] | None = None
    for i, c in enumerate(clusters):
        # a ratio that lost its decimal point ("13" beside HER2 5.2 and CEP17 4.0) is not read (sixth review, 5)
        slipped = (
            c.get("ratio") is not None
            and c.get("her2") is not None
            and c.get("cep17") is not None
            and _probe(c) != "single"
            and P.ratio_slipped(
                float(c.get("ratio").value), float(c.get("her2").value), float(c.get("cep17").value)
            )
        )
        if slipped:
            ctx.warn(P.RATIO_SLIP_WARNING)
        main = (None if slipped else c.get("ratio")) or c.get("result") or c.get("her2")
        assert main is not None
        lo = min(f.start for f in c.frags)
        hi = max(f.end for f in c.frags)
        # The technique and kit are looked for around the test, not into a neighbouring test of the other probe.
        t_lo, t_hi, k_lo, k_hi = (
            max(0, lo - 400),
            min(len(text), hi + 200),
            max(0, lo - 1200),
            min(len(text), hi + 600),
        )
        if i > 0 and _probe(clusters[i - 1]) != _probe(c):
            edge = max(f.end for f in clusters[i - 1].frags)
            t_lo, k_lo = max(t_lo, edge), max(k_lo, edge)
        if i + 1 < len(clusters) and _probe(clusters[i + 1]) != _probe(c):
            edge = min(f.start for f in clusters[i + 1].frags)
            t_hi, k_hi = min(t_hi, edge), min(k_hi, edge)
        quoted, biopsy = ctx.quote(main.start)
        technique = P.ISH_TECHNIQUE.search(text, t_lo, t_hi)
        kit = P.ISH_KIT.search(text, k_lo, k_hi)
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
            if f is not None and not (slipped and kind == "ratio"):
                data[key] = f.value
        cells = c.get("cells")
        if cells is not None:
            data["cells_counted"] = int(float(cells.value))
        result = c.get("result")
        if result is not None:
            data["result"] = result.value
        if _probe(c) == "single":
            data["probe"] = "single"
            if "ratio" in data or "cep17_copies" in data:
                ctx.warn("single-probe ISH with a ratio or CEP17 count; ratio and CEP17 not read")
                data.pop("ratio", None)
                data.pop("cep17_copies", None)
        if quoted:
            data["source"] = QUOTED_SOURCE
            if biopsy:
                data["specimen"] = "biopsy"
        # A recount, second reading or combined count supersedes the count right before it (sixth review, 1).
        supersedes = False
        if c.recount:
            cells = c.get("cells")
            if cells is not None and P.ADDITIONAL_BEFORE.search(text, max(0, cells.start - 20), cells.start):
                data.pop("cells_counted", None)
            ratio = data.get("ratio")
            if last is not None and last[0] == i - 1 and isinstance(ratio, float):
                prev_test, _, prev_quoted = out[-1]
                prev_c = last[1]
                sid = data["specimen_id"]
                if (
                    prev_quoted == quoted
                    and _probe(prev_c) == _probe(c)
                    and (prev_test.specimen_id == sid or prev_test.specimen_id is None or sid is None)
                ):
                    supersedes = True
                    pres, pratio = prev_c.get("result"), prev_c.get("ratio")
                    if (
                        "result" not in data
                        and pres is not None
                        and (pratio is None or pres.start < pratio.start)
                    ):
                        data["result"] = pres.value
        test = _build_ish(ctx, data)
        last = None
        if test is not None:
            if supersedes:  # (only when the later test is read)
                prev_test = out.pop()[0]
                first = "" if prev_test.ratio is None else f" (ratio {prev_test.ratio:g})"
                ctx.warn(P.RECOUNT_WARNING.format(first=first, ratio=f"{data['ratio']:g}"))
            out.append((test, ctx.rank(main.start), quoted))
            last = (i, c)
    return out


def _probe(c: _IshCluster) -> str:
    p = c.get("probe")
    return "dual" if p is None else str(p.value)


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
    for m in P.PENDING.finditer(text):
        if ctx.is_excluded(m.start()):
            continue
        near = text[max(0, m.start() - 40) : m.end() + 40]
        if P.NEGATED.search(near):
            continue
        s0, s1 = ctx.sents.bounds(m.start())
        sentence = text[s0:s1]
        if P.pending_conditional(text, s0, s1, m.start(), m.end()):  # a protocol
            continue
        if P.bare_pending_unnamed(text, s0, s1, m.start(), m.end()):
            continue
        # An in situ hybridisation of another target ("EBER ISH pending", "kappa/lambda CISH ordered") is not HER2's.
        if P.pending_for_other_target(text, s0, s1, m.start(), m.end()):
            continue
        here = P.HER2.search(sentence) or P.ISH_TECHNIQUE.search(sentence)
        if not here:
            if (
                P.OTHER_MARKER.search(sentence)
                or P.OTHER_MARKER_I.search(sentence)
                or P.OTHER_MARKER_CAPS.search(sentence)
                or P.FIELD_STOP.search(sentence)
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


def _receptors(ctx: _Ctx) -> tuple[list[_Stmt], list[_Stmt]]:
    text = ctx.text
    anchors: list[tuple[int, int, frozenset[str]]] = []
    both_spans = []
    for m in P.ER_PR_BOTH.finditer(text):
        anchors.append((m.start(), m.end(), frozenset({"er", "pr"})))
        both_spans.append((m.start(), m.end()))
    for rx, name in ((P.ER_NAME, "er"), (P.PR_NAME, "pr")):
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in both_spans):
                continue
            anchors.append((m.start(), m.end(), frozenset({name})))
    anchors.sort()
    starts = sorted({a for a, _, _ in anchors} | set(ctx.stops))
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
        rw, vr = stretch(text, a_end, RECEPTOR_WINDOW), stretch(text, a_end, 90)  # (checkbox.stretch)
        w_end = min(a_end + rw, nxt)
        window = text[a_end:w_end]
        before = text[max(0, a_start - 12) : a_start]
        if (
            P.RECEPTOR_ABSENT_BEFORE.search(before)
            and re.match(r"^\s*(?:were\s+|was\s+)?(?:\w+\s+)?(?:detected|found|identified)", window, re.I)
            is None
        ):
            pass
        if P.RECEPTOR_ABSENT_BEFORE.search(before) and re.match(
            r"^[\s\w]{0,25}?\b(?:detected|identified|seen)", window, re.I
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
        # "ER/PR: 95%/0%", "ER and PR: positive in 95% and 0% respectively": each value is its receptor's, in order
        # (fifth review, B2).
        pair = P.receptor_pair(window) if len(names) == 2 else None
        base = a_end  # (where the pair's offsets count from)
        if pair is None and len(names) == 2:
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
        if _legend_pair(window):
            continue
        pct = None
        for pm in P.PERCENT.finditer(window, 0, vr):
            segment = window[: pm.start()].replace(">", "").replace("<", "")
            lm = P.LEGEND.search(segment)
            if lm is not None:  # a guideline cited in brackets (sixth review, 2)
                lm, _ = P.past_citations(segment, lm, lambda pos: P.LEGEND.search(segment, pos), len(segment))
            if lm or _RECEPTOR_BETWEEN.search(window[: pm.start()]):
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
        wm = P.STATUS_WORD.search(window, 0, vr)
        k = 0  # (where the status is judged from)
        if wm and _status_refused(window, wm.start(), wm.end()) == "control":
            # "ER: positive control stains appropriately; tumour cells negative": the tumour's status after the
            # control's clause, judged from there (fifth review, B3)
            ce = P.CLAUSE_END.search(window, wm.end(), vr)
            k = 0 if ce is None else ce.end()
            wm = None if ce is None else P.STATUS_WORD.search(window, k, vr)
        if wm and _status_refused(window, wm.start(), wm.end()) is not None:
            # "ER: not positive", "Positive: CK5/6, EGFR" (a heading of the next list): not the status; a percentage
            # or an Allred score before it still is ("ER: 90% strong. Positive: CK5/6, EGFR")
            wm = None
        if (
            wm
            and not _bad_value(window[k:], wm.start() - k, wm.end() - k, ish_ok=True)
            and not _RECEPTOR_BETWEEN.search(window[k : wm.start()])
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
        am = P.ALLRED.search(window, 0, 60)
        if am and not _RECEPTOR_BETWEEN.search(window[: am.start()]):
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
    for m in P.STATUS_FOR_MARKER.finditer(text):
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
            if k[2] == q
            and k[0].probe == t.probe  # (a single- and a dual-probe ISH are two tests)
            and (k[0].specimen_id == t.specimen_id or None in (k[0].specimen_id, t.specimen_id))
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
    if (
        item.percent == 0 and item.score != "0"
    ):  # (no stained cell is IHC 0: which half is the slip is unknown)
        ctx.warn(
            f"HER2 IHC {item.score} stated with 0% of cells stained (no stained cell is IHC 0): the score was not "
            "read; ask the laboratory"
        )
        return None
    try:
        return ExtractedIhc.model_validate(data)
    except (ValidationError, Her2kitError, ValueError):
        ctx.warn("an IHC statement with an implausible value was not read")
        return None


def _dcis_only(ctx: _Ctx, start: int, end: int) -> bool:
    s0, s1 = ctx.sents.bounds(start)
    region = ctx.text[max(0, s0, start - 60) : max(end, s1)]
    region = re.sub(r"in\s+situ\s+hybridi[sz]ation", "", region, flags=re.I)
    return bool(P.DCIS.search(region)) and not P.INVASIVE.search(region)


def _status_against_scores(
    ctx: _Ctx, stated: str | None, direct: list[ExtractedIhc | ExtractedIsh]
) -> str | None:
    """The stated status, unless it contradicts every direct IHC score and no ISH test is read ("HER2 was positive
    in the 2012 primary tumour. This metastasis is HER2 1+."): then no status, and a warning."""
    if stated is None or any(t.method == "ish" for t in direct):
        return stated
    scores = {t.score for t in direct if isinstance(t, ExtractedIhc)}
    if scores and (
        (stated == "positive" and scores <= {"0", "1+", "ultralow"})
        or (stated == "negative" and scores == {"3+"})
    ):
        ctx.warn(f"stated HER2 status ({stated}) disagrees with the IHC score(s) read; status not read")
        return None
    return stated


def extract_report(text: str) -> ExtractionResult:
    """Extract HER2 tests, the stated HER2 status, pending results and ER/PR from one report.

    Pure and deterministic; never raises on any string.
    """
    if not isinstance(text, str) or not text.strip():
        return ExtractionResult()
    masked, checkbox_warnings = mask_checkboxes(
        own_subs_replaced(text)
    )  # checkbox templates: ticked options only
    ctx = _context(masked, text)
    for w in checkbox_warnings:
        ctx.warn(w)
    statuses, ihc_items, other_results = _her2_statements(ctx)
    ish_items = _dedupe_ish(ctx, _ish_tests(ctx))
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

    # A status stated for the DCIS component only is not the status of the (invasive) carcinoma.
    dcis = [s for s in statuses if _dcis_only(ctx, s.pos, s.pos)]
    if dcis:
        ctx.warn("HER2 status appears to refer to DCIS only; not read as the stated status")
        statuses = [s for s in statuses if s not in dcis]
    stated = _resolve(ctx, statuses, "stated HER2 status")
    stated = _status_against_scores(ctx, stated, [t for _, t in tests if t.source != QUOTED_SOURCE])
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
