"""JSON Lines lines that Python's and Polars' JSON readers would each resolve their own way become error rows
naming the column: a key given twice (which value is meant is unknown), NaN or Infinity (not JSON) and a number
too large for a float; text and numbers in one column are read as the scan reads them, also line by line."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from her2kit.cohort import screen
from her2kit.cohort.source import Source

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
