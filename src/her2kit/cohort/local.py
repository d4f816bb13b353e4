"""The Polars engine (default): a lazy scan, the kernel on each batch, a streaming writer."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import polars as pl
import pyarrow.parquet as pq

from her2kit.cohort.columns import ColumnPlan, resolve_columns
from her2kit.cohort.io import (
    OutputWriter,
    count_rows,
    input_format,
    scan_with_plan,
    source_of,
    to_output_table,
)
from her2kit.cohort.kernel import screen
from her2kit.cohort.lenient import StandardColumns, line_by_line
from her2kit.cohort.reports import ExtractFn, bundled_extractor, read_in_process, read_report_row
from her2kit.cohort.source import BadLines, Source
from her2kit.cohort.summary import CohortSummary, SummaryBuilder

# Rows per batch: large enough for the vectorised kernel to amortise its fixed cost, small enough to
# bound memory; 250,000 was fastest on the 2-core benchmark machine (docs/cohort.md).
BATCH_ROWS = 250_000
PROGRESS_MIN_ROWS = 1_000_000
# Report rows in a batch from which worker processes read them (starting a worker costs about a second).
REPORT_POOL_MIN_ROWS = 4_000
# Default number of report workers on a large machine (about 190 MB of imports each); ``workers=`` overrides.
MAX_DEFAULT_WORKERS = 8


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


class ReportPool:
    """Reads the report rows of large batches in worker processes (extraction is pure Python: a core each).

    Used by the Polars engine only (Spark already spreads batches over its Python workers). The pool starts
    on the first batch with at least ``min_rows`` report rows, when more than one worker is allowed and the
    extractor is her2kit's own (a replaced extractor may not be importable in a new process). Results come
    back in row order, so the output does not depend on the number of workers.
    """

    def __init__(self, workers: int, min_rows: int | None = None) -> None:
        self.workers = workers
        self.min_rows = REPORT_POOL_MIN_ROWS if min_rows is None else min_rows
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, extract: ExtractFn, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.workers <= 1 or len(rows) < self.min_rows or extract is not bundled_extractor():
            return read_in_process(extract, rows)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        chunk = max(1, len(rows) // (self.workers * 8))
        return list(self._pool.map(partial(read_report_row, extract), rows, chunksize=chunk))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def default_workers() -> int:
    """The cores this process may use, at most :data:`MAX_DEFAULT_WORKERS` (each worker holds its own imports)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, MAX_DEFAULT_WORKERS)


def screen_frames(
    frames: Iterator[pl.DataFrame],
    output_path: str | Path,
    *,
    progress: bool,
    total: int | None,
    label: str,
    workers: int = 1,
) -> SummaryBuilder:
    """Run the kernel over frames, writing and summarising as it goes."""
    builder = SummaryBuilder()
    pool = ReportPool(workers)
    with (
        closing(pool),
        OutputWriter(output_path) as writer,
        progress_bar(progress and (total is None or total >= PROGRESS_MIN_ROWS), total, label) as advance,
    ):
        for frame in frames:
            screened = screen(frame, dictionary=True, read_reports=pool)
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
    paths: Sequence[str | Path], columns: Sequence[str | pl.Expr] | None = None, rows: int = BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """Parquet files one row group at a time (Polars decodes, memory bounded by a row group), ``rows`` a frame.

    ``columns``: names or expressions (a column read under its standard name: ``ColumnPlan.exprs``).

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


def _frames(
    input_path: str | Path, lazy: pl.LazyFrame | None
) -> tuple[Iterator[pl.DataFrame], ColumnPlan | None]:
    """The batches of the input (or of a mapping's frame): Parquet row group by row group, else the scan's,
    and which columns are read (None for a mapping's frame: the mapping says). The file's header is checked
    now (:func:`~her2kit.cohort.io.scan_with_plan`), before any output is written."""
    if lazy is not None:
        return batches(lazy), None
    scan, plan = scan_with_plan(input_path)
    if input_format(input_path) == "parquet":
        return parquet_batches([input_path], plan.exprs()), plan
    return batches(scan), plan


def run(
    input_path: str | Path,
    output_path: str | Path,
    *,
    lazy: pl.LazyFrame | None = None,
    source: Source | None = None,
    select: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    progress: bool = False,
    mapping: str | None = None,
    workers: int | None = None,
    columns: ColumnPlan | None = None,
) -> CohortSummary:
    """Screen ``input_path`` (or the mapped ``lazy`` frame read from it, as ``source`` says) into ``output_path``.

    A file that the reader cannot parse stops the run with its first problem (:class:`~her2kit.cohort.source.
    Source`), and the partial output is removed, unless the problem is confined to lines: the file is then
    read again line by line (:mod:`her2kit.cohort.lenient`; ``select`` applies a mapping there), each bad line
    an error row. ``columns``: which columns a mapping reads (without a mapping the file's header says).
    """
    start = time.perf_counter()
    where = source if source is not None else source_of(input_path)
    run_frames = partial(
        screen_frames,
        output_path=output_path,
        progress=progress,
        label="screening",
        workers=default_workers() if workers is None else workers,
    )
    plan = columns
    reader = StandardColumns()
    try:
        frames, found = _frames(input_path, lazy)
        plan = plan or found
        builder = run_frames(where.guard(frames), total=count_rows(input_path) if lazy is None else None)
    except BadLines:  # bad lines are error rows, not the end of the run: read the file line by line
        builder = run_frames(line_by_line(where, BATCH_ROWS, select or reader), total=None)
    plan = plan or reader.plan or resolve_columns([])
    return builder.build(
        **plan.summary_fields(),
        input_path=str(input_path),
        output_path=str(output_path),
        engine="polars",
        mapping=mapping,
        seconds=time.perf_counter() - start,
    )
