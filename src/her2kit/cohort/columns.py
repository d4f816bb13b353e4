"""The column contract of cohort screening: standard input columns and the output schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl
import pyarrow as pa

from her2kit.errors import InvalidInput

# Standard input columns; a file may carry any subset (absent columns are read as null).
ID: Final = "id"
TUMOR_TYPE: Final = "tumor_type"
SETTING: Final = "setting"
IHC_SCORE: Final = "ihc_score"
ISH_RATIO: Final = "ish_ratio"
HER2_COPIES: Final = "her2_copies"
CEP17_COPIES: Final = "cep17_copies"
ER: Final = "er"
PR: Final = "pr"
REPORT_TEXT: Final = "report_text"
# Optional extension: free-text notes (e.g. from a mapping) appended to the row's reasons as "mapping: ...".
NOTES: Final = "notes"
# Internal: why a line of the input file could not be read (set by cohort.lenient); the row's error.
READ_ERROR: Final = "_read_error"

TEXT_COLUMNS: Final[tuple[str, ...]] = (ID, TUMOR_TYPE, SETTING, IHC_SCORE, ER, PR, REPORT_TEXT)
NUMERIC_COLUMNS: Final[tuple[str, ...]] = (ISH_RATIO, HER2_COPIES, CEP17_COPIES)
INPUT_COLUMNS: Final[tuple[str, ...]] = (
    ID,
    TUMOR_TYPE,
    SETTING,
    IHC_SCORE,
    ISH_RATIO,
    HER2_COPIES,
    CEP17_COPIES,
    ER,
    PR,
    REPORT_TEXT,
    NOTES,
)


def check_input_types(schema: Mapping[str, pl.DataType]) -> None:
    """Every standard input column holds one scalar value per row (text, a number, a boolean, a date);
    a list, a struct or binary data in one is an input error naming the column, not a failed run."""
    for name in INPUT_COLUMNS:
        dtype = schema.get(name)
        if dtype is not None and (dtype.is_nested() or dtype in (pl.Binary, pl.Object)):
            raise InvalidInput(
                f"input column {name}",
                str(dtype),
                "text or a number, one value per row (not a list or record)",
            )


# Output: one row per input row, in input order. ``eligible`` and ``reasons`` are text: the indication ids
# joined with ELIGIBLE_SEPARATOR ("" when none is met) and the reasons joined with REASONS_SEPARATOR; both
# are null on an error row. Text, not list columns, because writing ~40 million list elements per
# 10 million rows cost more than the whole rest of a screen (docs/architecture.md, "Cohort output").
ELIGIBLE_SEPARATOR: Final = ";"
# Reasons that say why indications could not be met on a row lacking data (the run's summary counts them).
SETTING_NOT_GIVEN: Final = "setting not given, so no indication is met"
HR_NOT_GIVEN: Final = "ER/PR not given, so HR-positive indications are not met"
HR_PR_MISSING: Final = (
    "PR not given and ER negative: HR status unknown, so HR-positive indications are not met"
)
HR_ER_MISSING: Final = (
    "ER not given and PR negative: HR status unknown, so HR-positive indications are not met"
)
# What the summary counts as "HR status unknown" (each reason above contains it).
HR_UNKNOWN_MARK: Final = ", so HR-positive indications are not met"
REASONS_SEPARATOR: Final = " | "
OUTPUT_SCHEMA: Final = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("her2_result", pa.string()),
        pa.field("her2_category", pa.string()),
        pa.field("ish_group", pa.int32()),
        pa.field("eligible", pa.string()),
        pa.field("reasons", pa.string()),
        pa.field("error", pa.string()),
    ]
)
OUTPUT_COLUMNS: Final[tuple[str, ...]] = tuple(OUTPUT_SCHEMA.names)

# The same schema as a Spark DDL string (for ``DataFrame.mapInArrow``).
SPARK_OUTPUT_DDL: Final = (
    "id string, her2_result string, her2_category string, ish_group int, "
    "eligible string, reasons string, error string"
)
