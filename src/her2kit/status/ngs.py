"""ERBB2 findings from sequencing, reported beside (never instead of) IHC/ISH.

The ASCO/CAP breast and CAP/ASCP/ASCO gastroesophageal guidelines define HER2
status by IHC and ISH; an ERBB2 amplification called by NGS is a genomic finding
that asks for confirmation by IHC/ISH. An ERBB2 mutation does not measure HER2
overexpression; the HER2-mutant indications are for non-small cell lung cancer
and need an activating mutation (for some labels, a tyrosine kinase domain
activating mutation) detected by an FDA-approved test, so the note says so only
for lung cancer and never implies that any variant qualifies (the matcher reads
the mutation and asks for its classification).
"""

from __future__ import annotations

from her2kit.assessment import Action, GenomicFinding
from her2kit.case import NgsTest

MUTATION_LUNG = (
    "ERBB2 (HER2) mutation in non-small cell lung cancer: the HER2-mutant NSCLC indications need an activating "
    "mutation (for some labels, a tyrosine kinase domain activating mutation) detected by an FDA-approved test, so "
    "the variant's classification decides whether it qualifies. It does not measure HER2 protein overexpression."
)
MUTATION_OTHER = (
    "ERBB2 (HER2) mutation: a genomic finding that does not measure HER2 protein overexpression. The HER2-mutant "
    "indications are for non-small cell lung cancer, not for this tumour type ({tumor})."
)
MUTATION_UNKNOWN_TUMOUR = (
    "ERBB2 (HER2) mutation: a genomic finding that does not measure HER2 protein overexpression. The HER2-mutant "
    "indications are for non-small cell lung cancer and need an activating (for some labels, tyrosine kinase "
    "domain activating) mutation; the variant's classification decides."
)


def _mutation_note(tumor_type: str | None) -> str:
    if tumor_type is None:
        return MUTATION_UNKNOWN_TUMOUR
    if tumor_type == "nsclc":
        return MUTATION_LUNG
    return MUTATION_OTHER.format(tumor=tumor_type)


def findings(test: NgsTest, index: int, tumor_type: str | None = None) -> list[GenomicFinding]:
    """The ERBB2 findings of one NGS test; ``tumor_type`` (normalised, e.g. "nsclc") words the mutation note."""
    out = []
    if test.erbb2_amplified:
        cn = f" (copy number {test.copy_number:g})" if test.copy_number is not None else ""
        out.append(
            GenomicFinding(
                kind="amplification",
                detail=f"ERBB2 amplification{cn}",
                test=index,
                note="A genomic finding: HER2 status for therapy selection is defined by IHC/ISH in breast and "
                "gastroesophageal cancer.",
            )
        )
    for mutation in test.erbb2_mutations:
        out.append(
            GenomicFinding(
                kind="mutation",
                detail=f"ERBB2 {mutation}",
                test=index,
                note=_mutation_note(tumor_type),
            )
        )
    return out


def confirm_action(test_index: int) -> Action:
    return Action(
        code="confirm-ngs-by-ihc-ish",
        text="Confirm the ERBB2 amplification by HER2 IHC (and ISH if IHC is 2+) on tumour tissue.",
        reason=f"NGS amplification (test {test_index}) is not a guideline HER2 result on its own.",
    )
