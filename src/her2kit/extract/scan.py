"""Fast, exact replacements for ``pattern.finditer(text)`` over a whole report.

A full scan of a 3,000-character report by a case-insensitive pattern that opens with a
look-behind or an alternation costs the regex engine a match attempt at every character.
Every pattern here needs a literal keyword, so the keywords are found first with
``str.find`` on a lower-cased copy of the text, and the pattern is tried only where a match can be:

* :meth:`Scanner.starts` — the pattern's matches can only *start* at a keyword (or a fixed
  offset before one). ``pattern.match(text, pos)`` at those positions, in order, skipping
  positions inside the previous match, gives exactly the matches of ``finditer``.
* ``near=(anchors, before)`` — for a pattern whose start word is common ("is", a digit), the
  starts are tried only in the ``before`` characters preceding a rarer keyword that every match
  contains. The distance bound holds because the text was checked to have no long run of white
  space, punctuation filler or word characters (the only unbounded repeats in the patterns):
  a white-space run is at most 24 characters, so the longest prefix is under 160 characters.

The text is checked once (:func:`_fast_ok`); a text that fails the check (a long run, a
non-ASCII digit, space or a character that case-folds onto ASCII, such as the Kelvin sign) is
scanned the slow way, by ``finditer`` over the whole text, so results never depend on the path.

Keyword positions come from one pass of an Aho-Corasick automaton (:class:`KeywordIndex`, C
extension ``pyahocorasick``) over the lower-cased text, which reports every occurrence of every
keyword, overlapping ones included: the same positions as a ``str.find`` loop per keyword. A
case-sensitive keyword is found among the hits of its lower-case form and checked in the original
text. A keyword missing from the index, or a missing ``pyahocorasick``, takes the ``str.find`` path.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from typing import Any, Final

try:
    import ahocorasick  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - the str.find path is tested by disabling the automaton
    ahocorasick = None

_MAX_FILLER_RUN: Final = 24
_MAX_WORD_RUN: Final = 48

# Bytes of white space and of filler punctuation that unbounded repeats in the patterns accept.
_FILLER_BYTES: Final = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f-:=(.,/&"
_FILLER_TABLE: Final = bytes(32 if b in _FILLER_BYTES else 120 for b in range(256))
_WORD_TABLE: Final = bytes(
    97 if (chr(b).isascii() and (chr(b).isalnum() or b == 95)) or b >= 128 else 32 for b in range(256)
)
_WORD_START_REFUSED: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_FILLER_RUN: Final = b" " * (_MAX_FILLER_RUN + 1)
_WORD_RUN: Final = b"a" * (_MAX_WORD_RUN + 1)
# A lower-case keyword whose hits are read off those of a shorter one it starts with (found first),
# instead of another scan of the text: ``low.startswith(word, i)`` at each hit ``i`` of the prefix.
_PREFIX_OF: Final = {"her2": "her", "prior": "pr", "previous": "pr", "progesteron": "pr"}
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")


def _inert(c: str) -> bool:
    """A non-ASCII character that no keyword search can miss or misplace."""
    if c.isspace() or c.isdigit() or c.isnumeric() or c.isdecimal():
        return False
    low, up = c.lower(), c.upper()
    return (
        len(low) == 1
        and not low.isascii()
        and not up.isascii()
        and c.casefold() not in "abcdefghijklmnopqrstuvwxyz"
    )


def _fast_ok(text: str, low: str) -> bool:
    if len(low) != len(text):
        return False
    if not text.isascii() and not all(_inert(c) for c in set(_NON_ASCII.findall(text))):
        return False
    raw = text.encode("utf-8", "surrogatepass")
    return _FILLER_RUN not in raw.translate(_FILLER_TABLE) and _WORD_RUN not in raw.translate(_WORD_TABLE)


class KeywordIndex:
    """A fixed set of lower-case keywords, found all at once by one Aho-Corasick automaton.

    ``automaton`` is None when ``pyahocorasick`` is not installed (or ``use_automaton`` is false):
    a :class:`Scanner` then finds every keyword with ``str.find``."""

    __slots__ = ("_empty", "_no_hits", "automaton", "words")

    def __init__(self, words: Iterable[str], *, use_automaton: bool = True) -> None:
        self.words: frozenset[str] = frozenset(w for w in words if w)
        for w in self.words:
            if w != w.lower():
                raise ValueError(f"keyword {w!r} is not lower-case")
        # Every keyword has an entry in a scan's hit cache, empty unless the automaton reports it. The
        # cached lists are never mutated (Scanner returns copies or slices), so one empty list serves all.
        self._no_hits: list[int] = []
        self._empty: dict[tuple[str, bool], list[int]] = {(w, False): self._no_hits for w in self.words}
        self.automaton: Any = None
        if use_automaton and ahocorasick is not None and self.words:
            automaton = ahocorasick.Automaton()
            for w in sorted(self.words):
                # The value: the hit-cache key, and what turns the reported end index into the start.
                automaton.add_word(w, ((w, False), len(w) - 1))
            automaton.make_automaton()
            self.automaton = automaton

    def hits(self, low: str) -> dict[tuple[str, bool], list[int]]:
        """``{(keyword, False): starts}`` for every keyword: each start ``i`` with
        ``low.startswith(keyword, i)``, in order (overlapping occurrences included), as a
        ``str.find`` loop gives them."""
        out = self._empty.copy()
        none = self._no_hits
        for end, (key, shift) in self.automaton.iter(low):
            lst = out[key]
            if lst is none:
                out[key] = [end - shift]
            else:
                lst.append(end - shift)
        return out


class Scanner:
    """Keyword-driven whole-text scans of one report, identical to ``finditer`` over the text.

    With a :class:`KeywordIndex` (and ``pyahocorasick``), the hits of all its keywords are found at
    once, by one automaton pass over ``low``, when the text takes the keyword path (``fast``)."""

    __slots__ = ("_cache", "_indexed", "fast", "low", "text")

    def __init__(self, text: str, index: KeywordIndex | None = None) -> None:
        self.text = text
        self.low = text.lower()
        self.fast = _fast_ok(text, self.low)
        self._indexed: frozenset[str] = frozenset()
        if self.fast and index is not None and index.automaton is not None:
            self._cache: dict[tuple[str, bool], list[int]] = index.hits(self.low)
            self._indexed = index.words
        else:
            self._cache = {}

    def _hits(self, words: Iterable[str], *, case: bool = False) -> list[int]:
        out: list[int] = []
        cache = self._cache
        for w in words:
            hits = cache.get((w, case))
            if hits is None:
                hits = self._find(w, case)
            if hits:
                out += hits
        return out

    def _find(self, w: str, case: bool) -> list[int]:
        """The hits of ``w`` (not yet cached), cached."""
        cache = self._cache
        base = cache.get((w.lower(), False)) if case else None
        prefix = None if case else cache.get((_PREFIX_OF.get(w, ""), False))
        if prefix is not None:
            starts = self.low.startswith
            hits = [i for i in prefix if starts(w, i)]
        elif w == "oestrogen" and ("estrogen", False) in cache:
            low = self.low
            hits = [i - 1 for i in cache[("estrogen", False)] if i > 0 and low[i - 1] == "o"]
        elif base is not None:
            # Where the text holds ``w`` the lower-cased text holds ``w.lower()`` (``fast``: one
            # character for one), so the case-sensitive hits are among the cached ones; each is
            # checked in the original text.
            starts = self.text.startswith
            hits = [i for i in base if starts(w, i)] if base else base
        else:
            find = (self.text if case else self.low).find
            hits = []
            i = find(w)
            while i >= 0:
                hits.append(i)
                i = find(w, i + 1)
        cache[(w, case)] = hits
        return hits

    def warm(self, *words: str) -> None:
        """Find the lower-case ``words`` now, so that later case-sensitive look-ups of them filter these hits."""
        if self.fast:
            self._hits(words)

    def has(self, *words: str) -> bool:
        """Whether any of the lower-case ``words`` occurs (case-insensitively) in the text."""
        cache = self._cache
        return any(cache[(w, False)] if w in self._indexed else w in self.low for w in words)

    def _between(self, w: str, lo: int, hi: int) -> list[int]:
        """Starts ``i`` of the lower-case ``w`` with ``lo <= i <= hi``, in order (``fast`` texts only)."""
        if w in self._indexed:
            hits = self._cache[(w, False)]
            return hits[bisect.bisect_left(hits, lo) : bisect.bisect_right(hits, hi)]
        out: list[int] = []
        find = self.low.find
        end = hi + len(w)
        i = find(w, lo, end)
        while i >= 0:
            out.append(i)
            i = find(w, i + 1, end)
        return out

    def starts(
        self,
        rx: re.Pattern[str],
        words: Iterable[str] = (),
        *,
        offsets: Iterable[tuple[str, tuple[int, ...]]] = (),
        exact: Iterable[str] = (),
        word_start: bool = False,
        near: tuple[tuple[str, ...], int] | None = None,
        anchor_prev: dict[str, str] | None = None,
    ) -> Iterator[re.Match[str]]:
        """``rx.finditer(text)`` for a pattern whose every match starts at one of the lower-case
        ``words`` (any case in the text), at one of the ``exact`` words (this case only), or at a fixed
        offset before one of the ``offsets`` words. ``word_start``: the pattern opens with a
        look-behind refusing a letter, digit or hyphen, so only such starts are tried.
        ``near=(anchors, before)``: every match also contains one of the lower-case ``anchors`` at most
        ``before`` characters after its start (given the run limits), so only starts there are tried.
        ``anchor_prev``: an anchor listed there counts only where the character before it is white space or
        one of the given characters (every match holds it so, e.g. "been sent", not "present")."""
        text = self.text
        if not self.fast:
            yield from rx.finditer(text)
            return
        if near is None:
            cands = set(self._hits(words))
            cands.update(self._hits(exact, case=True))
            for w, offs in offsets:
                for i in self._hits((w,)):
                    cands.update(i - o for o in offs if i - o >= 0)
        else:
            anchors, before = near
            cands = set()
            between = self._between
            low = self.low
            if not anchor_prev:
                hits = self._hits(anchors)
            else:
                hits = []
                for a in anchors:
                    ok = anchor_prev.get(a)
                    for t in self._hits((a,)):
                        if ok is None or (t > 0 and (low[t - 1].isspace() or low[t - 1] in ok)):
                            hits.append(t)
            # Starts are tried in ``t - before .. t`` for each anchor hit ``t``: the union of these
            # ranges, merged where they overlap or touch, is searched once per word.
            spans: list[list[int]] = []
            for t in sorted(hits):
                lo = max(0, t - before)
                if spans and lo <= spans[-1][1] + 1:
                    spans[-1][1] = max(spans[-1][1], t)
                else:
                    spans.append([lo, t])
            if not spans:
                return
            # (``low.find(w, lo, hi + len(w))``: the occurrences of ``w`` that start in ``lo .. hi``.)
            indexed, cache, find = self._indexed, self._cache, low.find
            for w in words:
                if w in indexed:
                    ws = cache[(w, False)]
                    if ws:
                        for lo, hi in spans:
                            cands.update(ws[bisect.bisect_left(ws, lo) : bisect.bisect_right(ws, hi)])
                    continue
                n = len(w)
                for lo, hi in spans:
                    i = find(w, lo, hi + n)
                    while i >= 0:
                        cands.add(i)
                        i = find(w, i + 1, hi + n)
            for w, offs in offsets:
                for lo, hi in spans:
                    for i in between(w, lo, hi + max(offs)):
                        cands.update(i - o for o in offs if lo <= i - o <= hi)
        if word_start:
            low = self.low
            cands = {s for s in cands if s == 0 or low[s - 1] not in _WORD_START_REFUSED}
        last = 0
        match = rx.match
        for s in sorted(cands):
            if s < last:
                continue
            m = match(text, s)
            if m is not None:
                yield m
                last = m.end() if m.end() > s else s + 1


def finditer_at(
    rx: re.Pattern[str],
    s: str,
    low: str | None,
    words: Iterable[str],
    pos: int = 0,
    endpos: int | None = None,
) -> Iterator[re.Match[str]]:
    """``rx.finditer(s, pos, endpos)`` for a pattern whose every match *starts* with one of the
    lower-case ``words`` (any case in ``s``). ``low`` is ``s`` lower-cased from a text that passed
    :func:`_fast_ok` (same length, no character case-folding onto ASCII), or ``None``: then the
    pattern scans ``s`` the usual way."""
    n = len(s) if endpos is None else max(0, min(endpos, len(s)))
    if low is None:
        yield from rx.finditer(s, pos, n)
        return
    cands: set[int] = set()
    find = low.find
    for w in words:
        i = find(w, pos, n)
        while i >= 0:
            cands.add(i)
            i = find(w, i + 1, n)
    if not cands:
        return
    last = pos
    match = rx.match
    for c in sorted(cands):
        if c < last:
            continue
        m = match(s, c, n)
        if m is not None:
            yield m
            last = m.end() if m.end() > c else c + 1


def search_at(
    rx: re.Pattern[str],
    s: str,
    low: str | None,
    words: Iterable[str],
    pos: int = 0,
    endpos: int | None = None,
) -> re.Match[str] | None:
    """``rx.search(s, pos, endpos)``; see :func:`finditer_at`."""
    return next(finditer_at(rx, s, low, words, pos, endpos), None)


def may_contain(low: str | None, words: Iterable[str]) -> bool:
    """False only if ``low`` (see :func:`finditer_at`) holds none of the lower-case ``words``, so a
    pattern each of whose matches contains one of them cannot match."""
    return low is None or any(w in low for w in words)
