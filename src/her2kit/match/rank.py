"""The ranking rule: an explicit, ordered, deterministic key (see docs/matching.md).

Options are sorted by, in this order:

1. no contraindication fired before one that fired (a fired contraindication
   moves an option down; it never removes it);
2. complete fit before an option that still needs information;
3. for a patient with active brain metastases, options whose pivotal trial
   enrolled patients with active brain metastases first;
4. exact fit of line or phase before a compatible one (e.g. post-neoadjuvant
   residual disease before plain adjuvant; an indication written for this
   metastatic line before one without a line);
5. regulatory status: regular approval before accelerated approval;
6. ESCAT tier (I-A before I-B before I-C ...);
7. effect size in the pivotal trial: a hazard ratio for the primary
   time-to-event end point (lower first), then an objective response rate
   (higher first), then none;
8. the indication id, so that ties are broken the same way every time.
"""

from __future__ import annotations

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


def _is_primary(result: TrialResult, trial: Trial) -> bool:
    endpoint = result.endpoint.lower()
    return any(endpoint in p.lower() or p.lower().startswith(endpoint) for p in trial.primary_endpoints)


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


def indication_effect(indication: Indication, kb: KnowledgeBase) -> Effect:
    effects = [trial_effect(kb.trials[t]) for t in indication.pivotal_trials if t in kb.trials]
    return min(effects, key=Effect.key, default=Effect("none", 0.0, None))


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
