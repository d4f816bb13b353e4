"""InvalidInput messages: bounded values; a file path keeps its name."""

from __future__ import annotations

from pathlib import Path

from her2kit.errors import InvalidInput


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
