"""Doses from the label's regimen records: which regimen, the loading and maintenance dose, dose levels.

All numbers come from ``regimens`` records of the knowledge base (label
section 2). This module only selects the record and does the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from her2kit.assessment import DISCLAIMER, DISCLAIMER_DESCRIPTION
from her2kit.errors import InvalidInput, NotFound
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Agent, Quantity, Regimen, Region, Setting
from her2kit.safety.course import PLAUSIBLE_WEIGHT, plausible_weight_kg
from her2kit.safety.describe import half_open
from her2kit.safety.regions import in_region
from her2kit.vocab import normalise_tumor_type

SCHEDULES = {
    "q3w": "q3w",
    "every 3 weeks": "q3w",
    "3-weekly": "q3w",
    "q21d": "q3w",
    "weekly": "weekly",
    "qw": "weekly",
    "q1w": "weekly",
    "q2w": "q2w",
    "every 2 weeks": "q2w",
    "q14d": "q2w",
    "daily": "daily",
    "once daily": "daily",
    "qd": "daily",
    "twice-daily": "twice-daily",
    "twice daily": "twice-daily",
    "bid": "twice-daily",
}
CONTEXT_WORDS = {
    "breast": ("breast",),
    "gastric": ("gastric", "gej", "gastroesophageal"),
    "gej": ("gastric", "gej"),
    "esophageal": ("gastric", "gej", "esophag"),
    "nsclc": ("nsclc", "lung"),
    "lung": ("nsclc", "lung"),
    "solid-tumor": ("solid",),
    "colorectal": ("colorectal",),
    "biliary": ("biliary",),
}


def normalise_schedule(value: str) -> str:
    key = " ".join(value.lower().split())
    if key not in SCHEDULES:
        raise InvalidInput("schedule", value, ", ".join(sorted(set(SCHEDULES.values()))))
    return SCHEDULES[key]


def _names(regimen: Regimen, words: tuple[str, ...]) -> bool:
    text = f"{regimen.id} {regimen.context.lower()}"
    return any(word in text for word in words)


def _for_indication(
    candidates: list[Regimen], indication: str, agent_id: str, agent_name: str
) -> list[Regimen]:
    """The regimens for ``indication``: those whose id or context names it (the most specific first); else a
    tumour-agnostic ("solid tumour") regimen; else those that name no tumour at all. None of these is an input
    error: a dose is never given from another indication's record."""
    key = " ".join(indication.lower().split())
    if not key:
        raise InvalidInput("indication", indication, "an indication, e.g. breast, gastric, nsclc")
    if key not in CONTEXT_WORDS:
        # A tumour name or OncoTree code ("stomach", "STAD"); anything else is an input error, never the
        # tumour-agnostic record by default.
        key = normalise_tumor_type(indication, field="indication")
    words = CONTEXT_WORDS.get(key, (key,))
    fitting = [r for r in candidates if _names(r, words)]
    if fitting:
        specific = [r for r in fitting if any(w in r.id for w in words)]
        exact = [r for r in specific if r.id == f"regimen:{agent_id.removeprefix('agent:')}-{key}"]
        return exact or specific or fitting
    agnostic = [r for r in candidates if "solid tumo" in r.context.lower()]
    if agnostic:
        return agnostic
    every_tumour = tuple(w for ws in CONTEXT_WORDS.values() for w in ws)
    general = [r for r in candidates if not _names(r, every_tumour)]
    if general:
        return general
    covered = sorted({name for r in candidates for name, ws in CONTEXT_WORDS.items() if _names(r, ws)})
    raise InvalidInput(
        "indication",
        indication,
        f"an indication with a dosing record for {agent_name}: {', '.join(covered)}",
        hint="the knowledge base has no dosing for this agent in this indication; see the label",
    )


def dosed_agent(kb: KnowledgeBase, name: str) -> Agent:
    """The agent a dose or course names; an unknown name is an input error naming the field and the agents."""
    try:
        return kb.agent(name)
    except NotFound as exc:
        names = ", ".join(sorted(a.name for a in kb.agents.values()))
        hint = f"did you mean: {', '.join(exc.suggestions)}" if exc.suggestions else None
        raise InvalidInput(
            "agent", name, f"an agent in the knowledge base (INN, brand or abbreviation): {names}", hint=hint
        ) from None


def select_regimen(
    kb: KnowledgeBase,
    agent: str,
    *,
    indication: str | None = None,
    schedule: str | None = None,
    regimen_id: str | None = None,
    weight_kg: float | None = None,
    region: Region = "US",
    setting: Setting | None = None,
) -> Regimen:
    """The one regimen record that fits; an error listing the candidates when none or several fit.

    For region EU the agent's EU regimens are candidates when there are any, else its US ones
    (the returned record's ``region`` tells the caller which).
    """
    candidates = regimen_candidates(
        kb,
        agent,
        indication=indication,
        schedule=schedule,
        regimen_id=regimen_id,
        weight_kg=weight_kg,
        region=region,
        setting=setting,
    )
    if len(candidates) > 1:
        raise InvalidInput(
            "regimen",
            None,
            "one of " + "; ".join(regimen_choice(r) for r in candidates),
            hint="several dosing records fit; give indication, schedule, setting or regimen",
        )
    return candidates[0]


def regimen_choice(regimen: Regimen) -> str:
    """A regimen record as a choice: its id, what it is for and its dose levels ("regimen:neratinib-capecitabine
    (metastatic, with capecitabine): levels 240/160/120 mg")."""
    context = [
        c
        for c in (regimen.setting, f"with {', '.join(regimen.given_with)}" if regimen.given_with else None)
        if c
    ]
    doses = [lvl.dose for lvl in levels(regimen)]
    units = {d.unit for d in doses}
    ladder = (
        "/".join(f"{d.value:g}" for d in doses) + f" {doses[0].unit}"
        if len(units) == 1
        else "/".join(f"{d.value:g} {d.unit}" for d in doses)
    )
    what = f" ({', '.join(context)})" if context else ""
    return f"{regimen.id}{what}: {'levels' if len(doses) > 1 else 'dose'} {ladder}"


def regimen_candidates(
    kb: KnowledgeBase,
    agent: str,
    *,
    indication: str | None = None,
    schedule: str | None = None,
    regimen_id: str | None = None,
    weight_kg: float | None = None,
    region: Region = "US",
    setting: Setting | None = None,
) -> list[Regimen]:
    """The regimen records that fit what is given (never empty: none fitting is an input error); several when
    nothing given decides between them (the caller asks)."""
    agent_record = dosed_agent(kb, agent)
    every = [r for r in kb.regimens.values() if r.agent == agent_record.id]
    if regimen_id is not None:  # an explicit choice is honoured in any region (the caller compares regions)
        chosen = [r for r in every if r.id == regimen_id]
        if not chosen:
            raise InvalidInput("regimen", regimen_id, ", ".join(r.id for r in every) or "none for this agent")
        return chosen[:1]
    candidates, _ = in_region(every, region)
    if not candidates:
        raise InvalidInput("agent", agent, "an agent with dosing in the knowledge base")
    if schedule is not None:
        wanted = normalise_schedule(schedule)
        fitting = [r for r in candidates if r.schedule == wanted]
        if not fitting:
            raise InvalidInput(
                "schedule",
                schedule,
                f"for {agent_record.name}: " + ", ".join(sorted({r.schedule for r in candidates})),
            )
        candidates = fitting
    if indication is not None:
        candidates = _for_indication(candidates, indication, agent_record.id, agent_record.name)
    if weight_kg is not None and len(candidates) > 1:
        banded = [
            r
            for r in candidates
            if (r.min_weight_kg is None or weight_kg >= r.min_weight_kg)
            and (r.max_weight_kg is None or weight_kg < r.max_weight_kg)
        ]
        candidates = banded or candidates
    by_weight = [r for r in candidates if r.min_weight_kg is not None or r.max_weight_kg is not None]
    if len(candidates) > 1 and weight_kg is None and by_weight:
        bands = "; ".join(
            f"{r.id}: {half_open('weight', r.min_weight_kg, r.max_weight_kg, ' kg')}" for r in by_weight
        )
        raise InvalidInput(
            "weight",
            None,
            "a body weight: the label's dose depends on it",
            hint=f"weight bands: {bands}",
        )
    if setting is not None and len(candidates) > 1 and any(r.setting for r in candidates):
        # A label whose dosing differs by disease setting (neratinib): the records of the course's setting.
        in_setting = [r for r in candidates if r.setting in (None, setting)]
        if not in_setting:
            raise InvalidInput(
                "setting",
                setting,
                f"for {agent_record.name}: "
                + ", ".join(sorted({r.setting for r in candidates if r.setting})),
            )
        candidates = in_setting
    if len(candidates) > 1:
        # Prefer the general record over context-specific ones when nothing else decides.
        general = [r for r in candidates if not any(w in r.id for ws in CONTEXT_WORDS.values() for w in ws)]
        if len(general) == 1 and not any(r.setting or r.given_with for r in candidates):
            return general
    return candidates


def amount_mg(dose: Quantity, weight_kg: float | None, field: str = "weight_kg") -> float:
    """A dose in mg: mg as is, mg/kg times the body weight (which must be given)."""
    if dose.unit == "mg":
        return dose.value
    if dose.unit == "mg/kg":
        if weight_kg is None:
            raise InvalidInput(
                field,
                None,
                "a body weight in kg (or dated weights with unit kg or lb)",
                hint="the dose is weight-based",
            )
        return round(dose.value * weight_kg, 1)
    raise InvalidInput("regimen dose unit", dose.unit, "mg or mg/kg")


class DoseLevelOut(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int
    dose: str
    mg: float
    schedule: str | None = Field(
        None,
        description="this level's own schedule where it differs from the regimen's (sevabertinib level -2: 10 mg "
        "once daily on the twice-daily regimen)",
    )


class DoseCalculation(BaseModel):
    """``her2kit dose``: the label's dosing for one patient weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str
    regimen: str
    context: str
    schedule: str
    weight_kg: float | None
    loading: DoseLevelOut | None
    maintenance: DoseLevelOut
    dose_levels: list[DoseLevelOut] = Field(default_factory=list)
    discontinue_if_below_lowest: bool | None = None
    missed_dose: list[str] = Field(default_factory=list)
    escalation: list[str] = Field(
        default_factory=list, description="the label's optional dose escalation, step by step"
    )
    prophylaxis: str | None = None
    region: Region = "US"
    label_section: str | None
    references: list[str]
    notes: list[str] = Field(default_factory=list)
    disclaimer: str = Field(DISCLAIMER, description=DISCLAIMER_DESCRIPTION)


@dataclass(frozen=True)
class _Level:
    level: int
    dose: Quantity
    schedule: str | None = None


def levels(regimen: Regimen) -> list[_Level]:
    if regimen.dose_levels:
        return [_Level(lvl.level, lvl.dose, lvl.schedule) for lvl in regimen.dose_levels]
    return [_Level(0, regimen.maintenance_dose)]


def _check_arguments(agent: object, weight_kg: object, texts: dict[str, object]) -> None:
    if not isinstance(agent, str) or not agent.strip():
        raise InvalidInput("agent", agent, "an agent name or id, e.g. trastuzumab or T-DXd")
    if weight_kg is not None and (
        isinstance(weight_kg, bool)
        or not isinstance(weight_kg, int | float)
        or not plausible_weight_kg(weight_kg)
    ):
        raise InvalidInput("weight_kg", weight_kg, PLAUSIBLE_WEIGHT)
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise InvalidInput(name, value, "text, or None")


def calculate(
    kb: KnowledgeBase,
    agent: str,
    *,
    weight_kg: float | None = None,
    indication: str | None = None,
    schedule: str | None = None,
    regimen_id: str | None = None,
    region: Region = "US",
    setting: Setting | None = None,
) -> DoseCalculation:
    """The label's doses for one patient: loading, maintenance and reduction levels, in mg where weight-based.

    Arguments are checked here too (not only by the CLI): a weight outside 20-400 kg, NaN, text or a region other
    than US/EU is an :class:`InvalidInput` naming the argument, never a dose computed from it."""
    _check_arguments(
        agent, weight_kg, {"indication": indication, "schedule": schedule, "regimen_id": regimen_id}
    )
    if region not in ("US", "EU"):
        raise InvalidInput("region", region, "US or EU")
    if setting not in (None, "early", "metastatic"):
        raise InvalidInput("setting", setting, "early or metastatic")
    regimen = select_regimen(
        kb,
        agent,
        indication=indication,
        schedule=schedule,
        regimen_id=regimen_id,
        weight_kg=weight_kg,
        region=region,
        setting=setting,
    )

    def out(level: int, dose: Quantity, schedule: str | None = None) -> DoseLevelOut:
        return DoseLevelOut(
            level=level,
            dose=f"{dose.value:g} {dose.unit}",
            mg=amount_mg(dose, weight_kg),
            schedule=schedule if schedule != regimen.schedule else None,
        )

    notes = []
    if regimen.region != region and regimen_id is None:
        notes.append(
            f"No {region} dosing record for this agent; the {regimen.region} label's dosing is shown."
        )
    elif regimen.region != region:
        notes.append(f"{regimen.id} is the {regimen.region} label's dosing (region {region} was asked for).")
    if regimen.given_with:
        others = [
            r.id
            for r in kb.regimens.values()
            if r.agent == regimen.agent and r.id != regimen.id and r.region == regimen.region
        ]
        notes.append(
            f"{regimen.id} is the dosing with {', '.join(regimen.given_with)}"
            + (f"; the label's levels differ otherwise ({', '.join(others)})." if others else ".")
        )
    if regimen.unverified:
        notes.append(f"{regimen.id} is marked unverified in the knowledge base: {regimen.note or ''}".strip())
    return DoseCalculation(
        agent=kb.agents[regimen.agent].name,
        regimen=regimen.id,
        context=regimen.context.strip(),
        schedule=regimen.schedule,
        weight_kg=weight_kg,
        loading=out(0, regimen.loading_dose) if regimen.loading_dose else None,
        maintenance=out(0, regimen.maintenance_dose),
        dose_levels=[out(lvl.level, lvl.dose, lvl.schedule) for lvl in levels(regimen)],
        discontinue_if_below_lowest=regimen.discontinue_if_below_lowest,
        missed_dose=[f"{m.condition}: {m.action}" for m in regimen.missed_dose],
        escalation=escalation_schedule(regimen),
        prophylaxis=" ".join(regimen.prophylaxis.split()) if regimen.prophylaxis else None,
        region=regimen.region,
        label_section=regimen.label_section,
        references=list(regimen.references),
        notes=notes,
    )


def escalation_schedule(regimen: Regimen) -> list[str]:
    """The label's optional escalation, one line per step ("days 1-7: 120 mg", "day 15 onwards: 240 mg")."""
    return [
        f"days {s.from_day}-{s.to_day}: {s.dose.value:g} {s.dose.unit}"
        if s.to_day is not None
        else f"day {s.from_day} onwards: {s.dose.value:g} {s.dose.unit}"
        for s in regimen.escalation_steps
    ]


def escalation_dose(regimen: Regimen, treatment_day: int) -> Quantity | None:
    """The escalation step's dose on a treatment day (day 1 = first dose); None without escalation."""
    for step in regimen.escalation_steps:
        if treatment_day >= step.from_day and (step.to_day is None or treatment_day <= step.to_day):
            return step.dose
    return None
