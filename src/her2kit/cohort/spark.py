"""The Apache Spark engine: the same kernel through ``DataFrame.mapInArrow``.

Spark reads the registry file (CSV/TSV as text, like the Polars engine), each partition's Arrow batches
go through :func:`her2kit.cohort.kernel.screen_batch` on the Python workers, and Spark writes Parquet
parts to a temporary directory. The parts are then streamed, in partition order (which is input order:
nothing is shuffled), into the requested single output file by the same writer and summary code as the
Polars engine, so both engines give identical files and summaries.

Workers must import her2kit, pyarrow and polars: the session sets ``PYSPARK_PYTHON`` to this
interpreter. A mapping (``--mapping``) is applied by Polars first, into a temporary Parquet file.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from her2kit.cohort import columns as cols
from her2kit.cohort.columns import ColumnPlan, resolve_columns
from her2kit.cohort.io import count_rows, scan_with_plan, source_of
from her2kit.cohort.lenient import StandardColumns, line_by_line
from her2kit.cohort.local import BATCH_ROWS, parquet_batches, write_frames
from her2kit.cohort.source import BadLines, Source
from her2kit.cohort.summary import CohortSummary

# Rows per Arrow batch handed to the kernel (Spark's default of 10,000 makes the fixed cost per batch dominate).
ARROW_BATCH_ROWS = 200_000


def available() -> bool:
    """Whether pyspark imports and a Java runtime is on the PATH (or JAVA_HOME is set)."""
    try:
        import pyspark  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return bool(os.environ.get("JAVA_HOME") or shutil.which("java"))


def get_session(master: str = "local[2]", app_name: str = "her2kit-cohort") -> Any:
    """A local Spark session configured for the kernel (Arrow on, big batches, workers on this Python)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession  # type: ignore[import-untyped,unused-ignore]

    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
        .config("spark.executorEnv.PYSPARK_PYTHON", sys.executable)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_BATCH_ROWS))
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # her2kit draws its own progress bar
        .config("spark.driver.memory", "2g")
        .config("spark.python.worker.reuse", "true")
        # Parallelism comes from partitions: one Polars thread per Python worker, so that partitions scale
        # instead of each worker's thread pool competing for the same cores.
        .config("spark.executorEnv.POLARS_MAX_THREADS", "1")
    )
    session = builder.getOrCreate()
    # her2kit raises Spark's errors itself (a malformed input file names its line); at ERROR level Spark
    # would also print the Java stack trace of every failed task.
    session.sparkContext.setLogLevel("FATAL")
    return session


def _screen_partition(batches_in: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from her2kit.cohort.kernel import screen_batch

    for batch in batches_in:
        yield screen_batch(batch)


def read(session: Any, path: str | Path, plan: ColumnPlan | None = None) -> Any:
    """The standard columns of a Parquet registry file as a Spark DataFrame (``plan``: which of the file's
    columns are read as which, as the Polars engine reads them; default: those named as standard columns).

    Text inputs (CSV, TSV, JSON Lines) reach Spark as Parquet written by Polars (:func:`run`), so that both
    engines parse them with the same reader: quoting, fields over several lines, empty and missing fields,
    JSON types and encoding errors are read identically, and Parquet splits into partitions where a
    multi-line CSV would be one task.
    """
    from pyspark.sql import functions  # type: ignore[import-untyped,unused-ignore]

    frame = session.read.parquet(str(path))
    if plan is None:
        plan = ColumnPlan(read={name: name for name in cols.INPUT_COLUMNS if name in frame.columns})
    picked = [functions.col(_quoted(source)).alias(name) for name, source in plan.read.items()]
    if cols.READ_ERROR in frame.columns:
        picked.append(functions.col(cols.READ_ERROR))
    return frame.select(*picked)


def _quoted(name: str) -> str:
    """A column name as Spark reads it literally (spaces, dots and backticks included)."""
    return "`" + name.replace("`", "``") + "`"


def _write_parquet(frames: Iterator[pl.DataFrame], path: Path) -> None:
    """Frames read line by line to one Parquet file for Spark, every column as text: JSON Lines batches may
    differ in types (a batch of whole numbers), and the kernel reads a number given as text the same way."""
    names = [*cols.INPUT_COLUMNS, cols.READ_ERROR]
    schema = pa.schema([(name, pa.string()) for name in names])
    with pq.ParquetWriter(path, schema) as writer:
        for frame in frames:
            text = frame.select(
                (
                    pl.col(name).cast(pl.String) if name in frame.columns else pl.lit(None, dtype=pl.String)
                ).alias(name)
                for name in names
            )
            writer.write_table(text.to_arrow().cast(schema))


def screen_dataframe(frame: Any) -> Any:
    """A Spark DataFrame of registry rows → a Spark DataFrame of output rows (lazy)."""
    return frame.mapInArrow(_screen_partition, cols.SPARK_OUTPUT_DDL)


def run(
    input_path: str | Path,
    output_path: str | Path,
    *,
    lazy: pl.LazyFrame | None = None,
    source: Source | None = None,
    select: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    progress: bool = False,
    mapping: str | None = None,
    session: Any = None,
    partitions: int | None = None,
    columns: ColumnPlan | None = None,
) -> CohortSummary:
    start = time.perf_counter()
    plan = columns  # which columns are read: a mapping's, else the file's header says (as the Polars engine)
    reader = StandardColumns()
    file_plan: ColumnPlan | None = None  # how Spark reads a Parquet input itself
    scratch = Path(tempfile.mkdtemp(prefix="her2kit-spark-"))
    try:
        path = Path(input_path)
        given = source if source is not None else source_of(path)
        text = lazy is not None or given.kind != "parquet"  # a mapping, or a text file: Polars reads it
        try:
            if lazy is None:
                scan, found = scan_with_plan(path)  # the same checks and messages as the Polars engine
                plan = found
                lazy = scan if text else None
                file_plan = None if text else found
            if lazy is not None:
                path = scratch / "input.parquet"
                with given.reading():
                    lazy.sink_parquet(path)
        except BadLines:  # bad lines are error rows: the file is read line by line, as the Polars engine does
            path = scratch / "input.parquet"
            _write_parquet(line_by_line(given, BATCH_ROWS, select or reader), path)
        spark = session if session is not None else get_session()
        frame = read(spark, path, file_plan)
        if partitions is not None:
            frame = frame.coalesce(partitions)
        parts = scratch / "parts"
        try:
            screen_dataframe(frame).write.mode("overwrite").parquet(str(parts))
        except Exception as exc:  # Spark's errors come through py4j: name the file's problem if there is one
            problem = None if text else given.problem()
            if problem is not None:
                raise problem from exc
            raise
        files = sorted(parts.glob("part-*.parquet"))
        total = count_rows(path)
        if files:
            frames = parquet_batches(files, list(cols.OUTPUT_COLUMNS))
        else:
            frames = iter([pl.from_arrow(cols.OUTPUT_SCHEMA.empty_table())])  # type: ignore[list-item]
        builder = write_frames(frames, output_path, progress=progress, total=total, label="writing")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    plan = plan or reader.plan or resolve_columns([])
    return builder.build(
        **plan.summary_fields(),
        input_path=str(input_path),
        output_path=str(output_path),
        engine="spark",
        mapping=mapping,
        seconds=time.perf_counter() - start,
    )
