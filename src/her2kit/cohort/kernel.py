"""The cohort kernel: one Arrow record batch of registry rows in, one batch of HER2 results out.

Both engines call :func:`screen_batch` (Polars on the batches of a lazy scan, Spark through
``DataFrame.mapInArrow``), so they give the same output by construction.

How a structured row is screened, without a Python loop over rows:

1. **Normalise** the text columns exactly as the case model does: tumour type and IHC score go through
   :func:`her2kit.vocab.normalise_tumor_type` / :func:`~her2kit.vocab.normalise_ihc_score`, called once
   per *distinct* value per process (a registry has a handful); ER/PR and setting words through a fixed
   table. Rows are coded by equality with the spellings already seen (no per-row hashing): a compiled
   loop compares each row's Arrow string view with theirs (:mod:`her2kit.cohort.compiled`); a batch with
   a new or long spelling is coded in Polars and finds its distinct values once with ``unique``. Empty
   strings are missing values.
2. **Validate** like the case model (:class:`her2kit.case.IshTest`): ratio 0–100, HER2 copies 0–200,
   CEP17 copies 0–100, CEP17 above 0 when HER2 copies are given, and a stated ratio within ±max(0.1, 5%)
   of HER2/CEP17. A bad row keeps its place and gets its reason in ``error``.
3. **Classify** each row into a small decision key: tumour type, setting, IHC score, ISH state (none;
   no ratio; ratio only, ≥ 2.0 or not; dual-probe group 1–5 from the ratio and mean HER2 copies at 2.0,
   4.0 and 6.0) and hormone-receptor status. The effective ratio is the stated one, else HER2/CEP17
   rounded to two decimals as :attr:`her2kit.case.IshTest.effective_ratio` does — compared against the
   exact double at which Python's ``round(q, 2)`` reaches 2.0. Steps 2 and 3 are one compiled pass.
4. **Look up** result, category, ISH group, eligible indications and reasons in a decision table with
   one row per key (about 7,000). The table is built once per process by calling
   :func:`her2kit.status.interpret_her2` on a representative single IHC + dual-probe ISH for each
   (tumour type, IHC score, ISH state), and by evaluating the compiled indication criteria
   (:mod:`her2kit.cohort.eligibility`) over it. The guideline modules stay the single source of truth;
   the differential test checks the partition against ``interpret_her2`` on generated rows. The text
   columns come out dictionary-encoded (one compiled gather of int32 indices per row), ``eligible`` and
   ``reasons`` as joined text (:data:`her2kit.cohort.columns.OUTPUT_SCHEMA`).

Rows with ``report_text`` are read with ``her2kit.extract.extract_report`` and interpreted one by one
through ``interpret_her2`` (free text has no vectorised form); structured columns take precedence over
what the report says, and a disagreement is a reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

import numpy as np
import polars as pl
import pyarrow as pa
from polars.expr.whenthen import ChainedThen, Then

from her2kit.case import RATIO_TOLERANCE_ABS, RATIO_TOLERANCE_REL, IhcTest, IshTest
from her2kit.cohort import columns as cols
from her2kit.cohort import compiled
from her2kit.cohort.eligibility import applies_to, compiled_indications, eligible_expr
from her2kit.errors import InvalidInput
from her2kit.status import interpret_her2
from her2kit.vocab import IHC_SCORES, TUMOR_TYPES, normalise_ihc_score, normalise_tumor_type

# --------------------------------------------------------------------------- codes of the decision key
SETTINGS: Final[tuple[str | None, ...]] = (None, "early", "metastatic")
IHC_CODES: Final[tuple[str | None, ...]] = (None, *IHC_SCORES)  # None, 0, ultralow, 1+, 2+, 3+
HR_CODES: Final[tuple[str | None, ...]] = (None, "positive", "negative")
# ISH states: what the guideline modules can distinguish for one dual-probe ISH without a stated result.
ISH_STATES: Final[tuple[str, ...]] = (
    "none",  # no ISH value at all
    "no-ratio",  # some ISH value, but no ratio and no HER2/CEP17 pair to compute one
    "ratio-only-amplified",  # ratio ≥ 2.0, mean HER2 copies not given
    "ratio-only-not-amplified",  # ratio < 2.0, mean HER2 copies not given
    "group1",
    "group2",
    "group3",
    "group4",
    "group5",
)
N_TUMOR, N_SETTING, N_IHC, N_ISH, N_HR = (
    len(TUMOR_TYPES),
    len(SETTINGS),
    len(IHC_CODES),
    len(ISH_STATES),
    len(HR_CODES),
)

# The last row of the decision table: a bad row (null result, no eligibility, no reasons).
ERROR_KEY: Final = N_TUMOR * N_SETTING * N_IHC * N_ISH * N_HR

RATIO_THRESHOLD = 2.0
COPIES_LOW = 4.0
COPIES_HIGH = 6.0
LIMITS: Final[dict[str, float]] = {cols.ISH_RATIO: 100.0, cols.HER2_COPIES: 200.0, cols.CEP17_COPIES: 100.0}


def _round2_threshold(target: str = "1.995") -> float:
    """The smallest double ``q`` with ``round(q, 2) >= 2.0`` in Python (exactly above 1.995)."""
    exact = Decimal(target)
    q = float(target)
    while Decimal(q) > exact:
        q = math.nextafter(q, -math.inf)
    while Decimal(q) <= exact:
        q = math.nextafter(q, math.inf)
    return q


# A ratio computed from counts is ``round(her2/cep17, 2)``; it is ≥ 2.0 exactly when her2/cep17 ≥ this.
COMPUTED_RATIO_THRESHOLD: Final = _round2_threshold()

# --------------------------------------------------------------------------- word tables
_MISSING_WORDS: Final = frozenset(
    {
        "unknown",
        "not known",
        "na",
        "n/a",
        "nan",
        "none",
        "null",
        "indeterminate",
        "equivocal",
        "not evaluated",
        "[not evaluated]",
        "not available",
        "[not available]",
        "[unknown]",
        "not performed",
        "not done",
        "pending",
    }
)
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
        key = " ".join(value.strip().lower().split())
        if key in table:
            return table[key]
        if key in _MISSING_WORDS:
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


def _classify(column: str, value: str) -> tuple[int, str | None]:
    cache = _CACHE[column]
    hit = cache.get(value)
    if hit is not None:
        return hit
    values = CODE_VALUES[column]
    if not value.strip():
        hit = (REQUIRED_MISSING if None not in values else 0, None)
    else:
        try:
            hit = (values.index(NORMALISERS[column](value)), None)
        except InvalidInput as exc:
            hit = (INVALID, str(exc))
    if len(cache) < 100_000:
        cache[value] = hit
    return hit


# --------------------------------------------------------------------------- extraction (optional)
ExtractFn = Callable[[str], Any]


def _load_extractor() -> ExtractFn | None:
    try:
        from her2kit.extract import extract_report  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    fn: ExtractFn = extract_report
    return fn


_EXTRACTOR: list[ExtractFn | None] = []


def get_extractor() -> ExtractFn | None:
    """``her2kit.extract.extract_report`` when that module is installed, else None (looked up once)."""
    if not _EXTRACTOR:
        _EXTRACTOR.append(_load_extractor())
    return _EXTRACTOR[0]


def set_extractor(fn: ExtractFn | None) -> None:
    """Replace the report extractor (tests; or a site-specific extractor)."""
    _EXTRACTOR[:] = [fn]


# --------------------------------------------------------------------------- step 1-2: prepare
def _as_text(df: pl.DataFrame, name: str) -> pl.Series | None:
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
UNSEEN: Final = -100


def _missing_code(name: str) -> int:
    return 0 if None in CODE_VALUES[name] else REQUIRED_MISSING


def _compare_codes(name: str, known: dict[str, int]) -> pl.Expr:
    """The code of each row by equality with the known values (nulls: missing; others: ``UNSEEN``)."""
    column = pl.col(name)
    expr: Then | ChainedThen = pl.when(column.is_null()).then(pl.lit(_missing_code(name), dtype=pl.Int32))
    by_code: dict[int, list[str]] = {}
    for value, code in known.items():
        by_code.setdefault(code, []).append(value)
    for code, values in by_code.items():
        condition = pl.any_horizontal(column == value for value in values)
        expr = expr.when(condition).then(pl.lit(code, dtype=pl.Int32))
    return expr.otherwise(pl.lit(UNSEEN, dtype=pl.Int32)).alias(name)


def _hash_codes(name: str, values: list[str]) -> pl.Expr:
    codes = [_classify(name, v)[0] for v in values]
    return pl.col(name).replace_strict(values, codes, default=_missing_code(name), return_dtype=pl.Int32)


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
    array = _single_chunk(text)
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
        _missing_code(name),
        out,
    )
    return None if unseen else pl.Series(name, out)


def _all_codes(df: pl.DataFrame) -> list[pl.Series]:
    """The code of each value of each normalised text column (see :data:`CODE_VALUES`), by distinct value.

    Registries repeat a handful of spellings. Each column is first coded by comparing each row's Arrow
    string view with the views of the spellings seen before in this process (compiled, one pass). A column
    where some row matches none (a new spelling, or one longer than 12 bytes) is coded by equality with
    the known spellings in Polars; a batch with a new spelling finds its distinct values with ``unique``
    (hashing) and, while a column has at most :data:`KNOWN_LIMIT` spellings, remembers them; beyond that
    it is mapped with ``replace_strict``. Python classifies each distinct value once.
    """
    texts = {name: _as_text(df, name) for name in NORMALISERS}
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
                    known[value] = _classify(name, value)[0]
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
            out.append(pl.repeat(_missing_code(name), df.height, dtype=pl.Int32, eager=True).alias(name))
    return out


def _number(df: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """A numeric column as Float64, and a flag for values that are not numbers."""
    if name not in df.columns:
        return pl.repeat(None, pl.len(), dtype=pl.Float64), pl.repeat(False, pl.len())
    dtype = df.schema[name]
    if dtype.is_numeric():
        return pl.col(name).cast(pl.Float64), pl.repeat(False, pl.len())
    raw = pl.col(name).cast(pl.String).str.strip_chars()
    raw = pl.when(raw.str.len_bytes() > 0).then(raw)
    number = raw.cast(pl.Float64, strict=False)
    return number, raw.is_not_null() & number.is_null()


_SHAPE: Final = np.array([N_SETTING, N_IHC, N_ISH, N_HR], dtype=np.int64)
_THRESHOLDS: Final = np.array(
    [
        RATIO_THRESHOLD,
        COMPUTED_RATIO_THRESHOLD,
        COPIES_LOW,
        COPIES_HIGH,
        RATIO_TOLERANCE_ABS,
        RATIO_TOLERANCE_REL,
    ],
    dtype=np.float64,
)
_LIMITS: Final = np.array([LIMITS[name] for name in cols.NUMERIC_COLUMNS], dtype=np.float64)


def _single_chunk(series: pl.Series) -> pa.Array:
    array = series.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    assert isinstance(array, pa.Array)
    return array


def _prepare(df: pl.DataFrame) -> pl.DataFrame:
    """Codes, numbers, validity flags and the decision key, one row per input row.

    Text is coded by :func:`_all_codes`; the numbers are read as Float64 (text parsed, with a flag for
    text that is not a number); the compiled loop :func:`her2kit.cohort.compiled.decision_keys` then
    validates each row and computes its key in one pass.
    """
    codes = _all_codes(df)
    numbers = {name: _number(df, name) for name in cols.NUMERIC_COLUMNS}
    ident = _as_text(df, cols.ID)
    report = (
        pl.col(cols.REPORT_TEXT).cast(pl.String).str.strip_chars().str.len_bytes().fill_null(0) > 0
        if cols.REPORT_TEXT in df.columns
        else pl.repeat(False, pl.len())
    )
    base = df.select(
        *(numbers[name][0].alias(name) for name in cols.NUMERIC_COLUMNS),
        *(numbers[name][1].alias(f"_{name}_unparsed") for name in cols.NUMERIC_COLUMNS),
        report.alias("_has_report"),
    ).with_columns(
        ident.alias(cols.ID) if ident is not None else pl.lit(None, dtype=pl.String).alias(cols.ID),
        *codes,
    )
    height = df.height
    floats = [compiled.float_values(_single_chunk(base.get_column(name))) for name in cols.NUMERIC_COLUMNS]
    text_numbers = [
        name for name in cols.NUMERIC_COLUMNS if name in df.columns and not df.schema[name].is_numeric()
    ]
    unparsed = (
        np.stack([base.get_column(f"_{name}_unparsed").to_numpy() for name in cols.NUMERIC_COLUMNS])
        if text_numbers
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
    text = _as_text(df, name)
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
        messages = [_classify(name, v)[1] for v in distinct]
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


# --------------------------------------------------------------------------- step 4: the decision table
_REPRESENTATIVE_ISH: Final[dict[str, dict[str, float] | None]] = {
    "none": None,
    "no-ratio": {"cep17_copies": 2.0},
    "ratio-only-amplified": {"ratio": 2.5},
    "ratio-only-not-amplified": {"ratio": 1.5},
    "group1": {"ratio": 2.5, "her2_copies": 5.0},
    "group2": {"ratio": 2.5, "her2_copies": 3.0},
    "group3": {"ratio": 1.5, "her2_copies": 7.0},
    "group4": {"ratio": 1.5, "her2_copies": 5.0},
    "group5": {"ratio": 1.5, "her2_copies": 3.0},
}

# Reasons are kept short (they are written for every row): the action and discordance texts are in
# ``her2kit status`` for any single row; here their codes are named.
ELIGIBILITY_NOTE = "checked at biomarker level only (not checked: {})"


EMPTY_LIST = pl.lit([], dtype=pl.List(pl.String))


def _tests(ihc: str | None, ish: str) -> list[IhcTest | IshTest]:
    tests: list[IhcTest | IshTest] = []
    if ihc is not None:
        tests.append(IhcTest(method="ihc", score=ihc))
    values = _REPRESENTATIVE_ISH[ish]
    if values is not None:
        tests.append(IshTest(method="ish", **values))
    return tests


def _her2_reasons(status: Any) -> list[str]:
    """The HER2 decision in at most two strings: summary with rule ids; discordances and next steps."""
    out = [f"HER2: {status.summary} (rules: {', '.join(r.rule for r in status.rationale)})"]
    extra = [f"discordance: {d.code}" for d in status.discordances]
    if status.actions:
        extra.append("next steps: " + ", ".join(dict.fromkeys(a.code for a in status.actions)))
    if extra:
        out.append("; ".join(extra))
    return out


@lru_cache(maxsize=1)
def decision_table() -> pl.DataFrame:
    """One row per decision key (row index = key): result, category, ISH group, eligible, reasons."""
    her2: dict[tuple[int, int, int], tuple[str, str, int | None, list[str]]] = {}
    for i, ihc in enumerate(IHC_CODES):
        for s, ish in enumerate(ISH_STATES):
            tests = _tests(ihc, ish)
            for t, tumor in enumerate(TUMOR_TYPES):
                status = interpret_her2(tests, tumor)
                her2[(t, i, s)] = (status.result, status.category, status.ish_group, _her2_reasons(status))
    rows: dict[str, list[Any]] = {
        "tumor_type": [],
        "setting": [],
        "ihc_score": [],
        "hormone_receptor": [],
        "her2_result": [],
        "her2_category": [],
        "ish_group": [],
        "_her2_reasons": [],
    }
    for t, tumor in enumerate(TUMOR_TYPES):
        for setting in SETTINGS:
            for i, ihc in enumerate(IHC_CODES):
                for s in range(N_ISH):
                    result, category, group, reasons = her2[(t, i, s)]
                    for hr in HR_CODES:
                        rows["tumor_type"].append(tumor)
                        rows["setting"].append(setting)
                        rows["ihc_score"].append(ihc)
                        rows["hormone_receptor"].append(hr)
                        rows["her2_result"].append(result)
                        rows["her2_category"].append(category)
                        rows["ish_group"].append(group)
                        rows["_her2_reasons"].append(reasons)
    table = pl.DataFrame(
        rows,
        schema={
            "tumor_type": pl.String,
            "setting": pl.String,
            "ihc_score": pl.String,
            "hormone_receptor": pl.String,
            "her2_result": pl.String,
            "her2_category": pl.String,
            "ish_group": pl.Int32,
            "_her2_reasons": pl.List(pl.String),
        },
    )
    table = table.with_columns(eligible_expr())
    reasons = [
        r + _eligibility_reasons(tumor, setting, hr, eligible)
        for r, tumor, setting, hr, eligible in zip(
            table.get_column("_her2_reasons").to_list(),
            table.get_column("tumor_type").to_list(),
            table.get_column("setting").to_list(),
            table.get_column("hormone_receptor").to_list(),
            table.get_column("eligible").to_list(),
            strict=True,
        )
    ]
    assert table.height == ERROR_KEY
    error_row = pl.DataFrame(
        {
            "her2_result": [None],
            "her2_category": [None],
            "ish_group": [None],
            "eligible": [[]],
            "reasons": [[]],
        },
        schema={
            "her2_result": pl.String,
            "her2_category": pl.String,
            "ish_group": pl.Int32,
            "eligible": pl.List(pl.String),
            "reasons": pl.List(pl.String),
        },
    )
    decided = table.select(
        "her2_result",
        "her2_category",
        "ish_group",
        "eligible",
        pl.Series("reasons", reasons, dtype=pl.List(pl.String)),
    )
    return pl.concat([decided, error_row]).rechunk()


def _eligibility_reasons(tumor: str, setting: str | None, hr: str | None, eligible: list[str]) -> list[str]:
    indications, excluded = compiled_indications()
    by_id = {ind.id: ind for ind in indications}
    relevant = [ind for ind in indications if applies_to(ind, tumor)]
    out: list[str] = []
    if setting is None and relevant:
        out.append("setting not given, so no indication is met")
    if hr is None and any(ind.needs_hormone_receptor for ind in relevant):
        out.append("ER/PR not given, so HR-positive indications are not met")
    if eligible:
        unchecked = sorted({u for ind_id in eligible for u in by_id[ind_id].unchecked})
        out.append(ELIGIBILITY_NOTE.format(", ".join(unchecked) or "nothing else"))
    if tumor == "nsclc" and excluded:
        out.append(
            "ERBB2-mutation indications need mutation data and are not screened: " + ", ".join(excluded)
        )
    return ["eligibility: " + "; ".join(out)] if out else []


# --------------------------------------------------------------------------- the kernel
OUTPUT_VALUE_COLUMNS: Final = ("her2_result", "her2_category", "ish_group", "eligible", "reasons")


def joined(eligible: pl.Expr, reasons: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """List-valued eligible ids and reasons as the output's text columns (see :data:`columns.OUTPUT_SCHEMA`)."""
    return (
        eligible.list.join(cols.ELIGIBLE_SEPARATOR).alias("eligible"),
        reasons.list.join(cols.REASONS_SEPARATOR).alias("reasons"),
    )


class DecisionColumns:
    """The decision table's output columns for a compiled gather: per decision key, one int32 per column.

    For a text column ``codes[j, key]`` indexes ``dictionaries[j]`` (the column's distinct values); for
    ``ish_group`` it is the group itself (``dictionaries[j]`` is None: a plain int32 column writes faster
    than a dictionary-encoded one). -1 means null. The last key (the error key) is null everywhere.
    """

    def __init__(self) -> None:
        table = decision_table()
        error = pl.int_range(pl.len()) == ERROR_KEY
        frame = table.select(
            "her2_result",
            "her2_category",
            pl.col("ish_group").fill_null(-1),
            *(
                pl.when(error).then(None).otherwise(expr).alias(expr.meta.output_name())
                for expr in joined(pl.col("eligible"), pl.col("reasons"))
            ),
        )
        arrow = frame.to_arrow()
        self.codes = np.empty((len(OUTPUT_VALUE_COLUMNS), frame.height), dtype=np.int32)
        dictionaries: list[pa.Array | None] = []
        for j, name in enumerate(OUTPUT_VALUE_COLUMNS):
            column = arrow.column(name).combine_chunks().cast(cols.OUTPUT_SCHEMA.field(name).type)
            if pa.types.is_string(column.type):
                encoded = column.dictionary_encode()
                self.codes[j] = encoded.indices.fill_null(-1).to_numpy()
                dictionaries.append(encoded.dictionary)
            else:
                self.codes[j] = column.to_numpy()
                dictionaries.append(None)
        self.dictionaries: tuple[pa.Array | None, ...] = tuple(dictionaries)

    def arrays(self, keys: np.ndarray) -> list[pa.Array]:
        """The output value columns for rows with these keys (one compiled gather; text as dictionaries)."""
        indices = np.empty((len(OUTPUT_VALUE_COLUMNS), len(keys)), dtype=np.int32)
        compiled.gather(compiled.readonly(keys), self.codes, indices)
        out: list[pa.Array] = []
        for row, dictionary in zip(indices, self.dictionaries, strict=True):
            null = row < 0
            values = pa.array(row, mask=null) if null.any() else pa.array(row)
            if dictionary is not None:
                values = pa.DictionaryArray.from_arrays(values, dictionary, safe=False)
            out.append(values)
        return out


@lru_cache(maxsize=1)
def decision_columns() -> DecisionColumns:
    """Built once per process (about 1 s, with the decision table)."""
    return DecisionColumns()


class Screened:
    """The kernel's result for one batch, with what the summary needs without re-reading the output."""

    def __init__(self, table: pa.Table, keys: np.ndarray, errors: pl.Series, reports: pl.DataFrame | None):
        self.table = table  # output rows, in input order
        self.keys = keys  # decision key of each structured row (report rows excluded)
        self.errors = errors  # the error messages of the bad rows
        self.reports = reports  # output rows screened from report text (plain frame), or None


def screen(df: pl.DataFrame, *, dictionary: bool = False) -> Screened:
    """The kernel: screen a frame of registry rows. ``dictionary`` returns dictionary-encoded strings."""
    prepared = _prepare(df)
    keys = prepared.get_column("_key").to_numpy()
    bad = prepared.get_column("_bad")
    error = pl.repeat(None, df.height, dtype=pl.String, eager=True).alias("error")
    messages = pl.Series("error", [], dtype=pl.String)
    if bad.any():
        messages = _error_messages(df, prepared)
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
    notes = _as_text(df, cols.NOTES)
    has_notes = notes is not None and bool(notes.is_not_null().any())
    if not reports.any() and not has_notes:
        return Screened(table, keys, messages, None)
    # Slow path (report text, mapping notes): a plain frame, changed in place.
    plain = pl.from_arrow(table.cast(cols.OUTPUT_SCHEMA))
    assert isinstance(plain, pl.DataFrame)
    report_rows: pl.DataFrame | None = None
    if reports.any():
        plain = _screen_reports(df, prepared, plain, reports)
        report_rows = plain.filter(reports)
        keys = keys[~reports.to_numpy()]
        messages = plain.get_column("error").filter(bad | reports).drop_nulls()
    if notes is not None and has_notes:
        plain = plain.with_columns(
            _append_reason(pl.col("reasons"), pl.lit("mapping: ") + notes, notes.is_not_null())
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


def _append_reason(reasons: pl.Expr, reason: pl.Expr, where: pl.Expr | pl.Series) -> pl.Expr:
    """``reasons`` with ``reason`` appended on the rows ``where`` holds (an error row's null becomes it)."""
    return (
        pl.when(where)
        .then(
            pl.when(reasons.is_null())
            .then(reason)
            .otherwise(pl.concat_str([reasons, pl.lit(cols.REASONS_SEPARATOR), reason]))
        )
        .otherwise(reasons)
        .alias("reasons")
    )


# --------------------------------------------------------------------------- report rows (one by one)
def _score_rank(score: str) -> int:
    return IHC_CODES.index(score)


def _same_ish(a: IshTest, b: IshTest) -> bool:
    ra, rb = a.effective_ratio, b.effective_ratio
    if (
        ra is not None
        and rb is not None
        and abs(ra - rb) > max(RATIO_TOLERANCE_ABS, RATIO_TOLERANCE_REL * ra)
    ):
        return False
    ca, cb = a.her2_copies, b.her2_copies
    return not (ca is not None and cb is not None and abs(ca - cb) > max(0.1, 0.05 * ca))


def _report_row(row: dict[str, Any], extract: ExtractFn) -> dict[str, Any]:
    """One report row: structured columns first, the report for what they leave out; conflicts are reasons."""
    reasons: list[str] = ["report_text read with her2kit.extract; interpreted per row through interpret_her2"]
    extracted = extract(row["_report_text"])
    tests_from_report = list(extracted.case_tests())
    report_ihc = [t for t in tests_from_report if isinstance(t, IhcTest)]
    report_ish = [t for t in tests_from_report if isinstance(t, IshTest)]
    others = [t for t in tests_from_report if not isinstance(t, IhcTest | IshTest)]
    ihc: list[IhcTest] = report_ihc
    if row[cols.IHC_SCORE] is not None:
        column_ihc = IhcTest(method="ihc", score=row[cols.IHC_SCORE])
        differing = sorted({t.score for t in report_ihc} - {column_ihc.score})
        if differing:
            reasons.append(
                f"conflict: ihc_score column {column_ihc.score} vs report IHC {', '.join(differing)} "
                "(column used)"
            )
        ihc = [column_ihc]
    ish: list[IshTest] = report_ish
    values = {
        name: row[column]
        for name, column in (
            ("ratio", cols.ISH_RATIO),
            ("her2_copies", cols.HER2_COPIES),
            ("cep17_copies", cols.CEP17_COPIES),
        )
        if row[column] is not None
    }
    if values:
        column_ish = IshTest(method="ish", **values)
        if any(not _same_ish(column_ish, t) for t in report_ish):
            reasons.append("conflict: ISH columns differ from the ISH values in the report (columns used)")
        ish = [column_ish]
    er, pr = row[cols.ER], row[cols.PR]
    for name, column_value, normalise in (("ER", er, normalise_er), ("PR", pr, normalise_pr)):
        reported = getattr(extracted, name.lower(), None)
        try:
            report_value = normalise(str(reported)) if reported is not None else None
        except InvalidInput:
            report_value = None
        if column_value is not None and report_value is not None and column_value != report_value:
            reasons.append(f"conflict: {name} column {column_value} vs report {report_value} (column used)")
        if column_value is None and report_value is not None:
            if name == "ER":
                er = report_value
            else:
                pr = report_value
    status = interpret_her2([*ihc, *ish, *others], row[cols.TUMOR_TYPE])
    stated = getattr(extracted, "stated_status", None)
    if stated is not None and str(stated).lower() not in (status.result, status.category.lower()):
        reasons.append(f"the report states HER2 {stated}; her2kit reads {status.result} ({status.category})")
    if getattr(extracted, "pending", False):
        reasons.append("the report says a HER2 result is pending (addendum or send-out)")
    reasons.extend(f"extraction: {w}" for w in getattr(extracted, "warnings", []) or [])
    reasons.extend(_her2_reasons(status))
    score = max((t.score for t in ihc), key=_score_rank, default=None)
    hr = None
    if er in ("positive", "low") or pr == "positive":
        hr = "positive"
    elif er == "negative" and pr == "negative":
        hr = "negative"
    return {
        "her2_result": status.result,
        "her2_category": status.category,
        "ish_group": status.ish_group,
        cols.IHC_SCORE: score,
        "hormone_receptor": hr,
        "_reasons": reasons,
    }


def _decode(name: str) -> pl.Expr:
    values = CODE_VALUES[name]
    codes = [i for i, v in enumerate(values) if v is not None]
    return pl.col(name).replace_strict(
        codes, [values[i] for i in codes], default=None, return_dtype=pl.String
    )


def _screen_reports(
    df: pl.DataFrame, prepared: pl.DataFrame, out: pl.DataFrame, reports: pl.Series
) -> pl.DataFrame:
    extract = get_extractor()
    if extract is None:
        note = "report_text not read: her2kit.extract is not available; structured columns only"
        return out.with_columns(_append_reason(pl.col("reasons"), pl.lit(note), reports))
    rows = (
        prepared.with_columns(_report_text=df.get_column(cols.REPORT_TEXT).cast(pl.String))
        .select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"),
            "_report_text",
            *(_decode(name) for name in NORMALISERS),
            cols.ISH_RATIO,
            cols.HER2_COPIES,
            cols.CEP17_COPIES,
        )
        .filter(reports)
    )
    results: list[dict[str, Any]] = []
    for row in rows.iter_rows(named=True):
        try:
            result = _report_row(row, extract)
        except InvalidInput as exc:
            result = {"error": str(exc)}
        except Exception as exc:  # an extractor bug must not stop a registry run
            result = {"error": f"report_text: extraction failed ({type(exc).__name__}: {exc})"}
        result["_i"] = row["_i"]
        result.setdefault(cols.SETTING, row[cols.SETTING])
        result.setdefault(cols.TUMOR_TYPE, row[cols.TUMOR_TYPE])
        results.append(result)
    if not results:
        return out
    schema: dict[str, pl.DataType] = {
        "_i": pl.UInt32(),
        cols.TUMOR_TYPE: pl.String(),
        cols.SETTING: pl.String(),
        "her2_result": pl.String(),
        "her2_category": pl.String(),
        "ish_group": pl.Int32(),
        cols.IHC_SCORE: pl.String(),
        "hormone_receptor": pl.String(),
        "_reasons": pl.List(pl.String),
        "error": pl.String(),
    }
    frame = pl.DataFrame(
        [{name: r.get(name) for name in schema} for r in results], schema=schema, orient="row"
    )
    frame = frame.with_columns(eligible_expr())
    failed = pl.col("error").is_not_null()
    frame = frame.select(
        "_i",
        "her2_result",
        "her2_category",
        "ish_group",
        *(
            pl.when(failed).then(None).otherwise(expr).alias(expr.meta.output_name())
            for expr in joined(
                pl.col("eligible"),
                pl.col("_reasons").list.concat(
                    pl.when(pl.col("eligible").list.len() > 0)
                    .then(pl.lit(["eligibility is biomarker-level; history criteria are not checked"]))
                    .otherwise(EMPTY_LIST)
                ),
            )
        ),
        "error",
    )
    indexed = out.with_row_index("_i")
    indexed = indexed.update(frame, on="_i", how="left", include_nulls=True)
    return indexed.drop("_i")
