"""ISH results: fragments (ratio, mean HER2 and CEP17 copies, cells counted, a stated result, a single
probe) read where an ISH word or a HER2 name is near, grouped into one test per cluster.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Final

from pydantic import ValidationError

from her2kit.errors import Her2kitError
from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.context import (
    QUOTED_SOURCE,
    ReportContext,
    evidence,
    her2_in,
    ish_technique_in,
    other_target_possible,
    specimen_id,
)
from her2kit.extract.keywords import (
    CELLS_ANCHORS,
    CELLS_STARTS,
    ISH_KIT_WORDS,
    ISH_OFFSET,
    ISH_RESULT_SCANS,
    ISH_TECHNIQUE_WORDS,
    ISH_WORD_CHECKED,
    ISH_WORD_INDEXED,
    ISH_WORD_RARE,
    LEGEND_STARTS,
)
from her2kit.extract.model import ExtractedIsh
from her2kit.extract.scan import may_contain, search_at

ISH_CONTEXT_BEFORE: Final = 300
ISH_CLUSTER_GAP: Final = 1500
# What ends a restatement's reach after the ratio: a sentence end, a field colon or another block's (tumour's) label
# ("block A1: not amplified, ratio 1.2, block B2: not amplified": B2's result is its own).
_RESTATE_BREAK: Final = re.compile(
    r"[.;!?:](?=\s)|\n|(?<![A-Za-z])(?i:blocks?|slides?|parts?|tumou?r|lesion|specimen)\s*#?\s*[A-Z]?\d"
)
# (and the words of a recount or second reading, which name the ratio of an ISH count: "recount ratio 2.1", "second
# observer: ratio 2.2", "Combined ratio (40 cells) 2.05"; sixth review, 1)
_RATIO_NEAR: Final = re.compile(
    r"HER|CEP|17|signal|FISH|ISH|amplif|re-?\s?count|counted|observer|reader|combined|overall"
    r"|(?:first|second|1st|2nd|initial|final)\s+count|count\s*(?:#|no\.?)?\s*[12](?![\d.])",
    re.I,
)
_CEP_NEAR: Final = re.compile(r"CEP\s*-?17|PathVysion", re.I)
_THRESHOLD_WORDS: Final = ("greater", "more", "higher", "above")
_ISH_LEVELS_AFTER: Final = re.compile(r"^\s*(?:HER[\s\-]?2\S*\s+)?(?:levels?|control)", re.I)
# Every match of P.ISH_WORD, in any window of the text (``search(text, lo, hi)``: the look-ahead after
# it may see the end of the window, the look-behind before it sees the text), holds one of: "ish" as
# the end of "ish", "fish", "cish", "sish", "dish", "ddish" or "iqfish" with a non-letter before that
# (FISH, CISH, SISH, DDISH, DISH, ISH, IQFISH); "cep" and "17" (CEP 17); "amplification" or
# "amplified"; one of ISH_WORD_RARE (FISZ, hybridisation, PathVysion, Vysis, ZytoLight); "inform her2"
# or "chromosome 17". All these words are in the keyword index, so the check is a few look-ups.
_ISH_PREFIXES: Final = ("", "f", "c", "s", "d", "dd", "iqf")
_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
_CEP17: Final = re.compile(r"cep\s*-?\s*17")
_ISH_WORD_OTHER: Final = re.compile(r"inform\s+her2|chromosome\s+17")


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
    recount: bool = False  # it starts at a recount, second reading or combined count (P.recount_breaks)

    def get(self, kind: str) -> _Frag | None:
        for f in self.frags:
            if f.kind == kind:
                return f
        return None


def _ish_context(ctx: ReportContext, start: int, end: int) -> bool:
    text = ctx.text
    lo = max(0, start - ISH_CONTEXT_BEFORE)
    if _ish_word(ctx, lo, min(len(text), end + 100)):
        return True
    i = bisect.bisect_left(ctx.her2, (lo, 0))
    return i < len(ctx.her2) and ctx.her2[i][0] < end + 60


# The words every match of P.ISH_WORD holds (see _ISH_PREFIXES), and how far after the match's start they can begin:
# "in situ hybridisation", with two white-space runs of at most 24 characters on the keyword path (scan.py).
_ISH_WORD_KEYS: Final = (*ISH_WORD_INDEXED, *ISH_WORD_RARE, *ISH_WORD_CHECKED)
_ISH_WORD_KEY_REACH: Final = len("in") + 24 + len("situ") + 24


def _ish_word(ctx: ReportContext, lo: int, hi: int) -> bool:
    """``P.ISH_WORD.search(ctx.text, lo, hi) is not None``. On the keyword path a match holds a key that starts in
    ``lo .. hi``, at or after the first such key: the search starts at most _ISH_WORD_KEY_REACH characters before it
    (the pattern opens with a look-behind, so a search costs a full attempt at every character it passes)."""
    t = ctx.scan.first_start(_ISH_WORD_KEYS, lo)
    if t is None:
        return P.ISH_WORD.search(ctx.text, lo, hi) is not None
    if t >= hi:
        return False
    return P.ISH_WORD.search(ctx.text, max(lo, t - _ISH_WORD_KEY_REACH), hi) is not None


def _sentence_legend(ctx: ReportContext, start: int, end: int) -> bool:
    s0 = ctx.sents.start_within(start, 60)  # the sentence start, at most 60 characters back
    before = ctx.text[s0:start]
    after = ctx.text[end : end + 25]
    low = ctx.low
    blow = None if low is None else low[s0:start]
    lm = search_at(P.LEGEND, before, blow, LEGEND_STARTS)
    # "HER2 FISH (ASCO/CAP 2018 guidelines): ratio 2.5": a guideline cited in brackets is no legend (sixth review, 2)
    if lm is not None:
        lm, _ = P.past_citations(
            before, lm, lambda pos: search_at(P.LEGEND, before, blow, LEGEND_STARTS, pos), len(before)
        )
    return bool(
        lm
        or P.legend_after(after)
        or _ISH_LEVELS_AFTER.match(after)
        # "HER2 ratio 2.0 or greater: amplified" (every match holds "greater", "more", "higher" or "above")
        or (
            may_contain(None if low is None else low[s0:start], _THRESHOLD_WORDS)
            and P.ISH_THRESHOLD_BEFORE.search(before)
        )
    )


def _overlaps(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Some span ``(starts[i], ends[i])`` overlaps ``start .. end`` (the spans do not overlap each other and
    are sorted: the last one starting before ``end`` ends last)."""
    k = bisect.bisect_left(starts, end)
    return k > 0 and ends[k - 1] > start


def _ish_fragments(ctx: ReportContext) -> list[_Frag]:
    text = ctx.text
    low = ctx.low
    scan = ctx.scan
    frags: list[_Frag] = []

    def add(kind: str, value: float | str | None, m: re.Match[str], group: int | str = 0) -> None:
        start, end = m.start(), m.end()
        if ctx.is_excluded(start) or not _ish_context(ctx, start, end) or _sentence_legend(ctx, start, end):
            return
        s0 = ctx.sents.start_within(start, P.OTHER_TARGET_REACH)
        # (the mean CEP17 and HER2 counts name their own probe: "mean TOP2A signals 2.1, mean CEP17 signals 2.0")
        other = (
            P.other_target_before(text, s0, end)
            if kind not in ("cep17", "her2") and other_target_possible(ctx, s0 - 80, end + 80)
            else None
        )
        if other is not None:  # "MYC FISH: amplified (ratio 4.1)", "MDM2/CEP12 ratio 6.0"
            ctx.warn(f"an ISH value of another target ({other}) is not read as HER2's")
            return
        if value is None:  # a comma form that is not plainly one decimal number (P.decimal)
            ctx.warn(P.COMMA_NOT_DECIMAL_WARNING)
            return
        frags.append(_Frag(kind, value, start, end))

    ratio_scans = (
        (P.RATIO, scan.starts(P.RATIO, ("ratio",))),
        (P.RATIO_DETERMINED, scan.starts(P.RATIO_DETERMINED, ("centromere",))),
        (P.RATIO_AFTER_ISH, scan.starts(P.RATIO_AFTER_ISH, ("ish",), offsets=(ISH_OFFSET,))),
    )
    for rx, matches in ratio_scans:
        for m in matches:
            if rx is P.RATIO and P.RATIO_AFTER_BAD.match(text[m.end() : m.end() + 40]):
                continue
            if rx is P.RATIO and not _RATIO_NEAR.search(text[max(0, m.start() - 40) : m.end()]):
                continue
            add("ratio", P.decimal(m.group(1)), m)
    for kind, rx, word in (("her2", P.HER2_MEAN, "her"), ("cep17", P.CEP17_MEAN, "cep")):
        for m in scan.starts(rx, ("average", "mean", word)):
            value = next(g for g in m.groups() if g is not None)
            add(kind, P.decimal(value), m)
    for m in scan.starts(P.CELLS_COUNTED, CELLS_STARTS, near=(CELLS_ANCHORS, 180)):
        raw = (m.group(1) or m.group(2) or "").lower()
        raw = " ".join(raw.split())
        n = P.COUNT_WORDS.get(raw) if not raw.isdigit() else int(raw)
        if n:
            add("cells", float(n), m)
    # The spans taken by each earlier result scan: one scan's matches do not overlap and come in text order,
    # so their starts and ends are both sorted and one bisection per scan finds an overlap (a loop over all
    # spans taken made a report of n results cost n^2).
    taken: list[tuple[list[int], list[int]]] = []
    for value, rx, words, anchor in ISH_RESULT_SCANS:
        offsets = (ISH_OFFSET,) if value == "equivocal" else ()
        t_starts: list[int] = []
        t_ends: list[int] = []
        for m in scan.starts(rx, words, offsets=offsets, near=((anchor,), 180)):
            if any(_overlaps(st, en, m.start(), m.end()) for st, en in taken):
                continue
            # "amplification" needs HER2 or an ISH method nearby, not just the word itself.
            near_lo, near_hi = max(0, m.start() - 200), min(len(text), m.end() + 80)
            if not (
                her2_in(ctx, near_lo, near_hi)
                or ish_technique_in(ctx, near_lo, near_hi)
                or _CEP_NEAR.search(text[near_lo:near_hi])
            ):
                continue
            t_starts.append(m.start())
            t_ends.append(m.end())
            # "to determine whether HER2 is amplified": asked, not stated (every match holds "if" or "whether")
            w = None if low is None else low[max(0, m.start() - 60) : m.start()]
            if (w is None or "if" in w or "whether" in w) and P.RESULT_ASKED.search(
                text, max(0, m.start() - 60), m.start()
            ):
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
        taken.append((t_starts, t_ends))
    for m in scan.starts(P.SINGLE_PROBE, ("single", "her2")):
        add("probe", "single", m)
    if any(f.kind == "probe" for f in frags):  # (a rare word: searched only beside a single probe)
        for m in P.DUAL_PROBE.finditer(text):
            add("probe", "dual", m)
    frags.sort(key=lambda f: f.start)
    _tag_probes(ctx, frags)
    return frags


def _tag_probes(ctx: ReportContext, frags: list[_Frag]) -> None:
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


def _clusters(text: str, frags: list[_Frag], breaks: list[int] | None = None) -> list[_IshCluster]:
    """The fragments grouped into tests; ``breaks``: where a recount starts (P.recount_breaks), which starts a test
    marked ``recount`` at the first fragment from there on."""
    out: list[_IshCluster] = []
    cur = _IshCluster()
    last = -(10**9)
    probe: str | None = None  # the cluster's probe (see _tag_probes)
    breaks = breaks or []
    b_i = 0
    for f in frags:
        prev = cur.get(f.kind)
        # (a break between the previous fragment and this one; breaks are sorted, each passed over once)
        recount = False
        while b_i < len(breaks) and breaks[b_i] <= f.start:
            recount = recount or breaks[b_i] > last
            b_i += 1
        recount = recount and bool(cur.frags)
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


def ish_possible(ctx: ReportContext) -> bool:
    """False only if no ISH fragment can be read: a fragment needs a HER2 name or an ISH word near it
    (:func:`_ish_context`), and the keyword-path text has neither anywhere. (On the keyword path no
    non-ASCII character matches an ASCII letter case-insensitively, see scan.py.)"""
    low = ctx.low
    if ctx.her2 or low is None:
        return True
    scan = ctx.scan
    ish, cep, amplif = ISH_WORD_INDEXED
    for i in scan.positions(ish):
        for pre in _ISH_PREFIXES:
            k = i - len(pre)
            if k >= 0 and low.startswith(pre, k) and (k == 0 or low[k - 1] not in _LETTERS):
                return True
    if any(_CEP17.match(low, i) for i in scan.positions(cep)):
        return True
    if any(low.startswith(("amplification", "amplified"), i) for i in scan.positions(amplif)):
        return True
    if scan.has(*ISH_WORD_RARE):
        return True
    return any(_ISH_WORD_OTHER.match(low, i) for w in ISH_WORD_CHECKED for i in scan.positions(w))


def ish_tests(ctx: ReportContext) -> list[tuple[ExtractedIsh, tuple[int, int, int], bool]]:
    text = ctx.text
    out: list[tuple[ExtractedIsh, tuple[int, int, int], bool]] = []
    frags = _ish_fragments(ctx)
    ratios = [(f.start, f.end) for f in frags if f.kind == "ratio"]
    clusters = _clusters(text, frags, P.recount_breaks(text, ratios) if len(ratios) > 1 else None)
    # (the index of the cluster of the last test in ``out`` and that cluster)
    last: tuple[int, _IshCluster] | None = None
    for i, c in enumerate(clusters):
        # "ratio: 13" beside HER2 5.2 and CEP17 4.0: the ratio lost its decimal point; not read (sixth review, 5)
        ratio, her2, cep17 = c.get("ratio"), c.get("her2"), c.get("cep17")
        slipped = (
            ratio is not None
            and her2 is not None
            and cep17 is not None
            and _probe(c) != "single"
            and P.ratio_slipped(float(ratio.value), float(her2.value), float(cep17.value))
        )
        if slipped:
            ctx.warn(P.RATIO_SLIP_WARNING)
        main = (None if slipped else ratio) or c.get("result") or her2
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
        technique = ctx.scan.search_in(P.ISH_TECHNIQUE, text, 0, ISH_TECHNIQUE_WORDS, t_lo, t_hi)
        kit = ctx.scan.search_in(P.ISH_KIT, text, 0, ISH_KIT_WORDS, k_lo, k_hi)
        assay_parts = [technique.group(1).upper() if technique else None, kit.group(1) if kit else None]
        assay = " ".join(p for p in assay_parts if p) or None
        data: dict[str, object] = {
            "method": "ish",
            "evidence": evidence(ctx, main.start, main.end),
            "specimen_id": specimen_id(ctx, lo - 100, hi + 250, main.start),
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
        supersedes = c.recount and _supersedes(ctx, out, last, i, c, data, quoted)
        test = _build_ish(ctx, data)
        last = None
        if test is not None:
            if supersedes:
                earlier = out.pop()[0].ratio
                ctx.warn(
                    P.RECOUNT_WARNING.format(
                        first="" if earlier is None else f" (ratio {earlier:g})", ratio=f"{data['ratio']:g}"
                    )
                )
            out.append((test, ctx.rank(main.start), quoted))
            last = (i, c)
    return out


def _supersedes(
    ctx: ReportContext,
    out: list[tuple[ExtractedIsh, tuple[int, int, int], bool]],
    last: tuple[int, _IshCluster] | None,
    i: int,
    c: _IshCluster,
    data: dict[str, object],
    quoted: bool,
) -> bool:
    """Whether the test of cluster ``i`` (``data``), a recount, second reading or combined count with a ratio,
    supersedes the test of the count right before it (``last``, the last test in ``out``): both of one specimen (the
    same label or one unlabelled), probe and quoting (sixth review, 1). Then a result heading the earlier count
    ("AMPLIFIED (initial count ratio 1.95; recount ratio 2.10)") is put in ``data``; and the cells of "an additional 20
    cells were counted" are not read as those of the ratio after them (taken out of ``data``)."""
    cells = c.get("cells")
    if cells is not None and P.ADDITIONAL_BEFORE.search(ctx.text, max(0, cells.start - 20), cells.start):
        data.pop("cells_counted", None)
    if last is None or last[0] != i - 1 or not isinstance(data.get("ratio"), float):
        return False
    prev_c = last[1]
    prev_test, _, prev_quoted = out[-1]
    sid = data["specimen_id"]
    if (
        prev_quoted != quoted
        or _probe(prev_c) != _probe(c)
        or (prev_test.specimen_id != sid and None not in (prev_test.specimen_id, sid))
    ):
        return False
    prev_result, prev_ratio = prev_c.get("result"), prev_c.get("ratio")
    if (
        "result" not in data
        and prev_result is not None
        and (prev_ratio is None or prev_result.start < prev_ratio.start)
    ):
        data["result"] = prev_result.value
    return True


def _probe(c: _IshCluster) -> str:
    p = c.get("probe")
    return "dual" if p is None else str(p.value)


def _build_ish(ctx: ReportContext, data: dict[str, object]) -> ExtractedIsh | None:
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
