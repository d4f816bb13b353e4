"""Where her2kit may write a file the user named: never over one of the run's own inputs, never onto a folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from her2kit.errors import InvalidInput


def check_output_path(output: str | Path, inputs: Iterable[str | Path | None], field: str) -> None:
    """Refuse an output path that is an existing folder, or that is (or links to) one of the inputs, before any
    work is done: writing there would fail at the end, or destroy the input."""
    out = Path(output)
    if out.is_dir():
        raise InvalidInput(field, out, "a file path (this is a folder)")
    target = out.resolve()
    for given in inputs:
        if given is None:
            continue
        source = Path(given)
        if source.exists() and target == source.resolve():
            raise InvalidInput(
                field, out, "a path other than an input file (writing there would replace the input)"
            )
