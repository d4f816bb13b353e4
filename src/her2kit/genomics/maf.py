"""MAF reading: GDC and cBioPortal flavours (also the Firehose/TCGAmutations export), plain or gzipped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from her2kit.errors import InvalidInput, Placeholder
from her2kit.genomics.common import (
    GENES,
    RawCall,
    bad_line,
    choose_sample,
    exon_number,
    genome_from_build_value,
    is_erbb2_canonical,
    lines,
    short,
    vaf_checked,
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
                raise bad_line(
                    name,
                    n,
                    line,
                    f"a MAF header with {', '.join(REQUIRED)}",
                    hint=f"no {', '.join(missing)} column",
                )
            idx_gene = header.index("Hugo_Symbol")
            idx_sample = header.index("Tumor_Sample_Barcode")
            continue
        if len(fields) != len(header):
            raise bad_line(
                name, n, line, f"{len(header)} tab-separated columns, as in the header", count_columns=True
            )
        samples.append(fields[idx_sample])
        if fields[idx_gene] in GENES:
            rows.append((n, fields))
    if header is None:
        raise InvalidInput(name, Placeholder("(empty)"), "a MAF with a header line")
    chosen = choose_sample(name, samples, sample)
    col = {c: i for i, c in enumerate(header)}
    protein_col = next((c for c in _PROTEIN_COLUMNS if c in col), None)
    warnings: list[str] = []
    build: Genome | None = genome
    stated: tuple[Genome, int] | None = None
    calls: list[RawCall] = []
    for n, fields in rows:
        if fields[col["Tumor_Sample_Barcode"]] != chosen:
            continue
        if "Variant_Classification" in col and fields[col["Variant_Classification"]] in SILENT:
            continue
        if "NCBI_Build" in col:
            said = genome_from_build_value(fields[col["NCBI_Build"]])
            if said is not None:
                # A --genome or an earlier row that says otherwise: positions would be read in the wrong build.
                if genome is not None and said != genome:
                    raise InvalidInput(
                        "--genome",
                        genome,
                        f"{said}, the build {name} line {n} states (NCBI_Build {fields[col['NCBI_Build']]!r}); or "
                        "correct the file",
                    )
                if stated is not None and said != stated[0]:
                    raise InvalidInput(
                        f"{name} line {n} NCBI_Build",
                        fields[col["NCBI_Build"]],
                        f"{stated[0]}, the build line {stated[1]} states: one genome build per file",
                    )
                stated = stated or (said, n)
                build = build or said
        gene = fields[col["Hugo_Symbol"]]
        if "Mutation_Status" in col and fields[col["Mutation_Status"]].strip().lower() == "germline":
            warnings.append(f"{name} line {n}: {gene} variant with Mutation_Status Germline is not reported")
            continue
        flagged = _filter_flag(fields, col)
        if flagged is not None:
            warnings.append(
                f"{name} line {n}: {gene} variant reported although its FILTER is {flagged} (somatic MAF exports keep "
                "such rows: GDC keeps panel_of_normals and validated calls, MC3 users keep wga); check it"
            )
        hgvsp = fields[col[protein_col]].strip() if protein_col else ""
        hgvsc = fields[col["HGVSc"]].strip() if "HGVSc" in col else ""
        exon = exon_number(fields[col["Exon_Number"]]) if "Exon_Number" in col else None
        consequence = fields[col["Variant_Classification"]].strip() if "Variant_Classification" in col else ""
        source = f"{name} line {n}"
        note = None
        transcript = _row_transcript(fields, col)
        if gene == "ERBB2" and hgvsp and is_erbb2_canonical(transcript) is False:
            effect = _canonical_effect(fields[col["all_effects"]]) if "all_effects" in col else None
            if effect is not None:
                # the row's own HGVSc and exon are numbered on the other transcript: not carried over
                hgvsp, consequence = effect
                hgvsc, exon = "", None
                source += f" (canonical-transcript effect from all_effects; the row is on {transcript})"
            else:
                given = " ".join(x for x in (hgvsc, hgvsp) if x) + (
                    f" (exon {exon})" if exon is not None else ""
                )
                note = (
                    f"given as {given} on ERBB2 transcript {transcript}, not the canonical NM_004448 / "
                    "ENST00000269571; not renumbered, not classified"
                )
                exon = None  # numbered on the other transcript too
                warnings.append(
                    f"{source}: ERBB2 {hgvsp} is numbered on transcript {transcript}, not on the canonical ERBB2 "
                    "transcript (NM_004448 / ENST00000269571), and the MAF has no canonical-transcript effect "
                    "(all_effects): reported without a protein change and not classified"
                )
                hgvsp, hgvsc = "", ""
        vaf = _vaf(fields, col, source, warnings)
        calls.append(
            RawCall(gene, hgvsp or None, hgvsc or None, exon, source, vaf, consequence or None, note)
        )
    if protein_col is None:
        warnings.append(f"{name} has no protein-change column ({', '.join(_PROTEIN_COLUMNS)})")
    return MafResult(calls, chosen, build, warnings)


def _row_transcript(fields: list[str], col: dict[str, int]) -> str:
    """The row's transcript: ``Transcript_ID`` (Ensembl), else ``RefSeq``; "" when neither is given. The
    Ensembl id decides when both are present (Ensembl has mapped NM_004448.2 to the 1,225-residue
    ENST00000540147, genome-nexus/genome-nexus issue #798)."""
    for column in ("Transcript_ID", "RefSeq"):
        value = fields[col[column]].strip() if column in col else ""
        if value and value not in (".", "NA"):
            return value
    return ""


def _canonical_effect(all_effects: str) -> tuple[str, str] | None:
    """(protein change, consequence) of the ERBB2 effect on the canonical Ensembl transcript in a vcf2maf
    ``all_effects`` column: "a semicolon delimited list of all possible variant effects", each effect
    starting SYMBOL,Consequence,HGVSp,Transcript_ID (mskcc/vcf2maf docs/vep_maf_readme.txt and vcf2maf.pl;
    later versions append more fields after these four)."""
    for effect in all_effects.split(";"):
        parts = [p.strip() for p in effect.split(",")]
        if len(parts) >= 4 and parts[0] == "ERBB2" and is_erbb2_canonical(parts[3]):
            return parts[2], parts[1]
    return None


def _vaf(fields: list[str], col: dict[str, int], where: str, warnings: list[str]) -> float | None:
    """t_vaf, else t_alt_count / t_depth; a value that is not a fraction from 0 to 1 is not used (warned)."""
    if "t_vaf" in col and fields[col["t_vaf"]] not in ("", "NA", "."):
        return vaf_checked(fields[col["t_vaf"]], f"{where} (t_vaf)", warnings)
    if "t_alt_count" in col and "t_depth" in col:
        try:
            alt, depth = float(fields[col["t_alt_count"]]), float(fields[col["t_depth"]])
        except ValueError:
            return None
        if depth > 0:
            return vaf_checked(alt / depth, f"{where} (t_alt_count / t_depth)", warnings)
    return None


# MAF FILTER values other than PASS are kept: somatic MAF exports keep such rows on purpose (the GDC MAF
# specification keeps Mutect2 panel_of_normals rows and validated or MC3-overlapping calls whatever their FILTER; MC3
# users keep wga and native_wga_mix), so a row is reported, with a warning naming its FILTER.
_PASSING: Final = frozenset({"PASS", ".", "", "NA"})


def _filter_flag(fields: list[str], col: dict[str, int]) -> str | None:
    """The row's FILTER when it is not PASS (shortened), else None."""
    if "FILTER" in col and fields[col["FILTER"]].strip() not in _PASSING:
        return short(fields[col["FILTER"]].strip(), 80)
    return None
