"""What a patient's treatment history means for label criteria.

The case lists therapies as given (agents by INN, brand, biosimilar name, abbreviation or regimen acronym,
with setting, line and outcome); this module resolves the names against the knowledge base (agents and drug
classes) and derives the quantities that indication criteria ask about. The derivations are explicit and
documented in ``docs/matching.md``:

* a name that resolves to nothing is kept as given and reported (``unrecognised``): criteria it could change
  are asked about ("missing"), never silently answered as if the drug were not there;
* prior metastatic lines = the highest ``line`` of a metastatic therapy, or the number of metastatic
  therapies when lines are not given;
* a recurrence during (neo)adjuvant therapy, or within 6 months of completing it, counts as one prior line,
  as the labels for previously treated metastatic disease do ("... or developed disease recurrence during or
  within six months of completing therapy"); when the time from completion to recurrence is not recorded,
  line criteria are evaluated both ways and asked about when the answers differ;
* anti-HER2 regimens and chemotherapy lines "in the metastatic setting" count metastatic therapies only;
* endocrine-based lines = prior lines (as counted above) whose therapies all contain endocrine therapy and
  neither chemotherapy nor an anti-HER2 agent (e.g. letrozole with palbociclib); a line number with no
  therapy listed is not one. Labels that define the first line as "no prior anti-HER2 therapy or
  chemotherapy for metastatic disease" do not count them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from her2kit.case import Case, History, Therapy
from her2kit.errors import NotFound
from her2kit.kb.load import KnowledgeBase
from her2kit.match.populations import residual_recorded, surgical_response

EARLY_SETTINGS = ("neoadjuvant", "adjuvant")
RECURRENCE_MONTHS = 6  # "during or within six months of completing" (Kadcyla 1.1, Enhertu 1.1)
UNSPECIFIED = "{} (unspecified)"  # a class member given without its name (THP: "a taxane")

Kind = Literal["endocrine", "other", "maybe"]


# --------------------------------------------------------------------------- drug names
_DRUG_PUNCTUATION = str.maketrans({"'": None, "\u2019": None, "`": None, ".": None, "-": " ", "/": " "})


def drug_key(name: str) -> str:
    """A drug name as medication lists and drug classes are compared: lower case, apostrophes and full stops
    dropped, hyphens and slashes as spaces ("St. John's Wort" = "st johns wort", "lumacaftor/ivacaftor" =
    "lumacaftor-ivacaftor")."""
    return " ".join(name.lower().translate(_DRUG_PUNCTUATION).replace("®", "").replace("™", "").split())


_DOSE_TEXT = re.compile(r" \d.*$")


def medication_key(name: str) -> str:
    """A medication-list entry as a drug name: :func:`drug_key` without the dose and frequency written after the
    name ("Ketoconazole 200 mg bid" = "ketoconazole")."""
    return _DOSE_TEXT.sub("", drug_key(name))


# Several drugs in one entry: "rifampin 600 mg; ketoconazole 200 mg", "ketoconazole + rifampin", "a, b", "... and ...".
_SEVERAL = re.compile(r"\s*(?:;|\+|,|\band\b|\bplus\b|\bwith\b)\s*", re.IGNORECASE)


def _parts(entry: str) -> list[str]:
    return [part for part in _SEVERAL.split(entry) if part.strip()]


_BRACKETED = re.compile(r"\(([^)]*)\)")
# "then", "followed by", "switched to" join courses given one after the other: both were given.
_SEQUENCE = r"\bthen\b|\bfollowed\s+by\b|\bswitched\s+to\b|→"
# A therapy entry naming several drugs: "carboplatin/pemetrexed/pembrolizumab", "docetaxel, carboplatin, ..."
_ENTRY_PARTS = re.compile(r"\s*(?:;|\+|,|/|\band\b|\bplus\b|\bwith\b|" + _SEQUENCE + r")\s*", re.IGNORECASE)
_STRENGTH = re.compile(r"\s\d[\d.,]*\s*(?:mg|g|mcg|µg|ug|ml|%|iu|units?)\b.*$|\sauc\s*\d.*$")
_DOSE_RATIO = re.compile(r"(\d)\s*(mg|mcg|g)\s*/\s*(?=\d)", re.IGNORECASE)  # "Phesgo 1200 mg/600 mg"
_SCHEDULE_ONLY = re.compile(
    r"^\s*(?:\d|q\d|once|twice|three\s+times|daily|weekly|bid|b\.?d\.?|tds|tid|qd|od|prn|every|x\s*\d|cycles?)",
    re.IGNORECASE,
)
_UNIT_SLASH = re.compile(
    r"\b(mg|mcg|µg|ug|g|ml|units?|iu)\s*/\s*((?:m2|m²|kg|ml|h|hr|day|d|dose|\d*w)(?:\s*/\s*(?:day|d|\d*w))?)\b",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"\s(?=\d)")


def _per(match: re.Match[str]) -> str:
    """ "mg/m2/day" → "mg per m2 per day": a dose unit, not drugs separated by slashes."""
    return f"{match.group(1)} per {match.group(2).replace('/', ' per ')}"


_DURATION = re.compile(r"^\d+\s*(?:years?|yrs?|cycles?|weeks?|wks?|months?|doses?)?\s*$")
_ROUTE = re.compile(r"\b(?:iv|sc|s\.c\.|subcutaneous|intravenous|oral|po)\b")


# What makes one part of a medication entry name no current systemic drug, so that the part is skipped (the rest of
# the entry is still read). A missed interaction is worse than an extra caution, so only a status that is plainly
# about the drug counts: a topical form; a stop word right after a one- or two-word name ("simvastatin (stopped)",
# "digoxin - held", "no tacrolimus", "previously fluconazole"); a level or allergy record that is the whole part
# ("digoxin level", "fentanyl (allergy)"). Later words annotate a current drug ("Clarithromycin 500 mg BID - held for
# surgery then restarted", "tacrolimus - target level 5-8 ng/ml", "posaconazole (levels weekly)").
_TOPICAL = re.compile(
    r"\b(?:eye\s*drops?|ear\s*drops?|ophthalmic|ointment|cream|topical|lotion|shampoo|mouthwash|"
    r"(?<!soft[ -])gel(?![ -]?cap))\b",
    re.IGNORECASE,
)
_NAME = r"^\s*[a-z][\w'.]*(?:\s+[a-z][\w'.]*)?\s*"
_STOPPED_AFTER_NAME = re.compile(
    _NAME
    + r"(?:\(\s*|[-–:]\s*)?(?:held|on\s+hold|stopped|discontinued|ceased|not\s+taking|no\s+longer\s+taking)\b",
    re.IGNORECASE,
)
_RECORD_ONLY = re.compile(
    _NAME + r"(?:\(\s*|[-–:]\s*)?(?:levels?|concentration|allerg\w*|intoleran\w*)\s*\)?\s*$", re.IGNORECASE
)
_NONE = re.compile(r"^\s*(?:no|previously|formerly|stopped|discontinued|ceased)\s[^\d]*$", re.IGNORECASE)


def _not_current(part: str) -> bool:
    return bool(
        _TOPICAL.search(part)
        or _STOPPED_AFTER_NAME.search(part)
        or _RECORD_ONLY.search(part)
        or _NONE.search(part)
    )


_KEY_PUNCTUATION = re.compile(r"[():;,]")
_LEADING_TIME = re.compile(r"^\s*(?:past|last|for|since|over)\s+\d+\s*\w+\s+(.*)$", re.IGNORECASE)


def medication_keys(entry: str) -> list[str]:
    """The names a medication-list entry may stand for, most specific first: the whole entry, each drug of a
    combination ('a + b', 'a, b', 'a/b', also inside brackets: "Paxlovid (nirmatrelvir/ritonavir)"), the name
    outside and inside brackets ("Digoxin (Lanoxin)"), and the leading words of each ("Tacrolimus XL", "dabigatran
    etexilate", "fentanyl patch" → tacrolimus, dabigatran, fentanyl); each as :func:`medication_key`. A part that
    plainly names no current systemic drug is skipped (see _not_current above)."""
    parts = _parts(entry)
    kept = [part for part in parts if not _not_current(part)]
    if not kept:
        return []
    candidates = ([entry] if len(kept) == len(parts) else []) + kept
    pieces: list[str] = []
    for part in candidates:
        # (also the drug after a leading phrase: "prior to chemo: dexamethasone 8 mg", "Past 3 months rifampicin")
        lead = [part.split(":", 1)[1]] if ":" in part else []
        lead += [m.group(1) for m in [_LEADING_TIME.match(part)] if m]
        for text in [part, *lead, _BRACKETED.sub(" ", part), *_BRACKETED.findall(part)]:
            pieces.append(text)
            pieces.extend(re.split(r"[/,]", text))
    keys: list[str] = []
    for piece in pieces:
        key = medication_key(_KEY_PUNCTUATION.sub(" ", piece))
        words = key.split()
        keys.extend(" ".join(words[:i]) for i in range(len(words), 0, -1))
    return list(dict.fromkeys(k for k in keys if k))


def medication_hits(
    medications: Iterable[str], members: Iterable[str], index: DrugIndex | None = None
) -> list[str]:
    """The class members named in a medication list (each as the class spells it), sorted; an entry is read whole,
    drug by drug (joined by ';', '+', '/', 'and', 'plus' or 'with'), outside and inside brackets, and by its leading
    words (:func:`medication_keys`). With the knowledge base's ``index``, a brand it knows ("Zocor 40 mg") names its
    drug: a name the index recognises is never left unchecked."""
    given = {k for m in medications for k in medication_keys(m)}
    if index is not None:
        given |= {drug_key(drug) for key in list(given) for drug in index.names.get(key, ())}
    return sorted(m for m in members if drug_key(m) in given)


def _biosimilar_names(entry: str) -> list[str]:
    """'trastuzumab-dkst (Ogivri)' -> ['trastuzumab-dkst', 'Ogivri']."""
    name, _, rest = entry.partition("(")
    return [n for n in (name.strip(), rest.rstrip(") ").strip()) if n]


@dataclass(frozen=True)
class DrugIndex:
    """Every drug name the knowledge base knows, by :func:`drug_key`, with the drugs it stands for."""

    names: dict[str, frozenset[str]]

    def resolve(self, name: str) -> frozenset[str] | None:
        return self.names.get(drug_key(name))

    def resolve_entry(self, name: str) -> frozenset[str] | None:
        """A therapy's agent entry: the whole name, without a dose or route ("T-DXd 5.4 mg/kg", "Herceptin SC"), else
        the drugs of a combination written in one entry ("trastuzumab deruxtecan; pembrolizumab", "carboplatin/
        pemetrexed", "docetaxel, carboplatin"), else a name with its brand in brackets ("T-DM1 (Kadcyla)");
        None unless every drug named resolves. Never by leading words ("trastuzumab rezetecan" is not
        trastuzumab)."""
        whole = self.resolve(name)
        if whole is not None:
            return whole
        text = _DOSE_RATIO.sub(r"\1 \2 +", _UNIT_SLASH.sub(_per, name))  # (not drug separators)
        if re.search(_SEQUENCE, text, re.IGNORECASE):  # "T-DM1 14 cycles (switched to T-DXd)"
            text = text.replace("(", " ").replace(")", " ")
        parts = [p for p in _ENTRY_PARTS.split(text) if p.strip() and not _SCHEDULE_ONLY.match(p)]
        if len(parts) > 1:
            # each drug of the entry, with its own dose ("docetaxel 75 mg/m2 + trastuzumab 6 mg/kg")
            found = [self.resolve_entry(part) for part in parts]
            if all(f is not None for f in found):
                return frozenset().union(*(f for f in found if f is not None))
            return None
        if len(parts) == 1 and parts[0].strip() != name.strip() and (hit := self.resolve_entry(parts[0])):
            return hit  # (a schedule after a comma: "tucatinib 300 mg, twice daily")
        # without a dose or a route ("T-DXd 5.4 mg/kg", "S-1 80 mg/m2", "Herceptin SC"); digits of a name stay
        bare = " ".join(_ROUTE.sub(" ", _STRENGTH.split(drug_key(name), maxsplit=1)[0]).split())
        if bare and bare != drug_key(name) and (hit := self.resolve(bare)) is not None:
            return hit
        outside = _BRACKETED.sub(" ", name).strip()
        inside = [self.resolve(x) for x in _BRACKETED.findall(name)]
        hit = self.resolve(outside) if outside != name.strip() else None
        if hit is not None and all(i is None or i == hit for i in inside):
            return hit
        # a trailing number or duration that is no dose ("FOLFOX 6", "trastuzumab 1 year", "AC 4 cycles")
        key = drug_key(name)
        match = _TRAILING.search(key)
        if match is not None and _DURATION.match(key[match.end() :]):
            return self.resolve(key[: match.start()])
        return None


_INDEXES: dict[int, tuple[KnowledgeBase, DrugIndex]] = {}


def drug_index(kb: KnowledgeBase) -> DrugIndex:
    """Agents (INN, brand, alias, biosimilar name and brand; a co-formulation stands for its moieties), drug
    class members and their brands, and named regimens (all their members)."""
    cached = _INDEXES.get(id(kb))
    if cached is not None and cached[0] is kb:
        return cached[1]
    names: dict[str, frozenset[str]] = {}

    def add(name: str, drugs: frozenset[str]) -> None:
        names.setdefault(drug_key(name), drugs)

    for agent in kb.agents.values():
        drugs = frozenset({agent.name, *kb.moieties(agent.id)})
        for name in [agent.id.removeprefix("agent:"), agent.name, *agent.brands, *agent.aliases]:
            add(name, drugs)
        for entry in agent.biosimilars:
            for name in _biosimilar_names(entry):
                add(name, drugs)
    regimens = [c for c in kb.drug_classes.values() if c.kind == "regimen"]
    for drug_class in kb.drug_classes.values():
        if drug_class.kind != "class":
            continue
        for member in drug_class.members:
            add(member, frozenset({member}))
            for brand in drug_class.brands.get(member, []):
                add(brand, frozenset({member}))
    for regimen in regimens:
        drugs_set: set[str] = set()
        for member in regimen.members:
            drugs_set |= names.get(drug_key(member), frozenset({member}))
        for class_id in regimen.unspecified:
            drugs_set.add(UNSPECIFIED.format(kb.drug_classes[class_id].name))
        for name in [regimen.name, *regimen.aliases]:
            add(name, frozenset(drugs_set))
    index = DrugIndex(names)
    _INDEXES[id(kb)] = (kb, index)
    return index


def unrecognised_medications(kb: KnowledgeBase, medications: Iterable[str]) -> list[str]:
    """The medication-list entries that name no drug the knowledge base knows (so no interaction is checked for
    them), in the order given."""
    index = drug_index(kb)
    unknown: list[str] = []
    for entry in medications:
        if index.names.get(medication_key(entry)) is None:  # (a name the index knows whole is not split)
            unknown.extend(
                p
                for p in _parts(entry)
                if re.match(r"\s*[a-z]", p, re.IGNORECASE)  # (not a dose or a date after a comma)
                and not any(index.names.get(k) is not None for k in medication_keys(p))
            )
    return unknown


def unrecognised_medications_note(kb: KnowledgeBase, medications: Iterable[str]) -> str | None:
    """The note (assessment) or warning (monitoring) naming the medications whose interactions were not checked."""
    unknown = unrecognised_medications(kb, medications)
    if not unknown:
        return None
    return (
        f"Medication(s) not recognised, so their interactions were not checked: {', '.join(map(repr, unknown))} "
        f"{'is' if len(unknown) == 1 else 'are'} unknown to the knowledge base. The interacting drug classes checked "
        "can be read with her2kit kb show (e.g. strong-cyp3a4-inhibitor)."
    )


def canonical_drugs(kb: KnowledgeBase, name: str) -> set[str]:
    """The drugs a name stands for (an agent with its moieties, a class member, a regimen's members), else the
    lower-case name as given."""
    hit = drug_index(kb).resolve(name)
    if hit is None:
        try:
            agent = kb.agent(name)
        except NotFound:
            return {" ".join(name.lower().split())}
        return {agent.name, *kb.moieties(agent.id)}
    return set(hit)


_CLASS_MEMBERS: dict[tuple[int, str], tuple[KnowledgeBase, frozenset[str]]] = {}


def class_members(kb: KnowledgeBase, class_name: str) -> frozenset[str]:
    """All member drugs of a class given by name or alias, following ``includes``; a member given unnamed
    (``"taxane (unspecified)"``) belongs too. Kept per knowledge base (matching asks for the same classes for
    every indication of every case), as :func:`drug_index` is."""
    wanted = class_name.lower()
    cached = _CLASS_MEMBERS.get((id(kb), wanted))
    if cached is not None and cached[0] is kb:
        return cached[1]
    for drug_class in kb.drug_classes.values():
        if wanted in {drug_class.name.lower(), *(a.lower() for a in drug_class.aliases)}:
            members = _expand(kb, drug_class.id, set())
            _CLASS_MEMBERS[(id(kb), wanted)] = (kb, members)
            return members
    raise NotFound("drug class", class_name, sorted(c.name for c in kb.drug_classes.values()))


def _expand(kb: KnowledgeBase, class_id: str, seen: set[str]) -> frozenset[str]:
    if class_id in seen:
        return frozenset()
    seen.add(class_id)
    drug_class = kb.drug_classes[class_id]
    members = set(drug_class.members) | {UNSPECIFIED.format(drug_class.name)}
    for included in drug_class.includes:
        members |= _expand(kb, included, seen)
    return frozenset(members)


def her2_agent_names(kb: KnowledgeBase, kind: str | None = None) -> frozenset[str]:
    """The HER2-directed drugs: the agents (``kind``: of that agent class, "adc" or "tki") and the members of drug
    classes of HER2-directed drugs without an agent record (``DrugClass.her2_directed``; kind "antibody", "tki" or
    "adc")."""
    agents = {
        a.name for a in kb.agents.values() if a.her2_directed and (kind is None or a.agent_class == kind)
    }
    others = {
        m
        for c in kb.drug_classes.values()
        if c.her2_directed and (kind is None or c.her2_directed == kind)
        for m in c.members
    }
    return frozenset(agents | others)


def chemotherapy_unknown_names(kb: KnowledgeBase) -> frozenset[str]:
    """Drugs whose counting as chemotherapy the knowledge base does not decide (``DrugClass.counts_as_chemotherapy``:
    antibody-drug conjugates that are not HER2-directed)."""
    return frozenset(
        m for c in kb.drug_classes.values() if c.counts_as_chemotherapy == "unknown" for m in c.members
    )


def extended_adjuvant_names(kb: KnowledgeBase) -> frozenset[str]:
    """The agents of the extended-adjuvant indications (neratinib)."""
    return frozenset(
        kb.agents[a].name
        for ind in kb.indications.values()
        if ind.criteria.phase == "extended-adjuvant"
        for a in ind.agents
        if a in kb.agents
    )


# --------------------------------------------------------------------------- dates
def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (the last day of the month when it has no such day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(d, day.day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _months(start: dt.date, end: dt.date) -> str:
    """The time from ``start`` to ``end`` in calendar months and days, as the labels' "within six months" is read
    ("6 months and 1 day", not "6.0 months")."""
    months = 0
    while add_months(start, months + 1) <= end:
        months += 1
    days = (end - add_months(start, months)).days
    parts = [f"{months} month{'s' if months != 1 else ''}"] if months else []
    if days or not parts:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return " and ".join(parts)


# --------------------------------------------------------------------------- the derived history
@dataclass(frozen=True)
class EarlyRecurrence:
    """Recurrence relative to (neo)adjuvant therapy of one kind: none given, during it, within N months of
    completing it, later, or not known (the dates are not recorded)."""

    status: Literal["none", "during", "within", "after", "unknown"]
    text: str
    therapies: tuple[int, ...] = ()  # indexes of the therapies that define it


@dataclass(frozen=True)
class TreatmentHistory:
    prior_metastatic_lines: int
    early: EarlyRecurrence  # recurrence relative to any (neo)adjuvant therapy: the early "line"
    early_kind: Kind  # endocrine-based, or not, or unknown (unrecognised names), for that early line
    endocrine_based_lines: int  # metastatic lines that are endocrine-based (+ the early line when it counts)
    endocrine_lines_maybe: int  # metastatic lines that may be endocrine-based (unrecognised names)
    her2_regimens_metastatic: int
    her2_regimens_metastatic_maybe: int
    her2_regimens_any: int
    her2_regimens_any_maybe: int
    chemo_lines_metastatic: int
    chemo_lines_metastatic_maybe: int
    received: frozenset[str]
    progressed_on: frozenset[str]
    intolerant_to: frozenset[str]
    endocrine_progressed: bool | None
    early_endocrine_progression: tuple[str, ...]  # endocrine drugs on which (neo)adjuvant disease recurred
    any_therapy: bool
    history_given: bool
    therapy_drugs: tuple[frozenset[str], ...]
    therapy_unrecognised: tuple[tuple[str, ...], ...]
    notes: list[str] = field(default_factory=list)
    # drugs given that the knowledge base does not decide are chemotherapy (non-HER2 antibody-drug conjugates)
    chemo_undecided: tuple[str, ...] = ()

    @property
    def early_line(self) -> int | None:
        """1 when the early recurrence counts as a prior line, 0 when not, None when not known."""
        return {"during": 1, "within": 1, "after": 0, "none": 0}.get(self.early.status)

    @property
    def prior_lines_for_labels(self) -> int:
        return self.prior_metastatic_lines + (self.early_line or 0)

    @property
    def line(self) -> str:
        """The line of metastatic therapy now being chosen: first, second or later."""
        return line_name(self.prior_lines_for_labels)

    @property
    def unrecognised(self) -> tuple[str, ...]:
        return tuple(sorted({n for names in self.therapy_unrecognised for n in names}))

    def line_scenarios(self) -> list[tuple[int, int]]:
        """Every (prior lines, endocrine-based lines) the history allows, as recorded first."""
        credits = [self.early_line] if self.early_line is not None else [0, 1]
        out: list[tuple[int, int]] = []
        for credit in credits:
            prior = self.prior_metastatic_lines + credit
            low = self.endocrine_based_lines - (
                1 if self.early_line == 1 and self.early_kind == "endocrine" else 0
            )
            high = low + self.endocrine_lines_maybe
            if credit:
                if self.early_kind == "endocrine":
                    low, high = low + 1, high + 1
                elif self.early_kind == "maybe":
                    high += 1
            for endocrine in range(low, high + 1):
                if (prior, endocrine) not in out:
                    out.append((prior, endocrine))
        return out

    def chemotherapy_question(self) -> str:
        """What a chemotherapy criterion asks: what the unknown names are, and whether the non-HER2 antibody-drug
        conjugates given count as chemotherapy."""
        parts = []
        if self.unrecognised:
            parts.append(unrecognised_text(self.unrecognised))
        if self.chemo_undecided:
            parts.append(chemotherapy_unknown_text(self.chemo_undecided))
        return "; ".join(parts)

    def uncertainty(self) -> str:
        """Why the line is not certain: the recurrence interval and/or unrecognised drug names."""
        parts = []
        if self.early_line is None:
            parts.append(self.early.text)
        if self.endocrine_lines_maybe or self.early_kind == "maybe":
            parts.append(unrecognised_text(self.unrecognised))
        return "; ".join(parts)


def line_name(prior_lines: int) -> str:
    """The line that follows ``prior_lines`` prior lines: first, second or later."""
    return "first" if prior_lines == 0 else "second" if prior_lines == 1 else "later"


def unrecognised_text(names: Sequence[str]) -> str:
    quoted = ", ".join(f"'{n}'" for n in names)
    return f"what {quoted} {'is' if len(names) == 1 else 'are'} (a name unknown to the knowledge base)"


def chemotherapy_unknown_text(names: Sequence[str]) -> str:
    listed = ", ".join(names)
    return (
        f"whether {listed} {'counts' if len(names) == 1 else 'count'} as chemotherapy for this label (an antibody-drug "
        "conjugate that is not HER2-directed: the knowledge base does not decide)"
    )


def _kind(
    drugs: frozenset[str], unknown: bool, chemo: frozenset[str], her2: frozenset[str], endo: frozenset[str]
) -> Kind:
    if drugs & (
        chemo | her2
    ):  # (chemo here includes the ADCs not decided as chemotherapy: not endocrine either way)
        return "other"
    if unknown:
        return "maybe"
    return "endocrine" if drugs & endo else "other"


def _combine(kinds: Iterable[Kind]) -> Kind:
    kinds = list(kinds)
    if "other" in kinds:
        return "other"
    if "maybe" in kinds:
        return "maybe"
    return "endocrine"


def derive(case: Case, kb: KnowledgeBase) -> TreatmentHistory:
    history = case.history
    index = drug_index(kb)
    her2 = her2_agent_names(kb)
    chemo = class_members(kb, "chemotherapy")
    chemo_unknown = chemotherapy_unknown_names(kb)
    endocrine = class_members(kb, "endocrine therapy")
    therapies = history.therapies
    drugs_of: list[frozenset[str]] = []
    unknown_of: list[tuple[str, ...]] = []
    for therapy in therapies:
        drugs: set[str] = set()
        unknown: list[str] = []
        for name in therapy.agents:
            hit = index.resolve_entry(name)
            if hit is None:
                unknown.append(" ".join(name.lower().split()))
                drugs.add(" ".join(name.lower().split()))
            else:
                drugs |= hit
        drugs_of.append(frozenset(drugs))
        unknown_of.append(tuple(unknown))

    def kind(i: int) -> Kind:
        return _kind(drugs_of[i], bool(unknown_of[i]), chemo | chemo_unknown, her2, endocrine)

    metastatic = [i for i, t in enumerate(therapies) if t.setting == "metastatic"]
    early_idx = [i for i, t in enumerate(therapies) if t.setting != "metastatic"]
    lines = [line for i in metastatic if (line := therapies[i].line) is not None]
    prior_lines = max(lines) if lines else len(metastatic)
    notes: list[str] = []
    if metastatic and len(lines) < len(metastatic):
        notes.append(
            "Some metastatic therapies have no line number; lines were counted from the therapies listed."
        )

    # Metastatic lines: therapies grouped by line number (each un-numbered therapy is a line of its own).
    groups: dict[object, list[int]] = {}
    for i in metastatic:
        key: object = therapies[i].line if therapies[i].line is not None else ("therapy", i)
        groups.setdefault(key, []).append(i)

    def count(
        members: frozenset[str], idx_groups: Iterable[list[int]], undecided: frozenset[str] = frozenset()
    ) -> tuple[int, int]:
        definite = maybe = 0
        for group in idx_groups:
            if any(drugs_of[i] & members for i in group):
                definite += 1
            elif any(unknown_of[i] or drugs_of[i] & undecided for i in group):
                maybe += 1
        return definite, maybe

    line_kinds = [_combine(kind(i) for i in group) for group in groups.values()]
    endocrine_lines = sum(k == "endocrine" for k in line_kinds)
    endocrine_maybe = sum(k == "maybe" for k in line_kinds)
    her2_met, her2_met_maybe = count(her2, groups.values())
    chemo_lines, chemo_maybe = count(chemo, groups.values(), chemo_unknown)
    if history.lines_of_chemotherapy_metastatic is not None:
        chemo_lines, chemo_maybe = history.lines_of_chemotherapy_metastatic, 0

    # Anti-HER2 regimens in the early setting: a course continued after surgery (neoadjuvant THP, then
    # adjuvant HP) is one regimen; a new HER2-directed agent (adjuvant T-DM1, extended-adjuvant neratinib)
    # is another.
    early_sets: list[frozenset[str]] = []
    early_maybe = 0
    for i in early_idx:
        agents = drugs_of[i] & her2
        if agents:
            if not any(agents <= seen for seen in early_sets):
                early_sets.append(agents)
        elif unknown_of[i]:
            early_maybe += 1

    early = early_recurrence(case, drugs_of, None, EARLY_SETTINGS, RECURRENCE_MONTHS, "(neo)adjuvant therapy")
    early_kind: Kind = _combine(kind(i) for i in early.therapies) if early.therapies else "other"
    if early.status in ("during", "within") and early_kind == "endocrine":
        endocrine_lines += 1
    received: set[str] = set()
    progressed: set[str] = set()
    intolerant: set[str] = set()
    endocrine_progressed: bool | None = history.endocrine_therapy_progressed
    early_endocrine: set[str] = set()
    for i, therapy in enumerate(therapies):
        given = drugs_of[i]
        received |= given
        if therapy.outcome == "progression":
            progressed |= given
            if therapy.setting == "metastatic":
                if endocrine_progressed is None and given & endocrine:
                    endocrine_progressed = True
            else:
                early_endocrine |= given & endocrine
        if therapy.outcome == "intolerance":
            intolerant |= given
    unrecognised = sorted({n for names in unknown_of for n in names})
    if unrecognised:
        notes.append(
            f"Not recognised: {', '.join(repr(n) for n in unrecognised)} "
            f"{'is' if len(unrecognised) == 1 else 'are'} unknown to the knowledge base (no agent, brand, biosimilar, "
            "drug-class member or named regimen of that name); criteria that depend on prior therapy may be wrong, "
            "and those it could change are asked about."
        )
    return TreatmentHistory(
        prior_metastatic_lines=prior_lines,
        early=early,
        early_kind=early_kind,
        endocrine_based_lines=endocrine_lines,
        endocrine_lines_maybe=endocrine_maybe,
        her2_regimens_metastatic=her2_met,
        her2_regimens_metastatic_maybe=her2_met_maybe,
        her2_regimens_any=her2_met + len(early_sets),
        her2_regimens_any_maybe=her2_met_maybe + early_maybe,
        chemo_lines_metastatic=chemo_lines,
        chemo_lines_metastatic_maybe=chemo_maybe,
        received=frozenset(received),
        progressed_on=frozenset(progressed),
        intolerant_to=frozenset(intolerant),
        endocrine_progressed=endocrine_progressed,
        early_endocrine_progression=tuple(sorted(early_endocrine)),
        any_therapy=bool(therapies),
        history_given="history" in case.model_fields_set,
        therapy_drugs=tuple(drugs_of),
        therapy_unrecognised=tuple(unknown_of),
        notes=notes,
        chemo_undecided=tuple(sorted(frozenset().union(*drugs_of) & chemo_unknown)) if drugs_of else (),
    )


def _describe(therapies: Sequence[Therapy]) -> str:
    return "; ".join(f"{t.setting} {' + '.join(t.agents)}" for t in therapies)


def early_recurrence(
    case: Case,
    drugs_of: Sequence[frozenset[str]],
    members: frozenset[str] | None,
    settings: Sequence[str],
    months: int,
    what: str,
) -> EarlyRecurrence:
    """Where the recurrence falls relative to the (neo)adjuvant therapies of ``settings`` that contain one of
    ``members`` (any therapy when None): during them, within ``months`` of completing them, later, or unknown.

    "During" is a therapy with outcome progression (or still ongoing when the disease is now metastatic).
    Completion is the latest end date of those therapies; the recurrence date is ``history.recurrence_date``,
    else, when the first metastatic therapy started within ``months`` of completion, the recurrence (which came
    before that start) did too."""
    history: History = case.history
    relevant = [
        i
        for i, t in enumerate(history.therapies)
        if t.setting in settings and (members is None or drugs_of[i] & members)
    ]
    if not relevant:
        return EarlyRecurrence("none", f"no {what} recorded")
    therapies = [history.therapies[i] for i in relevant]
    during = [
        i
        for i in relevant
        if history.therapies[i].outcome == "progression"
        or (history.therapies[i].outcome == "ongoing" and case.tumor.setting == "metastatic")
    ]
    if during:
        given = _describe([history.therapies[i] for i in during])
        return EarlyRecurrence("during", f"recurrence during {what} ({given})", tuple(during))
    described = _describe(therapies)
    ends = [t.end for t in therapies]
    known = [e for e in ends if e is not None]
    if any(e is None for e in ends) and known and history.recurrence_date is not None:
        # Completion is at least the latest known end, so a recurrence within ``months`` of that end is within
        # ``months`` of completion whatever the missing end dates are.
        latest = max(known)
        if history.recurrence_date <= add_months(latest, months):
            return EarlyRecurrence(
                "within",
                f"recurrence on {history.recurrence_date.isoformat()}, within {months} months of the latest recorded "
                f"end of {what} ({described}, ended {latest.isoformat()}; other end dates not recorded)",
                tuple(i for i in relevant if history.therapies[i].end == latest),
            )
    if any(e is None for e in ends):
        missing_end = _describe([t for t in therapies if t.end is None])
        return EarlyRecurrence(
            "unknown",
            f"the time from completing {what} to the recurrence ({described}): the end date of {missing_end} "
            f"{'and history.recurrence_date ' if history.recurrence_date is None else ''}is not recorded",
            tuple(relevant),
        )
    completion = max(e for e in ends if e is not None)
    last = tuple(i for i in relevant if history.therapies[i].end == completion)
    limit = add_months(completion, months)
    recurrence = history.recurrence_date
    if recurrence is not None:
        if recurrence <= limit:
            when = "before" if recurrence < completion else f"{_months(completion, recurrence)} after"
            return EarlyRecurrence(
                "within",
                f"recurrence on {recurrence.isoformat()}, {when} completing {what} ({described}, ended "
                f"{completion.isoformat()})",
                last,
            )
        return EarlyRecurrence(
            "after",
            f"recurrence on {recurrence.isoformat()}, {_months(completion, recurrence)} after completing "
            f"{what} ({described}, ended {completion.isoformat()}); the label counts a recurrence within "
            f"{months} months",
            last,
        )
    starts = [t.start for t in history.therapies if t.setting == "metastatic" and t.start is not None]
    if starts and min(starts) <= limit:
        first = min(starts)
        return EarlyRecurrence(
            "within",
            f"recurrence before the first metastatic therapy (started {first.isoformat()}, "
            f"{_months(completion, first)} after completing {what}: {described}, ended "
            f"{completion.isoformat()})",
            last,
        )
    return EarlyRecurrence(
        "unknown",
        f"the time from completing {what} ({described}, ended {completion.isoformat()}) to the recurrence: "
        "history.recurrence_date is not recorded",
        last,
    )


def early_phases(case: Case, history: TreatmentHistory, kb: KnowledgeBase) -> tuple[set[str], str]:
    """The early-disease treatment phases the case may be in, and the exact one when known.

    When not stated, the phase follows the most recent (neo)adjuvant course that contains chemotherapy or an
    anti-HER2 agent (endocrine therapy runs alongside and does not set it): residual disease after neoadjuvant
    therapy → post-neoadjuvant residual (exact) or adjuvant; pCR → adjuvant; completed adjuvant anti-HER2
    therapy → extended adjuvant; another adjuvant course (ongoing, stopped) → adjuvant, or post-neoadjuvant
    residual after residual disease; otherwise neoadjuvant or adjuvant. Without a recorded surgical outcome, the
    categories after neoadjuvant therapy decide it (ypT0/is ypN0: adjuvant; residual: post-neoadjuvant residual).
    A stated "adjuvant" with residual disease after neoadjuvant therapy also allows the post-neoadjuvant residual
    phase (its treatment is adjuvant treatment)."""
    stated = case.tumor.treatment_phase
    response = surgical_response(case)
    yp_residual = response is not None and response[0] == "residual"
    if stated == "adjuvant" and residual_recorded(case):
        # Treatment for residual disease after neoadjuvant therapy is adjuvant treatment (KATHERINE's "adjuvant
        # treatment of patients ... who have residual invasive disease"): both phases apply.
        return {"adjuvant", "post-neoadjuvant-residual"}, "post-neoadjuvant-residual"
    if stated is not None:
        return {stated}, stated
    her2 = her2_agent_names(kb)
    chemo = class_members(kb, "chemotherapy")
    courses = [
        (t, history.therapy_drugs[i])
        for i, t in enumerate(case.history.therapies)
        if t.setting != "metastatic" and history.therapy_drugs[i] & (her2 | chemo)
    ]
    # In time order (start, then end; the list order only between undated or same-dated courses): two courses
    # started the same day are ordered by when they ended.
    dated = sorted(
        enumerate(courses),
        key=lambda item: (
            item[1][0].start or dt.date.min,
            # (an ongoing course has not ended: after one that started the same day and ended)
            item[1][0].end
            or (dt.date.max if item[1][0].outcome == "ongoing" else item[1][0].start)
            or dt.date.min,
            item[0],
        ),
    )
    courses = [course for _, course in dated]
    surgery_recorded = any(
        t.setting == "neoadjuvant" and t.outcome in ("residual_disease", "pcr") for t, _ in courses
    )
    after_surgery = any(t.setting == "adjuvant" for t, _ in courses)
    residual_course = any(t.setting == "neoadjuvant" and t.outcome == "residual_disease" for t, _ in courses)
    if response is not None and not surgery_recorded and not after_surgery:
        # The categories after neoadjuvant therapy say what surgery found when the history does not.
        if response[0] == "pcr":
            return {"adjuvant"}, "adjuvant"
        return {"post-neoadjuvant-residual", "adjuvant"}, "post-neoadjuvant-residual"
    if courses:
        last = courses[-1][0]
        if last.setting == "neoadjuvant" and last.outcome not in ("residual_disease", "pcr"):
            # A neoadjuvant course stopped early (intolerance) beside one that reached surgery: surgery decides.
            surgery = [
                t
                for t, _ in courses
                if t.setting == "neoadjuvant" and t.outcome in ("residual_disease", "pcr")
            ]
            if surgery:
                last = surgery[-1]
        if last.setting == "neoadjuvant" and last.outcome == "residual_disease":
            return {"post-neoadjuvant-residual", "adjuvant"}, "post-neoadjuvant-residual"
        if last.setting == "neoadjuvant" and last.outcome == "pcr":
            if yp_residual:  # the yp categories disagree: both, asked
                return {"adjuvant", "post-neoadjuvant-residual"}, ""
            return {"adjuvant"}, "adjuvant"
        extended = extended_adjuvant_names(kb)

        def completed(t: Therapy) -> bool:
            return t.outcome == "completed"

        def ended_unknown(t: Therapy) -> bool:  # an end date without an outcome: ended, how is not said
            return t.outcome is None and t.end is not None

        adjuvant_her2 = [(t, d) for t, d in courses if t.setting == "adjuvant" and d & her2]
        # The latest adjuvant anti-HER2 course decides: an extended-adjuvant agent (neratinib), or a completed
        # course, is the extended-adjuvant phase; one stopped early (intolerance, progression) or under way is not.
        if last.setting == "adjuvant" and adjuvant_her2:
            latest, latest_drugs = adjuvant_her2[-1]
            done_before = any(completed(t) or ended_unknown(t) for t, _ in adjuvant_her2[:-1])
            if ended_unknown(latest) and not latest_drugs & her2 <= extended:
                # ended, with no outcome recorded (completed, or stopped early?): both phases, asked; after residual
                # disease the residual-disease options too
                return {"adjuvant", "extended-adjuvant"} | (
                    {"post-neoadjuvant-residual"} if yp_residual or residual_course else set()
                ), ""
            if (latest_drugs & her2 <= extended and done_before) or (
                completed(latest) and not latest_drugs & her2 <= extended
            ):
                return {"extended-adjuvant"}, "extended-adjuvant"
        if last.setting == "adjuvant":
            # After surgery (an adjuvant course ongoing, stopped or completed without anti-HER2 therapy): not the
            # neoadjuvant phase; after residual disease the post-neoadjuvant options still apply.
            pcr_recorded = any(t.setting == "neoadjuvant" and t.outcome == "pcr" for t, _ in courses)
            if (
                pcr_recorded and yp_residual
            ):  # the recorded outcome and the yp categories disagree: both, asked
                return {"adjuvant", "post-neoadjuvant-residual"}, ""
            if residual_course or (not surgery_recorded and yp_residual):
                return {"post-neoadjuvant-residual", "adjuvant"}, "post-neoadjuvant-residual"
            return {"adjuvant"}, "adjuvant"
        if last.setting == "neoadjuvant" and last.outcome == "ongoing":
            return {"neoadjuvant", "adjuvant"}, "neoadjuvant"  # neoadjuvant therapy under way
    return {"neoadjuvant", "adjuvant"}, ""
