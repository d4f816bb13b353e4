"""The records of a text registry file, and what is wrong with one, as Polars would see it.

Quoting follows RFC 4180 as Polars reads it: a quote opens a field only at the field's start, a doubled quote
inside quotes is one quote character, and a quoted field may span lines. Python's own ``csv`` module is more
lenient about stray quotes, so neither the diagnosis (``source``) nor the line-by-line reader (``lenient``) uses
it: both split records here, and so agree on what a bad line is. Used on the error path only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

BOM: Final = "\ufeff"  # a UTF-8 byte-order mark, which some tools write at the start of a file
# Bytes that are not UTF-8, as a file opened with errors="surrogateescape" shows them.
NOT_UTF8: Final = re.compile("[\udc80-\udcff]")
NOT_UTF8_REASON: Final = (
    "bytes that are not UTF-8 (a file in another encoding: give it, e.g. --encoding latin-1)"
)


class UnclosedQuote(Exception):
    """A quoted field is never closed: the rest of the file is inside it (a problem of the whole file)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}")
        self.line = line


@dataclass(frozen=True)
class Record:
    line: int  # the line the record starts on
    text: str  # the record as written, with its line ending(s)
    problem: str | None  # why the record cannot be read, else None
    first: str | None  # its first field (the id, in most registries), when it could be split
    fields: int  # how many fields it has


def delimited_records(path: Path, separator: str, quote: str | None) -> Iterator[Record]:
    """The records of a delimited file, a quoted field spanning lines kept in one record; raises
    :class:`UnclosedQuote` at the end when a quoted field never closes."""
    pending: list[str] = []
    first_line = 0
    in_quotes = False
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if not pending:
                first_line = number
            if quote is not None and (in_quotes or quote in line):
                in_quotes = still_quoted(line, in_quotes, separator, quote)
                pending.append(line)
                if in_quotes:
                    continue
                text = "".join(pending)
                pending = []
                fields, problem = split_quoted(text, separator, quote)
            else:
                text = line
                fields, problem = text.rstrip("\r\n").split(separator), None
            if NOT_UTF8.search(text):
                problem = NOT_UTF8_REASON
            yield Record(first_line, text, problem, fields[0] if fields else None, len(fields))
    if pending:
        raise UnclosedQuote(first_line)


def json_line(line: str) -> tuple[Any, str | None]:
    """A JSON Lines line (read with surrogateescape) as (its object, None), or (None, why it cannot be read)."""
    if NOT_UTF8.search(line):
        return None, NOT_UTF8_REASON
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None, "text that is not valid JSON"
    if not isinstance(value, dict):
        return None, "JSON that is not an object"
    return value, None


def split_quoted(text: str, separator: str, quote: str) -> tuple[list[str], str | None]:
    """The fields of one complete record with RFC 4180 quoting, and a problem (a stray quote) or None."""
    fields: list[str] = []
    field: list[str] = []
    in_quotes = closed = False
    start = True
    i = 0
    body = text.rstrip("\r\n")
    while i < len(body):
        c = body[i]
        if in_quotes:
            if c == quote and body[i + 1 : i + 2] == quote:
                field.append(quote)
                i += 1
            elif c == quote:
                in_quotes, closed = False, True
            else:
                field.append(c)
        elif c == separator:
            fields.append("".join(field))
            field, start, closed = [], True, False
        elif c == quote and start:
            in_quotes, start = True, False
        elif c == quote or closed:
            return (
                fields,
                "text after a closing quote"
                if closed
                else "a quote inside a field that does not start with one",
            )
        else:
            field.append(c)
            start = False
        i += 1
    fields.append("".join(field))
    return fields, None


def still_quoted(line: str, in_quotes: bool, separator: str, quote: str) -> bool:
    """Whether a quoted field is still open at the end of ``line`` (open at its start: ``in_quotes``). A quote
    opens a field only at the field's start, so a stray quote in an unquoted field does not swallow lines."""
    start = not in_quotes
    i = 0
    while i < len(line):
        c = line[i]
        if in_quotes:
            if c == quote and line[i + 1 : i + 2] == quote:
                i += 1
            elif c == quote:
                in_quotes = False
        elif c == separator:
            start = True
        elif c == quote and start:
            in_quotes, start = True, False
        else:
            start = False
        i += 1
    return in_quotes
