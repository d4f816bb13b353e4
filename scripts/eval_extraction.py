"""Evaluate HER2 report extraction on real TCGA reports.

Two comparisons, printed as tables:

1. precision and recall per field against hand labels (``tests/extract/data/tcga_labels.tsv``:
   what each report's text states, read by a person);
2. agreement with the TCGA registry fields (``clin_her2_*``) of the same patients. The registry
   is not the text: it was abstracted from the full record, so it holds results the OCR'd
   report does not contain, and it has known noise.

Usage: ``python scripts/eval_extraction.py [--reports PATH] [--labels PATH]`` (``make eval``).
Data: ``../shared/data/tcga-brca/reports_dev.tsv`` (TCGA-Reports, Kefeli & Tatonetti, via
tatonetti-lab/tnm-stage-classifier, MIT; clinical fields from the GDC BCR BRCA table).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from her2kit.extract import ExtractedIhc, ExtractedIsh, ExtractionResult, extract_report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPORTS = ROOT.parent / "shared" / "data" / "tcga-brca" / "reports_dev.tsv"
DEFAULT_LABELS = ROOT / "tests" / "extract" / "data" / "tcga_labels.tsv"
SET_FIELDS = ("ihc_score", "ish_result", "ish_ratio")
SCALAR_FIELDS = ("stated_status", "er", "pr")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def read_tsv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _ratio(value: float) -> str:
    return f"{value:.2f}"


def predicted(result: ExtractionResult) -> dict[str, set[str]]:
    ihc = {t.score for t in result.her2_tests if isinstance(t, ExtractedIhc)}
    ish = [t for t in result.her2_tests if isinstance(t, ExtractedIsh)]
    return {
        "ihc_score": ihc,
        "ish_result": {t.result for t in ish if t.result},
        "ish_ratio": {_ratio(t.ratio) for t in ish if t.ratio is not None},
        "stated_status": {result.stated_status} if result.stated_status else set(),
        "pending": {"true"} if result.pending else set(),
        "er": {result.er} if result.er else set(),
        "pr": {result.pr} if result.pr else set(),
    }


def gold(label: dict[str, str]) -> dict[str, set[str]]:
    def items(field: str) -> set[str]:
        raw = [v.strip() for v in label[field].split(";") if v.strip()]
        return {_ratio(float(v)) for v in raw} if field == "ish_ratio" else set(raw)

    out = {f: items(f) for f in (*SET_FIELDS, *SCALAR_FIELDS)}
    out["pending"] = {"true"} if label["pending"].strip().lower() == "true" else set()
    return out


def score_labels(reports: dict[str, ExtractionResult], labels: list[dict[str, str]]) -> dict[str, Counts]:
    counts = {f: Counts() for f in (*SET_FIELDS, "stated_status", "pending", "er", "pr")}
    for label in labels:
        result = reports.get(label["patient_barcode"])
        if result is None:
            continue
        pred, true = predicted(result), gold(label)
        for field, c in counts.items():
            c.tp += len(pred[field] & true[field])
            c.fp += len(pred[field] - true[field])
            c.fn += len(true[field] - pred[field])
    return counts


def registry_agreement(
    rows: Iterable[dict[str, str]], reports: dict[str, ExtractionResult]
) -> list[tuple[str, int, int, int, int]]:
    """(field, registry has a value, extraction has a value, both, agree) per registry field."""
    stats = {
        k: [0, 0, 0, 0]
        for k in (
            "clin_her2_ihc_score",
            "clin_her2_status_by_ihc",
            "clin_her2_fish_status",
            "clin_her2_cent17_ratio",
        )
    }
    for row in rows:
        if row.get("cancer_type") != "BRCA":
            continue
        res = reports[row["patient_barcode"]]
        pred = predicted(res)
        reg_score = (
            row["clin_her2_ihc_score"] if row["clin_her2_ihc_score"] in ("0", "1+", "2+", "3+") else None
        )
        reg_status = {"Positive": "positive", "Negative": "negative", "Equivocal": "equivocal"}.get(
            row["clin_her2_status_by_ihc"]
        )
        reg_fish = {"Positive": "amplified", "Negative": "not-amplified"}.get(row["clin_her2_fish_status"])
        try:
            reg_ratio: str | None = _ratio(float(row["clin_her2_cent17_ratio"]))
        except ValueError:
            reg_ratio = None
        for key, reg, got in (
            ("clin_her2_ihc_score", reg_score, pred["ihc_score"]),
            ("clin_her2_status_by_ihc", reg_status, pred["stated_status"]),
            ("clin_her2_fish_status", reg_fish, pred["ish_result"]),
            ("clin_her2_cent17_ratio", reg_ratio, pred["ish_ratio"]),
        ):
            s = stats[key]
            s[0] += reg is not None
            s[1] += bool(got)
            if reg is not None and got:
                s[2] += 1
                s[3] += reg in got
    return [(k, *v) for k, v in stats.items()]  # type: ignore[misc]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    args = parser.parse_args(argv)
    if not args.reports.exists():
        print(f"eval_extraction: {args.reports} not found; nothing to evaluate (the shared data is optional)")
        return 0
    rows = read_tsv(args.reports)
    reports = {row["patient_barcode"]: extract_report(row["text"]) for row in rows}
    labels = read_tsv(args.labels)
    n_brca = sum(row.get("cancer_type") == "BRCA" for row in rows)

    print(
        f"HER2 extraction on {len(rows)} TCGA reports ({n_brca} BRCA); {len(labels)} hand-labelled BRCA reports\n"
    )
    print("1. Against hand labels (what the text states)")
    print(f"{'field':<15}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}")
    for field, c in score_labels(reports, labels).items():
        print(f"{field:<15}{c.tp:>5}{c.fp:>5}{c.fn:>5}{_pct(c.precision):>11}{_pct(c.recall):>8}")
    print("\n2. Against the TCGA registry (BRCA; registry abstracted from the full record)")
    print(f"{'registry field':<26}{'registry':>9}{'extracted':>10}{'both':>6}{'agree':>7}{'agreement':>11}")
    for key, reg, got, both, agree in registry_agreement(rows, reports):
        print(f"{key:<26}{reg:>9}{got:>10}{both:>6}{agree:>7}{_pct(agree / both if both else None):>11}")
    print("\nagreement = registry value among the extracted values, over reports where both have one.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
