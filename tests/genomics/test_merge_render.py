from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from her2kit.case import NgsTest, parse_case
from her2kit.genomics import profile_file
from her2kit.genomics.cli import render_profile
from her2kit.genomics.merge import merge_into_case, merge_with_warnings
from her2kit.kb.load import KnowledgeBase

CSQ_KRAS = "CSQ=T|missense_variant|KRAS|ENST00000256078|2/6|c.35G>A|ENSP00000256078.4:p.Gly12Asp|YES"


def _crc(**biomarkers: str) -> dict[str, object]:
    return {"id": "c1", "tumor": {"type": "colorectal"}, "biomarkers": biomarkers}


def test_merge_appends_ngs_test_and_sets_ras(write_vcf: Callable[..., Path]) -> None:
    path = write_vcf(
        "crc.grch37.vcf",
        [
            f"12\t25398284\t.\tC\tT\t.\tPASS\t{CSQ_KRAS}\tGT\t0/1",
            "17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT\t0/1",
        ],
        ["T"],
    )
    profile = profile_file(path)
    case = merge_into_case(parse_case(_crc()), profile)
    ngs = case.her2_tests[-1]
    assert isinstance(ngs, NgsTest)
    assert ngs.erbb2_mutations == ["p.L755S"]
    assert case.biomarkers.ras == "mutant"


def test_merge_leaves_ras_unknown_without_sequenced_genes(write_vcf: Callable[..., Path]) -> None:
    path = write_vcf("crc2.grch37.vcf", ["17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT\t0/1"], ["T"])
    case, warnings = merge_with_warnings(parse_case(_crc()), profile_file(path))
    assert case.biomarkers.ras is None
    assert any("RAS status not established" in w for w in warnings)
    wt = profile_file(path, sequenced_genes=["KRAS", "NRAS"])
    assert merge_into_case(parse_case(_crc()), wt).biomarkers.ras == "wild-type"


def test_merge_never_overwrites(write_vcf: Callable[..., Path]) -> None:
    path = write_vcf("crc3.grch37.vcf", [f"12\t25398284\t.\tC\tT\t.\tPASS\t{CSQ_KRAS}\tGT\t0/1"], ["T"])
    case, warnings = merge_with_warnings(parse_case(_crc(ras="wild-type")), profile_file(path))
    assert case.biomarkers.ras == "wild-type"
    assert any("kept the case value" in w for w in warnings)


def test_merge_copy_number(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tS1\nERBB2\t2\n")
    case = merge_into_case(parse_case({"id": "b", "tumor": {"type": "breast"}}), profile_file(path))
    ngs = case.her2_tests[-1]
    assert isinstance(ngs, NgsTest)
    assert ngs.erbb2_amplified is True


def test_render_json_and_table(tmp_path: Path) -> None:
    path = tmp_path / "data_CNA.txt"
    path.write_text("Hugo_Symbol\tS1\nERBB2\t2\n")
    profile = profile_file(path)
    data = json.loads(render_profile(profile, "json"))
    assert set(data) >= {"erbb2", "co_alterations", "warnings", "sample", "genome", "file_format"}
    assert set(data["erbb2"]) >= {"amplified", "copy_number", "evidence", "mutations"}
    table = render_profile(profile, "table")
    assert "ERBB2       amplified" in table


# ----------------------------------------------------------------- classified mutations in therapy matching
ZONGERTINIB = "ind:zongertinib-nsclc-her2-mutant"
TDXD_NSCLC = "ind:trastuzumab-deruxtecan-nsclc-her2-mutant"


def _nsclc(mutation: str, cls: str | None) -> dict[str, object]:
    ngs: dict[str, object] = {"method": "ngs", "erbb2_mutations": [mutation]}
    if cls is not None:
        ngs["erbb2_mutation_classes"] = {mutation: cls}
    return {
        "schema_version": "1",
        "id": "t",
        "tumor": {"type": "nsclc", "setting": "metastatic", "histology": "adenocarcinoma"},
        "her2_tests": [ngs],
        "history": {
            "therapies": [{"agents": ["carboplatin", "pemetrexed"], "setting": "metastatic", "line": 1}]
        },
    }


@pytest.mark.parametrize(
    ("mutation", "cls", "zongertinib", "tdxd"),
    [
        ("p.Y772_A775dup", "kinase-domain-activating", "met", "met"),
        ("p.S310F", "extracellular-domain-activating", "unmet", "met"),  # the TKD label vs any-domain label
        ("p.G660D", "transmembrane-juxtamembrane", "unmet", "missing"),
        ("p.E717K", "unknown-significance", "missing", "missing"),
        ("p.S310F", None, "met", "met"),  # unclassified (entered by hand): met, with the confirm caution
    ],
)
def test_classified_mutations_meet_each_labels_wording(
    kb: KnowledgeBase, mutation: str, cls: str | None, zongertinib: str, tdxd: str
) -> None:
    from her2kit.case import parse_case
    from her2kit.match import assess

    result = assess(parse_case(_nsclc(mutation, cls)), kb)
    options = {o.id: o for o in result.options}
    refused = {n.indication for n in result.not_recommended}

    def answer(iid: str) -> str:
        if iid in refused:
            return "unmet"
        return "missing" if any("ERBB2 mutation" in m for m in options[iid].missing) else "met"

    assert answer(ZONGERTINIB) == zongertinib
    assert answer(TDXD_NSCLC) == tdxd


def test_classes_must_name_listed_mutations() -> None:
    from her2kit.case import NgsTest
    from her2kit.errors import InvalidInput

    with pytest.raises((InvalidInput, ValueError)):
        NgsTest.model_validate(
            {
                "method": "ngs",
                "erbb2_mutations": ["p.S310F"],
                "erbb2_mutation_classes": {"p.L755S": "kinase-domain-activating"},
            }
        )


def _nsclc_case() -> dict[str, object]:
    doc = _nsclc("p.S310F", None)
    doc["her2_tests"] = []
    return doc


@pytest.mark.parametrize(
    "file",
    [
        "maf_other_transcript.maf",  # YVMA numbered on another isoform: not renumbered, so not placed
        "nobuild_two_hotspots.vcf",  # no genome build: no protein change from coordinates alone
    ],
)
def test_a_variant_that_cannot_be_placed_is_asked_about_not_refused(kb: KnowledgeBase, file: str) -> None:
    from her2kit.case import parse_case
    from her2kit.match import assess

    case, _ = merge_with_warnings(
        parse_case(_nsclc_case()), profile_file(Path(__file__).parent / "data" / file)
    )
    result = assess(case, kb)
    options = {o.id: o for o in result.options}
    assert ZONGERTINIB in options
    assert any("could place" in m for m in options[ZONGERTINIB].missing)
    assert ZONGERTINIB not in {n.indication for n in result.not_recommended}


def test_a_copy_number_file_is_not_a_negative_mutation_test(kb: KnowledgeBase) -> None:
    from her2kit.case import parse_case
    from her2kit.match import assess

    profile = profile_file(Path(__file__).parent / "data" / "gistic_gene_cna.txt", sample="S1")
    case, _ = merge_with_warnings(parse_case(_nsclc_case()), profile)
    result = assess(case, kb)
    options = {o.id: o for o in result.options}
    assert any("copy number only" in m for m in options[TDXD_NSCLC].missing)
    assert TDXD_NSCLC not in {n.indication for n in result.not_recommended}
