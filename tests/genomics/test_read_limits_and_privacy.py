"""Genomic readers: bounded reading and withheld identifiers (web security/QA review of 2026-11-27, findings 1-2).

A line longer than :data:`~her2kit.genomics.common.MAX_LINE_CHARS` is an input error naming the file, the line and
the limit, never read whole into memory; ``max_bytes`` (the API's decompressed-size cap) bounds what is read after
decompression. Errors name how many samples a file has, never their names, and never repeat a line of the file.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from her2kit.errors import InvalidInput
from her2kit.genomics import common as genomics_common
from her2kit.genomics import profile_file
from her2kit.genomics.common import FileTooLarge

VCF_HEAD = (
    "##fileformat=VCFv4.2\n##contig=<ID=17,length=81195210>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"
)
TWO_SAMPLES = (
    "##fileformat=VCFv4.2\n##contig=<ID=17>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    "SMITH_JANE_MRN4471923_T\tSMITH_JANE_MRN4471923_N\n17\t39724000\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\t0/0\n"
)
MAF_TWO_PATIENTS = (
    "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\n"
    "ERBB2\tSMITH-JANE-MRN4471923\tp.S310F\n"
    "ERBB2\tDOE-JOHN-MRN555\tp.L755S\n"
)


def _gz(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode()))
    return path


# --------------------------------------------------------------------------------------- 1: bounded reading
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("long.vcf.gz", VCF_HEAD + "\n17\t39724000\t.\tA\tG\t.\tPASS\t" + "X" * 5_000 + "\n"),
        ("long.maf.gz", "Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nERBB2\tT1\t" + "p" * 5_000 + "\n"),
        (
            "long.seg.gz",
            "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nT1\t17\t1\t2\t3\t" + "1" * 5_000 + "\n",
        ),
        ("long.vcf.gz", "##fileformat=VCFv4.2\n##" + "h" * 5_000 + "\n"),
    ],
)
def test_a_line_over_the_cap_is_an_input_error_naming_file_line_and_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    """A one-line decompression bomb was read whole (1 GB in memory); a line is now read up to the cap only."""
    monkeypatch.setattr(genomics_common, "MAX_LINE_CHARS", 1_000)
    with pytest.raises(InvalidInput) as info:
        profile_file(_gz(tmp_path / name, text))
    error = info.value
    assert error.field.startswith(f"{name} line ")
    assert "1,000 characters" in str(error)
    assert "XXXX" not in str(error)
    assert "pppp" not in str(error)
    assert "hhhh" not in str(error)


def test_the_line_cap_is_far_above_any_real_line() -> None:
    # a multi-sample VCF line with 500,000 samples at ~40 characters each is ~20 MB
    assert genomics_common.MAX_LINE_CHARS >= 64 * 1024 * 1024


def test_a_line_at_the_cap_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(genomics_common, "MAX_LINE_CHARS", 1_000)
    header = "##fileformat=VCFv4.2\n##" + "h" * 998  # 1,000 characters, then \r\n
    vcf = tmp_path / "edge.vcf"
    vcf.write_bytes((header + "\r\n" + VCF_HEAD.split("\n", 1)[1] + "\r\n").encode())
    assert profile_file(vcf).file_format == "vcf"


def test_the_decompressed_size_is_capped_only_when_asked(tmp_path: Path) -> None:
    records = "".join(f"1\t{i}\t.\tA\tG\t.\tPASS\t.\n" for i in range(1, 20_001))
    vcf = _gz(tmp_path / "many.vcf.gz", VCF_HEAD + "\n" + records)
    assert vcf.stat().st_size < 200_000
    with pytest.raises(FileTooLarge) as info:
        profile_file(vcf, max_bytes=100_000)
    assert info.value.field == "file"
    assert "many.vcf.gz" in str(info.value)
    assert "100,000 bytes" in str(info.value)
    # the command line reads real, large files: no decompressed-size cap by default
    assert profile_file(vcf).file_format == "vcf"


@pytest.mark.parametrize(
    "line",
    ["1\t100\t.\tA", "17\t39724000\t.\tA\tG", "garbage\tJane Smith"],
)
def test_a_vcf_data_line_with_too_few_columns_is_refused_naming_only_its_number(
    tmp_path: Path, line: str
) -> None:
    """A 4-column data line (on a chromosome not searched) was accepted: 200 with an empty profile."""
    vcf = tmp_path / "short.vcf"
    vcf.write_text(VCF_HEAD + "\n" + line + "\n")
    with pytest.raises(InvalidInput) as info:
        profile_file(vcf)
    assert info.value.field == "short.vcf line 4"
    assert "8 tab-separated columns" in str(info.value)
    assert "Jane" not in str(info.value)
    assert "\t" not in str(info.value)


def test_a_sample_column_missing_from_a_data_line_is_refused(tmp_path: Path) -> None:
    vcf = tmp_path / "two.vcf"
    vcf.write_text(TWO_SAMPLES + "1\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n")
    with pytest.raises(InvalidInput) as info:
        profile_file(vcf, sample="#1")
    assert info.value.field == "two.vcf line 5"
    assert "11 tab-separated columns" in str(info.value)


# ------------------------------------------------------------------------------------ 2: identifiers withheld
def test_a_file_with_two_samples_says_how_many_not_who(tmp_path: Path) -> None:
    vcf = tmp_path / "s2.vcf"
    vcf.write_text(TWO_SAMPLES)
    for wanted in (None, "foo"):
        with pytest.raises(InvalidInput) as info:
            profile_file(vcf, sample=wanted)
        text = str(info.value)
        assert "SMITH" not in text
        assert "MRN" not in text
        assert "None" not in text
        assert "2 samples" in text
        assert "#1" in text
        assert "#2" in text
        assert info.value.field == "--sample"


def test_a_sample_is_chosen_by_its_position(tmp_path: Path) -> None:
    vcf = tmp_path / "s2.vcf"
    vcf.write_text(TWO_SAMPLES)
    assert profile_file(vcf, sample="#1").sample == "SMITH_JANE_MRN4471923_T"
    assert profile_file(vcf, sample="#2").sample == "SMITH_JANE_MRN4471923_N"
    for wrong in ("#0", "#3", "#x"):
        with pytest.raises(InvalidInput, match="#1 to #2"):
            profile_file(vcf, sample=wrong)


def test_a_sample_named_like_a_position_is_chosen_by_its_name(tmp_path: Path) -> None:
    maf = tmp_path / "p.maf"
    maf.write_text("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nERBB2\tB\tp.S310F\nERBB2\t#1\tp.L755S\n")
    assert profile_file(maf, sample="#1").sample == "#1"
    assert profile_file(maf, sample="#2").sample == "#1"


def test_a_multi_patient_maf_names_no_patient(tmp_path: Path) -> None:
    maf = tmp_path / "m.maf"
    maf.write_text(MAF_TWO_PATIENTS)
    with pytest.raises(InvalidInput) as info:
        profile_file(maf)
    assert "MRN" not in str(info.value)
    assert "2 samples" in str(info.value)
    assert profile_file(maf, sample="#2").sample == "DOE-JOHN-MRN555"


def test_a_bad_line_is_named_by_its_number_not_repeated(tmp_path: Path) -> None:
    maf = tmp_path / "m.maf"
    maf.write_text(MAF_TWO_PATIENTS + "garbage\tJane Smith\n")
    with pytest.raises(InvalidInput) as info:
        profile_file(maf)
    assert info.value.field == "m.maf line 4"
    assert "Jane Smith" not in str(info.value)
    assert "garbage" not in str(info.value)
    assert "3 tab-separated columns" in str(info.value)
    assert "2 tab-separated columns" in str(info.value)  # what the line has, without its content


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("x.txt", "Jane Smith MRN 4471923 was here\n"),  # unrecognised format: its first line
        ("x.vcf", "Jane Smith MRN 4471923\n"),  # not ##fileformat=VCF
        ("p.vcf", VCF_HEAD + "\n17\tJane Smith\t.\tA\tG\t.\tPASS\t.\n"),  # POS
        ("r.vcf", VCF_HEAD + "\n17\t37880220\t.\tJane Smith\tG\t.\tPASS\t.\n"),  # REF
        ("h.maf", "Jane Smith\tHugo_Symbol\n"),  # a MAF header without the required columns
    ],
)
def test_no_error_repeats_free_text_read_from_a_file(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidInput) as info:
        profile_file(path)
    assert "Jane" not in str(info.value)
    assert " line " in info.value.field


@pytest.mark.parametrize("value", ["王小明", "Müller", "3f2a9c4e-1b7d-4e8a-9c1f-2d3e4f5a6b7c"])
def test_a_value_read_from_a_file_is_shown_only_when_short_visible_ascii(tmp_path: Path, value: str) -> None:
    """A name without spaces (in a script written without them, or with an accent) or an identifier in the REF
    column is withheld like free text; a short code-like REF is still repeated."""
    path = tmp_path / "r.vcf"
    path.write_text(VCF_HEAD + f"\n17\t37880220\t.\t{value}\tG\t.\tPASS\t.\n")
    with pytest.raises(InvalidInput) as info:
        profile_file(path)
    assert value not in str(info.value)
    assert "REF/ALT made of A, C, G, T, N" in str(info.value)
    path.write_text(VCF_HEAD + "\n17\t37880220\t.\tQ\tG\t.\tPASS\t.\n")
    with pytest.raises(InvalidInput, match="'Q' is not valid"):
        profile_file(path)
