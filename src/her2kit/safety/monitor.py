"""``monitor(course)``: what to do today on one HER2-directed agent, the next dose, the next LVEF.

The rules are knowledge-base records read from the labels: ``regimens`` (doses,
levels, missed-dose rules), ``cardiac_monitoring`` (LVEF tables), ``ae_rules``
(dose modifications by CTCAE grade) and ``lab_grading`` (CTCAE v5.0 grades of
laboratory values), chosen for the course's label region and disease setting.
This module replays the course against them:

1. LVEF readings in date order against the label's table (:mod:`her2kit.safety.cardiac`);
2. adverse events and graded laboratory values against the label's rows
   (:mod:`her2kit.safety.events`);
3. interactions with the course's medications;
4. the dose level of the last dose (escalation steps included), any reduction still to
   apply, and the next dose: loading again after a gap longer than the label allows,
   the escalation step's dose, prophylaxis reminders.

The most severe action wins (discontinue > hold > reduce > resume > continue).
Missing information the rules need (baseline LVEF, institutional LLN, ULN of a
liver test, disease setting, complicating features) holds the next dose and says
what is needed — it is never guessed; so does missing knowledge (a grade >= 3 event
without a label rule).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase, default_kb
from her2kit.kb.schema import MissedDoseRule, Regimen
from her2kit.match.safety import interactions
from her2kit.safety.cardiac import (
    CardiacState,
    cardiac_rules_for,
    evaluate_cardiac,
    next_lvef_due,
    no_lvef_table,
)
from her2kit.safety.course import Course, DoseGiven
from her2kit.safety.dosing import amount_mg, escalation_dose, escalation_schedule, levels, select_regimen
from her2kit.safety.events import agent_ae_rules, evaluate_events
from her2kit.safety.regions import fallback_warning
from her2kit.safety.result import (
    KNOWLEDGE_GAP,
    SEVERITY,
    HoldPeriod,
    MonitorAction,
    MonitorResult,
    NextDose,
    State,
    Step,
    source_text,
)

__all__ = ["SEVERITY", "MonitorAction", "MonitorResult", "NextDose", "Step", "cardiac_rules_for", "monitor"]

DOSE_MATCH_TOLERANCE = 0.05  # a given dose within 5% of a level's dose is taken to be that level
# Beyond this, the nearest level is not a reading but a guess (a tenfold slip, a dose on another weight): the
# level is unknown, and no next dose or level-based step is given until the dose is confirmed.
DOSE_LEVEL_UNKNOWN_BEYOND = 0.25


# ----------------------------------------------------------------------------------------------- dosing
def _dose_level(regimen: Regimen, course: Course, dose: DoseGiven) -> tuple[int, float, bool]:
    """The label dose level nearest to a dose given: (level, that level's mg, whether it is the loading dose).
    A dose that matches the escalation step of its day is level 0."""
    weight = course.weight_on(dose.date)
    if course.escalation:
        step = escalation_dose(regimen, _treatment_day(course, dose.date))
        if step is not None and abs(amount_mg(step, weight) - dose.mg) <= DOSE_MATCH_TOLERANCE * dose.mg:
            return 0, dose.mg, False
    candidates: list[tuple[int, float, bool]] = []
    if regimen.loading_dose is not None:
        candidates.append((0, amount_mg(regimen.loading_dose, weight), True))
    for lvl in levels(regimen):
        candidates.append((lvl.level, amount_mg(lvl.dose, weight), False))
    return min(candidates, key=lambda c: abs(c[1] - dose.mg))


def _infer_level(regimen: Regimen, course: Course, state: State) -> int | None:
    """The dose level of the last dose given (a loading dose is level 0); None when the label has a reduction
    ladder and the dose is so far from every level that taking the nearest would be a guess (then
    ``state.needs`` says what to confirm). Without a ladder the next dose does not depend on it: a warning."""
    if not course.doses:
        return 0
    last = max(course.doses, key=lambda d: d.date)
    level, mg, _ = _dose_level(regimen, course, last)
    deviation = abs(mg - last.mg)
    weight = course.weight_on(last.date)
    if deviation > DOSE_LEVEL_UNKNOWN_BEYOND * mg and regimen.dose_levels:
        state.needs.append(
            f"the dose given on {last.date} ({last.mg:g} mg) confirmed: it is {deviation / mg:.0%} from the nearest "
            f"label dose level at {weight or '?'} kg (level {level}, {mg:g} mg), so its level is not known"
        )
        return None
    if deviation > DOSE_MATCH_TOLERANCE * mg:
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) matches no label dose level at {weight or '?'} kg; "
            f"taken as level {level} ({mg:g} mg), the nearest."
        )
    return level


def _reduced_level(regimen: Regimen, level: int, agent: str, state: State, kb: KnowledgeBase) -> int:
    """The dose level after the reductions the rules asked for; below the lowest level the label discontinues
    (or, where it says nothing more, a warning and the lowest level)."""
    if state.reductions and not regimen.dose_levels:
        state.warnings.append(
            f"The label gives no dose-reduction levels for {agent}; no reduction is applied."
        )
        return level
    lowest = min(lvl.level for lvl in levels(regimen))
    if level - state.reductions >= lowest:
        return level - state.reductions
    if regimen.discontinue_if_below_lowest:
        state.fire(
            "discontinue",
            regimen.id,
            f"A reduction below the lowest dose level ({lowest}) is needed; the label says to discontinue.",
            source_text(kb, list(regimen.references), regimen.label_section),
            list(regimen.references),
        )
    else:
        state.warnings.append(
            "A reduction below the lowest label dose level is needed; the label's text does "
            "not say more here — discuss with the prescriber."
        )
    return lowest


def _at_lowest_level(regimen: Regimen, course: Course) -> Callable[[dt.date], bool | None]:
    """Whether the dose a patient was on at a date was the lowest level of the label's reduction ladder: the last
    dose given on or before the date, else (an event before the first dose on record) the first dose on record.
    No dose on record: not on the lowest level. None when the label gives no ladder."""
    if not regimen.dose_levels:
        return lambda date: None
    lowest = min(lvl.level for lvl in regimen.dose_levels)

    def at(date: dt.date) -> bool | None:
        if not course.doses:
            return False
        before = [d for d in course.doses if d.date <= date]
        dose = max(before, key=lambda d: d.date) if before else min(course.doses, key=lambda d: d.date)
        return _dose_level(regimen, course, dose)[0] == lowest

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


def monitor(course: Course, kb: KnowledgeBase | None = None) -> MonitorResult:
    """Evaluate one treatment course on the given date (``course.today``)."""
    kb = kb or default_kb()
    agent = kb.agent(course.agent)
    weight = course.weight_on(course.today)
    regimen = select_regimen(
        kb,
        course.agent,
        indication=course.indication,
        schedule=course.schedule,
        regimen_id=course.regimen,
        weight_kg=weight,
        region=course.region,
    )
    state = State()
    state.references.extend(regimen.references)
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
        _at_lowest_level(regimen, course),
    )
    _interactions(course, agent.id, kb, state)

    level = _infer_level(regimen, course, state)
    new_level = None if level is None else _reduced_level(regimen, level, agent.name, state, kb)
    action = state.action
    if action == "continue" and state.resumed:
        action = "resume"
    next_dose = None
    if action in ("continue", "resume", "reduce") and new_level is not None:  # None: see needs
        next_dose = _next_dose(regimen, course, new_level, last_dose, state, kb)
    lvef_due, lvef_basis = next_lvef_due(course, cardiac_rules, cardiac)
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
        regimen=regimen.id,
        region=course.region,
        action=action,
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


def _next_dose(
    regimen: Regimen,
    course: Course,
    level: int,
    last_dose: dt.date | None,
    state: State,
    kb: KnowledgeBase,
) -> NextDose:
    weight = course.weight_on(course.today)
    source = source_text(kb, list(regimen.references), regimen.label_section)
    kind: Literal["loading", "maintenance"] = "maintenance"
    if last_dose is None:
        date = course.today
        if regimen.loading_dose is not None:
            kind = "loading"
    else:
        cycle = regimen.cycle_days or 1
        planned = last_dose + dt.timedelta(days=cycle)
        date = max(planned, course.today)
        delay = (course.today - planned).days
        gap = (course.today - last_dose).days
        applicable = _missed_dose_rules(regimen, delay, gap) if delay > 0 else []
        reload = any(m.reload for m in applicable)
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
            rules = "; ".join(f"{m.condition}: {m.action}" for m in (applicable or regimen.missed_dose))
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
    if course.escalation and level == 0 and kind == "maintenance":
        step = escalation_dose(regimen, treatment_day)
        if step is not None:
            dose = step
            steps = "; ".join(escalation_schedule(regimen))
            state.steps.append(
                Step(
                    rule=regimen.id,
                    text=f"Dose escalation (the label's optional schedule: {steps}): treatment day "
                    f"{treatment_day} → {step.value:g} {step.unit}.",
                    source=source,
                )
            )
    elif course.escalation and level < 0:
        state.warnings.append(
            "A dose reduction applies during the dose escalation: the reduced level is given; "
            "the label's escalation table does not cover reductions — check with the prescriber."
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
    mg = amount_mg(dose, weight)
    if regimen.max_dose is not None:
        mg = min(mg, amount_mg(regimen.max_dose, weight))
    return NextDose(date=date, mg=mg, kind=kind, dose_level=0 if kind == "loading" else level)


def _flag_unverified(kb: KnowledgeBase, step: Step) -> Step:
    """The step, marked when the record behind it is unverified (a knowledge-gap step has no record)."""
    if step.rule == KNOWLEDGE_GAP or not getattr(kb.get(step.rule), "unverified", False):
        return step
    return step.model_copy(update={"unverified": True})


def _treatment_day(course: Course, date: dt.date) -> int:
    """Day of treatment on a date: day 1 is the first dose (or the date itself when none was given)."""
    first = min((d.date for d in course.doses), default=date)
    return (date - first).days + 1


def _interactions(course: Course, agent_id: str, kb: KnowledgeBase, state: State) -> None:
    if not course.medications:
        return
    for gate in kb.safety_gates.values():
        if gate.condition != "interacting-medication" or agent_id not in gate.agents:
            continue
        for _, text in interactions(kb, gate, course.medications):
            state.steps.append(
                Step(rule=gate.id, text=text, source=source_text(kb, gate.references, gate.label_section))
            )
            state.references.extend(gate.references)
            if gate.severity == "contraindication":
                state.warnings.append(f"Interaction to avoid: {text}")
