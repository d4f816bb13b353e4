"""The effect line of a multi-cohort trial is that of the cohort the case belongs to (``Arm.cohort``).

Sources (in the trial records): SOHO-01 group D (HER2-targeted-therapy naive) ORR 71% and group E (prior HER2-targeted
ADC) ORR 38% [ref:fda-sevabertinib-2025]; Beamion LUNG-1 cohort 1 (no prior HER2-directed therapy) ORR 71% and cohort 5
(prior HER2-directed ADC) 48% [ref:pmid-40293180]; HERIZON-BTC-01 IHC 3+ subgroup ORR 51.6% [ref:pmid-41264278];
DESTINY-PanTumor02 central IHC 3+ subgroup ORR 61.3% [ref:pmid-37870536].
"""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.case import parse_case
from her2kit.kb import default_kb
from her2kit.match import assess
from her2kit.match.rank import CaseFacts, trial_effect

ZONGERTINIB = "ind:zongertinib-nsclc-her2-mutant"
SEVABERTINIB = "ind:sevabertinib-nsclc-her2-mutant-previously-treated"
ZANIDATAMAB = "ind:zanidatamab-biliary-previously-treated"
TDXD_AGNOSTIC = "ind:trastuzumab-deruxtecan-solid-tumor-her2-ihc3"


def _nsclc(therapies: list[dict[str, Any]] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": "1",
        "id": "nsclc",
        "patient": {"age": 60, "sex": "female", "lvef_percent": 60, "pregnant": False, "ild_history": False},
        "tumor": {"type": "nsclc", "setting": "metastatic", "histology": "adenocarcinoma"},
        "her2_tests": [{"method": "ngs", "erbb2_mutations": ["p.Y772_A775dup"]}],
    }
    if therapies is not None:
        doc["history"] = {"therapies": therapies}
    return doc


CHEMO_IO = {"agents": ["carboplatin", "pemetrexed", "pembrolizumab"], "setting": "metastatic", "line": 1}


def _second_line(agents: list[str]) -> dict[str, Any]:
    """Chemo-immunotherapy, then these agents, both with progression."""
    return _nsclc(
        [
            {**CHEMO_IO, "outcome": "progression"},
            {"agents": agents, "setting": "metastatic", "line": 2, "outcome": "progression"},
        ]
    )


def _effect(doc: dict[str, Any], indication: str) -> str:
    result = assess(parse_case(doc))
    option = next(o for o in result.options if o.id == indication)
    assert option.evidence.effect is not None
    return option.evidence.effect


@pytest.mark.parametrize(
    ("indication", "text"),
    [
        (
            ZONGERTINIB,
            "ORR 44% (fda-prior-adc: FDA efficacy population: prior platinum-based chemotherapy and a",
        ),
        (
            SEVABERTINIB,
            "ORR 38% (prior-adc: sevabertinib 20 mg twice daily, prior therapy including a HER2-targeted ADC",
        ),
    ],
)
def test_after_trastuzumab_deruxtecan_the_post_adc_cohort_is_shown(indication: str, text: str) -> None:
    doc = _second_line(["trastuzumab deruxtecan"])
    effect = _effect(doc, indication)
    assert text in effect
    assert "the cohort this case belongs to" in effect


def test_without_prior_her2_therapy_the_naive_cohort_is_shown() -> None:
    effect = _effect(_nsclc([{**CHEMO_IO, "outcome": "progression"}]), SEVABERTINIB)
    assert "ORR 71% (her2-naive" in effect
    assert "the cohort this case belongs to" in effect


def test_a_cohort_whose_prior_therapy_is_not_recorded_is_shown_but_does_not_rank() -> None:
    # Beamion LUNG-1 cohort 1: the cited paper does not say what prior HER2 therapy it allowed (KB audit, s9).
    doc = _nsclc(
        [
            {**CHEMO_IO, "outcome": "progression"},
            {"agents": ["lapatinib"], "setting": "metastatic", "line": 2, "outcome": "progression"},
        ]
    )  # after a HER2 TKI: neither FDA population (no prior TKI or ADC; after an ADC) fits
    effect = _effect(doc, ZONGERTINIB)
    assert (
        "ORR 71% (cohort-1; the first-reported cohort, whose prior therapy the knowledge base does not code"
        in (effect)
    )


def test_an_explicitly_untreated_case_is_told_what_it_records() -> None:
    effect = _effect(_nsclc([]), ZONGERTINIB)
    assert "the case records no prior therapy, and no result for patients without prior therapy" in effect
    assert "not used to rank" in effect


def test_after_other_her2_therapy_no_cohort_fits_and_the_line_says_so() -> None:
    doc = _nsclc(
        [
            {**CHEMO_IO, "outcome": "progression"},
            {"agents": ["trastuzumab"], "setting": "metastatic", "line": 2, "outcome": "progression"},
        ]
    )
    effect = _effect(doc, SEVABERTINIB)
    assert "no cohort of the trial matches this case" in effect
    assert "ORR 71% (her2-naive" in effect  # the first-reported cohort, named as such
    assert "not used to rank" in effect


def test_without_a_history_the_line_says_the_cohort_is_unknown() -> None:
    assert "the case does not say which cohort it fits" in _effect(_nsclc(None), ZONGERTINIB)


def test_zanidatamab_for_ihc3_biliary_cancer_shows_the_ihc3_subgroup() -> None:
    doc = {
        "schema_version": "1",
        "id": "btc",
        "patient": {"age": 60, "sex": "male", "lvef_percent": 60},
        "tumor": {"type": "biliary", "setting": "metastatic"},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 80}],
        "history": {
            "therapies": [{"agents": ["gemcitabine", "cisplatin"], "setting": "metastatic", "line": 1}]
        },
    }
    effect = _effect(doc, ZANIDATAMAB)
    assert "ORR 51.6% (ihc3" in effect
    assert "final analysis" in effect


def test_tumour_agnostic_tdxd_for_ihc3_shows_the_ihc3_subgroup() -> None:
    doc = {
        "schema_version": "1",
        "id": "bladder",
        "patient": {"age": 60, "sex": "male", "lvef_percent": 60, "ild_history": False},
        "tumor": {"type": "bladder", "setting": "metastatic"},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 80}],
        "history": {
            "therapies": [{"agents": ["gemcitabine", "cisplatin"], "setting": "metastatic", "line": 1}]
        },
    }
    assert "ORR 61.3% (ihc3" in _effect(doc, TDXD_AGNOSTIC)


def test_without_case_facts_the_first_reported_cohort_is_shown_as_before() -> None:
    kb = default_kb()
    effect = trial_effect(kb.trials["trial:soho-01"])
    assert effect.text is not None
    assert effect.text.startswith("SOHO-01: ORR 71% (her2-naive), primary analysis; population: ")
    unknown = trial_effect(kb.trials["trial:soho-01"], CaseFacts())  # facts that place the case in no cohort
    assert unknown.kind == "none"
    assert unknown.text is not None
    assert "the case does not say which cohort it fits; not used to rank" in unknown.text


# ------------------------------------------------------------------------------------ review of 2026-11-27 (s9)
@pytest.mark.parametrize(
    "agents",
    [["trastuzumab rezetecan"], ["xyzzymab"]],
)
def test_an_unrecognised_prior_agent_leaves_the_cohort_unknown(agents: list[str]) -> None:
    doc = _nsclc(
        [
            {**CHEMO_IO, "outcome": "progression"},
            {"agents": agents, "setting": "metastatic", "line": 2, "outcome": "progression"},
        ]
    )
    effect = _effect(doc, ZONGERTINIB)
    assert "the case does not say which cohort it fits; not used to rank" in effect


@pytest.mark.parametrize("agents", [["T-DM1 (Kadcyla)"], ["trastuzumab deruxtecan; pembrolizumab"]])
def test_brand_in_brackets_and_combined_entries_are_read(agents: list[str]) -> None:
    doc = _nsclc(
        [
            {**CHEMO_IO, "outcome": "progression"},
            {"agents": agents, "setting": "metastatic", "line": 2, "outcome": "progression"},
        ]
    )
    effect = _effect(doc, ZONGERTINIB)
    assert "ORR 44% (fda-prior-adc" in effect
    assert "other cohorts that fit: cohort-5 48%" in effect


def test_a_cohort_the_case_is_outside_of_does_not_rank() -> None:
    kb = default_kb()
    effect = trial_effect(kb.trials["trial:soho-01"], CaseFacts(prior_her2_therapy="antibody"))
    assert effect.kind == "none"
    assert effect.text is not None
    assert "no cohort of the trial matches this case; not used to rank" in effect.text


@pytest.mark.parametrize(
    ("prior", "text"),
    [
        ([], "ORR 75% (fda-no-tki-adc"),  # no prior HER2-targeted TKI or ADC
        (
            [{"agents": ["trastuzumab"], "setting": "metastatic", "line": 2, "outcome": "progression"}],
            "ORR 75% (fda-no-tki-adc",
        ),
    ],
)
def test_zongertinib_fda_population_without_a_prior_her2_tki_or_adc(
    prior: list[dict[str, Any]], text: str
) -> None:
    effect = _effect(_nsclc([{**CHEMO_IO, "outcome": "progression"}, *prior]), ZONGERTINIB)
    assert text in effect
    assert "the cohort this case belongs to" in effect


def test_a_first_line_patient_is_not_in_a_cohort_that_required_prior_platinum() -> None:
    effect = _effect(_nsclc([]), ZONGERTINIB)
    assert "fda-no-tki-adc" not in effect.split(";")[0]
    assert "not used to rank" in effect


def test_several_fitting_cohorts_are_named() -> None:
    doc = _second_line(["trastuzumab deruxtecan"])
    effect = _effect(doc, ZONGERTINIB)
    assert "ORR 44% (fda-prior-adc" in effect  # after platinum chemotherapy and an ADC: the narrower cohort
    assert "other cohorts that fit: cohort-5 48%" in effect


def test_non_platinum_chemotherapy_is_not_the_fda_populations_prior_platinum() -> None:
    doc = _nsclc([{"agents": ["docetaxel"], "setting": "metastatic", "line": 1, "outcome": "progression"}])
    assert "fda-no-tki-adc" not in _effect(doc, ZONGERTINIB).split(";")[0]


def test_a_mutation_only_case_is_told_that_the_mutation_based_options_need_no_ihc() -> None:
    from her2kit.case import parse_case
    from her2kit.match import assess

    result = assess(parse_case(_nsclc([])))
    assert result.her2.result == "indeterminate"
    assert any("do not depend on HER2 IHC or ISH" in n for n in result.her2.notes)


# ------------------------------------------------------------------------------------ oncology review of 2026-11-27
def test_a_her2_directed_adc_without_a_label_places_the_case_in_the_prior_adc_cohort() -> None:
    # Disitamab vedotin was an unrecognised name (cohort unknown); it is a HER2-directed ADC (class
    # her2-directed-adc-other), so the case belongs to zongertinib's prior-ADC efficacy population.
    effect = _effect(_second_line(["disitamab vedotin"]), ZONGERTINIB)
    assert "fda-prior-adc" in effect
    assert "the cohort this case belongs to" in effect


def test_a_prior_her2_tki_without_a_label_fits_no_zongertinib_cohort() -> None:
    # Pyrotinib is a HER2 TKI (class her2-directed-tki-other): no zongertinib cohort enrolled a prior HER2 TKI.
    effect = _effect(_second_line(["pyrotinib"]), ZONGERTINIB)
    assert "not used to rank" in effect
    assert "the cohort this case belongs to" not in effect
