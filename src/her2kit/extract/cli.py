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
from her2kit.extract.extract import extract_report
from her2kit.extract.model import ExtractedIhc, ExtractionResult

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
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InvalidInput("report file", Path(path), "a readable text file", hint=exc.strerror) from None
    text, note = decode_report(data, "standard input" if path == "-" else path)
    result = extract_report(text)
    if note is not None:
        result = result.model_copy(update={"warnings": [note, *result.warnings]})
    sys.stdout.write(render_extraction(result, "json" if fmt == "json" else "table"))


# Leading bytes of the files a report is often exported as, which are not text: PDF, ZIP (.docx, .odt),
# OLE2 (.doc, .msg).
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def decode_report(data: bytes, name: str) -> tuple[str, str | None]:
    """A report file's bytes as text, and a warning when some bytes were not UTF-8.

    A binary file (PDF, word-processor, anything with a NUL byte) is an input error: read as text it would
    silently give "no HER2 result". Bytes that are not UTF-8 (a report exported as Latin-1 or Windows-1252)
    are read as U+FFFD and the result says how many; the rest of the text is read as usual.
    """
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise InvalidInput(
            "report file",
            Path(name) if name != "standard input" else name,
            "a plain-text report",
            hint="binary data, such as a PDF or word-processor file; export the report as plain text",
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    return (
        text,
        f"{bad} byte sequence(s) in the file are not UTF-8 (read as \ufffd): check the report's encoding",
    )
