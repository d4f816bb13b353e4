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

from her2kit.errors import WITHHELD, InvalidInput, Placeholder, shown
from her2kit.genomics.classify import gene_regions, hotspot_index
from her2kit.genomics.common import (
    CHR17_LENGTH,
    CHR17_NAMES,
    ERBB2_ENSEMBL_GENE,
    ERBB2_GENE,
    GENES,
    RawCall,
    bad_line,
    choose_sample,
    columns_seen,
    contig_chromosome,
    exon_number,
    file_build,
    genome_from_text,
    is_erbb2_canonical,
    open_text,
    read_lines,
    short,
    vaf_checked,
)
from her2kit.genomics.model import Genome

_BASES = re.compile(
    r"^[ACGTNacgtn*.]+$|^<[^>]+>$"
    # VCF 4.x breakends: t[p[, t]p], ]p]t, [p[t, and single breakends .t, t.
    r"|^[ACGTNacgtn]*[\[\]][^\[\]]+[\[\]][ACGTNacgtn]*$"
)
_CONTIG_ID = re.compile(r"[<,]ID=([^,>]+)")
_CONTIG_LENGTH = re.compile(r"[<,]length=(\d+)")
_ANN_FIELDS = ["Allele", "Annotation", "Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
               "Biotype", "Rank", "HGVS.c", "HGVS.p"]  # fmt: skip
# Transcripts preferred when an annotation lists several: RefSeq/Ensembl canonical ERBB2 and co-genes.

Regions = dict[str, list[tuple[int, int, str]]]


@dataclass
class VcfHeader:
    samples: list[str] = field(default_factory=list)
    csq_fields: list[str] | None = None
    has_ann: bool = False
    # (build, line number, what says so): each ##reference/##assembly, chromosome 17 ##contig length and RefSeq
    # ##contig name that states a build
    stated: list[tuple[Genome, int, str]] = field(default_factory=list)
    odd_lengths: list[str] = field(default_factory=list)  # chromosome 17 lengths of neither build
    text: list[str] = field(default_factory=list)


@dataclass
class VcfResult:
    calls: list[RawCall]
    sample: str | None
    genome: Genome | None
    warnings: list[str]
    records_seen: int
    erbb2_searched: bool = True  # False: records, none on a contig recognised as chromosome 17


def _parse_header_line(header: VcfHeader, line: str, n: int) -> None:
    if line.startswith("##INFO=<ID=CSQ"):
        m = re.search(r"Format: ([^\"]+)", line)
        if m:
            header.csq_fields = m.group(1).strip().split("|")
    elif line.startswith("##INFO=<ID=ANN"):
        header.has_ann = True
    elif line.startswith("##contig"):
        _parse_contig(header, line, n)
    elif line.startswith(("##reference", "##assembly")):
        build = genome_from_text(line)
        if build is not None:
            header.stated.append((build, n, short(line)))


def _parse_contig(header: VcfHeader, line: str, n: int) -> None:
    m = _CONTIG_ID.search(line)
    known = contig_chromosome(m.group(1)) if m else None
    if m is None or known is None:
        return
    contig, (chrom, named) = m.group(1), known
    if named is not None:
        header.stated.append(
            (named, n, f"##contig {contig}, the RefSeq accession of chromosome {chrom} in {named}")
        )
    length = _CONTIG_LENGTH.search(line)
    if chrom != "17" or length is None:
        return
    bp = int(length.group(1))
    build = CHR17_LENGTH.get(bp)
    if build is not None:
        header.stated.append((build, n, f"##contig {contig} length {bp:,}, chromosome 17 of {build}"))
    else:
        header.odd_lengths.append(f"line {n}: ##contig {contig} length {bp:,}")


def _file_build(name: str, header: VcfHeader, genome: Genome | None) -> tuple[Genome | None, list[str]]:
    """The build to read the file in, and warnings (:func:`~her2kit.genomics.common.file_build`)."""
    return file_build(name, header.stated, header.odd_lengths, genome, "header")


class _Contigs:
    """The data lines' contig names: the chromosome each denotes (``contig_chromosome``), the build a RefSeq
    accession states (checked against the file's build, and against the other accessions), and the names that
    denote no chromosome."""

    def __init__(
        self, name: str, build: Genome | None = None, given: Genome | None = None, stated_by: str = ""
    ) -> None:
        self.name, self.build, self.given, self.stated_by = name, build, given, stated_by
        self.implied: tuple[Genome, str, str] | None = None  # (build, contig, where) of the first accession
        self.chromosome: dict[str, str | None] = {}  # every contig name seen → its chromosome, or None

    def resolve(self, contig: str, where: str) -> tuple[str, Genome | None] | None:
        """(chromosome, build to read its records in) for a contig name; None when it denotes no chromosome."""
        known = contig_chromosome(contig)
        self.chromosome[contig] = known[0] if known else None
        if known is None:
            return None
        chrom, named = known
        if named is None:
            return chrom, self.build
        said = f"{self.name} {where}: {contig} is the RefSeq accession of chromosome {chrom} in {named}"
        if self.build is not None and named != self.build:
            if self.given is not None:
                raise InvalidInput(
                    "--genome", self.given, f"{named} ({said}); or correct the file's contig names"
                )
            raise InvalidInput(
                f"{self.name} {where}",
                contig,
                f"a contig of {self.build}, {self.stated_by or 'the build the file states'}",
            )
        if self.implied is not None and named != self.implied[0]:
            build, first, at = self.implied
            raise InvalidInput(
                f"{self.name} {where}",
                contig,
                f"a contig of {build}, as {first} ({at}): one genome build per file",
            )
        self.implied = self.implied or (named, contig, where)
        return chrom, named

    def erbb2_searched(self) -> bool:
        """False when the file has records, none on chromosome 17, and some on contigs that denote no chromosome
        her2kit recognises (chromosome 17 may be among them under another name)."""
        seen = self.chromosome
        return not seen or "17" in seen.values() or all(chrom is not None for chrom in seen.values())

    def warnings(self) -> list[str]:
        """A warning when the file has records but none on a contig recognised as chromosome 17."""
        seen = self.chromosome
        if not seen or "17" in seen.values():
            return []
        listing = ", ".join(list(seen)[:10]) + (f", … ({len(seen)} contigs)" if len(seen) > 10 else "")
        unknown = [c for c, chrom in seen.items() if chrom is None]
        if unknown:
            odd = ", ".join(unknown[:10]) + (", …" if len(unknown) > 10 else "")
            return [
                f"ERBB2 not searched: no record of {self.name} is on a contig recognised as chromosome 17 "
                f"({CHR17_NAMES}); its records are on {listing}, and these names denote no chromosome her2kit "
                f"recognises: {odd}. ERBB2 mutations were not assessed (this is not a negative result)"
            ]
        return [
            f"no record of {self.name} is on chromosome 17 (its records are on {listing}): the file lists no "
            "ERBB2 variant"
        ]


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
                        "Gene": parts.get("Gene_ID", ""),
                        "Feature": parts.get("Feature_ID", ""),
                        "HGVSc": parts.get("HGVS.c", ""),
                        "HGVSp": parts.get("HGVS.p", ""),
                        "EXON": parts.get("Rank", ""),
                    }
                )
    for a in out:
        # VEP writes SYMBOL only with --symbol (or --everything): ERBB2 is also known by its Ensembl gene and its
        # canonical transcript, never left out as "not a panel gene" for want of its symbol.
        if not a.get("SYMBOL") and (
            a.get("Gene", "").split(".")[0] == ERBB2_ENSEMBL_GENE
            or is_erbb2_canonical(a.get("Feature")) is True
        ):
            a["SYMBOL"] = "ERBB2"
    return out


def _rank(a: dict[str, str]) -> tuple[int, int, int]:
    feature = a.get("Feature", "")
    return (
        0 if is_erbb2_canonical(feature) else 1,
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


def _vaf(fields: list[str], sample_index: int | None, alt_index: int) -> tuple[str | float | None, str]:
    """The variant allele fraction of ALT number ``alt_index`` as written (or computed from depths), and where it was
    read: the chosen sample's FORMAT AF, else its allelic depths (FORMAT AD: alt / total), else INFO TVAF; INFO AF
    only in a file without sample columns (in a multi-sample file it is the allele frequency over every sample's
    genotypes, not the tumour's fraction)."""
    has_samples = len(fields) > 9
    if sample_index is not None and has_samples:
        sample = dict(zip(fields[8].split(":"), fields[9 + sample_index].split(":"), strict=False))
        if sample.get("AF", ".") not in ("", "."):
            parts = sample["AF"].split(",")
            return (parts[alt_index - 1] if alt_index - 1 < len(parts) else None), "the sample's FORMAT AF"
        if "AD" in sample:
            try:
                counts = [float(d) for d in sample["AD"].split(",")]
            except ValueError:
                return None, "the sample's FORMAT AD"
            total = sum(counts)
            ok = len(counts) > alt_index and total > 0
            return (counts[alt_index] / total if ok else None), "the sample's FORMAT AD"
    for item in fields[7].split(";"):
        key, _, value = item.partition("=")
        if value and (key == "TVAF" or (key == "AF" and not has_samples)):
            parts = value.split(",")
            return (parts[alt_index - 1] if alt_index - 1 < len(parts) else None), f"INFO {key}"
    return None, ""


def _columns_allowed(n_samples: int) -> str:
    expected = 8 if n_samples == 0 else 9 + n_samples
    return f"{expected} tab-separated columns (CHROM … INFO" + (
        f", FORMAT and one column for each of the {n_samples} samples)" if n_samples else ")"
    )


class _Record:
    """Full parse of one data line in a target region."""

    def __init__(self, name: str, n: int | str, line: str, n_samples: int, chrom: str) -> None:
        fields = line.split("\t")
        where = f"line {n}" if isinstance(n, int) else n
        expected = 8 if n_samples == 0 else 9 + n_samples
        if len(fields) < expected:
            raise InvalidInput(
                f"{name} {where}", WITHHELD, _columns_allowed(n_samples), hint=columns_seen(line)
            )
        try:
            self.pos = int(fields[1])
        except ValueError:
            raise InvalidInput(f"{name} {where}", shown(fields[1]), "an integer POS") from None
        self.ref = fields[3]
        self.alts = fields[4].split(",")
        for column, allele in (("REF", self.ref), *(("ALT", alt) for alt in self.alts)):
            if not _BASES.match(allele):
                raise InvalidInput(
                    f"{name} {where}",
                    shown(allele),
                    "REF/ALT made of A, C, G, T, N (ALT also <ID>, * or a breakend)",
                    hint=f"in column {column}",
                )
        self.chrom = chrom  # as contig_chromosome names it: "17" for chr17, CHR17, NC_000017.10 …
        self.fields = fields


def _calls_for_record(
    rec: _Record, gene: str, header: VcfHeader, genome: Genome | None, sample_index: int | None, source: str
) -> tuple[list[RawCall], list[str]]:
    """The calls of one record, none when it failed the caller's filters (FILTER neither PASS nor "."): a variant
    flagged germline, artefact or low quality is not a tumour's activating mutation; a warning names the filter."""
    calls, warnings = _record_calls(rec, gene, header, genome, sample_index, source)
    status = rec.fields[6].strip()
    if calls and status not in ("PASS", ".", ""):
        genes = ", ".join(sorted({c.gene for c in calls}))
        return [], [
            f"{source} {rec.chrom}:{rec.pos}: {genes} variant with FILTER {short(status, 80)} (not PASS: it failed "
            "the caller's filters) is not reported"
        ]
    return calls, warnings


def _record_calls(
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
        raw_vaf, vaf_from = _vaf(rec.fields, sample_index, i)
        vaf = vaf_checked(raw_vaf, f"{where} ({vaf_from})", warnings)
        if annotations:
            if not record_genes:
                if not any(a.get("SYMBOL") for a in annotations):
                    # Annotated without gene symbols (VEP without --symbol): read by position, as if unannotated. (A
                    # record with symbols elsewhere, e.g. a regulatory-feature block beside a PGAP3 transcript, was
                    # annotated with --symbol: it names no panel gene.)
                    warnings.append(
                        f"{where}: the annotation gives no gene symbol (SYMBOL; run VEP with --symbol); the variant "
                        "was placed by its position"
                    )
                    calls.extend(_unannotated_calls(rec, alt, gene, genome, where, vaf, warnings))
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
        for k, line in enumerate(header_lines, 1):
            if line.startswith("##"):
                _parse_header_line(header, line, k)
            elif line.startswith("#CHROM"):
                header.samples = line.rstrip("\n").split("\t")[9:]
        if not header_lines or not header_lines[0].startswith("##fileformat=VCF"):
            raise InvalidInput(f"{name} line 1", WITHHELD, "##fileformat=VCFv4.x")
        build, warnings = _file_build(name, header, genome)
        contigs = _Contigs(name, build, genome, _stated_by(header, genome))
        # the index lists the contigs that have records: their names settle the build before any is read
        resolved = {c: r for c in tbx.contigs if (r := contigs.resolve(c, "tabix index")) is not None}
        build = build or (contigs.implied[0] if contigs.implied else None)
        if build is None:
            warnings.append(_BUILD_WARNING)
        sample_index, chosen = _finish(name, header, sample)
        calls: list[RawCall] = []
        seen = 0
        regions = target_regions(build)
        for contig, (chrom, _) in resolved.items():
            for start, end, gene in regions.get(chrom, ()):
                for line in tbx.fetch(contig, start - 1, end):
                    seen += 1
                    rec = _Record(
                        name, f"record {contig}:{line.split(chr(9), 2)[1]}", line, len(header.samples), chrom
                    )
                    new, warn = _calls_for_record(rec, gene, header, build, sample_index, f"{name}")
                    calls.extend(new)
                    warnings.extend(warn)
        warnings.extend(contigs.warnings())
    return VcfResult(calls, chosen, build, warnings, seen, contigs.erbb2_searched())


def _stated_by(header: VcfHeader, genome: Genome | None) -> str:
    if genome is not None:
        return "the build given"
    return "the build the header states" if header.stated else "the build the file name states"


_BUILD_WARNING = (
    "genome build not stated in the file or its name; both GRCh37 and GRCh38 regions were read, and no protein "
    "change was assigned from a position alone (pass genome=)"
)


def scan_lines(
    name: str,
    numbered: Iterable[tuple[int, str]],
    regions: Regions,
    contigs: _Contigs | None = None,
    n_samples: int = 0,
) -> Iterator[tuple[int, str, str]]:
    """The lean scan: yield (line number, line, gene) for data lines inside ``regions``.

    Splits only CHROM for most lines and POS for lines on a target chromosome; checks that every
    data line has its columns (8, or 9 and one per sample: counted, not split). Each distinct CHROM is resolved
    once by ``contigs`` (chr17, CHR17, NC_000017.10 …); a RefSeq accession's records are read in the build it
    names.
    """
    contigs = contigs or _Contigs(name)
    wanted: dict[str, list[tuple[int, int, str]] | None] = {}
    tabs = (8 if n_samples == 0 else 9 + n_samples) - 1
    for n, line in numbered:
        tab = line.find("\t")
        if tab <= 0 or line.count("\t") < tabs:
            raise bad_line(name, n, line, _columns_allowed(n_samples), count_columns=True)
        chrom_name = line[:tab]
        try:
            spans = wanted[chrom_name]
        except KeyError:
            resolved = contigs.resolve(chrom_name, f"line {n}")
            if resolved is None:
                spans = None
            else:
                chrom, build = resolved
                spans = (target_regions(build) if build != contigs.build else regions).get(chrom)
            wanted[chrom_name] = spans
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
        for n, line in read_lines(fh, name):
            if first:
                if not line.startswith("##fileformat=VCF"):
                    raise bad_line(name, n, line, "##fileformat=VCFv4.x as the first line of a VCF")
                first = False
            if line.startswith("##"):
                _parse_header_line(header, line, n)
                continue
            if line.startswith("#CHROM"):
                header.samples = line.split("\t")[9:]
                break
            raise bad_line(name, n, line, "meta lines (##) then the #CHROM header line")
        else:
            raise InvalidInput(f"{name} line {n}", Placeholder("(end of file)"), "a #CHROM header line")
        build, warnings = _file_build(name, header, genome)
        sample_index, chosen = _finish(name, header, sample)
        regions = target_regions(build)
        contigs = _Contigs(name, build, genome, _stated_by(header, genome))
        calls: list[RawCall] = []
        seen = read_without_build = 0

        numbered = read_lines(fh, name, n + 1)
        for k, line, gene in scan_lines(name, numbered, regions, contigs, len(header.samples)):
            seen += 1
            resolved = contigs.resolve(line[: line.find("\t")], f"line {k}")
            assert resolved is not None  # scan_lines yields only lines on a recognised chromosome
            chrom, record_build = resolved
            read_without_build += record_build is None
            rec = _Record(name, k, line, len(header.samples), chrom)
            new, warn = _calls_for_record(rec, gene, header, record_build, sample_index, f"{name} line {k}")
            calls.extend(new)
            warnings.extend(warn)
    if build is None and contigs.implied is not None and not read_without_build:
        build = contigs.implied[0]  # every record read was on a RefSeq accession of this build
    if build is None:
        warnings.insert(0, _BUILD_WARNING)
    warnings.extend(contigs.warnings())
    return VcfResult(calls, chosen, build, warnings, seen, contigs.erbb2_searched())
