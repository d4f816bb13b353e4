"""Read HER2 (and ER/PR) results from the free text of a pathology report.

The extractor is conservative by design: a value is read only where a HER2 (or ISH, ER, PR)
name stands right before it, never from a legend, a guideline, a control or an Oncotype DX
score, and a result that is only announced sets ``pending`` instead of being guessed. Every
test carries the character span it was read from. See ``docs/extraction.md``.

This module assembles the result: it resolves statements that disagree (a direct statement over a quoted
one, an addendum over the text before it, no single value where specimens differ), drops repeated tests,
and decides whether an announced result is still pending. The readers live beside it: ``context`` (what
every reader shares), ``ihc`` (HER2 statements and IHC scores), ``ish``, ``pending``, ``receptors`` (ER,
PR); ``keywords`` holds every word they look up, ``patterns`` the shared regular expressions and ``scan`` the
keyword index that finds those words in one pass.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Final

from pydantic import ValidationError

from her2kit.errors import Her2kitError
from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.context import QUOTED_SOURCE, ReportContext, Statement, evidence, read_context
from her2kit.extract.ihc import IhcItem, her2_statements
from her2kit.extract.ish import ish_possible, ish_tests
from her2kit.extract.model import ExtractedIhc, ExtractedIsh, ExtractionResult
from her2kit.extract.pending import pending_positions
from her2kit.extract.receptors import receptor_statements


def _resolve(ctx: ReportContext, stmts: list[Statement], what: str) -> str | None:
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


class _KeptIhc:
    """The IHC statements kept so far, in the order kept, indexed by quoted flag, specimen label and score, so that
    a report with thousands of labelled blocks is deduplicated in linear time (each statement used to be compared
    with every kept one: 4,000 blocks took 5 s). Items compare as before: same quoted flag, and the same label or
    either unlabelled."""

    def __init__(self) -> None:
        self.items: dict[int, IhcItem] = {}  # by the order kept
        self.by_quoted: dict[bool, dict[int, None]] = {True: {}, False: {}}
        self.by_score: dict[tuple[bool, str], dict[int, None]] = defaultdict(dict)
        self.by_label: dict[tuple[bool, str | None], dict[int, None]] = defaultdict(dict)
        self.by_label_score: dict[tuple[bool, str | None, str], dict[int, None]] = defaultdict(dict)

    def _labelled(self, seq: int, item: IhcItem, *, keep: bool) -> None:
        label = self.by_label[(item.quoted, item.specimen_id)]
        label_score = self.by_label_score[(item.quoted, item.specimen_id, item.score)]
        if keep:
            label[seq] = label_score[seq] = None
        else:
            del label[seq], label_score[seq]

    def add(self, seq: int, item: IhcItem) -> None:
        self.items[seq] = item
        self.by_quoted[item.quoted][seq] = None
        self.by_score[(item.quoted, item.score)][seq] = None
        self._labelled(seq, item, keep=True)

    def drop(self, seq: int) -> None:
        item = self.items.pop(seq)
        del self.by_quoted[item.quoted][seq]
        del self.by_score[(item.quoted, item.score)][seq]
        self._labelled(seq, item, keep=False)

    def relabel(self, seq: int, label: str) -> None:
        item = self.items[seq]
        self._labelled(seq, item, keep=False)
        item.specimen_id = label
        self._labelled(seq, item, keep=True)

    def same(self, item: IhcItem) -> list[int]:
        """The kept statements about the same specimen as ``item``, in the order kept."""
        if item.specimen_id is None:
            return list(self.by_quoted[item.quoted])
        return sorted({*self.by_label[(item.quoted, item.specimen_id)], *self.by_label[(item.quoted, None)]})

    def any_same(self, item: IhcItem) -> bool:
        if item.specimen_id is None:
            return bool(self.by_quoted[item.quoted])
        return bool(self.by_label[(item.quoted, item.specimen_id)] or self.by_label[(item.quoted, None)])

    def same_score(self, item: IhcItem) -> int | None:
        """The first kept statement about the same specimen with the same score, if any."""
        if item.specimen_id is None:
            return next(iter(self.by_score[(item.quoted, item.score)]), None)
        q, score = item.quoted, item.score
        return min(
            [*self.by_label_score[(q, item.specimen_id, score)], *self.by_label_score[(q, None, score)]],
            default=None,
        )


def _dedupe_ihc(ctx: ReportContext, items: list[IhcItem]) -> list[IhcItem]:
    direct_scores = {i.score for i in items if not i.quoted}
    kept = _KeptIhc()
    for seq, item in enumerate(sorted(items, key=lambda i: i.rank)):
        if item.quoted and item.score in direct_scores:
            continue
        dup = kept.same_score(item)
        if dup is not None:
            if item.specimen_id and not kept.items[dup].specimen_id:
                kept.relabel(dup, item.specimen_id)
            continue
        if kept.any_same(item) and ctx.in_addendum(item.start):
            for other in kept.same(item):
                k = kept.items[other]
                if not ctx.in_addendum(k.start) or k.start < item.start:
                    ctx.warn(f"HER2 IHC {k.score} superseded by a later addendum ({item.score})")
                    kept.drop(other)
        elif kept.any_same(item):
            ctx.warn("the report gives more than one HER2 IHC score for the same or unlabelled specimens")
        kept.add(seq, item)
    return list(kept.items.values())


def _dedupe_ish(
    ctx: ReportContext, items: list[tuple[ExtractedIsh, tuple[int, int, int], bool]]
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


def _ihc_model(ctx: ReportContext, item: IhcItem) -> ExtractedIhc | None:
    data: dict[str, object] = {
        "method": "ihc",
        "score": item.score,
        "evidence": evidence(ctx, item.start, item.end),
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


_ISH_PHRASE: Final = re.compile(r"in\s+situ\s+hybridi[sz]ation", re.I)


def _dcis_only(ctx: ReportContext, start: int, end: int) -> bool:
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


def _status_against_scores(
    ctx: ReportContext, stated: str | None, direct: list[ExtractedIhc | ExtractedIsh]
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
    ctx = read_context(text)  # (checkbox templates: only the ticked options are read, checkbox.py)
    statuses, ihc_items, other_results = her2_statements(ctx)
    ish_items = _dedupe_ish(ctx, ish_tests(ctx)) if ish_possible(ctx) else []
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
    # An announcement at ``pos`` is answered by a result of its kind after it or in an addendum: the latest
    # such result and whether one is in an addendum decide it (a loop over all results per announcement made
    # a report of n of each cost n^2).
    latest = {"any": -1, "ish": -1}
    in_add = {"any": False, "ish": False}
    for p, method in result_positions:
        for k in ("any", "ish") if method == "ish" else ("any",):
            latest[k] = max(latest[k], p)
            in_add[k] = in_add[k] or ctx.in_addendum(p)
    for pos, kind in pending_positions(ctx):
        answered = latest[kind] > pos or in_add[kind]
        if answered:
            ctx.warn("a HER2 result announced as pending is reported later in the text")
        else:
            pending = True

    # A status stated for the DCIS component only is not the status of the (invasive) carcinoma.
    low = ctx.low
    dcis = (
        [s for s in statuses if _dcis_only(ctx, s.pos, s.pos)]
        if statuses and (low is None or "situ" in low or "dcis" in low or "intraductal" in low)
        else []
    )  # (every match of P.DCIS holds one of these words, see _dcis_only)
    if dcis:
        ctx.warn("HER2 status appears to refer to DCIS only; not read as the stated status")
        statuses = [s for s in statuses if s not in dcis]
    stated = _resolve(ctx, statuses, "stated HER2 status")
    stated = _status_against_scores(ctx, stated, [t for _, t in tests if t.source != QUOTED_SOURCE])
    er_stmts, pr_stmts = receptor_statements(ctx)
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
