"""The cohort kernel: one Arrow record batch of registry rows in, one batch of HER2 results out.

Both engines call :func:`screen_batch` (Polars on the batches of a lazy scan, Spark through
``DataFrame.mapInArrow``), so they give the same output by construction.

How a structured row is screened, without a Python loop over rows:

1. **Normalise** the text columns exactly as the case model does: tumour type and IHC score go through
   :func:`her2kit.vocab.normalise_tumor_type` / :func:`~her2kit.vocab.normalise_ihc_score`, called once
   per *distinct* value per process (a registry has a handful); ER/PR and setting words through a fixed
   table. Rows are coded by equality with the spellings already seen (:mod:`her2kit.cohort.codes`).
   Empty strings and the missing-value words (``NA``, ``[Not Available]``, ...:
   :data:`her2kit.cohort.columns.MISSING_VALUES`, one list for every column) are missing values.
2. **Validate** like the case model (:class:`her2kit.case.IshTest`): ratio 0–100, HER2 copies 0–200,
   CEP17 copies 0–100, CEP17 above 0 when HER2 copies are given, and a stated ratio within ±max(0.1, 5%)
   of HER2/CEP17. A bad row keeps its place and gets its reason in ``error``.
3. **Classify** each row into a small decision key: tumour type, setting, IHC score, ISH state (none;
   no ratio; ratio only, ≥ 2.0 or not; dual-probe group 1–5 from the ratio and mean HER2 copies at 2.0,
   4.0 and 6.0) and hormone-receptor status. The effective ratio is the stated one, else HER2/CEP17
   not rounded, as :attr:`her2kit.case.IshTest.effective_ratio` computes it. Steps 2 and 3 are one compiled pass.
4. **Look up** result, category, ISH group, eligible indications and reasons in the decision table
   (:mod:`her2kit.cohort.decision`, one row per key, built once per process from
   :func:`her2kit.status.interpret_her2`); the differential test checks the partition against
   ``interpret_her2`` on generated rows. The text
   columns come out dictionary-encoded (one compiled gather of int32 indices per row), ``eligible`` and
   ``reasons`` as joined text (:data:`her2kit.cohort.columns.OUTPUT_SCHEMA`).

Rows with ``report_text`` go through :mod:`her2kit.cohort.reports`, one by one. A row with
:data:`~her2kit.cohort.columns.READ_ERROR` (a line of the file that could not be read, see
:mod:`her2kit.cohort.lenient`) is an error row with that reason.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
import pyarrow as pa

from her2kit.case import RATIO_TOLERANCE_ABS, RATIO_TOLERANCE_REL, ZERO_HER2_ALLOWED
from her2kit.cohort import columns as cols
from her2kit.cohort import compiled
from her2kit.cohort.codes import NORMALISERS, REQUIRED_MISSING, all_codes, as_text, classify, single_chunk
from her2kit.cohort.decision import (
    ERROR_KEY,
    LIMITS,
    N_HR,
    N_IHC,
    N_ISH,
    N_SETTING,
    RATIO_THRESHOLD,
    decision_columns,
)
from her2kit.cohort.reports import RowReader, append_reason, screen_reports
from her2kit.status.breast import COPIES_HIGH, COPIES_LOW
from her2kit.vocab import TUMOR_TYPES


# --------------------------------------------------------------------------- steps 1-3: prepare
def _number(df: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr | None]:
    """A numeric column as Float64, and for a text column a flag for values that are not numbers."""
    if name not in df.columns:
        return pl.repeat(None, pl.len(), dtype=pl.Float64), None
    if df.schema[name].is_numeric():
        return pl.col(name).cast(pl.Float64), None
    raw = pl.col(name).cast(pl.String).str.strip_chars()
    raw = pl.when(raw.str.len_bytes() > 0).then(raw)
    number = raw.cast(pl.Float64, strict=False)
    return number, raw.is_not_null() & number.is_null()


def _missing_words(df: pl.DataFrame, base: pl.DataFrame, texts: list[str]) -> pl.DataFrame:
    """Number columns given as text: a missing-value word ("NA", "[Not Available]", "NaN", ...:
    :data:`her2kit.cohort.columns.MISSING_VALUES`) is no value, as an empty field is, not an error.

    Only a column with a value that is not a number (or is NaN: the word "nan") is looked at, and then only its
    distinct such spellings, in Python; a column of numbers costs two vectorised checks.
    """
    fixes: list[pl.Expr] = []
    for name in texts:
        unparsed = base.get_column(f"_{name}_unparsed")
        suspect = unparsed | base.get_column(name).is_nan().fill_null(False)
        if not suspect.any():
            continue
        raw = df.get_column(name).cast(pl.String)
        spellings = raw.filter(suspect).unique().drop_nulls().to_list()
        words = [value for value in spellings if cols.is_missing_value(name, value)]
        if not words:
            continue
        word = raw.is_in(words).fill_null(False)
        fixes += [
            pl.when(word).then(None).otherwise(pl.col(name)).alias(name),
            (pl.col(f"_{name}_unparsed") & ~word).alias(f"_{name}_unparsed"),
        ]
    return base.with_columns(fixes) if fixes else base


def _report_words(df: pl.DataFrame, base: pl.DataFrame) -> pl.DataFrame:
    """A ``report_text`` that is a missing-value word ("NA") is no report (distinct short texts checked once)."""
    has = base.get_column("_has_report")
    if not has.any():
        return base
    text = df.get_column(cols.REPORT_TEXT).cast(pl.String)
    short = text.filter(has & (text.str.len_bytes() <= 32)).unique().drop_nulls().to_list()
    words = [value for value in short if cols.is_missing_value(cols.REPORT_TEXT, value)]
    if not words:
        return base
    return base.with_columns(
        (pl.col("_has_report") & ~text.is_in(words).fill_null(False)).alias("_has_report")
    )


_SHAPE: Final = np.array([N_SETTING, N_IHC, N_ISH, N_HR], dtype=np.int64)
_THRESHOLDS: Final = np.array(
    [
        RATIO_THRESHOLD,
        COPIES_LOW,
        COPIES_HIGH,
        RATIO_TOLERANCE_ABS,
        RATIO_TOLERANCE_REL,
    ],
    dtype=np.float64,
)
_LIMITS: Final = np.array([LIMITS[name] for name in cols.NUMERIC_COLUMNS], dtype=np.float64)


def _prepare(df: pl.DataFrame) -> pl.DataFrame:
    """Codes, numbers, validity flags and the decision key, one row per input row.

    Text is coded by :func:`all_codes`; the numbers are read as Float64 (text parsed, with a flag for
    text that is not a number); the compiled loop :func:`her2kit.cohort.compiled.decision_keys` then
    validates each row and computes its key in one pass.
    """
    cols.check_input_types(df.schema)
    codes = all_codes(df)
    numbers = {name: _number(df, name) for name in cols.NUMERIC_COLUMNS}
    ident = as_text(df, cols.ID)
    report = (
        pl.col(cols.REPORT_TEXT).cast(pl.String).str.strip_chars().str.len_bytes().fill_null(0) > 0
        if cols.REPORT_TEXT in df.columns
        else pl.repeat(False, pl.len())
    )
    base = df.select(
        *(numbers[name][0].alias(name) for name in cols.NUMERIC_COLUMNS),
        *(
            (flag if flag is not None else pl.repeat(False, pl.len())).alias(f"_{name}_unparsed")
            for name, (_, flag) in numbers.items()
        ),
        report.alias("_has_report"),
    ).with_columns(
        ident.alias(cols.ID) if ident is not None else pl.lit(None, dtype=pl.String).alias(cols.ID),
        *codes,
    )
    base = _missing_words(df, base, [name for name, (_, flag) in numbers.items() if flag is not None])
    if cols.REPORT_TEXT in df.columns:
        base = _report_words(df, base)
    height = df.height
    floats = [compiled.float_values(single_chunk(base.get_column(name))) for name in cols.NUMERIC_COLUMNS]
    unparsed = (  # empty when no number came as text: the loop skips the check
        np.stack([base.get_column(f"_{name}_unparsed").to_numpy() for name in cols.NUMERIC_COLUMNS])
        if any(flag is not None for _, flag in numbers.values())
        else np.zeros((3, 0), dtype=np.bool_)
    )
    key = np.empty(height, dtype=np.uint32)
    bad = np.empty(height, dtype=np.bool_)
    tumor, setting, ihc, er, pr = (
        compiled.readonly(np.ascontiguousarray(code.to_numpy(), dtype=np.int32)) for code in codes
    )
    compiled.decision_keys(
        tumor,
        setting,
        ihc,
        er,
        pr,
        floats[0][0],
        floats[1][0],
        floats[2][0],
        tuple(validity for _, validity, _, _ in floats),
        np.array([offset for _, _, offset, _ in floats], dtype=np.int64),
        np.array([has_nulls for _, _, _, has_nulls in floats], dtype=np.bool_),
        unparsed,
        _LIMITS,
        _SHAPE,
        _THRESHOLDS,
        ERROR_KEY,
        key,
        bad,
    )
    return base.with_columns(pl.Series("_bad", bad), pl.Series("_key", key))


def _raw(df: pl.DataFrame, name: str) -> pl.Series:
    text = as_text(df, name)
    return text if text is not None else pl.Series(name, [None] * df.height, dtype=pl.String)


def _error_messages(df: pl.DataFrame, prepared: pl.DataFrame) -> pl.Series:
    """The first problem of each bad row (rows of ``prepared`` where ``_bad``), naming field, value, allowed."""
    bad = prepared.get_column("_bad")
    sub = df.filter(bad)
    prep = prepared.filter(bad)
    columns: list[pl.Series] = []
    for name in NORMALISERS:
        raw = _raw(sub, name)
        distinct = raw.drop_nulls().unique().to_list()
        messages = [classify(name, v)[1] for v in distinct]
        columns.append(
            raw.replace_strict(distinct, messages, default=None, return_dtype=pl.String).alias(f"_{name}_msg")
        )
    for name in cols.NUMERIC_COLUMNS:
        raw = sub.get_column(name).cast(pl.String) if name in sub.columns else _raw(sub, name)
        columns.append(raw.str.strip_chars().alias(f"_{name}_raw"))
    frame = prep.hstack(columns)

    def range_msg(name: str) -> pl.Expr:
        return pl.format(
            "{}: {} is not valid; allowed: a number from 0 to {}",
            pl.lit(name),
            pl.col(f"_{name}_raw").fill_null("?"),
            pl.lit(f"{LIMITS[name]:g}"),
        )

    def out_of_range(name: str) -> pl.Expr:
        value = pl.col(name)
        return (
            pl.col(f"_{name}_unparsed") | value.is_nan() | (value < 0) | (value > LIMITS[name])
        ).fill_null(False)

    ratio, her2, cep17 = pl.col(cols.ISH_RATIO), pl.col(cols.HER2_COPIES), pl.col(cols.CEP17_COPIES)
    computed = her2 / cep17
    chain = (
        pl.when(pl.col(cols.TUMOR_TYPE) == REQUIRED_MISSING)
        .then(pl.lit("tumor_type: missing; allowed: a tumour type such as " + ", ".join(TUMOR_TYPES)))
        .when(pl.col(f"_{cols.TUMOR_TYPE}_msg").is_not_null())
        .then(pl.col(f"_{cols.TUMOR_TYPE}_msg"))
    )
    for name in (cols.SETTING, cols.IHC_SCORE):
        chain = chain.when(pl.col(f"_{name}_msg").is_not_null()).then(pl.col(f"_{name}_msg"))
    for name in cols.NUMERIC_COLUMNS:
        chain = chain.when(out_of_range(name)).then(range_msg(name))
    chain = (
        chain.when(((cep17 == 0) & her2.is_not_null()).fill_null(False))
        .then(
            pl.lit(
                "cep17_copies: 0 is not valid; allowed: a mean CEP17 count above 0 when her2_copies is given"
            )
        )
        .when(((her2 == 0) & (ratio > 0) & cep17.is_null()).fill_null(False))
        .then(pl.lit(f"her2_copies: 0 is not valid; allowed: {ZERO_HER2_ALLOWED}"))
        .when(ratio.is_not_null() & her2.is_not_null() & cep17.is_not_null())
        .then(
            pl.format(
                "ish_ratio: {} is not valid; allowed: a ratio within ±max(0.1, 5%) of her2_copies/cep17_copies "
                "= {}/{} = {} (the ratio contradicts the copy numbers; check the report)",
                ratio,
                her2,
                cep17,
                computed.round(2),
            )
        )
    )
    for name in (cols.ER, cols.PR):
        chain = chain.when(pl.col(f"_{name}_msg").is_not_null()).then(pl.col(f"_{name}_msg"))
    return frame.select(chain.otherwise(pl.lit("invalid row")).alias("error")).get_column("error")


# --------------------------------------------------------------------------- the kernel
class Screened:
    """The kernel's result for one batch, with what the summary needs without re-reading the output."""

    def __init__(self, table: pa.Table, keys: np.ndarray, errors: pl.Series, reports: pl.DataFrame | None):
        self.table = table  # output rows, in input order
        self.keys = keys  # decision key of each structured row (report rows excluded)
        self.errors = errors  # the error messages of the bad rows
        self.reports = reports  # output rows screened from report text (plain frame), or None


def screen(df: pl.DataFrame, *, dictionary: bool = False, read_reports: RowReader | None = None) -> Screened:
    """The kernel: screen a frame of registry rows.

    ``dictionary`` returns dictionary-encoded strings; ``read_reports`` reads the rows with report text
    (default: in this process; the Polars engine passes a pool of worker processes for large batches).
    """
    prepared = _prepare(df)
    unread = df.get_column(cols.READ_ERROR) if cols.READ_ERROR in df.columns else None
    if unread is not None and unread.is_not_null().any():
        prepared = prepared.with_columns(
            pl.when(unread.is_not_null())
            .then(pl.lit(ERROR_KEY, dtype=pl.UInt32))
            .otherwise(pl.col("_key"))
            .alias("_key"),
            (pl.col("_bad") | unread.is_not_null()).alias("_bad"),
        )
    keys = prepared.get_column("_key").to_numpy()
    bad = prepared.get_column("_bad")
    error = pl.repeat(None, df.height, dtype=pl.String, eager=True).alias("error")
    messages = pl.Series("error", [], dtype=pl.String)
    if bad.any():
        messages = _error_messages(df, prepared)
        if unread is not None:  # a line that could not be read: its reason, not what its fields would give
            messages = pl.select(pl.coalesce(unread.filter(bad), messages)).to_series().alias("error")
        error = error.scatter(bad.arg_true(), messages)
    values = decision_columns().arrays(keys)
    if dictionary:  # string views and dictionary arrays, no copy (the writer stores plain values)
        ident = prepared.get_column(cols.ID).to_arrow(compat_level=pl.CompatLevel.newest())
        errors = error.to_arrow(compat_level=pl.CompatLevel.newest())
    else:
        ident = prepared.get_column(cols.ID).to_arrow().cast(pa.string())
        errors = error.to_arrow().cast(pa.string())
        values = [
            array.cast(array.type.value_type) if pa.types.is_dictionary(array.type) else array
            for array in values
        ]
    table = pa.Table.from_arrays([ident, *values, errors], names=list(cols.OUTPUT_COLUMNS))
    reports = prepared.get_column("_has_report") & ~bad
    notes = as_text(df, cols.NOTES)
    has_notes = notes is not None and bool(notes.is_not_null().any())
    if not reports.any() and not has_notes:
        return Screened(table, keys, messages, None)
    # Slow path (report text, mapping notes): a plain frame, changed in place.
    plain = pl.from_arrow(table.cast(cols.OUTPUT_SCHEMA))
    assert isinstance(plain, pl.DataFrame)
    report_rows: pl.DataFrame | None = None
    if reports.any():
        plain = screen_reports(df, prepared, plain, reports, read_reports)
        report_rows = plain.filter(reports)
        keys = keys[~reports.to_numpy()]
        messages = plain.get_column("error").filter(bad | reports).drop_nulls()
    if notes is not None and has_notes:
        plain = plain.with_columns(
            append_reason(pl.col("reasons"), pl.lit("mapping: ") + notes, notes.is_not_null())
        )
        if report_rows is not None:
            report_rows = plain.filter(reports)
    return Screened(plain.to_arrow().cast(cols.OUTPUT_SCHEMA), keys, messages, report_rows)


def screen_frame(df: pl.DataFrame) -> pl.DataFrame:
    """The kernel on a Polars frame: the output columns (``OUTPUT_SCHEMA``), same row order."""
    frame = pl.from_arrow(screen(df).table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def screen_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Screen one Arrow record batch of registry rows; the result has :data:`columns.OUTPUT_SCHEMA`."""
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    table = screen(frame).table.cast(cols.OUTPUT_SCHEMA)
    if table.num_rows == 0:
        return pa.RecordBatch.from_pylist([], schema=cols.OUTPUT_SCHEMA)
    return table.combine_chunks().to_batches()[0]
