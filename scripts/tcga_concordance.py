"""Concordance of her2kit cohort screening with the recorded HER2 statuses of TCGA BRCA.

Runs ``her2kit.cohort.screen`` with the bundled ``tcga-brca`` mapping on the GDC clinical patient table,
joins the output back to the recorded ``her2_status_by_ihc`` and ``her2_fish_status``, and explains each
discordance. Prints Markdown (the figures in docs/tcga-concordance.md come from this script).

Data: TCGA BRCA, NCI Genomic Data Commons open-access clinical data, BCR clinical patient table
(nationwidechildrens.org_clinical_patient_brca.txt) as copied in paulgeeleher/tcgaData (commit 0e687963);
see /work/shared/data/README.md. Recorded statuses are registry values, not adjudicated truth.

Usage: .venv/bin/python scripts/tcga_concordance.py [PATH-TO-clinical_patient_brca.tsv]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polars as pl

from her2kit.cohort import screen
from her2kit.cohort.mapping import load_mapping

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "tcga-brca" / "clinical_patient_brca.tsv"
RECORDED = [
    "bcr_patient_barcode",
    "her2_status_by_ihc",
    "her2_ihc_score",
    "her2_fish_status",
    "her2_cent17_ratio",
    "her2_fish_method",
    "her2_positivity_method_text",
    "her2_and_cent17_scale_other",
]
STATUS = {
    "Positive": "positive",
    "Negative": "negative",
    "Equivocal": "equivocal",
    "Indeterminate": "indeterminate",
}


def recorded(path: Path) -> pl.DataFrame:
    mapping = load_mapping("tcga-brca")
    raw = pl.read_csv(
        path,
        separator="\t",
        skip_rows_after_header=mapping.skip_rows_after_header,
        null_values=list(mapping.null_values),
        infer_schema=False,
        quote_char=None,
    )
    return raw.select(RECORDED).rename({"bcr_patient_barcode": "id"})


def explain(row: dict[str, object], against: str) -> str:
    """The kind of a discordance between her2kit's result and a recorded status."""
    got = row["her2_result"]
    want = STATUS.get(str(row[against]), str(row[against]))
    score = row["her2_ihc_score"]
    ratio_text = row["her2_cent17_ratio"]
    try:
        ratio = float(str(ratio_text)) if ratio_text is not None else None
    except ValueError:
        ratio = None
    methods = " ".join(
        str(row[c] or "")
        for c in ("her2_fish_method", "her2_positivity_method_text", "her2_and_cent17_scale_other")
    ).lower()
    if row["error"] is not None:
        return "input error: the recorded ratio contradicts the recorded copy numbers (row kept, no result)"
    if got == "indeterminate" and score is None and ratio is None:
        return "no IHC score and no ISH numbers recorded (the status was recorded without its inputs)"
    if got == "indeterminate" and score is None:
        return (
            "no IHC score; ISH numbers alone do not decide (ratio without copies, or group 2-4 without IHC)"
        )
    if got in ("equivocal", "indeterminate") and score == "2+" and ratio is None:
        return "IHC 2+ without ISH numbers (the registry's status includes an ISH result given only as text)"
    if got == "indeterminate" and ratio is not None:
        return (
            "ISH ratio without usable mean HER2 copies/cell: the 2018 dual-probe group needs both "
            "(2007-era registries recorded the ratio alone)"
        )
    if ratio is not None and 2.0 <= ratio <= 2.2 and got == "positive" and want in ("negative", "equivocal"):
        return "guideline era: ratio 2.0-2.2 is positive since 2013 (2007: > 2.2 positive, 1.8-2.2 equivocal)"
    if ratio is not None and 1.8 <= ratio < 2.0 and want == "equivocal" and got == "negative":
        return "guideline era: ratio 1.8-2.0 was equivocal in 2007, negative since 2013"
    era_method = ">2.2" in methods.replace(" ", "") or "2.1" in methods
    if era_method and ratio is not None and 1.8 <= ratio <= 2.2:
        return "guideline era: the method field states an older threshold (> 2.2 or >= 2.1)"
    if against == "her2_status_by_ihc" and score in ("0", "1+") and want != "negative":
        return f"registry noise: IHC {score} recorded as {row[against]}"
    if got == "indeterminate" and score is not None and ratio is None:
        return "ISH values incomplete (a copy number without a ratio): the ISH group cannot be assigned"
    if (
        against == "her2_status_by_ihc"
        and score == "3+"
        and want in ("negative", "equivocal", "indeterminate")
    ):
        return f"registry noise: IHC 3+ recorded as {row[against]}"
    if against == "her2_status_by_ihc" and score == "2+" and want in ("positive", "negative"):
        if got in ("positive", "negative") and got == want:
            return "concordant"
        if ratio is not None:
            return "IHC 2+ status recorded from the combined IHC+ISH result; her2kit's ISH reading differs"
        return (
            "IHC 2+ recorded as " + str(row[against]) + " (status includes an ISH result not in the numbers)"
        )
    if (
        against == "her2_status_by_ihc"
        and score == "2+"
        and want == "equivocal"
        and got in ("positive", "negative")
    ):
        return "IHC 2+ (equivocal by IHC) resolved by the recorded ISH numbers"
    if against == "her2_fish_status" and score in ("3+", "0", "1+") and ratio is None:
        return f"IHC {score} decides; the recorded FISH status has no numbers"
    if got == "positive" and score == "3+" and want == "negative":
        return "IHC 3+ is positive whatever the ISH result (ASCO/CAP 2018 Figure 1)"
    if ratio is not None and want == "positive" and got == "negative":
        return "ISH group 2-4 rules of 2018 (or copy-number criteria) make it negative"
    if ratio is not None and want == "negative" and got == "positive":
        if row["ish_group"] == 3:
            return "2018 Figure 5: ISH group 3 (ratio < 2.0, >= 6 copies/cell) with IHC 2+ is positive"
        if against == "her2_status_by_ihc":
            return "ISH group 1 makes the case positive; her2_status_by_ihc records the IHC reading only"
        return "the 2018 ISH group is positive; the recorded FISH status is negative"
    return "other"


def crosstab(frame: pl.DataFrame, against: str) -> pl.DataFrame:
    """her2kit result (rows) × recorded status (columns, in STATUS order): the same layout on every run
    (a group-by's order is not fixed, and the pivot takes its columns from it)."""
    table = (
        frame.group_by("her2_result", against)
        .len()
        .pivot(on=against, index="her2_result", values="len")
        .fill_null(0)
        .sort("her2_result")
    )
    present = [status for status in STATUS if status in table.columns]
    return table.select("her2_result", *present)


def counts(column: pl.Series) -> dict[str, int]:
    """Value counts as a dict in a fixed order (most first, then by value)."""
    pairs = column.value_counts().iter_rows()
    return dict(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))


def markdown(frame: pl.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([head, rule, *body])


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not path.exists():
        print(f"TCGA table not found: {path}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        summary = screen(path, Path(tmp) / "tcga.parquet", mapping="tcga-brca")
        out = pl.read_parquet(Path(tmp) / "tcga.parquet")
    joined = out.join(recorded(path), on="id", how="left", validate="1:1")
    print(f"Rows: {summary.rows}; errors: {summary.errors}; by result: {summary.by_result}\n")
    for against in ("her2_status_by_ihc", "her2_fish_status"):
        both = joined.filter(pl.col(against).is_in(list(STATUS)))
        print(f"## her2kit result × recorded {against} ({both.height} patients with a recorded status)\n")
        print(markdown(crosstab(both, against)))
        decided = both.filter(pl.col("error").is_null())
        same = decided.filter(
            pl.col("her2_result") == pl.col(against).replace_strict(STATUS, default=None)
        ).height
        print(f"\nExact agreement: {same} of {both.height} ({100 * same / both.height:.1f}%).")
        comparable = decided.filter(
            pl.col("her2_result").is_in(["positive", "negative"])
            & pl.col(against).is_in(["Positive", "Negative"])
        )
        agree = comparable.filter(
            pl.col("her2_result") == pl.col(against).replace_strict(STATUS, default=None)
        ).height
        pct = 100 * agree / comparable.height if comparable.height else 0.0
        print(f"Both positive/negative: {agree} of {comparable.height} agree ({pct:.1f}%).\n")
        discordant = both.filter(
            pl.col("error").is_not_null()
            | (pl.col("her2_result") != pl.col(against).replace_strict(STATUS, default=None))
        )
        kinds = discordant.with_columns(
            pl.Series(
                "kind", [explain(r, against) for r in discordant.iter_rows(named=True)], dtype=pl.String
            )
        )
        table = (
            kinds.group_by("kind")
            .agg(
                pl.len().alias("patients"),
                pl.concat_str(pl.col("her2_result"), pl.lit("/"), pl.col(against))
                .unique()
                .sort()
                .str.join(", ")
                .alias("her2kit/recorded"),
                pl.col("id").sort().head(3).str.join(", ").alias("examples"),
            )
            .sort(["patients", "kind"], descending=[True, False])
        )
        print(f"### Discordances with {against}: {discordant.height}\n")
        print(markdown(table))
        print()
    print("## Guideline era\n")
    ratio = pl.col("her2_cent17_ratio").cast(pl.Float64, strict=False)
    band = joined.filter((ratio >= 2.0) & (ratio <= 2.2))
    print(
        f"Recorded ratio 2.0-2.2 (positive since 2013, equivocal or negative under the 2007 > 2.2 rule): "
        f"{band.height} patients; recorded FISH status: "
        f"{counts(band.get_column('her2_fish_status').fill_null('(none)'))}; "
        f"her2kit: {counts(band.get_column('her2_result').fill_null('(error)'))}."
    )
    methods = pl.concat_str(
        [
            pl.col(c).fill_null("")
            for c in ("her2_fish_method", "her2_positivity_method_text", "her2_and_cent17_scale_other")
        ],
        separator=" ",
    ).str.to_lowercase()
    older = joined.filter(methods.str.replace_all(" ", "").str.contains(">2.2") | methods.str.contains("2.1"))
    newer = joined.filter(methods.str.contains(r">=\s*2\.0|> = 2\.0|2010"))
    print(
        f"Method fields naming an older threshold (> 2.2 or >= 2.1): {older.height} patients; naming >= 2.0 or the "
        f"CAP 2010 scoring guideline: {newer.height}."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
