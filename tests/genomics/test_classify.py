from __future__ import annotations

import pytest

from her2kit.genomics.classify import catalogue, check_references, classify, gene_regions
from her2kit.genomics.hgvs import erbb2_sequence, parse


def _cls(text: str) -> str:
    return classify(parse(text, erbb2_sequence())).class_


@pytest.mark.parametrize(
    ("hgvs", "expected"),
    [
        ("p.A775_G776insYVMA", "kinase-domain-activating"),
        ("p.G776delinsVC", "kinase-domain-activating"),
        ("p.774_775insM", "kinase-domain-activating"),
        ("p.V777L", "kinase-domain-activating"),
        ("p.L755S", "kinase-domain-activating"),
        ("p.D769Y", "kinase-domain-activating"),
        ("p.V842I", "kinase-domain-activating"),
        ("p.S310F", "extracellular-domain-activating"),
        ("p.Ser310Tyr", "extracellular-domain-activating"),
        ("p.R678Q", "transmembrane-juxtamembrane"),
        ("p.T798I", "resistance"),
        ("p.T798M", "unknown-significance"),
        ("p.P1170A", "unknown-significance"),
    ],
)
def test_classes(hgvs: str, expected: str) -> None:
    assert _cls(hgvs) == expected


def test_hotspot_flag_on_unclassified_hotspot() -> None:
    result = classify(parse("p.V659E", erbb2_sequence()))
    assert result.class_ == "unknown-significance"
    assert result.hotspot


def test_every_class_and_variant_cites_a_known_reference(kb) -> None:  # type: ignore[no-untyped-def]
    assert check_references(set(kb.references)) == []
    cat = catalogue()
    assert all(v.references for v in cat.variants)
    assert set(cat.classes) >= {v.class_ for v in cat.variants}


def test_regions_cover_erbb2_hotspots_both_builds() -> None:
    assert gene_regions("GRCh37")["ERBB2"][0] == "17"
    lo37, hi37 = gene_regions("GRCh37")["ERBB2"][1:]
    lo38, hi38 = gene_regions("GRCh38")["ERBB2"][1:]
    assert lo37 < 37880220 < hi37
    assert lo38 < 39723967 < hi38
