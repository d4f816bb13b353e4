"""T and N categories of a tumour, as a case states them (``tumor.t_category``, ``tumor.n_category``, or a TNM
string in ``tumor.stage`` such as "cT2 cN1 M0").

Only the notation is read here: the prefix (c clinical, p pathological, yc/yp after neoadjuvant therapy) and
the category. What a category means for a label criterion (for instance "greater than 2 cm in diameter or node
positive") is decided by the matching code that cites that label.

The categories accepted are those of the AJCC 8th edition written as T0, Tis, T1mi, T1-T4 with an optional
letter a-d, TX; N0 (with the (i+), (i-), (mol+), (mol-) annotations), N1mi, N1-N3 with an optional letter a-c,
NX. A sentinel-node "(sn)" or "(f)" (fine-needle) suffix is accepted and kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

PREFIXES: Final = ("c", "p", "yc", "yp")
T_ALLOWED: Final = (
    "a T category such as cT2, pT1c, ypT0, T1mi, Tis, T4d or TX (prefix c, p, yc or yp optional)"
)
N_ALLOWED: Final = (
    "an N category such as cN1, pN0(i+), pN1mi, N2a or NX (prefix c, p, yc or yp optional; (sn) or (f) suffix "
    "allowed)"
)

_PREFIX = r"(?P<{0}>yc|yp|c|p)?"
_T = r"T(?P<t>X|is|0|1mi|[1-3][a-c]?|4[a-d]?)"
_N = r"N(?P<n>X|0(?:\((?:i\+|i-|mol\+|mol-)\))?|1mi|[1-3][a-c]?)(?P<suffix>\((?:sn|f)\))?"
_M = r"(?:c|p)?M(?P<m>X|0|1)(?:\(i\+\))?"
T_RE: Final = re.compile(_PREFIX.format("tp") + _T + r"$", re.IGNORECASE)
N_RE: Final = re.compile(_PREFIX.format("np") + _N + r"$", re.IGNORECASE)
STAGE_RE: Final = re.compile(
    _PREFIX.format("tp") + _T + r"\s*" + _PREFIX.format("np") + _N + r"(?:\s*" + _M + r")?$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Category:
    """One T or N category: ``prefix`` ("c", "p", "yc", "yp" or None) and ``code`` ("T1c", "N0(i+)")."""

    prefix: str | None
    code: str

    def __str__(self) -> str:
        return f"{self.prefix or ''}{self.code}"

    @property
    def after_neoadjuvant(self) -> bool:
        """yc/yp: the extent after neoadjuvant therapy, not before it."""
        return self.prefix in ("yc", "yp")

    @property
    def unknown(self) -> bool:
        """TX / NX: cannot be assessed."""
        return self.code in ("TX", "NX")


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _prefix(text: str | None) -> str | None:
    return text.lower() if text else None


def _code(letter: str, rest: str) -> str:
    """Canonical spelling: "TX"/"NX" upper case, everything after the letter lower case ("Tis", "T1mi", "N0(i+)")."""
    return letter + ("X" if rest.upper() == "X" else rest.lower())


def parse_t(text: str) -> Category | None:
    """A T category ("cT2", "T1c", "ypT0"), or None when the text is not one."""
    match = T_RE.match(_squeeze(text))
    if match is None:
        return None
    return Category(_prefix(match["tp"]), _code("T", match["t"]))


def parse_n(text: str) -> Category | None:
    """An N category ("cN1", "pN0(i+)", "pN1mi(sn)"), or None when the text is not one."""
    match = N_RE.match(_squeeze(text))
    if match is None:
        return None
    return Category(_prefix(match["np"]), _code("N", match["n"]) + (match["suffix"] or "").lower())


@dataclass(frozen=True, slots=True)
class StageTnm:
    """The T, N and (when written) M of a TNM stage string."""

    t: Category
    n: Category
    m: str | None  # "M0", "M1", "MX" or None when the string has no M


def parse_stage(text: str) -> StageTnm | None:
    """The T and N categories of a TNM stage string ("cT2N1M0", "pT1c pN0 M0", "ypT1a N0"); None when the text
    is not a TNM string (a stage group such as "IIA" is not). An N without its own prefix takes the T's."""
    match = STAGE_RE.match(" ".join(text.split()))
    if match is None:
        return None
    t = Category(_prefix(match["tp"]), _code("T", match["t"]))
    n = Category(
        _prefix(match["np"] or match["tp"]), _code("N", match["n"]) + (match["suffix"] or "").lower()
    )
    return StageTnm(t, n, _code("M", match["m"]) if match["m"] else None)


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
    size, node, micro = tr[0], nr[0], nr[1].startswith("mi")
    if node == 3:
        return "III"
    if t.code == "Tis":
        return "0" if node == 0 else None
    if size == 4:
        return "III"
    if node == 2 or (size == 3 and node == 1):
        return "III"
    if size <= 1:
        if node == 0:
            return "I" if size == 1 else None
        return "I" if micro else "II"
    return "II"  # T2 N0-N1, T3 N0
