"""Lines of metastatic therapy as the labels count them (match/history.py, match/criteria.py).

A label that defines its first line as "who have not received prior anti-HER2 therapy or chemotherapy for
metastatic disease" (Perjeta USPI 1.1) does not count endocrine-based lines; a label that says only
"first-line" leaves the question open, so such a line is asked about, not refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.assessment import Option
from her2kit.case import Case, parse_case
from her2kit.kb.load import KnowledgeBase
from her2kit.match import assess
from her2kit.match.history import derive

PERTUZUMAB_1L = "ind:pertuzumab-breast-metastatic-first-line"
TRASTUZUMAB_PACLITAXEL_1L = "ind:trastuzumab-breast-metastatic-first-line"


def _case(*therapies: dict[str, Any]) -> Case:
    return parse_case(
        {
            "schema_version": "1",
            "id": "t",
            "tumor": {"type": "breast", "setting": "metastatic"},
            "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
            "biomarkers": {"er": "positive", "pr": "positive"},
            "history": {"therapies": list(therapies)},
        }
    )


def _line(
    agents: list[str], line: int | None = None, setting: str = "metastatic", outcome: str = "progression"
) -> dict[str, Any]:
    therapy: dict[str, Any] = {"agents": agents, "setting": setting, "outcome": outcome}
    if line is not None:
        therapy["line"] = line
    return therapy


@pytest.mark.parametrize(
    ("therapies", "prior", "endocrine"),
    [
        ([], 0, 0),
        ([_line(["letrozole", "palbociclib"], 1)], 1, 1),
        ([_line(["fulvestrant"], 1), _line(["exemestane", "everolimus"], 2)], 2, 2),
        # an anti-HER2 agent or chemotherapy with the endocrine drug: not endocrine-based
        ([_line(["letrozole", "lapatinib"], 1)], 1, 0),
        ([_line(["letrozole"], 1), _line(["capecitabine"], 2)], 2, 1),
        ([_line(["Herceptin", "anastrozole"], 1)], 1, 0),
        # two therapies under one line number: endocrine-based only if both are
        ([_line(["letrozole"], 1), _line(["paclitaxel"], 1)], 1, 0),
        # lines without numbers are counted one by one
        ([_line(["tamoxifen"]), _line(["docetaxel", "trastuzumab", "pertuzumab"])], 2, 1),
        # a line number with no therapy listed is of unknown kind: it counts
        ([_line(["letrozole"], 2)], 2, 1),
        # no endocrine drug at all
        ([_line(["capecitabine"], 1)], 1, 0),
        # recurrence during adjuvant endocrine therapy: a prior line, endocrine-based
        ([_line(["tamoxifen"], setting="adjuvant")], 1, 1),
        ([_line(["docetaxel", "trastuzumab"], setting="adjuvant")], 1, 0),
    ],
)
def test_endocrine_based_lines(
    kb: KnowledgeBase, therapies: list[dict[str, Any]], prior: int, endocrine: int
) -> None:
    history = derive(_case(*therapies), kb)
    assert history.prior_lines_for_labels == prior
    assert history.endocrine_based_lines == endocrine


def _options(kb: KnowledgeBase, *therapies: dict[str, Any]) -> tuple[dict[str, Option], dict[str, str]]:
    result = assess(_case(*therapies), kb)
    return {o.id: o for o in result.options}, {
        n.indication: " ".join(n.reasons) for n in result.not_recommended
    }


def test_endocrine_lines_do_not_count_where_the_label_counts_chemotherapy_and_anti_her2(
    kb: KnowledgeBase,
) -> None:
    options, _ = _options(kb, _line(["letrozole"], 1), _line(["fulvestrant", "palbociclib"], 2))
    option = options[PERTUZUMAB_1L]
    assert not option.missing
    assert any("2 endocrine-based, which the label does not count" in m for m in option.criteria_met)


def test_a_label_that_does_not_say_asks_about_endocrine_lines(kb: KnowledgeBase) -> None:
    options, _ = _options(kb, _line(["letrozole"], 1))
    assert any("endocrine-based" in m for m in options[TRASTUZUMAB_PACLITAXEL_1L].missing)


def test_an_anti_her2_line_still_ends_the_first_line(kb: KnowledgeBase) -> None:
    options, refused = _options(kb, _line(["letrozole"], 1), _line(["trastuzumab", "lapatinib"], 2))
    assert PERTUZUMAB_1L not in options
    assert "1 prior line(s) of chemotherapy or anti-HER2 therapy counted" in refused[PERTUZUMAB_1L]
    assert TRASTUZUMAB_PACLITAXEL_1L not in options


def test_without_endocrine_lines_nothing_changes(kb: KnowledgeBase) -> None:
    options, _ = _options(kb)
    assert "first line (prior lines counted for the label: 0)" in options[PERTUZUMAB_1L].criteria_met
