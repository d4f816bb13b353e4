"""The FOURTH review of treatment-safety monitoring (2026-11-27, an oncology pharmacist's probes): one test per finding
that was not a label vector (the LVEF findings 1 and 2 are vectors in vectors/adc.yaml and vectors/tki.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.errors import InvalidInput
from her2kit.kb import default_kb
from her2kit.safety import monitor, parse_course
from her2kit.safety.dosing import calculate
from her2kit.safety.monitor import MonitorResult


def run(doc: dict[str, Any]) -> MonitorResult:
    return monitor(parse_course({"schema_version": "1", **doc}))


ENHERTU: dict[str, Any] = {
    "id": "x",
    "agent": "Enhertu",
    "indication": "breast",
    "weight_kg": 68,
    "doses": [{"date": "2026-08-03", "mg": 367.2}, {"date": "2026-08-24", "mg": 367.2}],
    "lvef": [{"date": "2026-07-27", "percent": 62, "baseline": True}],
    "today": "2026-09-14",
}
TRASTUZUMAB: dict[str, Any] = {
    "id": "t",
    "agent": "trastuzumab",
    "schedule": "q3w",
    "indication": "breast",
    "weight_kg": 70,
    "lvef_lower_limit_normal": 50,
}


# --- finding 3: laboratory values impossible in their unit are refused, never graded ---------------------------
@pytest.mark.parametrize(
    ("lab", "field"),
    [
        ({"test": "neutrophils", "value": 400, "unit": "10^9/L"}, "labs.0.value"),  # 400 /µL typed as 10^9/L
        ({"test": "platelets", "value": 20000, "unit": "10^9/L"}, "labs.0.value"),
        ({"test": "bilirubin", "value": 4.0, "unit": "mg/dL", "uln": 21}, "labs.0.uln"),  # a µmol/L ULN
        ({"test": "bilirubin", "value": 30, "unit": "µmol/L", "uln": 1.2}, "labs.0.uln"),  # a mg/dL ULN
        ({"test": "alt", "value": 250, "unit": "U/L", "uln": 0.7}, "labs.0.uln"),  # a µkat/L ULN
    ],
)
def test_a_lab_value_impossible_in_its_unit_is_an_input_error(lab: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        run({**ENHERTU, "labs": [{"date": "2026-09-13", **lab}]})
    assert caught.value.field == field


def test_real_counts_in_either_unit_are_graded() -> None:
    low = run(
        {**ENHERTU, "labs": [{"date": "2026-09-13", "test": "neutrophils", "value": 400, "unit": "/µL"}]}
    )
    assert low.action != "continue"  # grade 4 neutropenia


# --- finding 4: a first LVEF reading taken after treatment began is no baseline ---------------------------------
def test_a_first_reading_after_the_first_dose_is_not_taken_as_the_baseline() -> None:
    doses = [
        {"date": d, "mg": mg}
        for d, mg in [
            ("2025-12-11", 560),
            ("2026-01-01", 420),
            ("2026-01-22", 420),
            ("2026-02-12", 420),
            ("2026-03-05", 420),
        ]
    ]
    result = run(
        {
            **TRASTUZUMAB,
            "doses": doses,
            "lvef": [{"date": "2026-03-20", "percent": 46}],
            "today": "2026-03-26",
        }
    )
    assert result.action == "hold"
    assert any("before the first dose" in n for n in result.needs)
    assert any("taken after treatment began" in s.text for s in result.rationale)
    # Marked as the baseline by the user, the reading is the reference again.
    marked = run(
        {
            **TRASTUZUMAB,
            "doses": doses,
            "lvef": [{"date": "2026-03-20", "percent": 60, "baseline": True}],
            "today": "2026-03-26",
        }
    )
    assert marked.action == "continue"


# --- finding 5: `her2kit dose` shows a level's own schedule -------------------------------------------------------
def test_dose_levels_carry_their_own_schedule() -> None:
    calc = calculate(default_kb(), "sevabertinib", indication="nsclc")
    by_level = {d.level: d for d in calc.dose_levels}
    assert by_level[-2].schedule == "daily"
    assert by_level[-1].schedule is None  # the regimen's own (twice daily)


# --- finding 6: a course that starts without the loading dose is named --------------------------------------------
def test_a_first_dose_that_is_not_the_loading_dose_is_warned_about() -> None:
    result = run(
        {
            **TRASTUZUMAB,
            "doses": [{"date": "2026-01-01", "mg": 420}],
            "lvef": [{"date": "2025-12-20", "percent": 60, "baseline": True}],
            "today": "2026-01-22",
        }
    )
    assert any("not the label's loading dose" in w for w in result.warnings)
    loaded = run(
        {
            **TRASTUZUMAB,
            "doses": [{"date": "2026-01-01", "mg": 560}],
            "lvef": [{"date": "2025-12-20", "percent": 60, "baseline": True}],
            "today": "2026-01-22",
        }
    )
    assert not any("loading dose" in w for w in loaded.warnings)
