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
8. effect size in the pivotal trial: a hazard ratio for the primary
   time-to-event end point (lower first), then an objective response rate
   (higher first), then none;
9. the indication id, so that ties are broken the same way every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Indication, Trial, TrialResult

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


def trial_effect(trial: Trial) -> Effect:
    """The headline effect of a trial: the first-reported hazard ratio of its primary end point, else ORR."""
    result = headline_result(trial)
    if result is not None and result.hazard_ratio is not None:
        ci = f" (95% CI {result.ci95[0]:g}–{result.ci95[1]:g})" if result.ci95 else ""
        return Effect(
            "hr",
            result.hazard_ratio,
            f"{trial.name}: {result.endpoint} HR {result.hazard_ratio:g}{ci}, {result.analysis} analysis",
        )
    primary = primary_results(trial)
    for result in primary:
        if (
            result.endpoint.upper().startswith("ORR")
            and result.per_arm
            and result.per_arm[0].value is not None
        ):
            value = result.per_arm[0].value
            return Effect(
                "orr",
                value,
                f"{trial.name}: ORR {value:g}% ({result.per_arm[0].arm}), {result.analysis} analysis",
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


def indication_effect(indication: Indication, kb: KnowledgeBase, tumor_type: str | None = None) -> Effect:
    effects = [trial_effect(t) for t in indication_trials(indication, kb, tumor_type)]
    return min(effects, key=Effect.key, default=Effect("none", 0.0, None))


def head_to_head_order(ids: list[str], standing: dict[str, object], kb: KnowledgeBase) -> list[str]:
    """The ranked ids with each option moved to just below any option of the same standing (rules 1-4) that
    beat it head-to-head (``Indication.superior_to``); nothing else moves."""
    order = list(ids)
    for _ in range(len(order) ** 2 + 1):
        moved = False
        for winner in list(order):
            for relation in kb.indications[winner].superior_to:
                loser = relation.indication
                if loser not in standing or standing[loser] != standing[winner]:
                    continue
                if order.index(loser) < order.index(winner):
                    order.remove(loser)
                    order.insert(order.index(winner) + 1, loser)
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
    effect: Effect,
) -> tuple[int, int, int, int, int, int, tuple[int, float], str]:
    escat = ESCAT_ORDER.index(indication.escat_tier) if indication.escat_tier else len(ESCAT_ORDER)
    return (
        int(contraindicated),
        int(missing),
        int(cns_unproven),
        int(not exact),
        int(indication.approval_type == "accelerated"),
        escat,
        effect.key(),
        indication.id,
    )
