"""Drug names an oncologist's review (2026-11-27) found unrecognised in therapy histories and medication lists, so that
a patient's prior therapy became "NEEDS: what 'capivasertib' is" and the note told the user to write generic names
(which they had). Each name is classed from the source its drug-class record cites; what matters is whether it is
HER2-directed (and of which kind), chemotherapy, endocrine therapy or another targeted therapy."""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.case import parse_case
from her2kit.kb.load import KnowledgeBase
from her2kit.match import assess
from her2kit.match.assess import case_facts
from her2kit.match.history import derive, drug_index, unrecognised_medications_note
from her2kit.status import interpret_her2

DB04 = "ind:trastuzumab-deruxtecan-breast-her2-low"
NAMES = [
    "pyrotinib",
    "disitamab vedotin",
    "inetetamab",
    "sacituzumab govitecan",
    "datopotamab deruxtecan",
    "enfortumab vedotin",
    "capivasertib",
    "alpelisib",
    "olaparib",
    "talazoparib",
    "ramucirumab",
    "zolbetuximab",
    "camizestrant",
    "imlunestrant",
    "liposomal irinotecan",
]


def _doc(*therapies: dict[str, Any], ihc: str = "3+", er: str = "negative") -> dict[str, Any]:
    return {
        "schema_version": "1",
        "id": "names",
        "patient": {"sex": "female", "lvef_percent": 60, "pregnant": False},
        "tumor": {"type": "breast", "setting": "metastatic"},
        "her2_tests": [{"method": "ihc", "score": ihc, "percent_cells": 80}],
        "biomarkers": {"er": er, "pr": er},
        "history": {"therapies": list(therapies)},
    }


def _t(agents: list[str], line: int = 1) -> dict[str, Any]:
    return {"agents": agents, "setting": "metastatic", "outcome": "progression", "line": line}


@pytest.mark.parametrize("name", NAMES)
def test_the_reviewed_names_are_known(kb: KnowledgeBase, name: str) -> None:
    assert drug_index(kb).resolve_entry(name), name
    history = derive(parse_case(_doc(_t([name]))), kb)
    assert not history.unrecognised
    assert not history.notes


@pytest.mark.parametrize(
    ("name", "kind"),
    [("pyrotinib", "tki"), ("disitamab vedotin", "adc"), ("inetetamab", "antibody")],
)
def test_her2_directed_names_count_as_anti_her2_regimens_of_their_kind(
    kb: KnowledgeBase, name: str, kind: str
) -> None:
    case = parse_case(_doc(_t([name, "capecitabine"])))
    history = derive(case, kb)
    assert history.her2_regimens_metastatic == 1
    assert (
        case_facts(case, history, kb, interpret_her2(case.her2_tests, case.tumor)).prior_her2_therapy == kind
    )


def test_capivasertib_with_fulvestrant_is_an_endocrine_based_line(kb: KnowledgeBase) -> None:
    history = derive(parse_case(_doc(_t(["capivasertib", "fulvestrant"]), er="positive")), kb)
    assert history.endocrine_based_lines == 1
    assert history.chemo_lines_metastatic == 0
    assert history.chemo_lines_metastatic_maybe == 0


def test_liposomal_irinotecan_is_chemotherapy(kb: KnowledgeBase) -> None:
    history = derive(parse_case(_doc(_t(["liposomal irinotecan", "fluorouracil", "leucovorin"]))), kb)
    assert history.chemo_lines_metastatic == 1


def test_a_non_her2_adc_is_asked_about_as_chemotherapy_not_decided(kb: KnowledgeBase) -> None:
    # T-DXd, HER2-low: "received a prior chemotherapy in the metastatic setting". Whether a label's "chemotherapy"
    # counts a TROP2-directed ADC (topoisomerase I payload) is a judgement the knowledge base does not make.
    result = assess(parse_case(_doc(_t(["sacituzumab govitecan"]), ihc="1+")), kb)
    option = next(o for o in result.options if o.id == DB04)
    asked = " ".join(option.missing)
    assert "sacituzumab govitecan" in asked
    assert "chemotherapy" in asked
    assert "unknown to the knowledge base" not in asked


def test_an_unknown_name_is_said_to_be_unknown_not_sent_back_for_its_generic_name(kb: KnowledgeBase) -> None:
    history = derive(parse_case(_doc(_t(["xyzzymab"]))), kb)
    note = " ".join(history.notes)
    assert "'xyzzymab'" in note
    assert "unknown to the knowledge base" in note
    assert "generic" not in note.lower()
    medication = unrecognised_medications_note(kb, ["xyzzymab 5 mg"])
    assert medication is not None
    assert "unknown to the knowledge base" in medication
    assert "generic" not in medication.lower()
