"""VCF reading: a tabix region query when the file is indexed, a lean streaming scan otherwise.

The scan looks at CHROM (and POS on the target chromosomes) of every record and fully parses only
records inside the target regions (ERBB2 and the co-alteration genes). Protein changes come from VEP
``CSQ`` or SnpEff ``ANN`` annotations, matched to each ALT allele by VEP's ``ALLELE_NUM`` when present,
else by allele string (as written, or trimmed as VEP writes it); an allele that cannot be matched to
exactly one annotation allele is reported without a protein change, never with another allele's
annotation. An annotated record none of whose annotations names a panel gene (e.g. GRB7, next to ERBB2)
is not reported. An unannotated record is matched against the Cancer Hotspots substitution alleles only
when the genome build is known; an unannotated, unmatched record inside the ERBB2 gene is reported
without a protein change (with a warning).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from her2kit.errors import InvalidInput
from her2kit.genomics.classify import gene_regions, hotspot_index
from her2kit.genomics.common import (
    ERBB2_CANONICAL,
    GENES,
    RawCall,
    bad_line,
    choose_sample,
    exon_number,
    genome_from_text,
    is_erbb2_canonical,
    open_text,
    short,
    strip_chr,
)
from her2kit.genomics.model import Genome

_BASES = re.compile(
    r"^[ACGTNacgtn*.]+$|^<[^>]+>$"
    # VCF 4.x breakends: t[p[, t]p], ]p]t, [p[t, and single breakends .t, t.
    r"|^[ACGTNacgtn]*[\[\]][^\[\]]+[\[\]][ACGTNacgtn]*$"
)
_CONTIG_LEN = re.compile(r"##contig=<ID=(?:chr)?17,length=(\d+)")
_CHR17_LENGTH = {81195210: "GRCh37", 83257441: "GRCh38"}
_ANN_FIELDS = ["Allele", "Annotation", "Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
               "Biotype", "Rank", "HGVS.c", "HGVS.p"]  # fmt: skip
# Transcripts preferred when an annotation lists several: RefSeq/Ensembl canonical ERBB2 and co-genes.

# The ERBB2 gene (Ensembl ENSG00000141736), 1-based inclusive: GRCh37 17:37,844,167-37,886,679 (Ensembl
# gene export, "Gene Start (bp)":37844167, "Gene End (bp)":37886679; the GRCh37 Ensembl links in
# genome-nexus/genome-nexus issue #798 use r=17:37844167-37886679); GRCh38 17:39,687,914-39,730,426 (the
# Ensembl gene page link r=17:39687914-39730426, and GENCODE v22 as shipped with GISTIC2:
# "ERBB2 chr17:39687914-39730426"). An unannotated record is an "ERBB2-region" variant only inside this
# span; the padded query window (classify.REGION_PADDING) also reaches the neighbouring genes (GRB7 lies
# 3' of ERBB2 at 17q12).
ERBB2_GENE: Final[dict[str, tuple[str, int, int]]] = {
    "GRCh37": ("17", 37_844_167, 37_886_679),
    "GRCh38": ("17", 39_687_914, 39_730_426),
}

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
                        "Consequence": parts.get("Annotation", ""),
                        "SYMBOL": parts.get("Gene_Name", ""),
                        "Feature": parts.get("Feature_ID", ""),
                        "HGVSc": parts.get("HGVS.c", ""),
                        "HGVSp": parts.get("HGVS.p", ""),
                        "EXON": parts.get("Rank", ""),
                    }
                )
    return out


def _rank(a: dict[str, str]) -> tuple[int, int, int]:
    feature = a.get("Feature", "")
    return (
        0 if feature.startswith(ERBB2_CANONICAL) else 1,
        0 if a.get("CANONICAL") == "YES" or a.get("MANE_SELECT") else 1,
        0 if a.get("HGVSp") else 1,
    )


def _pick(annotations: list[dict[str, str]]) -> dict[str, str] | None:
    """The annotation to report among one allele's annotations: panel genes only, the canonical ERBB2
    transcript (or CANONICAL/MANE) first, then one with a protein change."""
    candidates = [a for a in annotations if a.get("SYMBOL") in GENES]
    return sorted(candidates, key=_rank)[0] if candidates else None


def _allele_forms(ref: str, alt: str) -> set[str]:
    """How an annotator may write ``alt``: as in the VCF; without a padding base shared with REF ("-" when
    nothing is left); and VEP ``--minimal`` style, trimmed of the prefix and suffix it shares with REF
    (the form in gnomAD's CSQ: "REF=AAC and ALT=TAC,A … CSQ=-|…,T|…", googlegenomics/gcp-variant-transforms
    docs/variant_annotation.md)."""
    forms = {alt}
    if len(ref) != len(alt) and ref[:1] == alt[:1]:
        forms.add(alt[1:] or "-")
    r, a = ref, alt
    while r and a and r[0] == a[0]:
        r, a = r[1:], a[1:]
    while r and a and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    forms.add(a or "-")
    return forms


def _allele_annotations(
    annotations: list[dict[str, str]], ref: str, alts: list[str], index: int, has_allele_num: bool
) -> tuple[list[dict[str, str]], str | None]:
    """The annotations of ALT number ``index`` (1-based) and, when none can be attributed, why.

    ``ALLELE_NUM`` (VEP --allele_number: "allele number from input; 0 is reference, 1 is first alternate",
    mskcc/vcf2maf docs/vep_maf_readme.txt) decides when the annotator wrote it. Otherwise an annotation
    belongs to this ALT when its allele string is one of this ALT's forms and of no other ALT's (matching
    simulated minimal alleles "can result in ambiguous matching", gcp-variant-transforms); a record with a
    single ALT has no other allele to confuse, so all its annotations are that ALT's.
    """
    mine: list[dict[str, str]] = []
    shared: list[dict[str, str]] = []
    if has_allele_num:
        mine = [a for a in annotations if a.get("ALLELE_NUM", "").strip() == str(index)]
        return mine, None if mine else f"no annotation has ALLELE_NUM {index}"
    if len(alts) == 1:
        return annotations, None
    forms = {i: _allele_forms(ref, alt) for i, alt in enumerate(alts, 1)}
    for a in annotations:
        owners = [i for i, f in forms.items() if a.get("Allele", "") in f]
        if index in owners:
            (mine if len(owners) == 1 else shared).append(a)
    if shared:
        allele = shared[0].get("Allele", "")
        return [], f"ambiguous: the annotation allele {allele!r} fits several ALT alleles"
    return mine, None if mine else "no annotation matches this ALT allele"


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
    has_allele_num = bool(header.csq_fields and "ALLELE_NUM" in header.csq_fields)
    record_genes = [a["SYMBOL"] for a in sorted(annotations, key=_rank) if a.get("SYMBOL") in GENES]
    for i, alt in enumerate(rec.alts, 1):
        if alt in ("*", ".") or (carried is not None and i not in carried):
            continue
        where = f"{source} {rec.chrom}:{rec.pos} {rec.ref}>{alt}"
        vaf = _vaf(rec.fields, sample_index, i)
        if annotations:
            if not record_genes:
                continue  # annotated, and not in ERBB2 or a co-alteration gene (e.g. GRB7 next to ERBB2)
            mine, problem = _allele_annotations(annotations, rec.ref, rec.alts, i, has_allele_num)
            if problem is not None:
                note = f"{problem}; reported without a protein change"
                calls.append(RawCall(record_genes[0], None, None, None, where, vaf, None, note))
                warnings.append(
                    f"{where}: {problem} (alleles annotated: "
                    f"{', '.join(sorted({a.get('Allele', '') for a in annotations}))}); reported without a "
                    "protein change, never with another allele's annotation"
                )
                continue
            ann = _pick(mine)
            if ann is None:
                continue  # this allele's annotations name no panel gene
            calls.append(_annotated_call(ann, where, vaf, warnings))
            continue
        calls.extend(_unannotated_calls(rec, alt, gene, genome, where, vaf, warnings))
    return calls, warnings


def _annotated_call(ann: dict[str, str], where: str, vaf: float | None, warnings: list[str]) -> RawCall:
    symbol = ann["SYMBOL"]
    hgvsp, hgvsc = _hgvs_part(ann.get("HGVSp")), _hgvs_part(ann.get("HGVSc"))
    exon = exon_number(ann.get("EXON"))
    consequence = ann.get("Consequence") or None
    feature = ann.get("Feature", "")
    if symbol == "ERBB2" and hgvsp and is_erbb2_canonical(feature) is False:
        given = " ".join(x for x in (hgvsc, hgvsp) if x) + (f" (exon {exon})" if exon is not None else "")
        warnings.append(
            f"{where}: the only ERBB2 annotation of this allele is on transcript {feature}, not the canonical "
            f"NM_004448 / ENST00000269571 ({given}): reported without a protein change and not classified"
        )
        note = f"given as {given} on ERBB2 transcript {feature}; not renumbered, not classified"
        return RawCall(symbol, None, None, None, where, vaf, consequence, note)
    return RawCall(symbol, hgvsp, hgvsc, exon, where, vaf, consequence)


def _in_erbb2(genome: Genome, chrom: str, pos: int) -> bool:
    c, start, end = ERBB2_GENE[genome]
    return chrom == c and start <= pos <= end


def _unannotated_calls(
    rec: _Record,
    alt: str,
    gene: str,
    genome: Genome | None,
    where: str,
    vaf: float | None,
    warnings: list[str],
) -> list[RawCall]:
    key = (rec.chrom, rec.pos, rec.ref.upper(), alt.upper())
    if genome is not None:
        hit = hotspot_index(genome).get(key)
        if hit is not None:
            return [RawCall(hit.gene, hit.protein, None, None, where + " (Cancer Hotspots allele)", vaf)]
        if gene == "ERBB2" and _in_erbb2(genome, rec.chrom, rec.pos):
            warnings.append(f"{where}: ERBB2 variant without a protein annotation (annotate with VEP)")
            return [RawCall("ERBB2", None, None, None, where, vaf)]
        return []
    # Build unknown: the same coordinates mean different places in GRCh37 and GRCh38, so no protein change
    # is assigned from a position (pass genome=).
    builds: tuple[Genome, Genome] = ("GRCh37", "GRCh38")
    hits = [(b, row) for b in builds if (row := hotspot_index(b).get(key)) is not None]
    if hits:
        named = "; ".join(f"the Cancer Hotspots allele {row.gene} {row.protein} on {b}" for b, row in hits)
        other = [b for b in builds if b not in {h[0] for h in hits}]
        elsewhere = f" ({' and '.join(other)}: not this allele)" if other else ""
        warnings.append(
            f"{where}: matches {named}{elsewhere}; the genome build is not stated, so no protein change is "
            "assigned from the position (pass genome=GRCh37 or GRCh38)"
        )
        note = f"genome build unknown: matches {named} only; no protein change assigned"
        return [RawCall(hits[0][1].gene, None, None, None, where, vaf, None, note)]
    inside = [b for b in builds if _in_erbb2(b, rec.chrom, rec.pos)]
    if gene == "ERBB2" and inside:
        warnings.append(
            f"{where}: variant without a protein annotation inside ERBB2 on {' and '.join(inside)} only; the genome "
            "build is not stated (pass genome=, and annotate with VEP)"
        )
        note = f"genome build unknown: inside the ERBB2 gene on {' and '.join(inside)} only"
        return [RawCall("ERBB2", None, None, None, where, vaf, None, note)]
    return []


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
    "genome build not stated in the file or its name; both GRCh37 and GRCh38 regions were read, and no protein "
    "change was assigned from a position alone (pass genome=)"
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
