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
* IHC 0 and 1+ as negative (IHC 3+ and IHC 0/1+ decide whatever the ISH);
* ISH alone as indeterminate, with HER2 IHC asked for: an amplified ISH is not
  IHC 3+ (the tumour-agnostic criterion) and IHC 0/1+ would decide negative, and
  a non-amplified ISH does not exclude IHC 3+. The rationale says whether the
  ISH was amplified (ratio ≥ 2.0);
* single-probe ISH as unreadable (no HER2/CEP17 ratio), with dual-probe ISH
  asked for.

The therapy matcher reads the IHC score and mutations directly for
eligibility, so this status never widens an indication.
"""

from __future__ import annotations

from her2kit.assessment import Action
from her2kit.case import IhcTest, IshTest
from her2kit.errors import InvalidInput
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
        "solid.ish.single-probe",
        "solid.ish.stated-result",
        "solid.ish.incomplete",
        "solid.ish.amplified",
        "solid.ish.not-amplified",
        "solid.ish.no-ihc",
    }
)


def _ihc(ihc: IhcTest, index: int) -> Verdict:
    score = "0" if ihc.score == "ultralow" else ihc.score
    if score in ("1+", "2+", "3+") and ihc.percent_cells == 0:
        raise InvalidInput(
            f"her2_tests[{index}].percent_cells",
            ihc.percent_cells,
            f">0 for IHC {score}",
            hint="0% of cells stained is no membrane staining (IHC 0); re-score or give the extent",
        )
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
    if test.probe == "single":
        return Verdict(
            "indeterminate",
            "unknown",
            "Single-probe ISH: no HER2/CEP17 ratio.",
            [index],
            rules=[
                rule(
                    "solid.ish.single-probe",
                    GUIDELINE,
                    SECTION_CONVENTION,
                    "amplification is read from the HER2/CEP17 ratio, which a single-probe assay does not give",
                    [REF_GEA],
                    probe="single",
                    her2_copies=test.her2_copies,
                )
            ],
            actions=[
                Action(
                    code="dual-probe-ish",
                    text="Perform dual-probe ISH (HER2 and CEP17).",
                    reason="Amplification is judged by the HER2/CEP17 ratio, which a single-probe assay does not give.",
                )
            ],
        )
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


def _ish_alone(test: IshTest, verdict: Verdict) -> Verdict:
    """ISH without IHC: IHC 3+ and IHC 0/1+ decide whatever the ISH, so HER2 status needs IHC."""
    shown = (
        f"ratio {test.effective_ratio:g}" if test.effective_ratio is not None else "stated by the laboratory"
    )
    if verdict.result == "positive":
        reading = "amplified"
        verdict.summary = (
            f"ISH amplified ({shown}) and no IHC: amplification is not IHC 3+, the tumour-agnostic "
            "HER2-positive (IHC 3+) criterion, and IHC 0 or 1+ would be HER2-negative; HER2 status needs IHC."
        )
    elif verdict.result == "negative":
        reading = "not amplified"
        verdict.summary = (
            f"ISH not amplified ({shown}) and no IHC: IHC 3+ would still be HER2-positive (IHC 3+); "
            "HER2 status needs IHC."
        )
    else:
        reading = "not interpretable"
    verdict.result, verdict.category = "indeterminate", "unknown"
    verdict.rules.append(
        rule(
            "solid.ish.no-ihc",
            GUIDELINE,
            SECTION_LABEL,
            "the tumour-agnostic criterion is HER2-positive (IHC 3+), and IHC 3+ or IHC 0/1+ decides whatever "
            "the ISH; an ISH result alone does not establish HER2 status",
            [REF_LABEL],
            ish=reading,
        )
    )
    verdict.actions.append(
        Action(
            code="ihc",
            text="Perform HER2 IHC.",
            reason="The tumour-agnostic trastuzumab deruxtecan indication is HER2-positive (IHC 3+); an ISH result "
            "does not give the IHC score.",
        )
    )
    return verdict


def evaluate(ihc: tuple[IhcTest, int] | None, ish: tuple[IshTest, int] | None) -> Verdict:
    if ihc is None and ish is None:
        raise ValueError("evaluate needs at least one test")
    ihc_verdict = _ihc(*ihc) if ihc else None
    ish_verdict = _ish(*ish) if ish else None
    if ish_verdict is None:
        assert ihc_verdict is not None
        return ihc_verdict
    if ihc_verdict is None:
        assert ish is not None
        return _ish_alone(ish[0], ish_verdict)
    # IHC 3+ and IHC 0/1+ decide; IHC 2+ is resolved by ISH.
    decided = ihc_verdict if ihc_verdict.result in ("positive", "negative") else ish_verdict
    decided.rules = ihc_verdict.rules + ish_verdict.rules
    decided.basis = sorted({*ihc_verdict.basis, *ish_verdict.basis})
    decided.actions = [a for a in decided.actions if a.code != "reflex-ish"]
    if decided is ish_verdict and ish_verdict.result == "positive":
        decided.summary = (
            "IHC 2+ with ISH amplification: HER2-positive by the her2kit ratio convention (not IHC 3+)."
        )
    return decided
