"""The THIRD review of treatment-safety monitoring (2026-11-27, after cebc1bd): one test per finding, each a course the
review ran (the review's own dates: the courses are copied as the reviewer wrote them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from her2kit.safety import monitor, parse_course
from her2kit.safety.monitor import MonitorResult


def run(doc: dict[str, Any]) -> MonitorResult:
    return monitor(parse_course({"schema_version": "1", **doc}))


def daily(start: str, n: int, mg: float) -> list[dict[str, Any]]:
    first = dt.date.fromisoformat(start)
    return [{"date": (first + dt.timedelta(days=i)).isoformat(), "mg": mg} for i in range(n)]


def texts(result: MonitorResult) -> str:
    return "\n".join([*(s.text for s in result.rationale), *result.warnings, *result.needs])


DIARRHOEA = {"term": "diarrhoea", "complicated": False, "despite_treatment": True}
T_DM1 = {
    "agent": "T-DM1",
    "setting": "metastatic",
    "lvef_lower_limit_normal": 50,
    "lvef": [{"date": "2024-12-20", "percent": 62}],
    "weights": [
        {"date": "2024-12-20", "value": 60, "unit": "kg"},
        {"date": "2025-02-20", "value": 75, "unit": "kg"},
    ],
}
T_DM1_DATES = ("2025-01-01", "2025-01-22", "2025-02-12", "2025-03-05", "2025-03-26")
ZONG = {
    "agent": "zongertinib",
    "lvef_lower_limit_normal": 50,
    "lvef": [{"date": "2025-01-20", "percent": 60}],
    "weights": [
        {"date": "2025-01-20", "value": 88, "unit": "kg"},
        {"date": "2025-04-01", "value": 92, "unit": "kg"},
    ],
}


# ------------------------------------------------------------------ 1. a rule-set reduction to 120 mg is the lowest level
def test_ner_red_b2_a_rule_set_reduction_to_the_lowest_level_is_maximal_dose_reduction() -> None:
    doses = daily("2025-03-01", 7, 120) + daily("2025-03-08", 3, 160) + daily("2025-03-26", 20, 120)
    result = run(
        {
            "id": "n4",
            "agent": "neratinib",
            "setting": "early",
            "escalation": True,
            "doses": doses,
            "adverse_events": [
                {
                    **DIARRHOEA,
                    "grade": 3,
                    "onset": "2025-03-10",
                    "resolved": "2025-03-25",
                    "resolved_grade": 1,
                },
                {**DIARRHOEA, "grade": 2, "onset": "2025-04-10"},
            ],
            "today": "2025-04-15",
        }
    )
    assert result.action == "discontinue"
    assert any(s.rule == "aerule:neratinib-diarrhea-9" for s in result.rationale)


# ------------------------------------------------------------------ 2. resumed one step lower after a hold
def test_ner_red_after_a_hold_the_next_dose_is_not_above_the_lower_step_the_prescriber_chose() -> None:
    doses = daily("2025-03-01", 7, 120) + daily("2025-03-08", 3, 160) + daily("2025-03-21", 10, 120)
    result = run(
        {
            "id": "n4",
            "agent": "neratinib",
            "setting": "early",
            "escalation": True,
            "doses": doses,
            "adverse_events": [
                {
                    **DIARRHOEA,
                    "grade": 3,
                    "onset": "2025-03-10",
                    "resolved": "2025-03-20",
                    "resolved_grade": 1,
                }
            ],
            "today": "2025-03-31",
        }
    )
    assert result.next_dose is not None
    assert result.next_dose.mg == 120
    assert any("120 mg" in w and "160 mg" in w and "lower" in w for w in result.warnings)
    assert any("escalation step" in n for n in result.needs)


# ------------------------------------------------------------------ 3. every un-recalculated dose stays ambiguous
def test_wgain3_a_second_unrecalculated_dose_is_ambiguous_not_a_silent_reduction() -> None:
    result = run(
        {"id": "wg", **T_DM1, "doses": [{"date": d, "mg": 216} for d in T_DM1_DATES], "today": "2025-04-10"}
    )
    assert result.action == "hold"
    assert result.next_dose is None
    assert any("216 mg" in n and "2025-03-26" in n and "60 kg" in n for n in result.needs)


def test_wgain4_a_full_dose_after_unrecalculated_doses_is_no_reescalation() -> None:
    doses = [{"date": d, "mg": 216} for d in T_DM1_DATES] + [{"date": "2025-04-16", "mg": 270}]
    result = run({"id": "wg", **T_DM1, "doses": doses, "today": "2025-04-20"})
    assert result.action == "continue"
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (270, 0)
    assert "re-escalation" not in texts(result)
    assert any("2025-03-26" in w and "two body weights" in w for w in result.warnings)


# ------------------------------------------------------------------ 4. each dose against its own day's weight band
def test_zong_band_a_full_dose_of_the_earlier_band_is_no_reduction() -> None:
    doses = daily("2025-02-01", 60, 120) + daily("2025-04-02", 10, 180)
    result = run({"id": "z1", **ZONG, "doses": doses, "today": "2025-04-12"})
    assert result.action == "continue"
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (180, 0)
    assert "re-escalation" not in texts(result)


def test_zong_band0_the_earlier_band_s_full_dose_at_the_new_weight_is_asked_about() -> None:
    result = run({"id": "z1", **ZONG, "doses": daily("2025-02-01", 61, 120), "today": "2025-04-03"})
    assert result.next_dose is None or result.next_dose.dose_level != -1
    assert any("120 mg" in w and "92 kg" in w and "88 kg" in w for w in result.warnings)
    assert any("120 mg" in n for n in result.needs)


# ------------------------------------------------------------------ 8. resume never next to "discontinue?"
def test_ph3_recovery_after_an_unimproved_repeat_resumes_without_the_discontinue_question() -> None:
    result = run(
        {
            "id": "ph2",
            "agent": "Phesgo",
            "setting": "early",
            "doses": [
                {"date": "2025-01-01", "mg": 1200},
                {"date": "2025-01-22", "mg": 600},
                {"date": "2025-02-12", "mg": 600},
            ],
            "lvef": [
                {"date": "2024-12-20", "percent": 60},
                {"date": "2025-03-01", "percent": 44},
                {"date": "2025-03-22", "percent": 44},
                {"date": "2025-04-12", "percent": 56},
            ],
            "today": "2025-04-13",
        }
    )
    assert not (result.action == "resume" and any("discontinue" in n for n in result.needs))
    assert result.action == "resume"


# ------------------------------------------------------------------ 6. an off-level dose is not another schedule
def test_tdxd_close_a_dose_three_days_after_an_off_level_dose_is_flagged() -> None:
    result = run(
        {
            "id": "tx",
            "agent": "T-DXd",
            "indication": "breast",
            "weight_kg": 70,
            "lvef_lower_limit_normal": 50,
            "lvef": [{"date": "2024-12-20", "percent": 60}],
            "doses": [
                {"date": "2025-01-01", "mg": 378},
                {"date": "2025-01-22", "mg": 330},
                {"date": "2025-01-25", "mg": 378},
            ],
            "today": "2025-01-26",
        }
    )
    assert any("2025-01-25" in w and "3 days after the previous dose" in w for w in result.warnings)


# ------------------------------------------------------------------ 5. interaction holds a course field can end
LAP_CARB = {
    "id": "l1",
    "agent": "lapatinib",
    "regimen": "regimen:lapatinib-capecitabine",
    "lvef_lower_limit_normal": 50,
    "lvef": [{"date": "2025-02-20", "percent": 60}],
    "medications": ["carbamazepine"],
}
TITRATION = (
    daily("2025-03-01", 14, 1250)
    + daily("2025-03-15", 7, 2000)
    + daily("2025-03-22", 7, 3000)
    + daily("2025-03-29", 7, 4500)
)


def test_lap_carb_the_gate_s_titration_with_an_inducer_is_the_label_s_remedy_not_an_off_level_dose() -> None:
    result = run({**LAP_CARB, "doses": TITRATION, "today": "2025-04-05"})
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.mg == 4500
    assert not any("nearest label dose level" in n for n in result.needs)
    assert any("4,500 mg" in w and "titrat" in w for w in result.warnings)
    assert any(
        "titration plan" in n and "gate:lapatinib-interacting-medication-inducers" in n for n in result.needs
    )


def test_lap_carb_a_titration_step_below_the_maximum_continues_at_it() -> None:
    result = run({**LAP_CARB, "doses": TITRATION[:24], "today": "2025-03-25"})
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.mg == 3000
    assert any("titration plan" in n for n in result.needs)


def test_lap_carb_a_dose_above_the_gate_s_maximum_is_held() -> None:
    result = run({**LAP_CARB, "doses": TITRATION + daily("2025-04-05", 2, 5000), "today": "2025-04-07"})
    assert result.action == "hold"
    assert result.next_dose is None
    assert any("5000 mg" in w and "4,500 mg" in w and "above" in w for w in result.warnings)


def test_lap_letrozole_the_titration_goes_up_to_the_letrozole_maximum() -> None:
    doses = daily("2025-03-01", 7, 1500) + daily("2025-03-08", 7, 3000) + daily("2025-03-15", 7, 5500)
    result = run(
        {**LAP_CARB, "regimen": "regimen:lapatinib-letrozole", "doses": doses, "today": "2025-03-22"}
    )
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.mg == 5500
    assert any("5,500 mg" in n and "titration plan" in n for n in result.needs)


def test_lap_carb_a_falling_dose_off_the_label_levels_is_no_titration() -> None:
    doses = TITRATION + daily("2025-04-05", 2, 2000)
    result = run({**LAP_CARB, "doses": doses, "today": "2025-04-07"})
    assert result.action == "hold"
    assert any("nearest label dose level" in n for n in result.needs)


def test_lap_carb_the_label_dose_with_the_inducer_still_asks_for_the_decision() -> None:
    result = run({**LAP_CARB, "doses": daily("2025-03-01", 5, 1250), "today": "2025-03-06"})
    assert result.action == "hold"
    assert any("prescriber's decision on the interaction" in n for n in result.needs)


def test_lap_carb_without_the_inducer_the_titration_is_off_level() -> None:
    result = run({**LAP_CARB, "medications": [], "doses": TITRATION, "today": "2025-04-05"})
    assert result.action == "hold"
    assert any("nearest label dose level" in n for n in result.needs)


TDM1_CLARI = {
    "id": "k",
    "agent": "T-DM1",
    "setting": "metastatic",
    "weight_kg": 70,
    "lvef_lower_limit_normal": 50,
    "lvef": [{"date": "2024-12-20", "percent": 60}],
    "medications": ["clarithromycin"],
}


def test_tdm1_clari_doses_given_with_the_inhibitor_listed_are_a_warning_and_a_need_not_a_hold() -> None:
    doses = [{"date": d, "mg": 252} for d in ("2025-01-01", "2025-01-22", "2025-02-12", "2025-03-05")]
    result = run({**TDM1_CLARI, "doses": doses, "today": "2025-03-26"})
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.mg == 252
    assert any("Interaction to avoid" in w and "clarithromycin" in w for w in result.warnings)
    assert any("gate:trastuzumab-emtansine-interacting-medication" in n for n in result.needs)


def test_tdm1_clari_before_the_first_dose_the_inhibitor_still_holds() -> None:
    result = run({**TDM1_CLARI, "doses": [], "today": "2025-01-01"})
    assert result.action == "hold"
    assert any("gate:trastuzumab-emtansine-interacting-medication" in n for n in result.needs)


def test_lap_carb_a_course_that_began_above_the_label_dose_is_no_titration() -> None:
    # code review: no label dose on record, so nothing the record shows was titrated
    result = run({**LAP_CARB, "doses": daily("2025-03-01", 1, 4400), "today": "2025-03-02"})
    assert result.action == "hold"
    assert not any("titration plan" in n for n in result.needs)
