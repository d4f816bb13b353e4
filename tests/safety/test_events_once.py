"""An adverse event recorded in the course and graded again from its laboratory values is one episode.

Closing review of the twelfth session: when the laboratory grade was the higher one, the recorded event was
dropped whole, and with it what only the record knows — a recovery seen after the last laboratory value in the
course (its date and grade), complicating features, persistence despite treatment, an earlier onset. The episode is
now the recorded event with its grade raised to the laboratory grade.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from her2kit.safety import monitor, parse_course
from her2kit.safety.course import AdverseEventEntry
from her2kit.safety.events import _once
from her2kit.safety.monitor import MonitorResult
from her2kit.safety.result import State


def tdm1(**over: Any) -> MonitorResult:
    """T-DM1 metastatic, 70 kg (3.6 / 3.0 mg/kg = 252 / 210 mg), one dose at level 0."""
    doc: dict[str, Any] = {
        "schema_version": "1",
        "id": "c",
        "agent": "T-DM1",
        "setting": "metastatic",
        "weight_kg": 70,
        "doses": [{"date": "2026-02-16", "mg": 252}],
        "lvef": [{"date": "2026-01-05", "percent": 60, "baseline": True}],
    }
    doc.update(over)
    return monitor(parse_course(doc))


def platelets(date: str, value: float) -> dict[str, Any]:
    return {"date": date, "test": "platelets", "value": value, "unit": "10^9/L"}


def test_a_recovery_recorded_after_the_last_laboratory_value_is_kept_when_the_labs_grade_higher() -> None:
    # Kadcyla thrombocytopenia grade 4: "do not administer KADCYLA until the platelet count recovers to <= grade 1
    # ... then reduce one dose level". The record says the count recovered (grade 1) on 03-18, after the course's only
    # platelet value (20 x 10^9/L = grade 4 on 03-09): resume one level lower, not hold.
    result = tdm1(
        labs=[platelets("2026-03-09", 20)],
        adverse_events=[
            {
                "term": "platelets",
                "grade": 3,
                "onset": "2026-03-09",
                "resolved": "2026-03-18",
                "resolved_grade": 1,
            }
        ],
        today="2026-03-20",
    )
    assert result.action == "reduce", [s.text for s in result.rationale]
    assert result.next_dose is not None
    assert (result.next_dose.mg, result.next_dose.dose_level) == (210, -1)
    assert "aerule:trastuzumab-emtansine-platelets-2" in {s.rule for s in result.rationale}
    assert any("read once, at grade 4" in w for w in result.warnings), result.warnings


def test_laboratory_values_after_a_recorded_recovery_keep_the_episode_open() -> None:
    # The record says resolved on 03-12, but the course's platelet count is still grade 4 on 03-16: the values are
    # later than the record, so the episode is not over and the dose is held.
    result = tdm1(
        labs=[platelets("2026-03-09", 20), platelets("2026-03-16", 20)],
        adverse_events=[{"term": "platelets", "grade": 3, "onset": "2026-03-09", "resolved": "2026-03-12"}],
        today="2026-03-16",
    )
    assert result.action == "hold", [s.text for s in result.rationale]


def test_the_laboratory_recovery_stands_when_the_record_gives_none() -> None:
    # Unchanged behaviour: the labs close the episode (grade 1 at 100 x 10^9/L on 03-20) and the record left it open.
    result = tdm1(
        labs=[platelets("2026-03-09", 20), platelets("2026-03-20", 100)],
        adverse_events=[{"term": "platelets", "grade": 3, "onset": "2026-03-09"}],
        today="2026-03-20",
    )
    assert result.action == "reduce", [s.text for s in result.rationale]
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -1


def _course(events: list[dict[str, Any]], labs: list[dict[str, Any]]) -> Any:
    return parse_course(
        {
            "schema_version": "1",
            "id": "c",
            "agent": "T-DM1",
            "weight_kg": 70,
            "adverse_events": events,
            "labs": labs,
            "today": "2026-03-20",
        }
    )


def test_the_recorded_annotations_and_the_earlier_onset_survive_a_higher_laboratory_grade() -> None:
    course = _course(
        [
            {
                "term": "platelets",
                "grade": 2,
                "onset": "2026-03-05",
                "complicated": True,
                "despite_treatment": False,
            }
        ],
        [platelets("2026-03-09", 20)],
    )
    from_labs = [AdverseEventEntry(term="platelets", grade=4, onset=dt.date(2026, 3, 9))]
    state = State()
    (episode,) = _once(course, from_labs, state)
    assert episode.grade == 4
    assert episode.onset == dt.date(2026, 3, 5)
    assert episode.complicated is True
    assert episode.despite_treatment is False
    assert episode.resolved is None


def test_two_recorded_events_inside_one_laboratory_episode_become_one_and_a_complication_in_either_is_kept() -> (
    None
):
    course = _course(
        [
            {"term": "platelets", "grade": 2, "onset": "2026-03-05", "resolved": "2026-03-07"},
            {"term": "platelets", "grade": 3, "onset": "2026-03-08", "complicated": True},
        ],
        [platelets("2026-03-06", 20), platelets("2026-03-19", 100)],
    )
    from_labs = [
        AdverseEventEntry(
            term="platelets",
            grade=4,
            onset=dt.date(2026, 3, 6),
            resolved=dt.date(2026, 3, 19),
            resolved_grade=1,
        )
    ]
    state = State()
    (episode,) = _once(course, from_labs, state)
    assert (episode.grade, episode.onset, episode.resolved, episode.resolved_grade) == (
        4,
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 19),
        1,
    )
    assert episode.complicated is True


def test_a_recorded_grade_at_least_the_laboratory_grade_is_read_as_recorded() -> None:
    recorded = {"term": "platelets", "grade": 4, "onset": "2026-03-09", "complicated": False}
    course = _course([recorded], [platelets("2026-03-09", 40)])
    from_labs = [AdverseEventEntry(term="platelets", grade=3, onset=dt.date(2026, 3, 9))]
    state = State()
    assert _once(course, from_labs, state) == list(course.adverse_events)
    assert any("read once, at grade 4" in w for w in state.warnings)
