"""InvalidInput messages: bounded values; a file path keeps its name; which values an error may repeat."""

from __future__ import annotations

from pathlib import Path

import pytest

from her2kit.errors import MISSING, WITHHELD, InvalidInput, shown
from her2kit.genomics.common import FileTooLarge


def test_a_long_value_keeps_its_start_and_is_bounded() -> None:
    message = str(InvalidInput("report", "HER2 3+ " * 40, "text"))
    assert "'HER2 3+ HER2 3+" in message
    assert "…" in message
    assert len(message) < 100


def test_a_long_path_keeps_the_file_name() -> None:
    path = Path("/data") / ("deep-folder-" * 12) / "case-17.json"
    message = str(InvalidInput("case file", path, "a readable file"))
    assert message.startswith("case file: '…")
    assert "case-17.json' is not valid" in message
    assert str(InvalidInput("case file", Path("a.json"), "a readable file")).startswith("case file: 'a.json'")


# ------------------------------------------------------------------ the one rule for repeating a user's value
@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        2.5,
        Path("cases/a.json"),
        "4+",
        "brest",
        "2026-02-30",
        "GRCh39",
        "p.S310F",
        "x" * 20,
        MISSING,
    ],
)
def test_short_codes_numbers_paths_and_placeholders_are_shown(value: object) -> None:
    assert shown(value) is value


@pytest.mark.parametrize(
    "value",
    [
        "Jane Q Smith",  # free text, a name
        "(Jane Q Smith MRN-4471923)",  # a user's string shaped like one of her2kit's placeholders
        "x" * 21,  # an identifier, a barcode
        "3f2a9c4e-1b7d-4e8a-9c1f-2d3e4f5a6b7c",  # a UUID
        "王小明",  # a name in a script written without spaces
        "Müller",  # outside ASCII: codes are ASCII
        "",
        "a\tb",
        "4+\x00",
        ["4+"],
        {"score": "4+"},
    ],
)
def test_free_text_identifiers_and_containers_are_withheld(value: object) -> None:
    assert shown(value) is WITHHELD


@pytest.mark.parametrize(
    "field", ["id", "her2_tests.0.specimen_id", "text", "patient_id", "sample", "(body)"]
)
def test_a_private_field_s_value_is_withheld_whatever_it_is(field: str) -> None:
    assert shown("A3", field) is WITHHELD
    assert shown(4471923, field) is WITHHELD
    assert shown(None, field) is None
    assert shown(MISSING, field) is MISSING


def test_redacted_withholds_only_what_the_rule_withholds() -> None:
    error = InvalidInput("patient.sex", "Jane Q Smith", "'female', 'male', 'other' or 'unknown'", hint="h")
    redacted = error.redacted()
    assert redacted.value is WITHHELD
    assert (redacted.field, redacted.allowed, redacted.hint) == (error.field, error.allowed, error.hint)
    assert "Jane" not in str(redacted)
    kept = InvalidInput("patient.sex", "F", "'female'")
    assert kept.redacted() is kept
    assert type(FileTooLarge("file", "Jane Smith.vcf", "small").redacted()) is FileTooLarge
