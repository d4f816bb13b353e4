"""``interpret_her2``: one HER2 status from all the tests of a case.

Tests are grouped by specimen — by ``specimen_id`` when given, otherwise by
specimen type (biopsy, resection), otherwise all unlabelled tests together — so
that "concomitant IHC on the same tissue" means what the guidelines mean. Each
group is interpreted by the tumour's guideline module; the case result is the
most actionable group result (positive > equivocal > indeterminate > negative),
and every disagreement between tests is named as a discordance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from pydantic import TypeAdapter, ValidationError

from her2kit.assessment import Action, Discordance, GenomicFinding, Her2Alternative, Her2Category, Her2Status
from her2kit.case import Her2Test, IhcTest, IshTest, NgsTest, Tumor, invalid_input_from
from her2kit.errors import InvalidInput
from her2kit.status import breast, gastroesophageal, ngs, other_solid
from her2kit.status.common import CATEGORY_PRIORITY, RESULT_PRIORITY, Verdict, rule, strongest
from her2kit.vocab import GASTROESOPHAGEAL, normalise_tumor_type

T = TypeVar("T", IhcTest, IshTest)
Evaluator = Callable[[tuple[IhcTest, int] | None, tuple[IshTest, int] | None], Verdict]

RULES: frozenset[str] = frozenset(
    {"status.no-ihc-ish", "status.repeat-ish-differs", "status.repeat-ihc-differs"}
)
ALL_RULES: frozenset[str] = breast.RULES | gastroesophageal.RULES | other_solid.RULES | RULES

# Discordances the guideline's final result does not allow to stand unexplained: each asks for adjudication (the action
# `adjudicate-discordance`, which also puts the `her2-discordant` caution on every option). By code prefix.
ADJUDICATED: Final = ("ihc", "specimens", "repeat", "ish-result", "ngs-amplified-ihc-ish-negative")

CATEGORY_NOTE = (
    "HER2-low, HER2-ultralow and HER2-null are not diagnostic categories of the ASCO/CAP guideline "
    "(2023 update); they are reported because they decide eligibility for trastuzumab deruxtecan."
)


# Histology words that are not adenocarcinoma: the gastroesophageal guideline covers adenocarcinoma only.
NOT_ADENOCARCINOMA: Final = (
    "squamous",
    "scc",
    "escc",
    "neuroendocrine",
    "small cell",
    "carcinoid",
    "stromal",
    "gist",
    "lymphoma",
    "sarcoma",
    "melanoma",
)
# "squamous cell carcinoma, no adenocarcinoma component": adenocarcinoma named only to say it is absent
NEGATED_ADENOCARCINOMA: Final = re.compile(r"\b(?:no|without)\s+(?:\w+\s+){0,2}adenocarcinoma")
_NOT_ADENO: Final = re.compile(r"\b(?:" + "|".join(map(re.escape, NOT_ADENOCARCINOMA)) + r")\b")


def _module(tumor_type: str) -> tuple[Evaluator, str]:
    if tumor_type == "breast":
        return breast.evaluate, breast.GUIDELINE
    if tumor_type in GASTROESOPHAGEAL:
        return gastroesophageal.evaluate, gastroesophageal.GUIDELINE
    return other_solid.evaluate, other_solid.GUIDELINE


def not_adenocarcinoma(tumor: Tumor | str) -> str | None:
    """The histology of a gastroesophageal tumour when it names something other than adenocarcinoma."""
    histology = tumor.histology if isinstance(tumor, Tumor) else None
    if histology is None:
        return None
    if NEGATED_ADENOCARCINOMA.search(histology.lower()):
        return histology  # "squamous cell carcinoma, no adenocarcinoma component"
    if "adeno" in histology.lower():
        return None
    words = " ".join(re.findall(r"[a-z]+", histology.lower()))
    return histology if _NOT_ADENO.search(words) else None


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


LAST_LISTED: Final = "the last listed (no dates given)"
SINGLE_PROBE_BAND: Final = "4.0-<6.0 signals/cell"


def _pick(items: list[tuple[T, int]], what: str, notes: list[str]) -> tuple[tuple[T, int] | None, str]:
    """The test of a group that counts, and why: a recount first, then dual-probe ISH over single-probe
    (ASCO/CAP 2018 Figure 2 footnote: dual-probe assays are preferred), then the latest dated, else the last
    listed."""
    if not items:
        return None, ""
    if len(items) == 1:
        return items[0], "the only one"
    recounted = [item for item in items if isinstance(item[0], IshTest) and item[0].recounted]
    dual = [item for item in items if isinstance(item[0], IshTest) and item[0].probe == "dual"]
    pool, prefix = items, ""
    if recounted:
        pool, prefix = recounted, "the recounted one"
    elif dual and len(dual) < len(items):
        pool, prefix = dual, "dual-probe ISH, preferred over single-probe"
    dates = [item[0].date for item in pool]
    latest = max((d for d in dates if d is not None), default=None)
    if len(pool) == 1:
        chosen, why = pool[0], prefix
    elif all(dates) and dates.count(latest) == 1:
        chosen = max(pool, key=lambda item: (item[0].date, item[1]))
        why = ", ".join(filter(None, (prefix, "the latest dated")))
    else:  # undated, or several share the latest date: the list order is all that is left
        chosen = pool[-1]
        why = ", ".join(filter(None, (prefix, LAST_LISTED)))
    others = ", ".join(str(i) for _, i in items if i != chosen[1])
    notes.append(
        f"Repeat {what} on the same specimen: test {chosen[1]} is used ({why}); test(s) {others} "
        "are kept for the record."
    )
    return chosen, why


def _effective_score(reading: str, ihc: tuple[IhcTest, int]) -> str:
    """The IHC score as the guideline that reads the tumour reads it (e.g. intense staining in ≤10% of a breast
    tumour's cells is 2+). ``reading``: the tumour type, or :data:`OTHER_READING` when a gastroesophageal tumour
    that is not adenocarcinoma is read under the tumour-agnostic criteria."""
    if reading == "breast":
        return breast.effective_ihc_score(*ihc)[0]
    if reading in GASTROESOPHAGEAL:
        return gastroesophageal.effective_ihc_score(*ihc)[0]
    return ihc[0].score


OTHER_READING: Final = "other solid tumour"


def _ish_call(tumor_type: str, test: IshTest) -> str | None:
    """What one ISH test says on its own: amplified, not amplified, or the breast group/band needing work-up."""
    ratio, copies = test.effective_ratio, test.her2_copies
    if test.probe == "dual" and ratio is not None:
        if tumor_type != "breast":
            return "amplified" if ratio >= breast.RATIO_POSITIVE else "not-amplified"
        if copies is None:
            return None
        group = breast.ish_group(ratio, copies)
        return {1: "amplified", 5: "not-amplified"}.get(group, f"group {group}")
    if test.probe == "single" and copies is not None:
        if tumor_type != "breast":  # single-probe ISH has no reading outside the breast guideline
            return None
        if copies >= breast.COPIES_HIGH:
            return "amplified"
        return "not-amplified" if copies < breast.COPIES_LOW else SINGLE_PROBE_BAND
    return test.result


def _stated_result_discordances(tumor_type: str, group: list[tuple[IshTest, int]]) -> list[Discordance]:
    """An ISH test whose stated result (amplified / not amplified) is the opposite of what its own numbers give:
    the numbers decide, and the contradiction is named for the laboratory to resolve."""
    out: list[Discordance] = []
    for test, index in group:
        if test.result not in ("amplified", "not-amplified"):
            continue
        call = _ish_call(tumor_type, test.model_copy(update={"result": None}))
        if call in ("amplified", "not-amplified") and call != test.result:
            out.append(
                Discordance(
                    code="ish-result-contradicts-counts",
                    tests=[index],
                    text=f"Test {index}: the laboratory stated {test.result}, but the ratio and counts give "
                    f"{call}; the numbers were used — confirm with the laboratory.",
                )
            )
    return out


def _within_group_discordances(
    tumor_type: str,
    reading: str,
    ihc: tuple[IhcTest, int] | None,
    ish: tuple[IshTest, int] | None,
    result: str,
) -> list[Discordance]:
    out: list[Discordance] = []
    if ihc is None or ish is None:
        return out
    score = _effective_score(reading, ihc)
    call = _ish_call(tumor_type, ish[0])
    if call is None:
        return out
    amplified = call == "amplified"
    not_amplified = call == "not-amplified"
    tests = sorted([ihc[1], ish[1]])
    if score == "3+" and not_amplified:
        out.append(
            Discordance(
                code="ihc3-ish-not-amplified",
                tests=tests,
                text="IHC 3+ with ISH not amplified on the same specimen: review for technical or histopathologic "
                "discordance" + (" (IHC 3+ remains HER2-positive)." if result == "positive" else "."),
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


_TEST: Final = TypeAdapter[Her2Test](Her2Test)


def _as_tests(tests: Sequence[Her2Test | Mapping[str, Any]]) -> list[Her2Test]:
    """The tests as case-model tests: a mapping is read as one (``{"method": "ihc", "score": "3+"}``); anything
    else is an input error naming it."""
    out: list[Her2Test] = []
    for index, test in enumerate(tests):
        if isinstance(test, IhcTest | IshTest | NgsTest):
            out.append(test)
        elif isinstance(test, Mapping):
            try:
                out.append(_TEST.validate_python(test))
            except ValidationError as exc:
                raise invalid_input_from(exc, f"her2_tests[{index}]") from None
        else:
            raise InvalidInput(
                f"her2_tests[{index}]",
                type(test).__name__,
                'an IHC, ISH or NGS test: a her2kit.case test, or a mapping with "method" ("ihc", "ish", "ngs")',
            )
    return out


@dataclass(frozen=True)
class _Alternative:
    """Another reading of one specimen, if an open question were answered the other way."""

    verdict: Verdict
    ihc_score: str | None
    question: str
    tests: list[int]


def _case_category(tumor_type: str, verdict: Verdict) -> Her2Category:
    """The case's category for a deciding verdict (breast keeps low / ultralow / null; other tumours do not)."""
    if verdict.result in ("equivocal", "indeterminate"):
        return "unknown"
    if verdict.result == "positive":
        return "HER2-positive"
    return verdict.category if tumor_type == "breast" else "HER2-negative"


def _rescore_alternative(
    evaluate: Evaluator,
    reading: str,
    ihc: tuple[IhcTest, int] | None,
    ish: tuple[IshTest, int] | None,
    verdict: Verdict,
) -> _Alternative | None:
    """The reading with the IHC score as reported, when the status asks to confirm a score that the extent of
    staining made it read otherwise (``rescore-ihc``: 1+ in ≤10% of a breast tumour's cells, a resection's score in
    <10% of cells) and the two readings differ."""
    if ihc is None or verdict.result in ("equivocal", "indeterminate"):
        return None
    if not any(a.code == "rescore-ihc" for a in verdict.actions):
        return None
    test, index = ihc
    reported = (test.model_copy(update={"percent_cells": None}), index)
    other = evaluate(reported, ish)
    if (other.result, other.category) == (verdict.result, verdict.category):
        return None
    return _Alternative(
        other,
        _effective_score(reading, reported),
        f"the IHC score of test {index}, reported as {test.score} in {test.percent_cells:g}% of cells and read as "
        f"{_effective_score(reading, ihc)} (confirm it with the pathologist)",
        [index],
    )


def interpret_her2(tests: Sequence[Her2Test | Mapping[str, Any]], tumor: Tumor | str) -> Her2Status:
    """Interpret the HER2 tests of one case under the guideline for its tumour type.

    A pure function of its inputs. Tests are referred to in the output by their
    index in ``tests``; a test may be given as a mapping (``{"method": "ihc", "score": "2+"}``).
    """
    tests = _as_tests(tests)
    tumor_type = tumor.type if isinstance(tumor, Tumor) else normalise_tumor_type(tumor, "tumor")
    evaluate, guideline = _module(tumor_type)
    reading = tumor_type
    notes: list[str] = []
    histology = not_adenocarcinoma(tumor) if tumor_type in GASTROESOPHAGEAL else None
    if histology is not None:
        evaluate, guideline = other_solid.evaluate, other_solid.GUIDELINE
        reading = OTHER_READING
        notes.append(
            f"The histology given ({histology}) is not adenocarcinoma, which the gastroesophageal guideline "
            "covers; HER2 is read under the tumour-agnostic criteria instead."
        )

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

    verdicts: list[tuple[str, Verdict]] = []
    scores: list[str | None] = []  # per specimen: the IHC score its verdict rests on (None: none decides)
    alternatives: list[list[_Alternative]] = []  # per specimen
    discordances: list[Discordance] = []
    _unpaired_notes(groups, notes)
    for key, group in groups.items():
        ihc_note = len(notes)  # where this specimen's "Repeat IHC ... is used" note goes, if any
        ihc, ihc_why = _pick(group.ihc, "IHC", notes)
        ish_note = len(notes)  # where this specimen's "Repeat ISH ... is used" note goes, if any
        ish, ish_why = _pick(group.ish, "ISH", notes)
        if len({t.score for t, _ in group.ihc}) > 1:
            discordances.append(
                Discordance(
                    code="repeat-ihc-differs",
                    tests=[i for _, i in group.ihc],
                    text="Repeat IHC results on the same specimen differ.",
                )
            )
        verdict = evaluate(ihc, ish)
        undecided_ihc = None
        if ihc_why.endswith(LAST_LISTED):  # undated or same-dated repeat IHC: does the choice matter?
            outcomes = [(test, evaluate(test, ish)) for test in _tied(group.ihc)]
            if len({(v.result, v.category) for _, v in outcomes}) > 1:
                verdict = undecided_ihc = _repeat_ihc_undecided(guideline, outcomes)
        calls = {i: _ish_call(tumor_type, t) for t, i in group.ish}
        if any(t.probe == "dual" and calls[i] is not None for t, i in group.ish):
            # A single-probe 4.0-<6.0 band is resolved by dual-probe ISH (Figure 2): its follow-up, not a discordance.
            calls = {i: (None if c == SINGLE_PROBE_BAND else c) for i, c in calls.items()}
        if len(set(calls.values()) - {None}) > 1:
            discordances.append(
                Discordance(
                    code="repeat-ish-differs",
                    tests=sorted(calls),
                    text="Repeat ISH results on the same specimen differ ("
                    + "; ".join(f"test {i}: {c}" for i, c in sorted(calls.items()) if c)
                    + ").",
                )
            )
            if {"amplified", "not-amplified"} <= set(calls.values()) and ish_why.endswith(LAST_LISTED):
                verdict = _repeat_ish_undecided(guideline, sorted(calls), verdict)
                if undecided_ihc is not None:  # (what to ask about the IHC still holds)
                    verdict.actions.extend(undecided_ihc.actions)
                del notes[ish_note:]  # this specimen's "test N is used" note: none is used
        if undecided_ihc is not None:
            del notes[ihc_note:ish_note]  # nor is the listed-last IHC
        others = [a for a in [_rescore_alternative(evaluate, reading, ihc, ish, verdict)] if a is not None]
        if key == "unlabelled" and undecided_ihc is None:
            differ = _unlabelled_differ(evaluate, reading, group, ish, verdict, discordances)
            if differ is not None:
                others.append(differ)
        if len(groups) > 1:  # several specimens: say which one each next step is for
            where = _specimen_label(key, group)
            verdict.actions = [
                a.model_copy(update={"text": f"{a.text.rstrip('.')} — for the {where}."})
                for a in verdict.actions
            ]
        verdicts.append((key, verdict))
        scores.append(_effective_score(reading, ihc) if ihc is not None and undecided_ihc is None else None)
        alternatives.append(others)
        discordances.extend(_within_group_discordances(tumor_type, reading, ihc, ish, verdict.result))
        discordances.extend(_stated_result_discordances(tumor_type, group.ish))

    genomic: list[GenomicFinding] = []
    for test, index in ngs_tests:
        genomic.extend(ngs.findings(test, index, tumor_type))

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

    if any(d.code.startswith(ADJUDICATED) for d in discordances):
        actions.append(
            Action(
                code="adjudicate-discordance",
                text="Review the discordant results with the pathologist (histology, controls, tumour areas scored).",
                reason="The guideline's final results assume no unexplained discordance between tests.",
            )
        )

    category = _case_category(tumor_type, deciding)
    ihc_scores = [score for score in scores if score is not None]
    if tumor_type == "breast" and deciding.result == "negative":
        notes.append(CATEGORY_NOTE)

    summary = deciding.summary
    if tumor_type == "breast" and deciding.result == "negative" and category not in summary:
        summary = f"{summary.rstrip('.')}; category {category}."
    return Her2Status(
        result=deciding.result,
        category=category,
        ish_group=deciding.ish_group if tumor_type == "breast" else None,
        provisional=deciding.provisional,
        tumor_type=tumor_type,
        guideline=guideline,
        summary=summary,
        basis=sorted(deciding.basis),
        ihc_scores=ihc_scores,
        alternatives=_case_alternatives(tumor_type, verdicts, scores, alternatives, (category, ihc_scores)),
        actions=_dedupe(actions),
        rationale=rationale,
        discordances=discordances,
        genomic_findings=genomic,
        notes=list(dict.fromkeys(notes)),
    )


def _case_alternatives(
    tumor_type: str,
    verdicts: list[tuple[str, Verdict]],
    scores: list[str | None],
    alternatives: list[list[_Alternative]],
    given: tuple[Her2Category, list[str]],
) -> list[Her2Alternative]:
    """Each specimen's other reading, as the case's status: that specimen's verdict and score replaced, the rest
    kept; only those that change the case's category or IHC scores."""
    out: list[Her2Alternative] = []
    for at, others in enumerate(alternatives):
        for other in others:
            swapped = [other.verdict if j == at else v for j, (_, v) in enumerate(verdicts)]
            category = _case_category(tumor_type, strongest(swapped))
            kept = [
                s for s in (other.ihc_score if j == at else s for j, s in enumerate(scores)) if s is not None
            ]
            if (category, kept) != given:
                out.append(
                    Her2Alternative(
                        category=category,
                        ihc_scores=kept,
                        question=other.question,
                        tests=other.tests,
                    )
                )
    return out


def _specimen_label(key: str, group: _Specimen) -> str:
    """Which specimen a group is, in words: its id or type, or the unlabelled tests by index."""
    if key == "unlabelled":
        indices = sorted(i for _, i in [*group.ihc, *group.ish])
        return "specimen of the unlabelled test(s) " + ", ".join(str(i) for i in indices)
    kind, _, name = key.partition(":")
    return f"specimen {name}" if kind == "id" else f"{name} specimen"


def _unpaired_notes(groups: dict[str, _Specimen], notes: list[str]) -> None:
    """Say so when unlabelled tests are not read with the tests of a labelled specimen: "concomitant" needs the
    same tissue, which only the labels tell."""
    loose = groups.get("unlabelled")
    if loose is None:
        return
    for key, group in groups.items():
        if key == "unlabelled":
            continue
        for have, lack, what in ((group.ihc, loose.ish, "ISH"), (group.ish, loose.ihc, "IHC")):
            if have and lack and not (group.ish if what == "ISH" else group.ihc):
                notes.append(
                    f"{what} test(s) {', '.join(str(i) for _, i in lack)} have no specimen label, so they are not "
                    f"read with test(s) {', '.join(str(i) for _, i in have)} of specimen "
                    f"{key.split(':', 1)[1]}; if they were done on the same tissue, give both the same specimen or "
                    "specimen_id."
                )


def _tied(items: list[tuple[IhcTest, int]]) -> list[tuple[IhcTest, int]]:
    """The repeat IHC tests of a specimen that nothing tells apart: undated, or dated on the latest date."""
    latest = max((t.date for t, _ in items if t.date is not None), default=None)
    return [(t, i) for t, i in items if t.date is None or t.date == latest]


def _unlabelled_differ(
    evaluate: Evaluator,
    reading: str,
    group: _Specimen,
    ish: tuple[IshTest, int] | None,
    verdict: Verdict,
    discordances: list[Discordance],
) -> _Alternative | None:
    """Tests without a specimen label are read as repeats on one specimen (the latest dated counts). When they were
    done on different dates and would give different HER2 results or categories (HER2-low and HER2-null decide
    trastuzumab deruxtecan), they may be different specimens (a primary and a metastasis), each interpreted on its
    own, where the strongest specimen decides the case: ask, and give that reading as the alternative."""
    dated = [(t, i) for t, i in group.ihc if t.date is not None]
    if len({t.date for t, _ in dated}) < 2:
        return None
    outcomes = {i: evaluate((t, i), ish) for t, i in dated}
    if len({(v.result, v.category) for v in outcomes.values()}) < 2:
        return None
    tests = sorted(outcomes)
    results = len({v.result for v in outcomes.values()}) > 1
    text = (
        f"IHC tests {', '.join(map(str, tests))} have no specimen label, were done on different dates and give "
        + ("different HER2 results" if results else "different HER2 categories")
        + ": they are read as repeats on one specimen (the latest dated is used). If they were different specimens, "
        "each is interpreted on its own, and "
        + (
            "a positive specimen makes the case HER2-positive."
            if results
            else "the higher category (HER2-low over HER2-ultralow over HER2-null) is the case's."
        )
    )
    discordances.append(Discordance(code="unlabelled-tests-differ", tests=tests, text=text))
    verdict.actions.append(
        Action(
            code="adjudicate-discordance",
            text="Give each test its specimen (specimen_id, or specimen biopsy/resection) so that repeats and "
            "different specimens are told apart.",
            reason=text,
        )
    )
    index, strongest_outcome = max(
        outcomes.items(),
        key=lambda item: (RESULT_PRIORITY[item[1].result], CATEGORY_PRIORITY[item[1].category]),
    )
    if (strongest_outcome.result, strongest_outcome.category) == (verdict.result, verdict.category):
        return None
    test = next(t for t, i in dated if i == index)
    return _Alternative(
        strongest_outcome,
        _effective_score(reading, (test, index)),
        f"whether IHC tests {', '.join(map(str, tests))} (no specimen label, different dates) are repeats on one "
        "specimen or different specimens (give each its specimen)",
        tests,
    )


def _repeat_ihc_undecided(guideline: str, outcomes: list[tuple[tuple[IhcTest, int], Verdict]]) -> Verdict:
    """Repeat IHC on one specimen that give different results, none dated later than the others: which is final
    decides the status, so none decides here (the list order would)."""
    tests = sorted(i for (_, i), _ in outcomes)
    scores = sorted({t.score for (t, _), _ in outcomes})
    actions = [
        Action(
            code="ihc",
            text="Ask the laboratory which IHC result is final (give the dates, or the one to use).",
            reason=f"Repeat IHC on the same specimen give {' and '.join(scores)} with different HER2 results, and "
            "no later date tells which is final.",
        )
    ]
    for (test, index), outcome in outcomes:
        for action in outcome.actions:
            text = f"If test {index} (IHC {test.score}) is final: {action.text[:1].lower()}{action.text[1:]}"
            actions.append(action.model_copy(update={"text": text}))
    rules = [fired for _, outcome in outcomes for fired in outcome.rules]
    return Verdict(
        "indeterminate",
        "unknown",
        f"Repeat IHC on the same specimen disagree ({', '.join(scores)}) and no later date tells which is final, "
        "so none decides.",
        tests,
        rules=[
            *rules,
            rule(
                "status.repeat-ihc-differs",
                guideline,
                "final results assume no unexplained discordance",
                "repeat IHC results on one specimen give different HER2 results; the laboratory says which is final",
                sorted({ref for fired in rules for ref in fired.references}),
                tests=", ".join(str(i) for i in tests),
            ),
        ],
        actions=actions,
    )


def _repeat_ish_undecided(guideline: str, tests: list[int], listed_last: Verdict) -> Verdict:
    """Repeat ISH on one specimen, amplified and not amplified, none marked as the recount or dated."""
    return Verdict(
        "indeterminate",
        "unknown",
        "Repeat ISH on the same specimen disagree (amplified and not amplified), and neither a single recount nor "
        "a later date tells which is final, so none decides.",
        tests,
        ish_group=None,
        rules=[
            *listed_last.rules,
            rule(
                "status.repeat-ish-differs",
                guideline,
                "final results assume no unexplained discordance",
                "repeat ISH results on one specimen disagree; the laboratory adjudicates which is final",
                sorted({ref for fired in listed_last.rules for ref in fired.references}),
                tests=", ".join(str(i) for i in tests),
            ),
        ],
        actions=[
            Action(
                code="ish",
                text="Ask the laboratory which ISH result is final (mark it recounted, or give the dates).",
                reason="Repeat ISH results on the same specimen disagree.",
            )
        ],
    )


def _no_ihc_ish(tumor_type: str, guideline: str, ngs_tests: list[tuple[NgsTest, int]]) -> Verdict:
    """No IHC or ISH at all: indeterminate, with the test that is needed."""
    needed = "HER2 IHC on tumour tissue (with reflex ISH if IHC 2+)"
    if tumor_type == "nsclc" and not ngs_tests:
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
