"""The assessment: the output contract of her2kit (``schema_version`` "1").

A status interpretation (:class:`Her2Status`) carries the result, the category,
the rules that fired with their guideline section and inputs, the actions the
lab or clinician must take next, and the discordances between tests. The full
:class:`Assessment` adds the ranked therapy options and the agents that do not
fit, each with its reasons and references.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from her2kit.vocab import IhcScore

SCHEMA_VERSION: Final = "1"

Her2Result = Literal["positive", "negative", "equivocal", "indeterminate"]
Her2Category = Literal["HER2-positive", "HER2-low", "HER2-ultralow", "HER2-null", "HER2-negative", "unknown"]
InputValue = str | float | int | bool | None


DISCLAIMER: Final = "her2kit supports clinical decisions; it does not make them."
DISCLAIMER_DESCRIPTION: Final = (
    "what every her2kit result is: support for a clinician's decision, not the decision"
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleFired(_Out):
    """One guideline rule that fired, with the inputs it read and what it concluded."""

    rule: str = Field(description="stable rule id, e.g. breast.ish.group2")
    guideline: str = Field(description="guideline or label the rule implements")
    section: str = Field(description="section, figure or table of that guideline")
    inputs: dict[str, InputValue] = Field(default_factory=dict)
    conclusion: str
    references: list[str] = Field(default_factory=list, description="knowledge-base reference ids")


class Action(_Out):
    """Something the laboratory or the clinician must do next."""

    code: Literal[
        "reflex-ish",
        "ihc-same-tissue",
        "recount-ish",
        "dual-probe-ish",
        "new-specimen",
        "confirm-ngs-by-ihc-ish",
        "report-staining-extent",
        "rescore-ihc",
        "ihc",
        "ish",
        "ngs",
        "adjudicate-discordance",
    ]
    text: str
    reason: str


class Discordance(_Out):
    code: str
    text: str
    tests: list[int] = Field(description="indices of the tests involved, in the case's her2_tests order")


class GenomicFinding(_Out):
    kind: Literal["amplification", "mutation"]
    detail: str
    test: int
    note: str


class Her2Alternative(_Out):
    """What the case's HER2 status would be if an open question the status asks were answered the other way."""

    category: Her2Category
    ihc_scores: list[IhcScore] = Field(default_factory=list, description="the IHC scores of that reading")
    question: str = Field(description="the question that decides between the reading given and this one")
    tests: list[int] = Field(description="indices of the tests the question is about")


class Her2Status(_Out):
    """The interpreted HER2 status of one case."""

    result: Her2Result
    category: Her2Category
    ish_group: int | None = Field(None, ge=1, le=5)
    provisional: bool = Field(
        False,
        description="the result holds only if a pending laboratory step confirms it (the blinded ISH recount for "
        "ISH groups 2-4 with IHC 2+, ASCO/CAP 2018 Figures 4-6); the step is among the actions",
    )
    tumor_type: str
    guideline: str = Field(description="the guideline whose algorithm produced the result")
    summary: str = Field(description="one sentence a clinician can read")
    basis: list[int] = Field(default_factory=list, description="tests the result rests on")
    ihc_scores: list[IhcScore] = Field(
        default_factory=list,
        description="the IHC score of each specimen the result rests on, as the tumour's guideline reads it (3+ in "
        "≤10% of a breast tumour's cells reads as 2+, a resection's 3+ in <10% as 0), in specimen order; superseded "
        "repeats are left out, and a specimen whose repeat IHC nothing decides gives none",
    )
    alternatives: list[Her2Alternative] = Field(
        default_factory=list,
        description="the status if an open question were answered the other way (a score the status asks to "
        "confirm; unlabelled tests that may be different specimens): therapy matching asks the question for an "
        "indication that reading would meet, instead of refusing it",
    )
    actions: list[Action] = Field(default_factory=list)
    rationale: list[RuleFired] = Field(default_factory=list)
    discordances: list[Discordance] = Field(default_factory=list)
    genomic_findings: list[GenomicFinding] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Finding(_Out):
    """A caution or contraindication that applies to this patient, with its label section."""

    code: str
    text: str
    source: str


class Evidence(_Out):
    regulatory: Literal["FDA-approved", "EMA-approved", "guideline-endorsed", "investigational"]
    level: str = Field(description="ESCAT tier (see docs/matching.md for the mapping)")
    trials: list[str] = Field(default_factory=list)
    effect: str | None = Field(None, description="headline result of the pivotal trial that ranks the option")
    survival: str | None = Field(
        None,
        description="overall survival in the pivotal trials: the result that shows a benefit (ranking rule 8), "
        "else the one that does not, else that none is recorded",
    )
    references: list[str] = Field(min_length=1)


class Option(_Out):
    id: str = Field(description="the indication record the option rests on")
    name: str
    agents: list[str] = Field(min_length=1, description="lower-case INN names")
    rank: int = Field(ge=1)
    setting: str
    line: str | None = None
    evidence: Evidence
    criteria_met: list[str]
    missing: list[str] = Field(
        default_factory=list,
        description="information needed to confirm eligibility (ranked after complete fits)",
    )
    cautions: list[Finding] = Field(default_factory=list)
    contraindications: list[Finding] = Field(default_factory=list)
    regimen: str | None = Field(None, description="combination partners as the label names them")


class NotRecommended(_Out):
    agents: list[str] = Field(min_length=1, description="lower-case INN names")
    indication: str
    name: str
    reasons: list[str] = Field(min_length=1)


class Assessment(_Out):
    schema_version: Literal["1"] = SCHEMA_VERSION
    case_id: str
    kb_version: str
    her2: Her2Status
    options: list[Option] = Field(default_factory=list)
    not_recommended: list[NotRecommended] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    disclaimer: str = Field(DISCLAIMER, description=DISCLAIMER_DESCRIPTION)
