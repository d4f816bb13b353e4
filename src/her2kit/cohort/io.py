"""Reading registry files lazily and writing screened batches (shared by both engines)."""

from __future__ import annotations

import codecs
import os
import queue
import threading
from pathlib import Path
from types import TracebackType

import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from her2kit.cohort import columns as cols
from her2kit.cohort.source import Source
from her2kit.errors import InvalidInput

INPUT_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl", ".ndjson")
OUTPUT_SUFFIXES = (".parquet", ".csv")
# Parquet output: snappy pages; dictionary encoding only for the decision-table columns.
PARQUET_COMPRESSION = "snappy"
PARQUET_WRITE_BATCH_ROWS = 65_536
PARQUET_DICTIONARY_COLUMNS = (
    "her2_result",
    "her2_category",
    "eligible",
    "reasons",
)


def input_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise InvalidInput("input", Path(path), "a .parquet, .csv, .tsv or .jsonl file")
    return suffix.lstrip(".").replace("ndjson", "jsonl")


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise InvalidInput("output", Path(path), "a .parquet or .csv file")
    return suffix.lstrip(".")


def source_of(path: str | Path) -> Source:
    """How her2kit reads a registry file with the standard columns (by its suffix)."""
    return Source(Path(path), input_format(path))


# The lines of a JSON Lines file from which its columns and their types are inferred.
JSON_SCHEMA_LINES = 10_000


def scan_with_plan(path: str | Path) -> tuple[pl.LazyFrame, cols.ColumnPlan]:
    """A lazy scan of the standard columns of a registry file, under their standard names, and which of the
    file's columns they are (:func:`her2kit.cohort.columns.resolve_columns`: ``IHC_Score`` is read as
    ``ihc_score``; two columns read as one, or a column named twice, are an input error). CSV/TSV are read as text."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput("input", path, "an existing file")
    source = source_of(path)
    with source.reading():
        if source.kind == "parquet":
            frame = pl.scan_parquet(path)
        elif source.kind in ("csv", "tsv"):
            frame = pl.scan_csv(path, separator=source.delimiter, infer_schema=False)
        else:
            frame = pl.scan_ndjson(path, infer_schema_length=JSON_SCHEMA_LINES)
        schema = frame.collect_schema()
    names = schema.names()
    plan = cols.resolve_columns(names)
    if not plan.read:
        raise InvalidInput(
            "input columns", ", ".join(names[:12]), "at least one of " + ", ".join(cols.INPUT_COLUMNS)
        )
    cols.check_input_types({name: schema[source] for name, source in plan.read.items()})
    return frame.select(plan.exprs()), plan


def count_rows(path: str | Path) -> int | None:
    """The number of rows when it is cheap to know (Parquet metadata); else None."""
    if Path(path).suffix.lower() == ".parquet":
        with Source(Path(path), "parquet").reading():
            return int(pq.ParquetFile(path).metadata.num_rows)
    return None


def to_utf8(path: str | Path, encoding: str, folder: Path) -> Path:
    """A UTF-8 copy of a CSV, TSV or JSON Lines file in ``encoding``, written to ``folder`` (streamed)."""
    path = Path(path)
    kind = input_format(path)
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise InvalidInput(
            "--encoding", encoding, "a text encoding such as latin-1, cp1252 or utf-16"
        ) from None
    if not getattr(codec, "_is_text_encoding", True):  # base64, hex, rot13: codecs, not text encodings
        raise InvalidInput("--encoding", encoding, "a text encoding such as latin-1, cp1252 or utf-16")
    if kind == "parquet":
        raise InvalidInput("--encoding", encoding, "no encoding for Parquet (its text is UTF-8)")
    if not path.is_file():
        raise InvalidInput("input", path, "an existing file")
    copy = folder / f"input.{path.suffix.lstrip('.').lower()}"
    try:
        with (
            path.open(encoding=codec.name, newline="") as src,
            copy.open("w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    except UnicodeDecodeError:
        raise InvalidInput(
            "input", path, f"text in {codec.name}", hint=_undecodable(path, codec.name)
        ) from None
    except OSError as exc:
        raise InvalidInput("input", path, "a readable file", hint=exc.strerror or None) from None
    return copy


def _undecodable(path: Path, encoding: str) -> str:
    """Where a file stops being text in ``encoding`` (by line, for encodings that end a line with one byte)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as exc:
                return f"line {number}, byte {exc.start + 1} (0x{line[exc.start]:02x}) is not {encoding}"
    return f"a byte sequence is not {encoding}"


def to_output_table(frame: pl.DataFrame) -> pa.Table:
    """The kernel's output frame as an Arrow table with exactly :data:`columns.OUTPUT_SCHEMA`."""
    return frame.select(cols.OUTPUT_COLUMNS).to_arrow().cast(cols.OUTPUT_SCHEMA)


class OutputWriter:
    """Writes output tables to .parquet or .csv in a background thread; the file appears on success only."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.kind = output_format(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = self.path.with_name(f".{self.path.name}.partial")
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="her2kit-cohort-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        writer: pq.ParquetWriter | pa_csv.CSVWriter | None = None
        try:
            while True:
                table = self._queue.get()
                if table is None:
                    break
                if self._error is not None:
                    continue
                if self.kind == "csv":
                    table = table.cast(cols.OUTPUT_SCHEMA)
                if writer is None:
                    writer = self._open(table.schema)
                writer.write_table(table)
            if writer is None:
                writer = self._open(cols.OUTPUT_SCHEMA)
        except BaseException as exc:  # reported by close()
            self._error = exc
            while self._queue.get() is not None:
                pass
        finally:
            if writer is not None:
                writer.close()

    def _open(self, schema: pa.Schema) -> pq.ParquetWriter | pa_csv.CSVWriter:
        if self.kind == "csv":
            return pa_csv.CSVWriter(self.partial, schema)
        # String views and dictionary arrays go to Parquet as UTF-8 byte arrays; without the stored Arrow
        # schema every reader sees the types of OUTPUT_SCHEMA (string, int32). Dictionary pages only for
        # the columns the kernel gathers from the decision table: trying a dictionary on 10 million unique
        # ids, then falling back, cost a third of the write.
        return pq.ParquetWriter(
            self.partial,
            schema,
            compression=PARQUET_COMPRESSION,
            use_dictionary=list(PARQUET_DICTIONARY_COLUMNS),
            store_schema=False,
            # Statistics where a reader can prune with them: ids, ISH groups, errors (every row group holds
            # every HER2 result and category, so their min/max would cost time and prune nothing).
            write_statistics=["id", "ish_group", "error"],
            # Larger write batches than the default 1,024 rows: fewer passes per column (pages still close
            # at the default data-page size).
            write_batch_size=PARQUET_WRITE_BATCH_ROWS,
        )

    def write(self, table: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(table)

    def close(self, success: bool = True) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            self.partial.unlink(missing_ok=True)
            raise self._error
        if success:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(success=exc_type is None)
