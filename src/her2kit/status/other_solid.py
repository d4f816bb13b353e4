"""HER2 status in solid tumours without a tumour-specific HER2 testing guideline.

Colorectal, lung, biliary, endometrial and other solid tumours have no ASCO/CAP
HER2 scoring guideline. Their HER2-directed indications select patients by IHC
3+ (trastuzumab deruxtecan for HER2-positive, IHC 3+, solid tumours after prior
treatment: ``ref:label-enhertu``), by ERBB2 mutation (lung), or by the HER2
definition of the pivotal trial named in the indication record. This module
therefore reports:

* IHC 3+ as positive (the tumour-agnostic criterion);
* IHC 2+ as equivocal, with ISH recommended; IHC 2+ with a HER2/CEP17 ratio
  ≥ 2.0 as positive — a convention borrowed from the gastroesophageal ratio
  threshold and flagged as such in the rationale, because trial definitions of
  HER2 positivity differ by tumour;
* IHC 0 and 1+ as negative;
* ISH alone as amplified (ratio ≥ 2.0) or not, with IHC recommended because the
  labels select by IHC.

The therapy matcher reads the IHC score and mutations directly for
eligibility, so this status never widens an indication.
"""

from __future__ import annotations

from her2kit.assessment import Action
from her2kit.case import IhcTest, IshTest
from her2kit.status.common import STATED_ISH, Inputs, Verdict, rule

GUIDELINE = "No tumour-specific HER2 guideline: IHC 3+ per the tumour-agnostic trastuzumab deruxtecan label"
REF_LABEL = "ref:label-enhertu"
REF_GEA = "ref:guideline-cap-gea-2016"
RATIO_AMPLIFIED = 2.0
SECTION_LABEL = "Enhertu USPI section 1 (HER2-positive (IHC 3+) solid tumours)"
SECTION_CONVENTION = (
    "her2kit convention (ratio ≥2.0 as in gastroesophageal ISH); no tumour-specific guideline"
)

RULES: frozenset[str] = frozenset(
    {
        "solid.ihc.3+",
        "solid.ihc.2+",
        "solid.ihc.1+",
        "solid.ihc.0",
        "solid.ish.stated-result",
        "solid.ish.incomplete",
        "solid.ish.amplified",
        "solid.ish.not-amplified",
    }
)


def _ihc(ihc: IhcTest, index: int) -> Verdict:
    score = "0" if ihc.score == "ultralow" else ihc.score
    inputs: Inputs = {"score": score, "percent_cells": ihc.percent_cells}
    if score == "3+":
        return Verdict(
            "positive",
            "HER2-positive",
            "IHC 3+: HER2-positive (IHC 3+).",
            [index],
            rules=[
                rule(
                    "solid.ihc.3+",
                    GUIDELINE,
                    SECTION_LABEL,
                    "IHC 3+ meets the tumour-agnostic HER2-positive criterion",
                    [REF_LABEL],
                    **inputs,
                )
            ],
        )
    if score == "2+":
        return Verdict(
            "equivocal",
            "unknown",
            "IHC 2+: HER2-expressing, not IHC 3+; ISH recommended.",
            [index],
            rules=[
                rule(
                    "solid.ihc.2+",
                    GUIDELINE,
                    SECTION_LABEL,
                    "IHC 2+ does not meet the tumour-agnostic IHC 3+ criterion; amplification "
                    "by ISH is unknown",
                    [REF_LABEL],
                    **inputs,
                )
            ],
            actions=[
                Action(
                    code="reflex-ish",
                    text="Perform ISH on the same specimen.",
                    reason="IHC 2+ in a tumour without a HER2 guideline: amplification "
                    "status may matter for trial or indication criteria.",
                )
            ],
        )
    return Verdict(
        "negative",
        "HER2-negative",
        f"IHC {score}: HER2-negative.",
        [index],
        rules=[
            rule(
                f"solid.ihc.{score}",
                GUIDELINE,
                SECTION_LABEL,
                f"IHC {score}: not HER2-positive",
                [REF_LABEL],
                **inputs,
            )
        ],
    )


def _ish(test: IshTest, index: int) -> Verdict:
    ratio = test.effective_ratio
    if ratio is None:
        if test.result in ("amplified", "not-amplified"):
            result, category = STATED_ISH[test.result]
            return Verdict(
                result,
                category,
                f"ISH reported as {test.result}.",
                [index],
                rules=[
                    rule(
                        "solid.ish.stated-result",
                        GUIDELINE,
                        SECTION_CONVENTION,
                        f"the laboratory's stated result ({test.result}) is used",
                        [REF_GEA],
                        stated_result=test.result,
                    )
                ],
            )
        return Verdict(
            "indeterminate",
            "unknown",
            "ISH without a HER2/CEP17 ratio.",
            [index],
            rules=[
                rule(
                    "solid.ish.incomplete",
                    GUIDELINE,
                    SECTION_CONVENTION,
                    "missing ratio",
                    [REF_GEA],
                    her2_copies=test.her2_copies,
                )
            ],
            actions=[
                Action(
                    code="ish",
                    text="Obtain the HER2/CEP17 ratio.",
                    reason="Amplification is judged by the ratio.",
                )
            ],
        )
    inputs: Inputs = {"ratio": ratio, "her2_copies": test.her2_copies, "cep17_copies": test.cep17_copies}
    amplified = ratio >= RATIO_AMPLIFIED
    return Verdict(
        "positive" if amplified else "negative",
        "HER2-positive" if amplified else "HER2-negative",
        f"ISH ratio {ratio:g}: {'amplified' if amplified else 'not amplified'}.",
        [index],
        rules=[
            rule(
                "solid.ish.amplified" if amplified else "solid.ish.not-amplified",
                GUIDELINE,
                SECTION_CONVENTION,
                f"HER2/CEP17 ratio {'≥' if amplified else '<'}2.0",
                [REF_GEA],
                **inputs,
            )
        ],
    )


def evaluate(ihc: tuple[IhcTest, int] | None, ish: tuple[IshTest, int] | None) -> Verdict:
    if ihc is None and ish is None:
        raise ValueError("evaluate needs at least one test")
    ihc_verdict = _ihc(*ihc) if ihc else None
    ish_verdict = _ish(*ish) if ish else None
    if ish_verdict is None:
        assert ihc_verdict is not None
        return ihc_verdict
    if ihc_verdict is None:
        ish_verdict.actions.append(
            Action(
                code="ihc",
                text="Perform HER2 IHC.",
                reason="HER2-directed indications outside breast and gastroesophageal cancer select by IHC score.",
            )
        )
        return ish_verdict
    # IHC 3+ and IHC 0/1+ decide; IHC 2+ is resolved by ISH.
    decided = ihc_verdict if ihc_verdict.result in ("positive", "negative") else ish_verdict
    decided.rules = ihc_verdict.rules + ish_verdict.rules
    decided.basis = sorted({*ihc_verdict.basis, *ish_verdict.basis})
    decided.actions = [a for a in decided.actions if a.code != "reflex-ish"]
    if decided is ish_verdict and ish_verdict.result == "positive":
        decided.summary = "IHC 2+ with ISH amplification (ratio ≥2.0): HER2-positive (not IHC 3+)."
    return decided
