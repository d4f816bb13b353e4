"""HER2 results announced but not given ("pending", "ordered", "to follow in an addendum"): where, and of which kind."""

from __future__ import annotations

import re
from typing import Final

from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.context import ReportContext, her2_in, ish_technique_in, other_target_possible
from her2kit.extract.keywords import ISH_OFFSET, PENDING_OK, PENDING_PREV, PENDING_STARTS, PENDING_WORDS
from her2kit.extract.scan import may_contain, search_at

_NEGATED_STARTS: Final = ("no", "never")


def pending_positions(ctx: ReportContext) -> list[tuple[int, str]]:
    """Positions of HER2 results announced but not given, with their kind ("ish" or "any")."""
    text = ctx.text
    out = []
    for m in ctx.scan.starts(
        P.PENDING,
        PENDING_STARTS,
        offsets=(ISH_OFFSET,),
        near=(PENDING_WORDS, 80),
        anchor_prev=PENDING_PREV,
        anchor_ok=PENDING_OK,
    ):
        if ctx.is_excluded(m.start()):
            continue
        near = text[max(0, m.start() - 40) : m.end() + 40]
        tlow = ctx.low
        nlow = None if tlow is None else tlow[max(0, m.start() - 40) : m.end() + 40]
        # (Every match of P.NEGATED starts with "no" (not, no) or "never": only those places are tried.)
        if may_contain(nlow, _NEGATED_STARTS) and search_at(P.NEGATED, near, nlow, _NEGATED_STARTS):
            continue
        s0, s1 = ctx.sents.bounds(m.start())
        sentence = text[s0:s1]
        # "If HER2 IHC is 2+, reflex FISH will be performed": a protocol (every condition word holds "if" or "unless")
        slow = None if tlow is None else tlow[s0:s1]
        if (slow is None or "if" in slow or "unless" in slow) and P.pending_conditional(
            text, s0, s1, m.start(), m.end()
        ):
            continue
        if P.bare_pending_unnamed(text, s0, s1, m.start(), m.end()):  # "Additional levels ordered."
            continue
        # An in situ hybridisation of another target ("EBER ISH pending", "kappa/lambda CISH ordered") is not HER2's.
        if other_target_possible(ctx, s0 - 80, s1 + 80) and P.pending_for_other_target(
            text, s0, s1, m.start(), m.end()
        ):  # (names are read up to 80 characters around an ISH mention)
            continue
        here = her2_in(ctx, s0, s1) or ish_technique_in(ctx, s0, s1)
        sent_lo = s0  # (where ``sentence`` starts in the text)
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
            prev_lo = max(p0, m.start() - 160)
            prev = text[prev_lo:s0]
            if not (her2_in(ctx, prev_lo, s0) or ish_technique_in(ctx, prev_lo, s0)):
                if re.search(r"marker|prognostic", sentence, re.I):
                    ctx.warn("marker studies announced without naming HER2; not read as HER2 pending")
                continue
            sentence = prev + sentence
            sent_lo = prev_lo if prev else s0
        kind = (
            "ish"
            if ish_technique_in(ctx, sent_lo, s1) or re.search(r"amplification|in situ", sentence, re.I)
            else "any"
        )
        out.append((m.start(), kind))
    return out
