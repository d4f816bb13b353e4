"""ERBB2 genomic profiling from VCF, MAF and copy-number files.

``profile_file`` reads one file and returns a :class:`GenomicProfile`: ERBB2 amplification and copy
number, ERBB2 mutations in normalised HGVS with a cited class, and the co-alteration genes KRAS, NRAS,
BRAF, PIK3CA and ERBB3. ``her2kit.genomics.merge.merge_into_case`` adds the result to a case as an
``NgsTest``; ``her2kit.genomics.cli.render_profile`` formats it. See docs/genomics.md.
"""

from __future__ import annotations

from her2kit.genomics.hgvs import equivalent, normalise
from her2kit.genomics.model import (
    DEFAULT_THRESHOLDS,
    AmplificationThresholds,
    CoAlteration,
    Erbb2Finding,
    GenomicProfile,
    Mutation,
)
from her2kit.genomics.profile import detect_format, profile_file

__all__ = [
    "DEFAULT_THRESHOLDS",
    "AmplificationThresholds",
    "CoAlteration",
    "Erbb2Finding",
    "GenomicProfile",
    "Mutation",
    "detect_format",
    "equivalent",
    "normalise",
    "profile_file",
]
