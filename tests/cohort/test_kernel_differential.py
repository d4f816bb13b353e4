"""The kernel against ``interpret_her2``: generated rows (hypothesis) and a table of hand-picked rows."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from her2kit.case import IhcTest, IshTest
from her2kit.cohort import columns as cols
from her2kit.cohort.kernel import screen_batch, screen_frame
from her2kit.errors import InvalidInput
from her2kit.status import interpret_her2

TUMOURS = [
    "breast",
    "BRCA",
    "Breast Cancer",
    "idc",
    "gastric",
    "STAD",
    "gej",
    "esophageal",
    "oesophagus",
    "colorectal",
    "COADREAD",
    "nsclc",
    "LUAD",
    "biliary",
    "endometrial",
    "bladder",
    "other-solid",
    "solid tumour",
]
IHC = [
    "0",
    "ultralow",
    "0+",
    ">0 <1+",
    "1+",
    "+1",
    "1",
    "2+",
    "2",
    "3+",
    "3",
    " 2+ ",
    "ULTRALOW",
    "zero",
]
BAD_IHC = ["4+", "5", "-1", "++", "positive", "null"]
BOUNDARY = [
    0.0,
    1.0,
    1.99,
    1.994,
    1.995,
    1.996,
    1.9999,
    2.0,
    2.01,
    3.99,
    3.999,
    4.0,
    4.01,
    5.99,
    5.999,
    6.0,
    6.01,
    10.0,
]

numbers = st.one_of(
    st.none(),
    st.sampled_from(BOUNDARY),
    st.floats(min_value=0, max_value=25, allow_nan=False).map(lambda x: round(x, 2)),
)
row_strategy = st.fixed_dictionaries(
    {
        "tumor_type": st.sampled_from(TUMOURS),
        "ihc_score": st.one_of(st.none(), st.sampled_from(IHC)),
        "ish_ratio": numbers,
        "her2_copies": numbers,
        "cep17_copies": st.one_of(numbers, st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])),
    }
)
# Pairs whose HER2/CEP17 lands on either side of 2.0 or exactly on it (ratio not stated).
pair_strategy = st.builds(
    lambda cep17, step: {
        "tumor_type": "breast",
        "ihc_score": "2+",
        "ish_ratio": None,
        "cep17_copies": cep17,
        "her2_copies": math.nextafter(cep17 * 2.0, math.inf if step > 0 else -math.inf)
        if step
        else cep17 * 2.0,
    },
    st.sampled_from([1.0, 1.3, 1.7, 2.0, 2.2, 2.6, 3.0, 3.3]),
    st.sampled_from([-1, 0, 1]),
)


def expected(row: dict[str, Any]) -> tuple[str, str, int | None] | None:
    """What ``interpret_her2`` says for the row's single IHC and ISH tests; None if the case model rejects it."""
    tests: list[IhcTest | IshTest] = []
    try:
        if row["ihc_score"] is not None:
            tests.append(IhcTest(method="ihc", score=row["ihc_score"]))
        ish = {
            k: row[c]
            for k, c in (
                ("ratio", "ish_ratio"),
                ("her2_copies", "her2_copies"),
                ("cep17_copies", "cep17_copies"),
            )
            if row[c] is not None
        }
        if ish:
            tests.append(IshTest(method="ish", **ish))
        status = interpret_her2(tests, row["tumor_type"])
    except (InvalidInput, ValidationError):
        return None
    return status.result, status.category, status.ish_group


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"id": str(i), **row} for i, row in enumerate(rows)],
        schema={
            "id": pl.String,
            "tumor_type": pl.String,
            "ihc_score": pl.String,
            "ish_ratio": pl.Float64,
            "her2_copies": pl.Float64,
            "cep17_copies": pl.Float64,
        },
    )


def check(rows: list[dict[str, Any]]) -> None:
    out = screen_frame(frame(rows))
    assert out.height == len(rows)
    for row, got in zip(rows, out.iter_rows(named=True), strict=True):
        want = expected(row)
        if want is None:
            assert got["error"] is not None, (row, got)
            assert got["her2_result"] is None
        else:
            assert got["error"] is None, (row, got)
            assert (got["her2_result"], got["her2_category"], got["ish_group"]) == want, (row, got)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row_strategy, min_size=1, max_size=40))
def test_kernel_matches_interpret_her2(rows: list[dict[str, Any]]) -> None:
    check(rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(pair_strategy, min_size=1, max_size=20))
def test_computed_ratio_boundary_matches(rows: list[dict[str, Any]]) -> None:
    check(rows)


TABLE = [
    # tumour, ihc, ratio, her2, cep17 -> result, category, group
    ("breast", "3+", None, None, None, "positive", "HER2-positive", None),
    ("breast", "2+", None, None, None, "equivocal", "unknown", None),
    ("breast", "1+", None, None, None, "negative", "HER2-low", None),
    ("breast", "0+", None, None, None, "negative", "HER2-negative", None),  # "0+" reads as 0
    ("breast", ">0 <1+", None, None, None, "negative", "HER2-ultralow", None),
    ("breast", "0", None, None, None, "negative", "HER2-negative", None),
    ("breast", None, None, None, None, "indeterminate", "unknown", None),
    ("breast", "2+", 2.0, 4.0, 2.0, "positive", "HER2-positive", 1),
    ("breast", "2+", 1.99, 4.0, 2.01, "negative", "HER2-low", 4),
    ("breast", "2+", 2.0, 3.99, 2.0, "negative", "HER2-low", 2),
    ("breast", "2+", 1.5, 6.0, 4.0, "positive", "HER2-positive", 3),
    ("breast", "2+", 1.5, 5.99, 4.0, "negative", "HER2-low", 4),
    ("breast", "1+", 1.5, 6.0, 4.0, "negative", "HER2-low", 3),
    ("breast", "3+", 1.2, 3.0, 2.5, "positive", "HER2-positive", 5),
    ("breast", "0", 1.2, 3.0, 2.5, "negative", "HER2-negative", 5),
    ("breast", None, 2.5, 5.0, 2.0, "positive", "HER2-positive", 1),
    ("breast", None, 2.5, 3.0, 1.2, "indeterminate", "unknown", 2),
    ("breast", None, 1.2, 3.0, 2.5, "negative", "HER2-negative", 5),
    ("breast", "2+", 2.5, None, None, "indeterminate", "unknown", None),
    ("breast", "2+", None, 3.99, 2.0, "negative", "HER2-low", 5),  # 3.99/2.0 = 1.995: below 2.0, not rounded
    ("breast", "2+", None, 5.99, 3.0, "negative", "HER2-low", 4),  # 1.9967 with 4-6 copies: group 4
    ("gastric", "2+", 2.0, None, None, "positive", "HER2-positive", None),
    ("gastric", "2+", 1.99, None, None, "negative", "HER2-negative", None),
    ("gastric", "0", 2.5, None, None, "positive", "HER2-positive", None),
    ("gastric", "ultralow", None, None, None, "negative", "HER2-negative", None),
    ("colorectal", "2+", 2.0, None, None, "positive", "HER2-positive", None),
    ("colorectal", "1+", 2.5, None, None, "negative", "HER2-negative", None),
    ("nsclc", None, None, None, None, "indeterminate", "unknown", None),
]


@pytest.mark.parametrize(("tumor", "ihc", "ratio", "her2", "cep17", "result", "category", "group"), TABLE)
def test_table(
    tumor: str,
    ihc: str | None,
    ratio: float | None,
    her2: float | None,
    cep17: float | None,
    result: str,
    category: str,
    group: int | None,
) -> None:
    row = {
        "tumor_type": tumor,
        "ihc_score": ihc,
        "ish_ratio": ratio,
        "her2_copies": her2,
        "cep17_copies": cep17,
    }
    assert expected(row) == (result, category, group)
    check([row])


def test_screen_batch_schema_and_order() -> None:
    rows = [
        {"tumor_type": "breast", "ihc_score": s, "ish_ratio": None, "her2_copies": None, "cep17_copies": None}
        for s in ["3+", "4+", "1+"]
    ]
    batch = frame(rows).to_arrow().to_batches()[0]
    out = screen_batch(batch)
    assert isinstance(out, pa.RecordBatch)
    assert out.schema == cols.OUTPUT_SCHEMA
    assert out.column("id").to_pylist() == ["0", "1", "2"]
    assert out.column("her2_result").to_pylist() == ["positive", None, "negative"]


def test_empty_batch() -> None:
    out = screen_batch(pa.RecordBatch.from_pylist([], schema=frame([]).to_arrow().schema))
    assert out.num_rows == 0
    assert out.schema == cols.OUTPUT_SCHEMA


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row_strategy, min_size=2, max_size=40), st.data())
def test_output_does_not_depend_on_batching(rows: list[dict[str, Any]], data: st.DataObject) -> None:
    """Screening the rows in pieces (first meeting spellings in a later piece, on whichever coding path the
    process's known spellings send them) gives the same rows as screening them at once."""
    whole = screen_frame(frame(rows))
    cut = data.draw(st.integers(1, len(rows) - 1))
    pieces = pl.concat([screen_frame(frame(rows[:cut])), screen_frame(frame(rows[cut:]))])
    assert pieces.drop("id").equals(whole.drop("id"))
