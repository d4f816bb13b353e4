"""Every effect line names its population, and shows the recorded result of the case's subgroup.

Sources: DESTINY-Breast04 hormone receptor-negative cohort, exploratory PFS HR 0.46 (0.24-0.89) (ASCO 2022 LBA3
slides) [ref:web-asco-2022-lba3-destiny-breast04-slides]; DESTINY-Breast06 HER2-ultralow population, exploratory PFS
HR 0.78 (0.50-1.21) [ref:web-actgenomics-destiny-breast06-asco-2024]; KEYNOTE-811 final OS in PD-L1 CPS >= 1, HR 0.79
(0.66-0.95) [ref:abstract-esmo-2024-keynote-811-final]; DESTINY-Gastric01 enrolled patients from Japan and South Korea
after "at least two previous therapies, including trastuzumab" [ref:doi-10-1056-nejmoa2004413].
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from her2kit.assessment import Option
from her2kit.case import parse_case
from her2kit.match import assess

VIGNETTES = Path(__file__).parent / "vignettes"


def _option(name: str, iid: str) -> Option:
    doc = json.loads((VIGNETTES / name).read_text())
    result = assess(parse_case(doc["case"]))
    return next(o for o in result.options if o.id == iid)


@pytest.mark.parametrize("name", sorted(p.name for p in VIGNETTES.glob("*.json")))
def test_every_effect_line_names_its_population(name: str) -> None:
    doc = json.loads((VIGNETTES / name).read_text())
    for option in assess(parse_case(doc["case"])).options:
        if option.evidence.effect:
            assert "; population: " in option.evidence.effect, option.evidence.effect


def test_an_hr_negative_case_sees_destiny_breast04s_hr_negative_cohort() -> None:
    effect = _option(
        "18-mbc-hrneg-her2low-after-chemo.json", "ind:trastuzumab-deruxtecan-breast-her2-low"
    ).evidence
    assert effect.effect is not None
    assert "population: hormone receptor-positive cohort" in effect.effect
    assert (
        "in this case's subgroup (hormone receptor-negative cohort, 40 vs 18 patients, exploratory): PFS HR 0.46"
        in (effect.effect)
    )
    assert "ref:web-asco-2022-lba3-destiny-breast04-slides" in effect.references


def test_an_ultralow_case_sees_destiny_breast06s_ultralow_result_and_a_caution() -> None:
    option = _option(
        "16-mbc-hrpos-ultralow.json", "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow"
    )
    assert option.evidence.effect is not None
    assert "population: HER2-low population" in option.evidence.effect
    assert "HER2-ultralow population, 153 patients, exploratory): PFS HR 0.78 (95% CI 0.5–1.21)" in (
        option.evidence.effect
    )
    assert "trial-subgroup" in [c.code for c in option.cautions]


def test_a_cps_1_gastric_case_sees_keynote_811s_cps_1_result() -> None:
    option = _option("30-gastric-1l-cps5.json", "ind:pembrolizumab-gastric-her2-positive-first-line")
    assert option.evidence.effect is not None
    assert "population: intention-to-treat, all PD-L1 levels" in option.evidence.effect
    assert "PD-L1 CPS ≥ 1, the population of the US indication): OS (final analysis) HR 0.79" in (
        option.evidence.effect
    )


def test_a_second_line_gastric_case_is_less_treated_than_destiny_gastric01() -> None:
    option = _option("33-gastric-2l.json", "ind:trastuzumab-deruxtecan-gastric-previously-treated")
    assert option.evidence.effect is not None
    assert (
        "not used to rank" not in option.evidence.effect
    )  # (its patients were further along: it still ranks)
    found = [c.text for c in option.cautions if c.code == "less-treated-than-trial"]
    assert found
    assert "DESTINY-Gastric04" in found[0]
