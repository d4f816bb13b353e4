# ruff: noqa
# Frozen copy of her2kit.extract before the performance rewrite; used only by test_differential.py. Do not edit.
"""Rendering of an :class:`ExtractionResult`, and a small Typer app the main CLI can mount.

The lead wires it in with ``app.add_typer(extract_app, name="extract")`` or calls
:func:`render_extraction` from his own command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

import typer

from her2kit.errors import InvalidInput
from .extract import extract_report
from .model import ExtractedIhc, ExtractionResult

_MAX_SENTENCE = 100


def _short(text: str, limit: int = _MAX_SENTENCE) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def render_extraction(result: ExtractionResult, fmt: Literal["json", "table"]) -> str:
    """The result as canonical JSON or as a readable table."""
    if fmt == "json":
        return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if fmt != "table":
        raise InvalidInput("--format", fmt, "json or table")
    lines = ["HER2 tests"]
    if not result.her2_tests:
        lines.append("  (none stated)")
    for i, t in enumerate(result.her2_tests):
        if isinstance(t, ExtractedIhc):
            value = f"IHC {t.score}"
            if t.percent_cells is not None:
                value += f", {t.percent_cells:g}% cells"
        else:
            parts = [p for p in (t.result, f"ratio {t.ratio:g}" if t.ratio is not None else None) if p]
            if t.her2_copies is not None:
                parts.append(f"HER2 {t.her2_copies:g}/cell")
            if t.cep17_copies is not None:
                parts.append(f"CEP17 {t.cep17_copies:g}/cell")
            if t.cells_counted is not None:
                parts.append(f"{t.cells_counted} cells")
            value = "ISH " + (", ".join(parts) or "(no value)")
            if t.probe == "single":
                value += " [single probe]"
        where = ", ".join(
            p for p in (t.specimen_id and f"block {t.specimen_id}", t.specimen, t.assay, t.source) if p
        )
        lines.append(f"  {i}. {value}" + (f"  ({where})" if where else ""))
        lines.append(f"     chars {t.evidence.start}-{t.evidence.end}: {_short(t.evidence.sentence)}")
    lines.append(f"Stated HER2 status: {result.stated_status or '-'}")
    lines.append(f"Pending HER2 result: {'yes' if result.pending else 'no'}")
    lines.append(f"ER: {result.er or '-'}    PR: {result.pr or '-'}")
    if result.warnings:
        lines.append("Warnings")
        lines.extend(f"  - {w}" for w in result.warnings)
    return "\n".join(lines) + "\n"


extract_app = typer.Typer(
    add_completion=False, help="Extract HER2 results from a free-text pathology report."
)


@extract_app.command("report")
def extract_command(
    path: str = typer.Argument(..., help="a UTF-8 text file with one report, or - for standard input"),
    fmt: str = typer.Option("table", "--format", help="json or table"),
) -> None:
    """Read one report and print what it states about HER2, ER and PR."""
    if fmt not in ("json", "table"):
        raise InvalidInput("--format", fmt, "json or table")
    if path == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InvalidInput("report file", path, "a readable text file", hint=exc.strerror) from None
    sys.stdout.write(render_extraction(extract_report(text), "json" if fmt == "json" else "table"))
