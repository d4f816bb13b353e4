"""How the doses of one course read against the label's dose levels of one regimen.

:class:`CourseDoses` answers "which level was this dose on?" for every dose of a course, each distinct (date, mg)
once: the monitor asks about every dose several times (the re-escalation check, the reductions a rule set, the dose
history, the level at an event's onset), and reading a dose looks at the doses around it (the weight in effect at
the previous dose, the doses of a day). Computed afresh for each question, a daily course of n doses cost n² (1,600
twice-daily sevabertinib doses: 18 s); with the readings kept and the dates indexed, it is n log n.

The weight bands of a label (zongertinib below / from 90 kg) are part of it: each dose is read against the regimen
record of its own day's weight (:meth:`CourseDoses.band`).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Final

from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import DOSES_PER_DAY, Regimen, schedule_words
from her2kit.match.history import drug_index, medication_hits
from her2kit.safety.course import Course, DoseGiven
from her2kit.safety.dosing import amount_mg, levels, regimen_candidates, regimen_choice

DOSE_MATCH_TOLERANCE: Final = 0.05  # a given dose within 5% of a level's dose is taken to be that level
# Beyond this, the nearest level is not a reading but a guess (a tenfold slip, a dose on another weight): the
# level is unknown, and no next dose or level-based step is given until the dose is confirmed.
DOSE_LEVEL_UNKNOWN_BEYOND: Final = 0.25


def dose_deviation(level_mg: float, given_mg: float) -> float:
    """How far a given dose is from a level's dose, as a fraction of the level's dose, rounded to 9 places so that
    a dose exactly 5% off is 0.05 (floating point gives 216 - 205.2 = 10.8000000000000x)."""
    return round(abs(level_mg - given_mg) / level_mg, 9)


@dataclass(frozen=True)
class Reading:
    """How one dose given reads against the label's dose levels at the patient's weight on that day."""

    level: int | None  # the level a next dose continues at; None: not known (see below_lowest, deviation)
    mg: float  # that level's mg (when not known: the nearest level's)
    nearest: int  # the nearest level (loading dose: 0)
    deviation: float  # relative distance from the nearest level's mg
    on_level: bool  # within 5% of a level or of the loading dose, or the escalation step of its day
    escalation: bool = False  # the escalation step of its day: level 0, the escalation goes on
    between: bool = False  # more than 5% below a level and above the next: read as the level below it
    below_lowest: bool = False  # more than 5% (and at most 25%) below the lowest level of the ladder
    # Off every level at the weight of its day but within 5% of a level at the weight in effect at the previous dose
    # (a dose not recalculated after a weight change): that level, and that weight.
    earlier_weight: float | None = None
    # On a level at the weight of its day AND on another level at the weight in effect at the previous dose: which
    # one was meant is not known (level None); the other reading's level and weight.
    ambiguous: tuple[int, float] | None = None
    no_weight: bool = False  # a weight-based dose given before the first body weight on record: not read
    # Two levels of this dose that differ in doses a day (sevabertinib: 10 mg twice daily, 10 mg once daily), and the
    # doses on record do not show which (level None): those levels, highest first.
    by_count: tuple[int, ...] | None = None


def level_ladder(regimen: Regimen, weight: float | None) -> list[tuple[int, float]]:
    """The label's dose levels in mg at a weight, highest first (without a ladder: the maintenance dose, level 0)."""
    return sorted(((lvl.level, amount_mg(lvl.dose, weight)) for lvl in levels(regimen)), key=lambda x: -x[0])


def is_weight_based(regimen: Regimen) -> bool:
    doses = [lvl.dose for lvl in levels(regimen)] + [regimen.loading_dose, regimen.maintenance_dose]
    return any(d is not None and d.unit == "mg/kg" for d in doses)


def level_dose_mg(regimen: Regimen, level: int, weight: float | None) -> float | None:
    """A label level's dose in mg at a weight; None for a weight-based dose without a weight."""
    dose = next((lvl.dose for lvl in levels(regimen) if lvl.level == level), regimen.maintenance_dose)
    if dose.unit == "mg/kg" and weight is None:
        return None
    return amount_mg(dose, weight)


def doses_a_day(regimen: Regimen, level: int) -> int:
    """Doses a day at a level of a daily or twice-daily regimen (1 for any other schedule)."""
    return DOSES_PER_DAY.get(regimen.level_schedule(level), 1)


def own_schedule(regimen: Regimen, level: int) -> str:
    """ ", once daily" for a level taken on another schedule than the regimen's, else ""."""
    own = regimen.level_schedule(level)
    return "" if own == regimen.schedule else f", {schedule_words(own)}"


def shares_dose(regimen: Regimen, level: int, weight: float | None) -> bool:
    """Whether another label level has the same dose (within 5%) as ``level``: the two differ in doses a day."""
    mg = level_dose_mg(regimen, level, weight)
    return mg is not None and any(
        lvl != level and dose_deviation(mg, lvl_mg) <= DOSE_MATCH_TOLERANCE
        for lvl, lvl_mg in level_ladder(regimen, weight)
    )


@dataclass(frozen=True)
class RegimenChoice:
    """The regimen record a course is read against. ``undecided``: the records whose dose levels differ and between
    which the course does not decide (its setting, or whether a partner drug such as capecitabine is given, is not
    stated); ``regimen`` is then only the record the doses are read against (the one with the most levels), no level
    is given, and ``question`` says what to state."""

    regimen: Regimen
    undecided: tuple[Regimen, ...] = ()
    question: str | None = None


def course_regimen_choice(kb: KnowledgeBase, course: Course, weight: float | None) -> RegimenChoice:
    """The regimen record for a course (its agent, indication, schedule, regimen, region, setting and, for a record
    given with a partner drug, its medications) at a body weight. A record given with a partner drug
    (``Regimen.given_with``: neratinib with capecitabine) is the course's only when its medications name the partner:
    where they do not, or where records of different settings fit a course without one, the choice is asked about
    (never guessed). Several records that fit for any other reason are an input error (give the regimen)."""
    candidates = regimen_candidates(
        kb,
        course.agent,
        indication=course.indication,
        schedule=course.schedule,
        regimen_id=course.regimen,
        weight_kg=weight,
        region=course.region,
        setting=course.setting,
    )
    if course.regimen is not None:
        return RegimenChoice(candidates[0])
    index = drug_index(kb)

    def named(regimen: Regimen) -> bool:
        return all(medication_hits(course.medications, frozenset({d}), index) for d in regimen.given_with)

    with_partner = [r for r in candidates if r.given_with and named(r)]
    if with_partner:
        candidates = with_partner
    if len(candidates) == 1 and named(candidates[0]):
        return RegimenChoice(candidates[0])
    if len(candidates) > 1 and not any(r.setting or r.given_with for r in candidates):
        raise InvalidInput(
            "regimen",
            None,
            "one of " + "; ".join(regimen_choice(r) for r in candidates),
            hint="several dosing records fit; give indication, schedule or regimen",
        )
    working = max(candidates, key=lambda r: (len(levels(r)), r.id))
    choices = "; ".join(regimen_choice(r) for r in candidates)
    partners = sorted({d for r in candidates for d in r.given_with})
    if len(candidates) == 1:
        question = (
            f"whether {', '.join(partners)} is given with {kb.agents[working.agent].name}: the label's dose levels of "
            f"{choices} are for the combination, and the course's medications do not name {', '.join(partners)} "
            f"(list it under medications when it is given; otherwise the label has no dose levels for this use here)"
        )
    else:
        question = (
            f"which of the label's dosings applies (their dose levels differ): {choices} - give the course's setting"
            + (f", list {', '.join(partners)} under medications when it is given," if partners else "")
            + " or give regimen"
        )
    return RegimenChoice(working, tuple(candidates), question)


def course_regimen(kb: KnowledgeBase, course: Course, weight: float | None) -> Regimen:
    """The regimen record a course is read against at a body weight (see :func:`course_regimen_choice`)."""
    return course_regimen_choice(kb, course, weight).regimen


def bands_for(kb: KnowledgeBase, course: Course, regimen: Regimen) -> dict[float, Regimen]:
    """The regimen record ``select_regimen`` picks at each body weight of the course (empty without weight bands)."""
    if regimen.min_weight_kg is None and regimen.max_weight_kg is None:
        return {}
    out = {}
    for kg in {w.kg for w in course.weights} | (
        {course.weight_kg} if course.weight_kg is not None else set()
    ):
        try:
            out[kg] = course_regimen(kb, course, kg)
        except InvalidInput:
            out[kg] = regimen
    return out


class CourseDoses:
    """The doses of one course read against one regimen (and its weight bands); see the module docstring."""

    def __init__(self, kb: KnowledgeBase, course: Course, regimen: Regimen) -> None:
        self.course = course
        self.regimen = regimen
        self.bands = bands_for(kb, course, regimen)
        self.dates: list[dt.date] = sorted({d.date for d in course.doses})  # the dosing days, in order
        self._weights_newest_first = sorted(course.weights, key=lambda w: w.date, reverse=True)
        self._largest: dict[dt.date, DoseGiven] = {}  # the largest dose of each dosing day
        for d in course.doses:
            if d.date not in self._largest or d.mg > self._largest[d.date].mg:
                self._largest[d.date] = d
        self._readings: dict[tuple[dt.date, float, int | None], Reading] = {}
        # per dose (mg): the days with doses within 5% of it, in order, and how many on each
        self._counts: dict[float, tuple[list[dt.date], dict[dt.date, int], dict[dt.date, set[int]]]] = {}
        self._full: dict[tuple[float, tuple[tuple[int, int], ...]], int | None] = {}
        self._kb = kb
        self._others: dict[str, CourseDoses] = {}
        for d in course.doses:
            if d.dose_level is None:
                continue
            allowed = sorted({lvl.level for lvl in levels(self.band(course.weight_on(d.date)))}, reverse=True)
            if d.dose_level not in allowed:
                raise InvalidInput(
                    "doses[].dose_level",
                    d.dose_level,
                    f"one of the label's dose levels of {regimen.id}: {', '.join(map(str, allowed))}",
                )

    def of(self, regimen_id: str) -> CourseDoses:
        """The same course read against another regimen of the knowledge base (e.g. the one this regimen follows)."""
        other = self._others.get(regimen_id)
        if other is None:
            other = self._others[regimen_id] = CourseDoses(
                self._kb, self.course, self._kb.regimens[regimen_id]
            )
        return other

    # ------------------------------------------------------------------ the course's days and weights
    def day_before(self, date: dt.date) -> dt.date | None:
        """The last dosing day before ``date``; None without one."""
        i = bisect.bisect_left(self.dates, date)
        return self.dates[i - 1] if i else None

    @property
    def last(self) -> DoseGiven | None:
        """The last dose given: of two on its date (a twice-daily tablet), the larger (the order the monitor reads doses
        in, so that the answer never depends on the list's order); None without doses."""
        return self._largest[self.dates[-1]] if self.dates else None

    def largest_on(self, date: dt.date) -> DoseGiven:
        """The largest dose given on a dosing day (of two equal ones, the first on record)."""
        return self._largest[date]

    def previous_weight(self, date: dt.date) -> float | None:
        """The body weight in effect at the dose given before the day ``date``; None without one."""
        before = self.day_before(date)
        return None if before is None else self.course.weight_on(before)

    def earlier_weights(self, date: dt.date, current: float | None) -> list[float]:
        """The body weights a dose of day ``date`` may not have been recalculated from: the weight in effect at the
        previous dose, then every weight recorded on or before the day (newest first) other than the one in effect."""
        out: list[float] = []
        previous = self.previous_weight(date)
        if previous is not None:
            out.append(previous)
        out += [w.kg for w in self._weights_newest_first if w.date <= date]
        return [kg for kg in dict.fromkeys(out) if kg != current]

    def band(self, weight: float | None) -> Regimen:
        """The regimen record of the weight band a body weight is in (the regimen itself without bands)."""
        regimen = self.regimen
        if weight is None or (regimen.min_weight_kg is None and regimen.max_weight_kg is None):
            return regimen
        return self.bands.get(weight, regimen)

    # ------------------------------------------------------------------ readings
    def read(self, dose: DoseGiven) -> Reading:
        """The level of a dose given, read against the regimen record of the weight band of its day's weight
        (:meth:`band`). Within 5% of a level (or the loading dose, or an escalation step) at the weight of its day:
        that level; else within 5% of a level at the weight in effect at the previous dose, or of level 0 at an
        earlier recorded weight (the dose was not recalculated after the weight change): that level. On a level at the
        weight of its day and on another level at one of those earlier weights: no level (the caller says so and
        asks) — so a dose equal to level 0 at an earlier recorded weight is never read as a reduction reached (her2kit
        convention). More than 5% off: above the top level, the top level; between two levels, the level below it
        (never the nearest one above: dose levels only move down); below the lowest level, or more than 25% from every
        level of a reduction ladder, no level (the caller asks for the dose to be confirmed). A weight-based dose
        given before the first body weight on record: no level (``no_weight``). Two levels of the same dose: the doses
        a day decide (:meth:`level_by_count`)."""
        key = (dose.date, dose.mg, dose.dose_level)
        reading = self._readings.get(key)
        if reading is None:
            reading = self._readings[key] = self._read(dose)
        return reading

    def _read(self, dose: DoseGiven) -> Reading:
        course = self.course
        current = course.weight_on(dose.date)
        if current is None and is_weight_based(self.regimen):
            return Reading(None, 0.0, 0, 0.0, on_level=False, no_weight=True)
        reading = self.read_at(self.band(current), dose, current)
        if reading.escalation:
            return reading
        previous = self.previous_weight(dose.date)
        for kg in self.earlier_weights(dose.date, current):
            again = self.read_at(self.band(kg), dose, kg)
            if not again.on_level or again.escalation or (kg != previous and again.level != 0):
                continue
            if not reading.on_level:
                return dataclasses.replace(again, earlier_weight=kg)
            if again.level != reading.level:
                assert again.level is not None
                return dataclasses.replace(reading, level=None, ambiguous=(again.level, kg))
        return reading

    def read_at(self, regimen: Regimen, dose: DoseGiven, weight: float | None) -> Reading:
        """:meth:`read` against one regimen record at one body weight."""
        if self.course.escalation and any(
            dose_deviation(amount_mg(step.dose, weight), dose.mg) <= DOSE_MATCH_TOLERANCE
            for step in regimen.escalation_steps
            if step.to_day is not None
        ):
            # An escalation step (not the final one) of a course on the escalation: never read as a reduced level,
            # whatever the escalation day (a hold interrupts the escalation; see monitor._escalation_day).
            return Reading(0, dose.mg, 0, 0.0, on_level=True, escalation=True)
        ladder = level_ladder(regimen, weight)
        candidates = list(ladder)
        if regimen.loading_dose is not None:
            candidates.insert(0, (0, amount_mg(regimen.loading_dose, weight)))
        nearest, mg = min(candidates, key=lambda c: abs(c[1] - dose.mg))
        deviation = dose_deviation(mg, dose.mg)
        if deviation <= DOSE_MATCH_TOLERANCE:
            tied = [lvl for lvl, lvl_mg in ladder if dose_deviation(lvl_mg, dose.mg) <= DOSE_MATCH_TOLERANCE]
            if len(tied) > 1:
                level = self.level_by_count(regimen, dose, tied)
                if level is None:
                    return Reading(None, mg, nearest, deviation, on_level=True, by_count=tuple(tied))
                return Reading(level, mg, level, deviation, on_level=True)
            return Reading(nearest, mg, nearest, deviation, on_level=True)
        if deviation > DOSE_LEVEL_UNKNOWN_BEYOND and regimen.dose_levels:
            return Reading(None, mg, nearest, deviation, on_level=False)
        if not regimen.dose_levels or dose.mg > ladder[0][1]:
            return Reading(nearest, mg, nearest, deviation, on_level=False)
        below = [(lvl, lvl_mg) for lvl, lvl_mg in ladder if lvl_mg < dose.mg]
        if below:
            return Reading(below[0][0], below[0][1], nearest, deviation, on_level=False, between=True)
        return Reading(None, mg, nearest, deviation, on_level=False, below_lowest=True)

    def _days_of(self, mg: float) -> tuple[list[dt.date], dict[dt.date, int], dict[dt.date, set[int]]]:
        """The days with doses within 5% of ``mg``, in order; how many on each; the levels those doses state."""
        found = self._counts.get(mg)
        if found is None:
            counts: dict[dt.date, int] = {}
            stated: dict[dt.date, set[int]] = {}
            for d in self.course.doses:
                if dose_deviation(mg, d.mg) <= DOSE_MATCH_TOLERANCE:
                    counts[d.date] = counts.get(d.date, 0) + 1
                    if d.dose_level is not None:
                        stated.setdefault(d.date, set()).add(d.dose_level)
            found = self._counts[mg] = (sorted(counts), counts, stated)
        return found

    def stated_on(self, dose: DoseGiven) -> set[int]:
        """The levels stated (``dose_level``) by the doses of this dose (within 5%) on its day."""
        return self._days_of(dose.mg)[2].get(dose.date, set())

    def day_count(self, dose: DoseGiven) -> int:
        """How many doses of this dose (within 5%) its day has."""
        return self._days_of(dose.mg)[1][dose.date]

    def level_by_count(self, regimen: Regimen, dose: DoseGiven, tied: list[int]) -> int | None:
        """Which of two (or more) levels of the same dose a dose is on (label levels that differ only in how often the
        dose is taken: sevabertinib's first reduction, 10 mg twice daily, and second, 10 mg once daily): the level the
        doses of its day state (``dose_level``), else as the doses of that dose given a day show it; None when they do
        not, or when they contradict each other (the caller asks; see monitor._dose_history for the warnings).

        her2kit convention, on the doses of this dose (within 5%) counted by date, a day whose doses state a level
        counting as that level's number of doses:
        - a stated level that gives fewer doses a day than the day has (10 mg twice on a day stated once daily), or
          two different levels stated on one day: not known;
        - as many a day as the more frequent level gives (or more): that level;
        - fewer, on one day between days with the full count (or before one, at the start): a missed dose of the more
          frequent level;
        - fewer, after a day with the full count at this dose: not known — missed doses and a change to the less
          frequent level look the same in the record (``dose_level`` on the dose says which);
        - fewer, on two or more days in a row with no full day at this dose before them: the less frequent level;
        - a dose dated on or after ``today`` counts as its day so far: with fewer doses than the more frequent level
          gives, the calendar day before decides (no dose that day: not known)."""
        per_day = {lvl: doses_a_day(regimen, lvl) for lvl in tied}
        most = max(per_day.values())
        frequent = max(lvl for lvl in tied if per_day[lvl] == most)
        rare = max((lvl for lvl in tied if per_day[lvl] < most), default=None)
        days, counts, stated = self._days_of(dose.mg)

        def effective(day: dt.date) -> int | None:
            """The day's doses, or the stated level's number a day; None for a contradiction."""
            levels_stated = stated.get(day, set()) & set(tied)
            if len(stated.get(day, set())) > 1:
                return None
            if levels_stated:
                (level,) = levels_stated
                if per_day[level] < counts[day]:
                    return None
                return per_day[level]
            return counts[day]

        i = bisect.bisect_left(days, dose.date)
        last = len(days) - 1
        n = effective(days[i])
        if n is None:
            return None
        own = stated.get(days[i], set()) & set(tied)
        if own:  # the day's doses state their level, and their number does not contradict it
            return next(iter(own))
        if n < most and days[i] >= self.course.today and not stated.get(days[i]):
            if i == 0 or days[i - 1] != days[i] - dt.timedelta(days=1):
                return None
            i, last = i - 1, i - 1  # today so far: the day before decides, read without today
        # (a contradiction on the day itself: _frequent answers None; one on a neighbour leaves that side unread)
        eff = {d: effective(d) for d in days[max(0, i - 1) : min(len(days), i + 2)]}
        # What effective() reads besides the dose: the tied levels and each one's number of doses a day (which is the
        # regimen's, so a second regimen in the course with the same dose and levels cannot reuse another's answer).
        key = (dose.mg, tuple(sorted((level, per_day[level]) for level in tied)))
        if key not in self._full:  # the first day with the full count at this dose (once per dose and levels)
            self._full[key] = next((k for k, d in enumerate(days) if (effective(d) or 0) >= most), None)
        first_full = self._full[key]
        answer = self._frequent(
            days, eff, i, last, most, first_full if first_full is not None and first_full < i else None
        )
        if answer is None:
            return None
        return frequent if answer else rare

    @staticmethod
    def _frequent(
        days: list[dt.date],
        eff: dict[dt.date, int | None],
        i: int,
        last: int,
        most: int,
        first_full: int | None,
    ) -> bool | None:
        """Whether dosing day ``days[i]`` is on the more frequent level (True) or the less frequent one (False), read
        from ``days[: last + 1]`` with the effective counts ``eff`` of it and its neighbours; None when they do not
        show it (see :meth:`level_by_count`)."""
        here = eff[days[i]]
        if here is None:
            return None
        if here >= most:
            return True
        before = eff.get(days[i - 1]) if i > 0 else None
        after = eff.get(days[i + 1]) if i < last else None
        if after is not None and after >= most and (i == 0 or (before is not None and before >= most)):
            return True  # one day with a missed dose
        if first_full is not None:
            return None
        if (before is not None and before < most) or (after is not None and after < most):
            return False
        return None
