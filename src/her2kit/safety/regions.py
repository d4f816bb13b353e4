"""Label regions: an agent's EU SmPC records replace its US records of the same kind.

Records of the knowledge base carry ``region`` (``US`` by default). For a course in
region EU, an agent's EU records of one kind (LVEF rules, adverse-reaction rules,
regimens) are used when there are any; otherwise the US records are used and the
caller says so in its output, so that a clinician never reads a US rule as the SmPC's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from her2kit.kb.schema import AeRule, CardiacMonitoring, Regimen, Region

R = TypeVar("R", CardiacMonitoring, AeRule, Regimen)


def in_region(records: Iterable[R], region: Region) -> tuple[list[R], bool]:
    """The records of ``region``; the US records and ``True`` when there are none for it."""
    records = list(records)
    own = [r for r in records if r.region == region]
    if own or region == "US":
        return own, False
    return [r for r in records if r.region == "US"], True


def fallback_warning(kind: str, agent: str, region: Region) -> str:
    return (
        f"Region {region}: the knowledge base has no {region} {kind} for {agent}; "
        f"the US prescribing information's {kind} are applied — check the SmPC."
    )
