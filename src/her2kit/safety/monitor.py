"""``monitor(course)``: what to do today on one HER2-directed agent, the next dose, the next LVEF.

The rules are knowledge-base records read from the labels: ``regimens`` (doses,
levels, missed-dose rules), ``cardiac_monitoring`` (LVEF tables), ``ae_rules``
(dose modifications by CTCAE grade) and ``lab_grading`` (CTCAE v5.0 grades of
laboratory values), chosen for the course's label region and disease setting.
This module replays the course against them:

1. LVEF readings in date order against the label's table (:mod:`her2kit.safety.cardiac`);
2. adverse events and graded laboratory values against the label's rows
   (:mod:`her2kit.safety.events`);
3. interactions with the course's medications (one the label says to avoid asks for the prescriber's decision; it
   holds the dose only where the label's remedy concerns the HER2 drug itself, and a dose already at the label's
   adjusted dose continues at it);
4. the dose level of the last dose (escalation steps included, counted by days less the days of holds; a dose
   between two levels is the level below it; each dose is read against the weight band of its own day; a dose not
   recalculated after a weight change is the level it was at the weight in effect at the previous dose, and a dose
   equal to level 0 at any earlier recorded weight is never a silent reduction; two fitting readings are asked about;
   a dose on the level a rule set is on that reduced level even when it equals an escalation step; two levels of one
   dose taken at different frequencies are told apart by the doses a day; after a hold in
   the escalation the next dose is never above a lower step the prescriber chose), a re-escalation above a reduced
   level an earlier dose was on holds and asks for the intended level (her2kit convention; the dose history is
   checked and warned about), the reductions the rules ask for (each counted from the dose given before its
   resolution, so applied once and only downwards), and the next dose: one dose interval after the last (a day for
   a daily drug, whatever its cycle; the previous schedule where the label keeps it after a late dose), loading again
   after a gap longer than the label allows, the escalation step's dose, prophylaxis reminders.

The most severe action wins (discontinue > hold > reduce > resume > continue).
Missing information the rules need (baseline LVEF, institutional LLN, ULN of a
liver test, disease setting, complicating features) holds the next dose and says
what is needed — it is never guessed; so does missing knowledge (a grade >= 3 event
without a label rule).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Callable
from typing import Final, Literal

from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase, default_kb
from her2kit.kb.schema import MissedDoseRule, Regimen, SafetyGate, schedule_words
from her2kit.match.history import unrecognised_medications_note
from her2kit.match.safety import interactions
from her2kit.safety.cardiac import (
    CardiacState,
    cardiac_rules_for,
    evaluate_cardiac,
    next_lvef_due,
    no_lvef_table,
)
from her2kit.safety.course import Course, DoseGiven
from her2kit.safety.dosing import (
    amount_mg,
    dosed_agent,
    escalation_dose,
    escalation_schedule,
    levels,
)
from her2kit.safety.events import agent_ae_rules, evaluate_events
from her2kit.safety.readings import (
    DOSE_LEVEL_UNKNOWN_BEYOND,
    DOSE_MATCH_TOLERANCE,
    CourseDoses,
    Reading,
    course_regimen_choice,
    dose_deviation,
    doses_a_day,
    is_weight_based,
    level_dose_mg,
    level_ladder,
    own_schedule,
    shares_dose,
)
from her2kit.safety.regions import fallback_warning
from her2kit.safety.result import (
    KNOWLEDGE_GAP,
    SEVERITY,
    HoldPeriod,
    MonitorAction,
    MonitorResult,
    NextDose,
    Reduction,
    State,
    Step,
    source_text,
)

__all__ = ["SEVERITY", "MonitorAction", "MonitorResult", "NextDose", "Step", "cardiac_rules_for", "monitor"]


def _last_level(
    doses: CourseDoses, state: State, kb: KnowledgeBase, switched: DoseGiven | None
) -> int | None:
    """The dose level of the last dose given (a loading dose is level 0, an escalation step level 0); None when it
    has no level (``state.needs`` says what to confirm), or when it is above a reduced level an earlier dose was on
    (a re-escalation: the dose is held and the intended level asked for). Without a ladder the next dose does not
    depend on it. ``switched``: the last dose when it is one of the regimen this one follows (:func:`_switching`)."""
    regimen, course = doses.regimen, doses.course
    if not course.doses:
        return 0
    if switched is not None and regimen.switch_from is not None:
        switch = regimen.switch_from
        _check_switch(doses, switched, state)
        phase = kb.regimens[switch.regimen].duration
        state.steps.append(
            Step(
                rule=regimen.id,
                text=f"The last dose ({switched.mg:g} mg on {switched.date}) is a dose of {switch.regimen}; the label: "
                f'"{" ".join(switch.text.split())}" The next dose is the first of {regimen.id}: its maintenance dose, '
                f"{switch.after_days} days after that dose, with no loading dose (the missed-dose rules of "
                f"{regimen.id} apply to it if it is late)."
                + (
                    f" The phase of {switch.regimen} (the knowledge base): {' '.join(phase.split())}"
                    if phase
                    else ""
                ),
                source=source_text(kb, [switch.reference], regimen.label_section),
            )
        )
        state.references.append(switch.reference)
        return 0
    last = doses.last
    assert last is not None  # (the course has doses: checked above)
    reading = doses.read(last)
    weight = course.weight_on(last.date)
    at = f"at {weight or '?'} kg"
    same_day = sorted({d.mg for d in course.doses if d.date == last.date})
    if len(same_day) > 1 and len({doses.read(d).level for d in course.doses if d.date == last.date}) > 1:
        # (the list gives no time of day: which of them is the later, and the level to go on at, is not known)
        state.needs.append(
            f"the dose level to continue at: the doses of {last.date} ({', '.join(f'{mg:g} mg' for mg in same_day)}) are "
            "on different label levels and the course gives no time of day"
        )
        return None
    if (
        reading.level is not None
        and reading.by_count is None
        and not doses.stated_on(last)
        and shares_dose(regimen, reading.level, weight)
    ):
        ruled = _rule_target(doses, state, last)
        if ruled is not None and ruled > reading.level and shares_dose(regimen, ruled, weight):
            state.needs.append(
                f"the dose level of the doses of {last.mg:g} mg up to {last.date}: the label's rules set level {ruled} "
                f"({schedule_words(regimen.level_schedule(ruled))}) and the doses a day read as level {reading.level} "
                f"({schedule_words(regimen.level_schedule(reading.level))}: missed doses, or another reduction?); "
                "record it as dose_level on the dose"
            )
            return None
    of_schedule = (
        None if reading.no_weight or reading.on_level else _other_schedule(kb, regimen, course, last)
    )
    if of_schedule is not None:
        state.needs.append(
            f"the last dose ({last.mg:g} mg on {last.date}) confirmed: it is not a dose of {regimen.id} but matches "
            f"{of_schedule.id} ({of_schedule.schedule}) — a dosing error, or a change of schedule for which the "
            f"knowledge base has no label rule (give the date and dose of the next {regimen.schedule} dose)"
        )
        return None
    if reading.no_weight:
        state.needs.append(
            f"a body weight on or before {last.date}: the dose given then ({last.mg:g} mg) is read against the label's "
            "weight-based dose levels"
        )
        return None
    if reading.by_count is not None:
        ruled = _rule_set_level(doses, state, last)
        if ruled is not None:
            # A reduction a rule set binds through the rule: the doses a day need not show it.
            return _check_reescalation(doses, last, ruled, state, kb)
        state.needs.append(
            f"the dose level of the doses of {last.mg:g} mg up to {last.date}: {_levels_named(regimen, reading)} — "
            "the label's levels differ only in how often the dose is taken, and the doses on record do not show "
            "which (fewer doses a day after days with the full count may be missed doses or the less frequent "
            "level); record it as dose_level on the dose"
        )
        return None
    if reading.ambiguous is not None:
        other, previous_kg = reading.ambiguous
        own_band, other_band = doses.band(weight), doses.band(previous_kg)
        own = doses.read_at(own_band, last, weight)
        of_own = f" of {own_band.id}" if own_band.id != other_band.id else ""
        of_other = f" of {other_band.id}" if own_band.id != other_band.id else ""
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) is level {own.level}{of_own} at the weight of that day "
            f"({_kg(weight)} kg) and level {other}{of_other} at an earlier weight ({previous_kg:g} kg; a dose not "
            "recalculated after the weight change): both readings fit, and her2kit does not choose — a dose equal "
            "to the full dose at an earlier weight is never read as a reduction."
        )
        state.needs.append(
            f"the dose level of the dose given on {last.date} ({last.mg:g} mg): level {own.level}{of_own} at "
            f"{_kg(weight)} kg or level {other}{of_other} at {previous_kg:g} kg (not recalculated after the weight "
            "change)"
        )
        return None
    if reading.earlier_weight is not None:
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) matches no label dose level at the weight of that day "
            f"({_kg(weight)} kg) but level {reading.level} at the earlier weight of {reading.earlier_weight:g} kg, in "
            "effect at the previous dose: taken as level {reading.level} (a dose not recalculated after the "
            "weight change); the next dose is that level at the current weight."
        )
    if reading.below_lowest:
        lowest, lowest_mg = level_ladder(regimen, weight)[-1]
        further = (
            "the label discontinues when a reduction below that level is needed"
            if regimen.discontinue_if_below_lowest
            else "the label gives no lower level"
        )
        state.needs.append(
            f"the dose given on {last.date} ({last.mg:g} mg) confirmed: it is below the label's lowest dose level {at} "
            f"(level {lowest}, {lowest_mg:g} mg), and {further} — confirm the dose and whether treatment continues"
        )
        return None
    if reading.level is None:
        state.needs.append(
            f"the dose given on {last.date} ({last.mg:g} mg) confirmed: it is {reading.deviation:.0%} from the nearest "
            f"label dose level {at} (level {reading.nearest}, {reading.mg:g} mg), so its level is not known"
        )
        return None
    if reading.between:
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) matches no label dose level {at}; taken as level "
            f"{reading.level} ({reading.mg:g} mg), the next label dose level below it: dose levels only move down "
            "(no re-escalation)."
        )
    elif not reading.on_level:
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) matches no label dose level {at}; taken as level "
            f"{reading.level} ({reading.mg:g} mg), the nearest."
        )
    assert reading.level is not None
    return _check_reescalation(doses, last, reading.level, state, kb)


def _levels_named(regimen: Regimen, reading: Reading) -> str:
    """ "level -1 (10 mg twice daily) or level -2 (10 mg once daily)" for a reading with two levels by count."""
    assert reading.by_count is not None
    return " or ".join(
        f"level {lvl} ({reading.mg:g} mg {schedule_words(regimen.level_schedule(lvl))})"
        for lvl in reading.by_count
    )


def _switching(kb: KnowledgeBase, doses: CourseDoses) -> DoseGiven | None:
    """The last dose when it is a dose of the regimen this one follows (``switch_from``: trastuzumab's weekly doses
    before its every-3-weeks phase; see :func:`_earlier_phase_reading`); None otherwise."""
    regimen, course = doses.regimen, doses.course
    switch = regimen.switch_from
    if switch is None or not course.doses or switch.regimen not in kb.regimens:
        return None
    last = doses.last
    assert last is not None  # (the course has doses: checked above)
    if _earlier_phase_reading(doses, last) is None:
        return None
    _, before = _earlier_phase(doses)
    # (after doses of this regimen, a lower dose is not a new weekly phase: it is read as a dose of this regimen)
    return None if before is not None and doses.read(before).on_level else last


def _earlier_phase(doses: CourseDoses) -> tuple[list[dt.date], DoseGiven | None]:
    """The dates of the doses of the earlier regimen (``switch_from``) that end the course, newest first, and the dose
    before them (None: they begin the course)."""
    phase: list[dt.date] = []
    for dose in sorted(doses.course.doses, key=_dose_order, reverse=True):
        if _earlier_phase_reading(doses, dose) is None:
            return phase, dose
        if dose.date not in phase:
            phase.append(dose.date)
    return phase, None


def _earlier_phase_reading(doses: CourseDoses, dose: DoseGiven) -> Reading | None:
    """The reading of a dose against the regimen this one follows (``switch_from``), when it is a dose of it: not a
    dose of this regimen (within 5% of its levels or loading dose), and within 25% of a dose of the earlier regimen
    (at the weight of its day or the weight in effect at the dose before it: a dose rounded to a vial or not
    recalculated after a weight change), nearer to it than to any dose of this regimen. None otherwise."""
    switch = doses.regimen.switch_from
    if switch is None:
        return None
    own = doses.read(dose)
    if own.on_level or own.no_weight:
        return None
    earlier = doses.of(switch.regimen).read(dose)
    if (
        earlier.no_weight
        or earlier.deviation > DOSE_LEVEL_UNKNOWN_BEYOND
        or earlier.deviation >= own.deviation
    ):
        return None
    return earlier


def _check_switch(doses: CourseDoses, last: DoseGiven, state: State) -> None:
    """Warnings on the phase before a switch (``switch_from``): the last dose off the earlier regimen's dose or given
    late without the re-loading dose its own missed-dose rules ask for; a need when the phase has fewer doses than the
    label describes."""
    regimen, course = doses.regimen, doses.course
    switch = regimen.switch_from
    assert switch is not None
    reading = _earlier_phase_reading(doses, last)
    assert reading is not None
    if not reading.on_level:
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) is {reading.deviation:.0%} from the dose of {switch.regimen} "
            f"({reading.mg:g} mg at {_kg(course.weight_on(last.date))} kg): read as a dose of it (rounded, or not "
            "recalculated?) — check the dose history."
        )
    elif reading.earlier_weight is not None:
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) is the dose of {switch.regimen} at the earlier weight of "
            f"{reading.earlier_weight:g} kg (not recalculated after the weight change)."
        )
    phase, _ = _earlier_phase(doses)
    earlier = doses.of(switch.regimen).regimen
    if len(phase) >= 2 and earlier.loading_dose is not None:
        # The earlier phase's own missed-dose rules for its last dose: a re-loading dose owed and not given.
        gap = (phase[0] - phase[1]).days
        delay = gap - earlier.dose_interval_days
        reload = [m for m in _missed_dose_rules(earlier, delay, gap) if m.reload] if delay > 0 else []
        loading = amount_mg(earlier.loading_dose, course.weight_on(last.date))
        if reload and dose_deviation(loading, last.mg) > DOSE_MATCH_TOLERANCE:
            state.warnings.append(
                f"The last dose of {switch.regimen} ({last.mg:g} mg on {last.date}) came {gap} days after the one "
                f"before ({phase[1]}) without its re-loading dose ({loading:g} mg): {reload[0].condition}: "
                f"{' '.join(reload[0].action.split())} — check the dose history before the switch."
            )
    if switch.min_doses is not None and len(phase) < switch.min_doses:
        # (the course says every 3 weeks; whether the weekly phase has ended is the prescriber's: asked, not held)
        state.needs.append(
            f"confirmation that the phase of {switch.regimen} has ended: {len(phase)} dose(s) of it on record (from "
            f"{phase[-1]}), and the label describes at least {switch.min_doses} before the switch to {regimen.id}"
        )


def _check_reescalation(
    doses: CourseDoses, last: DoseGiven, level: int, state: State, kb: KnowledgeBase
) -> int | None:
    """``level`` (the last dose's), or None when the last dose is above a reduced level an earlier dose was ON (a
    her2kit convention): a re-escalation, which her2kit neither follows silently nor undoes silently — the dose is
    held and the intended level asked for, quoting the regimen record's "do not re-escalate" where it has one.

    Only a dose within 5% of a reduced label level at the weight of its day (or at the weight in effect at the dose
    before it) counts as a reduction reached: never a loading dose, an escalation step of a course on the escalation,
    a dose between levels or off every level (those are named in one warning), a dose with two readings, or a dose
    given before the first body weight on record (named in a warning). Reductions a rule set bind through the rule
    (see _next_level), whatever the doses given; and a dose on the level a rule set (:func:`_rule_set_level`) is on
    that reduced level even when its mg equals an escalation step."""
    regimen, course = doses.regimen, doses.course
    on_rule_level = _rule_set_level(doses, state, last)
    if on_rule_level is not None:
        level = min(level, on_rule_level)
    lowest: tuple[int, DoseGiven] | None = None
    # The lowest level a dose read by its count a day may have been on (the doses a day do not show which).
    unclear: tuple[int, DoseGiven] | None = None
    off: list[str] = []
    unweighed: list[str] = []
    for dose in sorted(course.doses, key=_dose_order):
        if dose is last or dose.date == last.date:
            continue
        reading = doses.read(dose)
        if reading.no_weight:
            unweighed.append(f"{dose.mg:g} mg on {dose.date}")
            continue
        if reading.ambiguous is not None:
            off.append(f"{dose.mg:g} mg on {dose.date} (a level at two body weights)")
            continue
        if reading.by_count is not None:
            # Reduced at least to the least reduced of its levels; maybe to the most reduced one.
            ruled = _rule_set_level(doses, state, dose)
            surely = ruled if ruled is not None else max(reading.by_count)
            if surely < 0 and (lowest is None or surely < lowest[0]):
                lowest = (surely, dose)
            if ruled is None and (unclear is None or min(reading.by_count) < unclear[0]):
                unclear = (min(reading.by_count), dose)
            continue
        if not reading.on_level or reading.level is None:
            kg = course.weight_on(dose.date)
            where = ", below the lowest level" if reading.below_lowest else ""
            off.append(
                f"{dose.mg:g} mg on {dose.date} ({reading.deviation:.0%} from level {reading.nearest}, "
                f"{reading.mg:g} mg at {_kg(kg)} kg{where})"
            )
            continue
        reached = _rule_set_level(doses, state, dose)
        if reached is None and (reading.escalation or reading.level >= 0):
            continue
        reached = reading.level if reached is None else min(reached, reading.level)
        if reached < 0 and (lowest is None or reached < lowest[0]):
            lowest = (reached, dose)
    if unweighed:
        first = min((w.date for w in course.weights), default=None)
        state.warnings.append(
            f"Earlier doses given before the first body weight on record ({first}) have no body weight: "
            f"{', '.join(unweighed)} — not read for dose levels (a reduction among them is not seen); check the "
            "dose history."
        )
    if off:
        state.warnings.append(
            f"Earlier doses that are not doses of {regimen.id} at the weight of their day (no label dose level "
            f"within 5%): {'; '.join(off)} — not read as dose levels (the dose interval is checked after them unless "
            "they are doses of another schedule of the agent's regimens); check the dose history."
        )
    if (lowest is None or lowest[0] >= level) and unclear is not None and unclear[0] < level:
        # Doses that may have been on a lower level (fewer doses a day: missed doses, or the less frequent level) and
        # the last dose above it: maybe a re-escalation. Asked, with the dose held.
        unclear_dose = unclear[1]
        named = _levels_named(regimen, doses.read(unclear_dose))
        text = (
            f"The doses of {unclear_dose.mg:g} mg from {unclear_dose.date} read as {named}: the doses a day do not show "
            f"which. The last dose ({last.mg:g} mg on {last.date}) is level {level}: if those doses were level "
            f"{unclear[0]}, it is a re-escalation. The dose is held until the intended level is confirmed."
        )
        state.warnings.append(text)
        state.needs.append(
            f"the dose level of the doses of {unclear_dose.mg:g} mg from {unclear_dose.date} ({named}; record it as "
            f"dose_level on the doses) and the intended level now (the last dose is level {level})"
        )
        state.fire(
            "hold",
            regimen.id,
            text,
            source_text(kb, list(regimen.references), regimen.label_section),
            list(regimen.references),
        )
        return None
    if lowest is None or lowest[0] >= level:
        return level
    reached, dose = lowest
    label = ""
    note = " ".join((regimen.note or "").split())
    if "re-escalate" in note.lower():
        sentence = next((p.strip() for p in note.split(". ") if "re-escalate" in p.lower()), "")
        label = f' The regimen record quotes the label: "{sentence.rstrip(".")}." [{regimen.id}]'
    hint = ""
    if regimen.escalation_steps and not course.escalation:
        steps = {amount_mg(s.dose, None) for s in regimen.escalation_steps if s.dose.unit == "mg"}
        if any(dose_deviation(mg, dose.mg) <= DOSE_MATCH_TOLERANCE for mg in steps):
            hint = (
                " If the patient was on the label's dose escalation, record escalation: true in the course (an "
                "escalation step is not a reduction)."
            )
    text = (
        f"The last dose ({last.mg:g} mg on {last.date}, level {level}) is above the reduced level an earlier dose was "
        f"on (level {reached}: {dose.mg:g} mg on {dose.date}): a re-escalation. her2kit neither follows it nor lowers "
        f"the next dose without saying so: the dose is held until the intended dose level is confirmed.{label}{hint}"
    )
    state.warnings.append(text)
    state.needs.append(
        f"the intended dose level: the last dose ({last.mg:g} mg on {last.date}, level {level}) is a re-escalation "
        f"above level {reached} ({dose.mg:g} mg on {dose.date}) — confirm the level to continue at.{label}{hint}"
    )
    source = source_text(kb, list(regimen.references), regimen.label_section)
    state.fire("hold", regimen.id, text, source, list(regimen.references))
    return None


def _kg(weight: float | None) -> str:
    return "?" if weight is None else f"{weight:g}"


BELOW_LOWEST: Final = "below-lowest"


def _reduced_from(doses: CourseDoses, dose: DoseGiven | None, n: int) -> int | str | None:
    """The level ``n`` reductions below a dose given (None: the starting dose, level 0): from a label level, n levels
    down; from a dose between levels, an escalation step or a dose read in another weight band, the n-th label level
    strictly below the mg given (so a reduction never raises the dose). BELOW_LOWEST when the ladder has no such
    level; None when the dose has no known level."""
    regimen, course = doses.regimen, doses.course
    lowest = min(lvl.level for lvl in levels(regimen))
    if dose is None:
        return -n if -n >= lowest else BELOW_LOWEST
    reading = doses.read(dose)
    if reading.below_lowest:
        return BELOW_LOWEST
    if reading.level is None:
        return None
    # A dose read in another weight band than the regimen the next dose comes from (zongertinib below / from 90 kg):
    # its level number belongs to that band's ladder; the reduction counts by mg in this one.
    other_band = doses.band(course.weight_on(dose.date)) is not regimen
    if reading.escalation or reading.between or other_band:
        ladder = level_ladder(regimen, course.weight_on(dose.date))
        below = [
            lvl for lvl, mg in ladder if mg < dose.mg and dose_deviation(mg, dose.mg) > DOSE_MATCH_TOLERANCE
        ]
        return below[n - 1] if len(below) >= n else BELOW_LOWEST
    return reading.level - n if reading.level - n >= lowest else BELOW_LOWEST


def _next_level(
    doses: CourseDoses, agent: str, state: State, kb: KnowledgeBase, switched: DoseGiven | None
) -> int | None:
    """The level of the next dose: the last dose's level, lowered by the reductions the rules asked for.

    A reduction counts from the dose given before the resolution (or the recovered LVEF reading) that asked for it
    (:class:`Reduction`); reductions counted from the same dose add up, and the next level is the lowest
    of them. So a reduced dose already given is not reduced again, a reduction not applied still is, and dose levels
    only move down. Below the lowest level the label discontinues (where it says nothing more: no level, and a need).
    None when the level cannot be given (``state.needs`` says why). ``switched``: see :func:`_last_level`."""
    regimen, course = doses.regimen, doses.course
    level = _last_level(doses, state, kb, switched)
    if level is None or state.level_unknown:
        return None
    last = doses.last
    groups: dict[dt.date | None, list[Reduction]] = {}
    counts: dict[dt.date | None, int] = {}
    if state.reductions:
        key = last.date if last else None
        counts[key] = counts.get(key, 0) + state.reductions
        groups.setdefault(key, [])
    for key, owed in _reductions_by_dose(doses, state).items():
        counts[key] = counts.get(key, 0) + sum(r.levels for r in owed)
        groups.setdefault(key, []).extend(owed)
    if not counts:
        return level
    if not regimen.dose_levels:
        state.warnings.append(
            f"The label gives no dose-reduction levels for {agent}; no reduction is applied."
        )
        return level
    source = source_text(kb, list(regimen.references), regimen.label_section)
    lowest, lowest_mg = level_ladder(regimen, course.weight_on(course.today))[-1]
    new = level
    for key in sorted(counts, key=lambda d: d or dt.date.min):
        dose = doses.largest_on(key) if key else None
        if dose is None and (course.doses or course.escalation):
            # The course records no dose before the resolution: the dose the reduction counts from is not known (the
            # doses given since may or may not be reduced; an escalation has no single starting level).
            resolved = ", ".join(sorted({r.resolved.isoformat() for r in groups[key]})) or "the recovery"
            rules = ", ".join(dict.fromkeys(r.rule for r in groups[key])) or "of the LVEF table"
            state.needs.append(
                f"the dose the patient was on before {resolved}: the label's row(s) {rules} reduce from it, and the "
                "course records no dose before then"
            )
            return None
        given = f"{dose.mg:g} mg given on {dose.date}" if dose else "the starting dose"
        target = _reduced_from(doses, dose, counts[key])
        if target is None:
            assert dose is not None
            state.needs.append(
                f"the dose given on {dose.date} ({dose.mg:g} mg) confirmed: a reduction the label's rules ask for "
                "counts from it, and its level is not known"
            )
            return None
        if target == BELOW_LOWEST:
            if regimen.discontinue_if_below_lowest:
                state.fire(
                    "discontinue",
                    regimen.id,
                    f"A reduction below the lowest dose level ({lowest}, {lowest_mg:g} mg) is needed (from the "
                    f"{given}); the label says to discontinue.",
                    source,
                    list(regimen.references),
                )
                target = lowest
            else:
                # Not the lowest level again (milder than the label's reduction): no level, and a need.
                state.needs.append(
                    f"the dose after a reduction below the label's lowest dose level ({lowest}, {lowest_mg:g} mg; from "
                    f"the {given}): the label's text read gives no further level — ask the prescriber"
                )
                return None
        assert isinstance(target, int)
        owed = groups[key]
        target_mg = None if last is None else level_dose_mg(regimen, target, course.weight_on(last.date))
        # (without a weight the reduction cannot be checked against the dose given: taken as applied, never twice)
        applied = last is not None and (
            target_mg is None
            or (
                last.mg <= target_mg * (1 + DOSE_MATCH_TOLERANCE)
                # (the same dose on a level taken more often is not the reduction: the doses a day decide)
                and (
                    not shares_dose(regimen, target, course.weight_on(last.date))
                    or (doses.read(last).level or 0) <= target
                )
            )
        )
        if target < level and owed and all(r.acted_on for r in owed) and not applied:
            # (A reduced dose equal to an escalation step reads as level 0 of the escalation; by its mg it is the
            # reduced level, so the reduction was applied.)
            # Doses were given after the resolution, above the level the row set: the reduction was not applied (or
            # the dose went up again).
            assert last is not None  # a dose was given on or after the resolution
            record = kb.get(owed[0].rule)
            refs = list(getattr(record, "references", []))
            state.fire(
                "reduce",
                owed[0].rule,
                f"{owed[0].event}, resolved {owed[0].resolved}: the last dose ({last.mg:g} mg on {last.date}, level "
                f"{level}) is above the level the label's row sets after it, {counts[key]} level(s) below the "
                f"{given} (level {target}); the reduction was not applied or the dose went up again, and dose levels "
                f"only move down (a her2kit convention): the next dose is level {target}{own_schedule(regimen, target)}.",
                source_text(kb, refs, getattr(record, "label_section", None)),
                refs,
            )
        new = min(new, target)
    return new


def _reductions_by_dose(
    doses: CourseDoses, state: State, until: dt.date | None = None
) -> dict[dt.date | None, list[Reduction]]:
    """The reductions the rules asked for (``state.reductions_from``), by the dosing day each counts from: the last one
    before its resolution (None: no dose before it); with ``until``, those resolved on or before that day."""
    out: dict[dt.date | None, list[Reduction]] = {}
    for reduction in state.reductions_from:
        if until is None or reduction.resolved <= until:
            out.setdefault(doses.day_before(reduction.resolved), []).append(reduction)
    return out


def _rule_target(doses: CourseDoses, state: State, dose: DoseGiven) -> int | None:
    """The lowest level the label's rules set for doses on ``dose``'s date (the reductions resolved on or before it,
    counted as :func:`_next_level` counts them), whatever the dose given; None without one."""
    targets = []
    for key, owed in _reductions_by_dose(doses, state, until=dose.date).items():
        if key is None:
            continue
        target = _reduced_from(doses, doses.largest_on(key), sum(r.levels for r in owed))
        if isinstance(target, int):
            targets.append(target)
    return min(targets) if targets else None


def _rule_set_level(doses: CourseDoses, state: State, dose: DoseGiven) -> int | None:
    """The reduced level the label's rules set for ``dose`` (the reductions resolved on or before its date, counted as
    :func:`_next_level` counts them), when the dose is within 5% of that level at the weight of its day: a dose a rule
    set reduced is ON that reduced level even when its mg equals an escalation step (her2kit convention: a reduction
    binds through its rule). None otherwise."""
    regimen, course = doses.regimen, doses.course
    target = _rule_target(doses, state, dose)
    if target is None:
        return None
    mg = level_dose_mg(regimen, target, course.weight_on(dose.date))
    if mg is None or dose_deviation(mg, dose.mg) > DOSE_MATCH_TOLERANCE:
        return None
    if shares_dose(regimen, target, course.weight_on(dose.date)):
        # (10 mg twice daily is not sevabertinib's 10 mg once daily: the doses a day decide, and where they cannot,
        # the level the rule set is one of the dose's readings)
        reading = doses.read(dose)
        by_rule = reading.by_count is not None and target in reading.by_count
        return target if reading.level == target or by_rule else None
    return target


def _at_lowest_level(doses: CourseDoses, state: State) -> Callable[[dt.date], bool | None]:
    """Whether the dose a patient was on at a date was the lowest level of the label's reduction ladder (or below
    it): the last dose given on or before the date, else (an event before the first dose on record) the first dose
    on record, read as :func:`_read` reads it (a dose between levels as the level below it). No dose on record: not
    on the lowest level. None when the label gives no ladder. An escalation step is not a reduction — unless a rule
    set that reduced level (:func:`_rule_set_level`: the reductions of the events evaluated so far)."""
    regimen, course = doses.regimen, doses.course
    if not regimen.dose_levels:
        return lambda date: None
    lowest = min(lvl.level for lvl in regimen.dose_levels)

    def at(date: dt.date) -> bool | None:
        if not course.doses:
            return False
        k = bisect.bisect_right(doses.dates, date)  # (the last dose on or before the date, by bisection)
        dose = doses.largest_on(doses.dates[k - 1]) if k else min(course.doses, key=_dose_order)
        reading = doses.read(dose)
        if reading.below_lowest:
            return True
        if _rule_set_level(doses, state, dose) == lowest:
            return True
        level = reading.nearest if reading.level is None else reading.level
        return not reading.escalation and level == lowest

    return at


def _missed_dose_rules(regimen: Regimen, late_days: int, gap_days: int) -> list[MissedDoseRule]:
    """The label's missed-dose rules for a dose ``late_days`` after its planned date, ``gap_days`` after the last
    dose (each rule states which of the two its bounds count)."""
    out = []
    for rule in regimen.missed_dose:
        days = gap_days if rule.measured_from == "last-dose" else late_days
        if (rule.min_delay_days is None or days >= rule.min_delay_days) and (
            rule.max_delay_days is None or days <= rule.max_delay_days
        ):
            out.append(rule)
    return out


def _planned(
    regimen: Regimen, course: Course, due_dates: dict[dt.date, dt.date] | None = None
) -> tuple[dt.date, tuple[MissedDoseRule, dt.date, dt.date] | None]:
    """The planned date of the next dose: one dose interval (a day for a daily drug, whatever its cycle) after the
    last dose; after a late dose whose missed-dose rule keeps the previous schedule (``keeps_schedule``), one
    interval after the date that dose was planned for (the first date of that schedule after the late dose). Also
    the rule, date and planned date of the last dose when it kept the schedule. ``due_dates`` (when given) receives
    the planned date of every dose date after the first."""
    interval = dt.timedelta(days=regimen.dose_interval_days)
    dates = sorted({d.date for d in course.doses})
    planned = dates[0] + interval
    kept: tuple[MissedDoseRule, dt.date, dt.date] | None = None
    for previous, date in itertools.pairwise(dates):
        due = planned
        if due_dates is not None:
            due_dates[date] = due
        delay = (date - due).days
        rules = _missed_dose_rules(regimen, delay, (date - previous).days) if delay > 0 else []
        keep = bool(rules) and all(m.keeps_schedule for m in rules)
        planned = (due if keep else date) + interval
        while planned <= date:
            planned += interval
        kept = (rules[0], date, due) if keep else None
    return planned, kept


def _dose_order(dose: DoseGiven) -> tuple[dt.date, float]:
    """Doses in date order; of two on one date (a twice-daily tablet) the larger counts as the later, so that the
    answer never depends on the order of the list."""
    return (dose.date, dose.mg)


def monitor(course: Course, kb: KnowledgeBase | None = None) -> MonitorResult:
    """Evaluate one treatment course on the given date (``course.today``)."""
    return _monitor(course, kb or default_kb())


def _monitor(course: Course, kb: KnowledgeBase) -> MonitorResult:
    agent = dosed_agent(kb, course.agent)
    weight = course.weight_on(course.today)
    choice = course_regimen_choice(kb, course, weight)
    regimen = choice.regimen
    doses = CourseDoses(kb, course, regimen)
    state = State()
    state.references.extend(regimen.references)
    if choice.question is not None:
        # The label's dose levels differ between records the course does not choose between: asked, never guessed.
        state.needs.append(choice.question)
        refs = list(dict.fromkeys(ref for r in choice.undecided for ref in r.references))
        why = (
            f"The label's dose levels for {agent.name} differ between {' and '.join(r.id for r in choice.undecided)} "
            "and the course does not say which applies"
            if len(choice.undecided) > 1
            else f"The dose levels of {regimen.id} are for {agent.name} given with {', '.join(regimen.given_with)}, "
            "which the course's medications do not name"
        )
        state.fire(
            "hold",
            regimen.id,
            f"{why} (see needs): no dose level is given, and the dose is held until it is known.",
            source_text(kb, refs, regimen.label_section),
            refs,
        )
    if regimen.region != course.region and course.regimen is not None:
        state.warnings.append(
            f"The chosen regimen {regimen.id} is the {regimen.region} label's dosing, while the course's region is "
            f"{course.region}."
        )
    elif regimen.region != course.region:
        state.warnings.append(fallback_warning("dosing", agent.name, course.region))
    if course.escalation and not regimen.escalation_steps:
        raise InvalidInput(
            "escalation",
            True,
            "true only for a regimen whose label has a dose escalation (e.g. neratinib)",
            hint=f"{regimen.id} has none",
        )
    last_dose = max((d.date for d in course.doses), default=None)

    tables, notes = cardiac_rules_for(kb, agent.id, course.region, course.setting)
    state.warnings.extend(notes)
    cardiac_rules = tables[0] if len(tables) == 1 else None
    cardiac = evaluate_cardiac(course, cardiac_rules, kb, state) if cardiac_rules else CardiacState()
    if len(tables) > 1:
        state.needs.append("setting (early or metastatic): the label's LVEF rules differ by setting")
        if course.baseline_lvef is None and all(t.baseline_required for t in tables):
            state.needs.append(
                "a baseline LVEF (every LVEF table of the label requires one before treatment)"
            )
        readings = (
            "the LVEF readings cannot be judged" if course.lvef else "the course has no LVEF reading yet"
        )
        state.fire(
            "hold",
            tables[0].id,
            f"The label's LVEF tables differ by disease setting ({', '.join(t.id for t in tables)}) and the "
            f"course does not give its setting; {readings}.",
            source_text(kb, tables[0].references, tables[0].label_section),
            list(tables[0].references),
        )
    if not tables and (course.lvef or course.symptomatic_heart_failure):
        no_lvef_table(course, agent.name, state)
    evaluate_events(
        course,
        agent_ae_rules(kb, agent.id, course, state),
        last_dose,
        kb,
        state,
        _at_lowest_level(doses, state),
    )
    _interactions(course, agent.id, kb, state, regimen)

    _dose_history(doses, state, kb)
    _weight_band(doses, state)
    fixed_mg = _gate_dose(kb, doses, state)
    # The last dose when it is one of the regimen this one follows (once: the level and the next date both need it).
    switched = _switching(kb, doses)
    if fixed_mg is not None and (state.reductions or state.reductions_from):
        state.needs.append(
            f"the dose after the reduction the label's rules ask for: the last dose ({fixed_mg:g} mg) is an adjusted "
            "dose outside the label's dose levels"
        )
        fixed_mg = None
        new_level = None
    elif fixed_mg is not None:
        new_level = None
    elif choice.question is not None:
        new_level = None  # (no ladder to read the doses against: see needs)
    else:
        new_level = _next_level(doses, agent.name, state, kb, switched)
    first_due = (
        switched.date + dt.timedelta(days=regimen.switch_from.after_days)
        if switched is not None and regimen.switch_from is not None
        else None
    )
    action = state.action
    if action == "continue" and state.resumed:
        action = "resume"
    next_dose = None
    if action in ("continue", "resume", "reduce") and (new_level is not None or fixed_mg is not None):
        next_dose = _next_dose(regimen, course, new_level, last_dose, state, kb, fixed_mg, first_due)
        if regimen.unverified:
            state.warnings.append(
                f"The next dose comes from {regimen.id}, marked unverified in the knowledge base: "
                f"{' '.join((regimen.note or '').split())}".strip()
            )
    elif action in ("continue", "resume", "reduce"):
        # No next dose can be given (needs say what is missing): the dose is held until it is known, never an
        # action that reads as "give a dose" with none to give.
        state.fire(
            "hold",
            regimen.id,
            "No next dose level can be given from the course and the knowledge base (see needs); the dose is held "
            "until it is known.",
            source_text(kb, list(regimen.references), regimen.label_section),
            list(regimen.references),
        )
        action = "hold"
    lvef_due, lvef_basis = next_lvef_due(course, cardiac_rules, cardiac)
    if (
        cardiac.holding_since is not None
        and lvef_due is not None
        and lvef_due < course.today
        and not cardiac.repeat_asked
    ):
        # An LVEF-driven hold whose repeat assessment is overdue (any agent): the reading is asked for.
        state.needs.append(f"a repeat LVEF (overdue since {lvef_due}): {lvef_basis}")
    if len(tables) > 1:
        lvef_basis = (
            "not scheduled: the label's LVEF tables differ by disease setting and the course gives none"
        )
    elif not tables:
        lvef_basis = f"not scheduled: the knowledge base has no LVEF rules for {agent.name}"
    return MonitorResult(
        course_id=course.id,
        kb_version=kb.version,
        agent=agent.name,
        regimen=" or ".join(r.id for r in choice.undecided) if choice.undecided else regimen.id,
        region=course.region,
        action=action,
        action_note=_action_note(course, action, next_dose, state),
        next_dose=next_dose,
        next_lvef_due=lvef_due,
        next_lvef_basis=lvef_basis,
        lvef_holds=cardiac.holds,
        lvef_hold_periods=[HoldPeriod(start=start, end=end) for start, end in cardiac.periods],
        needs=list(dict.fromkeys(state.needs)),
        rationale=[_flag_unverified(kb, step) for step in state.steps],
        references=list(dict.fromkeys(state.references)),
        warnings=list(dict.fromkeys(state.warnings)),
    )


def _action_note(course: Course, action: str, next_dose: NextDose | None, state: State) -> str | None:
    """'first dose' for a course with no dose yet (asking to see the needs first when there are any and the dose is
    not held), 're-load' when the next dose is the loading dose again after doses were given."""
    if not course.doses:
        if action in ("continue", "resume", "reduce") and state.needs:
            return "first dose, see needs before giving it"
        return "first dose"
    if next_dose is not None and next_dose.kind == "loading":
        return "re-load: the loading dose is given again (see why)"
    return None


def _next_dose(
    regimen: Regimen,
    course: Course,
    level: int | None,
    last_dose: dt.date | None,
    state: State,
    kb: KnowledgeBase,
    fixed_mg: float | None = None,
    first_due: dt.date | None = None,
) -> NextDose:
    """The next dose: its date (one interval after the last dose, or ``first_due`` for the first dose of a regimen
    that follows another, see _switching), mg, kind and level."""
    weight = course.weight_on(course.today)
    source = source_text(kb, list(regimen.references), regimen.label_section)
    kind: Literal["loading", "maintenance"] = "maintenance"
    if last_dose is None:
        date = course.today
        if regimen.loading_dose is not None:
            kind = "loading"
    else:
        planned, kept = _planned(regimen, course) if first_due is None else (first_due, None)
        if kept is not None:
            rule, given, due = kept
            state.steps.append(
                Step(
                    rule=regimen.id,
                    text=f"The dose of {given} was {(given - due).days} day(s) late (planned {due}): {rule.condition}: "
                    f"{' '.join(rule.action.split())} The next dose follows that schedule: {planned}.",
                    source=source,
                )
            )
        date = max(planned, course.today)
        a_day = doses_a_day(regimen, level) if level is not None else 1
        if (
            last_dose == course.today
            and a_day > 1
            and sum(1 for d in course.doses if d.date == last_dose) < a_day
            and first_due is None
        ):
            # A twice-daily tablet with today's doses not all taken yet: the next one is today's.
            date = course.today
        delay = (course.today - planned).days
        gap = (course.today - last_dose).days
        applicable = _missed_dose_rules(regimen, delay, gap) if delay > 0 else []
        reload = any(m.reload for m in applicable)
        if regimen.dose_interval_days == 1:
            late = (
                f"Doses not taken on {delay} scheduled day{'s' if delay != 1 else ''} since the last dose on "
                f"{last_dose}"
            )
        else:
            late = f"Dose {delay} day{'s' if delay != 1 else ''} late ({gap} days since the last dose)"
        if state.resumed:
            # The gap came from a hold in this replay: the resumption rule above sets the dose level.
            late += " after the hold above"
        if reload and regimen.loading_dose is not None:
            kind = "loading"
            why = "; ".join(f"{m.condition}: {m.action}" for m in applicable if m.reload)
            state.steps.append(Step(rule=regimen.id, text=f"{late}: {why}", source=source))
        elif delay > 0:
            # The label's own missed-dose words for this delay (an oral daily drug is not "given as soon as
            # possible"); all of them when none states bounds that fit.
            rules = "; ".join(
                f"{m.condition}: {' '.join(m.action.split())}" for m in (applicable or regimen.missed_dose)
            )
            text = (
                f"{late}: {rules}"
                if rules
                else f"{late}: the knowledge base has no missed-dose rule for this regimen; ask the prescriber."
            )
            if state.resumed:
                text += " The dose level is the one the resumption rule above sets."
            state.steps.append(Step(rule=regimen.id, text=text, source=source))
    dose = (
        regimen.loading_dose
        if kind == "loading"
        else next((lvl.dose for lvl in levels(regimen) if lvl.level == level), regimen.maintenance_dose)
    )
    treatment_day = _treatment_day(course, date)
    # (only a course on the escalation reads the holds: they cost a pass over the doses and events)
    holds = _hold_gaps(course, date) if course.escalation else []
    escalation_day = _escalation_day(treatment_day, holds)
    final_from = max((s.from_day for s in regimen.escalation_steps), default=0)
    if fixed_mg is not None:
        pass
    elif course.escalation and level == 0 and kind == "maintenance":
        step = escalation_dose(regimen, escalation_day)
        last = max(course.doses, key=_dose_order) if course.doses else None
        # "Resume at the same dose": the step the patient was on before the hold, never a later one.
        held_at = (
            next(
                (
                    s.dose
                    for s in regimen.escalation_steps
                    if dose_deviation(amount_mg(s.dose, weight), last.mg) <= DOSE_MATCH_TOLERANCE
                ),
                None,
            )
            if last is not None
            else None
        )
        # The holds that began within the escalation: the escalation day of a gap's start is its treatment day less
        # the days of the holds before it (as _escalation_day counts, in one pass).
        gaps: list[tuple[dt.date, dt.date]] = []
        held = 0
        for p, d in holds:
            if treatment_day - (date - p).days - held < final_from:  # (the treatment day of p)
                gaps.append((p, d))
            held += (d - p).days - 1
        if (
            state.resumed
            and step is not None
            and held_at is not None
            and amount_mg(step, weight) > amount_mg(held_at, weight)
        ):
            step = held_at
        before_hold = max((d.mg for d in course.doses if gaps and d.date == gaps[-1][0]), default=None)
        if (
            step is not None
            and last is not None
            and held_at is not None
            and before_hold is not None
            and last.date > gaps[-1][0]
            and last.mg < before_hold * (1 - DOSE_MATCH_TOLERANCE)
            and amount_mg(step, weight) > last.mg
        ):
            # The prescriber resumed on a lower step than the one given before the hold: the next dose is never above
            # the dose last given (her2kit does not choose when the escalation goes on from there).
            state.warnings.append(
                f"After the hold (no dose from {gaps[-1][0]} to {gaps[-1][1]}) the dose was resumed at {last.mg:g} mg, "
                f"lower than the step given before the hold ({before_hold:g} mg): the next dose stays at "
                f"{held_at.value:g} {held_at.unit}, never the escalation's {step.value:g} {step.unit} by counting "
                "days — when the escalation goes on is the prescriber's decision."
            )
            state.needs.append(
                f"the intended escalation step: resumed at {last.mg:g} mg after the hold (the step before it was "
                f"{before_hold:g} mg); the next dose stays at {held_at.value:g} {held_at.unit} until the prescriber "
                "gives the next step"
            )
            step = held_at
        if step is not None and (gaps or (state.resumed and escalation_day <= final_from)):
            since = f" (no dose from {gaps[-1][0]} to {gaps[-1][1]})" if gaps else ""
            state.warnings.append(
                f"A hold interrupted the dose escalation{since}: her2kit counts the escalation in treatment days less "
                f"the days of a hold, so the next dose is escalation day {escalation_day} "
                f"({step.value:g} {step.unit}; calendar day {treatment_day}); after a hold it is never above the step "
                "given before the hold. The label's escalation table does not cover interruptions — check with the "
                "prescriber."
            )
        if step is not None:
            dose = step
            steps = "; ".join(escalation_schedule(regimen))
            state.steps.append(
                Step(
                    rule=regimen.id,
                    text=f"Dose escalation (the label's optional schedule: {steps}): escalation day {escalation_day} → "
                    f"{step.value:g} {step.unit}"
                    + (f" (calendar day {treatment_day})." if escalation_day != treatment_day else "."),
                    source=source,
                )
            )
    elif course.escalation and level is not None and level < 0 and escalation_day < final_from:
        state.warnings.append(
            "A dose reduction applies during the dose escalation: the reduced level (below the dose given) is given "
            "and the escalation is not resumed; the label's escalation table does not cover reductions — check with "
            "the prescriber."
        )
    if regimen.prophylaxis_days is not None and treatment_day <= regimen.prophylaxis_days:
        state.steps.append(
            Step(
                rule=regimen.id,
                text=f"Treatment day {treatment_day} is within the first {regimen.prophylaxis_days} days: "
                + " ".join((regimen.prophylaxis or "prophylaxis is due").split()),
                source=source,
            )
        )
    assert dose is not None
    mg = amount_mg(dose, weight) if fixed_mg is None else fixed_mg
    if regimen.max_dose is not None:
        mg = min(mg, amount_mg(regimen.max_dose, weight))
    if fixed_mg is not None:
        kind = "maintenance"
    own_schedule = (
        regimen.level_schedule(level)
        if level is not None and kind == "maintenance" and fixed_mg is None
        else None
    )
    return NextDose(
        date=date,
        mg=mg,
        kind=kind,
        dose_level=0 if kind == "loading" else level,
        schedule=own_schedule if own_schedule != regimen.schedule else None,
        unverified=bool(regimen.unverified),
    )


def _no_loading_dose(doses: CourseDoses, state: State) -> None:
    """A warning when the first dose on record is not the label's loading dose (a record that begins later, or a
    course started at the maintenance dose): the next dose is computed from the record, so a clinician checks it.
    Not for a first dose of the regimen this one follows (trastuzumab's weekly phase), nor without the weight a
    mg/kg loading dose needs (that is asked for elsewhere)."""
    regimen, course = doses.regimen, doses.course
    if regimen.loading_dose is None or not course.doses:
        return
    first = min(course.doses, key=_dose_order)
    if regimen.switch_from is not None and _earlier_phase_reading(doses, first) is not None:
        return
    weight = course.weight_on(first.date)
    if regimen.loading_dose.unit == "mg/kg" and weight is None:
        return
    loading = amount_mg(regimen.loading_dose, weight)
    if dose_deviation(loading, first.mg) <= DOSE_MATCH_TOLERANCE:
        return
    state.warnings.append(
        f"The first dose on record ({first.mg:g} mg on {first.date}) is not the label's loading dose "
        f"({regimen.loading_dose.value:g} {regimen.loading_dose.unit} = {loading:g} mg): if treatment began earlier, "
        "add the earlier doses; if it began without the loading dose, confirm the plan with the prescriber (the next "
        "dose is computed from the record)."
    )


def _dose_history(doses: CourseDoses, state: State, kb: KnowledgeBase) -> None:
    """Doses on record that the schedule does not account for: more doses on one date than the schedule gives (one;
    two for a twice-daily tablet), or a dose sooner after the previous one than the schedule's interval. Warnings:
    the history is what was given, and the next dose is computed from it; a clinician checks the record."""
    regimen, course = doses.regimen, doses.course
    stated = [d for d in course.doses if d.dose_level is not None]
    told: set[tuple[dt.date, float]] = set()
    for dose in sorted(stated, key=_dose_order):
        levels_stated = doses.stated_on(dose)
        n = doses.day_count(dose)
        key = (dose.date, dose.mg)
        if key in told:
            continue
        told.add(key)
        if len(levels_stated) > 1:
            state.warnings.append(
                f"The doses of {dose.mg:g} mg on {dose.date} state different levels "
                f"({', '.join(map(str, sorted(levels_stated, reverse=True)))}): not used; check the dose history."
            )
            continue
        stated_level = next(iter(levels_stated))
        a_day = doses_a_day(regimen, stated_level)
        if (
            shares_dose(regimen, stated_level, course.weight_on(dose.date))
            and n != a_day
            and (n > a_day or dose.date < course.today)
        ):
            words = schedule_words(regimen.level_schedule(stated_level))
            state.warnings.append(
                f"{n} dose(s) of {dose.mg:g} mg on {dose.date}, stated as level {stated_level} ({dose.mg:g} mg {words}): "
                + (
                    "more than that level gives — a double dose, or another level? Not used; check the dose history."
                    if n > a_day
                    else "fewer than that level gives (missed doses?)."
                )
            )
    for dose in stated:
        reading = doses.read(dose)
        if reading.level != dose.dose_level and reading.by_count is None:
            state.warnings.append(
                f"The dose of {dose.mg:g} mg on {dose.date} states dose_level {dose.dose_level}, which is not its "
                f"reading (level {reading.level if reading.level is not None else 'not known'}): dose_level only tells "
                "apart label levels of the same dose taken at different frequencies; not used."
            )
    _no_loading_dose(doses, state)
    per_day = 2 if regimen.schedule == "twice-daily" else 1
    counts: dict[dt.date, int] = {}
    for dose in course.doses:
        counts[dose.date] = counts.get(dose.date, 0) + 1
    for date, n in sorted(counts.items()):
        if n > per_day:
            state.warnings.append(
                f"{n} doses on {date}: the {regimen.schedule} schedule of {regimen.id} gives {per_day} a day — check "
                "for a duplicate entry or a double dose."
            )
    interval = regimen.dose_interval_days
    if interval > 1 and course.doses:
        # Not flagged: a dose on or after the date the label's own schedule planned for it (the planned dates of
        # _planned, e.g. the SmPC's "subsequent maintenance doses follow the previous schedule" after a late dose),
        # and a dose after one that is a dose of another of the agent's regimens on another schedule (e.g. weekly
        # doses before a switch to every 3 weeks; the monitor names those once). A dose that is merely off every
        # level (330 mg T-DXd) is no other schedule: the interval after it is checked.
        due_dates: dict[dt.date, dt.date] = {}
        _planned(regimen, course, due_dates)
        foreign = {
            d.date
            for d in course.doses
            if not (r := doses.read(d)).no_weight
            and (not r.on_level or r.level is None)
            and _other_schedule(kb, regimen, course, d) is not None
        }
        switch = regimen.switch_from
        earlier_phase = (
            {d.date for d in course.doses if _earlier_phase_reading(doses, d) is not None}
            if switch
            else set()
        )
        for previous, date in itertools.pairwise(sorted(counts)):
            gap = (date - previous).days
            if (
                switch is not None
                and previous in earlier_phase
                and date not in earlier_phase
                and gap < switch.after_days
            ):
                state.warnings.append(
                    f"The dose of {date} was given {gap} days after the dose of {switch.regimen} on {previous}; the "
                    f"label gives the first dose of {regimen.id} {switch.after_days} days after the last one: "
                    f'"{" ".join(switch.text.split())}" — check the dose history.'
                )
            if (
                gap < interval
                and previous not in foreign
                and previous not in earlier_phase
                and date < due_dates.get(date, date + dt.timedelta(1))
            ):
                state.warnings.append(
                    f"The dose of {date} was given {gap} days after the previous dose ({previous}); the "
                    f"{regimen.schedule} schedule of {regimen.id} is every {interval} days — check the dose history."
                )


def _other_schedule(kb: KnowledgeBase, regimen: Regimen, course: Course, dose: DoseGiven) -> Regimen | None:
    """The regimen of the same agent on another schedule whose dose level (or loading dose) a dose is within 5% of,
    at the weight of its day (e.g. the weekly trastuzumab dose before a switch to every 3 weeks); None without one."""
    weight = course.weight_on(dose.date)
    for other in kb.regimens.values():
        if other.agent != regimen.agent or other.schedule == regimen.schedule:
            continue
        if weight is None and is_weight_based(other):
            continue
        mgs = [mg for _, mg in level_ladder(other, weight)]
        if other.loading_dose is not None:
            mgs.append(amount_mg(other.loading_dose, weight))
        if any(dose_deviation(mg, dose.mg) <= DOSE_MATCH_TOLERANCE for mg in mgs):
            return other
    return None


def _weight_band(doses: CourseDoses, state: State) -> None:
    """A regimen chosen by today's weight band (e.g. zongertinib below / from 90 kg) while the last dose was given
    at a weight in another band: that dose is read against its own day's band (a full dose of the earlier band is no
    reduction) and the next dose is the same level of today's band — said, so that the prescriber checks it."""
    regimen, course = doses.regimen, doses.course
    if not course.doses or (regimen.min_weight_kg is None and regimen.max_weight_kg is None):
        return
    last = doses.last
    assert last is not None  # (the course has doses: checked above)
    kg = course.weight_on(last.date)
    if kg is None:
        return
    inside = (regimen.min_weight_kg is None or kg >= regimen.min_weight_kg) and (
        regimen.max_weight_kg is None or kg < regimen.max_weight_kg
    )
    if not inside:
        own = doses.band(kg)
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) was given at {kg:g} kg, in another weight band of the "
            f"label ({own.id}) than today's weight ({_kg(course.weight_on(course.today))} kg, {regimen.id}); its dose "
            "level is read against the band of its own day, and the next dose is that level of today's band — check "
            "the dose for the new weight band with the prescriber."
        )


def _flag_unverified(kb: KnowledgeBase, step: Step) -> Step:
    """The step, marked when the record behind it is unverified (a knowledge-gap step has no record)."""
    if step.rule == KNOWLEDGE_GAP or not getattr(kb.get(step.rule), "unverified", False):
        return step
    return step.model_copy(update={"unverified": True})


def _hold_gaps(course: Course, date: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Gaps between dose dates before ``date`` (and from the last of them to ``date``) with no dose, during which an
    adverse event of the course was open (onset before the gap ended, not resolved before it began): holds."""
    dates = sorted({d.date for d in course.doses if d.date < date})
    # Events by onset, with the latest resolution among the first k of them (open: never resolved): an event open
    # during (p, d) is one with onset before d and resolution after p, so the gap is a hold when the latest
    # resolution among the events begun before d is after p (one bisection per gap, not a pass over the events).
    events = sorted(course.adverse_events, key=lambda ae: ae.onset)
    onsets = [ae.onset for ae in events]
    latest: list[dt.date] = []
    for ae in events:
        end = dt.date.max if ae.resolved is None else ae.resolved
        latest.append(max(end, latest[-1]) if latest else end)
    out = []
    for p, d in itertools.pairwise([*dates, date]):
        k = bisect.bisect_left(onsets, d)
        if (d - p).days > 1 and k and latest[k - 1] > p:
            out.append((p, d))
    return out


def _escalation_day(treatment_day: int, holds: list[tuple[dt.date, dt.date]]) -> int:
    """The day of the dose escalation a dose on treatment day ``treatment_day`` is: the treatment day less the days
    of the holds before it (gaps without a dose while an adverse event was open, :func:`_hold_gaps` for that dose's
    date). A her2kit convention: the label's escalation counts days of treatment and does not say how a hold
    interrupts it; held days do not count, so the escalation goes on where it stopped. Other gaps (a record listing
    only some doses) count as treatment days."""
    held = sum((d - p).days - 1 for p, d in holds)
    return treatment_day - held


def _treatment_day(course: Course, date: dt.date) -> int:
    """Day of treatment on a date: day 1 is the first dose (or the date itself when none was given)."""
    first = min((d.date for d in course.doses), default=date)
    return (date - first).days + 1


def _interactions(course: Course, agent_id: str, kb: KnowledgeBase, state: State, regimen: Regimen) -> None:
    """The course's medications against the agent's interaction gates. A caution is a step. An interaction the label
    says to avoid is a warning and a need for the prescriber's decision (the course cannot record it); it holds the
    dose only where the label's remedy concerns the HER2 drug itself (``remedy`` her2-dose: its dose; her2-delay:
    delaying it) — never where it concerns the other medicine or the timing of the two (their doses and timing are
    not in the course, and holding the HER2 drug is not the label's remedy). Where the label gives the HER2 drug's
    adjusted dose and the last dose already is that dose, the dose continues at it (a warning says so); so it does
    while the doses follow the titration the gate's text gives (``max_dose``; see _titrating), and a her2-delay gate
    with doses given while the medicine is listed (the course went on after the decision) asks, without a hold."""
    if not course.medications:
        return
    unknown = unrecognised_medications_note(kb, course.medications)
    if unknown:
        state.warnings.append(unknown)
    last = max(course.doses, key=_dose_order) if course.doses else None
    for gate in kb.safety_gates.values():
        if gate.condition != "interacting-medication" or agent_id not in gate.agents:
            continue
        source = source_text(kb, gate.references, gate.label_section)
        for _, text in interactions(kb, gate, course.medications):
            if gate.severity != "contraindication":
                state.steps.append(Step(rule=gate.id, text=text, source=source))
                state.references.extend(gate.references)
                continue
            state.warnings.append(f"Interaction to avoid: {text}")
            if gate.remedy not in ("her2-dose", "her2-delay"):
                concerns = (
                    "the timing of the two medicines" if gate.remedy == "timing" else "the other medicine"
                )
                state.needs.append(
                    f"the prescriber's decision on the interaction the label says to avoid ({gate.id}): the label's "
                    f"remedy concerns {concerns}, which the course does not record — the HER2 drug is not held for it"
                )
                state.steps.append(
                    Step(
                        rule=gate.id,
                        text=f"Interaction to avoid: {text} The label's remedy concerns {concerns}, not the HER2 "
                        "drug's dose: the dose is not held; the prescriber's decision is asked for.",
                        source=source,
                    )
                )
                state.references.extend(gate.references)
                continue
            if _remedy_in_progress(gate, regimen, course, last) is not None:
                continue  # recognised (and continued at) in _gate_dose
            cap = _max_dose(gate, regimen)
            if cap is not None and last is not None and last.mg > cap:
                state.warnings.append(
                    f"The last dose ({last.mg:g} mg on {last.date}) is above the highest dose the label's "
                    f"titration for the interaction gives with {regimen.id} ({cap:,g} mg a day, {gate.id}): "
                    "never continued at."
                )
            if gate.remedy == "her2-delay" and course.doses:
                # Doses were given while the medicine is listed: the course went on after the decision (the
                # course cannot record it, nor when the other medicine began).
                state.needs.append(
                    f"the prescriber's decision on the interaction the label says to avoid ({gate.id}): doses were "
                    "given while it is listed — confirm that the HER2 drug goes on with it (the label: if the HER2 "
                    "drug cannot be delayed, monitor closely for adverse reactions), or delay it"
                )
                state.steps.append(
                    Step(
                        rule=gate.id,
                        text=f"Interaction to avoid: {text} Doses were given while the medicine is listed (the "
                        "course continued after the decision, which it cannot record): the dose is not held; the "
                        "prescriber's confirmation is asked for.",
                        source=source,
                    )
                )
                state.references.extend(gate.references)
                continue
            state.needs.append(
                f"the prescriber's decision on the interaction the label says to avoid ({gate.id}): stop or change the "
                "other medicine, or apply the label's adjustment for an unavoidable combination"
            )
            state.fire(
                "hold",
                gate.id,
                f"Interaction to avoid: {text} The course does not record the prescriber's decision, so the dose is "
                "held rather than given unchanged.",
                source,
                list(gate.references),
            )


def _gate_dose(kb: KnowledgeBase, doses: CourseDoses, state: State) -> float | None:
    """The last dose in mg when it is no label dose level but the HER2 drug's dose a safety gate's own text gives
    (``adjusted_dose``: e.g. tucatinib 100 mg twice daily with a strong CYP2C8 inhibitor, neratinib 80 mg in severe
    hepatic impairment), and the gate applies or cannot be checked: the next dose continues at it, with a warning; a
    condition the course cannot record (hepatic impairment) is asked for (a need, not a hold). None otherwise."""
    regimen, course = doses.regimen, doses.course
    if not course.doses:
        return None
    last = doses.last
    assert last is not None  # (the course has doses: checked above)
    reading = doses.read(last)
    if reading.on_level and reading.level is not None:
        return None
    for gate in kb.safety_gates.values():
        if regimen.agent not in gate.agents:
            continue
        quoted = " ".join(gate.text.split())
        if gate.condition == "interacting-medication":
            if not interactions(kb, gate, course.medications):
                continue
            how = _remedy_in_progress(gate, regimen, course, last)
            if how == "titrating":
                cap = _max_dose(gate, regimen)
                assert cap is not None
                state.warnings.append(
                    f"The last dose ({last.mg:g} mg on {last.date}) is on the label's titration for the interaction "
                    f"({gate.id}), rising from the label dose to at most {cap:,g} mg a day with {regimen.id}: {quoted} "
                    f"The next dose continues at it while the combination lasts, never above {cap:,g} mg."
                )
                state.needs.append(
                    f"the prescriber's titration plan for the interaction ({gate.id}): the next step and when, up to "
                    f"{cap:,g} mg a day with {regimen.id} (the last dose: {last.mg:g} mg on {last.date})"
                )
            elif how == "adjusted":
                state.warnings.append(
                    f"The last dose ({last.mg:g} mg on {last.date}) is the label's adjusted dose for the interaction "
                    f"({gate.id}): {quoted} The next dose continues at it while the combination lasts."
                )
            else:
                continue
        elif gate.condition == "hepatic-impairment" and _is_adjusted_dose(gate, last):
            state.warnings.append(
                f"The last dose ({last.mg:g} mg on {last.date}) is the dose the label gives in hepatic impairment "
                f"({gate.id}): {quoted} The course cannot record hepatic impairment; the next dose continues at it."
            )
            state.needs.append(
                f"confirmation of the hepatic impairment behind the {last.mg:g} mg dose ({gate.id}: "
                f"{', '.join(gate.hepatic_levels)})"
            )
        else:
            continue
        state.references.extend(gate.references)
        return last.mg
    return None


def _is_adjusted_dose(gate: SafetyGate, dose: DoseGiven) -> bool:
    """Whether a dose is (within 5%) the HER2 drug's adjusted dose the gate's text gives (``adjusted_dose``)."""
    adjusted = gate.adjusted_dose
    return adjusted is not None and dose_deviation(amount_mg(adjusted, None), dose.mg) <= DOSE_MATCH_TOLERANCE


def _remedy_in_progress(
    gate: SafetyGate, regimen: Regimen, course: Course, last: DoseGiven | None
) -> Literal["titrating", "adjusted"] | None:
    """How the last dose already follows an interaction gate's own remedy for the HER2 drug: on the titration its text
    gives up to ``max_dose`` (see _titrating), or at its ``adjusted_dose``; None otherwise (or without a dose)."""
    if last is None:
        return None
    cap = _max_dose(gate, regimen)
    if cap is not None and _titrating(regimen, course, cap):
        return "titrating"
    return "adjusted" if _is_adjusted_dose(gate, last) else None


def _max_dose(gate: SafetyGate, regimen: Regimen) -> float | None:
    """The highest dose in mg the gate's text gives for the regimen's titration (``max_dose``), or None."""
    return next((amount_mg(m.dose, None) for m in gate.max_dose if m.regimen == regimen.id), None)


def _titrating(regimen: Regimen, course: Course, cap: float) -> bool:
    """Whether the doses since the last one at or below the label dose (level 0) rise, each above it and none above
    ``cap``: the titration a safety gate's text gives for an interaction (e.g. "titrate Tykerb gradually up to 4,500
    mg/day with capecitabine"). Only for a dose in mg, and only from a label dose on record (a course that began above
    it titrated from nothing the record shows)."""
    if regimen.maintenance_dose.unit != "mg":
        return False
    label = level_dose_mg(regimen, 0, None)
    assert label is not None  # (a dose in mg)
    doses = sorted(course.doses, key=_dose_order)
    since = [d for d in doses if d.mg <= label * (1 + DOSE_MATCH_TOLERANCE)]
    if not since:
        return False
    path = doses[doses.index(since[-1]) + 1 :]
    if not path:
        return False
    return all(d.mg <= cap for d in path) and all(b.mg >= a.mg for a, b in itertools.pairwise(path))
