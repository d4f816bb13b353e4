"""The SECOND review of treatment-safety monitoring (2026-11-27, after the first round of fixes): one test per finding,
each a course the review ran (the review's own dates: the courses are copied as the reviewer wrote them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.errors import InvalidInput
from her2kit.kb import default_kb
from her2kit.kb.schema import Regimen
from her2kit.safety import monitor, parse_course
from her2kit.safety.monitor import MonitorResult


def run(doc: dict[str, Any]) -> MonitorResult:
    return monitor(parse_course({"schema_version": "1", **doc}))


def daily(start: str, n: int, mg: float, per_day: int = 1) -> list[dict[str, Any]]:
    first = dt.date.fromisoformat(start)
    return [
        {"date": (first + dt.timedelta(days=i)).isoformat(), "mg": mg}
        for i in range(n)
        for _ in range(per_day)
    ]


def texts(result: MonitorResult) -> str:
    return "\n".join([*(s.text for s in result.rationale), *result.warnings, *result.needs])


DIARRHOEA_3 = {
    "term": "diarrhoea",
    "grade": 3,
    "complicated": False,
    "despite_treatment": True,
    "resolved_grade": 1,
}
T_DXD = {"agent": "T-DXd", "indication": "breast", "lvef": [{"date": "2024-12-20", "percent": 62}]}
T_DM1 = {
    "agent": "T-DM1",
    "setting": "metastatic",
    "lvef": [{"date": "2024-12-20", "percent": 62}],
    "lvef_lower_limit_normal": 50,
}


# ------------------------------------------------------------------ 1. neratinib escalation interrupted by a hold
def test_ner3_the_escalation_goes_on_after_a_hold_and_the_resumed_step_is_no_reduction() -> None:
    doses = daily("2025-03-01", 7, 120) + daily("2025-03-08", 3, 160) + daily("2025-03-20", 7, 160)
    doses += daily("2025-03-27", 4, 240)
    ae = {**DIARRHOEA_3, "onset": "2025-03-10", "resolved": "2025-03-16"}
    result = run(
        {
            "id": "ne3",
            "agent": "neratinib",
            "setting": "early",
            "escalation": True,
            "doses": doses,
            "adverse_events": [ae],
            "today": "2025-03-31",
        }
    )
    assert result.action == "continue"
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (240, 0)
    assert "re-escalation" not in texts(result)
    assert "A dose reduction applies during the dose escalation" not in texts(result)


def _ner_resumed(today: str, resumed_days: int, extra_ae: list[dict[str, Any]]) -> MonitorResult:
    doses = daily("2025-03-01", 6, 120) + daily("2025-03-15", resumed_days, 120)
    ae = {**DIARRHOEA_3, "onset": "2025-03-06", "resolved": "2025-03-12"}
    return run(
        {
            "id": "ne1",
            "agent": "neratinib",
            "setting": "early",
            "escalation": True,
            "doses": doses,
            "adverse_events": [ae, *extra_ae],
            "today": today,
        }
    )


def test_ner1_the_resumed_escalation_step_is_not_a_reduced_level() -> None:
    result = _ner_resumed("2025-03-17", 2, [])
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.dose_level == 0
    assert result.next_dose.mg in (120, 160)  # the escalation goes on without the held days: day 9 -> 160 mg
    assert "A dose reduction applies during the dose escalation" not in texts(result)


def test_ner2_diarrhoea_on_the_resumed_escalation_step_is_not_after_the_maximal_reduction() -> None:
    grade2 = {
        "term": "diarrhoea",
        "grade": 2,
        "onset": "2025-03-20",
        "complicated": False,
        "despite_treatment": True,
    }
    result = _ner_resumed("2025-03-21", 6, [grade2])
    assert result.action != "discontinue"
    assert "aerule:neratinib-diarrhea-9" not in {s.rule for s in result.rationale}


# ------------------------------------------------------------------ 2. only a reduction that happened binds
def test_round_an_off_level_earlier_dose_is_a_warning_not_a_level() -> None:
    doses = [
        {"date": "2025-01-01", "mg": 378},
        {"date": "2025-01-22", "mg": 355},
        {"date": "2025-02-12", "mg": 378},
        {"date": "2025-03-05", "mg": 378},
    ]
    result = run({"id": "rd", **T_DXD, "weight_kg": 70, "doses": doses, "today": "2025-03-26"})
    assert result.action == "continue"
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (378, 0)
    assert any("355 mg" in w and "check the dose history" in w for w in result.warnings)
    assert "re-escalation" not in texts(result)


@pytest.mark.parametrize(
    ("doc", "quoted"),
    [
        (  # wg1: T-DM1 252 mg read at 80 kg is level -1 (3.0 mg/kg = 240 mg, 5%); then 288 mg
            {
                "id": "wg1",
                **T_DM1,
                "weight_kg": 80,
                "today": "2025-03-05",
                "doses": [
                    {"date": "2025-01-01", "mg": 252},
                    {"date": "2025-01-22", "mg": 252},
                    {"date": "2025-02-12", "mg": 288},
                ],
            },
            True,
        ),
        (  # tdxd_gap: a reduced level in 2023, full doses again in 2025
            {
                "id": "g1",
                **T_DXD,
                "weight_kg": 70,
                "today": "2025-02-12",
                "doses": [
                    {"date": "2023-01-01", "mg": 378},
                    {"date": "2023-01-22", "mg": 308},
                    {"date": "2023-02-12", "mg": 308},
                    {"date": "2025-01-01", "mg": 378},
                    {"date": "2025-01-22", "mg": 378},
                ],
            },
            True,
        ),
        (  # ner_noflag: the label's escalation recorded without escalation: true
            {
                "id": "nx",
                "agent": "neratinib",
                "setting": "early",
                "today": "2025-03-21",
                "doses": daily("2025-03-01", 7, 120)
                + daily("2025-03-08", 7, 160)
                + daily("2025-03-15", 6, 240),
            },
            False,
        ),
    ],
)
def test_a_dose_above_a_reduced_level_reached_earlier_holds_and_asks_for_the_intended_level(
    doc: dict[str, Any], quoted: bool
) -> None:
    result = run(doc)
    assert result.action == "hold"
    assert result.next_dose is None
    assert any("re-escalation" in n and "intended dose level" in n for n in result.needs)
    assert ("Do not re-escalate" in texts(result)) == quoted
    if doc["agent"] == "neratinib":
        assert "escalation: true" in texts(result)


# ------------------------------------------------------------------ 3. earlier-weight matching
def test_oldw_only_the_weight_at_the_previous_dose_is_an_earlier_weight() -> None:
    result = run(
        {
            "id": "ow",
            **T_DXD,
            "today": "2025-02-12",
            "weights": [
                {"date": "2024-01-10", "value": 90, "unit": "kg"},
                {"date": "2024-12-20", "value": 70, "unit": "kg"},
            ],
            "doses": [{"date": "2025-01-01", "mg": 378}, {"date": "2025-01-22", "mg": 400}],
        }
    )
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (378, 0)
    assert "90 kg" not in texts(result)


def test_wgain2_a_dose_that_fits_at_both_weights_is_said_and_asked_for() -> None:
    result = run(
        {
            "id": "wg",
            **T_DM1,
            "today": "2025-03-26",
            "weights": [
                {"date": "2024-12-20", "value": 60, "unit": "kg"},
                {"date": "2025-02-20", "value": 75, "unit": "kg"},
            ],
            "doses": [
                {"date": d, "mg": 216} for d in ("2025-01-01", "2025-01-22", "2025-02-12", "2025-03-05")
            ],
        }
    )
    assert result.action == "hold"
    assert result.next_dose is None
    assert any("216 mg" in w and "60 kg" in w and "75 kg" in w for w in result.warnings)
    assert any("216 mg" in n and "level" in n for n in result.needs)


# ------------------------------------------------------------------ 4. dated weights after the first dose
def test_wg3_earlier_doses_without_a_weight_are_not_read_for_levels() -> None:
    result = run(
        {
            "id": "wg3",
            **T_DM1,
            "today": "2025-03-05",
            "weights": [{"date": "2025-02-10", "value": 80, "unit": "kg"}],
            "doses": [
                {"date": "2025-01-01", "mg": 252},
                {"date": "2025-01-22", "mg": 252},
                {"date": "2025-02-12", "mg": 288},
            ],
        }
    )
    assert result.action == "continue"
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (288, 0)
    assert any("2025-01-01" in w and "no body weight" in w for w in result.warnings)


# ------------------------------------------------------------------ 5. interactions
@pytest.mark.parametrize(
    ("agent", "doses", "medication", "gate"),
    [
        (
            "neratinib",
            daily("2025-03-01", 2, 240),
            "famotidine",
            "gate:neratinib-interacting-medication-h2ra",
        ),
        (
            "tucatinib",
            daily("2025-03-01", 2, 300, 2),
            "fentanyl",
            "gate:tucatinib-perpetrator-cyp3a-substrates",
        ),
        ("tucatinib", daily("2025-03-01", 2, 300, 2), "simvastatin", "gate:tucatinib-perpetrator-statins"),
    ],
)
def test_an_interaction_whose_remedy_is_the_other_drug_or_the_timing_does_not_hold(
    agent: str, doses: list[dict[str, Any]], medication: str, gate: str
) -> None:
    result = run(
        {
            "id": "i",
            "agent": agent,
            **({"setting": "early"} if agent == "neratinib" else {}),
            "doses": doses,
            "medications": [medication],
            "today": "2025-03-03",
        }
    )
    assert result.action == "continue"
    assert result.next_dose is not None
    assert any(gate in n for n in result.needs)
    assert any(medication in w for w in result.warnings)


def test_tuc_gem_the_label_s_adjusted_dose_already_given_continues_at_it() -> None:
    result = run(
        {
            "id": "tg",
            "agent": "tucatinib",
            "doses": daily("2025-03-01", 2, 100, 2),
            "medications": ["gemfibrozil"],
            "today": "2025-03-03",
        }
    )
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.mg == 100
    assert any("100 mg twice daily" in w for w in result.warnings)
    assert not any("confirmed" in n for n in result.needs)


def test_tucatinib_full_dose_with_gemfibrozil_still_holds() -> None:
    result = run(
        {
            "id": "tg",
            "agent": "tucatinib",
            "doses": daily("2025-03-01", 2, 300, 2),
            "medications": ["gemfibrozil"],
            "today": "2025-03-03",
        }
    )
    assert result.action == "hold"
    assert any("gate:tucatinib-interacting-medication-cyp2c8-inhibitors" in n for n in result.needs)


def test_ner80_the_hepatic_impairment_dose_is_recognised_and_the_impairment_asked_for() -> None:
    result = run(
        {
            "id": "n8",
            "agent": "neratinib",
            "setting": "early",
            "doses": daily("2025-03-01", 3, 80),
            "today": "2025-03-04",
        }
    )
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.mg == 80
    assert any("gate:neratinib-hepatic-impairment" in n for n in result.needs)
    assert any("80 mg" in w and "Child-Pugh C" in w for w in result.warnings)


# ------------------------------------------------------------------ 6. sevabertinib once vs twice daily
# The label's Table 1: first reduction 10 mg twice daily, second 10 mg once daily (KB DoseLevel.schedule). A dose's
# level is read from the doses of that dose given a day (readings.CourseDoses.level_by_count), or from the dose's
# own dose_level where the record cannot show it.
def test_seva_once_daily_after_twice_daily_days_is_asked_about_and_dose_level_settles_it() -> None:
    # 10 mg twice daily on 03-05, then one dose a day: missed evening doses, or the second reduction? (review 2026-11-27
    # of this change: two missed evening doses in a row were read as the once-daily level, silently halving the dose)
    doses = daily("2025-03-01", 1, 20, 2) + daily("2025-03-05", 1, 10, 2) + daily("2025-03-10", 3, 10)
    result = run({"id": "sv", "agent": "sevabertinib", "doses": doses, "today": "2025-03-13"})
    assert result.action == "hold"
    assert result.next_dose is None
    assert any(
        "level -1 (10 mg twice daily) or level -2 (10 mg once daily)" in n and "dose_level" in n
        for n in result.needs
    )
    doses[-1]["dose_level"] = -2
    result = run({"id": "sv", "agent": "sevabertinib", "doses": doses, "today": "2025-03-13"})
    assert result.action == "continue", texts(result)
    assert result.next_dose is not None
    assert (result.next_dose.dose_level, result.next_dose.mg) == (-2, 10)
    assert result.next_dose.schedule == "daily"
    assert result.next_dose.level_text == "dose level -2, once daily"
    assert result.next_dose.date == dt.date(2025, 3, 13)


def test_seva_once_daily_from_the_first_10_mg_day_is_the_second_reduction() -> None:
    doses = daily("2025-03-01", 2, 20, 2) + daily("2025-03-05", 3, 10)
    result = run({"id": "sv0", "agent": "sevabertinib", "doses": doses, "today": "2025-03-08"})
    assert result.action == "continue", texts(result)
    assert result.next_dose is not None
    assert (result.next_dose.dose_level, result.next_dose.schedule) == (-2, "daily")


def test_seva_two_missed_evening_doses_are_not_a_reduction() -> None:
    # review finding S1(a): 10 mg twice daily, then two days with one dose
    doses = daily("2025-03-01", 4, 10, 2) + daily("2025-03-05", 2, 10)
    result = run({"id": "s1", "agent": "sevabertinib", "doses": doses, "today": "2025-03-07"})
    assert result.next_dose is None
    assert result.action == "hold"
    assert any("dose_level" in n for n in result.needs)


def test_seva_missed_doses_mid_course_ask_rather_than_call_a_re_escalation() -> None:
    # review finding S1(c): twice daily, two one-dose days, twice daily again
    doses = daily("2025-03-01", 3, 10, 2) + daily("2025-03-04", 2, 10) + daily("2025-03-06", 3, 10, 2)
    result = run({"id": "s1c", "agent": "sevabertinib", "doses": doses, "today": "2025-03-09"})
    assert result.action == "hold"
    assert any("if those doses were level -2, it is a re-escalation" in w for w in result.warnings), texts(
        result
    )
    assert not any("is a re-escalation above level" in n for n in result.needs)
    # stated: the one-dose days were missed doses of level -1
    for d in doses:
        d["dose_level"] = -1
    result = run({"id": "s1c", "agent": "sevabertinib", "doses": doses, "today": "2025-03-09"})
    assert result.action == "continue", texts(result)
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -1


def test_seva_back_to_20_mg_after_an_unclear_10_mg_day_is_a_re_escalation() -> None:
    # review finding S2: 10 mg on 03-06 is level -1 or -2 (both reduced): 20 mg after it re-escalates either way
    doses = daily("2025-03-01", 5, 20, 2) + daily("2025-03-06", 1, 10) + daily("2025-03-07", 3, 20, 2)
    result = run({"id": "s2", "agent": "sevabertinib", "doses": doses, "today": "2025-03-10"})
    assert result.action == "hold"
    assert any("re-escalation above level -1" in n for n in result.needs), texts(result)


def test_seva_10_mg_twice_daily_is_the_first_reduction() -> None:
    doses = daily("2025-03-01", 2, 20, 2) + daily("2025-03-05", 3, 10, 2)
    result = run({"id": "sv1", "agent": "sevabertinib", "doses": doses, "today": "2025-03-08"})
    assert result.action == "continue", texts(result)
    assert result.next_dose is not None
    assert (result.next_dose.dose_level, result.next_dose.mg, result.next_dose.schedule) == (-1, 10, None)
    assert result.next_dose.level_text == "dose level -1"


def test_seva_a_day_with_one_dose_between_twice_daily_days_is_a_missed_dose() -> None:
    # 10 mg twice daily, one dose on 03-06 (a missed dose), twice daily again: level -1 throughout, no re-escalation.
    doses = daily("2025-03-05", 1, 10, 2) + daily("2025-03-06", 1, 10) + daily("2025-03-07", 2, 10, 2)
    result = run({"id": "sv2", "agent": "sevabertinib", "doses": doses, "today": "2025-03-09"})
    assert result.action == "continue", texts(result)
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -1
    assert "re-escalation" not in texts(result)


def test_seva_once_daily_then_twice_daily_is_a_re_escalation() -> None:
    # once daily from the first 10 mg day (level -2), then twice daily (level -1)
    doses = daily("2025-03-05", 3, 10) + daily("2025-03-09", 2, 10, 2)
    result = run({"id": "sv3", "agent": "sevabertinib", "doses": doses, "today": "2025-03-11"})
    assert result.action == "hold"
    assert any("re-escalation" in n and "level -2" in n for n in result.needs), texts(result)


def test_seva_a_last_day_with_one_dose_after_twice_daily_days_is_asked_about() -> None:
    # 03-07 had one dose: a missed evening dose of 10 mg twice daily, or the first day of 10 mg once daily.
    doses = daily("2025-03-05", 2, 10, 2) + daily("2025-03-07", 1, 10)
    result = run({"id": "sv4", "agent": "sevabertinib", "doses": doses, "today": "2025-03-08"})
    assert result.next_dose is None
    assert any("level -1 (10 mg twice daily) or level -2 (10 mg once daily)" in n for n in result.needs), (
        texts(result)
    )


def test_seva_today_so_far_is_read_by_the_day_before() -> None:
    # Today's morning dose is on record, the evening dose is not due yet: the day before (twice daily) decides.
    doses = daily("2025-03-05", 3, 10, 2) + daily("2025-03-08", 1, 10)
    result = run({"id": "sv5", "agent": "sevabertinib", "doses": doses, "today": "2025-03-08"})
    assert result.action == "continue", texts(result)
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -1
    once = daily("2025-03-05", 3, 10) + daily("2025-03-08", 1, 10)
    result = run({"id": "sv6", "agent": "sevabertinib", "doses": once, "today": "2025-03-08"})
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -2


def test_seva_level_schedules_in_the_knowledge_base() -> None:
    regimen = default_kb().regimens["regimen:sevabertinib-bid"]
    assert [
        (lvl.level, lvl.dose.value, regimen.level_schedule(lvl.level)) for lvl in regimen.dose_levels
    ] == [
        (0, 20, "twice-daily"),
        (-1, 10, "twice-daily"),
        (-2, 10, "daily"),
    ]


def test_a_level_schedule_must_lower_the_dose_a_day() -> None:
    regimen = default_kb().regimens["regimen:sevabertinib-bid"]
    data = regimen.model_dump()
    data["dose_levels"][2]["schedule"] = "twice-daily"
    with pytest.raises(ValueError, match="the dose a day must decrease"):
        Regimen.model_validate(data)
    data = default_kb().regimens["regimen:margetuximab-q3w"].model_dump()
    data["dose_levels"] = [{"level": 0, "dose": data["maintenance_dose"], "schedule": "daily"}]
    with pytest.raises(ValueError, match="needs a daily or twice-daily regimen"):
        Regimen.model_validate(data)


# ------------------------------------------------------------------ 7. Phesgo: declined further
def test_ph2_a_repeat_reading_below_an_earlier_repeat_asks_for_the_decision() -> None:
    result = run(
        {
            "id": "ph2",
            "agent": "Phesgo",
            "setting": "early",
            "today": "2025-09-24",
            "doses": [
                {"date": "2025-01-01", "mg": 1200},
                {"date": "2025-01-22", "mg": 600},
                {"date": "2025-02-12", "mg": 600},
            ],
            "lvef": [
                {"date": "2024-12-20", "percent": 60},
                {"date": "2025-03-01", "percent": 44},
                {"date": "2025-03-22", "percent": 48},
                {"date": "2025-04-12", "percent": 46},
                {"date": "2025-05-03", "percent": 45},
            ],
        }
    )
    assert result.action == "hold"
    assert any("prescriber's decision" in n and "declined further" in n for n in result.needs)


# ------------------------------------------------------------------ 8. dose-history warnings and label schedules
def test_eu_keep2_a_dose_on_the_kept_schedule_is_not_flagged() -> None:
    result = run(
        {
            "id": "eu",
            "agent": "trastuzumab",
            "schedule": "q3w",
            "region": "EU",
            "weight_kg": 70,
            "lvef_lower_limit_normal": 50,
            "lvef": [{"date": "2024-12-20", "percent": 62}],
            "today": "2025-02-13",
            "doses": [
                {"date": "2025-01-01", "mg": 560},
                {"date": "2025-01-26", "mg": 420},
                {"date": "2025-02-12", "mg": 420},
            ],
        }
    )
    assert not any("days after the previous dose" in w for w in result.warnings)


def test_wq_weekly_doses_before_a_q3w_switch_are_not_flagged_one_by_one() -> None:
    doses = [{"date": "2025-01-01", "mg": 280}]
    doses += [
        {"date": (dt.date(2025, 1, 8) + dt.timedelta(weeks=i)).isoformat(), "mg": 140} for i in range(11)
    ]
    doses += [{"date": "2025-03-26", "mg": 420}]
    result = run(
        {
            "id": "wq",
            "agent": "trastuzumab",
            "schedule": "q3w",
            "weight_kg": 70,
            "lvef_lower_limit_normal": 50,
            "lvef": [{"date": "2024-12-20", "percent": 62}],
            "doses": doses,
            "today": "2025-03-27",
        }
    )
    assert not any("days after the previous dose" in w for w in result.warnings)
    assert sum("not doses of" in w for w in result.warnings) == 1


# ------------------------------------------------------------------ 9. overdue repeat LVEF under needs
def test_tdm1_norep_an_overdue_repeat_lvef_is_a_need() -> None:
    result = run(
        {
            "id": "nr",
            **T_DM1,
            "weight_kg": 70,
            "today": "2025-06-30",
            "lvef": [{"date": "2024-12-20", "percent": 62}, {"date": "2025-02-10", "percent": 43}],
            "doses": [{"date": "2025-01-01", "mg": 252}, {"date": "2025-01-22", "mg": 252}],
        }
    )
    assert result.action == "hold"
    assert any("repeat LVEF" in n and "overdue" in n for n in result.needs)


@settings(max_examples=60, deadline=None)
@given(
    days=st.integers(2, 12),
    per_day=st.sampled_from([1, 2]),
    missed=st.lists(st.integers(0, 11), max_size=3, unique=True),
)
def test_seva_a_run_of_days_reads_as_its_frequency_and_a_missed_dose_never_re_escalates(
    days: int, per_day: int, missed: list[int]
) -> None:
    """k days of 10 mg at one or two doses a day (today the day after): level -1 (twice daily) or -2 (once daily). In
    a twice-daily run, single missed doses on days that have full days after them never read as a re-escalation."""
    counts = [per_day] * days
    if per_day == 2:
        for i in missed:
            if i < days - 1 and counts[i + 1] == 2 and (i == 0 or counts[i - 1] == 2):
                counts[i] = 1
    first = dt.date(2025, 3, 1)
    doses = [
        {"date": (first + dt.timedelta(days=i)).isoformat(), "mg": 10}
        for i, n in enumerate(counts)
        for _ in range(n)
    ]
    today = (first + dt.timedelta(days=days)).isoformat()
    result = run({"id": "svp", "agent": "sevabertinib", "doses": doses, "today": today})
    assert "re-escalation" not in texts(result)
    assert result.next_dose is not None, texts(result)
    assert result.next_dose.dose_level == (-1 if per_day == 2 else -2)


def test_a_dose_level_that_is_not_the_doses_reading_is_named_and_not_used() -> None:
    doses = daily("2025-03-01", 3, 20, 2)
    doses[-1]["dose_level"] = -1
    result = run({"id": "dl", "agent": "sevabertinib", "doses": doses, "today": "2025-03-04"})
    assert result.next_dose is not None
    assert result.next_dose.dose_level == 0
    assert any("states dose_level -1" in w and "not used" in w for w in result.warnings)


def test_twice_daily_with_one_dose_today_the_next_dose_is_today() -> None:
    doses = daily("2025-03-01", 3, 20, 2) + daily("2025-03-04", 1, 20)
    result = run({"id": "td", "agent": "sevabertinib", "doses": doses, "today": "2025-03-04"})
    assert result.next_dose is not None
    assert (result.next_dose.date, result.next_dose.mg) == (dt.date(2025, 3, 4), 20)
    both = run(
        {"id": "td", "agent": "sevabertinib", "doses": daily("2025-03-01", 4, 20, 2), "today": "2025-03-04"}
    )
    assert both.next_dose is not None
    assert both.next_dose.date == dt.date(2025, 3, 5)
    once = run(
        {"id": "td", "agent": "sevabertinib", "doses": daily("2025-03-01", 4, 10), "today": "2025-03-04"}
    )
    assert once.next_dose is not None
    assert (once.next_dose.date, once.next_dose.dose_level) == (dt.date(2025, 3, 5), -2)


# ------------------------------------------------------------------ second review of the dose-a-day reading
def test_doses_of_two_levels_on_the_last_day_are_asked_about() -> None:
    doses = [
        *daily("2025-03-01", 2, 20, 2),
        {"date": "2025-03-03", "mg": 20},
        {"date": "2025-03-03", "mg": 10},
    ]
    result = run({"id": "r1", "agent": "sevabertinib", "doses": doses, "today": "2025-03-04"})
    assert result.action == "hold"
    assert any("are on different label levels" in n for n in result.needs)


def test_a_stated_once_daily_level_with_two_doses_a_day_is_not_taken() -> None:
    doses = daily("2025-03-01", 5, 10, 2)
    for d in doses:
        d["dose_level"] = -2
    result = run({"id": "r2", "agent": "sevabertinib", "doses": doses, "today": "2025-03-06"})
    assert result.action == "hold"
    assert any("stated as level -2" in w and "more than that level gives" in w for w in result.warnings)


def test_a_stated_and_an_unstated_dose_on_one_day_read_the_same_in_either_order() -> None:
    day = [{"date": "2025-03-04", "mg": 10, "dose_level": -2}, {"date": "2025-03-04", "mg": 10}]
    outputs = []
    for order in (day, day[::-1]):
        doc = {"id": "r3", "agent": "sevabertinib", "doses": daily("2025-03-01", 3, 10, 2) + order,
               "today": "2025-03-05"}  # fmt: skip
        outputs.append(run(doc).model_dump_json())
    assert outputs[0] == outputs[1]


def test_a_stated_twice_daily_level_carries_to_later_one_dose_days() -> None:
    stated = daily("2025-03-01", 3, 10)
    for d in stated:
        d["dose_level"] = -1
    result = run(
        {
            "id": "r4",
            "agent": "sevabertinib",
            "doses": stated + daily("2025-03-04", 3, 10),
            "today": "2025-03-07",
        }
    )
    assert result.action == "hold"
    assert result.next_dose is None


def test_a_dose_level_the_label_does_not_have_is_refused() -> None:
    doses = daily("2025-03-01", 2, 10)
    doses[-1]["dose_level"] = -5
    with pytest.raises(InvalidInput, match="dose_level"):
        run({"id": "dl5", "agent": "sevabertinib", "doses": doses, "today": "2025-03-04"})
