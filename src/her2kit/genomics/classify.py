"""ERBB2 variant classes, hotspots and co-alteration notes, read from ``genomics/data/*.yaml``.

The variant catalogue is validated by :class:`VariantCatalogue` (closed models; a class, variant or
rule without references is an error). :func:`check_references` confirms that every reference id
resolves in the knowledge base; the test suite runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from her2kit.errors import KnowledgeBaseError
from her2kit.genomics.hgvs import HgvsError, ProteinChange, erbb2_sequence, parse
from her2kit.genomics.model import CO_GENES, CoGene, Genome, VariantClass
from her2kit.yamlload import safe_load

RefId = Annotated[str, Field(pattern=r"^ref:[a-z0-9][a-z0-9._-]*$")]

# Query regions: the span of each gene's Cancer Hotspots v2 positions, padded on both sides by this
# many bases. It is a her2kit convention: enough to cover the ERBB2 coding exons around the hotspots,
# stated as a limitation in docs/genomics.md. The padded window also reaches neighbouring genes (GRB7),
# so an unannotated VCF record counts as an ERBB2 variant only inside the Ensembl ERBB2 gene span
# (common.ERBB2_GENE), and an annotated one only when its annotation names ERBB2.
REGION_PADDING: Final = 30_000


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassDef(_Closed):
    label: str
    description: str
    references: list[RefId] = Field(min_length=1)


class VariantEntry(_Closed):
    hgvsp: str
    class_: VariantClass = Field(alias="class")
    exon: int | None = Field(None, ge=1, le=27)
    note: str | None = None
    references: list[RefId] = Field(min_length=1)

    @model_validator(mode="after")
    def _normalised(self) -> VariantEntry:
        try:
            normal = parse(self.hgvsp, erbb2_sequence())
        except HgvsError as exc:
            raise ValueError(str(exc)) from None
        if normal.text != self.hgvsp or normal.warnings:
            raise ValueError(
                f"{self.hgvsp} is not in normalised form ({normal.text}) {list(normal.warnings)}"
            )
        return self


class RuleEntry(_Closed):
    id: str
    class_: VariantClass = Field(alias="class")
    kinds: list[Literal["ins", "dup", "delins-gain"]] = Field(min_length=1)
    start: int = Field(ge=1)
    end: int = Field(ge=1)
    exon: int | None = None
    description: str
    references: list[RefId] = Field(min_length=1)


class VariantCatalogue(_Closed):
    classes: dict[VariantClass, ClassDef]
    variants: list[VariantEntry]
    rules: list[RuleEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> VariantCatalogue:
        seen = [v.hgvsp for v in self.variants]
        dupes = sorted({h for h in seen if seen.count(h) > 1})
        if dupes:
            raise ValueError(f"variants listed twice: {', '.join(dupes)}")
        return self


class CoGeneEntry(_Closed):
    note: str
    references: list[RefId] = Field(min_length=1)


class CoAlterationCatalogue(_Closed):
    genes: dict[CoGene, CoGeneEntry]


@dataclass(frozen=True)
class HotspotRow:
    gene: str
    chrom: str
    pos: int
    ref: str
    alt: str
    consequence: str
    protein: str


@dataclass(frozen=True)
class Classification:
    class_: VariantClass
    references: tuple[str, ...]
    exon: int | None
    note: str | None
    hotspot: bool


def _load(name: str) -> Any:
    text = resources.files("her2kit.genomics").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return safe_load(text)


def _validated(model: type[BaseModel], name: str) -> Any:
    try:
        return model.model_validate(_load(name))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise KnowledgeBaseError([f"genomics/data/{name}: {where}: {err['msg']}"]) from None


@lru_cache(maxsize=1)
def catalogue() -> VariantCatalogue:
    result: VariantCatalogue = _validated(VariantCatalogue, "erbb2_variants.yaml")
    return result


@lru_cache(maxsize=1)
def co_catalogue() -> CoAlterationCatalogue:
    result: CoAlterationCatalogue = _validated(CoAlterationCatalogue, "coalterations.yaml")
    return result


@lru_cache(maxsize=1)
def hotspot_rows() -> dict[str, tuple[HotspotRow, ...]]:
    data = _load("hotspots.yaml")
    out: dict[str, tuple[HotspotRow, ...]] = {}
    for build, rows in data["builds"].items():
        parsed = []
        for row in rows:
            gene, chrom, pos, ref, alt, consequence, protein = str(row).split()
            parsed.append(HotspotRow(gene, chrom, int(pos), ref, alt, consequence, protein))
        out[build] = tuple(parsed)
    return out


@lru_cache(maxsize=1)
def erbb2_hotspot_residues() -> frozenset[int]:
    residues: set[int] = set()
    for row in hotspot_rows()["GRCh37"]:
        if row.gene == "ERBB2":
            numbers = [int(n) for n in re.findall(r"\d+", row.protein)]
            residues.update(range(numbers[0], numbers[-1] + 1))
    return frozenset(residues)


@lru_cache(maxsize=2)
def gene_regions(genome: Genome) -> dict[str, tuple[str, int, int]]:
    """Gene → (chromosome without "chr", start, end) query regions for one build."""
    spans: dict[str, tuple[str, int, int]] = {}
    for row in hotspot_rows()[genome]:
        chrom, lo, hi = spans.get(row.gene, (row.chrom, row.pos, row.pos))
        spans[row.gene] = (chrom, min(lo, row.pos), max(hi, row.pos))
    return {g: (c, max(1, lo - REGION_PADDING), hi + REGION_PADDING) for g, (c, lo, hi) in spans.items()}


@lru_cache(maxsize=2)
def hotspot_index(genome: Genome) -> dict[tuple[str, int, str, str], HotspotRow]:
    """(chrom, pos, ref, alt) → hotspot row, for the substitution rows (unannotated VCF records)."""
    out = {}
    for row in hotspot_rows()[genome]:
        if row.consequence in ("Missense_Mutation", "Nonsense_Mutation") and "-" not in (row.ref, row.alt):
            out[(row.chrom, row.pos, row.ref, row.alt)] = row
    return out


# Kinds of change that alter the protein without ending it early; only these can carry the hotspot flag
# (a synonymous change leaves the residue as it is, a truncating one removes the rest of the protein).
PROTEIN_ALTERING: Final = frozenset({"sub", "del", "dup", "ins", "delins"})


def classify(change: ProteinChange) -> Classification:
    """The class of a normalised ERBB2 protein change.

    A truncating change (nonsense, frameshift, a stop inside an inserted sequence) is ``truncating`` whatever
    its position: the catalogue and the exon 20 insertion rule are never applied to it. Synonymous and other
    non-altering changes are ``unknown-significance`` and never flagged as a hotspot.
    """
    cat = catalogue()
    if change.truncating:
        trunc = cat.classes["truncating"]
        return Classification("truncating", tuple(trunc.references), None, None, False)
    altering = change.kind in PROTEIN_ALTERING
    hotspot = altering and any(
        change.start <= r <= max(change.end, change.start) for r in erbb2_hotspot_residues()
    )
    if not altering:
        default = cat.classes["unknown-significance"]
        return Classification("unknown-significance", tuple(default.references), None, None, False)
    for entry in cat.variants:
        if entry.hgvsp == change.text:
            return Classification(entry.class_, tuple(entry.references), entry.exon, entry.note, hotspot)
    kind = "delins-gain" if change.kind == "delins" and change.net_gain else change.kind
    for rule in cat.rules:
        if kind in rule.kinds and rule.start <= change.start and change.end <= rule.end:
            return Classification(rule.class_, tuple(rule.references), rule.exon, f"rule {rule.id}", hotspot)
    default = cat.classes["unknown-significance"]
    note = "residue is a Cancer Hotspots v2 hotspot" if hotspot else None
    return Classification("unknown-significance", tuple(default.references), None, note, hotspot)


def all_reference_ids() -> set[str]:
    ids: set[str] = set()
    cat = catalogue()
    for c in cat.classes.values():
        ids.update(c.references)
    for v in cat.variants:
        ids.update(v.references)
    for r in cat.rules:
        ids.update(r.references)
    for g in co_catalogue().genes.values():
        ids.update(g.references)
    ids.update(_load("hotspots.yaml")["references"])
    ids.update(_load("erbb2_protein.yaml")["references"])
    return ids


def check_references(known: set[str]) -> list[str]:
    """Reference ids used by the genomics data that the knowledge base does not define."""
    return sorted(all_reference_ids() - known)


def co_gene_note(gene: CoGene) -> tuple[str, tuple[str, ...]]:
    entry = co_catalogue().genes[gene]
    return " ".join(entry.note.split()), tuple(entry.references)


__all__ = [
    "CO_GENES",
    "Classification",
    "VariantCatalogue",
    "catalogue",
    "check_references",
    "classify",
    "gene_regions",
    "hotspot_index",
]
