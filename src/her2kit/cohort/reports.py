"""Registry rows with ``report_text``: read with the extractor and interpreted one by one.

Free text has no vectorised form. Structured columns take precedence over what the report says (the IHC
column replaces the report's IHC tests, the ISH columns its ISH tests, ER/PR from the report fill only what
the columns leave empty), and each disagreement, a differing stated status, a pending result and the
extractor's warnings become reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from her2kit.case import RATIO_TOLERANCE_ABS, RATIO_TOLERANCE_REL, IhcTest, IshTest
from her2kit.cohort import columns as cols
from her2kit.cohort.codes import CODE_VALUES, NORMALISERS, normalise_er, normalise_pr
from her2kit.cohort.decision import IHC_CODES, eligibility_reasons, her2_reasons, joined
from her2kit.cohort.eligibility import eligible_expr
from her2kit.errors import InvalidInput
from her2kit.status import interpret_her2

# --------------------------------------------------------------------------- extraction (optional)
ExtractFn = Callable[[str], Any]


def bundled_extractor() -> ExtractFn | None:
    """``her2kit.extract.extract_report``, or None when that module cannot be imported."""
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
        _EXTRACTOR.append(bundled_extractor())
    return _EXTRACTOR[0]


def set_extractor(fn: ExtractFn | None) -> None:
    """Replace the report extractor (tests; or a site-specific extractor)."""
    _EXTRACTOR[:] = [fn]


def append_reason(reasons: pl.Expr, reason: pl.Expr, where: pl.Expr | pl.Series) -> pl.Expr:
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
    reasons.extend(her2_reasons(status))
    # The IHC score the status rests on, as the guideline reads it (a superseded repeat, or 3+ in ≤10% of cells,
    # does not meet an "IHC 3+" indication); of several specimens the highest.
    score = max(status.ihc_scores, key=_score_rank, default=None)
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


def read_report_row(extract: ExtractFn, row: dict[str, Any]) -> dict[str, Any]:
    """One report row's result (a bad row or an extractor failure gives ``error``, never an exception)."""
    try:
        result = _report_row(row, extract)
    except InvalidInput as exc:
        result = {"error": str(exc)}
    except Exception as exc:  # an extractor bug must not stop a registry run
        result = {"error": f"report_text: extraction failed ({type(exc).__name__}: {exc})"}
    result["_i"] = row["_i"]
    result.setdefault(cols.SETTING, row[cols.SETTING])
    result.setdefault(cols.TUMOR_TYPE, row[cols.TUMOR_TYPE])
    return result


RowReader = Callable[[ExtractFn, list[dict[str, Any]]], list[dict[str, Any]]]


def read_in_process(extract: ExtractFn, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report rows read one after the other in this process, in order."""
    return [read_report_row(extract, row) for row in rows]


def screen_reports(
    df: pl.DataFrame,
    prepared: pl.DataFrame,
    out: pl.DataFrame,
    reports: pl.Series,
    run: RowReader | None = None,
) -> pl.DataFrame:
    """Fill the report rows of ``out``; ``run`` reads them (default: in this process, in order)."""
    extract = get_extractor()
    if extract is None:
        note = "report_text not read: her2kit.extract is not available; structured columns only"
        return out.with_columns(append_reason(pl.col("reasons"), pl.lit(note), reports))
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
    results = (run or read_in_process)(extract, list(rows.iter_rows(named=True)))
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
    # The same eligibility reason as a structured row with these values gets (missing setting or ER/PR, what
    # was not checked), computed per row like the rest of a report row.
    notes = [
        eligibility_reasons(tumor, setting, hr, eligible) if error is None else []
        for tumor, setting, hr, eligible, error in frame.select(
            cols.TUMOR_TYPE, cols.SETTING, "hormone_receptor", "eligible", "error"
        ).iter_rows()
    ]
    frame = frame.with_columns(pl.Series("_eligibility", notes, dtype=pl.List(pl.String)))
    failed = pl.col("error").is_not_null()
    frame = frame.select(
        "_i",
        "her2_result",
        "her2_category",
        "ish_group",
        *(
            pl.when(failed).then(None).otherwise(expr).alias(expr.meta.output_name())
            for expr in joined(pl.col("eligible"), pl.col("_reasons").list.concat(pl.col("_eligibility")))
        ),
        "error",
    )
    indexed = out.with_row_index("_i")
    indexed = indexed.update(frame, on="_i", how="left", include_nulls=True)
    return indexed.drop("_i")
