"""JSON Lines lines that Python's and Polars' JSON readers would each resolve their own way become error rows
naming the column: a key given twice (which value is meant is unknown), NaN or Infinity (not JSON) and a number
too large for a float; text and numbers in one column are read as the scan reads them, also line by line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from her2kit.cohort import screen
from her2kit.cohort.source import Source
from her2kit.errors import InvalidInput

SECRET = "SECRET-4711"
GOOD = '{"id": "p1", "tumor_type": "breast", "ihc_score": "3+"}\n'


def _screen(tmp_path: Path, text: str, engine: str = "polars") -> pl.DataFrame:
    path = tmp_path / "in.jsonl"
    path.write_text(text, encoding="utf-8")
    screen(path, tmp_path / "out.csv", engine=engine)  # type: ignore[arg-type]
    return pl.read_csv(tmp_path / "out.csv", infer_schema=False)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (
            f'{{"id": "{SECRET}", "tumor_type": "breast", "ihc_score": "0", "ihc_score": "3+"}}\n',
            "row: line 2 has the key 'ihc_score' given twice; the line is not read",
        ),
        (
            f'{{"id": "{SECRET}", "tumor_type": "breast", "ish_ratio": NaN}}\n',
            "row: line 2 has NaN in 'ish_ratio' (not a JSON number); the line is not read",
        ),
        (
            f'{{"id": "{SECRET}", "tumor_type": "breast", "ish_ratio": -Infinity}}\n',
            "row: line 2 has -Infinity in 'ish_ratio' (not a JSON number); the line is not read",
        ),
        (
            f'{{"id": "{SECRET}", "tumor_type": "breast", "ish_ratio": 1e999}}\n',
            "row: line 2 has 1e999 in 'ish_ratio' (a number too large to read); the line is not read",
        ),
    ],
    ids=["duplicate", "nan", "infinity", "overflow"],
)
def test_an_ambiguous_line_is_an_error_row(tmp_path: Path, line: str, error: str) -> None:
    out = _screen(tmp_path, GOOD + line + GOOD.replace("p1", "p3"))
    assert out.get_column("error").to_list() == [None, error, None]
    assert out.get_column("her2_result").to_list() == ["positive", None, "positive"]
    assert SECRET not in out.write_csv()


def test_a_duplicate_key_in_a_file_polars_reads_is_still_found(tmp_path: Path) -> None:
    """Polars keeps the first of a key given twice and reads the file without complaint."""
    lines = [GOOD.replace("p1", f"p{i}") for i in range(50)]
    lines[30] = '{"id": "dup", "tumor_type": "breast", "ihc_score": "0", "ihc_score": "3+"}\n'
    out = _screen(tmp_path, "".join(lines))
    assert out.height == 50
    assert (
        out.get_column("error").to_list()[30]
        == "row: line 31 has the key 'ihc_score' given twice; the line is not read"
    )
    assert out.get_column("her2_result").to_list()[30] is None


def test_a_key_text_that_only_looks_twice_is_fine(tmp_path: Path) -> None:
    line = '{"id": "p2", "tumor_type": "breast", "ihc_score": "3+", "report_text": "\\"ihc_score\\": 0"}\n'
    out = _screen(tmp_path, GOOD + line)
    assert out.get_column("error").to_list() == [None, None]
    assert out.get_column("her2_result").to_list() == ["positive", "positive"]


def test_an_escaped_duplicate_key_is_found(tmp_path: Path) -> None:
    line = '{"id": "p2", "tumor_type": "breast", "\\u0069hc_score": "0", "ihc_score": "3+"}\n'
    out = _screen(tmp_path, GOOD + line)
    assert (
        out.get_column("error").to_list()[1]
        == "row: line 2 has the key 'ihc_score' given twice; the line is not read"
    )


def test_the_problem_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(GOOD + '{"id": "x", "ish_ratio": NaN}\n', encoding="utf-8")
    problem = Source(path, "jsonl").problem()
    assert problem is not None
    assert "line 2 has NaN in 'ish_ratio'" in str(problem)


def test_text_and_numbers_in_one_column_read_alike_with_a_bad_line(tmp_path: Path) -> None:
    """The scan reads 3 as "3" in a column that also holds text; reading line by line (a bad line elsewhere)
    does the same instead of stopping the run."""
    mixed = GOOD + '{"id": "p2", "tumor_type": "breast", "ihc_score": 3}\n'
    scanned = _screen(tmp_path, mixed)
    lenient = _screen(tmp_path, mixed + "not json\n")
    assert lenient.get_column("her2_result").to_list()[:2] == scanned.get_column("her2_result").to_list()
    assert lenient.get_column("error").to_list()[2].startswith("row: line 3 has text that is not valid JSON")


# A registry exported as JSON Lines, read through the user's own mapping.
MAPPING = (
    "name: mine\nread:\n  null_values: [NA]\nconstants:\n  tumor_type: breast\n"
    "columns:\n  id: patient\n  ihc_score: her2\n  ish_ratio: fish\n"
)
MAPPED_LINES = [
    '{"patient": "A", "her2": "3+", "fish": "NA"}\n',
    '{"patient": "B", "her2": "2+", "fish": 2.6}\n',
    '{"patient": "C", "her2": 1, "fish": null}\n',
]


def _mapped(tmp_path: Path, lines: list[str], engine: str = "polars", suffix: str = ".jsonl") -> pl.DataFrame:
    path = tmp_path / f"registry{suffix}"
    path.write_text("".join(lines), encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(MAPPING, encoding="utf-8")
    out = tmp_path / f"{engine}.csv"
    screen(path, out, mapping=str(tmp_path / "mine.yaml"), engine=engine)  # type: ignore[arg-type]
    return pl.read_csv(out, infer_schema=False)


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
def test_a_json_lines_registry_is_read_through_a_mapping(tmp_path: Path, suffix: str) -> None:
    """Read as JSON Lines (not as comma-separated text), with the mapping's placeholders for missing values."""
    out = _mapped(tmp_path, MAPPED_LINES, suffix=suffix)
    assert out.get_column("id").to_list() == ["A", "B", "C"]
    assert out.get_column("her2_result").to_list() == [
        "positive",
        "indeterminate",
        "negative",
    ]  # (B: no counts)
    assert out.get_column("error").to_list() == [None, None, None]


def test_a_key_given_twice_through_a_mapping_is_an_error_row(tmp_path: Path) -> None:
    """Not the end of the run: the file is read line by line and the mapping applied there."""
    twice = f'{{"patient": "{SECRET}", "her2": "0", "her2": "3+"}}\n'
    out = _mapped(tmp_path, [MAPPED_LINES[0], twice, MAPPED_LINES[2]])
    assert out.get_column("her2_result").to_list() == ["positive", None, "negative"]
    assert (
        out.get_column("error").to_list()[1]
        == "row: line 2 has the key 'her2' given twice; the line is not read"
    )
    assert SECRET not in out.write_csv()


def test_a_batch_of_bad_lines_only_keeps_the_mapped_columns(tmp_path: Path) -> None:
    """Read line by line a batch at a time, a batch holding only bad lines has no source columns: the mapping
    gives its rows empty values and the reasons, not an error about a missing column."""
    from her2kit.cohort.lenient import line_by_line
    from her2kit.cohort.mapping import load_mapping, mapping_select, mapping_source

    path = tmp_path / "registry.jsonl"
    path.write_text(MAPPED_LINES[0] + "not json\n", encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(MAPPING, encoding="utf-8")
    mapping = load_mapping(tmp_path / "mine.yaml")
    source = mapping_source(mapping, path)
    frames = list(line_by_line(source, 1, mapping_select(mapping, source)))
    assert [f.columns for f in frames] == [frames[0].columns] * 2
    assert frames[1].get_column("_read_error").to_list() == [
        "row: line 2 has text that is not valid JSON; the line is not read"
    ]


def test_a_mapped_json_column_holding_records_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="input column ihc_score"):
        _mapped(tmp_path, ['{"patient": "A", "her2": {"score": "3+"}, "fish": null}\n'])


@pytest.mark.spark
def test_spark_reads_a_mapped_json_lines_registry_as_polars_does(tmp_path: Path, spark_session: Any) -> None:
    twice = '{"patient": "X", "her2": "0", "her2": "3+"}\n'
    for lines in (MAPPED_LINES, [*MAPPED_LINES, twice]):
        polars = _mapped(tmp_path, lines)
        spark = _mapped(tmp_path, lines, engine="spark")
        assert spark.equals(polars)
