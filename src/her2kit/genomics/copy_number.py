"""ERBB2 copy number from segment files (SEG, CNVkit .cns/.cnr, allele-specific) and gene-level tables.

Absolute copy numbers are used as given (allele-specific: nMajor + nMinor). Log2 ratios are converted
with the CNVkit formula (ref:db-cnvkit-call): n = r·2^v for a pure sample, n = (r·2^v − x·(1 − p)) / p
with purity p, where r = x = the ploidy on autosomes. GISTIC thresholded calls are read as documented
(ref:db-gistic2-thresholded). The amplification call then follows :class:`AmplificationThresholds`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from her2kit.errors import InvalidInput, Placeholder
from her2kit.genomics.common import (
    CHR17_LENGTH,
    ERBB2_GENE,
    bad_line,
    choose_sample,
    contig_chromosome,
    file_build,
    genome_from_text,
    lines,
    short,
    strip_chr,
)
from her2kit.genomics.model import AmplificationThresholds, Genome

# A log2 ratio beyond this is not a measurement (2^100 copies) and would overflow the copy-number formula.
MAX_ABS_LOG2: Final = 100
# GATK CNV: MEAN_LOG2_COPY_RATIO (CallCopyRatioSegments .called.seg, ModelSegments .cr.seg) and, in ModelSegments
# .modelFinal.seg, the posterior median LOG2_COPY_RATIO_POSTERIOR_50.
SEG_MEAN: Final = (
    "seg.mean",
    "Segment_Mean",
    "segment_mean",
    "log2",
    "Log2Ratio",
    "MEAN_LOG2_COPY_RATIO",
    "LOG2_COPY_RATIO_POSTERIOR_50",
)
SEG_SAMPLE: Final = ("ID", "Sample", "sample", "ID_", "Tumor_Sample_Barcode")
CHROM: Final = ("chrom", "Chromosome", "chromosome", "chr", "Chrom", "CHROM", "CONTIG")
START: Final = ("loc.start", "Start", "start", "Start_Position", "startpos", "START")
END: Final = ("loc.end", "End", "end", "End_Position", "endpos", "END")
TOTAL_CN: Final = ("total_cn", "tcn", "tcn.em", "copy_number", "Copy_Number", "CN", "cn", "TCN")
GENE_COL: Final = ("Hugo_Symbol", "Gene Symbol", "Gene_Symbol", "gene", "Gene")
NON_SAMPLE: Final = frozenset({"Entrez_Gene_Id", "Locus ID", "Cytoband", "Locus_ID", "Entrez_Id"})

CnKind = Literal["absolute", "log2", "gistic"]


@dataclass
class CopyNumberResult:
    amplified: bool | None
    copy_number: float | None
    evidence: str
    sample: str | None
    genome: Genome | None
    warnings: list[str] = field(default_factory=list)


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def log2_to_copies(log2: float, thresholds: AmplificationThresholds) -> float:
    """Copy number from a log2 ratio (CNVkit formula; purity and ploidy from the thresholds)."""
    ploidy = thresholds.ploidy
    linear: float = ploidy * math.pow(2.0, log2)
    p = thresholds.purity
    if p is not None and p < 1.0:
        return max(0.0, float((linear - ploidy * (1.0 - p)) / p))
    return linear


def call_amplification(copies: float, thresholds: AmplificationThresholds) -> bool | None:
    if copies >= thresholds.amplified_min_copies:
        return True
    if copies < thresholds.not_amplified_below:
        return False
    return None


def erbb2_span(genome: Genome) -> tuple[str, int, int]:
    """The ERBB2 gene (common.ERBB2_GENE): a segment or bin over any part of it counts (a focal amplicon may cover
    only the gene's 5' part)."""
    return ERBB2_GENE[genome]


# Where purity and ploidy can be given today. The CLI (`her2kit genomics`, `assess --genomics`) and the REST
# endpoint (POST /v1/genomics) call profile_file without `amplification=`, so they cannot pass them yet.
PURITY_HOW: Final = (
    "give them with --purity/--ploidy (`her2kit genomics`, `her2kit assess --genomics`), ?purity=&ploidy= "
    "(POST /v1/genomics) or profile_file(..., amplification=AmplificationThresholds(purity=..., ploidy=...))"
)


def _ploidy_text(thresholds: AmplificationThresholds) -> str:
    given = "ploidy" in thresholds.model_fields_set
    return f"ploidy {thresholds.ploidy:g}" + ("" if given else " (default, assumed)")


def _describe(kind: CnKind, value: float, copies: float, thresholds: AmplificationThresholds) -> str:
    if kind == "log2":
        ploidy = _ploidy_text(thresholds)
        purity = (
            f", purity {thresholds.purity:g}"
            if thresholds.purity
            else "; purity not given: assumed 100% tumour cells"
        )
        return f"log2 ratio {value:.3g} → {copies:.2f} copies (CNVkit formula, {ploidy}{purity})"
    return f"absolute copy number {copies:g}"


def _unadjusted_log2_call(
    value: float, copies: float, amplified: bool | None, thresholds: AmplificationThresholds
) -> tuple[bool | None, str]:
    """The call and caveat for a log2 ratio converted without a purity (purity taken as 1).

    In the CNVkit formula n = (r·2^v − x·(1 − p)) / p (r = x = ploidy), a purity p < 1 moves n away from the
    ploidy: above it when v > 0, below it when v < 0. "The relationship between the observed copy ratio and the
    true underlying copy number depends on tumor cell fraction (purity), genome ploidy … and the size of the
    subclonal population" (CNVkit doc/calling.rst, ref:db-cnvkit-call). So for v > 0 the unadjusted value is a
    lower bound: an amplification call stands, "not amplified" cannot be called. For v ≤ 0 it is an upper bound.
    """
    if value > 0 and amplified is not True:
        return None, (
            f"purity not given: the log2 ratio {value:.3g} was converted assuming 100% tumour cells ({copies:.2f} "
            "copies); normal-cell admixture lowers the observed ratio, so ERBB2 amplification is undetermined "
            f"(neither amplified nor not amplified) until purity and ploidy are known; {PURITY_HOW}"
        )
    if value > 0:
        return amplified, (
            f"purity not given: the log2 ratio {value:.3g} was converted assuming 100% tumour cells; a lower purity "
            f"would only raise the estimate ({_ploidy_text(thresholds)}; {PURITY_HOW})"
        )
    if amplified is not False:
        return None, (
            f"purity not given: the log2 ratio {value:.3g} was converted assuming 100% tumour cells ({copies:.2f} "
            "copies, an upper bound at a ratio at or below 0): ERBB2 amplification is undetermined until purity "
            f"and ploidy are known; {PURITY_HOW}"
        )
    return amplified, (
        f"purity not given: the log2 ratio {value:.3g} was converted assuming 100% tumour cells; at a ratio at or "
        f"below 0 a lower purity would only lower the estimate ({_ploidy_text(thresholds)}; {PURITY_HOW})"
    )


def _number(text: str) -> float:
    """A copy-number field: NaN for a missing value (empty, NA, NaN, .); ValueError unless finite."""
    text = text.strip()
    if text in ("", "NA", "na", "NaN", "nan", "."):
        return math.nan
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _result(
    kind: CnKind,
    values: list[float],
    thresholds: AmplificationThresholds,
    sample: str | None,
    genome: Genome | None,
    what: str,
    missing: Sequence[int] = (),
) -> CopyNumberResult:
    warnings: list[str] = []
    if missing:
        lines = ", ".join(str(n) for n in missing[:5]) + (" …" if len(missing) > 5 else "")
        warnings.append(
            f"{len(missing)} {what}(s) over ERBB2 without a value (NA), line(s) {lines}: not used"
        )
    if not values:
        evidence = (
            f"no {what} overlaps ERBB2" if not missing else f"the {what}(s) over ERBB2 have no value (NA)"
        )
        return CopyNumberResult(None, None, evidence, sample, genome, [*warnings] or [evidence])
    if len(set(values)) > 1:
        calls = {v: _call(kind, v, thresholds)[1] for v in set(values)}
        if len(set(calls.values())) > 1:
            # Segments over ERBB2 that call it differently (an amplicon over the gene's 5' part or over its neighbours
            # PGAP3/GRB7 only, beside one at the baseline): which one is ERBB2's is not known.
            given = ", ".join(f"{v:g}" for v in sorted(set(values)))
            evidence = f"{what}s over ERBB2 disagree ({given}): ERBB2 amplification not determined"
            return CopyNumberResult(
                None,
                None,
                evidence,
                sample,
                genome,
                [
                    *warnings,
                    f"{len(values)} {what}s overlap ERBB2 with values ({given}) that give different calls: ERBB2 "
                    "amplification is not determined from them (a breakpoint inside the gene, or an amplicon of a "
                    "neighbouring gene); confirm by IHC/ISH",
                ],
            )
        warnings.append(
            f"{len(values)} {what}s overlap ERBB2 with different values giving the same call; the highest was used"
        )
    value = max(values)
    copies, amplified, caveat = _call(kind, value, thresholds)
    evidence = _describe(kind, value, copies, thresholds)
    if call_amplification(copies, thresholds) is None and copies >= thresholds.not_amplified_below:
        warnings.append(
            f"ERBB2 copy number {copies:.2f} is in the equivocal range "
            f"[{thresholds.not_amplified_below:g}, {thresholds.amplified_min_copies:g}); confirm by IHC/ISH"
        )
    if caveat is not None:
        warnings.append(caveat)
    return CopyNumberResult(amplified, round(copies, 2), evidence, sample, genome, warnings)


def _call(
    kind: CnKind, value: float, thresholds: AmplificationThresholds
) -> tuple[float, bool | None, str | None]:
    """One value's copy number, amplification call and, for a log2 ratio without a purity, the caveat."""
    copies = log2_to_copies(value, thresholds) if kind == "log2" else value
    amplified = call_amplification(copies, thresholds)
    caveat = None
    if kind == "log2" and thresholds.purity is None:
        amplified, caveat = _unadjusted_log2_call(value, copies, amplified, thresholds)
    return copies, amplified, caveat


@dataclass
class SamHeader:
    """What a SAM-style header before a table's column line says (GATK copy-number files: ``@HD``, ``@SQ``,
    ``@RG``): the builds it states, as (build, line number, what says so), chromosome 17 lengths of neither
    build, and the read groups' samples (``SM``)."""

    stated: list[tuple[Genome, int, str]] = field(default_factory=list)
    odd_lengths: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)


def sam_header(path: Path) -> SamHeader:
    """The ``@`` lines at the top of a tab-separated table (before its column line)."""
    header = SamHeader()
    for n, line in lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith("@"):
            break
        tags = dict(f.split(":", 1) for f in line.split("\t")[1:] if ":" in f)
        if line.startswith("@RG") and tags.get("SM"):
            header.samples.append(tags["SM"])
        if not line.startswith("@SQ"):
            continue
        if "AS" in tags and (said := genome_from_text(tags["AS"])) is not None:
            header.stated.append((said, n, short(f"@SQ {tags.get('SN', '')} AS:{tags['AS']}")))
        known = contig_chromosome(tags.get("SN", ""))
        if known is None or known[0] != "17" or not tags.get("LN", "").isdigit():
            continue
        bp = int(tags["LN"])
        build = CHR17_LENGTH.get(bp)
        if build is not None:
            header.stated.append((build, n, f"@SQ {tags['SN']} length {bp:,}, chromosome 17 of {build}"))
        else:
            header.odd_lengths.append(f"line {n}: @SQ {tags['SN']} length {bp:,}")
    return header


def _contigs(
    rows: list[tuple[int, list[str]]], ci: int
) -> tuple[dict[str, str], list[tuple[Genome, int, str]]]:
    """One pass over the rows' contig names: the chromosome each denotes ("NC_000017.11", "CHR17" → "17"; see
    :func:`~her2kit.genomics.common.contig_chromosome`), and the builds the RefSeq names state (the first line of
    each accession)."""
    chromosomes: dict[str, str] = {}
    stated: list[tuple[Genome, int, str]] = []
    for n, fields in rows:
        contig = fields[ci]
        if contig in chromosomes:
            continue
        known = contig_chromosome(contig)
        chromosomes[contig] = known[0] if known is not None else ""
        if known is not None and known[1] is not None:
            stated.append(
                (known[1], n, f"contig {contig}, the RefSeq accession of chromosome {known[0]} in {known[1]}")
            )
    return chromosomes, stated


def _tab_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """A tab-separated table's lines (blank and ``#`` lines, and a SAM-style ``@`` header before the column line,
    skipped) as ``(line number, fields)``: the column line first, then the rows, each of which must have its
    width (else a clear error naming the line)."""
    width: int | None = None
    for n, line in lines(path):
        if not line.strip() or line.startswith("#") or (width is None and line.startswith("@")):
            continue
        fields = line.split("\t")
        if width is None:
            width = len(fields)
        elif len(fields) != width:
            raise bad_line(
                path.name, n, line, f"{width} tab-separated columns, as in the header", count_columns=True
            )
        yield n, fields


def read_segments(
    path: Path,
    *,
    sample: str | None,
    genome: Genome | None,
    thresholds: AmplificationThresholds,
    kind: Literal["seg", "cns", "cnr", "allele"],
) -> CopyNumberResult:
    name = path.name
    sam = sam_header(path)
    table = _tab_rows(path)
    header = next(table, (0, None))[1]
    if header is None:
        raise InvalidInput(name, Placeholder("(empty)"), "a segment table with a header line")
    rows = list(table)
    ci, si, ei = _find(header, CHROM), _find(header, START), _find(header, END)
    if ci is None or si is None or ei is None:
        raise bad_line(name, 1, "\t".join(header), "chromosome, start and end columns")
    contigs, named = _contigs(rows, ci)
    stated = sam.stated + named
    build, warnings = file_build(
        name, stated, sam.odd_lengths, genome, "header" if len(stated) == len(sam.stated) else "contents"
    )
    sample_i = _find(header, SEG_SAMPLE) if kind == "seg" else None
    if kind == "seg" and sample_i is None and ci != 0:
        sample_i = 0  # the SEG format's first column is the sample, whatever its name: never mix samples
    major, minor = _find(header, ("nMajor", "nmajor")), _find(header, ("nMinor", "nminor"))
    total = _find(header, TOTAL_CN)
    log2 = _find(header, SEG_MEAN)
    value_kind: CnKind
    if (major is not None and minor is not None) or (total is not None and kind != "seg"):
        value_kind = "absolute"
    elif log2 is not None:
        value_kind = "log2"
    else:
        raise bad_line(
            name, 1, "\t".join(header), "nMajor/nMinor, a total copy-number column or a log2/seg.mean column"
        )
    chosen = None
    if sample_i is not None:
        chosen = choose_sample(name, [f[sample_i] for _, f in rows], sample)
    elif sam.samples:  # (a GATK file: one sample, named by its read group)
        chosen = choose_sample(name, sam.samples, sample)
    builds: list[Genome] = [build] if build else ["GRCh37", "GRCh38"]
    results: dict[Genome, list[float]] = {b: [] for b in builds}
    missing: dict[Genome, list[int]] = {b: [] for b in builds}  # lines over ERBB2 without a value
    value_columns: list[int]  # summed: nMajor + nMinor, or the one total / log2 column
    if value_kind == "absolute" and major is not None and minor is not None:
        value_columns = [major, minor]
    elif value_kind == "absolute":
        assert total is not None
        value_columns = [total]
    else:
        assert log2 is not None
        value_columns = [log2]
    for n, fields in rows:
        if sample_i is not None and fields[sample_i] != chosen:
            continue
        try:
            start, end = int(float(fields[si])), int(float(fields[ei]))
            values = [_number(fields[i]) for i in value_columns]
        except (ValueError, OverflowError):  # OverflowError: a position of "inf"
            raise bad_line(
                name, n, "\t".join(fields), "numeric start and end, finite copy-number values (NA if missing)"
            ) from None
        if value_kind == "log2" and any(abs(v) > MAX_ABS_LOG2 for v in values):
            raise bad_line(name, n, "\t".join(fields), f"a log2 ratio from -{MAX_ABS_LOG2} to {MAX_ABS_LOG2}")
        if start > end:
            raise bad_line(name, n, "\t".join(fields), "a segment whose start is not after its end")
        chrom = contigs.get(fields[ci]) or strip_chr(fields[ci])
        for b in builds:
            c, lo, hi = erbb2_span(b)
            if chrom == c and start <= hi and end >= lo:
                if any(math.isnan(v) for v in values):
                    missing[b].append(n)
                else:
                    results[b].append(sum(values))
    if kind == "cnr":
        # bins: the median log2 of the bins over ERBB2 is the gene's estimate
        results = {b: ([statistics.median(v)] if v else []) for b, v in results.items()}
    what = "bin" if kind == "cnr" else "segment"
    if build is None:
        outcomes = {
            b: _result(value_kind, results[b], thresholds, chosen, b, what, missing[b]) for b in builds
        }
        calls = {(o.amplified, o.copy_number) for o in outcomes.values()}
        if len(calls) == 1:
            out = outcomes["GRCh37"]
            out.genome = None
            out.warnings.append(
                "genome build not stated; GRCh37 and GRCh38 ERBB2 coordinates gave the same result"
            )
            return out
        return CopyNumberResult(
            None,
            None,
            "genome build unknown: ERBB2 coordinates differ between GRCh37 and GRCh38",
            chosen,
            None,
            ["genome build not stated and the GRCh37 and GRCh38 readings differ; pass genome="],
        )
    out = _result(value_kind, results[build], thresholds, chosen, build, what, missing[build])
    out.warnings = warnings + out.warnings
    if value_kind == "absolute":
        out.warnings += unused_conversion(name, thresholds, "absolute copy numbers are not converted")
    return out


def unused_conversion(name: str, thresholds: AmplificationThresholds, why: str) -> list[str]:
    """The warning for a purity or ploidy given for a file whose values are not converted with them."""
    given = sorted({"purity", "ploidy"} & thresholds.model_fields_set)
    if not given:
        return []
    return [f"{name}: {' and '.join(given)} given but not used ({why})"]


def _finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


# GISTIC thresholded calls as written in gene tables (all_thresholded.by_genes, cBioPortal data_CNA).
_GISTIC_VALUES: Final = frozenset(
    {"-2", "-1", "0", "1", "2", "-2.0", "-1.0", "0.0", "1.0", "2.0", "-0", "+1", "+2"}
)


def read_gene_table(
    path: Path, *, sample: str | None, thresholds: AmplificationThresholds
) -> CopyNumberResult:
    """cBioPortal data_CNA / GISTIC all_thresholded_by_genes: genes in rows, samples in columns."""
    name = path.name
    table = _tab_rows(path)
    header = next(table, (0, None))[1]
    if header is None:
        raise InvalidInput(name, Placeholder("(empty)"), "a gene-level copy-number table with a header line")
    gene_i = _find(header, GENE_COL) or 0
    sample_cols = [i for i, h in enumerate(header) if i != gene_i and h not in NON_SAMPLE]
    chosen = choose_sample(name, [header[i] for i in sample_cols], sample)
    columns = [i for i in sample_cols if header[i] == chosen]
    erbb2: list[tuple[int, list[str]]] = []
    # The first value of the chosen sample that no GISTIC call can be (not a whole number from -2 to 2): such a
    # table holds absolute copy numbers or log2 ratios, so its ERBB2 value is not read as a call.
    foreign: tuple[int, str] | None = None
    for n, fields in table:
        if fields[0] == "ERBB2" or (len(fields) > 1 and fields[0].isdigit() and fields[1] == "ERBB2"):
            erbb2.append((n, fields))
        if foreign is None:
            for i in columns:
                raw = fields[i].strip() if i < len(fields) else ""
                if raw in _GISTIC_VALUES or not _finite_number(raw):
                    continue  # (a value that is not a number is the ERBB2 row's error below, or another gene's)
                foreign = (n, raw)
                break
    if not erbb2:
        return CopyNumberResult(
            None, None, "ERBB2 is not in the gene table", chosen, None, ["ERBB2 is not in the gene table"]
        )
    if foreign is not None:
        n, raw = foreign
        return CopyNumberResult(
            None,
            None,
            f"not a GISTIC thresholded table (line {n}: {short(raw, 20)})",
            chosen,
            None,
            [
                f"{name}: {chosen} has the value {short(raw, 20)} at line {n}, which no GISTIC thresholded call can be "
                "(-2, -1, 0, 1, 2): the table holds other values (absolute copy numbers or log2 ratios?), so ERBB2 "
                "amplification is not determined from it; give a segment file"
            ],
        )
    # Every ERBB2 row and every column of the chosen sample: a table with ERBB2 (or the sample) twice is read
    # in full, never by its first or last occurrence.
    found: list[tuple[str, float]] = []  # (where, value)
    missing: list[str] = []
    for n, fields in erbb2:
        for i in columns:
            where = f"line {n}" + (f" column {i + 1}" if len(columns) > 1 else "")
            try:
                value = _number(fields[i])
            except ValueError:
                raise bad_line(
                    name, n, "\t".join(fields), "a numeric GISTIC value (-2, -1, 0, 1, 2)"
                ) from None
            if math.isnan(value):
                missing.append(where)
            else:
                found.append((where, value))
    warnings: list[str] = []
    if missing and found:
        warnings.append(
            f"{name}: ERBB2 for {chosen} has no value (NA) at {', '.join(missing)}; the value at "
            f"{', '.join(w for w, _ in found)} was used"
        )
    if not found:
        return CopyNumberResult(None, None, "ERBB2 value missing for this sample", chosen, None, [])
    if len({v for _, v in found}) > 1:
        given = ", ".join(f"{v:g} ({w})" for w, v in found)
        what = "ERBB2 rows" if len(erbb2) > 1 else f"columns named {chosen}"
        return CopyNumberResult(
            None,
            None,
            f"ERBB2 gene-level values disagree for {chosen}: {given}",
            chosen,
            None,
            [
                *warnings,
                f"{name}: {what} give different ERBB2 values for {chosen}: {given}; ERBB2 amplification not "
                "determined (correct the table so that ERBB2 and each sample appear once)",
            ],
        )
    value = found[0][1]
    if value != int(value) or not -2 <= value <= 2:
        return CopyNumberResult(
            None,
            None,
            f"ERBB2 gene-level value {value:g} is not a GISTIC thresholded call",
            chosen,
            None,
            [f"{name}: only discrete GISTIC values (-2..2) are interpreted; got {value:g}"],
        )
    call = int(value)
    labels = {
        2: "high-level amplification",
        1: "low-level gain",
        0: "no change",
        -1: "shallow deletion",
        -2: "deep deletion",
    }
    evidence = f"GISTIC thresholded call {call} ({labels[call]})"
    amplified: bool | None = call >= thresholds.gistic_amplified
    if not amplified and call == 1:
        # GISTIC 2 thresholded values: "1 means amplification above the amplification threshold; 2 means
        # amplifications larger to the arm level amplifications observed for the sample"
        # (ref:db-gistic2-thresholded). The 1-versus-2 split depends on the sample's own arm-level events, so a
        # 1 does not establish that ERBB2 is not amplified: undetermined.
        amplified = None
        warnings.append(
            "GISTIC 1 (amplification above the GISTIC threshold, not larger than the sample's arm-level "
            "amplifications): not interpretable as ERBB2 amplified or not amplified; confirm by IHC/ISH or an "
            "absolute copy number"
        )
    return CopyNumberResult(amplified, None, evidence, chosen, None, warnings)
