"""The FHIR import findings of the 2026 interop audit: "0+", IHC score text, ISH copy numbers in a panel and
as separate Observations, interpretation-only results, the FISH presence codes 85318-4 / 31150-6."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from her2kit.case import IhcTest, IshTest
from her2kit.interop import bundle_to_case, load_bundle_file
from her2kit.interop import codes as C  # noqa: N812
from her2kit.interop.fhir_values import ihc_score_noted

from .helpers import SNOMED, bundle, cc, condition, obs, patient

DATA = Path(__file__).parent / "data"
V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
S1 = {"reference": "Specimen/s1"}


def _read(name: str) -> Any:
    return bundle_to_case(load_bundle_file(DATA / name))


def _scores(result: Any) -> list[str]:
    return [t.score for t in result.case.her2_tests if isinstance(t, IhcTest)]


# --- finding 4: "0+" ------------------------------------------------------------------------------


def test_bare_0plus_is_score_0_with_a_finding() -> None:
    result = _read("b9_ihc_0plus.json")
    assert _scores(result) == ["0"]
    notes = [f for f in result.findings if '"0+"' in f]
    assert len(notes) == 1
    assert "Rakha" in notes[0]
    assert "ultralow" in notes[0]
    assert "null" in notes[0]


def test_0plus_negative_is_score_0_with_the_same_finding() -> None:
    result = _read("b9b_ihc_0plus_negative.json")
    assert _scores(result) == ["0"]
    assert any('"0+"' in f for f in result.findings)


@pytest.mark.parametrize("text", ["0+ (ultralow)", "HER2-ultralow", ">0 <1+", "0 with staining"])
def test_explicit_ultralow_stays_ultralow_without_a_note(text: str) -> None:
    assert ihc_score_noted({"valueString": text}) == ("ultralow", None)


# --- finding 5: score text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("HER2 0 (negative)", "0"),
        ("0 (negative)", "0"),
        ("Negative (0)", "0"),
        ("IHC 0", "0"),
        ("Score 0", "0"),
        ("0 / negative", "0"),
        ("HER2 1 (negative)", "1+"),
        ("1 (negative)", "1+"),
        ("Negative (1+)", "1+"),
        ("IHC 1", "1+"),
        ("Score 1", "1+"),
        ("HER2 2 (equivocal)", "2+"),
        ("Equivocal (2)", "2+"),
        ("IHC 2", "2+"),
        ("HER2 3 (positive)", "3+"),
        ("3 (positive)", "3+"),
        ("Positive (3+)", "3+"),
        ("IHC 3", "3+"),
        ("Score 3", "3+"),
        ("3+ (positive)", "3+"),
        ("HER2-null", "0"),
    ],
)
def test_ihc_score_text(text: str, score: str) -> None:
    assert ihc_score_noted({"valueString": text}) == (score, None)


@pytest.mark.parametrize(
    "text", ["Positive", "Negative", "Mixed", "ratio 2.0", "HER2 IHC 2 slides", "IHC 3 %"]
)
def test_not_a_score(text: str) -> None:
    assert ihc_score_noted({"valueString": text}) == (None, None)


def test_ihc_0_text_and_3plus_on_one_specimen_are_discordant() -> None:
    result = _read("b6_ihc_text.json")
    assert sorted(_scores(result)) == ["0", "3+"]
    assert any("IHC results on specimen s1 differ" in i for i in result.inconsistencies)
    assert not any("not an IHC score" in i for i in result.ignored)


# --- finding 1: copy numbers beside a ratio component ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "ratio", "her2", "cep17"),
    [("b1_panel_ish_components.json", 1.8, 6.5, 3.6), ("b1c_panel_group2.json", 2.2, 3.5, 1.6)],
)
def test_panel_ratio_reads_sibling_copy_numbers(name: str, ratio: float, her2: float, cep17: float) -> None:
    result = _read(name)
    (ish,) = [t for t in result.case.her2_tests if isinstance(t, IshTest)]
    assert (ish.ratio, ish.her2_copies, ish.cep17_copies) == (ratio, her2, cep17)
    assert not any("74860-8" in i or "74861-6" in i for i in result.ignored)


# --- finding 6: interpretation only ---------------------------------------------------------------


def test_ihc_interpretation_only_is_a_finding_not_a_score() -> None:
    result = _read("b4_ihc_interp_only.json")
    assert result.case.her2_tests == []
    stated = [f for f in result.findings if "without a score" in f and "interpretation" in f]
    assert len(stated) == 2
    assert any("85319-2" in f and "positive" in f for f in stated)
    assert any("18474-7" in f and "negative" in f for f in stated)
    assert not any("(no value)" in i for i in result.ignored)


def test_receptor_interpretation_only() -> None:
    result = _read("b7_er_pr.json")
    assert result.case.biomarkers.er == "positive"
    assert any("85337-4" in f and "interpretation" in f for f in result.findings)
    neg = obs("pr", "85339-0", interpretation=[cc("NEG", system=V3)])
    assert bundle_to_case(bundle(patient(), condition(), neg)).case.biomarkers.pr == "negative"


# --- finding 3: FISH presence codes ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["b2_fish_85318_4.json", "b2b_fish_31150_6.json"])
def test_fish_presence_codes_are_ish_results(name: str) -> None:
    result = _read(name)
    (ish,) = [t for t in result.case.her2_tests if isinstance(t, IshTest)]
    assert ish.result == "amplified"
    assert ish.ratio is None
    assert not any("not read" in i for i in result.ignored)


def test_fish_presence_in_panel_and_negative() -> None:
    panel = obs(
        "panel",
        "48676-1",
        component=[{"code": cc("31150-6"), "valueCodeableConcept": cc("260385009", system=SNOMED)}],
    )
    result = bundle_to_case(bundle(patient(), condition(), panel))
    (ish,) = result.case.her2_tests
    assert isinstance(ish, IshTest)
    assert ish.result == "not-amplified"


def test_85318_4_is_breast_only() -> None:
    assert C.HER2_FISH_BREAST in C.BREAST_ONLY_CODES
    assert {"85318-4", "31150-6"} <= C.HER2_CODES


# --- finding 2: separate copy-number Observations -------------------------------------------------


def test_separate_copy_observations_join_the_ratio() -> None:
    result = _read("b3_separate_copy_obs.json")
    (ish,) = [t for t in result.case.her2_tests if isinstance(t, IshTest)]
    assert (ish.ratio, ish.her2_copies, ish.cep17_copies) == (2.2, 3.5, 1.6)
    assert not any("74860-8" in i or "74861-6" in i for i in result.ignored)


def _qty(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "{copies}"}


def test_copy_observation_without_a_matching_ratio_is_a_finding() -> None:
    ratio = obs("ratio", "49683-6", specimen=S1, valueQuantity={"value": 2.2})
    other = obs("cn", "74860-8", date="2024-04-01", specimen=S1, valueQuantity=_qty(3.5))
    result = bundle_to_case(bundle(patient(), condition(), ratio, other))
    (ish,) = result.case.her2_tests
    assert isinstance(ish, IshTest)
    assert ish.her2_copies is None
    assert any("Observation/cn" in f and "not joined" in f for f in result.findings)


def test_copy_observation_joined_by_has_member() -> None:
    ratio = obs("ratio", "49683-6", valueQuantity={"value": 2.2}, hasMember=[{"reference": "Observation/cn"}])
    cn = obs("cn", "74860-8", date="2024-03-02", valueQuantity=_qty(3.5))
    result = bundle_to_case(bundle(patient(), condition(), ratio, cn))
    (ish,) = result.case.her2_tests
    assert isinstance(ish, IshTest)
    assert ish.her2_copies == 3.5


def test_copy_observation_contradicting_the_ratio_is_not_joined() -> None:
    ratio = obs("ratio", "49683-6", specimen=S1, valueQuantity={"value": 1.0})
    her2 = obs("cn", "74860-8", specimen=S1, valueQuantity=_qty(8.0))
    cep = obs("cep", "74861-6", specimen=S1, valueQuantity=_qty(2.0))
    result = bundle_to_case(bundle(patient(), condition(), ratio, her2, cep))
    (ish,) = result.case.her2_tests
    assert isinstance(ish, IshTest)
    assert ish.ratio == 1.0
    assert ish.cep17_copies is None
    assert any("Observation/cep" in i and "not joined" in i for i in result.inconsistencies)


# --- finding 7 ------------------------------------------------------------------------------------


def test_85319_2_label_is_presence() -> None:
    assert C.LOINC_NAMES["85319-2"] == "HER2 presence by immune stain (breast cancer specimen)"
