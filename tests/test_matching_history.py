"""Therapy matching after the tumour-board audit of the matcher (findings 1-19).

Each test names the label text it is written from. The helpers build a minimal case; a test adds only what
its criterion reads.
"""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.assessment import Assessment, Option
from her2kit.case import parse_case
from her2kit.kb.load import KnowledgeBase
from her2kit.match import assess
from her2kit.match.history import add_months, canonical_drugs, derive
from her2kit.match.rank import _is_primary, head_to_head_order, indication_effect

DB03 = "ind:trastuzumab-deruxtecan-breast-her2-positive-previously-treated"
DB09 = "ind:trastuzumab-deruxtecan-breast-her2-positive-first-line"
DB04 = "ind:trastuzumab-deruxtecan-breast-her2-low"
DB06 = "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow"
TDM1 = "ind:trastuzumab-emtansine-breast-metastatic"
TDM1_EBC = "ind:trastuzumab-emtansine-breast-residual-disease"
TUCATINIB = "ind:tucatinib-breast-metastatic"
NERATINIB_MBC = "ind:neratinib-breast-metastatic-capecitabine"
NERATINIB_EBC = "ind:neratinib-breast-extended-adjuvant"
MARGETUXIMAB = "ind:margetuximab-breast-metastatic"
LAP_CAP = "ind:lapatinib-breast-metastatic-capecitabine"
LAP_LET = "ind:lapatinib-breast-metastatic-letrozole"
PERTUZUMAB_1L = "ind:pertuzumab-breast-metastatic-first-line"
TDXD_NEOADJ = "ind:trastuzumab-deruxtecan-breast-neoadjuvant"
TDXD_AGNOSTIC = "ind:trastuzumab-deruxtecan-solid-tumor-her2-ihc3"
ZONGERTINIB = "ind:zongertinib-nsclc-her2-mutant"
SEVABERTINIB = "ind:sevabertinib-nsclc-her2-mutant-previously-treated"
TUCATINIB_CRC = "ind:tucatinib-colorectal-ras-wild-type"
GASTRIC_TDXD = "ind:trastuzumab-deruxtecan-gastric-previously-treated"


def _doc(
    *therapies: dict[str, Any],
    tumor: dict[str, Any] | None = None,
    ihc: str = "3+",
    markers: dict[str, Any] | None = None,
    patient: dict[str, Any] | None = None,
    history: dict[str, Any] | None = None,
    tests: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "id": "t",
        "patient": {"sex": "female", "lvef_percent": 60, "pregnant": False, **(patient or {})},
        "tumor": tumor or {"type": "breast", "setting": "metastatic"},
        "her2_tests": tests if tests is not None else [{"method": "ihc", "score": ihc, "percent_cells": 80}],
        "biomarkers": markers if markers is not None else {"er": "negative", "pr": "negative"},
        "history": {"therapies": list(therapies), **(history or {})},
    }


def _run(kb: KnowledgeBase, doc: dict[str, Any]) -> tuple[Assessment, dict[str, Option], dict[str, str]]:
    result = assess(parse_case(doc), kb)
    return (
        result,
        {o.id: o for o in result.options},
        {n.indication: "; ".join(n.reasons) for n in result.not_recommended},
    )


def _t(
    agents: list[str], setting: str = "metastatic", outcome: str = "progression", **kw: Any
) -> dict[str, Any]:
    return {"agents": agents, "setting": setting, "outcome": outcome, **kw}


ADJ_HP = _t(
    ["paclitaxel", "trastuzumab", "pertuzumab"], "adjuvant", "completed", start="2024-09-01", end="2025-08-31"
)


# ----------------------------------------------------------------- finding 11: drug names
@pytest.mark.parametrize(
    "name",
    ["Kanjinti", "trastuzumab-anns", "Ogivri", "Herzuma", "Ontruzant", "Trazimera", "Hercessi", "Herceptin"],
)
def test_biosimilar_names_are_trastuzumab(kb: KnowledgeBase, name: str) -> None:
    assert "trastuzumab" in canonical_drugs(kb, name)


@pytest.mark.parametrize(
    ("name", "drugs"),
    [
        ("Xeloda", {"capecitabine"}),
        ("Taxotere", {"docetaxel"}),
        ("Orserdu", {"elacestrant"}),
        ("TCHP", {"docetaxel", "carboplatin", "trastuzumab", "pertuzumab"}),
        ("THP", {"trastuzumab", "pertuzumab", "taxane (unspecified)"}),
        ("FOLFOX", {"fluorouracil", "leucovorin", "oxaliplatin"}),
        ("FOLFOXIRI", {"fluorouracil", "leucovorin", "oxaliplatin", "irinotecan"}),
        ("CAPOX", {"capecitabine", "oxaliplatin"}),
        ("XELOX", {"capecitabine", "oxaliplatin"}),
    ],
)
def test_brands_and_regimen_acronyms_resolve(kb: KnowledgeBase, name: str, drugs: set[str]) -> None:
    assert canonical_drugs(kb, name) == drugs


def test_thp_counts_as_a_taxane_for_kadcyla(kb: KnowledgeBase) -> None:
    _, options, _ = _run(kb, _doc(_t(["THP"], line=1)))
    assert "prior taxane: taxane (unspecified)" in options[TDM1].criteria_met


def test_unknown_name_is_named_and_makes_dependent_criteria_missing(kb: KnowledgeBase) -> None:
    # Enhertu 1.2: "received a prior chemotherapy in the metastatic setting" — 'zeloda' (a typo) could be one.
    result, options, not_recommended = _run(kb, _doc(_t(["zeloda"], line=1), ihc="1+"))
    assert any("'zeloda'" in n and "not recognised" in n.lower() for n in result.notes)
    assert DB04 in options
    assert any("'zeloda'" in m for m in options[DB04].missing)
    assert DB04 not in not_recommended


def test_elacestrant_is_endocrine_therapy(kb: KnowledgeBase) -> None:
    # Orserdu 1: "an estrogen receptor antagonist"; DB06: "progressed on one or more endocrine therapies".
    _, options, _ = _run(kb, _doc(_t(["elacestrant"], line=1), ihc="1+", markers={"er": "positive"}))
    assert DB06 in options
    assert not options[DB06].missing


# ----------------------------------------------------------------- findings 1-3: recurrence after adjuvant therapy
def test_recurrence_within_six_months_of_completed_adjuvant_therapy_is_previously_treated(
    kb: KnowledgeBase,
) -> None:
    _, options, _refused = _run(kb, _doc(ADJ_HP, history={"recurrence_date": "2025-12-20"}))
    assert DB03 in options
    assert not options[DB03].missing
    assert TDM1 in options
    assert not options[TDM1].missing
    # The recurrence counts as a prior line; the first-line labels that count only therapy for metastatic
    # disease (Perjeta: "no prior anti-HER2 therapy or chemotherapy for metastatic disease") ask, not refuse.
    assert DB09 in options
    assert any("counts only therapy for metastatic disease" in m for m in options[DB09].missing)
    assert options[DB03].rank < options[DB09].rank


def test_late_recurrence_is_first_line_and_not_previously_treated(kb: KnowledgeBase) -> None:
    _, options, not_recommended = _run(kb, _doc(ADJ_HP, history={"recurrence_date": "2027-03-01"}))
    assert DB09 in options
    assert not options[DB09].missing
    assert "18 months and 1 day after completing" in not_recommended[TDM1]  # 2025-08-31 to 2027-03-01
    assert DB03 in not_recommended


def test_unrecorded_recurrence_date_is_asked_not_guessed(kb: KnowledgeBase) -> None:
    result, options, _ = _run(kb, _doc(ADJ_HP))
    for iid in (DB03, TDM1, DB09, PERTUZUMAB_1L):
        assert any("recurrence" in m for m in options[iid].missing), (iid, options[iid].missing)
    assert any("recurrence_date" in n for n in result.notes)


def test_first_metastatic_therapy_within_six_months_settles_the_interval(kb: KnowledgeBase) -> None:
    # The recurrence came before the first metastatic therapy, which started within six months.
    doc = _doc(ADJ_HP, _t(["capecitabine"], line=1, start="2026-01-10"))
    history = derive(parse_case(doc), kb)
    assert history.early.status == "within"


def test_her2_low_after_adjuvant_chemotherapy_depends_on_the_interval(kb: KnowledgeBase) -> None:
    adjuvant = _t(["AC-T"], "adjuvant", "completed", end="2021-09-01")
    _, _, late = _run(kb, _doc(adjuvant, ihc="1+", history={"recurrence_date": "2024-09-01"}))
    assert DB04 in late
    _, early, _ = _run(kb, _doc(adjuvant, ihc="1+", history={"recurrence_date": "2021-12-01"}))
    assert DB04 in early
    assert not early[DB04].missing
    _, unknown, _ = _run(kb, _doc(adjuvant, ihc="1+"))
    assert unknown[DB04].missing


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    import datetime as dt

    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 3, 15), 6) == dt.date(2025, 9, 15)


# ----------------------------------------------------------------- finding 4: "in the metastatic setting"
def test_relapse_during_adjuvant_therapy_is_not_a_metastatic_setting_regimen(kb: KnowledgeBase) -> None:
    # Tukysa 1.1: "one or more prior anti-HER2-based regimens in the metastatic setting".
    during = _t(["paclitaxel", "trastuzumab", "pertuzumab"], "adjuvant", "progression")
    _, options, not_recommended = _run(kb, _doc(during))
    assert TUCATINIB in not_recommended
    assert "metastatic setting (0 recorded)" in not_recommended[TUCATINIB]
    assert DB03 in options


def test_neratinib_counts_metastatic_regimens_only(kb: KnowledgeBase) -> None:
    during = _t(["paclitaxel", "trastuzumab", "pertuzumab"], "adjuvant", "progression")
    _, _, not_recommended = _run(kb, _doc(during, _t(["trastuzumab deruxtecan"], line=1)))
    assert NERATINIB_MBC in not_recommended


# ----------------------------------------------------------------- finding 5: margetuximab
def test_margetuximab_two_regimens_one_metastatic(kb: KnowledgeBase) -> None:
    adjuvant = _t(["TCHP"], "adjuvant", "completed", end="2021-06-01")
    _, options, _ = _run(kb, _doc(adjuvant, _t(["trastuzumab deruxtecan"], line=1)))
    assert MARGETUXIMAB in options
    _, _, not_recommended = _run(kb, _doc(_t(["trastuzumab deruxtecan"], line=1)))
    assert "in any setting (1 recorded)" in not_recommended[MARGETUXIMAB]


def test_a_neoadjuvant_course_continued_after_surgery_is_one_regimen(kb: KnowledgeBase) -> None:
    doc = _doc(
        _t(["THP"], "neoadjuvant", "pcr"),
        _t(["trastuzumab", "pertuzumab"], "adjuvant", "completed"),
        _t(["trastuzumab emtansine"], "adjuvant", "completed"),
    )
    assert derive(parse_case(doc), kb).her2_regimens_any == 2


# ----------------------------------------------------------------- finding 6: phase after a completed course
def test_completed_adjuvant_tdm1_after_residual_disease_is_extended_adjuvant(kb: KnowledgeBase) -> None:
    doc = _doc(
        _t(["THP"], "neoadjuvant", "residual_disease"),
        _t(["T-DM1"], "adjuvant", "completed"),
        tumor={"type": "breast", "setting": "early"},
    )
    result, _options, not_recommended = _run(kb, doc)
    assert result.options[0].id == NERATINIB_EBC
    assert "already completed trastuzumab emtansine" in not_recommended[TDM1_EBC]


def test_pcr_then_completed_adjuvant_hp_is_extended_adjuvant(kb: KnowledgeBase) -> None:
    doc = _doc(
        _t(["TCHP"], "neoadjuvant", "pcr"),
        _t(["trastuzumab", "pertuzumab"], "adjuvant", "completed"),
        tumor={"type": "breast", "setting": "early"},
    )
    _, options, _ = _run(kb, doc)
    assert NERATINIB_EBC in options


# ----------------------------------------------------------------- finding 7: stage
@pytest.mark.parametrize(
    ("stage", "verdict"),
    [
        ("I", "unmet"),
        ("IA", "unmet"),
        ("IIA", "met"),
        ("stage 3B", "met"),
        ("cT2N1", "met"),  # read as T and N: anatomic stage IIB (AJCC 8 table; tests/test_tumor_extent.py)
        ("cT1cN0", "unmet"),  # stage IA
        ("cT2N1 after surgery", "missing"),  # neither a stage group nor a TNM string
        (None, "missing"),
    ],
)
def test_neoadjuvant_tdxd_reads_the_stage(kb: KnowledgeBase, stage: str | None, verdict: str) -> None:
    tumor: dict[str, Any] = {"type": "breast", "setting": "early", "treatment_phase": "neoadjuvant"}
    if stage is not None:
        tumor["stage"] = stage
    _, options, not_recommended = _run(kb, _doc(tumor=tumor))
    if verdict == "unmet":
        assert "stage II or III" in not_recommended[TDXD_NEOADJ]
    elif verdict == "missing":
        assert any("stage" in m for m in options[TDXD_NEOADJ].missing)
    else:
        assert not options[TDXD_NEOADJ].missing


# ----------------------------------------------------------------- finding 8: histology
@pytest.mark.parametrize(
    ("histology", "verdict"),
    [
        ("squamous cell carcinoma", "unmet"),
        ("adenocarcinoma", "met"),
        ("non-squamous", "met"),
        (None, "missing"),
    ],
)
def test_zongertinib_and_sevabertinib_read_the_histology(
    kb: KnowledgeBase, histology: str | None, verdict: str
) -> None:
    tumor: dict[str, Any] = {"type": "nsclc", "setting": "metastatic"}
    if histology is not None:
        tumor["histology"] = histology
    doc = _doc(
        _t(["carboplatin", "pemetrexed"], line=1),
        tumor=tumor,
        tests=[{"method": "ngs", "erbb2_mutations": ["p.Y772_A775dup"]}],
        markers={},
    )
    _, options, not_recommended = _run(kb, doc)
    for iid in (ZONGERTINIB, SEVABERTINIB):
        if verdict == "unmet":
            assert "non-squamous" in not_recommended[iid]
        elif verdict == "missing":
            assert any("histology" in m for m in options[iid].missing)
        else:
            assert not any("histology" in m for m in options[iid].missing)


# ----------------------------------------------------------------- finding 9: tucatinib in colorectal cancer
def test_tucatinib_colorectal_after_one_line_of_folfoxiri(kb: KnowledgeBase) -> None:
    doc = _doc(
        _t(["FOLFOXIRI", "bevacizumab"], line=1),
        tumor={"type": "colorectal", "setting": "metastatic"},
        markers={"ras": "wild-type"},
    )
    result, _options, _ = _run(kb, doc)
    assert result.options[0].id == TUCATINIB_CRC
    assert not result.notes or all("not recognised" not in n.lower() for n in result.notes)


# ----------------------------------------------------------------- finding 10: postmenopausal women
@pytest.mark.parametrize(
    ("patient", "verdict"),
    [
        ({"sex": "male", "pregnant": None}, "unmet"),
        ({"menopausal_status": "premenopausal"}, "unmet"),
        ({"age": 35}, "missing"),
        ({"age": 70}, "missing"),
        ({"menopausal_status": "postmenopausal"}, "met"),
    ],
)
def test_lapatinib_letrozole_is_for_postmenopausal_women(
    kb: KnowledgeBase, patient: dict[str, Any], verdict: str
) -> None:
    _, options, not_recommended = _run(kb, _doc(markers={"er": "positive"}, patient=patient))
    if verdict == "unmet":
        assert "postmenopausal women" in not_recommended[LAP_LET]
    elif verdict == "missing":
        assert any("menopausal status" in m for m in options[LAP_LET].missing)
    else:
        assert not options[LAP_LET].missing


# ----------------------------------------------------------------- finding 12: T-DM1 after trastuzumab intolerance
@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("infusion-related-reaction", "contraindications"),
        ("hypersensitivity", "contraindications"),
        (None, "cautions"),
    ],
)
def test_kadcyla_after_trastuzumab_intolerance(kb: KnowledgeBase, kind: str | None, where: str) -> None:
    therapy = _t(["docetaxel", "trastuzumab", "pertuzumab"], line=1, outcome="intolerance")
    if kind is not None:
        therapy["intolerance_type"] = kind
    _, options, _ = _run(kb, _doc(therapy))
    findings = getattr(options[TDM1], where)
    assert any("has not been studied" in f.text and "5.5" in f.source for f in findings)


def test_kadcyla_after_other_trastuzumab_intolerance_has_no_finding(kb: KnowledgeBase) -> None:
    therapy = _t(["docetaxel", "trastuzumab"], line=1, outcome="intolerance", intolerance_type="other")
    _, options, _ = _run(kb, _doc(therapy))
    assert not [f for f in [*options[TDM1].cautions, *options[TDM1].contraindications] if "5.5" in f.source]


# ----------------------------------------------------------------- finding 13: head-to-head ranking
def test_head_to_head_winner_ranks_above_the_control_regimen(kb: KnowledgeBase) -> None:
    during = _t(["AC"], "adjuvant", "completed"), _t(["paclitaxel", "trastuzumab"], "adjuvant", "progression")
    result, _, _ = _run(kb, _doc(*during))
    ids = [o.id for o in result.options]
    assert ids.index(TDM1) < ids.index(LAP_CAP)  # EMILIA
    assert ids.index(DB03) < ids.index(TDM1)  # DESTINY-Breast03


def test_head_to_head_relations_are_sourced(kb: KnowledgeBase) -> None:
    for indication in kb.indications.values():
        for relation in indication.superior_to:
            assert relation.indication in kb.indications
            assert relation.trial in indication.pivotal_trials
            loser = kb.indications[relation.indication]
            arm_agents = {a for arm in kb.trials[relation.trial].arms for a in arm.agents}
            # A fixed-dose formulation (Phesgo) stands for the agents it contains, as its bridging approval does.
            loser_agents = {c for a in loser.agents for c in (kb.agents[a].contains or [a])}
            assert loser_agents <= arm_agents, (indication.id, relation)
            assert relation.indication != indication.id


def test_head_to_head_moves_only_the_beaten_option(kb: KnowledgeBase) -> None:
    ids = [LAP_CAP, MARGETUXIMAB, TDM1, DB03]
    same = dict.fromkeys(ids, 0)
    assert head_to_head_order(ids, same, kb) == [MARGETUXIMAB, DB03, TDM1, LAP_CAP]
    # Options of different standing (e.g. one contraindicated) are not reordered.
    assert head_to_head_order([TDM1, DB03], {TDM1: 0, DB03: 1}, kb) == [TDM1, DB03]


# ----------------------------------------------------------------- finding 14: primary end point
def test_hannah_os_is_not_its_primary_end_point(kb: KnowledgeBase) -> None:
    hannah = kb.trials["trial:hannah"]
    assert not any(_is_primary(r, hannah) for r in hannah.results if r.endpoint == "OS")
    emilia = kb.trials["trial:emilia"]
    assert any(_is_primary(r, emilia) for r in emilia.results if r.endpoint == "PFS")


# ----------------------------------------------------------------- finding 15: T-DM1 hepatic impairment
def test_kadcyla_severe_hepatic_impairment_caution(kb: KnowledgeBase) -> None:
    _, options, _ = _run(kb, _doc(_t(["THP"], line=1), patient={"hepatic_impairment": "severe"}))
    assert any(c.code == "hepatic-impairment" and "hepatotoxicity" in c.text for c in options[TDM1].cautions)


# ----------------------------------------------------------------- finding 16: not_recommended by indication
def test_refused_indications_are_listed_even_when_their_drug_is_offered(kb: KnowledgeBase) -> None:
    # Gastric T-DXd offered; the first-line gastric trastuzumab indication is still listed with its reasons.
    doc = _doc(
        _t(["trastuzumab", "CAPOX"], line=1),
        tumor={"type": "gastric", "setting": "metastatic"},
        markers={"pd_l1_cps": 5},
    )
    _, options, not_recommended = _run(kb, doc)
    assert GASTRIC_TDXD in options
    assert "ind:trastuzumab-gastric-first-line" in not_recommended


# ----------------------------------------------------------------- finding 17: tumour-agnostic T-DXd
def test_tumour_agnostic_effect_is_not_a_lung_trial_for_breast(kb: KnowledgeBase) -> None:
    effect = indication_effect(kb.indications[TDXD_AGNOSTIC], kb, "breast")
    assert effect.text is None or "Lung" not in effect.text
    assert "DESTINY-Lung01" in (indication_effect(kb.indications[TDXD_AGNOSTIC], kb, "nsclc").text or "")


def test_no_satisfactory_alternative_is_not_recommended_naming_the_alternatives(kb: KnowledgeBase) -> None:
    """The tumour-agnostic T-DXd label needs no satisfactory alternative: with fitting tumour-specific options it is
    not recommended, and the reason names them (a clinical review found it listed in first-line breast cancer)."""
    doc = _doc(_t(["letrozole"], line=1), markers={"er": "positive"})
    result, options, _ = _run(kb, doc)
    assert TDXD_AGNOSTIC not in options
    reasons = next(n.reasons for n in result.not_recommended if n.indication == TDXD_AGNOSTIC)
    assert "no satisfactory alternative" in reasons[0]
    assert "option(s) that fit" in reasons[0]


# ----------------------------------------------------------------- finding 18: no history
def test_absent_history_is_taken_as_treatment_naive_with_a_note(kb: KnowledgeBase) -> None:
    doc = _doc()
    del doc["history"]
    result, _, _ = _run(kb, doc)
    assert any("treatment-naive" in n for n in result.notes)
    explicit, _, _ = _run(kb, _doc())
    assert not any("treatment-naive" in n for n in explicit.notes)


# ----------------------------------------------------------------- finding 19: endocrine progression setting
def test_db06_asks_about_the_metastatic_setting(kb: KnowledgeBase) -> None:
    doc = _doc(_t(["letrozole"], "adjuvant", "progression"), ihc="1+", markers={"er": "positive"})
    _, options, _ = _run(kb, doc)
    assert any("in the metastatic setting" in m and "letrozole" in m for m in options[DB06].missing)


def test_output_is_deterministic(kb: KnowledgeBase) -> None:
    doc = _doc(ADJ_HP, _t(["zeloda"], line=1))
    first = assess(parse_case(doc), kb).model_dump_json()
    assert all(assess(parse_case(doc), kb).model_dump_json() == first for _ in range(3))


def test_new_cross_references_resolve(kb: KnowledgeBase) -> None:
    # kb/validate.py does not yet check these fields (see the report): check them here.
    for agent in kb.agents.values():
        for rule in agent.after_intolerance:
            assert rule.agent in kb.agents
            assert rule.reference in kb.references
    for drug_class in kb.drug_classes.values():
        for class_id in drug_class.unspecified:
            assert class_id in kb.drug_classes
    for indication in kb.indications.values():
        pt = indication.criteria.previously_treated
        if pt is not None and pt.therapy != "any":
            assert any(pt.therapy.lower() == c.name.lower() for c in kb.drug_classes.values())


# ----------------------------------------------------------------- re-check: undated earlier adjuvant course
def test_an_undated_earlier_course_does_not_hide_a_recurrence_within_six_months_of_the_latest_end(
    kb: KnowledgeBase,
) -> None:
    # Completion is at least the latest recorded end, so a recurrence two months after it is within six months of
    # completion whatever the earlier course's end date was (Kadcyla: "within six months of completing adjuvant
    # therapy").
    ac = _t(["doxorubicin", "cyclophosphamide"], "adjuvant", "completed")
    thp = _t(
        ["paclitaxel", "trastuzumab", "pertuzumab"],
        "adjuvant",
        "completed",
        start="2024-10-01",
        end="2025-03-31",
    )
    _, options, _ = _run(kb, _doc(ac, thp, history={"recurrence_date": "2025-06-01"}))
    assert TDM1 in options
    assert not options[TDM1].missing, options[TDM1].missing
    late = _run(kb, _doc(ac, thp, history={"recurrence_date": "2026-06-01"}))[1]
    assert TDM1 not in late or late[TDM1].missing  # beyond six months of the known end: refused or asked


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2025-08-31", "2026-02-28", "6 months"),  # a month without the day ends on its last day
        ("2025-03-31", "2025-09-30", "6 months"),
        ("2025-03-31", "2025-10-01", "6 months and 1 day"),
        ("2025-03-01", "2025-09-01", "6 months"),
        ("2025-03-01", "2025-03-01", "0 days"),
    ],
)
def test_the_interval_is_said_in_calendar_months_and_days(start: str, end: str, words: str) -> None:
    """As the labels' "within six months" is read: "6 months and 1 day" is not "6.0 months"."""
    import datetime as dt

    from her2kit.match.history import _months

    assert _months(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == words


def test_options_beaten_by_one_winner_keep_their_order(kb: KnowledgeBase) -> None:
    phesgo = "ind:pertuzumab-trastuzumab-hyaluronidase-breast-metastatic-first-line"
    ids = [PERTUZUMAB_1L, phesgo, DB09]
    assert head_to_head_order(ids, dict.fromkeys(ids, 0), kb) == [DB09, PERTUZUMAB_1L, phesgo]


def test_a_medication_written_with_its_dose_is_recognised(kb: KnowledgeBase) -> None:
    lap_doc = _doc(_t(["AC"], "adjuvant", "completed"), _t(["THP"], line=1), _t(["T-DXd"], line=2))
    lap_doc["medications"] = ["Ketoconazole 200 mg BID"]
    _, options, _ = _run(kb, lap_doc)
    # (lapatinib with a strong CYP3A4 inhibitor: "avoid" in the prescribing information, a contraindication)
    assert any(f.code.startswith("interaction-") for f in options[LAP_CAP].contraindications)


def test_an_unrecognised_medication_is_named_in_a_note(kb: KnowledgeBase) -> None:
    doc = _doc(_t(["THP"], line=1))
    doc["medications"] = ["ketoconazol", "letrozole"]
    result, _, _ = _run(kb, doc)
    notes = [n for n in result.notes if "not recognised" in n]
    assert len(notes) == 1
    assert "'ketoconazol'" in notes[0]
    assert "letrozole" not in notes[0]


@pytest.mark.parametrize(
    "entry",
    [
        "rifampin 600 mg; ketoconazole 200 mg",
        "ketoconazole 200 mg + rifampin 600 mg",
        "rifampin and ketoconazole",
    ],
)
def test_an_entry_naming_two_drugs_has_both_checked(kb: KnowledgeBase, entry: str) -> None:
    doc = _doc(_t(["AC"], "adjuvant", "completed"), _t(["THP"], line=1), _t(["T-DXd"], line=2))
    doc["medications"] = [entry]
    result, options, _ = _run(kb, doc)
    texts = " ".join(f.text for f in [*options[LAP_CAP].cautions, *options[LAP_CAP].contraindications])
    assert "ketoconazole" in texts
    assert "rifampin" in texts
    assert not [n for n in result.notes if "not recognised" in n]


def test_a_known_name_with_and_is_not_split(kb: KnowledgeBase) -> None:
    doc = _doc(_t(["THP"], line=1))
    doc["medications"] = ["trastuzumab and hyaluronidase"]
    result, _, _ = _run(kb, doc)
    assert not [n for n in result.notes if "not recognised" in n]
