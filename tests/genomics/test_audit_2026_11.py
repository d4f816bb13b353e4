"""Regression tests for the ERBB2 genomic-profiling audit (findings 1-11).

The files under ``data/`` are the audit's reproduction inputs; inline files are small variations on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from her2kit.case import Case, NgsTest, parse_case
from her2kit.genomics import AmplificationThresholds, profile_file
from her2kit.genomics.classify import catalogue, classify, hotspot_rows
from her2kit.genomics.hgvs import erbb2_sequence, parse
from her2kit.genomics.merge import merge_with_warnings
from her2kit.genomics.model import GenomicProfile
from her2kit.yamlload import safe_load

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]

CSQ_FORMAT = "Allele|Consequence|SYMBOL|Feature|EXON|HGVSc|HGVSp|CANONICAL"


def _nsclc() -> Case:
    return parse_case(json.loads((DATA / "nsclc_case_no_tests.json").read_text()))


def _case_mutations(profile: GenomicProfile) -> tuple[list[str], list[str]]:
    case, warnings = merge_with_warnings(_nsclc(), profile)
    ngs = case.her2_tests[-1]
    assert isinstance(ngs, NgsTest)
    return ngs.erbb2_mutations, warnings


def _mutation_fits(case: Case, kb) -> list[str]:  # type: ignore[no-untyped-def]
    from her2kit.match import assess

    result = assess(case, kb)
    return [c for o in result.options for c in o.criteria_met if "ERBB2 mutation" in c]


MAF_HEADER = "Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\tHGVSp_Short\tNCBI_Build"


def _maf(tmp_path: Path, rows: list[str], header: str = MAF_HEADER) -> Path:
    path = tmp_path / "x.maf"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _vcf(
    tmp_path: Path, records: list[str], *, fmt: str = CSQ_FORMAT, name: str = "x.vcf", length: int = 81195210
) -> Path:
    head = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID=17,length={length}>",
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {fmt}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR",
    ]
    path = tmp_path / name
    path.write_text("\n".join(head + records) + "\n")
    return path


# ----------------------------------------------------------------------------- finding 1
def test_a_synonymous_variant_is_not_listed_as_an_erbb2_mutation() -> None:
    p = profile_file(DATA / "synonymous_splice.vcf")
    assert [m.hgvsp for m in p.erbb2.mutations] == [None]  # the splice-donor record, no protein change
    assert any("p.L755=" in w and "synonymous" in w for w in p.warnings)


def test_a_maf_splice_region_synonymous_row_is_not_a_mutation() -> None:
    p = profile_file(DATA / "maf_splice_syn_v659e.maf")
    listed = [m.hgvsp for m in p.erbb2.mutations]
    assert "p.L755=" not in listed
    assert {"p.V659E", "p.S310F", "p.V777L"} <= set(listed)
    assert any("p.L755=" in w and "synonymous" in w for w in p.warnings)


def test_a_synonymous_change_is_never_a_hotspot() -> None:
    assert classify(parse("p.L755=", erbb2_sequence())).hotspot is False


def test_a_truncating_variant_has_its_own_class_and_no_hotspot_flag() -> None:
    p = profile_file(DATA / "truncating.vcf")
    [m] = p.erbb2.mutations
    assert (m.hgvsp, m.class_, m.hotspot) == ("p.R896*", "truncating", False)


@pytest.mark.parametrize(
    "name", ["synonymous_splice.vcf", "truncating.vcf", "exon20_insertion_with_stop.vcf"]
)
def test_synonymous_and_truncating_variants_never_reach_the_case(kb, name: str) -> None:  # type: ignore[no-untyped-def]
    profile = profile_file(DATA / name)
    case, warnings = merge_with_warnings(_nsclc(), profile)
    ngs = case.her2_tests[-1]
    assert isinstance(ngs, NgsTest)
    assert ngs.erbb2_mutations == []
    assert _mutation_fits(case, kb) == []
    if name != "synonymous_splice.vcf":
        assert any("truncating" in w and "not added" in w for w in warnings)


def test_only_variants_that_can_qualify_reach_the_case(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    rows = [
        "ERBB2\tS\tMissense_Mutation\tp.L755S\tGRCh37",  # kinase-domain activating
        "ERBB2\tS\tMissense_Mutation\tp.S310F\tGRCh37",  # extracellular-domain activating
        "ERBB2\tS\tMissense_Mutation\tp.P1170A\tGRCh37",  # unknown significance, missense: passed on
        "ERBB2\tS\tIn_Frame_Ins\tp.E770_A771insGIRD\tGRCh37",  # unknown significance, in-frame: passed on
        "ERBB2\tS\tMissense_Mutation\tp.T798I\tGRCh37",  # acquired TKI resistance: not activating
        "ERBB2\tS\tFrame_Shift_Del\tp.L755Hfs*5\tGRCh37",  # truncating
        "ERBB2\tS\tMissense_Mutation\tp.R896X\tGRCh37",  # X: unknown residue or an old stop notation
    ]
    profile = profile_file(_maf(tmp_path, rows))
    added, warnings = _case_mutations(profile)
    assert added == ["p.L755S", "p.S310F", "p.P1170A", "p.E770_A771insGIRD"]
    for text in ("p.T798I", "p.L755Hfs*5", "p.R896X"):
        assert any(text in w and "not added" in w for w in warnings), text
    case, _ = merge_with_warnings(_nsclc(), profile)
    assert _mutation_fits(case, kb)  # the activating and unclassified changes still reach the matcher


def test_a_synonymous_kras_change_does_not_make_kras_mutant(tmp_path: Path) -> None:
    csq = "CSQ=A|synonymous_variant|KRAS|ENST00000256078|2/6|c.36T>A|p.Gly12%3D|YES"
    path = _vcf(tmp_path, [f"12\t25398283\t.\tT\tA\t.\tPASS\t{csq}\tGT\t0/1"], name="k.grch37.vcf")
    p = profile_file(path, sequenced_genes=["KRAS", "NRAS"])
    assert {c.gene: c.status for c in p.co_alterations}["KRAS"] == "wild-type"


# ----------------------------------------------------------------------------- finding 2
@pytest.mark.parametrize(
    "hgvs",
    [
        "p.A775_G776insYVM*",
        "p.Ala775_Gly776insTyrValMetTer",
        "p.Gly776delinsValTer",
        "p.R896*",
        "p.L755Hfs*5",
    ],
)
def test_a_change_with_a_stop_is_truncating_not_activating(hgvs: str) -> None:
    result = classify(parse(hgvs, erbb2_sequence()))
    assert result.class_ == "truncating"
    assert result.hotspot is False


def test_an_inserted_stop_is_not_shifted_and_ends_the_inserted_sequence() -> None:
    seq = erbb2_sequence()
    assert parse("p.A775_G776insYVM*", seq).text == "p.A775_G776insYVM*"
    assert parse("p.A775_G776insYVM*AP", seq).text == "p.A775_G776insYVM*"  # nothing after a stop is listed
    assert parse("p.A775_G776insG*", seq).text == "p.V777*"  # an immediate stop is a nonsense change
    assert parse("p.A775_G776insYVMA", seq).text == "p.Y772_A775dup"  # unchanged without a stop


@pytest.mark.parametrize("name", ["exon20_insertion_with_stop.vcf", "exon20_insertion_with_stop.maf"])
def test_the_audit_s_exon_20_insertion_with_a_stop(name: str) -> None:
    [m] = profile_file(DATA / name).erbb2.mutations
    assert (m.hgvsp, m.class_, m.hotspot) == ("p.A775_G776insYVM*", "truncating", False)


def test_a_nonsense_row_whose_protein_change_is_not_truncating_is_not_classified(tmp_path: Path) -> None:
    p = profile_file(_maf(tmp_path, ["ERBB2\tS\tNonsense_Mutation\tp.V777L\tGRCh37"]))
    [m] = p.erbb2.mutations
    assert m.hgvsp is None
    assert m.class_ == "unknown-significance"
    assert any("Nonsense_Mutation" in w and "p.V777L" in w for w in p.warnings)


def test_a_snpeff_stop_gained_whose_protein_change_is_missense_is_not_classified(tmp_path: Path) -> None:
    path = tmp_path / "s.grch37.vcf"
    ann = "ANN=T|stop_gained|HIGH|ERBB2|ENSG00000141736|transcript|NM_004448.3|protein_coding|20/27|c.2329G>T|p.Val777Leu"
    path.write_text(
        "##fileformat=VCFv4.2\n"
        '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"17\t37881000\t.\tG\tT\t.\tPASS\t{ann}\n"
    )
    p = profile_file(path)
    [m] = p.erbb2.mutations
    assert m.hgvsp is None
    assert any("stop_gained" in w for w in p.warnings)


# ----------------------------------------------------------------------------- finding 3
def test_multi_allelic_vep_minimal_frameshift_carried() -> None:
    p = profile_file(DATA / "multiallelic_vep_minimal_frameshift_carried.vcf")
    assert [(m.hgvsp, m.class_) for m in p.erbb2.mutations] == [("p.S756Kfs*10", "truncating")]


def test_multi_allelic_minimal_alleles_snv_carried() -> None:
    p = profile_file(DATA / "multiallelic_minimal_alleles_snv_carried.vcf")
    assert [(m.hgvsp, m.class_) for m in p.erbb2.mutations] == [("p.L755S", "kinase-domain-activating")]


def test_multi_allelic_matching_alleles_unchanged() -> None:
    p = profile_file(DATA / "multiallelic.vcf")
    assert sorted(m.hgvsp or "" for m in p.erbb2.mutations) == ["p.D769H", "p.D769Y", "p.L755W"]


def test_allele_num_decides_when_present(tmp_path: Path) -> None:
    fmt = CSQ_FORMAT + "|ALLELE_NUM"
    csq = (
        "CSQ=T|missense_variant|ERBB2|ENST00000269571|19/27|c.2264T>C|p.Leu755Ser|YES|1,"
        "T|frameshift_variant|ERBB2|ENST00000269571|19/27|c.2265_2266del|p.Leu755HisfsTer5|YES|2"
    )
    # both ALT alleles are written "T" by the annotator; only ALLELE_NUM tells them apart
    path = _vcf(tmp_path, [f"17\t37880220\t.\tAT\tTT,A\t.\tPASS\t{csq}\tGT\t0/2"], fmt=fmt)
    p = profile_file(path)
    assert [m.hgvsp for m in p.erbb2.mutations] == ["p.L755Hfs*5"]


def test_an_ambiguous_allele_gets_no_protein_change(tmp_path: Path) -> None:
    csq = "CSQ=T|missense_variant|ERBB2|ENST00000269571|19/27|c.2264T>C|p.Leu755Ser|YES"
    path = _vcf(tmp_path, [f"17\t37880220\t.\tA\tAT,T\t.\tPASS\t{csq}\tGT\t0/1"])
    p = profile_file(path)
    [m] = p.erbb2.mutations
    assert m.hgvsp is None
    assert any("ambiguous" in w and "A>AT" in w for w in p.warnings)


def test_an_unannotated_allele_never_takes_another_allele_s_annotation(tmp_path: Path) -> None:
    csq = "CSQ=A|missense_variant|ERBB2|ENST00000269571|19/27|c.2264T>A|p.Leu755Gln|YES"
    path = _vcf(tmp_path, [f"17\t37880220\t.\tT\tA,G\t.\tPASS\t{csq}\tGT\t0/2"])
    p = profile_file(path)
    [m] = p.erbb2.mutations
    assert m.hgvsp is None
    assert any("T>G" in w and "no annotation" in w for w in p.warnings)


# ----------------------------------------------------------------------------- finding 4
def test_a_maf_on_another_erbb2_transcript_is_not_renumbered() -> None:
    p = profile_file(DATA / "maf_other_transcript.maf")
    assert [m.hgvsp for m in p.erbb2.mutations] == [None, None]
    assert sum("ENST00000540147" in w for w in p.warnings) == 2
    added, _ = _case_mutations(p)
    assert added == []


def test_a_maf_canonical_effect_in_all_effects_is_used(tmp_path: Path) -> None:
    columns = [
        "Hugo_Symbol",
        "Tumor_Sample_Barcode",
        "Variant_Classification",
        "HGVSp_Short",
        "Transcript_ID",
    ]
    header = "\t".join([*columns, "Exon_Number", "all_effects"])
    effects = (
        "ERBB2,inframe_insertion,p.Tyr742_Ala745dup,ENST00000540147,;"
        "ERBB2,inframe_insertion,p.Tyr772_Ala775dup,ENST00000269571,NM_004448.3,NM_001005862.2;"
    )
    path = _maf(
        tmp_path, [f"ERBB2\tS\tIn_Frame_Ins\tp.Y742_A745dup\tENST00000540147\t19/26\t{effects}"], header
    )
    [m] = profile_file(path).erbb2.mutations
    assert (m.hgvsp, m.class_, m.exon) == ("p.Y772_A775dup", "kinase-domain-activating", 20)


def test_a_reference_mismatch_keeps_the_given_text_unclassified(tmp_path: Path) -> None:
    p = profile_file(_maf(tmp_path, ["ERBB2\tS\tIn_Frame_Ins\tp.Y742_A745dup\tGRCh37"]))
    [m] = p.erbb2.mutations
    assert (m.hgvsp, m.class_, m.hotspot) == ("p.Y742_A745dup", "unknown-significance", False)
    added, warnings = _case_mutations(p)
    assert added == []
    assert any("p.Y742_A745dup" in w and "not added" in w for w in warnings)


def test_a_vcf_annotation_on_another_erbb2_transcript_only(tmp_path: Path) -> None:
    csq = "CSQ=C|missense_variant|ERBB2|ENST00000540147|18/26|c.2174T>C|p.Leu725Ser|"
    p = profile_file(_vcf(tmp_path, [f"17\t37880220\t.\tT\tC\t.\tPASS\t{csq}\tGT\t0/1"]))
    [m] = p.erbb2.mutations
    assert m.hgvsp is None
    assert any("ENST00000540147" in w for w in p.warnings)


# ----------------------------------------------------------------------------- findings 5, 6, 11
def test_catalogue_classes_name_domain_and_activation() -> None:
    cat = catalogue()
    by = {v.hgvsp: v for v in cat.variants}
    assert by["p.S310F"].class_ == "extracellular-domain-activating"
    assert by["p.S310Y"].class_ == "extracellular-domain-activating"
    assert by["p.G309A"].class_ == "extracellular-domain-activating"
    assert by["p.R896C"].class_ == "kinase-domain-activating"
    assert not [v.hgvsp for v in cat.variants if v.class_ == "activating-other"]
    tkd = " ".join(cat.classes["kinase-domain-activating"].description.split())
    assert "trastuzumab deruxtecan" in tkd
    assert "any domain" in tkd
    assert "which require an activating tyrosine-kinase-domain mutation" not in tkd


def test_docs_do_not_say_every_nsclc_label_needs_a_tkd_mutation() -> None:
    text = " ".join((ROOT / "docs" / "genomics.md").read_text().split())
    assert "the NSCLC labels require an activating tyrosine-kinase-domain mutation" not in text
    assert "any domain" in text


def test_catalogue_exons_match_the_nm_004448_exon_of_the_hotspot_coordinate() -> None:
    exons = safe_load((DATA / "erbb2_exons_nm_004448_grch37.yaml").read_text())["exons"]
    rows = [r for r in hotspot_rows()["GRCh37"] if r.gene == "ERBB2"]
    checked = 0
    for entry in catalogue().variants:
        if entry.exon is None:
            continue
        first = int("".join(c for c in entry.hgvsp.split("_")[0] if c.isdigit()))
        positions = [
            r.pos for r in rows if int("".join(c for c in r.protein.split("_")[0] if c.isdigit())) == first
        ]
        for pos in positions:
            found = [int(n) for n, (lo, hi) in exons.items() if lo < pos < hi]
            assert found == [entry.exon], (entry.hgvsp, pos, found)
            checked += 1
    assert checked >= 5


def test_l755s_is_exon_19() -> None:
    assert {v.hgvsp: v.exon for v in catalogue().variants}["p.L755S"] == 19
    [m] = profile_file(DATA / "unannotated_L755S_grch37.vcf").erbb2.mutations
    assert m.exon == 19
    [m] = profile_file(DATA / "grch38_L755S.vcf").erbb2.mutations
    assert m.exon == 19


# ----------------------------------------------------------------------------- finding 7
def test_a_log2_ratio_without_purity_is_not_called_not_amplified() -> None:
    p = profile_file(DATA / "seg_log2_grch37.seg", sample="T1")
    assert p.erbb2.amplified is None
    assert p.erbb2.copy_number == 3.81
    assert "purity not given" in p.erbb2.evidence
    assert any("purity not given" in w and "--purity" in w for w in p.warnings)
    pure = profile_file(
        DATA / "seg_log2_grch37.seg", sample="T1", amplification=AmplificationThresholds(purity=0.3)
    )
    assert (pure.erbb2.amplified, pure.erbb2.copy_number) == (True, 8.04)
    assert "purity 0.3" in pure.erbb2.evidence


def test_a_high_log2_ratio_without_purity_stays_amplified_with_a_caveat() -> None:
    p = profile_file(DATA / "seg_log2_grch37.seg", sample="T2")
    assert p.erbb2.amplified is True
    assert "purity not given" in p.erbb2.evidence


def test_a_log2_ratio_at_or_below_zero_is_not_amplified_at_any_purity(tmp_path: Path) -> None:
    path = tmp_path / "s.seg"
    path.write_text(
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\t17\t37800000\t37900000\t50\t-0.2\n"
    )
    p = profile_file(path, genome="GRCh37")
    assert p.erbb2.amplified is False
    assert "purity not given" in p.erbb2.evidence


# ----------------------------------------------------------------------------- finding 8
def test_gistic_1_is_undetermined() -> None:
    s1 = profile_file(DATA / "gistic_gene_cna.txt", sample="S1")
    assert s1.erbb2.amplified is None
    assert any("GISTIC 1" in w for w in s1.warnings)
    assert profile_file(DATA / "gistic_gene_cna.txt", sample="S2").erbb2.amplified is True


# ----------------------------------------------------------------------------- finding 9
def test_a_neighbouring_gene_variant_is_not_an_erbb2_mutation() -> None:
    p = profile_file(DATA / "grb7_neighbour.vcf")
    assert p.erbb2.mutations == []
    assert not any("annotate with VEP" in w for w in p.warnings)


def test_unannotated_records_count_as_erbb2_only_inside_the_gene(tmp_path: Path) -> None:
    records = [
        "17\t37900000\t.\tC\tT\t.\tPASS\t.\tGT\t0/1",  # past the end of ERBB2 (GRB7 side)
        "17\t37870000\t.\tC\tT\t.\tPASS\t.\tGT\t0/1",  # inside ERBB2, not a hotspot allele
    ]
    p = profile_file(_vcf(tmp_path, records, name="u.grch37.vcf"))
    assert [m.source.split()[-2] for m in p.erbb2.mutations] == ["17:37870000"]
    assert sum("annotate with VEP" in w for w in p.warnings) == 1


# ----------------------------------------------------------------------------- finding 10
def test_no_build_no_protein_change_from_coordinates() -> None:
    p = profile_file(DATA / "nobuild_two_hotspots.vcf")
    assert p.genome is None
    assert [m.hgvsp for m in p.erbb2.mutations] == [None, None]
    assert any("39723967" in w and "GRCh38" in w for w in p.warnings)
    assert any("37880220" in w and "GRCh37" in w for w in p.warnings)
    known = profile_file(DATA / "nobuild_two_hotspots.vcf", genome="GRCh37")
    assert [m.hgvsp for m in known.erbb2.mutations] == ["p.L755S"]


def test_end_to_end_assess_from_a_genomics_file(kb) -> None:  # type: ignore[no-untyped-def]
    case, _ = merge_with_warnings(_nsclc(), profile_file(DATA / "unannotated_L755S_grch37.vcf"))
    assert _mutation_fits(case, kb)
    case, _ = merge_with_warnings(_nsclc(), profile_file(DATA / "truncating.vcf"))
    assert _mutation_fits(case, kb) == []


def test_a_maf_build_other_than_the_given_genome_is_refused(tmp_path: Path) -> None:
    from her2kit.errors import InvalidInput

    path = _maf(tmp_path, ["ERBB2\tT1\tMissense_Mutation\tp.L755S\tGRCh38"])
    with pytest.raises(InvalidInput) as caught:
        profile_file(path, genome="GRCh37")
    assert caught.value.field == "--genome"
    assert "GRCh38" in caught.value.allowed
    assert profile_file(path, genome="GRCh38").erbb2.mutations


def test_a_maf_stating_two_builds_is_refused(tmp_path: Path) -> None:
    from her2kit.errors import InvalidInput

    rows = ["ERBB2\tT1\tMissense_Mutation\tp.L755S\tGRCh37", "ERBB2\tT1\tMissense_Mutation\tp.V777L\tGRCh38"]
    with pytest.raises(InvalidInput, match="one genome build per file"):
        profile_file(_maf(tmp_path, rows))
