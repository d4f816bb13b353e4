"""The single error hierarchy of her2kit.

Every error the library raises on purpose derives from :class:`Her2kitError`.
Errors about user input carry the offending *field*, the *value* (shortened, so
that no report text or identifier is echoed in full) and what is *allowed*, so
that the CLI and the REST API can print one clear line without a traceback.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Final

_MAX_VALUE_CHARS = 40
_MAX_PATH_CHARS = 80


def _short(value: Any) -> str:
    """A bounded representation of a bad value, safe to print in a log line.

    A file path keeps its end (the file's name), other values their start."""
    if isinstance(value, PurePath):
        text = str(value)
        return repr(text if len(text) <= _MAX_PATH_CHARS else "…" + text[-(_MAX_PATH_CHARS - 1) :])
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


class _Withheld:
    """The value of an invalid field that identifies a patient (a FHIR Patient's birth date, name, identifier):
    errors name the field and say the value is not repeated."""

    def __repr__(self) -> str:
        return "the value (not repeated: patient data)"


WITHHELD: Final = _Withheld()


class Her2kitError(Exception):
    """Root of every error her2kit raises deliberately."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(Her2kitError, ValueError):
    """Input that her2kit cannot interpret: it names the field, the value and what is allowed.

    It is also a :class:`ValueError`, so that pydantic validators may raise it and
    keep the location of the field in the document.
    """

    exit_code = 2

    def __init__(self, field: str, value: Any, allowed: str, *, hint: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.hint = hint
        message = f"{field}: {_short(value)} is not valid; allowed: {allowed}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class KnowledgeBaseError(Her2kitError):
    """The knowledge base data failed validation; names the file and the record."""

    exit_code = 3

    def __init__(self, problems: list[str], limit: int | None = 50) -> None:
        """``limit``: how many problems the message lists (None: all, as ``her2kit kb validate`` prints them)."""
        self.problems = problems
        cut = len(problems) if limit is None else limit
        shown = "\n".join(f"  - {p}" for p in problems[:cut])
        more = f"\n  … and {len(problems) - cut} more" if len(problems) > cut else ""
        super().__init__(f"knowledge base is invalid ({len(problems)} problem(s)):\n{shown}{more}")


class NotFound(Her2kitError):
    """A name or id that is not in the knowledge base."""

    exit_code = 2

    def __init__(self, kind: str, key: str, suggestions: list[str] | None = None) -> None:
        self.kind = kind
        self.key = key
        self.suggestions = suggestions or []
        message = f"no {kind} matches {_short(key)}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions)
        super().__init__(message)
