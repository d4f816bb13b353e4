"""The course document refuses what is ambiguous: two LVEF readings on one date, an adverse event dated after
today, both weight_kg and weights, and values of the wrong kind; each error names the field."""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.case import decode_document
from her2kit.errors import InvalidInput
from her2kit.safety import monitor, parse_course
from tests.safety.courses import D0, course, day


def tdxd(**over: Any) -> dict[str, Any]:
    return course("trastuzumab deruxtecan", indication="breast", **over)


@pytest.mark.parametrize("order", [(58, 30), (30, 58)])
def test_two_lvef_readings_on_one_date_are_an_input_error(order: tuple[int, int]) -> None:
    doc = tdxd(
        lvef=[
            {"date": day(-90), "percent": 62, "baseline": True},
            {"date": day(-7), "percent": order[0]},
            {"date": day(-7), "percent": order[1]},
        ]
    )
    with pytest.raises(InvalidInput) as exc:
        parse_course(doc)
    assert exc.value.field == "lvef.2.date"
    assert exc.value.value == day(-7)
    assert "one LVEF reading per date" in str(exc.value)


def test_lvef_readings_on_different_dates_are_fine() -> None:
    doc = tdxd(lvef=[{"date": day(-90), "percent": 62}, {"date": day(-7), "percent": 58}])
    assert len(parse_course(doc).lvef) == 2


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"term": "pneumonitis", "grade": 1, "onset": day(1)}, "adverse_events.0.onset"),
        (
            {"term": "pneumonitis", "grade": 1, "onset": day(-3), "resolved": day(2)},
            "adverse_events.0.resolved",
        ),
    ],
)
def test_adverse_event_after_today_is_an_input_error(event: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_course(tdxd(adverse_events=[event]))
    assert exc.value.field == field
    assert f"a date on or before today ({D0})" in str(exc.value)


def test_adverse_event_on_today_is_fine() -> None:
    event = {"term": "pneumonitis", "grade": 1, "onset": day(-3), "resolved": day(0)}
    assert parse_course(tdxd(adverse_events=[event])).adverse_events[0].resolved == D0


def test_weight_kg_and_weights_together_are_an_input_error() -> None:
    doc = tdxd(weight_kg=70, weights=[{"date": day(-1), "value": 68, "unit": "kg"}])
    with pytest.raises(InvalidInput) as exc:
        parse_course(doc)
    assert exc.value.field == "weight_kg"
    assert exc.value.allowed == "weight_kg or weights, not both"


def test_weights_alone_are_fine() -> None:
    doc = tdxd(weights=[{"date": day(-1), "value": 68, "unit": "kg"}])
    doc.pop("weight_kg")
    assert parse_course(doc).weight_on(D0) == 68


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"weight_kg": True}, "weight_kg"),
        ({"weight_kg": "70"}, "weight_kg"),
        ({"doses": [{"date": day(-1), "mg": True}]}, "doses.0.mg"),
        ({"doses": [{"date": day(-1), "mg": "367.2"}]}, "doses.0.mg"),
        ({"doses": [{"date": 0, "mg": 367.2}]}, "doses.0.date"),
        ({"today": 0}, "today"),
        ({"adverse_events": [{"term": "rash", "grade": True, "onset": day(-1)}]}, "adverse_events.0.grade"),
        (
            {"adverse_events": [{"term": "diarrhea", "grade": 2, "onset": day(-1), "complicated": "no"}]},
            "adverse_events.0.complicated",
        ),
        ({"lvef": [{"date": day(-1), "percent": 60, "baseline": 1}]}, "lvef.0.baseline"),
        ({"symptomatic_heart_failure": "off"}, "symptomatic_heart_failure"),
        ({"escalation": 0}, "escalation"),
    ],
)
def test_course_values_of_the_wrong_kind_are_refused(over: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_course(tdxd(**over))
    assert exc.value.field == field


def test_course_duplicate_key_is_refused() -> None:
    text = '{"schema_version": "1", "id": "c", "agent": "trastuzumab", "today": "2026-01-05", "today": "2026-09-01"}'
    with pytest.raises(InvalidInput, match="given twice"):
        parse_course(decode_document(text, "course.json"))


def test_monitor_still_runs_on_a_valid_course() -> None:
    doc = tdxd(doses=[{"date": day(-21), "mg": 378}], lvef=[{"date": day(-30), "percent": 60}])
    assert monitor(parse_course(doc)).action


def test_two_values_of_one_test_on_one_date_are_an_input_error() -> None:
    labs = [
        {"date": day(-3), "test": "platelets", "value": 180, "unit": "10^9/L"},
        {"date": day(-3), "test": "platelets", "value": 20, "unit": "10^9/L"},
    ]
    with pytest.raises(InvalidInput) as exc:
        parse_course(tdxd(labs=labs))
    assert exc.value.field == "labs.1.date"
    assert "one value per test per date" in str(exc.value)


def test_two_tests_on_one_date_are_fine() -> None:
    labs = [
        {"date": day(-3), "test": "platelets", "value": 180, "unit": "10^9/L"},
        {"date": day(-3), "test": "alt", "value": 20, "unit": "U/L", "uln": 40},
    ]
    assert len(parse_course(tdxd(labs=labs)).labs) == 2


def test_two_weights_on_one_date_are_an_input_error() -> None:
    doc = tdxd(
        weights=[{"date": day(-30), "value": 68, "unit": "kg"}, {"date": day(-30), "value": 90, "unit": "kg"}]
    )
    doc.pop("weight_kg", None)
    with pytest.raises(InvalidInput) as exc:
        parse_course(doc)
    assert exc.value.field == "weights.1.date"


def test_two_doses_on_one_date_give_the_same_answer_in_either_order() -> None:
    doses = [{"date": day(-21), "mg": 378}, {"date": day(-21), "mg": 308}]
    first = monitor(parse_course(tdxd(doses=doses)))
    second = monitor(parse_course(tdxd(doses=list(reversed(doses)))))
    assert first.model_dump_json() == second.model_dump_json()
