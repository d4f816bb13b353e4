"""Ranking rule 8: an overall-survival benefit shown in the pivotal trial (docs/matching.md).

The case that motivated the rule: after THP and T-DM1, with neratinib stopped for intolerance, lapatinib +
capecitabine (EGF100151: TTP HR 0.49 against capecitabine alone, final OS HR 0.87, 95% CI 0.71-1.08; Cameron et
al., Oncologist 2010, PMID 20736298) ranked above tucatinib + trastuzumab + capecitabine (HER2CLIMB: PFS HR 0.54
against trastuzumab + capecitabine, OS HR 0.66, 95% CI 0.50-0.88), by comparing hazard ratios against different
control arms.
"""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.case import parse_case
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import TrialResult
from her2kit.match import assess
from her2kit.match.rank import overall_survival, survival_benefit

TUCATINIB = "ind:tucatinib-breast-metastatic"
LAP_CAP = "ind:lapatinib-breast-metastatic-capecitabine"
TDM1 = "ind:trastuzumab-emtansine-breast-metastatic"
DB03 = "ind:trastuzumab-deruxtecan-breast-her2-positive-previously-treated"
MARGETUXIMAB = "ind:margetuximab-breast-metastatic"
NERATINIB = "ind:neratinib-breast-metastatic-capecitabine"


def _third_line(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "id": "s",
        "patient": {"sex": "female", "lvef_percent": 60, "pregnant": False},
        "tumor": {"type": "breast", "setting": "metastatic"},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
        "biomarkers": {"er": "negative", "pr": "negative"},
        "history": {
            "therapies": [
                {
                    "agents": ["doxorubicin", "cyclophosphamide"],
                    "setting": "adjuvant",
                    "outcome": "completed",
                },
                {
                    "agents": ["trastuzumab", "pertuzumab", "docetaxel"],
                    "setting": "metastatic",
                    "line": 1,
                    "outcome": "progression",
                },
                {"agents": ["T-DM1"], "setting": "metastatic", "line": 2, "outcome": "progression"},
                *extra,
            ]
        },
    }


def _ids(doc: dict[str, Any], kb: KnowledgeBase) -> list[str]:
    return [o.id for o in assess(parse_case(doc), kb).options]


def test_tucatinib_triplet_ranks_above_lapatinib_capecitabine(kb: KnowledgeBase) -> None:
    neratinib_stopped = {
        "agents": ["neratinib", "capecitabine"],
        "setting": "metastatic",
        "line": 3,
        "outcome": "intolerance",
    }
    ids = _ids(_third_line(neratinib_stopped), kb)
    assert ids.index(TUCATINIB) < ids.index(LAP_CAP), ids


def test_options_with_a_survival_benefit_lead_among_clean_options(kb: KnowledgeBase) -> None:
    result = assess(parse_case(_third_line()), kb)
    clean = [o for o in result.options if not o.contraindications and not o.missing]
    shown = [survival_benefit(kb.indications[o.id], kb, "breast") is not None for o in clean]
    assert shown == sorted(shown, reverse=True), [(o.id, s) for o, s in zip(clean, shown, strict=True)]
    ids = [o.id for o in clean]
    assert ids.index(DB03) < ids.index(TUCATINIB) < ids.index(MARGETUXIMAB)
    assert ids.index(TUCATINIB) < ids.index(NERATINIB)


def test_the_survival_line_says_why(kb: KnowledgeBase) -> None:
    options = {o.id: o for o in assess(parse_case(_third_line()), kb).options}
    tucatinib = options[TUCATINIB].evidence.survival
    assert tucatinib is not None
    assert "HER2CLIMB" in tucatinib
    assert "OS HR 0.66 (95% CI 0.5–0.88)" in tucatinib
    assert "below 1" in tucatinib
    lap_cap = options[LAP_CAP].evidence.survival
    assert lap_cap is not None
    assert "OS HR 0.87 (95% CI 0.71–1.08)" in lap_cap
    assert "includes 1" in lap_cap
    margetuximab = options[MARGETUXIMAB].evidence.survival
    assert margetuximab is not None
    assert "SOPHIA" in margetuximab
    assert "includes 1" in margetuximab


def test_an_interim_result_that_missed_its_boundary_does_not_count(kb: KnowledgeBase) -> None:
    db03 = kb.trials["trial:destiny-breast03"]
    first, second = [r for r in db03.results if r.endpoint == "OS"]
    assert first.significant is False
    assert first.ci95 is not None
    assert first.ci95[1] < 1
    result = survival_benefit(kb.indications[DB03], kb, "breast")
    assert result is not None
    assert result[1] == second


def test_no_recorded_survival_result_is_said(kb: KnowledgeBase) -> None:
    # DESTINY-Breast09 reports no overall-survival hazard ratio yet.
    text = overall_survival(
        kb.indications["ind:trastuzumab-deruxtecan-breast-her2-positive-first-line"], kb, "breast"
    )
    assert text is not None
    assert "no overall-survival hazard ratio" in text


def test_single_arm_trials_have_no_survival_line_beyond_saying_so(kb: KnowledgeBase) -> None:
    text = overall_survival(kb.indications["ind:trastuzumab-deruxtecan-solid-tumor-her2-ihc3"], kb, "biliary")
    assert text is not None
    assert "no overall-survival hazard ratio" in text


@pytest.mark.parametrize(
    ("hr", "ci", "significant", "counts"),
    [
        (0.66, (0.50, 0.88), None, True),
        (0.66, (0.50, 0.88), True, True),
        (0.55, (0.36, 0.86), False, False),  # below 1, but the prespecified boundary was not reached
        (0.87, (0.71, 1.08), None, False),
        (0.85, None, None, False),  # no interval: not judged
        (0.90, (0.80, 1.0), None, False),  # touching 1 is not below it
    ],
)
def test_what_counts_as_a_survival_benefit(
    hr: float, ci: tuple[float, float] | None, significant: bool | None, counts: bool
) -> None:
    from her2kit.match.rank import shows_survival_benefit

    result = TrialResult(
        endpoint="OS",
        analysis="interim",
        hazard_ratio=hr,
        ci95=ci,
        significant=significant,
        reference="ref:x",
    )
    assert shows_survival_benefit(result) is counts


def test_a_stated_missed_boundary_is_recorded_as_not_significant(kb: KnowledgeBase) -> None:
    for trial in kb.trials.values():
        for result in trial.results:
            if result.p_value and "not reached" in result.p_value:
                assert result.significant is False, (trial.id, result.endpoint)


def test_a_non_inferiority_trial_is_not_read_as_showing_no_benefit(kb: KnowledgeBase) -> None:
    text = overall_survival(
        kb.indications["ind:trastuzumab-hyaluronidase-breast-metastatic-first-line"], kb, "breast"
    )
    assert text is not None
    assert text.startswith("HannaH: OS HR 0.94")
    assert "non-inferiority" in text
    assert "no overall-survival benefit shown" not in text
