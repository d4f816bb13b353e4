"""T and N categories (``tumor.t_category``, ``tumor.n_category``, a TNM ``tumor.stage``) and the criteria that read
them.

Sources: the Perjeta and Phesgo neoadjuvant indications ("locally advanced, inflammatory, or early stage breast
cancer (either greater than 2 cm in diameter or node positive)") [ref:label-perjeta, ref:label-phesgo]; the AJCC
8th edition breast T/N definitions and anatomic stage table, as copied by the MSD Manual (2023-10-18) and the NCI
Thesaurus (C139541) [ref:web-msd-breast-anatomic-staging, ref:db-ncit-c139541]; the DESTINY-Breast11 indication
("Stage II or III") [ref:fda-tdxd-early-breast-2026]. The "y" prefix: yc/ypTNM is "not an estimate of tumor prior
to multimodality therapy" (AJCC descriptors).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from her2kit import tnm
from her2kit.case import parse_case
from her2kit.errors import InvalidInput
from her2kit.match import assess

NEOADJUVANT_HP = "ind:pertuzumab-breast-neoadjuvant"
NEOADJUVANT_PHESGO = "ind:pertuzumab-trastuzumab-hyaluronidase-breast-neoadjuvant"
NEOADJUVANT_TDXD = "ind:trastuzumab-deruxtecan-breast-neoadjuvant"


def _case(**tumor: Any) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "id": "extent",
        "patient": {"age": 50, "sex": "female", "lvef_percent": 62, "pregnant": False},
        "tumor": {"type": "breast", "setting": "early", "treatment_phase": "neoadjuvant", **tumor},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
        "biomarkers": {"er": "negative", "pr": "negative"},
        "history": {"therapies": []},
    }


def _where(doc: dict[str, Any], indication: str) -> tuple[str, list[str]]:
    """("option", met + missing) or ("not-recommended", reasons) for one indication."""
    result = assess(parse_case(doc))
    for option in result.options:
        if option.id == indication:
            return "option", [*option.criteria_met, *option.missing]
    for other in result.not_recommended:
        if other.indication == indication:
            return "not-recommended", other.reasons
    raise AssertionError(f"{indication} is neither an option nor not recommended")


# ----------------------------------------------------------------------------------------------- notation
@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("cT2", "cT2"),
        ("T1c", "T1c"),
        ("ypt0", "ypT0"),
        ("pT1mi", "pT1mi"),
        ("cT4d", "cT4d"),
        ("Tis", "Tis"),
        ("TIS", "Tis"),
        ("tx", "TX"),
        (" c T3 ", "cT3"),
        ("pT1c(m)", "pT1c(m)"),
        ("ypT1a(m)", "ypT1a(m)"),
        ("T1mic", "T1mi"),  # the AJCC 7th edition's spelling
        ("Tis (DCIS)", "Tis"),
    ],
)
def test_t_categories_are_read_in_their_canonical_spelling(text: str, read: str) -> None:
    parsed = tnm.parse_t(text)
    assert parsed is not None
    assert str(parsed) == read


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("cN1", "cN1"),
        ("pN0(i+)", "pN0(i+)"),
        ("pn1mi", "pN1mi"),
        ("N2a", "N2a"),
        ("NX", "NX"),
        ("pN1(sn)", "pN1(sn)"),
        ("N0(I+)", "N0(i+)"),
        ("pN0(mol-)", "pN0(mol-)"),
        ("pN0(sn)(i-)", "pN0(sn)(i-)"),
        ("pN1(mi)", "pN1mi"),
        ("N0 (i+)", "N0(i+)"),
    ],
)
def test_n_categories_are_read_in_their_canonical_spelling(text: str, read: str) -> None:
    parsed = tnm.parse_n(text)
    assert parsed is not None
    assert str(parsed) == read


@pytest.mark.parametrize("text", ["T5", "cT", "T2e", "T1d", "xT2", "T 2 N1", "stage II", ""])
def test_what_is_not_a_t_category_is_not_read(text: str) -> None:
    assert tnm.parse_t(text) is None


@pytest.mark.parametrize("text", ["N4", "N1d", "N0(x)", "cN", "N2mi", "N1(i+)", "N2(mi)"])
def test_what_is_not_an_n_category_is_not_read(text: str) -> None:
    assert tnm.parse_n(text) is None


@pytest.mark.parametrize(
    ("stage", "t", "n", "m"),
    [
        ("cT2N1M0", "cT2", "cN1", "M0"),
        ("pT1c pN0 M0", "pT1c", "pN0", "M0"),
        ("ypT1a N0", "ypT1a", "ypN0", None),
        ("T2 N0", "T2", "N0", None),
        ("pT1cN1mi(sn)M0", "pT1c", "pN1mi(sn)", "M0"),
        ("cT4b cN2 cM1", "cT4b", "cN2", "M1"),
        ("cT2cN1cM0", "cT2", "cN1", "M0"),  # compact: the c before N and M is a prefix
        ("pT1cN0", "pT1c", "pN0", None),  # after T1 the letter is the subcategory
        ("cT2, cN1, M0", "cT2", "cN1", "M0"),
        ("Stage IIIB (cT4b N1 M0)", "cT4b", "cN1", "M0"),
        ("T1c N0 (i+)", "T1c", "N0(i+)", None),
        ("pT1c(m) pN1a(sn) M0", "pT1c(m)", "pN1a(sn)", "M0"),
    ],
)
def test_a_tnm_stage_string_gives_t_n_and_m(stage: str, t: str, n: str, m: str | None) -> None:
    staged = tnm.parse_stage(stage)
    assert staged is not None
    assert (str(staged.t), str(staged.n), staged.m) == (t, n, m)


@pytest.mark.parametrize("stage", ["IIA", "stage 2B", "III", "T2", "early", "cT2 cN1 cN2"])
def test_a_stage_group_or_partial_string_is_not_read_as_tnm(stage: str) -> None:
    assert tnm.parse_stage(stage) is None


# ------------------------------------------------------------------------------- AJCC 8 anatomic stage table
@pytest.mark.parametrize(
    ("t", "n", "group"),
    [
        ("Tis", "N0", "0"),
        ("T1mi", "N0", "I"),  # IA: T1 includes T1mi
        ("T1c", "N0", "I"),
        ("T0", "N1mi", "I"),  # IB
        ("T1b", "N1mi", "I"),  # IB
        ("T0", "N1", "II"),  # IIA (N1 here excludes N1mi)
        ("T1", "N1a", "II"),
        ("T2", "N0", "II"),
        ("T2", "N1mi", "II"),  # IIB: the N1mi exclusion is for T0-T1 only
        ("T2", "N1", "II"),
        ("T3", "N0", "II"),
        ("T0", "N2", "III"),  # IIIA
        ("T2", "N2a", "III"),
        ("T3", "N1", "III"),
        ("T3", "N2", "III"),
        ("T4a", "N0", "III"),  # IIIB
        ("T4d", "N2", "III"),
        ("T1", "N3", "III"),  # IIIC
        ("T0", "N3c", "III"),
    ],
)
def test_breast_anatomic_stage_groups_follow_the_ajcc_table(t: str, n: str, group: str) -> None:
    t_cat, n_cat = tnm.parse_t(t), tnm.parse_n(n)
    assert t_cat is not None
    assert n_cat is not None
    assert tnm.breast_anatomic_group(t_cat, n_cat) == group
    assert tnm.breast_anatomic_group(t_cat, n_cat, "M1") == "IV"


@pytest.mark.parametrize(
    ("t", "n"), [("TX", "N0"), ("T2", "NX"), ("T0", "N0"), ("Tis", "N1"), ("ypT2", "ypN0")]
)
def test_no_stage_group_where_the_table_gives_none(t: str, n: str) -> None:
    t_cat, n_cat = tnm.parse_t(t), tnm.parse_n(n)
    assert t_cat is not None
    assert n_cat is not None
    assert tnm.breast_anatomic_group(t_cat, n_cat) is None


T_CODES = ["T0", "T1mi", "T1a", "T1b", "T1c", "T2", "T3", "T4a", "T4b", "T4c", "T4d"]
N_CODES = ["N0", "N0(i+)", "N1mi", "N1", "N1a", "N2", "N2b", "N3", "N3a"]


@given(st.sampled_from(T_CODES), st.sampled_from(T_CODES), st.sampled_from(N_CODES))
def test_a_larger_tumour_never_has_a_lower_stage_group(t1: str, t2: str, n: str) -> None:
    order = ["0", "I", "II", "III", "IV"]
    low, high = sorted((t1, t2), key=T_CODES.index)
    groups = []
    for t in (low, high):
        t_cat, n_cat = tnm.parse_t(t), tnm.parse_n(n)
        assert t_cat is not None
        assert n_cat is not None
        groups.append(tnm.breast_anatomic_group(t_cat, n_cat))
    if None not in groups:
        assert order.index(groups[0] or "") <= order.index(groups[1] or "")


# ------------------------------------------------------------------------------------------ case contract
@pytest.mark.parametrize(
    ("tumor", "field", "fragment"),
    [
        ({"t_category": "T5"}, "tumor.t_category", "T category such as cT2"),
        ({"n_category": "N4"}, "tumor.n_category", "N category such as cN1"),
        ({"t_category": 2}, "tumor.t_category", "T category"),
        ({"stage": "cT2 cN1 M0", "t_category": "cT1c"}, "tumor.t_category", "tumor.stage gives (cT2)"),
        ({"stage": "cT2 cN1 M0", "n_category": "cN0"}, "tumor.n_category", "tumor.stage gives (cN1)"),
        ({"stage": "cT2 cN1 M1"}, "tumor.stage", "M1 is metastatic"),
    ],
)
def test_bad_categories_name_the_field_and_what_is_allowed(
    tumor: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_case(_case(**tumor))
    assert caught.value.field == field
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "tumor",
    [
        {
            "stage": "T2 N1 M0",
            "t_category": "cT2",
            "n_category": "cN1",
        },  # an unwritten prefix agrees with any
        {
            "stage": "ypT1 ypN0",
            "yp_t_category": "ypT1",
            "yp_n_category": "ypN0",
        },  # the same post-treatment values
    ],
)
def test_the_same_categories_given_twice_are_accepted(tumor: dict[str, Any]) -> None:
    parse_case(_case(**tumor))


def test_categories_agreeing_with_the_stage_string_are_accepted() -> None:
    case = parse_case(_case(stage="cT2 cN1 M0", t_category="ct2", n_category="cN1"))
    assert (str(case.tumor.t), str(case.tumor.n)) == ("cT2", "cN1")
    assert (case.tumor.t_category, case.tumor.n_category) == ("cT2", "cN1")


# ------------------------------------------------------------ "greater than 2 cm in diameter or node positive"
@pytest.mark.parametrize("indication", [NEOADJUVANT_HP, NEOADJUVANT_PHESGO])
@pytest.mark.parametrize(
    ("tumor", "met"),
    [
        ({"t_category": "cT2", "n_category": "cN0"}, "cT2 (greater than 2 cm)"),
        ({"t_category": "cT3", "n_category": "cN0"}, "cT3 (greater than 2 cm)"),
        ({"t_category": "cT1c", "n_category": "cN1"}, "cN1 (node positive)"),
        ({"t_category": "cT4b", "n_category": "cN0"}, "cT4b (locally advanced)"),
        ({"t_category": "cT4d", "n_category": "cN0"}, "cT4d (inflammatory)"),
        ({"stage": "cT1b cN2a M0"}, "cN2a (node positive)"),
        ({"n_category": "cN1"}, "cN1 (node positive)"),  # T unknown: nodes suffice
        ({"t_category": "cT2"}, "cT2 (greater than 2 cm)"),  # N unknown: size suffices
        ({"t_category": "cT1c", "n_category": "pN1mi(sn)"}, "micrometastases, N1 in AJCC 8"),
    ],
)
def test_extent_over_2cm_or_node_positive_meets_the_label(
    indication: str, tumor: dict[str, Any], met: str
) -> None:
    kind, lines = _where(_case(**tumor), indication)
    assert kind == "option"
    assert any(met in line and "greater than 2 cm in diameter or node positive" in line for line in lines)


@pytest.mark.parametrize("indication", [NEOADJUVANT_HP, NEOADJUVANT_PHESGO])
@pytest.mark.parametrize(
    "tumor",
    [
        {"t_category": "cT1c", "n_category": "cN0"},
        {"t_category": "cT1a", "n_category": "cN0(i+)"},  # isolated tumour cells: N0
        {"stage": "cT1b cN0 M0"},
    ],
)
def test_small_node_negative_disease_is_outside_the_label(indication: str, tumor: dict[str, Any]) -> None:
    kind, reasons = _where(_case(**tumor), indication)
    assert kind == "not-recommended"
    assert "2 cm or less, node negative" in reasons[0]


@pytest.mark.parametrize(
    ("tumor", "asked"),
    [
        ({}, "tumour size (T category) and nodal status (N category)"),
        ({"t_category": "cT1c"}, "nodal status (N category)"),
        ({"t_category": "cT1c", "n_category": "cNX"}, "nodal status (N category; cNX cannot be assessed)"),
        ({"t_category": "TX", "n_category": "cN0"}, "tumour size (T category; TX cannot be assessed)"),
        ({"stage": "II"}, "tumour size (T category) and nodal status (N category)"),
        ({"t_category": "ypT2", "n_category": "ypN1"}, "the extent before neoadjuvant therapy"),
    ],
)
def test_an_unknown_extent_is_asked_for_never_assumed(tumor: dict[str, Any], asked: str) -> None:
    result = assess(parse_case(_case(**tumor)))
    option = next(o for o in result.options if o.id == NEOADJUVANT_HP)
    assert any(asked in line for line in option.missing), option.missing
    assert option.missing


def test_no_risk_criteria_caution_remains_on_the_neoadjuvant_options() -> None:
    result = assess(parse_case(_case(t_category="cT2", n_category="cN1")))
    for option in result.options:
        if option.id in (NEOADJUVANT_HP, NEOADJUVANT_PHESGO):
            assert "confirm-label-risk-criteria" not in [c.code for c in option.cautions]


# ------------------------------------------------------------------ "Stage II or III" from the T and N categories
@pytest.mark.parametrize(
    ("tumor", "kind", "text"),
    [
        ({"t_category": "cT2", "n_category": "cN0"}, "option", "anatomic stage II from cT2 cN0"),
        ({"stage": "cT1c cN2 M0"}, "option", "anatomic stage III from cT1c cN2"),
        ({"t_category": "cT1c", "n_category": "cN0"}, "not-recommended", "anatomic stage I from cT1c cN0"),
        (
            {"t_category": "cT1b", "n_category": "cN1mi"},
            "not-recommended",
            "anatomic stage I from cT1b cN1mi",
        ),
        # a stated group the categories contradict is asked about (a prognostic stage may differ from the anatomic)
        (
            {"stage": "IIB", "t_category": "cT1c", "n_category": "cN0"},
            "option",
            "stated IIB, but cT1c cN0 gives",
        ),
        ({"stage": "IIB", "t_category": "cT2", "n_category": "cN1"}, "option", "stage IIB (the label"),
        # a group that is certain whatever the unknown category (every completion is stage II or III)
        ({"t_category": "cT3", "n_category": "cNX"}, "option", "anatomic stage II or III from cT3 cNX"),
        ({"t_category": "cT2"}, "option", "anatomic stage II or III from cT2"),
        ({"n_category": "cN2"}, "option", "anatomic stage III from cN2"),
    ],
)
def test_neoadjuvant_tdxd_stage_ii_or_iii_reads_the_categories(
    tumor: dict[str, Any], kind: str, text: str
) -> None:
    where, lines = _where(_case(**tumor), NEOADJUVANT_TDXD)
    assert where == kind
    assert any(text in line for line in lines), lines


@pytest.mark.parametrize(
    ("tumor", "asked"),
    [
        ({"t_category": "cT1c"}, "anatomic stage I or II or III from cT1c"),  # N decides
        ({"n_category": "cN0"}, "give the missing category"),
        ({"t_category": "TX", "n_category": "cN0"}, "give the missing category"),
    ],
)
def test_an_undecided_stage_group_is_asked_for(tumor: dict[str, Any], asked: str) -> None:
    result = assess(parse_case(_case(**tumor)))
    option = next(o for o in result.options if o.id == NEOADJUVANT_TDXD)
    assert any(asked in line for line in option.missing), option.missing


def test_a_stated_stage_contradicting_the_categories_is_never_a_complete_fit() -> None:
    result = assess(parse_case(_case(stage="IIA", t_category="cT1c", n_category="cN0")))
    option = next(o for o in result.options if o.id == NEOADJUVANT_TDXD)
    assert option.missing


def test_post_treatment_categories_give_no_stage_group() -> None:
    result = assess(parse_case(_case(t_category="ypT1", n_category="ypN0")))
    option = next(o for o in result.options if o.id == NEOADJUVANT_TDXD)
    assert any("describe the tumour after neoadjuvant therapy" in line for line in option.missing)


# ------------------------------------------------------------------------------------ second review (s9)
def test_a_prognostic_stage_is_not_read_as_the_label_stage_group() -> None:
    result = assess(parse_case(_case(stage="Prognostic stage IB")))
    option = next(o for o in result.options if o.id == NEOADJUVANT_TDXD)
    assert any("the stage group of 'Prognostic stage IB'" in m for m in option.missing)


@pytest.mark.parametrize(("stage", "asked"), [("IIA", True), ("IIB", False), ("IIIA", False), ("II", True)])
def test_destiny_breast11_with_a_stage_group_alone(stage: str, asked: bool) -> None:
    result = assess(parse_case(_case(stage=stage)))
    option = next(o for o in result.options if o.id == NEOADJUVANT_TDXD)
    assert ("trial-population-unknown" in [c.code for c in option.cautions]) is asked


def test_n_annotation_on_the_wrong_category_says_where_it_belongs() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_case(_case(n_category="N1(i+)"))
    assert "(i+), (i-), (mol+), (mol-) on N0 only" in str(caught.value)
