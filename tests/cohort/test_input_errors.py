"""A registry file that cannot be parsed stops the run with one input error naming the file, the line and the
problem, never a reader's traceback and never the offending content (it may be a patient identifier)."""

from __future__ import annotations

import json
import re
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


# Problems of the whole file: the run stops with one input error.
BAD_FILES: list[tuple[str, Any, str]] = [
    ("quote.csv", f'id,ihc_score\np1,3+\n"{SECRET},2+\n', "line 3: a quoted field is never closed"),
    ("empty.csv", "", "the file is empty"),
    ("blank.csv", "\n", "line 1 is empty: no header line"),
    ("empty.jsonl", "", "the file is empty"),
    ("blank.jsonl", "\n\n", "the file holds only blank lines"),
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


# Problems of single lines: each bad line is an error row, the others are screened, the run goes on.
BAD_LINES: list[tuple[str, Any, list[str | None]]] = [
    (
        "ragged.csv",
        f"id,tumor_type,ihc_score\np1,breast,3+\n{SECRET},breast,2+,extra\np3,breast,1+\n",
        [None, "row: line 3 has 4 fields where the header has 3; the line is not read", None],
    ),
    (
        "stray.csv",
        f'id,tumor_type,ihc_score\np1,breast,3+\nx"{SECRET},breast,2+\np3,breast,1+\n',
        [
            None,
            "row: line 3 has a quote inside a field that does not start with one; the line is not read",
            None,
        ],
    ),
    (
        "latin1.csv",
        f"id,tumor_type,ihc_score\np1,breast,3+\n{SECRET}-M\xfcller,breast,2+\np3,breast,1+\n".encode(
            "latin-1"
        ),
        [None, "row: line 3 has bytes that are not UTF-8 (a file in another encoding", None],
    ),
    (
        "line.jsonl",
        f'{{"id": "p1", "tumor_type": "breast"}}\n{{"id": "{SECRET}", ihc_score: 3}}\n{{"id": "p3"}}\n',
        [None, "row: line 2 has text that is not valid JSON; the line is not read", "tumor_type: missing"],
    ),
    (
        "array.jsonl",
        f'{{"id": "p1", "tumor_type": "breast"}}\n["{SECRET}"]\n',
        [None, "row: line 2 has JSON that is not an object; the line is not read"],
    ),
]


@pytest.mark.parametrize(("name", "content", "errors"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_a_bad_line_is_an_error_row_and_the_run_goes_on(
    tmp_path: Path, name: str, content: Any, errors: list[str | None]
) -> None:
    path = _write(tmp_path / name, content)
    summary = screen(path, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    got = out.get_column("error").to_list()
    assert len(got) == len(errors) == summary.rows
    for message, want in zip(got, errors, strict=True):
        assert (message is None) if want is None else (message is not None and message.startswith(want))
    assert all(SECRET not in (m or "") for m in got)
    assert summary.errors_by_field["row"] == 1


def _mapped_registry(tmp_path: Path) -> tuple[Path, Path]:
    """A tab-separated registry with a bad line (3 fields, the header 2), and a mapping for it."""
    path = _write(tmp_path / "registry.tsv", f"patient\ther2\nA\t3+\n{SECRET}\t2+\textra\nC\t1+\n")
    mapping = _write(
        tmp_path / "mine.yaml",
        'name: mine\nread:\n  separator: "\\t"\nconstants:\n  tumor_type: breast\n'
        "columns:\n  id: patient\n  ihc_score: her2\n",
    )
    return path, mapping


def test_bad_lines_in_a_mapped_file(tmp_path: Path) -> None:
    path, mapping = _mapped_registry(tmp_path)
    screen(path, tmp_path / "out.csv", mapping=str(mapping))
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out.get_column("id").to_list() == ["A", SECRET, "C"]  # the bad line's first field, to find it
    assert out.get_column("her2_result").to_list() == ["positive", None, "negative"]
    assert (
        out.get_column("error").to_list()[1]
        == "row: line 3 has 3 fields where the header has 2; the line is not read"
    )


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


def test_a_standard_column_named_twice_in_other_letter_case_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "twice.csv", "id,IHC_Score,IHC_Score\np1,3+,0\n")
    with pytest.raises(
        InvalidInput, match=r"'IHC_Score' is not valid.*each column read once \(named twice\)"
    ):
        screen(path, tmp_path / "out.csv")


def test_every_column_named_twice_is_named_once_in_header_order(tmp_path: Path) -> None:
    path = _write(tmp_path / "twice.csv", "id,er,ihc_score,ihc_score,er,er\np1,pos,3+,0,neg,neg\n")
    with pytest.raises(InvalidInput) as info:
        screen(path, tmp_path / "out.csv")
    assert str(info.value) == (
        "input columns: 'er, ihc_score' is not valid; allowed: each column read once (named twice)"
    )


def test_a_mapped_column_named_twice_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "registry.csv", "patient,her2,her2\nA,3+,0\n")
    mapping = _write(
        tmp_path / "mine.yaml",
        "name: mine\nread:\n  separator: ','\nconstants:\n  tumor_type: breast\n"
        "columns:\n  id: patient\n  ihc_score: her2\n",
    )
    with pytest.raises(InvalidInput, match=r"her2.*each column read once"):
        screen(path, tmp_path / "out.csv", mapping=str(mapping))


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
def test_spark_gives_the_same_errors_and_error_rows(tmp_path: Path, spark_session: Any) -> None:
    from her2kit.cohort import spark

    for name, content, _ in [b for b in BAD_LINES if b[0] in ("ragged.csv", "latin1.csv", "array.jsonl")]:
        path = _write(tmp_path / name, content)
        screen(path, tmp_path / f"polars-{name}.csv")
        spark.run(path, tmp_path / f"spark-{name}.csv", session=spark_session)
        assert (tmp_path / f"spark-{name}.csv").read_bytes() == (tmp_path / f"polars-{name}.csv").read_bytes()
    mapped, mapping = _mapped_registry(tmp_path)
    screen(mapped, tmp_path / "polars-mapped.csv", mapping=str(mapping))
    screen(mapped, tmp_path / "spark-mapped.csv", mapping=str(mapping), engine="spark")
    assert (tmp_path / "spark-mapped.csv").read_bytes() == (tmp_path / "polars-mapped.csv").read_bytes()
    path = _write(tmp_path / "garbage.parquet", f"{SECRET}\n")
    with pytest.raises(InvalidInput) as polars_error:
        screen(path, tmp_path / "polars.csv")
    with pytest.raises(InvalidInput) as spark_error:
        spark.run(path, tmp_path / "spark.csv", session=spark_session)
    assert str(spark_error.value) == str(polars_error.value)
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


REPORT = 'HER2 (4B5): 0 with faint\n"staining" (ultralow)'  # a quoted field over two lines, with quotes


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl"])
def test_reading_line_by_line_gives_the_scan_s_rows(tmp_path: Path, kind: str) -> None:
    """The good rows of a file with a bad line come out exactly as the fast path gives them without it."""
    rows = [
        {"id": "p1", "tumor_type": "breast", "setting": "metastatic", "ihc_score": "2+", "ish_ratio": 2.4,
         "her2_copies": 5.0, "cep17_copies": 2.1, "er": "positive", "pr": ""},
        {"id": "p2", "tumor_type": "breast", "ihc_score": "0", "report_text": REPORT},
        {"id": "p3", "tumor_type": "STAD", "setting": "metastatic", "ihc_score": "3+", "ish_ratio": 150},
        {"id": "p4", "tumor_type": "breast", "ihc_score": "1+", "er": "low"},
    ] * 3  # fmt: skip
    frame = pl.DataFrame(rows, schema_overrides={"ish_ratio": pl.Float64})
    clean, dirty = tmp_path / f"clean.{kind}", tmp_path / f"dirty.{kind}"
    if kind == "jsonl":
        lines = [
            json.dumps({k: v for k, v in r.items() if v is not None}) for r in frame.iter_rows(named=True)
        ]
        clean.write_text("\n".join(lines) + "\n")
        dirty.write_text("\n".join([*lines[:5], "{not json", *lines[5:]]) + "\n")
    else:
        frame.write_csv(clean, separator="\t" if kind == "tsv" else ",")
        text = clean.read_text().splitlines(keepends=True)
        bad = "\t".join(["x"] * 12) if kind == "tsv" else ",".join(["x"] * 12)
        cut = next(i for i, line in enumerate(text) if line.startswith("p4"))  # after the multi-line record
        dirty.write_text("".join([*text[:cut], bad + "\n", *text[cut:]]))
    screen(
        clean, tmp_path / "clean-out.csv"
    )  # (not clean.csv: that may be the input, which is never replaced)
    screen(dirty, tmp_path / "dirty-out.csv")
    a = pl.read_csv(tmp_path / "clean-out.csv", infer_schema=False)
    b = pl.read_csv(tmp_path / "dirty-out.csv", infer_schema=False)
    assert b.filter(pl.col("error").str.starts_with("row: ").not_() | pl.col("error").is_null()).equals(a)
    assert b.height == a.height + 1


def test_a_file_in_another_encoding(tmp_path: Path) -> None:
    text = "id,tumor_type,ihc_score,name\np1,breast,3+,M\u00fcller\np2,breast,1+,Smith\n"
    path = _write(tmp_path / "latin.csv", text.encode("latin-1"))
    screen(path, tmp_path / "plain.csv")
    errors = pl.read_csv(tmp_path / "plain.csv", infer_schema=False).get_column("error").to_list()
    assert errors[0] is not None
    assert "--encoding latin-1" in errors[0]
    summary = screen(path, tmp_path / "latin.csv.out.csv", encoding="latin-1")
    assert summary.input_path == str(path)
    out = pl.read_csv(tmp_path / "latin.csv.out.csv", infer_schema=False)
    assert out.get_column("error").to_list() == [None, None]
    assert out.get_column("her2_result").to_list() == ["positive", "negative"]
    mapping = _write(
        tmp_path / "m.yaml",
        # (the file has tumor_type: a constant for it would be refused, so the mapping reads the column)
        "name: m\nread:\n  encoding: cp1252\ncolumns:\n  id: id\n  tumor_type: tumor_type\n  ihc_score: ihc_score\n",
    )
    screen(path, tmp_path / "mapped.csv", mapping=str(mapping))
    assert pl.read_csv(tmp_path / "mapped.csv", infer_schema=False).get_column("error").to_list() == [
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("content", "encoding", "fragment"),
    [
        (b"id\np1\n", "klingon", "a text encoding such as latin-1"),
        (b"id\np1\n", "base64", "a text encoding such as latin-1"),  # a codec, not a text encoding
        (b"id\n\x81\n", "cp1252", "line 2, byte 1 (0x81) is not cp1252"),
    ],
)
def test_a_wrong_encoding_is_an_input_error(
    tmp_path: Path, content: bytes, encoding: str, fragment: str
) -> None:
    path = _write(tmp_path / "x.csv", content)
    with pytest.raises(InvalidInput, match=re.escape(fragment)):
        screen(path, tmp_path / "out.csv", encoding=encoding)
    pl.DataFrame({"id": ["p1"]}).write_parquet(tmp_path / "x.parquet")
    with pytest.raises(InvalidInput, match="no encoding for Parquet"):
        screen(tmp_path / "x.parquet", tmp_path / "out.csv", encoding="latin-1")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.csv", b"\xef\xbb\xbfid,tumor_type,ihc_score\np1,breast,3+\n"),
        ("bom.jsonl", b'\xef\xbb\xbf{"id": "p1", "tumor_type": "breast", "ihc_score": "3+"}\n'),
    ],
)
def test_a_byte_order_mark_is_not_part_of_the_first_name_or_line(
    tmp_path: Path, name: str, content: bytes
) -> None:
    """Spreadsheet exports often start with a UTF-8 byte-order mark."""
    path = _write(tmp_path / name, content)
    screen(path, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out.get_column("id").to_list() == ["p1"]
    assert out.get_column("her2_result").to_list() == ["positive"]


_FIELD = st.sampled_from(
    ["", "breast", "3+", "2+", "0", "ultralow", "2.4", "5.1", "x,y", 'a "b"', "two\nlines", "é"]
)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(_FIELD, _FIELD, _FIELD, _FIELD), min_size=1, max_size=12),
    bad_at=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=3),
    separator=st.sampled_from([",", "\t"]),
)
def test_bad_lines_leave_the_other_rows_as_the_scan_reads_them(
    rows: list[tuple[str, str, str, str]], bad_at: list[int], separator: str
) -> None:
    """Any rows (quotes, separators and line breaks in fields), bad lines anywhere: the good rows come out as the
    scan gives them for the file without the bad lines, and each bad line is one error row in its place."""
    names = ["tumor_type", "ihc_score", "ish_ratio", "report_text"]
    frame = pl.DataFrame(
        {"id": [f"p{i}" for i in range(len(rows))], **{n: [r[k] for r in rows] for k, n in enumerate(names)}}
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        suffix = "tsv" if separator == "\t" else "csv"
        clean = folder / f"clean.{suffix}"
        frame.write_csv(clean, separator=separator)
        header, *records = _split_records(clean.read_text(encoding="utf-8"), separator)
        bad = separator.join(["x"] * 9) + "\n"
        dirty_records = list(records)
        for position in sorted({min(p, len(records)) for p in bad_at}, reverse=True):
            dirty_records.insert(position, bad)
        dirty = folder / f"dirty.{suffix}"
        dirty.write_text(header + "".join(dirty_records), encoding="utf-8")
        screen(clean, folder / "clean-out.csv")  # (not clean.csv: the input, which is never replaced)
        screen(dirty, folder / "dirty-out.csv")
        a = pl.read_csv(folder / "clean-out.csv", infer_schema=False)
        b = pl.read_csv(folder / "dirty-out.csv", infer_schema=False)
    unread = b.get_column("error").fill_null("").str.starts_with("row: line ")
    assert int(unread.sum()) == len(dirty_records) - len(records)
    assert b.filter(~unread).equals(a)


def _split_records(text: str, separator: str) -> list[str]:
    """The records of a CSV text as written (a quoted field may span lines), each with its line end."""
    from her2kit.cohort.lines import still_quoted

    out: list[str] = []
    pending = ""
    quoted = False
    for line in text.splitlines(keepends=True):
        quoted = still_quoted(line, quoted, separator, '"')
        pending += line
        if not quoted:
            out.append(pending)
            pending = ""
    return out
