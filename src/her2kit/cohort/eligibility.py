"""Biomarker-level eligibility: the knowledge base's indication criteria compiled to Polars expressions.

A registry row has a tumour type, a disease setting, a HER2 result, an IHC score and ER/PR. Of an
indication's criteria (``kb.schema.Criteria``) these columns can decide five: ``tumor_types`` (with
``solid-tumor`` meaning any solid tumour), ``setting``, ``her2_categories``, ``her2_ihc_scores`` and
``hormone_receptor``. Each indication becomes one boolean expression over the columns
``tumor_type``, ``setting``, ``her2_category``, ``ihc_score`` and ``hormone_receptor``; a null never
meets a criterion (a missing setting or ER/PR is *not met*, unlike the case-level matcher, which calls
it *missing*).

Not checked — they need a treatment history or data a registry row does not carry — and named in
each row's ``reasons``: line of therapy, treatment phase of early disease, prior therapies, endocrine
progression, PD-L1, RAS, the label's risk criteria. Indications that require an ERBB2 mutation
(``erbb2_mutation``) are left out entirely: without a mutation column they can never be met, and listing
every metastatic NSCLC for them would mislead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from her2kit.kb import default_kb
from her2kit.kb.schema import Criteria, Indication

SOLID_TUMOR = "solid-tumor"

# The columns the compiled expressions read.
KEY_COLUMNS = ("tumor_type", "setting", "her2_category", "ihc_score", "hormone_receptor")


@dataclass(frozen=True)
class CompiledIndication:
    """One indication: its id, the checkable criteria as an expression, and what is not checked."""

    id: str
    expr: pl.Expr
    needs_hormone_receptor: bool
    tumor_types: tuple[str, ...]
    unchecked: tuple[str, ...]


def _unchecked(c: Criteria) -> tuple[str, ...]:
    out: list[str] = []
    if c.setting == "early":
        out.append(f"treatment phase ({c.phase})")
    if c.lines:
        out.append(f"line of therapy ({'/'.join(c.lines)})")
    if (
        c.min_prior_her2_regimens_metastatic is not None
        or c.min_prior_her2_regimens_any is not None
        or c.previously_treated is not None
        or c.prior_agents_required
        or c.min_prior_chemo_lines_metastatic is not None
        or c.max_prior_chemo_lines_metastatic is not None
        or c.prior_systemic_therapy_required
    ):
        out.append("prior therapy")
    if c.endocrine_progression_required:
        out.append("progression on endocrine therapy")
    if c.pd_l1_cps_min is not None:
        out.append(f"PD-L1 CPS ≥ {c.pd_l1_cps_min:g}")
    if c.ras is not None:
        out.append(f"RAS {c.ras}")
    if c.high_risk_required or c.node_negative_risk is not None:
        out.append("label risk criteria")
    if c.extent_required is not None:
        out.append("tumour extent (> 2 cm or node positive)")
    if c.no_satisfactory_alternative_required:
        out.append("no satisfactory alternative")
    if c.stage_groups:
        out.append(f"stage {' or '.join(c.stage_groups)}")
    if c.histology is not None:
        out.append(f"{c.histology} histology")
    if c.sex is not None or c.menopausal_status is not None:
        out.append(
            " ".join(filter(None, (c.menopausal_status, {"female": "women", "male": "men"}.get(c.sex or ""))))
        )
    return tuple(out)


def compile_indication(indication: Indication) -> CompiledIndication:
    """The checkable criteria of one indication as a boolean Polars expression (null → False)."""
    c = indication.criteria
    conditions: list[pl.Expr] = []
    if SOLID_TUMOR not in c.tumor_types:
        conditions.append(pl.col("tumor_type").is_in(list(c.tumor_types)))
    conditions.append(pl.col("setting") == c.setting)
    if c.her2_categories:
        conditions.append(pl.col("her2_category").is_in(list(c.her2_categories)))
    if c.her2_ihc_scores:
        conditions.append(pl.col("ihc_score").is_in(list(c.her2_ihc_scores)))
    if c.hormone_receptor is not None:
        conditions.append(pl.col("hormone_receptor") == c.hormone_receptor)
    expr = pl.all_horizontal(conditions).fill_null(False)
    return CompiledIndication(
        id=indication.id,
        expr=expr,
        needs_hormone_receptor=c.hormone_receptor is not None,
        tumor_types=tuple(c.tumor_types),
        unchecked=_unchecked(c),
    )


@lru_cache(maxsize=1)
def compiled_indications() -> tuple[tuple[CompiledIndication, ...], tuple[str, ...]]:
    """All screenable indications of the default knowledge base (read once), and the ids left out."""
    kb = default_kb()
    kept: list[CompiledIndication] = []
    excluded: list[str] = []
    for indication in kb.indications.values():
        if indication.criteria.erbb2_mutation is not None:
            excluded.append(indication.id)
        else:
            kept.append(compile_indication(indication))
    return tuple(kept), tuple(excluded)


def eligible_expr(indications: tuple[CompiledIndication, ...] | None = None) -> pl.Expr:
    """A ``list[str]`` expression: the ids of the indications whose checkable criteria are met."""
    if indications is None:
        indications = compiled_indications()[0]
    parts = [pl.when(ind.expr).then(pl.lit(ind.id)) for ind in indications]
    return pl.concat_list(parts).list.drop_nulls().alias("eligible")


def applies_to(indication: CompiledIndication, tumor_type: str) -> bool:
    return SOLID_TUMOR in indication.tumor_types or tumor_type in indication.tumor_types
