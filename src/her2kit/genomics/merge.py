"""Add a :class:`GenomicProfile` to a :class:`~her2kit.case.Case` as an ``NgsTest``.

The case is never overwritten: a value the case already states (e.g. ``biomarkers.ras``) is kept and
a disagreement is returned as a warning. For colorectal cases ``biomarkers.ras`` is set from KRAS/NRAS
only when the profile establishes it: a KRAS or NRAS mutation → "mutant"; "wild-type" only when both
genes were sequenced and no variant was found.
"""

from __future__ import annotations

from typing import Literal

from her2kit.case import Case, NgsTest
from her2kit.genomics.model import GenomicProfile


def ras_status(profile: GenomicProfile) -> Literal["wild-type", "mutant"] | None:
    """RAS status established by the profile, or None when KRAS/NRAS were not both assessed."""
    status = {c.gene: c.status for c in profile.co_alterations if c.gene in ("KRAS", "NRAS")}
    if "mutant" in status.values():
        return "mutant"
    if status.get("KRAS") == "wild-type" and status.get("NRAS") == "wild-type":
        return "wild-type"
    return None


def merge_with_warnings(case: Case, profile: GenomicProfile) -> tuple[Case, list[str]]:
    """The new case and the warnings raised while merging."""
    warnings: list[str] = []
    mutations = [m.hgvsp for m in profile.erbb2.mutations if m.hgvsp]
    unannotated = [m.source for m in profile.erbb2.mutations if not m.hgvsp]
    if unannotated:
        warnings.append(f"{len(unannotated)} ERBB2 variant(s) without a protein change were not added")
    source = f"genomic file ({profile.file_format}{', sample ' + profile.sample if profile.sample else ''})"
    test = NgsTest(
        method="ngs",
        erbb2_amplified=profile.erbb2.amplified,
        copy_number=profile.erbb2.copy_number,
        erbb2_mutations=list(dict.fromkeys(mutations)),
        source=source,
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
