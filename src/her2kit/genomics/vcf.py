"""VCF reading: a tabix region query when the file is indexed, a lean streaming scan otherwise.

The scan looks at CHROM (and POS on the target chromosomes) of every record and fully parses only
records inside the target regions (ERBB2 and the co-alteration genes). Protein changes come from VEP
``CSQ`` or SnpEff ``ANN`` annotations; an unannotated record is matched against the Cancer Hotspots
substitution alleles, and an unannotated, unmatched record in the ERBB2 region is reported without a
protein change (with a warning).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from her2kit.errors import InvalidInput
from her2kit.genomics.classify import gene_regions, hotspot_index
from her2kit.genomics.common import (
    GENES,
    RawCall,
    bad_line,
    choose_sample,
    exon_number,
    genome_from_text,
    open_text,
    short,
    strip_chr,
)
from her2kit.genomics.model import Genome

_BASES = re.compile(r"^[ACGTNacgtn*.]+$|^<[^>]+>$")
_CONTIG_LEN = re.compile(r"##contig=<ID=(?:chr)?17,length=(\d+)")
_CHR17_LENGTH = {81195210: "GRCh37", 83257441: "GRCh38"}
_ANN_FIELDS = ["Allele", "Annotation", "Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
               "Biotype", "Rank", "HGVS.c", "HGVS.p"]  # fmt: skip
# Transcripts preferred when an annotation lists several: RefSeq/Ensembl canonical ERBB2 and co-genes.
_PREFERRED = ("NM_004448", "ENST00000269571")

Regions = dict[str, list[tuple[int, int, str]]]


@dataclass
class VcfHeader:
    samples: list[str] = field(default_factory=list)
    csq_fields: list[str] | None = None
    has_ann: bool = False
    genome: Genome | None = None
    text: list[str] = field(default_factory=list)


@dataclass
class VcfResult:
    calls: list[RawCall]
    sample: str | None
    genome: Genome | None
    warnings: list[str]
    records_seen: int


def _parse_header_line(header: VcfHeader, line: str) -> None:
    if line.startswith("##INFO=<ID=CSQ"):
        m = re.search(r"Format: ([^\"]+)", line)
        if m:
            header.csq_fields = m.group(1).strip().split("|")
    elif line.startswith("##INFO=<ID=ANN"):
        header.has_ann = True
    elif line.startswith("##contig"):
        m = _CONTIG_LEN.match(line)
        if m and int(m.group(1)) in _CHR17_LENGTH:
            header.genome = "GRCh38" if _CHR17_LENGTH[int(m.group(1))] == "GRCh38" else "GRCh37"
    elif line.startswith(("##reference", "##assembly")):
        header.genome = header.genome or genome_from_text(line)


def target_regions(genome: Genome | None) -> Regions:
    """chrom (no "chr") → [(start, end, gene)] for the given build, or both builds when unknown."""
    builds: list[Genome] = [genome] if genome else ["GRCh37", "GRCh38"]
    out: Regions = {}
    for build in builds:
        for gene, (chrom, start, end) in gene_regions(build).items():
            if gene in GENES:
                out.setdefault(chrom, []).append((start, end, gene))
    return out


def _gene_at(regions: Regions, chrom: str, pos: int) -> str | None:
    for start, end, gene in regions.get(chrom, ()):
        if start <= pos <= end:
            return gene
    return None


def _annotations(info: str, header: VcfHeader) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in info.split(";"):
        key, _, value = item.partition("=")
        if key == "CSQ" and header.csq_fields:
            for entry in value.split(","):
                out.append(dict(zip(header.csq_fields, entry.split("|"), strict=False)))
        elif key == "ANN":
            for entry in value.split(","):
                parts = dict(zip(_ANN_FIELDS, entry.split("|"), strict=False))
                out.append(
                    {
                        "Allele": parts.get("Allele", ""),
                        "SYMBOL": parts.get("Gene_Name", ""),
                        "Feature": parts.get("Feature_ID", ""),
                        "HGVSc": parts.get("HGVS.c", ""),
                        "HGVSp": parts.get("HGVS.p", ""),
                        "EXON": parts.get("Rank", ""),
                    }
                )
    return out


def _pick(annotations: list[dict[str, str]], allele: str, gene: str | None) -> dict[str, str] | None:
    candidates = [
        a for a in annotations if a.get("SYMBOL") in GENES and (not gene or a.get("SYMBOL") == gene)
    ]
    if not candidates:
        return None
    by_allele = [a for a in candidates if a.get("Allele") in (allele, allele[1:] or "-")] or candidates

    def rank(a: dict[str, str]) -> tuple[int, int, int]:
        feature = a.get("Feature", "")
        return (
            0 if any(feature.startswith(p) for p in _PREFERRED) else 1,
            0 if a.get("CANONICAL") == "YES" or a.get("MANE_SELECT") else 1,
            0 if a.get("HGVSp") else 1,
        )

    return sorted(by_allele, key=rank)[0]


def _hgvs_part(value: str | None) -> str | None:
    if not value:
        return None
    value = urllib.parse.unquote(value)
    return value.split(":", 1)[1] if ":" in value else value


def _sample_alleles(fields: list[str], sample_index: int | None) -> set[int] | None:
    """Allele indexes carried by the chosen sample (None: no genotype, so keep every ALT)."""
    if sample_index is None or len(fields) <= 9:
        return None
    fmt = fields[8].split(":")
    if "GT" not in fmt:
        return None
    values = fields[9 + sample_index].split(":")
    gt_index = fmt.index("GT")
    if gt_index >= len(values):
        return None
    return {int(a) for a in re.split(r"[/|]", values[gt_index]) if a.isdigit()}


def _vaf(fields: list[str], sample_index: int | None, alt_index: int) -> float | None:
    info = fields[7]
    for item in info.split(";"):
        key, _, value = item.partition("=")
        if key in ("TVAF", "AF") and value:
            try:
                return float(value.split(",")[alt_index - 1])
            except (ValueError, IndexError):
                return None
    if sample_index is not None and len(fields) > 9:
        fmt = fields[8].split(":")
        values = fields[9 + sample_index].split(":")
        if "AF" in fmt and fmt.index("AF") < len(values):
            try:
                return float(values[fmt.index("AF")].split(",")[alt_index - 1])
            except (ValueError, IndexError):
                return None
    return None


class _Record:
    """Full parse of one data line in a target region."""

    def __init__(self, name: str, n: int | str, line: str, n_samples: int) -> None:
        fields = line.split("\t")
        where = f"line {n}" if isinstance(n, int) else n
        expected = 8 if n_samples == 0 else 9 + n_samples
        if len(fields) < expected:
            raise InvalidInput(
                f"{name} {where}",
                short(line),
                f"{expected} tab-separated columns (CHROM … INFO"
                + (", FORMAT and one column per sample)" if n_samples else ")"),
            )
        try:
            self.pos = int(fields[1])
        except ValueError:
            raise InvalidInput(f"{name} {where}", fields[1], "an integer POS") from None
        self.ref = fields[3]
        self.alts = fields[4].split(",")
        if not _BASES.match(self.ref) or not all(_BASES.match(a) for a in self.alts):
            raise InvalidInput(
                f"{name} {where}", short(f"{fields[3]} {fields[4]}"), "REF/ALT made of A, C, G, T, N"
            )
        self.chrom = strip_chr(fields[0])
        self.fields = fields


def _calls_for_record(
    rec: _Record, gene: str, header: VcfHeader, genome: Genome | None, sample_index: int | None, source: str
) -> tuple[list[RawCall], list[str]]:
    calls: list[RawCall] = []
    warnings: list[str] = []
    carried = _sample_alleles(rec.fields, sample_index)
    annotations = _annotations(rec.fields[7], header) if (header.csq_fields or header.has_ann) else []
    for i, alt in enumerate(rec.alts, 1):
        if alt in ("*", ".") or (carried is not None and i not in carried):
            continue
        where = f"{source} {rec.chrom}:{rec.pos} {rec.ref}>{alt}"
        vaf = _vaf(rec.fields, sample_index, i)
        ann = _pick(annotations, alt, None) if annotations else None
        if ann is not None:
            hgvsp = _hgvs_part(ann.get("HGVSp"))
            calls.append(
                RawCall(
                    ann["SYMBOL"],
                    hgvsp,
                    _hgvs_part(ann.get("HGVSc")),
                    exon_number(ann.get("EXON")),
                    where,
                    vaf,
                )
            )
            continue
        builds: list[Genome] = [genome] if genome else ["GRCh37", "GRCh38"]
        hit = None
        for build in builds:
            hit = hotspot_index(build).get((rec.chrom, rec.pos, rec.ref.upper(), alt.upper()))
            if hit:
                break
        if hit is not None:
            calls.append(RawCall(hit.gene, hit.protein, None, None, where + " (Cancer Hotspots allele)", vaf))
        elif gene == "ERBB2":
            calls.append(RawCall("ERBB2", None, None, None, where, vaf))
            warnings.append(f"{where}: ERBB2-region variant without a protein annotation (annotate with VEP)")
    return calls, warnings


def _finish(name: str, header: VcfHeader, wanted: str | None) -> tuple[int | None, str | None]:
    if not header.samples:
        return None, None
    chosen = choose_sample(name, header.samples, wanted)
    return header.samples.index(chosen), chosen


def _indexed(path: Path) -> Path | None:
    for suffix in (".tbi", ".csi"):
        index = path.with_name(path.name + suffix)
        if index.exists():
            return index
    return None


def read_vcf(path: Path, *, sample: str | None, genome: Genome | None) -> VcfResult:
    """ERBB2 and co-alteration calls of one sample in a VCF (plain, gzip or bgzip + tabix)."""
    if _indexed(path) is not None and _is_bgzf(path):
        return _read_indexed(path, sample=sample, genome=genome)
    return _scan(path, sample=sample, genome=genome)


def _is_bgzf(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(16)
    return len(head) >= 16 and head[:4] == b"\x1f\x8b\x08\x04" and head[12:14] == b"BC"


def _read_indexed(path: Path, *, sample: str | None, genome: Genome | None) -> VcfResult:
    import pysam

    name = path.name
    header = VcfHeader()
    with pysam.TabixFile(str(path)) as tbx:
        header_lines = list(tbx.header)
        for line in header_lines:
            if line.startswith("##"):
                _parse_header_line(header, line)
            elif line.startswith("#CHROM"):
                header.samples = line.rstrip("\n").split("\t")[9:]
        if not header_lines or not header_lines[0].startswith("##fileformat=VCF"):
            raise InvalidInput(
                f"{name} line 1", short(header_lines[0] if header_lines else ""), "##fileformat=VCFv4.x"
            )
        build = genome or header.genome or genome_from_text(name)
        warnings: list[str] = [] if build else [_BUILD_WARNING]
        sample_index, chosen = _finish(name, header, sample)
        contigs = set(tbx.contigs)
        calls: list[RawCall] = []
        seen = 0
        for chrom, spans in target_regions(build).items():
            contig = chrom if chrom in contigs else f"chr{chrom}" if f"chr{chrom}" in contigs else None
            if contig is None:
                continue
            for start, end, gene in spans:
                for line in tbx.fetch(contig, start - 1, end):
                    seen += 1
                    rec = _Record(
                        name, f"record {contig}:{line.split(chr(9), 2)[1]}", line, len(header.samples)
                    )
                    new, warn = _calls_for_record(rec, gene, header, build, sample_index, f"{name}")
                    calls.extend(new)
                    warnings.extend(warn)
    return VcfResult(calls, chosen, build, warnings, seen)


_BUILD_WARNING = (
    "genome build not stated in the file or its name; both GRCh37 and GRCh38 regions were read (pass genome=)"
)


def scan_lines(
    name: str, numbered: Iterable[tuple[int, str]], regions: Regions
) -> Iterator[tuple[int, str, str]]:
    """The lean scan: yield (line number, line, gene) for data lines inside ``regions``.

    Splits only CHROM for most lines and POS for lines on a target chromosome; checks that every
    data line has at least a CHROM and POS column.
    """
    wanted = {**regions, **{f"chr{c}": spans for c, spans in regions.items()}}
    for n, line in numbered:
        tab = line.find("\t")
        if tab <= 0:
            raise bad_line(name, n, line, "tab-separated CHROM, POS, ID, REF, ALT, QUAL, FILTER, INFO")
        spans = wanted.get(line[:tab])
        if spans is None:
            continue
        tab2 = line.find("\t", tab + 1)
        try:
            pos = int(line[tab + 1 : tab2])
        except ValueError:
            raise bad_line(name, n, line, "an integer POS in column 2") from None
        for start, end, gene in spans:
            if start <= pos <= end:
                yield n, line, gene
                break


def _scan(path: Path, *, sample: str | None, genome: Genome | None) -> VcfResult:
    name = path.name
    header = VcfHeader()
    with open_text(path) as fh:
        n = 0
        first = True
        for raw in fh:
            n += 1
            line = raw.rstrip("\r\n")
            if first:
                if not line.startswith("##fileformat=VCF"):
                    raise bad_line(name, n, line, "##fileformat=VCFv4.x as the first line of a VCF")
                first = False
            if line.startswith("##"):
                _parse_header_line(header, line)
                continue
            if line.startswith("#CHROM"):
                header.samples = line.split("\t")[9:]
                break
            raise bad_line(name, n, line, "meta lines (##) then the #CHROM header line")
        else:
            raise InvalidInput(f"{name} line {n}", "(end of file)", "a #CHROM header line")
        build = genome or header.genome or genome_from_text(name)
        warnings: list[str] = [] if build else [_BUILD_WARNING]
        sample_index, chosen = _finish(name, header, sample)
        regions = target_regions(build)
        calls: list[RawCall] = []
        seen = 0

        def numbered() -> Iterator[tuple[int, str]]:
            for k, raw in enumerate(fh, n + 1):
                yield k, raw.rstrip("\r\n")

        for k, line, gene in scan_lines(name, numbered(), regions):
            seen += 1
            rec = _Record(name, k, line, len(header.samples))
            new, warn = _calls_for_record(rec, gene, header, build, sample_index, f"{name} line {k}")
            calls.extend(new)
            warnings.extend(warn)
    return VcfResult(calls, chosen, build, warnings, seen)
