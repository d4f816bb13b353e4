"""Who a pivotal trial enrolled, by the extent of disease, and which trial subgroup a case belongs to.

These feed cautions, never exclusions: the label decides eligibility; a trial's population only says whether its
result describes this patient. Each rule quotes the registry eligibility text it implements.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

from her2kit.case import Case
from her2kit.kb.schema import SubgroupResult
from her2kit.tnm import Category, n_rank, stage_subgroup, t_rank

Verdict = Literal["inside", "outside", "unknown"]
Extent = tuple[Category | None, Category | None]


def neoadjuvant_given(case: Case) -> bool:
    """Neoadjuvant therapy is recorded: a neoadjuvant course in the history, categories after it (yc/yp), or the
    post-neoadjuvant phase stated."""
    return (
        any(t.setting == "neoadjuvant" for t in case.history.therapies)
        or any(x is not None for x in case.tumor.post_neoadjuvant)
        or case.tumor.treatment_phase == "post-neoadjuvant-residual"
    )


def presentation(case: Case) -> Extent:
    """T and N at presentation. After neoadjuvant therapy only clinical (c) categories are: a p or unprefixed
    category may be the residual tumour at surgery written without its y (:func:`unplaced_categories`)."""
    t, n = case.tumor.pre_treatment
    if neoadjuvant_given(case):
        return (t if t and t.prefix == "c" else None, n if n and n.prefix == "c" else None)
    return t, n


def unplaced_categories(case: Case) -> list[Category]:
    """p or unprefixed categories given after neoadjuvant therapy: neither the presentation nor (without the y)
    certainly the post-treatment extent, so they are not used."""
    if not neoadjuvant_given(case):
        return []
    return [x for x in case.tumor.pre_treatment if x is not None and x.prefix != "c"]


Response = Literal["pcr", "residual", "isolated-tumour-cells"]


def surgical_response(case: Case) -> tuple[Response, str] | None:
    """What the pathological categories after neoadjuvant therapy say of the surgical specimen: no residual
    invasive disease (ypT0 or ypTis with ypN0), residual invasive disease (ypT1mi or more, or ypN1mi or more), or
    isolated tumour cells only (ypT0/is ypN0(i+), asked about); None when they do not say (clinical yc categories,
    before surgery, never do)."""
    t, n = (x if x is not None and x.prefix == "yp" else None for x in case.tumor.post_neoadjuvant)
    tr = t_rank(t) if t is not None else None
    nr = n_rank(n) if n is not None else None
    given = " ".join(str(x) for x in (t, n) if x is not None)
    if (tr is not None and tr[0] >= 1) or (nr is not None and nr[0] >= 1):
        return "residual", given
    if tr is not None and nr is not None and n is not None:
        return ("isolated-tumour-cells" if n.isolated_tumour_cells else "pcr"), given
    return None


def residual_recorded(case: Case) -> bool:
    """Residual invasive disease after neoadjuvant therapy is recorded: by the yp categories, or as the outcome of a
    neoadjuvant course."""
    response = surgical_response(case)
    return (response is not None and response[0] == "residual") or any(
        t.setting == "neoadjuvant" and t.outcome == "residual_disease" for t in case.history.therapies
    )


def destiny_breast05(pre: Extent, post: Extent, stage: str | None = None) -> tuple[Verdict, str]:
    """NCT04622319 inclusion: "Clinical stage at disease presentation: T1-4, N0-3, M0; patients presenting with T1N0
    tumors are not eligible"; high risk: "Inoperable breast cancer at presentation (prior to neoadjuvant therapy),
    defined as clinical stages T4, N0-3, M0 or T1-3, N2-3, M0" or "Operable at presentation, defined as clinical
    stages T1-3,N0-1,M0, with axillary node positive disease (ypN1-3) following neoadjuvant therapy". Only a
    pathological ypN counts for the latter (not a clinical ycN)."""
    (t, n), (_, yn) = pre, post
    tr = t_rank(t) if t is not None else None
    nr = n_rank(n) if n is not None else None
    ynr = n_rank(yn) if yn is not None and yn.prefix == "yp" else None
    if tr is not None and tr[0] == 0:
        return "outside", f"{t} at presentation (the trial required T1-4)"
    if tr is not None and nr is not None and tr[0] == 1 and nr[0] == 0:
        return "outside", f"{t} {n} at presentation (T1N0 was not eligible)"
    if (tr is not None and tr[0] == 4) or (nr is not None and nr[0] >= 2):
        return "inside", f"inoperable at presentation ({' '.join(str(x) for x in (t, n) if x is not None)})"
    not_t1n0 = (tr is not None and tr[0] >= 2) or (nr is not None and nr[0] >= 1)
    if ynr is not None and ynr[0] >= 1:
        if not_t1n0:
            return (
                "inside",
                f"{' '.join(str(x) for x in (t, n) if x is not None)} at presentation, {yn} after it",
            )
        return (
            "unknown",
            f"with {yn}, unless the presentation was T1N0 (not eligible); give the clinical T and N",
        )
    if ynr is not None and tr is not None and nr is not None:
        return "outside", f"operable at presentation ({t} {n}) with {yn} after neoadjuvant therapy"
    if ynr is not None:
        return (
            "unknown",
            f"with {yn}, only if inoperable at presentation (cT4, or cN2-3); give the clinical T and N at presentation",
        )
    return "unknown", "give the clinical T and N at presentation and the ypN after neoadjuvant therapy"


def katherine(pre: Extent, post: Extent, stage: str | None = None) -> tuple[Verdict, str]:
    """NCT01772472 inclusion: "Clinical stage T1-4/N0-3/M0 at presentation (patients with T1a/bN0 tumors will not be
    eligible)". T1mi N0 (1 mm or less) is smaller than T1a and counted as outside; T1 without its letter, with N0,
    may be T1a/b and is unknown."""
    t, n = pre
    tr = t_rank(t) if t is not None else None
    nr = n_rank(n) if n is not None else None
    if tr is not None and tr[0] == 0:
        return "outside", f"{t} at presentation (the trial required T1-4)"
    if tr is not None and nr is not None and tr[0] == 1 and nr[0] == 0:
        if tr[1] in ("mi", "a", "b"):
            return "outside", f"{t} {n} at presentation (T1a/bN0 was not eligible)"
        if tr[1] == "":
            return "unknown", f"{t} {n} at presentation: T1a/bN0 was not eligible; give the T1 subcategory"
    if tr is not None and nr is not None:
        return "inside", f"{t} {n} at presentation"
    return "unknown", "give the clinical T and N at presentation"


def destiny_breast11(pre: Extent, post: Extent, stage: str | None = None) -> tuple[Verdict, str]:
    """DESTINY-Breast11 enrolled "high-risk (≥cT3cN0 or cT0-4cN1-3) HER2-positive disease" (Ann Oncol 2026,
    PMID 41130363): cT3-4 with any N, or any T with cN1-3. Without T and N, a stated anatomic stage IIB (T2 N1,
    T3 N0) or III is inside; IIA includes T2 N0, which was not enrolled."""
    t, n = pre
    tr = t_rank(t) if t is not None else None
    nr = n_rank(n) if n is not None else None
    if (tr is not None and tr[0] >= 3) or (nr is not None and nr[0] >= 1):
        return "inside", " ".join(str(x) for x in (t, n) if x is not None)
    if tr is not None and nr is not None:
        return "outside", f"{t} {n}"
    group = stage_subgroup(stage) if stage else None
    if t is None and n is None and group is not None:
        if group == "IIB" or group.startswith("III"):
            return "inside", f"stage {group}"
        if group.startswith("II"):
            return (
                "unknown",
                f"stage {group} includes T2 N0, which was not enrolled; give the clinical T and N",
            )
    return "unknown", "give the clinical T and N"


EXTENT_RULES: Final[dict[str, Callable[[Extent, Extent, str | None], tuple[Verdict, str]]]] = {
    "destiny-breast05": destiny_breast05,
    "katherine": katherine,
    "destiny-breast11": destiny_breast11,
}


def in_subgroup(subgroup: SubgroupResult, case: Case, her2_category: str | None = None) -> bool:
    """The case is known to be in the subgroup: every condition it names holds (an unknown value is not in it).
    Nodes are pathological (pN or an unprefixed N) without neoadjuvant therapy: the subgroups are of trials that
    staged nodes at upfront surgery, so neither clinical cN nor a category after neoadjuvant therapy is used."""
    if (
        subgroup.hormone_receptor is not None
        and case.biomarkers.hormone_receptor != subgroup.hormone_receptor
    ):
        return False
    if subgroup.her2_category is not None and her2_category != subgroup.her2_category:
        return False
    if subgroup.pd_l1_cps_min is not None and (
        case.biomarkers.pd_l1_cps is None or case.biomarkers.pd_l1_cps < subgroup.pd_l1_cps_min
    ):
        return False
    if subgroup.nodes is not None:
        n = case.tumor.n
        if n is None or n.prefix not in (None, "p") or neoadjuvant_given(case):
            return False
        rank = n_rank(n)
        if rank is None or ("positive" if rank[0] >= 1 else "negative") != subgroup.nodes:
            return False
    return True
