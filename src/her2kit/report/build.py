"""Build the clinical report (HTML) from an assessment, and write it as HTML or PDF.

The report is rendered by Jinja2 templates (``templates/*.html.j2``) with
autoescaping on: every string that comes from the case, the course or the
knowledge base is escaped, and only the plots (SVG made here) and the citation
links (made here from escaped text) are marked safe. Reference ids are numbered
in the order the report first cites them and resolved through
``kb.references`` into the numbered reference list at the end.

Nothing here reads the clock or the network: the same inputs give the same HTML
bytes, and PDF rendering refuses every URL fetch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup, escape

from her2kit.assessment import DISCLAIMER, Assessment, Option
from her2kit.case import Case, IhcTest, IshTest, NgsTest
from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Reference, Trial, TrialResult
from her2kit.match.rank import headline_result
from her2kit.render import sentence
from her2kit.report.plots import forest_plot_svg, hr_text, lvef_plot_svg
from her2kit.safety.course import Course
from her2kit.safety.monitor import MonitorResult
from her2kit.tnm import parse_stage

_REF_ID = re.compile(r"ref:[a-z0-9][a-z0-9._-]*")


# ------------------------------------------------------------------------------------------ citations
@dataclass
class Citations:
    """Reference ids numbered in order of first citation, resolved through the knowledge base."""

    kb: KnowledgeBase
    order: dict[str, int] = field(default_factory=dict)

    def number(self, ref_id: str) -> int:
        if ref_id not in self.order:
            self.order[ref_id] = len(self.order) + 1
        return self.order[ref_id]

    def _link(self, ref_id: str) -> Markup:
        n = self.number(ref_id)
        return Markup('<a class="cite" href="#ref-{0}" title="{1}">{0}</a>').format(n, ref_id)

    def cite(self, ref_ids: Iterable[str] | str | None) -> Markup:
        """``[1, 4]`` with each number linked to its entry; empty markup for no ids."""
        ids = [ref_ids] if isinstance(ref_ids, str) else list(dict.fromkeys(ref_ids or []))
        if not ids:
            return Markup("")
        numbers = sorted({self.number(i): i for i in ids}.items())
        links = Markup(", ").join(self._link(ref_id) for _, ref_id in numbers)
        return Markup('<span class="cites">[') + links + Markup("]</span>")

    def cite_text(self, text: str | None) -> Markup:
        """The text escaped, with every ``ref:...`` id of the knowledge base in it replaced by its numbered citation
        (an id quoted from the user's input, or one the knowledge base does not hold, is shown as written)."""
        if not text:
            return Markup("")
        out: list[Markup] = []
        last = 0
        for match in _REF_ID.finditer(text):
            ref_id = match.group(0)
            end = match.end()
            while ref_id not in self.kb.references and ref_id[-1] in "._-" and len(ref_id) > 5:
                ref_id = ref_id[:-1]
                end -= 1
            quoted = match.start() > 0 and text[match.start() - 1] in "'\""
            if ref_id not in self.kb.references or quoted:
                continue  # (text that only looks like an id, or quotes the user's own input: shown as written)
            out.append(escape(text[last : match.start()]))
            out.append(self.cite(ref_id))
            last = end
        out.append(escape(text[last:]))
        return Markup("").join(out)

    def entries(self) -> list[dict[str, Any]]:
        """The numbered reference list: every id cited so far, resolved (or flagged as missing)."""
        return [
            {"n": n, "id": ref_id, "ref": self.kb.references.get(ref_id)}
            for ref_id, n in sorted(self.order.items(), key=lambda item: item[1])
        ]


# ------------------------------------------------------------------------------------------ summaries
def _g(value: float | int | None, unit: str = "") -> str | None:
    if value is None:
        return None
    return f"{value:g}{unit}"


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def patient_rows(case: Case) -> list[tuple[str, str]]:
    p = case.patient
    rows: list[tuple[str, str | None]] = [
        ("Age", _g(p.age, " years")),
        ("Sex", p.sex),
        ("Weight", _g(p.weight_kg, " kg")),
        ("Height", _g(p.height_cm, " cm")),
        ("LVEF (latest)", _g(p.lvef_percent, "%")),
        ("Heart failure history", _yes_no(p.heart_failure_history)),
        ("Pregnant", _yes_no(p.pregnant)),
        ("ILD / pneumonitis history", _yes_no(p.ild_history)),
        ("Brain metastases", p.brain_metastases),
        ("Hepatic impairment", p.hepatic_impairment),
    ]
    return [(k, v if v is not None else "not recorded") for k, v in rows]


def tumour_rows(case: Case) -> list[tuple[str, str]]:
    t, b = case.tumor, case.biomarkers
    er = b.er + (f" ({b.er_percent:g}%)" if b.er_percent is not None else "") if b.er else None
    pr = b.pr + (f" ({b.pr_percent:g}%)" if b.pr_percent is not None else "") if b.pr else None
    rows: list[tuple[str, str | None]] = [
        ("Tumour type", t.type),
        ("Setting", t.setting),
        ("Treatment phase", t.treatment_phase),
        ("Stage", t.stage),
        (
            "T and N",
            None
            if t.stage and parse_stage(t.stage)
            else " ".join(str(c) for c in t.pre_treatment if c) or None,
        ),
        ("T and N after neoadjuvant therapy", " ".join(str(c) for c in t.post_neoadjuvant if c) or None),
        ("Histology", t.histology),
        ("ER", er),
        ("PR", pr),
        ("Hormone receptor", b.hormone_receptor),
        ("PD-L1 CPS", _g(b.pd_l1_cps)),
        ("RAS", b.ras),
        ("BRAF", b.braf),
    ]
    rows += [(name, value) for name, value in b.other.items()]
    return [(k, v) for k, v in rows if v is not None] or [("Tumour type", t.type)]


def describe_test(test: IhcTest | IshTest | NgsTest) -> str:
    if isinstance(test, IhcTest):
        pct = f", {test.percent_cells:g}% of cells" if test.percent_cells is not None else ""
        return f"IHC {test.score}{pct}"
    if isinstance(test, IshTest):
        parts = [f"{test.probe}-probe ISH"]
        for label, value in (
            ("HER2/CEP17 ratio", test.ratio),
            ("HER2 copies/cell", test.her2_copies),
            ("CEP17 copies/cell", test.cep17_copies),
            ("cells counted", test.cells_counted),
        ):
            if value is not None:
                parts.append(f"{label} {value:g}")
        if test.result:
            parts.append(f"reported {test.result}")
        if test.recounted:
            parts.append("after recount")
        return "; ".join(parts)
    amp = {True: "ERBB2 amplified", False: "ERBB2 not amplified", None: "amplification not reported"}[
        test.erbb2_amplified
    ]
    if test.copy_number is not None:
        amp += f" (copy number {test.copy_number:g})"
    muts = ", ".join(test.erbb2_mutations) or "no ERBB2 mutation listed"
    return f"NGS: {amp}; {muts}"


def test_rows(case: Case) -> list[dict[str, str]]:
    rows = []
    for i, test in enumerate(case.her2_tests):
        specimen = " ".join(
            x
            for x in (
                getattr(test, "specimen", None),
                test.specimen_site,
                f"block {test.specimen_id}" if test.specimen_id else None,
            )
            if x
        )
        rows.append(
            {
                "index": str(i),
                "result": describe_test(test),
                "specimen": specimen or "—",
                "assay": test.assay or "—",
                "date": test.date.isoformat() if test.date else "—",
                "source": test.source or "—",
            }
        )
    return rows


def therapy_rows(case: Case) -> list[dict[str, str]]:
    return [
        {
            "agents": ", ".join(t.agents),
            "setting": t.setting + (f", line {t.line}" if t.line else ""),
            "outcome": t.outcome or "—",
            "dates": " – ".join(d.isoformat() for d in (t.start, t.end) if d) or "—",
        }
        for t in case.history.therapies
    ]


def format_inputs(inputs: dict[str, Any]) -> str:
    parts = []
    for key, value in inputs.items():
        shown = f"{value:g}" if isinstance(value, float) else ("—" if value is None else str(value))
        parts.append(f"{key} = {shown}")
    return "; ".join(parts) or "—"


# ------------------------------------------------------------------------------------------ evidence
@dataclass(frozen=True)
class ForestRow:
    trial: Trial
    result: TrialResult
    ranks: tuple[int, ...]


def forest_rows(options: list[Option], kb: KnowledgeBase) -> list[ForestRow]:
    """One row per pivotal trial behind the options that reports a primary hazard ratio, in rank order."""
    found: dict[str, tuple[Trial, TrialResult, list[int]]] = {}
    for option in options:
        for trial_id in option.evidence.trials:
            trial = kb.trials.get(trial_id)
            if trial is None:
                continue
            if trial_id in found:
                found[trial_id][2].append(option.rank)
                continue
            result = headline_result(trial)
            if result is not None:
                found[trial_id] = (trial, result, [option.rank])
    return [ForestRow(t, r, tuple(dict.fromkeys(ranks))) for t, r, ranks in found.values()]


def option_rows(options: list[Option], kb: KnowledgeBase) -> list[dict[str, Any]]:
    rows = []
    for option in options:
        indication = kb.indications.get(option.id)
        trials = [kb.trials[t] for t in option.evidence.trials if t in kb.trials]
        rows.append(
            {
                "option": option,
                "where": option.setting + (f" · {option.line}" if option.line else ""),
                "trials": trials,
                "unverified": bool(indication and indication.unverified) or any(t.unverified for t in trials),
                "approval": indication.approval_type if indication else None,
                "region": indication.region if indication else None,
            }
        )
    return rows


# ------------------------------------------------------------------------------------------ course
def course_events(course: Course) -> list[tuple[str, str, str]]:
    """The course as one dated list: doses, LVEF readings, adverse events, laboratory values."""
    events: list[tuple[str, int, str, str]] = []
    for d in course.doses:
        events.append((d.date.isoformat(), 0, "dose", f"{d.mg:g} mg"))
    for r in course.lvef:
        events.append(
            (r.date.isoformat(), 1, "LVEF", f"{r.percent:g}%" + (" (baseline)" if r.baseline else ""))
        )
    for ae in course.adverse_events:
        resolved = f", resolved {ae.resolved.isoformat()}" if ae.resolved else ", not resolved"
        events.append((ae.onset.isoformat(), 2, "adverse event", f"{ae.term} grade {ae.grade}{resolved}"))
    for lab in course.labs:
        uln = f" (ULN {lab.uln:g})" if getattr(lab, "uln", None) is not None else ""
        events.append((lab.date.isoformat(), 3, "laboratory", f"{lab.test} {lab.value:g} {lab.unit}{uln}"))
    return [(date, kind, text) for date, _, kind, text in sorted(events)]


# ------------------------------------------------------------------------------------------ rendering
# C0 control characters other than tab, line feed and carriage return, and DEL: not allowed in HTML text.
_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: Any) -> Any:
    """Text from the case or the course without control characters (markup the report built itself is kept)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _CONTROLS.sub("", value)
    return value


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("her2kit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_printable,
    )
    env.filters["g"] = lambda v, unit="": "—" if v is None else f"{v:g}{unit}"
    env.filters["sentence"] = sentence
    env.globals["reference_parts"] = reference_parts
    return env


def _version() -> str:
    from her2kit import __version__

    return str(__version__)


def _check_course_tumour(course: Course, case: Case) -> None:
    """A course written for another tumour follows another label's dosing (T-DXd: 5.4 mg/kg breast, 6.4 mg/kg
    gastric): refused, not shown beside this case."""
    if course.indication is None:
        return
    from her2kit.vocab import GASTROESOPHAGEAL, normalise_tumor_type

    try:
        given = normalise_tumor_type(course.indication, "course.indication")
    except InvalidInput:
        return  # (a context the monitor reads itself, e.g. a setting word)
    tumour = case.tumor.type
    if given == tumour or (given in GASTROESOPHAGEAL and tumour in GASTROESOPHAGEAL):
        return
    raise InvalidInput(
        "course.indication",
        course.indication,
        f"the case's tumour ({tumour}): a course for another tumour follows another label's dosing",
    )


def build_report(
    assessment: Assessment,
    case: Case,
    kb: KnowledgeBase,
    *,
    course: Course | None = None,
    monitor_result: MonitorResult | None = None,
) -> str:
    """The full clinical report as one self-contained HTML document (inline CSS and SVG).

    With a ``course``, the monitoring section is added; ``monitor_result`` is
    computed from the course when not given. A ``monitor_result`` without a
    course is shown without the LVEF plot.
    """
    if course is not None:
        _check_course_tumour(course, case)
    if course is not None and monitor_result is None:
        from her2kit.safety.monitor import monitor

        monitor_result = monitor(course, kb)
    citations = Citations(kb)
    rows = forest_rows(assessment.options, kb)
    forest_svg = Markup(forest_plot_svg([(row.trial.name, row.result) for row in rows])) if rows else None
    lvef_svg = (
        Markup(lvef_plot_svg(course, monitor_result, kb))
        if course is not None and monitor_result is not None
        else None
    )
    context: dict[str, Any] = {
        "a": assessment,
        "case": case,
        "kb": kb,
        "course": course,
        "mon": monitor_result,
        "version": _version(),
        "disclaimer": DISCLAIMER,
        "patient_rows": patient_rows(case),
        "tumour_rows": tumour_rows(case),
        "tests": test_rows(case),
        "therapies": therapy_rows(case),
        "format_inputs": format_inputs,
        "options": option_rows(assessment.options, kb),
        "forest": rows,
        "forest_svg": forest_svg,
        "hr_text": hr_text,
        "lvef_svg": lvef_svg,
        "course_events": course_events(course) if course is not None else [],
        "cite": citations.cite,
        "cite_text": citations.cite_text,
        "references": citations.entries,
        "escat_reference": "ref:pmid-30137196",
    }
    return _environment().get_template("report.html.j2").render(context)


def reference_parts(ref: Reference) -> list[str]:
    """Where to find a reference: PMID, DOI, URL, label revision date, access date."""
    parts = []
    if ref.pmid:
        parts.append(f"PMID {ref.pmid}")
    if ref.doi:
        parts.append(f"doi:{ref.doi}")
    if ref.url:
        parts.append(ref.url)
    if ref.revision_date:
        parts.append(("label revised " if ref.kind == "label" else "dated ") + ref.revision_date.isoformat())
    return parts


# ------------------------------------------------------------------------------------------ writing
def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint URL fetcher: the report is self-contained, so every fetch but ``data:`` is refused."""
    if url.startswith("data:"):
        from weasyprint import default_url_fetcher  # type: ignore[import-untyped]

        result: dict[str, Any] = default_url_fetcher(url, *args, **kwargs)
        return result
    raise ValueError(f"the report is self-contained; refusing to fetch {url[:60]!r}")


def write_report(html: str, path: str | Path) -> Path:
    """Write the report: ``.html`` as it is, ``.pdf`` rendered by WeasyPrint (no network access)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".html":
        target.write_text(html, encoding="utf-8")
        return target
    if suffix == ".pdf":
        from weasyprint import HTML

        HTML(string=html, url_fetcher=_no_fetch).write_pdf(target)
        return target
    raise InvalidInput(field="output", value=Path(path), allowed=".html or .pdf")


__all__ = ["build_report", "write_report"]
