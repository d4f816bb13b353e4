"""A user's mapping file is validated before any row is read: each mistake is one input error naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from her2kit.cohort import screen
from her2kit.cohort.mapping import load_mapping
from her2kit.errors import InvalidInput

BAD_MAPPINGS: list[tuple[str, str, str]] = [
    ("name: x\n", "x.yaml.columns: '(none)'", "at least one source column"),
    ("name: x\ncolumns:\n  bogus: her2\n", "x.yaml.columns.bogus", "a standard column: id, tumor_type"),
    ("name: x\nread:\n  separator: ';;'\ncolumns:\n  id: id\n", "x.yaml.read.separator", "one character"),
    ("name: x\nread:\n  skip_rows_after_header: -1\ncolumns:\n  id: id\n", "skip_rows_after_header", ">= 0"),
    (
        "name: x\ncolumns:\n  id: id\nconstants:\n  tumor_type: [1, 2]\n",
        "constants.tumor_type",
        "a single value",
    ),
    ("name: x\ncolumns:\n  id: id\nconstants:\n  id: P1\n", "x.yaml.constants: 'id'", "not also mapped"),
    ("name: x\ncolumns:\n  id: id\nish_counts:\n  her2: h\n", "ish_counts.cep17: '(missing)'", "required"),
    (
        "name: x\ncolumns:\n  id: id\nish_counts:\n  her2: h\n  cep17: c\n  totals_above: 0\n",
        "totals_above",
        "",
    ),
    ("name: x\ncolumns:\n  id: id\ncolumn:\n  er: er\n", "x.yaml.column", ""),
    ("- a\n- b\n", "--mapping", "a YAML mapping with name, columns"),
    ("name: x\ncolumns: [a, b\n", "--mapping", "well-formed YAML"),
]


@pytest.mark.parametrize(("text", "field", "allowed"), BAD_MAPPINGS, ids=[b[1] for b in BAD_MAPPINGS])
def test_a_bad_mapping_file_is_one_input_error(tmp_path: Path, text: str, field: str, allowed: str) -> None:
    mapping = tmp_path / "x.yaml"
    mapping.write_text(text)
    (tmp_path / "reg.csv").write_text("id,her2\nP1,3+\n")
    with pytest.raises(InvalidInput) as info:
        screen(tmp_path / "reg.csv", tmp_path / "out.csv", mapping=str(mapping))
    assert field in str(info.value)
    assert allowed.replace(">= 0", "greater than or equal to 0") in str(info.value)
    assert not (tmp_path / "out.csv").exists()


def test_a_numeric_header_may_be_written_unquoted(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: m\nconstants:\n  tumor_type: breast\ncolumns:\n  id: 2019\n")
    assert load_mapping(mapping).columns == {"id": "2019"}


def test_the_bundled_mapping_loads() -> None:
    tcga = load_mapping("tcga-brca")
    assert tcga.separator == "\t"
    assert tcga.skip_rows_after_header == 2
    assert tcga.ish_counts is not None


@pytest.mark.parametrize(
    ("value", "allowed"), [("true", "integer"), ("99999999999999999999", "less than or equal")]
)
def test_skip_rows_must_be_a_whole_number_in_range(tmp_path: Path, value: str, allowed: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        f"name: m\nread:\n  skip_rows_after_header: {value}\ncolumns:\n  id: id\n", encoding="utf-8"
    )
    with pytest.raises(InvalidInput) as caught:
        load_mapping(path)
    assert caught.value.field.endswith("read.skip_rows_after_header")
    assert allowed in str(caught.value)
