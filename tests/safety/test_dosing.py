"""Dose arithmetic and regimen selection from the label regimen records."""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.errors import InvalidInput
from her2kit.kb import default_kb
from her2kit.kb.load import KnowledgeBase
from her2kit.safety.dosing import calculate, select_regimen


@pytest.mark.parametrize(
    ("agent", "kwargs", "regimen", "loading", "maintenance"),
    [
        (
            "trastuzumab",
            {"schedule": "q3w", "indication": "breast", "weight_kg": 70},
            "regimen:trastuzumab-iv-q3w",
            560.0,
            420.0,
        ),
        ("Herceptin", {"schedule": "weekly", "weight_kg": 70}, "regimen:trastuzumab-iv-weekly", 280.0, 140.0),
        (
            "T-DXd",
            {"indication": "breast", "weight_kg": 60},
            "regimen:trastuzumab-deruxtecan-breast",
            None,
            324.0,
        ),
        (
            "Enhertu",
            {"indication": "gastric", "weight_kg": 60},
            "regimen:trastuzumab-deruxtecan-gastric",
            None,
            384.0,
        ),
        ("T-DM1", {"weight_kg": 50}, "regimen:trastuzumab-emtansine-q3w", None, 180.0),
        ("pertuzumab", {}, "regimen:pertuzumab-iv-q3w", 840.0, 420.0),
        ("tucatinib", {}, "regimen:tucatinib-bid", None, 300.0),
        ("zongertinib", {"weight_kg": 89.9}, "regimen:zongertinib-daily", None, 120.0),
        ("zongertinib", {"weight_kg": 90}, "regimen:zongertinib-daily-ge90kg", None, 180.0),
    ],
)
def test_label_doses(
    kb: KnowledgeBase,
    agent: str,
    kwargs: dict,
    regimen: str,
    loading: float | None,  # type: ignore[type-arg]
    maintenance: float,
) -> None:
    calc = calculate(kb, agent, **kwargs)
    assert calc.regimen == regimen
    assert (calc.loading.mg if calc.loading else None) == loading
    assert calc.maintenance.mg == maintenance


def test_tdxd_breast_reduction_ladder(kb: KnowledgeBase) -> None:
    calc = calculate(kb, "T-DXd", indication="breast", weight_kg=100)
    assert [(d.level, d.mg) for d in calc.dose_levels] == [(0, 540.0), (-1, 440.0), (-2, 320.0)]
    assert calc.discontinue_if_below_lowest


def test_weight_based_dose_needs_weight(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput) as info:
        calculate(kb, "T-DM1")
    assert info.value.field == "weight_kg"


def test_ambiguous_regimen_lists_candidates(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput) as info:
        select_regimen(kb, "trastuzumab deruxtecan")
    assert "regimen:trastuzumab-deruxtecan-gastric" in str(info.value)


def test_unknown_schedule(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput) as info:
        select_regimen(kb, "trastuzumab", schedule="monthly")
    assert info.value.field == "schedule"


def test_weight_banded_dosing_without_a_weight_asks_for_it(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput) as info:
        select_regimen(kb, "zongertinib")
    assert info.value.field == "weight"
    assert "90 kg" in str(info.value)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"agent": "T-DXd", "weight_kg": 5000}, "weight_kg"),
        ({"agent": "T-DXd", "weight_kg": float("nan")}, "weight_kg"),
        ({"agent": "T-DXd", "weight_kg": "70"}, "weight_kg"),
        ({"agent": "T-DXd", "weight_kg": True}, "weight_kg"),
        ({"agent": "", "weight_kg": 70}, "agent"),
        ({"agent": "T-DXd", "weight_kg": 70, "indication": 7}, "indication"),
        ({"agent": "T-DXd", "weight_kg": 70, "region": "XX"}, "region"),
    ],
)
def test_the_library_checks_its_arguments(arguments: dict[str, Any], field: str) -> None:
    """Not only the CLI: a dose is never computed from a weight of 5,000 kg or NaN."""
    agent = arguments.pop("agent")
    with pytest.raises(InvalidInput) as info:
        calculate(default_kb(), agent, **arguments)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("agent", "indication", "covered"),
    [
        (
            "zanidatamab",
            "gastric",
            "biliary",
        ),  # the 2026 gastroesophageal dosing is not in the knowledge base
        ("T-DM1", "gastric", "breast"),
        ("zongertinib", "breast", "nsclc"),
        ("margetuximab", "colorectal", "breast"),
    ],
)
def test_no_dose_from_another_indications_record(
    kb: KnowledgeBase, agent: str, indication: str, covered: str
) -> None:
    """With one dosing record the indication was not checked, so zanidatamab 'for gastric' got the biliary dose."""
    with pytest.raises(InvalidInput) as caught:
        calculate(kb, agent, indication=indication, weight_kg=70)
    assert caught.value.field == "indication"
    assert covered in str(caught.value)


@pytest.mark.parametrize(
    ("agent", "indication", "regimen"),
    [
        ("T-DXd", "colorectal", "regimen:trastuzumab-deruxtecan-solid-tumor"),  # tumour-agnostic record
        ("T-DXd", "biliary", "regimen:trastuzumab-deruxtecan-solid-tumor"),
        ("T-DXd", "gej", "regimen:trastuzumab-deruxtecan-gastric"),
        ("tucatinib", "colorectal", "regimen:tucatinib-bid"),
        ("zanidatamab", "biliary", "regimen:zanidatamab-q2w"),
        ("zongertinib", "NSCLC", "regimen:zongertinib-daily"),
    ],
)
def test_the_indication_picks_its_record(
    kb: KnowledgeBase, agent: str, indication: str, regimen: str
) -> None:
    assert select_regimen(kb, agent, indication=indication, weight_kg=70).id == regimen


def test_a_blank_indication_is_an_input_error(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput) as caught:
        calculate(kb, "T-DXd", indication="  ", weight_kg=70)
    assert caught.value.field == "indication"


@pytest.mark.parametrize(
    ("indication", "regimen"),
    [
        ("stomach", "regimen:trastuzumab-deruxtecan-gastric"),  # was the 5.4 mg/kg tumour-agnostic record
        ("STAD", "regimen:trastuzumab-deruxtecan-gastric"),
        ("gastric cancer", "regimen:trastuzumab-deruxtecan-gastric"),
        ("oesophagus", "regimen:trastuzumab-deruxtecan-gastric"),
        ("BRCA", "regimen:trastuzumab-deruxtecan-breast"),
        ("LUAD", "regimen:trastuzumab-deruxtecan-nsclc"),
        ("cholangiocarcinoma", "regimen:trastuzumab-deruxtecan-solid-tumor"),
    ],
)
def test_tumour_names_and_oncotree_codes_pick_the_tumours_record(
    kb: KnowledgeBase, indication: str, regimen: str
) -> None:
    """The tester's finding: 'stomach' and 'STAD' were not recognised and fell to the tumour-agnostic record, so T-DXd
    for gastric cancer was dosed 5.4 instead of 6.4 mg/kg."""
    assert select_regimen(kb, "T-DXd", indication=indication, weight_kg=70).id == regimen


@pytest.mark.parametrize("indication", ["abc", "breast-cancer-ish", "HER2"])
def test_an_unknown_indication_is_an_input_error_not_the_agnostic_dose(
    kb: KnowledgeBase, indication: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        calculate(kb, "T-DXd", indication=indication, weight_kg=70)
    assert caught.value.field == "indication"
    assert "gastric" in str(caught.value)


def test_an_unknown_agent_is_an_input_error_naming_the_agents(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput) as caught:
        calculate(kb, "trastuzumabb", weight_kg=70)
    assert caught.value.field == "agent"
    assert "trastuzumab deruxtecan" in caught.value.allowed
    assert caught.value.hint is not None
    assert "did you mean: trastuzumab" in caught.value.hint
