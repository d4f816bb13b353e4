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

Keyword positions come from one pass of an Aho-Corasick automaton (:class:`KeywordIndex`, the Rust
extension ``ahocorasick-rs``, standard semantics, overlapping matches) over the lower-cased text, which
reports every occurrence of every keyword, overlapping ones included: the same positions as a
``str.find`` loop per keyword. A case-sensitive keyword is found among the hits of its lower-case form
and checked in the original text. A keyword missing from the index, or a missing ``ahocorasick-rs``,
takes the ``str.find`` path.

Hits are cached per scan in two dictionaries keyed by the word itself: ``_cache`` (lower-case words,
in ``low``) and ``_exact`` (case-sensitive words, in ``text``); string keys hash once, tuple keys on
every look-up.

Windows read after a name (and a few ranges of the text) are scanned the same way: :meth:`Scanner.finditer_in`
and :meth:`Scanner.search_in` take the candidate starts from the hits of the pattern's start words in the range
(a bisection), where :func:`finditer_at` searches the window for them. Each automaton hit costs about as much as a
failed regex match attempt (the tuple the library builds and the loop that files it), so a frequent word is worth
indexing only where it saves more than that.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

try:
    import ahocorasick_rs
except ImportError:  # pragma: no cover - the str.find path is tested by disabling the automaton
    ahocorasick_rs = None  # type: ignore[assignment]

_MAX_FILLER_RUN: Final = 24
_MAX_WORD_RUN: Final = 48

# Bytes of white space and of filler punctuation that unbounded repeats in the patterns accept.
_FILLER_BYTES: Final = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f-:=(.,/&"
# One table for both runs: filler bytes become " ", word bytes "a", the rest "x" (the two classes are
# disjoint, so a run of " " is a filler run and a run of "a" a word run).
_RUN_TABLE: Final = bytes(
    32
    if b in _FILLER_BYTES
    else (97 if (chr(b).isascii() and (chr(b).isalnum() or b == 95)) or b >= 128 else 120)
    for b in range(256)
)
_WORD_START_REFUSED: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_FILLER_RUN: Final = b" " * (_MAX_FILLER_RUN + 1)
_WORD_RUN: Final = b"a" * (_MAX_WORD_RUN + 1)
# A lower-case keyword whose hits are read off those of a shorter one it starts with (found first),
# instead of another scan of the text: ``low.startswith(word, i)`` at each hit ``i`` of the prefix.
_PREFIX_OF: Final = {"her2": "her", "prior": "pr", "previous": "pr", "progesteron": "pr"}
_ASCII_BYTES: Final = bytes(range(128))
_LOWER: dict[str, str] = {}


def _lower(w: str) -> str:
    """``w.lower()``, remembered (exact keywords are a small fixed set)."""
    lw = _LOWER[w] = w.lower()
    return lw


# A case-sensitive keyword whose lower-case form has more hits than this is found with ``str.find`` (or a regex
# scan): either is a pass over the whole text, which costs about as much as checking 50 hits one by one.
_FILTER_MAX: Final = 48


# The value of a look-up not made yet, where None is a result (``Scanner._word_hits``).
_UNKNOWN: Final[list[int]] = []


def find_all(s: str, w: str) -> list[int]:
    """Every start ``i`` with ``s.startswith(w, i)``, in order (overlapping occurrences included)."""
    find = s.find
    hits = []
    i = find(w)
    while i >= 0:
        hits.append(i)
        i = find(w, i + 1)
    return hits


_WORD_START_RXS: dict[str, re.Pattern[str]] = {}


def _word_start_rx(w: str) -> re.Pattern[str]:
    """``w`` (this case) where no letter, digit or hyphen stands before it (see ``word_start``).

    The look-behind follows the word, so that the regex engine searches for the word's letters first.
    On the keyword path an ASCII letter, digit or hyphen of the text is one of ``low`` and back."""
    rx = _WORD_START_RXS.get(w)
    if rx is None:
        e = re.escape(w)
        rx = _WORD_START_RXS[w] = re.compile(f"{e}(?<![A-Za-z0-9\\-]{e})")
    return rx


def _inert(c: str) -> bool:
    """A non-ASCII character that no keyword search can miss or misplace (a lone surrogate is not: the
    automaton reads UTF-8, which cannot hold one)."""
    if "\ud800" <= c <= "\udfff" or c.isspace() or c.isdigit() or c.isnumeric() or c.isdecimal():
        return False
    low, up = c.lower(), c.upper()
    return (
        len(low) == 1
        and not low.isascii()
        and not up.isascii()
        and c.casefold() not in "abcdefghijklmnopqrstuvwxyz"
    )


# Every Latin-1 character lower-cases to one Latin-1 character, so a text of such characters is lower-cased
# byte by byte through this table, exactly as ``str.lower`` does it.
_LATIN1_LOWER: Final = bytes(ord(chr(b).lower()) for b in range(256))


def _lower_text(text: str) -> tuple[str, bytes | None]:
    """``text.lower()``, and its Latin-1 bytes (one byte a character) when it has them.

    A text with a few accented letters takes ``str.lower``'s slow path for every character (about five times
    the cost of the ASCII path); the table path is as cheap as the ASCII one, and its bytes feed the keyword
    automaton directly (``KeywordIndex.find``)."""
    if text.isascii():
        low = text.lower()
        return low, low.encode("ascii")
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.lower(), None
    low_bytes = raw.translate(_LATIN1_LOWER)
    return low_bytes.decode("latin-1"), low_bytes


def _fast_ok(text: str, low: str) -> bool:
    if len(low) != len(text):
        return False
    raw = text.encode("utf-8", "surrogatepass")
    if not text.isascii():
        # The non-ASCII characters: UTF-8 encodes each as bytes >= 0x80 only, so deleting the ASCII
        # bytes leaves exactly their encodings, in order.
        others = raw.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
        if not all(_inert(c) for c in set(others)):
            return False
    runs = raw.translate(_RUN_TABLE)
    return _FILLER_RUN not in runs and _WORD_RUN not in runs


class KeywordIndex:
    """A fixed set of lower-case keywords, found all at once by one Aho-Corasick automaton.

    ``automaton`` is None when ``ahocorasick-rs`` is not installed (or ``use_automaton`` is false):
    a :class:`Scanner` then finds every keyword with ``str.find``."""

    __slots__ = (
        "_ascii_automaton",
        "_empty",
        "_exact_splits",
        "_no_hits",
        "_order",
        "_splits",
        "automaton",
        "words",
    )

    def __init__(self, words: Iterable[str], *, use_automaton: bool = True) -> None:
        self.words: frozenset[str] = frozenset(w for w in words if w)
        for w in self.words:
            if w != w.lower():
                raise ValueError(f"keyword {w!r} is not lower-case")
        # Every keyword has an entry in a scan's hit cache, empty unless the automaton reports it. The
        # cached lists are never mutated (Scanner returns copies or slices), so one empty list serves all.
        self._no_hits: list[int] = []
        self._empty: dict[str, list[int]] = dict.fromkeys(self.words, self._no_hits)
        # The automaton reports a keyword by its index in this list.
        self._order: tuple[str, ...] = tuple(sorted(self.words))
        self.automaton: Any = None
        self._ascii_automaton: Any = None
        # Word lists split by whether the index holds them (see ``split``, ``split_exact``), per (constant) list.
        self._splits: dict[tuple[str, ...], tuple[frozenset[str], tuple[str, ...]]] = {}
        self._exact_splits: dict[tuple[str, ...], tuple[dict[str, tuple[str, ...]], tuple[str, ...]]] = {}
        if use_automaton and ahocorasick_rs is not None and self.words:
            # Standard semantics: every occurrence of every keyword, overlapping ones included (the leftmost
            # semantics would report one keyword per position). A DFA always: left to choose, the library takes an
            # NFA above about 100 keywords, which made the pass twice as slow here.
            standard, dfa = ahocorasick_rs.MatchKind.Standard, ahocorasick_rs.Implementation.DFA
            self.automaton = ahocorasick_rs.AhoCorasick(self._order, matchkind=standard, implementation=dfa)
            if all(w.isascii() for w in self._order):
                # For an ASCII text, byte offsets are character offsets: the bytes search skips the library's
                # mapping of UTF-8 offsets back to characters.
                self._ascii_automaton = ahocorasick_rs.BytesAhoCorasick(
                    [w.encode() for w in self._order], matchkind=standard, implementation=dfa
                )

    def __deepcopy__(self, memo: dict[int, object]) -> KeywordIndex:
        # One index serves every report and no scan changes it (its memos of word splits only grow): a copied
        # report context shares it (the automaton cannot be copied).
        return self

    def hits(self, low: str) -> dict[str, list[int]]:
        """``{keyword: starts}`` for every keyword: each start ``i`` with ``low.startswith(keyword, i)``,
        in order (overlapping occurrences included), as a ``str.find`` loop gives them. ``low`` holds no
        lone surrogate (``_fast_ok``)."""
        try:
            low_bytes: bytes | None = low.encode("latin-1")
        except UnicodeEncodeError:
            low_bytes = None
        return self.find(low, low_bytes)[0]

    def find(self, low: str, low_bytes: bytes | None) -> tuple[dict[str, list[int]], set[str]]:
        """:meth:`hits`, and the set of the keywords that occur (the few a scan needs to look at).
        ``low_bytes``: ``low`` in Latin-1 (one byte a character, see ``_lower_text``), or None.

        The automaton reports matches in the order of their ends (character offsets), so one keyword's
        starts come in order."""
        if self._ascii_automaton is not None and low_bytes is not None:
            # Byte offsets are character offsets; the keywords are ASCII, so a non-ASCII byte is in no match.
            matches = self._ascii_automaton.find_matches_as_indexes(low_bytes, overlapping=True)
        else:
            matches = self.automaton.find_matches_as_indexes(low, overlapping=True)
        out = self._empty.copy()
        none = self._no_hits
        order = self._order
        present: set[str] = set()
        for k, start, _ in matches:
            w = order[k]
            lst = out[w]
            if lst is none:
                out[w] = [start]
                present.add(w)
            else:
                lst.append(start)
        return out, present

    def split(self, words: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
        """``words`` held by the index (a set: a scan intersects it with the keywords that occur), and the
        others, in their order."""
        got = self._splits.get(words)
        if got is None:
            held = self.words
            got = self._splits[words] = (
                frozenset(w for w in words if w in held),
                tuple(w for w in words if w not in held),
            )
        return got

    def split_exact(self, exact: tuple[str, ...]) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
        """Case-sensitive ``exact`` words whose lower-case form the index holds, by that form, and the others."""
        got = self._exact_splits.get(exact)
        if got is None:
            held = self.words
            by_lower: dict[str, tuple[str, ...]] = {}
            for w in exact:
                if w.lower() in held:
                    by_lower[w.lower()] = (*by_lower.get(w.lower(), ()), w)
            got = self._exact_splits[exact] = (by_lower, tuple(w for w in exact if w.lower() not in held))
        return got


class Scanner:
    """Keyword-driven whole-text scans of one report, identical to ``finditer`` over the text.

    With a :class:`KeywordIndex` (and ``ahocorasick-rs``), the hits of all its keywords are found at
    once, by one automaton pass over ``low``, when the text takes the keyword path (``fast``)."""

    __slots__ = (
        "_cache", "_exact", "_index", "_indexed", "_present", "_spans", "_starts", "_word_starts", "fast", "low",
        "text",
    )  # fmt: skip

    def __init__(self, text: str, index: KeywordIndex | None = None) -> None:
        self.text = text
        self.low, low_bytes = _lower_text(text)
        self.fast = _fast_ok(text, self.low)
        # The words whose hits the automaton pass filed in ``_cache`` (complete lists): the index's own set
        # (``index.words``, i.e. keywords.KEYWORDS), not a second list; empty off the automaton path.
        self._indexed: frozenset[str] = frozenset()
        # The index whose hits are cached (None: every word is found with ``str.find``).
        self._index: KeywordIndex | None = None
        # The indexed keywords that occur: a scan looks only at those of its words (most do not occur).
        self._present: set[str] = set()
        # Case-sensitive hits at word starts only, of frequent keywords (see ``starts``).
        self._word_starts: dict[str, list[int]] = {}
        # Hits of case-sensitive words, in ``text``.
        self._exact: dict[str, list[int]] = {}
        # Per list of words, the spans of their hits (see ``occurs_within``).
        self._spans: dict[tuple[str, ...], tuple[list[int], list[int], tuple[str, ...]]] = {}
        # Per list of words (and whether they are case-sensitive), the starts of their hits (see ``finditer_in``).
        self._starts: dict[tuple[tuple[str, ...], bool], list[int] | None] = {}
        if self.fast and index is not None and index.automaton is not None:
            # Hits of lower-case words, in ``low``.
            self._cache: dict[str, list[int]]
            self._cache, self._present = index.find(self.low, low_bytes)
            self._indexed = index.words
            self._index = index
        else:
            self._cache = {}

    def _hits(self, words: Iterable[str], *, case: bool = False) -> list[int]:
        out: list[int] = []
        cache = self._exact if case else self._cache
        for w in words:
            hits = cache.get(w)
            if hits is None:
                hits = self._find(w, case)
            if hits:
                out += hits
        return out

    def _find(self, w: str, case: bool) -> list[int]:
        """The hits of ``w`` (not yet cached), cached."""
        cache = self._cache
        base = cache.get(w.lower()) if case else None
        prefix = None if case else cache.get(_PREFIX_OF.get(w, ""))
        if prefix is not None:
            starts = self.low.startswith
            hits = [i for i in prefix if starts(w, i)]
        elif w == "oestrogen" and not case and "estrogen" in cache:
            low = self.low
            hits = [i - 1 for i in cache["estrogen"] if i > 0 and low[i - 1] == "o"]
        elif base is not None:
            # Where the text holds ``w`` the lower-cased text holds ``w.lower()`` (``fast``: one
            # character for one), so the case-sensitive hits are among the cached ones; each is
            # checked in the original text.
            # (When the lower-case form is frequent, e.g. "er" for "ER", one ``str.find`` pass over the
            # text gives the same positions for less.)
            if len(base) > _FILTER_MAX:
                hits = find_all(self.text, w)
            else:
                starts = self.text.startswith
                hits = [i for i in base if starts(w, i)] if base else base
        else:
            hits = find_all(self.text if case else self.low, w)
        (self._exact if case else cache)[w] = hits
        return hits

    def warm(self, *words: str) -> None:
        """Find the lower-case ``words`` now, so that later case-sensitive look-ups of them filter these hits."""
        if self.fast:
            cache = self._cache
            for w in words:
                if w not in cache:
                    self._find(w, False)

    def positions(self, word: str) -> list[int]:
        """Every start of the lower-case ``word`` in ``low``, in order (do not modify the list)."""
        hits = self._cache.get(word)
        return self._find(word, False) if hits is None else hits

    def has(self, *words: str) -> bool:
        """Whether any of the lower-case ``words`` occurs (case-insensitively) in the text."""
        cache = self._cache
        return any(cache[w] if w in self._indexed else w in self.low for w in words)

    def occurs_within(self, words: tuple[str, ...], lo: int, hi: int) -> bool:
        """Whether one of the lower-case ``words`` lies inside ``low[lo:hi]`` (``0 <= lo <= hi <= len(low)``;
        ``fast`` texts only): ``any(w in low[lo:hi] for w in words)``. The indexed words are read off their hits
        (a report holds few of them), which for a long list of words costs far less than searching the window."""
        spans = self._spans.get(words)
        if spans is None:
            spans = self._spans[words] = self._word_spans(words)
        starts, ends, rest = spans
        k = bisect.bisect_left(starts, lo)
        n = len(starts)
        while k < n and starts[k] < hi:
            if ends[k] <= hi:
                return True
            k += 1
        if rest:
            window = self.low[lo:hi]
            return any(w in window for w in rest)
        return False

    def _word_spans(self, words: tuple[str, ...]) -> tuple[list[int], list[int], tuple[str, ...]]:
        """The spans of the hits of the indexed ``words`` that occur, as sorted starts and their ends, and the
        words not indexed (looked for in the window)."""
        if self._index is None:
            return [], [], words
        held, rest = self._index.split(words)
        cache = self._cache
        spans = sorted((i, i + len(w)) for w in held & self._present for i in cache[w])
        return [a for a, _ in spans], [b for _, b in spans], rest

    def _word_hits(self, words: tuple[str, ...], case: bool) -> list[int] | None:
        """Every start of the lower-case ``words`` in ``low`` (``case``: of the case-sensitive ``words`` in ``text``), in
        order, a start held by two words twice; None when a word is not indexed or off the keyword path. Built once
        per report and list of words (usually of the hits of one or two words)."""
        key = (words, case)
        got: list[int] | None = self._starts.get(key, _UNKNOWN)
        if got is not _UNKNOWN:
            return got
        index = self._index
        got = None
        if index is not None:
            present = self._present
            lists: list[list[int]] | None
            if not case:
                held, rest = index.split(words)
                lists = [self._cache[w] for w in held & present] if not rest else None
            else:
                by_lower, rest = index.split_exact(words)
                lists = [self._exact_hits(w) for lw in by_lower.keys() & present for w in by_lower[lw]]
                if rest:
                    lists = None
            if lists is not None:
                # (The cached hit lists are never changed: one of them is used as it is.)
                got = lists[0] if len(lists) == 1 else sorted(i for hits in lists for i in hits)
        self._starts[key] = got
        return got

    def first_start(self, words: tuple[str, ...], lo: int) -> int | None:
        """The first start ``i >= lo`` of one of the lower-case ``words`` in ``low`` (the text's length if none), read off
        the keyword hits; None when a word is not indexed or off the keyword path."""
        hits = self._word_hits(words, False)
        if hits is None:
            return None
        k = bisect.bisect_left(hits, lo)
        return hits[k] if k < len(hits) else len(self.text)

    def _exact_hits(self, w: str) -> list[int]:
        """The hits of the case-sensitive ``w`` in ``text`` (see ``_find``)."""
        hits = self._exact.get(w)
        return self._find(w, True) if hits is None else hits

    def finditer_in(
        self,
        rx: re.Pattern[str],
        s: str,
        base: int,
        words: tuple[str, ...],
        pos: int = 0,
        endpos: int | None = None,
        *,
        case: bool = False,
    ) -> Iterator[re.Match[str]]:
        """``rx.finditer(s, pos, endpos)`` where ``s`` is ``text[base : base + len(s)]`` (a window of the text, or the
        text itself) and every match starts with one of the lower-case ``words`` (``case``: one of the case-sensitive
        ``words``): :func:`finditer_at`, with the candidate starts read off the keyword hits (a search of a window
        for the words costs several times a look-up of their few hits).

        The candidates are the starts of the words in ``base + pos .. base + n`` (n the end of the window): one whose
        word runs past ``n`` cannot start a match (a match holds its word), so it is tried in vain, never wrongly."""
        found = self._window_hits(s, base, words, pos, endpos, case)
        if found is None:
            return finditer_at(rx, s, self._window_low(s, base, case), words, pos, endpos)
        starts, n = found
        return finditer_starts(rx, s, starts, n, base) if starts else iter(())

    def search_in(
        self,
        rx: re.Pattern[str],
        s: str,
        base: int,
        words: tuple[str, ...],
        pos: int = 0,
        endpos: int | None = None,
        *,
        case: bool = False,
    ) -> re.Match[str] | None:
        """``rx.search(s, pos, endpos)``; see :meth:`finditer_in` (its first match)."""
        found = self._window_hits(s, base, words, pos, endpos, case)
        if found is None:
            return search_at(rx, s, self._window_low(s, base, case), words, pos, endpos)
        starts, n = found
        match = rx.match
        for i in starts:
            m = match(s, i - base, n)
            if m is not None:
                return m
        return None

    def _window_hits(
        self, s: str, base: int, words: tuple[str, ...], pos: int, endpos: int | None, case: bool
    ) -> tuple[list[int], int] | None:
        """The keyword hits of ``words`` that may start a match in ``s[pos:endpos]`` (text positions) and the window's
        end in ``s``; None when a word is not indexed or off the keyword path."""
        hits = self._word_hits(words, case)
        if hits is None:
            return None
        n = len(s) if endpos is None else max(0, min(endpos, len(s)))
        return hits[bisect.bisect_left(hits, base + pos) : bisect.bisect_left(hits, base + n)], n

    def _window_low(self, s: str, base: int, case: bool) -> str | None:
        """``s`` lower-cased for :func:`finditer_at` / :func:`search_at` (``s`` itself for case-sensitive words)."""
        return s if case else (self.low[base : base + len(s)] if self.fast else None)

    def _between(self, w: str, lo: int, hi: int) -> list[int]:
        """Starts ``i`` of the lower-case ``w`` with ``lo <= i <= hi``, in order (``fast`` texts only)."""
        if w in self._indexed:
            hits = self._cache[w]
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
        anchor_ok: Mapping[str, Callable[[str, int], bool]] | None = None,
    ) -> Iterator[re.Match[str]]:
        """``rx.finditer(text)`` for a pattern whose every match starts at one of the lower-case
        ``words`` (any case in the text), at one of the ``exact`` words (this case only), or at a fixed
        offset before one of the ``offsets`` words. ``word_start``: the pattern opens with a
        look-behind refusing a letter, digit or hyphen, so only such starts are tried.
        ``near=(anchors, before)``: every match also contains one of the lower-case ``anchors`` at most
        ``before`` characters after its start (given the run limits), so only starts there are tried.
        ``anchor_prev``: an anchor listed there counts only where the character before it is white space or
        one of the given characters (every match holds it so, e.g. "been sent", not "present").
        ``anchor_ok``: a hit ``i`` of an anchor listed there counts only where ``anchor_ok[anchor](low, i)``
        is true; every match must hold an anchor hit that counts (e.g. "PR" followed by no letter or digit,
        not "present"). Without ``near``, a start word listed there is tried only where its check is true (every
        match starting at that word passes it)."""
        text = self.text
        if not self.fast:
            yield from rx.finditer(text)
            return
        cache = self._cache
        index = self._index
        if near is None:
            cands: list[int] = []
            sources = 0
            if index is not None:
                # The indexed words that occur (usually few of many), then the others.
                held, words = index.split(words if isinstance(words, tuple) else tuple(words))
                for w in held & self._present if held else ():
                    cands += cache[w]
                    sources += 1
            for w in words:
                hits = cache.get(w)
                if hits is None:
                    hits = self._find(w, False)
                if hits and anchor_ok is not None and w in anchor_ok:
                    word_ok, low_text = anchor_ok[w], self.low
                    hits = [i for i in hits if word_ok(low_text, i)]
                if hits:
                    cands += hits
                    sources += 1
            exact_cache = self._exact
            for w in exact:
                hits = exact_cache.get(w)
                if hits is None:
                    lw = _LOWER.get(w) or _lower(w)
                    base = cache.get(lw)
                    if base == []:
                        continue  # the lower-case form is not in the text, so neither is ``w``
                    if word_start and (base is None or len(base) > _FILTER_MAX) and w.isalnum():
                        # Only the hits at a word start are tried below: one scan finds just those
                        # (an alphanumeric word's occurrences at word starts cannot overlap). So is a word
                        # whose lower-case form is too frequent to index ("ER": "er" in "her", "cancer").
                        hits = self._word_starts.get(w)
                        if hits is None:
                            hits = self._word_starts[w] = [
                                m.start() for m in _word_start_rx(w).finditer(text)
                            ]
                    else:
                        hits = self._find(w, True)
                if hits:
                    cands += hits
                    sources += 1
            for w, offs in offsets:
                hits = cache.get(w)
                if hits is None:
                    hits = self._find(w, False)
                if hits:
                    cands += [i - o for i in hits for o in offs if i >= o]
                    sources += 2
            if not cands:
                return
            # One word's hits are already in order and distinct.
            order: Iterable[int] = cands if sources == 1 else sorted(set(cands))
        else:
            anchors, before = near
            low = self.low
            hits = []
            for a in anchors:
                ah = cache.get(a)
                if ah is None:
                    ah = self._find(a, False)
                if not ah:
                    continue
                ok = anchor_prev.get(a) if anchor_prev else None
                check = anchor_ok.get(a) if anchor_ok else None
                if ok is None and check is None:
                    hits += ah
                    continue
                for t in ah:
                    if ok is not None and not (t > 0 and (low[t - 1].isspace() or low[t - 1] in ok)):
                        continue
                    if check is not None and not check(low, t):
                        continue
                    hits.append(t)
            if not hits:
                return
            # Starts are tried in ``t - before .. t`` for each anchor hit ``t``: the union of these
            # ranges, merged where they overlap or touch, is searched once per word.
            spans: list[list[int]] = []
            for t in sorted(hits) if len(hits) > 1 else hits:
                lo = t - before if t > before else 0
                if spans and lo <= spans[-1][1] + 1:
                    if t > spans[-1][1]:
                        spans[-1][1] = t
                else:
                    spans.append([lo, t])
            # (``low.find(w, lo, hi + len(w))``: the occurrences of ``w`` that start in ``lo .. hi``.)
            cset: set[int] = set()
            rest: tuple[str, ...] = words if isinstance(words, tuple) else tuple(words)
            if index is not None:
                held, rest = index.split(rest)
                for w in held & self._present if held else ():
                    ws = cache[w]
                    for lo, hi in spans:
                        cset.update(ws[bisect.bisect_left(ws, lo) : bisect.bisect_right(ws, hi)])
            # The other words in one scan per range (see words_rx): the occurrences starting in
            # ``lo .. hi`` all end by ``hi + longest``, and any found there starts in the range or after it.
            rest_rx = words_rx(rest)
            if rest_rx is not None:
                search = rest_rx.search
                longest = max(map(len, rest))
                for lo, hi in spans:
                    c = search(low, lo, hi + longest)
                    while c is not None:
                        i = c.start()
                        if i > hi:
                            break
                        cset.add(i)
                        c = search(low, i + 1, hi + longest)
            between = self._between
            for w, offs in offsets:
                for lo, hi in spans:
                    for i in between(w, lo, hi + max(offs)):
                        cset.update(i - o for o in offs if lo <= i - o <= hi)
            if not cset:
                return
            order = sorted(cset)
        if word_start:
            low = self.low
            order = [s for s in order if s == 0 or low[s - 1] not in _WORD_START_REFUSED]
        last = 0
        match = rx.match
        for s in order:
            if s < last:
                continue
            m = match(text, s)
            if m is not None:
                yield m
                e = m.end()
                last = e if e > s else s + 1


_WORD_SETS: dict[tuple[str, ...], re.Pattern[str]] = {}


def words_rx(words: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for the alternation of ``words`` (literal, this case), None for no words.

    ``search(low, i, n)`` is the leftmost occurrence of any of them inside ``low[i:n]``: stepping
    from one occurrence's start to the next gives every start a ``str.find`` loop per word gives,
    in order, in one C scan instead of one per word. Built once per (constant) tuple of words."""
    key = tuple(words)
    rx = _WORD_SETS.get(key)
    if rx is None:
        if not key:
            return None
        alternatives = sorted(set(key), key=len, reverse=True)
        rx = _WORD_SETS[key] = re.compile("|".join(map(re.escape, alternatives)))
    return rx


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
    starts = words_rx(words)
    if starts is None:
        return
    # The candidates in order, each at or after the end of the previous match (as ``finditer``).
    search = starts.search
    match = rx.match
    c = search(low, pos, n)
    while c is not None:
        i = c.start()
        m = match(s, i, n)
        if m is None:
            c = search(low, i + 1, n)
            continue
        yield m
        e = m.end()
        c = search(low, e if e > i else i + 1, n)


def finditer_starts(
    rx: re.Pattern[str], s: str, starts: Iterable[int], endpos: int, base: int = 0
) -> Iterator[re.Match[str]]:
    """``rx.finditer(s, pos, endpos)`` given, in order, every position ``i - base`` at or after ``pos`` where a match can
    start (and maybe others, or some twice): ``rx.match`` at each one that is not inside the previous match."""
    match = rx.match
    last = -1
    for i in starts:
        i -= base
        if i < last:
            continue
        m = match(s, i, endpos)
        if m is not None:
            yield m
            e = m.end()
            last = e if e > i else i + 1


def search_at(
    rx: re.Pattern[str],
    s: str,
    low: str | None,
    words: Iterable[str],
    pos: int = 0,
    endpos: int | None = None,
) -> re.Match[str] | None:
    """``rx.search(s, pos, endpos)``; see :func:`finditer_at` (its first match)."""
    n = len(s) if endpos is None else max(0, min(endpos, len(s)))
    if low is None:
        return rx.search(s, pos, n)
    starts = words_rx(words)
    if starts is None:
        return None
    search = starts.search
    match = rx.match
    c = search(low, pos, n)
    while c is not None:
        i = c.start()
        m = match(s, i, n)
        if m is not None:
            return m
        c = search(low, i + 1, n)
    return None


def may_contain(low: str | None, words: tuple[str, ...]) -> bool:
    """False only if ``low`` (see :func:`finditer_at`) holds none of the lower-case ``words``, so a
    pattern each of whose matches contains one of them cannot match."""
    if low is None:
        return True
    if len(words) <= 2:
        return any(w in low for w in words)
    rx = words_rx(words)
    return rx is not None and rx.search(low) is not None
