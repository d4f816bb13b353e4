"""The window helpers of scan.py give exactly the matches of the plain regex calls they replace."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.extract import context as C  # noqa: N812
from her2kit.extract import ihc as IHC  # noqa: N812
from her2kit.extract import keywords as K  # noqa: N812
from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.scan import Scanner, finditer_at, search_at

_ALPHABET = st.sampled_from(
    [
        "positive", "Negative", "low positive", "weakly ", "equivocal", "score", " 2+", "3 +", "+1", "0-1+",
        "1 to 2+", "zero", "%", "<", "if", "cell lines", "range ", "FISH", "ratio", " for ", "block A2", "ER", "PR",
        "(", ")", ".", ",", " ", "\n", "a", "1", "0", "Indeterminate", "borderline",
    ]
)  # fmt: skip


def _spans(ms: object) -> list[tuple[int, int]]:
    return [m.span() for m in ms]  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join), st.integers(0, 60), st.integers(0, 400))
def test_finditer_at_is_finditer(text: str, pos: int, endpos: int) -> None:
    scan = Scanner(text)
    low = scan.low if scan.fast else None
    cases = (
        (P.STATUS_WORD, K.STATUS_STARTS),
        (P.SCORE_AFTER_STATUS, ("pos", "neg", "equivocal")),
        (P.SCORE_AFTER_WORD, ("score", "intensity", "staining")),
        (P.LEGEND, K.LEGEND_STARTS),
        (P.SCORE_RANGE, ("0", "1", "2", "zero", "zoro")),
        (P.SPECIMEN_ID, ("block", "slide", "part")),
    )
    for rx, words in cases:
        assert _spans(finditer_at(rx, text, low, words, pos, endpos)) == _spans(
            rx.finditer(text, pos, endpos)
        )
        got = search_at(rx, text, low, words, pos, endpos)
        want = rx.search(text, pos, endpos)
        assert (got and got.span()) == (want and want.span())


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_score_plus_is_search(text: str) -> None:
    scan = Scanner(text)
    got = IHC._score_plus(text, scan.low if scan.fast else None)
    want = P.SCORE_PLUS_ANY.search(text, 0, 130)
    assert (got and got.span()) == (want and want.span())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ABHIZab .:)\n\t-")), max_size=60))
def test_specimen_head_rewrite(text: str) -> None:
    old = re.compile(r"(?<=[.\s])[A-H]\s?[:.)]\s+[A-Z][A-Za-z]")
    assert _spans(C._SPECIMEN_HEAD.finditer(text)) == _spans(old.finditer(text))
