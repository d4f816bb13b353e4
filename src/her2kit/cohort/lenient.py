"""Reading a text registry file line by line when Polars refused it because of bad lines.

A bad line — more fields than the header, a stray quote, bytes that are not UTF-8, a JSON Lines line that is
not an object, gives a key twice, or holds NaN, Infinity or a number too large for a float — is a problem of
one row, and a bad row must neither stop the run nor be dropped. When the file's diagnosis
(:class:`~her2kit.cohort.source.BadLines`) says the problem is confined to lines, the engines read the file
again here: the records are split with the file's own quoting, each good record is parsed by
Polars exactly as the fast path would (the good lines of a batch go to ``pl.read_csv`` / ``pl.read_ndjson``
together), and each bad line becomes a row whose :data:`~her2kit.cohort.columns.READ_ERROR` says why, which the
kernel turns into that row's ``error``. Problems of the whole file (a quoted field never closed, an empty file,
JSON kinds in one column that Polars cannot reconcile) still stop the run.

This path is slower than the scan (the lines are split in Python); it runs only for files that need it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import polars as pl

from her2kit.cohort import columns as cols
from her2kit.cohort.lines import BOM, NOT_UTF8, Record, UnclosedQuote, delimited_records
from her2kit.cohort.source import Source, checked_json_line, mixed_kinds
from her2kit.errors import InvalidInput


def _records(source: Source) -> Iterator[Record]:
    """The file's records (:func:`her2kit.cohort.lines.delimited_records`); a quoted field never closed stops."""
    try:
        yield from delimited_records(source.path, source.delimiter, source.quote)
    except UnclosedQuote as exc:
        raise source.unclosed(exc) from None


def _error_rows(bad: list[tuple[int, str, str | None]], first_column: str | None) -> pl.DataFrame:
    """One row per bad line: its reason, and its first field under the header's first column (the id, in
    most registries, so that the row can be found; it is not otherwise read)."""
    data: dict[str, list[Any]] = {
        "_position": [position for position, _, _ in bad],
        cols.READ_ERROR: [message for _, message, _ in bad],
    }
    schema: dict[str, Any] = {"_position": pl.Int64, cols.READ_ERROR: pl.String}
    if first_column is not None:
        data[first_column] = [None if f is None else NOT_UTF8.sub("\ufffd", f) for _, _, f in bad]
        schema[first_column] = pl.String
    return pl.DataFrame(data, schema=schema)


def _batch(
    good: pl.DataFrame,
    good_positions: list[int],
    bad: list[tuple[int, str, str | None]],
    first_column: str | None = None,
) -> pl.DataFrame:
    """The good rows and the error rows of a batch, in file order."""
    frame = good.with_columns(pl.Series("_position", good_positions, dtype=pl.Int64))
    if bad:
        errors = _error_rows(bad, first_column)
        if (
            first_column is not None
            and first_column in frame.columns
            and frame.schema[first_column] != pl.String
        ):
            frame = frame.with_columns(pl.col(first_column).cast(pl.String))
        frame = pl.concat([frame, errors], how="diagonal_relaxed")
    return frame.sort("_position").drop("_position")


def delimited_frames(
    source: Source, *, select: Callable[[pl.DataFrame], pl.DataFrame], rows: int
) -> Iterator[pl.DataFrame]:
    """Frames of a CSV/TSV file, ``rows`` records at a time, each bad line an error row (see the module)."""
    separator, quote = source.delimiter, source.quote
    records = _records(source)
    header = next(records, None)
    if header is None or header.problem is not None:
        raise InvalidInput("input", source.path, "a delimited file with a readable header line")
    width = header.fields

    def parse(texts: list[str]) -> pl.DataFrame:
        data = (header.text if header.text.endswith("\n") else header.text + "\n") + "".join(texts)
        return pl.read_csv(
            io.BytesIO(data.encode("utf-8")),
            separator=separator,
            quote_char=quote,
            infer_schema=False,
            null_values=list(source.null_values) or None,
        )

    first_column = parse([]).columns[0]
    for _ in range(source.skip_after_header):
        next(records, None)

    good: list[str] = []
    positions: list[int] = []
    bad: list[tuple[int, str, str | None]] = []
    position = 0
    for record in records:
        problem = record.problem
        if problem is None and record.fields > width:
            problem = f"{record.fields} fields where the header has {width}"
        if problem is None:
            good.append(record.text if record.text.endswith("\n") else record.text + "\n")
            positions.append(position)
        else:
            bad.append(
                (position, f"row: line {record.line} has {problem}; the line is not read", record.first)
            )
        position += 1
        if position % rows == 0:
            yield select(_batch(parse(good), positions, bad, first_column))
            good, positions, bad = [], [], []
    if good or bad or position == 0:
        yield select(_batch(parse(good), positions, bad, first_column))


def line_by_line(
    source: Source, rows: int, select: Callable[[pl.DataFrame], pl.DataFrame] | None = None
) -> Iterator[pl.DataFrame]:
    """The frames of a text file read line by line: the standard columns (or ``select``, a mapping) and
    :data:`~her2kit.cohort.columns.READ_ERROR`."""
    pick = select or standard_columns
    if source.kind == "jsonl":
        return jsonl_frames(source, select=pick, rows=rows)
    return delimited_frames(source, select=pick, rows=rows)


def jsonl_frames(
    source: Source, *, select: Callable[[pl.DataFrame], pl.DataFrame], rows: int
) -> Iterator[pl.DataFrame]:
    """Frames of a JSON Lines file, ``rows`` lines at a time, each bad line an error row (see the module)."""
    good: list[str] = []
    objects: list[tuple[int, dict[str, Any]]] = []
    positions: list[int] = []
    bad: list[tuple[int, str, str | None]] = []
    position = 0

    def flush() -> pl.DataFrame:
        try:
            parsed = pl.read_ndjson(io.BytesIO("".join(good).encode("utf-8"))) if good else pl.DataFrame()
        except pl.exceptions.PolarsError as exc:
            # Kinds Polars cannot put in one column (a number and a list, with no text) stop the run, as the
            # scan does; text and numbers in one column are read as text, as the scan reads them.
            problem = mixed_kinds(objects)
            if problem is not None:
                raise problem from exc
            raise
        return select(_batch(parsed, positions, bad))

    with source.path.open(encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            if number == 1:
                line = line.removeprefix(BOM)
            if not line.strip():
                continue
            value, problem = checked_json_line(line)
            if problem is None:
                good.append(line if line.endswith("\n") else line + "\n")
                objects.append((number, value))
                positions.append(position)
            else:
                bad.append((position, f"row: line {number} has {problem}; the line is not read", None))
            position += 1
            if position % rows == 0:
                yield flush()
                good, objects, positions, bad = [], [], [], []
    if good or bad:
        yield flush()


def standard_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The standard columns of a frame read here (with their types, as the scan would give them; a column
    spelled in other letter case or with spaces under its standard name, as the scan reads it) and
    :data:`~her2kit.cohort.columns.READ_ERROR`."""
    return StandardColumns()(frame)


class StandardColumns:
    """:func:`standard_columns` for each frame read line by line, remembering which columns were read (the
    summary's account when the scan could not tell: a JSON Lines file with a bad line among those the scan
    infers its columns from)."""

    def __init__(self) -> None:
        self.plan: cols.ColumnPlan | None = None

    def __call__(self, frame: pl.DataFrame) -> pl.DataFrame:
        plan = cols.resolve_columns(frame.columns)
        self.plan = plan if self.plan is None else self.plan.merge(plan)
        error = pl.col(cols.READ_ERROR) if cols.READ_ERROR in frame.columns else pl.lit(None, dtype=pl.String)
        return frame.select(*plan.exprs(), error.alias(cols.READ_ERROR))
