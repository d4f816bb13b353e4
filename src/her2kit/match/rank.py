"""The ranking rule: an explicit, ordered, deterministic key (see docs/matching.md).

Options are sorted by, in this order:

1. no contraindication fired before one that fired (a fired contraindication
   moves an option down; it never removes it);
2. complete fit before an option that still needs information;
3. for a patient with active brain metastases, options whose pivotal trial
   enrolled patients with active brain metastases first;
4. exact fit of line or phase before a compatible one (e.g. post-neoadjuvant
   residual disease before plain adjuvant; an indication written for this
   metastatic line, or for previously treated disease, before one without a
   line);
5. head-to-head: an option is moved to just below any option of the same
   standing under 1-4 that beat it in a randomised trial recorded in the
   knowledge base (``Indication.superior_to``: EMILIA, DESTINY-Breast03, ...);
   applied after sorting by the key (:func:`head_to_head_order`);
6. regulatory status: regular approval before accelerated approval;
7. ESCAT tier (I-A before I-B before I-C ...);
8. an overall-survival benefit shown in the pivotal trial (an OS hazard ratio
   whose 95% CI lies below 1, not stated to have missed its prespecified
   boundary) before none shown or none recorded (:func:`survival_benefit`);
9. effect size in the pivotal trial (of the same treatment phase, for an
   early-disease indication): a hazard ratio for the primary time-to-event
   end point (lower first), then a primary response rate, objective or
   pathological complete (higher first), then none;
10. the indication id, so that ties are broken the same way every time.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Arm, ArmValue, Indication, Trial, TrialResult

ESCAT_ORDER = ["I-A", "I-B", "I-C", "II-A", "II-B", "III-A", "III-B", "IV", "X"]
TIME_TO_EVENT = ("pfs", "os", "idfs", "dfs", "efs", "ttp", "rfs")


@dataclass(frozen=True)
class Effect:
    kind: str  # "hr", "orr" or "none"
    value: float
    text: str | None

    def key(self) -> tuple[int, float]:
        if self.kind == "hr":
            return (0, self.value)
        if self.kind == "orr":
            return (1, -self.value)
        return (2, 0.0)


_SPELLED_OUT = {"ttp": "time to progression", "orr": "objective response rate", "os": "overall survival"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _is_primary(result: TrialResult, trial: Trial) -> bool:
    """The result's end point is one of the trial's primary end points, matched as whole words ("OS" is not in
    "pre-dose"), by abbreviation or spelled out."""
    endpoint = result.endpoint.lower()
    phrases = [_words(endpoint)]
    if endpoint in _SPELLED_OUT:
        phrases.append(_words(_SPELLED_OUT[endpoint]))
    return any(_contains(_words(p), phrase) for p in trial.primary_endpoints for phrase in phrases)


def _analysis_order(result: TrialResult) -> int:
    return ["primary", "interim", "final", "updated", "descriptive"].index(result.analysis)


def primary_results(trial: Trial) -> list[TrialResult]:
    """Results of the trial's primary end point(s), first-reported analysis first."""
    return sorted((r for r in trial.results if _is_primary(r, trial)), key=_analysis_order)


def headline_result(trial: Trial) -> TrialResult | None:
    """The result the ranking uses: the first-reported hazard ratio of the primary time-to-event end point."""
    for result in primary_results(trial):
        if result.hazard_ratio is not None and result.endpoint.lower().startswith(TIME_TO_EVENT):
            return result
    return None


@dataclass(frozen=True)
class CaseFacts:
    """What the effect of a multi-cohort trial depends on: the case's prior HER2-directed therapy ("adc", "tki",
    "antibody" - the most specific given -, "none", or None when the history is unknown) and its HER2 IHC score."""

    prior_her2_therapy: str | None = None
    ihc_score: str | None = None
    prior_platinum: bool | None = None
    any_prior_therapy: bool | None = (
        None  # the history records prior systemic therapy (None: no history given)
    )


def _cohort_fits(arm: Arm | None, facts: CaseFacts) -> int | None:
    """How specifically an arm's cohort fits the case (higher is narrower), or None when it does not; an arm
    without a cohort gives 0 (in a trial with cohorts it is only the fallback, never chosen as the case's)."""
    if arm is None or arm.cohort is None:
        return 0
    cohort, score = arm.cohort, 0
    if cohort.prior_her2_therapy is not None:
        fits = {"none": {"none"}, "adc": {"adc"}, "no-tki-or-adc": {"none", "antibody"}}[
            cohort.prior_her2_therapy
        ]
        if facts.prior_her2_therapy not in fits:
            return None
        score += 10 + (1 if cohort.prior_her2_therapy == "none" else 0)
    if cohort.prior_platinum:
        if facts.prior_platinum is not True:
            return None
        score += 1
    if cohort.her2_ihc_scores:
        if facts.ihc_score not in cohort.her2_ihc_scores:
            return None
        score += 5 - len(cohort.her2_ihc_scores)
    return score


def _rate(trial: Trial, facts: CaseFacts | None) -> tuple[TrialResult, ArmValue, str, bool] | None:
    """The primary response rate for the case, with which cohort it is and whether it ranks: of the narrowest
    cohort that fits the case (any analysis), else the first-reported one's first arm; a cohort the case is not
    known to belong to is shown but does not rank."""
    primary = [r for r in primary_results(trial) if r.endpoint.strip().split()[0].upper() in ("ORR", "PCR")]
    candidates = [(r, v) for r in primary for v in r.per_arm if v.value is not None]
    if not candidates:
        return None
    arms = {a.id: a for a in trial.arms}
    cohorts = [c for a in trial.arms if (c := a.cohort) is not None]
    if facts is not None and cohorts:
        fitting = [
            (score, i, r, v)
            for i, (r, v) in enumerate(candidates)
            if (score := _cohort_fits(arms.get(v.arm), facts)) is not None and score > 0
        ]
        if fitting:
            _, _, result, value = max(fitting, key=lambda f: (f[0], -f[1]))
            also = [
                f"{v.arm} {v.value:g}%"
                for _, _, _, v in sorted(fitting, key=lambda f: (-f[0], f[1]))
                if v.arm != value.arm
            ]
            more = f"; other cohorts that fit: {', '.join(dict.fromkeys(also))}" if also else ""
            return (
                result,
                value,
                f"{value.arm}: {arms[value.arm].label}; the cohort this case belongs to{more}",
                True,
            )
        result, value = candidates[0]
        known = all(
            (c.prior_her2_therapy is None or facts.prior_her2_therapy is not None)
            and (not c.her2_ihc_scores or facts.ihc_score is not None)
            and (not c.prior_platinum or facts.prior_platinum is not None)
            for c in cohorts
        )
        first = arms.get(value.arm)
        if not known:
            why = "the case does not say which cohort it fits"
        elif first is not None and first.cohort is None and facts.any_prior_therapy is False:
            why = (
                f"{first.label}; the case records no prior therapy, and no result for patients without prior "
                "therapy is recorded here"
            )
        elif first is not None and first.cohort is None:
            why = "the first-reported cohort, whose prior therapy the knowledge base does not code"
        else:
            why = "no cohort of the trial matches this case"
        return result, value, f"{value.arm}; {why}; not used to rank", False
    result, value = candidates[0]
    return result, value, value.arm, True


def population_of(trial: Trial, result: TrialResult) -> str:
    """The population a result is for: the result's own (a cohort, the primary analysis population), else the
    trial's."""
    return " ".join((result.population or trial.population).split())


def trial_effect(trial: Trial, facts: CaseFacts | None = None) -> Effect:
    """The headline effect of a trial: the first-reported hazard ratio of its primary end point, else the primary
    response rate (of the cohort the case belongs to, for a multi-cohort trial)."""
    result = headline_result(trial)
    if result is not None and result.hazard_ratio is not None:
        ci = f" (95% CI {result.ci95[0]:g}–{result.ci95[1]:g})" if result.ci95 else ""
        return Effect(
            "hr",
            result.hazard_ratio,
            f"{trial.name}: {result.endpoint} HR {result.hazard_ratio:g}{ci}, {result.analysis} analysis; "
            f"population: {population_of(trial, result)}",
        )
    found = _rate(trial, facts)
    if found is not None:
        result, arm_value, which, ranks = found
        assert arm_value.value is not None
        label = "ORR" if result.endpoint.strip().split()[0].upper() == "ORR" else "pCR"
        text = (
            f"{trial.name}: {label} {arm_value.value:g}% ({which}), {result.analysis} analysis; "
            f"population: {population_of(trial, result)}"
        )
        if not ranks:  # a cohort the case is not known to belong to: shown, not ranked
            return Effect("none", 0.0, text)
        return Effect(
            "orr",  # (a response rate, higher first: objective response, or pathological complete response)
            arm_value.value,
            text,
        )
    return Effect("none", 0.0, None)


def _basket_excludes(trial: Trial, tumor_type: str) -> bool:
    """A basket trial whose population says it excluded this tumour type ("(breast, gastric, colorectal and
    NSCLC excluded)")."""
    names = {"gej": "gastric", "esophageal": "oesophageal"}
    word = names.get(tumor_type, tumor_type).lower()
    return any(word in part.lower() for part in re.findall(r"\(([^)]*)\bexcluded\)", trial.population))


def indication_trials(
    indication: Indication, kb: KnowledgeBase, tumor_type: str | None = None
) -> list[Trial]:
    """The pivotal trials whose effect describes this indication for the case. For a tumour-agnostic indication:
    its trials of the case's tumour type, else its basket trials that did not exclude that tumour type; never a
    trial of another tumour type (a lung trial is not the effect for a breast cancer)."""
    trials = [kb.trials[t] for t in indication.pivotal_trials if t in kb.trials]
    if "solid-tumor" not in indication.criteria.tumor_types or tumor_type is None:
        return trials
    same = [t for t in trials if t.tumor_type == tumor_type]
    if same:
        return same
    return [t for t in trials if t.tumor_type == "solid-tumor" and not _basket_excludes(t, tumor_type)]


def indication_effect(
    indication: Indication,
    kb: KnowledgeBase,
    tumor_type: str | None = None,
    facts: CaseFacts | None = None,
    exclude: Collection[str] = (),
) -> Effect:
    """The headline effect of the indication's pivotal trials; for an early-disease indication, of its trials in
    the same treatment phase when it has any (a neoadjuvant indication's effect is its neoadjuvant trial's pCR,
    not an adjuvant trial's iDFS)."""
    trials = [t for t in indication_trials(indication, kb, tumor_type) if t.id not in exclude]
    phase = indication.criteria.phase
    if phase is not None:
        same_phase = [t for t in trials if _contains(_words(t.setting), _words(phase))]
        trials = same_phase or trials
    effects = [trial_effect(t, facts) for t in trials]
    return min(effects, key=Effect.key, default=Effect("none", 0.0, None))


def _is_overall_survival(result: TrialResult) -> bool:
    words = _words(result.endpoint)
    return words[:1] == ["os"] or _contains(words, ["overall", "survival"])


def shows_survival_benefit(result: TrialResult) -> bool:
    """An overall-survival result that shows a benefit: a hazard ratio whose 95% CI lies wholly below 1, not
    stated by its source to have missed the trial's prespecified significance level or interim boundary."""
    return (
        _is_overall_survival(result)
        and result.hazard_ratio is not None
        and result.ci95 is not None
        and result.ci95[1] < 1
        and result.significant is not False
    )


def _hr_text(trial: Trial, result: TrialResult) -> str:
    assert result.hazard_ratio is not None
    assert result.ci95 is not None
    return (
        f"{trial.name}: {result.endpoint} HR {result.hazard_ratio:g} (95% CI {result.ci95[0]:g}–{result.ci95[1]:g}), "
        f"{result.analysis} analysis"
    )


def _non_inferiority(trial: Trial) -> bool:
    """A trial that compared formulations for non-inferiority (HannaH, FeDeriCa): not a test of benefit."""
    return "non-inferiority" in trial.design.lower()


def survival_benefit(
    indication: Indication, kb: KnowledgeBase, tumor_type: str | None = None, exclude: Collection[str] = ()
) -> tuple[Trial, TrialResult] | None:
    """The first recorded overall-survival result of the indication's pivotal trials that shows a benefit (trials
    of non-inferiority excluded, and ``exclude``: trials whose population the case is outside of)."""
    for trial in indication_trials(indication, kb, tumor_type):
        if _non_inferiority(trial) or trial.id in exclude:
            continue
        for result in trial.results:
            if shows_survival_benefit(result):
                return trial, result
    return None


def overall_survival(indication: Indication, kb: KnowledgeBase, tumor_type: str | None = None) -> str | None:
    """What the pivotal trials recorded of overall survival, in words (ranking rule 8); None without trials."""
    trials = indication_trials(indication, kb, tumor_type)
    if not trials:
        return None
    benefit = survival_benefit(indication, kb, tumor_type)
    if benefit is not None:
        return f"{_hr_text(*benefit)}; the 95% CI lies below 1: overall-survival benefit shown"
    for trial in trials:
        judged = [
            r
            for r in trial.results
            if _is_overall_survival(r) and r.hazard_ratio is not None and r.ci95 is not None
        ]
        if judged:
            last = judged[-1]
            if _non_inferiority(trial):
                return (
                    f"{_hr_text(trial, last)}; a non-inferiority trial comparing formulations, not a test of "
                    "overall-survival benefit"
                )
            why = (
                "its prespecified significance boundary was not reached"
                if last.significant is False
                else "the 95% CI includes 1"
            )
            return f"{_hr_text(trial, last)}; {why}: no overall-survival benefit shown"
    names = ", ".join(t.name for t in trials)
    return f"no overall-survival hazard ratio with a 95% CI is recorded for {names}"


def head_to_head_order(
    ids: list[str],
    standing: dict[str, object],
    kb: KnowledgeBase,
    outside: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """The ranked ids with each option moved to just below any option of the same standing (rules 1-4) that
    beat it head-to-head (``Indication.superior_to``); nothing else moves. Options beaten by the same winner keep
    their order among themselves. ``outside`` maps an option id to the trials whose population the case is
    outside of: a win in such a trial does not describe this patient and is not applied."""
    outside = outside or {}
    order = list(ids)
    for _ in range(len(order) ** 2 + 1):
        moved = False
        for winner in list(order):
            beaten = sorted(
                {
                    r.indication
                    for r in kb.indications[winner].superior_to
                    if r.trial not in outside.get(winner, ())
                    and r.indication in standing
                    and standing[r.indication] == standing[winner]
                    and order.index(r.indication) < order.index(winner)
                },
                key=order.index,
            )
            if beaten:
                for loser in beaten:
                    order.remove(loser)
                at = order.index(winner) + 1
                order[at:at] = beaten
                moved = True
        if not moved:
            break
    return order


def sort_key(
    indication: Indication,
    *,
    contraindicated: bool,
    missing: bool,
    cns_unproven: bool,
    exact: bool,
    survival: bool,
    effect: Effect,
) -> tuple[int, int, int, int, int, int, int, tuple[int, float], str]:
    escat = ESCAT_ORDER.index(indication.escat_tier) if indication.escat_tier else len(ESCAT_ORDER)
    return (
        int(contraindicated),
        int(missing),
        int(cns_unproven),
        int(not exact),
        int(indication.approval_type == "accelerated"),
        escat,
        int(not survival),
        effect.key(),
        indication.id,
    )
