"""HER2 status in breast cancer: ASCO/CAP 2018 focused update, affirmed in 2023.

Guideline: Wolff AC et al. J Clin Oncol 2018;36(20):2105-2122
(``ref:guideline-asco-cap-breast-2018``), affirmed by Wolff AC et al.
J Clin Oncol 2023;41:3867-3872, doi:10.1200/JCO.22.02864
(``ref:guideline-asco-cap-breast-2023``).

Sections implemented, each by one function below:

* Figure 1 — IHC scoring (0, 1+, 2+, 3+) and the note on unusual staining
  patterns (intense complete staining in ≤ 10% of cells is 2+ equivocal);
* Figure 2 — single-probe ISH (≥ 6.0 positive, < 4.0 negative, 4.0–< 6.0 by
  concomitant IHC or dual-probe ISH);
* Figure 3 — dual-probe ISH groups 1–5;
* Figures 4, 5, 6 — groups 2, 3 and 4 resolved by concomitant IHC on the same
  tissue, after a blinded recount of at least 20 cells;
* 2023 update — IHC 0 versus 1+; HER2-low (IHC 1+, or 2+ with negative ISH)
  and HER2-ultralow (IHC 0 with faint, incomplete membrane staining in ≤ 10% of
  cells) are reported because they decide eligibility for trastuzumab
  deruxtecan (``ref:label-enhertu``), not as diagnostic categories.

For groups 2-4 with IHC 2+ the result is given on the counts in the case and
worded as provisional, with the blinded recount as an action, unless the test
says the recount was done (``recounted``).
"""

from __future__ import annotations

from typing import Final

from her2kit.assessment import Action, Her2Category, Her2Result
from her2kit.case import IhcTest, IshTest
from her2kit.errors import InvalidInput
from her2kit.status.common import STATED_ISH, Inputs, Verdict, ratio_conflict, rule

GUIDELINE = "ASCO/CAP HER2 testing in breast cancer, 2018 focused update (affirmed 2023)"
REF_2018 = "ref:guideline-asco-cap-breast-2018"
REF_2023 = "ref:guideline-asco-cap-breast-2023"
REF_TDXD_LABEL = "ref:label-enhertu"

# Figure 3: dual-probe thresholds.
RATIO_POSITIVE = 2.0  # HER2/CEP17 ratio ≥ 2.0
COPIES_LOW = 4.0  # average HER2 signals/cell ≥ 4.0
COPIES_HIGH = 6.0  # average HER2 signals/cell ≥ 6.0
# Figure 1: staining must be seen in more than 10% of invasive tumour cells for 1+, 2+, 3+.
IHC_EXTENT_PERCENT = 10.0

NEGATIVE_WITH_COMMENT = {
    2: (
        "Evidence is limited on the efficacy of HER2-targeted therapy in the small subset of cases with a "
        "HER2/CEP17 ratio ≥2.0 and an average HER2 copy number <4.0/cell; in the absence of protein "
        "overexpression (IHC 3+) the case is considered HER2-negative."
    ),
    3: (
        "There are insufficient data on the efficacy of HER2-targeted therapy in cases with a HER2/CEP17 ratio "
        "<2.0 in the absence of protein overexpression; when concurrent IHC is negative (0 or 1+), the specimen "
        "is considered HER2-negative."
    ),
    4: (
        "It is uncertain whether patients with an average of ≥4.0 and <6.0 HER2 signals/cell and a HER2/CEP17 "
        "ratio <2.0 benefit from HER2-targeted therapy in the absence of protein overexpression (IHC 3+); "
        "when IHC is not 3+, the sample is considered HER2-negative without additional testing on the same "
        "specimen."
    ),
}
FIGURE_FOR_GROUP = {2: "Figure 4", 3: "Figure 5", 4: "Figure 6"}

# Every rule this module can fire; the test suite checks each has a test vector.
RULES: frozenset[str] = frozenset(
    {
        "breast.ihc.intense-limited-extent",
        "breast.ihc.faint-limited-extent",
        "breast.ihc.3+",
        "breast.ihc.2+",
        "breast.ihc.1+",
        "breast.ihc.0-ultralow",
        "breast.ihc.0-null",
        "breast.ihc.0-unspecified",
        *(f"breast.ish.group{g}" for g in range(1, 6)),
        *(f"breast.ish.group{g}.{ihc}" for g in (2, 3, 4) for ihc in ("ihc3+", "ihc2+", "ihc0-1+")),
        "breast.ish.stated-result",
        "breast.ish.incomplete",
        "breast.ish.incomplete-decided",
        "breast.ish.single.positive",
        "breast.ish.single.negative",
        "breast.ish.single.4-6",
        "breast.ish.single.4-6.ihc3+",
        "breast.ish.single.4-6.ihc2+",
        "breast.ish.single.4-6.ihc0-1+",
    }
)


# --------------------------------------------------------------------------- IHC (Figure 1)
def effective_ihc_score(ihc: IhcTest, index: int) -> tuple[str, Verdict]:
    """The IHC score after checking it against the extent of staining; a verdict on IHC alone."""
    score = ihc.score
    pct = ihc.percent_cells
    field = f"her2_tests[{index}].percent_cells"
    rules = []
    notes: list[str] = []
    actions: list[Action] = []
    if pct is not None:
        if score == "0" and pct > IHC_EXTENT_PERCENT:
            raise InvalidInput(
                field,
                pct,
                f"≤{IHC_EXTENT_PERCENT:g} for IHC 0",
                hint="IHC 0 is no staining or faint incomplete staining in ≤10% of cells; re-score",
            )
        if score in ("1+", "2+", "3+") and pct == 0:
            raise InvalidInput(
                field,
                pct,
                f">0 for IHC {score}",
                hint="0% of cells stained is no membrane staining (IHC 0, HER2-null); re-score or give the extent",
            )
        if score == "ultralow" and not 0 < pct <= IHC_EXTENT_PERCENT:
            raise InvalidInput(
                field,
                pct,
                f">0 and ≤{IHC_EXTENT_PERCENT:g} for HER2-ultralow",
                hint="ultralow is faint incomplete membrane staining in ≤10% of cells",
            )
        if score == "3+" and pct <= IHC_EXTENT_PERCENT:
            rules.append(
                rule(
                    "breast.ihc.intense-limited-extent",
                    GUIDELINE,
                    "Figure 1, note on unusual staining patterns",
                    "intense complete staining in ≤10% of cells is considered IHC 2+ (equivocal)",
                    [REF_2018],
                    score=score,
                    percent_cells=pct,
                )
            )
            notes.append(
                "Intense complete staining limited to ≤10% of cells is read as IHC 2+ (equivocal); additional "
                "samples may show a different percentage of HER2-positive staining (Figure 1 note)."
            )
            score = "2+"
        elif score == "1+" and pct <= IHC_EXTENT_PERCENT:
            rules.append(
                rule(
                    "breast.ihc.faint-limited-extent",
                    GUIDELINE,
                    "Figure 1 (IHC 0 definition)",
                    "faint incomplete staining in ≤10% of cells meets the definition of IHC 0 with staining "
                    "(HER2-ultralow, the trastuzumab deruxtecan label's term), not 1+",
                    [REF_2018, REF_TDXD_LABEL],
                    score=score,
                    percent_cells=pct,
                )
            )
            score = "ultralow"
            actions.append(
                Action(
                    code="rescore-ihc",
                    text=f"Confirm the IHC score with the pathologist: 1+ was reported in {pct:g}% of tumour cells, "
                    "which the guideline defines as IHC 0 with membrane staining (HER2-ultralow).",
                    reason=f"Faint incomplete staining in ≤{IHC_EXTENT_PERCENT:g}% of cells is IHC 0 (Figure 1), not "
                    "1+; HER2-low versus HER2-ultralow decides trastuzumab deruxtecan eligibility in HR-negative "
                    "disease.",
                )
            )
        elif score == "2+" and pct <= IHC_EXTENT_PERCENT:
            notes.append(
                "IHC 2+ is defined by staining in >10% of cells; a limited-extent pattern is an unusual "
                "pattern that the guideline treats as equivocal (Figure 1 note)."
            )
        elif score == "0" and pct > 0:
            score = "ultralow"
    verdict = _ihc_alone(score, pct, index)
    verdict.rules[:0] = rules
    verdict.notes.extend(notes)
    verdict.actions[:0] = actions
    return score, verdict


def _ihc_alone(score: str, pct: float | None, index: int) -> Verdict:
    inputs: Inputs = {"score": score, "percent_cells": pct}
    if score == "3+":
        return Verdict(
            "positive",
            "HER2-positive",
            "IHC 3+: HER2-positive.",
            [index],
            rules=[
                rule(
                    "breast.ihc.3+",
                    GUIDELINE,
                    "Figure 1 (IHC 3+)",
                    "circumferential, complete, intense membrane staining in >10% of tumour cells: positive",
                    [REF_2018],
                    **inputs,
                )
            ],
        )
    if score == "2+":
        limited = pct is not None and pct <= IHC_EXTENT_PERCENT
        return Verdict(
            "equivocal",
            "unknown",
            "IHC 2+: equivocal; ISH is required.",
            [index],
            rules=[
                rule(
                    "breast.ihc.2+",
                    GUIDELINE,
                    "Figure 1 (IHC 2+), note on unusual staining patterns"
                    if limited
                    else "Figure 1 (IHC 2+)",
                    f"complete membrane staining in ≤{IHC_EXTENT_PERCENT:g}% of tumour cells, an unusual pattern "
                    "read as equivocal"
                    if limited
                    else "weak to moderate complete membrane staining in >10% of tumour cells: equivocal",
                    [REF_2018],
                    **inputs,
                )
            ],
            actions=[
                Action(
                    code="reflex-ish",
                    text="Order reflex ISH on the same specimen, or a new test (IHC or ISH) on a new specimen if available.",
                    reason="IHC 2+ is equivocal (ASCO/CAP 2018 Figure 1).",
                )
            ],
        )
    if score == "1+":
        return Verdict(
            "negative",
            "HER2-low",
            "IHC 1+: HER2-negative (HER2-low).",
            [index],
            rules=[
                rule(
                    "breast.ihc.1+",
                    GUIDELINE,
                    "Figure 1 (IHC 1+); 2023 update",
                    "faint, incomplete membrane staining in >10% of tumour cells: negative; HER2-low for "
                    "trastuzumab deruxtecan eligibility",
                    [REF_2018, REF_2023, REF_TDXD_LABEL],
                    **inputs,
                )
            ],
        )
    return _ihc_zero(score, pct, index)


def _ihc_zero(score: str, pct: float | None, index: int) -> Verdict:
    inputs: Inputs = {"score": score, "percent_cells": pct}
    if score == "ultralow":
        return Verdict(
            "negative",
            "HER2-ultralow",
            "IHC 0 with membrane staining: HER2-negative (HER2-ultralow).",
            [index],
            rules=[
                rule(
                    "breast.ihc.0-ultralow",
                    GUIDELINE,
                    "Figure 1 (IHC 0); 2023 update (IHC 0 vs 1+)",
                    "faint, incomplete membrane staining in ≤10% of tumour cells: negative; "
                    "HER2-ultralow for trastuzumab deruxtecan eligibility",
                    [REF_2018, REF_2023, REF_TDXD_LABEL],
                    **inputs,
                )
            ],
        )
    if pct == 0:
        return Verdict(
            "negative",
            "HER2-null",
            "IHC 0 with no staining: HER2-negative (HER2-null).",
            [index],
            rules=[
                rule(
                    "breast.ihc.0-null",
                    GUIDELINE,
                    "Figure 1 (IHC 0); 2023 update (IHC 0 vs 1+)",
                    "no membrane staining observed: negative; HER2-null",
                    [REF_2018, REF_2023],
                    **inputs,
                )
            ],
        )
    return Verdict(
        "negative",
        "HER2-negative",
        "IHC 0: HER2-negative; null versus ultralow not stated.",
        [index],
        rules=[
            rule(
                "breast.ihc.0-unspecified",
                GUIDELINE,
                "Figure 1 (IHC 0); 2023 update (IHC 0 vs 1+)",
                "IHC 0 is negative; whether any membrane staining was seen (ultralow) or none (null) is not given",
                [REF_2018, REF_2023],
                **inputs,
            )
        ],
        actions=[
            Action(
                code="report-staining-extent",
                text="Ask the laboratory whether any faint, incomplete membrane staining was seen (IHC 0 with "
                "staining, 'ultralow') or none ('null'), with the percentage of cells.",
                reason="In HR-positive metastatic breast cancer, HER2-ultralow (but not null) disease is eligible "
                "for trastuzumab deruxtecan after endocrine therapy.",
            )
        ],
    )


def category_from_ihc(score: str | None, pct: float | None) -> Her2Category:
    """HER2-low / ultralow / null for a negative result, from the (effective) IHC score."""
    if score in ("1+", "2+"):
        return "HER2-low"
    if score == "ultralow":
        return "HER2-ultralow"
    if score == "0":
        return "HER2-null" if pct == 0 else "HER2-negative"
    return "HER2-negative"


# --------------------------------------------------------------------------- ISH (Figures 2-6)
def ish_group(ratio: float, her2_copies: float) -> int:
    """Dual-probe ISH group 1–5 (Figure 3)."""
    if ratio >= RATIO_POSITIVE:
        return 1 if her2_copies >= COPIES_LOW else 2
    if her2_copies >= COPIES_HIGH:
        return 3
    if her2_copies >= COPIES_LOW:
        return 4
    return 5


def _recount_action(ish: IshTest, group: int) -> list[Action]:
    if ish.recounted:
        return []
    return [
        Action(
            code="recount-ish",
            text="An observer blinded to the earlier result recounts ISH (at least 20 cells) in the area of IHC "
            "staining; adjudicate per internal procedures.",
            reason=f"ISH group {group} with concomitant IHC 2+ ({FIGURE_FOR_GROUP[group]}); the result above holds "
            "if the recount confirms the group.",
        )
    ]


def dual_ish(ish: IshTest, index: int, ihc: tuple[str, float | None, int] | None) -> Verdict:
    """Dual-probe ISH, with the concomitant IHC (effective score, percent, index) on the same tissue."""
    verdict = _dual_ish(ish, index, ihc)
    if ish.ratio_rounds_across:
        verdict.notes.append(
            f"The HER2/CEP17 ratio from the mean counts, {ish.her2_copies:g}/{ish.cep17_copies:g} = "
            f"{ish.effective_ratio:.4f}, is below 2.0 although it shows as 2.00 to two decimals; the group is "
            "assigned on the ratio itself (Figure 3: ratio <2.0)."
        )
    conflict = ratio_conflict(ish, RATIO_POSITIVE)
    if conflict is not None:
        verdict.actions.append(conflict)
    return verdict


def _dual_ish(ish: IshTest, index: int, ihc: tuple[str, float | None, int] | None) -> Verdict:
    ratio = ish.effective_ratio
    copies = ish.her2_copies
    if ratio is None or copies is None:
        return _ish_incomplete(ish, index, ihc, ratio, copies)
    group = ish_group(ratio, copies)
    shown = ratio if ish.ratio is not None else round(ratio, 4)
    inputs: Inputs = {"ratio": shown, "her2_copies": copies, "cep17_copies": ish.cep17_copies}
    group_rule = rule(
        f"breast.ish.group{group}",
        GUIDELINE,
        "Figure 3 (dual-probe ISH)",
        _GROUP_TEXT[group],
        [REF_2018],
        **inputs,
    )
    if group == 1:
        return Verdict(
            "positive",
            "HER2-positive",
            "Dual-probe ISH group 1: HER2-positive.",
            [index],
            ish_group=1,
            rules=[group_rule],
        )
    if group == 5:
        category: Her2Category = category_from_ihc(ihc[0], ihc[1]) if ihc else "HER2-negative"
        basis = [index] + ([ihc[2]] if ihc else [])
        verdict = Verdict(
            "negative",
            category,
            "Dual-probe ISH group 5: HER2-negative.",
            basis,
            ish_group=5,
            rules=[group_rule],
        )
        if ihc is None:
            verdict.actions.append(_ihc_for_low_action())
        return verdict
    # Groups 2-4 need concomitant IHC on the same tissue.
    if ihc is None:
        return Verdict(
            "indeterminate",
            "unknown",
            f"Dual-probe ISH group {group}: IHC on the same tissue is required to conclude.",
            [index],
            ish_group=group,
            rules=[group_rule],
            actions=[
                Action(
                    code="ihc-same-tissue",
                    text="Perform HER2 IHC on sections of the same tissue sample used for ISH and review both together.",
                    reason=f"ISH group {group} requires concomitant IHC ({FIGURE_FOR_GROUP[group]}).",
                )
            ],
        )
    score, pct, ihc_index = ihc
    figure = FIGURE_FOR_GROUP[group]
    basis = [index, ihc_index]
    ihc_inputs: Inputs = {**inputs, "ihc": score}
    if score == "3+":
        return Verdict(
            "positive",
            "HER2-positive",
            f"ISH group {group} with IHC 3+: HER2-positive.",
            basis,
            ish_group=group,
            rules=[
                group_rule,
                rule(
                    f"breast.ish.group{group}.ihc3+",
                    GUIDELINE,
                    figure,
                    "concomitant IHC 3+: HER2-positive",
                    [REF_2018],
                    **ihc_inputs,
                ),
            ],
        )
    if score == "2+":
        positive = group == 3
        result: Her2Result = "positive" if positive else "negative"
        category = "HER2-positive" if positive else "HER2-low"
        outcome = "HER2-positive" if positive else "HER2-negative with comment"
        if ish.recounted:
            conclusion = f"IHC 2+ and, after the blinded recount, still group {group}: {outcome}"
            final = "counts final after the blinded recount"
        else:
            conclusion = f"IHC 2+ with group {group}: {outcome} when a blinded recount confirms group {group}"
            final = (
                f"provisional: no blinded recount is recorded; a recount that does not confirm group {group} "
                "is adjudicated by the laboratory"
            )
        verdict = Verdict(
            result,
            category,
            f"ISH group {group} with IHC 2+: HER2-{'positive' if positive else 'negative (HER2-low)'} ({final}).",
            basis,
            ish_group=group,
            provisional=not ish.recounted,
            rules=[
                group_rule,
                rule(
                    f"breast.ish.group{group}.ihc2+",
                    GUIDELINE,
                    figure,
                    conclusion,
                    [REF_2018, REF_2023],
                    **ihc_inputs,
                ),
            ],
            actions=_recount_action(ish, group),
        )
        if not positive:
            verdict.notes.append(NEGATIVE_WITH_COMMENT[group])
        return verdict
    category = category_from_ihc(score, pct)
    verdict = Verdict(
        "negative",
        category,
        f"ISH group {group} with IHC {_ihc_label(score)}: HER2-negative with comment.",
        basis,
        ish_group=group,
        rules=[
            group_rule,
            rule(
                f"breast.ish.group{group}.ihc0-1+",
                GUIDELINE,
                figure,
                "concomitant IHC 0 or 1+: HER2-negative with comment",
                [REF_2018],
                **ihc_inputs,
            ),
        ],
    )
    verdict.notes.append(NEGATIVE_WITH_COMMENT[group])
    return verdict


_GROUP_TEXT = {
    1: "HER2/CEP17 ratio ≥2.0 and average HER2 copy number ≥4.0 signals/cell: ISH positive",
    2: "HER2/CEP17 ratio ≥2.0 and average HER2 copy number <4.0 signals/cell: additional work-up required",
    3: "HER2/CEP17 ratio <2.0 and average HER2 copy number ≥6.0 signals/cell: additional work-up required",
    4: "HER2/CEP17 ratio <2.0 and average HER2 copy number ≥4.0 and <6.0 signals/cell: additional work-up "
    "required",
    5: "HER2/CEP17 ratio <2.0 and average HER2 copy number <4.0 signals/cell: ISH negative",
}


def _ihc_label(score: str) -> str:
    return "0 (with staining)" if score == "ultralow" else score


def _single_probe_ihc_review() -> Action:
    return Action(
        code="ihc",
        text="Review concomitant HER2 IHC on the same specimen.",
        reason="ASCO/CAP 2018 Figure 2 (footnote): concomitant IHC review should be part of the interpretation of "
        "every single-probe ISH result; one probe cannot tell ISH group 1 from group 3 (ratio <2.0 with ≥6.0 "
        "signals/cell), which is negative with IHC 0-1+.",
    )


def _ihc_for_low_action() -> Action:
    return Action(
        code="ihc",
        text="Perform HER2 IHC to distinguish HER2-low, HER2-ultralow and HER2-null.",
        reason="A negative ISH result alone does not tell whether trastuzumab deruxtecan indications for "
        "HER2-low or HER2-ultralow disease apply.",
    )


# An average HER2 copy number in each band of Figure 3 (<4.0, 4.0-<6.0, ≥6.0): with a known ratio, the groups a
# missing copy number could give.
_COPIES_BANDS: Final = (3.0, 5.0, 7.0)


def _decided_without_copies(
    ish: IshTest, index: int, ihc: tuple[str, float | None, int], ratio: float, inputs: Inputs, why: str
) -> Verdict | None:
    """A dual-probe ratio without the average HER2 copy number, beside IHC: when every group the ratio allows gives
    the same final result and category with this IHC (ratio <2.0 with IHC 0-1+: groups 3, 4 and 5 are each
    HER2-negative, Figures 3, 5 and 6), that is the result; otherwise None (indeterminate). A group that would
    still await the blinded recount (IHC 2+) never decides."""
    outcomes = {
        ish_group(ratio, copies): _dual_ish(ish.model_copy(update={"her2_copies": copies}), index, ihc)
        for copies in _COPIES_BANDS
    }
    if len({(v.result, v.category) for v in outcomes.values()}) != 1 or any(
        v.provisional for v in outcomes.values()
    ):
        return None
    groups = sorted(outcomes)
    one = outcomes[groups[0]]
    named = ", ".join(str(g) for g in groups[:-1]) + f" or {groups[-1]}"
    label = f"IHC {_ihc_label(ihc[0])}"
    return Verdict(
        one.result,
        one.category,
        f"ISH ratio {ratio:g} without the average HER2 copy number (groups {named}) with {label}: "
        f"HER2-{one.result} whichever the group.",
        sorted({index, ihc[2]}),
        rules=[
            rule(
                "breast.ish.incomplete-decided",
                GUIDELINE,
                "Figure 3 (dual-probe ISH); Figures 5 and 6 (groups 3 and 4 with IHC 0-1+)",
                f"{why}; with concomitant {label} each of groups {named} is HER2-{one.result}, so the missing "
                "value does not change the result",
                [REF_2018],
                **inputs,
                ihc=ihc[0],
            )
        ],
        actions=[
            Action(
                code="ish",
                text="Obtain the average HER2 copy number (signals/cell) from the laboratory report for the record.",
                reason=f"The ISH group ({named}) is not known; the HER2 result does not depend on it.",
            )
        ],
        notes=[
            "If the counts place the test in group 3 or 4, the guideline's comment for that group belongs in the "
            "report (Figures 5 and 6)."
        ]
        if any(g in (3, 4) for g in groups)
        else [],
    )


def _ish_incomplete(
    ish: IshTest,
    index: int,
    ihc: tuple[str, float | None, int] | None,
    ratio: float | None,
    copies: float | None,
) -> Verdict:
    """ISH without the numbers that assign a group (dual probe) or a call (single probe)."""
    single = ish.probe == "single"
    missing = [name for name, value in (("ratio", ratio), ("her2_copies", copies)) if value is None]
    section = "Figure 2 (single-probe ISH)" if single else "Figure 3 (dual-probe ISH)"
    counts = "the average HER2 copy number (signals/cell)"
    inputs: Inputs = {"ratio": ratio, "her2_copies": copies, "stated_result": ish.result}
    if single:
        missing = ["her2_copies"]
        inputs = {"probe": "single", "stated_result": ish.result}
        why = "single-probe ISH is read on the average HER2 copy number"
    elif ratio is not None and copies is None:
        possible = "1 or 2" if ratio >= RATIO_POSITIVE else "3, 4 or 5"
        why = f"a ratio of {ratio} fits ISH groups {possible}, which the average HER2 copy number separates"
    else:
        counts = "the HER2/CEP17 ratio and average HER2 and CEP17 copy numbers"
        why = "the ISH group needs both the HER2/CEP17 ratio and the average HER2 copy number"
    if ish.result is not None and ratio is None and copies is None:
        result, category = STATED_ISH[ish.result]
        if result == "negative" and ihc is not None:
            category = category_from_ihc(ihc[0], ihc[1])
        verdict = Verdict(
            result,
            category,
            f"ISH reported as {ish.result} without counts; "
            + ("the call cannot be verified." if single else "the ISH group cannot be assigned."),
            [index],
            rules=[
                rule(
                    "breast.ish.stated-result",
                    GUIDELINE,
                    section,
                    f"the laboratory's stated result ({ish.result}) is used; {why}",
                    [REF_2018],
                    **inputs,
                )
            ],
        )
        verdict.actions.append(
            Action(
                code="ish",
                text=f"Obtain {counts} from the laboratory report.",
                reason="The ISH call cannot be verified without the counts."
                if single
                else "The ISH group (1–5) cannot be verified without the counts.",
            )
        )
        return verdict
    if not single and ratio is not None and copies is None and ihc is not None:
        decided = _decided_without_copies(ish, index, ihc, ratio, inputs, why)
        if decided is not None:
            return decided
    return Verdict(
        "indeterminate",
        "unknown",
        "ISH counts incomplete: "
        + ("no call can be made." if single else "the ISH group cannot be assigned."),
        [index],
        rules=[
            rule(
                "breast.ish.incomplete",
                GUIDELINE,
                section,
                f"missing {', '.join(missing)}: {why}",
                [REF_2018],
                **inputs,
            )
        ],
        actions=[
            Action(
                code="ish",
                text=f"Obtain the missing ISH value(s) ({', '.join(missing)}) from the laboratory report.",
                reason=why,
            )
        ],
    )


def single_ish(ish: IshTest, index: int, ihc: tuple[str, float | None, int] | None) -> Verdict:
    """Single-probe ISH (Figure 2)."""
    copies = ish.her2_copies
    if copies is None:
        return _ish_incomplete(ish, index, ihc, None, None)
    inputs: Inputs = {"probe": "single", "her2_copies": copies}
    if copies >= COPIES_HIGH:
        return Verdict(
            "positive",
            "HER2-positive",
            "Single-probe ISH ≥6.0 HER2 signals/cell: HER2-positive.",
            [index],
            rules=[
                rule(
                    "breast.ish.single.positive",
                    GUIDELINE,
                    "Figure 2 (single-probe ISH)",
                    "average HER2 copy number ≥6.0 signals/cell: ISH positive",
                    [REF_2018],
                    **inputs,
                )
            ],
            actions=[] if ihc is not None else [_single_probe_ihc_review()],
        )
    if copies < COPIES_LOW:
        category = category_from_ihc(ihc[0], ihc[1]) if ihc else "HER2-negative"
        verdict = Verdict(
            "negative",
            category,
            "Single-probe ISH <4.0 HER2 signals/cell: HER2-negative.",
            [index] + ([ihc[2]] if ihc else []),
            rules=[
                rule(
                    "breast.ish.single.negative",
                    GUIDELINE,
                    "Figure 2 (single-probe ISH)",
                    "average HER2 copy number <4.0 signals/cell: ISH negative",
                    [REF_2018],
                    **inputs,
                )
            ],
        )
        if ihc is None:
            verdict.actions.append(_ihc_for_low_action())
        return verdict
    band = rule(
        "breast.ish.single.4-6",
        GUIDELINE,
        "Figure 2 (single-probe ISH)",
        "average HER2 copy number ≥4.0 and <6.0 signals/cell: resolved by concomitant IHC and/or "
        "dual-probe ISH",
        [REF_2018],
        **inputs,
    )
    if ihc is None:
        return Verdict(
            "indeterminate",
            "unknown",
            "Single-probe ISH 4.0–<6.0 signals/cell without IHC.",
            [index],
            rules=[band],
            actions=[
                Action(
                    code="ihc-same-tissue",
                    text="Perform IHC on sections of the same tissue (and/or dual-probe ISH).",
                    reason="Single-probe ISH between 4.0 and 6.0 signals/cell is resolved by concomitant "
                    "IHC or dual-probe ISH (Figure 2).",
                )
            ],
        )
    score, pct, ihc_index = ihc
    basis = [index, ihc_index]
    if score == "3+":
        return Verdict(
            "positive",
            "HER2-positive",
            "Single-probe ISH 4.0–<6.0 with IHC 3+: HER2-positive.",
            basis,
            rules=[
                band,
                rule(
                    "breast.ish.single.4-6.ihc3+",
                    GUIDELINE,
                    "Figure 2",
                    "concomitant IHC 3+: ISH positive",
                    [REF_2018],
                    **inputs,
                    ihc=score,
                ),
            ],
        )
    if score == "2+":
        return Verdict(
            "indeterminate",
            "unknown",
            "Single-probe ISH 4.0–<6.0 with IHC 2+: dual-probe ISH decides.",
            basis,
            rules=[
                band,
                rule(
                    "breast.ish.single.4-6.ihc2+",
                    GUIDELINE,
                    "Figure 2",
                    "concomitant IHC 2+: perform dual-probe ISH for the final result",
                    [REF_2018],
                    **inputs,
                    ihc=score,
                ),
            ],
            actions=[
                Action(
                    code="dual-probe-ish",
                    text="Perform dual-probe ISH for the final result.",
                    reason="Single-probe ISH 4.0–<6.0 signals/cell with IHC 2+ (Figure 2).",
                )
            ],
        )
    return Verdict(
        "negative",
        category_from_ihc(score, pct),
        f"Single-probe ISH 4.0–<6.0 with IHC {_ihc_label(score)}: HER2-negative.",
        basis,
        rules=[
            band,
            rule(
                "breast.ish.single.4-6.ihc0-1+",
                GUIDELINE,
                "Figure 2",
                "concomitant IHC 0 or 1+: ISH negative",
                [REF_2018],
                **inputs,
                ihc=score,
            ),
        ],
    )


def evaluate(ihc: tuple[IhcTest, int] | None, ish: tuple[IshTest, int] | None) -> Verdict:
    """The breast algorithm over the IHC and ISH of one specimen."""
    if ihc is None and ish is None:
        raise ValueError("evaluate needs at least one test")
    ihc_verdict: Verdict | None = None
    concomitant: tuple[str, float | None, int] | None = None
    if ihc is not None:
        score, ihc_verdict = effective_ihc_score(ihc[0], ihc[1])
        concomitant = (score, ihc[0].percent_cells, ihc[1])
    if ish is None:
        assert ihc_verdict is not None
        return ihc_verdict
    test, index = ish
    ish_verdict = (
        single_ish(test, index, concomitant) if test.probe == "single" else dual_ish(test, index, concomitant)
    )
    if ihc_verdict is None:
        return ish_verdict
    # IHC 3+ is positive on its own (Figure 1) whatever the ISH group.
    if ihc_verdict.result == "positive" and ish_verdict.result != "positive":
        ihc_verdict.rules.extend(ish_verdict.rules)
        ihc_verdict.basis = sorted({*ihc_verdict.basis, index})
        ihc_verdict.ish_group = ish_verdict.ish_group
        ihc_verdict.notes.append(
            "IHC 3+ is HER2-positive by itself (Figure 1); the ISH result on the same tissue does not "
            "change that, and the discordance is listed for review."
        )
        return ihc_verdict
    # Otherwise ISH (read with the concomitant IHC) decides; keep the IHC rules in the trail.
    ish_verdict.rules[:0] = ihc_verdict.rules
    ish_verdict.notes[:0] = ihc_verdict.notes
    ish_verdict.basis = sorted({*ish_verdict.basis, ihc[1]}) if ihc else ish_verdict.basis
    # (whether a 1+ in few cells is ultralow matters only for a negative result)
    dropped = ("reflex-ish",) if ish_verdict.result == "negative" else ("reflex-ish", "rescore-ihc")
    ish_verdict.actions[:0] = [a for a in ihc_verdict.actions if a.code not in dropped]
    return ish_verdict
