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
