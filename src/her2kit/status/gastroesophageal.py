"""HER2 status in gastric, gastro-oesophageal junction and oesophageal adenocarcinoma.

Guideline: Bartley AN et al. HER2 Testing and Clinical Decision Making in
Gastroesophageal Adenocarcinoma: Guideline From CAP, ASCP and ASCO. Arch Pathol
Lab Med 2016;140:1345-1363, PMID 27841667 (``ref:guideline-cap-gea-2016``).

Sections implemented:

* IHC scoring criteria (guideline table of IHC scoring, after ToGA):
  surgical resection — a score of 1+, 2+ or 3+ needs membranous reactivity in
  ≥ 10% of tumour cells (reactivity in < 10% is IHC 0); biopsy — a cohesive
  cluster of at least five tumour cells suffices, whatever the percentage.
  A score of 1+ or more with 0% of cells stained contradicts both criteria and
  is rejected. When the specimen type is not given and IHC 2+ or 3+ was seen in
  < 10% of cells, the two criteria give different scores: the result is
  indeterminate (the specimen type is asked for) unless the ISH gives the same
  answer under both;
* testing algorithm: IHC is the primary test; IHC 3+ positive, 2+ equivocal
  (reflex ISH on the same specimen), 0 and 1+ negative, and no ISH is needed
  after IHC 0, 1+ or 3+, so an ISH that cannot be read is then set aside. ISH
  without IHC: amplified is positive; not amplified does not exclude IHC 3+,
  so HER2 IHC is asked for;
* ISH interpretation: HER2:CEP17 ratio ≥ 2.0 positive, < 2.0 negative.

The HER2-low and HER2-ultralow split is a breast concept and is not reported
here; a negative result is ``HER2-negative``.
"""

from __future__ import annotations

from her2kit.assessment import Action, Her2Result, RuleFired
from her2kit.case import IhcTest, IshTest
from her2kit.errors import InvalidInput
from her2kit.status.common import STATED_ISH, Inputs, Verdict, ratio_conflict, rule

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
        "gea.ihc.specimen-unknown",
        "gea.ihc.3+",
        "gea.ihc.2+",
        "gea.ihc.1+",
        "gea.ihc.0",
        "gea.ish.single-probe",
        "gea.ish.stated-result",
        "gea.ish.incomplete",
        "gea.ish.positive",
        "gea.ish.negative",
        "gea.ish.set-aside",
        "gea.ish.no-ihc",
    }
)

_READING: dict[Her2Result, str] = {
    "positive": "HER2-positive",
    "negative": "HER2-negative",
    "equivocal": "equivocal (ISH needed)",
    "indeterminate": "not determinable from these tests",
}


# --------------------------------------------------------------------------- IHC
def _score(ihc: IhcTest) -> str:
    return "0" if ihc.score == "ultralow" else ihc.score


def _check(ihc: IhcTest, index: int) -> None:
    """Reject a score that contradicts the extent of staining under the IHC scoring criteria."""
    score, pct = _score(ihc), ihc.percent_cells
    field = f"her2_tests[{index}].percent_cells"
    if pct is None:
        return
    if score != "0" and pct == 0:
        raise InvalidInput(
            field,
            pct,
            f">0 for IHC {score} (0% of cells stained is IHC 0)",
            hint=f"IHC {score} needs membranous reactivity in tumour cells, on a biopsy as on a resection; "
            "re-score, or correct percent_cells",
        )
    if ihc.specimen == "resection" and score == "0" and pct >= RESECTION_EXTENT_PERCENT:
        raise InvalidInput(
            field,
            pct,
            "<10 for IHC 0 on a resection",
            hint="on a resection, membranous reactivity in ≥10% of tumour cells is at least 1+; re-score",
        )


def specimen_decides(ihc: IhcTest) -> bool:
    """IHC 2+ or 3+ in <10% of cells with no specimen type: the score stands on a biopsy, is 0 on a resection."""
    pct = ihc.percent_cells
    return (
        ihc.specimen is None
        and pct is not None
        and pct < RESECTION_EXTENT_PERCENT
        and _score(ihc) in ("2+", "3+")
    )


def _specimen_unknown_rule(score: str, pct: float, agreed: bool) -> RuleFired:
    return rule(
        "gea.ihc.specimen-unknown",
        GUIDELINE,
        SECTION_IHC,
        f"specimen type not given: IHC {score} in {pct:g}% of tumour cells is {score} on a biopsy (a cluster of "
        "≥5 cells counts, whatever the percentage) but IHC 0 on a resection (reactivity in <10% of cells); "
        + ("the ISH gives the same result either way" if agreed else "the result depends on which it is"),
        [REF],
        score=score,
        percent_cells=pct,
    )


def _specimen_type_action(score: str, pct: float, if_biopsy: list[Action]) -> Action:
    then = "; ".join(a.text.rstrip(".") for a in if_biopsy)
    return Action(
        code="rescore-ihc",
        text="State whether the specimen is a biopsy or a resection, and confirm the IHC score against that "
        "specimen's criteria.",
        reason=f"IHC {score} was reported in {pct:g}% of tumour cells: on a resection, reactivity in <10% of "
        "cells is IHC 0; on a biopsy, a cluster of ≥5 stained cells counts whatever the percentage"
        + (f". If it is a biopsy: {then}." if then else "."),
    )


def effective_ihc_score(ihc: IhcTest, index: int) -> tuple[str, Verdict]:
    """The IHC score under the criteria of the specimen type, and a verdict on IHC alone.

    When the specimen type decides the score (:func:`specimen_decides`) the score is returned as reported and
    the verdict is indeterminate, asking for the specimen type."""
    _check(ihc, index)
    score = _score(ihc)
    pct = ihc.percent_cells
    rules = []
    notes = []
    actions = []
    if ihc.score == "ultralow":
        notes.append("'Ultralow' is a breast category; in gastroesophageal cancer it is scored IHC 0.")
    if ihc.specimen == "resection":
        if pct is None and score != "0":
            notes.append(
                "Resection scoring needs the percentage of tumour cells with membranous reactivity (≥10% for a "
                f"score of 1+ or more); it was not given, so IHC {score} is taken as reported."
            )
            if score in ("2+", "3+"):
                actions.append(
                    Action(
                        code="report-staining-extent",
                        text="Ask the pathologist for the percentage of tumour cells with membranous reactivity "
                        "(on a resection, a score of 1+ or more needs ≥10%).",
                        reason=f"IHC {score} was reported on a resection without the extent of staining; "
                        "reactivity in <10% of cells would be IHC 0.",
                    )
                )
        elif pct is not None and score != "0" and pct < RESECTION_EXTENT_PERCENT:
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
    elif pct is not None and specimen_decides(ihc):
        if_biopsy = [_reflex_ish()] if score == "2+" else []
        return score, Verdict(
            "indeterminate",
            "unknown",
            f"IHC {score} in {pct:g}% of tumour cells, specimen type not given: "
            f"{'HER2-positive' if score == '3+' else 'equivocal (ISH needed)'} if a biopsy, HER2-negative "
            "(IHC 0) if a resection; HER2 status cannot be determined.",
            [index],
            rules=[_specimen_unknown_rule(score, pct, agreed=False)],
            actions=[_specimen_type_action(score, pct, if_biopsy)],
            notes=notes,
        )
    elif pct is not None and score != "0":
        notes.append(
            "The specimen type (biopsy or resection) was not given; "
            + (
                "with membranous reactivity in ≥10% of tumour cells the score is the same under the biopsy and "
                "the resection criteria."
                if pct >= RESECTION_EXTENT_PERCENT
                else f"IHC {score} in {pct:g}% of tumour cells is {score} on a biopsy and IHC 0 on a resection, "
                "HER2-negative either way."
            )
        )
    else:
        notes.append(
            "The specimen type (biopsy or resection) was not given; the scoring criteria differ between them "
            "(resection: ≥10% of tumour cells; biopsy: a cluster of ≥5 cells), so the score is taken as reported."
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
            actions=[_reflex_ish()],
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


def _reflex_ish() -> Action:
    return Action(
        code="reflex-ish",
        text="Perform ISH on the same specimen.",
        reason="IHC 2+ is equivocal in gastroesophageal adenocarcinoma.",
    )


# --------------------------------------------------------------------------- ISH
def ish(test: IshTest, index: int) -> Verdict:
    verdict = _ish(test, index)
    conflict = ratio_conflict(test)
    if conflict is not None:
        verdict.actions.append(conflict)
    return verdict


def _ish(test: IshTest, index: int) -> Verdict:
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
                    stated_result=test.result,
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
                "HER2:CEP17 ratio <2.0: not amplified (ISH-negative)",
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


def _unreadable(test: IshTest) -> str:
    return "single-probe, no HER2:CEP17 ratio" if test.probe == "single" else "no HER2:CEP17 ratio"


def _ish_alone(test: IshTest, verdict: Verdict) -> Verdict:
    """ISH without IHC: amplified is positive; otherwise IHC is needed, because IHC 3+ is positive whatever
    the ISH."""
    if verdict.result == "positive":
        return verdict
    not_amplified = verdict.result == "negative"
    if not_amplified:
        shown = (
            f"ratio {test.effective_ratio:g}, <2.0" if test.effective_ratio is not None else "no ratio given"
        )
        verdict.summary = (
            f"ISH not amplified ({shown}) and no IHC: HER2 status cannot be determined, because IHC 3+ is "
            "HER2-positive whatever the ISH result."
        )
        verdict.result, verdict.category = "indeterminate", "unknown"
    verdict.rules.append(
        rule(
            "gea.ish.no-ihc",
            GUIDELINE,
            SECTION_IHC,
            "no IHC: IHC is the primary test and IHC 3+ is HER2-positive without ISH, so an ISH that is not "
            "amplified (or cannot be read) does not exclude HER2 positivity",
            [REF],
            ish="not amplified" if not_amplified else _unreadable(test),
        )
    )
    verdict.actions.insert(
        0,
        Action(
            code="ihc",
            text="Perform HER2 IHC (IHC 3+ is HER2-positive whatever the ISH result).",
            reason="IHC is the primary HER2 test in gastroesophageal adenocarcinoma; an ISH that is not "
            "amplified does not exclude IHC 3+.",
        ),
    )
    return verdict


# --------------------------------------------------------------------------- IHC and ISH together
def _evaluate(ihc: tuple[IhcTest, int] | None, ish_test: tuple[IshTest, int] | None) -> Verdict:
    score, ihc_verdict = effective_ihc_score(*ihc) if ihc else (None, None)
    ish_verdict = ish(*ish_test) if ish_test else None
    if ish_verdict is None:
        assert ihc_verdict is not None
        return ihc_verdict
    if ihc_verdict is None:
        assert ish_test is not None
        return _ish_alone(ish_test[0], ish_verdict)
    assert ihc is not None
    assert ish_test is not None
    rules = ihc_verdict.rules + ish_verdict.rules
    notes = ihc_verdict.notes + ish_verdict.notes
    set_aside = ish_verdict.result == "indeterminate" and ihc_verdict.result in ("positive", "negative")
    if ihc_verdict.result == "positive" or set_aside:
        # IHC 3+, or IHC 0/1+ beside an ISH that cannot be read: the guideline needs no ISH after them.
        decided = ihc_verdict
        decided.actions = list(ihc_verdict.actions)
        if set_aside:
            rules.append(
                rule(
                    "gea.ish.set-aside",
                    GUIDELINE,
                    SECTION_IHC,
                    f"IHC {score} decides and only IHC 2+ needs ISH; the ISH could not be interpreted "
                    f"({_unreadable(ish_test[0])}), so it is set aside and does not change the result",
                    [REF],
                    score=score,
                    ish_test=ish_test[1],
                )
            )
        else:
            decided.basis = sorted({*ihc_verdict.basis, *ish_verdict.basis})
    else:
        decided = ish_verdict
        decided.basis = sorted({*ihc_verdict.basis, *ish_verdict.basis})
        decided.actions = [a for a in ihc_verdict.actions + ish_verdict.actions if a.code != "reflex-ish"]
        if ihc_verdict.result == "negative" and ish_verdict.result == "positive":
            notes.append(
                f"IHC {score} with an amplified ISH lies outside the guideline's algorithm, which orders ISH only "
                "for IHC 2+ (IHC 0, 1+ and 3+ are not tested by ISH): her2kit reports the amplified ISH as positive "
                "and names the discordance; review the tumour areas tested and the controls before treatment is "
                "chosen on it."
            )
    decided.rules = rules
    decided.notes = notes
    return decided


def _specimen_unknown(ihc: tuple[IhcTest, int], ish_test: tuple[IshTest, int] | None) -> Verdict:
    """IHC 2+/3+ in <10% of cells, specimen type not given: read the tests as a biopsy and as a resection."""
    test, index = ihc
    score, ihc_alone = effective_ihc_score(test, index)
    pct = test.percent_cells
    assert pct is not None
    if ish_test is None:
        return ihc_alone
    biopsy = _evaluate((test.model_copy(update={"specimen": "biopsy"}), index), ish_test)
    resection = _evaluate((test.model_copy(update={"specimen": "resection"}), index), ish_test)
    ish_verdict = ish(*ish_test)
    same = (biopsy.result, biopsy.category) == (resection.result, resection.category)
    if same and (ish_verdict.result, ish_verdict.category) == (biopsy.result, biopsy.category):
        # The ISH decides under both criteria.
        ish_verdict.rules.insert(0, _specimen_unknown_rule(score, pct, agreed=True))
        ish_verdict.basis = sorted({index, *ish_verdict.basis})
        ish_verdict.notes.insert(
            0,
            f"The specimen type (biopsy or resection) was not given; IHC {score} in {pct:g}% of tumour cells "
            f"would be {score} on a biopsy and IHC 0 on a resection, and with this ISH the result is the same "
            "either way.",
        )
        return ish_verdict
    return Verdict(
        "indeterminate",
        "unknown",
        f"IHC {score} in {pct:g}% of tumour cells, specimen type not given: {_READING[biopsy.result]} if a "
        f"biopsy, {_READING[resection.result]} if a resection (IHC 0); HER2 status cannot be determined.",
        sorted({index, ish_test[1]}),
        rules=[_specimen_unknown_rule(score, pct, agreed=False), *ish_verdict.rules],
        actions=[_specimen_type_action(score, pct, biopsy.actions)],
        notes=ish_verdict.notes,
    )


def evaluate(ihc: tuple[IhcTest, int] | None, ish_test: tuple[IshTest, int] | None) -> Verdict:
    """IHC first; ISH resolves IHC 2+; IHC 3+ is positive whatever the ISH; IHC 0/1+ stand beside an ISH
    that cannot be read; ISH alone is positive only when amplified."""
    if ihc is None and ish_test is None:
        raise ValueError("evaluate needs at least one test")
    if ihc is not None and specimen_decides(ihc[0]):
        return _specimen_unknown(ihc, ish_test)
    return _evaluate(ihc, ish_test)
