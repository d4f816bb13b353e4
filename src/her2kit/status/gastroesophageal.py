"""HER2 status in gastric, gastro-oesophageal junction and oesophageal adenocarcinoma.

Guideline: Bartley AN et al. HER2 Testing and Clinical Decision Making in
Gastroesophageal Adenocarcinoma: Guideline From CAP, ASCP and ASCO. Arch Pathol
Lab Med 2016;140:1345-1363, PMID 27841667 (``ref:guideline-cap-gea-2016``).

Sections implemented:

* IHC scoring criteria (guideline table of IHC scoring, after ToGA):
  surgical resection — a score of 1+, 2+ or 3+ needs membranous reactivity in
  ≥ 10% of tumour cells (reactivity in < 10% is IHC 0); biopsy — a cohesive
  cluster of at least five tumour cells suffices, whatever the percentage;
* testing algorithm: IHC 3+ positive, 2+ equivocal (reflex ISH on the same
  specimen), 0 and 1+ negative;
* ISH interpretation: HER2:CEP17 ratio ≥ 2.0 positive, < 2.0 negative.

The HER2-low and HER2-ultralow split is a breast concept and is not reported
here; a negative result is ``HER2-negative``.
"""

from __future__ import annotations

from her2kit.assessment import Action
from her2kit.case import IhcTest, IshTest
from her2kit.errors import InvalidInput
from her2kit.status.common import STATED_ISH, Inputs, Verdict, rule

GUIDELINE = "CAP/ASCP/ASCO HER2 testing in gastroesophageal adenocarcinoma (2016)"
REF = "ref:guideline-cap-gea-2016"
RATIO_POSITIVE = 2.0  # HER2:CEP17 ratio ≥ 2.0
RESECTION_EXTENT_PERCENT = 10.0  # resection: reactivity in ≥ 10% of tumour cells
HIGH_COPIES_NOTE = 6.0  # flagged, not decisive: the ratio decides in this guideline
SECTION_IHC = "IHC scoring criteria (resection vs biopsy) and testing algorithm"
SECTION_ISH = "ISH interpretation (HER2:CEP17 ratio)"

RULES: frozenset[str] = frozenset(
    {
        "gea.ihc.resection-extent",
        "gea.ihc.3+",
        "gea.ihc.2+",
        "gea.ihc.1+",
        "gea.ihc.0",
        "gea.ish.single-probe",
        "gea.ish.stated-result",
        "gea.ish.incomplete",
        "gea.ish.positive",
        "gea.ish.negative",
    }
)


def effective_ihc_score(ihc: IhcTest, index: int) -> tuple[str, Verdict]:
    score = "0" if ihc.score == "ultralow" else ihc.score
    pct = ihc.percent_cells
    rules = []
    notes = []
    actions = []
    if ihc.score == "ultralow":
        notes.append("'Ultralow' is a breast category; in gastroesophageal cancer it is scored IHC 0.")
    if ihc.specimen == "resection" and pct is not None:
        if score == "0" and pct >= RESECTION_EXTENT_PERCENT:
            raise InvalidInput(
                f"her2_tests[{index}].percent_cells",
                pct,
                "<10 for IHC 0 on a resection",
                hint="on a resection, membranous reactivity in ≥10% of tumour cells is at least 1+; re-score",
            )
        if score != "0" and pct < RESECTION_EXTENT_PERCENT:
            rules.append(
                rule(
                    "gea.ihc.resection-extent",
                    GUIDELINE,
                    SECTION_IHC,
                    f"on a resection, reactivity in <10% of tumour cells scores IHC 0, not {score}",
                    [REF],
                    score=score,
                    percent_cells=pct,
                    specimen="resection",
                )
            )
            actions.append(
                Action(
                    code="rescore-ihc",
                    text="Ask the pathologist to confirm the IHC score against the resection criteria (≥10% of cells).",
                    reason=f"IHC {score} was reported with staining in {pct:g}% of cells on a resection.",
                )
            )
            score = "0"
    elif ihc.specimen == "biopsy":
        notes.append(
            "Biopsy scoring: a cohesive cluster of at least five stained tumour cells is enough, "
            "whatever the percentage of cells."
        )
    else:
        notes.append(
            "The specimen type (biopsy or resection) was not given; the scoring criteria differ between them."
        )
    inputs: Inputs = {"score": score, "percent_cells": pct, "specimen": ihc.specimen}
    if score == "3+":
        verdict = Verdict(
            "positive",
            "HER2-positive",
            "IHC 3+: HER2-positive.",
            [index],
            rules=[
                rule(
                    "gea.ihc.3+",
                    GUIDELINE,
                    SECTION_IHC,
                    "strong complete, basolateral or lateral membranous reactivity: IHC 3+, positive",
                    [REF],
                    **inputs,
                )
            ],
        )
    elif score == "2+":
        verdict = Verdict(
            "equivocal",
            "unknown",
            "IHC 2+: equivocal; ISH is required.",
            [index],
            rules=[
                rule(
                    "gea.ihc.2+",
                    GUIDELINE,
                    SECTION_IHC,
                    "weak to moderate complete, basolateral or lateral "
                    "membranous reactivity: IHC 2+, equivocal",
                    [REF],
                    **inputs,
                )
            ],
            actions=[
                Action(
                    code="reflex-ish",
                    text="Perform ISH on the same specimen.",
                    reason="IHC 2+ is equivocal in gastroesophageal adenocarcinoma.",
                )
            ],
        )
    else:
        verdict = Verdict(
            "negative",
            "HER2-negative",
            f"IHC {score}: HER2-negative.",
            [index],
            rules=[
                rule(
                    f"gea.ihc.{score}",
                    GUIDELINE,
                    SECTION_IHC,
                    f"IHC {score}: negative; ISH is not needed",
                    [REF],
                    **inputs,
                )
            ],
        )
    verdict.rules[:0] = rules
    verdict.notes.extend(notes)
    verdict.actions[:0] = actions
    return score, verdict


def ish(test: IshTest, index: int) -> Verdict:
    ratio = test.effective_ratio
    if test.probe == "single":
        return Verdict(
            "indeterminate",
            "unknown",
            "Single-probe ISH: not interpreted for gastroesophageal cancer.",
            [index],
            rules=[
                rule(
                    "gea.ish.single-probe",
                    GUIDELINE,
                    SECTION_ISH,
                    "positivity is defined by the HER2:CEP17 ratio, which a single-probe assay does not give",
                    [REF],
                    probe="single",
                    her2_copies=test.her2_copies,
                )
            ],
            actions=[
                Action(
                    code="dual-probe-ish",
                    text="Perform dual-probe ISH (HER2 and CEP17).",
                    reason="The gastroesophageal criterion is a HER2:CEP17 ratio ≥2.0.",
                )
            ],
        )
    if ratio is None:
        if test.result in ("amplified", "not-amplified"):
            result, category = STATED_ISH[test.result]
            return Verdict(
                result,
                category,
                f"ISH reported as {test.result} without a ratio.",
                [index],
                rules=[
                    rule(
                        "gea.ish.stated-result",
                        GUIDELINE,
                        SECTION_ISH,
                        f"the laboratory's stated result ({test.result}) is used; the ratio was not given",
                        [REF],
                        stated_result=test.result,
                    )
                ],
                actions=[
                    Action(
                        code="ish",
                        text="Obtain the HER2:CEP17 ratio from the laboratory report.",
                        reason="The result could not be checked against the ratio ≥2.0 criterion.",
                    )
                ],
            )
        return Verdict(
            "indeterminate",
            "unknown",
            "ISH without a HER2:CEP17 ratio.",
            [index],
            rules=[
                rule(
                    "gea.ish.incomplete",
                    GUIDELINE,
                    SECTION_ISH,
                    "missing HER2:CEP17 ratio",
                    [REF],
                    her2_copies=test.her2_copies,
                )
            ],
            actions=[
                Action(
                    code="ish",
                    text="Obtain the HER2:CEP17 ratio (or HER2 and CEP17 counts).",
                    reason="ISH positivity is defined by the ratio.",
                )
            ],
        )
    inputs: Inputs = {"ratio": ratio, "her2_copies": test.her2_copies, "cep17_copies": test.cep17_copies}
    if ratio >= RATIO_POSITIVE:
        return Verdict(
            "positive",
            "HER2-positive",
            f"ISH ratio {ratio:g} (≥2.0): HER2-positive.",
            [index],
            rules=[
                rule(
                    "gea.ish.positive",
                    GUIDELINE,
                    SECTION_ISH,
                    "HER2:CEP17 ratio ≥2.0: amplified, positive",
                    [REF],
                    **inputs,
                )
            ],
        )
    verdict = Verdict(
        "negative",
        "HER2-negative",
        f"ISH ratio {ratio:g} (<2.0): HER2-negative.",
        [index],
        rules=[
            rule(
                "gea.ish.negative",
                GUIDELINE,
                SECTION_ISH,
                "HER2:CEP17 ratio <2.0: not amplified, negative",
                [REF],
                **inputs,
            )
        ],
    )
    if test.her2_copies is not None and test.her2_copies >= HIGH_COPIES_NOTE:
        verdict.notes.append(
            f"Average HER2 copy number {test.her2_copies:g} is high although the ratio is <2.0 (possible "
            "chromosome 17 co-gain); the guideline decides by ratio — consider review at a tumour board."
        )
    return verdict


def evaluate(ihc: tuple[IhcTest, int] | None, ish_test: tuple[IshTest, int] | None) -> Verdict:
    """IHC first; ISH resolves IHC 2+; IHC 3+ is positive whatever the ISH."""
    if ihc is None and ish_test is None:
        raise ValueError("evaluate needs at least one test")
    ihc_verdict = effective_ihc_score(*ihc)[1] if ihc else None
    ish_verdict = ish(*ish_test) if ish_test else None
    if ish_verdict is None:
        assert ihc_verdict is not None
        return ihc_verdict
    if ihc_verdict is None:
        return ish_verdict
    if ihc_verdict.result == "positive":
        decided, other = ihc_verdict, ish_verdict
    else:
        decided, other = ish_verdict, ihc_verdict
    decided.rules = ihc_verdict.rules + ish_verdict.rules
    decided.basis = sorted({*decided.basis, *other.basis})
    decided.notes = ihc_verdict.notes + ish_verdict.notes
    decided.actions = [a for a in ihc_verdict.actions + ish_verdict.actions if a.code != "reflex-ish"]
    return decided
