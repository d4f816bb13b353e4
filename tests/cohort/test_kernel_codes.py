"""Coding the text columns by known spellings (compiled view path or Polars) equals classifying each row."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from her2kit.cohort import codes as coding
from her2kit.cohort import columns as cols
from her2kit.cohort import compiled

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
    saved = {name: dict(values) for name, values in coding._KNOWN.items()}
    for values in coding._KNOWN.values():
        values.clear()
    yield
    for name, values in saved.items():
        coding._KNOWN[name].clear()
        coding._KNOWN[name].update(values)


def expected(name: str, values: list[str | None]) -> list[int]:
    missing = coding.missing_code(name)
    return [missing if v is None else coding.classify(name, v)[0] for v in values]


def frame(offset: int, rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            name: [s[(i * (k + 2) + offset) % len(s)] for i in range(rows)]
            for k, (name, s) in enumerate(SPELLINGS.items())
        },
        schema=dict.fromkeys(SPELLINGS, pl.String),
    )


def check(df: pl.DataFrame) -> None:
    codes = coding.all_codes(df)
    for name, series in zip(coding.NORMALISERS, codes, strict=True):
        values = df.get_column(name).to_list() if name in df.columns else [None] * df.height
        assert series.to_list() == expected(name, values), name


def test_new_spellings_in_later_batches() -> None:
    first = frame(0, 50).filter(pl.col(cols.TUMOR_TYPE) == "breast")
    check(first)  # learns a few spellings
    assert coding._KNOWN[cols.TUMOR_TYPE] == {"breast": coding.TUMOR_TYPES.index("breast")}
    check(frame(1, 500))  # then meets the others
    check(frame(3, 500))  # all known now: no hashing


def test_more_spellings_than_the_limit_fall_back_to_hashing() -> None:
    many = [f"bogus-{i}" for i in range(coding.KNOWN_LIMIT + 10)] + ["breast", None]
    df = pl.DataFrame({cols.TUMOR_TYPE: many * 3}, schema={cols.TUMOR_TYPE: pl.String})
    for _ in range(2):
        codes = coding.all_codes(df)
        assert codes[0].to_list() == expected(cols.TUMOR_TYPE, df.get_column(cols.TUMOR_TYPE).to_list())
    assert len(coding._KNOWN[cols.TUMOR_TYPE]) > coding.KNOWN_LIMIT


def test_non_text_columns_and_absent_columns() -> None:
    df = pl.DataFrame({cols.TUMOR_TYPE: ["breast"] * 4, cols.IHC_SCORE: [0, 1, 3, None]})
    codes = dict(zip(coding.NORMALISERS, coding.all_codes(df), strict=True))
    assert codes[cols.IHC_SCORE].to_list() == expected(cols.IHC_SCORE, ["0", "1", "3", None])
    assert codes[cols.SETTING].to_list() == [0] * 4


# --------------------------------------------------------------------------- the compiled view path
INLINE_EDGE: list[str | None] = [
    "",
    "+",
    "metastatic",
    "early-breas",
    "ultralow-abc",
    "positive-abcd",
    "négatif",
    None,
]


def test_known_short_spellings_take_the_view_path() -> None:
    df = pl.DataFrame({cols.ER: ["positive", "negative", None, "pos", ""] * 40}, schema={cols.ER: pl.String})
    check(df)  # learns the spellings (hashing path)
    text = df.get_column(cols.ER)
    assert coding._view_codes(cols.ER, text) is not None  # all known and inline: compiled path
    assert coding._view_codes(cols.ER, text.slice(3, 50)) is not None  # an array with an offset
    check(df.slice(7, 101))


def test_views_at_the_inline_boundary_and_long_spellings() -> None:
    """0-12 bytes are matched by view; 13 bytes and more always go the Polars way, with the same codes."""
    values = INLINE_EDGE * 30
    df = pl.DataFrame({cols.SETTING: values}, schema={cols.SETTING: pl.String})
    check(df)
    check(df)  # second time: known spellings
    check(df.slice(5, 77))
    short = pl.Series(
        cols.SETTING, [v for v in values if v is None or len(v.encode()) <= 12], dtype=pl.String
    )
    assert coding._view_codes(cols.SETTING, short) is not None
    assert coding._view_codes(cols.SETTING, df.get_column(cols.SETTING)) is None  # "positive-abcd": 13 bytes


@given(st.lists(st.text(max_size=14), min_size=1, max_size=40))
def test_view_of_is_the_arrow_view_polars_builds(values: list[str]) -> None:
    array = pl.Series(values, dtype=pl.String).to_arrow(compat_level=pl.CompatLevel.newest())
    views, _, _, _ = compiled.string_views(array)
    for i, value in enumerate(values):
        expected_view = compiled.view_of(value)
        if expected_view is not None:
            assert (int(views[2 * i]), int(views[2 * i + 1])) == expected_view


@given(
    st.sets(
        st.text(max_size=12).filter(lambda v: len(v.encode()) <= 12), min_size=1, max_size=coding.KNOWN_LIMIT
    )
)
def test_view_table_finds_every_known_spelling(spellings: set[str]) -> None:
    known = sorted(spellings)
    table = compiled.view_table([(compiled.view_of(v), i) for i, v in enumerate(known)])  # type: ignore[misc]
    assert table is not None
    probe = [*known, "not-known-xyz", None]
    array = pl.Series(probe, dtype=pl.String).to_arrow(compat_level=pl.CompatLevel.newest())
    views, validity, offset, has_nulls = compiled.string_views(array)
    out = np.empty(len(probe), dtype=np.int32)
    unseen = compiled.view_codes(views, validity, offset, has_nulls, *table, -7, out)
    assert out.tolist() == [*range(len(known)), compiled.UNSEEN, -7]
    assert unseen == 1
