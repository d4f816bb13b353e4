"""The decision table's reasons are written once per decision class from a representative case: they must not quote
the representative's values (a row with ISH ratio 1.1 was told "ISH ratio 1.5 without the average HER2 copy
number")."""

from __future__ import annotations

import re

import pytest

from her2kit.cohort import decision
from her2kit.errors import Her2kitError


def _reasons() -> list[object]:
    decision.decision_table.cache_clear()
    try:
        return decision.decision_table()["reasons"].to_list()
    finally:
        decision.decision_table.cache_clear()


def test_the_reasons_do_not_depend_on_the_representative_values(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _reasons()
    other = {
        "none": None,
        "no-ratio": {"cep17_copies": 2.7},
        "ratio-only-amplified": {"ratio": 3.1},
        "ratio-only-not-amplified": {"ratio": 1.7},
        "group1": {"ratio": 3.1, "her2_copies": 4.5},
        "group2": {"ratio": 3.1, "her2_copies": 2.5},
        "group3": {"ratio": 1.7, "her2_copies": 8.0},
        "group4": {"ratio": 1.7, "her2_copies": 4.5},
        "group5": {"ratio": 1.7, "her2_copies": 2.5},
    }
    monkeypatch.setattr(decision, "_REPRESENTATIVE_ISH", other)
    assert _reasons() == before


def test_a_ratio_class_is_named_by_its_bound() -> None:
    text = " ".join(str(r) for r in _reasons())
    assert "ISH ratio <2.0 without the average HER2 copy number" in text
    assert "ratio 1.5" not in text


def _representative_ratios() -> set[float]:
    return {
        values["ratio"] for values in decision._REPRESENTATIVE_ISH.values() if values and "ratio" in values
    }


def test_no_representative_ratio_is_quoted_in_the_reasons() -> None:
    """A number in the reasons column equal to a representative case's ratio would be a made-up value read as the
    row's own, whatever the wording around it."""
    text = " ".join(str(r) for r in _reasons())
    numbers = {float(number) for number in re.findall(r"\d+(?:\.\d+)?", text)}
    assert _representative_ratios()
    assert not numbers & _representative_ratios()


def test_a_summary_wording_the_rewording_misses_stops_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the status summaries' wording changes so that the rewording no longer finds the quoted ratio, building the
    decision table fails loudly instead of quoting the representative ratio to every row of the class."""
    monkeypatch.setattr(decision, "_RATIO_CLASS", re.compile(r"ratio of (?P<value>\d+(?:\.\d+)?)"))
    with pytest.raises(Her2kitError, match=r"^internal error: .* representative ratio (1|2)\.5 "):
        _reasons()


def test_a_quoted_representative_ratio_in_another_wording_is_an_internal_error() -> None:
    with pytest.raises(Her2kitError, match="internal error") as info:
        decision._class_wording("ISH HER2/CEP17 ratio of 2.5: HER2-positive.", "ratio-only-amplified")
    assert "ratio-only-amplified" in str(info.value)
    # (the wording the rewording knows: the class bound, no error)
    assert decision._class_wording("ISH ratio 2.5 (≥2.0): HER2-positive.", "group1") == (
        "ISH ratio ≥2.0: HER2-positive."
    )


def test_a_rows_own_status_is_not_reworded() -> None:
    """Report text read for one row: its values are the row's own (``ish`` None), so they are kept as written."""
    text = "ISH ratio 2.5 (≥2.0): HER2-positive."
    assert decision._class_wording(text, None) == text
