"""Report rows read by worker processes give the same output as reading them in this process."""

from __future__ import annotations

import csv
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from her2kit.cohort import local, screen
from her2kit.errors import InvalidInput

REPORTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "tcga-brca" / "reports_dev.tsv"


def report_texts() -> list[str]:
    if not REPORTS.exists():
        pytest.skip("shared TCGA reports not available")
    csv.field_size_limit(1 << 30)
    with REPORTS.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def test_workers_give_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = report_texts()
    rows = 240
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(rows)],
            "tumor_type": ["breast"] * rows,
            "setting": ["metastatic", "early", None] * (rows // 3),
            "ihc_score": [None, "1+", None, "3+"] * (rows // 4),  # some rows have both: conflicts as reasons
            "report_text": [texts[i % len(texts)] for i in range(rows)],
        }
    )
    frame.write_parquet(tmp_path / "in.parquet")
    monkeypatch.setattr(local, "REPORT_POOL_MIN_ROWS", 10)
    started: list[int] = []

    class CountingPool(ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: Any) -> None:
            started.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(local, "ProcessPoolExecutor", CountingPool)
    one = screen(tmp_path / "in.parquet", tmp_path / "one.parquet", workers=1)
    assert started == []
    two = screen(tmp_path / "in.parquet", tmp_path / "two.parquet", workers=2)
    assert started == [2]
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    assert one.funnel == two.funnel
    assert one.by_category == two.by_category


def test_workers_must_be_positive_and_polars_only(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="workers"):
        screen(tmp_path / "in.parquet", tmp_path / "out.parquet", workers=0)
    with pytest.raises(InvalidInput, match="spark engine"):
        screen(tmp_path / "in.parquet", tmp_path / "out.parquet", engine="spark", workers=2)
