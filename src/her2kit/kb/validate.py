"""Cross-record rules of the knowledge base.

The schema checks one record at a time; these rules check the records together
and name the file and the record of each problem:

* ids are unique across the whole knowledge base;
* every cited reference id, agent id, trial id, regimen id and related id exists;
* every record cites at least one reference (enforced by the schema too);
* dates are in order: approvals chronological, the first one an original or
  accelerated approval, no approval or data cut-off after the knowledge-base
  release date, trial results cut off no later than their publication year.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from her2kit.kb.schema import (
    AdverseEvent,
    AeRule,
    Agent,
    CardiacMonitoring,
    DrugClass,
    Indication,
    Manifest,
    Reference,
    Regimen,
    SafetyGate,
    Topic,
    Trial,
)


def _ids(parsed: dict[str, list[tuple[Path, BaseModel]]], section: str) -> set[str]:
    return {record.id for _, record in parsed[section]}  # type: ignore[attr-defined]


def cross_check(parsed: dict[str, list[tuple[Path, BaseModel]]], manifest: Manifest | None) -> list[str]:
    problems: list[str] = []
    everything: list[tuple[Path, Any]] = [item for items in parsed.values() for item in items]

    counts = Counter(record.id for _, record in everything)
    for path, record in everything:
        if counts[record.id] > 1:
            problems.append(f"{path.name}: {record.id}: duplicate id ({counts[record.id]} records)")

    refs = _ids(parsed, "references")
    agents = _ids(parsed, "agents")
    trials = _ids(parsed, "trials")
    regimens = _ids(parsed, "regimens")
    indication_ids = _ids(parsed, "indications")
    trial_hrs = {
        t.id: {f"{r.hazard_ratio:g}" for r in t.results if r.hazard_ratio is not None}
        for _, t in parsed["trials"]
        if isinstance(t, Trial)
    }
    all_ids = set(counts)
    classes = _ids(parsed, "drug_classes")
    class_names = {
        name.lower()
        for _, c in parsed["drug_classes"]
        if isinstance(c, DrugClass)
        for name in [c.name, *c.aliases]
    }
    references = {r.id: r for _, r in parsed["references"] if isinstance(r, Reference)}
    regimens_by_id = {r.id: r for _, r in parsed["regimens"] if isinstance(r, Regimen)}

    def need(path: Path, owner: str, ref_id: str, known: set[str], what: str) -> None:
        if ref_id not in known:
            problems.append(f"{path.name}: {owner}: unknown {what} id {ref_id!r}")

    for path, record in everything:
        if isinstance(record, Reference):
            continue
        for ref_id in record.references:
            need(path, record.id, ref_id, refs, "reference")
        if isinstance(record, Indication):
            for agent_id in record.agents:
                need(path, record.id, agent_id, agents, "agent")
            for trial_id in record.pivotal_trials:
                need(path, record.id, trial_id, trials, "trial")
            if record.regimen:
                need(path, record.id, record.regimen, regimens, "regimen")
            for prior in record.criteria.prior_agents_required:
                if prior.startswith("agent:"):
                    need(path, record.id, prior, agents, "agent")
                elif prior.lower() not in class_names:
                    problems.append(
                        f"{path.name}: {record.id}: prior agent {prior!r} is neither an agent id nor a drug class name"
                    )
            treated = record.criteria.previously_treated
            if (
                treated is not None
                and treated.therapy != "any"
                and treated.therapy.lower() not in class_names
            ):
                problems.append(
                    f"{path.name}: {record.id}: previously_treated therapy {treated.therapy!r} is not a drug class name"
                )
            for limit in record.trial_limits:
                need(path, record.id, limit.trial, trials, "trial")
                for prior in limit.prior_agents_required:
                    need(path, record.id, prior, agents, "agent")
                if limit.reference is not None:
                    need(path, record.id, limit.reference, refs, "reference")
            for subgroup in record.subgroup_results:
                need(path, record.id, subgroup.trial, trials, "trial")
                for ref_id in subgroup.references:
                    need(path, record.id, ref_id, refs, "reference")
            for relation in record.superior_to:
                need(path, record.id, relation.indication, indication_ids, "indication")
                need(path, record.id, relation.trial, trials, "trial")
                problems.extend(
                    _quoted_hazard_ratios(path, record.id, relation.result, trial_hrs.get(relation.trial))
                )
            problems.extend(_approval_order(path, record, manifest))
        elif isinstance(record, Regimen):
            need(path, record.id, record.agent, agents, "agent")
            if record.switch_from is not None:
                need(path, record.id, record.switch_from.reference, refs, "reference")
                before = regimens_by_id.get(record.switch_from.regimen)
                if before is None:
                    need(path, record.id, record.switch_from.regimen, regimens, "regimen")
                elif before.agent != record.agent:
                    problems.append(f"{path.name}: {record.id}: switch_from names a regimen of another agent")
            levels = [lvl.level for lvl in record.dose_levels]
            if levels and levels != sorted(levels, reverse=True):
                problems.append(f"{path.name}: {record.id}: dose_levels must run 0, -1, -2, ... in order")
            doses = [lvl.dose.value for lvl in record.dose_levels]
            if doses != sorted(doses, reverse=True):
                problems.append(f"{path.name}: {record.id}: dose_levels must decrease")
        elif isinstance(record, AdverseEvent):
            need(path, record.id, record.agent, agents, "agent")
            for inc in record.incidence:
                need(path, record.id, inc.reference, refs, "reference")
        elif isinstance(record, Trial):
            arm_ids = {arm.id for arm in record.arms}
            for arm in record.arms:
                for agent in arm.agents:
                    if agent.startswith("agent:"):
                        need(path, record.id, agent, agents, "agent")
            for result in record.results:
                need(path, record.id, result.reference, refs, "reference")
                for value in result.per_arm:
                    if value.arm not in arm_ids:
                        problems.append(f"{path.name}: {record.id}: result names unknown arm {value.arm!r}")
                ref = references.get(result.reference)
                if result.data_cutoff and ref and result.data_cutoff.year > ref.year:
                    problems.append(
                        f"{path.name}: {record.id}: data cut-off {result.data_cutoff} after the "
                        f"publication year {ref.year} of {ref.id}"
                    )
                if result.data_cutoff and manifest and result.data_cutoff > manifest.released:
                    problems.append(f"{path.name}: {record.id}: data cut-off after the KB release date")
                # Ranking rule 8 reads `significant`; a p value that says the boundary was missed must say so there.
                if (
                    result.p_value
                    and "not reached" in result.p_value.lower()
                    and result.significant is not False
                ):
                    problems.append(
                        f"{path.name}: {record.id}: {result.endpoint} p_value says the significance boundary was not "
                        "reached; set significant: false"
                    )
        elif isinstance(record, Agent):
            for contained in record.contains:
                need(path, record.id, contained, agents, "agent")
            for rule in record.after_intolerance:
                need(path, record.id, rule.agent, agents, "agent")
            for reported in record.reported_approvals:
                for ref_id in reported.references:
                    need(path, record.id, ref_id, refs, "reference")
        elif isinstance(record, DrugClass):
            for included in [*record.includes, *record.unspecified]:
                need(path, record.id, included, classes, "drug class")
        elif isinstance(record, CardiacMonitoring | AeRule):
            for agent_id in record.agents:
                need(path, record.id, agent_id, agents, "agent")
        elif isinstance(record, SafetyGate):
            for agent_id in record.agents:
                need(path, record.id, agent_id, agents, "agent")
            for class_id in record.drug_classes:
                need(path, record.id, class_id, classes, "drug class")
            for most in record.max_dose:
                need(path, record.id, most.regimen, regimens, "regimen")
        elif isinstance(record, Topic):
            for related in record.related:
                need(path, record.id, related, all_ids, "related")

    for path, model in parsed["references"]:
        if not isinstance(model, Reference):
            continue
        ref = model
        if ref.revision_date and ref.accessed and ref.accessed < ref.revision_date:
            problems.append(
                f"{path.name}: {ref.id}: accessed {ref.accessed} before revision {ref.revision_date}"
            )
        if ref.revision_date and ref.revision_date.year != ref.year:
            problems.append(f"{path.name}: {ref.id}: year {ref.year} differs from revision date")
        if manifest and ref.revision_date and ref.revision_date > manifest.released:
            problems.append(f"{path.name}: {ref.id}: revision date after the KB release date")
    return problems


def _quoted_hazard_ratios(path: Path, owner: str, text: str, recorded: set[str] | None) -> list[str]:
    """A head-to-head result quotes the trial record: every "HR x" in it must be a hazard ratio of that record."""
    if recorded is None:
        return []
    return [
        f"{path.name}: {owner}: superior_to quotes HR {hr}, which the trial record does not hold"
        for hr in re.findall(r"HR (\d+(?:\.\d+)?)", text)
        if f"{float(hr):g}" not in recorded
    ]


def _approval_order(path: Path, record: Indication, manifest: Manifest | None) -> list[str]:
    problems = []
    dates = [a.date for a in record.approvals]
    if dates != sorted(dates):
        problems.append(f"{path.name}: {record.id}: approvals are not in date order")
    if record.approvals[0].kind not in ("original", "accelerated"):
        problems.append(f"{path.name}: {record.id}: first approval must be original or accelerated")
    if manifest and dates and max(dates) > manifest.released:
        problems.append(f"{path.name}: {record.id}: approval dated after the KB release date")
    return problems
