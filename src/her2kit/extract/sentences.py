"""Sentence spans of a report, for evidence.

A sentence ends at ``.``, ``;``, ``!`` or ``?`` followed by white space, or at a line break.
Decimals ("1.04") never end a sentence because no white space follows the point. OCR reports
put stray full stops inside phrases, so extraction never relies on sentences to find a value;
sentences only frame the evidence shown to a reviewer.
"""

from __future__ import annotations

import re
from typing import Final

# ``[.;!?](?=\s)|\n``, written to open with its character set, so that a search skips to those characters (the
# alternation made the regex engine try both branches at every character).
_BOUNDARY: Final = re.compile(r"[\n.;!?](?:(?<=\n)|(?=\s))")
# The last boundary in ``text[lo:hi]`` that ends before ``hi`` (a character must follow it there):
# the greedy ``.*`` backs off from ``hi`` to the rightmost one, in one call. (The tail is
# ``[.;!?](?=\s)|\n(?=.)``, opened by its character set as _BOUNDARY.)
_LAST_BOUNDARY: Final = re.compile(r"(?s:.*)[\n.;!?](?:(?<=\n)(?=.)|(?=\s))", re.S)
MAX_SENTENCE_CHARS: Final = 600


class Sentences:
    """Sentence boundaries of one text, with look-up by character offset.

    Boundaries are found only near the offsets asked about (a boundary is one character plus a
    one-character look-ahead, so a local search gives the same answer as a scan of the whole text).
    """

    __slots__ = ("_n", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._n = len(text)

    def _prev_end(self, pos: int) -> int:
        """The last boundary end ``<= pos`` (0 if none)."""
        text = self.text
        hi = min(self._n, pos + 1)  # a boundary char at k <= pos - 1 needs text[k + 1], k + 1 <= pos < hi
        span = 256
        while True:
            lo = max(0, pos - span)
            m = _LAST_BOUNDARY.match(text, lo, hi)
            if m is not None:
                return m.end()
            if lo == 0:
                return 0
            span *= 4

    def start_within(self, pos: int, reach: int) -> int:
        """``max(self.bounds(pos)[0], pos - reach)`` for ``0 <= pos < len(text)``, looking only ``reach`` + 1
        characters back (a report without a sentence boundary made each ``bounds`` call scan the whole text)."""
        lo = max(0, pos - reach)
        m = _LAST_BOUNDARY.match(self.text, max(0, lo - 1), min(self._n, pos + 1))
        return lo if m is None else max(lo, m.end())

    def _next_end(self, pos: int) -> int:
        """The first boundary end ``> pos`` (the text length if none)."""
        text, n = self.text, self._n
        span = 256
        while True:
            hi = min(n, pos + span)
            for m in _BOUNDARY.finditer(text, pos, hi):
                # The look-ahead of a point at hi - 1 cannot see past hi: decide it in a wider pass.
                if m.end() > pos and (hi == n or m.start() < hi - 1):
                    return m.end()
            if hi == n:
                return n
            span *= 4

    def bounds(self, pos: int) -> tuple[int, int]:
        """Start and end of the sentence holding ``pos``."""
        if pos >= self._n:
            pos = self._n - 1
        if pos < 0:
            return 0, self._next_end(0) if self._n else 0
        return self._prev_end(pos), self._next_end(pos)

    def around(self, start: int, end: int) -> str:
        """The sentence(s) covering ``text[start:end]``, stripped, at most :data:`MAX_SENTENCE_CHARS`."""
        s0, _ = self.bounds(start)
        _, e1 = self.bounds(max(start, end - 1))
        if e1 - s0 > MAX_SENTENCE_CHARS:
            s0 = max(s0, start - 100)
            e1 = min(e1, max(end, s0) + 100)
        return self.text[s0:e1].strip()
