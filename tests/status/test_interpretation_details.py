"""What an interpretation says beside its result: wording that must match the guideline, contradictory input,
specimens, histology. Each case here came from a clinical review of the status modules (2026-11-27)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from her2kit.case import Her2Test, Tumor
from her2kit.errors import InvalidInput
from her2kit.status import interpret_her2

TESTS = TypeAdapter(list[Her2Test])


def status(tests: list[dict[str, Any]], tumor: Tumor | str = "breast"):  # type: ignore[no-untyped-def]
    return interpret_her2(TESTS.validate_python(tests), tumor)


@pytest.mark.parametrize("score", ["1+", "2+", "3+"])
def test_a_stained_score_with_no_stained_cells_is_refused(score: str) -> None:
    """0% of cells stained is no membrane staining (IHC 0, null): "1+ in 0%" must not become ultralow."""
    with pytest.raises(InvalidInput) as caught:
        status([{"method": "ihc", "score": score, "percent_cells": 0}])
    assert caught.value.field == "her2_tests[0].percent_cells"
    assert f">0 for IHC {score}" in str(caught.value)


def test_group3_comment_follows_figure_5() -> None:
    """Figure 5: HER2-negative when concurrent IHC is 0-1+ (not 'whenever IHC is not 3+': 2+ is positive)."""
    result = status([{"method": "ihc", "score": "1+"}, {"method": "ish", "ratio": 1.5, "her2_copies": 6.5}])
    assert result.result == "negative"
    comment = next(n for n in result.notes if "insufficient data" in n)
    assert "when concurrent IHC is negative (0 or 1+)" in comment
    assert "(IHC 3+)" not in comment


@pytest.mark.parametrize(
    ("recounted", "wording"), [(False, "provisional"), (True, "after the blinded recount")]
)
def test_groups_2_to_4_with_ihc2_say_whether_the_recount_was_done(recounted: bool, wording: str) -> None:
    result = status(
        [
            {"method": "ihc", "score": "2+"},
            {"method": "ish", "ratio": 1.5, "her2_copies": 6.5, "recounted": recounted},
        ]
    )
    assert result.result == "positive"
    assert wording in result.summary
    assert ("recount-ish" in [a.code for a in result.actions]) is not recounted
    if not recounted:
        assert "after recount" not in result.summary


def test_limited_extent_3plus_with_negative_ish_is_not_called_positive() -> None:
    result = status(
        [
            {"method": "ihc", "score": "3+", "percent_cells": 5},
            {"method": "ish", "ratio": 1.2, "her2_copies": 2.5},
        ]
    )
    assert result.result == "negative"
    assert not [d for d in result.discordances if "remains HER2-positive" in d.text]
    assert any("additional samples may show" in n for n in result.notes)


@pytest.mark.parametrize(("score", "pct"), [("2+", 1), ("2+", 10), ("3+", 5)])
def test_a_limited_extent_2plus_rule_does_not_claim_more_than_10_percent(score: str, pct: float) -> None:
    result = status([{"method": "ihc", "score": score, "percent_cells": pct}])
    fired = [r for r in result.rationale if r.rule == "breast.ihc.2+"]
    assert fired
    assert ">10%" not in fired[0].conclusion
    assert "≤10%" in fired[0].conclusion


def test_a_computed_ratio_that_rounds_to_2_says_so() -> None:
    result = status(
        [{"method": "ihc", "score": "2+"}, {"method": "ish", "her2_copies": 5.99, "cep17_copies": 3.0}]
    )
    assert result.ish_group == 4
    assert any("1.9967, is below 2.0 although it shows as 2.00" in n for n in result.notes)


def test_single_probe_without_counts_asks_for_signals_per_cell_not_a_ratio() -> None:
    result = status([{"method": "ihc", "score": "2+"}, {"method": "ish", "probe": "single"}])
    texts = " ".join(a.text for a in result.actions)
    assert "ratio" not in texts
    assert "her2_copies" in texts
    assert any(r.section == "Figure 2 (single-probe ISH)" for r in result.rationale)


def test_single_probe_outside_breast_names_no_discordance() -> None:
    """No copy-number cut-offs for single-probe ISH outside the breast guideline, so nothing to disagree with."""
    result = status(
        [{"method": "ihc", "score": "1+"}, {"method": "ish", "probe": "single", "her2_copies": 7}], "gastric"
    )
    assert not result.discordances


def test_unlabelled_ish_beside_a_labelled_ihc_is_explained() -> None:
    result = status(
        [
            {"method": "ihc", "score": "2+", "specimen": "resection"},
            {"method": "ish", "ratio": 1.5, "her2_copies": 3.0},
        ],
        "gastric",
    )
    assert any(
        "ISH test(s) 1 have no specimen label" in n and "specimen resection" in n for n in result.notes
    )


def test_oesophageal_squamous_cell_carcinoma_is_not_read_under_the_adenocarcinoma_guideline() -> None:
    tumor = Tumor(type="esophageal", histology="squamous cell carcinoma")
    result = status([{"method": "ihc", "score": "3+", "specimen": "biopsy"}], tumor)
    assert "gastroesophageal" not in result.guideline.lower()
    assert any("not adenocarcinoma" in n for n in result.notes)
    adeno = status([{"method": "ihc", "score": "3+"}], Tumor(type="esophageal", histology="adenocarcinoma"))
    assert "gastroesophageal" in adeno.guideline.lower()


def test_nsclc_with_ngs_is_not_asked_for_ngs_again() -> None:
    result = status([{"method": "ngs", "erbb2_mutations": ["p.Y772_A775dup"]}], "nsclc")
    assert result.result == "indeterminate"
    assert not any("NGS" in a.text for a in result.actions)
    untested = status([], "nsclc")
    assert any("ERBB2 mutation testing (NGS)" in a.text for a in untested.actions)


# ----------------------------------------------------------------- re-check of the fixes (2026-11-27)
def test_the_provisional_recount_sentence_is_whole() -> None:
    result = status([{"method": "ihc", "score": "2+"}, {"method": "ish", "ratio": 1.5, "her2_copies": 6.5}])
    assert result.summary.endswith("is adjudicated by the laboratory).")


def test_repeat_ish_with_the_same_date_is_not_decided_by_list_order() -> None:
    one = {"method": "ish", "ratio": 2.5, "her2_copies": 5.0, "date": "2025-03-10"}
    five = {"method": "ish", "ratio": 1.2, "her2_copies": 2.5, "date": "2025-03-10"}
    ihc = {"method": "ihc", "score": "2+"}
    for order in ([ihc, one, five], [ihc, five, one]):
        result = status(order)
        assert result.result == "indeterminate"
        assert not any("is used" in n for n in result.notes)


def test_other_solid_tumours_refuse_a_stained_score_with_no_stained_cells() -> None:
    with pytest.raises(InvalidInput):
        status([{"method": "ihc", "score": "3+", "percent_cells": 0}], "colorectal")


@pytest.mark.parametrize("histology", ["ESCC", "SCC", "mucosal melanoma", "squamous cell carcinoma"])
def test_non_adenocarcinoma_abbreviations_are_recognised(histology: str) -> None:
    result = status(
        [{"method": "ihc", "score": "3+", "specimen": "biopsy"}],
        Tumor(type="esophageal", histology=histology),
    )
    assert "gastroesophageal" not in result.guideline.lower()


def test_gastric_stated_ratio_and_counts_across_2_ask_for_confirmation() -> None:
    result = status(
        [
            {"method": "ihc", "score": "2+", "specimen": "biopsy"},
            {"method": "ish", "ratio": 2.0, "her2_copies": 5.7, "cep17_copies": 3.0, "specimen": "biopsy"},
        ],
        "gastric",
    )
    assert any("Confirm the HER2/CEP17 ratio" in a.text for a in result.actions)


def test_next_steps_name_their_specimen_when_there_are_several() -> None:
    result = status(
        [
            {"method": "ihc", "score": "2+", "specimen": "resection", "percent_cells": 30},
            {"method": "ish", "ratio": 1.5},
        ],
        "gastric",
    )
    texts = [a.text for a in result.actions]
    assert any(t.endswith("— for the resection specimen.") for t in texts)
    assert any(t.endswith("— for the specimen of the unlabelled test(s) 1.") for t in texts)


def test_an_undecided_repeat_ish_keeps_the_other_specimens_notes() -> None:
    biopsy = [
        {"method": "ish", "ratio": 2.5, "her2_copies": 5.0, "specimen": "biopsy", "date": "2025-01-10"},
        {"method": "ish", "ratio": 2.6, "her2_copies": 5.2, "specimen": "biopsy", "date": "2025-02-10"},
    ]
    resection = [
        {"method": "ish", "ratio": 2.5, "her2_copies": 5.0, "specimen": "resection"},
        {"method": "ish", "ratio": 1.2, "her2_copies": 2.5, "specimen": "resection"},
    ]
    result = status([*biopsy, *resection])
    assert any(n.startswith("Repeat ISH on the same specimen: test 1 is used") for n in result.notes)


@pytest.mark.parametrize("her2", [0, -0.0, 1e-400])
def test_a_ratio_above_0_with_no_her2_signals_is_impossible_data(her2: float) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        status([{"method": "ihc", "score": "2+"}, {"method": "ish", "ratio": 2.2, "her2_copies": her2}])
    assert "a mean HER2 count above 0 when a ratio above 0 is given" in str(caught.value)
