"""Properties of the monitor over every regimen of the knowledge base and random courses."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.kb import default_kb
from her2kit.safety import monitor, parse_course
from her2kit.safety.course import AE_TERM_KEYS
from her2kit.safety.dosing import amount_mg

KB = default_kb()
REGIMENS = sorted(KB.regimens)
TODAY = dt.date(2026, 6, 1)


def _max_mg(regimen_id: str, weight: float) -> float:
    regimen = KB.regimens[regimen_id]
    doses = [regimen.maintenance_dose, *(lvl.dose for lvl in regimen.dose_levels)]
    doses += [step.dose for step in regimen.escalation_steps]
    if regimen.loading_dose is not None:
        doses.append(regimen.loading_dose)
    top = max(amount_mg(d, weight) for d in doses)
    if regimen.max_dose is not None:
        top = min(top, amount_mg(regimen.max_dose, weight))
    return top


def _date(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


EVENTS = st.lists(
    st.fixed_dictionaries(
        {
            "term": st.sampled_from(sorted(AE_TERM_KEYS)),
            "grade": st.integers(1, 4),
            "onset": st.integers(1, 90).map(_date),
        },
        optional={
            "resolved": st.just(_date(0)),
            "complicated": st.booleans(),
            "despite_treatment": st.booleans(),
        },
    ),
    max_size=3,
)

LAB_UNIT = {"alt": "U/L", "ast": "U/L", "bilirubin": "mg/dL", "platelets": "10^9/L", "neutrophils": "10^9/L"}
LAB_ULN = {"alt": 40.0, "ast": 40.0, "bilirubin": 1.2}
LABS = st.lists(
    st.tuples(st.sampled_from(sorted(LAB_UNIT)), st.integers(0, 60), st.floats(0.1, 30.0)).map(
        lambda t: {
            "test": t[0],
            "date": _date(t[1]),
            "unit": LAB_UNIT[t[0]],
            # Liver tests as a multiple of their ULN; counts as 10^9/L (neutrophils up to 150: above 200 x 10^9/L
            # a count is refused as a unit slip).
            "value": round(t[2] * LAB_ULN.get(t[0], 5.0 if t[0] == "neutrophils" else 10.0), 2),
            **({"uln": LAB_ULN[t[0]]} if t[0] in LAB_ULN else {}),
        }
    ),
    max_size=4,
    # One value per test per date (two would be an input error: which counts would depend on the list's order).
    unique_by=lambda lab: (lab["test"], lab["date"]),
)


@settings(max_examples=int(os.environ.get("HER2KIT_PROPERTY_EXAMPLES", "300")), deadline=None)
@given(
    regimen=st.sampled_from(REGIMENS),
    weight=st.integers(40, 150),
    last_dose=st.integers(1, 70),
    baseline=st.integers(45, 75),
    reading=st.integers(15, 75),
    events=EVENTS,
    labs=LABS,
    level=st.integers(0, 3),
    setting=st.sampled_from([None, "early", "metastatic"]),
    region=st.sampled_from(["US", "EU"]),
)
def test_monitor_is_total_and_never_exceeds_the_label_dose(
    regimen: str,
    weight: int,
    last_dose: int,
    baseline: int,
    reading: int,
    events: list[dict[str, Any]],
    labs: list[dict[str, Any]],
    level: int,
    setting: str | None,
    region: str,
) -> None:
    record = KB.regimens[regimen]
    # The last dose at a random level of the label's ladder (the lowest included).
    ladder = sorted((lvl for lvl in record.dose_levels), key=lambda lvl: -lvl.level)
    given = ladder[min(level, len(ladder) - 1)].dose if ladder else record.maintenance_dose
    doc: dict[str, Any] = {
        "schema_version": "1",
        "id": "p",
        "agent": record.agent,
        "regimen": regimen,
        "region": region,
        "weight_kg": weight,
        "doses": [{"date": _date(last_dose), "mg": amount_mg(given, weight)}],
        "lvef": [
            {"date": _date(120), "percent": baseline, "baseline": True},
            {"date": _date(0), "percent": reading},
        ],
        "lvef_lower_limit_normal": 50,
        "adverse_events": [e for e in events if e.get("resolved", _date(0)) >= e["onset"]],
        "labs": labs,
        "today": TODAY.isoformat(),
    }
    if setting is not None:
        doc["setting"] = setting
    result = monitor(parse_course(doc))
    assert result.action in ("continue", "hold", "resume", "reduce", "discontinue")
    if result.action in ("hold", "discontinue"):
        assert result.next_dose is None
    if result.next_dose is not None:
        assert result.next_dose.mg <= _max_mg(result.regimen, weight) + 1e-6
        assert result.next_dose.dose_level <= 0
    for step in result.rationale:
        assert step.rule
        assert step.source
