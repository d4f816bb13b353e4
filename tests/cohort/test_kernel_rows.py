"""Bad rows, input types, report text and mapping notes in the kernel."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from her2kit.case import IhcTest, IshTest
from her2kit.cohort import reports
from her2kit.cohort.kernel import screen_frame


def one(**row: Any) -> dict[str, Any]:
    return screen_frame(pl.DataFrame([{"id": "x", **row}])).row(0, named=True)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"tumor_type": "breast", "ihc_score": "4+"}, "ihc_score"),
        ({"tumor_type": "breast", "ish_ratio": -1.0}, "ish_ratio"),
        ({"tumor_type": "breast", "ish_ratio": 101.0}, "ish_ratio"),
        ({"tumor_type": "breast", "her2_copies": 250.0}, "her2_copies"),
        ({"tumor_type": "breast", "ish_ratio": 3.0, "her2_copies": 4.0, "cep17_copies": 2.0}, "ish_ratio"),
        ({"tumor_type": "breast", "her2_copies": 4.0, "cep17_copies": 0.0}, "cep17_copies"),
        ({"tumor_type": "breast", "ish_ratio": 2.2, "her2_copies": 0.0}, "her2_copies"),  # needs CEP17 = 0
        ({"tumor_type": "melanoma-x", "ihc_score": "3+"}, "tumor_type"),
        ({"tumor_type": None, "ihc_score": "3+"}, "tumor_type"),
        ({"tumor_type": "breast", "setting": "adjuvant-ish"}, "setting"),
        ({"tumor_type": "breast", "er": "strongly"}, "er"),
        ({"tumor_type": "breast", "pr": "low"}, "pr"),
        ({"tumor_type": "breast", "ish_ratio": float("nan")}, "ish_ratio"),
        ({"tumor_type": "breast", "ish_ratio": "two"}, "ish_ratio"),
    ],
)
def test_bad_row_has_error_and_stays(row: dict[str, Any], field: str) -> None:
    rows = [{"id": "ok", "tumor_type": "breast", "ihc_score": "3+"}, {"id": "bad", **row}]
    out = screen_frame(pl.DataFrame(rows, infer_schema_length=None))
    assert out.get_column("id").to_list() == ["ok", "bad"]
    assert out.row(0, named=True)["her2_result"] == "positive"
    bad = out.row(1, named=True)
    assert bad["error"].startswith(field + ":"), bad["error"]
    assert bad["her2_result"] is None
    assert bad["eligible"] is None
    assert bad["reasons"] is None


def test_text_columns_and_numbers_as_text() -> None:
    out = one(
        tumor_type=" Breast Cancer ", ihc_score="2+", ish_ratio="2.5", her2_copies=" 5.0 ", cep17_copies="2.0"
    )
    assert (out["her2_result"], out["ish_group"], out["error"]) == ("positive", 1, None)


def test_integer_ihc_scores_and_empty_strings() -> None:
    out = screen_frame(pl.DataFrame({"id": [1, 2], "tumor_type": ["BRCA", "BRCA"], "ihc_score": [3, None]}))
    assert out.get_column("id").to_list() == ["1", "2"]
    assert out.get_column("her2_result").to_list() == ["positive", "indeterminate"]
    assert one(tumor_type="breast", ihc_score="  ", setting="")["her2_result"] == "indeterminate"


def test_er_pr_words_and_eligibility() -> None:
    out = one(tumor_type="breast", setting="metastatic", ihc_score="1+", er="Positive", pr="negative")
    assert "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow" in out["eligible"].split(";")
    unknown = one(tumor_type="breast", setting="metastatic", ihc_score="1+", er="[Not Evaluated]")
    assert "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow" not in unknown["eligible"].split(
        ";"
    )
    assert any("ER/PR not given" in r for r in unknown["reasons"].split(" | "))
    assert any("not checked" in r for r in out["reasons"].split(" | "))


@pytest.mark.parametrize(
    ("er", "pr", "reason"),
    [
        (None, None, "ER/PR not given, so HR-positive indications are not met"),
        (
            "negative",
            None,
            "PR not given and ER negative: HR status unknown, so HR-positive indications are not met",
        ),
        (
            None,
            "negative",
            "ER not given and PR negative: HR status unknown, so HR-positive indications are not met",
        ),
        (
            "unknown",
            "neg",
            "ER not given and PR negative: HR status unknown, so HR-positive indications are not met",
        ),
    ],
)
def test_what_hr_status_lacks_is_named(er: str | None, pr: str | None, reason: str) -> None:
    """HR-positive is ER positive (or low) or PR positive: one receptor negative and the other missing leaves it
    unknown, and the reason says which one is missing instead of "ER/PR not given"."""
    out = one(tumor_type="breast", setting="metastatic", ihc_score="1+", er=er, pr=pr)
    eligibility = [r for r in out["reasons"].split(" | ") if r.startswith("eligibility:")]
    assert reason in eligibility[0]
    assert "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow" not in out["eligible"].split(";")


@pytest.mark.parametrize(
    ("er", "pr"), [("positive", None), (None, "positive"), ("low", None), ("negative", "negative")]
)
def test_a_known_hr_status_needs_no_reason(er: str | None, pr: str | None) -> None:
    out = one(tumor_type="breast", setting="metastatic", ihc_score="1+", er=er, pr=pr)
    assert "HR status unknown" not in out["reasons"]
    assert "not given, so HR" not in out["reasons"]


def test_notes_column_goes_to_reasons() -> None:
    out = one(tumor_type="breast", ihc_score="1+", notes="copies left out")
    assert out["reasons"].split(" | ")[-1] == "mapping: copies left out"
    bad = one(tumor_type="klingon", notes="copies left out")
    assert bad["error"]
    assert bad["eligible"] is None
    assert bad["reasons"] == "mapping: copies left out"  # an error row keeps its mapping note, nothing else


class FakeExtraction:
    def __init__(
        self, tests: list[Any], er: str | None = None, stated: str | None = None, pending: bool = False
    ):
        self._tests = tests
        self.her2_tests = tests
        self.er = er
        self.pr = None
        self.stated_status = stated
        self.pending = pending
        self.warnings = ["ocr noise"]

    def case_tests(self) -> list[Any]:
        return self._tests


def test_report_rows_with_an_extractor() -> None:
    def extract(text: str) -> FakeExtraction:
        if "amplified" in text:
            return FakeExtraction(
                [IhcTest(method="ihc", score="2+"), IshTest(method="ish", ratio=2.6, her2_copies=6.1)]
            )
        return FakeExtraction(
            [IhcTest(method="ihc", score="3+")], er="positive", stated="positive", pending=True
        )

    reports.set_extractor(extract)
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "tumor_type": ["breast"] * 4,
            "setting": ["metastatic"] * 4,
            "ihc_score": [None, "1+", None, "2+"],
            "report_text": ["HER2 3+", "HER2 3+", "FISH amplified", None],
        }
    )
    out = {r["id"]: r for r in screen_frame(frame).iter_rows(named=True)}
    assert out["a"]["her2_result"] == "positive"
    assert "the report says a HER2 result is pending (addendum or send-out)" in out["a"]["reasons"].split(
        " | "
    )
    assert "extraction: ocr noise" in out["a"]["reasons"].split(" | ")
    assert out["a"]["eligible"]  # HR-positive from the report, HER2-positive, metastatic
    assert out["b"]["her2_result"] == "negative"  # the column (1+) wins over the report (3+)
    assert any(
        r.startswith("conflict: ihc_score column 1+ vs report IHC 3+")
        for r in out["b"]["reasons"].split(" | ")
    )
    assert (out["c"]["her2_result"], out["c"]["ish_group"]) == ("positive", 1)
    assert out["d"]["her2_result"] == "equivocal"
    # Report rows get the same eligibility reason as structured rows: what was not checked ...
    assert any(
        r.startswith("eligibility: checked at biomarker level only") for r in out["a"]["reasons"].split(" | ")
    )
    # ... and why nothing can be met when the setting is missing.
    no_setting = screen_frame(frame.with_columns(pl.lit(None, dtype=pl.String).alias("setting"))).row(
        0, named=True
    )
    assert no_setting["eligible"] == ""
    assert "eligibility: setting not given, so no indication is met" in no_setting["reasons"]


def test_report_rows_without_an_extractor() -> None:
    reports.set_extractor(None)
    out = one(tumor_type="breast", ihc_score="1+", report_text="HER2 3+")
    assert out["her2_result"] == "negative"
    assert out["reasons"].split(" | ")[-1].startswith("report_text not read")


def test_extractor_failure_is_a_row_error() -> None:
    def broken(text: str) -> Any:
        raise RuntimeError("boom")

    reports.set_extractor(broken)
    out = one(tumor_type="breast", report_text="HER2 3+")
    assert out["error"].startswith("report_text: extraction failed")


def test_real_extractor_if_installed() -> None:
    extract_mod = pytest.importorskip("her2kit.extract")
    reports.set_extractor(extract_mod.extract_report)
    out = one(tumor_type="breast", report_text="HER2 (4B5) immunohistochemistry: score 3+ (positive).")
    assert out["error"] is None


def test_ish_limits_are_the_case_models() -> None:
    """The kernel rejects ISH values outside the case model's own bounds (0 to the field's maximum)."""
    from her2kit.cohort.decision import CASE_FIELDS, LIMITS, case_bounds

    for column, field in CASE_FIELDS.items():
        low, high = case_bounds(field)
        assert low == 0.0
        assert LIMITS[column] == high


def test_report_rows_are_eligible_on_the_score_the_status_rests_on() -> None:
    """A later IHC 0 on the same block supersedes a report's 3+: it does not meet the tumour-agnostic trastuzumab
    deruxtecan or the zanidatamab "IHC 3+" indication (the eligibility column reads the status's score)."""
    tests = {
        "superseded": [
            IhcTest(method="ihc", score="3+", percent_cells=40, specimen_id="A1", date="2022-01-10"),
            IhcTest(method="ihc", score="0", percent_cells=0, specimen_id="A1", date="2024-05-01"),
        ],
        "plain": [IhcTest(method="ihc", score="3+", percent_cells=60)],
    }
    reports.set_extractor(lambda text: FakeExtraction(tests[text]))
    frame = pl.DataFrame(
        {
            "id": list(tests),
            "tumor_type": ["biliary"] * 2,
            "setting": ["metastatic"] * 2,
            "report_text": list(tests),
        }
    )
    out = {r["id"]: r for r in screen_frame(frame).iter_rows(named=True)}
    agnostic = "ind:trastuzumab-deruxtecan-solid-tumor-her2-ihc3"
    assert agnostic in out["plain"]["eligible"].split(";")
    assert out["superseded"]["eligible"] == ""
    assert out["superseded"]["her2_result"] == "negative"
