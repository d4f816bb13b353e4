"""The single error hierarchy of her2kit.

Every error the library raises on purpose derives from :class:`Her2kitError`.
Errors about user input carry the offending *field*, the *value* (shortened, so
that no report text or identifier is echoed in full) and what is *allowed*, so
that the CLI and the REST API can print one clear line without a traceback.
"""

from __future__ import annotations

import re
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


class Placeholder(str):
    """What her2kit writes in a value's place when there is no value to repeat ("(missing)", "(end of file)",
    "(no samples)"): her2kit's own words, never the user's, so :func:`shown` always shows it. A user's string that
    merely looks like one ("(Jane Q Smith)") is a plain ``str`` and gets the rule."""

    __slots__ = ()


MISSING: Final = Placeholder("(missing)")

# The fields whose every value is report text or identifies a patient (by the last part of the field's name,
# "her2_tests.0.specimen_id" → "specimen_id"): case and specimen ids, report text, a FHIR patient_id, a sample name.
PRIVATE_FIELDS: Final = frozenset(
    {"text", "id", "report_text", "patient_id", "specimen_id", "sample", "(body)", "(document)"}
)

# A string an error may repeat: 1 to 20 visible ASCII characters (no space, no control character).
_SHOWN_STRING: Final = re.compile(r"[!-~]{1,20}")


def shown(value: Any, field: str = "") -> Any:
    """``value`` as an error may repeat it, or :data:`WITHHELD`: the one rule for every value a user supplied
    (a case or course document, a command-line option, a form field, a FHIR element, a cell of a genomics file).

    Shown: ``None``, booleans and numbers, a file path (the user's own name for the file; the REST API names an
    upload by its file name instead), her2kit's own :class:`Placeholder` ("(missing)"), and a string of 1 to 20
    visible ASCII characters — a code, a short token or a typo of one: ``"4+"``, ``"brest"``, ``"2026-02-30"``,
    ``"GRCh39"``, ``"p.S310"``, a POS of ``"abc"``.

    Withheld: free text and anything that could be a name or an identifier — a string with a space ("Jane Q Smith",
    report text), longer than 20 characters (identifiers, barcodes, UUIDs, a sentence without spaces), with a
    character outside visible ASCII (a name in a script written without spaces, "王小明", or with accents:
    codes are ASCII), empty, or holding a control character; objects and lists, whatever they hold; and any value
    but a placeholder of a field in :data:`PRIVATE_FIELDS` (ids, report text, sample names), whatever it is."""
    if value is WITHHELD or isinstance(value, Placeholder):
        return value
    if value is not None and field.rsplit(".", 1)[-1] in PRIVATE_FIELDS:
        return WITHHELD
    if value is None or isinstance(value, bool | int | float | PurePath):
        return value
    if isinstance(value, str) and _SHOWN_STRING.fullmatch(value):
        return value
    return WITHHELD


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

    def redacted(self) -> InvalidInput:
        """This error with its value withheld unless :func:`shown` may show it (the same error when it may)."""
        if shown(self.value, self.field) is WITHHELD and self.value is not WITHHELD:
            return type(self)(self.field, WITHHELD, self.allowed, hint=self.hint)
        return self


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
