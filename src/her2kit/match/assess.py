"""``assess(case)``: HER2 status, then the ranked HER2-directed options, then what does not fit.

Every option traces to one indication record of the knowledge base; there is no
option without one. A contraindication moves an option down and says why; it
never removes it. Indications of the case's tumour type and setting that do not
fit are listed under ``not_recommended`` with their reasons.
"""

from __future__ import annotations

import itertools

from her2kit.assessment import Assessment, Evidence, Finding, Her2Status, NotRecommended, Option
from her2kit.case import Case
from her2kit.kb.load import KnowledgeBase, default_kb
from her2kit.kb.schema import Indication
from her2kit.match.criteria import NO_ALTERNATIVE, SOLID_TUMOR, Fit, evaluate
from her2kit.match.history import (
    RECURRENCE_MONTHS,
    TreatmentHistory,
    class_members,
    derive,
    early_phases,
    her2_agent_names,
    unrecognised_medications_note,
)
from her2kit.match.populations import residual_recorded, unplaced_categories
from her2kit.match.rank import (
    CaseFacts,
    Effect,
    head_to_head_order,
    indication_effect,
    indication_trials,
    overall_survival,
    sort_key,
    survival_benefit,
)
from her2kit.match.safety import gate_findings, history_findings
from her2kit.status import interpret_her2

ESCAT_REFERENCE = "ref:pmid-30137196"
# Each reason of ``not_recommended`` that is one of the label's criteria says so (not a clinical judgement).
NOT_COVERED = "not covered by the label: "


def _name(indication: Indication, kb: KnowledgeBase) -> str:
    names = [kb.agents[a].name for a in indication.agents]
    text = " + ".join(names)
    if not indication.combination:
        return text
    joiner = " " if indication.combination.startswith("followed by") else " with "
    return f"{text}{joiner}{indication.combination}"


def _line(indication: Indication) -> str | None:
    c = indication.criteria
    if c.setting == "early":
        return c.phase
    return "/".join(c.lines) if c.lines else None


def assess(case: Case, kb: KnowledgeBase | None = None) -> Assessment:
    """The full assessment of one case: a pure function of the case and the knowledge base."""
    kb = kb or default_kb()
    status = interpret_her2(case.her2_tests, case.tumor)
    history = derive(case, kb)
    candidates: list[tuple[Indication, Fit, list[Finding], list[Finding], bool, Effect]] = []
    not_recommended: list[NotRecommended] = []
    facts = case_facts(case, history, kb, status)
    for indication in kb.indications.values():
        fit = evaluate(indication, case, status, history, kb)
        # (the label's criteria, said as such, apart from her2kit's own rules: progression on the agents, ...)
        label_unmet = [f"{NOT_COVERED}{reason.removeprefix('the label: ')}" for reason in fit.unmet]
        h_cautions, h_contra, h_unmet = history_findings(indication, history, kb, case)
        fit.unmet.extend(h_unmet)
        relevant = (
            case.tumor.type in indication.criteria.tumor_types
            or SOLID_TUMOR in indication.criteria.tumor_types
            # (oesophageal adenocarcinoma: the gastric/GEJ indications are listed with why they do not match)
            or (case.tumor.type == "esophageal" and "gej" in indication.criteria.tumor_types)
        ) and (case.tumor.setting in (None, indication.criteria.setting))
        if not fit.eligible:
            if relevant:
                not_recommended.append(
                    NotRecommended(
                        agents=[kb.agents[a].name for a in indication.agents],
                        indication=indication.id,
                        name=_name(indication, kb),
                        reasons=[*label_unmet, *h_unmet],
                    )
                )
            continue
        g_cautions, g_contra = gate_findings(case, [*indication.agents, *indication.sequenced_agents], kb)
        cns_unproven = _brain_metastases(case, indication, kb, fit)
        effect = indication_effect(indication, kb, case.tumor.type, facts)
        candidates.append(
            (indication, fit, h_cautions + g_cautions, h_contra + g_contra, cns_unproven, effect)
        )
    ranked: list[tuple[tuple[object, ...], Option]] = []
    grouped = _phase_groups(case, history, kb, [c[0] for c in candidates])
    for indication, fit, cautions, contraindications, cns_unproven, effect in candidates:
        key = (
            grouped.get(indication.criteria.phase, 0),
            *sort_key(
                indication,
                contraindicated=bool(contraindications),
                missing=bool(fit.missing),
                cns_unproven=cns_unproven,
                exact=fit.exact,
                # (a pivotal trial whose population the case is outside of does not rank the option: rules 5, 8 and 9)
                survival=survival_benefit(indication, kb, case.tumor.type, fit.outside_trials) is not None,
                effect=indication_effect(indication, kb, case.tumor.type, facts, fit.outside_trials)
                if fit.outside_trials
                else effect,
            ),
        )
        references = list(dict.fromkeys([*indication.references, *fit.references, ESCAT_REFERENCE]))
        option = Option(
            id=indication.id,
            name=_name(indication, kb),
            agents=[kb.agents[a].name for a in indication.agents],
            rank=1,
            setting=indication.criteria.setting,
            line=_line(indication),
            regimen=indication.combination,
            evidence=Evidence(
                regulatory=indication.regulatory,
                level=indication.escat_tier or "not graded",
                trials=list(indication.pivotal_trials),
                effect=_effect_shown(effect, fit, indication, kb, case.tumor.type),
                survival=overall_survival(indication, kb, case.tumor.type),
                references=references,
            ),
            criteria_met=fit.met,
            missing=fit.missing,
            cautions=fit.cautions + cautions + _provisional_status(status) + _discordant_status(status),
            contraindications=contraindications,
        )
        ranked.append((key, option))
    ranked.sort(key=lambda item: item[0])
    # Rule 5: head-to-head, among options of the same standing under rules 1-4 (the key's first four parts).
    standing: dict[str, object] = {option.id: key[:5] for key, option in ranked}
    by_id = {option.id: (key, option) for key, option in ranked}
    outside = {indication.id: fit.outside_trials for indication, fit, *_ in candidates}
    subgroups = {indication.id: fit.subgroup_trials for indication, fit, *_ in candidates}
    # (a head-to-head win is not applied for a patient outside its trial, nor in its subgroup without a shown benefit)
    not_applied = {i: outside[i] | set(subgroups[i]) for i in outside}
    ranked = [by_id[i] for i in head_to_head_order([o.id for _, o in ranked], standing, kb, not_applied)]
    notes = list(history.notes)
    if grouped:
        notes.append(PHASE_GROUPS_NOTE)
    notes.extend(_staging_notes(case))
    unknown = unrecognised_medications_note(kb, case.medications)
    if unknown:
        notes.append(unknown)
    if not history.history_given:
        notes.insert(
            0,
            "No treatment history was given (no 'history' in the case): the case is taken as treatment-naive, "
            "and the line and prior-therapy criteria rest on that. Add the history if there was prior therapy.",
        )
    if history.early.status == "unknown" and any(
        history.early.text in m or "to the recurrence" in m for _, o in ranked for m in o.missing
    ):
        notes.append(
            "The time from completing (neo)adjuvant therapy to the recurrence is not recorded "
            "(history.recurrence_date, and the therapies' end dates): the labels for previously treated disease "
            f"count a recurrence during or within {RECURRENCE_MONTHS} months of completing it, so the criteria "
            "that depend on it are asked about."
        )
    kept = _drop_redundant_tumour_agnostic([option for _, option in ranked], kb, notes)
    kept = _name_alternatives(kept, kb, not_recommended, case.tumor.type)
    options = [option.model_copy(update={"rank": i}) for i, option in enumerate(kept, 1)]
    keys = {option.id: key for key, option in ranked}
    notes.extend(_cross_trial_order_notes(options, keys, kb, not_applied))
    notes.extend(_head_to_head_not_applied(options, outside, subgroups, kb))
    if status.category == "HER2-positive" or status.result in ("equivocal", "indeterminate"):
        notes.extend(_reported_approvals(case, history, kb))
    if not options:
        notes.append(_no_option_note(case, status.category))
    return Assessment(
        case_id=case.id,
        kb_version=kb.version,
        her2=_mutation_options_note(status, options, kb),
        options=options,
        not_recommended=sorted(not_recommended, key=lambda n: n.indication),
        notes=notes,
    )


PHASE_GROUPS_NOTE = (
    "The case does not state the treatment phase and none was given (no surgery or treatment recorded): the options "
    "are listed in two groups, neoadjuvant then adjuvant, each ranked within itself. The groups are different "
    "decisions and are not ordered against each other by effect size (a pathological complete response rate and an "
    "invasive disease-free survival hazard ratio are not comparable); listing the neoadjuvant group first is not a "
    "ranking. The ASCO guideline (Korde et al., J Clin Oncol 2021) recommends that 'Neoadjuvant systemic therapy "
    "should be offered to patients with high-risk HER2+ ... breast cancer in whom the finding of residual disease "
    "would guide recommendations related to adjuvant therapy' (strong recommendation); whether this patient is at "
    "high risk is a clinical judgement her2kit does not make."
)


def _phase_groups(
    case: Case, history: TreatmentHistory, kb: KnowledgeBase, indications: list[Indication]
) -> dict[str, int]:
    """Early disease whose phase is not known and could be neoadjuvant or adjuvant: the phases' groups (neoadjuvant
    0, adjuvant 1), so that options of different phases are not ranked against each other by effect size; empty
    otherwise."""
    if case.tumor.setting != "early":
        return {}
    possible, exact = early_phases(case, history, kb)
    phases = {i.criteria.phase for i in indications if i.criteria.setting == "early"}
    if exact or not {"neoadjuvant", "adjuvant"} <= (possible & phases):
        return {}
    return {"neoadjuvant": 0, "adjuvant": 1}


def _mutation_options_note(status: Her2Status, options: list[Option], kb: KnowledgeBase) -> Her2Status:
    """An undecided HER2 status (no IHC/ISH) leads the output with "perform IHC"; the options that rest on an ERBB2
    mutation alone do not need it, and the status says so."""
    if status.result not in ("indeterminate", "equivocal"):
        return status
    names = [
        o.name
        for o in options
        if (c := kb.indications[o.id].criteria).erbb2_mutation is not None
        and not c.her2_categories
        and not c.her2_ihc_scores
    ]
    if not names:
        return status
    note = (
        f"The ERBB2 mutation-based options ({'; '.join(dict.fromkeys(names))}) do not depend on HER2 IHC or ISH: their "
        "labels require an ERBB2 (HER2) mutation. The IHC/ISH steps above matter only for the IHC- or ISH-based "
        "indications."
    )
    return status.model_copy(update={"notes": [note, *status.notes]})


def _reported_approvals(case: Case, history: TreatmentHistory, kb: KnowledgeBase) -> list[str]:
    """Approvals a source reports whose indication wording was not read (``Agent.reported_approvals``): named for a
    case of their tumour type, setting and line, with their sources, so that their absence is not silent."""
    out: list[str] = []
    for agent in kb.agents.values():
        for reported in agent.reported_approvals:
            if case.tumor.type not in reported.tumor_types or case.tumor.setting != reported.setting:
                continue
            if reported.lines and history.line not in reported.lines:
                continue
            out.append(f"{agent.name}: {' '.join(reported.text.split())} [{', '.join(reported.references)}]")
    return out


def _cross_trial_order_notes(
    options: list[Option],
    keys: dict[str, tuple[object, ...]],
    kb: KnowledgeBase,
    outside: dict[str, set[str]],
) -> list[str]:
    """Adjacent options equal under ranking rules 1-8 (docs/matching.md) and not compared head-to-head: their order
    rests on effect sizes from different trials (rule 9) or on the indication id (rule 10), and a note says so, so
    that the order is not read as a comparison of efficacy."""
    out: list[str] = []
    for upper, lower in itertools.pairwise(options):
        a, b = keys[upper.id], keys[lower.id]
        beaten = {
            h.indication
            for h in kb.indications[upper.id].superior_to
            if h.trial not in outside.get(upper.id, set())
        }
        if a[:8] != b[:8] or lower.id in beaten:
            continue
        if a[8] != b[8]:
            why = (
                "effect sizes from different trials with different control arms "
                f"({upper.evidence.effect or 'none recorded'}; {lower.evidence.effect or 'none recorded'})"
            )
        else:
            why = "the indication id only (equal on every other rule)"
        out.append(
            f"Options {upper.rank} ({upper.name}) and {lower.rank} ({lower.name}) are equal under ranking rules 1-8 "
            f"(fit, contraindications, approval, evidence level, overall survival); their order follows {why}. "
            "This is not a comparison of efficacy: no trial compared them."
        )
    return out


def _effect_shown(
    effect: Effect, fit: Fit, indication: Indication, kb: KnowledgeBase, tumor: str
) -> str | None:
    """The effect line (it names its population), with the result of the case's subgroup when the knowledge base
    records one for that trial, and saying so when its trial enrolled a population the case is outside of (then it
    does not rank the option: rules 8 and 9)."""
    if effect.text is None:
        return None
    text = effect.text
    trials = indication_trials(indication, kb, tumor)
    for trial in trials:
        if trial.id in fit.subgroup_effects and text.startswith(f"{trial.name}:"):
            text = f"{text}; {fit.subgroup_effects[trial.id]}"
    names = [t.name for t in trials if t.id in fit.outside_trials]
    if any(text.startswith(f"{name}:") for name in names):
        return f"{text} — not used to rank: this patient is outside the trial's population"
    return text


def _staging_notes(case: Case) -> list[str]:
    out: list[str] = []
    unplaced = unplaced_categories(case)
    if unplaced:
        out.append(
            f"{' '.join(map(str, unplaced))} are given after neoadjuvant therapy without the c or yp prefix: they are "
            "read neither as the extent at presentation (cT, cN) nor as the residual tumour at surgery (ypT, ypN). "
            "Give them with their prefixes."
        )
    if case.tumor.treatment_phase == "adjuvant" and residual_recorded(case):
        out.append(
            "The case states the adjuvant phase and records residual invasive disease after neoadjuvant therapy: the "
            "options for residual disease (adjuvant treatment after neoadjuvant therapy) are assessed too."
        )
    return out


def case_facts(case: Case, history: TreatmentHistory, kb: KnowledgeBase, status: Her2Status) -> CaseFacts:
    """The facts a multi-cohort trial's effect depends on: prior HER2-directed therapy ("adc" after a HER2-directed
    antibody-drug conjugate, else "tki" after a HER2 tyrosine-kinase inhibitor, else "antibody", "none" when the
    recorded history has none, None when no history was given or a drug name is not recognised) and the case's
    IHC score as the status reads it (when it rests on one score)."""
    prior: str | None = None
    platinum: bool | None = None
    if history.history_given:
        given = frozenset().union(*history.therapy_drugs) if history.therapy_drugs else frozenset()
        her2, adc, tki = her2_agent_names(kb), her2_agent_names(kb, "adc"), her2_agent_names(kb, "tki")
        # (an unrecognised name may be a HER2-directed agent: then only a recognised ADC decides)
        if given & adc:
            prior = "adc"
        elif history.unrecognised:
            prior = None
        else:
            prior = "tki" if given & tki else "antibody" if given & her2 else "none"
        platinum = True if given & class_members(kb, "platinum") else None if history.unrecognised else False
    scores = set(status.ihc_scores)
    return CaseFacts(
        prior_her2_therapy=prior,
        ihc_score=next(iter(scores)) if len(scores) == 1 else None,
        prior_platinum=platinum,
        any_prior_therapy=history.any_therapy if history.history_given else None,
    )


def _head_to_head_not_applied(
    options: list[Option],
    outside: dict[str, set[str]],
    subgroups: dict[str, dict[str, str]],
    kb: KnowledgeBase,
) -> list[str]:
    """A head-to-head win (ranking rule 5) in a trial whose population excludes this case, or whose result in the
    case's subgroup does not show a benefit (``Indication.subgroup_results``), is not applied; a note names it, so
    that the order is not read as resting on that comparison."""
    present = {o.id: o for o in options}
    out: list[str] = []
    for option in options:
        for relation in kb.indications[option.id].superior_to:
            loser = present.get(relation.indication)
            if loser is None:
                continue
            if relation.trial in outside.get(option.id, set()):
                why = "this patient is outside the population it enrolled (see the option's caution)"
            elif relation.trial in subgroups.get(option.id, {}):
                why = (
                    f"this patient is in its {subgroups[option.id][relation.trial]} subgroup, whose recorded result "
                    "does not show a benefit (see the option's caution), so the whole trial's result is not applied"
                )
            else:
                continue
            trial = kb.trials[relation.trial].name if relation.trial in kb.trials else relation.trial
            out.append(
                f"The head-to-head result of {trial} ({relation.result.removeprefix(f'{trial}: ')}) is not "
                f"applied to the order of options {option.rank} ({option.name}) and {loser.rank} ({loser.name}): "
                f"{why}."
            )
    return out


def _name_alternatives(
    options: list[Option], kb: KnowledgeBase, not_recommended: list[NotRecommended], tumor: str
) -> list[Option]:
    """A 'no satisfactory alternative' indication (tumour-agnostic T-DXd) names the tumour-specific options of this
    assessment that fit completely without a contraindication. Where the tumour has its own indications for the
    same agent (breast, gastric: the basket trials did not enrol them), it is then not recommended, the reason
    naming the alternatives; elsewhere (biliary, colorectal, ...) the question is asked with them named."""
    alternatives = [
        o.name
        for o in options
        if not o.missing
        and not o.contraindications
        and not kb.indications[o.id].criteria.no_satisfactory_alternative_required
    ]
    if not alternatives:
        return options
    out = []
    for option in options:
        indication = kb.indications[option.id]
        if indication.criteria.no_satisfactory_alternative_required and not _own_indications(
            kb, indication, tumor
        ):
            missing = [
                f"{m}; this assessment lists options that fit: {'; '.join(alternatives)}"
                if m == NO_ALTERNATIVE
                else m
                for m in option.missing
            ]
            option = option.model_copy(update={"missing": missing})
        elif indication.criteria.no_satisfactory_alternative_required:
            others = [m for m in option.missing if m != NO_ALTERNATIVE]
            not_recommended.append(
                NotRecommended(
                    agents=option.agents,
                    indication=option.id,
                    name=option.name,
                    reasons=[
                        "the label requires that no satisfactory alternative treatment option exists; this "
                        f"assessment lists {len(alternatives)} option(s) that fit: {'; '.join(alternatives)}",
                        *([f"it would also need: {'; '.join(others)}"] if others else []),
                    ],
                )
            )
            continue
        out.append(option)
    return out


def _own_indications(kb: KnowledgeBase, indication: Indication, tumor: str) -> bool:
    """Whether the tumour type has indications of its own for the agents of a tumour-agnostic indication."""
    agents = set(indication.agents)
    return any(
        tumor in other.criteria.tumor_types and agents <= set(other.agents)
        for other in kb.indications.values()
        if other.id != indication.id
    )


def _drop_redundant_tumour_agnostic(
    options: list[Option], kb: KnowledgeBase, notes: list[str]
) -> list[Option]:
    """A tumour-agnostic indication adds nothing when a tumour-specific one offers the same agents."""
    specific = {
        frozenset(o.agents) for o in options if SOLID_TUMOR not in kb.indications[o.id].criteria.tumor_types
    }
    kept = []
    for option in options:
        if (
            SOLID_TUMOR in kb.indications[option.id].criteria.tumor_types
            and frozenset(option.agents) in specific
        ):
            fits = (
                "may also fit (it needs: " + "; ".join(option.missing) + ")"
                if option.missing
                else "also fits"
            )
            notes.append(
                f"{option.name}: the tumour-agnostic indication ({option.id}) {fits}; the tumour-specific "
                "indication for the same agent is listed instead."
            )
            continue
        kept.append(option)
    return kept


def _provisional_status(status: Her2Status) -> list[Finding]:
    """A caution on every option while the HER2 result awaits the blinded ISH recount."""
    if not status.provisional:
        return []
    return [
        Finding(
            code="her2-status-provisional",
            text="The HER2 result is provisional: the blinded ISH recount that ISH groups 2-4 with IHC 2+ need "
            "before a final category is pending; confirm the final HER2 status before starting.",
            source="ASCO/CAP 2018 Figures 4-6; HER2 status actions (recount-ish)",
        )
    ]


def _discordant_status(status: Her2Status) -> list[Finding]:
    """A caution on every option while the HER2 status asks for its discordant results to be reviewed."""
    if not any(a.code == "adjudicate-discordance" for a in status.actions):
        return []
    codes = ", ".join(dict.fromkeys(d.code for d in status.discordances))
    return [
        Finding(
            code="her2-discordant",
            text=f"The HER2 status rests on discordant results ({codes}); review them with the pathologist before "
            "starting (see the HER2 status discordances and actions).",
            source="ASCO/CAP 2018 and CAP/ASCP/ASCO 2016: final results assume no unexplained discordance; HER2 "
            "status actions (adjudicate-discordance)",
        )
    ]


def _brain_metastases(case: Case, indication: Indication, kb: KnowledgeBase, fit: Fit) -> bool:
    """Active brain metastases: credit the options whose pivotal trial enrolled such patients."""
    if case.patient.brain_metastases != "active":
        return False
    trials = [
        kb.trials[t].name
        for t in indication.pivotal_trials
        if t in kb.trials and kb.trials[t].cns_metastases == "active-allowed"
    ]
    if trials:
        fit.met.append(
            f"the pivotal trial ({', '.join(trials)}) enrolled patients with active brain metastases"
        )
        return False
    fit.cautions.append(
        Finding(
            code="active-brain-metastases",
            text="Active brain metastases: the knowledge base records no pivotal-trial evidence for this option "
            "in patients with active brain metastases; discuss local therapy and CNS-active options.",
            source=f"{indication.id}; pivotal trials {', '.join(indication.pivotal_trials) or 'none recorded'}",
        )
    )
    return True


def _no_option_note(case: Case, category: str) -> str:
    return (
        f"No HER2-directed option in the knowledge base fits this case ({case.tumor.type}, "
        f"{case.tumor.setting or 'setting not given'}, {category}). See not_recommended for the reasons, and "
        "the HER2 status actions for any test that could change this."
    )
