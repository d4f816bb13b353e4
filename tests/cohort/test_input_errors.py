"""A registry file that cannot be parsed stops the run with one input error naming the file, the line and the
problem, never a reader's traceback and never the offending content (it may be a patient identifier)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.cohort import screen
from her2kit.cohort.source import Source, UnreadableInput
from her2kit.errors import Her2kitError, InvalidInput

SECRET = "SECRET-4711"  # on every bad line: no message may repeat it


def _write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _truncated_parquet(path: Path) -> bytes:
    pl.DataFrame({"id": [SECRET] * 100, "ihc_score": ["3+"] * 100}).write_parquet(path)
    return path.read_bytes()[:-20]


BAD_FILES: list[tuple[str, Any, str]] = [
    ("ragged.csv", f"id,ihc_score\np1,3+\n{SECRET},2+,extra\n", "line 3 has 3 fields; the header has 2"),
    ("quote.csv", f'id,ihc_score\np1,3+\n"{SECRET},2+\n', "line 3: unexpected end of data"),
    (
        "stray.csv",
        f'id,ihc_score\np1,3+\nx"{SECRET},2+\n',
        "line 3: a quote inside a field that does not start",
    ),
    (
        "latin1.csv",
        f"id,ihc_score\n{SECRET}-M\xfcller,2+\n".encode("latin-1"),
        "line 2, byte 14 (0xfc) is not UTF-8",
    ),
    ("empty.csv", "", "the file is empty"),
    ("blank.csv", "\n", "line 1 is empty: no header line"),
    ("line.jsonl", f'{{"id": "p1"}}\n{{"id": "{SECRET}", ihc_score: 3}}\n', "line 2: not valid JSON"),
    ("array.jsonl", f'{{"id": "p1"}}\n["{SECRET}"]\n', "line 2 holds a list, not an object"),
    ("empty.jsonl", "", "the file is empty"),
    ("garbage.parquet", f"{SECRET}\n", "not a Parquet file, or a truncated one"),
    ("truncated.parquet", _truncated_parquet, "not a Parquet file, or a truncated one"),
]


@pytest.mark.parametrize(("name", "content", "fragment"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_malformed_file_is_one_input_error(tmp_path: Path, name: str, content: Any, fragment: str) -> None:
    path = tmp_path / name
    _write(path, content(path) if callable(content) else content)
    out = tmp_path / "out.parquet"
    with pytest.raises(InvalidInput) as info:
        screen(path, out)
    message = str(info.value)
    assert fragment in message
    assert name in message
    assert SECRET not in message
    assert not out.exists()
    assert not list(tmp_path.glob(".out.parquet*"))  # no partial file left behind


def test_mixed_kinds_in_a_jsonl_column_name_the_column_and_lines(tmp_path: Path) -> None:
    lines = [{"id": f"p{i}", "ihc_score": "1+"} for i in range(3)] + [{"id": "p9", "ihc_score": [SECRET]}]
    path = _write(tmp_path / "mixed.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n")
    assert Source(path, "jsonl").problem() is not None
    problem = Source(path, "jsonl").problem()
    assert problem is not None
    assert problem.field == "ihc_score"
    assert "text in line 1, a list in line 4" in str(problem)
    assert SECRET not in str(problem)


def test_a_standard_column_named_twice_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "twice.csv", "id,ihc_score,ihc_score\np1,3+,0\n")
    with pytest.raises(InvalidInput, match=r"ihc_score.*each column read once"):
        screen(path, tmp_path / "out.csv")


def test_a_mapped_column_named_twice_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "registry.csv", "patient,her2,her2\nA,3+,0\n")
    mapping = _write(
        tmp_path / "mine.yaml",
        "name: mine\nread:\n  separator: ','\nconstants:\n  tumor_type: breast\n"
        "columns:\n  id: patient\n  ihc_score: her2\n",
    )
    with pytest.raises(InvalidInput, match=r"her2.*each column read once"):
        screen(path, tmp_path / "out.csv", mapping=str(mapping))


def test_a_malformed_line_through_a_tab_separated_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path / "registry.tsv", f"patient\ther2\nA\t3+\n{SECRET}\t2+\textra\n")
    mapping = _write(
        tmp_path / "mine.yaml",
        'name: mine\nread:\n  separator: "\\t"\nconstants:\n  tumor_type: breast\n'
        "columns:\n  id: patient\n  ihc_score: her2\n",
    )
    with pytest.raises(InvalidInput, match="line 3 has 3 fields; the header has 2") as info:
        screen(path, tmp_path / "out.csv", mapping=str(mapping))
    assert SECRET not in str(info.value)


GOOD: list[tuple[str, str]] = [
    ("ok.csv", 'id,ihc_score,report_text\np1,3+,"HER2 ""3+""\nsecond line"\np2,,\n'),
    ("ok.tsv", "id\tihc_score\np1\t3+\n\n"),
    ("ok.jsonl", '{"id": "p1", "ish_ratio": 2.5}\n\n{"id": "p2", "ish_ratio": 2}\n'),
]


@pytest.mark.parametrize(("name", "content"), GOOD, ids=[g[0] for g in GOOD])
def test_a_file_the_readers_accept_has_no_problem(tmp_path: Path, name: str, content: str) -> None:
    path = _write(tmp_path / name, content)
    source = Source(path, name.rsplit(".", 1)[1])
    assert source.problem() is None
    screen(path, tmp_path / "out.csv")  # and the engine reads it


def test_a_reader_failure_without_a_fault_names_only_the_error_type(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.csv", "id,ihc_score\np1,3+\n")
    with pytest.raises(UnreadableInput) as info:
        Source(path, "csv").fail(pl.exceptions.ComputeError(f"could not parse {SECRET}"))
    assert "ComputeError" in str(info.value)
    assert SECRET not in str(info.value)
    assert info.value.exit_code == 2


def test_a_line_with_fewer_fields_reads_the_missing_ones_as_empty(tmp_path: Path) -> None:
    """As most CSV readers do (a line with more fields than the header stops the run, see above)."""
    path = _write(tmp_path / "short.tsv", "id\tihc_score\ttumor_type\np1\t3+\np2\t1+\tbreast\n")
    screen(path, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv")
    assert out.get_column("id").to_list() == ["p1", "p2"]
    assert out.get_column("error").to_list()[0].startswith("tumor_type: missing")
    assert out.get_column("her2_category").to_list()[1] == "HER2-low"


@pytest.mark.spark
def test_spark_reads_text_files_as_polars_does(tmp_path: Path, spark_session: Any) -> None:
    from her2kit.cohort import spark

    files = {
        "report.csv": 'id,tumor_type,ihc_score,report_text\na,breast,,"FINAL DIAGNOSIS:\nHER2 (4B5): score 3+, ""positive"".'
        '\nER: positive"\nb,breast,1+,\nc,breast,"2+",""\n',
        "short.tsv": "id\ttumor_type\tihc_score\np1\tbreast\np2\tbreast\t1+\n",
        "kinds.jsonl": '{"id": "j1", "tumor_type": "breast", "ish_ratio": 2}\n{"id": "j2", "tumor_type": "breast", '
        '"ish_ratio": 2.5, "her2_copies": 6, "cep17_copies": 2.4}\n',
    }
    for name, text in files.items():
        path = _write(tmp_path / name, text)
        screen(path, tmp_path / f"polars-{name}.csv")
        spark.run(path, tmp_path / f"spark-{name}.csv", session=spark_session)
        polars_out = (tmp_path / f"polars-{name}.csv").read_text()
        assert (tmp_path / f"spark-{name}.csv").read_text() == polars_out, name
    assert (
        pl.read_csv(tmp_path / "polars-report.csv.csv").get_column("her2_result").to_list()[0] == "positive"
    )


@pytest.mark.spark
@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [b for b in BAD_FILES if b[0] in ("ragged.csv", "latin1.csv", "array.jsonl", "garbage.parquet")],
    ids=["ragged.csv", "latin1.csv", "array.jsonl", "garbage.parquet"],
)
def test_spark_gives_the_same_input_errors(
    tmp_path: Path, spark_session: Any, name: str, content: Any, fragment: str
) -> None:
    from her2kit.cohort import spark

    path = _write(tmp_path / name, content)
    with pytest.raises(InvalidInput) as polars_error:
        screen(path, tmp_path / "polars.csv")
    with pytest.raises(InvalidInput) as spark_error:
        spark.run(path, tmp_path / "spark.csv", session=spark_session)
    assert str(spark_error.value) == str(polars_error.value)
    assert fragment in str(spark_error.value)
    assert not (tmp_path / "spark.csv").exists()


_CSV_PIECES = st.sampled_from(
    [b"id", b"ihc_score", b"tumor_type", b"breast", b"3+", b"2+", b",", b",", b"\t", b'"', b'""', b"\n", b"\r\n",
     b"\xff", b"\xc3\xa9", b" ", b"x" * 20, b"1.5", b"{", b"}", b"[", b"]", b":", b"null"]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    header=st.sampled_from([b"id,tumor_type,ihc_score\n", b"id\ttumor_type\tihc_score\n", b""]),
    body=st.lists(_CSV_PIECES, max_size=40).map(b"".join),
    suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".parquet"]),
)
def test_any_bytes_give_output_or_one_input_error(header: bytes, body: bytes, suffix: str) -> None:
    """Whatever the file holds, the run ends in an output file or in her2kit's own error, never another one."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"in{suffix}"
        path.write_bytes(header + body)
        out = Path(tmp) / "out.csv"
        try:
            summary = screen(path, out)
        except Her2kitError:
            assert not out.exists()
        else:
            assert out.exists()
            assert pl.read_csv(out, infer_schema=False).height == summary.rows
