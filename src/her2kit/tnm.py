"""T and N categories of a tumour, as a case states them (``tumor.t_category``, ``tumor.n_category``, or a TNM
string in ``tumor.stage`` such as "cT2 cN1 M0").

Only the notation is read here: the prefix (c clinical, p pathological, yc/yp after neoadjuvant therapy) and
the category. What a category means for a label criterion (for instance "greater than 2 cm in diameter or node
positive") is decided by the matching code that cites that label.

The categories accepted are those of the AJCC 8th edition: T0, Tis (with "(DCIS)", "(LCIS)" or "(Paget)"),
T1mi (also the 7th edition's "T1mic"), T1 with a-c, T2 and T3 (with a-c for other sites), T4 with a-d, TX, each
with an optional "(m)" (multiple tumours) or "(n)" suffix; N0, N1mi (also "N1(mi)"), N1-N3 with a-c, NX, with
the annotations (i+), (i-), (mol+), (mol-) on N0 and (sn) or (f) on any. Annotations are kept as written.
In a compact string ("cT2cN1cM0") a letter followed by N or M is the next category's prefix, except after T1
and T4, whose letters are subcategories ("pT1cN0" is pT1c pN0).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Final

PREFIXES: Final = ("c", "p", "yc", "yp")
T_ALLOWED: Final = (
    "a T category such as cT2, pT1c, pT1c(m), ypT0, T1mi, Tis, T4d or TX (prefix c, p, yc or yp optional; (m) "
    "suffix allowed)"
)
N_ALLOWED: Final = (
    "an N category such as cN1, pN0(i+), pN1mi, N2a or NX (prefix c, p, yc or yp optional; (sn) or (f) on any "
    "category, (i+), (i-), (mol+), (mol-) on N0 only)"
)

_PREFIX = r"(?P<{0}>yc|yp|c|p)?"
_T = (
    r"T(?P<t>X|is(?:\s*\((?:DCIS|LCIS|Paget)\))?|0|1mic?|1[a-c]?|4[a-d]?|[23](?:[a-c](?![NnMm]))?)"
    r"(?P<tnote>\((?:m|\d+)\))?"
)
_N = r"N(?P<n>X|0|1mi|[1-3](?:[a-c](?![Mm]))?)(?P<nnote>(?:\s*\((?:i\+|i-|mol\+|mol-|sn|f|mi)\))*)"
_M = r"(?:c|p)?M(?P<m>X|0|1)(?:\(i\+\))?"
T_RE: Final = re.compile(_PREFIX.format("tp") + _T + r"$", re.IGNORECASE)
N_RE: Final = re.compile(_PREFIX.format("np") + _N + r"$", re.IGNORECASE)
STAGE_RE: Final = re.compile(
    _PREFIX.format("tp") + _T + r"\s*" + _PREFIX.format("np") + _N + r"(?:\s*" + _M + r")?$", re.IGNORECASE
)
_NODE_ANNOTATIONS: Final = frozenset({"(i+)", "(i-)", "(mol+)", "(mol-)"})


@dataclass(frozen=True, slots=True)
class Category:
    """One T or N category: ``prefix`` ("c", "p", "yc", "yp" or None), ``code`` ("T1c", "N0", "N1mi") and the
    annotations as written (``notes``: "(m)", "(i+)(sn)")."""

    prefix: str | None
    code: str
    notes: str = ""

    def __str__(self) -> str:
        return f"{self.prefix or ''}{self.code}{self.notes}"

    @property
    def after_neoadjuvant(self) -> bool:
        """yc/yp: the extent after neoadjuvant therapy, not before it."""
        return self.prefix in ("yc", "yp")

    @property
    def unknown(self) -> bool:
        """TX / NX: cannot be assessed."""
        return self.code in ("TX", "NX")

    @property
    def isolated_tumour_cells(self) -> bool:
        return "(i+)" in self.notes


def _prefix(text: str | None) -> str | None:
    return text.lower() if text else None


def _t_code(rest: str) -> str:
    """Canonical T: "TX", "Tis", "T1mi" (the 7th edition's T1mic too), "T1c"."""
    rest = rest.strip()
    if rest.upper() == "X":
        return "TX"
    if rest.lower().startswith("is"):
        return "Tis"
    rest = rest.lower()
    return "T1mi" if rest == "1mic" else "T" + rest


def _n_parts(rest: str, notes: str) -> tuple[str, str] | None:
    """Canonical N code and annotations; None when an annotation does not belong to the category ((i+) on N1)."""
    code = "NX" if rest.upper() == "X" else "N" + rest.lower()
    found = re.findall(r"\([^)]*\)", notes.lower())
    if "(mi)" in found:
        if code != "N1":
            return None
        code, found = "N1mi", [f for f in found if f != "(mi)"]
    if code != "N0" and any(f in _NODE_ANNOTATIONS for f in found):
        return None
    return code, "".join(found)


def parse_t(text: str) -> Category | None:
    """A T category ("cT2", "T1c", "ypT0", "pT1c(m)"), or None when the text is not one."""
    match = T_RE.match("".join(text.split()))
    if match is None:
        return None
    return Category(_prefix(match["tp"]), _t_code(match["t"]), (match["tnote"] or "").lower())


def parse_n(text: str) -> Category | None:
    """An N category ("cN1", "pN0(i+)", "pN1mi(sn)", "pN1(mi)"), or None when the text is not one."""
    match = N_RE.match("".join(text.split()))
    if match is None:
        return None
    parts = _n_parts(match["n"], match["nnote"] or "")
    return Category(_prefix(match["np"]), *parts) if parts else None


@dataclass(frozen=True, slots=True)
class StageTnm:
    """The T, N and (when written) M of a TNM stage string."""

    t: Category
    n: Category
    m: str | None  # "M0", "M1", "MX" or None when the string has no M


def _tnm_text(text: str) -> str:
    """The TNM part of a stage text: commas dropped; inside parentheses after a stage group ("Stage IIIB (cT4b N1
    M0)")."""
    inner = re.fullmatch(r"[^()]*\((.*)\)\s*", text)
    if inner and re.search(r"[Tt]", inner.group(1)) and re.search(r"[Nn]", inner.group(1)):
        text = inner.group(1)
    return " ".join(text.replace(",", " ").split())


def parse_stage(text: str) -> StageTnm | None:
    """The T and N categories of a TNM stage string ("cT2N1M0", "pT1c pN0 M0", "ypT1a N0", "cT2, cN1, M0",
    "Stage IIIB (cT4b N1 M0)"); None when the text is not a TNM string (a stage group such as "IIA" is not). An N
    without its own prefix takes the T's."""
    match = STAGE_RE.match(_tnm_text(text))
    if match is None:
        return None
    parts = _n_parts(match["n"], match["nnote"] or "")
    if parts is None:
        return None
    t = Category(_prefix(match["tp"]), _t_code(match["t"]), (match["tnote"] or "").lower())
    n = Category(_prefix(match["np"] or match["tp"]), *parts)
    return StageTnm(t, n, ("M" + match["m"].upper()) if match["m"] else None)


def same_category(a: Category, b: Category) -> bool:
    """The same category, an unwritten prefix agreeing with any ("T2" and "cT2")."""
    return (
        a.code == b.code
        and a.notes == b.notes
        and (a.prefix is None or b.prefix is None or a.prefix == b.prefix)
    )


_STAGE_GROUP = re.compile(
    r"^(?:(?:ajcc|clinical|pathologic(?:al)?|anatomic)\s+)?(?:stage\s*)?(iv|iii|ii|i|0|[1-4])([abc])?\d?$"
)
_ARABIC: Final = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def stage_subgroup(text: str) -> str | None:
    """The stage group with its letter when written ("IIA", "IIIB", "II"), else None."""
    head = text.split("(", 1)[0]
    match = _STAGE_GROUP.match(" ".join(head.lower().replace(",", " ").split()))
    if match is None:
        return None
    return _ARABIC.get(match.group(1), match.group(1).upper()) + (match.group(2) or "").upper()


def stage_group(text: str) -> str | None:
    """The stage group (0, I, II, III, IV) of a written stage ("IIIA", "stage 2B", "Stage IIIB (cT4b N1 M0)"), else
    None (a bare TNM string gives none here: see :func:`breast_anatomic_groups`; nor does a "prognostic stage",
    which is not the anatomic stage a label's stage group names)."""
    group = stage_subgroup(text)
    return group.rstrip("ABC") if group is not None else None


def t_rank(category: Category) -> tuple[int, str] | None:
    """(main number, rest) of a T category: T0 and Tis → 0, T1mi → 1; None for TX."""
    code = category.code[1:]
    if code == "X":
        return None
    if code in ("0", "is"):
        return 0, code
    return int(code[0]), code[1:]


def n_rank(category: Category) -> tuple[int, str] | None:
    """(main number, rest) of an N category: N0 with any annotation → 0, N1mi → 1; None for NX."""
    code = category.code[1:]
    if code == "X":
        return None
    return int(code[0]), code[1:]


def breast_anatomic_group(t: Category, n: Category, m: str | None = None) -> str | None:
    """The AJCC 8th edition anatomic stage group (0, I, II, III or IV) of breast T and N categories, per the
    anatomic stage table (MSD Manual's copy adapted from the AJCC manual, ref:web-msd-breast-anatomic-staging):
    0 Tis N0; IA T1 N0; IB T0-T1 N1mi; IIA T0-T1 N1 (not N1mi), T2 N0; IIB T2 N1, T3 N0; IIIA T0-T2 N2, T3 N1-N2;
    IIIB T4 N0-N2; IIIC any T N3; IV M1 (T1 includes T1mi). None for TX, NX, a combination the table does not
    list (T0 N0, Tis with nodes) and for categories after neoadjuvant therapy (yc, yp), which do not describe
    the disease before treatment."""
    if m == "M1":
        return "IV"
    if t.after_neoadjuvant or n.after_neoadjuvant:
        return None
    tr, nr = t_rank(t), n_rank(n)
    if tr is None or nr is None:
        return None
    return _group(t.code == "Tis", tr[0], nr[0], nr[1].startswith("mi"))


def _group(tis: bool, size: int, node: int, micro: bool) -> str | None:
    if node == 3:
        return "III"
    if tis:
        return "0" if node == 0 else None
    if size == 4 or node == 2 or (size == 3 and node == 1):
        return "III"
    if size <= 1:
        if node == 0:
            return "I" if size == 1 else None
        return "I" if micro else "II"
    return "II"  # T2 N0-N1, T3 N0


_ALL_T: Final = [(False, s) for s in range(5)]  # T0-T4 (an unknown T is invasive: Tis is not assumed)
_ALL_N: Final = [(0, False), (1, True), (1, False), (2, False), (3, False)]  # N0, N1mi, N1, N2, N3


def breast_anatomic_groups(t: Category | None, n: Category | None, m: str | None = None) -> set[str | None]:
    """Every anatomic stage group the categories allow: one group when both are known; with TX/NX or a missing
    category, the groups of all its possible values (cT3 cNX is stage II or III whatever the nodes). Post-
    neoadjuvant categories give {None}."""
    if m == "M1":
        return {"IV"}
    if (t is not None and t.after_neoadjuvant) or (n is not None and n.after_neoadjuvant):
        return {None}
    tr = t_rank(t) if t is not None else None
    nr = n_rank(n) if n is not None else None
    ts = [(t is not None and t.code == "Tis", tr[0])] if tr is not None else _ALL_T
    ns = [(nr[0], nr[1].startswith("mi"))] if nr is not None else _ALL_N
    return {_group(tis, size, node, micro) for (tis, size), (node, micro) in itertools.product(ts, ns)}
