"""What a patient's treatment history means for label criteria.

The case lists therapies as given (agents by INN, brand or abbreviation, with
setting, line and outcome); this module resolves the names against the
knowledge base and drug classes and derives the quantities that indication
criteria ask about. The derivations are explicit and documented in
``docs/matching.md``:

* prior metastatic lines = the highest ``line`` of a metastatic therapy, or the
  number of metastatic therapies when lines are not given;
* a recurrence during (neo)adjuvant therapy (outcome ``progression`` in the
  early setting) counts as one prior line, as the labels for previously treated
  metastatic disease do ("... or developed disease recurrence during or within
  six months of completing therapy");
* chemotherapy lines in the metastatic setting = the stated
  ``lines_of_chemotherapy_metastatic``, else the metastatic therapies that
  contain a chemotherapy drug;
* endocrine-based lines = prior lines (as counted above) whose therapies all
  contain endocrine therapy and neither chemotherapy nor an anti-HER2 agent
  (e.g. letrozole with palbociclib), with a recurrence during (neo)adjuvant
  endocrine-based therapy; a line number with no therapy listed is not one.
  Labels that define the first line as "no prior anti-HER2 therapy or
  chemotherapy for metastatic disease" do not count them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from her2kit.case import Case
from her2kit.errors import NotFound
from her2kit.kb.load import KnowledgeBase


@dataclass(frozen=True)
class TreatmentHistory:
    prior_metastatic_lines: int
    early_recurrence: bool
    endocrine_based_lines: int
    her2_regimens_metastatic: int
    chemo_lines_metastatic: int
    received: frozenset[str]
    progressed_on: frozenset[str]
    intolerant_to: frozenset[str]
    endocrine_progressed: bool | None
    residual_disease_after_neoadjuvant: bool
    pcr_after_neoadjuvant: bool
    completed_adjuvant_her2: bool
    any_therapy: bool
    notes: list[str] = field(default_factory=list)

    @property
    def prior_lines_for_labels(self) -> int:
        return self.prior_metastatic_lines + (1 if self.early_recurrence else 0)

    @property
    def line(self) -> str:
        """The line of metastatic therapy now being chosen: first, second or later."""
        return line_name(self.prior_lines_for_labels)


def line_name(prior_lines: int) -> str:
    """The line that follows ``prior_lines`` prior lines: first, second or later."""
    return "first" if prior_lines == 0 else "second" if prior_lines == 1 else "later"


def canonical_drugs(kb: KnowledgeBase, name: str) -> set[str]:
    """The INN of a HER2 agent (from brand, alias, biosimilar or abbreviation) with the moieties it contains,
    else the lower-case name as given."""
    try:
        agent = kb.agent(name)
    except NotFound:
        return {" ".join(name.lower().split())}
    return {agent.name, *kb.moieties(agent.id)}


_DRUG_PUNCTUATION = str.maketrans({"'": None, "\u2019": None, "`": None, ".": None, "-": " ", "/": " "})


def drug_key(name: str) -> str:
    """A drug name as medication lists and drug classes are compared: lower case, apostrophes and full stops
    dropped, hyphens and slashes as spaces ("St. John's Wort" = "st johns wort", "lumacaftor/ivacaftor" =
    "lumacaftor-ivacaftor")."""
    return " ".join(name.lower().translate(_DRUG_PUNCTUATION).split())


def medication_hits(medications: Iterable[str], members: Iterable[str]) -> list[str]:
    """The class members named in a medication list (each as the class spells it), sorted."""
    given = {drug_key(m) for m in medications}
    return sorted(m for m in members if drug_key(m) in given)


def class_members(kb: KnowledgeBase, class_name: str) -> frozenset[str]:
    """All member drugs of a class given by name or alias, following ``includes``."""
    wanted = class_name.lower()
    for drug_class in kb.drug_classes.values():
        if wanted in {drug_class.name.lower(), *(a.lower() for a in drug_class.aliases)}:
            return _expand(kb, drug_class.id, set())
    raise NotFound("drug class", class_name, sorted(c.name for c in kb.drug_classes.values()))


def _expand(kb: KnowledgeBase, class_id: str, seen: set[str]) -> frozenset[str]:
    if class_id in seen:
        return frozenset()
    seen.add(class_id)
    drug_class = kb.drug_classes[class_id]
    members = set(drug_class.members)
    for included in drug_class.includes:
        members |= _expand(kb, included, seen)
    return frozenset(members)


def her2_agent_names(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(a.name for a in kb.agents.values() if a.her2_directed)


def derive(case: Case, kb: KnowledgeBase) -> TreatmentHistory:
    history = case.history
    her2 = her2_agent_names(kb)
    chemo = class_members(kb, "chemotherapy")
    endocrine = class_members(kb, "endocrine therapy")
    received: set[str] = set()
    progressed: set[str] = set()
    intolerant: set[str] = set()
    metastatic = [t for t in history.therapies if t.setting == "metastatic"]
    lines = [t.line for t in metastatic if t.line is not None]
    prior_lines = max(lines) if lines else len(metastatic)
    notes = []
    if metastatic and len(lines) < len(metastatic):
        notes.append(
            "Some metastatic therapies have no line number; lines were counted from the therapies listed."
        )

    def endocrine_based(agents: Iterable[str]) -> bool:
        drugs = {drug for a in agents for drug in canonical_drugs(kb, a)}
        return bool(drugs & endocrine) and not drugs & (chemo | her2)

    if lines:
        by_line: dict[int, list[bool]] = {}
        for t in metastatic:
            if t.line is not None:
                by_line.setdefault(t.line, []).append(endocrine_based(t.agents))
        endocrine_lines = sum(all(kinds) for kinds in by_line.values())
    else:
        endocrine_lines = sum(endocrine_based(t.agents) for t in metastatic)
    early_progressions = [
        t for t in history.therapies if t.setting != "metastatic" and t.outcome == "progression"
    ]
    if early_progressions and all(endocrine_based(t.agents) for t in early_progressions):
        endocrine_lines += 1
    her2_regimens = 0
    chemo_lines = 0
    endocrine_progressed: bool | None = history.endocrine_therapy_progressed
    residual = pcr = completed_adjuvant_her2 = early_recurrence = False
    for therapy in history.therapies:
        drugs = {drug for a in therapy.agents for drug in canonical_drugs(kb, a)}
        received |= drugs
        if therapy.outcome == "progression":
            progressed |= drugs
        if therapy.outcome == "intolerance":
            intolerant |= drugs
        if therapy.setting == "metastatic":
            her2_regimens += bool(drugs & her2)
            chemo_lines += bool(drugs & chemo)
            if endocrine_progressed is None and drugs & endocrine and therapy.outcome == "progression":
                endocrine_progressed = True
        else:
            if therapy.outcome == "progression":
                early_recurrence = True
            if therapy.setting == "neoadjuvant" and therapy.outcome == "residual_disease":
                residual = True
            if therapy.setting == "neoadjuvant" and therapy.outcome == "pcr":
                pcr = True
            if therapy.setting == "adjuvant" and therapy.outcome == "completed" and drugs & her2:
                completed_adjuvant_her2 = True
    if history.lines_of_chemotherapy_metastatic is not None:
        chemo_lines = history.lines_of_chemotherapy_metastatic
    return TreatmentHistory(
        prior_metastatic_lines=prior_lines,
        early_recurrence=early_recurrence,
        endocrine_based_lines=endocrine_lines,
        her2_regimens_metastatic=her2_regimens + (1 if early_recurrence and received & her2 else 0),
        chemo_lines_metastatic=chemo_lines,
        received=frozenset(received),
        progressed_on=frozenset(progressed),
        intolerant_to=frozenset(intolerant),
        endocrine_progressed=endocrine_progressed,
        residual_disease_after_neoadjuvant=residual,
        pcr_after_neoadjuvant=pcr,
        completed_adjuvant_her2=completed_adjuvant_her2,
        any_therapy=bool(history.therapies),
        notes=notes,
    )


def early_phases(case: Case, history: TreatmentHistory) -> tuple[set[str], str]:
    """The early-disease treatment phases the case may be in, and the exact one when known."""
    stated = case.tumor.treatment_phase
    if stated is not None:
        return {stated}, stated
    if history.residual_disease_after_neoadjuvant:
        return {"post-neoadjuvant-residual", "adjuvant"}, "post-neoadjuvant-residual"
    if history.pcr_after_neoadjuvant:
        return {"adjuvant"}, "adjuvant"
    if history.completed_adjuvant_her2:
        return {"extended-adjuvant"}, "extended-adjuvant"
    return {"neoadjuvant", "adjuvant"}, ""
