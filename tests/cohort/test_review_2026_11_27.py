"""Findings 8, 9 and 12 of the cohort review of 2026-11-27, end to end on real files and both engines.

8. Standard columns spelled with other letter case or surrounding spaces (``IHC_Score``, `` er``) were silently
   ignored: every row said "no IHC". They are now read as the standard column, the summary says so and names the
   standard columns read and not present; two columns that would both be read as one are refused.
9. ``NA`` (an R export), ``N/A``, ``[Not Available]``, ... meant missing for ER/PR but made an error row in the
   IHC and ISH columns. One list of missing-value words (:data:`her2kit.cohort.columns.MISSING_VALUES`) now
   applies to every standard column that is read.
12. A mapping constant silently replaced the file's own per-row column (gastric rows screened as breast): refused
   before any work, naming the column and the mapping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from her2kit.cohort import columns as cols
from her2kit.cohort import reports, screen
from her2kit.cohort.cli import render_summary, summary_json
from her2kit.cohort.codes import classify
from her2kit.cohort.kernel import screen_frame
from her2kit.errors import InvalidInput


def _out(path: Path) -> dict[str, dict[str, Any]]:
    frame = pl.read_csv(path, infer_schema=False) if path.suffix == ".csv" else pl.read_parquet(path)
    return {r["id"]: r for r in frame.iter_rows(named=True)}


# --------------------------------------------------------------------------- 8: columns spelled differently
CASE_CSV = (
    "id,tumor_type,setting,IHC_Score,ISH_Ratio, er\n"
    "1,breast,metastatic,3+,2.5,positive\n"
    "2,breast,metastatic,0,1.1,negative\n"
)


def _case_files(tmp: Path) -> dict[str, Path]:
    rows = [
        {"id": "1", "tumor_type": "breast", "setting": "metastatic", "IHC_Score": "3+", "ISH_Ratio": 2.5, " er": "positive"},
        {"id": "2", "tumor_type": "breast", "setting": "metastatic", "IHC_Score": "0", "ISH_Ratio": 1.1, " er": "negative"},
    ]  # fmt: skip
    paths = {"csv": tmp / "case.csv", "parquet": tmp / "case.parquet", "jsonl": tmp / "case.jsonl"}
    paths["csv"].write_text(CASE_CSV, encoding="utf-8")
    pl.DataFrame(rows).write_parquet(paths["parquet"])
    paths["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return paths


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl"])
def test_a_standard_column_in_other_letter_case_or_with_spaces_is_read_with_a_note(
    tmp_path: Path, kind: str
) -> None:
    path = _case_files(tmp_path)[kind]
    summary = screen(path, tmp_path / "out.csv")
    out = _out(tmp_path / "out.csv")
    assert (out["1"]["her2_result"], out["1"]["her2_category"], out["1"]["error"]) == (
        "positive",
        "HER2-positive",
        None,
    )
    assert (out["2"]["her2_result"], out["2"]["error"]) == ("negative", None)  # IHC 0, ISH ratio 1.1
    assert "ER/PR not given" not in out["1"]["reasons"]  # " er" was read: only PR is missing
    assert summary.columns_read == {
        "id": "id",
        "tumor_type": "tumor_type",
        "setting": "setting",
        "ihc_score": "IHC_Score",
        "ish_ratio": "ISH_Ratio",
        "er": " er",
    }
    assert summary.columns_absent == ["her2_copies", "cep17_copies", "pr", "report_text", "notes"]
    assert any("'IHC_Score' read as ihc_score" in note for note in summary.column_notes)
    assert any("' er' read as er" in note for note in summary.column_notes)
    rendered = render_summary(summary)
    assert "'IHC_Score' read as ihc_score" in rendered
    assert "not in the file: her2_copies, cep17_copies, pr, report_text, notes" in rendered
    assert json.loads(summary_json(summary))["columns_read"]["ihc_score"] == "IHC_Score"


def test_the_summary_names_the_columns_read_not_present_and_not_read(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,tumor_type,her2_ihc,ihc_score,extra\np1,breast,3+,1+,x\n", encoding="utf-8")
    summary = screen(path, tmp_path / "out.csv")
    assert summary.columns_read == {"id": "id", "tumor_type": "tumor_type", "ihc_score": "ihc_score"}
    assert summary.columns_ignored == ["her2_ihc", "extra"]
    assert summary.column_notes == []
    rendered = render_summary(summary)
    assert "read: id, tumor_type, ihc_score" in rendered
    assert "not read (not standard columns): her2_ihc, extra" in rendered


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("id,tumor_type,ihc_score,IHC_Score", ("'ihc_score'", "'IHC_Score'")),
        ("id,tumor_type,ER, er ", ("'ER'", "' er '")),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_two_columns_read_as_one_standard_column_are_refused(
    tmp_path: Path, header: str, named: tuple[str, str], kind: str
) -> None:
    names = header.split(",")
    path = tmp_path / f"in.{kind}"
    if kind == "csv":
        path.write_text(header + "\np1,breast,3+,1+\n", encoding="utf-8")
    else:
        pl.DataFrame([["p1"], ["breast"], ["3+"], ["1+"]], schema=names).write_parquet(path)
    with pytest.raises(InvalidInput) as info:
        screen(path, tmp_path / "out.csv")
    for name in named:
        assert name in str(info.value)
    assert not (tmp_path / "out.csv").exists()


def test_a_column_spelled_differently_is_read_when_the_file_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(CASE_CSV + "3,breast,too,many,fields,here,x,y\n", encoding="utf-8")
    summary = screen(path, tmp_path / "out.csv")
    out = _out(tmp_path / "out.csv")
    assert out["1"]["her2_result"] == "positive"
    assert out["3"]["error"].startswith("row: line 4")
    assert summary.columns_read["ihc_score"] == "IHC_Score"


def test_a_mapped_run_names_the_columns_it_read(tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    path.write_text("patient,her2,other\nP1,3+,x\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: m\nconstants: {tumor_type: breast}\ncolumns: {id: patient, ihc_score: her2}\n")
    summary = screen(path, tmp_path / "out.csv", mapping=str(mapping))
    assert summary.columns_read == {"id": "patient", "ihc_score": "her2"}
    assert summary.columns_constant == {"tumor_type": "breast"}
    assert summary.columns_ignored == ["other"]
    assert "tumor_type = 'breast' (mapping constant)" in render_summary(summary)


# --------------------------------------------------------------------------- 9: missing-value words
NA_CSV = (
    "id,tumor_type,setting,ihc_score,ish_ratio,her2_copies,cep17_copies,er,pr\n"
    "X1,breast,metastatic,3+,NA,NA,NA,NA,NA\n"
    "X2,breast,metastatic,NA,2.5,6.0,2.4,positive,NA\n"
    "X3,breast,metastatic,3+,,,,,\n"
    "X4,breast,N/A,[Not Available],n/a,NaN,[Not Available],Unknown,N/A\n"
)


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "parquet"])
def test_na_and_the_other_missing_value_words_are_missing_in_every_column(tmp_path: Path, kind: str) -> None:
    frame = pl.read_csv(NA_CSV.encode(), infer_schema=False)
    path = tmp_path / f"na.{kind}"
    if kind == "csv":
        path.write_text(NA_CSV, encoding="utf-8")
    elif kind == "tsv":
        frame.write_csv(path, separator="\t")
    elif kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in frame.iter_rows(named=True)), encoding="utf-8")
    else:
        frame.write_parquet(path)  # every column as text
    summary = screen(path, tmp_path / "out.csv")
    out = _out(tmp_path / "out.csv")
    assert summary.errors == 0, {k: r["error"] for k, r in out.items()}
    assert (out["X1"]["her2_result"], out["X1"]["her2_category"]) == ("positive", "HER2-positive")
    assert (out["X2"]["her2_result"], out["X2"]["ish_group"]) == ("positive", "1")  # 6.0 / 2.4 = 2.5
    assert out["X1"]["eligible"] == out["X3"]["eligible"]  # NA is exactly an empty field
    assert out["X1"]["reasons"] == out["X3"]["reasons"]
    assert out["X4"]["her2_result"] == "indeterminate"  # nothing given
    assert "setting not given" in out["X4"]["reasons"]


@pytest.mark.parametrize("word", sorted(cols.MISSING_VALUES))
def test_every_missing_value_word_is_missing_for_every_read_column(word: str) -> None:
    """The one list: each word (in any letter case, with spaces around) is missing in each coded column, and a
    number column given it as text has no value."""
    for spelling in (word, word.upper(), f" {word.title()} "):
        for name in (cols.SETTING, cols.IHC_SCORE, cols.ER, cols.PR):
            if name == cols.IHC_SCORE and word in cols.NOT_MISSING_FOR_IHC:
                assert classify(name, spelling)[0] == -1  # an error (may mean HER2-null / no staining)
                continue
            assert classify(name, spelling) == (0, None), (name, spelling)
        assert classify(cols.TUMOR_TYPE, spelling)[0] == -2  # required: "tumor_type: missing"
        row = screen_frame(
            pl.DataFrame(
                {
                    "id": ["a"],
                    "tumor_type": ["breast"],
                    "ihc_score": ["3+"],
                    **{name: [spelling] for name in cols.NUMERIC_COLUMNS},
                }
            )
        ).row(0, named=True)
        assert (row["her2_result"], row["error"]) == ("positive", None), spelling


def test_a_missing_tumour_type_word_is_the_missing_tumour_type_error() -> None:
    row = screen_frame(pl.DataFrame({"id": ["a"], "tumor_type": ["NA"], "ihc_score": ["3+"]})).row(
        0, named=True
    )
    assert row["error"].startswith("tumor_type: missing")


@pytest.mark.parametrize("word", ["null", "none", "equivocal", "positive"])
def test_words_that_are_results_for_ihc_stay_errors(word: str) -> None:
    """ "null" may mean HER2-null, "none" no staining, "equivocal" is IHC 2+: not missing values for IHC."""
    row = screen_frame(pl.DataFrame({"id": ["a"], "tumor_type": ["breast"], "ihc_score": [word]})).row(
        0, named=True
    )
    assert row["error"].startswith("ihc_score:"), row


def test_er_pr_keep_their_not_given_words() -> None:
    for word in ("equivocal", "null", "none", "indeterminate", "[Not Evaluated]"):
        assert classify(cols.ER, word) == (0, None)
        assert classify(cols.PR, word) == (0, None)


def test_text_that_is_not_a_number_is_still_an_error() -> None:
    row = screen_frame(pl.DataFrame({"id": ["a"], "tumor_type": ["breast"], "ish_ratio": ["two"]})).row(
        0, named=True
    )
    assert row["error"].startswith("ish_ratio: two is not valid")
    nan = screen_frame(pl.DataFrame({"id": ["a"], "tumor_type": ["breast"], "ish_ratio": [float("nan")]}))
    assert nan.row(0, named=True)["error"].startswith("ish_ratio:")  # a NaN number (not the word) is an error


def test_a_report_text_that_is_a_missing_value_word_is_no_report() -> None:
    calls: list[str] = []

    def extract(text: str) -> Any:
        calls.append(text)
        raise AssertionError("not a report")

    reports.set_extractor(extract)
    row = screen_frame(
        pl.DataFrame({"id": ["a"], "tumor_type": ["breast"], "ihc_score": ["3+"], "report_text": ["NA"]})
    ).row(0, named=True)
    assert (row["her2_result"], row["error"], calls) == ("positive", None, [])


# --------------------------------------------------------------------------- 12: a constant vs the file's column
MY_YAML = (
    "name: my-registry\n"
    'read: {separator: ",", skip_rows_after_header: 0, null_values: [NA, "n/a"]}\n'
    "constants: {tumor_type: breast}\n"
    "columns: {id: patient, setting: stage_group, ihc_score: her2_ihc, ish_ratio: fish_ratio, er: er, pr: pr}\n"
)
MYREG = (
    "patient,stage_group,her2_ihc,fish_ratio,er,pr,{tumor}\n"
    "P1,metastatic,NA,2.5,positive,NA,breast\n"
    "P2,metastatic,2+,n/a,NA,negative,gastric\n"
    "P3,metastatic,3+,,positive,positive,gastric\n"
)


@pytest.mark.parametrize("tumor", ["tumor_type", "Tumor_Type"])
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_mapping_constant_for_a_column_the_file_has_is_refused(
    tmp_path: Path, tumor: str, kind: str
) -> None:
    mapping = tmp_path / "my.yaml"
    mapping.write_text(MY_YAML, encoding="utf-8")
    path = tmp_path / f"myreg.{kind}"
    text = MYREG.format(tumor=tumor)
    if kind == "csv":
        path.write_text(text, encoding="utf-8")
    else:
        pl.read_csv(text.encode(), infer_schema=False).write_parquet(path)
    with pytest.raises(InvalidInput) as info:
        screen(path, tmp_path / "out.csv", mapping=str(mapping))
    message = str(info.value)
    assert "my-registry" in message
    assert "constants.tumor_type" in message
    assert f"'{tumor}'" in message
    assert not (tmp_path / "out.csv").exists()


def test_a_constant_is_used_when_the_file_has_no_such_column(tmp_path: Path) -> None:
    mapping = tmp_path / "my.yaml"
    mapping.write_text(MY_YAML, encoding="utf-8")
    path = tmp_path / "myreg.csv"
    path.write_text(MYREG.replace(",{tumor}", "").replace(",breast\n", "\n").replace(",gastric\n", "\n"))
    screen(path, tmp_path / "out.csv", mapping=str(mapping))
    out = _out(tmp_path / "out.csv")
    assert out["P3"]["her2_result"] == "positive"
    assert "breast" in out["P3"]["eligible"]


# --------------------------------------------------------------------------- Spark = Polars on all three
@pytest.mark.spark
def test_spark_equals_polars_on_the_review_files(tmp_path: Path, spark_session: Any) -> None:
    from her2kit.cohort import spark

    files = _case_files(tmp_path)
    (tmp_path / "na.csv").write_text(NA_CSV, encoding="utf-8")
    files["na"] = tmp_path / "na.csv"
    pl.read_csv(NA_CSV.encode(), infer_schema=False).write_parquet(tmp_path / "na.parquet")
    files["na-parquet"] = tmp_path / "na.parquet"
    for name, path in files.items():
        polars_summary = screen(path, tmp_path / f"polars-{name}.csv")
        spark_summary = spark.run(path, tmp_path / f"spark-{name}.csv", session=spark_session)
        assert (tmp_path / f"polars-{name}.csv").read_text() == (
            tmp_path / f"spark-{name}.csv"
        ).read_text(), name
        for field in ("rows", "errors", "by_result", "columns_read", "columns_absent", "column_notes"):
            assert getattr(polars_summary, field) == getattr(spark_summary, field), (name, field)
    (tmp_path / "bad.csv").write_text("id,tumor_type,ihc_score,IHC_Score\n1,breast,3+,3+\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="IHC_Score"):
        spark.run(tmp_path / "bad.csv", tmp_path / "spark-bad.csv", session=spark_session)


def test_a_registry_notes_column_in_other_letter_case_is_not_copied_into_reasons(tmp_path: Path) -> None:
    """Second review: 'Notes' (free text with a name and a date of birth) was read as the notes extension and written
    into every row's reasons."""
    src = tmp_path / "notes.csv"
    src.write_text(
        "MRN,Tumor_Type,Setting,IHC_Score,ER,PR,Notes\n"
        "1001,breast,metastatic,3+,positive,positive,Pt Jane Doe DOB 1961-02-03 called re results\n"
    )
    out = tmp_path / "out.csv"
    screen(src, out)
    text = out.read_text()
    assert "Jane Doe" not in text
    assert "positive" in text


def test_a_notes_constant_is_not_refused_over_a_registrys_own_notes_column() -> None:
    """A registry's own "Notes" column is never read (free text), so a `notes` constant does not replace it."""
    from her2kit.cohort.mapping import Mapping, check_constants

    mapping = Mapping(name="m", path=Path("m.yaml"), columns={"id": "id"}, constants={"notes": "registry A"})
    check_constants(mapping, ["id", "Notes"])
    with pytest.raises(InvalidInput):
        check_constants(mapping, ["id", "notes"])
