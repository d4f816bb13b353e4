"""LVEF rules after the clinical audit of the treatment-safety engine (findings 1-5, 8, 10, 13 and 15).

Each test quotes the label words its expectation comes from (or says when an expectation is a her2kit
convention rather than the label). The audit's course files are reproduced here as dictionaries (their
ids t01...t100 are the audit's).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from her2kit.kb import default_kb
from her2kit.kb.schema import CardiacMonitoring, LvefBand
from her2kit.safety import MonitorResult, monitor, parse_course
from her2kit.safety.result import KNOWLEDGE_GAP
from tests.safety.courses import course, day

KB = default_kb()


def run(doc: dict[str, Any]) -> MonitorResult:
    return monitor(parse_course(doc))


def fired(result: MonitorResult) -> set[str]:
    return {step.rule for step in result.rationale}


def text(result: MonitorResult) -> str:
    return "\n".join(step.text for step in result.rationale)


def audit(case: str, agent: str, lvef: list[tuple[str, float]], today: str, **over: Any) -> dict[str, Any]:
    """An audit course: the first reading is the baseline; q3w doses from 2026-01-05 up to 2026-03-09."""
    doses = {
        "trastuzumab": [560, 420, 420, 420],
        "margetuximab": [1050] * 4,
        "T-DXd": [324] * 4,
        "zanidatamab": [1400] * 4,
    }
    doc: dict[str, Any] = {
        "schema_version": "1",
        "id": case,
        "agent": agent,
        "weight_kg": 60 if agent == "T-DXd" else 70,
        "today": today,
        "lvef": [
            {"date": date, "percent": pct, **({"baseline": True} if i == 0 else {})}
            for i, (date, pct) in enumerate(lvef)
        ],
    }
    if agent in doses:
        dates = ["2026-01-05", "2026-01-26", "2026-02-16", "2026-03-09"]
        doc["doses"] = [{"date": d, "mg": mg} for d, mg in zip(dates, doses[agent], strict=True)]
    if agent == "trastuzumab":
        doc.update(schedule="q3w", indication="breast")
    if agent == "T-DXd":
        doc.update(indication="breast")
    doc.update(over)
    return doc


# ============================================================== 1. exact decimal comparison of the decrease
def test_t01_a_16_point_decrease_from_a_one_decimal_baseline_holds() -> None:
    # Herceptin 2.x: "Withhold Herceptin dosing for at least 4 weeks for ... >= 16% absolute decrease in LVEF
    # from pre-treatment values". 64.1 - 48.1 is exactly 16 (floating point made it 15.999...).
    result = run(
        audit(
            "t01",
            "trastuzumab",
            [("2025-12-29", 64.1), ("2026-03-25", 48.1)],
            "2026-03-30",
            lvef_lower_limit_normal=45,
        )
    )
    assert result.action == "hold"
    assert "decrease 16 points" in text(result)
    assert result.next_dose is None


def test_t02_integer_control_still_holds() -> None:
    result = run(
        audit(
            "t02",
            "trastuzumab",
            [("2025-12-29", 64), ("2026-03-25", 48)],
            "2026-03-30",
            lvef_lower_limit_normal=45,
        )
    )
    assert result.action == "hold"


@pytest.mark.parametrize(("baseline", "reading"), [(66.1, 46.0), (66.2, 46.1)])
def test_t05_a_decrease_of_20_1_points_interrupts_tdxd(baseline: float, reading: float) -> None:
    # Enhertu: "LVEF less than 40% or absolute decrease from baseline is greater than 20% - Interrupt ENHERTU;
    # Repeat LVEF assessment within 3 weeks".
    result = run(audit("t05", "T-DXd", [("2025-12-29", baseline), ("2026-03-25", reading)], "2026-03-30"))
    assert result.action == "hold"
    assert "decrease 20.1 points" in text(result)
    assert "greater than 20%" in text(result)


def _tenths(low: str, high: str) -> list[Decimal]:
    start, stop = Decimal(low), Decimal(high)
    out = []
    while start <= stop:
        out.append(start)
        start += Decimal("0.1")
    return out


def test_every_exact_16_point_decrease_from_a_one_decimal_baseline_holds_trastuzumab() -> None:
    # Herceptin: ">= 16% absolute decrease" holds; 15.9 points with LVEF at or above the LLN does not.
    for baseline in _tenths("62.0", "80.0"):
        for drop, action in ((Decimal("16.0"), "hold"), (Decimal("15.9"), "continue")):
            doc = course(
                "trastuzumab",
                schedule="q3w",
                indication="breast",
                lvef_lower_limit_normal=45,
                doses=[{"date": day(-7), "mg": 420}],
                lvef=[
                    {"date": day(-90), "percent": float(baseline), "baseline": True},
                    {"date": day(0), "percent": float(baseline - drop)},
                ],
            )
            assert run(doc).action == action, (baseline, drop)


def test_every_exact_20_and_10_point_edge_of_the_tdxd_table_falls_on_the_labels_side() -> None:
    # Enhertu: "LVEF greater than 45% and absolute decrease from baseline is 10% to 20% - Continue";
    # "absolute decrease from baseline is greater than 20% - Interrupt";
    # "LVEF 40% to 45% and absolute decrease from baseline is 10% to 20% - Interrupt";
    # "LVEF 40% to 45% and absolute decrease from baseline is less than 10% - Continue ... repeat within 3 weeks".
    def action(baseline: Decimal, reading: Decimal) -> str:
        doc = course(
            "T-DXd",
            indication="breast",
            doses=[{"date": day(-7), "mg": 378}],
            lvef=[
                {"date": day(-90), "percent": float(baseline), "baseline": True},
                {"date": day(0), "percent": float(reading)},
            ],
        )
        return run(doc).action

    for baseline in _tenths("66.0", "80.0"):
        assert action(baseline, baseline - Decimal("20.0")) == "continue", baseline
        assert action(baseline, baseline - Decimal("20.1")) == "hold", baseline
    for baseline in _tenths("50.0", "55.0"):
        assert action(baseline, baseline - Decimal("10.0")) == "hold", baseline
        assert action(baseline, baseline - Decimal("9.9")) == "continue", baseline


# Boundary tests with one-decimal readings on every LVEF threshold of every table, written from the label rows
# quoted in each record's band texts (LLN 50 unless given).
BOUNDARIES: list[tuple[str, dict[str, Any], float, float, str, str]] = [
    # --- trastuzumab (Herceptin 2.x): >= 16 points; below LLN with >= 10 points
    ("trastuzumab", {"lvef_lower_limit_normal": 45}, 64.1, 48.1, "hold", "16.0 points"),
    ("trastuzumab", {"lvef_lower_limit_normal": 45}, 64.1, 48.2, "continue", "15.9 points"),
    ("trastuzumab", {}, 59.1, 49.1, "hold", "below LLN, 10.0 points"),
    ("trastuzumab", {}, 59.1, 49.2, "continue", "below LLN, 9.9 points"),
    ("trastuzumab", {}, 60.1, 50.0, "continue", "at the LLN (not below), 10.1 points"),
    ("trastuzumab", {}, 60.1, 49.9, "hold", "below LLN, 10.2 points"),
    # --- trastuzumab EU (SmPC 4.4): a drop of >= 10 points AND to below 50%
    ("trastuzumab-eu", {"region": "EU"}, 59.1, 49.1, "hold", "49.1% with 10.0 points"),
    ("trastuzumab-eu", {"region": "EU"}, 59.1, 49.2, "continue", "9.9 points"),
    ("trastuzumab-eu", {"region": "EU"}, 60.1, 50.0, "continue", "50.0% is not below 50%"),
    # --- margetuximab (Margenza 2.2): >= 16 points; below LLN and >= 10 points
    ("margetuximab", {"lvef_lower_limit_normal": 45}, 66.1, 50.1, "hold", "16.0 points"),
    ("margetuximab", {"lvef_lower_limit_normal": 45}, 66.1, 50.2, "continue", "15.9 points"),
    ("margetuximab", {}, 59.1, 49.1, "hold", "below LLN, 10.0 points"),
    ("margetuximab", {}, 59.1, 49.2, "continue", "below LLN, 9.9 points"),
    # --- zanidatamab (Ziihera Table 1): >= 16 points; LVEF <= 50% and >= 10 points
    ("zanidatamab", {}, 66.1, 50.1, "hold", "16.0 points"),
    ("zanidatamab", {}, 66.1, 50.2, "continue", "15.9 points, LVEF above 50%"),
    ("zanidatamab", {}, 60.0, 50.0, "hold", "LVEF 50.0% (<= 50%) with 10.0 points"),
    ("zanidatamab", {}, 60.1, 50.1, "continue", "LVEF 50.1% (> 50%) with 10.0 points"),
    ("zanidatamab", {}, 59.9, 50.0, "continue", "LVEF 50.0% with 9.9 points"),
    # --- Herceptin Hylecta (the Herceptin IV thresholds)
    ("trastuzumab-hyaluronidase", {"lvef_lower_limit_normal": 45}, 64.1, 48.1, "hold", "16.0 points"),
    ("trastuzumab-hyaluronidase", {"lvef_lower_limit_normal": 45}, 64.1, 48.2, "continue", "15.9 points"),
    ("trastuzumab-hyaluronidase", {}, 59.1, 49.1, "hold", "below LLN, 10.0 points"),
    # --- Phesgo, early (monograph): LVEF < 50% with a fall of >= 10 points
    ("Phesgo", {"setting": "early"}, 59.1, 49.1, "hold", "49.1% with 10.0 points"),
    ("Phesgo", {"setting": "early"}, 59.1, 49.2, "continue", "9.9 points"),
    ("Phesgo", {"setting": "early"}, 60.1, 50.0, "continue", "50.0% is not below 50%"),
    # --- Phesgo, metastatic: LVEF < 40%; LVEF 40%-45% with a fall of >= 10 points
    ("Phesgo", {"setting": "metastatic"}, 45.0, 39.9, "hold", "39.9% is below 40%"),
    ("Phesgo", {"setting": "metastatic"}, 45.0, 40.0, "continue", "40.0% with 5 points"),
    ("Phesgo", {"setting": "metastatic"}, 55.0, 45.0, "hold", "45.0% (40%-45%) with 10.0 points"),
    ("Phesgo", {"setting": "metastatic"}, 55.1, 45.1, "continue", "45.1% is above 45%"),
    ("Phesgo", {"setting": "metastatic"}, 54.9, 45.0, "continue", "45.0% with 9.9 points"),
    ("Phesgo", {"setting": "metastatic"}, 50.1, 40.1, "hold", "40.1% with 10.0 points"),
    # --- T-DXd (Enhertu 2.3)
    ("T-DXd", {}, 66.1, 46.1, "continue", "> 45% and exactly 20.0 points"),
    ("T-DXd", {}, 66.1, 46.0, "hold", "20.1 points: greater than 20%"),
    ("T-DXd", {}, 55.0, 45.0, "hold", "45.0% (40% to 45%) and 10.0 points"),
    ("T-DXd", {}, 55.1, 45.1, "continue", "45.1% (greater than 45%) and 10.0 points"),
    ("T-DXd", {}, 54.9, 45.0, "continue", "45.0% and 9.9 points: continue, repeat within 3 weeks"),
    ("T-DXd", {}, 50.0, 40.0, "hold", "40.0% and 10.0 points"),
    ("T-DXd", {}, 45.0, 39.9, "hold", "39.9% is less than 40%"),
    ("T-DXd", {}, 45.0, 40.0, "continue", "40.0% with 5 points"),
    # --- T-DM1 (Kadcyla Table 4, metastatic)
    ("T-DM1", {"setting": "metastatic"}, 45.0, 39.9, "hold", "< 40%"),
    ("T-DM1", {"setting": "metastatic"}, 55.0, 45.0, "hold", "40% to <= 45% and 10.0 points"),
    ("T-DM1", {"setting": "metastatic"}, 54.9, 45.0, "continue", "40% to <= 45% and 9.9 points"),
    ("T-DM1", {"setting": "metastatic"}, 55.1, 45.1, "continue", "> 45%"),
    # --- zongertinib (secondary summary of Table 2): 40%-50% with 10%-19%; < 40%; >= 20%
    ("zongertinib", {"indication": "nsclc"}, 60.0, 50.0, "hold", "50.0% (40%-50%) with 10.0 points"),
    ("zongertinib", {"indication": "nsclc"}, 60.1, 50.1, "continue", "50.1% is above 50%"),
    ("zongertinib", {"indication": "nsclc"}, 59.9, 50.0, "continue", "9.9 points"),
    ("zongertinib", {"indication": "nsclc"}, 70.0, 50.0, "hold", "20.0 points (>= 20%)"),
    ("zongertinib", {"indication": "nsclc"}, 45.0, 39.9, "hold", "39.9% is below 40%"),
    # --- lapatinib (Tykerb 2.2): LVEF below the institution's LLN -> discontinue
    ("lapatinib", {"regimen": "regimen:lapatinib-capecitabine"}, 55.0, 49.9, "discontinue", "below LLN"),
    ("lapatinib", {"regimen": "regimen:lapatinib-capecitabine"}, 55.0, 50.0, "continue", "at the LLN"),
]

DOSE = {
    "trastuzumab": 420,
    "trastuzumab-eu": 420,
    "margetuximab": 1050,
    "zanidatamab": 1400,
    "trastuzumab-hyaluronidase": 600,
    "Phesgo": 600,
    "T-DXd": 378,
    "T-DM1": 252,
    "zongertinib": 120,
    "lapatinib": 1250,
}


@pytest.mark.parametrize(
    ("agent", "over", "baseline", "reading", "action", "why"),
    BOUNDARIES,
    ids=[f"{a}-{b}-{r}-{act}" for a, _, b, r, act, _ in BOUNDARIES],
)
def test_one_decimal_readings_on_every_lvef_threshold(
    agent: str, over: dict[str, Any], baseline: float, reading: float, action: str, why: str
) -> None:
    doc = course(
        "trastuzumab" if agent == "trastuzumab-eu" else agent,
        doses=[{"date": day(-7), "mg": DOSE[agent]}],
        lvef=[
            {"date": day(-90), "percent": baseline, "baseline": True},
            {"date": day(0), "percent": reading},
        ],
        **({"lvef_lower_limit_normal": 50} | over),
    )
    if agent.startswith("trastuzumab") and agent != "trastuzumab-hyaluronidase":
        doc.update(schedule="q3w", indication="breast")
    if agent in ("T-DXd",):
        doc.update(indication="breast")
    assert run(doc).action == action, why


def test_a_reading_between_tenths_falls_in_no_gap() -> None:
    # 45.05% is "greater than 45%" (Enhertu): with a 15-point decrease that is the continue row, not the 40-45% row.
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-7), "mg": 378}],
        lvef=[{"date": day(-90), "percent": 60.05, "baseline": True}, {"date": day(0), "percent": 45.05}],
    )
    result = run(doc)
    assert result.action == "continue"
    assert "LVEF greater than 45%" in text(result)


def test_label_thresholds_are_written_as_the_label_writes_them() -> None:
    # No "+0.1" encodings: every bound of every LVEF band is a label number (an integer percentage).
    for record in KB.cardiac_monitoring.values():
        for band in record.bands:
            for _, _, value in band.bounds():
                assert value == int(value), (record.id, band.text)


@pytest.mark.parametrize(
    "bounds",
    [{"lvef_min": 40, "lvef_gt": 40}, {"lvef_max": 45, "lvef_le": 45}, {"decline_min": 10, "decline_gt": 10}],
)
def test_a_band_has_one_bound_per_side(bounds: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        LvefBand(action="hold", text="x", **bounds)


# ============================================================== 2. symptomatic heart failure without a CHF row
@pytest.mark.parametrize(
    ("case", "agent", "over"),
    [
        ("t72", "trastuzumab", {"schedule": "q3w", "indication": "breast"}),
        ("t73", "margetuximab", {}),
    ],
)
def test_symptomatic_heart_failure_without_a_chf_row_holds_as_a_knowledge_gap(
    case: str, agent: str, over: dict[str, Any]
) -> None:
    # Herceptin boxed warning: "Discontinue Herceptin for cardiomyopathy"; Margenza boxed warning: "Discontinue
    # MARGENZA treatment for a confirmed clinically significant decrease in left ventricular function". The tables in
    # the knowledge base have no row for heart failure: hold and ask, never continue.
    doc = {
        "schema_version": "1",
        "id": case,
        "agent": agent,
        "weight_kg": 70,
        "doses": [
            {"date": "2026-01-05", "mg": 560 if agent == "trastuzumab" else 1050},
            {"date": "2026-01-26", "mg": 420 if agent == "trastuzumab" else 1050},
        ],
        "lvef": [
            {"date": "2025-12-29", "percent": 64, "baseline": True},
            {"date": "2026-02-12", "percent": 52},
        ],
        "lvef_lower_limit_normal": 50,
        "symptomatic_heart_failure": True,
        "today": "2026-02-16",
        **over,
    }
    result = run(doc)
    assert result.action == "hold"
    assert result.next_dose is None
    assert KNOWLEDGE_GAP in fired(result)
    assert any("heart failure" in need for need in result.needs)


def test_symptomatic_heart_failure_on_lapatinib_is_not_ignored() -> None:
    doc = course(
        "lapatinib",
        regimen="regimen:lapatinib-capecitabine",
        symptomatic_heart_failure=True,
        lvef_lower_limit_normal=50,
        doses=[{"date": day(-1), "mg": 1250}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
    )
    assert run(doc).action == "hold"


def test_the_chf_row_applies_even_before_a_baseline_lvef_is_recorded() -> None:
    # Enhertu: "Symptomatic congestive heart failure: permanently discontinue ENHERTU" (no reading is needed).
    doc = course(
        "T-DXd", indication="breast", symptomatic_heart_failure=True, doses=[{"date": day(-21), "mg": 378}]
    )
    assert run(doc).action == "discontinue"


# ============================================================== 3. the label's minimum withholding period
@pytest.mark.parametrize(
    ("case", "agent"), [("t11", "margetuximab"), ("t10", "trastuzumab"), ("t10z", "zanidatamab")]
)
def test_a_recovery_before_the_minimum_withholding_period_keeps_the_hold(case: str, agent: str) -> None:
    # Margenza 2.2 / Herceptin 2.x / Ziihera Table 1: "Withhold ... for at least 4 weeks".
    result = run(
        audit(
            case,
            agent,
            [("2025-12-29", 64), ("2026-03-25", 46), ("2026-04-01", 60)],
            "2026-04-01",
            lvef_lower_limit_normal=50,
        )
    )
    assert result.action == "hold"
    assert result.next_dose is None
    assert "earliest resumption 2026-04-22" in text(result)


@pytest.mark.parametrize("today", ["2026-04-01", "2026-04-10", "2026-04-21", "2026-04-22", "2026-04-30"])
def test_the_next_dose_is_never_before_hold_start_plus_the_minimum(today: str) -> None:
    result = run(
        audit(
            "t11",
            "margetuximab",
            [("2025-12-29", 64), ("2026-03-25", 46), ("2026-04-01", 60)],
            today,
            lvef_lower_limit_normal=50,
        )
    )
    if today < "2026-04-22":
        assert result.action == "hold"
        assert result.next_dose is None
    else:
        assert result.action == "resume"
        assert result.next_dose is not None
        assert result.next_dose.date >= dt.date(2026, 4, 22)
        assert result.lvef_hold_periods[-1].end == dt.date(2026, 4, 22)


@pytest.mark.parametrize(("recovered", "action"), [("2026-04-21", "hold"), ("2026-04-22", "resume")])
def test_a_recovery_at_exactly_four_weeks_resumes(recovered: str, action: str) -> None:
    result = run(
        audit(
            "t10",
            "trastuzumab",
            [("2025-12-29", 64), ("2026-03-25", 46), (recovered, 60)],
            recovered,
            lvef_lower_limit_normal=50,
        )
    )
    assert result.action == action


def test_phesgo_minimum_withholding_period_is_three_weeks() -> None:
    # Phesgo (monograph): "withhold for at least 3 weeks; resume after 3 weeks if recovered".
    doc = course(
        "Phesgo",
        setting="metastatic",
        doses=[{"date": day(-21), "mg": 600}],
        lvef=[
            {"date": day(-90), "percent": 60, "baseline": True},
            {"date": day(-14), "percent": 38},
            {"date": day(0), "percent": 55},
        ],
    )
    held = run(doc)
    assert held.action == "hold"
    assert f"earliest resumption {day(7)}" in text(held)
    later = run(dict(doc, lvef=[*doc["lvef"][:2], {"date": day(7), "percent": 55}], today=day(7)))
    assert later.action == "resume"


def test_min_hold_weeks_is_filled_exactly_where_the_band_text_says_at_least() -> None:
    for record in KB.cardiac_monitoring.values():
        for band in record.bands:
            said = re.search(r"at\s+least\s+(\d+)\s+weeks", band.text)
            assert (band.min_hold_weeks is not None) == bool(said), (record.id, band.text)
            if said:
                assert band.min_hold_weeks == float(said.group(1)), (record.id, band.text)


# ============================================================== 4. recovery documented after the resumption window
def test_t12_a_recovery_documented_after_eight_weeks_discontinues_margetuximab() -> None:
    # Margenza 2.2: "may be resumed if, within 8 weeks, LVEF returns to normal limits ... Permanently discontinue
    # MARGENZA if LVEF decline persists for greater than 8 weeks".
    result = run(
        audit(
            "t12",
            "margetuximab",
            [("2025-12-29", 64), ("2026-03-25", 46), ("2026-06-03", 60)],
            "2026-06-03",
            lvef_lower_limit_normal=50,
        )
    )
    assert result.action == "discontinue"
    assert result.next_dose is None
    assert "8-week" in text(result)


@pytest.mark.parametrize(("recovered", "action"), [("2026-05-20", "resume"), ("2026-05-21", "discontinue")])
def test_the_eight_week_window_edge(recovered: str, action: str) -> None:
    # 2026-03-25 + 8 weeks = 2026-05-20: a recovery on that day is "within 8 weeks".
    result = run(
        audit(
            "t12",
            "trastuzumab",
            [("2025-12-29", 64), ("2026-03-25", 46), (recovered, 60)],
            recovered,
            lvef_lower_limit_normal=50,
        )
    )
    assert result.action == action


def test_zanidatamab_recovery_after_the_window_holds_and_asks() -> None:
    # Ziihera: "Resume ZIIHERA within 4 to 8 weeks if LVEF returns to normal limits ..."; what follows a later
    # recovery was not read, so no resumption and no invented discontinuation: hold with a need.
    result = run(
        audit(
            "t12z",
            "zanidatamab",
            [("2025-12-29", 64), ("2026-03-25", 46), ("2026-06-03", 60)],
            "2026-06-03",
        )
    )
    assert result.action == "hold"
    assert any("8-week" in need for need in result.needs)


def test_zongertinib_recovery_after_four_weeks_from_below_40_discontinues() -> None:
    # Zongertinib (summary of Table 2): "LVEF below 40%: ... if it does not recover within 4 weeks, permanently
    # discontinue".
    doc = course(
        "zongertinib",
        indication="nsclc",
        doses=[{"date": day(-36), "mg": 120}],
        lvef=[
            {"date": day(-60), "percent": 60, "baseline": True},
            {"date": day(-35), "percent": 38},
            {"date": day(0), "percent": 58},
        ],
    )
    assert run(doc).action == "discontinue"


# ============================================================== 5. "discontinue if confirmed"
def _tdxd_repeat(case: str, second: float) -> MonitorResult:
    return run(
        audit(case, "T-DXd", [("2025-12-29", 60), ("2026-03-05", 38), ("2026-03-24", second)], "2026-03-24")
    )


def test_t30_an_unconfirmed_repeat_reading_in_a_continue_row_resumes() -> None:
    # Enhertu: "If LVEF of less than 40% or absolute decrease from baseline of greater than 20% is confirmed,
    # permanently discontinue"; 46% with a 14-point decrease is the row "LVEF greater than 45% and absolute
    # decrease from baseline is 10% to 20% - Continue treatment with ENHERTU".
    result = _tdxd_repeat("t30", 46)
    assert result.action == "resume"
    assert result.next_dose is not None
    assert result.next_dose.dose_level == 0
    assert "not confirmed" in text(result)


def test_t31_an_unconfirmed_repeat_reading_in_another_hold_row_takes_that_rows_rule() -> None:
    # 43% with a 17-point decrease: "LVEF 40% to 45% and absolute decrease from baseline 10% to 20% - Interrupt ...
    # Repeat LVEF assessment within 3 weeks. If LVEF has not recovered to within 10% from baseline, permanently
    # discontinue".
    result = _tdxd_repeat("t31", 43)
    assert result.action == "hold"
    assert "LVEF 40% to 45% and absolute decrease from baseline 10% to 20%" in text(result)
    assert result.next_lvef_due == dt.date(2026, 3, 24) + dt.timedelta(weeks=3)
    then = run(
        audit(
            "t31b",
            "T-DXd",
            [("2025-12-29", 60), ("2026-03-05", 38), ("2026-03-24", 43), ("2026-04-13", 44)],
            "2026-04-13",
        )
    )
    assert then.action == "discontinue"  # 16 points: not recovered to within 10%
    recovered = run(
        audit(
            "t31c",
            "T-DXd",
            [("2025-12-29", 60), ("2026-03-05", 38), ("2026-03-24", 43), ("2026-04-13", 51)],
            "2026-04-13",
        )
    )
    assert recovered.action == "resume"


def test_t32_tdm1_unconfirmed_repeat_reading_holds_under_the_40_to_45_row() -> None:
    # Kadcyla: "LVEF <40%: ... if <40% confirmed, discontinue"; 43% with 12 points is "LVEF 40% to <= 45% and
    # decrease >= 10% points from baseline: do not administer KADCYLA; repeat LVEF within 3 weeks".
    doc = {
        "schema_version": "1",
        "id": "t32",
        "agent": "T-DM1",
        "setting": "metastatic",
        "weight_kg": 60,
        "doses": [{"date": d, "mg": 216} for d in ("2026-01-05", "2026-01-26", "2026-02-16")],
        "lvef": [
            {"date": "2025-12-29", "percent": 55, "baseline": True},
            {"date": "2026-03-05", "percent": 38},
            {"date": "2026-03-24", "percent": 43},
        ],
        "today": "2026-03-24",
    }
    result = run(doc)
    assert result.action == "hold"


@pytest.mark.parametrize(
    ("baseline", "second", "why"),
    [
        (60, 39.9, "LVEF less than 40% confirmed"),
        (63, 42.9, "a decrease greater than 20% (20.1) confirmed: the same label row"),
    ],
)
def test_a_confirming_repeat_reading_discontinues(baseline: float, second: float, why: str) -> None:
    result = run(
        audit(
            "t30c",
            "T-DXd",
            [("2025-12-29", baseline), ("2026-03-05", 38), ("2026-03-24", second)],
            "2026-03-24",
        )
    )
    assert result.action == "discontinue", why


# ============================================================== 8. a recovery acted on by a same-day dose
def test_t100_a_reduced_dose_given_on_the_day_of_recovery_is_not_reduced_again() -> None:
    # Zongertinib: "LVEF below 40%: interrupt; if LVEF recovers within 4 weeks, resume at a reduced dose" - the
    # reduced dose (60 mg) was given on the day of the recovered reading: one reduction, not two.
    doc = {
        "schema_version": "1",
        "id": "t100",
        "agent": "zongertinib",
        "indication": "nsclc",
        "weight_kg": 70,
        "doses": [
            {"date": "2026-02-27", "mg": 120},
            {"date": "2026-02-28", "mg": 120},
            {"date": "2026-03-21", "mg": 60},
        ],
        "lvef": [
            {"date": "2026-02-01", "percent": 60, "baseline": True},
            {"date": "2026-03-01", "percent": 38},
            {"date": "2026-03-21", "percent": 55},
        ],
        "today": "2026-03-22",
    }
    result = run(doc)
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.mg == 60
    assert result.next_dose.dose_level == -1


def test_a_recovery_after_the_last_dose_still_reduces() -> None:
    doc = course(
        "zongertinib",
        indication="nsclc",
        doses=[{"date": day(-21), "mg": 120}],
        lvef=[
            {"date": day(-60), "percent": 60, "baseline": True},
            {"date": day(-20), "percent": 38},
            {"date": day(0), "percent": 55},
        ],
    )
    result = run(doc)
    assert result.action == "reduce"
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -1


# ============================================================== 10. pertuzumab: the label's table is not in the KB
def _pertuzumab(lvef: list[tuple[int, float]], **over: Any) -> dict[str, Any]:
    doc = course(
        "pertuzumab",
        doses=[{"date": day(-21), "mg": 420}],
        lvef=[
            {"date": day(d), "percent": pct, **({"baseline": True} if i == 0 else {})}
            for i, (d, pct) in enumerate(lvef)
        ],
    )
    doc.update(over)
    return doc


def test_t26_pertuzumab_lvef_35_is_held_as_a_knowledge_gap() -> None:
    # Perjeta boxed warning: "Discontinue PERJETA treatment for a confirmed clinically significant decrease in left
    # ventricular function [see Dosage and Administration (2.3)]" - the 2.3 table is not in the knowledge base.
    doc = {
        "schema_version": "1",
        "id": "t26",
        "agent": "pertuzumab",
        "setting": "metastatic",
        "weight_kg": 70,
        "doses": [
            {"date": "2026-01-05", "mg": 840},
            {"date": "2026-01-26", "mg": 420},
            {"date": "2026-02-16", "mg": 420},
        ],
        "lvef": [
            {"date": "2025-12-29", "percent": 60, "baseline": True},
            {"date": "2026-03-05", "percent": 35},
        ],
        "lvef_lower_limit_normal": 50,
        "today": "2026-03-09",
    }
    result = run(doc)
    assert result.action == "hold"
    assert result.next_dose is None
    assert KNOWLEDGE_GAP in fired(result)
    assert "her2kit safety convention" in text(result)
    assert any("2.3" in need for need in result.needs)
    record = KB.cardiac_monitoring["cardiac:pertuzumab"]
    assert record.label_table_missing
    assert record.bands == []  # the Perjeta table is not invented


@pytest.mark.parametrize(
    ("baseline", "reading", "action"),
    [
        (60, 50.0, "hold"),  # a fall of 10.0 points
        (60, 50.1, "continue"),  # 9.9 points, LVEF >= 50%
        (55, 49.9, "hold"),  # LVEF below 50%
        (55, 50.0, "continue"),  # 50.0% with 5 points
    ],
)
def test_pertuzumab_gap_thresholds(baseline: float, reading: float, action: str) -> None:
    result = run(_pertuzumab([(-90, baseline), (0, reading)]))
    assert result.action == action
    if action == "continue":
        assert any("not in the knowledge base" in w for w in result.warnings)


def test_pertuzumab_gap_hold_is_not_lifted_by_a_normal_reading_without_a_dose_since() -> None:
    # Whether and when to resume after a decline is the label table's call: a later normal reading with no dose since
    # the low one keeps the knowledge-gap hold; a dose given after it means a clinician has applied the label.
    held = run(_pertuzumab([(-90, 60), (-10, 45), (0, 59)]))
    assert held.action == "hold"
    acted = run(_pertuzumab([(-90, 60), (-30, 45), (0, 59)], doses=[{"date": day(-21), "mg": 420}]))
    assert acted.action == "continue"


def test_pertuzumab_symptomatic_heart_failure_holds() -> None:
    result = run(_pertuzumab([(-90, 60)], symptomatic_heart_failure=True))
    assert result.action == "hold"
    assert KNOWLEDGE_GAP in fired(result)


def test_a_record_without_bands_must_say_the_table_is_missing() -> None:
    record = KB.cardiac_monitoring["cardiac:trastuzumab"]
    with pytest.raises(ValidationError):
        CardiacMonitoring.model_validate(record.model_dump() | {"bands": []})
    with pytest.raises(ValidationError):
        CardiacMonitoring.model_validate(record.model_dump() | {"label_table_missing": True})


# ============================================================== 13. margetuximab routine interval
def test_t74_margetuximab_lvef_every_3_months() -> None:
    # margenzahcp.com (dosage page): "Evaluate cardiac function within 4 weeks prior to and every 3 months during and
    # upon completion of treatment".
    doc = audit("t74", "margetuximab", [("2025-12-29", 60), ("2026-02-12", 58)], "2026-02-16")
    doc["doses"] = doc["doses"][:2]
    result = run(doc)
    assert result.next_lvef_due == dt.date(2026, 2, 12) + dt.timedelta(weeks=12)
    assert result.next_lvef_basis is not None
    assert "routine interval of 12 weeks" in result.next_lvef_basis
    record = KB.cardiac_monitoring["cardiac:margetuximab"]
    assert record.interval_weeks == 12
    assert "ref:web-margenzahcp-dosage" in record.references


# ============================================================== 15. next LVEF after discontinuation, overdue dates
def test_no_repeat_lvef_date_after_a_permanent_discontinuation() -> None:
    confirmed = run(
        audit("t30d", "T-DXd", [("2025-12-29", 60), ("2026-03-05", 38), ("2026-03-24", 39)], "2026-03-24")
    )
    assert confirmed.action == "discontinue"
    assert confirmed.next_lvef_due is None
    assert confirmed.next_lvef_basis is not None
    assert "discontinued" in confirmed.next_lvef_basis
    persisting = run(
        audit(
            "t12b",
            "margetuximab",
            [("2025-12-29", 64), ("2026-03-25", 46), ("2026-06-03", 46)],
            "2026-06-03",
            lvef_lower_limit_normal=50,
        )
    )
    assert persisting.action == "discontinue"
    assert persisting.next_lvef_due is None


def test_t70_fourth_hold_discontinues_without_a_repeat_date() -> None:
    doc = {
        "schema_version": "1",
        "id": "t70",
        "agent": "trastuzumab",
        "schedule": "q3w",
        "indication": "breast",
        "weight_kg": 70,
        "doses": [{"date": "2026-01-05", "mg": 560}, {"date": "2026-01-26", "mg": 420}],
        "lvef": [
            {"date": "2025-12-29", "percent": 64, "baseline": True},
            {"date": "2026-02-10", "percent": 46},
            {"date": "2026-03-10", "percent": 60},
            {"date": "2026-04-10", "percent": 46},
            {"date": "2026-05-08", "percent": 60},
            {"date": "2026-06-10", "percent": 46},
            {"date": "2026-07-08", "percent": 60},
            {"date": "2026-08-10", "percent": 46},
        ],
        "lvef_lower_limit_normal": 50,
        "today": "2026-08-11",
    }
    result = run(doc)
    assert result.action == "discontinue"
    assert result.lvef_holds == 4
    assert result.next_lvef_due is None


def test_a_past_due_date_is_marked_overdue() -> None:
    doc = course(
        "trastuzumab",
        schedule="q3w",
        indication="breast",
        lvef_lower_limit_normal=50,
        doses=[{"date": day(-7), "mg": 420}],
        lvef=[{"date": day(-200), "percent": 62, "baseline": True}, {"date": day(-100), "percent": 60}],
    )
    result = run(doc)
    assert result.next_lvef_due == dt.date.fromisoformat(day(-100)) + dt.timedelta(weeks=12)
    assert result.next_lvef_basis is not None
    assert result.next_lvef_basis.startswith(f"overdue since {day(-16)}")


def test_a_full_dose_given_after_the_recovery_does_not_cancel_the_reduction() -> None:
    # Zongertinib: "if LVEF recovers within 4 weeks, resume at a reduced dose" - a full dose given since does not make
    # the full dose the label's next dose.
    doc = course(
        "zongertinib",
        indication="nsclc",
        doses=[{"date": day(-21), "mg": 120}, {"date": day(-1), "mg": 120}],
        lvef=[
            {"date": day(-60), "percent": 60, "baseline": True},
            {"date": day(-20), "percent": 38},
            {"date": day(-1), "percent": 55},
        ],
    )
    result = run(doc)
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -1


# ------------------------------------------------------------------ re-check: a held-back recovery is not forgotten
def _early_recovery(agent: str, later: list[dict[str, Any]], doses: list[str], today: str) -> dict[str, Any]:
    """Hold on 2026-03-25 (64 → 46%), LVEF back to 60% on 04-01 (a week in: before the 4-week minimum hold)."""
    mg = {"trastuzumab": (560, 420), "margetuximab": (1050, 1050)}[agent]
    return {
        "schema_version": "1",
        "id": "early-recovery",
        "agent": agent,
        "schedule": "q3w",
        "indication": "breast",
        "weight_kg": 70,
        "lvef_lower_limit_normal": 50,
        "doses": [{"date": "2026-01-05", "mg": mg[0]}]
        + [{"date": d, "mg": mg[1]} for d in ("2026-01-26", "2026-02-16", "2026-03-09", *doses)],
        "lvef": [
            {"date": "2025-12-29", "percent": 64, "baseline": True},
            {"date": "2026-03-25", "percent": 46},
            {"date": "2026-04-01", "percent": 60},
            *later,
        ],
        "today": today,
    }


def test_a_recovery_held_back_by_the_minimum_hold_ends_the_hold_before_later_readings() -> None:
    # The recovery on 04-01 ended the hold on 04-22 (4 weeks); a new drop on 06-01 is a second hold, not a decline
    # "persisting 9.7 weeks" (which would discontinue).
    result = run(
        _early_recovery(
            "trastuzumab", [{"date": "2026-06-01", "percent": 46}], ["2026-04-22", "2026-05-13"], "2026-06-01"
        )
    )
    assert result.action == "hold", text(result)
    assert "persisting" not in text(result)


@pytest.mark.parametrize("agent", ["trastuzumab", "margetuximab"])
def test_a_normal_echo_after_an_early_recovery_continues(agent: str) -> None:
    # Margenza: "may be resumed if, within 8 weeks, LVEF returns to normal limits" - it did, at 1 week.
    result = run(
        _early_recovery(
            agent,
            [{"date": "2026-06-17", "percent": 61}],
            ["2026-04-22", "2026-05-13", "2026-06-03"],
            "2026-06-24",
        )
    )
    assert result.action == "continue", text(result)
    assert "resumption window" not in text(result)
