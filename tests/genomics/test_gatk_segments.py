"""GATK copy-number segments (CallCopyRatioSegments ``.called.seg``, ModelSegments ``.cr.seg`` and
``.modelFinal.seg``): a SAM-style header (``@HD``, ``@SQ SN:.. LN:..``, ``@RG .. SM:..``) before the column line
``CONTIG START END ...``; the log2 copy ratio is ``MEAN_LOG2_COPY_RATIO`` or, in ``modelFinal.seg``, the
posterior median ``LOG2_COPY_RATIO_POSTERIOR_50`` (as PureCN's readSegmentationFile reads it).

The build is checked against the ``@SQ`` length of chromosome 17 (GRCh37 81,195,210 bp, GRCh38 83,257,441 bp)
and the ``AS`` assembly tag, as a VCF header's ``##contig`` lines are. ERBB2 lies at 17:39,687,914-39,730,426
on GRCh38 and 17:37,844,167-37,886,679 on GRCh37: the segments below cover it on GRCh38 only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from her2kit.errors import InvalidInput
from her2kit.genomics import profile_file
from her2kit.genomics.profile import detect_format

SQ38 = "@SQ\tSN:chr17\tLN:83257441"
SQ37 = "@SQ\tSN:17\tLN:81195210"
CALLED = "CONTIG\tSTART\tEND\tNUM_POINTS_COPY_RATIO\tMEAN_LOG2_COPY_RATIO\tCALL"
MODEL_FINAL = (
    "CONTIG\tSTART\tEND\tNUM_POINTS_COPY_RATIO\tNUM_POINTS_ALLELE_FRACTION\tLOG2_COPY_RATIO_POSTERIOR_10\t"
    "LOG2_COPY_RATIO_POSTERIOR_50\tLOG2_COPY_RATIO_POSTERIOR_90\tMINOR_ALLELE_FRACTION_POSTERIOR_10\t"
    "MINOR_ALLELE_FRACTION_POSTERIOR_50\tMINOR_ALLELE_FRACTION_POSTERIOR_90"
)


def _seg(
    tmp_path: Path,
    rows: list[str],
    *,
    sq: str = SQ38,
    columns: str = CALLED,
    name: str = "tumour.called.seg",
    extra: tuple[str, ...] = (),
) -> Path:
    header = ["@HD\tVN:1.6", "@SQ\tSN:chr1\tLN:248956422", sq, *extra, "@RG\tID:GATKCopyNumber\tSM:TUMOUR-1"]
    path = tmp_path / name
    path.write_text("\n".join([*header, columns, *rows]) + "\n")
    return path


def test_a_called_seg_file_is_read_in_the_build_its_header_states(tmp_path: Path) -> None:
    path = _seg(
        tmp_path, ["chr17\t39600000\t39800000\t120\t2.0\t+", "chr17\t40000000\t41000000\t300\t0.0\t0"]
    )
    assert detect_format(path) == "seg"
    p = profile_file(path)
    assert p.genome == "GRCh38"
    assert p.sample == "TUMOUR-1"
    assert p.erbb2.copy_number == 8.0  # 2 * 2^2
    assert p.erbb2.amplified is True
    assert not any("build not stated" in w for w in p.warnings)


def test_model_final_uses_the_posterior_median(tmp_path: Path) -> None:
    row = "chr17\t39600000\t39800000\t120\t10\t0.9\t1.0\t1.1\t0.2\t0.3\t0.4"
    p = profile_file(_seg(tmp_path, [row], columns=MODEL_FINAL, name="t.modelFinal.seg"))
    assert p.erbb2.copy_number == 4.0  # 2 * 2^1 from LOG2_COPY_RATIO_POSTERIOR_50


def test_a_genome_other_than_the_header_s_is_an_input_error(tmp_path: Path) -> None:
    path = _seg(tmp_path, ["chr17\t39600000\t39800000\t120\t2.0\t+"])
    with pytest.raises(InvalidInput) as err:
        profile_file(path, genome="GRCh37")
    assert err.value.field == "--genome"
    assert (
        "GRCh38, the build the header of tumour.called.seg states (line 3: @SQ chr17 length 83,257,441"
        in str(err.value)
    )


def test_a_header_stating_two_builds_is_an_input_error(tmp_path: Path) -> None:
    path = _seg(
        tmp_path, ["chr17\t39600000\t39800000\t120\t2.0\t+"], sq=SQ37, extra=("@SQ\tSN:chrX\tAS:GRCh38",)
    )
    with pytest.raises(InvalidInput, match="one genome build per file"):
        profile_file(path)


def test_an_odd_chromosome_17_length_is_a_warning(tmp_path: Path) -> None:
    path = _seg(tmp_path, ["chr17\t39600000\t39800000\t120\t2.0\t+"], sq="@SQ\tSN:chr17\tLN:83257000")
    p = profile_file(path, genome="GRCh38")
    assert any("length 83,257,000 is neither the GRCh37" in w for w in p.warnings)


def test_the_sample_is_the_read_group_s(tmp_path: Path) -> None:
    path = _seg(tmp_path, ["chr17\t39600000\t39800000\t120\t2.0\t+"])
    assert profile_file(path, sample="TUMOUR-1").sample == "TUMOUR-1"
    with pytest.raises(InvalidInput) as err:
        profile_file(path, sample="NORMAL")
    assert "TUMOUR-1" not in str(err.value)  # (sample names are not listed: web review 2026-11-27)
    assert "the one sample in" in str(err.value)


def test_a_file_name_naming_another_build_is_a_warning(tmp_path: Path) -> None:
    """A plain SEG file states no build: --genome decides, and a name saying otherwise is pointed out."""
    path = tmp_path / "tumour.hg19.seg"
    path.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\t17\t39600000\t39800000\t50\t2.0\n")
    p = profile_file(path, genome="GRCh38")
    assert p.erbb2.amplified is True
    assert any("the file name suggests GRCh37 but --genome says GRCh38" in w for w in p.warnings)
    assert not any("suggests" in w for w in profile_file(path, genome="GRCh37").warnings)


def test_a_vcf_file_name_naming_another_build_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "tumour.grch37.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t39723967\t.\tT\tC\t.\tPASS\t.\n"
    )
    p = profile_file(path, genome="GRCh38")
    assert any("the file name suggests GRCh37 but --genome says GRCh38" in w for w in p.warnings)


@pytest.mark.parametrize(("contig", "genome"), [("NC_000017.11", "GRCh38"), ("CHR17", None)])
def test_segment_contigs_named_as_vcf_contigs_are(tmp_path: Path, contig: str, genome: str | None) -> None:
    """A RefSeq accession (which states its build) or CHR17 is chromosome 17, as in a VCF."""
    path = tmp_path / "t.seg"
    path.write_text(
        f"ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\t{contig}\t39600000\t39800000\t50\t2.0\n"
    )
    p = profile_file(path, genome="GRCh38")
    assert p.erbb2.copy_number == 8.0
    if genome is not None:  # the accession alone also gives the build
        assert profile_file(path).genome == genome


def test_a_refseq_contig_of_another_build_than_the_genome_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.seg"
    path.write_text(
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\tNC_000017.11\t39600000\t39800000\t50\t2.0\n"
    )
    with pytest.raises(InvalidInput) as err:
        profile_file(path, genome="GRCh37")
    assert "NC_000017.11" in str(err.value)
    assert "GRCh38" in str(err.value)
