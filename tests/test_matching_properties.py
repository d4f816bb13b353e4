"""Invariants of therapy matching, checked with hypothesis over generated cases."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.case import parse_case
from her2kit.kb import default_kb
from her2kit.match import assess
from her2kit.render import to_json

AGENTS = [
    "trastuzumab",
    "pertuzumab",
    "docetaxel",
    "paclitaxel",
    "T-DM1",
    "T-DXd",
    "capecitabine",
    "letrozole",
    "tucatinib",
    "lapatinib",
    "neratinib",
]


@st.composite
def cases(draw: Any, tumor: str | None = None, tests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    therapies = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "agents": st.lists(st.sampled_from(AGENTS), min_size=1, max_size=3, unique=True),
                    "setting": st.sampled_from(["neoadjuvant", "adjuvant", "metastatic"]),
                    "outcome": st.sampled_from(
                        ["progression", "completed", "intolerance", "residual_disease", "pcr"]
                    ),
                }
            ),
            max_size=3,
        )
    )
    ihc = draw(st.sampled_from(["0", "ultralow", "1+", "2+", "3+"]))
    return {
        "id": "gen",
        "patient": {
            "lvef_percent": draw(st.one_of(st.none(), st.integers(30, 70))),
            "pregnant": draw(st.one_of(st.none(), st.booleans())),
            "ild_history": draw(st.booleans()),
            "brain_metastases": draw(st.sampled_from(["none", "stable", "active"])),
            "hepatic_impairment": draw(st.sampled_from(["none", "mild", "moderate", "severe"])),
        },
        "tumor": {
            "type": tumor or draw(st.sampled_from(["breast", "gastric", "colorectal", "nsclc", "biliary"])),
            "setting": draw(st.sampled_from(["early", "metastatic"])),
        },
        "her2_tests": tests if tests is not None else [{"method": "ihc", "score": ihc}],
        "biomarkers": {
            "er": draw(st.sampled_from(["positive", "negative"])),
            "pr": draw(st.sampled_from(["positive", "negative"])),
            "pd_l1_cps": draw(st.one_of(st.none(), st.integers(0, 20))),
            "ras": draw(st.sampled_from(["wild-type", "mutant"])),
        },
        "history": {"therapies": therapies},
        "medications": draw(
            st.lists(
                st.sampled_from(["ketoconazole", "rifampin", "omeprazole", "metformin"]),
                max_size=2,
                unique=True,
            )
        ),
    }


@settings(max_examples=60, deadline=None)
@given(cases(tumor="breast", tests=[{"method": "ihc", "score": "0", "percent_cells": 0}]))
def test_no_her2_directed_option_for_her2_null_breast(doc: dict[str, Any]) -> None:
    result = assess(parse_case(doc))
    assert result.her2.category == "HER2-null"
    assert result.options == []


@settings(max_examples=80, deadline=None)
@given(cases())
def test_contraindicated_options_never_rank_above_clean_ones(doc: dict[str, Any]) -> None:
    result = assess(parse_case(doc))
    flags = [bool(o.contraindications) for o in result.options]
    assert flags == sorted(flags), [(o.rank, o.id, bool(o.contraindications)) for o in result.options]


@settings(max_examples=80, deadline=None)
@given(cases())
def test_every_option_has_a_reference_and_an_indication(doc: dict[str, Any]) -> None:
    kb = default_kb()
    result = assess(parse_case(doc), kb)
    for option in result.options:
        assert option.id in kb.indications
        assert option.evidence.references
        assert all(ref in kb.references for ref in option.evidence.references)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_assessment_is_deterministic(doc: dict[str, Any]) -> None:
    assert to_json(assess(parse_case(doc))) == to_json(assess(parse_case(doc)))


@settings(max_examples=60, deadline=None)
@given(cases())
def test_progressed_agents_are_not_offered_as_new(doc: dict[str, Any]) -> None:
    kb = default_kb()
    result = assess(parse_case(doc), kb)
    progressed = {
        kb.agent(a).name
        for t in doc["history"]["therapies"]
        if t["outcome"] == "progression"
        for a in t["agents"]
        if a in ("trastuzumab", "pertuzumab", "T-DM1", "T-DXd", "tucatinib", "lapatinib", "neratinib")
    }
    for option in result.options:
        her2 = {a for a in option.agents if kb.agent(a).her2_directed}
        assert not her2 or not her2 <= progressed, (option.id, progressed)
