"""Arrow arrays from NumPy buffers equal pyarrow's own conversion; the Polars engine never imports pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.cohort.arrow import int32_array, string_array


@settings(deadline=None)  # the first example imports pyarrow's sequence conversion (and pandas)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)), max_size=70))
def test_int32_array(values: list[int | None]) -> None:
    raw = np.array([0 if v is None else v for v in values], dtype=np.int32)
    null = np.array([v is None for v in values], dtype=np.bool_)
    array = int32_array(raw, null)
    array.validate(full=True)
    assert array.equals(pa.array(values, type=pa.int32()))


@settings(deadline=None)
@given(st.lists(st.text(max_size=20), max_size=30))
def test_string_array(values: list[str]) -> None:
    array = string_array(values)
    array.validate(full=True)
    assert array.equals(pa.array(values, type=pa.string()))


def test_the_polars_engine_does_not_import_pandas(tmp_path: Path) -> None:
    code = (
        "import sys, polars as pl\n"
        "from her2kit.cohort import screen\n"
        f"path = {str(tmp_path / 'in.parquet')!r}\n"
        "pl.DataFrame({'id': ['a', 'b'], 'tumor_type': ['breast', 'breast'], 'ihc_score': ['2+', None],"
        " 'ish_ratio': [2.5, None], 'her2_copies': [5.0, None], 'cep17_copies': [2.0, None]}).write_parquet(path)\n"
        f"screen(path, {str(tmp_path / 'out.parquet')!r})\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
