"""An oncologist's review of treatment-safety monitoring and dosing (2026-11-27): one test (or a few) per finding,
each a course or call the review ran.

1. Neratinib with capecitabine has its own reduction ladder (US label, metastatic disease: 240 → 160 → 120 mg; the
   extended-adjuvant single agent: 240 → 200 → 160 → 120 mg). A course uses the combination's levels only when it
   says capecitabine is given; where it does not say, the monitor asks instead of guessing, and ``dose`` shows the
   records to choose from with their levels.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from her2kit.errors import InvalidInput
from her2kit.kb import default_kb
from her2kit.safety import monitor, parse_course
from her2kit.safety.dosing import calculate
from her2kit.safety.monitor import MonitorResult


def run(doc: dict[str, Any]) -> MonitorResult:
    return monitor(parse_course({"schema_version": "1", "id": "review", **doc}))


def daily(start: str, n: int, mg: float) -> list[dict[str, Any]]:
    first = dt.date.fromisoformat(start)
    return [{"date": (first + dt.timedelta(days=i)).isoformat(), "mg": mg} for i in range(n)]


def texts(result: MonitorResult) -> str:
    return "\n".join([*(s.text for s in result.rationale), *result.warnings, *result.needs])


# Grade 3 diarrhoea resolved after more than a week: the label resumes at the next lower level.
DIARRHOEA_G3_SLOW = {
    "term": "diarrhea",
    "grade": 3,
    "onset": "2026-01-21",
    "resolved": "2026-02-02",
    "resolved_grade": 1,
    "complicated": False,
    "despite_treatment": True,
}
NERATINIB_MBC = {
    "agent": "neratinib",
    "indication": "breast",
    "setting": "metastatic",
    "medications": ["capecitabine"],
    "doses": daily("2026-01-01", 20, 240),
    "adverse_events": [DIARRHOEA_G3_SLOW],
    "today": "2026-02-03",
}


# ------------------------------------------------------------------ 1. neratinib + capecitabine reduction ladder
def test_neratinib_with_capecitabine_reduces_to_160_mg() -> None:
    result = run(NERATINIB_MBC)
    assert result.action == "reduce", texts(result)
    assert result.regimen == "regimen:neratinib-capecitabine"
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (160, -1)


def test_neratinib_with_capecitabine_second_reduction_is_120_mg() -> None:
    doses = daily("2026-01-01", 20, 240) + daily("2026-02-03", 10, 160)
    event = {**DIARRHOEA_G3_SLOW, "onset": "2026-02-13", "resolved": "2026-02-24"}
    result = run(
        {**NERATINIB_MBC, "doses": doses, "adverse_events": [DIARRHOEA_G3_SLOW, event], "today": "2026-02-25"}
    )
    assert result.action == "reduce", texts(result)
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (120, -2)


def test_capecitabine_named_by_brand_is_read() -> None:
    result = run({**NERATINIB_MBC, "medications": ["Xeloda 1500 mg twice daily"]})
    assert result.regimen == "regimen:neratinib-capecitabine"
    assert result.next_dose is not None
    assert result.next_dose.mg == 160


def test_extended_adjuvant_neratinib_keeps_the_single_agent_ladder() -> None:
    result = run({**NERATINIB_MBC, "setting": "early", "medications": []})
    assert result.regimen == "regimen:neratinib-daily"
    assert result.action == "reduce", texts(result)
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (200, -1)


def test_metastatic_neratinib_without_capecitabine_named_asks_and_holds() -> None:
    result = run({**NERATINIB_MBC, "medications": []})
    assert result.action == "hold"
    assert result.next_dose is None
    assert any("capecitabine" in need for need in result.needs), result.needs
    # The ladder is not guessed: no dose level of either record is proposed.
    assert "200 mg" not in texts(result)
    assert "160 mg" not in " ".join(result.needs)


def test_neratinib_course_without_setting_or_capecitabine_asks_which_regimen() -> None:
    result = run({**NERATINIB_MBC, "setting": None, "medications": []})
    assert result.action == "hold"
    assert result.next_dose is None
    need = " ".join(result.needs)
    assert "regimen:neratinib-capecitabine" in need
    assert "regimen:neratinib-daily" in need
    assert "setting" in need


def test_capecitabine_listed_without_setting_is_the_combination() -> None:
    result = run({**NERATINIB_MBC, "setting": None})
    assert result.regimen == "regimen:neratinib-capecitabine"
    assert result.next_dose is not None
    assert result.next_dose.mg == 160


def test_a_stated_regimen_is_honoured() -> None:
    result = run({**NERATINIB_MBC, "setting": None, "medications": [], "regimen": "regimen:neratinib-daily"})
    assert result.regimen == "regimen:neratinib-daily"
    assert result.next_dose is not None
    assert result.next_dose.mg == 200


def test_dose_without_a_choice_lists_both_ladders() -> None:
    with pytest.raises(InvalidInput) as err:
        calculate(default_kb(), "neratinib")
    shown = f"{err.value.allowed} {err.value.hint}"
    assert "regimen:neratinib-daily" in shown
    assert "regimen:neratinib-capecitabine" in shown
    assert "240/200/160/120 mg" in shown
    assert "240/160/120 mg" in shown


def test_dose_for_metastatic_disease_gives_the_combination_ladder() -> None:
    calc = calculate(default_kb(), "neratinib", setting="metastatic")
    assert calc.regimen == "regimen:neratinib-capecitabine"
    assert [lvl.mg for lvl in calc.dose_levels] == [240, 160, 120]
    assert any("capecitabine" in note for note in calc.notes)
    early = calculate(default_kb(), "neratinib", setting="early")
    assert [lvl.mg for lvl in early.dose_levels] == [240, 200, 160, 120]


# ------------------------------------------------------------------ 2. neratinib and acid-reducing agents
NERATINIB_EBC = {
    "agent": "neratinib",
    "setting": "early",
    "doses": daily("2026-01-01", 10, 240),
    "today": "2026-01-11",
}


def test_a_proton_pump_inhibitor_is_the_interaction_to_avoid() -> None:
    result = run({**NERATINIB_EBC, "medications": ["pantoprazole 40 mg"]})
    step = next(s for s in result.rationale if s.rule == "gate:neratinib-interacting-medication-ppi")
    assert "Avoid" in step.text
    assert "H2-receptor" not in step.text  # (one gate per class: no text about another class's remedy)
    assert any("gate:neratinib-interacting-medication-ppi" in n for n in result.needs)
    assert result.action == "continue"  # (the remedy concerns the other medicine: the HER2 drug is not held)


def test_an_h2_receptor_antagonist_gives_its_own_timing() -> None:
    result = run({**NERATINIB_EBC, "medications": ["famotidine"]})
    step = next(s for s in result.rationale if s.rule == "gate:neratinib-interacting-medication-h2ra")
    assert "2 hours before or 10 hours after" in step.text
    assert "proton pump" not in step.text.lower()
    assert result.action == "continue"
    assert result.next_dose is not None


def test_an_antacid_is_a_caution_with_a_three_hour_separation() -> None:
    result = run({**NERATINIB_EBC, "medications": ["calcium carbonate 500 mg"]})
    step = next(s for s in result.rationale if s.rule == "gate:neratinib-interacting-medication-antacids")
    assert "3 hours" in step.text
    assert not any("antacids" in n for n in result.needs)  # a caution is a step, not a decision asked for
    assert result.action == "continue"


def test_matching_reads_an_antacid_as_a_caution_not_a_contraindication() -> None:
    from her2kit import assess
    from her2kit.case import parse_case

    case = parse_case(
        {
            "schema_version": "1",
            "id": "antacid",
            "patient": {"lvef_percent": 60, "sex": "female", "pregnant": False},
            "tumor": {"type": "breast", "setting": "early"},
            "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 80}],
            "biomarkers": {"er": "positive", "pr": "positive"},
            "history": {
                "therapies": [
                    {
                        "agents": ["trastuzumab", "docetaxel", "carboplatin"],
                        "setting": "adjuvant",
                        "outcome": "completed",
                    }
                ]
            },
            "medications": ["aluminium hydroxide"],
        }
    )
    option = next(o for o in assess(case).options if o.id == "ind:neratinib-breast-extended-adjuvant")
    assert not option.contraindications
    assert any("3 hours" in c.text for c in option.cautions)


# ------------------------------------------------------------------ 3. lapatinib has an LVEF gate
def _vignette_case(name: str, **patient: Any) -> Any:
    import json
    from pathlib import Path

    from her2kit.case import parse_case

    doc = json.loads((Path(__file__).resolve().parents[1] / "vignettes" / name).read_text())["case"]
    doc["patient"] = {**doc["patient"], **patient}
    return parse_case(doc)


@pytest.mark.parametrize(
    ("vignette", "indication"),
    [
        ("13-mbc-lapatinib-ketoconazole.json", "ind:lapatinib-breast-metastatic-capecitabine"),
        ("09-mbc-hrpos-letrozole.json", "ind:lapatinib-breast-metastatic-letrozole"),
    ],
)
def test_lapatinib_options_carry_an_lvef_caution_below_50(vignette: str, indication: str) -> None:
    from her2kit import assess

    low = assess(_vignette_case(vignette, lvef_percent=45))
    option = next(o for o in [*low.options] if o.id == indication)
    assert any(c.code == "lvef-below" and "45%" in c.text for c in option.cautions), option.cautions
    normal = assess(_vignette_case(vignette, lvef_percent=60))
    option = next(o for o in normal.options if o.id == indication)
    assert not any(c.code == "lvef-below" for c in option.cautions)
    unknown = assess(_vignette_case(vignette, lvef_percent=None))
    option = next(o for o in unknown.options if o.id == indication)
    assert any(c.code == "lvef-not-recorded" for c in option.cautions)


def test_a_lapatinib_course_with_a_baseline_below_50_is_warned_about() -> None:
    result = run(
        {
            "agent": "lapatinib",
            "regimen": "regimen:lapatinib-capecitabine",
            "lvef_lower_limit_normal": 50,
            "lvef": [{"date": "2026-01-01", "percent": 45, "baseline": True}],
            "today": "2026-01-02",
        }
    )
    assert any("gate:lapatinib-lvef-below" in w for w in result.warnings), result.warnings


# ------------------------------------------------------------------ 4. first dose with a low baseline; clearer action
T_DM1_START = {
    "agent": "T-DM1",
    "indication": "breast",
    "setting": "metastatic",
    "weight_kg": 70,
    "lvef_lower_limit_normal": 50,
    "lvef": [{"date": "2026-01-01", "percent": 45, "baseline": True}],
    "today": "2026-01-02",
}


def test_t_dm1_first_dose_with_a_baseline_below_50_asks_for_a_decision_before_starting() -> None:
    from her2kit.render import monitor_table

    result = run(T_DM1_START)
    assert result.action_note is not None
    assert "first dose" in result.action_note
    need = " ".join(result.needs)
    assert "gate:trastuzumab-emtansine-lvef-below" in need
    assert "cardiolog" in need
    table = monitor_table(result)
    assert "ACTION TODAY: CONTINUE — first dose" in table
    assert "see Needed" in table.splitlines()[1]


def test_a_first_dose_with_a_normal_baseline_is_a_plain_first_dose() -> None:
    result = run({**T_DM1_START, "lvef": [{"date": "2026-01-01", "percent": 60, "baseline": True}]})
    assert result.action == "continue"
    assert result.action_note == "first dose"
    assert not result.needs


def test_once_dosing_began_the_low_baseline_is_a_warning_not_a_new_decision() -> None:
    result = run({**T_DM1_START, "doses": [{"date": "2026-01-02", "mg": 252}], "today": "2026-01-23"})
    assert not any("gate:trastuzumab-emtansine-lvef-below" in n for n in result.needs)
    assert any("gate:trastuzumab-emtansine-lvef-below" in w for w in result.warnings)
    assert result.action_note is None


def test_a_re_load_after_a_late_trastuzumab_dose_says_so() -> None:
    from her2kit.render import monitor_table

    result = run(
        {
            "agent": "trastuzumab",
            "indication": "breast",
            "schedule": "q3w",
            "weight_kg": 70,
            "lvef_lower_limit_normal": 50,
            "lvef": [
                {"date": "2025-10-20", "percent": 62, "baseline": True},
                {"date": "2025-12-20", "percent": 61},
            ],
            "doses": [{"date": "2025-10-25", "mg": 560}, {"date": "2025-11-15", "mg": 420}],
            "today": "2026-01-02",
        }
    )
    assert result.next_dose is not None
    assert result.next_dose.kind == "loading"
    assert result.action_note is not None
    assert "re-load" in result.action_note
    assert "re-load" in monitor_table(result).splitlines()[1]
