"""RFC 4180 quoting, as Polars reads it: a quote opens a field only at the field's start, a doubled quote inside
quotes is one quote character, and a quoted field may span lines. Used on the error path only (the diagnosis in
``source`` and the line-by-line reader in ``lenient``), where Python's own ``csv`` module is more lenient than
Polars about stray quotes.
"""

from __future__ import annotations


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
