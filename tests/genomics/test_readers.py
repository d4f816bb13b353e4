from __future__ import annotations

import contextlib
import gzip
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.errors import InvalidInput
from her2kit.genomics import AmplificationThresholds, profile_file

from .conftest import shared

CSQ_YVMA = (
    "CSQ=GCATACGTGATG|inframe_insertion|ERBB2|ENST00000269571|20/27|c.2313_2324dup|"
    "ENSP00000269571.5:p.Tyr772_Ala775dup|YES"
)
CSQ_KRAS = "CSQ=T|missense_variant|KRAS|ENST00000256078|2/6|c.35G>A|ENSP00000256078.4:p.Gly12Asp|YES"


# ----------------------------------------------------------------------------- VCF
@pytest.mark.parametrize("index", [False, True])
def test_vcf_grch37_annotated_and_unannotated(write_vcf: Callable[..., Path], index: bool) -> None:
    records = [
        "1\t1000\t.\tA\tG\t.\tPASS\t.\tGT\t0/1",
        "17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT\t0/1",  # unannotated: Cancer Hotspots L755S allele
        f"17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t{CSQ_YVMA}\tGT\t0/1",
        "17\t37881000\t.\tG\tA,T\t.\tPASS\t.\tGT\t0/2",  # multi-allelic: sample carries T (V777L) only
        "20\t5000\t.\tC\tT\t.\tPASS\t.\tGT\t0/1",
    ]
    path = write_vcf("t.grch37.vcf.gz", records, ["TUMOR"], index=index)
    p = profile_file(path)
    assert p.genome == "GRCh37"
    assert p.sample == "TUMOR"
    got = {m.hgvsp: m.class_ for m in p.erbb2.mutations}
    assert got == {
        "p.Y772_A775dup": "kinase-domain-activating",
        "p.L755S": "kinase-domain-activating",
        "p.V777L": "kinase-domain-activating",
    }
    yvma = next(m for m in p.erbb2.mutations if m.hgvsp == "p.Y772_A775dup")
    assert yvma.exon == 20
    assert yvma.hgvsc == "c.2313_2324dup"


def test_vcf_grch38_chr_prefix_and_coalteration(write_vcf: Callable[..., Path]) -> None:
    records = [
        f"chr12\t25245350\t.\tC\tT\t.\tPASS\t{CSQ_KRAS}\tGT\t0/1",
        "chr17\t39723967\t.\tT\tC\t.\tPASS\t.\tGT\t0/1",
    ]
    path = write_vcf("t.vcf.gz", records, ["S1"], index=True, contig="chr17", length=83257441)
    p = profile_file(path, sequenced_genes=["KRAS", "NRAS", "ERBB2"])
    assert p.genome == "GRCh38"
    assert [m.hgvsp for m in p.erbb2.mutations] == ["p.L755S"]
    status = {c.gene: c.status for c in p.co_alterations}
    assert status["KRAS"] == "mutant"
    assert status["NRAS"] == "wild-type"
    assert status["BRAF"] == "not-assessed"


def test_vcf_multi_sample_needs_a_sample(write_vcf: Callable[..., Path]) -> None:
    records = ["17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT\t0/0\t0/1"]
    path = write_vcf("m.grch37.vcf", records, ["NORMAL", "TUMOR"])
    # (the error says how many samples there are and how to choose, never their names: web review 2026-11-27)
    with pytest.raises(InvalidInput, match="2 samples") as err:
        profile_file(path)
    assert "NORMAL" not in str(err.value)
    assert profile_file(path, sample="NORMAL").erbb2.mutations == []
    assert [m.hgvsp for m in profile_file(path, sample="TUMOR").erbb2.mutations] == ["p.L755S"]
    with pytest.raises(InvalidInput, match="2 samples") as err:
        profile_file(path, sample="X")
    assert "NORMAL" not in str(err.value)


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ("17\tabc\t.\tT\tC\t.\tPASS\t.\tGT\t0/1", "integer POS"),
        ("17 37880220 . T C", "tab-separated"),
        ("17\t37880220\t.\tT\tQ\t.\tPASS\t.\tGT\t0/1", "REF/ALT"),
        ("17\t37880220\t.\tT\tC\t.\tPASS", "columns"),
    ],
)
def test_vcf_malformed_line_names_the_line(write_vcf: Callable[..., Path], line: str, allowed: str) -> None:
    path = write_vcf("bad.grch37.vcf", ["1\t10\t.\tA\tG\t.\tPASS\t.\tGT\t0/1", line], ["T"])
    with pytest.raises(InvalidInput) as err:
        profile_file(path)
    assert err.value.field == "bad.grch37.vcf line 7"
    assert allowed in err.value.allowed


def test_vcf_not_a_vcf(tmp_path: Path) -> None:
    path = tmp_path / "x.vcf"
    path.write_text("hello\n")
    with pytest.raises(InvalidInput, match="line 1"):
        profile_file(path)


def test_vcf_unknown_build_warns(write_vcf: Callable[..., Path]) -> None:
    path = write_vcf("nobuild.vcf", ["17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT\t0/1"], ["T"], length=1)
    p = profile_file(path)
    assert p.genome is None
    assert any("genome build" in w for w in p.warnings)


def test_real_pcgr_vcf_has_no_erbb2_variant() -> None:
    for build in ("37", "38"):
        p = profile_file(shared("variants", f"T001-BRCA.grch{build}.vcf.gz"))
        assert p.erbb2.mutations == []
        assert p.erbb2.amplified is None


# ----------------------------------------------------------------------------- MAF
def test_tcga_maf_insertion_normalised_and_sample_prefix() -> None:
    p = profile_file(shared("tcga-maf", "firehose_ESCA_nonsilent.maf.tsv.gz"), sample="TCGA-L5-A4OU")
    assert p.genome == "GRCh37"
    assert [m.hgvsp for m in p.erbb2.mutations] == ["p.M774dup"]
    assert p.erbb2.mutations[0].class_ == "kinase-domain-activating"


def test_tcga_maf_breast_mutations_and_wild_type() -> None:
    path = shared("tcga-maf", "firehose_BRCA_nonsilent.maf.tsv.gz")
    p = profile_file(path, sample="TCGA-A2-A0T6", sequenced_genes=["KRAS", "NRAS", "BRAF", "PIK3CA", "ERBB3"])
    assert {m.hgvsp for m in p.erbb2.mutations} == {"p.R678Q", "p.L755R"}
    assert {m.hgvsp: m.class_ for m in p.erbb2.mutations}["p.R678Q"] == "transmembrane-juxtamembrane"
    assert {c.gene: c.status for c in p.co_alterations}["KRAS"] == "wild-type"


def test_maf_unknown_sample_lists_samples() -> None:
    with pytest.raises(InvalidInput, match="samples"):
        profile_file(shared("tcga-maf", "firehose_ESCA_nonsilent.maf.tsv.gz"), sample="NOPE")


def test_cbioportal_style_maf_gz(tmp_path: Path) -> None:
    path = tmp_path / "data_mutations.txt.gz"
    rows = [
        "#version 2.4",
        "Hugo_Symbol\tChromosome\tStart_Position\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\tHGVSc\tExon_Number",
        "ERBB2\t17\t39711955\tMissense_Mutation\tS1\tp.S310F\tc.929C>T\t8/27",
        "ERBB2\t17\t39711955\tSilent\tS1\tp.S310=\tc.930C>T\t8/27",
        "NRAS\t1\t114716126\tMissense_Mutation\tS1\tp.G12D\tc.35G>A\t2/7",
    ]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(rows) + "\n")
    p = profile_file(path)
    assert [(m.hgvsp, m.exon) for m in p.erbb2.mutations] == [("p.S310F", 8)]
    assert {c.gene: c.status for c in p.co_alterations}["NRAS"] == "mutant"


def test_maf_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "x.maf"
    path.write_text("Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nERBB2\tS1\n")
    with pytest.raises(InvalidInput) as err:
        profile_file(path)
    assert err.value.field == "x.maf line 2"


# ----------------------------------------------------------------------------- copy number
def test_pcgr_allele_specific_segments_both_builds() -> None:
    for build in ("37", "38"):
        p = profile_file(shared("variants", f"T001-BRCA.grch{build}.cna.tsv"))
        assert p.file_format == "allele-specific-segments"
        assert p.erbb2.amplified is True
        assert p.erbb2.copy_number == 9.0  # nMajor 8 + nMinor 1


def test_seg_log2_with_purity(tmp_path: Path) -> None:
    path = tmp_path / "s.seg"
    path.write_text(
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"
        "A\t17\t37000000\t38000000\t50\t1.0\n"
        "B\t17\t37000000\t38000000\t50\t0.3\n"
    )
    pure = profile_file(path, sample="A", genome="GRCh37")
    assert pure.erbb2.copy_number == 4.0  # 2 * 2^1
    assert pure.erbb2.amplified is None  # equivocal 4-6
    impure = profile_file(
        path, sample="A", genome="GRCh37", amplification=AmplificationThresholds(purity=0.5)
    )
    assert impure.erbb2.copy_number == 6.0  # (4 - 2*0.5)/0.5
    assert impure.erbb2.amplified is True
    low = profile_file(path, sample="B", genome="GRCh37")
    # 2.46 copies at an assumed purity of 100% is a lower bound: undetermined (audit finding 7)
    assert low.erbb2.amplified is None
    assert "purity not given" in low.erbb2.evidence
    with pytest.raises(InvalidInput, match="2 samples"):
        profile_file(path, genome="GRCh37")


def test_cnvkit_cns_and_cnr(tmp_path: Path) -> None:
    cns = tmp_path / "s.cns"
    cns.write_text(
        "chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight\nchr17\t39600000\t39800000\tERBB2\t2.0\t900\t40\t30\n"
    )
    p = profile_file(cns, genome="GRCh38")
    assert p.file_format == "cnvkit-cns"
    assert p.erbb2.copy_number == 8.0
    cnr = tmp_path / "s.cnr"
    body = "".join(
        f"chr17\t{39710000 + i * 1000}\t{39710500 + i * 1000}\tERBB2\t{v}\t900\t1\n"
        for i, v in enumerate([1.0, 1.6, 1.8])
    )
    cnr.write_text("chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\n" + body)
    p = profile_file(cnr, genome="GRCh38")
    assert p.file_format == "cnvkit-cnr"
    assert p.erbb2.copy_number == pytest.approx(2 * 2**1.6, abs=0.01)


def test_gene_level_gistic_table(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tEntrez_Gene_Id\tS1\tS2\tS3\nKRAS\t3845\t0\t0\t1\nERBB2\t2064\t2\t1\t0\n")
    assert profile_file(path, sample="S1").erbb2.amplified is True
    s2 = profile_file(path, sample="S2")
    assert s2.erbb2.amplified is None  # GISTIC 1: undetermined (audit finding 8)
    assert "low-level gain" in s2.erbb2.evidence
    assert any("GISTIC 1" in w for w in s2.warnings)
    assert profile_file(path, sample="S3").erbb2.amplified is False


def test_segment_malformed_value(tmp_path: Path) -> None:
    path = tmp_path / "x.cna.tsv"
    path.write_text("Chromosome\tStart\tEnd\tnMajor\tnMinor\n17\t1\tabc\t1\t1\n")
    with pytest.raises(InvalidInput) as err:
        profile_file(path, genome="GRCh37")
    assert err.value.field == "x.cna.tsv line 2"


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("foo\tbar\n1\t2\n")
    with pytest.raises(InvalidInput, match="VCF"):
        profile_file(path)


SEG_HEADER = "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"


@pytest.mark.parametrize(
    ("row", "allowed"),
    [
        ("A\t17\t39700000\t39800000\t50\tinf\n", "finite copy-number values"),
        ("A\t17\t39700000\t39800000\t50\t-Infinity\n", "finite copy-number values"),
        ("A\t17\t39800000\t39700000\t50\t1.0\n", "a segment whose start is not after its end"),
        ("A\t17\tinf\t39800000\t50\t1.0\n", "numeric start and end"),
        ("A\t17\t39700000\t39800000\t50\t99999999999999999999\n", "a log2 ratio from -100 to 100"),
    ],
)
def test_segment_values_that_cannot_be_copy_numbers(tmp_path: Path, row: str, allowed: str) -> None:
    path = tmp_path / "s.seg"
    path.write_text(SEG_HEADER + row)
    with pytest.raises(InvalidInput, match=allowed) as err:
        profile_file(path, genome="GRCh38")
    assert err.value.field == "s.seg line 2"


def test_a_segment_without_a_value_is_missing_not_absent(tmp_path: Path) -> None:
    path = tmp_path / "s.seg"
    path.write_text(SEG_HEADER + "A\t1\t100\t200\t5\tNA\nA\t17\t39700000\t39800000\t50\tNA\n")
    p = profile_file(path, genome="GRCh38")
    assert p.erbb2.amplified is None
    assert p.erbb2.evidence == "the segment(s) over ERBB2 have no value (NA)"
    path.write_text(SEG_HEADER + "A\t1\t100\t200\t5\tNA\nA\t17\t39700000\t39800000\t50\t2.0\n")
    assert profile_file(path, genome="GRCh38").erbb2.amplified is True  # NA elsewhere is ignored


@pytest.mark.parametrize("cut", [10, 40])
def test_a_truncated_gzip_file_is_an_input_error(tmp_path: Path, cut: int) -> None:
    whole = gzip.compress(b"##fileformat=VCFv4.2\n" + b"##x=" + b"y" * 5000 + b"\n")
    path = tmp_path / "t.vcf.gz"
    path.write_bytes(whole[:cut])
    with pytest.raises(InvalidInput, match="a complete gzip or bgzip file"):
        profile_file(path)


_TOKENS = [
    "",
    ".",
    "NA",
    "nan",
    "inf",
    "-1",
    "0",
    "1e30",
    "chr17",
    "ERBB2",
    "p.S310F",
    "*",
    "\xff",
    "x" * 300,
]


@settings(max_examples=120, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from(["vcf", "seg", "cns"]))
def test_a_damaged_file_gives_a_profile_or_an_input_error(
    tmp_path_factory: pytest.TempPathFactory, rng: random.Random, kind: str
) -> None:
    """Any field replaced by junk, any line cut short: a profile or her2kit's own error, never another one."""
    lines = {
        "vcf": [
            "##fileformat=VCFv4.2",
            "##reference=GRCh38",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
            "chr17\t39724731\t.\tC\tT\t50\tPASS\tDP=100\tGT:AF\t0/1:0.3",
            "chr12\t25245350\t.\tC\tA\t50\tPASS\tDP=80\tGT:AF\t0/1:0.2",
        ],
        "seg": [
            *SEG_HEADER.strip().split("\n"),
            "A\t17\t39700000\t39800000\t50\t1.5",
            "A\t1\t100\t200\t5\t0.1",
        ],
        "cns": [
            "chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight",
            "chr17\t39600000\t39800000\tERBB2\t2.0\t900\t40\t30",
        ],
    }[kind]
    damaged = []
    for i, line in enumerate(lines):
        fields = line.split("\t")
        if i > 0 and rng.random() < 0.5:
            fields[rng.randrange(len(fields))] = rng.choice(_TOKENS)
            if rng.random() < 0.2:
                fields = fields[: rng.randrange(len(fields) + 1)]
        damaged.append("\t".join(fields))
    path = tmp_path_factory.mktemp("g") / f"x.{kind}"
    path.write_text("\n".join(damaged) + "\n", encoding="utf-8")
    with contextlib.suppress(InvalidInput):
        profile_file(path, genome=rng.choice([None, "GRCh38"]))


def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path: Path) -> None:
    seg = tmp_path / "s.seg"
    seg.write_bytes(
        b"\xef\xbb\xbf" + (SEG_HEADER + "A\t17\t39700000\t39800000\t50\t1.0\nB\t17\t1\t2\t5\t0\n").encode()
    )
    with pytest.raises(InvalidInput, match="2 samples"):  # the ID column is found: a sample must be chosen
        profile_file(seg, genome="GRCh38")
    vcf = tmp_path / "v.vcf"
    vcf.write_bytes(b"\xef\xbb\xbf##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    assert profile_file(vcf).file_format == "vcf"


def test_a_seg_file_s_first_column_is_its_sample_whatever_its_name(tmp_path: Path) -> None:
    seg = tmp_path / "s.seg"
    seg.write_text(
        "specimen\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"
        "A\t17\t39700000\t39800000\t50\t2.0\nB\t17\t39700000\t39800000\t50\t0.0\n"
    )
    with pytest.raises(InvalidInput, match="2 samples"):
        profile_file(seg, genome="GRCh38")
    assert profile_file(seg, genome="GRCh38", sample="B").erbb2.amplified is False


def test_a_gene_table_value_that_is_not_finite(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tEntrez_Gene_Id\tS1\tS2\nERBB2\t2064\tinf\tNaN\n")
    with pytest.raises(InvalidInput, match="a numeric GISTIC value"):
        profile_file(path, sample="S1")
    assert profile_file(path, sample="S2").erbb2.evidence == "ERBB2 value missing for this sample"


def test_a_breakend_alt_does_not_stop_the_file() -> None:
    """VCF 4.x breakend notation (A]17:37870000]) is a valid ALT: the file is read, and the V777L in it kept."""
    from her2kit.genomics import profile_file

    profile = profile_file(Path(__file__).parent / "data" / "breakend_and_snv.vcf", genome="GRCh37")
    assert "p.V777L" in [m.hgvsp for m in profile.erbb2.mutations]
