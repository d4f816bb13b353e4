"""Plain-text renderings of statuses and knowledge-base records for the terminal.

Everything here is formatting only; the content comes from the core and the
knowledge base. Output is deterministic (no clocks, no terminal-width wrapping).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from her2kit.assessment import Assessment, Her2Status
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import (
    AdverseEvent,
    AeRule,
    Agent,
    BiologyFact,
    CardiacMonitoring,
    DrugClass,
    Indication,
    LabGrading,
    Reference,
    Regimen,
    SafetyGate,
    Topic,
    Trial,
    schedule_words,
)
from her2kit.safety.cardiac import GAP_CONVENTION
from her2kit.safety.describe import band_bounds, grade_range, rule_action, rule_conditions, rule_windows
from her2kit.safety.dosing import DoseCalculation
from her2kit.safety.monitor import MonitorResult


def to_json(data: Any) -> str:
    """Canonical JSON: stable key order as modelled, two-space indent, UTF-8, newline-terminated."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def sentence(text: str) -> str:
    """``text`` closed with a full stop, unless it already ends with one ("et al.", "...?")."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else f"{text}."


def cite(ref: Reference) -> str:
    where = []
    if ref.pmid:
        where.append(f"PMID {ref.pmid}")
    if ref.doi:
        where.append(f"doi:{ref.doi}")
    if ref.revision_date and ref.kind == "label":
        where.append(f"revised {ref.revision_date.isoformat()}")
    if ref.url and not ref.pmid and not ref.doi:
        where.append(ref.url)
    authors = f"{sentence(ref.authors)} " if ref.authors else ""
    return f"{authors}{sentence(ref.title)} {ref.source}, {ref.year}. " + "; ".join(where)


def status_table(status: Her2Status, tests: list[str] | None = None) -> str:
    lines = [
        f"HER2 status: {status.result.upper()}  ({status.category})"
        + (f"  ISH group {status.ish_group}" if status.ish_group else "")
        + ("  PROVISIONAL (pending the blinded ISH recount)" if status.provisional else ""),
        f"Tumour: {status.tumor_type}    Guideline: {status.guideline}",
        f"Summary: {status.summary}",
    ]
    if tests:
        lines.append("Tests:")
        lines.extend(f"  [{i}] {t}" for i, t in enumerate(tests))
    lines.append("Decision path:")
    for step, fired in enumerate(status.rationale, 1):
        inputs = ", ".join(f"{k}={v}" for k, v in fired.inputs.items())
        lines.append(f"  {step}. {fired.rule} — {fired.section}")
        lines.append(f"     {fired.conclusion}" + (f"  [{inputs}]" if inputs else ""))
    if status.actions:
        lines.append("Next steps:")
        lines.extend(f"  - {a.text} ({a.reason})" for a in status.actions)
    if status.discordances:
        lines.append("Discordances:")
        lines.extend(f"  - {d.text} (tests {', '.join(map(str, d.tests))})" for d in status.discordances)
    if status.alternatives:
        lines.append("Open questions:")
        lines.extend(
            f"  - {alt.category}"
            + (f" (IHC {', '.join(alt.ihc_scores)})" if alt.ihc_scores else "")
            + f" if the answer differs: {alt.question}"
            for alt in status.alternatives
        )
    if status.genomic_findings:
        lines.append("Genomic findings:")
        lines.extend(f"  - {g.detail}: {g.note}" for g in status.genomic_findings)
    if status.notes:
        lines.append("Notes:")
        lines.extend(f"  - {n}" for n in status.notes)
    return "\n".join(lines) + "\n"


def assessment_table(assessment: Assessment, kb: KnowledgeBase, tests: list[str] | None = None) -> str:
    """The assessment for a clinician: status and decision path, ranked options, what does not fit."""
    lines = [f"Case {assessment.case_id}    knowledge base {assessment.kb_version}", ""]
    lines.append(status_table(assessment.her2, tests).rstrip("\n"))
    lines.append("")
    if assessment.options:
        lines.append("HER2-directed options (ranked; see docs/matching.md for the rule):")
    for option in assessment.options:
        where = f"{option.setting}" + (f", {option.line}" if option.line else "")
        lines.append(f"  {option.rank}. {option.name}  [{where}]")
        ev = option.evidence
        lines.append(f"     {ev.regulatory}; ESCAT {ev.level}; trials: {', '.join(ev.trials) or '-'}")
        if ev.effect:
            lines.append(f"     effect: {ev.effect}")
        if ev.survival:
            lines.append(f"     overall survival: {ev.survival}")
        lines.append(f"     fits: {'; '.join(option.criteria_met)}")
        if option.missing:
            lines.append(f"     NEEDS: {'; '.join(option.missing)}")
        lines.extend(f"     CONTRAINDICATION: {f.text} [{f.source}]" for f in option.contraindications)
        lines.extend(f"     caution: {f.text} [{f.source}]" for f in option.cautions)
        lines.append(f"     references: {', '.join(ev.references)}")
    if assessment.not_recommended:
        lines.append("")
        lines.append("Not offered for this case:")
        lines.extend(
            f"  - {n.name} ({n.indication}): {'; '.join(n.reasons)}" for n in assessment.not_recommended
        )
    if assessment.notes:
        lines.append("")
        lines.extend(f"Note: {n}" for n in assessment.notes)
    lines.append("")
    lines.append(assessment.disclaimer)
    return "\n".join(lines) + "\n"


def dose_table(calc: DoseCalculation) -> str:
    weight = f"{calc.weight_kg:g} kg" if calc.weight_kg is not None else "weight not given"
    lines = [f"{calc.agent} — {calc.regimen} ({calc.schedule}; {weight})", f"  {calc.context}"]
    if calc.loading:
        lines.append(f"  loading dose: {calc.loading.dose} = {calc.loading.mg:g} mg")
    lines.append(f"  maintenance dose: {calc.maintenance.dose} = {calc.maintenance.mg:g} mg")
    if len(calc.dose_levels) > 1:
        lines.append(
            "  dose levels: "
            + "; ".join(
                f"{d.level}: {d.dose} = {d.mg:g} mg"
                + (f" {schedule_words(d.schedule)}" if d.schedule else "")
                for d in calc.dose_levels
            )
        )
        if calc.discontinue_if_below_lowest:
            lines.append("  discontinue if a reduction below the lowest level is needed")
    lines.extend(f"  missed dose: {m}" for m in calc.missed_dose)
    if calc.escalation:
        lines.append("  optional dose escalation: " + "; ".join(calc.escalation))
    if calc.prophylaxis:
        lines.append(f"  prophylaxis: {calc.prophylaxis}")
    lines.append(
        f"  {calc.region} label section {calc.label_section or '-'}; references: {', '.join(calc.references)}"
    )
    lines.extend(f"  ! {n}" for n in calc.notes)
    lines.append(calc.disclaimer)
    return "\n".join(lines) + "\n"


def monitor_table(result: MonitorResult) -> str:
    lines = [
        f"Course {result.course_id}: {result.agent} ({result.regimen}); knowledge base {result.kb_version}",
        f"ACTION TODAY: {result.action.upper()}"
        + (f" — {result.action_note.replace('see needs', 'see Needed')}" if result.action_note else ""),
    ]
    if result.next_dose:
        nd = result.next_dose
        lines.append(f"Next dose: {nd.date.isoformat()} — {nd.mg:g} mg ({nd.kind}, {nd.level_text})")
    else:
        if result.action == "hold":
            lines.append("Next dose: none until the hold is resolved")
        elif result.action == "discontinue":
            lines.append("Next dose: none")
        else:
            lines.append("Next dose: not given until what is listed under Needed is known")
    due = result.next_lvef_due.isoformat() if result.next_lvef_due else "no date"
    basis = f" ({result.next_lvef_basis})" if result.next_lvef_basis else ""
    lines.append(f"Next LVEF due: {due}{basis}; LVEF-driven holds so far: {result.lvef_holds}")
    if result.needs:
        lines.append("Needed: " + "; ".join(result.needs))
    lines.append("Why:")
    lines.extend(
        f"  - {step.text} [{step.rule}{' UNVERIFIED' if step.unverified else ''}; {step.source}]"
        for step in result.rationale
    )
    if any(step.unverified for step in result.rationale):
        lines.append(
            "  (UNVERIFIED: the rule could not be checked in full against the current label; "
            "`her2kit kb show ID` prints what was read)"
        )
    lines.extend(f"  ! {w}" for w in result.warnings)
    lines.append(f"References: {', '.join(result.references)}")
    lines.append(result.disclaimer)
    return "\n".join(lines) + "\n"


def _refs(kb: KnowledgeBase, ids: list[str]) -> list[str]:
    out = []
    for ref_id in ids:
        ref = kb.references.get(ref_id)
        out.append(f"  [{ref_id}] {cite(ref)}" if ref else f"  [{ref_id}] (missing)")
    return out


def _flag(record: Any) -> list[str]:
    if getattr(record, "unverified", False):
        return ["  ! UNVERIFIED: " + (record.note or "not checked against a primary source")]
    return []


def _agent_names(kb: KnowledgeBase, agent_ids: list[str]) -> str:
    return ", ".join(kb.agents[a].name if a in kb.agents else a for a in agent_ids)


def card(kb: KnowledgeBase, record: BaseModel) -> str:
    """A readable card for any knowledge-base record, with its references."""
    lines: list[str] = []
    if isinstance(record, Agent):
        lines += [
            f"{record.name}  ({record.id})",
            f"  class: {record.agent_class}; targets: {', '.join(record.targets)}",
        ]
        if record.binding_site:
            lines.append(f"  binds: {record.binding_site}")
        lines.append(f"  mechanism: {record.mechanism}")
        if record.payload:
            dar = f", DAR ~{record.drug_antibody_ratio:g}" if record.drug_antibody_ratio else ""
            lines.append(
                f"  payload: {record.payload}{dar}" + (f"; linker: {record.linker}" if record.linker else "")
            )
        lines.append(f"  routes: {', '.join(record.routes)}; brands: {', '.join(record.brands) or '-'}")
        if record.aliases:
            lines.append(f"  aliases: {', '.join(record.aliases)}")
        if record.biosimilars:
            lines.append(f"  biosimilars: {', '.join(record.biosimilars)}")
        indications = [i for i in kb.indications.values() if record.id in i.agents]
        if indications:
            lines.append("  indications:")
            lines += [f"    - {i.id}: {i.label_text}" for i in indications]
    elif isinstance(record, Indication):
        lines += [
            f"{record.id}",
            f"  {record.label_text}",
            f"  agents: {', '.join(record.agents)}"
            + (f" with {record.combination}" if record.combination else ""),
            f"  {record.regulatory} ({record.approval_type}); region {record.region}",
            "  approvals: " + "; ".join(f"{a.date.isoformat()} {a.kind}" for a in record.approvals),
            f"  criteria: {record.criteria.free_text}",
        ]
        if record.pivotal_trials:
            lines.append(f"  pivotal trials: {', '.join(record.pivotal_trials)}")
        if record.companion_diagnostics:
            lines.append(f"  companion diagnostics: {', '.join(record.companion_diagnostics)}")
    elif isinstance(record, Trial):
        lines += [
            f"{record.name}  ({record.id}{', ' + record.nct if record.nct else ''}), phase {record.phase}",
            f"  {record.population}",
            "  arms: " + "; ".join(f"{a.label}" + (f" (n={a.n})" if a.n else "") for a in record.arms),
            f"  primary endpoint(s): {', '.join(record.primary_endpoints)}",
        ]
        for res in record.results:
            hr = f" HR {res.hazard_ratio:g}" if res.hazard_ratio else ""
            ci = f" (95% CI {res.ci95[0]:g}–{res.ci95[1]:g})" if res.ci95 else ""
            arms = "; ".join(
                f"{v.arm}: {'not reached' if v.value is None else f'{v.value:g} {v.unit}'}"
                for v in res.per_arm
            )
            lines.append(
                f"  - {res.endpoint} [{res.analysis}]{hr}{ci}"
                + (f"; {arms}" if arms else "")
                + f" [{res.reference}]"
            )
    elif isinstance(record, Regimen):
        load = (
            f"loading {record.loading_dose.value:g} {record.loading_dose.unit}, "
            if record.loading_dose
            else ""
        )
        lines += [
            f"{record.id}: {record.context}",
            f"  {record.route} {record.schedule}: {load}maintenance {record.maintenance_dose.value:g} "
            f"{record.maintenance_dose.unit}",
        ]
        if record.dose_levels:
            lines.append(
                "  dose levels: "
                + "; ".join(
                    f"{lvl.level}: {lvl.dose.value:g} {lvl.dose.unit}"
                    + (f" {schedule_words(lvl.schedule)}" if lvl.schedule else "")
                    for lvl in record.dose_levels
                )
            )
        lines += [f"  missed dose: {m.condition} → {m.action}" for m in record.missed_dose]
    elif isinstance(record, AdverseEvent):
        lines += [
            f"{record.term} — {record.agent} ({record.id})"
            + ("  [BOXED WARNING]" if record.boxed_warning else "")
        ]
        lines += [f"  {i.value:g}% (grade {i.grade}) in {i.population}" for i in record.incidence]
        if record.monitoring:
            lines.append(f"  monitoring: {record.monitoring}")
        if record.management:
            lines.append(f"  management: {record.management}")
    elif isinstance(record, Topic):
        return topic_text(kb, record)
    elif isinstance(record, BiologyFact):
        lines += [f"{record.id} ({record.topic})", f"  {record.statement}"]
    elif isinstance(record, Reference):
        return f"{record.id}\n  {cite(record)}\n"
    elif isinstance(record, SafetyGate):
        lines += [
            f"{record.id}: {record.condition} ({record.severity}), label section {record.label_section}",
            f"  agents: {', '.join(record.agents)}",
            f"  {record.text}",
        ]
    elif isinstance(record, AeRule):
        agents = _agent_names(kb, record.agents)
        lines += [
            f"{record.id}: {agents}, {record.term} {grade_range(record)}",
            f"  applies when: {rule_conditions(record)}",
            f"  action: {rule_action(record)}",
        ]
        if windows := rule_windows(record):
            lines.append(f"  windows: {windows}")
        lines += [
            f"  label text: {' '.join(record.text.split())}",
            f"  label section: {record.label_section}",
        ]
    elif isinstance(record, CardiacMonitoring):
        agents = _agent_names(kb, record.agents)
        scope = f"{record.region} label" + (f", {record.setting} disease" if record.setting else "")
        lines += [
            f"{record.id}: LVEF rules for {agents} ({scope}), label section {record.label_section}",
            f"  monitoring: {' '.join(record.interval_text.split())}",
        ]
        if record.max_holds is not None:
            lines.append(f"  discontinue when held more than {record.max_holds} times")
        if record.persistent_decline_weeks is not None:
            lines.append(
                f"  discontinue when a decline persists more than {record.persistent_decline_weeks:g} weeks"
            )
        if record.label_table_missing:
            lines.append(
                f"  the label's LVEF table is not in the knowledge base: the dose is held at {GAP_CONVENTION}"
            )
        for band in record.bands:
            recheck = f"; repeat in {band.recheck_weeks:g} wk" if band.recheck_weeks is not None else ""
            then = f" ({band.on_recheck})" if band.on_recheck else ""
            lines.append(
                f"  - {band_bounds(band)}: {band.action}{recheck}{then} — {' '.join(band.text.split())}"
            )
        if record.recovered_text:
            lines.append(f"  recovery: {' '.join(record.recovered_text.split())}")
    elif isinstance(record, LabGrading):
        grades = "; ".join(
            f"grade {b.grade}: [{'' if b.low is None else f'{b.low:g}'}, {'' if b.high is None else f'{b.high:g}'})"
            for b in record.grades
        )
        lines += [
            f"{record.id}: CTCAE v{record.version} grading of {record.term} ({record.unit})",
            f"  {grades}",
        ]
    elif isinstance(record, DrugClass):
        lines += [f"{record.name} ({record.id})", f"  members: {', '.join(record.members) or '-'}"]
        if record.includes:
            lines.append(f"  includes: {', '.join(record.includes)}")
    lines += _flag(record)
    refs = getattr(record, "references", [])
    if refs:
        lines.append("References:")
        lines += _refs(kb, refs)
    return "\n".join(lines) + "\n"


def topic_text(kb: KnowledgeBase, topic: Topic) -> str:
    lines = [
        topic.question,
        "",
        topic.answer.strip(),
        "",
        *_flag(topic),
        "References:",
        *_refs(kb, topic.references),
    ]
    return "\n".join(lines) + "\n"
