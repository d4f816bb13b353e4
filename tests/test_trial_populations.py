"""Pivotal-trial populations by extent of disease, and subgroups without a shown benefit (``match/populations.py``,
``TrialLimit.extent_rule``, ``Indication.subgroup_results``).

Sources: DESTINY-Breast05 registry eligibility, NCT04622319 ("Clinical stage at disease presentation: T1-4, N0-3,
M0; patients presenting with T1N0 tumors are not eligible"; "Inoperable breast cancer at presentation ... T4, N0-3,
M0 or T1-3, N2-3, M0"; "Operable at presentation ... T1-3,N0-1,M0, with axillary node positive disease (ypN1-3)")
[ref:db-ctgov-nct04622319]; KATHERINE registry eligibility, NCT01772472 ("Clinical stage T1-4/N0-3/M0 at
presentation (patients with T1a/bN0 tumors will not be eligible)") [ref:db-ctgov-nct01772472]; APHINITY node-negative
cohort, HR 1.13 (0.68-1.86) [ref:pmid-28581356]; ExteNET final analysis in HR-negative disease
[ref:web-cta-extenet-final-os-2021] and the EU indication [ref:doi-10-1007-s40487-021-00153-5].
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from her2kit.assessment import Assessment
from her2kit.case import parse_case
from her2kit.kb.schema import SubgroupResult
from her2kit.match import assess
from her2kit.match.populations import destiny_breast05, katherine
from her2kit.tnm import Category, parse_n, parse_t

TDXD_RESIDUAL = "ind:trastuzumab-deruxtecan-breast-residual-disease"
TDM1_RESIDUAL = "ind:trastuzumab-emtansine-breast-residual-disease"
PERTUZUMAB_ADJUVANT = "ind:pertuzumab-breast-adjuvant"
PHESGO_ADJUVANT = "ind:pertuzumab-trastuzumab-hyaluronidase-breast-adjuvant"
NERATINIB = "ind:neratinib-breast-extended-adjuvant"


def _t(text: str | None) -> Category | None:
    return parse_t(text) if text else None


def _n(text: str | None) -> Category | None:
    return parse_n(text) if text else None


# ------------------------------------------------------------------------------------------- DESTINY-Breast05
@pytest.mark.parametrize(
    ("t", "n", "yn", "verdict", "why"),
    [
        ("cT4b", "cN0", "ypN0", "inside", "inoperable at presentation (cT4b cN0)"),
        ("cT4d", None, None, "inside", "inoperable at presentation"),
        ("cT2", "cN2", "ypN0", "inside", "inoperable at presentation (cT2 cN2)"),
        ("cT1c", "cN3a", None, "inside", "inoperable"),
        ("cT2", "cN1", "ypN1a", "inside", "ypN1a after it"),
        ("cT3", "cN0", "ypN2", "inside", "ypN2"),
        ("cT2", None, "ypN1", "inside", "ypN1 after it"),  # T2: not T1N0 whatever the nodes
        # ypN1 without a presentation that rules out T1N0 (not eligible) is not known to be inside
        (None, None, "ypN1", "unknown", "unless the presentation was T1N0"),
        ("cT1c", None, "ypN1a", "unknown", "unless the presentation was T1N0"),
        (None, "cN0", "ypN1", "unknown", "unless the presentation was T1N0"),
        (
            "cT2",
            "cN1",
            "ycN1",
            "unknown",
            "give the clinical T and N at presentation and the ypN",
        ),  # ycN: clinical
        ("cT2", "cN1", "ypN0", "outside", "operable at presentation (cT2 cN1) with ypN0"),
        ("cT3", "cN0", "ypN0(i+)", "outside", "with ypN0(i+)"),  # isolated tumour cells: N0
        ("cT1c", "cN0", "ypN1", "outside", "T1N0 was not eligible"),
        ("cT1b", "cN0", None, "outside", "T1N0 was not eligible"),
        ("cT0", "cN1", "ypN1", "outside", "the trial required T1-4"),
        (None, None, "ypN0", "unknown", "only if inoperable at presentation"),
        ("cT2", None, "ypN0", "unknown", "only if inoperable at presentation"),
        (None, None, None, "unknown", "give the clinical T and N at presentation and the ypN"),
    ],
)
def test_destiny_breast05_population(
    t: str | None, n: str | None, yn: str | None, verdict: str, why: str
) -> None:
    got, text = destiny_breast05((_t(t), _n(n)), (None, _n(yn)))
    assert got == verdict
    assert why in text


# ------------------------------------------------------------------------------------------------ KATHERINE
@pytest.mark.parametrize(
    ("t", "n", "verdict"),
    [
        ("cT1a", "cN0", "outside"),
        ("cT1b", "cN0", "outside"),
        ("cT1mi", "cN0", "outside"),
        ("cT1b", "cN0(i+)", "outside"),
        ("cT1c", "cN0", "inside"),
        ("cT1b", "cN1", "inside"),
        ("cT4d", "cN3", "inside"),
        ("cT0", "cN1", "outside"),
        ("cT1b", None, "unknown"),
        (None, "cN0", "unknown"),
        ("cT1", "cN0", "unknown"),  # T1 without its letter may be T1a/b
    ],
)
def test_katherine_population(t: str | None, n: str | None, verdict: str) -> None:
    assert katherine((_t(t), _n(n)), (None, None))[0] == verdict


# -------------------------------------------------------------------------------------------- in assessments
def _residual(**tumor: Any) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "id": "residual",
        "patient": {"age": 50, "sex": "female", "lvef_percent": 62, "pregnant": False, "ild_history": False},
        "tumor": {"type": "breast", "setting": "early", **tumor},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
        "biomarkers": {"er": "negative", "pr": "negative"},
        "history": {
            "therapies": [
                {
                    "agents": ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"],
                    "setting": "neoadjuvant",
                    "outcome": "residual_disease",
                }
            ]
        },
    }


def _option(result: Assessment, indication: str) -> Any:
    return next(o for o in result.options if o.id == indication)


def _codes(option: Any) -> list[str]:
    return [c.code for c in option.cautions]


def test_operable_ypn0_residual_disease_is_outside_destiny_breast05_and_its_comparison_is_not_applied() -> (
    None
):
    result = assess(parse_case(_residual(t_category="cT2", n_category="cN1", yp_n_category="ypN0")))
    tdxd, tdm1 = _option(result, TDXD_RESIDUAL), _option(result, TDM1_RESIDUAL)
    assert "outside-trial-population" in _codes(tdxd)
    assert "ref:db-ctgov-nct04622319" in tdxd.evidence.references
    assert "outside-trial-population" not in _codes(tdm1)  # KATHERINE enrolled cT2 cN1
    # Without the DESTINY-Breast05 comparison, KATHERINE's overall-survival benefit (rule 8) decides.
    assert tdm1.rank < tdxd.rank
    assert any("DESTINY-Breast05" in note and "is not applied" in note for note in result.notes)


@pytest.mark.parametrize(
    "tumor",
    [
        {"t_category": "cT2", "n_category": "cN1", "yp_n_category": "ypN1a"},
        {"t_category": "cT4b", "n_category": "cN0", "yp_n_category": "ypN0"},
        {"stage": "cT2 cN2 M0", "yp_n_category": "ypN0"},
    ],
)
def test_high_risk_residual_disease_keeps_the_destiny_breast05_order(tumor: dict[str, Any]) -> None:
    result = assess(parse_case(_residual(**tumor)))
    tdxd, tdm1 = _option(result, TDXD_RESIDUAL), _option(result, TDM1_RESIDUAL)
    assert tdxd.rank < tdm1.rank
    assert not {"outside-trial-population", "trial-population-unknown"} & set(_codes(tdxd))
    assert not any("is not applied" in note for note in result.notes)


def test_unstaged_residual_disease_asks_for_the_staging_destiny_breast05_used() -> None:
    result = assess(parse_case(_residual()))
    tdxd = _option(result, TDXD_RESIDUAL)
    assert "trial-population-unknown" in _codes(tdxd)
    assert tdxd.rank < _option(result, TDM1_RESIDUAL).rank  # nothing known against the trial's result
    assert "trial-population-unknown" not in _codes(_option(result, TDM1_RESIDUAL))  # KATHERINE: no question


def test_small_node_negative_presentation_is_outside_both_residual_disease_trials() -> None:
    result = assess(parse_case(_residual(t_category="cT1b", n_category="cN0", yp_n_category="ypN0")))
    for indication, trial in ((TDXD_RESIDUAL, "DESTINY-Breast05"), (TDM1_RESIDUAL, "KATHERINE")):
        option = _option(result, indication)
        found = [c for c in option.cautions if c.code == "outside-trial-population"]
        assert len(found) == 1
        assert trial in found[0].text
        assert "cT1b cN0 at presentation" in found[0].text


# ------------------------------------------------------------------------------------------------- subgroups
def _adjuvant(n: str | None, er: str = "negative") -> dict[str, Any]:
    tumor: dict[str, Any] = {"type": "breast", "setting": "early", "treatment_phase": "adjuvant"}
    if n is not None:
        tumor.update(t_category="pT2", n_category=n)
    return {
        "schema_version": "1",
        "id": "adjuvant",
        "patient": {"age": 50, "sex": "female", "lvef_percent": 62, "pregnant": False},
        "tumor": tumor,
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
        "biomarkers": {"er": er, "pr": "negative"},
        "history": {"therapies": []},
    }


@pytest.mark.parametrize(
    ("n", "cautioned"), [("pN0", True), ("N0", True), ("pN0(i+)", True), ("pN1a", False)]
)
def test_aphinity_node_negative_cohort_is_quoted_for_pathologically_node_negative_disease(
    n: str, cautioned: bool
) -> None:
    result = assess(parse_case(_adjuvant(n)))
    for indication in (PERTUZUMAB_ADJUVANT, PHESGO_ADJUVANT):
        option = _option(result, indication)
        found = [c for c in option.cautions if c.code == "trial-subgroup"]
        assert bool(found) is cautioned
        if cautioned:
            assert "APHINITY's node-negative subgroup" in found[0].text
            assert "1.13 (95% CI 0.68-1.86" in found[0].text
            assert "ref:pmid-28581356" in option.evidence.references


@pytest.mark.parametrize("n", ["cN0", None])
def test_clinical_or_unknown_nodes_do_not_place_a_case_in_a_pathological_subgroup(n: str | None) -> None:
    doc = _adjuvant(None)
    if n is not None:
        doc["tumor"].update(t_category="cT2", n_category=n)
    result = assess(parse_case(doc))
    assert "trial-subgroup" not in _codes(_option(result, PERTUZUMAB_ADJUVANT))


def _extended(er: str | None) -> dict[str, Any]:
    doc = _adjuvant(None)
    doc["tumor"]["treatment_phase"] = "extended-adjuvant"
    doc["biomarkers"] = {"er": er, "pr": "negative"} if er else {}
    doc["history"] = {
        "therapies": [{"agents": ["trastuzumab"], "setting": "adjuvant", "outcome": "completed"}],
    }
    return doc


@pytest.mark.parametrize(("er", "cautioned"), [("negative", True), ("positive", False), (None, False)])
def test_extenet_hormone_receptor_negative_subgroup(er: str | None, cautioned: bool) -> None:
    option = _option(assess(parse_case(_extended(er))), NERATINIB)
    found = [c for c in option.cautions if c.code == "trial-subgroup"]
    assert bool(found) is cautioned
    if cautioned:
        assert "ExteNET's hormone receptor-negative subgroup" in found[0].text
        assert "EU indication is restricted to hormone receptor-positive" in found[0].text


def test_a_subgroup_result_must_name_its_subgroup() -> None:
    with pytest.raises(ValidationError, match="names nodes and/or hormone_receptor"):
        SubgroupResult(trial="trial:aphinity", result="x", references=["ref:pmid-28581356"])


# ------------------------------------------------------------------------------------ review of 2026-11-27 (s9)
@pytest.mark.parametrize(
    ("tumor", "history_outcome"),
    [
        ({"t_category": "cT2", "n_category": "cN1", "yp_t_category": "ypT0", "yp_n_category": "ypN0"}, None),
        ({"stage": "ypT0 ypN0"}, None),
        ({"t_category": "cT2", "n_category": "cN1", "yp_t_category": "ypTis", "yp_n_category": "ypN0"}, None),
        ({"treatment_phase": "post-neoadjuvant-residual"}, "pcr"),
    ],
)
def test_no_residual_invasive_disease_rules_out_the_residual_disease_options(
    tumor: dict[str, Any], history_outcome: str | None
) -> None:
    doc = _residual(**tumor)
    doc["tumor"].setdefault("treatment_phase", "post-neoadjuvant-residual")
    if history_outcome:
        doc["history"]["therapies"][0]["outcome"] = history_outcome
    else:  # the yp categories alone say what surgery found
        doc["history"]["therapies"][0].pop("outcome")
    result = assess(parse_case(doc))
    assert not {o.id for o in result.options} & {TDXD_RESIDUAL, TDM1_RESIDUAL}
    reasons = {n.indication: " ".join(n.reasons) for n in result.not_recommended}
    for indication in (TDXD_RESIDUAL, TDM1_RESIDUAL):
        assert "residual invasive disease" in reasons[indication]


def test_isolated_tumour_cells_alone_are_asked_about() -> None:
    doc = _residual(t_category="cT2", n_category="cN1", yp_t_category="ypT0", yp_n_category="ypN0(i+)")
    option = _option(assess(parse_case(doc)), TDM1_RESIDUAL)
    assert any("isolated tumour cells only" in m for m in option.missing)


def test_residual_disease_in_the_yp_categories_without_a_stated_outcome_sets_the_phase() -> None:
    doc = _residual(t_category="cT2", n_category="cN1", yp_t_category="ypT1c", yp_n_category="ypN1a")
    doc["history"]["therapies"][0].pop("outcome")
    result = assess(parse_case(doc))
    assert {TDXD_RESIDUAL, TDM1_RESIDUAL} <= {o.id for o in result.options}


def test_a_stated_adjuvant_phase_with_residual_disease_includes_the_residual_disease_options() -> None:
    doc = _residual(
        treatment_phase="adjuvant",
        t_category="cT2",
        n_category="cN1",
        yp_t_category="ypT1c",
        yp_n_category="ypN1a",
    )
    result = assess(parse_case(doc))
    ids = [o.id for o in result.options]
    assert TDM1_RESIDUAL in ids
    assert TDXD_RESIDUAL in ids
    assert any("records residual invasive disease after neoadjuvant therapy" in n for n in result.notes)


def test_p_categories_after_neoadjuvant_therapy_are_not_read_as_the_presentation() -> None:
    result = assess(parse_case(_residual(t_category="pT1a", n_category="pN0")))
    for indication in (TDXD_RESIDUAL, TDM1_RESIDUAL):
        assert "outside-trial-population" not in _codes(_option(result, indication))
    assert "trial-population-unknown" in _codes(_option(result, TDXD_RESIDUAL))
    assert any("pT1a pN0 are given after neoadjuvant therapy" in n for n in result.notes)


def test_an_unprefixed_n0_after_neoadjuvant_therapy_is_not_aphinity_node_negative() -> None:
    doc = _adjuvant("N0")
    doc["history"] = {
        "therapies": [{"agents": ["TCHP"], "setting": "neoadjuvant", "outcome": "pcr"}],
    }
    doc["tumor"]["t_category"] = "T1c"
    result = assess(parse_case(doc))
    option = _option(result, PERTUZUMAB_ADJUVANT)
    assert "trial-subgroup" not in _codes(option)


def test_outside_both_residual_disease_trials_no_trial_ranks_either_option() -> None:
    result = assess(
        parse_case(
            _residual(t_category="cT1b", n_category="cN0", yp_t_category="ypT1a", yp_n_category="ypN0")
        )
    )
    tdm1 = _option(result, TDM1_RESIDUAL)
    tdxd = _option(result, TDXD_RESIDUAL)
    assert "outside-trial-population" in _codes(tdm1)
    assert "outside-trial-population" in _codes(tdxd)
    # KATHERINE's overall-survival benefit does not rank T-DM1 here: the two are equal under rules 1-8.
    assert any(
        f"Options {min(tdm1.rank, tdxd.rank)} " in n and "equal under ranking rules 1-8" in n
        for n in result.notes
    )


@pytest.mark.parametrize(
    ("t", "n", "outside"),
    [("cT2", "cN0", True), ("cT1c", "cN1", False), ("cT3", "cN0", False), ("cT4d", "cN0", False)],
)
def test_destiny_breast11_population(t: str, n: str, outside: bool) -> None:
    doc = _residual(treatment_phase="neoadjuvant", t_category=t, n_category=n)
    doc["history"] = {"therapies": []}
    option = _option(assess(parse_case(doc)), "ind:trastuzumab-deruxtecan-breast-neoadjuvant")
    found = [c for c in option.cautions if c.code == "outside-trial-population"]
    assert bool(found) is outside
    if outside:
        assert "DESTINY-Breast11" in found[0].text


@pytest.mark.parametrize("tumor", [{"t_category": "pTis", "n_category": "pN0"}, {"stage": "Tis N0 M0"}])
def test_carcinoma_in_situ_is_not_an_early_her2_indication(tumor: dict[str, Any]) -> None:
    doc = _adjuvant(None)
    doc["tumor"].update(tumor)
    result = assess(parse_case(doc))
    assert not [o for o in result.options if o.setting == "early"]
    reasons = " ".join(r for n in result.not_recommended for r in n.reasons)
    assert "carcinoma in situ, not invasive breast cancer" in reasons


# ------------------------------------------------------------------------------------ second review (s9)
def test_clinical_yc_categories_are_not_the_surgical_result() -> None:
    doc = _residual(t_category="cT2", n_category="cN1", yp_t_category="ycT0", yp_n_category="ycN0")
    doc["history"]["therapies"][0].pop("outcome")
    result = assess(parse_case(doc))
    reasons = " ".join(r for n in result.not_recommended for r in n.reasons)
    assert "no residual invasive disease" not in reasons


def test_yp_residual_disease_with_adjuvant_trastuzumab_ongoing_keeps_the_residual_options() -> None:
    doc = _residual(t_category="cT2", n_category="cN1", yp_t_category="ypT1c", yp_n_category="ypN1a")
    doc["history"]["therapies"][0].pop("outcome")
    doc["history"]["therapies"].append(
        {"agents": ["trastuzumab"], "setting": "adjuvant", "outcome": "ongoing"}
    )
    ids = {o.id for o in assess(parse_case(doc)).options}
    assert {TDXD_RESIDUAL, TDM1_RESIDUAL} <= ids


@pytest.mark.parametrize(
    ("outcome", "yp_t", "asked"),
    [
        ("pcr", "ypT1a", "the history records a pathological complete response, but ypT1a ypN0"),
        ("residual_disease", "ypT0", "the history records residual disease, but ypT0 ypN0"),
    ],
)
def test_a_surgical_outcome_contradicting_the_yp_categories_is_asked_both_ways(
    outcome: str, yp_t: str, asked: str
) -> None:
    doc = _residual(t_category="cT2", n_category="cN1", yp_t_category=yp_t, yp_n_category="ypN0")
    doc["history"]["therapies"][0]["outcome"] = outcome
    option = _option(assess(parse_case(doc)), TDM1_RESIDUAL)
    assert any(asked in m for m in option.missing), option.missing


# ------------------------------------------------------------------------------------ third review (s9)
def _early(therapies: list[dict[str, Any]], **tumor: Any) -> dict[str, Any]:
    doc = _residual(**tumor)
    doc["history"] = {"therapies": therapies}
    return doc


TCHP_RESIDUAL = {"agents": ["TCHP"], "setting": "neoadjuvant", "outcome": "residual_disease"}


def test_after_completed_adjuvant_tdm1_the_phase_is_extended_adjuvant_even_with_neratinib_ongoing() -> None:
    doc = _early(
        [
            TCHP_RESIDUAL,
            {"agents": ["trastuzumab emtansine"], "setting": "adjuvant", "outcome": "completed"},
            {"agents": ["neratinib"], "setting": "adjuvant", "outcome": "ongoing"},
        ],
        yp_t_category="ypT1c",
        yp_n_category="ypN1a",
    )
    ids = {o.id for o in assess(parse_case(doc)).options}
    assert not ids & {TDXD_RESIDUAL, TDM1_RESIDUAL, PERTUZUMAB_ADJUVANT}


def test_an_ongoing_course_is_later_than_a_completed_one_started_the_same_day() -> None:
    doc = _early(
        [
            {
                "agents": ["paclitaxel", "trastuzumab"],
                "setting": "adjuvant",
                "outcome": "completed",
                "start": "2024-01-01",
                "end": "2024-03-25",
            },
            {"agents": ["trastuzumab"], "setting": "adjuvant", "outcome": "ongoing", "start": "2024-01-01"},
        ]
    )
    ids = {o.id for o in assess(parse_case(doc)).options}
    assert "ind:neratinib-breast-extended-adjuvant" not in ids


def test_a_pcr_contradicted_by_yp_residual_disease_is_asked_about_with_an_adjuvant_course_after_it() -> None:
    doc = _early(
        [
            {"agents": ["TCHP"], "setting": "neoadjuvant", "outcome": "pcr"},
            {"agents": ["trastuzumab", "pertuzumab"], "setting": "adjuvant", "outcome": "ongoing"},
        ],
        yp_t_category="ypT1c",
        yp_n_category="ypN1a",
    )
    option = _option(assess(parse_case(doc)), TDM1_RESIDUAL)
    assert any("records a pathological complete response" in m for m in option.missing)


def test_ongoing_neoadjuvant_therapy_puts_the_neoadjuvant_options_first() -> None:
    doc = _early(
        [{"agents": ["TCHP"], "setting": "neoadjuvant", "outcome": "ongoing"}],
        t_category="cT2",
        n_category="cN1",
    )
    result = assess(parse_case(doc))
    assert result.options[0].setting == "early"
    assert "neoadjuvant" in result.options[0].id


# ------------------------------------------------------------------------------------ fourth review (s9)
def test_trastuzumab_stopped_for_intolerance_is_not_completed_adjuvant_therapy() -> None:
    doc = _early(
        [
            {"agents": ["TCH"], "setting": "adjuvant", "outcome": "completed"},
            {
                "agents": ["trastuzumab"],
                "setting": "adjuvant",
                "outcome": "intolerance",
                "intolerance_type": "other",
            },
        ]
    )
    ids = {o.id for o in assess(parse_case(doc)).options}
    assert "ind:neratinib-breast-extended-adjuvant" not in ids


def test_an_adjuvant_course_that_ended_without_an_outcome_asks_which_phase() -> None:
    doc = _early(
        [
            {"agents": ["trastuzumab"], "setting": "adjuvant", "start": "2024-01-10", "end": "2024-03-15"},
        ]
    )
    result = assess(parse_case(doc))
    phases = {o.id for o in result.options}
    assert "ind:neratinib-breast-extended-adjuvant" in phases  # both phases are possible: neither exact
    assert "ind:trastuzumab-breast-adjuvant" in phases


def test_an_adjuvant_course_with_an_end_date_and_no_outcome_has_ended() -> None:
    doc = _early(
        [
            TCHP_RESIDUAL,
            {
                "agents": ["trastuzumab emtansine"],
                "setting": "adjuvant",
                "start": "2024-06-01",
                "end": "2025-03-01",
            },
            {"agents": ["neratinib"], "setting": "adjuvant", "outcome": "ongoing", "start": "2025-04-01"},
        ],
        yp_t_category="ypT1c",
        yp_n_category="ypN1a",
    )
    ids = {o.id for o in assess(parse_case(doc)).options}
    assert not ids & {TDXD_RESIDUAL, TDM1_RESIDUAL, PERTUZUMAB_ADJUVANT}


def test_an_empty_agent_name_is_refused() -> None:
    from her2kit.errors import InvalidInput

    doc = _early([{"agents": [""], "setting": "adjuvant"}])
    with pytest.raises(InvalidInput) as caught:
        parse_case(doc)
    assert caught.value.field == "history.therapies.0.agents"


def test_residual_disease_then_an_adjuvant_course_ended_without_an_outcome_keeps_the_residual_options() -> (
    None
):
    doc = _early(
        [
            TCHP_RESIDUAL,
            {
                "agents": ["trastuzumab emtansine"],
                "setting": "adjuvant",
                "start": "2024-06-01",
                "end": "2024-08-01",
            },
        ]
    )
    assert TDM1_RESIDUAL in {o.id for o in assess(parse_case(doc)).options}


def test_the_same_regimen_ended_without_an_outcome_gets_a_caution() -> None:
    doc = _early(
        [
            {"agents": ["TCHP"], "setting": "neoadjuvant", "outcome": "pcr"},
            {"agents": ["trastuzumab", "pertuzumab"], "setting": "adjuvant", "outcome": "completed"},
            {"agents": ["neratinib"], "setting": "adjuvant", "start": "2025-01-01", "end": "2025-06-01"},
        ]
    )
    option = _option(assess(parse_case(doc)), "ind:neratinib-breast-extended-adjuvant")
    assert "same-regimen-ended" in _codes(option)


# ------------------------------------------------------------------ APHINITY's head-to-head in its node-negative cohort
TRASTUZUMAB_ADJUVANT = "ind:trastuzumab-breast-adjuvant"


def test_aphinity_head_to_head_is_not_applied_in_its_node_negative_cohort() -> None:
    """pT2 pN0 ER/PR-negative: in APHINITY's node-negative cohort (HR 1.13, 95% CI 0.68-1.86), so the whole trial's
    iDFS win of pertuzumab + trastuzumab over trastuzumab does not order them; a note says so."""
    result = assess(parse_case(_adjuvant("pN0")))
    ids = [o.id for o in result.options]
    assert ids.index(TRASTUZUMAB_ADJUVANT) < ids.index(
        PERTUZUMAB_ADJUVANT
    )  # then rule 8 (trastuzumab's OS benefit)
    notes = [n for n in result.notes if "head-to-head result of APHINITY" in n]
    assert notes
    assert "node-negative subgroup, whose recorded result does not show a benefit" in notes[0]


def test_aphinity_head_to_head_still_orders_node_positive_disease() -> None:
    result = assess(parse_case(_adjuvant("pN1a")))
    ids = [o.id for o in result.options]
    assert ids.index(PERTUZUMAB_ADJUVANT) < ids.index(TRASTUZUMAB_ADJUVANT)
    assert not any("head-to-head result of APHINITY" in n for n in result.notes)


# ------------------------------------------------- the Herceptin adjuvant label's node-negative criteria, said exactly
def _herceptin(result: Assessment) -> tuple[str, list[str]]:
    by_id = {o.id: o for o in result.options}
    if TRASTUZUMAB_ADJUVANT in by_id:
        option = by_id[TRASTUZUMAB_ADJUVANT]
        return ("missing" if option.missing else "met"), [*option.missing, *option.criteria_met]
    reasons = {n.indication: n.reasons for n in result.not_recommended}
    return "unmet", reasons[TRASTUZUMAB_ADJUVANT]


@pytest.mark.parametrize(
    ("t", "n", "er", "age", "grade", "histology", "verdict", "text"),
    [
        ("pT1c", "pN1a", "positive", 60, None, None, "met", "node-positive (pN1a)"),
        ("pT1b", "pN0", "negative", 60, None, None, "met", "node-negative (pN0) and ER/PR-negative"),
        ("pT2", "pN0", "positive", 60, None, None, "met", "pT2 (over 2 cm)"),
        ("pT1c", "pN0", "positive", 33, 1, None, "met", "age 33"),
        ("pT1c", "pN0", "positive", 60, 2, None, "met", "grade 2"),
        ("pT1c", "pN0", "positive", 60, None, "invasive ductal carcinoma, grade 3", "met", "grade 3"),
        ("pT1c", "pN0", "positive", 60, None, None, "missing", "grade (tumor.grade)"),
        # (closing review: a nuclear or DCIS grade is not the invasive tumour's histological grade)
        (
            "pT1c",
            "pN0",
            "positive",
            60,
            None,
            "invasive ductal carcinoma, nuclear grade 3",
            "missing",
            "grade",
        ),
        ("pT1c", "pN0", "positive", 60, None, "IDC, Nottingham grade 1; DCIS grade 3", "unmet", "grade 1"),
        (
            "pT1c",
            "pN0",
            "positive",
            60,
            None,
            "invasive carcinoma, grade 1-2",
            "missing",
            "grade (tumor.grade)",
        ),
        (
            "pT1b",
            "pN0",
            "positive",
            58,
            None,
            "invasive ductal carcinoma, grade 1",
            "unmet",
            "grade 1, age 58",
        ),
        (
            "pT1b",
            "pN0",
            "positive",
            58,
            1,
            None,
            "unmet",
            "none of them: pT1b (2 cm or less), grade 1, age 58",
        ),
        (None, None, "positive", 58, 1, None, "missing", "nodal status"),
    ],
)
def test_the_herceptin_adjuvant_node_negative_criteria(
    t: str | None,
    n: str | None,
    er: str,
    age: int,
    grade: int | None,
    histology: str | None,
    verdict: str,
    text: str,
) -> None:
    doc = _adjuvant(None, er=er)
    doc["biomarkers"]["pr"] = er
    doc["patient"]["age"] = age
    if t:
        doc["tumor"].update(t_category=t, n_category=n)
    if grade is not None:
        doc["tumor"]["grade"] = grade
    if histology is not None:
        doc["tumor"]["histology"] = histology
    found, texts = _herceptin(assess(parse_case(doc)))
    assert found == verdict, texts
    assert any(text in x for x in texts), texts
    if verdict == "unmet":
        assert all(x.startswith("not covered by the label: ") for x in texts)


def test_no_caution_text_names_a_knowledge_base_field() -> None:
    doc = _adjuvant("pN0", er="positive")
    result = assess(parse_case(doc))
    texts = [c.text for o in result.options for c in o.cautions] + [
        r for n in result.not_recommended for r in n.reasons
    ]
    for field_name in ("high_risk_required", "node_negative_risk", "extent_required", "stage_groups"):
        assert not any(field_name in x for x in texts), field_name


def test_an_unstated_early_phase_lists_the_phases_as_groups_not_ranked_by_effect_size() -> None:
    """cT2 cN1, no treatment and no phase: neoadjuvant and adjuvant options are not interleaved by effect size (a pCR
    rate against an iDFS hazard ratio); a note quotes the ASCO neoadjuvant guideline (Korde et al., JCO 2021)."""
    doc = _adjuvant(None)
    del doc["tumor"]["treatment_phase"]
    doc["tumor"].update(t_category="cT2", n_category="cN1")
    result = assess(parse_case(doc))
    phases = [o.line for o in result.options]
    first_adjuvant = phases.index("adjuvant")
    assert all(p == "adjuvant" for p in phases[first_adjuvant:]), phases
    assert "neoadjuvant" in phases[:first_adjuvant]
    assert any("listed in two groups, neoadjuvant then adjuvant" in n for n in result.notes)
