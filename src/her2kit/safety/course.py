"""The treatment course: the input of ``her2kit monitor`` (``schema_version`` "1").

Units are never guessed: doses are in mg (the key says so), weights are
``weight_kg`` or dated weights with an explicit ``unit`` of ``kg`` or ``lb``,
and laboratory values carry their unit (and the upper limit of normal when
the grading is relative to it). Dates are inputs; nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Final, Literal

from pydantic import Field, field_validator, model_validator

from her2kit.case import DocumentModel, read_document, validate_document
from her2kit.errors import InvalidInput
from her2kit.kb.schema import Region, Setting

SCHEMA_VERSION: Final = "1"
# Body weights her2kit doses for (a plausibility check against unit slips, not a clinical limit).
WEIGHT_KG_MIN: Final = 20
WEIGHT_KG_MAX: Final = 400
PLAUSIBLE_WEIGHT: Final = f"a body weight between {WEIGHT_KG_MIN} and {WEIGHT_KG_MAX} kg"


def plausible_weight_kg(kg: float) -> bool:
    """A finite body weight within WEIGHT_KG_MIN..WEIGHT_KG_MAX (the one check the course, `dose` and
    `calculate_dose` share)."""
    return math.isfinite(kg) and WEIGHT_KG_MIN <= kg <= WEIGHT_KG_MAX


LB_PER_KG = 2.2046226218  # 1 kg = 2.2046226218 lb (international avoirdupois pound, 0.45359237 kg)

# Adverse-event names users write, mapped to the terms of the knowledge-base rules.
AE_TERMS: Final[dict[str, str]] = {
    "ild": "ild",
    "interstitial lung disease": "ild",
    "pneumonitis": "ild",
    "ild/pneumonitis": "ild",
    "diarrhea": "diarrhea",
    "diarrhoea": "diarrhea",
    "alt": "alt",
    "alt increased": "alt",
    "ast": "ast",
    "ast increased": "ast",
    "bilirubin": "bilirubin",
    "blood bilirubin increased": "bilirubin",
    "hyperbilirubinemia": "bilirubin",
    "thrombocytopenia": "platelets",
    "platelet count decreased": "platelets",
    "platelets": "platelets",
    "neutropenia": "neutrophils",
    "neutrophil count decreased": "neutrophils",
    "neutrophils": "neutrophils",
    "febrile neutropenia": "febrile-neutropenia",
    "infusion reaction": "infusion-reaction",
    "infusion-related reaction": "infusion-reaction",
    "peripheral neuropathy": "peripheral-neuropathy",
    "rash": "rash",
    "left ventricular dysfunction": "left-ventricular-dysfunction",
    "nodular regenerative hyperplasia": "nodular-regenerative-hyperplasia",
    "stomatitis": "stomatitis",
    "mucositis oral": "stomatitis",
    "nausea": "nausea",
    "vomiting": "vomiting",
    "hypersensitivity": "hypersensitivity",
    "allergic reaction": "hypersensitivity",
    "anaphylaxis": "hypersensitivity",
    "injection site reaction": "injection-site-reaction",
    "keratitis": "keratitis",
    "ocular toxicity": "ocular",
    "anemia": "anemia",
    "anaemia": "anemia",
    "other": "other",
    "other adverse reaction": "other",
}
# The knowledge base's own term ids (e.g. "febrile-neutropenia", as results and `kb show` print them) are accepted too.
AE_TERM_KEYS: Final[dict[str, str]] = {**AE_TERMS, **{term: term for term in AE_TERMS.values()}}
LAB_UNITS: Final[dict[str, tuple[str, ...]]] = {
    "platelets": ("10^9/L", "x10^9/L", "/mm3", "/uL", "/µL"),
    "neutrophils": ("10^9/L", "x10^9/L", "/mm3", "/uL", "/µL"),
    "alt": ("U/L", "IU/L"),
    "ast": ("U/L", "IU/L"),
    "bilirubin": ("mg/dL", "umol/L", "µmol/L"),
}

# Plausibility bounds against unit slips (a count per µL typed with the unit 10^9/L, a µmol/L upper limit of normal
# beside a mg/dL value), not clinical limits: a value above them cannot be a real result in that unit, so it is an
# input error, never graded. Upper bounds only for the counts (a count too high in its unit reads as normal, the
# dangerous direction); the upper limit of normal also has a lower bound (a U/L or mg/dL limit in another unit).
LAB_VALUE_MAX: Final[dict[str, dict[str, float]]] = {
    "platelets": {"10^9/L": 5000, "x10^9/L": 5000, "/mm3": 5_000_000, "/uL": 5_000_000, "/µL": 5_000_000},
    "neutrophils": {"10^9/L": 200, "x10^9/L": 200, "/mm3": 200_000, "/uL": 200_000, "/µL": 200_000},
    "alt": {"U/L": 20_000, "IU/L": 20_000},
    "ast": {"U/L": 20_000, "IU/L": 20_000},
    "bilirubin": {"mg/dL": 60, "umol/L": 1000, "µmol/L": 1000},
}
LAB_ULN_RANGE: Final[dict[str, dict[str, tuple[float, float]]]] = {
    "alt": {"U/L": (10, 200), "IU/L": (10, 200)},
    "ast": {"U/L": (10, 200), "IU/L": (10, 200)},
    "bilirubin": {"mg/dL": (0.3, 3), "umol/L": (5, 50), "µmol/L": (5, 50)},
}


class DoseGiven(DocumentModel):
    date: dt.date
    mg: float = Field(
        gt=0,
        le=6000,
        description="dose given, in mg (a plausibility bound above every dose the knowledge base gives, including a "
        "safety gate's titration maximum; the dose itself is checked against the label's levels)",
    )
    dose_level: int | None = Field(
        None,
        ge=-10,
        le=0,
        description="the label dose level the prescriber set for this dose (0 = starting dose, -1 = first reduction, "
        "...), for doses whose level the record cannot show: levels of the same mg taken at different frequencies "
        "(sevabertinib 10 mg twice daily, level -1, or once daily, level -2). Used only to tell such levels apart",
    )


class Weight(DocumentModel):
    date: dt.date
    value: float = Field(gt=0)
    unit: Literal["kg", "lb"]

    @property
    def kg(self) -> float:
        return self.value if self.unit == "kg" else self.value / LB_PER_KG

    @model_validator(mode="after")
    def _plausible(self) -> Weight:
        if not plausible_weight_kg(self.kg):
            raise InvalidInput("value", self.value, f"{PLAUSIBLE_WEIGHT} (given in {self.unit})")
        return self


class LvefReading(DocumentModel):
    date: dt.date
    percent: float = Field(ge=5, le=90)
    baseline: bool = False


class AdverseEventEntry(DocumentModel):
    term: str
    grade: int = Field(ge=1, le=5, description="CTCAE grade")
    onset: dt.date
    resolved: dt.date | None = None
    resolved_grade: int | None = Field(None, ge=0, le=4, description="grade reached on the resolved date")
    complicated: bool | None = Field(
        None,
        description="complicating features (e.g. dehydration, fever, hypotension, renal failure, grade 3-4 "
        "neutropenia); asked for when a label's rule depends on it",
    )
    despite_treatment: bool | None = Field(
        None,
        description="persists despite optimal supportive (e.g. antidiarrhoeal) treatment; asked for when a "
        "label's rule depends on it",
    )

    @field_validator("term")
    @classmethod
    def _term(cls, value: str) -> str:
        key = " ".join(value.lower().replace("_", " ").split())
        if key not in AE_TERM_KEYS:
            raise InvalidInput("term", value, ", ".join(sorted(set(AE_TERM_KEYS))))
        return AE_TERM_KEYS[key]

    @model_validator(mode="after")
    def _dates(self) -> AdverseEventEntry:
        if self.resolved is not None and self.resolved < self.onset:
            raise InvalidInput(
                "resolved", self.resolved.isoformat(), f"a date on or after onset {self.onset}"
            )
        return self


class LabValue(DocumentModel):
    date: dt.date
    test: Literal["platelets", "neutrophils", "alt", "ast", "bilirubin"]
    value: float = Field(ge=0)
    unit: str
    uln: float | None = Field(
        None, gt=0, description="upper limit of normal, same unit (ALT, AST, bilirubin)"
    )

    @model_validator(mode="after")
    def _unit(self) -> LabValue:
        if self.unit not in LAB_UNITS[self.test]:
            raise InvalidInput("unit", self.unit, f"for {self.test}: {', '.join(LAB_UNITS[self.test])}")
        most = LAB_VALUE_MAX[self.test][self.unit]
        if self.value > most:
            raise InvalidInput(
                "value",
                self.value,
                f"≤ {most:g} for {self.test} in {self.unit}",
                hint="no real result is that high in this unit: check the unit (e.g. a count per µL given as 10^9/L)",
            )
        bounds = LAB_ULN_RANGE.get(self.test, {}).get(self.unit)
        if self.uln is not None and bounds is not None and not bounds[0] <= self.uln <= bounds[1]:
            raise InvalidInput(
                "uln",
                self.uln,
                f"{bounds[0]:g} to {bounds[1]:g} for {self.test} in {self.unit}",
                hint="the upper limit of normal must be in the value's unit (e.g. a µmol/L limit beside a mg/dL "
                "value); a plausibility check, not a clinical limit",
            )
        return self


class Course(DocumentModel):
    """One patient's course on one HER2-directed agent."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=200)
    agent: str = Field(description="INN, brand or abbreviation")
    indication: str | None = Field(None, description="tumour or context, e.g. breast, gastric, nsclc")
    regimen: str | None = Field(None, description="knowledge-base regimen id, when several fit")
    schedule: str | None = Field(None, description="q3w, weekly, q2w, daily, twice-daily")
    region: Region = "US"
    setting: Setting | None = Field(
        None, description="early (neoadjuvant/adjuvant) or metastatic; needed where a label's rules differ"
    )
    weight_kg: float | None = Field(None, gt=0, le=400)
    weights: list[Weight] = Field(default_factory=list)
    doses: list[DoseGiven] = Field(default_factory=list)
    lvef: list[LvefReading] = Field(default_factory=list)
    lvef_lower_limit_normal: float | None = Field(None, ge=30, le=70, description="institutional LLN (%)")
    symptomatic_heart_failure: bool = Field(False, description="symptomatic congestive heart failure now")
    adverse_events: list[AdverseEventEntry] = Field(default_factory=list)
    labs: list[LabValue] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    escalation: bool = Field(
        False, description="the patient started on the label's optional dose escalation (e.g. neratinib)"
    )
    today: dt.date

    @field_validator("weight_kg")
    @classmethod
    def _plausible_weight(cls, value: float | None) -> float | None:
        # The same check as dated weights and `her2kit dose` (a unit slip, 7 kg or 0.5 kg, is never dosed).
        if value is not None and not plausible_weight_kg(value):
            raise InvalidInput("weight_kg", value, PLAUSIBLE_WEIGHT)
        return value

    @model_validator(mode="after")
    def _order(self) -> Course:
        if self.weight_kg is not None and self.weights:
            raise InvalidInput(
                "weight_kg",
                self.weight_kg,
                "weight_kg or weights, not both",
                hint="give one weight as weight_kg, or dated weights as weights",
            )
        dated: list[tuple[str, dt.date | None]] = [
            *((f"doses.{i}.date", d.date) for i, d in enumerate(self.doses)),
            *((f"lvef.{i}.date", r.date) for i, r in enumerate(self.lvef)),
            *((f"labs.{i}.date", lab.date) for i, lab in enumerate(self.labs)),
            *((f"weights.{i}.date", w.date) for i, w in enumerate(self.weights)),
            *((f"adverse_events.{i}.onset", e.onset) for i, e in enumerate(self.adverse_events)),
            *((f"adverse_events.{i}.resolved", e.resolved) for i, e in enumerate(self.adverse_events)),
        ]
        for field, date in dated:
            if date is not None and date > self.today:
                raise InvalidInput(field, date.isoformat(), f"a date on or before today ({self.today})")
        # One value per date (per test for labs): which of two counts would depend on the order of the list.
        once: list[tuple[str, dt.date, str, str]] = [
            *((f"lvef.{i}.date", r.date, "", "one LVEF reading per date") for i, r in enumerate(self.lvef)),
            *((f"weights.{i}.date", w.date, "", "one weight per date") for i, w in enumerate(self.weights)),
            *(
                (f"labs.{i}.date", lab.date, lab.test, "one value per test per date")
                for i, lab in enumerate(self.labs)
            ),
        ]
        seen: set[tuple[str, dt.date, str]] = set()
        for field, date, test, what in once:
            key = (field.split(".")[0], date, test)
            if key in seen:
                raise InvalidInput(
                    field,
                    date.isoformat(),
                    what,
                    hint="another entry has this date; which one counts would depend on their order: give the one "
                    "that counts",
                )
            seen.add(key)
        if sum(1 for r in self.lvef if r.baseline) > 1:
            raise InvalidInput("lvef", "several baseline readings", "at most one reading marked baseline")
        return self

    def weight_on(self, date: dt.date) -> float | None:
        """Body weight in kg on a date: the latest dated weight on or before it, else ``weight_kg``."""
        dated = [w for w in self.weights if w.date <= date]
        if dated:
            return max(dated, key=lambda w: w.date).kg
        return self.weight_kg

    @property
    def baseline_lvef(self) -> LvefReading | None:
        """The reading marked ``baseline``, else the first reading when it is dated on or before the first dose; None
        when there is none: a first reading taken after treatment began is no baseline (the labels' baseline is
        before the first dose), and taking it as one would hide any fall from the true baseline."""
        marked = [r for r in self.lvef if r.baseline]
        if marked:
            return marked[0]
        if not self.lvef:
            return None
        first = min(self.lvef, key=lambda r: r.date)
        return first if self.first_lvef_before_treatment else None

    @property
    def first_lvef_before_treatment(self) -> bool:
        """Whether the first LVEF reading is dated on or before the first dose (True without doses or readings)."""
        if not self.lvef or not self.doses:
            return True
        return min(r.date for r in self.lvef) <= min(d.date for d in self.doses)


def parse_course(data: Any) -> Course:
    return validate_document(Course, data, "one treatment course")


def load_course(path: str) -> Course:
    return parse_course(read_document(path, "course"))
