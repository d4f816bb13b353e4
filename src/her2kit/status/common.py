"""Shared pieces of the HER2 status algorithms: the per-specimen verdict and its ordering."""

from __future__ import annotations

from dataclasses import dataclass, field

from her2kit.assessment import Action, Her2Category, Her2Result, InputValue, RuleFired
from her2kit.case import IshTest

# When several specimens disagree, the case result is the most actionable one:
# a positive result on any adequately tested specimen makes the case positive,
# and a pending work-up (equivocal, indeterminate) outranks a negative.
RESULT_PRIORITY: dict[Her2Result, int] = {
    "positive": 3,
    "equivocal": 2,
    "indeterminate": 1,
    "negative": 0,
}

# Among negative specimens the category with the most expression decides
# eligibility for trastuzumab deruxtecan; an unspecified IHC 0 ("HER2-negative")
# outranks "HER2-null" because it may still be ultralow.
CATEGORY_PRIORITY: dict[Her2Category, int] = {
    "HER2-positive": 5,
    "HER2-low": 4,
    "HER2-ultralow": 3,
    "HER2-negative": 2,
    "HER2-null": 1,
    "unknown": 0,
}


@dataclass
class Verdict:
    """The interpretation of the tests of one specimen (or of one unlabelled group of tests)."""

    result: Her2Result
    category: Her2Category
    summary: str
    basis: list[int]
    ish_group: int | None = None
    rules: list[RuleFired] = field(default_factory=list)
    provisional: bool = False  # the result awaits a laboratory step (the blinded ISH recount)
    actions: list[Action] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rule(
    rule_id: str,
    guideline: str,
    section: str,
    conclusion: str,
    references: list[str],
    **inputs: InputValue,
) -> RuleFired:
    """A fired rule with its inputs; inputs that are None are left out for readability."""
    return RuleFired(
        rule=rule_id,
        guideline=guideline,
        section=section,
        inputs={k: v for k, v in inputs.items() if v is not None},
        conclusion=conclusion,
        references=references,
    )


Inputs = dict[str, InputValue]

STATED_ISH: dict[str, tuple[Her2Result, Her2Category]] = {
    "amplified": ("positive", "HER2-positive"),
    "not-amplified": ("negative", "HER2-negative"),
    "equivocal": ("equivocal", "unknown"),
}


def ratio_conflict(test: IshTest, threshold: float = 2.0) -> Action | None:
    """An action when a stated HER2/CEP17 ratio and the one from the mean counts fall on opposite sides of the
    threshold: within the rounding tolerance the case model allows, yet they decide differently."""
    stated, copies, cep17 = test.ratio, test.her2_copies, test.cep17_copies
    if stated is None or copies is None or not cep17:
        return None
    computed = copies / cep17
    if (stated >= threshold) == (computed >= threshold):
        return None
    return Action(
        code="ish",
        text="Confirm the HER2/CEP17 ratio and the mean counts with the laboratory.",
        reason=f"The stated ratio {stated:g} and the mean counts {copies:g}/{cep17:g} = {computed:.2f} fall on "
        f"opposite sides of {threshold:g} (within rounding of each other); the stated ratio was used.",
    )


def strongest(verdicts: list[Verdict]) -> Verdict:
    """The verdict that decides the case: highest result, then highest category."""
    return max(
        verdicts,
        key=lambda v: (RESULT_PRIORITY[v.result], CATEGORY_PRIORITY[v.category]),
    )
