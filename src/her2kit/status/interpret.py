"""``interpret_her2``: one HER2 status from all the tests of a case.

Tests are grouped by specimen — by ``specimen_id`` when given, otherwise by
specimen type (biopsy, resection), otherwise all unlabelled tests together — so
that "concomitant IHC on the same tissue" means what the guidelines mean. Each
group is interpreted by the tumour's guideline module; the case result is the
most actionable group result (positive > equivocal > indeterminate > negative),
and every disagreement between tests is named as a discordance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from her2kit.assessment import Action, Discordance, GenomicFinding, Her2Category, Her2Status
from her2kit.case import Her2Test, IhcTest, IshTest, NgsTest, Tumor
from her2kit.status import breast, gastroesophageal, ngs, other_solid
from her2kit.status.common import Verdict, rule, strongest
from her2kit.vocab import GASTROESOPHAGEAL, normalise_tumor_type

T = TypeVar("T", IhcTest, IshTest)
Evaluator = Callable[[tuple[IhcTest, int] | None, tuple[IshTest, int] | None], Verdict]

RULES: frozenset[str] = frozenset({"status.no-ihc-ish"})
ALL_RULES: frozenset[str] = breast.RULES | gastroesophageal.RULES | other_solid.RULES | RULES

CATEGORY_NOTE = (
    "HER2-low, HER2-ultralow and HER2-null are not diagnostic categories of the ASCO/CAP guideline "
    "(2023 update); they are reported because they decide eligibility for trastuzumab deruxtecan."
)


def _module(tumor_type: str) -> tuple[Evaluator, str]:
    if tumor_type == "breast":
        return breast.evaluate, breast.GUIDELINE
    if tumor_type in GASTROESOPHAGEAL:
        return gastroesophageal.evaluate, gastroesophageal.GUIDELINE
    return other_solid.evaluate, other_solid.GUIDELINE


@dataclass
class _Specimen:
    """The IHC and ISH tests of one specimen, with their indices in the case."""

    ihc: list[tuple[IhcTest, int]] = field(default_factory=list)
    ish: list[tuple[IshTest, int]] = field(default_factory=list)


def _specimen_key(test: IhcTest | IshTest) -> str:
    if test.specimen_id:
        return f"id:{test.specimen_id}"
    if test.specimen:
        return f"type:{test.specimen}"
    return "unlabelled"


def _pick(items: list[tuple[T, int]], what: str, notes: list[str]) -> tuple[T, int] | None:
    """The test of a group that counts: a recount first, then the latest dated, else the last listed."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    recounted = [item for item in items if isinstance(item[0], IshTest) and item[0].recounted]
    if recounted:
        chosen = recounted[-1]
        why = "the recounted one"
    elif all(item[0].date for item in items):
        chosen = max(items, key=lambda item: (item[0].date, item[1]))
        why = "the latest dated"
    else:
        chosen = items[-1]
        why = "the last listed (no dates given)"
    others = ", ".join(str(i) for _, i in items if i != chosen[1])
    notes.append(
        f"Repeat {what} on the same specimen: test {chosen[1]} is used ({why}); test(s) {others} "
        "are kept for the record."
    )
    return chosen


def _within_group_discordances(
    tumor_type: str, ihc: tuple[IhcTest, int] | None, ish: tuple[IshTest, int] | None
) -> list[Discordance]:
    out: list[Discordance] = []
    if ihc is None or ish is None:
        return out
    score = ihc[0].score
    ratio = ish[0].effective_ratio
    copies = ish[0].her2_copies
    amplified: bool | None = None
    if ish[0].probe == "dual" and ratio is not None:
        if tumor_type == "breast" and copies is not None:
            amplified = breast.ish_group(ratio, copies) == 1
            not_amplified = breast.ish_group(ratio, copies) == 5
        else:
            amplified = ratio >= 2.0
            not_amplified = not amplified
    elif ish[0].probe == "single" and copies is not None:
        amplified = copies >= breast.COPIES_HIGH
        not_amplified = copies < breast.COPIES_LOW
    elif ish[0].result is not None:
        amplified = ish[0].result == "amplified"
        not_amplified = ish[0].result == "not-amplified"
    else:
        return out
    tests = sorted([ihc[1], ish[1]])
    if score == "3+" and not_amplified:
        out.append(
            Discordance(
                code="ihc3-ish-not-amplified",
                tests=tests,
                text="IHC 3+ with ISH not amplified on the same specimen: review for technical or histopathologic "
                "discordance (IHC 3+ remains HER2-positive).",
            )
        )
    if score in ("0", "ultralow", "1+") and amplified:
        out.append(
            Discordance(
                code="ihc-negative-ish-amplified",
                tests=tests,
                text=f"IHC {score} with ISH amplified on the same specimen: review for technical or histopathologic "
                "discordance.",
            )
        )
    return out


def interpret_her2(tests: Sequence[Her2Test], tumor: Tumor | str) -> Her2Status:
    """Interpret the HER2 tests of one case under the guideline for its tumour type.

    A pure function of its inputs. Tests are referred to in the output by their
    index in ``tests``.
    """
    tumor_type = tumor.type if isinstance(tumor, Tumor) else normalise_tumor_type(tumor, "tumor")
    evaluate, guideline = _module(tumor_type)

    groups: dict[str, _Specimen] = {}
    ngs_tests: list[tuple[NgsTest, int]] = []
    for index, test in enumerate(tests):
        if isinstance(test, NgsTest):
            ngs_tests.append((test, index))
            continue
        group = groups.setdefault(_specimen_key(test), _Specimen())
        if isinstance(test, IhcTest):
            group.ihc.append((test, index))
        else:
            group.ish.append((test, index))

    notes: list[str] = []
    verdicts: list[tuple[str, Verdict]] = []
    discordances: list[Discordance] = []
    for key, group in groups.items():
        ihc = _pick(group.ihc, "IHC", notes)
        ish = _pick(group.ish, "ISH", notes)
        if len({t.score for t, _ in group.ihc}) > 1:
            discordances.append(
                Discordance(
                    code="repeat-ihc-differs",
                    tests=[i for _, i in group.ihc],
                    text="Repeat IHC results on the same specimen differ.",
                )
            )
        verdicts.append((key, evaluate(ihc, ish)))
        discordances.extend(_within_group_discordances(tumor_type, ihc, ish))

    genomic: list[GenomicFinding] = []
    for test, index in ngs_tests:
        genomic.extend(ngs.findings(test, index))

    if verdicts:
        deciding = strongest([v for _, v in verdicts])
        results = {v.result for _, v in verdicts}
        if len(verdicts) > 1 and "positive" in results and "negative" in results:
            discordances.append(
                Discordance(
                    code="specimens-differ",
                    tests=sorted(i for _, v in verdicts for i in v.basis),
                    text="Specimens disagree (HER2-positive on one, negative on another); a positive result on an "
                    "adequately tested specimen makes the case HER2-positive — review for heterogeneity.",
                )
            )
    else:
        deciding = _no_ihc_ish(tumor_type, guideline, ngs_tests)

    actions: list[Action] = []
    for _, verdict in verdicts:
        actions.extend(verdict.actions)
    actions.extend(deciding.actions if not verdicts else [])
    rationale = [r for _, v in verdicts for r in v.rules] or deciding.rules
    for _, verdict in verdicts:
        notes.extend(verdict.notes)

    # NGS beside IHC/ISH.
    for test, index in ngs_tests:
        if test.erbb2_amplified and verdicts and deciding.result == "negative":
            discordances.append(
                Discordance(
                    code="ngs-amplified-ihc-ish-negative",
                    tests=[index, *deciding.basis],
                    text="NGS reports ERBB2 amplification but IHC/ISH are HER2-negative: review (tumour content, "
                    "heterogeneity, assay thresholds).",
                )
            )
        if test.erbb2_amplified is False and verdicts and deciding.result == "positive":
            discordances.append(
                Discordance(
                    code="ngs-not-amplified-ihc-ish-positive",
                    tests=[index, *deciding.basis],
                    text="IHC/ISH are HER2-positive but NGS reports no ERBB2 amplification: NGS can miss "
                    "amplification at low tumour content; the IHC/ISH result stands.",
                )
            )
        if test.erbb2_amplified and not verdicts:
            actions.append(ngs.confirm_action(index))

    if any(d.code.startswith(("ihc", "specimens", "repeat")) for d in discordances):
        actions.append(
            Action(
                code="adjudicate-discordance",
                text="Review the discordant results with the pathologist (histology, controls, tumour areas scored).",
                reason="The guideline's final results assume no unexplained discordance between tests.",
            )
        )

    category: Her2Category = deciding.category
    if deciding.result in ("equivocal", "indeterminate"):
        category = "unknown"
    elif deciding.result == "positive":
        category = "HER2-positive"
    elif tumor_type != "breast":
        category = "HER2-negative"
    if tumor_type == "breast" and deciding.result == "negative":
        notes.append(CATEGORY_NOTE)

    summary = deciding.summary
    if tumor_type == "breast" and deciding.result == "negative" and category not in summary:
        summary = f"{summary.rstrip('.')}; category {category}."
    return Her2Status(
        result=deciding.result,
        category=category,
        ish_group=deciding.ish_group if tumor_type == "breast" else None,
        tumor_type=tumor_type,
        guideline=guideline,
        summary=summary,
        basis=sorted(deciding.basis),
        actions=_dedupe(actions),
        rationale=rationale,
        discordances=discordances,
        genomic_findings=genomic,
        notes=list(dict.fromkeys(notes)),
    )


def _no_ihc_ish(tumor_type: str, guideline: str, ngs_tests: list[tuple[NgsTest, int]]) -> Verdict:
    """No IHC or ISH at all: indeterminate, with the test that is needed."""
    needed = "HER2 IHC on tumour tissue (with reflex ISH if IHC 2+)"
    if tumor_type == "nsclc":
        needed = "HER2 IHC on tumour tissue, and ERBB2 mutation testing (NGS) for the HER2-mutant indications"
    verdict = Verdict(
        "indeterminate",
        "unknown",
        "No IHC or ISH result: HER2 status cannot be determined."
        if not ngs_tests
        else "Only NGS results: HER2 status by the guideline needs IHC/ISH.",
        [i for _, i in ngs_tests],
        rules=[
            rule(
                "status.no-ihc-ish",
                guideline,
                "testing algorithm",
                "HER2 status is defined by IHC and/or ISH; none was given",
                [],
                ngs_tests=len(ngs_tests),
            )
        ],
    )
    if not any(t.erbb2_amplified for t, _ in ngs_tests):
        verdict.actions.append(Action(code="ihc", text=f"Perform {needed}.", reason="No IHC or ISH result."))
    return verdict


def _dedupe(actions: list[Action]) -> list[Action]:
    seen: set[tuple[str, str]] = set()
    out = []
    for action in actions:
        key = (action.code, action.text)
        if key not in seen:
            seen.add(key)
            out.append(action)
    return out
