"""The REST API (``/v1``): a thin door over the library.

Routes parse and serialise; the library decides. Errors are RFC 9457
``application/problem+json`` documents naming the field, the value and what is
allowed. Case content is never logged: the access log records method, path,
status and duration only.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import re
import time
from collections.abc import Callable, Mapping
from pathlib import PurePath, PurePosixPath
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from her2kit import __version__
from her2kit.assessment import Assessment, Her2Status
from her2kit.case import (
    Case,
    Her2Test,
    Tumor,
    invalid_input_from_error,
    json_body_problem,
)
from her2kit.errors import WITHHELD, Her2kitError, InvalidInput, NotFound, shown
from her2kit.genomics.common import FileTooLarge
from her2kit.kb import default_kb
from her2kit.kb.load import SECTIONS
from her2kit.match import assess
from her2kit.safety import Course, MonitorResult, monitor
from her2kit.status import interpret_her2
from her2kit.web.apidocs import DOCS_CSP
from her2kit.web.settings import LOOPBACK_HOSTS, Settings

log = logging.getLogger("her2kit.api")
PROBLEM = "application/problem+json"
# A pathology report, in /v1/extract and in the web form's report box alike.
MAX_REPORT_CHARS: Final = 100_000
# An error page for a browser (status, title, message), supplied by the web app: pages get HTML, /v1 problem+json.
PageError = Callable[[int, str, str], Response]


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
        min_length=1,
        max_length=MAX_REPORT_CHARS,
        description=f"pathology report text (up to {MAX_REPORT_CHARS:,} characters)",
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
        (413, "Request body too large (or an uploaded file that unpacks to more than the server's limit)"),
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
    if isinstance(exc, FileTooLarge):  # (the API's own limit: say which setting sets it)
        return FileTooLarge(
            "file",
            name,
            f"{clean(exc.allowed)} (the server's HER2KIT_MAX_DECOMPRESSED_BYTES)",
            hint=clean(exc.hint) if exc.hint else None,
        )
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


_TITLES: Final = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
}


def _is_api(path: str) -> bool:
    """The REST API and its documents (problem+json); every other path is a page for a browser (HTML errors)."""
    return path in ("/healthz", "/openapi.json", "/v1") or path.startswith(("/v1/", "/docs", "/redoc"))


def error_response(
    page_error: PageError | None,
    path: str,
    status: int,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The one choice of how an error is answered: with ``page_error`` (the web app's) on a path that is not the
    API's (:func:`_is_api`), the HTML error page a browser shows; else an RFC 9457 problem+json document, with
    ``extra`` (``field``, ``value``, ``allowed``). ``headers`` (an ``Allow``) go on either."""
    if page_error is not None and not _is_api(path):
        response = page_error(status, title, detail)
        response.headers.update(headers or {})
        return response
    return problem(status, title, detail, headers=headers, **extra)


def _invalid_response(page_error: PageError | None, path: str, error: InvalidInput) -> Response:
    """The answer to invalid input: 422, or 413 for a file that unpacks to too much. Its value is withheld by the
    rule of :func:`her2kit.errors.shown` (a second net for errors raised anywhere)."""
    error = error.redacted()
    value = None if error.value is WITHHELD else _short(error.value)
    status, title = (413, "File too large") if isinstance(error, FileTooLarge) else (422, "Invalid input")
    return error_response(
        page_error, path, status, title, str(error), field=error.field, value=value, allowed=error.allowed
    )


def _install_errors(app: FastAPI, page_error: PageError | None) -> None:
    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> Response:
        return _invalid_response(page_error, request.url.path, exc)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return error_response(page_error, request.url.path, 404, "Not found", str(exc))

    @app.exception_handler(Her2kitError)
    async def _domain(request: Request, exc: Her2kitError) -> Response:
        return error_response(page_error, request.url.path, 422, "Cannot process", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = _TITLES.get(exc.status_code, "Error")
        return error_response(
            page_error, request.url.path, exc.status_code, title, str(exc.detail), headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        path = request.url.path
        if not errors:
            return error_response(page_error, path, 422, "Invalid input", "invalid request")
        first = dict(errors[0])
        if first.get("type") == "json_invalid":
            return error_response(
                page_error,
                path,
                422,
                "Invalid input",
                f"(body): {first.get('msg', 'not valid JSON')}",
                field="(body)",
                allowed="a JSON document",
            )
        loc = tuple(first.get("loc") or ())
        first["loc"] = loc[1:] if loc[:1] in (("body",), ("query",)) else loc
        return _invalid_response(page_error, path, invalid_input_from_error(first))

    @app.exception_handler(ValidationError)
    async def _pydantic(request: Request, exc: ValidationError) -> Response:
        return _invalid_response(page_error, request.url.path, invalid_input_from_error(exc.errors()[0]))


class LimitsMiddleware:
    """Pure ASGI middleware, in front of every route, in this order: the Host header (against DNS rebinding), the
    API key for ``/v1`` (before any body is read), the body limit (413), the media type of a JSON route (415) and a
    JSON body's keys and text (422). Every answer, its own or a route's, gets the security headers (and
    ``Cache-Control: no-store`` where it may carry patient data) and one access-log line: method, path, status,
    time; never bodies, query strings or identifiers. A browser's page gets an HTML error page, the API a problem.
    """

    def __init__(self, app: Any, settings: Settings, page_error: PageError | None = None) -> None:
        self.app = app
        self.settings = settings
        self.page_error = page_error
        hosts = settings.allowed_hosts
        self._hosts = (
            TrustedHostMiddleware(_host_passed, allowed_hosts=list(hosts), www_redirect=False)
            if hosts
            else None
        )
        self._loopback_hosts = TrustedHostMiddleware(
            _host_passed, allowed_hosts=list(LOOPBACK_HOSTS), www_redirect=False
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}
        extra = _security_headers(scope)

        async def answer(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self._handle(scope, receive, answer)
        finally:
            self._log(scope, status["code"] or 500, started)

    def _error(self, scope: Any, status: int, detail: str, **extra: Any) -> Response:
        path = str(scope.get("path", ""))
        return error_response(self.page_error, path, status, _TITLES.get(status, "Error"), detail, **extra)

    async def _host_allowed(self, scope: Any, receive: Any) -> tuple[bool, list[str]]:
        """Whether the Host header names this server, as Starlette's TrustedHostMiddleware decides with the setting
        (HER2KIT_ALLOWED_HOSTS), or on a loopback connection without it, with localhost, 127.0.0.1 and [::1]."""
        check = self._hosts
        if check is None:
            server = scope.get("server") or ("", None)
            if not _is_loopback(str(server[0])):
                return True, []
            check = self._loopback_hosts
        if check.allow_any:
            return True, []

        async def nothing(message: Any) -> None:
            return None

        scope.pop(_HOST_PASSED, None)
        await check(scope, receive, nothing)
        return bool(scope.pop(_HOST_PASSED, False)), check.allowed_hosts

    async def _handle(self, scope: Any, receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        passed, hosts = await self._host_allowed(scope, receive)
        if not passed:
            given = headers.get(b"host", b"").decode("latin-1")
            await self._error(
                scope,
                400,
                "the Host header does not name this server",
                field="Host",
                value=given[:60] if shown(given[:60]) is not WITHHELD else None,
                allowed=f"{', '.join(hosts)} (the server's HER2KIT_ALLOWED_HOSTS)",
            )(scope, receive, send)
            return
        key = self.settings.api_key
        if (
            key is not None
            and (path == "/v1" or path.startswith("/v1/"))
            and not key_matches(headers.get(b"x-api-key"), key)
        ):
            await problem(401, "Unauthorized", "a valid X-API-Key header is required")(scope, receive, send)
            return
        limit = self.settings.max_body_bytes
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await self._error(scope, 400, "Content-Length must be a number", field="Content-Length")(
                    scope, receive, send
                )
                return
            if int(length) > limit:
                detail = f"the body is {int(length):,} bytes; the limit is {limit:,} bytes"
                await self._error(scope, 413, detail)(scope, receive, send)
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
                await self._error(scope, 413, f"the limit is {limit:,} bytes")(scope, receive, send)
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
                # (a JSON body is the API's kind of request: answered with a problem+json on any path)
                await _invalid_response(None, path, invalid)(scope, receive, send)
                return

            async def replay() -> Any:
                return messages.pop(0) if messages else await receive()

            downstream = replay

        responded = {"yes": False}

        async def unless_over(message: Any) -> None:
            if over["limit"]:
                return  # the app's answer to a body it could not finish reading: replaced by the 413 below
            responded["yes"] = True
            await send(message)

        with contextlib.suppress(_BodyTooLargeError):
            await self.app(scope, downstream, unless_over)
        if over["limit"] and not responded["yes"]:
            await self._error(scope, 413, f"the limit is {limit:,} bytes")(scope, receive, send)

    def _log(self, scope: Any, code: int, started: float) -> None:
        if self.settings.access_log:
            log.info(
                "%s %s %s %.1fms",
                scope.get("method"),
                _printable(str(scope.get("path", ""))),
                code,
                (time.perf_counter() - started) * 1000,
            )


_HOST_PASSED: Final = "her2kit.host_passed"


async def _host_passed(scope: Any, receive: Any, send: Any) -> None:
    """The "application" behind the host check: reached only when TrustedHostMiddleware let the request through."""
    scope[_HOST_PASSED] = True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def key_matches(given: bytes | str | None, key: str) -> bool:
    """Whether an X-API-Key header value is the key, compared in constant time."""
    if given is None:
        return False
    given_bytes = given.encode("utf-8", "surrogateescape") if isinstance(given, str) else given
    return hmac.compare_digest(given_bytes, key.encode("utf-8"))


# The pages have no script and one inline style sheet; the interactive API docs (/docs, /redoc) run Swagger UI and
# ReDoc from the server's own copy of their files (her2kit.web.apidocs.DOCS_CSP).
_CSP = (
    b"default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'"
)
_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# Answers that may carry patient data (the API, the assessment and monitoring pages) are not to be stored by a
# browser or a proxy.
_NO_STORE = (b"cache-control", b"no-store")


def _security_headers(scope: Any) -> list[tuple[bytes, bytes]]:
    path = str(scope.get("path", ""))
    headers = list(_COMMON_HEADERS)
    docs = path in ("/docs", "/redoc") or path.startswith("/docs/")
    headers.append((b"content-security-policy", DOCS_CSP if docs else _CSP))
    if path in ("/v1", "/assess", "/monitor") or path.startswith("/v1/"):
        headers.append(_NO_STORE)
    return headers


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


def _install_middleware(app: FastAPI, settings: Settings, page_error: PageError | None) -> None:
    app.add_middleware(LimitsMiddleware, settings=settings, page_error=page_error)


def api_router(settings: Settings) -> APIRouter:
    async def require_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        # (LimitsMiddleware checks the key before any body is read; this documents the header in the OpenAPI
        # document and checks again)
        if settings.api_key is not None and not key_matches(x_api_key, settings.api_key):
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
    def genomics(
        file: UploadFile,
        sample: Annotated[
            str | None,
            Query(
                max_length=200,
                description="the sample to profile in a multi-sample file: its name, or its position in the file "
                "(#1, #2, …)",
            ),
        ] = None,
        genome: Annotated[Literal["GRCh37", "GRCh38"] | None, Query()] = None,
        purity: Annotated[
            float | None,
            Query(gt=0, le=1, description="tumour purity (0-1), to convert log2 copy-number ratios"),
        ] = None,
        ploidy: Annotated[float | None, Query(gt=0, le=10, description="tumour ploidy (default 2)")] = None,
    ) -> dict[str, Any]:
        """Upload one file (multipart field ``file``; the name's extension tells the format)."""
        # A plain ``def``: the parse runs in a worker thread, never on the event loop that serves every other
        # request (an ``async def`` parsing a large upload held /healthz for 10 s).
        import shutil
        import tempfile
        from pathlib import Path

        import her2kit.genomics
        from her2kit.genomics.model import AmplificationThresholds

        thresholds: dict[str, float] = {
            k: v for k, v in (("purity", purity), ("ploidy", ploidy)) if v is not None
        }

        name = _upload_name(file.filename)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            with path.open("wb") as out:
                shutil.copyfileobj(file.file, out)
            try:
                profile = her2kit.genomics.profile_file(
                    path,
                    sample=sample,
                    genome=genome,
                    amplification=AmplificationThresholds(**thresholds) if thresholds else None,
                    max_bytes=settings.max_decompressed_bytes,
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


def install_api(app: FastAPI, settings: Settings, page_error: PageError | None = None) -> None:
    """The ``/v1`` routes, ``/healthz``, the error handlers and the middleware; ``page_error`` renders errors on the
    web app's pages as HTML (the API answers problem+json)."""
    _install_errors(app, page_error)
    _install_middleware(app, settings, page_error)

    @app.exception_handler(_UnauthorizedError)
    async def _unauthorized(_: Request, __: _UnauthorizedError) -> JSONResponse:
        return problem(401, "Unauthorized", "a valid X-API-Key header is required")

    @app.get("/healthz", response_model=Health, summary="Liveness and versions", tags=["health"])
    def healthz() -> Health:
        return Health(status="ok", version=__version__, kb_version=default_kb().version)

    @app.head("/healthz", include_in_schema=False)
    def healthz_head() -> Response:
        return Response(status_code=200, media_type="application/json")

    app.include_router(api_router(settings), tags=["v1"])
