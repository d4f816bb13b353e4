"""Approvals reported but not encoded (``Agent.reported_approvals``): a note instead of silence.

Source: openFDA Drugs@FDA, BLA 761416 efficacy supplement 2 approved 2026-08-25, and the openFDA Ziihera label record
(Indications and Usage 1.1 changed 08/2026; boxed warning for use "in combination with fluoropyrimidine- and
platinum-containing chemotherapy, with or without tislelizumab-jsgr") [ref:db-openfda-bla761416]; the indication's
wording was not read, so no indication record exists.
"""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.case import parse_case
from her2kit.match import assess


def _gastric(score: str, therapies: list[dict[str, Any]], tumor_type: str = "gastric") -> list[str]:
    return assess(
        parse_case(
            {
                "schema_version": "1",
                "id": "gea",
                "patient": {"age": 60, "sex": "male", "lvef_percent": 60},
                "tumor": {"type": tumor_type, "setting": "metastatic", "histology": "adenocarcinoma"},
                "her2_tests": [{"method": "ihc", "score": score, "specimen": "resection"}],
                "biomarkers": {"pd_l1_cps": 5},
                "history": {"therapies": therapies},
            }
        )
    ).notes


@pytest.mark.parametrize("tumor_type", ["gastric", "gej"])
def test_first_line_her2_positive_gastroesophageal_cancer_names_the_unencoded_zanidatamab_approval(
    tumor_type: str,
) -> None:
    notes = [n for n in _gastric("3+", [], tumor_type) if n.startswith("zanidatamab:")]
    assert len(notes) == 1
    assert "reported but not encoded" in notes[0]
    assert "2026-08-25" in notes[0]
    assert "ref:db-openfda-bla761416" in notes[0]
    assert "HERIZON-GEA-01" in notes[0]


def test_second_line_or_her2_negative_gastric_cancer_gets_no_such_note() -> None:
    second = [{"agents": ["trastuzumab", "capecitabine", "oxaliplatin"], "setting": "metastatic", "line": 1}]
    assert not any(n.startswith("zanidatamab:") for n in _gastric("3+", second))
    assert not any(n.startswith("zanidatamab:") for n in _gastric("0", []))
