"""Monitoring does work proportional to the length of a course (counted, not timed).

Each dose's level is read against the doses around it (the weight at the previous dose, the doses of its day); the
monitor asks about every dose several times. Before readings were kept per course (safety/readings.py), a daily
course cost n² (1,600 twice-daily sevabertinib doses: 18 s)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from her2kit.safety import monitor, parse_course
from tests.linecount import lines_executed

FIRST = dt.date(2020, 1, 1)


def _course(agent: str, n: int, mg: float, per_day: int, **over: Any) -> dict[str, Any]:
    doses = [
        {"date": (FIRST + dt.timedelta(days=i)).isoformat(), "mg": mg}
        for i in range(n)
        for _ in range(per_day)
    ]
    doc: dict[str, Any] = {
        "schema_version": "1",
        "id": "linear",
        "agent": agent,
        "weight_kg": 70,
        "doses": doses,
        "today": (FIRST + dt.timedelta(days=n)).isoformat(),
    }
    doc.update(over)
    return {k: v for k, v in doc.items() if v is not None}


def _lines_executed(doc: dict[str, Any]) -> int:
    """Python lines executed in her2kit.safety by monitor() (a deterministic measure of work)."""
    course = parse_course(doc)
    return lines_executed("her2kit/safety", lambda: monitor(course))


def _escalation_with_holds(n: int) -> dict[str, Any]:
    """Neratinib on the escalation, n daily doses with a two-day hold for an open event every 20 days."""
    days = [i for i in range(n + n // 10) if i % 20 not in (18, 19)][:n]
    return {
        "schema_version": "1",
        "id": "linear-escalation",
        "agent": "neratinib",
        "weight_kg": 70,
        "escalation": True,
        "doses": [{"date": (FIRST + dt.timedelta(days=i)).isoformat(), "mg": 120} for i in days],
        "adverse_events": [
            {
                "term": "diarrhea",
                "grade": 2,
                "onset": (FIRST + dt.timedelta(days=i)).isoformat(),
                "resolved": (FIRST + dt.timedelta(days=i + 2)).isoformat(),
            }
            for i in days
            if i % 20 == 17
        ],
        "today": (FIRST + dt.timedelta(days=days[-1] + 3)).isoformat(),
    }


def test_holds_in_the_escalation_are_counted_once() -> None:
    """Code review: each hold's escalation day re-listed every hold before it, and each gap scanned every event."""
    small = _lines_executed(_escalation_with_holds(200))
    large = _lines_executed(_escalation_with_holds(800))
    assert large < 4.6 * small, (small, large)


@pytest.mark.parametrize(
    ("agent", "mg", "per_day", "over"),
    [
        ("neratinib", 240, 1, {}),
        ("sevabertinib", 10, 2, {}),
        # a resolved event whose row reduces: every dose is checked against the level the rule set
        (
            "neratinib",
            200,
            1,
            {
                "adverse_events": [
                    {"term": "diarrhea", "grade": 3, "onset": "2020-01-05", "resolved": "2020-01-07"}
                ]
            },
        ),
        # body weights over the course: each dose is read at the weight of its day and of the dose before it
        (
            "zongertinib",
            120,
            1,
            {
                "weight_kg": None,
                "weights": [
                    {"date": "2020-01-01", "value": 70, "unit": "kg"},
                    {"date": "2020-01-20", "value": 72, "unit": "kg"},
                ],
            },
        ),
    ],
)
def test_work_grows_linearly_with_the_course(
    agent: str, mg: float, per_day: int, over: dict[str, Any]
) -> None:
    """Four times the doses, about four times the work (a quadratic step would give about 16 times)."""
    small = _lines_executed(_course(agent, 100, mg, per_day, **over))
    large = _lines_executed(_course(agent, 400, mg, per_day, **over))
    assert large < 4.6 * small, (small, large)


def _events_of_one_term(n: int) -> dict[str, Any]:
    """Neratinib, a dose before and after n resolved grade 2 diarrhoea events, one every four days."""
    last = FIRST + dt.timedelta(days=4 * n + 2)
    return {
        "schema_version": "1",
        "id": "linear-events",
        "agent": "neratinib",
        "weight_kg": 70,
        "doses": [{"date": day.isoformat(), "mg": 240} for day in (FIRST, last)],
        "adverse_events": [
            {
                "term": "diarrhea",
                "grade": 2,
                "onset": (FIRST + dt.timedelta(days=4 * i + 1)).isoformat(),
                "resolved": (FIRST + dt.timedelta(days=4 * i + 3)).isoformat(),
            }
            for i in range(n)
        ],
        "today": (last + dt.timedelta(days=1)).isoformat(),
    }


def test_events_of_one_term_are_counted_not_compared_pairwise() -> None:
    """Code review: each event re-listed every earlier event of its term to count its occurrence."""
    small = _lines_executed(_events_of_one_term(100))
    large = _lines_executed(_events_of_one_term(400))
    assert large < 4.6 * small, (small, large)
