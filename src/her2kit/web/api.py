"""The REST API (``/v1``): a thin door over the library.

Routes parse and serialise; the library decides. Errors are RFC 9457
``application/problem+json`` documents naming the field, the value and what is
allowed. Case content is never logged: the access log records method, path,
status and duration only.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Mapping
from pathlib import PurePath, PurePosixPath
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from her2kit import __version__
from her2kit.assessment import Assessment, Her2Status
from her2kit.case import (
    Case,
    Her2Test,
    Tumor,
    invalid_input_from,
    invalid_input_from_error,
    json_body_problem,
)
from her2kit.errors import WITHHELD, Her2kitError, InvalidInput, NotFound
from her2kit.kb import default_kb
from her2kit.kb.load import SECTIONS
from her2kit.match import assess
from her2kit.safety import Course, MonitorResult, monitor
from her2kit.status import interpret_her2
from her2kit.web.settings import Settings

log = logging.getLogger("her2kit.api")
PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details, with the field, value and what is allowed when the input was at fault."""

    model_config = ConfigDict(extra="forbid")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    value: str | None = None
    allowed: str | None = None


class StatusRequest(BaseModel):
    """HER2 tests and the tumour type (the ``her2_tests`` and ``tumor`` of a case)."""

    model_config = ConfigDict(extra="forbid")

    tumor: Tumor
    her2_tests: list[Her2Test] = Field(default_factory=list)


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=100_000, description="pathology report text (up to 100,000 characters)"
    )


class StatusResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    her2: Her2Status


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    kb_version: str


class KbList(BaseModel):
    kb_version: str
    section: str
    ids: list[str]


class KbSearchHit(BaseModel):
    id: str
    section: str
    title: str


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text, "content": {PROBLEM: {}}}
    for code, text in (
        (400, "Malformed request (e.g. a Content-Length that is not a number)"),
        (401, "Missing or wrong API key (when API-key auth is on)"),
        (404, "Not found"),
        (413, "Request body too large"),
        (415, "The body is not sent as JSON (Content-Type application/json or a +json type)"),
        (
            422,
            "Invalid input (also a body that is not valid JSON, or not UTF-8): the problem names the field, the "
            "value (withheld for report text and identifiers) and what is allowed",
        ),
    )
}


def _upload_name(filename: str | None) -> str:
    """A file name safe to write in a temporary folder that keeps what tells the format (its end: ``.vcf.gz``,
    ``.maf``, ``data_CNA.txt``): no folders, no ``.`` or ``..``, only letters, digits, ``.``, ``_`` and ``-``, at
    most 100 characters."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", PurePosixPath((filename or "").replace("\\", "/")).name)
    base = base.lstrip(".")[-100:]
    return base or "upload"


def _as_upload(exc: InvalidInput, folder: str, name: str) -> InvalidInput:
    """The error about a file saved in a temporary ``folder``, told about the uploaded file ``name``."""

    def clean(text: str) -> str:
        return text.replace(f"{folder}/", "").replace(folder, "(upload)")

    value = name if isinstance(exc.value, PurePath) else exc.value
    # (the reader names its command-line options, "--sample"; here they are the query parameters, "sample")
    field = clean(exc.field).removeprefix("--")
    return InvalidInput(field, value, clean(exc.allowed), hint=clean(exc.hint) if exc.hint else None)


def problem(
    status: int, title: str, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, **extra).model_dump(exclude_none=True)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM, headers=dict(headers) if headers else None
    )


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:39] + "…"


# Fields whose values are report text or identify a patient: an error names the field and withholds the value.
_PRIVATE_FIELDS: Final = frozenset(
    {"text", "id", "report_text", "patient_id", "specimen_id", "(body)", "(document)"}
)
# Longer strings are free text wherever they stand (a pasted report, a note): withheld too.
_MAX_ECHOED_CHARS: Final = 80


def _private(error: InvalidInput) -> InvalidInput:
    """``error`` with its value withheld when it may be report text or an identifier."""
    value = error.value
    last = error.field.rsplit(".", 1)[-1]
    if value is WITHHELD or value is None or value == "(missing)":
        return error
    if last in _PRIVATE_FIELDS or (isinstance(value, str) and len(value) > _MAX_ECHOED_CHARS):
        return InvalidInput(error.field, WITHHELD, error.allowed, hint=error.hint)
    return error


def _invalid_problem(error: InvalidInput) -> JSONResponse:
    error = _private(error)
    value = None if error.value is WITHHELD else _short(error.value)
    return problem(422, "Invalid input", str(error), field=error.field, value=value, allowed=error.allowed)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return _invalid_problem(exc)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(Her2kitError)
    async def _domain(_: Request, exc: Her2kitError) -> JSONResponse:
        return problem(422, "Cannot process", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            400: "Bad request",
            404: "Not found",
            405: "Method not allowed",
            413: "Request body too large",
        }
        return problem(
            exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail), headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if not errors:
            return problem(422, "Invalid input", "invalid request")
        first = dict(errors[0])
        if first.get("type") == "json_invalid":
            return problem(
                422,
                "Invalid input",
                f"(body): {first.get('msg', 'not valid JSON')}",
                field="(body)",
                allowed="a JSON document",
            )
        loc = tuple(first.get("loc") or ())
        first["loc"] = loc[1:] if loc[:1] in (("body",), ("query",)) else loc
        return _invalid_problem(invalid_input_from_error(first))

    @app.exception_handler(ValidationError)
    async def _pydantic(_: Request, exc: ValidationError) -> JSONResponse:
        return _invalid_problem(invalid_input_from(exc))


class LimitsMiddleware:
    """Pure ASGI middleware: rejects bodies over the limit (413 problem) and logs method, path, status, time.

    The access log never records bodies, query strings or identifiers.
    """

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_body_bytes
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await problem(400, "Bad request", "Content-Length must be a number")(scope, receive, send)
                return
            if int(length) > limit:
                response = problem(
                    413,
                    "Request body too large",
                    f"the body is {int(length)} bytes; the limit is {limit} bytes",
                )
                await response(scope, receive, send)
                return
        received = 0
        over = {"limit": False}  # (a form reader turns the error into its own 400: the 413 is sent instead)

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over["limit"] = True
                    raise _BodyTooLargeError
            return message

        downstream = limited_receive
        media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        # Media types are case-insensitive (RFC 9110 8.3.1); application/fhir+json and other +json types are JSON.
        is_json = media == b"application/json" or (
            media.startswith(b"application/") and media.endswith(b"+json")
        )
        if scope.get("method") == "POST" and _takes_json(scope) and not is_json:
            await _unsupported_media(media)(scope, receive, send)
            self._log(scope, 415, started)
            return
        if is_json:
            # A JSON body (bounded by the limit) is read first, so that a string the response could not be written
            # back with is refused naming its field, before any route sees it.
            messages: list[Any] = []
            try:
                while True:
                    message = await limited_receive()
                    messages.append(message)
                    if message["type"] != "http.request" or not message.get("more_body", False):
                        break
            except _BodyTooLargeError:
                await problem(413, "Request body too large", f"the limit is {limit} bytes")(
                    scope, receive, send
                )
                self._log(scope, 413, started)
                return
            # FastAPI's reader keeps the last of a key given twice, and a lone surrogate could not be written back.
            body = b"".join(m.get("body", b"") for m in messages)
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                invalid: InvalidInput | None = InvalidInput(
                    "(body)",
                    WITHHELD,
                    "JSON text encoded as UTF-8",
                    hint=f"byte {exc.start + 1} is not UTF-8",
                )
            else:
                invalid = json_body_problem(body)
            if invalid is not None:
                await _invalid_problem(invalid)(scope, receive, send)
                self._log(scope, 422, started)
                return

            async def replay() -> Any:
                return messages.pop(0) if messages else await receive()

            downstream = replay

        status = {"code": 0}

        async def logging_send(message: Any) -> None:
            if over["limit"]:
                return  # the app's answer to a body it could not finish reading: replaced by the 413 below
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *_security_headers(scope)]}
            await send(message)

        with contextlib.suppress(_BodyTooLargeError):
            await self.app(scope, downstream, logging_send)
        if over["limit"] and not status["code"]:
            await problem(413, "Request body too large", f"the limit is {limit} bytes")(scope, receive, send)
        self._log(scope, status["code"] or 413, started)

    def _log(self, scope: Any, code: int, started: float) -> None:
        if self.settings.access_log:
            log.info(
                "%s %s %s %.1fms",
                scope.get("method"),
                _printable(str(scope.get("path", ""))),
                code,
                (time.perf_counter() - started) * 1000,
            )


# The pages have no script and one inline style sheet; the interactive API docs load Swagger UI / ReDoc from a CDN,
# so they are left without a content policy.
_CSP = (
    b"default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'"
)
_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


def _security_headers(scope: Any) -> list[tuple[bytes, bytes]]:
    path = str(scope.get("path", ""))
    if path.startswith(("/docs", "/redoc")):
        return list(_COMMON_HEADERS)
    return [*_COMMON_HEADERS, (b"content-security-policy", _CSP)]


class _BodyTooLargeError(Exception):
    """A streamed body went over the limit."""


def _printable(text: str) -> str:
    """``text`` with control characters escaped, so that a request path cannot forge or break a log line."""
    return "".join(
        c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text
    )


# The routes whose body is a JSON document (the upload, /v1/genomics, is multipart; other paths take no POST).
_JSON_ROUTES: Final = frozenset({"/v1/status", "/v1/assess", "/v1/monitor", "/v1/extract", "/v1/fhir/assess"})


def _takes_json(scope: Any) -> bool:
    return str(scope.get("path", "")) in _JSON_ROUTES


def _unsupported_media(media: bytes) -> JSONResponse:
    given = media.decode("latin-1")[:60] or "(none)"
    return problem(
        415,
        "Unsupported media type",
        f"Content-Type: {given} is not JSON; send the body with Content-Type: application/json",
        field="Content-Type",
        value=given,
        allowed="application/json (or a +json type such as application/fhir+json)",
    )


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(LimitsMiddleware, settings=settings)


def api_router(settings: Settings) -> APIRouter:
    async def require_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        if settings.api_key is not None and x_api_key != settings.api_key:
            raise _UnauthorizedError

    router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)], responses=PROBLEM_RESPONSES)

    @router.post("/status", response_model=StatusResponse, summary="Interpret HER2 status")
    def status(request: Annotated[StatusRequest, Body()]) -> Response:
        """HER2 status from IHC/ISH/NGS results per the guideline for the tumour type."""
        result = StatusResponse(her2=interpret_her2(request.her2_tests, request.tumor))
        return Response(result.model_dump_json(), media_type="application/json")

    @router.post("/assess", response_model=Assessment, summary="Assess a case")
    def assess_case(case: Annotated[Case, Body()]) -> Response:
        """HER2 status, ranked HER2-directed options with evidence and safety findings, what does not fit."""
        return Response(assess(case, default_kb()).model_dump_json(), media_type="application/json")

    @router.post("/monitor", response_model=MonitorResult, summary="Evaluate a treatment course")
    def monitor_course(course: Annotated[Course, Body()]) -> MonitorResult:
        """Today's action, the next dose and the next LVEF for one course on one agent."""
        return monitor(course, default_kb())

    @router.post("/extract", summary="Extract HER2 results from a pathology report")
    def extract(request: Annotated[ExtractRequest, Body()]) -> dict[str, Any]:
        """HER2 IHC/ISH results, stated status, pending flags, ER/PR, each with its evidence span."""
        from her2kit.extract import extract_report

        result: dict[str, Any] = extract_report(request.text).model_dump(mode="json")
        return result

    @router.post("/genomics", summary="Profile ERBB2 from a VCF, MAF or copy-number file")
    async def genomics(
        file: UploadFile,
        sample: Annotated[str | None, Query(max_length=200)] = None,
        genome: Annotated[Literal["GRCh37", "GRCh38"] | None, Query()] = None,
        purity: Annotated[
            float | None,
            Query(gt=0, le=1, description="tumour purity (0-1), to convert log2 copy-number ratios"),
        ] = None,
        ploidy: Annotated[float | None, Query(gt=0, le=10, description="tumour ploidy (default 2)")] = None,
    ) -> dict[str, Any]:
        """Upload one file (multipart field ``file``; the name's extension tells the format)."""
        import tempfile
        from pathlib import Path

        from her2kit.genomics import profile_file
        from her2kit.genomics.model import AmplificationThresholds

        settings: dict[str, float] = {
            k: v for k, v in (("purity", purity), ("ploidy", ploidy)) if v is not None
        }

        name = _upload_name(file.filename)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(await file.read())
            try:
                profile = profile_file(
                    path,
                    sample=sample,
                    genome=genome,
                    amplification=AmplificationThresholds(**settings) if settings else None,
                )
            except InvalidInput as exc:  # name the upload, not the server's temporary folder
                raise _as_upload(exc, tmp, name) from None
        result: dict[str, Any] = profile.json_dict()
        return result

    @router.post("/fhir/assess", summary="Assess a FHIR R4 / mCODE Bundle")
    def fhir_assess(
        bundle: Annotated[dict[str, Any], Body(description="a FHIR R4 Bundle (or a single Observation)")],
        patient_id: Annotated[str | None, Query(max_length=200)] = None,
        tumor_type: Annotated[str | None, Query(max_length=100)] = None,
    ) -> dict[str, Any]:
        """Import the Bundle into a case (with findings and inconsistencies), assess it, export the result as FHIR."""
        from her2kit.interop import assessment_to_fhir, bundle_to_case

        imported = bundle_to_case(bundle, patient_id=patient_id, tumor_type=tumor_type)
        result = assess(imported.case, default_kb())
        return {
            "import": imported.model_dump(mode="json"),
            "assessment": result.model_dump(mode="json"),
            "fhir": assessment_to_fhir(result, imported.case, imported=imported),
        }

    @router.get("/kb", response_model=list[str], summary="Knowledge-base sections")
    def kb_sections() -> list[str]:
        return list(SECTIONS)

    @router.get("/kb/search", response_model=list[KbSearchHit], summary="Search the knowledge base")
    def kb_search(q: Annotated[str, Query(min_length=2, max_length=100)]) -> list[KbSearchHit]:
        from her2kit.web.search import search

        return [KbSearchHit(id=h.id, section=h.section, title=h.title) for h in search(default_kb(), q)]

    @router.get("/kb/{section}", response_model=KbList, summary="Record ids of one section")
    def kb_section(section: str) -> KbList:
        kb = default_kb()
        if section not in SECTIONS:
            raise NotFound("knowledge-base section", section, list(SECTIONS))
        return KbList(kb_version=kb.version, section=section, ids=list(kb.section(section)))

    @router.get("/kb/{section}/{record_id}", summary="One knowledge-base record")
    def kb_record(section: str, record_id: str) -> dict[str, Any]:
        kb = default_kb()
        if section not in SECTIONS:
            raise NotFound("knowledge-base section", section, list(SECTIONS))
        records = kb.section(section)
        if record_id not in records:
            raise NotFound(section.rstrip("s"), record_id)
        record: dict[str, Any] = records[record_id].model_dump(mode="json", exclude_none=True)
        return record

    return router


class _UnauthorizedError(Exception):
    """Raised by the API-key dependency; rendered as a 401 problem."""


def install_api(app: FastAPI, settings: Settings) -> None:
    _install_errors(app)
    _install_middleware(app, settings)

    @app.exception_handler(_UnauthorizedError)
    async def _unauthorized(_: Request, __: _UnauthorizedError) -> JSONResponse:
        return problem(401, "Unauthorized", "a valid X-API-Key header is required")

    @app.get("/healthz", response_model=Health, summary="Liveness and versions", tags=["health"])
    def healthz() -> Health:
        return Health(status="ok", version=__version__, kb_version=default_kb().version)

    app.include_router(api_router(settings), tags=["v1"])
