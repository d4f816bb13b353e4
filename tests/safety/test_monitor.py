"""Monitoring over a course: label rule tables with boundaries, whole-course scenarios, properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.errors import InvalidInput
from her2kit.kb import default_kb
from her2kit.safety import monitor, parse_course
from her2kit.safety.monitor import SEVERITY
from tests.safety.courses import D0, course, day


def run(doc: dict[str, Any]):  # type: ignore[no-untyped-def]
    return monitor(parse_course(doc))


# ------------------------------------------------------------------ trastuzumab LVEF (Herceptin USPI 2.2, 5.1)
@pytest.mark.parametrize(
    ("baseline", "reading", "lln", "action"),
    [
        (60, 44, 50, "hold"),  # decrease exactly 16 points
        (60, 44.1, 50, "hold"),  # 15.9 points, but below LLN with ≥10
        (65, 50, 50, "continue"),  # 15 points, at the LLN (not below)
        (65, 49.9, 50, "hold"),  # below LLN, 15.1 points
        (59, 49, 50, "hold"),  # below LLN with exactly 10 points: meets the rule (≥10)
        (58, 49, 50, "continue"),  # below LLN, 9 points: continue
        (60, 50, 50, "continue"),  # 10 points, not below LLN
    ],
)
def test_trastuzumab_lvef_table(baseline: float, reading: float, lln: float, action: str) -> None:
    doc = course(
        "trastuzumab",
        schedule="q3w",
        indication="breast",
        lvef_lower_limit_normal=lln,
        doses=[{"date": day(-21), "mg": 420}],
        lvef=[
            {"date": day(-90), "percent": baseline, "baseline": True},
            {"date": day(0), "percent": reading},
        ],
    )
    assert run(doc).action == action


def test_trastuzumab_needs_lln_when_rule_depends_on_it() -> None:
    doc = course(
        "trastuzumab",
        schedule="q3w",
        indication="breast",
        doses=[{"date": day(-21), "mg": 420}],
        lvef=[{"date": day(-90), "percent": 60, "baseline": True}, {"date": day(0), "percent": 48}],
    )
    result = run(doc)
    assert result.action == "hold"
    assert any("lower limit of normal" in n for n in result.needs)


# ------------------------------------------------------------------ T-DXd LVEF table (Enhertu USPI 2.3)
@pytest.mark.parametrize(
    ("baseline", "reading", "action"),
    [
        (60, 46, "continue"),  # >45 and 14-point decrease
        (47, 42, "continue"),  # 40-45 and <10 points (repeat within 3 weeks)
        (54, 42, "hold"),  # 40-45 and 12 points
        (52, 42, "hold"),  # 40-45 and exactly 10 points
        (45, 39.9, "hold"),  # <40
        (45, 40, "continue"),  # exactly 40, 5 points
        (71, 50, "hold"),  # >20-point decrease
        (70, 50, "continue"),  # exactly 20 points, LVEF >45
    ],
)
def test_tdxd_lvef_table(baseline: float, reading: float, action: str) -> None:
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-21), "mg": 378}],
        lvef=[
            {"date": day(-60), "percent": baseline, "baseline": True},
            {"date": day(0), "percent": reading},
        ],
    )
    assert run(doc).action == action


def test_tdxd_continue_band_asks_for_repeat_within_3_weeks() -> None:
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-21), "mg": 378}],
        lvef=[{"date": day(-60), "percent": 47, "baseline": True}, {"date": day(0), "percent": 42}],
    )
    assert run(doc).next_lvef_due == D0 + dt.timedelta(weeks=3)


def test_tdxd_not_recovered_at_recheck_discontinues() -> None:
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-21), "mg": 378}],
        today=day(21),
        lvef=[
            {"date": day(-60), "percent": 60, "baseline": True},
            {"date": day(0), "percent": 42},
            {"date": day(20), "percent": 44},
        ],
    )
    assert run(doc).action == "discontinue"


def test_tdxd_recovered_at_recheck_resumes_same_dose() -> None:
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-21), "mg": 378}],
        today=day(21),
        lvef=[
            {"date": day(-60), "percent": 54, "baseline": True},
            {"date": day(0), "percent": 42},
            {"date": day(20), "percent": 50},
        ],
    )
    result = run(doc)
    assert result.action == "resume"
    assert result.next_dose is not None
    assert result.next_dose.dose_level == 0


def test_symptomatic_heart_failure_discontinues_tdxd() -> None:
    doc = course(
        "T-DXd",
        indication="breast",
        symptomatic_heart_failure=True,
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
    )
    assert run(doc).action == "discontinue"


def test_no_baseline_lvef_holds_and_asks() -> None:
    result = run(course("T-DXd", indication="breast"))
    assert result.action == "hold"
    assert any("baseline LVEF" in n for n in result.needs)
    assert result.next_lvef_due == D0


# ------------------------------------------------------------------ T-DXd ILD (Enhertu USPI 2.3): the 28-day rule
@pytest.mark.parametrize(
    ("grade", "resolved_after", "action", "level"),
    [
        (1, None, "hold", None),
        (1, 28, "resume", 0),  # resolved within 28 days: same dose
        (1, 29, "reduce", -1),  # resolved after 28 days: one level down
        (2, None, "discontinue", None),
        (3, 10, "discontinue", None),
    ],
)
def test_tdxd_ild_rules(grade: int, resolved_after: int | None, action: str, level: int | None) -> None:
    event: dict[str, Any] = {"term": "pneumonitis", "grade": grade, "onset": day(-40)}
    if resolved_after is not None:
        event["resolved"] = day(-40 + resolved_after)
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-42), "mg": 378}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
        adverse_events=[event],
    )
    result = run(doc)
    assert result.action == action
    if level is not None:
        assert result.next_dose is not None
        assert result.next_dose.dose_level == level
        assert result.next_dose.mg == {0: 378.0, -1: 308.0}[level]


# ------------------------------------------------------------ T-DM1 platelets and liver (Kadcyla USPI 2.2, metastatic)
@pytest.mark.parametrize(
    ("platelets", "action"),
    [(75, "continue"), (74.9, "continue"), (50, "continue"), (49.9, "hold"), (25, "hold"), (24.9, "hold")],
)
def test_tdm1_thrombocytopenia_grades(platelets: float, action: str) -> None:
    doc = course(
        "T-DM1",
        setting="metastatic",
        doses=[{"date": day(-21), "mg": 252}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
        labs=[{"date": day(0), "test": "platelets", "value": platelets, "unit": "10^9/L"}],
    )
    assert run(doc).action == action


def test_tdm1_grade4_thrombocytopenia_recovered_reduces_one_level() -> None:
    doc = course(
        "T-DM1",
        setting="metastatic",
        doses=[{"date": day(-21), "mg": 252}],
        today=day(7),
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
        labs=[
            {"date": day(0), "test": "platelets", "value": 20000, "unit": "/mm3"},
            {"date": day(7), "test": "platelets", "value": 110, "unit": "10^9/L"},
        ],
    )
    result = run(doc)
    assert result.action == "reduce"
    assert result.next_dose is not None
    assert (result.next_dose.dose_level, result.next_dose.mg) == (-1, 210.0)


def test_tdm1_grade4_alt_discontinues() -> None:
    doc = course(
        "T-DM1",
        setting="metastatic",
        doses=[{"date": day(-21), "mg": 252}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
        labs=[{"date": day(0), "test": "alt", "value": 900, "unit": "U/L", "uln": 40}],
    )
    assert run(doc).action == "discontinue"


def test_liver_test_without_uln_is_a_need() -> None:
    doc = course(
        "T-DM1",
        doses=[{"date": day(-21), "mg": 252}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
        labs=[{"date": day(0), "test": "alt", "value": 900, "unit": "U/L"}],
    )
    assert any("upper limit of normal" in n for n in run(doc).needs)


# ------------------------------------------------------------------ missed doses and loading
def test_first_trastuzumab_dose_is_loading() -> None:
    doc = course(
        "trastuzumab",
        schedule="q3w",
        indication="breast",
        lvef_lower_limit_normal=50,
        lvef=[{"date": day(-7), "percent": 62, "baseline": True}],
    )
    result = run(doc)
    assert result.next_dose is not None
    assert (result.next_dose.kind, result.next_dose.mg) == ("loading", 560.0)


@pytest.mark.parametrize(("late_days", "kind"), [(7, "maintenance"), (8, "loading")])
def test_trastuzumab_reload_after_more_than_a_week(late_days: int, kind: str) -> None:
    doc = course(
        "trastuzumab",
        schedule="q3w",
        indication="breast",
        lvef_lower_limit_normal=50,
        doses=[{"date": day(-21 - late_days), "mg": 420}],
        lvef=[{"date": day(-60), "percent": 62, "baseline": True}],
    )
    result = run(doc)
    assert result.next_dose is not None
    assert result.next_dose.kind == kind
    assert result.next_dose.date == D0


def test_next_dose_on_schedule() -> None:
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-7), "mg": 378}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
    )
    result = run(doc)
    assert result.action == "continue"
    assert result.next_dose is not None
    assert result.next_dose.date == D0 + dt.timedelta(days=14)


def test_pounds_are_converted_only_when_stated() -> None:
    doc = course(
        "T-DXd",
        indication="breast",
        weight_kg=None,
        weights=[{"date": day(-1), "value": 154.32, "unit": "lb"}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
    )
    result = run(doc)
    assert result.next_dose is not None
    assert result.next_dose.mg == 378.0
    with pytest.raises(InvalidInput) as info:
        parse_course(course("T-DXd", weights=[{"date": day(-1), "value": 154}]))
    assert "unit" in info.value.field


def test_future_dates_are_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_course(course("T-DXd", doses=[{"date": day(3), "mg": 378}]))
    assert info.value.field == "doses.0.date"


def test_unknown_ae_term_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_course(course("T-DXd", adverse_events=[{"term": "headache-ish", "grade": 2, "onset": day(-1)}]))
    assert info.value.field == "adverse_events.0.term"


# ------------------------------------------------------------------ whole courses
def test_scenario_hold_recovery_resumption() -> None:
    """Trastuzumab q3w: a 17-point LVEF fall → hold; recovery 4 weeks later → resume, re-loading after the gap."""
    doses = [{"date": day(-84 + 21 * i), "mg": 560 if i == 0 else 420} for i in range(4)]  # last at day -21
    base = [{"date": day(-90), "percent": 64, "baseline": True}]
    held = run(
        course(
            "trastuzumab",
            schedule="q3w",
            indication="breast",
            lvef_lower_limit_normal=50,
            doses=doses,
            lvef=[*base, {"date": day(-1), "percent": 47}],
        )
    )
    assert held.action == "hold"
    assert held.next_lvef_due == D0 + dt.timedelta(weeks=4) - dt.timedelta(days=1)
    resumed = run(
        course(
            "trastuzumab",
            schedule="q3w",
            indication="breast",
            lvef_lower_limit_normal=50,
            doses=doses,
            today=day(27),
            lvef=[*base, {"date": day(-1), "percent": 47}, {"date": day(27), "percent": 58}],
        )
    )
    assert resumed.action == "resume"
    assert resumed.next_dose is not None
    assert resumed.next_dose.kind == "loading"  # last dose 48 days ago: more than a week late


def test_scenario_decline_that_persists() -> None:
    lvef = [
        {"date": day(-120), "percent": 62, "baseline": True},
        {"date": day(-60), "percent": 45},
        {"date": day(-30), "percent": 46},
        {"date": day(0), "percent": 46},
    ]
    result = run(
        course(
            "trastuzumab",
            schedule="q3w",
            indication="breast",
            lvef_lower_limit_normal=50,
            doses=[{"date": day(-63), "mg": 420}],
            lvef=lvef,
        )
    )
    assert result.action == "discontinue"
    assert any("persist" in s.text for s in result.rationale)


def test_scenario_fourth_hold_discontinues() -> None:
    lvef: list[dict[str, Any]] = [{"date": day(-400), "percent": 64, "baseline": True}]
    for k in range(4):
        lvef += [{"date": day(-380 + 90 * k), "percent": 46}, {"date": day(-352 + 90 * k), "percent": 60}]
    today = day(-352 + 90 * 3)
    lvef = [r for r in lvef if r["date"] <= today and not (r["date"] == today and r["percent"] == 60)]
    result = run(
        course(
            "trastuzumab",
            schedule="q3w",
            indication="breast",
            lvef_lower_limit_normal=50,
            doses=[{"date": day(-400), "mg": 560}],
            lvef=lvef,
            today=today,
        )
    )
    assert result.lvef_holds == 4
    assert result.action == "discontinue"


# ------------------------------------------------------------------ properties
ADC_COURSES = st.fixed_dictionaries(
    {
        "agent": st.sampled_from(["T-DXd", "T-DM1"]),
        "baseline": st.integers(40, 75),
        "reading": st.decimals(min_value="20", max_value="75", places=1).map(float),
        "weight": st.integers(40, 150),
        "last_dose_days": st.integers(1, 60),
    }
)


@settings(max_examples=150, deadline=None)
@given(ADC_COURSES)
def test_never_continue_on_an_adc_with_lvef_below_40(p: dict[str, Any]) -> None:
    doc = course(
        p["agent"],
        indication="breast",
        weight_kg=p["weight"],
        doses=[{"date": day(-p["last_dose_days"]), "mg": 100}],
        lvef=[
            {"date": day(-90), "percent": p["baseline"], "baseline": True},
            {"date": day(0), "percent": p["reading"]},
        ],
    )
    result = run(doc)
    if p["reading"] < 40:
        assert result.action not in ("continue", "resume", "reduce")


@settings(max_examples=150, deadline=None)
@given(ADC_COURSES, st.integers(1, 2))
def test_no_dose_above_label_maximum_and_levels_only_move_down(p: dict[str, Any], grade: int) -> None:
    kb = default_kb()
    doc = course(
        p["agent"],
        indication="breast",
        weight_kg=p["weight"],
        doses=[{"date": day(-p["last_dose_days"]), "mg": 2.4 * p["weight"]}],
        lvef=[{"date": day(-90), "percent": 60, "baseline": True}],
        adverse_events=[{"term": "ild", "grade": grade, "onset": day(-40), "resolved": day(-1)}],
    )
    result = run(doc)
    if result.next_dose is not None:
        regimen = kb.regimens[result.regimen]
        top = max(lvl.dose.value for lvl in regimen.dose_levels) * p["weight"]
        assert result.next_dose.mg <= round(top, 1)
        assert result.next_dose.dose_level <= 0


def test_severity_order_is_total() -> None:
    assert sorted(SEVERITY, key=SEVERITY.get) == ["continue", "resume", "reduce", "hold", "discontinue"]


# ------------------------------------------------------------------ CLI and plot
def test_cli_monitor_and_plot(tmp_path: Any) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    svg = tmp_path / "lvef.svg"
    args = [
        sys.executable,
        "-m",
        "her2kit",
        "monitor",
        str(ROOT / "examples" / "course-tdxd.json"),
        "--format",
        "json",
        "--plot",
        str(svg),
    ]
    first = subprocess.run(args, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    import json

    doc = json.loads(first.stdout)
    assert doc["action"] == "reduce"
    assert doc["next_dose"]["dose_level"] == -1
    assert svg.read_text().startswith("<?xml")
    first_svg = svg.read_text()
    subprocess.run(args, capture_output=True, text=True, check=True)
    assert svg.read_text() == first_svg, "SVG output must be deterministic"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["dose", "--agent", "T-DXd", "--weight", "70"], "--weight-unit"),
        (["dose", "--agent", "T-DXd", "--weight", "70", "--weight-unit", "stone"], "--weight-unit"),
        (
            ["dose", "--agent", "T-DXd", "--weight", "900", "--weight-unit", "kg", "--indication", "breast"],
            "--weight",
        ),
        (["dose", "--agent", "aspirin"], "agent: 'aspirin' is not valid"),
    ],
)
def test_cli_dose_errors(args: list[str], fragment: str) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "her2kit", *args], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert fragment in out.stderr


def test_plotting_an_empty_course_prints_no_warning(tmp_path: Any) -> None:
    """A course with no LVEF reading and no dose yet: a plot without legends, and nothing on stderr."""
    import warnings

    from her2kit.safety.plot import plot_course

    course = parse_course(
        {"schema_version": "1", "id": "c", "agent": "neratinib", "weight_kg": 70, "today": "2026-01-10"}
    )
    result = monitor(course)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_course(course, result, tmp_path / "empty.svg", default_kb())
    assert (tmp_path / "empty.svg").read_text().startswith("<?xml")
