"""The Polars engine (default): a lazy scan, the kernel on each batch, a streaming writer."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import polars as pl
import pyarrow.parquet as pq

from her2kit.cohort.io import OutputWriter, count_rows, input_format, scan_input, to_output_table
from her2kit.cohort.kernel import screen
from her2kit.cohort.summary import CohortSummary, SummaryBuilder

# Rows per batch: large enough for the vectorised kernel to amortise its fixed cost, small enough to
# bound memory; 250,000 was fastest on the 2-core benchmark machine (docs/cohort.md).
BATCH_ROWS = 250_000
PROGRESS_MIN_ROWS = 1_000_000


class Advance(Protocol):
    def __call__(self, rows: int) -> None: ...


@contextmanager
def progress_bar(enabled: bool, total: int | None, description: str) -> Iterator[Advance]:
    """A rich progress bar on stderr (rows screened); a no-op when disabled."""
    if not enabled:
        yield lambda rows: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda rows: bar.advance(task, rows)


def screen_frames(
    frames: Iterator[pl.DataFrame], output_path: str | Path, *, progress: bool, total: int | None, label: str
) -> SummaryBuilder:
    """Run the kernel over frames, writing and summarising as it goes."""
    builder = SummaryBuilder()
    with (
        OutputWriter(output_path) as writer,
        progress_bar(progress and (total is None or total >= PROGRESS_MIN_ROWS), total, label) as advance,
    ):
        for frame in frames:
            screened = screen(frame, dictionary=True)
            writer.write(screened.table)
            builder.add_keys(screened.keys)
            if len(screened.errors):
                builder.add_errors(screened.errors)
            if screened.reports is not None:
                builder.add(screened.reports)
            advance(frame.height)
    return builder


def write_frames(
    frames: Iterator[pl.DataFrame], output_path: str | Path, *, progress: bool, total: int | None, label: str
) -> SummaryBuilder:
    """Write already-screened frames (the Spark engine's parts), summarising as it goes."""
    builder = SummaryBuilder()
    with OutputWriter(output_path) as writer, progress_bar(progress, total, label) as advance:
        for frame in frames:
            writer.write(to_output_table(frame))
            builder.add(frame)
            advance(frame.height)
    return builder


def batches(frame: pl.LazyFrame, rows: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
    """The frames of a lazy query, ``rows`` at a time, in order (streaming engine)."""
    yield from frame.collect_batches(chunk_size=rows, maintain_order=True)


def parquet_batches(
    paths: Sequence[str | Path], columns: Sequence[str] | None = None, rows: int = BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """Parquet files one row group at a time (Polars decodes, memory bounded by a row group), ``rows`` a frame.

    Polars' own batched collect decodes far ahead of the consumer (the whole 10-million-row benchmark file
    at once); reading row group by row group keeps peak memory flat at the same speed.
    """
    for path in paths:
        metadata = pq.ParquetFile(path).metadata
        lazy = pl.scan_parquet(path)
        if columns is not None:
            lazy = lazy.select(columns)
        offset = 0
        for group in range(metadata.num_row_groups):
            size = metadata.row_group(group).num_rows
            step = size if size <= 4 * rows else rows  # a huge row group is sliced further
            for start in range(0, size, step):
                frame = lazy.slice(offset + start, min(step, size - start)).collect()
                for first in range(0, frame.height, rows):
                    yield frame.slice(first, rows)
            offset += size


def run(
    input_path: str | Path,
    output_path: str | Path,
    *,
    lazy: pl.LazyFrame | None = None,
    progress: bool = False,
    mapping: str | None = None,
) -> CohortSummary:
    start = time.perf_counter()
    if lazy is not None:
        frames = batches(lazy)
    else:
        scan = scan_input(input_path)
        if input_format(input_path) == "parquet":
            frames = parquet_batches([input_path], scan.collect_schema().names())
        else:
            frames = batches(scan)
    total = count_rows(input_path) if lazy is None else None
    builder = screen_frames(frames, output_path, progress=progress, total=total, label="screening")
    return builder.build(
        input_path=str(input_path),
        output_path=str(output_path),
        engine="polars",
        mapping=mapping,
        seconds=time.perf_counter() - start,
    )
