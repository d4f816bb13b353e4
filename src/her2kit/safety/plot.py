"""The LVEF trajectory against the label's thresholds, with doses and holds on a timeline.

Output is SVG or PNG by file extension; SVG output is deterministic (fixed hash
salt, no date metadata) so the same course gives the same file.
"""

from __future__ import annotations

from pathlib import Path

from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase, default_kb
from her2kit.safety.course import Course
from her2kit.safety.monitor import MonitorResult, cardiac_rules_for


def plot_course(
    course: Course, result: MonitorResult, path: str | Path, kb: KnowledgeBase | None = None
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kb = kb or default_kb()
    target = Path(path)
    if target.suffix.lower() not in (".svg", ".png"):
        raise InvalidInput("--plot", Path(path), "a file name ending in .svg or .png")
    matplotlib.rcParams["svg.hashsalt"] = "her2kit"
    fig, (ax, timeline) = plt.subplots(
        2, 1, figsize=(9, 5.5), sharex=True, gridspec_kw={"height_ratios": [4, 1]}, constrained_layout=True
    )
    readings = sorted(course.lvef, key=lambda r: r.date)
    baseline = course.baseline_lvef
    if readings:
        ax.plot(
            [r.date for r in readings],
            [r.percent for r in readings],
            marker="o",
            color="#1f4e79",
            linewidth=2,
            label="LVEF (%)",
        )
        for r in readings:
            ax.annotate(
                f"{r.percent:g}",
                (r.date, r.percent),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
            )
    tables, _notes = cardiac_rules_for(kb, kb.agent(course.agent).id, course.region, course.setting)
    rules = tables[0] if len(tables) == 1 else None
    drawn: set[float] = set()
    if rules is not None:
        for band in rules.bands:
            for measure, _, value in band.bounds():
                if measure == "lvef" and value not in drawn:
                    drawn.add(value)
                    ax.axhline(value, color="#b22222", linestyle="--", linewidth=1)
                    ax.text(
                        1.0,
                        value,
                        f" {round(value):g}%",
                        transform=ax.get_yaxis_transform(),
                        va="center",
                        fontsize=8,
                        color="#b22222",
                    )
    if course.lvef_lower_limit_normal is not None:
        ax.axhline(
            course.lvef_lower_limit_normal,
            color="#e08000",
            linestyle=":",
            linewidth=1.2,
            label=f"institutional LLN {course.lvef_lower_limit_normal:g}%",
        )
    if baseline is not None and rules is not None:
        declines = sorted(
            {round(v) for b in rules.bands for measure, _, v in b.bounds() if measure == "decline" and v}
        )
        styles = [(0, (4, 2)), (0, (1, 2)), (0, (6, 2, 1, 2))]
        for points, style in zip(declines, styles, strict=False):
            level = baseline.percent - points
            ax.axhline(
                level,
                color="#555555",
                linestyle=style,
                linewidth=0.9,
                label=f"baseline − {points} points ({level:g}%)",
            )
    ax.set_ylabel("LVEF (%)")
    ax.set_ylim(20, 80)
    ax.set_title(f"{result.agent}: LVEF and label thresholds — today: {result.action.upper()}", fontsize=11)
    ax.grid(axis="y", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:  # a course without LVEF readings or thresholds has nothing to list
        ax.legend(loc="lower left", fontsize=8)
    doses = sorted(course.doses, key=lambda d: d.date)
    timeline.scatter(
        [d.date for d in doses], [1] * len(doses), marker="v", color="#2e7d32", label="dose given"
    )
    for event in course.adverse_events:
        end = event.resolved or course.today
        timeline.plot([event.onset, end], [0.4, 0.4], color="#b22222", linewidth=4, solid_capstyle="butt")
        timeline.text(event.onset, 0.65, f"{event.term} G{event.grade}", fontsize=7, color="#b22222")
    timeline.axvline(course.today, color="#000000", linewidth=1)
    if result.next_dose is not None:
        timeline.scatter(
            [result.next_dose.date],
            [1],
            marker="v",
            facecolors="none",
            edgecolors="#2e7d32",
            label=f"next dose ({result.next_dose.kind}, {result.next_dose.mg:g} mg)",
        )
    for index, period in enumerate(result.lvef_hold_periods):
        end = period.end or course.today
        timeline.axvspan(
            period.start, end, color="#b22222", alpha=0.2, label="LVEF hold" if index == 0 else None
        )
        if period.end is None and result.next_lvef_due is not None and result.next_lvef_due > course.today:
            timeline.axvspan(course.today, result.next_lvef_due, color="#b22222", alpha=0.07)
    timeline.text(course.today, 0.1, f" today: {result.action.upper()}", fontsize=8, fontweight="bold")
    if result.next_lvef_due is not None:
        timeline.scatter([result.next_lvef_due], [1.5], marker="s", color="#1f4e79", label="next LVEF due")
    timeline.set_yticks([])
    timeline.set_ylim(0, 2)
    if timeline.get_legend_handles_labels()[0]:
        timeline.legend(loc="upper left", fontsize=7, ncol=4)
    fig.autofmt_xdate()
    metadata = {"Date": None} if target.suffix.lower() == ".svg" else None
    fig.savefig(target, format=target.suffix.lower().lstrip("."), metadata=metadata)
    plt.close(fig)
    return target
