"""Safety gates on an option: label conditions that apply to this patient.

The gates are knowledge-base records (``safety_gates``): each names its agents,
its condition, its severity and the label section it comes from. This module
only checks the patient's data against them. Prior progression and prior
intolerance come from the case history. Missing data that a gate needs (an
unrecorded baseline LVEF or pregnancy status) is a caution asking for it, never
a silent pass.
"""

from __future__ import annotations

from her2kit.assessment import Finding
from her2kit.case import Case
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Indication, SafetyGate
from her2kit.match.history import TreatmentHistory, class_members, drug_index, medication_hits


def _source(kb: KnowledgeBase, gate: SafetyGate) -> str:
    return label_source(kb, gate.references[0], gate.label_section)


def label_source(kb: KnowledgeBase, ref_id: str, section: str) -> str:
    ref = kb.references.get(ref_id)
    revised = f", revised {ref.revision_date.isoformat()}" if ref and ref.revision_date else ""
    title = ref.title.split(" (")[0].split(",")[0] if ref else ref_id
    return f"{title} label, section {section} ({ref_id}{revised})"


def interactions(kb: KnowledgeBase, gate: SafetyGate, medications: list[str]) -> list[tuple[str, str]]:
    """For an interacting-medication gate: (drug class id, text) for each of its classes the medications name."""
    out: list[tuple[str, str]] = []
    for class_id in gate.drug_classes:
        drug_class = kb.drug_classes[class_id]
        hits = medication_hits(medications, class_members(kb, drug_class.name), drug_index(kb))
        if hits:
            out.append((class_id, f"{', '.join(hits)} ({drug_class.name}): {gate.text}"))
    return out


def gate_findings(case: Case, agents: list[str], kb: KnowledgeBase) -> tuple[list[Finding], list[Finding]]:
    """Cautions and contraindications from the safety gates of these agent ids."""
    cautions: list[Finding] = []
    contraindications: list[Finding] = []
    patient = case.patient
    medications = list(case.medications)
    asked_lvef = asked_pregnancy = False
    for gate in kb.safety_gates.values():
        if not set(gate.agents) & set(agents):
            continue
        target = contraindications if gate.severity == "contraindication" else cautions
        source = _source(kb, gate)
        code = gate.condition
        cardiac = gate.condition in ("lvef-below", "heart-failure-history")
        if cardiac and patient.lvef_percent is None and not asked_lvef:
            # A cardiac warning (evaluate cardiac function before starting) with no LVEF recorded: ask for it once.
            cautions.append(
                Finding(
                    code="lvef-not-recorded",
                    text="Baseline LVEF is not recorded; the label requires assessment before starting.",
                    source=source,
                )
            )
            asked_lvef = True
        if gate.condition == "lvef-below":
            assert gate.lvef_below is not None
            if patient.lvef_percent is not None and patient.lvef_percent < gate.lvef_below:
                target.append(
                    Finding(
                        code=code,
                        text=f"LVEF {patient.lvef_percent:g}% < {gate.lvef_below:g}%: {gate.text}",
                        source=source,
                    )
                )
        elif (gate.condition == "heart-failure-history" and patient.heart_failure_history) or (
            gate.condition == "ild-history" and patient.ild_history
        ):
            target.append(Finding(code=code, text=gate.text, source=source))
        elif gate.condition == "pregnancy":
            if patient.pregnant:
                # A recorded pregnancy is treated as a contraindication (a policy, stated in the text); the gate's
                # own text is the counselling for an unknown status ("verify ..., advise ..."), so it is not shown.
                names = ", ".join(kb.agents[a].name for a in gate.agents if a in kb.agents)
                contraindications.append(
                    Finding(
                        code=code,
                        text=f"Pregnancy is recorded. The {names} label warns of embryo-fetal toxicity "
                        f"({gate.label_section}); her2kit treats a recorded pregnancy as a contraindication to this "
                        "agent (policy, from that warning): discuss timing with the multidisciplinary team.",
                        source=source,
                    )
                )
            elif patient.pregnant is None and patient.sex != "male" and not asked_pregnancy:
                cautions.append(
                    Finding(
                        code="pregnancy-status-not-recorded",
                        text=f"Pregnancy status is not recorded; verify it before starting. {gate.text}",
                        source=source,
                    )
                )
                asked_pregnancy = True
        elif gate.condition == "hepatic-impairment":
            if patient.hepatic_impairment in gate.hepatic_levels:
                target.append(
                    Finding(
                        code=code,
                        text=f"{patient.hepatic_impairment} hepatic impairment: {gate.text}",
                        source=source,
                    )
                )
        elif gate.condition == "interacting-medication" and medications:
            target.extend(
                Finding(code=f"interaction-{class_id.removeprefix('class:')}", text=text, source=source)
                for class_id, text in interactions(kb, gate, medications)
            )
    return cautions, contraindications


def history_findings(
    indication: Indication, history: TreatmentHistory, kb: KnowledgeBase, case: Case
) -> tuple[list[Finding], list[Finding], list[str]]:
    """Prior intolerance (contraindication), prior progression (caution, or not eligible when on every agent),
    a label's statement after intolerance to another agent (Kadcyla after trastuzumab), and an early-disease
    regimen already completed in the same phase (not eligible)."""
    names = [kb.agents[a].name for a in indication.agents]
    her2_names = sorted({m for a in indication.agents if kb.agents[a].her2_directed for m in kb.moieties(a)})
    cautions: list[Finding] = []
    contraindications: list[Finding] = []
    unmet: list[str] = []
    source = f"case history; {indication.id}"
    # (agents given in sequence, such as the THP after T-DXd, count for intolerance as the indication's own do)
    sequenced = [kb.agents[a].name for a in indication.sequenced_agents]
    sequenced += [
        m for a in indication.sequenced_agents if kb.agents[a].her2_directed for m in kb.moieties(a)
    ]
    intolerant = sorted((set(names) | set(her2_names) | set(sequenced)) & history.intolerant_to)
    if intolerant:
        contraindications.append(
            Finding(
                code="prior-intolerance",
                text=f"Prior intolerance recorded to {', '.join(intolerant)}.",
                source=source,
            )
        )
    progressed = sorted(set(her2_names) & history.progressed_on)
    if progressed and set(her2_names) <= history.progressed_on:
        unmet.append(f"already progressed on {', '.join(progressed)}: not a new option")
    elif progressed:
        new = sorted(set(her2_names) - history.progressed_on)
        cautions.append(
            Finding(
                code="prior-progression",
                text=f"Disease progressed on {', '.join(progressed)} before; the new HER2-directed agent here is "
                f"{', '.join(new)}.",
                source=source,
            )
        )
    _after_intolerance(indication, history, kb, case, cautions, contraindications)
    completed = _completed_in_phase(indication, history, kb, case, her2_names)
    if completed:
        unmet.append(completed)
    else:
        cautions.extend(_ended_in_phase(indication, history, case, her2_names, source))
    return cautions, contraindications, unmet


def _ended_in_phase(
    indication: Indication, history: TreatmentHistory, case: Case, her2_names: list[str], source: str
) -> list[Finding]:
    """The same regimen in the same setting that ended (an end date) with no recorded outcome: if it was completed,
    it is not a new option; the case does not say."""
    c = indication.criteria
    if c.setting != "early" or not her2_names:
        return []
    setting = "neoadjuvant" if c.phase == "neoadjuvant" else "adjuvant"
    return [
        Finding(
            code="same-regimen-ended",
            text=f"{' + '.join(therapy.agents)} in the {setting} setting ended on {therapy.end} with no recorded "
            "outcome: if it was completed, this is not a new option (give the outcome).",
            source=source,
        )
        for i, therapy in enumerate(case.history.therapies)
        if therapy.setting == setting
        and therapy.outcome is None
        and therapy.end is not None
        and set(her2_names) <= history.therapy_drugs[i]
    ]


def _after_intolerance(
    indication: Indication,
    history: TreatmentHistory,
    kb: KnowledgeBase,
    case: Case,
    cautions: list[Finding],
    contraindications: list[Finding],
) -> None:
    """Label statements on an agent after intolerance to another (Agent.after_intolerance)."""
    therapies = case.history.therapies
    for agent_id in indication.agents:
        for rule in kb.agents[agent_id].after_intolerance:
            other = kb.agents[rule.agent].name
            kinds = {
                t.intolerance_type
                for i, t in enumerate(therapies)
                if t.outcome == "intolerance" and other in history.therapy_drugs[i]
            }
            if not kinds:
                continue
            source = label_source(kb, rule.reference, rule.label_section)
            named = sorted(k for k in kinds & set(rule.kinds) if k is not None)
            if named:
                target = contraindications if rule.severity == "contraindication" else cautions
                target.append(
                    Finding(
                        code="intolerance-to-" + rule.agent.removeprefix("agent:"),
                        text=f"{other} was stopped for {' and '.join(n.replace('-', ' ') for n in named)}. "
                        f"The label: '{rule.text}'",
                        source=source,
                    )
                )
            elif None in kinds:
                cautions.append(
                    Finding(
                        code="intolerance-type-not-recorded",
                        text=f"Intolerance to {other} is recorded without its kind (therapy intolerance_type). "
                        f"The label: '{rule.text}'",
                        source=source,
                    )
                )


def _completed_in_phase(
    indication: Indication, history: TreatmentHistory, kb: KnowledgeBase, case: Case, her2_names: list[str]
) -> str | None:
    """An early-disease regimen whose HER2-directed agents were all given in a therapy of the same setting that
    was completed (a 14-cycle adjuvant T-DM1 course, a year of adjuvant trastuzumab) is not offered again."""
    c = indication.criteria
    if c.setting != "early" or not her2_names:
        return None
    setting = "neoadjuvant" if c.phase == "neoadjuvant" else "adjuvant"
    for i, therapy in enumerate(case.history.therapies):
        if (
            therapy.setting == setting
            and therapy.outcome == "completed"
            and set(her2_names) <= history.therapy_drugs[i]
        ):
            return (
                f"already completed {', '.join(her2_names)} in the {setting} setting "
                f"({' + '.join(therapy.agents)}): not a new option"
            )
    return None
