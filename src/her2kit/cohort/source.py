"""How a registry file is read (:class:`Source`), and what is wrong with one that cannot be read.

The readers' own messages may quote the offending field (a patient identifier, a line of report text), so
they are never shown. On the error path only, the file is read again with Python's own parsers to find the
first problem (records split as :mod:`her2kit.cohort.lines` does), and :meth:`Source.problem` names the file,
the line and the kind of problem. A problem confined to lines is a :class:`BadLines`: the engines then read the
file line by line instead of stopping. A file in which no problem is found gives None: the caller then reports
that the reader failed, naming only its error type.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from her2kit.case import KeyGivenTwice, unique_keys
from her2kit.cohort import columns as cols
from her2kit.cohort.lines import BOM, UnclosedQuote, delimited_records, json_line
from her2kit.errors import Her2kitError, InvalidInput, _short

T = TypeVar("T")
_JSON_KIND = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    list: "a list",
    dict: "an object",
}

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


def _delimited_problem(source: Source) -> InvalidInput | None:
    path = source.path
    allowed = _ALLOWED[source.kind]
    if path.stat().st_size == 0:
        return _problem(path, "the file is empty: no header line", allowed)
    records = delimited_records(path, source.delimiter, source.quote)
    try:
        header = next(records, None)
        if header is None or not header.text.strip():
            return _problem(path, "line 1 is empty: no header line", allowed)
        if header.problem is not None:
            return _problem(path, f"the header line has {header.problem}", allowed)
        for _ in range(source.skip_after_header):
            next(records, None)
        for record in records:
            if record.problem is not None:
                return _problem(path, f"line {record.line} has {record.problem}", allowed, lines=True)
            # (fewer fields than the header: the missing ones are empty, as Polars reads them)
            if record.fields > header.fields:
                where = f"line {record.line} has {record.fields} fields; the header has {header.fields}"
                return _problem(path, where, allowed, lines=True)
    except UnclosedQuote as exc:
        return source.unclosed(exc)
    return None


def _jsonl_problem(path: Path) -> InvalidInput | None:
    allowed = _ALLOWED["jsonl"]
    if path.stat().st_size == 0:
        return _problem(path, "the file is empty", allowed)
    objects: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            if number == 1 and line.startswith(BOM):  # Polars refuses it; the line-by-line reader skips it
                return _problem(path, "line 1 starts with a byte-order mark", allowed, lines=True)
            if not line.strip():
                continue
            value, problem = checked_json_line(line)
            if problem is not None:
                return _problem(path, f"line {number} has {problem}", allowed, lines=True)
            objects.append((number, value))
    if not objects:
        return _problem(path, "the file holds only blank lines", allowed)
    return mixed_kinds(objects)


class _NotANumber:
    """A number token Python reads but Polars and JSON do not: NaN, Infinity, or one beyond a float's range."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason


def _float(text: str) -> float | _NotANumber:
    value = float(text)
    return value if math.isfinite(value) else _NotANumber(text, "a number too large to read")


def _constant(text: str) -> _NotANumber:
    return _NotANumber(text, "not a JSON number")


def _first_mark(value: Any) -> KeyGivenTwice | _NotANumber | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (KeyGivenTwice, _NotANumber)):
            return item
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return None


def checked_json_line(line: str) -> tuple[Any, str | None]:
    """:func:`~her2kit.cohort.lines.json_line`, and also why a line that Python's JSON reader accepts is still
    not read: a key given twice (Polars keeps the first, Python the last: which is meant is unknown), NaN or
    Infinity (not JSON), or a number too large for a float. The reason names the column (its top-level key),
    never the line's content."""
    value, problem = json_line(line)
    if problem is not None:
        return value, problem
    try:
        marked = json.loads(line, object_pairs_hook=unique_keys, parse_float=_float, parse_constant=_constant)
    except (ValueError, RecursionError):  # (json_line read it, so this does not happen)
        return None, "text that is not valid JSON"
    if isinstance(marked, KeyGivenTwice):
        return None, f"the key {_short(marked.key)} given twice"
    for column, item in marked.items():
        mark = _first_mark(item)
        if isinstance(mark, KeyGivenTwice):
            return None, f"the key {_short(mark.key)} given twice (in {_short(column)})"
        if isinstance(mark, _NotANumber):
            return None, f"{mark.text[:24]} in {_short(column)} ({mark.reason})"
    return value, None


# A unicode escape inside a key (the rest of the quoted text, then a colon): it may spell another key.
_ESCAPE_IN_KEY = r'\\u[0-9a-fA-F]{4}(?:[^"\\]|\\.)*"\s*:'
_seen_files: dict[tuple[str, int, int], int | None] = {}


def first_key_twice(path: Path) -> int | None:
    """The number of the first line of a JSON Lines file with a key given twice, or None; Polars reads such a
    line without complaint (keeping the first value), so it is looked for here: each key of the file and each
    standard column is counted on every line as a quoted word (vectorised), and only lines where one appears twice,
    or whose key holds a unicode escape, are read again with Python's JSON reader. Remembered per file (name, size,
    time)."""
    import polars as pl

    stat = path.stat()
    memo = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if memo in _seen_files:
        return _seen_files[memo]
    found: int | None = None
    try:
        # Candidates, cheaply: a line in which a key of the file appears twice as a quoted word, or that has a
        # unicode escape (which may spell a key); each is then read with the JSON reader, which decides.
        names = pl.scan_ndjson(path, infer_schema_length=1000).collect_schema().names()
        twice = pl.lit(False)
        for name in dict.fromkeys([*names, *cols.INPUT_COLUMNS]):
            quoted = json.dumps(name, ensure_ascii=False)
            twice = twice | (pl.col("line").str.count_matches(quoted, literal=True) > 1)
        escaped = pl.col("line").str.contains(_ESCAPE_IN_KEY)
        lines = (
            pl.scan_csv(
                path,
                has_header=False,
                separator="\x1f",
                quote_char=None,
                infer_schema=False,
                new_columns=["line"],
                truncate_ragged_lines=True,
                encoding="utf8-lossy",
            )
            .with_row_index("number", offset=1)
            .filter(twice | escaped)
            .select("number")
            .collect()
        )
        candidates = lines.get_column("number").to_list()
    except pl.exceptions.PolarsError:  # (a file Polars cannot split into lines: every line is looked at)
        candidates = None
    if candidates is None or candidates:
        wanted = None if candidates is None else set(candidates)
        with path.open(encoding="utf-8", errors="surrogateescape") as handle:
            for number, line in enumerate(handle, start=1):
                if wanted is not None and number not in wanted:
                    continue
                _, problem = checked_json_line(line.removeprefix(BOM) if number == 1 else line)
                if problem is not None and "given twice" in problem:
                    found = number
                    break
    _seen_files[memo] = found
    return found


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

    @property
    def delimiter(self) -> str:
        """The field separator of a delimited file: the given one, else a tab for .tsv and a comma for .csv."""
        if self.separator is not None:
            return self.separator
        return "\t" if self.kind == "tsv" else ","

    def problem(self) -> InvalidInput | None:
        """The first problem in the file, or None if none is found."""
        path = self.path
        if not path.is_file():
            return InvalidInput("input", path, "an existing file")
        if self.kind == "parquet":
            return _parquet_problem(path)
        if self.kind == "jsonl":
            return _jsonl_problem(path)
        return _delimited_problem(self)

    def unclosed(self, exc: UnclosedQuote) -> InvalidInput:
        """The input error for a quoted field that never closes (the whole file's problem, not a line's)."""
        where = f"line {exc.line}: a quoted field is never closed, so the rest of the file is inside it"
        return _problem(self.path, where, _ALLOWED[self.kind])

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
    def reading(self, *, keys: bool = True) -> Iterator[None]:
        """Turn a Polars or Arrow failure inside the block into the file's first problem. A JSON Lines file with a
        key given twice on a line is a :class:`BadLines` at once (Polars would read it, keeping the first), unless
        ``keys`` is false (the block only reads the file's schema)."""
        import polars as pl
        import pyarrow as pa

        if keys and self.kind == "jsonl" and self.path.is_file():
            number = first_key_twice(self.path)
            if number is not None:  # (Polars would read the line, keeping the first value)
                raise _problem(
                    self.path, f"line {number} has a key given twice", _ALLOWED["jsonl"], lines=True
                )
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
