"""Extraction does work linear (or n log n) in the length of a report, checked by counting, not by timing.

A report of n "HER2 IHC 3+." sentences used to cost n^2: ``ReportContext.next_stop_past_her2`` rebuilt the
set of HER2 names and walked past every later name on each call (16,000 sentences: 38 s; a 2.6 MB report
ran for more than 14 minutes). Smaller n^2 loops of the same kind were in ``ReportContext.is_excluded`` /
``quote`` (one loop over all quoted passages per look-up), the ISH result scan (over all spans taken), the
ER/PR name scan (over all "ER and PR" spans) and the pending check (over all results per announcement).

The project forbids timed unit tests: these tests count work instead (list reads, Python lines executed),
which is deterministic. The timing figure is in docs/extraction.md (Performance).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import her2kit.extract.extract as E  # noqa: N812
import her2kit.extract.sentences as S  # noqa: N812
from her2kit.extract import extract_report
from her2kit.extract.context import ReportContext, _Regions, read_context
from her2kit.extract.ish import _overlaps
from tests.extract.reference_impl.extract import _dedupe_ihc as reference_dedupe_ihc
from tests.linecount import lines_executed


class _CountingList(list[Any]):
    """A list that counts how many of its elements are read (by iteration or by index)."""

    reads = 0

    def __iter__(self) -> Iterator[Any]:
        for x in super().__iter__():
            _CountingList.reads += 1
            yield x

    def __getitem__(self, i: Any) -> Any:
        _CountingList.reads += 1
        return super().__getitem__(i)


def test_her2_names_and_stops_are_read_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    """4,000 sentences with a HER2 name each: the name and stop lists are read O(n log n) times, not O(n^2)."""
    n = 4000

    def counting_context(text: str) -> ReportContext:
        ctx = read_context(text)
        ctx.her2 = _CountingList(ctx.her2)
        ctx.stops = _CountingList(ctx.stops)
        return ctx

    monkeypatch.setattr(E, "read_context", counting_context)
    _CountingList.reads = 0
    result = extract_report("HER2 IHC 3+. " * n)
    assert [t.score for t in result.her2_tests if t.method == "ihc"] == ["3+"]
    # Before the fix: about 2 x 8,000 x 4,000 / 2 = 32 million reads. Now a bisection per look-up.
    assert _CountingList.reads < 40 * n, _CountingList.reads


_MIXED = (
    "HER2 IHC 3+ previously performed. Oncotype DX recurrence score 12. HER2 1+. FISH: not amplified. "
    "FISH amplified. ER/PR positive. ER positive 90%. Clinical history: HER2 3+. HER2 IHC 2+. "
    "FISH ratio 1.5 not amplified. "
)


def _lines_executed(text: str) -> int:
    """Python lines executed by extract_report(text) in her2kit.extract (a deterministic measure of work)."""
    return lines_executed("her2kit/extract", lambda: extract_report(text))


def _mixed(n: int) -> str:
    # Results first, announcements after them: every announcement is checked against every result.
    return _MIXED * n + "FISH pending. " * n


def test_work_grows_linearly_with_report_length() -> None:
    """Four times the text, about four times the work (a quadratic step would give about 16 times)."""
    small, large = _lines_executed(_mixed(100)), _lines_executed(_mixed(400))
    assert large < 4.6 * small, (small, large)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 80)), max_size=40), st.integers(-5, 400))
def test_regions_first_is_the_first_holding_passage(raw: list[tuple[int, int]], pos: int) -> None:
    regions = [(a, a + w) for a, w in sorted(raw, key=lambda r: r[0])]
    expected = next((i for i, (a, b) in enumerate(regions) if a <= pos < b), -1)
    assert _Regions(regions).first(pos) == expected


def test_quote_and_exclusion_with_many_passages_match_a_loop() -> None:
    rng = random.Random(7)
    parts = [
        "HER2 3+ previously performed on the prior core biopsy. ",
        "Oncotype DX score 12. ",
        "HER2 1+. \n",
    ]
    parts.append("HER2 2+ previously reported. ")
    text = "".join(rng.choice(parts) for _ in range(300))
    ctx = read_context(text)
    assert len(ctx.quoted) > 8  # the bisection path is taken
    assert len(ctx.excluded) > 8
    for pos in range(0, len(text), 7):
        exp_q = next(((True, bio) for a, b, bio in ctx.quoted if a <= pos < b), (False, False))
        assert ctx.quote(pos) == exp_q
        assert ctx.is_excluded(pos) == any(a <= pos < b for a, b in ctx.excluded)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 20), max_size=30), st.integers(0, 400), st.integers(0, 30))
def test_overlaps_matches_a_loop(gaps: list[int], start: int, width: int) -> None:
    spans, pos = [], 0
    for g in gaps:  # sorted spans that do not overlap, as one scan's matches
        spans.append((pos + g // 2, pos + g))
        pos += g
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    end = start + width + 1
    assert _overlaps(starts, ends, start, end) == any(a < end and start < b for a, b in spans)


class _CountingPattern:
    """A compiled pattern that counts the characters it is given to scan (``endpos - pos``)."""

    chars = 0

    def __init__(self, rx: re.Pattern[str]) -> None:
        self.rx = rx

    def match(self, s: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        _CountingPattern.chars += min(endpos, len(s)) - pos
        return self.rx.match(s, pos, endpos)

    def finditer(self, s: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        _CountingPattern.chars += min(endpos, len(s)) - pos
        return self.rx.finditer(s, pos, endpos)


def _sentence_chars(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    with monkeypatch.context() as mp:
        for name in ("_BOUNDARY", "_LAST_BOUNDARY"):
            mp.setattr(S, name, _CountingPattern(getattr(S, name)))
        _CountingPattern.chars = 0
        result = extract_report(text)
    assert [t.ratio for t in result.her2_tests if t.method == "ish"] == [2.0]
    return _CountingPattern.chars


def test_repeated_ish_ratio_without_sentence_ends_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    """ "HER2/CEP17 ratio 2.0 " repeated with no sentence boundary: the ISH legend check looked up the whole
    sentence of every ratio, and with no boundary each look-up scanned the whole text (100 KB: 18 s). Counted:
    four times the text, about four times the characters scanned for sentence boundaries (it was 16 times)."""
    small = _sentence_chars("HER2/CEP17 ratio 2.0 " * 500, monkeypatch)
    large = _sentence_chars("HER2/CEP17 ratio 2.0 " * 2000, monkeypatch)
    assert large < 4.6 * small, (small, large)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=". ;\n!?ab1", min_size=1, max_size=200), st.integers(0, 199), st.integers(0, 80))
def test_sentence_start_within_matches_bounds(text: str, pos: int, reach: int) -> None:
    pos = min(pos, len(text) - 1)
    sents = S.Sentences(text)
    assert sents.start_within(pos, reach) == max(sents.bounds(pos)[0], pos - reach, 0)


def _labelled_blocks(n: int) -> str:
    scores = ["1+", "2+", "0", "3+"]
    return " ".join(f"Block A{i}: HER2 IHC {scores[i % 4]}." for i in range(n))


def test_many_labelled_blocks_are_deduplicated_linearly() -> None:
    """Each IHC statement used to be compared with every kept one (4,000 labelled blocks: 5 s)."""
    small, large = _lines_executed(_labelled_blocks(250)), _lines_executed(_labelled_blocks(1000))
    assert large < 4.6 * small, (small, large)


_BLOCK_PARTS = [
    "Block A1: HER2 IHC 1+. ",
    "Block A2: HER2 IHC 3+. ",
    "Block A1: HER2 2+. ",
    "HER2 IHC 1+. ",
    "HER2 0. ",
    "Previously reported HER2 3+. ",
    "Block B1 HER2 (4B5) 2+. ",
    "ADDENDUM: ",
    "Block A2: HER2 IHC 1+. ",
    "Part 3: HER2 score 0. ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_BLOCK_PARTS), max_size=25))
def test_indexed_dedupe_matches_the_all_pairs_loop(parts: list[str]) -> None:
    import copy

    import her2kit.extract.ihc as I  # noqa: N812

    text = "".join(parts)
    ctx = read_context(text)
    items = I.her2_statements(ctx)[1]
    expected_ctx, got_ctx = copy.deepcopy(ctx), copy.deepcopy(ctx)
    # The frozen extractor's deduplication compares each statement with every kept one (duck-typed items).
    expected = reference_dedupe_ihc(expected_ctx, copy.deepcopy(items))  # type: ignore[arg-type]
    got = E._dedupe_ihc(got_ctx, copy.deepcopy(items))
    assert got == expected
    assert got_ctx.warnings == expected_ctx.warnings


def test_checkbox_templates_are_read_linearly() -> None:
    """A report of many checkbox templates (checkbox.py): four times the text, about four times the work."""
    template = "HER2 (by immunohistochemistry):\n[ ] Negative (Score 0) [ ] Negative (Score 1+) [X] Positive (Score 3+)\n"
    small, large = _lines_executed(template * 50), _lines_executed(template * 200)
    assert large < 4.6 * small, (small, large)
