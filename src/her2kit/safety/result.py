"""The monitor's output (``MonitorResult``) and the state a replay of one course accumulates.

The most severe action fired wins: discontinue > hold > reduce > resume > continue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from her2kit.assessment import DISCLAIMER, DISCLAIMER_DESCRIPTION
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Region, schedule_words

SCHEMA_VERSION: Final = "1"
MonitorAction = Literal["continue", "hold", "resume", "reduce", "discontinue"]
SEVERITY: Final[dict[str, int]] = {"continue": 0, "resume": 1, "reduce": 2, "hold": 3, "discontinue": 4}
# The rule id of a step taken because the knowledge base lacks the label's rule (never a label rule itself).
KNOWLEDGE_GAP: Final = "knowledge-base-gap"


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
    dose_level: int | None = Field(
        description="the label's dose level (0 = starting dose); null for a dose outside the label's levels that a "
        "knowledge-base safety gate gives (an interaction's or hepatic impairment's adjusted dose; see warnings)"
    )
    schedule: Literal["daily", "twice-daily"] | None = Field(
        None,
        description="how often the dose is taken at this level where it differs from the regimen's schedule "
        "(sevabertinib's second reduction: 10 mg once daily, 'daily', on a twice-daily regimen); null otherwise",
    )
    unverified: bool = Field(
        False,
        description="the regimen record the dose comes from is marked unverified in the knowledge base (its note "
        "says what was read): check the dose against the current label",
    )

    @property
    def level_text(self) -> str:
        """The dose level as a reader sees it: "dose level -1", or what a null level means; UNVERIFIED when the
        regimen record is."""
        text = (
            f"dose level {self.dose_level}"
            if self.dose_level is not None
            else "an adjusted dose outside the label's dose levels (see warnings)"
        )
        if self.schedule is not None:
            text += ", " + schedule_words(self.schedule)
        return text + ("; UNVERIFIED regimen record, check the label" if self.unverified else "")


class HoldPeriod(_Out):
    start: dt.date = Field(description="the LVEF reading that opened the hold")
    end: dt.date | None = Field(
        description="the reading that showed recovery, or the end of the label's minimum withholding period when "
        "recovery came earlier; null while the hold is open"
    )


class MonitorResult(_Out):
    schema_version: Literal["1"] = SCHEMA_VERSION
    course_id: str
    kb_version: str
    agent: str
    regimen: str
    region: Region
    action: MonitorAction
    action_note: str | None = Field(
        None,
        description="what today's action is in this course, where the action word alone would hide it: 'first dose' "
        "(the course has no dose yet; with ', see needs before giving it' when something is asked), or 're-load' "
        "(the next dose is the loading dose again, after a late dose); null otherwise",
    )
    next_dose: NextDose | None
    next_lvef_due: dt.date | None
    next_lvef_basis: str | None = Field(
        None,
        description="why the next LVEF is due then, or why no date is given (label interval, repeat assessment, "
        "no fixed interval, no LVEF rules in the knowledge base)",
    )
    lvef_holds: int = Field(description="LVEF-driven holds counted over the course")
    lvef_hold_periods: list[HoldPeriod] = Field(
        default_factory=list, description="LVEF-driven holds, in order"
    )
    needs: list[str] = Field(
        default_factory=list, description="information the rules need and the course lacks"
    )
    rationale: list[Step] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    disclaimer: str = Field(DISCLAIMER, description=DISCLAIMER_DESCRIPTION)


@dataclass(frozen=True)
class Reduction:
    """A label row's reduction on resumption: ``levels`` below the last dose given before ``resolved`` (the dose the
    patient was on when the event or hold began), whatever was given since. The monitor turns it into a ceiling on
    the next dose level, so a reduction already applied (a reduced dose given on or after ``resolved``) is never
    applied again, and one not applied still is."""

    rule: str
    event: str  # the event or hold in words, for the rationale
    resolved: dt.date
    levels: int
    acted_on: bool  # a dose was given on or after the resolution date


@dataclass
class State:
    """What a replay has found so far: the action, the steps that fired, needs, warnings, reductions.

    ``reductions`` counts levels below the last dose given; ``reductions_from`` holds reductions counted from the dose
    given before a resolution date (see :class:`Reduction`); ``level_unknown`` says that the next dose level cannot be
    given (a need says what is missing)."""

    action: str = "continue"
    steps: list[Step] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reductions: int = 0
    reductions_from: list[Reduction] = field(default_factory=list)
    resumed: bool = False
    level_unknown: bool = False

    def fire(self, action: str, rule: str, text: str, source: str, refs: list[str]) -> None:
        if SEVERITY[action] > SEVERITY[self.action]:
            self.action = action
        self.steps.append(Step(rule=rule, text=text, source=source))
        self.references.extend(refs)

    def reduce_on_resumption(
        self, rule: str, event: str, resolved: dt.date, levels: int, acted_on: bool
    ) -> None:
        """Record a row's reduction of ``levels`` on resumption after ``resolved`` (see :class:`Reduction`)."""
        if levels > 0:
            self.reductions_from.append(Reduction(rule, event, resolved, levels, acted_on))


def source_text(kb: KnowledgeBase, refs: list[str], section: str | None) -> str:
    ref = kb.references.get(refs[0]) if refs else None
    revised = f", revised {ref.revision_date.isoformat()}" if ref and ref.revision_date else ""
    where = f" section {section}" if section else ""
    return f"{refs[0] if refs else 'knowledge base'}{where}{revised}"
