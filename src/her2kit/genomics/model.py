"""The output contract of ERBB2 genomic profiling: :class:`GenomicProfile` and its parts.

Models are closed (``extra="forbid"``) like the rest of her2kit. A profile states what a file
establishes and nothing more: ``amplified`` is ``None`` when the file has no copy-number data for
ERBB2 or the copy number falls in the equivocal range, and ``warnings`` says why.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Genome = Literal["GRCh37", "GRCh38"]
FileFormat = Literal["vcf", "maf", "seg", "cnvkit-cns", "cnvkit-cnr", "gene-cna", "allele-specific-segments"]
VariantClass = Literal[
    "kinase-domain-activating",
    "extracellular-domain-activating",
    "transmembrane-juxtamembrane",
    "activating-other",
    "resistance",
    "truncating",
    "unknown-significance",
]
CoGene = Literal["KRAS", "NRAS", "BRAF", "PIK3CA", "ERBB3"]
CO_GENES: Final[tuple[CoGene, ...]] = ("KRAS", "NRAS", "BRAF", "PIK3CA", "ERBB3")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmplificationThresholds(_Closed):
    """When ERBB2 copy number counts as amplified.

    Defaults mirror the ASCO/CAP 2018 single-probe ISH cut-offs for average HER2 signals per cell
    (≥ 6.0 positive, < 4.0 negative, 4.0 to < 6.0 equivocal; ref:guideline-asco-cap-breast-2018).
    Applying them to a sequencing copy-number estimate is a her2kit convention, not a guideline rule:
    NGS reports copies per tumour cell, ISH counts signals per nucleus. Log2 ratios are converted to
    copies with the CNVkit formula n = (r·2^v − x·(1 − p)) / p (purity p, ploidy r = x on autosomes;
    ref:db-cnvkit-call). Without a purity the conversion assumes 100% tumour cells: above a log2 ratio of 0
    the result is then a lower bound, so it can call "amplified" but not "not amplified" (``None``). GISTIC 2
    thresholded calls: 2 = high-level amplification, 1 = low-level gain (ref:db-gistic2-thresholded); only
    ``gistic_amplified`` and above count as amplified, 1 below it is undetermined (``None``), 0 and below
    are not amplified.
    """

    amplified_min_copies: float = Field(
        6.0, gt=0, description="copy number at or above which ERBB2 is amplified"
    )
    not_amplified_below: float = Field(
        4.0, gt=0, description="copy number below which ERBB2 is not amplified"
    )
    gistic_amplified: int = Field(
        2, ge=1, le=2, description="GISTIC thresholded value that counts as amplified"
    )
    purity: float | None = Field(None, gt=0, le=1, description="tumour purity, for log2-ratio conversion")
    ploidy: float = Field(2.0, gt=0, le=10, description="tumour ploidy, for log2-ratio conversion")

    @model_validator(mode="after")
    def _ordered(self) -> AmplificationThresholds:
        if self.not_amplified_below > self.amplified_min_copies:
            raise ValueError("not_amplified_below must not exceed amplified_min_copies")
        return self


DEFAULT_THRESHOLDS: Final = AmplificationThresholds()


class Mutation(_Closed):
    """One variant, with its protein change in normalised one-letter HGVS."""

    gene: str = "ERBB2"
    hgvsp: str | None = Field(None, description='normalised HGVS protein, e.g. "p.Y772_A775dup"')
    hgvsc: str | None = None
    class_: VariantClass = Field("unknown-significance", alias="class")
    exon: int | None = None
    source: str = Field(description="where the call came from: file, line or region, sample")
    hotspot: bool = Field(False, description="the residue is a Cancer Hotspots v2 hotspot")
    references: list[str] = Field(default_factory=list, description="knowledge-base ids behind the class")
    note: str | None = None
    vaf: float | None = Field(None, ge=0, le=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Erbb2Finding(_Closed):
    amplified: bool | None = None
    copy_number: float | None = Field(None, ge=0)
    evidence: str = "no ERBB2 copy-number data in this file"
    mutations: list[Mutation] = Field(default_factory=list)


class CoAlteration(_Closed):
    gene: CoGene
    status: Literal["mutant", "wild-type", "not-assessed", "amplified", "deleted"]
    mutations: list[Mutation] = Field(default_factory=list)
    note: str
    references: list[str] = Field(default_factory=list)


class GenomicProfile(_Closed):
    """What one sample's genomic file says about ERBB2 and its co-alteration genes."""

    sample: str | None = None
    genome: Genome | None = None
    file_format: FileFormat
    erbb2: Erbb2Finding = Field(default_factory=Erbb2Finding)
    co_alterations: list[CoAlteration] = Field(default_factory=list)
    sequenced_genes: list[str] = Field(
        default_factory=list, description="genes whose coding sequence the file covers (for wild-type calls)"
    )
    warnings: list[str] = Field(default_factory=list)
    erbb2_searched: bool = Field(
        True,
        description="false when the file's records lie on contigs her2kit cannot place, none on chromosome 17: "
        "ERBB2 mutations were not assessed (not a negative result)",
    )

    def json_dict(self) -> dict[str, object]:
        """The profile as JSON-ready data, with ``class`` spelled as in the contract."""
        return self.model_dump(mode="json", by_alias=True)
