from __future__ import annotations

import polars as pl

from her2kit.cohort.eligibility import compiled_indications, eligible_expr
from her2kit.kb import default_kb


def eligible(**row: str | None) -> list[str]:
    keys = {
        "tumor_type": None,
        "setting": None,
        "her2_category": None,
        "ihc_score": None,
        "hormone_receptor": None,
    }
    keys.update(row)
    frame = pl.DataFrame([keys], schema=dict.fromkeys(keys, pl.String))
    return frame.select(eligible_expr()).item().to_list()


def test_every_indication_is_compiled_or_named_as_excluded() -> None:
    kept, excluded = compiled_indications()
    kb = default_kb()
    assert {i.id for i in kept} | set(excluded) == set(kb.indications)
    assert all(kb.indications[i].criteria.erbb2_mutation for i in excluded)


def test_her2_low_metastatic_breast() -> None:
    ids = eligible(tumor_type="breast", setting="metastatic", her2_category="HER2-low", ihc_score="1+")
    assert "ind:trastuzumab-deruxtecan-breast-her2-low" in ids
    assert "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow" not in ids  # HR unknown: not met
    with_hr = eligible(
        tumor_type="breast",
        setting="metastatic",
        her2_category="HER2-low",
        ihc_score="1+",
        hormone_receptor="positive",
    )
    assert "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow" in with_hr


def test_setting_is_required_and_solid_tumor_means_any() -> None:
    assert eligible(tumor_type="breast", her2_category="HER2-positive", ihc_score="3+") == []
    crc = eligible(
        tumor_type="colorectal", setting="metastatic", her2_category="HER2-positive", ihc_score="3+"
    )
    assert "ind:trastuzumab-deruxtecan-solid-tumor-her2-ihc3" in crc
    assert "ind:tucatinib-colorectal-ras-wild-type" in crc
    crc2 = eligible(
        tumor_type="colorectal", setting="metastatic", her2_category="HER2-positive", ihc_score="2+"
    )
    assert "ind:trastuzumab-deruxtecan-solid-tumor-her2-ihc3" not in crc2


def test_mutation_indications_never_listed() -> None:
    ids = eligible(tumor_type="nsclc", setting="metastatic", her2_category="HER2-negative", ihc_score="0")
    assert not any("mutant" in i for i in ids)
