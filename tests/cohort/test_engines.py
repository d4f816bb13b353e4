"""End to end: file formats, output formats, summary, mapping, and the Spark engine against Polars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from her2kit.cohort import CohortSummary, screen
from her2kit.cohort.cli import main, render_summary
from her2kit.cohort.io import PARQUET_DICTIONARY_COLUMNS
from her2kit.errors import InvalidInput

ROWS: list[dict[str, Any]] = [
    {
        "id": "p1",
        "tumor_type": "breast",
        "setting": "metastatic",
        "ihc_score": "3+",
        "er": "positive",
        "pr": "negative",
    },
    {
        "id": "p2",
        "tumor_type": "breast",
        "setting": "metastatic",
        "ihc_score": "2+",
        "ish_ratio": 1.5,
        "her2_copies": 5.0,
        "cep17_copies": 3.3,
        "er": "positive",
    },
    {
        "id": "p3",
        "tumor_type": "breast",
        "setting": "early",
        "ihc_score": "0+",
        "er": "negative",
        "pr": "negative",
    },
    {"id": "p4", "tumor_type": "STAD", "setting": "metastatic", "ihc_score": "2+", "ish_ratio": 2.4},
    {"id": "p5", "tumor_type": "breast", "ihc_score": "4+"},
    {"id": "p6", "tumor_type": "breast", "ish_ratio": -1.0},
    {"id": "p7", "tumor_type": "breast", "ish_ratio": 3.0, "her2_copies": 4.0, "cep17_copies": 2.0},
    {"id": "p8", "tumor_type": "klingon", "ihc_score": "1+"},
    {"id": "p9", "tumor_type": "colorectal", "setting": "metastatic", "ihc_score": "3+"},
    {"id": "p10", "tumor_type": "breast", "setting": "metastatic"},
]
SCHEMA = {
    "id": pl.String,
    "tumor_type": pl.String,
    "setting": pl.String,
    "ihc_score": pl.String,
    "ish_ratio": pl.Float64,
    "her2_copies": pl.Float64,
    "cep17_copies": pl.Float64,
    "er": pl.String,
    "pr": pl.String,
}


def registry(rows: int = 1) -> pl.DataFrame:
    frame = pl.DataFrame(ROWS, schema=SCHEMA)
    if rows > 1:
        frame = pl.concat([frame.with_columns(pl.col("id") + f"-{i}") for i in range(rows)])
    return frame


def write_all(frame: pl.DataFrame, tmp: Path) -> dict[str, Path]:
    paths = {kind: tmp / f"in.{kind}" for kind in ("parquet", "csv", "tsv", "jsonl")}
    frame.write_parquet(paths["parquet"])
    frame.write_csv(paths["csv"])
    frame.write_csv(paths["tsv"], separator="\t")
    paths["jsonl"].write_text(
        "\n".join(
            json.dumps({k: v for k, v in r.items() if v is not None}) for r in frame.iter_rows(named=True)
        )
        + "\n"
    )
    return paths


def test_all_input_formats_give_the_same_output(tmp_path: Path) -> None:
    paths = write_all(registry(), tmp_path)
    outputs = {}
    for kind, path in paths.items():
        summary = screen(path, tmp_path / f"out-{kind}.parquet")
        assert summary.rows == len(ROWS)
        outputs[kind] = pl.read_parquet(tmp_path / f"out-{kind}.parquet")
    for kind in ("csv", "tsv", "jsonl"):
        assert outputs[kind].equals(outputs["parquet"]), kind
    out = {r["id"]: r for r in outputs["parquet"].iter_rows(named=True)}
    assert [r["id"] for r in outputs["parquet"].iter_rows(named=True)] == [r["id"] for r in ROWS]
    assert out["p1"]["her2_result"] == "positive"
    assert out["p1"]["eligible"]
    assert (out["p2"]["her2_category"], out["p2"]["ish_group"]) == ("HER2-low", 4)
    assert "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow" in out["p2"]["eligible"].split(
        ";"
    )
    assert out["p3"]["her2_category"] == "HER2-negative"  # "0+" reads as 0, its extent unknown
    assert out["p3"]["eligible"] == ""  # valid, nothing met (an error row has null)
    assert out["p4"]["her2_result"] == "positive"
    assert out["p4"]["ish_group"] is None
    for bad in ("p5", "p6", "p7", "p8"):
        assert out[bad]["error"]
        assert out[bad]["her2_result"] is None


def test_csv_output_and_summary(tmp_path: Path) -> None:
    paths = write_all(registry(3), tmp_path)
    summary = screen(paths["parquet"], tmp_path / "out.csv")
    text = (tmp_path / "out.csv").read_text()
    assert (
        text.splitlines()[0] == '"id","her2_result","her2_category","ish_group","eligible","reasons","error"'
    )
    assert isinstance(summary, CohortSummary)
    assert summary.rows == 30
    assert summary.errors == 12
    assert summary.by_result["positive"] == 9  # p1, p4, p9
    assert summary.errors_by_field == {"ish_ratio": 6, "ihc_score": 3, "tumor_type": 3}
    assert summary.funnel[0] == ("rows", 30)
    assert summary.funnel[1] == ("valid rows", 18)
    rendered = render_summary(summary)
    for needle in ("HER2 result", "HER2 category", "Eligibility funnel", "valid rows", "ish_ratio"):
        assert needle in rendered


def test_summary_from_keys_equals_summary_from_output(tmp_path: Path) -> None:
    from her2kit.cohort.summary import SummaryBuilder

    paths = write_all(registry(2), tmp_path)
    summary = screen(paths["parquet"], tmp_path / "out.parquet")
    builder = SummaryBuilder()
    builder.add(pl.read_parquet(tmp_path / "out.parquet"))
    again = builder.build()
    for name in (
        "rows",
        "errors",
        "by_result",
        "by_category",
        "by_ish_group",
        "errors_by_field",
        "by_indication",
        "funnel",
        "eligible_rows",
        "setting_not_given",
        "hr_not_given",
    ):
        assert getattr(again, name) == getattr(summary, name), name
    assert summary.setting_not_given == 0  # the rows without a setting (p5-p8) are error rows
    assert summary.hr_not_given == 2  # p10: breast, no ER/PR (twice: the registry is repeated)


def test_bad_paths_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        screen(tmp_path / "missing.parquet", tmp_path / "o.parquet")
    registry().write_parquet(tmp_path / "in.parquet")
    with pytest.raises(InvalidInput):
        screen(tmp_path / "in.parquet", tmp_path / "o.xlsx")
    with pytest.raises(InvalidInput):
        screen(tmp_path / "in.parquet", tmp_path / "o.parquet", mapping="no-such-mapping")
    assert not (tmp_path / "o.parquet").exists()


def test_cli_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry().write_parquet(tmp_path / "in.parquet")
    assert main([str(tmp_path / "in.parquet"), str(tmp_path / "o.parquet")]) == 0
    assert "Eligibility funnel" in capsys.readouterr().out
    assert main([str(tmp_path / "nope.parquet"), str(tmp_path / "o.parquet")]) == 2


def test_user_mapping_file(tmp_path: Path) -> None:
    source = tmp_path / "registry.csv"
    source.write_text(
        "patient,her2,fish_ratio,h,c,cells,hr\n"
        "A,3+,NA,NA,NA,NA,pos\n"
        "B,2+,2.6,156,60,20,neg\n"
        "C,2+,1.1,44,40,NA,neg\n"
        "D,2+,1.2,>6,NA,NA,neg\n"
    )
    mapping = tmp_path / "mine.yaml"
    mapping.write_text(
        "name: mine\nread:\n  separator: ','\n  null_values: [NA]\nconstants:\n  tumor_type: breast\n"
        "  setting: metastatic\ncolumns:\n  id: patient\n  ihc_score: her2\n  ish_ratio: fish_ratio\n"
        "ish_counts:\n  her2: h\n  cep17: c\n  cells: cells\n  totals_above: 20\n"
    )
    screen(source, tmp_path / "o.parquet", mapping=str(mapping))
    out = {r["id"]: r for r in pl.read_parquet(tmp_path / "o.parquet").iter_rows(named=True)}
    assert out["A"]["her2_result"] == "positive"
    assert (out["B"]["her2_result"], out["B"]["ish_group"]) == ("positive", 1)  # 156/20 = 7.8, 60/20 = 3.0
    assert any("read as signal totals over 20" in r for r in out["B"]["reasons"].split(" | "))
    assert out["C"]["her2_result"] == "indeterminate"  # totals without a cell count: copies left out
    assert any("no cell count" in r for r in out["C"]["reasons"].split(" | "))
    assert any("is text" in r for r in out["D"]["reasons"].split(" | "))


TCGA = Path(__file__).resolve().parents[3] / "shared" / "data" / "tcga-brca" / "clinical_patient_brca.tsv"


@pytest.mark.skipif(not TCGA.exists(), reason="shared TCGA data not present")
def test_tcga_mapping(tmp_path: Path) -> None:
    summary = screen(TCGA, tmp_path / "tcga.parquet", mapping="tcga-brca")
    assert summary.rows == 1099
    out = pl.read_parquet(tmp_path / "tcga.parquet")
    assert out.height == 1099
    assert out.get_column("id").n_unique() == 1099
    assert summary.errors < 20
    assert summary.by_result["positive"] > 80
    # The TCGA table has no treatment setting: every valid row says so, and the summary shows why none is met.
    assert summary.setting_not_given == summary.valid
    assert summary.eligible_rows == 0
    assert "setting not given: no indication can be met" in render_summary(summary)


@pytest.mark.spark
def test_spark_engine_identical(tmp_path: Path, spark_session: Any) -> None:
    from her2kit.cohort import spark

    paths = write_all(registry(20), tmp_path)
    for kind in ("parquet", "csv"):
        polars_summary = screen(paths[kind], tmp_path / f"polars-{kind}.parquet")
        spark_summary = spark.run(paths[kind], tmp_path / f"spark-{kind}.parquet", session=spark_session)
        a = pl.read_parquet(tmp_path / f"polars-{kind}.parquet")
        b = pl.read_parquet(tmp_path / f"spark-{kind}.parquet")
        assert a.equals(b), kind
        for name in (
            "rows",
            "errors",
            "by_result",
            "by_category",
            "by_indication",
            "funnel",
            "errors_by_field",
        ):
            assert getattr(polars_summary, name) == getattr(spark_summary, name), name


@pytest.mark.spark
def test_spark_engine_partitions_keep_order(tmp_path: Path, spark_session: Any) -> None:
    from her2kit.cohort import spark

    frame = registry(50)
    frame.write_parquet(tmp_path / "in.parquet", row_group_size=100)
    spark_session.conf.set("spark.sql.files.maxPartitionBytes", "2048")
    try:
        spark.run(tmp_path / "in.parquet", tmp_path / "spark.csv", session=spark_session)
    finally:
        spark_session.conf.unset("spark.sql.files.maxPartitionBytes")
    screen(tmp_path / "in.parquet", tmp_path / "polars.csv")
    assert (tmp_path / "spark.csv").read_text() == (tmp_path / "polars.csv").read_text()


def test_parquet_output_dictionary_pages_only_for_decision_columns(tmp_path: Path) -> None:
    paths = write_all(registry(50), tmp_path)
    screen(paths["parquet"], tmp_path / "out.parquet")
    parquet = pq.ParquetFile(tmp_path / "out.parquet")
    group = parquet.metadata.row_group(0)
    dictionary = {
        group.column(i).path_in_schema
        for i in range(group.num_columns)
        if group.column(i).has_dictionary_page
    }
    assert dictionary == set(PARQUET_DICTIONARY_COLUMNS)
    for name in ("eligible", "reasons"):
        assert parquet.schema_arrow.field(name).type == pa.string()


def test_joined_text_columns_split_back_without_ambiguity() -> None:
    """No indication id contains the ';' separator and no single reason contains ' | '."""
    from her2kit.cohort.columns import ELIGIBLE_SEPARATOR, REASONS_SEPARATOR
    from her2kit.cohort.decision import decision_table

    table = decision_table()
    ids = table.get_column("eligible").explode().drop_nulls().unique().to_list()
    reasons = table.get_column("reasons").explode().drop_nulls().unique().to_list()
    assert ids
    assert reasons
    assert not [i for i in ids if ELIGIBLE_SEPARATOR in i]
    assert not [r for r in reasons if REASONS_SEPARATOR in r]


def test_same_input_same_bytes(tmp_path: Path) -> None:
    """The Polars engine writes the same Parquet and CSV bytes for the same input (no timestamps, fixed order)."""
    paths = write_all(registry(30), tmp_path)
    for suffix in ("parquet", "csv"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        screen(paths["parquet"], first)
        screen(paths["parquet"], second)
        assert first.read_bytes() == second.read_bytes(), suffix


def test_a_list_or_record_in_a_standard_column_is_an_input_error(tmp_path: Path) -> None:
    """Nested JSON values cannot be read as one value per row: a clear error naming the column, no traceback."""
    from her2kit.cohort.kernel import screen_frame

    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "tumor_type": "breast", "ish_ratio": [1, 2]}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="input column ish_ratio"):
        screen(path, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(InvalidInput, match="input column tumor_type"):
        screen_frame(pl.DataFrame({"tumor_type": [{"x": 1}]}))
    # A boolean or a date is one value per row: the row gets an error, the run goes on.
    out = screen_frame(pl.DataFrame({"tumor_type": ["breast"], "ihc_score": [True]}))
    assert out.get_column("error")[0].startswith("ihc_score:")
