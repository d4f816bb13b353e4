"""Gastroesophageal, other-solid-tumour and NGS behaviour that the vectors cannot express: input errors,
notes, rationale wording and genomic-finding text."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from her2kit.assessment import Her2Status
from her2kit.case import Her2Test, NgsTest
from her2kit.errors import InvalidInput
from her2kit.status import interpret_her2, ngs

TESTS = TypeAdapter(list[Her2Test])


def status(tumor: str, *tests: dict[str, Any]) -> Her2Status:
    return interpret_her2(TESTS.validate_python(list(tests)), tumor)


def text(s: Her2Status) -> str:
    """Everything a reader sees, in one string."""
    parts = [s.summary, *s.notes, *(r.conclusion for r in s.rationale), *(a.text for a in s.actions)]
    return "\n".join(parts)


# --------------------------------------------------------------------------- finding 3: contradictory input
@pytest.mark.parametrize("specimen", ["biopsy", "resection", None])
@pytest.mark.parametrize("score", ["1+", "2+", "3+"])
def test_gea_score_above_0_with_no_stained_cells_is_rejected(specimen: str | None, score: str) -> None:
    ihc: dict[str, Any] = {"method": "ihc", "score": score, "percent_cells": 0}
    if specimen:
        ihc["specimen"] = specimen
    with pytest.raises(InvalidInput) as err:
        status("gastric", {"method": "ish", "ratio": 1.2}, ihc)
    assert err.value.field == "her2_tests[1].percent_cells"
    assert err.value.value == 0
    assert f"IHC {score}" in err.value.allowed
    assert "percent_cells" in str(err.value)
    assert "allowed" in str(err.value)


def test_gea_ihc_0_with_no_stained_cells_is_accepted() -> None:
    assert status(
        "gastric", {"method": "ihc", "score": "0", "percent_cells": 0, "specimen": "biopsy"}
    ).result == ("negative")


# --------------------------------------------------------------------------- findings 1 and 2: specimen type
def test_gea_unknown_specimen_names_both_readings_and_asks_for_the_type() -> None:
    s = status("gastric", {"method": "ihc", "score": "3+", "percent_cells": 5})
    assert s.result == "indeterminate"
    assert "biopsy" in s.summary
    assert "resection" in s.summary
    assert any("biopsy or a resection" in a.text for a in s.actions)


def test_gea_unknown_specimen_at_10pct_or_more_says_both_criteria_agree() -> None:
    s = status("gastric", {"method": "ihc", "score": "3+", "percent_cells": 40})
    assert s.result == "positive"
    assert not any("was not given; the scoring criteria differ" in n for n in s.notes)
    assert any("same under the biopsy and the resection criteria" in n for n in s.notes)


def test_gea_resection_without_extent_has_no_false_specimen_note() -> None:
    s = status("gastric", {"method": "ihc", "score": "2+", "specimen": "resection"})
    assert s.result == "equivocal"
    assert not any("specimen type" in n for n in s.notes), s.notes
    assert any("percentage of tumour cells" in n for n in s.notes), s.notes
    assert "report-staining-extent" in [a.code for a in s.actions]


def test_gea_resection_1plus_without_extent_needs_no_extent() -> None:
    s = status("gastric", {"method": "ihc", "score": "1+", "specimen": "resection"})
    assert s.result == "negative"
    assert [a.code for a in s.actions] == []


# --------------------------------------------------------------------------- finding 4: ISH set aside
@pytest.mark.parametrize(
    ("score", "ish"),
    [
        ("1+", {"method": "ish", "her2_copies": 5.0}),
        ("0", {"method": "ish", "probe": "single", "her2_copies": 3.0}),
        ("3+", {"method": "ish", "probe": "single", "her2_copies": 3.0}),
        ("3+", {"method": "ish", "result": "equivocal"}),
    ],
)
def test_gea_unreadable_ish_beside_decisive_ihc_is_set_aside(score: str, ish: dict[str, Any]) -> None:
    s = status("gej", {"method": "ihc", "score": score}, ish)
    assert s.result == ("positive" if score == "3+" else "negative")
    assert s.actions == []
    set_aside = [r for r in s.rationale if r.rule == "gea.ish.set-aside"]
    assert set_aside
    assert "set aside" in set_aside[0].conclusion
    assert "only IHC 2+" in set_aside[0].conclusion


def test_gea_ihc3_drops_ish_actions_of_a_stated_result() -> None:
    s = status("gastric", {"method": "ihc", "score": "3+"}, {"method": "ish", "result": "amplified"})
    assert s.result == "positive"
    assert s.actions == []


# --------------------------------------------------------------------------- finding 5: ISH alone
def test_gea_ish_alone_not_amplified_says_so_and_asks_for_ihc() -> None:
    s = status("gastric", {"method": "ish", "ratio": 1.5})
    assert s.result == "indeterminate"
    assert "not amplified" in s.summary
    assert any("not amplified" in r.conclusion for r in s.rationale)
    assert any("IHC 3+" in a.text for a in s.actions if a.code == "ihc")


def test_gea_ish_alone_amplified_stays_positive() -> None:
    s = status("gastric", {"method": "ish", "ratio": 2.5})
    assert s.result == "positive"


# --------------------------------------------------------------------------- findings 9 and 10: other tumours
def test_solid_ish_alone_amplified_is_not_called_her2_positive() -> None:
    s = status("colorectal", {"method": "ish", "ratio": 2.5})
    assert s.result == "indeterminate"
    assert s.category == "unknown"
    assert "amplified" in s.summary
    assert "IHC 3+" in s.summary
    assert "HER2-positive" not in s.summary.replace("HER2-positive (IHC 3+)", "")
    no_ihc = [r for r in s.rationale if r.rule == "solid.ish.no-ihc"]
    assert no_ihc
    assert no_ihc[0].references == ["ref:label-enhertu"]


def test_solid_single_probe_asks_for_dual_probe_not_a_ratio() -> None:
    s = status("colorectal", {"method": "ish", "probe": "single", "her2_copies": 8.0})
    codes = [a.code for a in s.actions]
    assert "dual-probe-ish" in codes
    assert "ish" not in codes
    assert not any("Obtain the HER2/CEP17 ratio" in a.text for a in s.actions)


# --------------------------------------------------------------------------- finding 11: ERBB2 mutations
def _mutation_note(tumor_type: str | None) -> str:
    test = NgsTest(method="ngs", erbb2_mutations=["p.R143Q"])
    (finding,) = ngs.findings(test, 0, tumor_type)
    return finding.note


def test_ngs_mutation_in_lung_needs_an_activating_variant() -> None:
    note = _mutation_note("nsclc")
    assert "activating" in note
    assert "classification" in note
    assert "relevant to HER2-mutant NSCLC indications;" not in note


@pytest.mark.parametrize("tumor_type", ["gastric", "colorectal", "breast"])
def test_ngs_mutation_outside_lung_is_not_tied_to_the_lung_indications(tumor_type: str) -> None:
    note = _mutation_note(tumor_type)
    assert "relevant to" not in note
    assert "non-small cell lung cancer" in note
    assert "not" in note


def test_ngs_mutation_without_tumour_type_does_not_imply_any_variant_qualifies() -> None:
    note = _mutation_note(None)
    assert "relevant to" not in note
    assert "activating" in note


def test_ngs_mutation_note_in_a_gastric_case() -> None:
    s = status(
        "gastric",
        {"method": "ihc", "score": "1+", "specimen": "biopsy"},
        {"method": "ngs", "erbb2_mutations": ["p.R143Q"]},
    )
    (finding,) = s.genomic_findings
    assert "relevant to HER2-mutant NSCLC indications" not in finding.note
