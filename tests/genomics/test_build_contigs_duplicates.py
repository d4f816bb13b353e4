"""Regression tests: a genome build that conflicts with the file's header, chromosome 17 under other contig
names (RefSeq accessions, CHR17), and a gene-level table with ERBB2 or the sample twice.

Build facts used here: chromosome 17 is 81,195,210 bp in GRCh37 (GATK b37 headers, ``##contig=<ID=17,
length=81195210,assembly=b37>``) and 83,257,441 bp in GRCh38; its RefSeq accession is NC_000017.10 in GRCh37
and NC_000017.11 in GRCh38 (NCBI GRCh38.p14 primary assembly). ERBB2 L755S (c.2264T>C) is 17:37,880,220 T>C
on GRCh37 and 17:39,723,967 T>C on GRCh38 (Cancer Hotspots alleles, as in data/unannotated_L755S_grch37.vcf
and data/grch38_L755S.vcf).
"""

from __future__ import annotations

import json
from pathlib import Path

import pysam
import pytest

from her2kit.case import NgsTest, parse_case
from her2kit.errors import InvalidInput
from her2kit.genomics import profile_file
from her2kit.genomics.cli import render_profile
from her2kit.genomics.merge import merge_with_warnings
from her2kit.genomics.model import GenomicProfile

DATA = Path(__file__).resolve().parent / "data"
L755S_37 = "37880220\t.\tT\tC\t.\tPASS\t."
L755S_38 = "39723967\t.\tT\tC\t.\tPASS\t."
HEADER_LINE = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"


def _vcf(
    tmp_path: Path, meta: list[str], records: list[str], name: str = "x.vcf", index: bool = False
) -> Path:
    plain = tmp_path / name
    plain.write_text("\n".join(["##fileformat=VCFv4.2", *meta, HEADER_LINE, *records]) + "\n")
    if not index:
        return plain
    out = tmp_path / (name + ".gz")
    pysam.tabix_compress(str(plain), str(out), force=True)
    pysam.tabix_index(str(out), preset="vcf", force=True)
    return out


def _erbb2(profile: GenomicProfile) -> list[str | None]:
    return [m.hgvsp for m in profile.erbb2.mutations]


def _ngs(profile: GenomicProfile) -> NgsTest:
    case = parse_case(json.loads((DATA / "nsclc_case_no_tests.json").read_text()))
    merged, _ = merge_with_warnings(case, profile)
    test = merged.her2_tests[-1]
    assert isinstance(test, NgsTest)
    return test


GRCH38_HEADER = ["##contig=<ID=chr17,length=83257441>", "##reference=GRCh38"]


# ----------------------------------------------------------------------------- 1: header build vs --genome
@pytest.mark.parametrize("index", [False, True])
def test_a_genome_that_conflicts_with_the_header_is_an_input_error(tmp_path: Path, index: bool) -> None:
    path = _vcf(tmp_path, GRCH38_HEADER, [f"chr17\t{L755S_38}"], index=index)
    with pytest.raises(InvalidInput) as err:
        profile_file(path, genome="GRCh37")
    assert err.value.field == "--genome"
    assert err.value.value == "GRCh37"
    assert "GRCh38" in err.value.allowed
    assert "83,257,441" in err.value.allowed
    assert "##reference=GRCh38" in err.value.allowed
    # the build the header states, or none, reads the variant
    assert _erbb2(profile_file(path, genome="GRCh38")) == ["p.L755S"]
    assert _erbb2(profile_file(path)) == ["p.L755S"]


@pytest.mark.parametrize(
    ("meta", "genome"),
    [
        (["##reference=GRCh38"], "GRCh37"),
        (["##reference=file:///refs/hg19.fa"], "GRCh38"),
        (["##contig=<ID=17,length=81195210>"], "GRCh38"),
        (["##contig=<ID=chr17,assembly=hg38,length=83257441>"], "GRCh37"),  # length after another key
        (["##contig=<ID=NC_000017.10,length=81195210>"], "GRCh38"),
    ],
)
def test_each_way_a_header_states_the_build_is_checked_against_the_genome(
    tmp_path: Path, meta: list[str], genome: str
) -> None:
    path = _vcf(tmp_path, meta, [])
    with pytest.raises(InvalidInput, match="--genome"):
        profile_file(path, genome=genome)  # type: ignore[arg-type]


def test_a_header_that_states_both_builds_is_an_input_error(tmp_path: Path) -> None:
    path = _vcf(tmp_path, ["##contig=<ID=17,length=81195210>", "##reference=GRCh38"], [f"17\t{L755S_37}"])
    with pytest.raises(InvalidInput) as err:
        profile_file(path)
    assert err.value.field == "x.vcf line 3"
    assert "line 2" in str(err.value)
    assert "GRCh37" in str(err.value)
    assert "GRCh38" in str(err.value)


def test_a_chromosome_17_length_of_neither_build_is_warned(tmp_path: Path) -> None:
    # CHM13 (T2T) chromosome 17: neither GRCh37 nor GRCh38 coordinates
    path = _vcf(tmp_path, ["##contig=<ID=chr17,length=84276897>"], [f"chr17\t{L755S_38}"])
    p = profile_file(path, genome="GRCh38")
    assert any("84,276,897" in w and "neither" in w for w in p.warnings)


def test_the_reproducer_assess_case_no_longer_drops_the_mutation_silently(tmp_path: Path) -> None:
    path = _vcf(tmp_path, GRCH38_HEADER, [f"chr17\t{L755S_38}"])
    with pytest.raises(InvalidInput):
        profile_file(path, genome="GRCh37")
    assert _ngs(profile_file(path)).erbb2_mutations == ["p.L755S"]


# ----------------------------------------------------------------------------- 2: contig names
@pytest.mark.parametrize(
    ("contig", "meta", "genome", "record"),
    [
        ("NC_000017.10", ["##reference=GRCh37"], None, L755S_37),  # the reproducer
        ("NC_000017.10", [], "GRCh37", L755S_37),
        ("NC_000017.11", [], "GRCh38", L755S_38),
        ("CHR17", ["##reference=GRCh37"], None, L755S_37),
        ("Chr17", [], "GRCh38", L755S_38),
    ],
)
@pytest.mark.parametrize("index", [False, True])
def test_chromosome_17_under_other_names_is_read(
    tmp_path: Path, contig: str, meta: list[str], genome: str | None, record: str, index: bool
) -> None:
    path = _vcf(tmp_path, meta, [f"{contig}\t{record}"], index=index)
    p = profile_file(path, genome=genome)  # type: ignore[arg-type]
    assert _erbb2(p) == ["p.L755S"]
    assert not any("chromosome 17" in w for w in p.warnings)


@pytest.mark.parametrize("index", [False, True])
def test_a_refseq_accession_states_the_build(tmp_path: Path, index: bool) -> None:
    path = _vcf(tmp_path, [], [f"NC_000017.11\t{L755S_38}"], index=index)
    p = profile_file(path)
    assert p.genome == "GRCh38"
    assert _erbb2(p) == ["p.L755S"]
    assert not any("genome build not stated" in w for w in p.warnings)


@pytest.mark.parametrize("index", [False, True])
def test_a_refseq_accession_of_the_other_build_is_an_input_error(tmp_path: Path, index: bool) -> None:
    path = _vcf(tmp_path, [], [f"NC_000017.11\t{L755S_38}"], index=index)
    with pytest.raises(InvalidInput) as err:
        profile_file(path, genome="GRCh37")
    assert err.value.field == "--genome"
    assert "NC_000017.11" in err.value.allowed
    assert "GRCh38" in err.value.allowed


def test_a_refseq_accession_against_the_header_build_is_an_input_error(tmp_path: Path) -> None:
    path = _vcf(tmp_path, ["##reference=GRCh38"], [f"NC_000017.10\t{L755S_37}"])
    with pytest.raises(InvalidInput) as err:
        profile_file(path)
    assert err.value.field == "x.vcf line 4"
    assert err.value.value == "NC_000017.10"


def test_refseq_accessions_of_two_builds_are_an_input_error(tmp_path: Path) -> None:
    kras_38 = "25245350\t.\tC\tA\t.\tPASS\t."  # any position: the accession alone conflicts
    path = _vcf(tmp_path, [], [f"NC_000012.12\t{kras_38}", f"NC_000017.10\t{L755S_37}"])
    with pytest.raises(InvalidInput, match=r"NC_000017\.10"):
        profile_file(path)


@pytest.mark.parametrize("index", [False, True])
def test_records_on_no_recognised_chromosome_17_are_warned_and_not_a_negative(
    tmp_path: Path, index: bool
) -> None:
    path = _vcf(
        tmp_path, ["##reference=GRCh37"], [f"seq17\t{L755S_37}", f"GL000220.1\t{L755S_37}"], index=index
    )
    p = profile_file(path)
    [warning] = [w for w in p.warnings if "chromosome 17" in w]
    assert "seq17" in warning
    assert "GL000220.1" in warning
    assert "none reported" not in render_profile(p, "table")
    ngs = _ngs(p)
    assert ngs.erbb2_mutations == []
    assert ngs.erbb2_mutations_tested is False


def test_records_only_on_other_recognised_chromosomes_are_warned(tmp_path: Path) -> None:
    kras_g12c_37 = "25398285\t.\tC\tA\t.\tPASS\t."
    path = _vcf(tmp_path, ["##reference=GRCh37"], [f"chr12\t{kras_g12c_37}"])
    p = profile_file(path)
    assert any("no record" in w and "chromosome 17" in w for w in p.warnings)
    assert _ngs(p).erbb2_mutations_tested is True  # chromosome 17 names are recognised: there is none


def test_an_empty_vcf_is_not_warned_about_chromosome_17(tmp_path: Path) -> None:
    p = profile_file(_vcf(tmp_path, ["##reference=GRCh37"], []))
    assert not any("chromosome 17" in w for w in p.warnings)


# ----------------------------------------------------------------------------- 3: gene table duplicates
@pytest.mark.parametrize("rows", [["ERBB2\t2", "ERBB2\t-2"], ["ERBB2\t-2", "ERBB2\t2"]])
def test_erbb2_twice_with_different_values_is_not_determined(tmp_path: Path, rows: list[str]) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("\n".join(["Hugo_Symbol\tS1", *rows]) + "\n")
    p = profile_file(path)
    assert p.erbb2.amplified is None
    [warning] = [w for w in p.warnings if "ERBB2" in w]
    assert "line 2" in warning
    assert "line 3" in warning
    assert "-2" in warning


def test_the_sample_column_twice_with_different_values_is_not_determined(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tS1\tS1\nERBB2\t2\t0\n")
    p = profile_file(path)
    assert p.erbb2.amplified is None
    assert any("column 2" in w and "column 3" in w for w in p.warnings)


def test_erbb2_twice_with_the_same_value_is_used(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tEntrez_Gene_Id\tS1\tS2\nERBB2\t2064\t2\t0\nERBB2\t2064\t2\t-1\n")
    assert profile_file(path, sample="S1").erbb2.amplified is True
    assert profile_file(path, sample="S2").erbb2.amplified is None  # 0 and -1 differ


def test_a_missing_duplicate_value_is_warned_and_the_other_used(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tS1\nERBB2\tNA\nERBB2\t-2\n")
    p = profile_file(path)
    assert p.erbb2.amplified is False
    assert any("line 2" in w and "NA" in w for w in p.warnings)


def test_a_bad_value_in_a_duplicate_erbb2_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tS1\nERBB2\t2\nERBB2\tamp\n")
    with pytest.raises(InvalidInput, match="line 3"):
        profile_file(path)
