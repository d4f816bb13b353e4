"""The summary of a screening run: counts by result and category, errors by field, an eligibility funnel."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from her2kit.cohort import columns as cols

TARGETABLE = ("HER2-positive", "HER2-low", "HER2-ultralow")


@dataclass
class CohortSummary:
    """What :func:`her2kit.cohort.screen` returns; ``render_summary`` prints it."""

    input_path: str = ""
    output_path: str = ""
    engine: str = "polars"
    mapping: str | None = None
    rows: int = 0
    errors: int = 0
    seconds: float = 0.0
    by_result: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_ish_group: dict[str, int] = field(default_factory=dict)
    errors_by_field: dict[str, int] = field(default_factory=dict)
    eligible_rows: int = 0
    by_indication: dict[str, int] = field(default_factory=dict)
    funnel: list[tuple[str, int]] = field(default_factory=list)
    # Valid rows on which indications could not be met for lack of data (their reasons say so).
    setting_not_given: int = 0
    hr_not_given: int = 0  # HR status unknown: ER/PR not given, or one negative and the other not given
    # Which columns were read (docs/cohort.md, "Input columns"): standard column -> the file's column; a
    # mapping's constants; the standard columns neither in the file nor given; the file's columns not read;
    # notes (a column read under its standard name although spelled in other letter case or with spaces).
    columns_read: dict[str, str] = field(default_factory=dict)
    columns_constant: dict[str, Any] = field(default_factory=dict)
    columns_absent: list[str] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)
    column_notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> int:
        return self.rows - self.errors

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["funnel"] = [list(stage) for stage in self.funnel]
        return data


class SummaryBuilder:
    """Accumulates counts over output batches (vectorised: one group-by per batch)."""

    def __init__(self) -> None:
        self.rows = 0
        self.errors = 0
        self.determined = 0
        self.targetable = 0
        self.eligible_rows = 0
        self.setting_not_given = 0
        self.hr_not_given = 0
        self.by_result: Counter[str] = Counter()
        self.by_category: Counter[str] = Counter()
        self.by_ish_group: Counter[str] = Counter()
        self.errors_by_field: Counter[str] = Counter()
        self.by_indication: Counter[str] = Counter()
        self.key_counts: Counter[int] = Counter()

    def add(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        stats = frame.select(
            errors=pl.col("error").is_not_null().sum(),
            determined=pl.col("her2_result").is_in(["positive", "negative"]).sum(),
            targetable=pl.col("her2_category").is_in(list(TARGETABLE)).sum(),
            eligible=(pl.col("eligible").str.len_bytes() > 0).sum(),
            setting=pl.col("reasons").str.contains(cols.SETTING_NOT_GIVEN, literal=True).sum(),
            hr=pl.col("reasons").str.contains(cols.HR_UNKNOWN_MARK, literal=True).sum(),
        ).row(0, named=True)
        self.errors += int(stats["errors"])
        self.determined += int(stats["determined"])
        self.targetable += int(stats["targetable"])
        self.eligible_rows += int(stats["eligible"])
        self.setting_not_given += int(stats["setting"] or 0)
        self.hr_not_given += int(stats["hr"] or 0)
        valid = frame.filter(pl.col("error").is_null())
        for name, counter in (
            ("her2_result", self.by_result),
            ("her2_category", self.by_category),
            ("ish_group", self.by_ish_group),
        ):
            for value, count in valid.get_column(name).value_counts().iter_rows():
                counter[str(value) if value is not None else "none"] += int(count)
        if stats["errors"]:
            self.add_errors(frame.get_column("error").drop_nulls())
        exploded = frame.select(pl.col("eligible").str.split(cols.ELIGIBLE_SEPARATOR).explode()).filter(
            pl.col("eligible") != ""
        )
        for value, count in exploded.to_series().value_counts().iter_rows():
            self.by_indication[str(value)] += int(count)

    def add_keys(self, keys: npt.NDArray[np.uint32]) -> None:
        """Count structured rows by decision key; the key decides everything but the error text."""
        counts = np.bincount(keys)
        for key in np.flatnonzero(counts):
            self.key_counts[int(key)] += int(counts[key])

    def add_errors(self, messages: pl.Series) -> None:
        fields = messages.str.extract(r"^([^:]+):", 1)
        for value, count in fields.value_counts().iter_rows():
            self.errors_by_field[str(value)] += int(count)

    def _resolve_keys(self) -> None:
        """Turn the key counts into the same counters :meth:`add` fills (once, at the end)."""
        if not self.key_counts:
            return
        from her2kit.cohort.decision import ERROR_KEY, decision_table

        table = decision_table()
        for key, count in self.key_counts.items():
            self.rows += count
            if key == ERROR_KEY:
                self.errors += count
                continue
            result, category, group, eligible, reasons = table.row(key)
            self.by_result[str(result)] += count
            self.by_category[str(category)] += count
            self.by_ish_group[str(group) if group is not None else "none"] += count
            self.determined += count if result in ("positive", "negative") else 0
            self.targetable += count if category in TARGETABLE else 0
            if eligible:
                self.eligible_rows += count
                for indication in eligible:
                    self.by_indication[indication] += count
            if any(cols.SETTING_NOT_GIVEN in reason for reason in reasons):
                self.setting_not_given += count
            if any(cols.HR_UNKNOWN_MARK in reason for reason in reasons):
                self.hr_not_given += count
        self.key_counts.clear()

    def build(self, **meta: Any) -> CohortSummary:
        self._resolve_keys()
        funnel = [
            ("rows", self.rows),
            ("valid rows", self.rows - self.errors),
            ("HER2 determined (positive or negative)", self.determined),
            ("HER2-positive, HER2-low or HER2-ultralow", self.targetable),
            ("≥1 indication met (biomarker level)", self.eligible_rows),
        ]
        return CohortSummary(
            rows=self.rows,
            errors=self.errors,
            by_result=dict(sorted(self.by_result.items(), key=lambda kv: (-kv[1], kv[0]))),
            by_category=dict(sorted(self.by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
            by_ish_group=dict(sorted(self.by_ish_group.items())),
            errors_by_field=dict(sorted(self.errors_by_field.items(), key=lambda kv: (-kv[1], kv[0]))),
            eligible_rows=self.eligible_rows,
            by_indication=dict(sorted(self.by_indication.items(), key=lambda kv: (-kv[1], kv[0]))),
            funnel=funnel,
            setting_not_given=self.setting_not_given,
            hr_not_given=self.hr_not_given,
            **meta,
        )
