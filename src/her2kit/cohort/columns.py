"""The column contract of cohort screening: standard input columns and the output schema."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

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


STANDARD: Final = frozenset(INPUT_COLUMNS)

# Words that mean "no value" in a registry export, in every standard column that is read (every column but
# ``id``, which is carried as given): compared after stripping, collapsing inner spaces and lower-casing, so
# "NA", " N/A ", "[Not Available]" and "NaN" are missing values, exactly like an empty field. The one list
# (docs/cohort.md, "Missing values"): R's ``NA``, pandas' and SQL's placeholders, the GDC's bracketed ones, and
# the words of a test with no result. ER, PR and setting also take "equivocal" as not given (codes.py); for the
# IHC score, the words in :data:`NOT_MISSING_FOR_IHC` stay errors.
MISSING_VALUES: Final = frozenset(
    {
        "na",
        "n/a",
        "#n/a",
        "<na>",
        "nan",
        "none",
        "null",
        "unknown",
        "not known",
        "[unknown]",
        "not available",
        "[not available]",
        "not applicable",
        "[not applicable]",
        "not evaluated",
        "[not evaluated]",
        "not performed",
        "not done",
        "pending",
        "indeterminate",
    }
)
# "null" may mean HER2-null and "none" no staining (IHC 0): as in the case model, an IHC score so given is an
# error that says so, not a missing score.
NOT_MISSING_FOR_IHC: Final = frozenset({"null", "none"})


def standard_name(name: str) -> str | None:
    """The standard column a file's column name is read as (any letter case, surrounding spaces ignored), or None.
    The notes extension (copied into every row's reasons) is read only under its exact name: a registry's own "Notes"
    column is free text (names, dates of birth) that must not reach the output."""
    key = column_key(name)
    if key not in STANDARD or (key == NOTES and name != NOTES):
        return None
    return key


def missing_key(value: str) -> str:
    """How a value is compared with :data:`MISSING_VALUES`: stripped, inner spaces collapsed, lower case."""
    return " ".join(value.strip().lower().split())


def is_missing_value(column: str, value: str) -> bool:
    """Whether a text value of a standard column means "no value" (empty, or a word of :data:`MISSING_VALUES`)."""
    key = missing_key(value)
    if not key:
        return True
    return key in MISSING_VALUES and not (column == IHC_SCORE and key in NOT_MISSING_FOR_IHC)


# --------------------------------------------------------------------------- which column is which
def column_key(name: str) -> str:
    """A file's column name as compared with the standard names: surrounding spaces stripped, case-folded."""
    return name.strip().casefold()


# Polars' name for a later column of a header that names a column again: ``<name>_duplicated_<n>``.
_DUPLICATED: Final = re.compile(r"(.+)_duplicated_\d+")


def check_named_once(names: Sequence[str], read: Callable[[str], bool]) -> None:
    """A column that is read (``read(name)``) and that the header names twice is an input error naming it (every
    such column, in header order): which of the two is meant is unknown. Polars keeps the first and renames the
    later ones ``<name>_duplicated_<n>``. The one check of a repeated name, for the standard columns
    (:func:`resolve_columns`) and for a mapping's source columns (:func:`her2kit.cohort.mapping.read_mapped`)."""
    repeated = {found.group(1) for found in map(_DUPLICATED.fullmatch, names) if found is not None}
    twice = [name for name in names if name in repeated and read(name)]
    if twice:
        raise InvalidInput("input columns", ", ".join(twice), "each column read once", hint="named twice")


@dataclass(frozen=True)
class ColumnPlan:
    """Which of a file's columns are read as which standard column (docs/cohort.md, "Input columns").

    ``read``: standard column -> the file's column (in :data:`INPUT_COLUMNS` order); ``renamed``: the standard
    columns read from a column whose name differs in letter case or surrounding spaces; ``constants``: a
    mapping's constant columns; ``ignored``: the file's columns that are not read.
    """

    read: dict[str, str] = field(default_factory=dict)
    renamed: tuple[str, ...] = ()
    constants: dict[str, Any] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    @property
    def absent(self) -> list[str]:
        return [name for name in INPUT_COLUMNS if name not in self.read and name not in self.constants]

    @property
    def notes(self) -> list[str]:
        return [
            f"column {self.read[name]!r} read as {name} (the name differs only in letter case or spaces)"
            for name in self.renamed
        ]

    def exprs(self) -> list[pl.Expr]:
        """The file's columns that are read, each under its standard name."""
        return [pl.col(source).alias(name) for name, source in self.read.items()]

    def merge(self, other: ColumnPlan) -> ColumnPlan:
        """This plan and another's (the batches of a JSON Lines file read line by line may differ in keys)."""
        read = dict(self.read)
        for name, source in other.read.items():
            if read.setdefault(name, source) != source:
                _two_columns(name, [read[name], source])
        used = set(read.values())
        ignored = [n for n in dict.fromkeys([*self.ignored, *other.ignored]) if n not in used]
        return ColumnPlan(
            read={name: read[name] for name in INPUT_COLUMNS if name in read},
            renamed=tuple(n for n in INPUT_COLUMNS if n in self.renamed or n in other.renamed),
            constants={**self.constants, **other.constants},
            ignored=tuple(ignored),
        )

    def summary_fields(self) -> dict[str, Any]:
        """The summary's account of the columns (:class:`her2kit.cohort.summary.CohortSummary`)."""
        return {
            "columns_read": dict(self.read),
            "columns_constant": dict(self.constants),
            "columns_absent": self.absent,
            "columns_ignored": list(self.ignored),
            "column_notes": self.notes,
        }


def _two_columns(name: str, sources: Sequence[str]) -> None:
    raise InvalidInput(
        "input columns",
        ", ".join(repr(s) for s in sources),
        f"one column read as {name} (rename or drop the others)",
        hint=f"each would be read as {name}: letter case and surrounding spaces do not count",
    )


def resolve_columns(names: Sequence[str]) -> ColumnPlan:
    """Which of a file's columns are read (:class:`ColumnPlan`), by name once stripped and case-folded.

    ``IHC_Score`` and `` er`` are read as ``ihc_score`` and ``er`` (the summary notes it); two columns that would
    both be read as one standard column (``ihc_score`` and ``IHC_Score``, or a name repeated in the header) are
    an input error naming both, raised before any row is read.
    """
    check_named_once(names, lambda name: column_key(name) in STANDARD)
    found: dict[str, list[str]] = {}
    ignored: list[str] = []
    for name in names:
        if name == READ_ERROR:
            continue
        key = standard_name(name)
        if key is None:
            ignored.append(name)
        else:
            found.setdefault(key, []).append(name)
    for name, sources in found.items():
        if len(sources) > 1:
            _two_columns(name, sources)
    read = {name: found[name][0] for name in INPUT_COLUMNS if name in found}
    return ColumnPlan(
        read=read,
        renamed=tuple(name for name, source in read.items() if source != name),
        ignored=tuple(ignored),
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
