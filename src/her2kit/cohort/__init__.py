"""Cohort screening at registry scale: one vectorised kernel over Arrow record batches, two engines.

``screen(input, output)`` reads a registry file (.parquet, .csv, .tsv, .jsonl) in batches, interprets
HER2 status for every row exactly as :func:`her2kit.status.interpret_her2` would for the row's single IHC
and ISH tests, lists the indications whose biomarker-level criteria are met, and writes one output row
per input row (.parquet or .csv). The Polars engine is the default; ``engine="spark"`` runs the same
kernel through ``DataFrame.mapInArrow``. See docs/cohort.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from her2kit.cohort.summary import CohortSummary
from her2kit.errors import InvalidInput

if TYPE_CHECKING:
    from her2kit.cohort.mapping import Mapping

__all__ = ["CohortSummary", "screen"]


def screen(
    input_path: str | Path,
    output_path: str | Path,
    *,
    engine: Literal["polars", "spark"] = "polars",
    mapping: str | None = None,
    progress: bool = False,
    workers: int | None = None,
    encoding: str | None = None,
) -> CohortSummary:
    """Screen a registry file; returns the run's summary (counts, funnel). Bad rows never stop the run.

    ``workers``: processes that read report text in large batches (Polars engine; default: the cores this
    process may use, at most 8; 1 reads in this process). The output does not depend on it.
    ``encoding``: the text encoding of a CSV, TSV or JSON Lines file that is not UTF-8 (e.g. ``latin-1``,
    ``cp1252``; a mapping may give it as ``read: {encoding: ...}``); the file is first copied as UTF-8 to a
    temporary folder. Without it, a line that is not UTF-8 is an error row.
    """
    if workers is not None and workers < 1:
        raise InvalidInput("workers", str(workers), "a whole number of processes, 1 or more")
    if workers is not None and engine == "spark":
        raise InvalidInput("workers", str(workers), "no value with the spark engine (it uses its partitions)")
    if engine not in ("polars", "spark"):
        raise InvalidInput("--engine", engine, "polars or spark")
    from her2kit.cohort.io import output_format, to_utf8
    from her2kit.outputs import check_output_path

    output_format(output_path)
    check_output_path(output_path, [input_path, mapping], "output")  # (a bundled mapping's name is no file)
    chosen = None
    if mapping is not None:
        from her2kit.cohort.mapping import load_mapping

        chosen = load_mapping(mapping)
    codec = encoding if encoding is not None else (chosen.encoding if chosen is not None else None)
    if codec is None:
        return _screen(input_path, output_path, engine, chosen, mapping, progress, workers)
    with tempfile.TemporaryDirectory(prefix="her2kit-utf8-") as folder:
        copy = to_utf8(input_path, codec, Path(folder))
        summary = _screen(copy, output_path, engine, chosen, mapping, progress, workers)
    summary.input_path = str(input_path)
    return summary


def _screen(
    input_path: str | Path,
    output_path: str | Path,
    engine: str,
    chosen: Mapping | None,
    mapping: str | None,
    progress: bool,
    workers: int | None,
) -> CohortSummary:
    lazy = None
    source = None
    select = None
    columns = None
    if chosen is not None:
        from her2kit.cohort.mapping import mapping_select, mapping_source, read_mapped

        lazy, columns = read_mapped(chosen, input_path)
        source = mapping_source(chosen, input_path)
        select = mapping_select(chosen, source)
    common: dict[str, Any] = {
        "lazy": lazy,
        "source": source,
        "select": select,
        "progress": progress,
        "mapping": mapping,
        "columns": columns,
    }
    if engine == "spark":
        from her2kit.cohort import spark

        if not spark.available():
            raise InvalidInput("--engine", engine, "polars (pyspark or Java is not installed)")
        return spark.run(input_path, output_path, **common)
    from her2kit.cohort import local

    return local.run(input_path, output_path, workers=workers, **common)
