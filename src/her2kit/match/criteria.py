"""Evaluating an indication's label criteria (``kb.schema.Criteria``) against one case.

Each criterion gives one of three answers, with a sentence a clinician can read:
met, not met, or missing (the case does not say). Nothing is guessed: an absent
biomarker is "missing", and the option that needs it is ranked after complete
fits and says what test is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import her2kit.tnm as tnm
from her2kit.assessment import Finding, Her2Alternative, Her2Status
from her2kit.case import Case, IhcTest, NgsTest
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Criteria, Indication, PreviouslyTreated
from her2kit.match.history import (
    TreatmentHistory,
    chemotherapy_unknown_text,
    class_members,
    early_phases,
    early_recurrence,
    her2_agent_names,
    line_name,
    unrecognised_text,
)
from her2kit.match.populations import EXTENT_RULES, in_subgroup, presentation, surgical_response
from her2kit.status.interpret import NEGATED_ADENOCARCINOMA, not_adenocarcinoma

SOLID_TUMOR = "solid-tumor"  # indication scope: any solid tumour (tumour-agnostic)


@dataclass
class Fit:
    met: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    cautions: list[Finding] = field(default_factory=list)
    outside_trials: set[str] = field(default_factory=set)  # pivotal trials whose population excludes the case
    # pivotal trials in whose subgroup without a shown benefit the case is: the subgroup, in words, by trial id
    subgroup_trials: dict[str, str] = field(default_factory=dict)
    # results of the case's subgroup that show a benefit, in words, by trial id (shown on the effect line)
    subgroup_effects: dict[str, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)  # sources of the population and subgroup cautions
    exact: bool = False  # the line or phase is the one the indication is written for

    @property
    def eligible(self) -> bool:
        return not self.unmet


def _label_source(kb: KnowledgeBase, indication: Indication) -> str:
    labels = [r for r in indication.references if r.startswith("ref:label-")]
    return f"{indication.id} ({', '.join(labels or indication.references[:1])})"


def evaluate(
    indication: Indication, case: Case, status: Her2Status, history: TreatmentHistory, kb: KnowledgeBase
) -> Fit:
    c = indication.criteria
    fit = Fit()
    tumor = case.tumor.type
    source = _label_source(kb, indication)

    # Tumour type and setting.
    if tumor in c.tumor_types:
        fit.met.append(f"tumour type {tumor}")
    elif SOLID_TUMOR in c.tumor_types:
        fit.met.append(f"solid tumour ({tumor}); the indication is tumour-agnostic")
    else:
        reason = f"indicated for {', '.join(c.tumor_types)}, not {tumor}"
        if tumor == "esophageal" and "gej" in c.tumor_types and not_adenocarcinoma(case.tumor) is None:
            reason += (
                " (the label names gastric or gastro-oesophageal junction adenocarcinoma; if the tumour involves the "
                "junction, give tumor.type 'gej')"
            )
        fit.unmet.append(reason)
        return fit
    if case.tumor.setting is None:
        fit.missing.append("disease setting (early or metastatic)")
    elif case.tumor.setting != c.setting:
        fit.unmet.append(f"indicated for {c.setting} disease, not {case.tumor.setting}")
        return fit
    else:
        fit.met.append(f"{c.setting} disease")

    _her2(c.her2_categories, c.her2_ihc_scores, case, status, fit)
    _mutation(c.erbb2_mutation, case, fit, source)
    _histology(c, case, fit, source)
    _stage(c, case, fit)
    _extent(c, case, fit)
    _invasive(c, case, fit)
    _node_negative_risk(c, case, fit)

    # Phase of early disease, or line of metastatic therapy.
    if c.setting == "early":
        possible, exact = early_phases(case, history, kb)
        if c.phase in possible:
            fit.met.append(f"treatment phase: {c.phase}")
            fit.exact = c.phase == exact
        else:
            fit.unmet.append(
                f"indicated {c.phase.replace('-', ' ')}; this case is {' or '.join(sorted(possible))}"
            )
        if c.phase == "post-neoadjuvant-residual":
            _residual_disease(case, fit)
    elif c.lines:
        _line(c.lines, c.lines_count, history, fit)

    _patient(c, case, fit)
    _biomarkers(indication, case, fit)
    _prior_therapy(indication, case, history, kb, fit, source, status)
    return fit


def _line_verdict(
    lines: Sequence[str], counted: str, prior: int, endocrine: int, early: str
) -> tuple[str, str, bool]:
    """One reading of the history: (met | unmet | missing, sentence, exact)."""
    endocrine = min(endocrine, prior)
    line = line_name(prior)
    without = line_name(prior - endocrine)
    wanted = "/".join(lines)
    if counted == "chemotherapy-or-anti-her2" and endocrine:
        if without in lines:
            return (
                "met",
                f"{without} line: {prior} prior line(s){early}, of which {endocrine} endocrine-based, which the "
                "label does not count (it counts chemotherapy and anti-HER2 therapy for metastatic disease)",
                True,
            )
        return (
            "unmet",
            f"indicated for {wanted} line; this would be {without} line ({prior - endocrine} prior line(s) of "
            f"chemotherapy or anti-HER2 therapy counted{early})",
            False,
        )
    if line in lines:
        return "met", f"{line} line (prior lines counted for the label: {prior}{early})", True
    if endocrine and without in lines:
        return (
            "missing",
            f"whether the label's {wanted} line allows the {endocrine} prior endocrine-based line(s) (endocrine "
            "therapy without chemotherapy or an anti-HER2 agent); the label does not say",
            False,
        )
    return (
        "unmet",
        f"indicated for {wanted} line; this would be {line} line ({prior} prior line(s) counted{early})",
        False,
    )


def _line(lines: Sequence[str], counted: str, history: TreatmentHistory, fit: Fit) -> None:
    """The line of metastatic therapy against the label's lines. Endocrine-based lines do not count where the
    label defines its line by chemotherapy and anti-HER2 therapy; where it does not say, a line reached only
    through them is asked about, not refused. A history that allows more than one reading (the time from
    completing (neo)adjuvant therapy to recurrence not recorded; an unrecognised drug name) is read every way,
    and asked about when the readings disagree."""
    verdicts = []
    for prior, endocrine in history.line_scenarios():
        credit = prior - history.prior_metastatic_lines
        early = f", including the {history.early.text}" if credit else ""
        verdicts.append(_line_verdict(lines, counted, prior, endocrine, early))
    if len({v[0] for v in verdicts}) > 1:
        fit.missing.append(
            f"whether this is the {'/'.join(lines)} line the label allows: {history.uncertainty()}"
        )
        return
    status, text, exact = verdicts[0]
    if status == "unmet" and _met_counting_metastatic_only(lines, counted, history):
        # The label's line is a line of therapy for metastatic disease, so an early recurrence does not literally
        # end it; the labels for previously treated disease count it as a line. Asked, not refused.
        status, exact = "missing", False
        text = (
            f"whether the label's {'/'.join(lines)} line applies after the {history.early.text}: this label counts "
            "only therapy for metastatic disease, while the labels for previously treated disease count such a "
            "recurrence as a prior line"
        )
    {"met": fit.met, "unmet": fit.unmet, "missing": fit.missing}[status].append(text)
    fit.exact = fit.exact or exact


def _met_counting_metastatic_only(lines: Sequence[str], counted: str, history: TreatmentHistory) -> bool:
    """The line would be met if the early recurrence were not counted (only the lines for metastatic disease)."""
    if not history.early_line:
        return False
    endocrine = history.endocrine_based_lines - (1 if history.early_kind == "endocrine" else 0)
    prior = history.prior_metastatic_lines
    return _line_verdict(lines, counted, prior, max(endocrine, 0), "")[0] == "met"


def _stage(c: Criteria, case: Case, fit: Fit) -> None:
    """A stated stage group, else (breast) the anatomic groups the T and N categories allow (AJCC 8th edition
    table); a stated group that the categories contradict is asked about (it may be a prognostic stage)."""
    if not c.stage_groups:
        return
    wanted = " or ".join(c.stage_groups)
    stage = case.tumor.stage
    stated = tnm.stage_group(stage) if stage is not None else None
    t, n = presentation(case)
    breast = case.tumor.type == "breast"
    staged = tnm.parse_stage(stage) if stage is not None else None
    derived = (
        tnm.breast_anatomic_groups(t, n, staged.m if staged else None) if breast and (t or n) else {None}
    )
    known = {g for g in derived if g is not None}
    certain = None not in derived
    categories = " ".join(str(x) for x in (t, n) if x is not None)
    if stated is not None:
        if known and certain and stated not in known:
            fit.missing.append(
                f"the stage group: stated {stage}, but {categories} gives anatomic stage "
                f"{' or '.join(sorted(known))} (AJCC 8th edition table; a prognostic stage?) — confirm which stage "
                f"the label's 'stage {wanted}' applies to"
            )
        elif stated in c.stage_groups:
            fit.met.append(f"stage {stage} (the label: stage {wanted})")
        else:
            fit.unmet.append(f"indicated for stage {wanted}; this case is stage {stage}")
        return
    after = [x for x in case.tumor.post_neoadjuvant if x is not None]
    if not (t or n) and after and breast:
        fit.missing.append(
            f"the stage group ({' '.join(map(str, after))} describe the tumour after neoadjuvant therapy; the "
            f"label: stage {wanted})"
        )
        return
    if known:
        read = f"anatomic stage {' or '.join(sorted(known))} from {categories} (AJCC 8th edition stage table)"
        if certain and known <= set(c.stage_groups):
            fit.met.append(f"{read} (the label: stage {wanted})")
        elif certain and not known & set(c.stage_groups):
            fit.unmet.append(f"indicated for stage {wanted}; this case is {read}")
        else:
            fit.missing.append(
                f"the stage group: {read} (the label: stage {wanted}; give the missing category)"
            )
        return
    if t is not None and n is not None and breast and not t.unknown and not n.unknown:
        fit.missing.append(
            f"the stage group ({categories} is not in the anatomic stage table; the label: stage {wanted})"
        )
        return
    if stage is None:
        fit.missing.append(f"stage (the label: stage {wanted})")
    else:
        fit.missing.append(
            f"the stage group of '{stage}' (the label: stage {wanted}; give it as I, II, III or IV, or give the T "
            "and N categories)"
        )


EXTENT_WANTED: Final = (
    "the label: locally advanced, inflammatory, or early stage breast cancer either greater than 2 cm in "
    "diameter or node positive"
)


def _extent(c: Criteria, case: Case, fit: Fit) -> None:
    """ "Greater than 2 cm in diameter or node positive" (or locally advanced or inflammatory), from the T and N
    categories (AJCC 8th edition, ref:web-msd-breast-anatomic-staging and ref:db-ncit-c139541: T2 is over 20 mm
    and T3 over 50 mm; T4 is extension to the chest wall or skin, T4d inflammatory; N1-N3 node positive, N1
    including micrometastases; N0 includes isolated tumour cells only)."""
    if c.extent_required is None:
        return
    t, n = presentation(case)
    after = [str(x) for x in case.tumor.post_neoadjuvant if x is not None]
    if t is None and n is None and after:
        fit.missing.append(
            f"the extent before neoadjuvant therapy (cT and cN; {' and '.join(after)} describe the tumour after it; "
            f"{EXTENT_WANTED})"
        )
        return
    t_rank = tnm.t_rank(t) if t is not None else None
    n_rank = tnm.n_rank(n) if n is not None else None
    reasons: list[str] = []
    if t_rank is not None and t_rank[0] == 4:
        reasons.append(f"{t} ({'inflammatory' if t_rank[1] == 'd' else 'locally advanced'})")
    elif t_rank is not None and t_rank[0] >= 2:
        reasons.append(f"{t} (greater than 2 cm)")
    if n_rank is not None and n_rank[0] >= 1:
        micro = n_rank[1].startswith("mi")
        reasons.append(f"{n} (node positive{': micrometastases, N1 in AJCC 8' if micro else ''})")
    if reasons:
        fit.met.append(f"{' and '.join(reasons)} ({EXTENT_WANTED})")
        return
    unknown = []
    if t_rank is None:
        unknown.append(f"tumour size (T category{f'; {t} cannot be assessed' if t is not None else ''})")
    if n_rank is None:
        unknown.append(f"nodal status (N category{f'; {n} cannot be assessed' if n is not None else ''})")
    if unknown:
        fit.missing.append(f"{' and '.join(unknown)} ({EXTENT_WANTED})")
    else:
        fit.unmet.append(f"{EXTENT_WANTED}; this case is {t} {n} (2 cm or less, node negative)")


def _invasive(c: Criteria, case: Case, fit: Fit) -> None:
    """Tis N0 at presentation is carcinoma in situ (AJCC 8: "Tis Carcinoma in situ"): the early-breast indications
    rest on trials of invasive breast cancer."""
    if c.setting != "early" or case.tumor.type != "breast":
        return
    t, n = presentation(case)
    if t is not None and t.code == "Tis" and (n is None or n.code == "N0"):
        fit.unmet.append(
            f"{t}{f' {n}' if n else ''}: carcinoma in situ, not invasive breast cancer (the indications for early "
            "HER2-positive breast cancer rest on trials of invasive disease)"
        )


NODE_NEGATIVE_WANTED: Final = (
    "the label: node-positive, or node-negative and ER/PR-negative or with one high-risk feature — ER/PR-positive "
    "with tumour size > 2 cm, age < 35 or grade 2 or 3"
)
# (not a nuclear grade, nor a DCIS grade: the label's grade is the invasive tumour's histological grade)
_GRADE = re.compile(
    r"(?<!nuclear )(?<!DCIS )\bgrade\s*(1|2|3|I{1,3})\b(?!\s*(?:-|–|/|to|or)\s*\w)", re.IGNORECASE
)


def case_grade(case: Case) -> tuple[int, str] | None:
    """The histological grade: ``tumor.grade``, else one grade the histology text states ("invasive ductal carcinoma,
    grade 1"; not a range such as "grade 1-2"), with where it was read."""
    if case.tumor.grade is not None:
        return case.tumor.grade, f"grade {case.tumor.grade}"
    found = {m.group(1).upper() for m in _GRADE.finditer(case.tumor.histology or "")}
    grades = {{"I": 1, "II": 2, "III": 3}.get(g) or int(g) for g in found}
    if len(grades) == 1:
        grade = grades.pop()
        return grade, f"grade {grade} (read from the histology)"
    return None


def _node_negative_risk(c: Criteria, case: Case, fit: Fit) -> None:
    """The Herceptin adjuvant label's "node-positive or node-negative (ER/PR-negative or with one high-risk
    feature)", high risk being "ER/PR-positive with one of the following features: tumor size >2 cm, age <35, or tumor
    grade 2 or 3": met, not met, or asked for naming each unknown (nodes, receptors, size, grade, age)."""
    if c.node_negative_risk is None:
        return
    t, n = presentation(case)
    n_rank = tnm.n_rank(n) if n is not None else None
    if n_rank is not None and n_rank[0] >= 1:
        fit.met.append(f"node-positive ({n})")
        return
    hr = case.biomarkers.hormone_receptor
    if n_rank is not None and hr == "negative":
        fit.met.append(f"node-negative ({n}) and ER/PR-negative ({NODE_NEGATIVE_WANTED})")
        return
    t_rank = tnm.t_rank(t) if t is not None else None
    grade = case_grade(case)
    age = case.patient.age
    features = [
        f"{t} (over 2 cm)" if t_rank is not None and t_rank[0] >= 2 else None,
        f"age {age}" if age is not None and age < 35 else None,
        f"grade {grade[0]}" if grade is not None and grade[0] >= 2 else None,
    ]
    present = [f for f in features if f]
    if n_rank is not None and hr == "positive" and present:
        fit.met.append(
            f"node-negative ({n}), ER/PR-positive with {', '.join(present)} ({NODE_NEGATIVE_WANTED})"
        )
        return
    unknown = []
    if n_rank is None:
        unknown.append(
            f"nodal status ({n} cannot be assessed)" if n is not None else "nodal status (N category)"
        )
    if hr is None:
        unknown.append("ER/PR status")
    if not present and hr != "negative":
        if t_rank is None:
            unknown.append("tumour size (T category)")
        if grade is None:
            unknown.append("grade (tumor.grade)")
        if age is None:
            unknown.append("age")
    if unknown:
        fit.missing.append(f"{', '.join(unknown)} ({NODE_NEGATIVE_WANTED})")
        return
    seen = [f"{t} (2 cm or less)", f"grade {grade[0]}" if grade else "", f"age {age}"]
    fit.unmet.append(
        f"{NODE_NEGATIVE_WANTED}; this case is node-negative ({n}) and ER/PR-positive with none of them: "
        + ", ".join(x for x in seen if x)
    )


def _residual_disease(case: Case, fit: Fit) -> None:
    """The label's "residual invasive disease" against the categories after neoadjuvant therapy and the recorded
    surgical outcome: ypT0/is ypN0 is no residual invasive disease; ypN0(i+) alone is asked about."""
    response = surgical_response(case)
    pcr = [t for t in case.history.therapies if t.setting == "neoadjuvant" and t.outcome == "pcr"]
    residual = [
        t for t in case.history.therapies if t.setting == "neoadjuvant" and t.outcome == "residual_disease"
    ]
    if response is not None and response[0] == "pcr" and residual:
        fit.missing.append(
            f"the surgical outcome: the history records residual disease, but {response[1]} is no residual "
            "invasive disease"
        )
    elif response is not None and response[0] == "pcr":
        fit.unmet.append(
            f"{response[1]}: no residual invasive disease after neoadjuvant therapy (the label: residual invasive "
            "disease)"
        )
    elif response is not None and response[0] == "isolated-tumour-cells":
        fit.missing.append(
            f"whether {response[1]} (isolated tumour cells only) counts as residual invasive disease (the label: "
            "residual invasive disease)"
        )
    elif response is not None:
        fit.met.append(f"{response[1]}: residual invasive disease after neoadjuvant therapy")
        if pcr and not residual:
            fit.missing.append(
                f"the surgical outcome: the history records a pathological complete response, but {response[1]} "
                "shows residual invasive disease"
            )
    elif pcr and not residual:
        fit.unmet.append(
            "the history records a pathological complete response after neoadjuvant therapy (the label: residual "
            "invasive disease)"
        )


def _histology(c: Criteria, case: Case, fit: Fit, source: str) -> None:
    if c.histology == "adenocarcinoma":
        _adenocarcinoma(case, fit, source)
        return
    if c.histology != "non-squamous":
        return
    histology = case.tumor.histology
    if histology is None:
        fit.missing.append("histology (the label: non-squamous NSCLC)")
        return
    text = histology.lower()
    if re.search(r"non[-\s]?squamous", text):
        fit.met.append(f"non-squamous histology ({histology})")
    elif "adenosquamous" in text:
        fit.missing.append(f"whether '{histology}' counts as non-squamous (the label: non-squamous NSCLC)")
    elif "squamous" in text:
        fit.unmet.append(f"indicated for non-squamous NSCLC; histology here: {histology}")
    elif re.search(r"adenocarcinoma|large[-\s]cell", text):
        fit.met.append(f"non-squamous histology ({histology})")
    else:
        fit.missing.append(f"whether '{histology}' is non-squamous (the label: non-squamous NSCLC)")


# Gastric adenocarcinoma types: the intestinal (tubular, papillary, mucinous) and diffuse types (NCI PDQ, "Cellular
# Classification of Gastric Cancer": "two major types of gastric adenocarcinoma"), and signet-ring cell carcinoma
# among the WHO types (Cancer Commun 2016, doi 10.1186/s40880-016-0111-5, Table 1).
_ADENOCARCINOMA = re.compile(
    r"\badenocarcinoma\b|\b(?:tubular|papillary|mucinous)\s+(?:adeno)?carcinoma|signet[- ]ring|"
    r"\b(?:intestinal|diffuse)[- ]type\b"
)
_MIXED = re.compile(r"adenosquamous|neuroendocrine")
# "no neuroendocrine component": a negated mixed component (only the words right after "no"/"without")
_NEGATED = re.compile(
    r"\b(?:no|without)\s+(?:\w+\s+){0,2}?(?:adenosquamous|neuroendocrine)\w*", re.IGNORECASE
)


def _adenocarcinoma(case: Case, fit: Fit, source: str) -> None:
    """The gastric/GEJ labels' "adenocarcinoma": adenocarcinoma and its types are met; another named histology
    (squamous cell carcinoma, "no adenocarcinoma component") is not; mixed histologies (adenosquamous, mixed
    adenoneuroendocrine) are asked about; an unstated one gets a caution (the gastroesophageal HER2 guideline reads
    it as adenocarcinoma too)."""
    histology = case.tumor.histology
    text = (histology or "").lower()
    if histology is None:
        fit.cautions.append(
            Finding(
                code="histology-not-given",
                text="Histology is not given: the label is for adenocarcinoma.",
                source=source,
            )
        )
    elif NEGATED_ADENOCARCINOMA.search(text):
        fit.unmet.append(f"indicated for adenocarcinoma; histology here: {histology}")
    elif _MIXED.search(_NEGATED.sub(" ", text)):
        fit.missing.append(f"whether '{histology}' counts as adenocarcinoma (the label: adenocarcinoma)")
    elif _ADENOCARCINOMA.search(text):
        fit.met.append(f"adenocarcinoma ({histology})")
    elif not_adenocarcinoma(case.tumor) is not None:
        fit.unmet.append(f"indicated for adenocarcinoma; histology here: {histology}")
    else:
        fit.missing.append(f"whether '{histology}' is adenocarcinoma (the label: adenocarcinoma)")


def _patient(c: Criteria, case: Case, fit: Fit) -> None:
    """Sex and menopausal status where the label names them (lapatinib with letrozole: 'postmenopausal
    women'). Menopausal status is read, never inferred from age."""
    patient = case.patient
    who = " ".join(w for w in (c.menopausal_status, "women" if c.sex == "female" else "men") if w)
    if c.sex is not None:
        if patient.sex in (None, "unknown", "other"):
            fit.missing.append(f"sex (the label is for {who})")
        elif patient.sex != c.sex:
            fit.unmet.append(f"the label is for {who}; this patient is {patient.sex}")
            return
        else:
            fit.met.append(patient.sex)
    if c.menopausal_status is not None:
        status = patient.menopausal_status
        if status is None:
            fit.missing.append(f"menopausal status (the label is for {who}; it is not inferred from age)")
        elif status != c.menopausal_status:
            fit.unmet.append(f"the label is for {who}; this patient is {status}")
        else:
            fit.met.append(status)


def _her2(categories: Sequence[str], scores: Sequence[str], case: Case, status: Her2Status, fit: Fit) -> None:
    """HER2 as the status reads it: its category, and the IHC score of each specimen it rests on (a superseded
    repeat, or a score the guideline's extent rules read otherwise, does not count). A reading that an open
    question of the status would give (``status.alternatives``) makes a requirement it meets asked, not unmet."""
    if categories:
        if status.category in categories:
            fit.met.append(f"{status.category} ({status.summary})")
        elif status.result in ("equivocal", "indeterminate"):
            fit.missing.append(f"HER2 status ({status.result}: {status.summary})")
        elif (open_ := _open_reading(status, lambda a: a.category in categories)) is not None:
            fit.missing.append(
                f"HER2 status {' or '.join(categories)}: the case reads {status.category}; it is "
                f"{_reading(open_.category)} depending on {open_.question}"
            )
        elif status.category == "HER2-negative" and "HER2-ultralow" in categories:
            fit.missing.append("whether IHC 0 showed faint membrane staining (ultralow) or none (null)")
        else:
            fit.unmet.append(f"requires {' or '.join(categories)}; this case is {status.category}")
    if scores:
        seen = set(status.ihc_scores)
        hit = sorted(seen & set(scores))
        if hit:
            fit.met.append(f"HER2 IHC {', '.join(hit)}")
        elif (open_ := _open_reading(status, lambda a: bool(set(a.ihc_scores) & set(scores)))) is not None:
            fit.missing.append(
                f"HER2 IHC {' or '.join(scores)}: the case reads IHC {', '.join(status.ihc_scores) or 'none'}; it is "
                f"IHC {', '.join(open_.ihc_scores) or 'undetermined'} depending on {open_.question}"
            )
        elif not any(isinstance(t, IhcTest) for t in case.her2_tests):
            fit.missing.append(f"HER2 IHC (the indication requires IHC {' or '.join(scores)})")
        elif not seen:
            fit.missing.append(
                f"the HER2 IHC score that counts (the indication requires IHC {' or '.join(scores)}; {status.summary})"
            )
        else:
            fit.unmet.append(
                f"requires HER2 IHC {' or '.join(scores)}; IHC here: {', '.join(sorted(seen))}"
                + _as_reported(case, status)
            )


def _reading(category: str) -> str:
    return "undetermined until further tests" if category == "unknown" else category


def _open_reading(status: Her2Status, meets: Callable[[Her2Alternative], bool]) -> Her2Alternative | None:
    """The first other reading of the status that meets a requirement (or that is itself undecided)."""
    return next((a for a in status.alternatives if meets(a) or a.category == "unknown"), None)


def _as_reported(case: Case, status: Her2Status) -> str:
    """The reported scores of the tests the status rests on, when the guideline read them otherwise."""
    reported = sorted(
        {t.score for i, t in enumerate(case.her2_tests) if isinstance(t, IhcTest) and i in status.basis}
    )
    if not reported or set(reported) == set(status.ihc_scores):
        return ""
    return f" (reported {', '.join(reported)}, read under the guideline as {', '.join(status.ihc_scores)})"


def _mutation(required: str | None, case: Case, fit: Fit, source: str) -> None:
    if required is None:
        return
    ngs = [t for t in case.her2_tests if isinstance(t, NgsTest)]
    mutations = [m for t in ngs for m in t.erbb2_mutations]
    unplaced = sum(t.erbb2_unplaced_variants for t in ngs)
    classes = {m: c for t in ngs for m, c in t.erbb2_mutation_classes.items()}
    kind = "a tyrosine kinase domain activating" if required == "tkd-activating" else "an activating"
    if classes and all(m in classes for m in mutations):
        _classified_mutation(required, kind, classes, fit)
    elif mutations:
        fit.met.append(f"ERBB2 mutation reported: {', '.join(mutations)}")
    if mutations and not fit.unmet:
        how = (
            "her2kit classed it from the sources of its variant catalogue; confirm with the test report"
            if classes
            else "confirm the classification of the reported variant"
        )
        fit.cautions.append(
            Finding(
                code="mutation-classification",
                text=f"The label requires {kind} HER2 (ERBB2) mutation detected by an FDA-approved test; {how}.",
                source=source,
            )
        )
    if unplaced and not any("ERBB2 mutation" in m for m in fit.met):
        # A variant the genomics file reports but her2kit could not place might be the qualifying one: asked.
        fit.unmet[:] = [u for u in fit.unmet if "ERBB2 mutation" not in u]
        fit.missing.append(
            f"whether the {unplaced} ERBB2 variant(s) reported without a protein change her2kit could place (see the "
            f"genomics warnings) include {kind} mutation; the label requires one"
        )
        return
    if mutations:
        return
    if any(t.erbb2_mutations_tested for t in ngs):
        fit.unmet.append("requires an activating ERBB2 mutation; none reported by NGS")
    else:
        fit.missing.append(
            "ERBB2 mutation testing (NGS)"
            + (
                " (the NGS result given did not test ERBB2 for mutations: copy number only, or ERBB2 not searched; "
                "see the genomics warnings)"
                if ngs
                else ""
            )
        )


# Classes that meet each label's wording (her2kit.genomics classes; docs/genomics.md): zongertinib and sevabertinib
# ask for a tyrosine kinase domain activating mutation, trastuzumab deruxtecan for an activating one in any domain.
MEETS: Final[dict[str, frozenset[str]]] = {
    "tkd-activating": frozenset({"kinase-domain-activating"}),
    "activating": frozenset(
        {"kinase-domain-activating", "extracellular-domain-activating", "activating-other"}
    ),
}


def _classified_mutation(required: str, kind: str, classes: Mapping[str, str], fit: Fit) -> None:
    """Mutations classified by her2kit.genomics: met by a class the label's wording covers, asked about for a
    variant of unknown significance (or a transmembrane/juxtamembrane one for the any-domain label), else unmet."""
    meeting = sorted(m for m, c in classes.items() if c in MEETS[required])
    if meeting:
        fit.met.append(
            f"{kind.split(' ', 1)[1]} ERBB2 mutation: " + ", ".join(f"{m} ({classes[m]})" for m in meeting)
        )
        return
    unsure = sorted(
        m
        for m, c in classes.items()
        if c == "unknown-significance" or (required == "activating" and c == "transmembrane-juxtamembrane")
    )
    if unsure:
        fit.missing.append(
            f"whether {', '.join(unsure)} is {kind} ERBB2 mutation (classified "
            + ", ".join(classes[m] for m in unsure)
            + "); the label requires one"
        )
        return
    fit.unmet.append(
        f"requires {kind} ERBB2 mutation; reported: "
        + ", ".join(f"{m} ({c})" for m, c in sorted(classes.items()))
    )


def _biomarkers(indication: Indication, case: Case, fit: Fit) -> None:
    c = indication.criteria
    markers = case.biomarkers
    if c.hormone_receptor is not None:
        hr = markers.hormone_receptor
        if hr is None:
            fit.missing.append("hormone-receptor status (ER/PR)")
        elif hr == c.hormone_receptor:
            fit.met.append(f"HR-{hr}")
        else:
            fit.unmet.append(f"requires HR-{c.hormone_receptor} disease; this case is HR-{hr}")
    if c.pd_l1_cps_min is not None:
        if markers.pd_l1_cps is None:
            fit.missing.append(f"PD-L1 CPS (the indication requires CPS ≥ {c.pd_l1_cps_min:g})")
        elif markers.pd_l1_cps >= c.pd_l1_cps_min:
            fit.met.append(f"PD-L1 CPS {markers.pd_l1_cps:g} ≥ {c.pd_l1_cps_min:g}")
        else:
            fit.unmet.append(f"requires PD-L1 CPS ≥ {c.pd_l1_cps_min:g}; CPS here {markers.pd_l1_cps:g}")
    if c.ras == "wild-type":
        if markers.ras is None:
            fit.missing.append("RAS (KRAS/NRAS) status")
        elif markers.ras == "wild-type":
            fit.met.append("RAS wild-type")
        else:
            fit.unmet.append("requires RAS wild-type disease; this tumour is RAS-mutant")


def _at_least(definite: int, maybe: int, minimum: int) -> str:
    return "met" if definite >= minimum else "missing" if definite + maybe >= minimum else "unmet"


def _her2_regimens(c: Criteria, history: TreatmentHistory, fit: Fit) -> None:
    """'N or more prior anti-HER2 regimens in the metastatic setting' (Tukysa, Nerlynx), and 'two or more prior
    anti-HER2 regimens, at least one of which was for metastatic disease' (Margenza)."""
    parts: list[tuple[str, str]] = []
    if c.min_prior_her2_regimens_any is not None:
        parts.append(
            (
                _at_least(
                    history.her2_regimens_any, history.her2_regimens_any_maybe, c.min_prior_her2_regimens_any
                ),
                f"≥ {c.min_prior_her2_regimens_any} prior anti-HER2 regimen(s) in any setting "
                f"({history.her2_regimens_any} recorded)",
            )
        )
    if c.min_prior_her2_regimens_metastatic is not None:
        parts.append(
            (
                _at_least(
                    history.her2_regimens_metastatic,
                    history.her2_regimens_metastatic_maybe,
                    c.min_prior_her2_regimens_metastatic,
                ),
                f"≥ {c.min_prior_her2_regimens_metastatic} "
                f"{'of them' if parts else 'prior anti-HER2 regimen(s)'} in the metastatic setting "
                f"({history.her2_regimens_metastatic} recorded)",
            )
        )
    if not parts:
        return
    text = ", ".join(t for _, t in parts)
    statuses = {status for status, _ in parts}
    if statuses == {"met"}:
        fit.met.append(f"prior anti-HER2 regimens: {text}")
    elif "unmet" in statuses:
        fit.unmet.append(f"requires {text}")
    else:
        fit.missing.append(
            f"the number of prior anti-HER2 regimens ({text}): {unrecognised_text(history.unrecognised)}"
        )


def _previously_treated(
    pt: PreviouslyTreated, case: Case, history: TreatmentHistory, kb: KnowledgeBase, fit: Fit
) -> None:
    """'Prior [therapy] for metastatic disease, or recurrence during or within N months of completing
    (neo)adjuvant [therapy]' — met, not met, or missing when the dates are not recorded."""
    therapies = case.history.therapies
    members = None if pt.therapy == "any" else class_members(kb, pt.therapy)
    name = "therapy" if members is None else pt.therapy
    metastatic = [i for i, t in enumerate(therapies) if t.setting == "metastatic"]
    if members is None:
        if history.prior_metastatic_lines:
            fit.met.append(f"prior therapy for metastatic disease ({history.prior_metastatic_lines} line(s))")
            fit.exact = True
            return
    else:
        given = sorted({d for i in metastatic for d in history.therapy_drugs[i] & members})
        if given:
            fit.met.append(f"prior {name} in the metastatic setting: {', '.join(given)}")
            fit.exact = True
            return
        if name.lower() == "chemotherapy" and history.chemo_lines_metastatic:
            fit.met.append(
                f"{history.chemo_lines_metastatic} prior chemotherapy line(s) for metastatic disease"
            )
            fit.exact = True
            return
    what = f"{' or '.join(pt.early_settings)} {name}"
    route = f"recurrence during or within {pt.within_months} months of completing {what}"
    label = f"the label: prior {name} for metastatic disease, or {route}"
    found = early_recurrence(case, history.therapy_drugs, members, pt.early_settings, pt.within_months, what)
    if found.status in ("during", "within"):
        fit.met.append(f"{found.text} ({label})")
        fit.exact = True
        return
    if found.status == "unknown":
        fit.missing.append(f"{found.text} ({label})")
        return
    undecided = frozenset(history.chemo_undecided) if name.lower() == "chemotherapy" else frozenset()
    could = [
        i
        for i, t in enumerate(therapies)
        if (history.therapy_unrecognised[i] or history.therapy_drugs[i] & undecided)
        and (t.setting == "metastatic" or t.setting in pt.early_settings)
    ]
    if could and members is not None:
        names = sorted({n for i in could for n in history.therapy_unrecognised[i]})
        adcs = sorted({d for i in could for d in history.therapy_drugs[i] & undecided})
        asked = "; ".join(
            [
                *([unrecognised_text(names)] if names else []),
                *([chemotherapy_unknown_text(adcs)] if adcs else []),
            ]
        )
        fit.missing.append(f"whether the history includes {name} ({label}): {asked}")
        return
    recorded = found.text if found.status == "after" else f"no {name} for metastatic disease and {found.text}"
    fit.unmet.append(f"requires prior {name} for metastatic disease, or {route}; {recorded}")


def _prior_therapy(
    indication: Indication,
    case: Case,
    history: TreatmentHistory,
    kb: KnowledgeBase,
    fit: Fit,
    source: str,
    her2_status: Her2Status | None = None,
) -> None:
    c = indication.criteria
    _her2_regimens(c, history, fit)
    if c.previously_treated is not None:
        _previously_treated(c.previously_treated, case, history, kb, fit)
    for required in c.prior_agents_required:
        if required.startswith("agent:"):
            name = kb.agents[required].name
            members = frozenset({name})
        else:
            name = required
            members = class_members(kb, required)
        given = sorted(history.received & members)
        if given:
            fit.met.append(f"prior {name}: {', '.join(given)}")
        elif name.lower() == "endocrine therapy" and history.endocrine_progressed:
            fit.met.append("prior endocrine therapy (progression on endocrine therapy recorded)")
        elif history.unrecognised or (history.chemo_undecided and name.lower() == "chemotherapy"):
            question = history.chemotherapy_question() if name.lower() == "chemotherapy" else None
            fit.missing.append(
                f"whether the history includes {name}: {question or unrecognised_text(history.unrecognised)}"
            )
        else:
            fit.unmet.append(f"requires prior {name}; none recorded in the history")
    if c.endocrine_progression_required:
        if history.endocrine_progressed is True:
            fit.met.append("progressed on endocrine therapy in the metastatic setting")
        elif history.endocrine_progressed is False:
            fit.unmet.append("requires progression on endocrine therapy in the metastatic setting")
        else:
            early = history.early_endocrine_progression
            note = (
                f" (recorded: recurrence during (neo)adjuvant {', '.join(early)}, which is not the metastatic "
                "setting)"
                if early
                else ""
            )
            fit.missing.append(
                f"whether the disease progressed on endocrine therapy in the metastatic setting{note}"
            )
    if c.min_prior_chemo_lines_metastatic is not None:
        n, maybe = history.chemo_lines_metastatic, history.chemo_lines_metastatic_maybe
        status = _at_least(n, maybe, c.min_prior_chemo_lines_metastatic)
        if status == "met":
            fit.met.append(f"{n} prior chemotherapy line(s) for metastatic disease")
        elif status == "missing":
            fit.missing.append(
                f"whether a metastatic line was chemotherapy (the label: ≥ {c.min_prior_chemo_lines_metastatic}): "
                f"{history.chemotherapy_question()}"
            )
        else:
            fit.unmet.append(
                f"requires ≥ {c.min_prior_chemo_lines_metastatic} prior chemotherapy line(s) for metastatic "
                f"disease; {n} recorded"
            )
    if c.max_prior_chemo_lines_metastatic is not None:
        n, maybe = history.chemo_lines_metastatic, history.chemo_lines_metastatic_maybe
        if n + maybe <= c.max_prior_chemo_lines_metastatic:
            fit.met.append(f"{n} prior chemotherapy line(s) for metastatic disease")
        elif n <= c.max_prior_chemo_lines_metastatic:
            fit.missing.append(
                f"whether a metastatic line was chemotherapy (the label: ≤ {c.max_prior_chemo_lines_metastatic}): "
                f"{history.chemotherapy_question()}"
            )
        else:
            fit.unmet.append(
                f"for ≤ {c.max_prior_chemo_lines_metastatic} prior chemotherapy line(s) for metastatic disease; "
                f"{n} recorded"
            )
    if c.prior_systemic_therapy_required:
        if history.any_therapy:
            fit.met.append("previously treated")
        else:
            fit.unmet.append("requires prior systemic therapy; none recorded in the history")
    _trial_populations(indication, case, history, kb, fit, her2_status)
    if c.no_satisfactory_alternative_required:
        fit.missing.append(NO_ALTERNATIVE)
    if c.high_risk_required:
        seen = [str(x) for x in (case.tumor.t, case.tumor.n) if x is not None]
        hr = case.biomarkers.hormone_receptor
        if hr is not None:
            seen.append(f"hormone receptor-{hr}")
        shown = (
            f" This case: {', '.join(seen)}."
            if seen
            else " The case gives no T, N or hormone-receptor status."
        )
        fit.cautions.append(
            Finding(
                code="confirm-label-risk-criteria",
                text=f"Confirm that the patient meets the label's risk wording, which the label text read does not "
                f'define: "{" ".join(indication.label_text.split())}"{shown}',
                source=source,
            )
        )


def _trial_populations(
    indication: Indication,
    case: Case,
    history: TreatmentHistory,
    kb: KnowledgeBase,
    fit: Fit,
    status: Her2Status | None = None,
) -> None:
    """Where the pivotal trials' populations leave the case (``trial_limits``: a caution, and the trial does not
    rank the option) or place it in a subgroup without a shown benefit (``subgroup_results``: a caution)."""
    her2_names = her2_agent_names(kb)
    for limit in indication.trial_limits:
        trial = kb.trials[limit.trial].name if limit.trial in kb.trials else limit.trial
        outside: list[str] = []
        most = limit.max_prior_chemo_lines_metastatic
        if most is not None and history.chemo_lines_metastatic > most:
            outside.append(
                f"this patient has {history.chemo_lines_metastatic} prior chemotherapy line(s) for metastatic disease"
            )
        recurrence = history.early
        if (
            limit.excludes_early_her2_recurrence
            and recurrence.status in ("during", "within")
            and any(history.therapy_drugs[i] & her2_names for i in recurrence.therapies)
        ):
            outside.append(f"here the {recurrence.text}, after HER2-targeted therapy")
        if limit.early_recurrence_months is not None:
            found = _early_recurrence_for_limit(
                case, history, kb, limit.early_recurrence_months, limit.early_recurrence_therapy
            )
            if found is not None:
                outside.append(f"here the {found}")
        # Less treated than the trial required (a prior agent, a number of prior lines): the trial's patients were
        # further along, so its result still ranks the option, with a caution; the other limits place the patient
        # beyond the trial (more treated, earlier recurrence, other extent), and its result does not rank.
        short: list[str] = []
        missing_agents = _agents_not_received(limit.prior_agents_required, history, kb)
        if missing_agents:
            short.append(f"here no {', '.join(missing_agents)} is recorded in the history")
        fewest = limit.min_prior_lines_metastatic
        if fewest is not None and history.early_line is not None and history.prior_lines_for_labels < fewest:
            short.append(
                f"here this would be the {history.line} line ({history.prior_lines_for_labels} prior line(s) counted)"
            )
        cited = f"{limit.trial}; {indication.id}" + (f"; {limit.reference}" if limit.reference else "")
        if limit.extent_rule is not None:
            verdict, why = EXTENT_RULES[limit.extent_rule](
                presentation(case), case.tumor.post_neoadjuvant, case.tumor.stage
            )
            if verdict == "outside":
                outside.append(f"here {why}")
            elif verdict == "unknown" and limit.ask_when_unknown:
                fit.references.extend([limit.reference] if limit.reference else [])
                fit.cautions.append(
                    Finding(
                        code="trial-population-unknown",
                        text=f"{trial} enrolled {limit.enrolled}; whether this patient was in that population is not "
                        f"known: {why}.",
                        source=cited,
                    )
                )
        if outside:
            fit.references.extend([limit.reference] if limit.reference else [])
            fit.outside_trials.add(limit.trial)
            fit.cautions.append(
                Finding(
                    code="outside-trial-population",
                    text=f"The label covers this patient, but {trial} enrolled {limit.enrolled}; "
                    f"{'; '.join([*outside, *short])}, so {trial}'s result does not describe this patient.",
                    source=cited,
                )
            )
        elif short:
            fit.references.extend([limit.reference] if limit.reference else [])
            fit.cautions.append(
                Finding(
                    code="less-treated-than-trial",
                    text=f"The label covers this patient, but {trial} enrolled {limit.enrolled}; {'; '.join(short)}. "
                    f"{trial}'s patients had more prior treatment than this patient: its result still orders the "
                    "option, but it was not measured at this point of the treatment sequence.",
                    source=cited,
                )
            )
    for subgroup in indication.subgroup_results:
        if in_subgroup(subgroup, case, status.category if status is not None else None):
            trial = kb.trials[subgroup.trial].name if subgroup.trial in kb.trials else subgroup.trial
            which = [
                f"node-{subgroup.nodes}" if subgroup.nodes else "",
                f"hormone receptor-{subgroup.hormone_receptor}" if subgroup.hormone_receptor else "",
                subgroup.her2_category or "",
                f"PD-L1 CPS ≥ {subgroup.pd_l1_cps_min:g}" if subgroup.pd_l1_cps_min is not None else "",
            ]
            named = subgroup.label or " and ".join(w for w in which if w)
            fit.references.extend(subgroup.references)
            if subgroup.hazard_ratio is not None:
                ci = f" (95% CI {subgroup.ci95[0]:g}–{subgroup.ci95[1]:g})" if subgroup.ci95 else ""
                fit.subgroup_effects[subgroup.trial] = (
                    f"in this case's subgroup ({named}{', exploratory' if subgroup.exploratory else ''}): "
                    f"{subgroup.endpoint} HR {subgroup.hazard_ratio:g}{ci}"
                )
            if subgroup.benefit_shown:
                continue
            fit.subgroup_trials[subgroup.trial] = named
            fit.cautions.append(
                Finding(
                    code="trial-subgroup",
                    text=(
                        f"This patient is in a subgroup of {trial} ({named}): "
                        if subgroup.label
                        else f"This patient is in {trial}'s {named} subgroup: "
                    )
                    + subgroup.result,
                    source=f"{subgroup.trial}; {', '.join(subgroup.references)}",
                )
            )


def _early_recurrence_for_limit(
    case: Case, history: TreatmentHistory, kb: KnowledgeBase, months: int, therapy: str
) -> str | None:
    """The recurrence during, or within ``months`` of completing, (neo)adjuvant therapy of the limit's kind (anti-HER2,
    or any systemic therapy but endocrine therapy), in words; None when it is later, none is recorded or the dates
    are not known."""
    her2 = her2_agent_names(kb)
    if therapy == "anti-her2":
        members = her2
        what = "(neo)adjuvant anti-HER2 therapy"
    else:
        endocrine = class_members(kb, "endocrine therapy")
        given = frozenset().union(*history.therapy_drugs) if history.therapy_drugs else frozenset()
        members = frozenset(given - endocrine)
        what = "(neo)adjuvant systemic therapy other than endocrine therapy"
    if not members:
        return None
    found = early_recurrence(case, history.therapy_drugs, members, ("neoadjuvant", "adjuvant"), months, what)
    return found.text if found.status in ("during", "within") else None


def _agents_not_received(required: Sequence[str], history: TreatmentHistory, kb: KnowledgeBase) -> list[str]:
    """The required prior agents the history does not record (any setting); none when no history is given or a drug
    name is not recognised (it may be one of them)."""
    if not required or not history.history_given or history.unrecognised:
        return []
    return [kb.agents[a].name for a in required if kb.agents[a].name not in history.received]


NO_ALTERNATIVE = (
    "whether there is a satisfactory alternative treatment option (the label: 'who have no satisfactory "
    "alternative treatment options')"
)
