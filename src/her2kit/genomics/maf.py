"""MAF reading: GDC and cBioPortal flavours (also the Firehose/TCGAmutations export), plain or gzipped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from her2kit.errors import InvalidInput
from her2kit.genomics.common import (
    GENES,
    RawCall,
    bad_line,
    choose_sample,
    exon_number,
    genome_from_build_value,
    lines,
)
from her2kit.genomics.model import Genome

# Variant classes that do not change the protein; they are not reported.
SILENT: Final = frozenset(
    {"Silent", "Intron", "3'UTR", "5'UTR", "3'Flank", "5'Flank", "IGR", "RNA", "lincRNA", "Targeted_Region"}
)
_PROTEIN_COLUMNS: Final = ("HGVSp_Short", "Protein_Change", "HGVSp", "Amino_Acid_Change", "AAChange")
REQUIRED: Final = ("Hugo_Symbol", "Tumor_Sample_Barcode")


@dataclass
class MafResult:
    calls: list[RawCall]
    sample: str
    genome: Genome | None
    warnings: list[str]


def read_maf(path: Path, *, sample: str | None, genome: Genome | None) -> MafResult:
    name = path.name
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    samples: list[str] = []
    for n, line in lines(path):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if header is None:
            header = fields
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise bad_line(name, n, line, f"a MAF header with {', '.join(REQUIRED)}")
            idx_gene = header.index("Hugo_Symbol")
            idx_sample = header.index("Tumor_Sample_Barcode")
            continue
        if len(fields) != len(header):
            raise bad_line(name, n, line, f"{len(header)} tab-separated columns, as in the header")
        samples.append(fields[idx_sample])
        if fields[idx_gene] in GENES:
            rows.append((n, fields))
    if header is None:
        raise InvalidInput(name, "(empty)", "a MAF with a header line")
    chosen = choose_sample(name, samples, sample)
    col = {c: i for i, c in enumerate(header)}
    protein_col = next((c for c in _PROTEIN_COLUMNS if c in col), None)
    warnings: list[str] = []
    build: Genome | None = genome
    calls: list[RawCall] = []
    for n, fields in rows:
        if fields[col["Tumor_Sample_Barcode"]] != chosen:
            continue
        if "Variant_Classification" in col and fields[col["Variant_Classification"]] in SILENT:
            continue
        if build is None and "NCBI_Build" in col:
            build = genome_from_build_value(fields[col["NCBI_Build"]])
        hgvsp = fields[col[protein_col]].strip() if protein_col else ""
        hgvsc = fields[col["HGVSc"]].strip() if "HGVSc" in col else ""
        exon = exon_number(fields[col["Exon_Number"]]) if "Exon_Number" in col else None
        vaf = _vaf(fields, col)
        calls.append(
            RawCall(fields[col["Hugo_Symbol"]], hgvsp or None, hgvsc or None, exon, f"{name} line {n}", vaf)
        )
    if protein_col is None:
        warnings.append(f"{name} has no protein-change column ({', '.join(_PROTEIN_COLUMNS)})")
    return MafResult(calls, chosen, build, warnings)


def _vaf(fields: list[str], col: dict[str, int]) -> float | None:
    try:
        if "t_vaf" in col and fields[col["t_vaf"]] not in ("", "NA", "."):
            return float(fields[col["t_vaf"]])
        if "t_alt_count" in col and "t_depth" in col:
            depth = float(fields[col["t_depth"]])
            return float(fields[col["t_alt_count"]]) / depth if depth > 0 else None
    except ValueError:
        return None
    return None
