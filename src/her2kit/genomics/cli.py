"""Rendering of a :class:`GenomicProfile` for the command line (the lead wires the command itself)."""

from __future__ import annotations

import json
from typing import Literal

from her2kit.errors import InvalidInput
from her2kit.genomics.model import GenomicProfile


def render_profile(profile: GenomicProfile, fmt: Literal["json", "table"]) -> str:
    """The profile as canonical JSON or as a readable table."""
    if fmt == "json":
        return json.dumps(profile.json_dict(), indent=2, ensure_ascii=False)
    if fmt != "table":
        raise InvalidInput("--format", fmt, "json or table")
    e = profile.erbb2
    amp = {True: "amplified", False: "not amplified", None: "not determined"}[e.amplified]
    cn = f" (copy number {e.copy_number:g})" if e.copy_number is not None else ""
    rows = [
        f"sample      {profile.sample or '-'}",
        f"genome      {profile.genome or 'not stated'}",
        f"format      {profile.file_format}",
        f"ERBB2       {amp}{cn}",
        f"evidence    {e.evidence}",
        "",
        "ERBB2 mutations",
    ]
    if not e.mutations:
        searched = profile.erbb2_searched
        rows.append(
            "  none reported" if searched else "  not assessed (no record on chromosome 17; see warnings)"
        )
    for m in e.mutations:
        exon = f"exon {m.exon}" if m.exon else "exon -"
        hot = " hotspot" if m.hotspot else ""
        refs = ", ".join(m.references)
        rows.append(f"  {m.hgvsp or '(no protein change)':<18} {m.class_:<31} {exon:<8}{hot}  [{refs}]")
        rows.append(f"      source: {m.source}")
        if m.note:
            rows.append(f"      note: {' '.join(m.note.split())}")
    rows += ["", "Co-alterations"]
    for c in profile.co_alterations:
        found = ", ".join(m.hgvsp or "(unannotated)" for m in c.mutations)
        rows.append(f"  {c.gene:<7} {c.status:<13} {found}")
        rows.append(f"      {c.note} [{', '.join(c.references)}]")
    if profile.warnings:
        rows += ["", "Warnings"] + [f"  - {w}" for w in profile.warnings]
    return "\n".join(rows)
