"""Add a :class:`GenomicProfile` to a :class:`~her2kit.case.Case` as an ``NgsTest``.

The case is never overwritten: a value the case already states (e.g. ``biomarkers.ras``) is kept and
a disagreement is returned as a warning. For colorectal cases ``biomarkers.ras`` is set from KRAS/NRAS
only when the profile establishes it: a KRAS or NRAS mutation → "mutant"; "wild-type" only when both
genes were sequenced and no variant was found.

Which ERBB2 variants reach ``NgsTest.erbb2_mutations``: the matcher reads them for the HER2-mutant NSCLC
indications, whose labels require an activating mutation
(trastuzumab deruxtecan: "activating HER2 (ERBB2) mutations", ref:label-enhertu) or a tyrosine kinase domain
activating mutation (zongertinib, sevabertinib: ref:label-hernexeos, ref:label-hyrnuo). So only a variant
that can qualify is passed on (:func:`case_mutations`): one in an activating class of the catalogue, or an
unclassified protein-altering missense or in-frame change (the matcher then asks to confirm the
classification). Truncating, resistance-only and synonymous variants are left out with a warning that says
why. Variants that might qualify but cannot be placed (no protein change, another transcript, no genome build,
residues that do not match the reference) are counted in ``erbb2_unplaced_variants``, so the matcher asks
rather than saying none was found. Each variant's class goes into ``erbb2_mutation_classes``, which the
matcher reads against each label's wording. A copy-number-only file sets ``erbb2_mutations_tested`` false, and
so does a VCF none of whose records is on a contig recognised as chromosome 17 while some are on contigs that
name no chromosome (``GenomicProfile.erbb2_searched`` false).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from her2kit.case import Case, NgsTest
from her2kit.genomics.classify import PROTEIN_ALTERING
from her2kit.genomics.hgvs import HgvsError, erbb2_sequence, parse
from her2kit.genomics.model import GenomicProfile, Mutation, VariantClass

# Catalogue classes whose cited sources report activation (any domain).
ACTIVATING: Final[frozenset[VariantClass]] = frozenset(
    {
        "kinase-domain-activating",
        "extracellular-domain-activating",
        "transmembrane-juxtamembrane",
        "activating-other",
    }
)


def ras_status(profile: GenomicProfile) -> Literal["wild-type", "mutant"] | None:
    """RAS status established by the profile, or None when KRAS/NRAS were not both assessed."""
    status = {c.gene: c.status for c in profile.co_alterations if c.gene in ("KRAS", "NRAS")}
    if "mutant" in status.values():
        return "mutant"
    if status.get("KRAS") == "wild-type" and status.get("NRAS") == "wild-type":
        return "wild-type"
    return None


@dataclass(frozen=True)
class _Left:
    """Why a variant is not added to the case, and whether it might still qualify (unplaced) or cannot."""

    reason: str
    unplaced: bool


def _why_not(m: Mutation) -> _Left | None:
    """Why an ERBB2 variant cannot count as an activating mutation for a label; None when it can."""
    if m.hgvsp is None:
        return _Left("no protein change", unplaced=True)
    if m.class_ == "truncating":
        return _Left(
            "truncating (stop or frameshift); no source read reports a truncating ERBB2 change as activating",
            False,
        )
    if m.class_ == "resistance":
        return _Left(
            "reported as acquired resistance to a HER2 tyrosine kinase inhibitor, not as activating", False
        )
    if m.class_ in ACTIVATING:
        return None
    try:
        change = parse(m.hgvsp, erbb2_sequence())
    except HgvsError as exc:
        return _Left(f"protein change not readable ({exc})", unplaced=True)
    if change.warnings:
        return _Left(
            "its residues do not match the reference protein NP_004439.2, so it cannot be placed", True
        )
    if change.truncating or change.kind not in PROTEIN_ALTERING:
        return _Left("not a protein-altering missense or in-frame change", unplaced=False)
    if "X" in change.inserted:
        return _Left("X is an unknown amino acid (or an old stop notation)", unplaced=True)
    return None


COPY_NUMBER_FORMATS: Final = frozenset(
    {"seg", "cnvkit-cns", "cnvkit-cnr", "gene-cna", "allele-specific-segments"}
)


@dataclass(frozen=True)
class CaseMutations:
    """What a profile adds to a case: the protein changes that can qualify with their classes, the number of
    variants that might qualify but could not be placed, and warnings for those left out."""

    added: list[str]
    classes: dict[str, str]
    unplaced: int
    warnings: list[str]


def case_mutations(profile: GenomicProfile) -> CaseMutations:
    """The ERBB2 variants of a profile sorted for the case, in one pass (see the module docstring)."""
    warnings: list[str] = []
    classes: dict[str, str] = {}
    unplaced = unannotated = 0
    for m in profile.erbb2.mutations:
        left = _why_not(m)
        if left is None and m.hgvsp is not None:
            classes.setdefault(m.hgvsp, m.class_)
            continue
        assert left is not None
        unplaced += left.unplaced
        if m.hgvsp is None:
            unannotated += 1
        else:
            warnings.append(f"ERBB2 {m.hgvsp} ({m.source}) not added to the case: {left.reason}")
    if unannotated:
        warnings.append(f"{unannotated} ERBB2 variant(s) without a protein change were not added")
    return CaseMutations(list(classes), classes, unplaced, warnings)


def merge_with_warnings(case: Case, profile: GenomicProfile) -> tuple[Case, list[str]]:
    """The new case and the warnings: the profile's own (build, synonymous changes left out, purity caveats, …),
    then those raised while merging."""
    sorted_ = case_mutations(profile)
    warnings = [*profile.warnings, *sorted_.warnings]
    source = f"genomic file ({profile.file_format}{', sample ' + profile.sample if profile.sample else ''})"
    test = NgsTest.model_validate(
        {
            "method": "ngs",
            "erbb2_amplified": profile.erbb2.amplified,
            "copy_number": profile.erbb2.copy_number,
            "erbb2_mutations": sorted_.added,
            "erbb2_mutations_tested": profile.file_format not in COPY_NUMBER_FORMATS
            and profile.erbb2_searched,
            "erbb2_unplaced_variants": sorted_.unplaced,
            "erbb2_mutation_classes": sorted_.classes,
            "source": source,
        }
    )
    biomarkers = case.biomarkers
    if case.tumor.type == "colorectal":
        found = ras_status(profile)
        if found is None:
            warnings.append(
                "RAS status not established by this file (KRAS and NRAS must both be sequenced to call "
                "wild-type); biomarkers.ras left unchanged"
            )
        elif case.biomarkers.ras is None:
            biomarkers = case.biomarkers.model_copy(update={"ras": found})
        elif case.biomarkers.ras != found:
            warnings.append(
                f"the case states RAS {case.biomarkers.ras}, the genomic file suggests {found}; kept the case value"
            )
    new = case.model_copy(update={"her2_tests": [*case.her2_tests, test], "biomarkers": biomarkers})
    return Case.model_validate(new.model_dump()), warnings


def merge_into_case(case: Case, profile: GenomicProfile) -> Case:
    """A new case with the profile appended as an ``NgsTest`` (see :func:`merge_with_warnings`)."""
    return merge_with_warnings(case, profile)[0]
