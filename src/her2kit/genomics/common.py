"""Shared pieces of the file readers: raw calls, text opening, sample choice, build detection."""

from __future__ import annotations

import gzip
import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, cast

from her2kit.errors import MISSING, WITHHELD, InvalidInput, Placeholder
from her2kit.genomics.model import Genome

GENES: Final = ("ERBB2", "KRAS", "NRAS", "BRAF", "PIK3CA", "ERBB3")


@dataclass(frozen=True)
class RawCall:
    """A variant as a reader found it, before HGVS normalisation and classification."""

    gene: str
    hgvsp: str | None
    hgvsc: str | None
    exon: int | None
    source: str
    vaf: float | None = None
    consequence: str | None = (
        None  # the annotator's term: VEP/SnpEff Consequence or MAF Variant_Classification
    )
    note: str | None = None  # why a call carries no protein change (ambiguous allele, other transcript, …)


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

# The Ensembl gene id of ERBB2 (as above), for annotations that give it without a gene symbol.
ERBB2_ENSEMBL_GENE: Final = "ENSG00000141736"

# The canonical ERBB2 transcript (NM_004448 / ENST00000269571, NP_004439.2, the 1,255-residue protein of
# data/erbb2_protein.yaml). MAFs in circulation also number ERBB2 on ENST00000540147, a 1,225-residue
# isoform (genome-nexus/genome-nexus issue #798: OncoKB uses ENST00000269571, the "mskcc" isoform and
# MSK-IMPACT ENST00000540147); a protein change numbered on another transcript is not reinterpreted.
ERBB2_CANONICAL: Final = ("NM_004448", "ENST00000269571")

# Consequence terms that mean the protein is truncated: VEP/SnpEff Sequence Ontology terms and the MAF
# Variant_Classification values vcf2maf maps them to (stop_gained → Nonsense_Mutation, frameshift_variant →
# Frame_Shift_Del/Ins; mskcc/vcf2maf GetVariantClassification).
TRUNCATING_CONSEQUENCES: Final = frozenset(
    {"stop_gained", "frameshift_variant", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins"}
)


def is_erbb2_canonical(transcript: str | None) -> bool | None:
    """True for the canonical ERBB2 transcript (any version), False for another one, None when not given."""
    value = (transcript or "").strip()
    if not value or value in (".", "NA"):
        return None
    return any(part.strip().startswith(ERBB2_CANONICAL) for part in value.replace("&", ",").split(","))


def consequence_terms(value: str | None) -> set[str]:
    """The terms of a consequence field ('stop_gained&inframe_insertion' → two terms)."""
    return {t.strip() for t in (value or "").replace("&", ",").split(",") if t.strip()}


# The longest line read whole. Real lines are far shorter: a MAF or segment row is under 10 kB; the longest VCF lines
# are multi-sample ones (some 40 characters per sample with GT:AD:DP:GQ:PL, so 500,000 samples are about 20 MB). A
# longer line (a decompression bomb of one line) is an input error naming the file, the line and this limit: the
# reader never holds more than the limit of one line. Read at call time, so that tests may lower it.
MAX_LINE_CHARS: int = 64 * 1024 * 1024

# What a file's bytes may unpack to (``profile_file(max_bytes=)``): no limit unless the caller sets one (the REST API
# does, HER2KIT_MAX_DECOMPRESSED_BYTES; the command line reads real files of any size).
_MAX_BYTES: ContextVar[int | None] = ContextVar("her2kit_genomics_max_bytes", default=None)


class FileTooLarge(InvalidInput):
    """A file that unpacks to more than the reader was allowed to read (``max_bytes``)."""


@contextmanager
def byte_limit(max_bytes: int | None) -> Iterator[None]:
    """Within the block, every file opened by :func:`open_text` may give at most ``max_bytes`` bytes (after
    decompression); more raises :class:`FileTooLarge`."""
    token = _MAX_BYTES.set(max_bytes)
    try:
        yield
    finally:
        _MAX_BYTES.reset(token)


class _Counted(io.BufferedIOBase):
    """A binary stream that raises :class:`FileTooLarge` once more than ``limit`` bytes have been read from it."""

    def __init__(self, raw: IO[bytes], name: str, limit: int) -> None:
        super().__init__()
        self._raw, self._name, self._limit, self._read = raw, name, limit, 0

    def readable(self) -> bool:
        return True

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._limit:
            raise FileTooLarge(
                "file",
                self._name,
                f"a file of at most {self._limit:,} bytes once decompressed",
                hint=f"{self._name} unpacks to more than {self._limit:,} bytes",
            )
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._count(self._raw.read(-1 if size is None else size))

    def read1(self, size: int = -1) -> bytes:
        read1 = getattr(self._raw, "read1", None)
        return self._count(read1(size) if read1 is not None else self._raw.read(size))

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text(path: Path) -> IO[str]:
    """Open plain or gzip/bgzip text (detected from the magic bytes, not the name), bounded by :func:`byte_limit`."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    binary: IO[bytes] = cast(
        IO[bytes],
        gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb"),  # noqa: SIM115 (closed by the wrapper)
    )
    limit = _MAX_BYTES.get()
    if limit is not None:
        binary = cast(IO[bytes], _Counted(binary, path.name, limit))
    return io.TextIOWrapper(cast(Any, binary), encoding="utf-8-sig", errors="replace", newline="")


def read_lines(fh: IO[str], name: str, first: int = 1) -> Iterator[tuple[int, str]]:
    """``(line number, line without its end)`` from ``fh``, numbering from ``first``; a line longer than
    :data:`MAX_LINE_CHARS` is an :class:`InvalidInput` naming the file, the line and the limit (its content is not
    read further, nor repeated)."""
    limit = MAX_LINE_CHARS
    n = first - 1
    readline = fh.readline
    while True:
        raw = readline(limit + 2)  # (the line and its end, "\r\n" at most)
        if not raw:
            return
        n += 1
        line = raw.rstrip("\r\n")
        if len(line) > limit:
            raise InvalidInput(
                f"{name} line {n}",
                Placeholder(f"(a line over {limit:,} characters)"),
                f"lines of at most {limit:,} characters",
            )
        yield n, line


def lines(path: Path) -> Iterator[tuple[int, str]]:
    with open_text(path) as fh:
        yield from read_lines(fh, path.name)


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def columns_seen(line: str) -> str:
    """How many tab-separated columns a line has: what an error may say about a line instead of repeating it."""
    count = line.count("\t") + 1
    return f"the line has {count} tab-separated column{'s' if count != 1 else ''}"


def bad_line(
    name: str, n: int, line: str, allowed: str, *, count_columns: bool = False, hint: str | None = None
) -> InvalidInput:
    """The error about line ``n`` of file ``name``: named by its number, its content withheld (a line may hold
    a sample name or other patient data). With ``count_columns`` the hint says how many columns it has."""
    return InvalidInput(
        f"{name} line {n}", WITHHELD, allowed, hint=columns_seen(line) if count_columns else hint
    )


def vaf_checked(raw: str | float | None, where: str, warnings: list[str]) -> float | None:
    """A variant allele fraction as given, if it is one (a number from 0 to 1); else None and a warning naming where
    it was read (a percentage such as 45.2, a negative value, NaN, more alternate reads than depth): never guessed
    into a fraction."""
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        warnings.append(f"{where}: variant allele fraction {short(str(raw), 20)!r} is not a number; not used")
        return None
    if math.isnan(value) or not 0 <= value <= 1:
        warnings.append(
            f"{where}: variant allele fraction {value:g} is not a fraction from 0 to 1 (a percentage?); not used"
        )
        return None
    return value


_POSITION: Final = re.compile(r"#([0-9]{1,9})")


def choose_sample(name: str, samples: Sequence[str], wanted: str | None) -> str:
    """The sample to profile: the one asked for (exactly, or a unique prefix ending at a "-" of the barcode, so
    that a TCGA patient barcode selects its aliquot and "P-001" never selects "P-0012"; or by its position, "#2"
    for the second sample in the file's order), or the only one.

    Errors say how many samples the file has and how to choose one, never their names, nor the name asked for:
    sample names are patient barcodes and identifiers, and errors reach shared logs."""
    unique = list(dict.fromkeys(samples))
    if not unique:
        raise InvalidInput(f"{name}", Placeholder("(no samples)"), "a file with at least one sample")
    count = len(unique)
    which = f"one of the {count} samples in {name}" if count > 1 else f"the one sample in {name}"
    allowed = (
        f"the name of {which}, as the file writes it (names are not listed: they may identify patients), or its "
        f"position in the file, " + (f"#1 to #{count}" if count > 1 else "#1")
    )
    if wanted is None:
        if count == 1:
            return unique[0]
        raise InvalidInput("--sample", MISSING, allowed, hint=f"{name} has {count} samples: choose one")
    if wanted in unique:
        return wanted
    position = _POSITION.fullmatch(wanted)
    if position is not None:
        if 1 <= int(position.group(1)) <= count:
            return unique[int(position.group(1)) - 1]
        raise InvalidInput("--sample", wanted, allowed, hint=f"there is no sample {wanted}")
    matches = [s for s in unique if s.startswith(wanted + "-") or wanted.startswith(s + "-")]
    if len(matches) == 1:
        return matches[0]
    why = f"{len(matches)} samples' names begin with it" if matches else "no sample has this name"
    raise InvalidInput("--sample", WITHHELD, allowed, hint=why)


# Build names in a file name, as whole tokens ("tumour.hg19.seg", "x_b37.vcf"; not the "AB38" of a barcode).
_BUILD_TOKENS: Final = (
    (re.compile(r"(?<![a-z0-9])(?:grch_?38|hg38|b38)(?![0-9])", re.I), "GRCh38"),
    (re.compile(r"(?<![a-z0-9])(?:grch_?37|hg19|b37|ncbi37)(?![0-9])", re.I), "GRCh37"),
)


# Chromosome 17 length: GRCh37 81,195,210 bp (GATK b37 headers: "##contig=<ID=17,length=81195210,assembly=b37>");
# GRCh38 83,257,441 bp (GRCh38 chromosome 17, RefSeq NC_000017.11).
CHR17_LENGTH: Final[dict[int, Genome]] = {81_195_210: "GRCh37", 83_257_441: "GRCh38"}


def file_build(
    name: str,
    stated: Sequence[tuple[Genome, int, str]],
    odd_lengths: Sequence[str],
    genome: Genome | None,
    header: str,
) -> tuple[Genome | None, list[str]]:
    """The build to read a file in, and warnings: ``genome`` (checked against every build the file's ``header``
    states: ``stated`` holds (build, line number, what says so)), else the header's, else a token in the file
    name. A header that states two builds, or one other than ``genome``, is an input error naming both: the
    positions would be read on the wrong assembly. A file name that says another build than the one read (e.g.
    ``tumour.hg19.seg`` read as GRCh38) is a warning naming both: a name is a weaker statement than a header or
    the user's ``genome``, but it may mean the wrong file or the wrong option. ``odd_lengths``: chromosome 17
    lengths of neither build, each a warning."""
    first: dict[Genome, tuple[int, str]] = {}
    for said_build, n, what in stated:
        if first and said_build not in first:
            (other, (n0, what0)), *_ = first.items()
            raise InvalidInput(
                f"{name} line {n}",
                what,
                f"{other}, the build line {n0} states ({what0}): one genome build per file",
            )
        first.setdefault(said_build, (n, what))
    states = next(iter(first), None)
    said = "; ".join(f"line {n}: {what}" for b, n, what in stated if b == states)
    if genome is not None and states is not None and genome != states:
        raise InvalidInput(
            "--genome",
            genome,
            f"{states}, the build the {header} of {name} states ({short(said, 160)}); or correct the file's {header}",
        )
    named = genome_from_text(name)
    build = genome or states or named
    warnings = []
    if build is not None and genome is None and states is None:
        warnings.append(
            f"{name}: genome build {build} taken from the file name (no --genome and no header states it)"
        )
    if named is not None and build is not None and named != build:
        by = "--genome" if genome is not None else f"the file's {header}"
        warnings.append(
            f"{name}: the file name suggests {named} but {by} says {build}; positions were read as {build} "
            "coordinates (check that this is the right file)"
        )
    warnings.extend(
        f"{name} {odd} is neither the GRCh37 (81,195,210) nor the GRCh38 (83,257,441) length of chromosome 17: the "
        f"file may be on another assembly; positions were read as {build or 'GRCh37 and GRCh38'} coordinates"
        for odd in odd_lengths
    )
    return build, warnings


def genome_from_text(text: str) -> Genome | None:
    for pattern, build in _BUILD_TOKENS:
        if pattern.search(text):
            return "GRCh38" if build == "GRCh38" else "GRCh37"
    return None


def genome_from_build_value(value: str) -> Genome | None:
    v = value.strip().lower()
    if v in ("37", "grch37", "hg19", "b37"):
        return "GRCh37"
    if v in ("38", "grch38", "hg38", "b38"):
        return "GRCh38"
    return None


def strip_chr(chrom: str) -> str:
    return chrom[3:] if chrom.lower().startswith("chr") else chrom


# RefSeq accessions of the assembled chromosomes 1-22, X (23), Y (24): accession version in GRCh37 and in GRCh38
# (GRCh37: NC_000001.10 … NC_000017.10 … NC_000024.9; GRCh38.p14 primary assembly: NC_000001.11 …
# NC_000017.11 … NC_000024.10; each GRCh38 version is the GRCh37 one plus 1).
_REFSEQ_VERSION_37: Final = (
    10,
    11,
    11,
    11,
    9,
    11,
    13,
    10,
    11,
    10,
    9,
    11,
    10,
    8,
    9,
    9,
    10,
    9,
    9,
    10,
    8,
    10,
    10,
    9,
)
_REFSEQ = re.compile(r"NC_0000(\d\d)\.(\d+)", re.I)
_CHROMOSOMES: Final = frozenset([str(i) for i in range(1, 23)] + ["X", "Y", "M", "MT"])


# Contig names that denote chromosome 17, for messages.
CHR17_NAMES: Final = "17, chr17 (any case), NC_000017.10 (GRCh37), NC_000017.11 (GRCh38)"


def contig_chromosome(contig: str) -> tuple[str, Genome | None] | None:
    """The chromosome a contig name denotes (no "chr": "17", "X", "MT") and the build the name itself states.

    "17", "chr17", "CHR17", "Chr17" → ("17", None); the RefSeq accessions NC_000017.10 → ("17", "GRCh37") and
    NC_000017.11 → ("17", "GRCh38"); None for any other name (an unplaced contig, a decoy, another assembly's
    accession version such as NCBI36's NC_000017.9)."""
    m = _REFSEQ.fullmatch(contig.strip())
    if m:
        number, version = int(m.group(1)), int(m.group(2))
        if not 1 <= number <= 24:
            return None
        chrom = {23: "X", 24: "Y"}.get(number, str(number))
        v37 = _REFSEQ_VERSION_37[number - 1]
        if version == v37:
            return chrom, "GRCh37"
        if version == v37 + 1:
            return chrom, "GRCh38"
        return None
    name = strip_chr(contig.strip()).upper()
    return (name, None) if name in _CHROMOSOMES else None


def exon_number(text: str | None) -> int | None:
    """'20/27' or '20' → 20."""
    if not text:
        return None
    m = re.match(r"\s*(\d+)", text)
    return int(m.group(1)) if m else None
