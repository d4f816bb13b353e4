"""The compiled loops have one compiled form each, whatever the input format (no recompiling per flavour)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from her2kit.cohort import compiled, kernel, screen

LOOPS = (compiled.view_codes, compiled.decision_keys, compiled.gather)


def test_one_signature_per_loop_for_every_input_format(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c"],
            "tumor_type": ["breast", "breast", None],
            "setting": ["early", None, "metastatic"],
            "ihc_score": ["2+", "1+", None],
            "ish_ratio": [2.2, None, 1.0],
            "her2_copies": [4.4, None, 2.0],
            "cep17_copies": [2.0, None, 2.0],
            "er": ["positive", None, "negative"],
            "pr": ["negative", "positive", None],
        }
    )
    frame.write_parquet(tmp_path / "in.parquet")
    frame.write_csv(tmp_path / "in.csv")
    screen(tmp_path / "in.parquet", tmp_path / "a.parquet")
    screen(tmp_path / "in.csv", tmp_path / "b.csv")
    kernel.screen(pl.DataFrame({"tumor_type": ["breast"], "ihc_score": [3]}))  # integer column
    for loop in LOOPS:
        assert len(loop.signatures) == 1, loop  # type: ignore[attr-defined]
