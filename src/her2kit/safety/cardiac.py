"""LVEF rules: the label's LVEF table for the course (region, setting), replayed over the readings in date order.

A hold opens at a band whose action is hold and closes when the label's recovery criterion is met; it ends in
discontinuation when the band says so at the repeat assessment (or after its recovery window), when a decline
persists longer than the label allows, or when holds exceed the label's maximum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import CardiacMonitoring, LvefBand, Region, Setting
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
class CardiacState:
    holds: int = 0
    holding_since: dt.date | None = None
    holding_band: LvefBand | None = None
    periods: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)  # LVEF holds: start, end
    last_band: LvefBand | None = None
    last_reading: LvefReading | None = None


def evaluate_cardiac(
    course: Course, rules: CardiacMonitoring, kb: KnowledgeBase, state: State
) -> CardiacState:
    source = source_text(kb, rules.references, rules.label_section)
    refs = list(rules.references)
    cardiac = CardiacState()
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
                cardiac.periods.append((cardiac.holding_since, reading.date))
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
    if cardiac.holding_since is not None:
        cardiac.periods.append((cardiac.holding_since, None))
    if stop is not None:
        state.fire("discontinue", rules.id, stop, source, refs)
    elif cardiac.holding_since is not None:
        weeks = (course.today - cardiac.holding_since).days / 7
        if rules.persistent_decline_weeks is not None and weeks > rules.persistent_decline_weeks:
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


def _baseline_gates(course: Course, baseline: LvefReading, kb: KnowledgeBase, state: State) -> None:
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
                f"[{gate.id}; {source_text(kb, gate.references, gate.label_section)}]"
            )


def no_lvef_table(course: Course, agent: str, state: State) -> None:
    """LVEF information for an agent whose label table is not in the knowledge base: never judged silently."""
    if course.symptomatic_heart_failure:
        state.needs.append(
            f"the label's rule for symptomatic heart failure on {agent} (not in the knowledge base)"
        )
        state.fire(
            "hold",
            KNOWLEDGE_GAP,
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


def next_lvef_due(
    course: Course, rules: CardiacMonitoring | None, cardiac: CardiacState
) -> tuple[dt.date | None, str | None]:
    """When the next LVEF assessment is due, and on what basis (None when ``rules`` is None: the caller says why)."""
    if rules is None:
        return None, None
    if course.baseline_lvef is None:
        return course.today, "a baseline LVEF is needed (none in the course)"
    last = cardiac.last_reading or course.baseline_lvef
    band = cardiac.holding_band or cardiac.last_band
    if band is not None and band.recheck_weeks is not None:
        due = last.date + dt.timedelta(weeks=band.recheck_weeks)
        return (
            due,
            f"repeat assessment {band.recheck_weeks:g} weeks after the reading of {last.date} [{rules.id}]",
        )
    if rules.interval_weeks is not None:
        due = last.date + dt.timedelta(weeks=rules.interval_weeks)
        return (
            due,
            f"routine interval of {rules.interval_weeks:g} weeks after the reading of {last.date} [{rules.id}]",
        )
    return None, f"as clinically indicated: the label gives no fixed interval [{rules.id}]"
