"""The Aho-Corasick keyword pass (scan.KeywordIndex) gives exactly the ``str.find`` results, and the
extractor's output is the same with and without it (``ahocorasick-rs`` missing)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.extract import context as C  # noqa: N812
from her2kit.extract import extract as E  # noqa: N812
from her2kit.extract import keywords as K  # noqa: N812
from her2kit.extract import scan as S  # noqa: N812
from her2kit.extract.cli import render_extraction
from tests.extract.test_differential import _TOKENS, REPORT_TEXTS, SNIPPETS, _variants

NO_AUTOMATON = S.KeywordIndex(K.KEYWORDS, use_automaton=False)

_PIECES = st.sampled_from(["pr", "pgr", "p", "r", "er", "her", "her2", "e", "x", " ", "\u00e9", "\U0001d538"])
needs_automaton = pytest.mark.skipif(S.ahocorasick_rs is None, reason="ahocorasick-rs not installed")


def _find_all(low: str, w: str) -> list[int]:
    out = []
    i = low.find(w)
    while i >= 0:
        out.append(i)
        i = low.find(w, i + 1)
    return out


def _render(text: str) -> str:
    return render_extraction(E.extract_report(text), "json")


def _render_without_automaton(text: str) -> str:
    saved = C.INDEX  # the binding read_context uses
    C.INDEX = NO_AUTOMATON
    try:
        return _render(text)
    finally:
        C.INDEX = saved


@needs_automaton
def test_index_is_built_with_the_automaton() -> None:
    assert K.INDEX.automaton is not None
    assert K.INDEX.words == K.KEYWORDS
    assert S.Scanner("HER2 IHC 3+", K.INDEX)._indexed is K.INDEX.words  # (one word list: the index's)


def test_index_without_ahocorasick_rs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(S, "ahocorasick_rs", None)
    index = S.KeywordIndex(["her", "pr"])
    assert index.automaton is None
    scan = S.Scanner("HER2 and PR", index)
    assert scan._cache == {}  # the str.find path
    assert scan._hits(("her", "pr")) == [0, 9]


def test_keywords_must_be_lower_case() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        S.KeywordIndex(["HER"])


@needs_automaton
@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_hits_are_the_find_positions(low: str) -> None:
    words = ["pr", "pgr", "prior", "er", "her", "her2", "ere", "rr", "r", "\u00e9r", "\U0001d538p"]
    hits = S.KeywordIndex(words).hits(low)
    assert hits == {w: _find_all(low, w) for w in words}  # overlapping occurrences included


@needs_automaton
@pytest.mark.skipif(not REPORT_TEXTS, reason="shared TCGA reports not available")
def test_hits_on_real_reports() -> None:
    for text in REPORT_TEXTS:
        low = text.lower()
        hits = K.INDEX.hits(low)
        assert hits == {w: _find_all(low, w) for w in K.KEYWORDS}


def _scans(scan: S.Scanner) -> Iterator[list[tuple[int, int]]]:
    """Every whole-text scan the extractor makes, with its arguments (see the reader modules)."""
    calls: list[tuple[re.Pattern[str], tuple[object, ...], dict[str, object]]] = [
        (E.P.HER2, (K.HER2_WORDS,), {"offsets": K.HER2_OFFSETS}),
        (E.P.ADDENDUM, (K.ADDENDUM_WORDS,), {}),
        (E.P.ONCOTYPE, (K.ONCOTYPE_WORDS,), {"offsets": K.ONCOTYPE_OFFSETS}),
        (E.P.QUOTED, (K.QUOTED_WORDS,), {}),
        (E.P.OTHER_MARKER, (), {"exact": K.OTHER_MARKER_EXACT, "offsets": (K.CADHERIN,), "word_start": True}),
        (E.P.OTHER_MARKER_I_STOP, (K.OTHER_MARKER_I_WORDS,), {"offsets": (K.KI67, K.CADHERIN)}),
        (E.P.SECTION_BREAK, (), {"exact": K.SECTION_EXACT}),
        (E.P.CELLS_COUNTED, (K.CELLS_STARTS,), {"near": (K.CELLS_ANCHORS, 180)}),
        (
            E.P.PENDING, (K.PENDING_STARTS,),
            {"offsets": (K.ISH_OFFSET,), "near": (K.PENDING_WORDS, 80), "anchor_prev": K.PENDING_PREV},
        ),
        (
            E.P.ER_PR_BOTH, (K.ER_PR_BOTH_WORDS,),
            {"word_start": True, "near": (K.ER_PR_BOTH_ANCHORS, 64), "anchor_prev": K.ER_PR_BOTH_PREV},
        ),
        (E.P.ER_NAME, (K.ER_WORDS,), {"exact": K.ER_EXACT, "word_start": True}),
        (E.P.PR_NAME, (K.PR_WORDS,), {"exact": K.PR_EXACT, "word_start": True}),
        (E.P.STATUS_FOR_MARKER, (K.STATUS_FOR_WORDS,), {}),
    ]  # fmt: skip
    for value, rx, words, anchor in K.ISH_RESULT_SCANS:
        offsets = (K.ISH_OFFSET,) if value == "equivocal" else ()
        calls.append((rx, (words,), {"offsets": offsets, "near": ((anchor,), 180)}))
    for rx, args, kwargs in calls:
        yield [m.span() for m in scan.starts(rx, *args, **kwargs)]


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKENS, max_size=60).map("".join))
def test_scans_identical_with_and_without_automaton(text: str) -> None:
    with_index = S.Scanner(text, K.INDEX)
    plain = S.Scanner(text, NO_AUTOMATON)
    with_index.warm(*K.WARM_WORDS)
    plain.warm(*K.WARM_WORDS)
    assert list(_scans(with_index)) == list(_scans(plain))


@settings(max_examples=200, deadline=None)
@given(st.lists(_TOKENS, max_size=60).map("".join))
def test_output_identical_with_and_without_automaton(text: str) -> None:
    assert _render(text) == _render_without_automaton(text)


@pytest.mark.parametrize("text", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_snippets_identical_without_automaton(text: str) -> None:
    assert _render(text) == _render_without_automaton(text)


@pytest.mark.skipif(not REPORT_TEXTS, reason="shared TCGA reports not available")
def test_real_reports_identical_without_automaton() -> None:
    for text in REPORT_TEXTS:
        assert _render(text) == _render_without_automaton(text)
    for text in [t for t in REPORT_TEXTS if "her" in t.lower()][:20]:
        for variant in _variants(text):
            assert _render(variant) == _render_without_automaton(variant)


@needs_automaton
@pytest.mark.skipif(not REPORT_TEXTS, reason="shared TCGA reports not available")
def test_no_whole_text_keyword_is_left_to_str_find(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every keyword the extractor looks up in the whole text is in the automaton: a case-sensitive
    one is read off the hits of its lower-case form, none is searched with ``str.find``."""
    missed: set[tuple[str, bool]] = set()
    find: Callable[[S.Scanner, str, bool], list[int]] = S.Scanner._find

    def recording_find(self: S.Scanner, w: str, case: bool) -> list[int]:
        if w.lower() not in self._cache:
            missed.add((w, case))
        return find(self, w, case)

    monkeypatch.setattr(S.Scanner, "_find", recording_find)
    for text in REPORT_TEXTS + SNIPPETS:
        E.extract_report(text)
    assert missed == set()


@needs_automaton
@pytest.mark.skipif(not REPORT_TEXTS, reason="shared TCGA reports not available")
def test_shared_empty_hit_list_stays_empty() -> None:
    for text in REPORT_TEXTS[:30]:
        E.extract_report(text)
    assert K.INDEX._no_hits == []


def test_lone_surrogate_takes_the_str_find_path() -> None:
    """The automaton reads UTF-8, which cannot hold a lone surrogate: such a text is scanned without it."""
    text = "HER2 (4B5) \ud800 score 3+, positive. ER positive."
    scan = S.Scanner(text, K.INDEX)
    assert not scan.fast
    assert _render(text) == _render_without_automaton(text)
    assert E.extract_report(text).stated_status == "positive"
