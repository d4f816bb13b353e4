"""Adverse-event rules: events given or derived from graded laboratory values, matched to the label's rows.

A row matches on term, CTCAE grade, and the conditions the label states (setting, region, how long the event has
lasted, complicating features, persistence despite treatment, occurrence). When the course does not record a
condition a row depends on, the most cautious row applies and the condition is asked for; a row that needs a
value the course does not give (the dose level at onset, a concomitant laboratory value) holds the dose and asks for
it. An agent's "other adverse reactions" row covers terms, or grades of a term, without a row of their own; an
unresolved grade >= 3 event with no rule at all holds the dose (``knowledge-base-gap``), and once it has resolved
(no dose given since) no dose level is given until the label's is known. A reduction on resumption counts from the
dose given before the resolution (:class:`her2kit.safety.result.Reduction`), so it is applied once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import AeRule, LabGrading
from her2kit.safety.course import AdverseEventEntry, Course, LabValue
from her2kit.safety.regions import fallback_warning, in_region
from her2kit.safety.result import KNOWLEDGE_GAP, State, Step, source_text

RULE_CAUTION: Final[dict[str, int]] = {"continue": 0, "hold": 1, "reduce": 2, "discontinue": 3}
# An unresolved adverse event at this grade or above with no label rule in the knowledge base holds the dose.
UNRULED_HOLD_GRADE: Final = 3


def agent_ae_rules(kb: KnowledgeBase, agent_id: str, course: Course, state: State) -> list[AeRule]:
    """The agent's adverse-reaction rules for the course's region and setting (per term, the other
    setting's rules stand in when the knowledge base has none for the course's setting)."""
    name = kb.agents[agent_id].name
    rules, fell_back = in_region((r for r in kb.ae_rules.values() if agent_id in r.agents), course.region)
    if fell_back and rules:
        state.warnings.append(fallback_warning("adverse-reaction dose modifications", name, course.region))
    kept: list[AeRule] = []
    for term in dict.fromkeys(r.term for r in rules):
        of_term = [r for r in rules if r.term == term]
        settings = sorted({r.setting for r in of_term if r.setting is not None})
        fitting = [r for r in of_term if r.setting in (None, course.setting)]
        if course.setting is not None and settings and not fitting:
            state.warnings.append(
                f"The knowledge base has no {term} rule for {name} in {course.setting} disease; the label's "
                f"{' / '.join(settings)} rules are applied instead — check the label."
            )
        elif course.setting is not None and settings:
            of_term = fitting
        elif course.setting is None and len(settings) == 1 and all(r.setting for r in of_term):
            state.warnings.append(
                f"The knowledge base's {term} rules for {name} are the label's rules for {settings[0]} "
                "disease and the course gives no setting; they are applied — give the setting."
            )
        kept.extend(of_term)
    return kept


def _lab_grade(lab: LabValue, grading: LabGrading) -> int | None:
    """CTCAE grade of one value; None when the grading needs the ULN and it is not given."""
    if grading.relative_to_uln:
        if lab.uln is None:
            return None
        value = lab.value / lab.uln
    elif "10^9" in grading.unit and lab.unit in ("/mm3", "/uL", "/µL"):
        value = lab.value / 1000
    else:
        value = lab.value
    grade = 0
    for band in grading.grades:
        if (band.low is None or value >= band.low) and (band.high is None or value < band.high):
            grade = max(grade, band.grade)
    return grade


def _grade_text(grade: int | None, grading: LabGrading) -> str:
    """The grade for a reader: an open-ended grade-1 band of a cytopenia also holds normal counts, because its
    upper bound is the laboratory's lower limit of normal, which the course does not give."""
    open_grade1 = any(b.grade == 1 and b.high is None for b in grading.grades) and not grading.relative_to_uln
    if grade == 1 and open_grade1:
        low = next(b.low for b in grading.grades if b.grade == 1)
        return f"CTCAE grade 0–1 (≥ {low:g}; grade 1 only if below the laboratory's lower limit of normal)"
    return f"CTCAE grade {grade}"


def _recovery_grade(rules: list[AeRule], test: str, worst: int) -> int:
    """The grade at or below which a laboratory event of worst grade ``worst`` counts as recovered: the most
    demanding ``hold_until_grade`` of the label's rows for that grade (the test's own rows, else the "other adverse
    reactions" rows), else any fall below the worst grade."""
    rows = _rows_for_grade(rules, test, worst) or _rows_for_grade(rules, "other", worst)
    until = [r.hold_until_grade for r in rows if r.hold_until_grade is not None]
    return min([*until, worst - 1])


def _lab_events(
    course: Course, rules: list[AeRule], kb: KnowledgeBase, state: State
) -> list[AdverseEventEntry]:
    """Laboratory series as graded events: an event opens at the lowest grade any label rule of this agent acts
    on (lower grades carry no dose modification), escalates with the worst grade, and closes — resolved to that
    value's grade — at the first value at or below the grade the label's row for the worst grade resumes at (e.g.
    platelets 40 → 60 → 150 x 10^9/L: a grade 3 event resolved at 150, not at 60); a closing value that still
    reaches an actionable grade opens the next event."""
    events: list[AdverseEventEntry] = []
    gradings = {g.term: g for g in kb.lab_grading.values()}
    last_dose = max((d.date for d in course.doses), default=None)
    for test in sorted({lab.test for lab in course.labs}):
        grading = gradings.get(test)
        if grading is None:
            state.warnings.append(f"No CTCAE grading for {test} in the knowledge base; values not graded.")
            continue
        # The lowest grade a rule acts on: the test's own rules and the "other adverse reactions" rows (which cover
        # grades the own rows leave out), else the grade from which a value without any rule holds the dose (it is
        # never ignored).
        acting = [r.grade_min for r in rules if r.term in (test, "other")]
        actionable = min(acting or [UNRULED_HOLD_GRADE])
        onset: dt.date | None = None
        worst = 0
        last: LabValue | None = None
        series = sorted((lab for lab in course.labs if lab.test == test), key=lambda lab: lab.date)
        for lab in series:
            grade = _lab_grade(lab, grading)
            if grade is None:
                followed = last_dose is not None and last_dose > lab.date
                _ungraded(lab, lab is series[-1], followed, kb, grading, state)
                continue
            last = lab
            if onset is not None and grade <= _recovery_grade(rules, test, worst):
                events.append(
                    AdverseEventEntry(
                        term=test, grade=worst, onset=onset, resolved=lab.date, resolved_grade=grade
                    )
                )
                onset, worst = None, 0
            if grade >= actionable:
                onset = onset or lab.date
                worst = max(worst, grade)
        if onset is not None and last is not None:
            events.append(AdverseEventEntry(term=test, grade=worst, onset=onset))
        if last is not None:
            state.steps.append(
                Step(
                    rule=grading.id,
                    text=f"{test}: latest graded value {last.value:g} {last.unit} on {last.date} = "
                    f"{_grade_text(_lab_grade(last, grading), grading)}",
                    source=source_text(kb, grading.references, grading.version),
                )
            )
            state.references.extend(grading.references)
    return events


def _ungraded(
    lab: LabValue, latest: bool, followed: bool, kb: KnowledgeBase, grading: LabGrading, state: State
) -> None:
    """A value graded relative to the ULN without its ULN: its grade, and so the label's row for it, is not known.
    The latest value of its test, or one no dose has followed (``followed``: a dose given on a later day; a dose given
    the same day may have preceded the blood draw), holds the dose and asks for the ULN; an earlier one that a graded
    value and a dose have followed gives a warning (a clinician has acted since)."""
    where = f"{lab.test} {lab.value:g} {lab.unit} on {lab.date}"
    if latest or not followed:
        state.needs.append(f"the upper limit of normal (uln) for {lab.test} on {lab.date}")
        state.fire(
            "hold",
            grading.id,
            f"{where}: graded as a multiple of the upper limit of normal, which the course does not give; its CTCAE "
            "grade, and the label's row for it, are not known — the dose is held until the ULN is given.",
            source_text(kb, grading.references, grading.version),
            list(grading.references),
        )
    else:
        state.warnings.append(
            f"{where} has no upper limit of normal (uln), so it was not graded; later values and a dose given since "
            "are on record — check that no label row applied to it."
        )


FEATURES: Final[dict[str, str]] = {
    "complicated": "has complicating features (dehydration, fever, hypotension, renal failure, grade 3-4 "
    "neutropenia, as the label lists them)",
    "despite_treatment": "persists despite optimal supportive (e.g. antidiarrhoeal) treatment",
}


def _event_days(event: AdverseEventEntry, today: dt.date) -> int:
    """How long the event has lasted: onset to resolution, or to today while unresolved."""
    return ((event.resolved or today) - event.onset).days


@dataclass(frozen=True)
class EventContext:
    """What a rule's conditions may need beyond the event itself: the course (today, laboratory values) and
    whether the dose given before a date was the lowest level of the label's ladder (None: not known)."""

    course: Course
    at_lowest_dose: Callable[[dt.date], bool | None] = lambda date: None


def _worst_uln(test: str, event: AdverseEventEntry, ctx: EventContext) -> float | None:
    """The event's worst value of its own liver test as a multiple of ULN (values dated within the event)."""
    end = event.resolved or ctx.course.today
    values = [
        lab.value / lab.uln
        for lab in ctx.course.labs
        if lab.test == test and event.onset <= lab.date <= end and lab.uln is not None
    ]
    return max(values, default=None)


def _concurrent_lab(rule: AeRule, event: AdverseEventEntry, ctx: EventContext) -> bool | None:
    """Whether a value of the rule's concurrent test, dated within the event, is above its ULN multiple;
    None when no such value with its ULN is recorded."""
    assert rule.with_lab is not None
    worst = _worst_uln(rule.with_lab.test, event, ctx)
    return None if worst is None else worst > rule.with_lab.above_uln


def _conditions(rule: AeRule, event: AdverseEventEntry, ctx: EventContext) -> dict[str, bool | None]:
    """The rule's stated conditions beyond term and grade, each met (True), not met (False) or not recorded."""
    out: dict[str, bool | None] = {}
    days = _event_days(event, ctx.course.today)
    if rule.duration_min_days is not None:
        out["duration_min_days"] = days >= rule.duration_min_days
    if rule.duration_max_days is not None:
        out["duration_max_days"] = days < rule.duration_max_days
    for feature in FEATURES:
        wanted = getattr(rule, feature)
        if wanted is not None:
            recorded = getattr(event, feature)
            out[feature] = None if recorded is None else recorded == wanted
    if rule.at_lowest_dose is not None:
        lowest = ctx.at_lowest_dose(event.onset)
        out["at_lowest_dose"] = None if lowest is None else lowest == rule.at_lowest_dose
    if rule.with_lab is not None:
        out["with_lab"] = _concurrent_lab(rule, event, ctx)
    if rule.value_uln is not None:
        worst = _worst_uln(rule.term, event, ctx)
        cut = rule.value_uln
        out["value_uln"] = (
            None
            if worst is None
            else (cut.above is None or worst > cut.above) and (cut.at_most is None or worst <= cut.at_most)
        )
    return out


def _applies(rule: AeRule, event: AdverseEventEntry, ctx: EventContext) -> bool | None:
    """Whether a rule of the event's term and grade applies; None when it depends on something not recorded."""
    met = _conditions(rule, event, ctx).values()
    if False in met:
        return False
    return None if None in met else True


def _unrecorded(rule: AeRule, event: AdverseEventEntry, conditions: dict[str, bool | None]) -> list[str]:
    """The conditions of the chosen rule (other than the event's features) that the course does not record."""
    missing: list[str] = []
    if "at_lowest_dose" in conditions and conditions["at_lowest_dose"] is None:
        missing.append(
            f"the dose given before {event.onset} (the label's row {rule.id} is for events "
            f"{'on' if rule.at_lowest_dose else 'above'} the lowest dose level)"
        )
    if rule.with_lab is not None and conditions["with_lab"] is None:
        missing.append(
            f"a {rule.with_lab.test} value with its upper limit of normal (uln) measured during the {event.term} "
            f"event from {event.onset} (the label's row {rule.id} applies when it is above "
            f"{rule.with_lab.above_uln:g} x ULN)"
        )
    if rule.value_uln is not None and conditions["value_uln"] is None:
        missing.append(
            f"the {event.term} value with its upper limit of normal (uln) for the event from {event.onset} (the "
            f"label's row {rule.id} uses its own x ULN cut-offs)"
        )
    return missing


def _rows_for_grade(rules: list[AeRule], term: str, grade: int) -> list[AeRule]:
    return [r for r in rules if r.term == term and r.grade_min <= grade <= r.grade_max]


def _matching_rules(rules: list[AeRule], event: AdverseEventEntry, ctx: EventContext) -> list[AeRule]:
    """The agent's rules for the event's term, grade, duration and conditions; the label's "other adverse
    reactions" rules when the agent has no rule of its own for the term at this grade. Rules that depend on
    something the course does not record stay in (the caller applies the most cautious and asks for it)."""
    rows = _rows_for_grade(rules, event.term, event.grade) or _rows_for_grade(rules, "other", event.grade)
    return [r for r in rows if _applies(r, event, ctx) is not False]


def _occurrence(rule: AeRule, earlier: Mapping[int, int]) -> int:
    """Which occurrence this event is for a rule: earlier events of the term in the rule's grade range, plus one
    (``earlier``: how many earlier events of the term there are at each grade)."""
    return 1 + sum(n for grade, n in earlier.items() if rule.grade_min <= grade <= rule.grade_max)


def _ae_rule(matching: list[AeRule], earlier: Mapping[int, int]) -> AeRule | None:
    """The rule for one event: among the rows that match it, the one for this occurrence (an occurrence-specific
    row counts earlier events of the same term in its own grade range, so an earlier grade 1 event does not make a
    first grade 2 event a recurrence; the highest occurrence row applies to later ones), else the general rows."""
    specific = [r for r in matching if r.occurrence is not None and r.occurrence == _occurrence(r, earlier)]
    general = [r for r in matching if r.occurrence is None]
    later = sorted(
        (r for r in matching if r.occurrence is not None and r.occurrence < _occurrence(r, earlier)),
        key=lambda r: r.occurrence or 0,
    )
    chosen = specific or general or later[-1:]
    # When the label distinguishes cases the course does not record (e.g. with or without optimal
    # antidiarrhoeal treatment), the more conservative rule applies: discontinue, then hold-and-reduce, then hold.
    return max(chosen, key=lambda r: (RULE_CAUTION[r.action], r.reduce_levels_on_resume), default=None)


def _recovery_limit(rule: AeRule, event: AdverseEventEntry) -> dt.date | None:
    """The last day by which the event must recover for the rule's "discontinue if not recovered within N days"
    (counted, like the resolution window, from when the row began to apply)."""
    if rule.discontinue_if_not_resolved_within_days is None:
        return None
    start = event.onset + dt.timedelta(days=rule.duration_min_days or 0)
    return start + dt.timedelta(days=rule.discontinue_if_not_resolved_within_days)


def _once(course: Course, from_labs: list[AdverseEventEntry], state: State) -> list[AdverseEventEntry]:
    """The course's adverse events and those graded from its laboratory values, each episode once: an event recorded
    both ways (the same term, overlapping dates) would otherwise fire its label row twice and count its reduction
    twice. The recorded event is read (the warning names both grades); when the laboratory grade is higher, at that
    grade (:func:`_raised`)."""
    recorded = list(course.adverse_events)

    def overlap(a: AdverseEventEntry, b: AdverseEventEntry) -> bool:
        return a.onset <= (b.resolved or course.today) and b.onset <= (a.resolved or course.today)

    out = list(recorded)
    for event in from_labs:
        same = [r for r in recorded if r.term == event.term and overlap(r, event)]
        if not same:
            out.append(event)
            continue
        worst = max(same, key=lambda r: r.grade)
        state.warnings.append(
            f"{event.term} from {event.onset} is recorded as an adverse event (grade {worst.grade}) and graded from "
            f"the laboratory values (grade {event.grade}): read once, at grade {max(worst.grade, event.grade)}."
        )
        if event.grade > worst.grade:
            last_value = max(lab.date for lab in course.labs if lab.test == event.term)
            out = [r for r in out if r not in same] + [_raised(same, worst, event, last_value)]
    return out


def _raised(
    same: list[AdverseEventEntry], worst: AdverseEventEntry, event: AdverseEventEntry, last_value: dt.date
) -> AdverseEventEntry:
    """One episode from the recorded events ``same`` and the laboratory event that overlaps them, at the laboratory's
    higher grade: from the earliest onset; its complicating features and persistence despite treatment as recorded
    (present if any recorded event has them); resolved as the laboratory values say, unless the record gives a
    resolution dated after the course's last value of the test, which the values cannot contradict."""
    resolved, resolved_grade = event.resolved, event.resolved_grade
    if event.resolved is None and worst.resolved is not None and worst.resolved > last_value:
        resolved, resolved_grade = worst.resolved, worst.resolved_grade

    def flag(name: str) -> bool | None:
        values = [getattr(r, name) for r in same]
        return True if True in values else getattr(worst, name)

    return worst.model_copy(
        update={
            "grade": event.grade,
            "onset": min([event.onset, *(r.onset for r in same)]),
            "resolved": resolved,
            "resolved_grade": resolved_grade,
            "complicated": flag("complicated"),
            "despite_treatment": flag("despite_treatment"),
        }
    )


def evaluate_events(
    course: Course,
    rules: list[AeRule],
    last_dose: dt.date | None,
    kb: KnowledgeBase,
    state: State,
    at_lowest_dose: Callable[[dt.date], bool | None] = lambda date: None,
) -> None:
    ctx = EventContext(course, at_lowest_dose)
    events = sorted(_once(course, _lab_events(course, rules, kb, state), state), key=lambda e: e.onset)
    # The earlier events of each term, counted by grade (all an occurrence needs; a list of them per event was n²).
    seen: dict[str, Counter[int]] = {}
    for event in events:
        of_term = seen.setdefault(event.term, Counter())
        earlier = Counter(of_term)
        of_term[event.grade] += 1
        matching = _matching_rules(rules, event, ctx)
        rule = _ae_rule(matching, earlier)
        label = f"{event.term} grade {event.grade} from {event.onset}"
        # Resolved on or before the day of the last dose given: the team has already acted on it (a dose given on the
        # resolution day, e.g. after the morning's laboratory values, counts).
        managed = event.resolved is not None and last_dose is not None and event.resolved <= last_dose
        if rule is None:
            if event.grade >= UNRULED_HOLD_GRADE and event.resolved is not None and not managed:
                # Resolved, but at which dose level to resume is the label's rule the knowledge base lacks: no level is
                # given (never the full dose by default).
                state.needs.append(
                    f"the label's dose level after {event.term} grade {event.grade} (prescribing information section "
                    "2; not in the knowledge base)"
                )
                state.level_unknown = True
                state.steps.append(
                    Step(
                        rule=KNOWLEDGE_GAP,
                        text=f"{label}, resolved {event.resolved}: the knowledge base has no label rule for this "
                        "event at this grade, so the dose level to resume at is not known; no next dose is given until "
                        "a clinician checks the label. This is not a label rule.",
                        source="knowledge base",
                    )
                )
            if event.grade >= UNRULED_HOLD_GRADE and event.resolved is None:
                # Missing knowledge is not a reason to continue: hold and say what to check.
                state.needs.append(
                    f"the label's dose modification for {event.term} grade {event.grade} "
                    "(prescribing information section 2; not in the knowledge base)"
                )
                state.fire(
                    "hold",
                    KNOWLEDGE_GAP,
                    f"{label}: the knowledge base has no label rule for this event at this grade; the dose is held "
                    "until a clinician checks the label. This is not a label rule.",
                    "knowledge base",
                    [],
                )
            else:
                unmet = [r.id for r in _rows_for_grade(rules, event.term, event.grade)]
                state.warnings.append(
                    f"{label}: the label's rows for this grade ({', '.join(unmet)}) apply only under conditions not "
                    "met here; no dose modification."
                    if unmet
                    else f"{label}: no dose-modification rule for this agent in the knowledge base."
                )
            continue
        if rule.term == "other" and event.term != "other":
            label += " (no rule of its own for this grade: the label's rule for other adverse reactions)"
        source = source_text(kb, rule.references, rule.label_section)
        refs = list(rule.references)
        # Rows for another occurrence (a recurrence row when this is the first event) cannot apply: not "other
        # rules that depend on details the course does not record".
        others = [
            r
            for r in matching
            if r.action != rule.action and (r.occurrence is None or r.occurrence <= _occurrence(r, earlier))
        ]
        if course.setting is None and any(r.setting is not None for r in matching):
            state.needs.append(
                f"setting (early or metastatic): the label's rules for {event.term} differ by setting"
            )
        for feature, words in FEATURES.items():
            if getattr(event, feature) is None and len({getattr(r, feature) for r in matching}) > 1:
                state.needs.append(
                    f"whether the {event.term} from {event.onset} {words} ({feature}: true or false)"
                )
        if others:
            state.warnings.append(
                f"{label}: the label has other rules for this grade ({', '.join(o.id for o in others)}) that depend "
                f"on details the course does not record; the more conservative rule ({rule.id}) is applied."
            )
        unrecorded = _unrecorded(rule, event, _conditions(rule, event, ctx))
        if unrecorded and managed:
            state.warnings.append(
                f"{label}: already acted on (a dose was given on or after {event.resolved}); whether the label's "
                f"row {rule.id} applied cannot be checked ({'; '.join(unrecorded)})."
            )
            continue
        if unrecorded:
            # A row that needs a fact the course does not give is not applied blindly: hold until it is known.
            state.needs.extend(unrecorded)
            state.fire(
                "hold",
                rule.id,
                f"{label}: the label's row for this grade applies only under a condition the course does not "
                f"record; the dose is held until it is known. {rule.text}",
                source,
                refs,
            )
            continue
        if rule.action == "discontinue":
            state.fire("discontinue", rule.id, f"{label}: {rule.text}", source, refs)
            continue
        limit = _recovery_limit(rule, event)
        recovered = event.resolved is not None and (
            rule.hold_until_grade is None
            or event.resolved_grade is None
            or event.resolved_grade <= rule.hold_until_grade
        )
        recovered_on = event.resolved if recovered else None
        if limit is not None and (recovered_on or course.today) > limit:
            late = (
                f"recovered only on {recovered_on}"
                if recovered_on is not None
                else f"not recovered to grade ≤ {rule.hold_until_grade} by {course.today}"
            )
            text = (
                f"{label}: {late}, later than the label's {rule.discontinue_if_not_resolved_within_days} days "
                f"(limit {limit}). {rule.text}"
            )
            if recovered_on is not None and managed:
                state.warnings.append(
                    f"{text} Dosing was resumed after that recovery; the label says to discontinue — check."
                )
            else:
                state.fire("discontinue", rule.id, text, source, refs)
            continue
        by = f"; discontinue if not recovered by {limit}" if limit is not None else ""
        if event.resolved is None:
            action = "hold" if rule.action in ("hold", "reduce") else rule.action
            until = (
                f" (resume when grade ≤ {rule.hold_until_grade}{by})"
                if rule.hold_until_grade is not None
                else ""
            )
            state.fire(action, rule.id, f"{label}, unresolved: {rule.text}{until}", source, refs)
            continue
        if not recovered:
            state.fire(
                "hold",
                rule.id,
                f"{label}: improved to grade {event.resolved_grade} on {event.resolved}, not "
                f"yet to grade ≤ {rule.hold_until_grade}{by}. {rule.text}",
                source,
                refs,
            )
            continue
        assert event.resolved is not None
        reduce_by = rule.reduce_levels_on_resume
        days = (event.resolved - event.onset).days
        # The resolution window counts from when the row began to apply (e.g. "lasting 5 days or longer").
        window_days = days - (rule.duration_min_days or 0)
        if rule.resolve_within_days is not None and window_days > rule.resolve_within_days:
            reduce_by = max(reduce_by, rule.reduce_levels_if_resolved_later or 0)
        timing = f"resolved {event.resolved} ({days} days after onset)"
        if rule.action in ("hold", "reduce"):
            # Counted from the dose given before the resolution: a reduced dose already given on or after it is the
            # reduction (never applied twice); a dose above it does not cancel it (the monitor says so).
            state.reduce_on_resumption(rule.id, label, event.resolved, reduce_by, acted_on=managed)
        if not managed and rule.action in ("hold", "reduce"):
            state.resumed = True
            what = f"resume {'at a dose reduced by ' + str(reduce_by) + ' level(s)' if reduce_by else 'at the same dose'}"
            state.fire(
                "reduce" if reduce_by else "resume",
                rule.id,
                f"{label}, {timing}: {what}. {rule.text}",
                source,
                refs,
            )
        else:
            state.steps.append(
                Step(
                    rule=rule.id,
                    text=f"{label}, {timing}: already acted on (a dose was given on or after {event.resolved}). "
                    f"{rule.text}",
                    source=source,
                )
            )
            state.references.extend(refs)
