"""Coding the registry's text columns: each spelling normalised once per process, each row coded by equality.

Tumour type and IHC score go through :func:`her2kit.vocab.normalise_tumor_type` /
:func:`~her2kit.vocab.normalise_ihc_score`; ER, PR and setting words through the tables below. A code is
the value's index in :data:`CODE_VALUES` (0: missing), :data:`INVALID` or :data:`REQUIRED_MISSING`.
Rows are coded by comparing their Arrow string views with those of the spellings already seen (compiled,
:func:`her2kit.cohort.compiled.view_codes`); a column with a new or long spelling is coded in Polars.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import polars as pl
import pyarrow as pa
from polars.expr.whenthen import ChainedThen, Then

from her2kit.cohort import columns as cols
from her2kit.cohort import compiled
from her2kit.cohort.decision import IHC_CODES, SETTINGS
from her2kit.errors import InvalidInput
from her2kit.vocab import TUMOR_TYPES, normalise_ihc_score, normalise_tumor_type

# --------------------------------------------------------------------------- word tables
# ER, PR and setting: the missing-value words of every column (columns.MISSING_VALUES), and "equivocal" (an
# equivocal receptor result is no status; for IHC, "equivocal" is the name of 2+ and stays an error).
_NOT_GIVEN_WORDS: Final = cols.MISSING_VALUES | {"equivocal"}
_ER_WORDS: Final[dict[str, str]] = {
    "positive": "positive",
    "pos": "positive",
    "+": "positive",
    "er+": "positive",
    "er positive": "positive",
    "er-positive": "positive",
    "low": "low",
    "er-low": "low",
    "er low": "low",
    "low positive": "low",
    "er-low positive": "low",
    "negative": "negative",
    "neg": "negative",
    "-": "negative",
    "er-": "negative",
    "er negative": "negative",
    "er-negative": "negative",
}
_PR_WORDS: Final[dict[str, str]] = {
    "positive": "positive",
    "pos": "positive",
    "+": "positive",
    "pr+": "positive",
    "pr positive": "positive",
    "pr-positive": "positive",
    "negative": "negative",
    "neg": "negative",
    "-": "negative",
    "pr-": "negative",
    "pr negative": "negative",
    "pr-negative": "negative",
}
_SETTING_WORDS: Final[dict[str, str]] = {
    "early": "early",
    "early breast cancer": "early",
    "ebc": "early",
    "metastatic": "metastatic",
    "advanced": "metastatic",
    "mbc": "metastatic",
}


def _word(table: dict[str, str], field: str, allowed: str) -> Callable[[str], str | None]:
    def normalise(value: str) -> str | None:
        key = cols.missing_key(value)
        if key in table:
            return table[key]
        if key in _NOT_GIVEN_WORDS:
            return None
        raise InvalidInput(field, value, allowed)

    return normalise


normalise_er = _word(
    _ER_WORDS, "er", '"positive", "low", "negative" (or unknown/indeterminate/not evaluated)'
)
normalise_pr = _word(_PR_WORDS, "pr", '"positive", "negative" (or unknown/indeterminate/not evaluated)')
normalise_setting = _word(_SETTING_WORDS, "setting", '"early", "metastatic" or unknown')


def _tumor(value: str) -> str | None:
    return normalise_tumor_type(value, "tumor_type")


def _ihc(value: str) -> str | None:
    return normalise_ihc_score(value, "ihc_score")


NORMALISERS: Final[dict[str, Callable[[str], str | None]]] = {
    cols.TUMOR_TYPE: _tumor,
    cols.SETTING: normalise_setting,
    cols.IHC_SCORE: _ihc,
    cols.ER: normalise_er,
    cols.PR: normalise_pr,
}
# The codes a normalised column takes: index in this tuple (0 = missing); -1 = invalid; -2 = required but missing.
CODE_VALUES: Final[dict[str, tuple[str | None, ...]]] = {
    cols.TUMOR_TYPE: TUMOR_TYPES,
    cols.SETTING: SETTINGS,
    cols.IHC_SCORE: IHC_CODES,
    cols.ER: (None, "positive", "low", "negative"),
    cols.PR: (None, "positive", "negative"),
}
INVALID: Final = -1
REQUIRED_MISSING: Final = -2
# Per process: raw value -> (code, error message). Registries repeat a few spellings.
_CACHE: dict[str, dict[str, tuple[int, str | None]]] = {name: {} for name in NORMALISERS}


def classify(column: str, value: str) -> tuple[int, str | None]:
    cache = _CACHE[column]
    hit = cache.get(value)
    if hit is not None:
        return hit
    values = CODE_VALUES[column]
    if cols.is_missing_value(column, value):  # empty, or "NA", "[Not Available]", ... (one list, columns.py)
        hit = (REQUIRED_MISSING if None not in values else 0, None)
    else:
        try:
            hit = (values.index(NORMALISERS[column](value)), None)
        except InvalidInput as exc:
            hit = (INVALID, str(exc))
    if len(cache) < 100_000:
        cache[value] = hit
    return hit


# --------------------------------------------------------------------------- coding columns
def single_chunk(series: pl.Series) -> pa.Array:
    array = series.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    assert isinstance(array, pa.Array)
    return array


def as_text(df: pl.DataFrame, name: str) -> pl.Series | None:
    """A text column as strings (integral floats lose their '.0'); None when the column is absent."""
    if name not in df.columns:
        return None
    series = df.get_column(name)
    if series.dtype == pl.String:
        return series
    if series.dtype.is_float():
        frame = series.to_frame("v")
        whole = pl.col("v").is_finite() & (pl.col("v") == pl.col("v").floor())
        return frame.select(
            pl.when(whole)
            .then(pl.col("v").cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(pl.col("v").cast(pl.String))
        ).to_series()
    return series.cast(pl.String)


# Per process: the distinct raw values seen so far in each normalised column, in first-seen order. A batch
# is coded by comparing against these few values (cheap on short strings) instead of hashing every row;
# a value not seen before sends the batch through the hashing path once, which adds it.
_KNOWN: dict[str, dict[str, int]] = {name: {} for name in NORMALISERS}
# More distinct spellings than this in a column and comparing costs more than hashing.
KNOWN_LIMIT: Final = 24
UNSEEN: Final = compiled.UNSEEN  # the code of a row whose spelling is not known yet (both paths)


def missing_code(name: str) -> int:
    return 0 if None in CODE_VALUES[name] else REQUIRED_MISSING


def _compare_codes(name: str, known: dict[str, int]) -> pl.Expr:
    """The code of each row by equality with the known values (nulls: missing; others: ``UNSEEN``)."""
    column = pl.col(name)
    expr: Then | ChainedThen = pl.when(column.is_null()).then(pl.lit(missing_code(name), dtype=pl.Int32))
    by_code: dict[int, list[str]] = {}
    for value, code in known.items():
        by_code.setdefault(code, []).append(value)
    for code, values in by_code.items():
        condition = pl.any_horizontal(column == value for value in values)
        expr = expr.when(condition).then(pl.lit(code, dtype=pl.Int32))
    return expr.otherwise(pl.lit(UNSEEN, dtype=pl.Int32)).alias(name)


def _hash_codes(name: str, values: list[str]) -> pl.Expr:
    codes = [classify(name, v)[0] for v in values]
    return pl.col(name).replace_strict(values, codes, default=missing_code(name), return_dtype=pl.Int32)


def _distinct(frame: pl.DataFrame, name: str) -> list[str]:
    values: list[str] = frame.get_column(name).drop_nulls().unique().to_list()
    return values


# Per process and column: the known spellings that fit inline in an Arrow view, as a hash table of views.
_VIEW_TABLES: dict[str, tuple[tuple[tuple[str, int], ...], compiled.ViewTable | None]] = {}


def _view_table(name: str, known: dict[str, int]) -> compiled.ViewTable | None:
    items = tuple(known.items())
    cached = _VIEW_TABLES.get(name)
    if cached is not None and cached[0] == items:
        return cached[1]
    rows = [(view, code) for value, code in items if (view := compiled.view_of(value)) is not None]
    table = compiled.view_table(rows)
    _VIEW_TABLES[name] = (items, table)
    return table


def _view_codes(name: str, text: pl.Series) -> pl.Series | None:
    """The codes of a column by its string views (compiled); None when a row matches no known spelling."""
    known = _KNOWN[name]
    if not known or len(known) > KNOWN_LIMIT:
        return None
    table = _view_table(name, known)
    if table is None:
        return None
    array = single_chunk(text)
    if not pa.types.is_string_view(array.type):
        return None
    views, validity, offset, has_nulls = compiled.string_views(array)
    out = np.empty(len(array), dtype=np.int32)
    table_lo, table_hi, table_code, multiplier, shift = table
    unseen = compiled.view_codes(
        views,
        validity,
        offset,
        has_nulls,
        table_lo,
        table_hi,
        table_code,
        multiplier,
        shift,
        missing_code(name),
        out,
    )
    return None if unseen else pl.Series(name, out)


def all_codes(df: pl.DataFrame) -> list[pl.Series]:
    """The code of each value of each normalised text column (see :data:`CODE_VALUES`), by distinct value.

    Registries repeat a handful of spellings. Each column is first coded by comparing each row's Arrow
    string view with the views of the spellings seen before in this process (compiled, one pass). A column
    where some row matches none (a new spelling, or one longer than 12 bytes) is coded by equality with
    the known spellings in Polars; a batch with a new spelling finds its distinct values with ``unique``
    (hashing) and, while a column has at most :data:`KNOWN_LIMIT` spellings, remembers them; beyond that
    it is mapped with ``replace_strict``. Python classifies each distinct value once.
    """
    texts = {name: as_text(df, name) for name in NORMALISERS}
    fast: dict[str, pl.Series] = {}
    for name, text in texts.items():
        if text is not None and (codes := _view_codes(name, text)) is not None:
            fast[name] = codes
    rest = [t.alias(n) for n, t in texts.items() if t is not None and n not in fast]
    if rest:
        present = pl.DataFrame(rest)
        comparable = [n for n in present.columns if len(_KNOWN[n]) <= KNOWN_LIMIT]
        slow = present.select(
            _compare_codes(n, _KNOWN[n]) if n in comparable else _hash_codes(n, _distinct(present, n))
            for n in present.columns
        )
        unseen = [n for n in comparable if bool((slow.get_column(n) == UNSEEN).any())]
        if unseen:
            rows = slow.select(pl.any_horizontal(pl.col(n) == UNSEEN for n in unseen)).to_series()
            sub = present.filter(rows)
            distinct = sub.select(pl.col(n).drop_nulls().unique().implode() for n in unseen).row(0)
            replaced: list[pl.Expr] = []
            for name, values in zip(unseen, distinct, strict=True):
                known = _KNOWN[name]
                for value in sorted(values):
                    known[value] = classify(name, value)[0]
                if len(known) <= KNOWN_LIMIT:
                    replaced.append(_compare_codes(name, known))
                else:
                    replaced.append(_hash_codes(name, _distinct(present, name)))
            slow = slow.with_columns(present.select(replaced))
        fast.update((name, slow.get_column(name)) for name in slow.columns)
    out: list[pl.Series] = []
    for name in NORMALISERS:
        if name in fast:
            out.append(fast[name])
        else:
            out.append(pl.repeat(missing_code(name), df.height, dtype=pl.Int32, eager=True).alias(name))
    return out
