"""Course documents for the safety tests: dates relative to one fixed 'today', minimal defaults."""

from __future__ import annotations

import datetime as dt
from typing import Any

D0 = dt.date(2026, 1, 5)  # the courses' "today"


def day(n: int) -> str:
    """The ISO date ``n`` days from today (negative: in the past)."""
    return (D0 + dt.timedelta(days=n)).isoformat()


def course(agent: str, **over: Any) -> dict[str, Any]:
    """A course document on ``agent`` for a 70 kg patient today, with ``over`` fields on top."""
    doc: dict[str, Any] = {"schema_version": "1", "id": "c", "agent": agent, "weight_kg": 70, "today": day(0)}
    if agent == "neratinib":
        # The label's dose levels differ by setting (single agent, extended adjuvant; with capecitabine, metastatic):
        # the courses here are written from the extended-adjuvant table unless they say otherwise.
        doc["setting"] = "early"
    doc.update(over)
    return doc
