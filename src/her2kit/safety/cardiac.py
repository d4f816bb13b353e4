"""LVEF rules: the label's LVEF table for the course (region, setting), replayed over the readings in date order.

Readings and their decrease from baseline are compared in exact decimal arithmetic against bounds that name their
comparison (``lvef_gt: 45`` is "greater than 45%"). A hold opens at a band whose action is hold and closes when the
label's recovery criterion is met, but not before the label's minimum withholding period ("withhold ... for at
least 4 weeks") and not after its resumption window ("may be resumed if, within 8 weeks, ..."); it ends in
discontinuation when the band says so at the repeat assessment ("if ... is confirmed": only a reading that meets
the row again confirms, any other is judged afresh), when a decline persists longer than the label allows, or when
holds exceed the label's maximum. Only a reading shows that a decline persists: a missing repeat reading keeps the
hold and asks for it. Readings dated before a marked baseline are not judged (a warning names them). Symptomatic
heart failure without a label row, and readings for an agent whose
label table the knowledge base lacks, hold the dose as a knowledge gap.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import BoundOp, CardiacMonitoring, LvefBand, Region, Setting
from her2kit.safety.course import Course, LvefReading
from her2kit.safety.regions import fallback_warning, in_region
from her2kit.safety.result import KNOWLEDGE_GAP, SEVERITY, State, Step, source_text


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


OPS: Final[dict[BoundOp, Callable[[Decimal, Decimal], bool]]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<": operator.lt,
    "<=": operator.le,
}

# her2kit safety convention for an agent whose label has an LVEF table the knowledge base lacks
# (``label_table_missing``): NOT a label rule. A reading below 50% or a decrease of 10 points or more is where the
# HER2-antibody LVEF tables of the knowledge base start to act (every withhold row needs a decrease of 10 points or
# more, or an LVEF below 40-50%), so such a reading is held as a knowledge gap until a clinician applies the label.
GAP_LVEF_BELOW: Final = Decimal(50)
GAP_DECLINE_AT_LEAST: Final = Decimal(10)
GAP_THRESHOLD: Final = (
    f"an LVEF below {GAP_LVEF_BELOW}% or a decrease of {GAP_DECLINE_AT_LEAST} points or more from baseline"
)
GAP_CONVENTION: Final = (
    f"{GAP_THRESHOLD} (a her2kit safety convention pending the label's table, not a label rule: the level at which "
    "the HER2-antibody LVEF tables in the knowledge base begin to act)"
)


def _gap_reading(baseline: LvefReading, reading: LvefReading) -> tuple[bool, str]:
    """Whether ``reading`` meets :data:`GAP_THRESHOLD` against ``baseline``, and the reading in words."""
    pct = _dec(reading.percent)
    decline = max(Decimal(0), _dec(baseline.percent) - pct)
    label = f"LVEF {reading.percent:g}% on {reading.date} (baseline {baseline.percent:g}%, decrease {_num(decline)} points)"
    return pct < GAP_LVEF_BELOW or decline >= GAP_DECLINE_AT_LEAST, label


def _dec(value: float) -> Decimal:
    """A reading or a bound as the decimal written (64.1 is 64.1, not 64.09999...): ``repr`` of a float is the
    shortest string that reads back as it, so the subtraction below is exact for what the course and the
    knowledge base say."""
    return Decimal(repr(value))


def _num(value: Decimal) -> str:
    """A decimal without trailing zeros: 16, 20.1."""
    return format(value.normalize(), "f")


def _band_matches(
    band: LvefBand, pct: Decimal, decline: Decimal, lln: Decimal | None, chf: bool
) -> bool | None:
    """True/False, or None when the band needs the institutional LLN and it is not given."""
    if band.symptomatic_chf is not None and band.symptomatic_chf != chf:
        return False
    for measure, op, bound in band.bounds():
        if not OPS[op](pct if measure == "lvef" else decline, _dec(bound)):
            return False
    if band.below_lln is not None:
        if lln is None:
            return None
        if (pct < lln) != band.below_lln:
            return False
    return True


def _recovered(rules: CardiacMonitoring, pct: Decimal, decline: Decimal, lln: Decimal | None) -> bool | None:
    """Recovery as the label defines it; None when it needs the institutional LLN and it is not given."""
    floor = _dec(rules.recovered_lvef_min) if rules.recovered_lvef_min is not None else lln
    if floor is None and any(b.below_lln for b in rules.bands):
        return None
    ok_floor = floor is None or pct >= floor
    ok_decline = rules.recovered_decline_max is None or decline <= _dec(rules.recovered_decline_max)
    return ok_floor and ok_decline


def _confirms(held: LvefBand, matches: list[LvefBand]) -> bool:
    """Whether a repeat reading confirms a "discontinue if confirmed" hold: it meets the row of the hold again, or
    another row with the same confirmation rule (Enhertu's one row "LVEF less than 40% or absolute decrease from
    baseline is greater than 20%" is two bands)."""
    return any(
        band is held or (band.action == "hold" and band.on_recheck == "discontinue-if-confirmed")
        for band in matches
    )


@dataclass
class CardiacState:
    holds: int = 0
    holding_since: dt.date | None = None
    holding_percent: Decimal | None = None  # the reading that opened the open hold
    holding_band: LvefBand | None = None
    periods: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)  # LVEF holds: start, end
    last_band: LvefBand | None = None
    last_reading: LvefReading | None = None
    # A recovery shown before the label's minimum withholding period ended: the reading and the earliest date
    # dosing may resume (the hold stays open until then).
    deferred: tuple[LvefReading, dt.date] | None = None
    # Needs asking whether to discontinue after a repeat reading of the open hold that had not improved: dropped when
    # a later reading recovers and the hold ends (the recovery settles the question; never "resume" next to it).
    decision_needs: list[str] = field(default_factory=list)
    # A repeat LVEF or the prescriber's decision on one has been asked for (monitor.py does not ask again).
    repeat_asked: bool = False
    # The replay's state, read when the next LVEF is dated (no repeat date after a discontinuation).
    state: State | None = None

    def minimum_hold_text(self) -> str:
        """The open hold's minimum withholding period in words ("at least 4 weeks from the hold of ...")."""
        weeks = self.holding_band.min_hold_weeks if self.holding_band is not None else None
        return f"at least {weeks or 0:g} weeks from the hold of {self.holding_since}"


def evaluate_cardiac(
    course: Course, rules: CardiacMonitoring, kb: KnowledgeBase, state: State
) -> CardiacState:
    source = source_text(kb, rules.references, rules.label_section)
    refs = list(rules.references)
    cardiac = CardiacState(state=state)
    agent = kb.agent(course.agent).name
    if rules.label_table_missing:
        return _label_table_missing(course, rules, agent, source, state, cardiac)
    if course.symptomatic_heart_failure:
        chf_bands = [b for b in rules.bands if b.symptomatic_chf]
        for band in chf_bands:
            state.fire(band.action, rules.id, f"Symptomatic heart failure: {band.text}", source, refs)
        if not chf_bands:
            _heart_failure_gap(
                state,
                agent,
                f"the knowledge base's LVEF table for {agent} ({rules.id}) has no row for heart failure",
            )
    baseline = course.baseline_lvef
    if baseline is None:
        if rules.baseline_required:
            state.needs.append(
                "baseline LVEF (echocardiogram or MUGA) before the first dose"
                + (
                    "; or mark the reading that serves as the baseline (baseline: true)"
                    if course.lvef
                    else ""
                )
            )
            state.fire(
                "hold",
                rules.id,
                f"{no_baseline_words(course)}: the label requires a baseline LVEF before starting.",
                source,
                refs,
            )
        return cardiac
    readings = _from_baseline(course, baseline, state)
    last_dose = max((d.date for d in course.doses), default=None)
    lln = _dec(course.lvef_lower_limit_normal) if course.lvef_lower_limit_normal is not None else None
    _baseline_gates(course, baseline, kb, state)

    def log(text: str) -> None:
        state.steps.append(Step(rule=rules.id, text=text, source=source))
        state.references.extend(refs)

    if lln is None and rules.lln_if_not_given is not None and any(b.below_lln for b in rules.bands):
        lln = _dec(rules.lln_if_not_given)
        log(
            f"No institutional lower limit of normal for LVEF is given (lvef_lower_limit_normal): "
            f"{rules.lln_if_not_given:g}% (the label's value where no limits are available) is used."
        )

    def resume(on: dt.date, text: str, recovery_words: bool = True) -> None:
        """Close the hold: dosing may resume on ``on`` (at a reduced level where the row says so); the step quotes
        the label's recovery criterion unless the hold ends otherwise (``recovery_words`` false)."""
        held = cardiac.holding_band
        assert held is not None
        assert cardiac.holding_since is not None
        # The resumption (and any reduction) is still to come only if no dose was given on or after that day: a dose
        # on the day of the recovered reading (echo in the morning, infusion in the afternoon) has acted on it.
        pending = last_dose is None or last_dose < on
        levels = held.reduce_levels_on_resume
        since = cardiac.holding_since
        cardiac.periods.append((since, on))
        cardiac.holding_since = None
        cardiac.holding_band = None
        cardiac.deferred = None
        state.resumed = state.resumed or pending
        if cardiac.decision_needs:
            state.needs[:] = [n for n in state.needs if n not in cardiac.decision_needs]
            log(
                "The prescriber's decision asked for after a repeat reading of the hold that had not improved is not "
                f"asked any more: the hold continued and LVEF has since recovered ({text.split(';')[0]})."
            )
            cardiac.decision_needs = []
        cardiac.repeat_asked = False  # (the hold has ended: a later hold asks afresh)
        # Counted from the dose given before the resumption date: a reduced dose already given on or after it is the
        # reduction (never applied twice); a higher dose given since does not cancel it.
        state.reduce_on_resumption(rules.id, f"LVEF hold of {since}", on, levels, acted_on=not pending)
        words = f"resume {levels} dose level(s) lower" if levels else "resume"
        if recovery_words:
            log(f"{text} — {' '.join((rules.recovered_text or words).split())}")
        else:
            log(f"{text} The hold ends: {words}.")
        if levels and pending:
            state.fire(
                "reduce",
                rules.id,
                f"The label's row for this hold resumes at a reduced dose: {words}.",
                source,
                refs,
            )
        elif levels:
            log(
                f"The label's row for this hold resumes at a reduced dose ({words}): already acted on (a dose was "
                f"given on or after {on}); the reduction counts from the dose given before then."
            )

    def during_hold(
        reading: LvefReading,
        label: str,
        pct: Decimal,
        decline: Decimal,
        matches: list[LvefBand],
        worst: LvefBand | None,
        unknown: bool,
    ) -> str | None:
        """A reading while a hold is open: the hold resumes, continues, changes row or ends in discontinuation
        (returned: the reason)."""
        held = cardiac.holding_band
        since = cardiac.holding_since
        assert held is not None
        assert since is not None
        recovered_raw = _recovered(rules, pct, decline, lln)
        if recovered_raw is None:
            state.needs.append("the institutional lower limit of normal for LVEF (lvef_lower_limit_normal)")
        recovered = bool(recovered_raw) and (worst is None or worst.action == "continue")
        weeks = (reading.date - since).days / 7
        verdict = f"{label}: recovered"
        if held.on_recheck == "discontinue-if-confirmed" and not recovered:
            # "If ... is confirmed, permanently discontinue": only a repeat reading that meets the row again
            # confirms; any other is judged afresh against the table.
            if _confirms(held, matches):
                return f"{label}: confirmed at the repeat assessment — {held.text}"
            if worst is not None and worst.action == "discontinue":
                return f"{label}: not confirmed, judged afresh — {worst.text}"
            if worst is not None and worst.action == "hold":
                cardiac.holding_band = worst
                cardiac.deferred = None
                log(
                    f"{label}: the repeat assessment does not confirm the row of the hold; judged afresh, the hold "
                    f"continues under the row: {worst.text}"
                )
                return None
            if unknown:
                state.needs.append(
                    "the institutional lower limit of normal for LVEF (lvef_lower_limit_normal)"
                )
                log(f"{label}: not confirmed; it cannot be judged afresh without the institutional LLN.")
                return None
            row = worst.text if worst else "no dose modification in the label's table"
            return recovery(
                reading,
                f"{label}: not confirmed at the repeat assessment; judged afresh — {row}",
                weeks,
                False,
            )
        if recovered:
            return recovery(reading, verdict, weeks)
        if (
            held.on_recheck == "discontinue-if-not-recovered-within"
            and held.recheck_weeks is not None
            and weeks < held.recheck_weeks
        ):
            cardiac.deferred = None
            log(
                f"{label}: not yet recovered, {weeks:.1f} weeks into the label's {held.recheck_weeks:g}-week recovery "
                "window; the hold continues."
            )
            return None
        if held.on_recheck in ("discontinue-if-not-recovered", "discontinue-if-not-recovered-within"):
            return f"{label}: not recovered at the repeat assessment — {held.text}"
        if rules.persistent_decline_weeks is not None and weeks > rules.persistent_decline_weeks:
            return (
                f"{label}: decline persisting {weeks:.1f} weeks (> {rules.persistent_decline_weeks:g}); the label "
                "says to discontinue."
            )
        cardiac.deferred = None
        log(
            f"{label}: not yet recovered; the hold continues. The row of the hold: {' '.join(held.text.split())}"
        )
        opened = cardiac.holding_percent
        previous = cardiac.last_reading
        # "Declined further": below the reading that opened the hold, or below an earlier repeat reading of the hold.
        declined = previous is not None and previous.date > since and pct < Decimal(str(previous.percent))
        if (
            held.on_recheck == "resume-if-recovered"
            and rules.persistent_decline_weeks is None
            and opened is not None
            and (pct <= opened or declined)
        ):
            # The record sets no automatic end of the hold (no persistence limit): a repeat reading that has not
            # improved is where labels word a discontinuation the schema cannot hold ("has not improved or has
            # declined further"); the hold continues and the decision is asked for, quoting the row.
            need = (
                f"the prescriber's decision: LVEF {reading.percent:g}% on {reading.date} "
                + (
                    f"has declined further since the repeat reading of {previous.date} ({previous.percent:g}%)"
                    if declined and previous is not None and pct > opened
                    else f"has not improved since the reading that opened the hold ({_num(opened)}% on {since})"
                )
                + "; the label's row: "
                + " ".join(held.text.split())
            )
            state.needs.append(need)
            cardiac.decision_needs.append(need)
            cardiac.repeat_asked = True
        return None

    def recovery(reading: LvefReading, verdict: str, weeks: float, recovery_words: bool = True) -> str | None:
        """A recovered reading during a hold: resume, unless it came after the label's resumption window
        (discontinue, or hold and ask) or before the end of its minimum withholding period (the hold continues)."""
        held = cardiac.holding_band
        since = cardiac.holding_since
        assert held is not None
        assert since is not None
        within_band = held.recheck_weeks if held.on_recheck == "discontinue-if-not-recovered-within" else None
        window = rules.resume_within_weeks
        if within_band is not None and weeks > within_band:
            return (
                f"{verdict}, but only {weeks:.1f} weeks after the hold of {since}, after the label's "
                f"{within_band:g}-week window — {held.text}"
            )
        if window is not None and weeks > window:
            late = (
                f"recovery first documented {weeks:.1f} weeks after the hold of {since}, after the label's "
                f"{window:g}-week resumption window"
            )
            if rules.persistent_decline_weeks is not None and weeks > rules.persistent_decline_weeks:
                return (
                    f"{verdict}, but {late} ({' '.join((rules.recovered_text or '').split())}); no reading "
                    "documented recovery within the window, and the label says to discontinue for a decline "
                    f"persisting more than {rules.persistent_decline_weeks:g} weeks."
                )
            cardiac.deferred = None
            log(
                f"{verdict}, but {late}; the knowledge base has no label rule for a later recovery, so dosing does "
                "not resume: the hold continues."
            )
            state.needs.append(
                f"the prescriber's decision: LVEF {late} (the knowledge base has no label rule for what follows)"
            )
            cardiac.repeat_asked = True
            return None
        if held.min_hold_weeks is not None:
            earliest = since + dt.timedelta(weeks=held.min_hold_weeks)
            if reading.date < earliest:
                cardiac.deferred = (reading, earliest)
                log(
                    f"{verdict} before the end of the label's minimum withholding period (at least "
                    f"{held.min_hold_weeks:g} weeks from the hold of {since}); the hold continues — earliest "
                    f"resumption {earliest}."
                )
                return None
        resume(reading.date, verdict, recovery_words)
        return None

    def settle_deferred(upto: dt.date) -> None:
        """A recovered reading held back by the label's minimum withholding period: once ``upto`` reaches the end of
        that period the hold closes there (dosing may resume from then), so later readings are judged afresh."""
        if cardiac.deferred is None or cardiac.holding_band is None or upto < cardiac.deferred[1]:
            return
        recovered_reading, earliest = cardiac.deferred
        since_text = cardiac.minimum_hold_text()
        resume(
            earliest,
            f"LVEF recovered on {recovered_reading.date}; the label's minimum withholding period ({since_text}) "
            f"ended on {earliest}: dosing may resume from then",
        )

    if rules.interval_weeks is None:
        log(f"LVEF monitoring: {' '.join(rules.interval_text.split())}")
    stop: str | None = None  # a discontinuation is final
    unknown_latest = False
    base = _dec(baseline.percent)
    for reading in readings:
        pct = _dec(reading.percent)
        decline = max(Decimal(0), base - pct)
        matches: list[LvefBand] = []
        unknown = False
        for band in rules.bands:
            if band.symptomatic_chf:
                continue
            hit = _band_matches(band, pct, decline, lln, course.symptomatic_heart_failure)
            if hit is None:
                unknown = True
            elif hit:
                matches.append(band)
        worst = max(matches, key=lambda b: SEVERITY[b.action], default=None)
        label = (
            f"LVEF {reading.percent:g}% on {reading.date} (baseline {baseline.percent:g}%, "
            f"decrease {_num(decline)} points)"
        )
        unknown_latest = unknown and worst is None
        if stop is None:
            settle_deferred(
                reading.date
            )  # a recovery held back by the minimum hold ends it before this reading
        if stop is not None:
            log(f"{label} (after discontinuation)")
        elif cardiac.holding_since is not None and cardiac.holding_band is not None:
            stop = during_hold(reading, label, pct, decline, matches, worst, unknown)
        elif worst is not None and worst.action == "discontinue":
            stop = f"{label}: {worst.text}"
        elif worst is not None and worst.action == "hold":
            cardiac.holds += 1
            cardiac.holding_since = reading.date
            cardiac.holding_percent = pct
            cardiac.holding_band = worst
            cardiac.deferred = None
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
    if stop is None:
        settle_deferred(course.today)
    if stop is None and cardiac.deferred is not None and cardiac.holding_band is not None:
        recovered_reading, earliest = cardiac.deferred
        since_text = cardiac.minimum_hold_text()
        state.fire(
            "hold",
            rules.id,
            f"LVEF recovered on {recovered_reading.date}, but the label withholds dosing for {since_text}: "
            f"earliest resumption {earliest}.",
            source,
            refs,
        )
    if cardiac.holding_since is not None:
        cardiac.periods.append((cardiac.holding_since, None))
    if stop is not None:
        state.fire("discontinue", rules.id, stop, source, refs)
    elif cardiac.holding_since is not None and cardiac.deferred is None:
        weeks = (course.today - cardiac.holding_since).days / 7
        if rules.persistent_decline_weeks is not None and weeks > rules.persistent_decline_weeks:
            # Only a reading shows that a decline persists (a reading more than the limit after the hold began,
            # not recovered, discontinues above); a missing repeat assessment is not a persistent decline: the hold
            # continues and the overdue reading is asked for. Never a permanent discontinuation on an assumption.
            limit = cardiac.holding_since + dt.timedelta(weeks=rules.persistent_decline_weeks)
            latest = cardiac.last_reading.date if cardiac.last_reading is not None else cardiac.holding_since
            cardiac.repeat_asked = True
            state.needs.append(
                f"a repeat LVEF (overdue): the hold of {cardiac.holding_since} has lasted {weeks:.1f} weeks and the "
                f"latest reading is of {latest}; the label discontinues for a decline persisting more than "
                f"{rules.persistent_decline_weeks:g} weeks (after {limit}), which only a reading can show"
            )
            state.fire(
                "hold",
                rules.id,
                f"LVEF-driven hold of {cardiac.holding_since}: no reading since {latest}, so whether the decline has "
                f"persisted more than {rules.persistent_decline_weeks:g} weeks (the label's discontinuation) is not "
                "known; the hold continues until a repeat assessment.",
                source,
                refs,
            )
        else:
            open_band = cardiac.holding_band
            if (
                open_band is not None
                and open_band.on_recheck == "discontinue-if-not-recovered-within"
                and open_band.recheck_weeks is not None
                and weeks >= open_band.recheck_weeks
            ):
                cardiac.repeat_asked = True
                state.needs.append(
                    f"a repeat LVEF: the label's {open_band.recheck_weeks:g}-week recovery window has ended "
                    "(not recovered then: discontinue)"
                )
            elif rules.resume_within_weeks is not None and weeks > rules.resume_within_weeks:
                ended = cardiac.holding_since + dt.timedelta(weeks=rules.resume_within_weeks)
                state.needs.append(
                    f"the prescriber's decision: the label's {rules.resume_within_weeks:g}-week resumption window "
                    f"ended on {ended} without a documented recovery (the knowledge base has no label rule for what "
                    "follows)"
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
    _grade_asked(course, rules, baseline, readings, last_dose, kb, state)
    return cardiac


def _grade_asked(
    course: Course,
    rules: CardiacMonitoring,
    baseline: LvefReading,
    readings: list[LvefReading],
    last_dose: dt.date | None,
    kb: KnowledgeBase,
    state: State,
) -> None:
    """A label row that acts on the CTCAE grade of a decreased LVEF (``rules.graded_as``): the latest reading, if it
    meets :data:`GAP_THRESHOLD` and no event of that term is recorded on or after it, holds the dose and asks for its
    grade (the lowest grade the agent's rules for that term act on, from the knowledge base); after a dose given
    since, only a warning (a clinician is taken to have judged it)."""
    term = rules.graded_as
    if term is None or not readings or readings[-1] is baseline:
        return
    latest = readings[-1]
    meets, what = _gap_reading(baseline, latest)
    if not meets or any(e.term == term and e.onset >= latest.date for e in course.adverse_events):
        return
    agent_id = kb.agent(course.agent).id
    # (the course's region, US rows standing in, and its setting where the rows name one, as events.agent_ae_rules)
    of_term = [r for r in kb.ae_rules.values() if r.term == term and agent_id in r.agents]
    regional, _ = in_region(of_term, course.region)
    grades = [r.grade_min for r in regional if r.setting in (None, course.setting)] or [
        r.grade_min for r in regional
    ]
    acts_on = f"grade {min(grades)} or greater" if grades else "its grade"
    asked = (
        f"the NCI CTCAE grade of the decreased LVEF of {latest.date} (record it under adverse_events as {term}; "
        f"the label's row [{rules.id}] acts on {acts_on})"
    )
    if last_dose is not None and last_dose > latest.date:
        state.warnings.append(f"{what}: a dose has been given since; check {asked}.")
        return
    state.needs.append(asked)
    state.fire(
        "hold",
        KNOWLEDGE_GAP,
        f"{what}: the label acts on a decreased LVEF of CTCAE {acts_on}, and her2kit does not grade LVEF readings "
        f"(the grade's bounds depend on the CTCAE version). This reading meets {GAP_THRESHOLD}, so the dose is held "
        "until its grade is recorded. The hold is a her2kit safety convention, not a label rule.",
        "knowledge base",
        [],
    )


def _from_baseline(course: Course, baseline: LvefReading, state: State) -> list[LvefReading]:
    """The readings judged against the table: the baseline and those after it, in date order. A reading dated
    before the marked baseline is not a decrease from it (the table's decreases are from the pre-treatment value):
    it is not judged, and a warning names it."""
    earlier = sorted((r for r in course.lvef if r.date < baseline.date), key=lambda r: r.date)
    if earlier:
        dates = ", ".join(f"{r.percent:g}% on {r.date}" for r in earlier)
        state.warnings.append(
            f"LVEF reading(s) dated before the marked baseline of {baseline.date} ({dates}) were not judged against "
            "the label's table: its decreases are counted from the baseline — check which reading is the baseline."
        )
    return sorted(
        (r for r in course.lvef if r.date >= baseline.date), key=lambda r: (r.date, r is not baseline)
    )


def _heart_failure_gap(state: State, agent: str, why: str) -> None:
    """Symptomatic heart failure the knowledge base has no label rule for: held, never judged silently."""
    state.needs.append(f"the label's rule for symptomatic heart failure on {agent} ({why})")
    state.fire(
        "hold",
        KNOWLEDGE_GAP,
        f"Symptomatic heart failure: {why}; the dose is held until a clinician checks the label. This is not a "
        "label rule.",
        "knowledge base",
        [],
    )


def _label_table_missing(
    course: Course, rules: CardiacMonitoring, agent: str, source: str, state: State, cardiac: CardiacState
) -> CardiacState:
    """An agent whose label has an LVEF table the knowledge base lacks: readings are judged only against the
    her2kit knowledge-gap convention (:data:`GAP_CONVENTION`), and one that meets it holds the dose and asks for
    the label's table. A later reading below it lifts the hold only once a dose has been given after the last
    reading that met it (a clinician has then applied the label)."""
    refs = list(rules.references)
    where = f"label section {rules.label_section}"
    if course.symptomatic_heart_failure:
        _heart_failure_gap(
            state, agent, f"the knowledge base does not hold the {agent} label's LVEF table ({where})"
        )
    baseline = course.baseline_lvef
    if baseline is None:
        state.warnings.append(
            f"{no_baseline_words(course)}: the {agent} label says to evaluate cardiac function prior to and during "
            f"treatment; its LVEF table is not in the knowledge base [{rules.id}]."
        )
        return cardiac
    readings = _from_baseline(course, baseline, state)
    last_dose = max((d.date for d in course.doses), default=None)
    met: tuple[LvefReading, str] | None = None  # the latest reading that meets the convention
    for reading in readings:
        meets, label = _gap_reading(baseline, reading)
        if meets:
            met = (reading, label)
            text = f"{label}: meets {GAP_CONVENTION}."
        else:
            text = f"{label}: below the knowledge-gap threshold; not judged against the label's table."
        state.steps.append(Step(rule=rules.id, text=text, source=source))
        state.references.extend(refs)
        cardiac.last_reading = reading
    table = f"the {agent} label's LVEF dose-modification table ({where}; not in the knowledge base)"
    if met is not None and (met[0] is readings[-1] or last_dose is None or last_dose <= met[0].date):
        reading, label = met
        state.needs.append(f"{table}, applied to the LVEF of {reading.date} ({reading.percent:g}%)")
        state.fire(
            "hold",
            KNOWLEDGE_GAP,
            f"{label}: the {agent} label has LVEF dose-modification rules ({where}) that the knowledge base does "
            f"not hold. This reading meets {GAP_CONVENTION}, so the dose is held until a clinician applies the "
            "label's table. The hold is a her2kit safety convention, not a label rule.",
            "knowledge base",
            [],
        )
    elif met is not None:
        state.warnings.append(
            f"The LVEF of {met[0].date} met the knowledge-gap threshold for {agent} and a dose has been given since "
            f"(a clinician is taken to have applied the label); check the later readings against {table}."
        )
    else:
        state.warnings.append(
            f"The LVEF readings were judged only against {GAP_CONVENTION}; none meets it. Check them against "
            f"{table}."
        )
    return cardiac


def no_baseline_words(course: Course) -> str:
    """Why the course has no baseline LVEF: no reading at all, or none before the first dose."""
    if not course.lvef:
        return "No LVEF recorded"
    first = min(r.date for r in course.lvef)
    return (
        f"No LVEF before the first dose ({min(d.date for d in course.doses)}): the first reading, of {first}, was "
        "taken after treatment began, so it is not a baseline and the readings are not judged against one"
    )


def _baseline_gates(course: Course, baseline: LvefReading, kb: KnowledgeBase, state: State) -> None:
    """Baseline LVEF below the level the label studied (safety gates of the knowledge base): a warning; before the
    first dose also a decision asked for (``needs``), so that a first dose the LVEF table lets through ("LVEF > 45%:
    continue") never reads as an unqualified go-ahead. The dose is not held for it: the gates are cautions, and no
    label read says not to start."""
    agent_id = kb.agent(course.agent).id
    for gate in kb.safety_gates.values():
        threshold = gate.lvef_below
        if (
            gate.condition == "lvef-below"
            and agent_id in gate.agents
            and threshold
            and baseline.percent < threshold
        ):
            unverified = " (UNVERIFIED gate: see its note)" if gate.unverified else ""
            state.warnings.append(
                f"Baseline LVEF {baseline.percent:g}% is below {threshold:g}%: {gate.text} "
                f"[{gate.id}{unverified}; {source_text(kb, gate.references, gate.label_section)}]"
            )
            if not course.doses:
                state.needs.append(
                    f"the prescriber's decision, with cardiology input, before the first dose: the baseline LVEF "
                    f"{baseline.percent:g}% is below {threshold:g}% [{gate.id}{unverified}]"
                )


def no_lvef_table(course: Course, agent: str, state: State) -> None:
    """LVEF information for an agent whose label table is not in the knowledge base: never judged silently."""
    if course.symptomatic_heart_failure:
        _heart_failure_gap(state, agent, f"the knowledge base has no LVEF rules for {agent}")
    else:
        state.warnings.append(
            f"The knowledge base has no LVEF rules for {agent}: the LVEF readings were not judged against its label — "
            "check the prescribing information."
        )


def next_lvef_due(
    course: Course, rules: CardiacMonitoring | None, cardiac: CardiacState
) -> tuple[dt.date | None, str | None]:
    """When the next LVEF assessment is due, and on what basis (None when ``rules`` is None: the caller says why).
    No date after a permanent discontinuation (the knowledge base holds no post-treatment schedule to date it
    from); a date already past is marked overdue."""
    if rules is None:
        return None, None
    if rules.label_table_missing:
        return None, (
            f"not scheduled: the label's LVEF table (label section {rules.label_section}) is not in the knowledge "
            f"base [{rules.id}]"
        )
    if cardiac.state is not None and cardiac.state.action == "discontinue":
        return None, (
            "no repeat date: treatment is discontinued and the knowledge base has no post-treatment LVEF schedule "
            f"to date it from; follow up as clinically indicated. The label's monitoring text: "
            f"{' '.join(rules.interval_text.split())} [{rules.id}]"
        )
    if course.baseline_lvef is None:
        return course.today, "a baseline LVEF is needed (" + (
            "no reading before the first dose in the course" if course.lvef else "none in the course"
        ) + ")"
    last = cardiac.last_reading or course.baseline_lvef
    band = cardiac.holding_band or cardiac.last_band
    due: dt.date | None
    if cardiac.deferred is not None and cardiac.holding_band is not None:
        due = cardiac.deferred[1]
        basis = (
            f"earliest resumption: the end of the label's minimum withholding period ({cardiac.minimum_hold_text()}) "
            f"[{rules.id}]"
        )
    elif band is not None and band.recheck_weeks is not None:
        due = last.date + dt.timedelta(weeks=band.recheck_weeks)
        basis = (
            f"repeat assessment {band.recheck_weeks:g} weeks after the reading of {last.date} [{rules.id}]"
        )
    elif rules.interval_weeks is not None:
        due = last.date + dt.timedelta(weeks=rules.interval_weeks)
        basis = f"routine interval of {rules.interval_weeks:g} weeks after the reading of {last.date} [{rules.id}]"
    else:
        return None, f"as clinically indicated: the label gives no fixed interval [{rules.id}]" + (
            " (UNVERIFIED record)" if rules.unverified else ""
        )
    if rules.unverified:
        basis += (
            f" (UNVERIFIED: {rules.id} could not be checked in full against the current label; see its note)"
        )
    if due < course.today:
        basis = f"overdue since {due}: {basis}"
    return due, basis
