"""``monitor(course)``: what to do today on one HER2-directed agent, the next dose, the next LVEF.

The rules are knowledge-base records read from the labels: ``regimens`` (doses,
levels, missed-dose rules), ``cardiac_monitoring`` (LVEF tables), ``ae_rules``
(dose modifications by CTCAE grade) and ``lab_grading`` (CTCAE v5.0 grades of
laboratory values). This module replays the course against them:

1. LVEF readings in date order against the label's bands, counting holds and
   the duration of a decline (persistent decline and repeated holds stop the
   drug where the label says so);
2. adverse events and laboratory values, graded, against the label's rules
   (hold until a grade, resume at the same or a reduced level, the 28-day rule
   for trastuzumab deruxtecan ILD, permanent discontinuation);
3. the dose level of the last dose, any reduction still to apply, and the next
   dose: loading again after a gap longer than the label allows.

The most severe action wins (discontinue > hold > reduce > resume > continue).
Missing information the rules need (baseline LVEF, institutional LLN, ULN of a
liver test) holds the next dose and says what is needed — it is never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase, default_kb
from her2kit.kb.schema import AeRule, CardiacMonitoring, LabGrading, LvefBand, Regimen, Region, Setting
from her2kit.match.history import class_members
from her2kit.safety.course import AdverseEventEntry, Course, LabValue, LvefReading
from her2kit.safety.dosing import amount_mg, escalation_dose, levels, select_regimen
from her2kit.safety.regions import fallback_warning, in_region

SCHEMA_VERSION: Final = "1"
MonitorAction = Literal["continue", "hold", "resume", "reduce", "discontinue"]
SEVERITY: Final[dict[str, int]] = {"continue": 0, "resume": 1, "reduce": 2, "hold": 3, "discontinue": 4}
RULE_CAUTION: Final[dict[str, int]] = {"continue": 0, "hold": 1, "reduce": 2, "discontinue": 3}
# An unresolved adverse event at this grade or above with no label rule in the knowledge base holds the dose.
UNRULED_HOLD_GRADE: Final = 3
DOSE_MATCH_TOLERANCE = 0.05  # a given dose within 5% of a level's dose is taken to be that level


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Out):
    rule: str = Field(description="knowledge-base record id that fired")
    text: str
    source: str
    unverified: bool = Field(
        False,
        description="the record is marked unverified in the knowledge base (its note says what was read)",
    )


class NextDose(_Out):
    date: dt.date
    mg: float
    kind: Literal["loading", "maintenance"]
    dose_level: int


class MonitorResult(_Out):
    schema_version: Literal["1"] = SCHEMA_VERSION
    course_id: str
    kb_version: str
    agent: str
    regimen: str
    region: Literal["US", "EU"]
    action: MonitorAction
    next_dose: NextDose | None
    next_lvef_due: dt.date | None
    lvef_holds: int = Field(description="LVEF-driven holds counted over the course")
    needs: list[str] = Field(
        default_factory=list, description="information the rules need and the course lacks"
    )
    rationale: list[Step] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


@dataclass
class _State:
    action: str = "continue"
    steps: list[Step] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reductions: int = 0
    resumed: bool = False

    def fire(self, action: str, rule: str, text: str, source: str, refs: list[str]) -> None:
        if SEVERITY[action] > SEVERITY[self.action]:
            self.action = action
        self.steps.append(Step(rule=rule, text=text, source=source))
        self.references.extend(refs)


def _source(kb: KnowledgeBase, refs: list[str], section: str | None) -> str:
    ref = kb.references.get(refs[0]) if refs else None
    revised = f", revised {ref.revision_date.isoformat()}" if ref and ref.revision_date else ""
    where = f" section {section}" if section else ""
    return f"{refs[0] if refs else 'knowledge base'}{where}{revised}"


# ----------------------------------------------------------------------------------------------- cardiac
def cardiac_rules_for(
    kb: KnowledgeBase, agent_id: str, region: Region, setting: Setting | None = None
) -> tuple[list[CardiacMonitoring], list[str]]:
    """The agent's LVEF rule tables for the region and setting, and warnings on what stands in for what.

    US tables stand in for missing EU ones; a table for the other setting stands in for a missing one
    (the label's table for that setting is not in the knowledge base). Several tables come back only when
    the label's tables differ by setting and ``setting`` is not given.
    """
    name = kb.agents[agent_id].name
    records, fell_back = in_region(
        (r for r in kb.cardiac_monitoring.values() if agent_id in r.agents), region
    )
    notes = [fallback_warning("LVEF rules", name, region)] if fell_back and records else []
    settings = sorted({r.setting for r in records if r.setting is not None})
    if settings and setting is not None:
        fitting = [r for r in records if r.setting in (None, setting)]
        if fitting:
            records = fitting
        else:
            notes.append(
                f"The knowledge base has no LVEF table for {name} in {setting} disease; the label's "
                f"{' / '.join(settings)} table is applied instead — check the label."
            )
    elif settings and len(records) == 1:
        notes.append(
            f"The knowledge base's LVEF table for {name} is the label's table for {settings[0]} disease and "
            "the course gives no setting; it is applied — give the setting (early or metastatic)."
        )
    return records, notes


def _agent_ae_rules(kb: KnowledgeBase, agent_id: str, course: Course, state: _State) -> list[AeRule]:
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


def _band_matches(band: LvefBand, pct: float, decline: float, lln: float | None, chf: bool) -> bool | None:
    """True/False, or None when the band needs the institutional LLN and it is not given."""
    if band.symptomatic_chf is not None and band.symptomatic_chf != chf:
        return False
    if band.lvef_min is not None and pct < band.lvef_min:
        return False
    if band.lvef_max is not None and pct >= band.lvef_max:
        return False
    if band.decline_min is not None and decline < band.decline_min:
        return False
    if band.decline_max is not None and decline >= band.decline_max:
        return False
    if band.below_lln is not None:
        if lln is None:
            return None
        if (pct < lln) != band.below_lln:
            return False
    return True


def _recovered(rules: CardiacMonitoring, pct: float, decline: float, lln: float | None) -> bool | None:
    """Recovery as the label defines it; None when it needs the institutional LLN and it is not given."""
    floor = rules.recovered_lvef_min if rules.recovered_lvef_min is not None else lln
    if floor is None and any(b.below_lln for b in rules.bands):
        return None
    ok_floor = floor is None or pct >= floor
    ok_decline = rules.recovered_decline_max is None or decline <= rules.recovered_decline_max
    return ok_floor and ok_decline


@dataclass
class _Cardiac:
    holds: int = 0
    holding_since: dt.date | None = None
    holding_band: LvefBand | None = None
    last_band: LvefBand | None = None
    last_reading: LvefReading | None = None
    discontinued: bool = False


def _evaluate_cardiac(course: Course, rules: CardiacMonitoring, kb: KnowledgeBase, state: _State) -> _Cardiac:
    source = _source(kb, rules.references, rules.label_section)
    refs = list(rules.references)
    cardiac = _Cardiac()
    baseline = course.baseline_lvef
    if baseline is None:
        if rules.baseline_required:
            state.needs.append("baseline LVEF (echocardiogram or MUGA) before the first dose")
            state.fire(
                "hold",
                rules.id,
                "No LVEF recorded: the label requires a baseline LVEF before starting.",
                source,
                refs,
            )
        return cardiac
    if course.symptomatic_heart_failure:
        chf_bands = [b for b in rules.bands if b.symptomatic_chf]
        for band in chf_bands:
            state.fire(band.action, rules.id, f"Symptomatic heart failure: {band.text}", source, refs)
            cardiac.discontinued = band.action == "discontinue"
    readings = sorted(course.lvef, key=lambda r: (r.date, r is not baseline))
    last_dose = max((d.date for d in course.doses), default=None)
    lln = course.lvef_lower_limit_normal
    _baseline_gates(course, baseline, kb, state)

    def log(text: str) -> None:
        state.steps.append(Step(rule=rules.id, text=text, source=source))
        state.references.extend(refs)

    if rules.interval_weeks is None:
        log(f"LVEF monitoring: {' '.join(rules.interval_text.split())}")
    stop: str | None = None  # a discontinuation is final
    unknown_latest = False
    for reading in readings:
        decline = max(0.0, baseline.percent - reading.percent)
        matches: list[LvefBand] = []
        unknown = False
        for band in rules.bands:
            if band.symptomatic_chf:
                continue
            hit = _band_matches(band, reading.percent, decline, lln, course.symptomatic_heart_failure)
            if hit is None:
                unknown = True
            elif hit:
                matches.append(band)
        worst = max(matches, key=lambda b: SEVERITY[b.action], default=None)
        label = f"LVEF {reading.percent:g}% on {reading.date} (baseline {baseline.percent:g}%, decrease {decline:g} points)"
        unknown_latest = unknown and worst is None
        if stop is not None:
            log(f"{label} (after discontinuation)")
        elif cardiac.holding_since is not None:
            recovered_raw = _recovered(rules, reading.percent, decline, lln)
            if recovered_raw is None:
                state.needs.append(
                    "the institutional lower limit of normal for LVEF (lvef_lower_limit_normal)"
                )
            recovered = bool(recovered_raw) and (worst is None or worst.action == "continue")
            on_recheck = cardiac.holding_band.on_recheck if cardiac.holding_band else None
            weeks = (reading.date - cardiac.holding_since).days / 7
            if recovered:
                reduce_by = cardiac.holding_band.reduce_levels_on_resume if cardiac.holding_band else 0
                # The resumption (and any reduction) is still to come only if no dose was given since the recovery.
                pending = last_dose is None or reading.date >= last_dose
                if not pending:
                    reduce_by = 0
                cardiac.holding_since = None
                cardiac.holding_band = None
                state.resumed = state.resumed or pending
                state.reductions += reduce_by
                resume = f"resume {reduce_by} dose level(s) lower" if reduce_by else "resume"
                log(f"{label}: recovered — {' '.join((rules.recovered_text or resume).split())}")
                if reduce_by:
                    state.fire(
                        "reduce",
                        rules.id,
                        f"The label's row for this hold resumes at a reduced dose: {resume}.",
                        source,
                        refs,
                    )
            elif (
                on_recheck == "discontinue-if-not-recovered-within"
                and cardiac.holding_band is not None
                and cardiac.holding_band.recheck_weeks is not None
                and weeks < cardiac.holding_band.recheck_weeks
            ):
                log(
                    f"{label}: not yet recovered, {weeks:.1f} weeks into the label's "
                    f"{cardiac.holding_band.recheck_weeks:g}-week recovery window; the hold continues."
                )
            elif on_recheck in (
                "discontinue-if-confirmed",
                "discontinue-if-not-recovered",
                "discontinue-if-not-recovered-within",
            ):
                stop = f"{label}: not recovered at the repeat assessment — " + (
                    cardiac.holding_band.text if cardiac.holding_band else ""
                )
            elif rules.persistent_decline_weeks is not None and weeks > rules.persistent_decline_weeks:
                stop = (
                    f"{label}: decline persisting {weeks:.1f} weeks (> {rules.persistent_decline_weeks:g}); "
                    "the label says to discontinue."
                )
            else:
                log(f"{label}: not yet recovered; the hold continues.")
        elif worst is not None and worst.action == "discontinue":
            stop = f"{label}: {worst.text}"
        elif worst is not None and worst.action == "hold":
            cardiac.holds += 1
            cardiac.holding_since = reading.date
            cardiac.holding_band = worst
            state.resumed = False
            log(f"{label}: {worst.text} (hold {cardiac.holds})")
            if rules.max_holds is not None and cardiac.holds > rules.max_holds:
                stop = (
                    f"Held {cardiac.holds} times for LVEF decline (more than {rules.max_holds}); the label "
                    "says to discontinue."
                )
        elif worst is not None:
            log(f"{label}: {worst.text}")
        else:
            log(f"{label}: no dose modification in the label's table")
        cardiac.last_reading = reading
        cardiac.last_band = worst
    if stop is not None:
        cardiac.discontinued = True
        state.fire("discontinue", rules.id, stop, source, refs)
    elif cardiac.holding_since is not None:
        weeks = (course.today - cardiac.holding_since).days / 7
        if rules.persistent_decline_weeks is not None and weeks > rules.persistent_decline_weeks:
            cardiac.discontinued = True
            state.fire(
                "discontinue",
                rules.id,
                f"LVEF decline unresolved for {weeks:.1f} weeks (> "
                f"{rules.persistent_decline_weeks:g}); the label says to discontinue.",
                source,
                refs,
            )
        else:
            held = cardiac.holding_band
            if (
                held is not None
                and held.on_recheck == "discontinue-if-not-recovered-within"
                and held.recheck_weeks is not None
                and weeks >= held.recheck_weeks
            ):
                state.needs.append(
                    f"a repeat LVEF: the label's {held.recheck_weeks:g}-week recovery window has ended "
                    "(not recovered then: discontinue)"
                )
            state.fire(
                "hold",
                rules.id,
                "LVEF-driven hold continues until a repeat assessment shows recovery.",
                source,
                refs,
            )
    elif unknown_latest:
        state.needs.append("the institutional lower limit of normal for LVEF (lvef_lower_limit_normal)")
        state.fire(
            "hold",
            rules.id,
            "The latest LVEF falls under a label rule that uses the institutional lower "
            "limit of normal, which the course does not give; the dose is held until it can be evaluated.",
            source,
            refs,
        )
    return cardiac


def _baseline_gates(course: Course, baseline: LvefReading, kb: KnowledgeBase, state: _State) -> None:
    """Baseline LVEF below the level the label studied (safety gates of the knowledge base)."""
    agent_id = kb.agent(course.agent).id
    for gate in kb.safety_gates.values():
        threshold = gate.lvef_below
        if (
            gate.condition == "lvef-below"
            and agent_id in gate.agents
            and threshold
            and baseline.percent < threshold
        ):
            state.warnings.append(
                f"Baseline LVEF {baseline.percent:g}% is below {threshold:g}%: {gate.text} "
                f"[{gate.id}; {_source(kb, gate.references, gate.label_section)}]"
            )


# ----------------------------------------------------------------------------------------------- AEs and labs
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


def _lab_events(
    course: Course, rules: list[AeRule], kb: KnowledgeBase, state: _State
) -> list[AdverseEventEntry]:
    """Laboratory series as graded events: an event opens at the lowest grade any label rule of this agent acts
    on (lower grades carry no dose modification), escalates with the worst grade, and closes — resolved to the new
    grade — when the grade falls; a fall that still reaches an actionable grade opens the next event."""
    events: list[AdverseEventEntry] = []
    gradings = {g.term: g for g in kb.lab_grading.values()}
    for test in sorted({lab.test for lab in course.labs}):
        grading = gradings.get(test)
        if grading is None:
            state.warnings.append(f"No CTCAE grading for {test} in the knowledge base; values not graded.")
            continue
        actionable = min(
            (r.grade_min for r in rules if r.term == test),
            default=None,
        )
        if actionable is None:
            continue
        onset: dt.date | None = None
        worst = 0
        last: LabValue | None = None
        for lab in sorted((lab for lab in course.labs if lab.test == test), key=lambda lab: lab.date):
            grade = _lab_grade(lab, grading)
            if grade is None:
                state.needs.append(f"the upper limit of normal (uln) for {test} on {lab.date}")
                continue
            last = lab
            if onset is not None and grade < worst:
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
                    text=f"{test}: latest {last.value:g} {last.unit} on {last.date} = "
                    f"{_grade_text(_lab_grade(last, grading), grading)}",
                    source=_source(kb, grading.references, grading.version),
                )
            )
            state.references.extend(grading.references)
    return events


FEATURES: Final[dict[str, str]] = {
    "complicated": "has complicating features (dehydration, fever, hypotension, renal failure, grade 3-4 "
    "neutropenia, as the label lists them)",
    "despite_treatment": "persists despite optimal supportive (e.g. antidiarrhoeal) treatment",
}


def _event_days(event: AdverseEventEntry, today: dt.date) -> int:
    """How long the event has lasted: onset to resolution, or to today while unresolved."""
    return ((event.resolved or today) - event.onset).days


def _applies(rule: AeRule, event: AdverseEventEntry, today: dt.date) -> bool | None:
    """Whether a rule of the event's term and grade applies; None when it depends on a feature not recorded."""
    days = _event_days(event, today)
    if rule.duration_min_days is not None and days < rule.duration_min_days:
        return False
    if rule.duration_max_days is not None and days >= rule.duration_max_days:
        return False
    unknown = False
    for feature in FEATURES:
        wanted = getattr(rule, feature)
        if wanted is None:
            continue
        recorded = getattr(event, feature)
        if recorded is None:
            unknown = True
        elif recorded != wanted:
            return False
    return None if unknown else True


def _matching_rules(rules: list[AeRule], event: AdverseEventEntry, today: dt.date) -> list[AeRule]:
    """The agent's rules for the event's term, grade, duration and features; the label's "other adverse
    reactions" rules when the agent has no rule of its own for the term. Rules that depend on a feature
    the course does not record stay in (the caller applies the most cautious and asks for the feature)."""
    own_term = any(r.term == event.term for r in rules)
    term = event.term if own_term else "other"
    return [
        r
        for r in rules
        if r.term == term
        and r.grade_min <= event.grade <= r.grade_max
        and _applies(r, event, today) is not False
    ]


def _occurrence(rule: AeRule, earlier: list[AdverseEventEntry]) -> int:
    """Which occurrence this event is for a rule: earlier events of the term in the rule's grade range, plus one."""
    return 1 + sum(1 for e in earlier if rule.grade_min <= e.grade <= rule.grade_max)


def _ae_rule(
    rules: list[AeRule], event: AdverseEventEntry, earlier: list[AdverseEventEntry], today: dt.date
) -> AeRule | None:
    """The rule for one event: among the rows that match, the one for this occurrence (an occurrence-specific
    row counts earlier events of the same term in its own grade range, so an earlier grade 1 event does not make a
    first grade 2 event a recurrence; the highest occurrence row applies to later ones), else the general rows."""
    rules = _matching_rules(rules, event, today)
    specific = [r for r in rules if r.occurrence is not None and r.occurrence == _occurrence(r, earlier)]
    general = [r for r in rules if r.occurrence is None]
    later = sorted(
        (r for r in rules if r.occurrence is not None and r.occurrence < _occurrence(r, earlier)),
        key=lambda r: r.occurrence or 0,
    )
    chosen = specific or general or later[-1:]
    # When the label distinguishes cases the course does not record (e.g. with or without optimal
    # antidiarrhoeal treatment), the more conservative rule applies: discontinue, then hold-and-reduce, then hold.
    return max(chosen, key=lambda r: (RULE_CAUTION[r.action], r.reduce_levels_on_resume), default=None)


def _evaluate_events(
    course: Course, rules: list[AeRule], last_dose: dt.date | None, kb: KnowledgeBase, state: _State
) -> None:
    events = sorted([*course.adverse_events, *_lab_events(course, rules, kb, state)], key=lambda e: e.onset)
    for index, event in enumerate(events):
        earlier = [e for e in events[:index] if e.term == event.term]
        rule = _ae_rule(rules, event, earlier, course.today)
        label = f"{event.term} grade {event.grade} from {event.onset}"
        if rule is None:
            if event.grade >= UNRULED_HOLD_GRADE and event.resolved is None:
                # Missing knowledge is not a reason to continue: hold and say what to check.
                state.needs.append(
                    f"the label's dose modification for {event.term} grade {event.grade} "
                    "(prescribing information section 2; not in the knowledge base)"
                )
                state.fire(
                    "hold",
                    "knowledge-base-gap",
                    f"{label}: the knowledge base has no label rule for this event at this grade; the dose is held "
                    "until a clinician checks the label. This is not a label rule.",
                    "knowledge base",
                    [],
                )
            else:
                state.warnings.append(
                    f"{label}: no dose-modification rule for this agent in the knowledge base."
                )
            continue
        if rule.term == "other" and event.term != "other":
            label += " (no rule of its own for this agent: the label's rule for other adverse reactions)"
        source = _source(kb, rule.references, rule.label_section)
        refs = list(rule.references)
        matching = _matching_rules(rules, event, course.today)
        others = [r for r in matching if r.action != rule.action]
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
        if rule.action == "discontinue":
            state.fire("discontinue", rule.id, f"{label}: {rule.text}", source, refs)
            continue
        if event.resolved is None:
            action = "hold" if rule.action in ("hold", "reduce") else rule.action
            until = (
                f" (resume when grade ≤ {rule.hold_until_grade})" if rule.hold_until_grade is not None else ""
            )
            state.fire(action, rule.id, f"{label}, unresolved: {rule.text}{until}", source, refs)
            continue
        if (
            rule.hold_until_grade is not None
            and event.resolved_grade is not None
            and event.resolved_grade > rule.hold_until_grade
        ):
            state.fire(
                "hold",
                rule.id,
                f"{label}: improved to grade {event.resolved_grade} on {event.resolved}, not "
                f"yet to grade ≤ {rule.hold_until_grade}. {rule.text}",
                source,
                refs,
            )
            continue
        # Resolved: a reduction is still to apply if it resolved after the last dose given.
        pending = last_dose is None or event.resolved >= last_dose
        reduce_by = rule.reduce_levels_on_resume
        days = (event.resolved - event.onset).days
        # The resolution window counts from when the row began to apply (e.g. "lasting 5 days or longer").
        window_days = days - (rule.duration_min_days or 0)
        if rule.resolve_within_days is not None and window_days > rule.resolve_within_days:
            reduce_by = max(reduce_by, rule.reduce_levels_if_resolved_later or 0)
        timing = f"resolved {event.resolved} ({days} days after onset)"
        if pending and rule.action in ("hold", "reduce"):
            state.reductions += reduce_by
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
                    text=f"{label}, {timing}: already managed before the last dose. {rule.text}",
                    source=source,
                )
            )
            state.references.extend(refs)


# ----------------------------------------------------------------------------------------------- dosing
def _infer_level(regimen: Regimen, course: Course, state: _State) -> tuple[int, bool]:
    """The dose level of the last dose given (and whether it was a loading dose)."""
    if not course.doses:
        return 0, False
    last = max(course.doses, key=lambda d: d.date)
    weight = course.weight_on(last.date)
    if course.escalation:
        step = escalation_dose(regimen, _treatment_day(course, last.date))
        if step is not None and abs(amount_mg(step, weight) - last.mg) <= DOSE_MATCH_TOLERANCE * last.mg:
            return 0, False
    candidates: list[tuple[int, float, bool]] = []
    if regimen.loading_dose is not None:
        candidates.append((0, amount_mg(regimen.loading_dose, weight), True))
    for lvl in levels(regimen):
        candidates.append((lvl.level, amount_mg(lvl.dose, weight), False))
    level, mg, loading = min(candidates, key=lambda c: abs(c[1] - last.mg))
    if abs(mg - last.mg) > DOSE_MATCH_TOLERANCE * mg:
        state.warnings.append(
            f"The last dose ({last.mg:g} mg on {last.date}) matches no label dose level at {weight or '?'} kg; "
            f"taken as level {level} ({mg:g} mg), the nearest."
        )
    return level, loading


def _reload_needed(regimen: Regimen, delay_days: int) -> tuple[bool, str | None]:
    for rule in regimen.missed_dose:
        if (
            rule.reload
            and (rule.min_delay_days is None or delay_days >= rule.min_delay_days)
            and (rule.max_delay_days is None or delay_days <= rule.max_delay_days)
        ):
            return True, f"{rule.condition}: {rule.action}"
    return False, None


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
    state = _State()
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
    cardiac = _evaluate_cardiac(course, cardiac_rules, kb, state) if cardiac_rules else _Cardiac()
    if len(tables) > 1:
        state.needs.append("setting (early or metastatic): the label's LVEF rules differ by setting")
        state.fire(
            "hold",
            tables[0].id,
            f"The label's LVEF tables differ by disease setting ({', '.join(t.id for t in tables)}) and the "
            "course does not give its setting; the LVEF readings cannot be judged.",
            _source(kb, tables[0].references, tables[0].label_section),
            list(tables[0].references),
        )
    if not tables and (course.lvef or course.symptomatic_heart_failure):
        _no_lvef_table(course, agent.name, state)
    _evaluate_events(course, _agent_ae_rules(kb, agent.id, course, state), last_dose, kb, state)
    _interactions(course, agent.id, kb, state)

    level, last_was_loading = _infer_level(regimen, course, state)
    ladder = levels(regimen)
    lowest = min(lvl.level for lvl in ladder)
    new_level = level - state.reductions
    if state.reductions and not regimen.dose_levels:
        state.warnings.append(
            f"The label gives no dose-reduction levels for {agent.name}; no reduction is applied."
        )
        new_level = level
    if new_level < lowest:
        if regimen.discontinue_if_below_lowest:
            state.fire(
                "discontinue",
                regimen.id,
                f"A reduction below the lowest dose level ({lowest}) is needed; "
                "the label says to discontinue.",
                _source(kb, list(regimen.references), regimen.label_section),
                list(regimen.references),
            )
        else:
            state.warnings.append(
                "A reduction below the lowest label dose level is needed; the label's text does "
                "not say more here — discuss with the prescriber."
            )
        new_level = lowest

    action = state.action
    if action == "continue" and state.resumed:
        action = "resume"
    next_dose = None
    if action in ("continue", "resume", "reduce"):
        next_dose = _next_dose(regimen, course, new_level, last_dose, last_was_loading, state, kb)
    return MonitorResult(
        course_id=course.id,
        kb_version=kb.version,
        agent=agent.name,
        regimen=regimen.id,
        region=course.region,
        action=action,
        next_dose=next_dose,
        next_lvef_due=_next_lvef(course, cardiac_rules, cardiac),
        lvef_holds=cardiac.holds,
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
    last_was_loading: bool,
    state: _State,
    kb: KnowledgeBase,
) -> NextDose:
    weight = course.weight_on(course.today)
    source = _source(kb, list(regimen.references), regimen.label_section)
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
        reload, why = _reload_needed(regimen, delay) if delay > 0 else (False, None)
        if reload and regimen.loading_dose is not None:
            kind = "loading"
            state.steps.append(Step(rule=regimen.id, text=f"Dose {delay} days late: {why}", source=source))
        elif delay > 0:
            state.steps.append(
                Step(
                    rule=regimen.id,
                    text=f"Dose {delay} days late: give as soon as possible; "
                    + "; ".join(f"{m.condition}: {m.action}" for m in regimen.missed_dose),
                    source=source,
                )
            )
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
            steps = "; ".join(
                f"days {s.from_day}-{s.to_day} {s.dose.value:g} {s.dose.unit}"
                if s.to_day is not None
                else f"from day {s.from_day} {s.dose.value:g} {s.dose.unit}"
                for s in regimen.escalation_steps
            )
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
    del last_was_loading
    return NextDose(date=date, mg=mg, kind=kind, dose_level=0 if kind == "loading" else level)


def _no_lvef_table(course: Course, agent: str, state: _State) -> None:
    """LVEF information for an agent whose label table is not in the knowledge base: never judged silently."""
    if course.symptomatic_heart_failure:
        state.needs.append(
            f"the label's rule for symptomatic heart failure on {agent} (not in the knowledge base)"
        )
        state.fire(
            "hold",
            "knowledge-base-gap",
            f"Symptomatic heart failure: the knowledge base has no LVEF rules for {agent}; the dose is held until a "
            "clinician checks the label. This is not a label rule.",
            "knowledge base",
            [],
        )
    else:
        state.warnings.append(
            f"The knowledge base has no LVEF rules for {agent}: the LVEF readings were not judged against its label — "
            "check the prescribing information."
        )


def _flag_unverified(kb: KnowledgeBase, step: Step) -> Step:
    records = (kb.regimens, kb.cardiac_monitoring, kb.ae_rules, kb.lab_grading, kb.safety_gates)
    record = next((section[step.rule] for section in records if step.rule in section), None)
    return step.model_copy(update={"unverified": True}) if record is not None and record.unverified else step


def _treatment_day(course: Course, date: dt.date) -> int:
    """Day of treatment on a date: day 1 is the first dose (or the date itself when none was given)."""
    first = min((d.date for d in course.doses), default=date)
    return (date - first).days + 1


def _next_lvef(course: Course, rules: CardiacMonitoring | None, cardiac: _Cardiac) -> dt.date | None:
    if rules is None:
        return None
    if course.baseline_lvef is None:
        return course.today
    last = cardiac.last_reading or course.baseline_lvef
    band = cardiac.holding_band or cardiac.last_band
    if band is not None and band.recheck_weeks is not None:
        return last.date + dt.timedelta(weeks=band.recheck_weeks)
    if rules.interval_weeks is not None:
        return last.date + dt.timedelta(weeks=rules.interval_weeks)
    return None


def _interactions(course: Course, agent_id: str, kb: KnowledgeBase, state: _State) -> None:
    medications = {" ".join(m.lower().split()) for m in course.medications}
    if not medications:
        return
    for gate in kb.safety_gates.values():
        if gate.condition != "interacting-medication" or agent_id not in gate.agents:
            continue
        for class_id in gate.drug_classes:
            drug_class = kb.drug_classes[class_id]
            hits = sorted(medications & class_members(kb, drug_class.name))
            if hits:
                text = f"{', '.join(hits)} ({drug_class.name}): {gate.text}"
                state.steps.append(
                    Step(rule=gate.id, text=text, source=_source(kb, gate.references, gate.label_section))
                )
                state.references.extend(gate.references)
                if gate.severity == "contraindication":
                    state.warnings.append(f"Interaction to avoid: {text}")
