from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from her2kit.case import NgsTest, parse_case
from her2kit.genomics import profile_file
from her2kit.genomics.cli import render_profile
from her2kit.genomics.merge import merge_into_case, merge_with_warnings

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
