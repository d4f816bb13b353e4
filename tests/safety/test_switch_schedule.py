"""Trastuzumab's weekly phase, then every 3 weeks: the label's first q3w dose is 6 mg/kg one week after the last
weekly dose (KB ``Regimen.switch_from``; the Herceptin HCP dosing page quotes the label's schedule)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from her2kit.kb import default_kb
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Regimen
from her2kit.kb.validate import cross_check
from her2kit.safety import monitor, parse_course
from her2kit.safety.monitor import MonitorResult

WEEKLY = [{"date": "2025-01-01", "mg": 280}] + [
    {"date": (dt.date(2025, 1, 8) + dt.timedelta(weeks=i)).isoformat(), "mg": 140} for i in range(11)
]  # 4 mg/kg, then 2 mg/kg weekly at 70 kg; the last weekly dose on 2025-03-19


def run(today: str, doses: list[dict[str, Any]] = WEEKLY, schedule: str = "q3w") -> MonitorResult:
    return monitor(
        parse_course(
            {
                "schema_version": "1",
                "id": "switch",
                "agent": "trastuzumab",
                "schedule": schedule,
                "weight_kg": 70,
                "lvef_lower_limit_normal": 50,
                "lvef": [{"date": "2024-12-20", "percent": 62}],
                "doses": doses,
                "today": today,
            }
        )
    )


def test_the_first_q3w_dose_is_due_one_week_after_the_last_weekly_dose() -> None:
    result = run("2025-03-20")
    assert result.action == "continue"
    assert result.next_dose is not None
    assert (result.next_dose.date, result.next_dose.mg, result.next_dose.kind) == (
        dt.date(2025, 3, 26),
        420,  # 6 mg/kg, no loading dose
        "maintenance",
    )
    step = next(s for s in result.rationale if "regimen:trastuzumab-iv-weekly" in s.text)
    assert "One week following the last weekly dose of Herceptin" in step.text
    assert "ref:web-herceptin-hcp-adjuvant-dosing" in result.references
    assert not any("matches no label dose level" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("today", "mg", "kind"),
    [
        ("2025-03-26", 420, "maintenance"),  # due today
        ("2025-04-02", 420, "maintenance"),  # 7 days late: the maintenance dose as soon as possible
        ("2025-04-03", 560, "loading"),  # 8 days late: "missed by more than one week", re-load 8 mg/kg
    ],
)
def test_a_late_first_q3w_dose_follows_the_q3w_missed_dose_rules(today: str, mg: float, kind: str) -> None:
    result = run(today)
    assert result.next_dose is not None
    assert (result.next_dose.date, result.next_dose.mg, result.next_dose.kind) == (
        dt.date.fromisoformat(today),
        mg,
        kind,
    )


def test_after_the_first_q3w_dose_the_schedule_is_every_3_weeks() -> None:
    result = run("2025-03-27", [*WEEKLY, {"date": "2025-03-26", "mg": 420}])
    assert result.next_dose is not None
    assert (result.next_dose.date, result.next_dose.mg) == (dt.date(2025, 4, 16), 420)
    assert not any("regimen:trastuzumab-iv-weekly; the label" in s.text for s in result.rationale)


def test_a_weekly_course_stays_weekly() -> None:
    result = run("2025-03-20", schedule="weekly")
    assert result.next_dose is not None
    assert (result.next_dose.date, result.next_dose.mg) == (dt.date(2025, 3, 26), 140)


def _parsed_with(kb: KnowledgeBase, regimen: Regimen) -> dict[str, list[tuple[Any, Any]]]:
    here = Path("regimens.yaml")
    sections: dict[str, list[tuple[Any, Any]]] = {
        name: [(here, r) for r in getattr(kb, name).values()]
        for name in (
            "references", "agents", "trials", "regimens", "indications", "drug_classes", "biology", "adverse_events",
            "safety_gates", "cardiac_monitoring", "ae_rules", "lab_grading", "topics",
        )
    }  # fmt: skip
    sections["regimens"] = [(here, r) for r in kb.regimens.values() if r.id != regimen.id] + [(here, regimen)]
    return sections


@pytest.mark.parametrize(
    ("before", "problem"),
    [
        ("regimen:trastuzumab-iv-fortnightly", "unknown regimen id"),
        ("regimen:pertuzumab-iv-q3w", "switch_from names a regimen of another agent"),
    ],
)
def test_switch_from_must_name_a_regimen_of_the_same_agent(before: str, problem: str) -> None:
    kb = default_kb()
    regimen = kb.regimens["regimen:trastuzumab-iv-q3w"]
    assert regimen.switch_from is not None
    bad = regimen.model_copy(
        update={"switch_from": regimen.switch_from.model_copy(update={"regimen": before})}
    )
    problems = cross_check(_parsed_with(kb, bad), None)
    assert any(problem in p for p in problems), problems


# ------------------------------------------------------------------ review of the switch (2026-11-27)
def test_weekly_doses_rounded_to_a_vial_still_switch_one_week_later() -> None:
    doses = [{"date": "2025-01-01", "mg": 300}] + [
        {"date": (dt.date(2025, 1, 8) + dt.timedelta(weeks=i)).isoformat(), "mg": 150} for i in range(11)
    ]
    result = run("2025-03-20", doses)
    assert result.next_dose is not None
    assert (result.next_dose.date, result.next_dose.mg) == (dt.date(2025, 3, 26), 420)
    assert any("7% from the dose of regimen:trastuzumab-iv-weekly" in w for w in result.warnings)
    assert not any("days after the previous dose" in w for w in result.warnings)


def test_a_weekly_dose_not_recalculated_after_a_weight_change_still_switches() -> None:
    result = monitor(
        parse_course(
            {
                "schema_version": "1",
                "id": "switch-weight",
                "agent": "trastuzumab",
                "schedule": "q3w",
                "weights": [
                    {"date": "2024-12-20", "value": 70, "unit": "kg"},
                    {"date": "2025-03-18", "value": 60, "unit": "kg"},
                ],
                "lvef_lower_limit_normal": 50,
                "lvef": [{"date": "2024-12-20", "percent": 62}],
                "doses": WEEKLY,
                "today": "2025-03-20",
            }
        )
    )
    assert result.next_dose is not None
    assert (result.next_dose.date, result.next_dose.mg) == (dt.date(2025, 3, 26), 360)  # 6 mg/kg at 60 kg
    assert any("at the earlier weight of 70 kg" in w for w in result.warnings)


def test_without_a_switch_rule_the_first_q3w_date_is_asked_for() -> None:
    # The EU record has no switch_from (the SmPC text read gives none): no date guessed two weeks late.
    result = monitor(
        parse_course(
            {
                "schema_version": "1",
                "id": "switch-eu",
                "agent": "trastuzumab",
                "schedule": "q3w",
                "region": "EU",
                "weight_kg": 70,
                "lvef_lower_limit_normal": 50,
                "lvef": [{"date": "2024-12-20", "percent": 62}],
                "doses": WEEKLY,
                "today": "2025-03-20",
            }
        )
    )
    assert result.action == "hold"
    assert result.next_dose is None
    assert any("a dosing error, or a change of schedule" in n for n in result.needs)


def test_a_short_weekly_phase_and_an_early_first_q3w_dose_are_named() -> None:
    short = run("2025-01-02", WEEKLY[:1])
    assert any(
        "confirmation that the phase of regimen:trastuzumab-iv-weekly has ended" in n and "at least 12" in n
        for n in short.needs
    )
    assert any("18 weeks (docetaxel/carboplatin)" in s.text for s in short.rationale)
    early = run("2025-03-23", [*WEEKLY, {"date": "2025-03-22", "mg": 420}])
    assert any("3 days after the dose of regimen:trastuzumab-iv-weekly" in w for w in early.warnings)


def test_weekly_doses_after_q3w_doses_are_no_second_switch() -> None:
    # review: a q3w dose, then weekly doses: the switch is from the weekly phase, once; asked about, not planned
    again = run("2025-03-20", [{"date": "2024-12-01", "mg": 560}, *WEEKLY])
    assert again.action == "hold"
    assert any("a dosing error, or a change of schedule" in n for n in again.needs)


def test_a_low_dose_after_q3w_doses_is_not_read_as_a_weekly_dose() -> None:
    # review: 330 mg after 6 mg/kg doses every 3 weeks is within 25% of neither weekly dose's reading as a switch
    doses = [
        {"date": "2025-01-01", "mg": 560},
        {"date": "2025-01-22", "mg": 420},
        {"date": "2025-02-12", "mg": 420},
        {"date": "2025-03-05", "mg": 420},
        {"date": "2025-03-26", "mg": 330},
    ]
    result = run("2025-03-27", doses)
    assert not any("regimen:trastuzumab-iv-weekly; the label" in s.text for s in result.rationale)
    assert result.next_dose is None or result.next_dose.date == dt.date(2025, 4, 16)


def test_a_late_last_weekly_dose_without_its_re_load_is_named() -> None:
    # the last weekly dose 3 weeks after the one before, at 2 mg/kg (the weekly rule: more than a week late, re-load)
    late = [*WEEKLY[:-1], {"date": "2025-04-02", "mg": 140}]
    result = run("2025-04-03", late)
    assert any("without its re-loading dose (280 mg)" in w for w in result.warnings), result.warnings
    on_time = run("2025-03-20")
    assert not any("re-loading dose" in w for w in on_time.warnings)
