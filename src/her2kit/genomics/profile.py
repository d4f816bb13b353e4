"""Format detection and assembly of a :class:`GenomicProfile` from one file."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Collection
from pathlib import Path

from her2kit.errors import WITHHELD, InvalidInput
from her2kit.genomics.classify import catalogue, classify, co_gene_note
from her2kit.genomics.common import (
    GENES,
    TRUNCATING_CONSEQUENCES,
    RawCall,
    byte_limit,
    consequence_terms,
    lines,
)
from her2kit.genomics.copy_number import CopyNumberResult, read_gene_table, read_segments, unused_conversion
from her2kit.genomics.hgvs import HgvsError, erbb2_sequence, parse
from her2kit.genomics.maf import read_maf
from her2kit.genomics.model import (
    CO_GENES,
    DEFAULT_THRESHOLDS,
    AmplificationThresholds,
    CoAlteration,
    Erbb2Finding,
    FileFormat,
    Genome,
    GenomicProfile,
    Mutation,
    VariantClass,
)
from her2kit.genomics.vcf import read_vcf

ALLOWED = (
    "a VCF (.vcf, .vcf.gz with .tbi), a MAF, a SEG file, a GATK copy-number .seg, a CNVkit .cns/.cnr, a "
    "gene-level copy-number "
    "table (cBioPortal data_CNA / GISTIC) or an allele-specific segment table (Chromosome, Start, End, "
    "nMajor, nMinor)"
)


def _first_data_line(path: Path) -> tuple[int, str]:
    for n, line in lines(path):
        if line.startswith("##fileformat=VCF"):
            return n, line
        if line.strip() and not line.startswith(("#", "@")):  # (@: a SAM-style header, as GATK writes)
            return n, line
    return 0, ""


def detect_format(path: Path) -> FileFormat:
    """The file's format, from its name and its first lines."""
    name = path.name.lower()
    for suffix in (".gz", ".bgz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(".vcf"):
        return "vcf"
    if name.endswith(".cns"):
        return "cnvkit-cns"
    if name.endswith(".cnr"):
        return "cnvkit-cnr"
    try:
        n, first = _first_data_line(path)
    except OSError as exc:
        raise InvalidInput("file", Path(path), "a readable file", hint=exc.strerror) from None
    if first.startswith("##fileformat=VCF"):
        return "vcf"
    columns = set(first.split("\t"))
    if {"Hugo_Symbol", "Tumor_Sample_Barcode"} <= columns:
        return "maf"
    if {"nMajor", "nMinor"} <= columns:
        return "allele-specific-segments"
    if {"chromosome", "start", "end", "log2"} <= columns:
        return "cnvkit-cnr" if "weight" in columns and "probes" not in columns else "cnvkit-cns"
    segment_means = {
        "seg.mean",
        "Segment_Mean",
        "segment_mean",
        "MEAN_LOG2_COPY_RATIO",
        "LOG2_COPY_RATIO_POSTERIOR_50",
    }
    if columns & segment_means or name.endswith(".seg"):
        return "seg"
    if first.split("\t")[0] in ("Hugo_Symbol", "Gene Symbol", "Gene_Symbol"):
        return "gene-cna"
    if columns & {"Chromosome", "chromosome", "chrom"} and columns & {"total_cn", "tcn", "copy_number", "CN"}:
        return "allele-specific-segments"
    if name.endswith((".maf", ".maf.tsv")):
        return "maf"
    raise InvalidInput(f"{path.name} line {n or 1}", WITHHELD, ALLOWED)


def _unclassified(call: RawCall, note: str | None) -> Mutation:
    return Mutation(
        gene=call.gene,
        hgvsp=None,
        hgvsc=call.hgvsc,
        exon=call.exon,
        source=call.source,
        vaf=call.vaf,
        note=note,
    )


def _mutation(call: RawCall, warnings: list[str]) -> Mutation | None:
    """The reported mutation for one call; None for a synonymous change (not a mutation of the protein)."""
    if call.hgvsp is None or call.hgvsp in ("", ".", "p.?"):
        return _unclassified(call, call.note)
    is_erbb2 = call.gene == "ERBB2"
    try:
        change = parse(call.hgvsp, erbb2_sequence() if is_erbb2 else None)
    except HgvsError as exc:
        warnings.append(f"{call.source}: {call.gene} {call.hgvsp!r} not normalised ({exc})")
        return _unclassified(call, f"protein change {call.hgvsp!r} not readable")
    if change.kind == "syn":
        # HGVS: "amino acids that have been tested and found not changed (silent) are described as
        # p.Cys123=" (HGVS protein substitution recommendations): the protein is unchanged.
        warnings.append(
            f"{call.source}: {call.gene} {change.text} is synonymous (the amino acid is unchanged); not listed "
            "as a mutation"
        )
        return None
    warnings.extend(f"{call.source}: {call.gene} {call.hgvsp}: {w}" for w in change.warnings)
    if not is_erbb2:
        return Mutation(
            gene=call.gene,
            hgvsp=change.text,
            hgvsc=call.hgvsc,
            exon=call.exon,
            source=call.source,
            vaf=call.vaf,
        )
    said_truncating = bool(consequence_terms(call.consequence) & TRUNCATING_CONSEQUENCES)
    if said_truncating and not change.truncating:
        warnings.append(
            f"{call.source}: ERBB2 {call.hgvsp}: the annotation calls it {call.consequence} (truncating) but the "
            "protein change is not truncating; reported without a protein change and not classified"
        )
        return _unclassified(
            call, f"{call.consequence} with protein change {call.hgvsp}: contradictory, not classified"
        )
    if change.warnings:
        # The given residues do not match NP_004439.2 (another isoform's numbering, or an error): keep the text as
        # given, do not 3'-shift or dup-detect against a reference the input does not match, do not classify.
        given = parse(call.hgvsp)
        cls_name: VariantClass = "truncating" if given.truncating else "unknown-significance"
        return Mutation.model_validate(
            {
                "gene": "ERBB2",
                "hgvsp": given.text,
                "hgvsc": call.hgvsc,
                "class": cls_name,
                "exon": call.exon,
                "source": call.source,
                "hotspot": False,
                "references": list(catalogue().classes[cls_name].references),
                "note": "the given residues do not match the reference protein NP_004439.2 "
                f"({'; '.join(change.warnings)}); kept as given, not classified",
                "vaf": call.vaf,
            }
        )
    note = None
    if "X" in change.inserted:
        warnings.append(
            f"{call.source}: ERBB2 {change.text}: X is an unknown amino acid (IUPAC), and older annotators wrote X for "
            "a stop codon; not classified"
        )
        note = "X: an unknown amino acid, or a stop in older notation; not classified"
    cls = classify(change)
    return Mutation.model_validate(
        {
            "gene": "ERBB2",
            "hgvsp": change.text,
            "hgvsc": call.hgvsc,
            "class": cls.class_,
            "exon": call.exon if call.exon is not None else cls.exon,
            "source": call.source,
            "hotspot": cls.hotspot and note is None,
            "references": list(cls.references),
            "note": note or cls.note,
            "vaf": call.vaf,
        }
    )


def assemble(
    file_format: FileFormat,
    *,
    sample: str | None,
    genome: Genome | None,
    calls: list[RawCall],
    copy_number: CopyNumberResult | None,
    sequenced_genes: Collection[str] | None,
    warnings: list[str],
    erbb2_searched: bool = True,
) -> GenomicProfile:
    warnings = list(warnings)
    mutations: dict[str, list[Mutation]] = {g: [] for g in GENES}
    seen: set[tuple[str, str]] = set()
    for call in calls:
        m = _mutation(call, warnings)
        if m is None:
            continue
        key = (m.gene, m.hgvsp or m.source)
        if key in seen:
            continue
        seen.add(key)
        mutations.setdefault(m.gene, []).append(m)
    mutation_data = file_format in ("vcf", "maf")
    sequenced = sorted(set(sequenced_genes or ()) & set(GENES)) if mutation_data else []
    co: list[CoAlteration] = []
    for gene in CO_GENES:
        found = mutations.get(gene, [])
        note, refs = co_gene_note(gene)
        if found:
            status = "mutant"
        elif gene in sequenced:
            status = "wild-type"
        else:
            status = "not-assessed"
        co.append(CoAlteration(gene=gene, status=status, mutations=found, note=note, references=list(refs)))
    if copy_number is not None:
        finding = Erbb2Finding(
            amplified=copy_number.amplified,
            copy_number=copy_number.copy_number,
            evidence=copy_number.evidence,
            mutations=mutations["ERBB2"],
        )
        warnings.extend(copy_number.warnings)
    else:
        evidence = "no ERBB2 copy-number data in this file (sequence variants only)"
        finding = Erbb2Finding(evidence=evidence, mutations=mutations["ERBB2"])
    return GenomicProfile(
        sample=sample,
        genome=genome,
        file_format=file_format,
        erbb2=finding,
        co_alterations=co,
        sequenced_genes=sequenced,
        warnings=list(dict.fromkeys(warnings)),
        erbb2_searched=erbb2_searched,
    )


def profile_file(
    path: str | Path,
    *,
    sample: str | None = None,
    genome: Genome | None = None,
    amplification: AmplificationThresholds | None = None,
    sequenced_genes: Collection[str] | None = None,
    max_bytes: int | None = None,
) -> GenomicProfile:
    """Profile ERBB2 (copy number, mutations) and co-alteration genes in one genomic file.

    ``sequenced_genes`` names the genes the assay covered; only then can a gene with no variant be
    called wild-type (otherwise it is ``not-assessed``). ``max_bytes`` bounds what the file may unpack to
    (:class:`~her2kit.genomics.common.FileTooLarge` beyond it; the REST API sets it, the command line does not);
    a line longer than :data:`~her2kit.genomics.common.MAX_LINE_CHARS` is an input error whatever the limit.
    ``sample`` is a sample's name or its position in the file ("#2").
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput("file", Path(path), "an existing genomic file (" + ALLOWED + ")")
    try:
        with byte_limit(max_bytes):
            return _profile(path, sample, genome, amplification or DEFAULT_THRESHOLDS, sequenced_genes)
    except (EOFError, gzip.BadGzipFile, zlib.error):
        raise InvalidInput(
            "file", path, "a complete gzip or bgzip file", hint="the compressed data is truncated or damaged"
        ) from None


def _profile(
    path: Path,
    sample: str | None,
    genome: Genome | None,
    thresholds: AmplificationThresholds,
    sequenced_genes: Collection[str] | None,
) -> GenomicProfile:
    fmt = detect_format(path)
    unused = unused_conversion(path.name, thresholds, "the file holds no copy numbers")
    if fmt == "vcf":
        v = read_vcf(path, sample=sample, genome=genome)
        return assemble(
            fmt, sample=v.sample, genome=v.genome, calls=v.calls, copy_number=None,
            sequenced_genes=sequenced_genes, warnings=v.warnings + unused, erbb2_searched=v.erbb2_searched,
        )  # fmt: skip
    if fmt == "maf":
        m = read_maf(path, sample=sample, genome=genome)
        return assemble(
            fmt, sample=m.sample, genome=m.genome, calls=m.calls, copy_number=None,
            sequenced_genes=sequenced_genes, warnings=m.warnings + unused,
        )  # fmt: skip
    if fmt == "gene-cna":
        cn = read_gene_table(path, sample=sample, thresholds=thresholds)
        cn.warnings += unused_conversion(path.name, thresholds, "GISTIC calls are not converted")
    else:
        kind = {"seg": "seg", "cnvkit-cns": "cns", "cnvkit-cnr": "cnr", "allele-specific-segments": "allele"}[
            fmt
        ]
        cn = read_segments(path, sample=sample, genome=genome, thresholds=thresholds, kind=kind)  # type: ignore[arg-type]
    return assemble(
        fmt, sample=cn.sample, genome=cn.genome or genome, calls=[], copy_number=cn,
        sequenced_genes=None, warnings=[],
    )  # fmt: skip
