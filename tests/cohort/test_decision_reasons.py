"""The decision table's reasons are written once per decision class from a representative case: they must not quote
the representative's values (a row with ISH ratio 1.1 was told "ISH ratio 1.5 without the average HER2 copy
number")."""

from __future__ import annotations

import pytest

from her2kit.cohort import decision


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
