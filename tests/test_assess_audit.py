"""Findings of a clinical vignette review of ``assess`` (2026-11-27); the reviewer's cases are in
tests/data/assess_audit/. Sources: the boxed warnings of the trastuzumab, pertuzumab and T-DXd labels ("Evaluate
cardiac function prior to and during treatment"; embryo-fetal toxicity), the Tykerb prescribing information
("Avoid concomitant use w/ ... strong CYP3A4 inhibitors & inducers", MIMS copy of the Novartis PI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from her2kit.assessment import Assessment
from her2kit.case import parse_case
from her2kit.match import assess

DATA = Path(__file__).parent / "data" / "assess_audit"


def _assess(name: str, **changes: Any) -> Assessment:
    doc = json.loads((DATA / name).read_text(encoding="utf-8"))
    for key, value in changes.items():
        doc["patient"][key] = value
    return assess(parse_case(doc))


def _codes(findings: list[Any]) -> list[str]:
    return [f.code for f in findings]


# F1: a recorded pregnancy is not "verify pregnancy status".
@pytest.mark.parametrize(
    "name", ["v41-pregnant-early-her2pos-neoadjuvant.json", "v42-pregnant-mbc-second-line.json"]
)
def test_a_recorded_pregnancy_contraindicates_every_her2_directed_option(name: str) -> None:
    result = _assess(name)
    assert result.options
    for option in result.options:
        found = [f for f in option.contraindications if f.code == "pregnancy"]
        assert found, option.id
        assert "Pregnancy is recorded" in found[0].text
        assert "Verify pregnancy status" not in " ".join(
            f.text for f in option.cautions + option.contraindications
        )


# F2: trastuzumab regimens are checked against the LVEF like the others.
@pytest.mark.parametrize("name", ["v39-lvef45-mbc-first-line.json", "v40-lvef45-gastric-first-line.json"])
def test_a_low_lvef_is_flagged_on_every_trastuzumab_regimen(name: str) -> None:
    result = _assess(name)
    assert result.options
    for option in result.options:
        assert "lvef-below" in _codes(option.cautions + option.contraindications), option.id


def test_an_unrecorded_lvef_is_asked_for_on_every_trastuzumab_regimen() -> None:
    result = _assess("v48-missing-history-mbc.json")
    assert result.options
    for option in result.options:
        assert "lvef-not-recorded" in _codes(option.cautions), option.id


# F3: every HER2-directed drug of a regimen is gated, also those given in sequence (T-DXd followed by THP).
def test_the_thp_of_the_destiny_breast11_regimen_is_gated() -> None:
    result = _assess("v46c-order-swapped.json")
    db11 = [o for o in [*result.options] if o.id == "ind:trastuzumab-deruxtecan-breast-neoadjuvant"]
    irr = _assess("v46-trastuzumab-irr-before-tdm1.json")
    for option in irr.options:
        if option.id == "ind:trastuzumab-deruxtecan-breast-neoadjuvant":
            assert "prior-intolerance" in _codes(option.contraindications)
    low = _assess("v51-neoadjuvant-lvef45.json")
    option = next(o for o in low.options if o.id == "ind:trastuzumab-deruxtecan-breast-neoadjuvant")
    sources = " ".join(f.source for f in option.cautions if f.code == "lvef-below")
    assert "ref:label-perjeta" in sources
    assert db11 == [] or db11[0].name.startswith("trastuzumab deruxtecan followed by")


# F13: lapatinib with a strong CYP3A4 inhibitor is "avoid" in the prescribing information.
def test_lapatinib_with_a_strong_cyp3a4_inhibitor_is_a_contraindication() -> None:
    result = _assess("v50-lapatinib-capecitabine-clarithromycin.json")
    lapatinib = [o for o in result.options if "lapatinib" in o.name]
    assert lapatinib
    for option in lapatinib:
        assert any(c.startswith("interaction-") for c in _codes(option.contraindications)), option.id


# F4: two neoadjuvant courses started the same day: when they ended and what surgery found decide, not list order.
@pytest.mark.parametrize("name", ["v46-trastuzumab-irr-before-tdm1.json", "v46c-order-swapped.json"])
def test_residual_disease_after_neoadjuvant_therapy_sets_the_phase_whatever_the_order(name: str) -> None:
    result = _assess(name)
    ids = [o.id for o in result.options]
    assert not any("neoadjuvant" in i for i in ids), ids
    assert "ind:trastuzumab-deruxtecan-breast-residual-disease" in ids


# F16: a neoadjuvant indication's effect is its neoadjuvant trial's pCR, not an adjuvant trial's iDFS.
def test_a_neoadjuvant_option_shows_its_neoadjuvant_trial() -> None:
    from her2kit.kb.load import default_kb
    from her2kit.match.rank import indication_effect

    kb = default_kb()
    pertuzumab = indication_effect(kb.indications["ind:pertuzumab-breast-neoadjuvant"], kb, "breast")
    assert pertuzumab.text is not None
    assert pertuzumab.text.startswith("NeoSphere: pCR")
    db11 = indication_effect(kb.indications["ind:trastuzumab-deruxtecan-breast-neoadjuvant"], kb, "breast")
    assert db11.text is not None
    assert db11.text.startswith("DESTINY-Breast11: pCR")


# F15: a patient the label covers but the pivotal trial did not enrol gets a caution naming what it enrolled.
def test_db06_after_chemotherapy_for_metastatic_disease_names_the_trial_population() -> None:
    doc = {
        "schema_version": "1",
        "id": "v20",
        "patient": {"sex": "female", "age": 60, "lvef_percent": 60, "pregnant": False},
        "tumor": {"type": "breast", "setting": "metastatic"},
        "her2_tests": [{"method": "ihc", "score": "ultralow", "percent_cells": 5}],
        "biomarkers": {"er": "positive", "pr": "positive"},
        "history": {
            "therapies": [
                {
                    "agents": ["anastrozole", "palbociclib"],
                    "setting": "metastatic",
                    "line": 1,
                    "outcome": "progression",
                },
                {"agents": ["paclitaxel"], "setting": "metastatic", "line": 2, "outcome": "progression"},
            ],
            "endocrine_therapy_progressed": True,
        },
    }
    result = assess(parse_case(doc))
    db06 = next(
        o for o in result.options if o.id == "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow"
    )
    caution = next(f for f in db06.cautions if f.code == "outside-trial-population")
    assert "DESTINY-Breast06 enrolled" in caution.text
    assert "1 prior chemotherapy line" in caution.text


# F11: options whose order rests on cross-trial effect sizes say so.
def test_an_order_resting_on_cross_trial_effects_is_said() -> None:
    doc = {
        "schema_version": "1",
        "id": "v32",
        "patient": {"sex": "male", "age": 62, "lvef_percent": 60},
        "tumor": {"type": "nsclc", "setting": "metastatic", "histology": "adenocarcinoma"},
        "her2_tests": [{"method": "ngs", "erbb2_mutations": ["p.Y772_A775dup"]}],
        "history": {
            "therapies": [
                {
                    "agents": ["carboplatin", "pemetrexed", "pembrolizumab"],
                    "setting": "metastatic",
                    "line": 1,
                    "outcome": "progression",
                }
            ]
        },
    }
    result = assess(parse_case(doc))
    notes = [n for n in result.notes if "not a comparison of efficacy" in n]
    assert len(result.options) >= 2
    assert notes, [o.name for o in result.options]


# F14: first-line DESTINY-Breast09 after a recurrence within 6 months of adjuvant HER2-targeted therapy.
def test_db09_after_early_recurrence_on_adjuvant_her2_therapy_names_the_trial_exclusion() -> None:
    result = _assess("v14-relapse-within-6m-of-adjuvant-hp.json")
    db09 = [o for o in result.options if o.id == "ind:trastuzumab-deruxtecan-breast-her2-positive-first-line"]
    assert db09
    caution = next(f for f in db09[0].cautions if f.code == "outside-trial-population")
    assert "DESTINY-Breast09 enrolled no patient" in caution.text


# F9: HER2-positive oesophageal adenocarcinoma: the US gastric/GEJ labels name gastric or GEJ adenocarcinoma only.
def test_oesophageal_adenocarcinoma_lists_the_gastric_gej_indications_with_why_they_do_not_match() -> None:
    doc = {
        "schema_version": "1",
        "id": "oesophagus",
        "patient": {"age": 60, "sex": "male", "lvef_percent": 60},
        "tumor": {"type": "esophageal", "setting": "metastatic", "histology": "adenocarcinoma"},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 40, "specimen": "biopsy"}],
        "history": {"therapies": []},
    }
    result = assess(parse_case(doc))
    reasons = {n.indication: " ".join(n.reasons) for n in result.not_recommended}
    for indication in (
        "ind:trastuzumab-gastric-first-line",
        "ind:pembrolizumab-gastric-her2-positive-first-line",
    ):
        assert "if the tumour involves the junction, give tumor.type 'gej'" in reasons[indication]
    gej = assess(parse_case({**doc, "tumor": {**doc["tumor"], "type": "gej"}}))
    assert "ind:trastuzumab-gastric-first-line" in {o.id for o in gej.options}
