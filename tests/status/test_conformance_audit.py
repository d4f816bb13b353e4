"""Findings of an independent conformance audit of the status modules against the guideline text (2026-11-27).

Sources quoted: ASCO/CAP 2018 focused update (Wolff et al., J Clin Oncol 2018;36:2105-2122), Figures 1-3 and
5-6; the 2026 HER2-low/ultralow consensus (Rakha et al., Mod Pathol 2026;39:100925).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from her2kit.case import Her2Test, parse_case
from her2kit.errors import InvalidInput
from her2kit.status import interpret_her2

TESTS = TypeAdapter(list[Her2Test])


def status(tests: list[dict[str, Any]], tumor: str = "breast"):  # type: ignore[no-untyped-def]
    return interpret_her2(TESTS.validate_python(tests), tumor)


def codes(result: Any) -> list[str]:
    return [a.code for a in result.actions]


IHC_3 = {"method": "ihc", "score": "3+", "percent_cells": 30}
IHC_2 = {"method": "ihc", "score": "2+", "percent_cells": 30}
IHC_1 = {"method": "ihc", "score": "1+", "percent_cells": 30}
IHC_0 = {"method": "ihc", "score": "0", "percent_cells": 0}


# 1. Repeat IHC on one specimen, nothing telling which is final: the list order must not decide.
@pytest.mark.parametrize(
    "pair",
    [[IHC_3, IHC_1], [IHC_1, IHC_3], [IHC_2, IHC_1], [IHC_1, IHC_2]],
    ids=["3+,1+", "1+,3+", "2+,1+", "1+,2+"],
)
@pytest.mark.parametrize("dated", [False, True], ids=["undated", "same-date"])
def test_repeat_ihc_that_disagree_with_nothing_to_choose_is_indeterminate(
    pair: list[dict[str, Any]], dated: bool
) -> None:
    tests = [{**t, "date": "2024-01-01"} if dated else t for t in pair]
    result = status(tests)
    assert (result.result, result.category) == ("indeterminate", "unknown")
    assert "status.repeat-ihc-differs" in [r.rule for r in result.rationale]
    ask = next(a for a in result.actions if a.code == "ihc")
    assert "which IHC result is final" in ask.text
    if "2+" in {t["score"] for t in pair}:  # what the 2+ would need is still said, conditionally
        reflex = next(a for a in result.actions if a.code == "reflex-ish")
        assert reflex.text.startswith("If test ")


def test_repeat_ihc_that_give_the_same_result_keep_it() -> None:
    """1+ at 30% and 1+ at 60%: one score, one result; nothing to ask."""
    result = status([IHC_1, {**IHC_1, "percent_cells": 60}])
    assert (result.result, result.category) == ("negative", "HER2-low")


def test_repeat_ihc_decided_by_a_later_date_is_unchanged() -> None:
    result = status([{**IHC_3, "date": "2024-01-01"}, {**IHC_1, "date": "2024-02-01"}])
    assert (result.result, result.category) == ("negative", "HER2-low")


def test_repeat_ihc_whose_scores_differ_but_agree_with_the_ish_keep_the_result() -> None:
    """IHC 2+ and 1+ beside ISH group 5: negative and HER2-low whichever IHC is final."""
    ish = {"method": "ish", "ratio": 1.2, "her2_copies": 2.4, "cep17_copies": 2.0}
    result = status([IHC_2, IHC_1, ish])
    assert (result.result, result.category) == ("negative", "HER2-low")


# 3. "null" as a score: HER2-null (no staining) or a missing value? Refused, naming what to give.
@pytest.mark.parametrize("value", ["null", "NULL", " Null "])
def test_a_bare_null_score_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_case(
            {
                "schema_version": "1",
                "id": "x",
                "tumor": {"type": "breast"},
                "her2_tests": [{"method": "ihc", "score": value}],
            }
        )
    message = str(caught.value)
    assert caught.value.field == "her2_tests.0.score"
    assert 'for HER2-null give score "0" with percent_cells 0' in message


# 4. Single-probe ISH: concomitant IHC review for every single-probe result (Figure 2, footnote a).
def test_single_probe_positive_without_ihc_asks_for_ihc_review() -> None:
    result = status([{"method": "ish", "probe": "single", "her2_copies": 6.0}])
    assert result.result == "positive"
    review = next(a for a in result.actions if a.code == "ihc")
    assert "concomitant IHC review" in review.reason


# 6. A stated ISH result that its own counts contradict is a discordance, not silently overruled.
@pytest.mark.parametrize(
    ("test", "stated", "group"),
    [
        (
            {"method": "ish", "result": "amplified", "ratio": 1.2, "her2_copies": 2.4, "cep17_copies": 2.0},
            "amplified",
            5,
        ),
        (
            {
                "method": "ish",
                "result": "not-amplified",
                "ratio": 2.5,
                "her2_copies": 5.0,
                "cep17_copies": 2.0,
            },
            "not-amplified",
            1,
        ),
    ],
)
def test_a_stated_ish_result_contradicting_its_counts_is_flagged(
    test: dict[str, Any], stated: str, group: int
) -> None:
    result = status([IHC_2, test])
    assert result.ish_group == group  # the counts decide the group, as before
    found = next(d for d in result.discordances if d.code == "ish-result-contradicts-counts")
    assert f"stated {stated}" in found.text
    assert "adjudicate-discordance" in codes(result)


def test_a_stated_ish_result_agreeing_with_its_counts_is_not_flagged() -> None:
    test = {"method": "ish", "result": "amplified", "ratio": 2.5, "her2_copies": 5.0, "cep17_copies": 2.0}
    assert status([IHC_2, test]).discordances == []


# 8. A dual-probe ISH after a single-probe 4.0-<6.0 result with IHC 2+ is Figure 2's own work-up.
def test_dual_probe_after_a_single_probe_band_is_not_a_discordance() -> None:
    result = status(
        [
            IHC_2,
            {"method": "ish", "probe": "single", "her2_copies": 5.0},
            {"method": "ish", "ratio": 1.2, "her2_copies": 2.4, "cep17_copies": 2.0},
        ]
    )
    assert (result.result, result.ish_group) == ("negative", 5)
    assert result.discordances == []
    assert "adjudicate-discordance" not in codes(result)


# 10. A pathologist's 1+ read as IHC 0 with staining (≤10% of cells) is a re-score to confirm.
def test_a_1_plus_in_few_cells_read_as_ultralow_asks_to_confirm() -> None:
    result = status([{"method": "ihc", "score": "1+", "percent_cells": 10}])
    assert (result.result, result.category) == ("negative", "HER2-ultralow")
    confirm = next(a for a in result.actions if a.code == "rescore-ihc")
    assert "1+" in confirm.text
    assert "10%" in confirm.reason


# 5. Groups 2-4 with IHC 2+: the final category exists only after the blinded recount (Figures 4-6).
GROUP3 = {"method": "ish", "ratio": 1.5, "her2_copies": 6.3, "cep17_copies": 4.2}


def test_a_result_awaiting_the_blinded_recount_is_marked_provisional() -> None:
    pending = status([IHC_2, GROUP3])
    assert (pending.result, pending.ish_group, pending.provisional) == ("positive", 3, True)
    assert "recount-ish" in codes(pending)
    done = status([IHC_2, {**GROUP3, "recounted": True}])
    assert (done.result, done.provisional) == ("positive", False)
    assert status([IHC_3]).provisional is False


def test_options_on_a_provisional_status_carry_a_caution() -> None:
    from her2kit.case import parse_case
    from her2kit.match import assess

    case = parse_case(
        {
            "schema_version": "1",
            "id": "g3",
            "tumor": {"type": "breast", "setting": "metastatic"},
            "her2_tests": [IHC_2, GROUP3],
            "biomarkers": {"er": "negative", "pr": "negative"},
        }
    )
    assessment = assess(case)
    assert assessment.her2.provisional
    assert assessment.options
    for option in assessment.options:
        caution = next(c for c in option.cautions if c.code == "her2-status-provisional")
        assert "blinded ISH recount" in caution.text


# 9. Gastroesophageal IHC 0/1+ with an amplified ISH: outside the guideline's algorithm, and said so.
def test_gastric_ihc_1_with_amplified_ish_says_it_is_outside_the_algorithm() -> None:
    result = status(
        [
            {"method": "ihc", "score": "1+", "specimen": "biopsy"},
            {"method": "ish", "ratio": 2.5, "specimen": "biopsy"},
        ],
        "gastric",
    )
    assert result.result == "positive"
    assert "ihc-negative-ish-amplified" in [d.code for d in result.discordances]
    assert any("outside the guideline's algorithm" in n for n in result.notes)


# Unlabelled tests on different dates that give different results may be different specimens (2026-11-27, s9).
def test_unlabelled_tests_on_different_dates_that_differ_ask_for_the_specimens() -> None:
    from her2kit.case import parse_case
    from her2kit.status import interpret_her2

    case = parse_case(
        {
            "id": "unlabelled",
            "tumor": {"type": "breast", "setting": "metastatic"},
            "her2_tests": [
                {"method": "ihc", "score": "3+", "percent_cells": 80, "date": "2020-01-01"},
                {"method": "ihc", "score": "0", "date": "2024-01-01"},
            ],
        }
    )
    status = interpret_her2(case.her2_tests, "breast")
    assert status.result == "negative"  # the latest dated is used, as for repeats on one specimen
    assert "unlabelled-tests-differ" in [d.code for d in status.discordances]
    assert any("Give each test its specimen" in a.text for a in status.actions)


def test_labelled_or_agreeing_tests_get_no_unlabelled_question() -> None:
    from her2kit.case import parse_case
    from her2kit.status import interpret_her2

    for tests in (
        [
            {"method": "ihc", "score": "2+", "date": "2020-01-01"},
            {"method": "ihc", "score": "2+", "date": "2024-01-01"},
        ],
        [
            {"method": "ihc", "score": "3+", "percent_cells": 80, "date": "2020-01-01", "specimen_id": "A"},
            {"method": "ihc", "score": "0", "date": "2024-01-01", "specimen_id": "B"},
        ],
    ):
        case = parse_case(
            {"id": "x", "tumor": {"type": "breast", "setting": "metastatic"}, "her2_tests": tests}
        )
        status = interpret_her2(case.her2_tests, "breast")
        assert "unlabelled-tests-differ" not in [d.code for d in status.discordances]
