"""Plots for the report, as SVG text ready to inline in HTML.

Every plot is deterministic: a fixed ``svg.hashsalt`` (distinct per plot, so that
two plots inlined in one page never share an element id), no ``Date`` metadata,
and text kept as SVG ``<text>`` (``svg.fonttype = "none"``) so that it stays
searchable and selectable in the HTML and the PDF. Matplotlib settings are
applied inside :func:`matplotlib.rc_context`, so the caller's settings are left
as they were.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any

from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import TrialResult
from her2kit.safety.course import Course
from her2kit.safety.monitor import MonitorResult

FONT = "DejaVu Sans"
_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 8,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
}
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_ROW_INCHES = 0.34
_WIDTH_INCHES = 7.0


def _rc(salt: str) -> Any:
    """The report's matplotlib settings with this plot's hash salt (typed loosely for rc_context)."""
    return {**_RC, "svg.hashsalt": salt}


def _inline(svg: str) -> str:
    """Matplotlib's SVG file without its XML prolog and DOCTYPE, ready to inline in HTML."""
    return _PROLOG.sub("", svg, count=1).strip() + "\n"


def _save(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return _inline(buffer.getvalue())


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def row_label(name: str, result: TrialResult) -> str:
    """The label of one forest-plot row: trial name, end point (and its assessment), analysis."""
    endpoint = result.endpoint + (f" ({result.assessment})" if result.assessment else "")
    return f"{name} · {endpoint} · {result.analysis} analysis"


def hr_text(result: TrialResult) -> str:
    """``HR 0.62 (0.52–0.75)``, or without the interval when none is recorded."""
    if result.hazard_ratio is None:
        return "HR not reported"
    ci = f" ({result.ci95[0]:g}–{result.ci95[1]:g})" if result.ci95 else " (95% CI not reported)"
    return f"HR {result.hazard_ratio:g}{ci}"


def forest_plot_svg(trials: list[tuple[str, TrialResult]]) -> str:
    """A forest plot of hazard ratios with their 95% CIs, one row per (trial name, result), in order.

    The x axis is logarithmic with a reference line at HR = 1. Results without a
    hazard ratio are skipped. Returns inline SVG (no XML prolog).
    """
    plt = _pyplot()
    import matplotlib

    rows = [(name, r) for name, r in trials if r.hazard_ratio is not None]
    with matplotlib.rc_context(_rc("her2kit-forest")):
        height = 1.15 + _ROW_INCHES * max(len(rows), 1)
        fig, ax = plt.subplots(figsize=(_WIDTH_INCHES, height))
        if not rows:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "No hazard ratio to plot", ha="center", va="center", transform=ax.transAxes)
            return str(_save(fig))
        bounds: list[float] = [1.0]
        for i, (_, result) in enumerate(rows):
            hr = float(result.hazard_ratio or 1.0)
            y = len(rows) - 1 - i
            if result.ci95:
                lo, hi = result.ci95
                bounds += [lo, hi]
                ax.plot([lo, hi], [y, y], color="#1f3a5f", linewidth=1.4, solid_capstyle="butt")
                ax.plot([lo, lo], [y - 0.12, y + 0.12], color="#1f3a5f", linewidth=1.0)
                ax.plot([hi, hi], [y - 0.12, y + 0.12], color="#1f3a5f", linewidth=1.0)
            bounds.append(hr)
            ax.plot([hr], [y], marker="s", markersize=6.5, color="#1f3a5f", linestyle="none")
        lo_x = min(bounds) / 1.35
        hi_x = max(bounds) * 1.35
        ax.set_xscale("log")
        ax.set_xlim(lo_x, hi_x)
        ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0) if lo_x <= t <= hi_x]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.axvline(1.0, color="#8b0000", linewidth=0.9, linestyle="--")
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([row_label(name, r) for name, r in reversed(rows)])
        ax.tick_params(axis="y", length=0)
        right = ax.secondary_yaxis("right")
        right.set_yticks(range(len(rows)))
        right.set_yticklabels([hr_text(r) for _, r in reversed(rows)])
        right.tick_params(axis="y", length=0)
        right.spines["right"].set_visible(False)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel(
            "Hazard ratio (95% CI), log scale   ← favours the HER2-directed arm · favours control →"
        )
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout()
        return str(_save(fig))


def lvef_plot_svg(course: Course, result: MonitorResult, kb: KnowledgeBase) -> str:
    """The LVEF trajectory of :func:`her2kit.safety.plot.plot_course`, as inline SVG."""
    import matplotlib

    from her2kit.safety.plot import plot_course

    _pyplot()
    with (
        matplotlib.rc_context(_rc("her2kit-lvef")),
        tempfile.TemporaryDirectory() as tmp,
    ):
        target = Path(tmp) / "lvef.svg"
        plot_course(course, result, target, kb)
        svg = target.read_text(encoding="utf-8")
    # plot_course fixes the salt itself; give this plot's ids their own prefix so they never
    # collide with the forest plot's in one HTML page.
    svg = re.sub(r'\bid="([^"]+)"', r'id="lvef-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", r"url(#lvef-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', r'href="#lvef-\1"', svg)
    return _inline(svg)
