"""Medication names are compared with drug classes regardless of case and punctuation."""

from __future__ import annotations

import pytest

from her2kit.match.history import drug_key, medication_hits


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("St. John's Wort", "st johns wort"),
        ("St John’s wort", "st johns wort"),
        ("Lumacaftor/Ivacaftor", "lumacaftor ivacaftor"),
        ("lumacaftor-ivacaftor", "lumacaftor ivacaftor"),
        ("  Itraconazole ", "itraconazole"),
    ],
)
def test_drug_key(given: str, key: str) -> None:
    assert drug_key(given) == key


def test_medication_hits_name_members_as_the_class_spells_them() -> None:
    members = ["st johns wort", "rifampicin", "lumacaftor-ivacaftor"]
    assert medication_hits(["Rifampicin", "St. John's Wort", "Lumacaftor/Ivacaftor", "aspirin"], members) == [
        "lumacaftor-ivacaftor",
        "rifampicin",
        "st johns wort",
    ]


@pytest.mark.parametrize("name", ["Kanjinti", "trastuzumab-anns", "OGIVRI", "Herzuma", "trastuzumab-strf"])
def test_biosimilar_names_resolve_to_trastuzumab(name: str) -> None:
    """Dosing, monitoring and `kb show` resolve a biosimilar as the matcher does (agents.yaml `biosimilars`)."""
    from her2kit.kb import default_kb

    assert default_kb().agent(name).id == "agent:trastuzumab"


def test_the_registry_screen_names_the_criteria_it_cannot_check() -> None:
    """Stage, histology, sex/menopause and the recurrence route are not in a registry row: the screen says so."""
    from her2kit.cohort.eligibility import compile_indication
    from her2kit.kb import default_kb

    kb = default_kb()
    unchecked = {i: compile_indication(kb.indications[i]).unchecked for i in kb.indications}
    assert "postmenopausal women" in unchecked["ind:lapatinib-breast-metastatic-letrozole"]
    assert "prior therapy" in unchecked["ind:trastuzumab-emtansine-breast-metastatic"]
    assert any(u.startswith("stage ") for u in unchecked["ind:trastuzumab-deruxtecan-breast-neoadjuvant"])
