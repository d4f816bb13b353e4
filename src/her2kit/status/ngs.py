"""ERBB2 findings from sequencing, reported beside (never instead of) IHC/ISH.

The ASCO/CAP breast and CAP/ASCP/ASCO gastroesophageal guidelines define HER2
status by IHC and ISH; an ERBB2 amplification called by NGS is a genomic finding
that asks for confirmation by IHC/ISH, and an ERBB2 mutation is relevant to the
HER2-mutant lung cancer indications (the matcher reads it), not to HER2
overexpression.
"""

from __future__ import annotations

from her2kit.assessment import Action, GenomicFinding
from her2kit.case import NgsTest


def findings(test: NgsTest, index: int) -> list[GenomicFinding]:
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
                note="ERBB2 (HER2) mutation: relevant to HER2-mutant NSCLC indications; it does not measure HER2 "
                "protein overexpression.",
            )
        )
    return out


def confirm_action(test_index: int) -> Action:
    return Action(
        code="confirm-ngs-by-ihc-ish",
        text="Confirm the ERBB2 amplification by HER2 IHC (and ISH if IHC is 2+) on tumour tissue.",
        reason=f"NGS amplification (test {test_index}) is not a guideline HER2 result on its own.",
    )
