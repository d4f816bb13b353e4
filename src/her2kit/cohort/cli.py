"""Terminal output for cohort screening: ``render_summary`` (the lead wires it into ``her2kit``).

``python -m her2kit.cohort.cli INPUT OUTPUT [--engine polars|spark] [--mapping NAME|PATH] [--progress]``
runs a screening without the main CLI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from her2kit.cohort.summary import CohortSummary
from her2kit.errors import Her2kitError


def _pct(count: int, total: int) -> str:
    return f"{100 * count / total:5.1f}%" if total else "    -"


def _block(title: str, counts: dict[str, int], total: int) -> list[str]:
    lines = [title]
    width = max((len(k) for k in counts), default=0)
    for key, count in counts.items():
        lines.append(f"  {key:<{width}}  {count:>12,}  {_pct(count, total)}")
    if not counts:
        lines.append("  (none)")
    return lines


# The file's other columns shown at most (the JSON summary lists them all).
SHOWN_IGNORED = 12


def _columns(summary: CohortSummary) -> list[str]:
    """Which standard columns were read from which of the file's columns, which were not present, and notes."""
    read = [
        name if source == name else f"{name} ← {source!r}" for name, source in summary.columns_read.items()
    ]
    read += [f"{name} = {value!r} (mapping constant)" for name, value in summary.columns_constant.items()]
    lines = ["Columns", "  read: " + (", ".join(read) or "(none)")]
    if summary.columns_absent:
        lines.append("  not in the file: " + ", ".join(summary.columns_absent))
    if summary.columns_ignored:
        shown = [repr(n) if n != n.strip() else n for n in summary.columns_ignored[:SHOWN_IGNORED]]
        more = len(summary.columns_ignored) - len(shown)
        label = "not read (not mapped)" if summary.mapping else "not read (not standard columns)"
        lines.append(f"  {label}: " + ", ".join(shown) + (f" and {more} more" if more > 0 else ""))
    lines += [f"  note: {note}" for note in summary.column_notes]
    return lines


def render_summary(summary: CohortSummary) -> str:
    """Counts by result and category, errors by field, the eligibility funnel and the top indications."""
    rows = summary.rows
    valid = summary.valid
    head = f"her2kit cohort screen — {rows:,} rows ({summary.engine} engine"
    if summary.mapping:
        head += f", mapping {summary.mapping}"
    head += ")"
    if summary.seconds:
        head += f" in {summary.seconds:.1f} s ({summary.rows_per_second:,.0f} rows/s)"
    lines = [head]
    if summary.input_path or summary.output_path:
        lines.append(f"  {summary.input_path} → {summary.output_path}")
    lines.append("")
    lines += _columns(summary)
    lines.append("")
    lines += _block("HER2 result (valid rows)", summary.by_result, valid)
    lines.append("")
    lines += _block("HER2 category (valid rows)", summary.by_category, valid)
    if any(k != "none" for k in summary.by_ish_group):
        lines.append("")
        lines += _block("ISH group (breast)", summary.by_ish_group, valid)
    lines.append("")
    lines += _block(
        "Rows with an error (kept in the output, reason in `error`)", summary.errors_by_field, rows
    )
    lines.append("")
    lines.append("Eligibility funnel (biomarker-level; history criteria such as prior lines are not checked)")
    width = max((len(stage) for stage, _ in summary.funnel), default=0)
    for stage, count in summary.funnel:
        lines.append(f"  {stage:<{width}}  {count:>12,}  {_pct(count, rows)}")
    missing = {
        "setting not given: no indication can be met": summary.setting_not_given,
        "HR status unknown (ER/PR missing): HR-positive indications not met": summary.hr_not_given,
    }
    if any(missing.values()):
        lines.append("")
        lines += _block("Valid rows lacking data for eligibility (see `reasons`)", missing, valid)
    if summary.by_indication:
        lines.append("")
        top = dict(list(summary.by_indication.items())[:10])
        title = "Indications met (top 10 of " + str(len(summary.by_indication)) + ")"
        lines += _block(title, top, rows)
    return "\n".join(lines)


def summary_json(summary: CohortSummary) -> str:
    """The summary as canonical JSON, with the versions that produced it and without the run time.

    Everything in it depends only on the input and the versions, so the same run gives the same bytes.
    """
    import her2kit
    from her2kit.kb import default_kb
    from her2kit.render import to_json

    data = summary.to_dict()
    data.pop("seconds")
    return to_json({"her2kit_version": her2kit.__version__, "kb_version": default_kb().version, **data})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m her2kit.cohort.cli", description="Screen a registry file."
    )
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--engine", choices=["polars", "spark"], default="polars")
    parser.add_argument("--mapping", default=None, help="bundled mapping name (tcga-brca) or a YAML path")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes reading report_text (default: cores, at most 8)"
    )
    parser.add_argument(
        "--encoding", default=None, help="text encoding of a file that is not UTF-8 (latin-1, ...)"
    )
    args = parser.parse_args(argv)
    from her2kit.cohort import screen

    try:
        summary = screen(
            args.input,
            args.output,
            engine=args.engine,
            mapping=args.mapping,
            progress=args.progress,
            workers=args.workers,
            encoding=args.encoding,
        )
    except Her2kitError as exc:
        print(f"her2kit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(render_summary(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
