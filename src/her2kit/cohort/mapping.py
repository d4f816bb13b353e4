"""Mappings: data files that turn a registry's own table into the standard cohort columns.

A mapping is YAML (see ``mappings/tcga-brca.yaml``): how to read the file (separator, header rows to skip,
placeholder strings that mean missing), constant columns (e.g. ``tumor_type: breast``), a renaming of
source columns to standard ones, and optionally ``ish_counts`` for registries whose HER2/CEP17 "copy
number" fields mix per-cell means with raw signal totals. ``--mapping NAME`` uses a bundled file;
any other value is a path to the user's own file.

What a mapping could not convert goes to the optional ``notes`` column, which the kernel appends to the
row's ``reasons`` (prefixed ``mapping:``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import polars as pl
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from her2kit.case import invalid_input_from
from her2kit.cohort import columns as cols
from her2kit.cohort.io import JSON_SCHEMA_LINES, input_format
from her2kit.cohort.source import Source
from her2kit.errors import InvalidInput, Placeholder
from her2kit.yamlload import safe_load

BUNDLED = Path(__file__).resolve().parent / "mappings"
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


@dataclass(frozen=True)
class IshCounts:
    her2: str
    cep17: str
    cells: str | None = None
    totals_above: float = 20.0


@dataclass(frozen=True)
class Mapping:
    name: str
    path: Path
    columns: dict[str, str]
    constants: dict[str, Any] = field(default_factory=dict)
    separator: str = ","
    skip_rows_after_header: int = 0
    null_values: tuple[str, ...] = ()
    encoding: str | None = None
    ish_counts: IshCounts | None = None
    default_input: str | None = None
    description: str = ""


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.yaml"))


class _ReadSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    separator: str = ","
    # A whole number (true is not 1), bounded so that the reader never overflows.
    skip_rows_after_header: StrictInt = Field(0, ge=0, le=1_000_000_000)
    null_values: list[str] = Field(default_factory=list)
    encoding: str | None = None  # the file's text encoding when it is not UTF-8 (latin-1, cp1252, ...)

    @field_validator("separator")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise InvalidInput("separator", value, 'one character, such as "," or "\\t" (a tab)')
        return value


class _IshCountsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    her2: str = Field(min_length=1)
    cep17: str = Field(min_length=1)
    cells: str | None = Field(None, min_length=1)
    totals_above: float = Field(20.0, gt=0)


class _MappingFile(BaseModel):
    """The YAML file a mapping is read from (closed: an unknown key is an error)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str = ""
    default_input: str | None = None  # where the registry file usually is: informational, not read
    read: _ReadSpec = Field(default_factory=_ReadSpec)
    constants: dict[str, Any] = Field(default_factory=dict)
    columns: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)
    ish_counts: _IshCountsSpec | None = None

    @field_validator("constants", "columns")
    @classmethod
    def _standard_targets(cls, value: dict[str, Any]) -> dict[str, Any]:
        for target in value:
            if target not in cols.STANDARD:
                raise InvalidInput(target, target, "a standard column: " + ", ".join(cols.INPUT_COLUMNS))
        return value

    @field_validator("columns", mode="before")
    @classmethod
    def _column_names_as_text(cls, value: Any) -> Any:
        """A numeric header ("2019") may be written unquoted in YAML."""
        if isinstance(value, dict):
            return {
                k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in value.items()
            }
        return value

    @model_validator(mode="after")
    def _reads_something(self) -> _MappingFile:
        for target, item in self.constants.items():
            if not isinstance(item, str | int | float | bool | None):
                raise InvalidInput(f"constants.{target}", item, "a single value: text, a number or empty")
        twice = sorted(set(self.columns) & set(self.constants))
        if twice:
            raise InvalidInput("constants", twice[0], "a column not also mapped under columns")
        if not self.columns and self.ish_counts is None:
            raise InvalidInput(
                "columns", Placeholder("(none)"), "at least one source column mapped to a standard column"
            )
        return self


def load_mapping(name_or_path: str | Path) -> Mapping:
    """A bundled mapping by name (``tcga-brca``) or a user's mapping file by path."""
    path = Path(name_or_path)
    if not path.suffix and (BUNDLED / f"{name_or_path}.yaml").exists():
        path = BUNDLED / f"{name_or_path}.yaml"
    if not path.exists():
        raise InvalidInput(
            "--mapping",
            str(name_or_path),
            "a bundled mapping (" + ", ".join(bundled_names()) + ") or a YAML file",
        )
    try:
        raw = safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise InvalidInput(
            "--mapping", Path(path), "well-formed YAML", hint=str(exc).splitlines()[0]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "--mapping", Path(path), "a readable UTF-8 YAML file", hint=str(exc)[:80]
        ) from None
    if not isinstance(raw, dict):
        raise InvalidInput("--mapping", Path(path), "a YAML mapping with name, columns, constants, read")
    try:
        spec = _MappingFile.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input_from(exc, root=path.name) from None
    ish = spec.ish_counts
    return Mapping(
        name=spec.name or path.stem,
        path=path,
        columns=dict(spec.columns),
        constants=dict(spec.constants),
        separator=spec.read.separator,
        skip_rows_after_header=spec.read.skip_rows_after_header,
        null_values=tuple(spec.read.null_values),
        encoding=spec.read.encoding,
        ish_counts=None
        if ish is None
        else IshCounts(her2=ish.her2, cep17=ish.cep17, cells=ish.cells, totals_above=ish.totals_above),
        default_input=spec.default_input,
        description=spec.description,
    )


def mapping_source(mapping: Mapping, input_path: str | Path) -> Source:
    """How the mapping reads its registry file (Parquet, or delimited text with the mapping's options)."""
    path = Path(input_path)
    kind = input_format(path)
    if kind in ("parquet", "jsonl"):  # (the read options of delimited text do not apply; placeholders do)
        return Source(path, kind, null_values=mapping.null_values)
    tab = mapping.separator == "\t"
    return Source(
        path,
        "tsv" if tab else "csv",
        separator=mapping.separator,
        quote=None if tab else '"',
        skip_after_header=mapping.skip_rows_after_header,
        null_values=mapping.null_values,
    )


def _scan_source(source: Source, mapping: Mapping) -> pl.LazyFrame:
    if not source.path.exists():
        raise InvalidInput("input", str(source.path), "an existing file")
    if source.kind == "parquet":
        return pl.scan_parquet(source.path)
    if source.kind == "jsonl":
        return _placeholders_missing(
            pl.scan_ndjson(source.path, infer_schema_length=JSON_SCHEMA_LINES), source
        )
    return pl.scan_csv(
        source.path,
        separator=mapping.separator,
        skip_rows_after_header=mapping.skip_rows_after_header,
        null_values=list(mapping.null_values) or None,
        infer_schema=False,
        quote_char=source.quote,
    )


def _placeholders_missing(frame: FrameT, source: Source) -> FrameT:
    """The mapping's placeholder strings as missing values in a JSON Lines file (a CSV reader does this itself)."""
    if source.kind != "jsonl" or not source.null_values:
        return frame
    text = pl.col(pl.String)
    return frame.with_columns(pl.when(text.is_in(source.null_values)).then(None).otherwise(text).name.keep())


def _source_columns(mapping: Mapping) -> list[str]:
    """The columns of the registry file that the mapping reads."""
    ish = mapping.ish_counts
    counts = [] if ish is None else [ish.her2, ish.cep17, *([ish.cells] if ish.cells else [])]
    return list(dict.fromkeys([*mapping.columns.values(), *counts]))


def _counts(ish: IshCounts, names: list[str]) -> tuple[list[pl.Expr], pl.Expr]:
    """HER2 and CEP17 mean copies per cell from mixed fields, and a note where they were not usable."""
    for source in (ish.her2, ish.cep17, *([ish.cells] if ish.cells else [])):
        if source not in names:
            raise InvalidInput("ish_counts", source, "a column of the input file")
    raw_h = pl.col(ish.her2).cast(pl.String).str.strip_chars()
    raw_c = pl.col(ish.cep17).cast(pl.String).str.strip_chars()
    h = raw_h.cast(pl.Float64, strict=False)
    c = raw_c.cast(pl.Float64, strict=False)
    cells = (
        pl.col(ish.cells).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        if ish.cells
        else pl.lit(None, dtype=pl.Float64)
    )
    text_h = raw_h.is_not_null() & h.is_null()
    text_c = raw_c.is_not_null() & c.is_null()
    totals = ((h > ish.totals_above) | (c > ish.totals_above)).fill_null(False)
    divide = totals & (cells > 0).fill_null(False)
    unusable = text_h | text_c | (totals & ~divide)
    her2 = pl.when(unusable).then(None).when(divide).then((h / cells).round(2)).otherwise(h)
    cep17 = pl.when(unusable).then(None).when(divide).then((c / cells).round(2)).otherwise(c)
    fields = f"{ish.her2}/{ish.cep17}"
    shown_h, shown_c = raw_h.fill_null("(missing)"), raw_c.fill_null("(missing)")
    note = (
        pl.when(text_h | text_c)
        .then(
            pl.format(
                f"{fields} = {{}}/{{}} is text, not mean copies per cell; copies left out", shown_h, shown_c
            )
        )
        .when(totals & ~divide)
        .then(
            pl.format(
                f"{fields} = {{}}/{{}} look like signal totals but no cell count is given; copies left out",
                shown_h,
                shown_c,
            )
        )
        .when(divide)
        .then(
            pl.format(
                f"{fields} = {{}}/{{}} read as signal totals over {{}} cells: {{}}/{{}} per cell",
                shown_h,
                shown_c,
                cells,
                (h / cells).round(2).cast(pl.String).fill_null("(missing)"),
                (c / cells).round(2).cast(pl.String).fill_null("(missing)"),
            )
        )
    )
    return [her2.alias(cols.HER2_COPIES), cep17.alias(cols.CEP17_COPIES)], note


def read_mapped(mapping: Mapping, input_path: str | Path) -> tuple[pl.LazyFrame, cols.ColumnPlan]:
    """A lazy frame of standard columns (plus ``notes``) read from a registry file through a mapping, and which of
    the file's columns are read as which (the run's summary says).

    A constant for a standard column that the file also has (by name, letter case and surrounding spaces not
    counted), and that the mapping does not read as another column, is an input error naming the column and
    the mapping (:func:`check_constants`)."""
    where = mapping_source(mapping, input_path)
    with where.reading(keys=False):  # (a key given twice on a line makes an error row when the rows are read)
        source = _scan_source(where, mapping)
        names = source.collect_schema().names()
    cols.check_named_once(names, set(_source_columns(mapping)).__contains__)
    check_constants(mapping, names)
    mapped = source.select(_mapping_exprs(mapping, names))
    cols.check_input_types(
        mapped.collect_schema()
    )  # (JSON may hold a list or a record where a value is read)
    return mapped, mapping_plan(mapping, names)


def check_constants(mapping: Mapping, names: list[str]) -> None:
    """A constant must not replace a column the file has: the file's ``tumor_type`` says gastric on some rows,
    ``constants: {tumor_type: breast}`` would screen them as breast. Refused before any row is read; the
    mapping's author maps the column (``columns: {tumor_type: tumor_type}``) or drops the constant."""
    used = set(_source_columns(mapping))
    for target, value in mapping.constants.items():
        clash = [name for name in names if name not in used and cols.standard_name(name) == target]
        if clash:
            raise InvalidInput(
                f"mapping {mapping.name}: constants.{target}",
                clash[0],
                f"a constant only for a column the input file does not have (map the file's column instead: "
                f"columns: {{{target}: {clash[0].strip()}}}, or remove the constant)",
                hint=f"the file's column {clash[0]!r} gives {target} row by row; the constant {value!r} would "
                "replace it on every row",
            )


def mapping_plan(mapping: Mapping, names: list[str]) -> cols.ColumnPlan:
    """Which of the file's columns a mapping reads, its constants, and the file's columns it does not read."""
    read = dict(mapping.columns)
    if mapping.ish_counts is not None:
        read.setdefault(cols.HER2_COPIES, mapping.ish_counts.her2)
        read.setdefault(cols.CEP17_COPIES, mapping.ish_counts.cep17)
    used = set(_source_columns(mapping))
    return cols.ColumnPlan(
        read={name: read[name] for name in cols.INPUT_COLUMNS if name in read},
        constants={name: mapping.constants[name] for name in cols.INPUT_COLUMNS if name in mapping.constants},
        ignored=tuple(name for name in names if name not in used),
    )


def _mapping_exprs(mapping: Mapping, names: list[str]) -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for target, column in mapping.columns.items():
        if column not in names:
            raise InvalidInput(f"mapping {mapping.name}: {target}", column, "a column of the input file")
        exprs.append(pl.col(column).alias(target))
    for target, value in mapping.constants.items():
        exprs.append(pl.lit(value, dtype=pl.String).alias(target))
    if mapping.ish_counts is not None:
        counts, note = _counts(mapping.ish_counts, names)
        exprs.extend(counts)
        exprs.append(note.alias(cols.NOTES))
    return exprs


def mapping_select(mapping: Mapping, source: Source) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """The mapping applied to a frame read line by line (:mod:`her2kit.cohort.lenient`), keeping why a line
    could not be read."""

    def select(frame: pl.DataFrame) -> pl.DataFrame:
        # A batch of JSON Lines lacks the keys none of its lines has (e.g. a batch of bad lines only): the file's
        # header was checked when the mapping was applied, so such a column is empty here.
        absent = [c for c in _source_columns(mapping) if c not in frame.columns]
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
        frame = _placeholders_missing(frame, source)
        names = [name for name in frame.columns if name != cols.READ_ERROR]
        error = pl.col(cols.READ_ERROR) if cols.READ_ERROR in frame.columns else pl.lit(None, dtype=pl.String)
        return frame.select(*_mapping_exprs(mapping, names), error.alias(cols.READ_ERROR))

    return select
