# ruff: noqa
# Frozen copy of her2kit.extract before the performance rewrite; used only by test_differential.py. Do not edit.
"""Sentence spans of a report, for evidence.

A sentence ends at ``.``, ``;``, ``!`` or ``?`` followed by white space, or at a line break.
Decimals ("1.04") never end a sentence because no white space follows the point. OCR reports
put stray full stops inside phrases, so extraction never relies on sentences to find a value;
sentences only frame the evidence shown to a reviewer.
"""

from __future__ import annotations

import bisect
import re
from typing import Final

_BOUNDARY: Final = re.compile(r"[.;!?](?=\s)|\n")
MAX_SENTENCE_CHARS: Final = 600


class Sentences:
    """Sentence boundaries of one text, with look-up by character offset."""

    def __init__(self, text: str) -> None:
        self.text = text
        ends = [m.end() for m in _BOUNDARY.finditer(text)]
        if not ends or ends[-1] != len(text):
            ends.append(len(text))
        self._ends = ends

    def bounds(self, pos: int) -> tuple[int, int]:
        """Start and end of the sentence holding ``pos``."""
        i = bisect.bisect_right(self._ends, pos)
        i = min(i, len(self._ends) - 1)
        start = self._ends[i - 1] if i > 0 else 0
        return start, self._ends[i]

    def around(self, start: int, end: int) -> str:
        """The sentence(s) covering ``text[start:end]``, stripped, at most :data:`MAX_SENTENCE_CHARS`."""
        s0, _ = self.bounds(start)
        _, e1 = self.bounds(max(start, end - 1))
        if e1 - s0 > MAX_SENTENCE_CHARS:
            s0 = max(s0, start - 100)
            e1 = min(e1, max(end, s0) + 100)
        return self.text[s0:e1].strip()
