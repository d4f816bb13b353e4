"""Pivotal-trial populations of the metastatic HER2-positive breast options, encoded like DESTINY-Breast09's
(``TrialLimit``): the label still covers the patient, the trial's result does not rank the option.

Sources: CLEOPATRA registry record NCT00567190 ("provided that the participant had experienced a disease-free
interval (DFI) of greater than or equal to (>=)12 months from completion of adjuvant systemic treatment (excluding
hormonal therapy) to metastatic diagnosis") [ref:db-ctgov-nct00567190]; HER2CLIMB, Murthy et al., NEJM 2020
("patients with HER2-positive metastatic breast cancer previously treated with trastuzumab, pertuzumab, and
trastuzumab emtansine") [ref:pmid-31825569]; the Tukysa label's criterion "one or more prior anti-HER2-based
regimens in the metastatic setting" [ref:label-tukysa].
"""

from __future__ import annotations

from typing import Any

from her2kit.assessment import Assessment, Option
from her2kit.case import parse_case
from her2kit.match import assess

THP = "ind:pertuzumab-breast-metastatic-first-line"
PHESGO = "ind:pertuzumab-trastuzumab-hyaluronidase-breast-metastatic-first-line"
TDXD_P = "ind:trastuzumab-deruxtecan-breast-her2-positive-first-line"
TUCATINIB = "ind:tucatinib-breast-metastatic"


def _case(therapies: list[dict[str, Any]], recurrence: str | None = None) -> Assessment:
    history: dict[str, Any] = {"therapies": therapies}
    if recurrence:
        history["recurrence_date"] = recurrence
    return assess(
        parse_case(
            {
                "schema_version": "1",
                "id": "limits",
                "patient": {"age": 55, "sex": "female", "lvef_percent": 60, "pregnant": False},
                "tumor": {"type": "breast", "setting": "metastatic"},
                "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
                "biomarkers": {"er": "negative", "pr": "negative"},
                "history": history,
            }
        )
    )


def _option(result: Assessment, iid: str) -> Option:
    return next(o for o in result.options if o.id == iid)


def _outside(option: Option) -> list[str]:
    return [c.text for c in option.cautions if c.code == "outside-trial-population"]


ADJUVANT_TCHP = {
    "agents": ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"],
    "setting": "adjuvant",
    "outcome": "completed",
    "start": "2024-01-10",
    "end": "2024-12-20",
}


def test_a_relapse_within_12_months_of_adjuvant_therapy_is_outside_cleopatra() -> None:
    result = _case([ADJUVANT_TCHP], recurrence="2025-09-01")  # 8 months after completing it
    for iid in (THP, PHESGO):
        option = _option(result, iid)
        found = _outside(option)
        assert found, iid
        assert "CLEOPATRA enrolled no patient" in found[0]
        assert "12 months" in found[0]
        assert "ref:db-ctgov-nct00567190" in option.evidence.references
        assert option.evidence.effect is not None
        assert "not used to rank" in option.evidence.effect


def test_a_relapse_more_than_12_months_after_adjuvant_therapy_is_inside_cleopatra() -> None:
    result = _case([ADJUVANT_TCHP], recurrence="2026-06-01")  # 17 months later
    assert not _outside(_option(result, THP))
    assert not _outside(_option(result, PHESGO))
    # inside DESTINY-Breast09 too (> 6 months), so its head-to-head win over THP orders them
    ids = [o.id for o in result.options]
    assert ids.index(TDXD_P) < ids.index(THP)


def test_endocrine_therapy_alone_does_not_start_the_cleopatra_interval() -> None:
    result = _case(
        [
            {**ADJUVANT_TCHP, "start": "2020-01-10", "end": "2020-12-20"},
            {"agents": ["tamoxifen"], "setting": "adjuvant", "outcome": "progression", "start": "2021-01-01"},
        ],
        recurrence="2025-09-01",
    )
    assert not _outside(_option(result, THP))


def test_early_relapse_the_cleopatra_and_destiny_breast09_evidence_rank_neither_option() -> None:
    """Relapse 4 months after adjuvant TCHP: outside both trials, so THP no longer ranks above T-DXd + pertuzumab on
    CLEOPATRA's overall survival while DESTINY-Breast09's limit holds T-DXd + pertuzumab back (symmetry)."""
    result = _case([ADJUVANT_TCHP], recurrence="2025-04-20")
    thp, tdxd = _option(result, THP), _option(result, TDXD_P)
    assert _outside(thp)
    assert _outside(tdxd)
    for option in (thp, tdxd):
        assert option.evidence.effect is not None
        assert "not used to rank" in option.evidence.effect
    assert any("head-to-head result of DESTINY-Breast09" in n and "not" in n for n in result.notes)


FIRST_LINE_THP = {
    "agents": ["docetaxel", "trastuzumab", "pertuzumab"],
    "setting": "metastatic",
    "line": 1,
    "outcome": "progression",
    "start": "2023-01-01",
    "end": "2025-01-01",
}


def _less_treated(option: Any) -> list[str]:
    return [c.text for c in option.cautions if c.code == "less-treated-than-trial"]


def test_after_thp_only_tucatinib_is_covered_by_the_label_and_less_treated_than_her2climb() -> None:
    """HER2CLIMB's patients had more prior treatment (T-DM1 too): a caution, but its result still orders the option —
    a trial of more heavily treated patients does not stop describing the option one step earlier in the sequence
    the way a resistance feature (early recurrence) or more prior lines would (lead's review of the clinical fixes:
    after THP then T-DXd, the demotion put lapatinib and margetuximab above tucatinib)."""
    option = _option(_case([FIRST_LINE_THP]), TUCATINIB)
    assert any("prior anti-HER2 regimens" in m for m in option.criteria_met)  # the label's criterion
    assert not _outside(option)
    found = _less_treated(option)
    assert found
    assert "HER2CLIMB enrolled only patients previously treated with trastuzumab, pertuzumab" in found[0]
    assert "no trastuzumab emtansine is recorded" in found[0]
    assert "its result still orders the option" in found[0]
    assert option.evidence.effect is not None
    assert "not used to rank" not in option.evidence.effect


def test_after_thp_and_tdm1_tucatinib_is_inside_her2climb() -> None:
    tdm1 = {"agents": ["T-DM1"], "setting": "metastatic", "line": 2, "outcome": "progression"}
    option = _option(_case([FIRST_LINE_THP, tdm1]), TUCATINIB)
    assert not _outside(option)


def test_an_unrecognised_drug_name_does_not_place_a_case_outside_her2climb() -> None:
    other = {"agents": ["investigational agent xyz-123"], "setting": "metastatic", "line": 2}
    option = _option(_case([FIRST_LINE_THP, other]), TUCATINIB)
    assert not _outside(option)


def test_the_label_reasons_of_not_recommended_say_the_label_does_not_cover_the_case() -> None:
    result = _case([])
    reasons = {n.indication: n.reasons for n in result.not_recommended}
    assert all(r.startswith("not covered by the label: ") for r in reasons[TUCATINIB])
    assert any("requires ≥ 1 prior anti-HER2 regimen" in r for r in reasons[TUCATINIB])


def test_the_outside_population_caution_names_the_trial_whose_result_does_not_apply() -> None:
    found = _outside(_option(_case([ADJUVANT_TCHP], recurrence="2025-09-01"), THP))
    assert found
    assert "so CLEOPATRA's result does not describe this patient" in found[0]
    assert "no trial result describes" not in found[0]
