"""How a registry file is read (:class:`Source`), and what is wrong with one that cannot be read.

The readers' own messages may quote the offending field (a patient identifier, a line of report text), so
they are never shown. On the error path only, the file is read again with Python's own parsers to find the
first problem, and :func:`input_problem` names the file, the line and the kind of problem. A file in which
no problem is found gives None: the caller then reports that the reader failed, naming only its error type.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NoReturn, TypeVar

from her2kit.cohort import columns as cols
from her2kit.cohort.quoting import split_quoted, still_quoted
from her2kit.errors import Her2kitError, InvalidInput

# Line length that csv accepts (its default, 128 KiB, is below long pathology reports).
_CSV_FIELD_LIMIT = 1 << 30
T = TypeVar("T")
_JSON_KIND = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    list: "a list",
    dict: "an object",
}


BOM: Final = "\ufeff"  # a UTF-8 byte-order mark, which some tools write at the start of a file

_ALLOWED = {
    "csv": "a comma-separated UTF-8 file with a header line and the same number of fields on every line",
    "tsv": "a tab-separated UTF-8 file with a header line and the same number of fields on every line",
    "jsonl": "a UTF-8 JSON Lines file: one JSON object per line",
}


class BadLines(InvalidInput):
    """A problem confined to lines of a text file (a line with too many fields, a stray quote, bytes that are not
    UTF-8, a JSON Lines line that is not an object): the engines then read the file line by line
    (:mod:`her2kit.cohort.lenient`) and each bad line becomes an error row, so that the run goes on."""


def _problem(path: Path, where: str, allowed: str, *, lines: bool = False) -> InvalidInput:
    return (BadLines if lines else InvalidInput)("input", path, allowed, hint=where)


def _utf8_problem(path: Path, allowed: str) -> InvalidInput | None:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return _problem(
                    path,
                    f"line {number}, byte {exc.start + 1} (0x{line[exc.start]:02x}) is not UTF-8: "
                    "convert the file to UTF-8, e.g. with iconv -f latin1 -t utf-8",
                    allowed,
                    lines=True,
                )
    return None


def _delimited_problem(
    path: Path, separator: str, quote: str | None, skip_after_header: int
) -> InvalidInput | None:
    allowed = _ALLOWED["tsv" if separator == "\t" else "csv"]
    if path.stat().st_size == 0:
        return _problem(path, "the file is empty: no header line", allowed)
    found = _utf8_problem(path, allowed)
    if found is not None:
        return found
    limit = csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        found = _first_bad_record(path, separator, quote, skip_after_header, allowed)
    finally:
        csv.field_size_limit(limit)
    if found is None and quote is not None:
        found = _first_stray_quote(path, separator, quote, allowed)
    return found


def _first_stray_quote(path: Path, separator: str, quote: str, allowed: str) -> InvalidInput | None:
    """A quote inside a field that does not start with one (``ab"c``), or text after a closing quote, which
    Python's reader keeps as characters and Polars refuses (RFC 4180: quote the whole field, double the quote)."""
    pending: list[str] = []
    start = 1
    in_quotes = False
    with path.open(newline="", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not pending:
                start = number
            if not in_quotes and quote not in line:
                continue
            in_quotes = still_quoted(line, in_quotes, separator, quote)
            pending.append(line)
            if in_quotes:
                continue
            _, problem = split_quoted("".join(pending), separator, quote)
            pending = []
            if problem is not None:
                where = f"line {start}: {problem}; quote the whole field and double the quotes in it"
                return _problem(path, where, allowed, lines=True)
    return None


def _first_bad_record(
    path: Path, separator: str, quote: str | None, skip_after_header: int, allowed: str
) -> InvalidInput | None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(
            handle,
            delimiter=separator,
            quotechar=quote or '"',
            quoting=csv.QUOTE_NONE if quote is None else csv.QUOTE_MINIMAL,
            strict=True,
        )
        start = 1  # the line the record being read starts on
        try:
            header = next(reader, [])
            if not header:
                return _problem(path, "line 1 is empty: no header line", allowed)
            for _ in range(skip_after_header):
                next(reader, None)
            start = reader.line_num + 1
            for record in reader:
                # (fewer fields than the header: the missing ones are empty, as Polars reads them)
                if len(record) > len(header):
                    where = f"line {start} has {len(record)} fields; the header has {len(header)}"
                    return _problem(path, where, allowed, lines=True)
                start = reader.line_num + 1
        except csv.Error as exc:
            if "end of data" in str(exc):  # at the end of the file: the field swallowed the rest
                where = "a quoted field is never closed, so the rest of the file is inside it"
                return _problem(path, f"line {start}: {where}", allowed)
            return _problem(path, f"line {start}: {exc}", allowed, lines=True)
    return None


def _jsonl_problem(path: Path) -> InvalidInput | None:
    allowed = _ALLOWED["jsonl"]
    if path.stat().st_size == 0:
        return _problem(path, "the file is empty", allowed)
    found = _utf8_problem(path, allowed)
    if found is not None:
        return found
    objects: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if number == 1 and line.startswith(BOM):  # Polars refuses it; the line-by-line reader skips it
                return _problem(path, "line 1 starts with a byte-order mark", allowed, lines=True)
            if not line.strip():
                continue
            try:
                value: Any = json.loads(line)
            except json.JSONDecodeError as exc:
                return _problem(
                    path,
                    f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})",
                    allowed,
                    lines=True,
                )
            if not isinstance(value, dict):
                what = _JSON_KIND.get(type(value), "null")
                return _problem(path, f"line {number} holds {what}, not an object", allowed, lines=True)
            objects.append((number, value))
    return mixed_kinds(objects)


def mixed_kinds(objects: Iterable[tuple[int, dict[str, Any]]]) -> InvalidInput | None:
    """A standard column whose JSON values are of different kinds (text in one line, a list in another)."""
    kinds: dict[str, dict[str, int]] = {}
    for number, value in objects:
        for name in cols.INPUT_COLUMNS:
            item = value.get(name)
            if item is not None:
                kinds.setdefault(name, {}).setdefault(_JSON_KIND[type(item)], number)
    for name, seen in kinds.items():
        if len(seen) > 1:
            first, second = sorted(seen.items(), key=lambda kv: kv[1])[:2]
            return InvalidInput(
                name,
                f"{first[0]} in line {first[1]}, {second[0]} in line {second[1]}",
                "values of one kind in a column",
            )
    return None


def _parquet_problem(path: Path) -> InvalidInput | None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    allowed = "a readable Parquet file"
    try:
        handle = pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        return _problem(path, "not a Parquet file, or a truncated one", allowed)
    for group in range(handle.metadata.num_row_groups):
        try:
            handle.read_row_group(group)
        except (pa.ArrowException, OSError):
            return _problem(path, f"row group {group} cannot be decoded: the file is damaged", allowed)
    return None


@dataclass(frozen=True)
class Source:
    """A registry file and how it is read: its kind (parquet, csv, tsv, jsonl) and, for delimited text, the
    separator, the quote character (None: quotes are plain characters) and the lines skipped after the header."""

    path: Path
    kind: str
    separator: str | None = None
    quote: str | None = '"'
    skip_after_header: int = 0
    null_values: tuple[str, ...] = ()  # strings that mean "missing" (a mapping's placeholders)

    def problem(self) -> InvalidInput | None:
        """The first problem in the file, or None if none is found."""
        path = self.path
        if not path.is_file():
            return InvalidInput("input", path, "an existing file")
        if self.kind == "parquet":
            return _parquet_problem(path)
        if self.kind == "jsonl":
            return _jsonl_problem(path)
        sep = self.separator if self.separator is not None else ("\t" if self.kind == "tsv" else ",")
        return _delimited_problem(path, sep, self.quote, self.skip_after_header)

    def fail(self, exc: BaseException) -> NoReturn:
        """Raise the file's first problem, or :class:`UnreadableInput` when none is found (chained to ``exc``)."""
        problem = self.problem()
        if problem is not None:
            raise problem from exc
        raise UnreadableInput(
            f"input: {self.path} could not be read ({type(exc).__name__}) and her2kit found no fault in it; "
            "please report this with the her2kit version"
        ) from exc

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Turn a Polars or Arrow failure inside the block into the file's first problem."""
        import polars as pl
        import pyarrow as pa

        try:
            yield
        except (pl.exceptions.PolarsError, pa.ArrowException) as exc:
            self.fail(exc)

    def guard(self, frames: Iterator[T]) -> Iterator[T]:
        """``frames``, with a reader's failure while producing them turned into the file's first problem."""
        with self.reading():
            yield from frames


class UnreadableInput(Her2kitError):
    """A reader failed on a file in which her2kit found no fault (names the reader's error type only)."""

    exit_code = 2
