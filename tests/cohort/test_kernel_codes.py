"""Coding the text columns by comparison with known spellings gives the same codes as classifying each row."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from her2kit.cohort import columns as cols
from her2kit.cohort import kernel

SPELLINGS: dict[str, list[str | None]] = {
    cols.TUMOR_TYPE: ["breast", " Breast ", "BRCA", "gastric", "stomach", "nsclc", "xyz", "", None],
    cols.SETTING: ["early", "MBC", "advanced", "unknown", "", None, "later"],
    cols.IHC_SCORE: ["0", "1+", "2+", "3+", "ultralow", "0+", ">0 <1+", "2", "4+", "", None, "Equivocal"],
    cols.ER: ["positive", "Neg", "-", "+", "unknown", "low", "weird", "", None],
    cols.PR: ["positive", "negative", "low", "[Not Evaluated]", "", None],
}


@pytest.fixture(autouse=True)
def _fresh_known_values() -> Iterator[None]:
    """Each test starts with no known spellings and leaves the process's table as it was."""
    saved = {name: dict(values) for name, values in kernel._KNOWN.items()}
    for values in kernel._KNOWN.values():
        values.clear()
    yield
    for name, values in saved.items():
        kernel._KNOWN[name].clear()
        kernel._KNOWN[name].update(values)


def expected(name: str, values: list[str | None]) -> list[int]:
    missing = kernel._missing_code(name)
    return [missing if v is None else kernel._classify(name, v)[0] for v in values]


def frame(offset: int, rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            name: [s[(i * (k + 2) + offset) % len(s)] for i in range(rows)]
            for k, (name, s) in enumerate(SPELLINGS.items())
        },
        schema=dict.fromkeys(SPELLINGS, pl.String),
    )


def check(df: pl.DataFrame) -> None:
    codes = kernel._all_codes(df)
    for name, series in zip(kernel.NORMALISERS, codes, strict=True):
        assert series.to_list() == expected(name, df.get_column(name).to_list()), name


def test_new_spellings_in_later_batches() -> None:
    first = frame(0, 50).filter(pl.col(cols.TUMOR_TYPE) == "breast")
    check(first)  # learns a few spellings
    assert kernel._KNOWN[cols.TUMOR_TYPE] == {"breast": kernel.TUMOR_TYPES.index("breast")}
    check(frame(1, 500))  # then meets the others
    check(frame(3, 500))  # all known now: no hashing


def test_more_spellings_than_the_limit_fall_back_to_hashing() -> None:
    many = [f"bogus-{i}" for i in range(kernel.KNOWN_LIMIT + 10)] + ["breast", None]
    df = pl.DataFrame({cols.TUMOR_TYPE: many * 3}, schema={cols.TUMOR_TYPE: pl.String})
    for _ in range(2):
        codes = kernel._all_codes(df)
        assert codes[0].to_list() == expected(cols.TUMOR_TYPE, df.get_column(cols.TUMOR_TYPE).to_list())
    assert len(kernel._KNOWN[cols.TUMOR_TYPE]) > kernel.KNOWN_LIMIT


def test_non_text_columns_and_absent_columns() -> None:
    df = pl.DataFrame({cols.TUMOR_TYPE: ["breast"] * 4, cols.IHC_SCORE: [0, 1, 3, None]})
    codes = dict(zip(kernel.NORMALISERS, kernel._all_codes(df), strict=True))
    assert codes[cols.IHC_SCORE].to_list() == expected(cols.IHC_SCORE, ["0", "1", "3", None])
    assert codes[cols.SETTING].to_list() == [0] * 4
