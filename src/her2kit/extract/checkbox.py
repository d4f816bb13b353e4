"""Checkbox templates (CAP synoptic forms): only the ticked options are statements.

A template lists every option with a box ("[ ] Negative (Score 0)", "[X] Positive (Score 3+)", "___ Equivocal",
"(X) ...", "☐/☒ ...", or the box after the option: "0 [ ]  1+ [ ]  2+ [ ]  3+ [X]"). Read as prose, the first option is
taken whatever is ticked. :func:`mask_checkboxes` blanks, in a copy of the text of the same length, each option whose
box is empty (box and option text) and each ticked box itself (its option text stays), so the readers see only the
ticked options; where a group of boxes has none ticked, nothing of it is left (and a warning says so). Every character
blanked becomes ``MASK``; white space and sentence-ending punctuation are kept, so offsets, lines and sentence bounds
are those of the original text (evidence is shown from the original).

A group is a line holding boxes, or consecutive lines each starting with a box. The box stands before its option when
the line's first box opens the line or follows a field label's colon ("HER2 (by IHC): [ ] Negative [X] Positive");
else after it ("Amplified [X]  Not amplified [ ]", "ER: Positive [X] Negative [ ]"). An option before its box reaches
back to the previous box, the last colon or run of two spaces, or the line start; an option after its box reaches to
the next box, a run of two spaces or a tab, or the line end.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from her2kit.extract.scan import Scanner

MASK: Final = "\x1a"  # (SUB: not a word character, not white space, in no pattern)
# A SUB character the report itself holds (old DOS exports end with one) is read as this one, of the same kind, so
# that every MASK in the text read is a blanked option (stretch counts them).
OWN_SUB: Final = "\x1b"


def own_subs_replaced(text: str) -> str:
    """``text`` with its own SUB characters read as :data:`OWN_SUB` (same length)."""
    return text.replace(MASK, OWN_SUB) if MASK in text else text


CHECKBOX_NONE_WARNING: Final = "checkbox options listed with none ticked; none read"

# The box shapes, defined here only. Empty: "[]", "[ ]", "[  ]"; "( )", "(  )"; "___" (three underscores, no more);
# a ballot box. Ticked: "[X]", "[x]", "[✓]" ...; "(X)"; "_X_"; a ballot box with a cross or a tick.
_EMPTY_BRACKET: Final = r"\[ {0,2}\]"
EMPTY_PARENS: Final = ("( )", "(  )")  # (in the keyword index, keywords.KEYWORDS: see boxes_possible)
_EMPTY_RULE: Final = "___"
_EMPTY_BALLOTS: Final = "\u2610\u25a1"
_EMPTY_PAREN: Final = "|".join(map(re.escape, EMPTY_PARENS))
BOX: Final = re.compile(
    rf"(?P<empty>{_EMPTY_BRACKET}|{_EMPTY_PAREN}|(?<!_){_EMPTY_RULE}(?!_)|[{_EMPTY_BALLOTS}])"
    r"|(?P<ticked>\[ ?[Xx\u2713\u2714\u221a] ?\]|\( ?[Xx\u2713\u2714] ?\)|(?<!_)_{1,2}[Xx]_{1,2}(?!_)|[\u2612\u2611])"
)
_BRACKET_BOX: Final = re.compile(_EMPTY_BRACKET)
_GAP: Final = re.compile(r"  +|\t")  # a run of two spaces or a tab: a field or option boundary
_BLANKED: Final = re.compile(r"[^\s.;!?]")  # (white space and sentence-ending punctuation are kept)


def _after_gap(text: str, lo: int, hi: int) -> int:
    """The end of the last two-space run or tab in ``text[lo:hi]`` that has text after it, else ``lo``."""
    seg_end = lo + len(text[lo:hi].rstrip())  # (the character before it is no space: no gap reaches it)
    best = lo
    for g in _GAP.finditer(text, lo, seg_end):
        best = g.end()
    return best


def _lines(text: str, boxes: list[re.Match[str]]) -> list[tuple[int, int, list[re.Match[str]]]]:
    """The boxes by line, in order: (line start, line end, boxes)."""
    lines: list[tuple[int, int, list[re.Match[str]]]] = []
    for m in boxes:
        if lines and m.start() < lines[-1][1]:
            lines[-1][2].append(m)
            continue
        prev = lines[-1][1] if lines else 0  # (no line break between the previous line's end and its start)
        ls = text.rfind("\n", prev, m.start()) + 1 or prev
        le = text.find("\n", m.end())
        lines.append((ls, len(text) if le < 0 else le, [m]))
    return lines


def boxes_possible(text: str, scan: Scanner) -> bool:
    """False only if ``text`` (``scan.text``) holds no empty box (the "empty" group of BOX): the gate before
    :func:`mask_checkboxes`. One-character look-ups first (a short-needle ``in`` costs about 3 µs per report, the
    look-ups of every empty shape 18 µs); the parenthesised boxes are read off the keyword index."""
    return (
        ("[" in text and _BRACKET_BOX.search(text) is not None)
        or ("_" in text and _EMPTY_RULE in text)
        or bool(scan.positions(EMPTY_PARENS[0]) or scan.positions(EMPTY_PARENS[1]))
        or (not text.isascii() and (_EMPTY_BALLOTS[0] in text or _EMPTY_BALLOTS[1] in text))
    )


def mask_checkboxes(text: str) -> tuple[str, list[str]]:
    """``text`` with the options of empty boxes and the ticked boxes blanked, and the warnings to give (``text``
    itself when it holds no empty box; :func:`boxes_possible` tells cheaply when that is so)."""
    boxes = list(BOX.finditer(text))
    if not any(m.group("empty") for m in boxes):
        return text, []
    # Groups of lines: a line whose first box opens it continues the group of the line right before it.
    groups: list[list[tuple[int, int, list[re.Match[str]]]]] = []
    prev_end = -2
    for line in _lines(text, boxes):
        ls, le, ms = line
        opens = not text[ls : ms[0].start()].strip()
        if groups and opens and prev_end + 1 == ls:
            groups[-1].append(line)
        else:
            groups.append([line])
        prev_end = le
    spans: list[tuple[int, int]] = []  # to blank, in text order
    warnings: list[str] = []
    for group in groups:
        if not any(m.group("empty") for _, _, ms in group for m in ms):
            continue  # (ticked boxes only: read as written)
        if (
            not any(m.group("ticked") for _, _, ms in group for m in ms)
            and CHECKBOX_NONE_WARNING not in warnings
        ):
            warnings.append(CHECKBOX_NONE_WARNING)
        for ls, le, ms in group:
            head = text[ls : ms[0].start()]
            before = not head[head.rfind(":") + 1 :].strip()  # (the whole head when it has no colon)
            for k, m in enumerate(ms):
                if m.group("ticked"):
                    spans.append((m.start(), m.end()))
                    continue
                if before:
                    hi = ms[k + 1].start() if k + 1 < len(ms) else le
                    seg = text[m.end() : hi]
                    body = m.end() + len(seg) - len(seg.lstrip(" \t"))
                    g = _GAP.search(text, body, hi)
                    spans.append((m.start(), hi if g is None else g.start()))
                else:
                    lo = ms[k - 1].end() if k > 0 else ls
                    lo = max(lo, text.rfind(":", lo, m.start()) + 1)
                    spans.append((_after_gap(text, lo, m.start()), m.end()))
    if not spans:
        return text, warnings
    out: list[str] = []
    at = 0
    for a, b in spans:
        out.append(text[at:a])
        out.append(_BLANKED.sub(MASK, text[a:b]))
        at = b
    out.append(text[at:])
    return "".join(out), warnings


STRETCH_MAX: Final = 4  # a reach is stretched to at most this many times its length


def stretch(text: str, start: int, n: int) -> int:
    """How far ``n`` characters reach from ``start`` when blanked options (``MASK``) are not counted: the smallest
    ``m >= n`` with ``m`` minus the blanked characters in ``text[start:start + m]`` at least ``n``, at most
    ``STRETCH_MAX * n`` (or up to the end of the text). A reach after a name (a status word within 110 characters, a
    score within 130) then holds the ticked option of a template whose options before it are blanked; ``n`` for a text
    without any blanked character."""
    m = n
    while True:
        k = text.count(MASK, start, start + m)
        if m - k >= n or start + m >= len(text) or m >= STRETCH_MAX * n:
            return min(m, STRETCH_MAX * n)
        m = n + k
