"""The web application: the ``/v1`` REST API and the server-rendered pages, in one process.

Pages are Jinja2 templates with autoescaping on (pathology text and case fields
are always escaped), no JavaScript build step, and accessible markup: labelled
fields, landmarks, a skip link, visible focus and high contrast.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from her2kit import __version__
from her2kit.case import parse_case
from her2kit.errors import MISSING, WITHHELD, Her2kitError, InvalidInput, NotFound, Placeholder
from her2kit.extract import extract_report
from her2kit.extract.context import QUOTED_SOURCE
from her2kit.extract.model import ExtractionResult
from her2kit.kb import default_kb
from her2kit.kb.load import SECTIONS
from her2kit.match import assess
from her2kit.render import card, cite
from her2kit.web.api import MAX_REPORT_CHARS, install_api
from her2kit.web.apidocs import install_api_docs
from her2kit.web.forms import IHC_CHOICES, TUMOR_CHOICES, case_document
from her2kit.web.search import search, title_of
from her2kit.web.settings import Settings

EXPLORER_SECTIONS = ("agents", "indications", "trials", "topics")
_TEMPLATES = Environment(
    loader=FileSystemLoader(str(resources.files("her2kit.web") / "templates")),
    autoescape=select_autoescape(["html", "j2", "html.j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    kb = default_kb()
    html = _TEMPLATES.get_template(name).render(version=__version__, kb_version=kb.version, **context)
    return HTMLResponse(html, status_code=status)


def _references(ids: list[str]) -> list[dict[str, str]]:
    kb = default_kb()
    out = []
    for ref_id in dict.fromkeys(ids):
        ref = kb.references.get(ref_id)
        out.append({"id": ref_id, "text": cite(ref) if ref else "(not in the knowledge base)"})
    return out


def _error_page(status: int, title: str, message: str) -> HTMLResponse:
    """The page a browser gets for an error outside a form (a wrong method, an unknown page, a body too large)."""
    return _page("error.html.j2", status=status, title=title, message=message)


_NOT_UTF8 = "UTF-8 text (the form sent bytes that are not UTF-8)"


def _utf8_form(form: dict[str, str]) -> None:
    """A form field sent with bytes that are not UTF-8 arrives with U+FFFD in their place (the multipart reader
    replaces them): refused naming the field, never read with the replacement."""
    for name, value in form.items():
        if "\ufffd" in value:
            raise InvalidInput(name, WITHHELD, _NOT_UTF8)


def _form_part(raw: bytes, field: str) -> str:
    """One name or value of a urlencoded body: "+" is a space, %XX a byte, and the bytes must be UTF-8 (a browser
    percent-encodes UTF-8; a raw byte that is not UTF-8 was read as Latin-1 mojibake by the generic reader)."""
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(field, WITHHELD, _NOT_UTF8) from None


async def _read_form(request: Request) -> dict[str, str]:
    """The submitted form's text fields (the last of a name given twice). A urlencoded body is decoded here, as UTF-8
    whether percent-encoded or raw; a multipart one by Starlette. A file sent in a field is refused naming it."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        form: dict[str, str] = {}
        for pair in (await request.body()).split(b"&"):
            if pair:
                raw_name, _, raw_value = pair.partition(b"=")
                name = _form_part(raw_name, "(a field name)")
                form[name] = _form_part(raw_value, name)
        return form
    fields = await request.form()
    form = {}
    sent_file = None
    for name, value in fields.multi_items():
        if isinstance(value, str):
            form[name] = value
        else:
            await value.close()
            sent_file = sent_file or name
    if sent_file is not None:
        raise InvalidInput(
            sent_file,
            Placeholder("(a file)"),
            "text typed or pasted into the field",
            hint="a file was sent, not text",
        )
    _utf8_form(form)
    return form


@cache
def _form_labels() -> dict[str, str]:
    """Each case-form field's label, as the form shows it (read from the page itself)."""
    page = _TEMPLATES.get_template("index.html.j2").render(
        version="", kb_version="", form={}, tumors=TUMOR_CHOICES, ihc=IHC_CHOICES
    )
    labels = {
        name: html.unescape(text).strip()
        for name, text in re.findall(r'<label for="(\w+)"[^>]*>(.*?)</label>', page)
    }
    labels["report_text"] = "Pathology report"
    return labels


_TEST_FIELDS = {
    "ihc": {"score": "ihc_score", "percent_cells": "ihc_percent", "specimen": "specimen"},
    "ish": {
        "probe": "ish_probe",
        "ratio": "ish_ratio",
        "her2_copies": "ish_her2_copies",
        "cep17_copies": "ish_cep17_copies",
        "specimen": "specimen",
    },
    "ngs": {"erbb2_mutations": "ngs_mutation", "erbb2_amplified": "ngs_amplified"},
}
_TEST_WHOLE = {
    "ihc": "ihc_score",
    "ish": "ish_ratio",
    "ngs": "ngs_mutation",
}


def _form_field(path: str, form: dict[str, str], doc: dict[str, Any] | None, typed_tests: int) -> str | None:
    """The form field behind a case-document path ("her2_tests.0.probe" → "ish_probe"), or None."""
    parts = path.split(".")
    head = parts[0]
    if path == "id":
        return "case_id"
    if head == "patient" and len(parts) > 1:
        return parts[1]
    if head == "biomarkers" and len(parts) > 1:
        return parts[1]
    if head == "tumor" and len(parts) > 1:
        return "tumor_type" if parts[1] == "type" else parts[1]
    if head == "medications":
        return "medications"
    if path == "history.endocrine_therapy_progressed":
        return "endocrine_progressed"
    if head == "history" and len(parts) > 3 and parts[1] == "therapies" and parts[2].isdigit():
        slots = [k for k in range(1, 4) if form.get(f"therapy{k}_agents", "").strip()]
        index = int(parts[2])
        key = {"agents": "agents", "setting": "setting", "line": "setting", "outcome": "outcome"}.get(
            parts[3]
        )
        return f"therapy{slots[index]}_{key}" if index < len(slots) and key else None
    if head == "her2_tests" and len(parts) > 1 and parts[1].isdigit() and doc is not None:
        index = int(parts[1])
        if index >= typed_tests:
            return "report_text"
        method = str(doc["her2_tests"][index].get("method", ""))
        if len(parts) == 2:
            return _TEST_WHOLE.get(method)
        return _TEST_FIELDS.get(method, {}).get(parts[2])
    return path if path in _form_labels() else None


def _form_error(exc: Her2kitError, form: dict[str, str], doc: dict[str, Any] | None, typed_tests: int) -> str:
    """An error for the case form: named by the form's label ("ISH probe", not "her2_tests.0.probe"), its value
    withheld unless short and code-like."""
    if not isinstance(exc, InvalidInput):
        return str(exc)
    error = exc.redacted()
    name = _form_field(error.field, form, doc, typed_tests)
    label = _form_labels().get(name) if name is not None else None
    if label is None:
        return str(error)
    return str(InvalidInput(label, error.value, error.allowed, hint=error.hint))


def _ihc_overlap(form: dict[str, Any], report: dict[str, Any]) -> str | None:
    """How a report's IHC test stands to the form's: "same" (the report restates it, or says less: a plain 0
    beside the form's null or ultralow), "richer" (the report says more: ultralow beside the form's plain 0), or
    None (a different result)."""
    fs, rs = form.get("score"), report.get("score")
    if fs == rs and report.get("percent_cells") in (None, form.get("percent_cells")):
        return "same"
    plain = "percent_cells" not in report
    if fs in ("0", "ultralow") and rs == "0" and plain:
        return "same"
    if fs == "0" and "percent_cells" not in form and rs == "ultralow":
        return "richer"
    return None


def _ish_overlap(form: dict[str, Any], report: dict[str, Any]) -> str | None:
    """As :func:`_ihc_overlap` for dual-probe ISH: every value the report gives equals the form's ("same"), or the
    form's values are all in the report beside more ("richer")."""
    keys = ("ratio", "her2_copies", "cep17_copies")
    if form.get("probe", "dual") != report.get("probe", "dual"):
        return None
    given = {k for k in keys if report.get(k) is not None}
    typed = {k for k in keys if form.get(k) is not None}
    if any(report[k] != form[k] for k in given & typed):
        return None
    if given <= typed:
        return "same"
    return "richer" if typed <= given else None


def _add_report(doc: dict[str, Any], extraction: ExtractionResult) -> list[str]:
    """The pasted report's HER2 tests join the form's, so that the status engine sees, and names, any disagreement (a
    result the page lists as read from the report is never set aside). A report test that restates a form test is
    one test, not a repeat: the one that says more is kept. Results quoted from a prior report join only when no
    current result is given. The report's ER and PR fill empty form fields; "low" beside the form's "positive" is
    the same result, stated more precisely; a form value the report contradicts is refused, naming the field.
    Returns notes for the page."""
    notes: list[str] = []
    tests: list[dict[str, Any]] = doc["her2_tests"]
    extracted = [t.model_dump(mode="json", exclude_none=True) for t in extraction.case_tests()]
    current = [t for t in extracted if t.get("source") != QUOTED_SOURCE]
    quoted = [t for t in extracted if t.get("source") == QUOTED_SOURCE]
    if quoted and (current or tests):
        notes.append(
            f"{len(quoted)} result(s) quoted from a prior report (another specimen or an earlier test) are shown, "
            "not interpreted with the current results."
        )
        extracted = current
    for test in extracted:
        check = _ihc_overlap if test["method"] == "ihc" else _ish_overlap  # (extracted tests are IHC or ISH)
        overlaps = [
            (i, how)
            for i, typed in enumerate(tests)
            if typed["method"] == test["method"] and (how := check(typed, test)) is not None
        ]
        if not overlaps:
            tests.append(test)
            continue
        i, how = overlaps[0]
        if how == "richer":
            tests[i] = test
            notes.append(
                f"The report's HER2 {test['method'].upper()} adds to the form's: the report's values are used."
            )
        else:
            notes.append(f"The report's HER2 {test['method'].upper()} restates the form's: counted once.")
    for marker in ("er", "pr"):
        stated = getattr(extraction, marker)
        if stated is None:
            continue
        given = doc["biomarkers"].get(marker)
        if given is None:
            doc["biomarkers"][marker] = stated
        elif given != stated:
            if {given, stated} == {"positive", "low"}:
                doc["biomarkers"][marker] = "low"
                notes.append(
                    f"{marker.upper()}: the report's 'low' (1-10% of cells) is a positive result stated more "
                    "precisely; 'low' is used."
                )
                continue
            raise InvalidInput(
                marker,
                given,
                f"the value the pathology report states ({stated}), or correct the report text",
                hint=f"the form says {given}; the pathology report states {stated}",
            )
    return list(dict.fromkeys(notes))


def _form_page(form: dict[str, str], error: str) -> HTMLResponse:
    return _page(
        "index.html.j2",
        status=422,
        form=form,
        tumors=TUMOR_CHOICES,
        ihc=IHC_CHOICES,
        error=error,
        max_report=MAX_REPORT_CHARS,
    )


def _assess_form(form: dict[str, str]) -> HTMLResponse:
    """The assessment page for a submitted case form, or the form again with the error named by its label."""
    doc: dict[str, Any] | None = None
    typed_tests = 0
    extraction = None
    report_notes: list[str] = []
    try:
        doc = case_document(form)
        typed_tests = len(doc["her2_tests"])
        text = form.get("report_text", "")
        length = len(text.replace("\r\n", "\n"))  # (a browser sends a line break as CR LF)
        if length > MAX_REPORT_CHARS:
            raise InvalidInput(
                "report_text",
                WITHHELD,
                f"a report of at most {MAX_REPORT_CHARS:,} characters (as POST /v1/extract takes)",
                hint=f"the text has {length:,} characters",
            )
        if text.strip():
            extraction = extract_report(text.strip())
            report_notes = _add_report(doc, extraction)
        result = assess(parse_case(doc), default_kb())
    except Her2kitError as exc:
        return _form_page(form, _form_error(exc, form, doc, typed_tests))
    refs = [ref for rule in result.her2.rationale for ref in rule.references]
    refs += [ref for option in result.options for ref in option.evidence.references]
    return _page(
        "assessment.html.j2",
        a=result,
        extraction=extraction,
        report_notes=report_notes,
        references=_references(refs),
    )


def _monitor_result(course: str) -> HTMLResponse:
    """The monitoring page for a course document (raises Her2kitError for a document it cannot read)."""
    from her2kit.case import decode_document
    from her2kit.report.plots import lvef_plot_svg
    from her2kit.safety import monitor, parse_course

    parsed = parse_course(decode_document(course, "course.json"))
    result = monitor(parsed, default_kb())
    svg = lvef_plot_svg(parsed, result, default_kb())
    return _page("monitor.html.j2", course_text=course, result=result, plot_svg=svg)


def install_pages(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return _page(
            "index.html.j2", form={}, tumors=TUMOR_CHOICES, ihc=IHC_CHOICES, max_report=MAX_REPORT_CHARS
        )

    @app.post("/assess", response_class=HTMLResponse, include_in_schema=False)
    async def assess_page(request: Request) -> HTMLResponse:
        from starlette.concurrency import run_in_threadpool

        try:
            form = await _read_form(request)
        except Her2kitError as exc:
            return _form_page({}, _form_error(exc, {}, None, 0))
        # (extraction and assessment are CPU work: in a worker thread, not on the event loop)
        return await run_in_threadpool(_assess_form, form)

    @app.get("/kb", response_class=HTMLResponse, include_in_schema=False)
    def kb_page(q: str = "") -> HTMLResponse:
        kb = default_kb()
        query = q.strip()[:100]
        hits = search(kb, query) if len(query) >= 2 else []
        listing = [
            (section, [{"id": rid, "title": title_of(r)} for rid, r in kb.section(section).items()])
            for section in EXPLORER_SECTIONS
        ]
        return _page("kb.html.j2", q=query, hits=hits, listing=listing if not query else [])

    @app.get("/kb/{record_id}", response_class=HTMLResponse, include_in_schema=False)
    def kb_record_page(record_id: str) -> HTMLResponse:
        kb = default_kb()
        try:
            record = kb.find(record_id)
        except NotFound as exc:
            return _page("kb.html.j2", status=404, q="", hits=[], listing=[], error=str(exc))
        section = next(
            name for name in SECTIONS if record_id in kb.section(name) or record in kb.section(name).values()
        )
        return _page(
            "record.html.j2",
            record_id=getattr(record, "id", record_id),
            section=section,
            title=title_of(record),
            card=card(kb, record),
        )

    @app.get("/monitor", response_class=HTMLResponse, include_in_schema=False)
    def monitor_form() -> HTMLResponse:
        return _page("monitor.html.j2", course_text="", result=None)

    @app.post("/monitor", response_class=HTMLResponse, include_in_schema=False)
    async def monitor_page(request: Request) -> HTMLResponse:
        from starlette.concurrency import run_in_threadpool

        course = ""
        try:
            course = (await _read_form(request)).get("course", "")
            if not course.strip():
                raise InvalidInput("course", MISSING, "a course document (JSON): paste it into the box")
            return await run_in_threadpool(_monitor_result, course)
        except Her2kitError as exc:
            error = str(exc.redacted()) if isinstance(exc, InvalidInput) else str(exc)
            return _page("monitor.html.j2", status=422, course_text=course, result=None, error=error)

    @app.get("/robots.txt", include_in_schema=False)
    def robots() -> Response:
        return Response("User-agent: *\nDisallow: /\n", media_type="text/plain")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        docs_url=None,  # /docs and /redoc: her2kit.web.apidocs (no CDN)
        redoc_url=None,
        title="her2kit",
        version=__version__,
        description=(
            "HER2-targeted therapy engine: HER2 status interpretation (ASCO/CAP, CAP/ASCP/ASCO), therapy matching "
            "with evidence and safety gates, treatment-course monitoring, and a cited knowledge base. It supports "
            "clinical decisions; it does not make them. Errors are RFC 9457 problem+json documents."
        ),
    )
    install_api(app, settings, page_error=_error_page)
    install_api_docs(app)
    install_pages(app)
    return app


def openapi_json(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"
