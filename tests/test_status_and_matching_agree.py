"""Therapy matching reads HER2 as the status reads it (clinical review of 2026-11-27, second round).

Each case came from a molecular pathologist's review: the status set a test aside (a superseded repeat, a score
that the guideline's extent rules read differently), yet matching counted the raw score; or the status rested on an
open question (a score it asks to confirm, unlabelled tests that may be two specimens) and matching gave a final
"not recommended" instead of asking the question.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from her2kit.assessment import Assessment, Option
from her2kit.case import Her2Test, parse_case
from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase
from her2kit.match import assess
from her2kit.status import interpret_her2

TESTS = TypeAdapter(list[Her2Test])

ZANIDATAMAB_BTC = "ind:zanidatamab-biliary-previously-treated"
TDXD_AGNOSTIC = "ind:trastuzumab-deruxtecan-solid-tumor-her2-ihc3"
DB04 = "ind:trastuzumab-deruxtecan-breast-her2-low"
DB06 = "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow"
TRASTUZUMAB_GASTRIC = "ind:trastuzumab-gastric-first-line"

PATIENT: dict[str, Any] = {
    "age": 58,
    "sex": "female",
    "lvef_percent": 60,
    "pregnant": False,
    "ild_history": False,
}
BREAST_AFTER_CHEMO: dict[str, Any] = {
    "therapies": [
        {
            "agents": ["letrozole", "palbociclib"],
            "setting": "metastatic",
            "line": 1,
            "outcome": "progression",
        },
        {"agents": ["paclitaxel"], "setting": "metastatic", "line": 2, "outcome": "progression"},
    ],
    "endocrine_therapy_progressed": True,
    "lines_of_chemotherapy_metastatic": 1,
}
BILIARY: dict[str, Any] = {"type": "biliary", "setting": "metastatic", "stage": "IV"}
BILIARY_AFTER_GEMCIS: dict[str, Any] = {
    "therapies": [
        {"agents": ["gemcitabine", "cisplatin"], "setting": "metastatic", "line": 1, "outcome": "progression"}
    ]
}


def _assess(
    kb: KnowledgeBase, tumor: dict[str, Any], tests: list[dict[str, Any]], **extra: Any
) -> Assessment:
    raw = {"id": "review", "patient": PATIENT, "tumor": tumor, "her2_tests": tests, **extra}
    return assess(parse_case(raw), kb)


def _option(result: Assessment, indication: str) -> Option | None:
    return next((o for o in result.options if o.id == indication), None)


def _refused(result: Assessment, indication: str) -> list[str] | None:
    found = next((n for n in result.not_recommended if n.indication == indication), None)
    return None if found is None else found.reasons


def _status(tests: list[dict[str, Any]], tumor: str = "breast"):  # type: ignore[no-untyped-def]
    return interpret_her2(TESTS.validate_python(tests), tumor)


# --- finding 1: the IHC score criterion reads the score the status rests on ------------------------------------
def test_a_superseded_3plus_on_the_same_block_does_not_meet_an_ihc3_indication(kb: KnowledgeBase) -> None:
    """Zanidatamab label: "HER2-positive (IHC 3+) biliary tract cancer". The later IHC 0 on the same block is the
    final result (status: negative), so the earlier 3+ must not make zanidatamab a complete fit."""
    tests = [
        {"method": "ihc", "score": "3+", "percent_cells": 40, "specimen_id": "A1", "date": "2022-01-10"},
        {"method": "ihc", "score": "0", "percent_cells": 0, "specimen_id": "A1", "date": "2024-05-01"},
    ]
    result = _assess(kb, BILIARY, tests, history=BILIARY_AFTER_GEMCIS)
    assert result.her2.result == "negative"
    assert result.her2.ihc_scores == ["0"]
    assert _option(result, ZANIDATAMAB_BTC) is None
    reasons = _refused(result, ZANIDATAMAB_BTC)
    assert reasons is not None
    assert any("requires HER2 IHC 3+" in r and "IHC here: 0" in r for r in reasons)


def test_a_resection_3plus_in_9_percent_is_not_read_as_3plus_but_asked_about(kb: KnowledgeBase) -> None:
    """Gastroesophageal guideline: on a resection, reactivity in <10% of tumour cells scores IHC 0. The status asks
    to confirm the score (rescore-ihc); until then an IHC 3+ indication is neither met nor refused: it is asked."""
    tests = [{"method": "ihc", "score": "3+", "percent_cells": 9, "specimen": "resection"}]
    history = {
        "therapies": [{"agents": ["FOLFOX"], "setting": "metastatic", "line": 1, "outcome": "progression"}]
    }
    tumor = {"type": "gastric", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"}
    result = _assess(kb, tumor, tests, history=history)
    assert result.her2.result == "negative"
    assert result.her2.ihc_scores == ["0"]
    assert [(a.category, a.ihc_scores) for a in result.her2.alternatives] == [("HER2-positive", ["3+"])]
    for option in result.options:
        assert not any("HER2 IHC 3+" in m for m in option.criteria_met), option.id
    agnostic = _option(result, TDXD_AGNOSTIC)
    if agnostic is not None:
        assert any("confirm" in m.lower() for m in agnostic.missing)


def test_breast_3plus_in_5_percent_is_2plus_for_the_ihc3_indication(kb: KnowledgeBase) -> None:
    """ASCO/CAP 2018 Figure 1 note: intense complete staining in ≤10% of cells is considered 2+ (equivocal)."""
    tests = [{"method": "ihc", "score": "3+", "percent_cells": 5}]
    history = {
        "therapies": [
            {"agents": ["paclitaxel"], "setting": "metastatic", "line": 1, "outcome": "progression"}
        ]
    }
    result = _assess(
        kb,
        {"type": "breast", "setting": "metastatic", "stage": "IV"},
        tests,
        biomarkers={"er": "negative", "pr": "negative"},
        history=history,
    )
    assert result.her2.result == "equivocal"
    assert result.her2.ihc_scores == ["2+"]
    assert not any(TDXD_AGNOSTIC in note for note in result.notes)


def test_ihc_scores_list_one_score_per_specimen_as_the_guideline_reads_it() -> None:
    status = _status(
        [
            {"method": "ihc", "score": "3+", "percent_cells": 5, "specimen_id": "A"},
            {"method": "ihc", "score": "1+", "percent_cells": 40, "specimen_id": "B"},
        ]
    )
    assert status.ihc_scores == ["2+", "1+"]


def test_repeat_ihc_that_nothing_decides_give_no_ihc_score() -> None:
    status = _status([{"method": "ihc", "score": "3+"}, {"method": "ihc", "score": "0", "percent_cells": 0}])
    assert status.result == "indeterminate"
    assert status.ihc_scores == []


def test_an_undecided_score_is_asked_for_not_refused(kb: KnowledgeBase) -> None:
    tests = [{"method": "ihc", "score": "3+"}, {"method": "ihc", "score": "0", "percent_cells": 0}]
    result = _assess(kb, BILIARY, tests, history=BILIARY_AFTER_GEMCIS)
    option = _option(result, ZANIDATAMAB_BTC)
    assert option is not None
    assert any("IHC" in m for m in option.missing)


# --- finding 2: a score the status asks to confirm leaves the indication open, not refused -----------------------
def test_1plus_in_10_percent_asks_before_refusing_her2_low_trastuzumab_deruxtecan(kb: KnowledgeBase) -> None:
    """ASCO/CAP Figure 1: 1+ is faint staining in >10% of cells, so 1+ in 10% reads as IHC 0 with staining
    (ultralow) and the status asks the pathologist to confirm (rescore-ihc). DESTINY-Breast04's indication
    (HER2-low) must then be asked about, not refused: a confirmed 1+ would meet it."""
    result = _assess(
        kb,
        {"type": "breast", "setting": "metastatic", "stage": "IV"},
        [{"method": "ihc", "score": "1+", "percent_cells": 10}],
        biomarkers={"er": "negative", "pr": "negative"},
        history=BREAST_AFTER_CHEMO,
    )
    assert result.her2.category == "HER2-ultralow"
    assert [a.category for a in result.her2.alternatives] == ["HER2-low"]
    assert _refused(result, DB04) is None
    option = _option(result, DB04)
    assert option is not None
    assert any("HER2-low" in m and "confirm" in m.lower() for m in option.missing)


def test_a_guideline_reading_without_an_open_question_has_no_alternative() -> None:
    """3+ in ≤10% of cells is 2+ by the guideline's own note: no re-score is asked, so no alternative."""
    status = _status(
        [
            {"method": "ihc", "score": "3+", "percent_cells": 8},
            {"method": "ish", "probe": "dual", "ratio": 1.2, "her2_copies": 2.5, "cep17_copies": 2.1},
        ]
    )
    assert status.result == "negative"
    assert status.alternatives == []


# --- finding 3: unlabelled tests on different dates whose categories differ ------------------------------------
def test_unlabelled_dated_tests_of_different_categories_are_named_and_left_open(kb: KnowledgeBase) -> None:
    """1+ in 2021 and 0 (no staining) in 2024, no specimen label: they may be a primary and a metastasis. The
    categories differ (HER2-low, HER2-null), which decides trastuzumab deruxtecan; it must be asked, not refused."""
    tests = [
        {"method": "ihc", "score": "1+", "percent_cells": 50, "date": "2021-03-01"},
        {"method": "ihc", "score": "0", "percent_cells": 0, "date": "2024-06-01"},
    ]
    result = _assess(
        kb,
        {"type": "breast", "setting": "metastatic", "stage": "IV"},
        tests,
        biomarkers={"er": "positive", "pr": "positive"},
        history=BREAST_AFTER_CHEMO,
    )
    status = result.her2
    assert status.category == "HER2-null"
    assert "unlabelled-tests-differ" in [d.code for d in status.discordances]
    assert [a.category for a in status.alternatives] == ["HER2-low"]
    for indication in (DB04, DB06):
        assert _refused(result, indication) is None, indication
        option = _option(result, indication)
        assert option is not None
        assert any("specimen" in m for m in option.missing)


def test_unlabelled_dated_tests_of_one_category_stay_quiet() -> None:
    status = _status(
        [
            {"method": "ihc", "score": "1+", "percent_cells": 50, "date": "2021-03-01"},
            {"method": "ihc", "score": "1+", "percent_cells": 30, "date": "2024-06-01"},
        ]
    )
    assert status.category == "HER2-low"
    assert status.alternatives == []
    assert "unlabelled-tests-differ" not in [d.code for d in status.discordances]


# --- finding 4: a discordant HER2-positive result reaches the options ----------------------------------------
def test_gastric_ihc_1plus_with_amplified_ish_cautions_the_her2_positive_options(kb: KnowledgeBase) -> None:
    tests = [
        {"method": "ihc", "score": "1+", "percent_cells": 30, "specimen": "biopsy"},
        {"method": "ish", "ratio": 2.5, "her2_copies": 6, "specimen": "biopsy"},
    ]
    tumor = {"type": "gastric", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"}
    result = _assess(kb, tumor, tests, biomarkers={"pd_l1_cps": 5})
    assert result.her2.result == "positive"
    option = _option(result, TRASTUZUMAB_GASTRIC)
    assert option is not None
    caution = next((c for c in option.cautions if c.code == "her2-discordant"), None)
    assert caution is not None
    assert "ihc-negative-ish-amplified" in caution.text


def test_concordant_results_carry_no_discordance_caution(kb: KnowledgeBase) -> None:
    tests = [{"method": "ihc", "score": "3+", "percent_cells": 60, "specimen": "biopsy"}]
    tumor = {"type": "gastric", "setting": "metastatic", "stage": "IV", "histology": "adenocarcinoma"}
    result = _assess(kb, tumor, tests, biomarkers={"pd_l1_cps": 5})
    for option in result.options:
        assert all(c.code != "her2-discordant" for c in option.cautions), option.id


# --- finding 5: a structured "0+" is not silently HER2-ultralow -------------------------------------------------
def test_a_structured_0plus_is_read_as_0_and_the_extent_asked(kb: KnowledgeBase) -> None:
    """ "0+" means IHC 0 in older reports and HER2-ultralow in the 2026 expert consensus: structured input reads it
    as 0, as the extractor and the FHIR import do, so the ultralow indication is asked about, not met."""
    result = _assess(
        kb,
        {"type": "breast", "setting": "metastatic", "stage": "IV"},
        [{"method": "ihc", "score": "0+"}],
        biomarkers={"er": "positive", "pr": "positive"},
        history=BREAST_AFTER_CHEMO,
    )
    assert result.her2.category == "HER2-negative"
    assert "report-staining-extent" in [a.code for a in result.her2.actions]
    option = _option(result, DB06)
    assert option is not None
    assert option.missing


# --- finding 6: NGS amplification against negative IHC/ISH asks for review -------------------------------------
def test_ngs_amplification_beside_negative_ihc_asks_for_adjudication() -> None:
    status = _status(
        [{"method": "ihc", "score": "1+", "percent_cells": 50}, {"method": "ngs", "erbb2_amplified": True}]
    )
    assert "ngs-amplified-ihc-ish-negative" in [d.code for d in status.discordances]
    assert "adjudicate-discordance" in [a.code for a in status.actions]


# --- finding 7: the Python API refuses what is not a test, naming it --------------------------------------------
def test_interpret_her2_reads_test_mappings_and_refuses_bad_ones() -> None:
    from her2kit.status import interpret_her2 as interpret

    status = interpret([{"method": "ihc", "score": "3+", "percent_cells": 60}], "breast")
    assert status.result == "positive"
    with pytest.raises(InvalidInput) as caught:
        interpret([{"method": "ihc", "score": "4+"}], "breast")
    assert caught.value.field.startswith("her2_tests[0]")
    with pytest.raises(InvalidInput) as caught:
        interpret(["3+"], "breast")  # type: ignore[list-item]
    assert caught.value.field == "her2_tests[0]"
