"""Invariants of the status algorithms, checked with hypothesis."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.case import IhcTest, IshTest
from her2kit.render import to_json
from her2kit.status import interpret_her2

ORDER = {"negative": 0, "indeterminate": 1, "equivocal": 1, "positive": 2}
SCORES = ["0", "ultralow", "1+", "2+", "3+"]
TUMOURS = ["breast", "gastric", "gej", "colorectal", "nsclc", "biliary"]

ratios = st.decimals(min_value="0.5", max_value="12", places=2).map(float)
copies = st.decimals(min_value="0.5", max_value="30", places=2).map(float)
ihc_scores = st.one_of(st.none(), st.sampled_from(SCORES))


def _status(
    tumor: str, score: str | None, ratio: float | None, her2: float | None, probe: str = "dual"
) -> Any:
    tests: list[Any] = []
    if score is not None:
        tests.append(IhcTest(method="ihc", score=score))
    if ratio is not None or her2 is not None:
        tests.append(IshTest(method="ish", probe=probe, ratio=ratio, her2_copies=her2))  # type: ignore[arg-type]
    return interpret_her2(tests, tumor)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TUMOURS), ihc_scores, ratios, ratios, copies, copies)
def test_higher_ratio_or_copies_never_lowers_the_result(
    tumor: str, score: str | None, r1: float, r2: float, c1: float, c2: float
) -> None:
    low = _status(tumor, score, min(r1, r2), min(c1, c2))
    high = _status(tumor, score, max(r1, r2), max(c1, c2))
    assert ORDER[high.result] >= ORDER[low.result], (low.summary, high.summary)


@settings(max_examples=200, deadline=None)
@given(ihc_scores, copies, copies)
def test_single_probe_monotone_in_copies(score: str | None, c1: float, c2: float) -> None:
    low = _status("breast", score, None, min(c1, c2), probe="single")
    high = _status("breast", score, None, max(c1, c2), probe="single")
    assert ORDER[high.result] >= ORDER[low.result]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TUMOURS), ihc_scores, st.one_of(st.none(), ratios), st.one_of(st.none(), copies))
def test_no_positive_without_ihc3_or_an_ish_positive_path(
    tumor: str, score: str | None, ratio: float | None, her2: float | None
) -> None:
    status = _status(tumor, score, ratio, her2)
    if status.result != "positive":
        return
    ihc3 = score == "3+"
    if tumor == "breast":
        ish_positive = (
            ratio is not None
            and her2 is not None
            and ((ratio >= 2.0 and her2 >= 4.0) or (ratio < 2.0 and her2 >= 6.0 and score == "2+"))
        )
    else:
        ish_positive = ratio is not None and ratio >= 2.0
    assert ihc3 or ish_positive, status.summary


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(TUMOURS), ihc_scores, st.one_of(st.none(), ratios), st.one_of(st.none(), copies))
def test_output_is_a_pure_function_of_the_input(
    tumor: str, score: str | None, ratio: float | None, her2: float | None
) -> None:
    assert to_json(_status(tumor, score, ratio, her2)) == to_json(_status(tumor, score, ratio, her2))


@settings(max_examples=150, deadline=None)
@given(ihc_scores, st.one_of(st.none(), ratios), st.one_of(st.none(), copies))
def test_breast_category_consistent_with_result(
    score: str | None, ratio: float | None, her2: float | None
) -> None:
    status = _status("breast", score, ratio, her2)
    if status.result == "positive":
        assert status.category == "HER2-positive"
    elif status.result == "negative":
        assert status.category in ("HER2-low", "HER2-ultralow", "HER2-null", "HER2-negative")
    else:
        assert status.category == "unknown"
        assert status.actions, "an undetermined result must say what test is needed"
