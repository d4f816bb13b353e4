"""Genomic readers: defects found by the review of 2026-11-27 (each input is the review's reproduction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from her2kit.errors import InvalidInput
from her2kit.genomics import AmplificationThresholds, profile_file
from her2kit.genomics.model import GenomicProfile

CSQ_HEADER = (
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
    'Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp">'
)
S310F_CSQ = (
    "CSQ=T|missense_variant|MODERATE|{symbol}|ENSG00000141736|Transcript|ENST00000269571|protein_coding|8/27||"
    "ENST00000269571.5:c.929C>T|ENSP00000269571.5:p.Ser310Phe"
)


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _proteins(profile: GenomicProfile) -> list[str]:
    return [m.hgvsp or "" for m in profile.erbb2.mutations]


# ------------------------------------------------------------------------------------------ 1: VEP without SYMBOL
def test_vep_annotations_without_gene_symbols_identify_erbb2_by_its_ensembl_ids(tmp_path: Path) -> None:
    vcf = _write(
        tmp_path,
        "nosym.vcf",
        [
            "##fileformat=VCFv4.2",
            "##reference=GRCh37",
            CSQ_HEADER,
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
            "17\t37868208\t.\tC\tT\t.\tPASS\t" + S310F_CSQ.format(symbol=""),
            "17\t37880261\t.\tG\tGATACGTGATGGC\t.\tPASS\tCSQ=ATACGTGATGGC|inframe_insertion|MODERATE||"
            "ENSG00000141736|Transcript|ENST00000269571|protein_coding|20/27||ENST00000269571.5:c.2313_2324dup|"
            "ENSP00000269571.5:p.Tyr772_Ala775dup",
        ],
    )
    profile = profile_file(vcf)
    assert _proteins(profile) == ["p.S310F", "p.Y772_A775dup"]


def test_an_annotation_without_a_symbol_or_an_erbb2_id_is_read_by_position_with_a_warning(
    tmp_path: Path,
) -> None:
    csq = (
        "CSQ=T|missense_variant|MODERATE||ENSG00000999999|Transcript|ENST00000999999|protein_coding|8/27||"
        "ENST00000999999.1:c.929C>T|ENSP00000999999.1:p.Ser310Phe"
    )
    vcf = _write(
        tmp_path,
        "nosym2.vcf",
        ["##fileformat=VCFv4.2", "##reference=GRCh37", CSQ_HEADER, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
         "17\t37868208\t.\tC\tT\t.\tPASS\t" + csq],
    )  # fmt: skip
    profile = profile_file(vcf)
    assert profile.erbb2.mutations, "an ERBB2-region variant must not vanish"
    assert any("SYMBOL" in w for w in profile.warnings)


def test_a_regulatory_block_beside_a_symbol_is_not_the_missing_symbol_case(tmp_path: Path) -> None:
    csq = (
        "CSQ=T|intron_variant|MODIFIER|PGAP3|ENSG00000161395|Transcript|ENST00000300658|protein_coding||1/9||,"
        "T|regulatory_region_variant|MODIFIER|||RegulatoryFeature|ENSR00000093458|promoter|||"
    )
    vcf = _write(
        tmp_path,
        "reg.vcf",
        ["##fileformat=VCFv4.2", "##reference=GRCh37", CSQ_HEADER, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
         "17\t37845000\t.\tC\tT\t.\tPASS\t" + csq],
    )  # fmt: skip
    profile = profile_file(vcf)
    assert profile.erbb2.mutations == []
    assert not any("SYMBOL" in w for w in profile.warnings)


# ---------------------------------------------------------------------------- 2: overlap with the ERBB2 gene span
def test_a_segment_inside_erbb2_counts(tmp_path: Path) -> None:
    seg = _write(
        tmp_path,
        "inside.seg",
        ["ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean", "S1\t17\t37845000\t37862000\t60\t3.2"],
    )
    assert profile_file(seg, genome="GRCh37").erbb2.amplified is True


@pytest.mark.parametrize(
    "rows",
    [
        # an amplicon over the gene's 5' part beside the baseline over the rest (first review: was "not amplified")
        ["S1\t17\t37700000\t37863000\t200\t3.2", "S1\t17\t37863001\t40000000\t900\t-0.05"],
        # an amplicon of PGAP3 reaching 134 bp into the span (second review: was "amplified")
        ["S1\t17\t37700000\t37844300\t200\t3.0", "S1\t17\t37844301\t40000000\t900\t0.0"],
        # PGAP3/ERBB2 at the baseline, MIEN1/GRB7 amplified (second review: was "amplified")
        ["S1\t17\t37000000\t37884950\t900\t0.05", "S1\t17\t37884951\t37910000\t60\t3.2"],
    ],
)
def test_segments_over_erbb2_that_call_it_differently_leave_it_undetermined(
    tmp_path: Path, rows: list[str]
) -> None:
    seg = _write(tmp_path, "split.seg", ["ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean", *rows])
    profile = profile_file(seg, genome="GRCh37", amplification=AmplificationThresholds(purity=0.7))
    assert profile.erbb2.amplified is None
    assert any("different calls" in w for w in profile.warnings)


def test_cnvkit_bins_over_the_whole_erbb2_gene_give_its_median(tmp_path: Path) -> None:
    bins = [(37844500, 3.0), (37850000, 3.0), (37856000, 3.0), (37860000, 3.0), (37863000, 3.0)]
    bins += [(37866000, 0.1), (37870000, 0.1), (37875000, 0.1)]
    cnr = _write(
        tmp_path,
        "t_hg19.cnr",
        ["chromosome\tstart\tend\tgene\tlog2\tdepth\tweight"]
        + [f"chr17\t{s}\t{s + 200}\tERBB2\t{v}\t900\t1" for s, v in bins],
    )
    profile = profile_file(cnr)
    assert profile.erbb2.amplified is True


# ---------------------------------------------------------------------------------------------------- 3: FILTER
def test_a_vcf_record_that_failed_its_filters_is_not_reported(tmp_path: Path) -> None:
    vcf = _write(
        tmp_path,
        "s310f.vcf",
        [
            "##fileformat=VCFv4.2",
            "##contig=<ID=17,length=81195210>",
            CSQ_HEADER,
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL",
            "17\t37868208\t.\tC\tT\t.\tgermline;normal_artifact\t"
            + S310F_CSQ.format(symbol="ERBB2")
            + "\tGT:AF\t0/1:0.45\t0/1:0.48",
        ],
    )
    profile = profile_file(vcf, sample="TUMOR")
    assert profile.erbb2.mutations == []
    assert any("germline;normal_artifact" in w and "FILTER" in w for w in profile.warnings)


@pytest.mark.parametrize("filter_value", ["PASS", "."])
def test_a_passing_or_unfiltered_record_is_reported(tmp_path: Path, filter_value: str) -> None:
    vcf = _write(
        tmp_path,
        "pass.vcf",
        ["##fileformat=VCFv4.2", "##reference=GRCh37", CSQ_HEADER, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
         f"17\t37868208\t.\tC\tT\t.\t{filter_value}\t" + S310F_CSQ.format(symbol="ERBB2")],
    )  # fmt: skip
    assert _proteins(profile_file(vcf)) == ["p.S310F"]


def test_a_germline_maf_row_is_not_reported(tmp_path: Path) -> None:
    maf = _write(
        tmp_path,
        "germ.maf",
        [
            "Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\tHGVSp_Short\tNCBI_Build\tMutation_Status",
            "ERBB2\tS1\tMissense_Mutation\tp.S310F\tGRCh38\tGermline",
        ],
    )
    profile = profile_file(maf)
    assert profile.erbb2.mutations == []
    assert profile.genome == "GRCh38"
    assert any("Germline" in w for w in profile.warnings)


@pytest.mark.parametrize("filter_value", ["panel_of_normals", "wga", "common_in_gnomAD;germline_risk"])
def test_a_maf_row_with_a_filter_flag_is_reported_with_a_warning(tmp_path: Path, filter_value: str) -> None:
    """GDC somatic MAFs keep panel_of_normals and validated calls whatever their FILTER; MC3 users keep wga (second
    review: dropping them made a real S310F vanish)."""
    maf = _write(
        tmp_path,
        "filt.maf",
        [
            "Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\tHGVSp_Short\tNCBI_Build\tFILTER",
            f"ERBB2\tS1\tMissense_Mutation\tp.S310F\tGRCh38\t{filter_value}",
        ],
    )
    profile = profile_file(maf)
    assert _proteins(profile) == ["p.S310F"]
    assert any(filter_value in w and "FILTER" in w for w in profile.warnings)


def test_a_maf_row_marked_pass_and_somatic_is_reported(tmp_path: Path) -> None:
    maf = _write(
        tmp_path,
        "ok.maf",
        [
            "Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\tHGVSp_Short\tNCBI_Build\tFILTER\tMutation_Status",
            "ERBB2\tS1\tMissense_Mutation\tp.S310F\tGRCh38\tPASS\tSomatic",
        ],
    )
    assert _proteins(profile_file(maf)) == ["p.S310F"]


# ---------------------------------------------------------------------------------------------------- 4: samples
MAF_TWO = ["Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\tHGVSp_Short\tNCBI_Build"]


@pytest.mark.parametrize(
    ("samples", "wanted"),
    [(["P-001", "P-0025"], "P-0013"), (["P-0012", "P-0025"], "P-001")],
)
def test_a_sample_is_never_chosen_by_a_loose_prefix(tmp_path: Path, samples: list[str], wanted: str) -> None:
    rows = [f"ERBB2\t{s}\tMissense_Mutation\tp.S310F\tGRCh37" for s in samples]
    maf = _write(tmp_path, "two.maf", MAF_TWO + rows)
    with pytest.raises(InvalidInput) as info:
        profile_file(maf, sample=wanted)
    assert info.value.field == "--sample"


def test_a_tcga_patient_barcode_still_selects_its_aliquot(tmp_path: Path) -> None:
    rows = [
        "ERBB2\tTCGA-A1-A0SB-01A-11D-A142-09\tMissense_Mutation\tp.S310F\tGRCh37",
        "KRAS\tTCGA-A1-A0SD-01A-11D-A10Y-09\tMissense_Mutation\tp.G12D\tGRCh37",
    ]
    maf = _write(tmp_path, "tcga.maf", MAF_TWO + rows)
    assert profile_file(maf, sample="TCGA-A1-A0SB").sample == "TCGA-A1-A0SB-01A-11D-A142-09"


def test_a_gistic_table_never_picks_another_sample_by_prefix(tmp_path: Path) -> None:
    table = _write(
        tmp_path, "gistic.txt", ["Hugo_Symbol\tEntrez_Gene_Id\tP-0012\tP-0025", "ERBB2\t2064\t2\t0"]
    )
    with pytest.raises(InvalidInput):
        profile_file(table, sample="P-001")


# ------------------------------------------------------------------------------------ 5: a table that is not GISTIC
def test_a_gene_table_of_absolute_copies_is_not_read_as_gistic_calls(tmp_path: Path) -> None:
    table = _write(
        tmp_path,
        "abs_gene.txt",
        [
            "Hugo_Symbol\tEntrez_Gene_Id\tS1",
            "MYC\t4609\t14",
            "CCND1\t595\t9",
            "ERBB2\t2064\t2",
            "TP53\t7157\t1",
        ],
    )
    profile = profile_file(table)
    assert profile.erbb2.amplified is None
    assert any("GISTIC" in w and "14" in w for w in profile.warnings)


# --------------------------------------------------------------------------------------------------------- 6: VAF
@pytest.mark.parametrize(
    ("extra_header", "extra_values"),
    [("\tt_vaf", "\t45.2"), ("\tt_vaf", "\tnan"), ("\tt_alt_count\tt_depth", "\t60\t50")],
)
def test_an_impossible_maf_vaf_is_dropped_with_a_warning_not_a_crash(
    tmp_path: Path, extra_header: str, extra_values: str
) -> None:
    maf = _write(
        tmp_path,
        "vaf.maf",
        [MAF_TWO[0] + extra_header, "ERBB2\tS1\tMissense_Mutation\tp.S310F\tGRCh37" + extra_values],
    )
    profile = profile_file(maf)
    assert _proteins(profile) == ["p.S310F"]
    assert profile.erbb2.mutations[0].vaf is None
    assert any("VAF" in w or "allele fraction" in w for w in profile.warnings)


@pytest.mark.parametrize("af", ["45.0", "-1", "nan"])
def test_an_impossible_vcf_allele_fraction_is_dropped_with_a_warning(tmp_path: Path, af: str) -> None:
    vcf = _write(
        tmp_path,
        "af.vcf",
        ["##fileformat=VCFv4.2", "##reference=GRCh37", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT",
         f"17\t37868208\t.\tC\tT\t.\tPASS\t.\tGT:AF\t0/1:{af}"],
    )  # fmt: skip
    profile = profile_file(vcf)
    assert profile.erbb2.mutations
    assert profile.erbb2.mutations[0].vaf is None


# ------------------------------------------------------------------------------------ 7: the chosen sample's VAF
def test_the_vaf_is_the_chosen_sample_s_not_the_cohort_allele_frequency(tmp_path: Path) -> None:
    vcf = _write(
        tmp_path,
        "vaf.vcf",
        ["##fileformat=VCFv4.2", "##reference=GRCh37",
         "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR",
         "17\t37881332\t.\tG\tA\t50\tPASS\tAF=0.25\tGT:AD:AF\t0/0:60,0:0.0\t0/1:95,5:0.05"],
    )  # fmt: skip
    profile = profile_file(vcf, sample="TUMOR")
    assert profile.erbb2.mutations[0].vaf == pytest.approx(0.05)


def test_the_vaf_is_computed_from_the_sample_s_allelic_depths_without_af(tmp_path: Path) -> None:
    vcf = _write(
        tmp_path,
        "ad.vcf",
        ["##fileformat=VCFv4.2", "##reference=GRCh37",
         "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR",
         "17\t37881332\t.\tG\tA\t50\tPASS\tAF=0.25\tGT:AD\t0/0:60,0\t0/1:90,10"],
    )  # fmt: skip
    assert profile_file(vcf, sample="TUMOR").erbb2.mutations[0].vaf == pytest.approx(0.10)


# --------------------------------------------------------------------------------- 10: build from the file name
def test_a_build_token_inside_a_barcode_is_not_a_build(tmp_path: Path) -> None:
    seg = _write(
        tmp_path,
        "TCGA-AB38-01.seg",
        ["ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean", "S1\t17\t37850000\t37890000\t60\t2.0"],
    )
    assert profile_file(seg).genome is None


def test_a_build_taken_from_the_file_name_is_said(tmp_path: Path) -> None:
    seg = _write(
        tmp_path,
        "tumour.hg19.seg",
        ["ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean", "S1\t17\t37850000\t37890000\t60\t2.0"],
    )
    profile = profile_file(seg)
    assert profile.genome == "GRCh37"
    assert any("file name" in w for w in profile.warnings)


# ---------------------------------------------------------------------------------- 11: purity/ploidy not used
def test_purity_and_ploidy_given_for_absolute_copies_are_said_to_be_unused(tmp_path: Path) -> None:
    table = _write(
        tmp_path,
        "ascat_grch37.txt",
        ["Chromosome\tStart\tEnd\tnMajor\tnMinor", "17\t37800000\t37900000\t5\t2"],
    )
    profile = profile_file(
        table, genome="GRCh37", amplification=AmplificationThresholds(purity=0.3, ploidy=4)
    )
    assert any("purity" in w and "not used" in w for w in profile.warnings)
