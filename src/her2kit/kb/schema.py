"""Schema of the knowledge-base records.

Every record is a closed pydantic model (unknown keys are errors), has a stable
prefixed id (``agent:``, ``ind:``, ``regimen:``, ``trial:``, ``ae:``, ``bio:``,
``topic:``, ``ref:``) and cites at least one reference record by id. Facts that
could not be checked against a source carry ``unverified: true``.

Cross-record checks (references resolve, ids unique, dates ordered) live in
:mod:`her2kit.kb.validate`; this module only describes the shape of one record.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Annotated, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from her2kit.vocab import TumorType as CaseTumorType

# Units a quantity may carry anywhere in the knowledge base. A unit outside this
# set is a validation error, so that "mg/kg" cannot silently become "mg/ kg".
KNOWN_UNITS: frozenset[str] = frozenset(
    {
        "mg",
        "mg/kg",
        "mg/m2",
        "mL",
        "units",
        "%",
        "months",
        "weeks",
        "days",
        "hours",
        "years",
        "patients",
        "percentage points",
    }
)

REF_ID = r"^ref:[a-z0-9][a-z0-9._-]*$"
AGENT_ID = r"^agent:[a-z0-9][a-z0-9-]*$"
IND_ID = r"^ind:[a-z0-9][a-z0-9-]*$"
REGIMEN_ID = r"^regimen:[a-z0-9][a-z0-9-]*$"
TRIAL_ID = r"^trial:[a-z0-9][a-z0-9-]*$"
AE_ID = r"^ae:[a-z0-9][a-z0-9-]*$"
BIO_ID = r"^bio:[a-z0-9][a-z0-9-]*$"
TOPIC_ID = r"^topic:[a-z0-9][a-z0-9-]*$"
CLASS_ID = r"^class:[a-z0-9][a-z0-9-]*$"
GATE_ID = r"^gate:[a-z0-9][a-z0-9-]*$"

Region = Literal["US", "EU"]  # US prescribing information or EU SmPC
Setting = Literal["early", "metastatic"]  # early (neoadjuvant/adjuvant) or metastatic/advanced disease
RefId = Annotated[str, Field(pattern=REF_ID)]
AgentId = Annotated[str, Field(pattern=AGENT_ID)]
IndicationId = Annotated[str, Field(pattern=IND_ID)]
RegimenId = Annotated[str, Field(pattern=REGIMEN_ID)]
TrialId = Annotated[str, Field(pattern=TRIAL_ID)]
ClassId = Annotated[str, Field(pattern=CLASS_ID)]
AnyRecordId = Annotated[
    str, Field(pattern=r"^(agent|ind|regimen|trial|ae|bio|topic|ref|class|gate):[a-z0-9][a-z0-9._-]*$")
]
EscatTier = Literal["I-A", "I-B", "I-C", "II-A", "II-B", "III-A", "III-B", "IV", "X"]

# Indication scope: a case tumour type, or "solid-tumor" for a tumour-agnostic indication.
TumorType = Literal[CaseTumorType, "solid-tumor"]


class Record(BaseModel):
    """Fields every knowledge-base record shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    references: list[RefId] = Field(min_length=1, description="reference ids this record rests on")
    unverified: bool = Field(False, description="true when a fact could not be checked against a source")
    note: str | None = None


class Quantity(BaseModel):
    """A number with a unit from :data:`KNOWN_UNITS`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    unit: str

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in KNOWN_UNITS:
            raise ValueError(f"unknown unit {unit!r}; allowed: {', '.join(sorted(KNOWN_UNITS))}")
        return unit


# --------------------------------------------------------------------------- references
class Reference(BaseModel):
    """A source that was read: a label revision, a guideline, a trial paper, an FDA notice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=REF_ID)]
    kind: Literal[
        "label", "guideline", "trial-paper", "regulatory-announcement", "review", "database", "abstract"
    ]
    title: str
    source: str = Field(description="journal, agency or publisher")
    year: int = Field(ge=1950, le=2100)
    authors: str | None = None
    pmid: Annotated[str, Field(pattern=r"^\d{5,9}$")] | None = None
    doi: Annotated[str, Field(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    url: str | None = None
    revision_date: dt.date | None = Field(None, description="label revision or document date")
    accessed: dt.date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _locatable(self) -> Reference:
        if not (self.pmid or self.doi or self.url):
            raise ValueError("a reference needs at least one of pmid, doi or url")
        if self.kind == "label" and self.revision_date is None:
            raise ValueError("a label reference needs its revision_date")
        return self


# --------------------------------------------------------------------------- biology
class BiologyFact(Record):
    id: Annotated[str, Field(pattern=BIO_ID)]
    topic: Literal[
        "gene", "protein", "family", "dimerisation", "domains", "binding-site", "signalling", "testing"
    ]
    statement: str


# --------------------------------------------------------------------------- agents
class IntoleranceRule(BaseModel):
    """A label statement on this agent after prior intolerance to another agent, with its kinds of intolerance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: AgentId = Field(description="the agent the patient was intolerant to")
    kinds: list[Literal["infusion-related-reaction", "hypersensitivity", "other"]] = Field(
        min_length=1, description="the kinds of intolerance the statement is about"
    )
    severity: Literal["contraindication", "caution"]
    text: str = Field(description="the label's words")
    label_section: str
    reference: RefId


class ReportedApproval(BaseModel):
    """An approval of this agent that a source reports but whose indication wording was not read, so it is not an
    indication record: matching names it in a note for a case of its tumour type, setting and line, with its
    source, instead of silence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tumor_types: list[TumorType] = Field(min_length=1)
    setting: Setting
    lines: list[Literal["first", "second", "later"]] = Field(
        default_factory=list, description="metastatic lines it is reported for; empty means any"
    )
    text: str = Field(description="what is reported and what was not read, for the note")
    references: list[RefId] = Field(min_length=1)


class Agent(Record):
    id: Annotated[str, Field(pattern=AGENT_ID)]
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*$", description="lower-case INN")]
    agent_class: Literal[
        "monoclonal-antibody",
        "monoclonal-antibody-combination",
        "tki",
        "adc",
        "bispecific-antibody",
        "checkpoint-inhibitor",
    ]
    targets: list[str] = Field(min_length=1)
    binding_site: str | None = Field(None, description="epitope or kinase domain and binding mode")
    mechanism: str
    payload: str | None = None
    linker: str | None = None
    drug_antibody_ratio: float | None = Field(None, gt=0)
    routes: list[Literal["iv", "sc", "oral"]] = Field(min_length=1)
    brands: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list, description="USAN names, abbreviations, code names")
    biosimilars: list[str] = Field(
        default_factory=list, description='approved biosimilars, as "nonproprietary name (Brand)"'
    )
    contains: list[AgentId] = Field(
        default_factory=list, description="active HER2-directed moieties of a co-formulation (e.g. Phesgo)"
    )
    first_approval: dt.date | None = Field(None, description="first FDA approval")
    her2_directed: bool = True
    reported_approvals: list[ReportedApproval] = Field(
        default_factory=list,
        description="approvals reported by a source whose indication wording was not read (not encoded as "
        "indications; matching notes them)",
    )
    after_intolerance: list[IntoleranceRule] = Field(
        default_factory=list,
        description="what the label says about giving this agent after intolerance to another agent "
        "(e.g. Kadcyla after trastuzumab stopped for an infusion-related reaction)",
    )

    @model_validator(mode="after")
    def _adc_fields(self) -> Agent:
        if self.agent_class != "adc" and (self.payload or self.drug_antibody_ratio):
            raise ValueError("payload and drug_antibody_ratio are for ADCs only")
        return self


# --------------------------------------------------------------------------- indications
Her2Category = Literal["HER2-positive", "HER2-low", "HER2-ultralow"]


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    kind: Literal["original", "accelerated", "expansion", "restriction", "conversion", "withdrawal"] = Field(
        description="restriction: the indication narrowed (e.g. to a biomarker subgroup), not withdrawn"
    )
    agency: Literal["FDA", "EMA"] = "FDA"
    note: str | None = None


class PreviouslyTreated(BaseModel):
    """'Prior [therapy] for metastatic disease, or recurrence during or within N months of completing
    (neo)adjuvant [therapy]' (Kadcyla, Enhertu HER2-positive and HER2-low)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    therapy: str = Field(description="a drug class name (e.g. 'anti-HER2 therapy', 'chemotherapy'), or 'any'")
    early_settings: list[Literal["neoadjuvant", "adjuvant"]] = Field(
        min_length=1, description="the early settings the label names for the recurrence route"
    )
    within_months: int = Field(6, ge=1, le=60)


class HeadToHead(BaseModel):
    """This indication's regimen was superior to another indication's in a randomised trial that compared them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indication: IndicationId = Field(description="the indication whose regimen was the control arm")
    trial: TrialId
    result: str = Field(description="the primary result, as the trial record gives it")


class TrialLimit(BaseModel):
    """Where the label reaches beyond its pivotal trial: a patient outside the trial's population still meets the
    label, and gets a caution naming what the trial enrolled (never an exclusion)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trial: TrialId
    max_prior_chemo_lines_metastatic: int | None = Field(
        None,
        ge=0,
        description="the trial enrolled no patient with more prior chemotherapy lines for metastatic disease",
    )
    excludes_early_her2_recurrence: bool = Field(
        False,
        description="the trial excluded disease that recurred during or within 6 months of (neo)adjuvant "
        "HER2-targeted therapy",
    )
    early_recurrence_months: int | None = Field(
        None,
        ge=1,
        le=60,
        description="the trial enrolled no patient whose disease recurred during, or within this many months of "
        "completing, (neo)adjuvant therapy of the kind early_recurrence_therapy (CLEOPATRA: a disease-free interval "
        "of at least 12 months from completing (neo)adjuvant systemic treatment, excluding hormonal therapy)",
    )
    early_recurrence_therapy: Literal["anti-her2", "non-endocrine-systemic"] = Field(
        "anti-her2",
        description="with early_recurrence_months: which (neo)adjuvant therapy the interval is counted from: "
        "anti-HER2 therapy, or any systemic therapy other than endocrine therapy",
    )
    prior_agents_required: list[AgentId] = Field(
        default_factory=list,
        description="the trial enrolled only patients previously treated with every one of these agents, in any "
        "setting (HER2CLIMB: trastuzumab, pertuzumab and trastuzumab emtansine)",
    )
    min_prior_lines_metastatic: int | None = Field(
        None,
        ge=1,
        description="the trial enrolled only patients after at least this many prior lines of therapy for advanced "
        "disease (DESTINY-Gastric01: progression on at least two previous therapies)",
    )
    extent_rule: Literal["destiny-breast05", "katherine", "destiny-breast11"] | None = Field(
        None,
        description="the trial's enrolment by clinical T and N at presentation and nodes after neoadjuvant therapy, "
        "as coded (with the registry wording) in match/populations.py",
    )
    ask_when_unknown: bool = Field(
        False, description="with extent_rule: a caution asking for the staging when the case does not say"
    )
    enrolled: str = Field(description="what the trial enrolled, as its record gives it")
    reference: RefId | None = Field(None, description="where the enrolment criteria were read")


class SubgroupResult(BaseModel):
    """A pivotal trial's result in a subgroup the case belongs to, where the benefit was not shown there: a caution
    quoting it (never an exclusion)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trial: TrialId
    nodes: Literal["negative", "positive"] | None = Field(
        None,
        description="pathological nodal status (pN, or an N category without prefix); clinical cN is not used",
    )
    hormone_receptor: Literal["negative", "positive"] | None = None
    her2_category: Literal["HER2-low", "HER2-ultralow"] | None = Field(
        None, description="the HER2 category of the subgroup (DESTINY-Breast06's HER2-ultralow population)"
    )
    pd_l1_cps_min: float | None = Field(
        None, ge=0, description="PD-L1 CPS at or above this (KEYNOTE-811's CPS >= 1 population)"
    )
    label: str | None = Field(
        None, description="the subgroup in words, when the fields above do not say it all"
    )
    endpoint: str | None = Field(None, description="with hazard_ratio: the end point (PFS, OS, iDFS)")
    hazard_ratio: float | None = Field(None, gt=0)
    ci95: tuple[float, float] | None = None
    exploratory: bool = Field(False, description="the source calls the analysis exploratory")
    result: str = Field(description="the subgroup result as the source states it")
    references: list[RefId] = Field(min_length=1)

    @property
    def benefit_shown(self) -> bool:
        """A hazard ratio whose 95% CI lies below 1; without one the record is a subgroup without a shown benefit."""
        return self.ci95 is not None and self.ci95[1] < 1

    @model_validator(mode="after")
    def _has_a_subgroup(self) -> SubgroupResult:
        if (
            self.nodes is None
            and self.hormone_receptor is None
            and self.her2_category is None
            and self.pd_l1_cps_min is None
        ):
            raise ValueError(
                "a subgroup result names nodes and/or hormone_receptor, her2_category, pd_l1_cps_min"
            )
        if (self.hazard_ratio is None) != (self.endpoint is None) or (
            self.ci95 is not None and self.hazard_ratio is None
        ):
            raise ValueError(
                "a subgroup hazard ratio comes with its endpoint (and its ci95 with a hazard ratio)"
            )
        if self.hazard_ratio is not None and self.ci95 is not None:
            lo, hi = self.ci95
            if not lo <= self.hazard_ratio <= hi:
                raise ValueError(f"hazard ratio {self.hazard_ratio} outside its ci95 {self.ci95}")
        return self


class Criteria(BaseModel):
    """Machine-readable eligibility of an indication, as the label words it.

    Each field is optional; an absent field places no constraint. Matching code
    reads these fields and nothing else.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tumor_types: list[TumorType] = Field(min_length=1)
    setting: Literal["early", "metastatic"]
    phase: Literal[
        "neoadjuvant",
        "adjuvant",
        "post-neoadjuvant-residual",
        "extended-adjuvant",
        "metastatic",
    ]
    her2_categories: list[Her2Category] = Field(
        default_factory=list, description="HER2 categories allowed; empty means HER2 status not required"
    )
    her2_ihc_scores: list[Literal["0", "ultralow", "1+", "2+", "3+"]] = Field(
        default_factory=list,
        description="IHC scores required instead of a category (e.g. tumour-agnostic 3+)",
    )
    erbb2_mutation: Literal["activating", "tkd-activating"] | None = Field(
        None, description="an ERBB2 (HER2) mutation is required"
    )
    hormone_receptor: Literal["positive", "negative"] | None = None
    pd_l1_cps_min: float | None = Field(None, ge=0, description="PD-L1 combined positive score ≥ this")
    ras: Literal["wild-type"] | None = None
    lines: list[Literal["first", "second", "later"]] = Field(
        default_factory=list, description="metastatic lines the label allows; empty means any"
    )
    lines_count: Literal["all", "chemotherapy-or-anti-her2"] = Field(
        "all",
        description=(
            "which prior metastatic lines count for ``lines``: all, or only those with chemotherapy or an "
            "anti-HER2 agent, where the label or its pivotal trial defines the line that way (e.g. 'who have "
            "not received prior anti-HER2 therapy or chemotherapy for metastatic disease'), so that "
            "endocrine-based lines do not count"
        ),
    )
    min_prior_her2_regimens_metastatic: int | None = Field(None, ge=0)
    prior_agents_required: list[str] = Field(
        default_factory=list, description="agent ids or drug classes the patient must have received"
    )
    endocrine_progression_required: bool | None = None
    min_prior_chemo_lines_metastatic: int | None = Field(None, ge=0)
    max_prior_chemo_lines_metastatic: int | None = Field(None, ge=0)
    prior_systemic_therapy_required: bool | None = None
    no_satisfactory_alternative_required: bool | None = None
    high_risk_required: bool | None = Field(
        None,
        description="the label restricts early disease to a risk it does not define in the text read ('at high "
        "risk of recurrence'): a caution quoting the label asks to confirm it",
    )
    node_negative_risk: Literal["er-pr-negative-or-one-high-risk-feature"] | None = Field(
        None,
        description="the Herceptin adjuvant label: 'node-positive or node-negative (ER/PR-negative or with one "
        "high-risk feature)', high risk being 'ER/PR-positive with one of the following features: tumor size >2 cm, "
        "age <35, or tumor grade 2 or 3'",
    )
    extent_required: Literal["over-2cm-or-node-positive"] | None = Field(
        None,
        description="the label's extent of early disease: 'locally advanced, inflammatory, or early stage breast "
        "cancer (either greater than 2 cm in diameter or node positive)', read from the T and N categories",
    )
    previously_treated: PreviouslyTreated | None = Field(
        None,
        description="the label's 'prior [therapy] in the metastatic setting, or recurrence during or within N "
        "months of completing (neo)adjuvant [therapy]'",
    )
    min_prior_her2_regimens_any: int | None = Field(
        None,
        ge=0,
        description="prior anti-HER2 regimens in any setting (e.g. 'two or more prior anti-HER2 regimens')",
    )
    stage_groups: list[Literal["I", "II", "III", "IV"]] = Field(
        default_factory=list,
        description="anatomic stage groups the label allows (tumor.stage); empty means any",
    )
    histology: Literal["non-squamous", "adenocarcinoma"] | None = Field(
        None, description="the histology the label requires (non-squamous NSCLC; gastric/GEJ adenocarcinoma)"
    )
    sex: Literal["female", "male"] | None = Field(None, description="the sex the label names")
    menopausal_status: Literal["postmenopausal"] | None = Field(
        None, description="the menopausal status the label names"
    )
    free_text: str = Field(description="the criteria as the label states them")


class Indication(Record):
    id: Annotated[str, Field(pattern=IND_ID)]
    agents: list[AgentId] = Field(min_length=1, description="HER2-directed agents of the indication")
    combination: str | None = Field(None, description="partners as the label names them")
    sequenced_agents: list[AgentId] = Field(
        default_factory=list,
        description="HER2-directed agents the regimen gives in sequence after the indication's agents (T-DXd "
        "followed by THP): checked by every safety gate and prior-intolerance rule like the agents",
    )
    label_text: str = Field(description="indication as worded in the label (close paraphrase)")
    region: Region
    regulatory: Literal["FDA-approved", "EMA-approved"]
    approval_type: Literal["regular", "accelerated"]
    approvals: list[Approval] = Field(min_length=1)
    criteria: Criteria
    companion_diagnostics: list[str] = Field(default_factory=list)
    pivotal_trials: list[TrialId] = Field(default_factory=list)
    regimen: RegimenId | None = None
    escat_tier: EscatTier | None = Field(
        None, description="ESCAT tier of the HER2 alteration-drug match for this tumour (docs/matching.md)"
    )
    superior_to: list[HeadToHead] = Field(
        default_factory=list,
        description="indications whose regimen this one beat head-to-head in a randomised trial (ranking rule)",
    )
    trial_limits: list[TrialLimit] = Field(
        default_factory=list,
        description="populations the label covers but its pivotal trial did not (cautions)",
    )
    subgroup_results: list[SubgroupResult] = Field(
        default_factory=list,
        description="pivotal-trial subgroups without a shown benefit (a caution for a case in the subgroup)",
    )


# --------------------------------------------------------------------------- regimens
class DoseLevel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int = Field(le=0, description="0 = starting dose, -1 = first reduction, ...")
    dose: Quantity
    label: str | None = None
    schedule: Literal["daily", "twice-daily"] | None = Field(
        None,
        description="this level's schedule where it differs from the regimen's (sevabertinib's second reduction: "
        "10 mg once daily on a twice-daily regimen); only on a daily or twice-daily regimen",
    )


class EscalationStep(BaseModel):
    """One step of a label's optional dose escalation at the start of treatment (e.g. neratinib)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_day: int = Field(ge=1, description="first treatment day of the step (day 1 = first dose)")
    to_day: int | None = Field(None, ge=1, description="last day of the step, inclusive; null = onwards")
    dose: Quantity

    @model_validator(mode="after")
    def _days(self) -> EscalationStep:
        if self.to_day is not None and self.to_day < self.from_day:
            raise ValueError("to_day before from_day")
        return self


class SwitchFrom(BaseModel):
    """The label's first dose of this regimen after another regimen of the same drug (trastuzumab: "One week following
    the last weekly dose of Herceptin, administer Herceptin at 6 mg/kg ... every three weeks")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    regimen: RegimenId = Field(description="the regimen whose last dose this regimen follows")
    after_days: int = Field(
        ge=1, description="days from that regimen's last dose to this regimen's first dose"
    )
    min_doses: int | None = Field(
        None,
        ge=1,
        description="the fewest doses of that regimen the label describes before the switch (trastuzumab: weekly for "
        "the first 12 weeks with paclitaxel or docetaxel, 18 with docetaxel/carboplatin): fewer give a warning",
    )
    text: str = Field(description="the label's words, quoted")
    reference: RefId


class MissedDoseRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    condition: str
    max_delay_days: int | None = Field(None, ge=0, description="delay up to which the rule applies")
    min_delay_days: int | None = Field(None, ge=0, description="delay from which the rule applies")
    measured_from: Literal["planned-date", "last-dose"] = Field(
        "planned-date",
        description='what the delay counts: days after the planned date ("missed by more than one week") or days '
        'since the last dose ("time between two sequential doses is 6 weeks or more")',
    )
    action: str
    reload: bool | None = Field(None, description="true when the label says to give the loading dose again")
    keeps_schedule: bool = Field(
        False,
        description="true when the label says that after a dose given this late the later doses keep the previous "
        "schedule (e.g. the Herceptin SmPC: 'according to the previous schedule'), instead of counting from the "
        "late dose",
    )


# Days from one dose to the next, by schedule. A daily or twice-daily oral drug is taken every day whatever its cycle
# (lapatinib: "once daily on days 1-21 of a 21-day cycle"); twice daily counts whole days (the date of the next dose).
DOSE_INTERVAL_DAYS: Final[dict[str, int]] = {"daily": 1, "twice-daily": 1, "weekly": 7, "q2w": 14, "q3w": 21}
# Doses on one day of a daily or twice-daily oral drug (every other schedule gives at most one dose on its day).
DOSES_PER_DAY: Final[dict[str, int]] = {"daily": 1, "twice-daily": 2}
_SCHEDULE_WORDS: Final[dict[str, str]] = {"daily": "once daily", "twice-daily": "twice daily"}


def schedule_words(schedule: str) -> str:
    """A schedule as a reader says it: "once daily", "twice daily"; other schedules as written ("q3w")."""
    return _SCHEDULE_WORDS.get(schedule, schedule)


class Regimen(Record):
    id: Annotated[str, Field(pattern=REGIMEN_ID)]
    agent: AgentId
    context: str = Field(description="indication(s) or tumour type this dosing applies to")
    route: Literal["iv", "sc", "oral"]
    schedule: str = Field(
        description="q3w, weekly, q2w, daily, twice-daily: sets the interval between two doses"
    )
    cycle_days: int | None = Field(
        None,
        gt=0,
        description="the treatment cycle (e.g. 21 for lapatinib with capecitabine); not the interval between two "
        "doses of a daily drug, which the schedule gives",
    )
    loading_dose: Quantity | None = None
    maintenance_dose: Quantity
    max_dose: Quantity | None = None
    infusion: str | None = Field(None, description="infusion or injection times")
    duration: str | None = None
    dose_levels: list[DoseLevel] = Field(default_factory=list)
    discontinue_if_below_lowest: bool | None = None
    escalation: str | None = None
    escalation_steps: list[EscalationStep] = Field(
        default_factory=list,
        description="the optional escalation, as steps from day 1; the last is open-ended",
    )
    prophylaxis: str | None = None
    prophylaxis_days: int | None = Field(
        None, ge=1, description="prophylaxis (e.g. antidiarrhoeal) is due during the first N days"
    )
    region: Region = Field("US", description="label region: US prescribing information or EU SmPC")
    missed_dose: list[MissedDoseRule] = Field(default_factory=list)
    switch_from: SwitchFrom | None = Field(
        None,
        description="the regimen this one continues after, and when its first dose (a maintenance dose, not a loading "
        "dose) is due",
    )
    label_section: str | None = None
    min_weight_kg: float | None = Field(
        None, gt=0, description="this dosing applies from this weight (inclusive)"
    )
    max_weight_kg: float | None = Field(None, gt=0, description="this dosing applies below this weight")
    setting: Setting | None = Field(
        None,
        description="the disease setting this dosing is for, where the label's dosing of the agent differs by setting "
        "(neratinib: single agent in early disease, with capecitabine in metastatic disease)",
    )
    given_with: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9 -]*$")]] = Field(
        default_factory=list,
        description="the drugs (generic names) the label gives this dosing with, where the agent's dosing differs "
        "with them (neratinib with capecitabine); a course uses this record when its medications name them, and is "
        "asked when they do not",
    )

    @property
    def dose_interval_days(self) -> int:
        """Days from one dose to the next (1 for a daily or twice-daily drug, whatever its cycle)."""
        return DOSE_INTERVAL_DAYS[self.schedule]

    @model_validator(mode="after")
    def _schedule(self) -> Regimen:
        if self.schedule not in DOSE_INTERVAL_DAYS:
            raise ValueError(f"schedule: one of {', '.join(DOSE_INTERVAL_DAYS)}")
        interval = DOSE_INTERVAL_DAYS[self.schedule]
        if interval > 1 and self.cycle_days is not None and self.cycle_days != interval:
            raise ValueError(
                f"cycle_days {self.cycle_days} differs from the {self.schedule} interval ({interval} days)"
            )
        return self

    def level_schedule(self, level: int) -> str:
        """The schedule at a dose level: the level's own (see :class:`DoseLevel`), else the regimen's."""
        own = next((lvl.schedule for lvl in self.dose_levels if lvl.level == level), None)
        return own or self.schedule

    @model_validator(mode="after")
    def _level_schedules(self) -> Regimen:
        """A level with its own schedule is on a daily or twice-daily regimen, and two levels of the same dose differ
        in doses a day: the dose a day decreases strictly from level to level, so a dose and its count a day name
        one level."""
        if any(lvl.schedule is not None for lvl in self.dose_levels):
            if self.schedule not in DOSES_PER_DAY:
                raise ValueError(
                    f"a dose level's own schedule needs a daily or twice-daily regimen, not {self.schedule}"
                )
            totals = [
                (lvl.dose.value * DOSES_PER_DAY[lvl.schedule or self.schedule], lvl.dose.unit)
                for lvl in self.dose_levels
            ]
            for (before, unit), (after, unit2) in itertools.pairwise(totals):
                if unit == unit2 and after >= before:
                    raise ValueError("dose_levels: the dose a day must decrease from level to level")
        return self

    @model_validator(mode="after")
    def _escalation(self) -> Regimen:
        steps = self.escalation_steps
        if steps:
            if steps[0].from_day != 1:
                raise ValueError("escalation_steps must start on day 1")
            for before, after in itertools.pairwise(steps):
                if before.to_day is None or after.from_day != before.to_day + 1:
                    raise ValueError("escalation_steps must be contiguous")
            if steps[-1].to_day is not None:
                raise ValueError("the last escalation step must be open-ended (to_day null)")
        return self


# --------------------------------------------------------------------------- trials
class ArmCohort(BaseModel):
    """Who a cohort or subgroup of a trial enrolled, as its record states it, so that the effect shown for a case
    is that of the cohort the case belongs to (a patient after a HER2-directed ADC gets the post-ADC cohort's
    response rate, an IHC 3+ patient the IHC 3+ subgroup's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prior_her2_therapy: Literal["none", "adc", "no-tki-or-adc"] | None = Field(
        None,
        description="none: naive to HER2-directed therapy; adc: after a HER2-directed antibody-drug conjugate; "
        "no-tki-or-adc: no prior HER2-targeted TKI or ADC (HER2 antibodies allowed)",
    )
    her2_ihc_scores: list[Literal["0", "1+", "2+", "3+"]] = Field(
        default_factory=list, description="the IHC scores the cohort or subgroup enrolled"
    )

    prior_platinum: bool | None = Field(
        None, description="true: the cohort enrolled only patients after platinum-based chemotherapy"
    )

    @model_validator(mode="after")
    def _says_something(self) -> ArmCohort:
        if self.prior_her2_therapy is None and not self.her2_ihc_scores and self.prior_platinum is None:
            raise ValueError("a cohort names prior_her2_therapy, her2_ihc_scores and/or prior_platinum")
        return self


class Arm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    label: str
    agents: list[str] = Field(default_factory=list, description="agent ids or other drug names")
    n: int | None = Field(None, gt=0)
    cohort: ArmCohort | None = Field(
        None, description="who this cohort or subgroup enrolled (single-arm trials)"
    )


class ArmValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    arm: str
    value: float | None = Field(None, description="null when not reached")
    unit: str = "months"
    ci95: tuple[float | None, float | None] | None = None
    note: str | None = None

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in KNOWN_UNITS:
            raise ValueError(f"unknown unit {unit!r}; allowed: {', '.join(sorted(KNOWN_UNITS))}")
        return unit


class TrialResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str = Field(description="PFS, OS, iDFS, ORR, pCR, ...")
    assessment: str | None = Field(None, description="e.g. BICR, investigator")
    analysis: Literal["primary", "interim", "final", "updated", "descriptive"]
    data_cutoff: dt.date | None = None
    hazard_ratio: float | None = Field(None, gt=0)
    ci95: tuple[float, float] | None = None
    p_value: str | None = None
    significant: bool | None = Field(
        None,
        description="whether the result met the trial's prespecified significance level or interim boundary, as "
        "the source states it; null when the source read does not say (false where it says it was not reached)",
    )
    per_arm: list[ArmValue] = Field(default_factory=list)
    population: str | None = Field(
        None,
        description="the population the result is for (a cohort, the primary analysis population), shown on the "
        "effect line; without it the trial's population is shown",
    )
    reference: RefId

    @model_validator(mode="after")
    def _ci_contains_hr(self) -> TrialResult:
        if self.ci95 is not None:
            lo, hi = self.ci95
            if lo > hi:
                raise ValueError(f"ci95 lower bound {lo} above upper bound {hi}")
            if self.hazard_ratio is not None and not lo <= self.hazard_ratio <= hi:
                raise ValueError(f"hazard ratio {self.hazard_ratio} outside its ci95 {self.ci95}")
        return self


class Trial(Record):
    id: Annotated[str, Field(pattern=TRIAL_ID)]
    name: str
    nct: Annotated[str, Field(pattern=r"^NCT\d{8}$")] | None = None
    phase: Literal["1", "1b", "2", "2/3", "3"]
    design: str
    tumor_type: TumorType
    setting: str
    population: str
    arms: list[Arm] = Field(min_length=1)
    primary_endpoints: list[str] = Field(min_length=1)
    results: list[TrialResult] = Field(default_factory=list)
    cns_metastases: Literal["active-allowed", "stable-allowed", "excluded"] | None = Field(
        None, description="which brain metastases the trial enrolled; null when not curated"
    )


# --------------------------------------------------------------------------- adverse events
AeCategory = Literal[
    "cardiomyopathy",
    "ild-pneumonitis",
    "diarrhea",
    "hepatotoxicity",
    "thrombocytopenia",
    "neutropenia",
    "infusion-reaction",
    "embryo-fetal-toxicity",
    "oligohydramnios",
    "hypersensitivity",
    "neurotoxicity",
    "ocular",
    "skin",
    "other",
]


class Incidence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0, le=100)
    unit: Literal["%"] = "%"
    grade: str = Field(description="any, ≥3, 4, 5, ...")
    population: str
    reference: RefId


class AdverseEvent(Record):
    id: Annotated[str, Field(pattern=AE_ID)]
    agent: AgentId
    category: AeCategory
    term: str
    boxed_warning: bool = False
    label_section: str | None = None
    incidence: list[Incidence] = Field(default_factory=list)
    monitoring: str | None = None
    management: str | None = None


# --------------------------------------------------------------------------- topics
class Topic(Record):
    id: Annotated[str, Field(pattern=TOPIC_ID)]
    question: str
    audience: Literal["patient", "clinician", "general"] = "general"
    answer: str = Field(description="plain-language answer; cite with [ref:...] markers")
    related: list[AnyRecordId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cites_inline(self) -> Topic:
        cited = set(re.findall(r"\[(ref:[a-z0-9][a-z0-9._-]*)\]", self.answer))
        missing = cited - set(self.references)
        if missing:
            raise ValueError(f"answer cites {sorted(missing)} not listed in references")
        return self


# --------------------------------------------------------------------------- monitoring rules
Action = Literal["continue", "hold", "reduce", "discontinue"]


LvefMeasure = Literal["lvef", "decline"]
BoundOp = Literal[">=", ">", "<", "<="]


class LvefBand(BaseModel):
    """One row of a label's LVEF dose-modification table.

    Each bound names its comparison, so that a label's words are written as they stand: ``lvef_min`` (LVEF ≥),
    ``lvef_gt`` (>), ``lvef_max`` (<), ``lvef_le`` (≤), and the same for ``decline_*`` (absolute decrease from
    baseline, percentage points). "Greater than 45%" is ``lvef_gt: 45``; "40% to 45%" is ``lvef_min: 40, lvef_le: 45``;
    "10% to 20%" is ``decline_min: 10, decline_le: 20``. At most one bound per side. The engine compares readings
    and decreases in exact decimal arithmetic.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lvef_min: float | None = Field(None, ge=0, le=100, description="LVEF at or above this (%)")
    lvef_gt: float | None = Field(None, ge=0, le=100, description="LVEF above this (%)")
    lvef_max: float | None = Field(None, ge=0, le=100, description="LVEF below this (%)")
    lvef_le: float | None = Field(None, ge=0, le=100, description="LVEF at or below this (%)")
    below_lln: bool | None = Field(None, description="LVEF below the institutional lower limit of normal")
    decline_min: float | None = Field(
        None, ge=0, description="absolute decrease from baseline at or above this (points)"
    )
    decline_gt: float | None = Field(
        None, ge=0, description="absolute decrease from baseline above this (points)"
    )
    decline_max: float | None = Field(
        None, ge=0, description="absolute decrease from baseline below this (points)"
    )
    decline_le: float | None = Field(
        None, ge=0, description="absolute decrease from baseline at or below this (points)"
    )
    symptomatic_chf: bool | None = None
    action: Action
    recheck_weeks: float | None = Field(None, gt=0)
    min_hold_weeks: float | None = Field(
        None,
        gt=0,
        description="the label's minimum withholding period ('withhold ... for at least N weeks'), counted from the "
        "reading that opened the hold: dosing does not resume before it ends; set only where the row's text says so",
    )
    reduce_levels_on_resume: int = Field(
        0, ge=0, le=3, description="dose levels down when resuming after the hold"
    )
    on_recheck: (
        Literal[
            "resume-if-recovered",
            "discontinue-if-not-recovered",
            "discontinue-if-not-recovered-within",
            "discontinue-if-confirmed",
            "continue",
        ]
        | None
    ) = Field(
        None,
        description="at the repeat assessment: discontinue-if-not-recovered judges the first repeat reading; "
        "discontinue-if-not-recovered-within gives recovery until recheck_weeks after the hold began; "
        "discontinue-if-confirmed discontinues when the repeat reading meets the row again (otherwise the repeat "
        "reading is judged afresh against the table)",
    )
    text: str

    @model_validator(mode="after")
    def _one_bound_per_side(self) -> LvefBand:
        for low, high, name in (
            ((self.lvef_min, self.lvef_gt), (self.lvef_max, self.lvef_le), "lvef"),
            ((self.decline_min, self.decline_gt), (self.decline_max, self.decline_le), "decline"),
        ):
            if all(v is not None for v in low):
                raise ValueError(f"{name}_min and {name}_gt both given: one lower bound")
            if all(v is not None for v in high):
                raise ValueError(f"{name}_max and {name}_le both given: one upper bound")
        if self.min_hold_weeks is not None and self.action != "hold":
            raise ValueError("min_hold_weeks belongs to a row whose action is hold")
        return self

    def bounds(self) -> list[tuple[LvefMeasure, BoundOp, float]]:
        """The row's numeric criteria as (measure, comparison, value): ("lvef", ">", 45) reads "LVEF > 45%"."""
        pairs: list[tuple[LvefMeasure, BoundOp, float | None]] = [
            ("lvef", ">=", self.lvef_min),
            ("lvef", ">", self.lvef_gt),
            ("lvef", "<", self.lvef_max),
            ("lvef", "<=", self.lvef_le),
            ("decline", ">=", self.decline_min),
            ("decline", ">", self.decline_gt),
            ("decline", "<", self.decline_max),
            ("decline", "<=", self.decline_le),
        ]
        return [(measure, op, value) for measure, op, value in pairs if value is not None]


class CardiacMonitoring(Record):
    """LVEF monitoring and dose-modification rules of one label."""

    id: Annotated[str, Field(pattern=r"^cardiac:[a-z0-9][a-z0-9-]*$")]
    agents: list[AgentId] = Field(min_length=1)
    baseline_required: bool
    interval_weeks: float | None = Field(None, gt=0, description="routine LVEF interval during treatment")
    interval_text: str
    max_holds: int | None = Field(None, ge=1, description="discontinue when held more than this many times")
    persistent_decline_weeks: float | None = Field(
        None, gt=0, description="discontinue if a decline persists longer"
    )
    recovered_text: str | None = Field(None, description="what the label counts as recovery")
    recovered_lvef_min: float | None = Field(
        None, ge=0, le=100, description="recovery: LVEF at or above this"
    )
    recovered_decline_max: float | None = Field(
        None, ge=0, description="recovery: decrease from baseline at or below this (points)"
    )
    resume_within_weeks: float | None = Field(
        None,
        gt=0,
        description="the label allows resumption only when recovery is shown within this many weeks of the reading "
        "that opened the hold (recovered_text, e.g. 'may be resumed if, within 8 weeks, ...')",
    )
    bands: list[LvefBand] = Field(default_factory=list)
    lln_if_not_given: float | None = Field(
        None,
        gt=0,
        lt=100,
        description="the LVEF lower limit of normal the label uses where no institutional limit is available "
        "(Margenza 2.2: 'below institutional limits of normal (or 50% if no limits are available)'); without it a "
        "row that needs the limit asks for it",
    )
    label_table_missing: bool = Field(
        False,
        description="the label has an LVEF dose-modification table that is not in the knowledge base (no bands): "
        "a reading that would trigger any HER2-antibody table holds the dose as a knowledge gap (a her2kit "
        "convention, not a label rule) until a clinician applies the label's table",
    )
    label_section: str
    region: Region = Field("US", description="label region: US prescribing information or EU SmPC")
    setting: Setting | None = Field(
        None, description="when the label's table is for one disease setting only"
    )
    graded_as: AeTerm | None = Field(
        None,
        description="the label also acts on the NCI CTCAE grade of a decreased LVEF (Tykerb 2.2: 'a decreased LVEF "
        "of Grade 2 or greater'), which a course records as an adverse event of this term; the readings are not "
        "graded by her2kit (the grade's LVEF bounds depend on the CTCAE version), so a latest reading below 50% or "
        "10 points or more below baseline with no such event recorded on or after it holds the dose and asks for "
        "its grade (a her2kit safety convention, not a label rule)",
    )

    @model_validator(mode="after")
    def _bands_or_missing_table(self) -> CardiacMonitoring:
        if self.label_table_missing and self.bands:
            raise ValueError(
                "label_table_missing: the label's table is not in the knowledge base, so no bands"
            )
        if not self.label_table_missing and not self.bands:
            raise ValueError("bands: at least one row, or label_table_missing: true")
        return self


AeTerm = Literal[
    "ild",
    "diarrhea",
    "alt",
    "ast",
    "bilirubin",
    "platelets",
    "neutrophils",
    "febrile-neutropenia",
    "infusion-reaction",
    "left-ventricular-dysfunction",
    "nodular-regenerative-hyperplasia",
    "peripheral-neuropathy",
    "rash",
    "stomatitis",
    "nausea",
    "vomiting",
    "hypersensitivity",
    "injection-site-reaction",
    "keratitis",
    "ocular",
    "anemia",
    "other",
]


LiverTest = Literal["alt", "ast", "bilirubin"]
LIVER_TESTS: Final = get_args(LiverTest)


class ConcurrentLab(BaseModel):
    """A second laboratory value a label row also requires (e.g. transaminases > 3 x ULN *with* total
    bilirubin > 2 x ULN): a value of ``test`` dated within the event (onset to resolution, or to today) above
    ``above_uln`` times the upper limit of normal (strictly above, as the labels write ">")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    test: LiverTest
    above_uln: float = Field(gt=0)


class UlnRange(BaseModel):
    """A label row's own cut-offs for a liver test, as multiples of the upper limit of normal, where they are not
    CTCAE grade bounds (e.g. total bilirubin "> 1.0 to <= 2.0 x ULN"): above ``above`` (exclusive) and at most
    ``at_most`` (inclusive), as labels write them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    above: float | None = Field(None, ge=0)
    at_most: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _bounds(self) -> UlnRange:
        if self.above is None and self.at_most is None:
            raise ValueError("give above, at_most or both")
        if self.above is not None and self.at_most is not None and self.at_most <= self.above:
            raise ValueError("at_most must be above above")
        return self


class AeRule(Record):
    """A label's dose modification for one adverse reaction at a CTCAE grade range."""

    id: Annotated[str, Field(pattern=r"^aerule:[a-z0-9][a-z0-9-]*$")]
    agents: list[AgentId] = Field(min_length=1)
    term: AeTerm
    grade_min: int = Field(ge=1, le=5)
    grade_max: int = Field(ge=1, le=5)
    action: Action
    hold_until_grade: int | None = Field(None, ge=0, le=4, description="resume when the event is at or below")
    reduce_levels_on_resume: int = Field(0, ge=0, le=3)
    resolve_within_days: int | None = Field(
        None, ge=1, description="e.g. the 28-day rule: resolved within N days of onset → same dose"
    )
    reduce_levels_if_resolved_later: int | None = Field(None, ge=0, le=3)
    occurrence: int | None = Field(
        None, ge=1, description="applies to the Nth occurrence, when the label says"
    )
    complicated: bool | None = Field(
        None,
        description="the row is for events with (true) or without (false) complicating features, "
        "as the label defines them (e.g. dehydration, fever, hypotension, renal failure, grade 3-4 neutropenia)",
    )
    despite_treatment: bool | None = Field(
        None,
        description="the row is for events persisting despite (true) or without (false) optimal supportive "
        "(e.g. antidiarrhoeal) treatment",
    )
    duration_min_days: int | None = Field(
        None, ge=1, description="the row applies once the event has lasted this many days (from onset)"
    )
    duration_max_days: int | None = Field(
        None, ge=1, description="the row applies while the event has lasted fewer days than this"
    )
    discontinue_if_not_resolved_within_days: int | None = Field(
        None,
        ge=1,
        description="hold rows: discontinue when the event has not recovered to hold_until_grade within this "
        "many days (counted like resolve_within_days), e.g. 'discontinue if not recovered within 3 weeks'",
    )
    at_lowest_dose: bool | None = Field(
        None,
        description="the row is for events that occur on (true) or above (false) the lowest dose level of the "
        "label's reduction ladder, e.g. 'grade >= 2 diarrhoea after maximal dose reduction: discontinue'",
    )
    with_lab: ConcurrentLab | None = Field(
        None, description="a concurrent laboratory value the row also requires (e.g. Hy's-law rows)"
    )
    value_uln: UlnRange | None = Field(
        None,
        description="liver tests: the row's own cut-offs on the event's worst value (x ULN) where they are not "
        "CTCAE grade bounds; the grade range must cover them",
    )
    text: str
    label_section: str
    region: Region = Field("US", description="label region: US prescribing information or EU SmPC")
    setting: Setting | None = Field(None, description="when the label's row is for one disease setting only")

    @model_validator(mode="after")
    def _grades(self) -> AeRule:
        if self.grade_min > self.grade_max:
            raise ValueError("grade_min above grade_max")
        if (
            self.duration_min_days is not None
            and self.duration_max_days is not None
            and self.duration_max_days <= self.duration_min_days
        ):
            raise ValueError("duration_max_days must be above duration_min_days")
        if self.discontinue_if_not_resolved_within_days is not None and (
            self.action not in ("hold", "reduce") or self.hold_until_grade is None
        ):
            raise ValueError(
                "discontinue_if_not_resolved_within_days needs action hold or reduce and hold_until_grade"
            )
        if self.with_lab is not None and self.with_lab.test == self.term:
            raise ValueError("with_lab must name a test other than the rule's own term")
        if self.value_uln is not None and self.term not in LIVER_TESTS:
            raise ValueError("value_uln is for the liver tests alt, ast and bilirubin")
        return self


class LabGrade(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: int = Field(ge=1, le=4)
    low: float | None = Field(None, description="inclusive lower bound (absolute, or a multiple of ULN)")
    high: float | None = Field(None, description="exclusive upper bound")


class LabGrading(Record):
    """CTCAE grading of one laboratory test."""

    id: Annotated[str, Field(pattern=r"^ctcae:[a-z0-9][a-z0-9-]*$")]
    term: AeTerm
    unit: str = Field(description="unit of the bounds, e.g. 'x ULN', '10^9/L'")
    relative_to_uln: bool
    grades: list[LabGrade] = Field(min_length=1)
    version: str = Field(description="CTCAE version")


# --------------------------------------------------------------------------- drug classes
class DrugClass(Record):
    """A named group of drugs used in indication criteria or interaction checks."""

    id: Annotated[str, Field(pattern=CLASS_ID)]
    name: str = Field(description="the words used in criteria, e.g. 'taxane', 'strong CYP3A4 inhibitor'")
    aliases: list[str] = Field(default_factory=list)
    members: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9 ./-]*$")]] = Field(
        default_factory=list, description="lower-case generic drug names"
    )
    includes: list[ClassId] = Field(default_factory=list, description="classes whose members belong here too")
    brands: dict[str, list[str]] = Field(
        default_factory=dict, description="brand names of members, by member (e.g. capecitabine: [Xeloda])"
    )
    kind: Literal["class", "regimen"] = Field(
        "class",
        description="class: a group, any member counts; regimen: a named combination (e.g. FOLFOX), a history "
        "entry with its name or alias means all its members were given",
    )
    unspecified: list[ClassId] = Field(
        default_factory=list,
        description="regimens only: classes of which one member was given without the regimen naming it "
        "(THP: 'a taxane')",
    )
    her2_directed: Literal["antibody", "tki", "adc"] | None = Field(
        None,
        description="the members are HER2-directed drugs of this kind without an agent record (no label in the "
        "knowledge base: pyrotinib, disitamab vedotin): a history counts them as anti-HER2 regimens and by kind",
    )
    counts_as_chemotherapy: Literal["unknown"] | None = Field(
        None,
        description="unknown: whether a label's 'chemotherapy' counts the members (antibody-drug conjugates that "
        "are not HER2-directed) is a clinical judgement the knowledge base does not make; criteria that count "
        "chemotherapy ask about them",
    )

    @model_validator(mode="after")
    def _brands_and_kind(self) -> DrugClass:
        unknown = sorted(set(self.brands) - set(self.members))
        if unknown:
            raise ValueError(f"brands given for non-members: {unknown}")
        if self.kind == "class" and self.unspecified:
            raise ValueError("unspecified is for regimens only")
        if self.kind == "regimen" and self.includes:
            raise ValueError("a regimen lists its drugs in members (and unspecified), not includes")
        if self.kind == "regimen" and (self.her2_directed or self.counts_as_chemotherapy):
            raise ValueError("her2_directed and counts_as_chemotherapy are for classes, not regimens")
        return self


# --------------------------------------------------------------------------- safety gates
class GateMaxDose(BaseModel):
    """The HER2 drug's highest dose a safety gate's own text gives for one regimen (e.g. "titrate Tykerb gradually up
    to 4,500 mg/day with capecitabine")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    regimen: RegimenId
    dose: Quantity = Field(description="per administration (a once-daily drug: per day)")


class SafetyGate(Record):
    """A label-based condition that makes an option a caution or a contraindication for a patient."""

    id: Annotated[str, Field(pattern=GATE_ID)]
    agents: list[AgentId] = Field(min_length=1)
    condition: Literal[
        "lvef-below",
        "heart-failure-history",
        "ild-history",
        "pregnancy",
        "hepatic-impairment",
        "interacting-medication",
    ]
    lvef_below: float | None = Field(None, gt=0, lt=100, description="fires when baseline LVEF < this (%)")
    hepatic_levels: list[Literal["mild", "moderate", "severe"]] = Field(default_factory=list)
    drug_classes: list[ClassId] = Field(default_factory=list)
    severity: Literal["contraindication", "caution"]
    text: str = Field(description="what the label says, for the clinician reading the option")
    label_section: str
    region: Region = "US"
    remedy: Literal["her2-dose", "her2-delay", "other-drug", "timing"] | None = Field(
        None,
        description="what the label's remedy (for a combination that cannot be avoided, or for the condition) "
        "concerns, as its text says: the HER2 drug's own dose, a delay of the HER2 drug, the other medicine (stop, "
        "change or reduce it; 'avoid' with no other remedy), or the timing of the two; monitoring holds only for "
        "her2-dose and her2-delay",
    )
    adjusted_dose: Quantity | None = Field(
        None,
        description="the HER2 drug's dose per administration that the gate's own text gives (e.g. 'reduce Tukysa to "
        "100 mg twice daily'); only with remedy her2-dose",
    )
    max_dose: list[GateMaxDose] = Field(
        default_factory=list,
        description="the HER2 drug's highest dose the gate's own text gives for a dose titration, by regimen (e.g. "
        "'titrate Tykerb gradually up to 4,500 mg/day with capecitabine'); only with remedy her2-dose, and each value "
        "as the text writes it",
    )

    @model_validator(mode="after")
    def _parameters(self) -> SafetyGate:
        if self.adjusted_dose is not None and self.remedy != "her2-dose":
            raise ValueError("adjusted_dose only with remedy her2-dose")
        if self.max_dose and self.remedy != "her2-dose":
            raise ValueError("max_dose only with remedy her2-dose")
        if (self.adjusted_dose is not None and self.adjusted_dose.unit != "mg") or any(
            cap.dose.unit != "mg" for cap in self.max_dose
        ):
            raise ValueError("adjusted_dose and max_dose in mg (the gates' texts give fixed doses)")
        if (
            self.condition == "interacting-medication"
            and self.severity == "contraindication"
            and self.remedy is None
        ):
            # (without it the monitor cannot tell whether the label's remedy is the HER2 drug's: stated, never assumed)
            raise ValueError(
                "an interaction to avoid needs its remedy (her2-dose, her2-delay, timing or other-drug)"
            )
        written = " ".join(self.text.split())
        for cap in self.max_dose:
            if f"{cap.dose.value:,g}" not in written and f"{cap.dose.value:g}" not in written:
                raise ValueError(f"max_dose {cap.dose.value:g} {cap.dose.unit} is not in the gate's text")
        if self.condition == "lvef-below" and self.lvef_below is None:
            raise ValueError("condition lvef-below needs lvef_below")
        if self.condition == "hepatic-impairment" and not self.hepatic_levels:
            raise ValueError("condition hepatic-impairment needs hepatic_levels")
        if self.condition == "interacting-medication" and not self.drug_classes:
            raise ValueError("condition interacting-medication needs drug_classes")
        return self


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=r"^\d{4}\.\d{2}\.\d+$")
    released: dt.date
    description: str
