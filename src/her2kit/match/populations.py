"""Who a pivotal trial enrolled, by the extent of disease, and which trial subgroup a case belongs to.

These feed cautions, never exclusions: the label decides eligibility; a trial's population only says whether its
result describes this patient. Each rule quotes the registry eligibility text it implements.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

from her2kit.case import Case
from her2kit.kb.schema import SubgroupResult
from her2kit.tnm import Category, n_rank, t_rank

Verdict = Literal["inside", "outside", "unknown"]
Extent = tuple[Category | None, Category | None]


def destiny_breast05(pre: Extent, post: Extent) -> tuple[Verdict, str]:
    """NCT04622319 inclusion: "Clinical stage at disease presentation: T1-4, N0-3, M0; patients presenting with T1N0
    tumors are not eligible"; high risk: "Inoperable breast cancer at presentation (prior to neoadjuvant therapy),
    defined as clinical stages T4, N0-3, M0 or T1-3, N2-3, M0" or "Operable at presentation, defined as clinical
    stages T1-3,N0-1,M0, with axillary node positive disease (ypN1-3) following neoadjuvant therapy"."""
    (t, n), (_, yn) = pre, post
    tr = t_rank(t) if t is not None else None
    nr = n_rank(n) if n is not None else None
    ynr = n_rank(yn) if yn is not None else None
    if tr is not None and tr[0] == 0:
        return "outside", f"{t} at presentation (the trial required T1-4)"
    if tr is not None and nr is not None and tr[0] == 1 and nr[0] == 0:
        return "outside", f"{t} {n} at presentation (T1N0 was not eligible)"
    if (tr is not None and tr[0] == 4) or (nr is not None and nr[0] >= 2):
        return "inside", f"inoperable at presentation ({' '.join(str(x) for x in (t, n) if x is not None)})"
    if ynr is not None and ynr[0] >= 1:
        return "inside", f"{yn} after neoadjuvant therapy"
    if ynr is not None and tr is not None and nr is not None:
        return "outside", f"operable at presentation ({t} {n}) with {yn} after neoadjuvant therapy"
    if ynr is not None:
        return (
            "unknown",
            f"with {yn}, only if inoperable at presentation (cT4, or cN2-3); give the clinical T and N at presentation",
        )
    return "unknown", "give the clinical T and N at presentation and the ypN after neoadjuvant therapy"


def katherine(pre: Extent, post: Extent) -> tuple[Verdict, str]:
    """NCT01772472 inclusion: "Clinical stage T1-4/N0-3/M0 at presentation (patients with T1a/bN0 tumors will not be
    eligible)". T1mi N0 (1 mm or less) is smaller than T1a and counted as outside."""
    t, n = pre
    tr = t_rank(t) if t is not None else None
    nr = n_rank(n) if n is not None else None
    if tr is not None and tr[0] == 0:
        return "outside", f"{t} at presentation (the trial required T1-4)"
    if tr is not None and nr is not None and tr[0] == 1 and tr[1] in ("mi", "a", "b") and nr[0] == 0:
        return "outside", f"{t} {n} at presentation (T1a/bN0 was not eligible)"
    if tr is not None and nr is not None:
        return "inside", f"{t} {n} at presentation"
    return "unknown", "give the clinical T and N at presentation"


EXTENT_RULES: Final[dict[str, Callable[[Extent, Extent], tuple[Verdict, str]]]] = {
    "destiny-breast05": destiny_breast05,
    "katherine": katherine,
}


def in_subgroup(subgroup: SubgroupResult, case: Case) -> bool:
    """The case is known to be in the subgroup: every condition it names holds (an unknown value is not in it).
    Nodes are pathological (pN or an unprefixed N): the subgroups are of trials that staged nodes at surgery, so
    neither clinical cN nor post-neoadjuvant ypN is used."""
    if (
        subgroup.hormone_receptor is not None
        and case.biomarkers.hormone_receptor != subgroup.hormone_receptor
    ):
        return False
    if subgroup.nodes is not None:
        n = case.tumor.n
        if n is None or n.prefix not in (None, "p"):
            return False
        rank = n_rank(n)
        if rank is None or ("positive" if rank[0] >= 1 else "negative") != subgroup.nodes:
            return False
    return True
