"""The web security/QA review of 2026-11-27 (findings 1-7), each reproduced against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hmac
import json
import logging
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from her2kit.errors import InvalidInput
from her2kit.web.settings import DEFAULT_MAX_DECOMPRESSED_BYTES, Settings
from tests.conftest import ROOT
from tests.web.conftest import Server

PROBLEM = "application/problem+json"
NAME = "Jane Q Smith MRN-4471923"
CASE = json.loads((ROOT / "examples" / "breast-her2-low.json").read_text())
COURSE = json.loads((ROOT / "examples" / "course-tdxd.json").read_text())
VCF_HEAD = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
TWO_SAMPLES = (
    b"##fileformat=VCFv4.2\n##contig=<ID=17>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    b"SMITH_JANE_MRN4471923_T\tSMITH_JANE_MRN4471923_N\n17\t39724000\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\t0/0\n"
)
SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "content-security-policy")


def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as written (a malformed Content-Length httpx would not send) and read the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


# ------------------------------------------------------------------------- 1: decompression bomb, event loop
@pytest.fixture(scope="module")
def small_unpacked() -> Any:
    with Server(Settings(max_body_bytes=200_000, max_decompressed_bytes=1_000_000)) as running:
        yield running


def test_a_gzip_bomb_is_refused_with_a_413_naming_the_file_and_the_limit(small_unpacked: Server) -> None:
    bomb = gzip.compress(VCF_HEAD + b"17\t1\t.\tA\tG\t.\tPASS\t" + b"A" * 5_000_000 + b"\n")
    assert len(bomb) < 20_000
    with httpx.Client(base_url=small_unpacked.url, timeout=30) as c:
        r = c.post("/v1/genomics", files={"file": ("bomb.vcf.gz", bomb)})
        assert r.status_code == 413, r.text[:300]
        assert r.headers["content-type"].startswith(PROBLEM)
        problem = r.json()
        assert problem["field"] == "file"
        assert "bomb.vcf.gz" in problem["detail"]
        assert "1,000,000 bytes" in problem["detail"]
        assert "HER2KIT_MAX_DECOMPRESSED_BYTES" in problem["allowed"]
        assert c.get("/healthz").status_code == 200


def test_the_decompressed_size_limit_is_a_setting() -> None:
    assert Settings().max_decompressed_bytes == DEFAULT_MAX_DECOMPRESSED_BYTES
    assert 10 * Settings().max_body_bytes <= DEFAULT_MAX_DECOMPRESSED_BYTES


def test_the_decompressed_size_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HER2KIT_MAX_DECOMPRESSED_BYTES", "2000000")
    assert Settings.from_env().max_decompressed_bytes == 2_000_000
    monkeypatch.setenv("HER2KIT_MAX_DECOMPRESSED_BYTES", "lots")
    with pytest.raises(InvalidInput) as info:
        Settings.from_env()
    assert info.value.field == "HER2KIT_MAX_DECOMPRESSED_BYTES"


def test_a_genomics_parse_does_not_block_other_requests(
    server: Server, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route was ``async def`` and parsed on the event loop: /healthz waited 10.6 s behind a large upload."""
    import her2kit.genomics

    real = her2kit.genomics.profile_file
    entered, release = threading.Event(), threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(her2kit.genomics, "profile_file", slow)
    answers: dict[str, httpx.Response] = {}

    def upload() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            answers["upload"] = c.post("/v1/genomics", files={"file": ("x.vcf", VCF_HEAD)})

    thread = threading.Thread(target=upload)
    thread.start()
    try:
        assert entered.wait(10)
        assert client.get("/healthz", timeout=5).status_code == 200
    finally:
        release.set()
        thread.join(30)
    assert answers["upload"].status_code == 200, answers["upload"].text[:300]


def test_a_malformed_vcf_data_line_is_a_422_naming_its_number_not_its_content(client: httpx.Client) -> None:
    vcf = VCF_HEAD + b"1\t100\t.\tJane Smith\n"
    r = client.post("/v1/genomics", files={"file": ("four.vcf", vcf)})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["field"] == "four.vcf line 3"
    assert "Jane" not in r.text


# ----------------------------------------------------------------------------- 2: genomics identifiers withheld
@pytest.mark.parametrize("params", [{}, {"sample": "foo"}, {"sample": "SMITH_JANE_MRN4471923"}])
def test_genomics_errors_name_no_sample(client: httpx.Client, params: dict[str, str]) -> None:
    r = client.post("/v1/genomics", params=params, files={"file": ("s2.vcf", TWO_SAMPLES)})
    assert r.status_code == 422, r.text[:300]
    problem = r.json()
    assert problem["field"] == "sample"
    assert "SMITH" not in r.text
    assert "MRN" not in r.text
    assert "foo" not in r.text
    assert "None" not in r.text
    assert "2 samples" in problem["allowed"]
    assert "#1" in problem["allowed"]


def test_a_sample_is_chosen_by_position_in_the_api(client: httpx.Client) -> None:
    r = client.post("/v1/genomics", params={"sample": "#2"}, files={"file": ("s2.vcf", TWO_SAMPLES)})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["sample"] == "SMITH_JANE_MRN4471923_N"


def test_a_multi_patient_maf_and_a_bad_line_are_not_repeated(client: httpx.Client) -> None:
    maf = b"Hugo_Symbol\tTumor_Sample_Barcode\tHGVSp_Short\nERBB2\tSMITH-JANE-MRN4471923\tp.S310F\n"
    maf += b"ERBB2\tDOE-JOHN-MRN555\tp.L755S\n"
    listed = client.post("/v1/genomics", files={"file": ("m.maf", maf)})
    assert listed.status_code == 422
    assert "MRN" not in listed.text
    bad = client.post(
        "/v1/genomics", params={"sample": "#1"}, files={"file": ("m.maf", maf + b"garbage\tJane Smith\n")}
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "m.maf line 4"
    assert "Jane" not in bad.text
    assert "garbage" not in bad.text


# ---------------------------------------------------------------------------- 3: the key first; allowed hosts
@pytest.fixture(scope="module")
def keyed() -> Any:
    with Server(Settings(api_key="s3cret", max_body_bytes=2_000)) as running:
        yield running


@pytest.mark.parametrize(
    ("path", "content", "headers"),
    [
        ("/v1/status", b"{not json", {"content-type": "application/json"}),
        ("/v1/status", b'{"tumor": {"type": "breast"}, "tumor": {}}', {"content-type": "application/json"}),
        ("/v1/status", b"x" * 5_000, {"content-type": "application/json"}),
        ("/v1/extract", b'{"text": "HER2 3+"}', {"content-type": "text/plain"}),
        ("/v1/genomics", b"--xyz\r\n", {"content-type": "multipart/form-data; boundary=xyz"}),
        ("/v1/nope", b"", {}),
    ],
)
def test_with_a_key_set_the_key_is_checked_before_the_body(
    keyed: Server, path: str, content: bytes, headers: dict[str, str]
) -> None:
    with httpx.Client(base_url=keyed.url, timeout=30) as c:
        r = c.post(path, content=content, headers=headers)
        assert r.status_code == 401, r.text[:300]
        assert r.headers["content-type"].startswith(PROBLEM)
        wrong = c.post(path, content=content, headers={**headers, "x-api-key": "s3cres"})
        assert wrong.status_code == 401


def test_a_bad_content_length_without_the_key_is_a_401(keyed: Server) -> None:
    status, _, _ = _raw(
        keyed.url,
        b"POST /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 99999\r\nConnection: close\r\n\r\n",
    )
    assert status == 401


def test_the_key_is_compared_in_constant_time(keyed: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    with httpx.Client(base_url=keyed.url, timeout=30) as c:
        ok = c.post("/v1/status", json={"tumor": {"type": "breast"}}, headers={"x-api-key": "s3cret"})
    assert ok.status_code == 200
    assert calls


def test_the_key_protects_v1_only_and_the_docs_say_so(keyed: Server) -> None:
    with httpx.Client(base_url=keyed.url, timeout=30) as c:
        assert c.get("/").status_code == 200
        assert c.get("/healthz").status_code == 200
    docs = (ROOT / "docs" / "api.md").read_text()
    assert "protects `/v1` only" in docs
    assert "reverse proxy" in docs


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
def test_a_foreign_host_header_is_refused_on_loopback(client: httpx.Client, host: str) -> None:
    """DNS rebinding: a page on evil.example that resolves to 127.0.0.1 reaches the server with its own Host."""
    r = client.get("/v1/kb", headers={"host": host})
    assert r.status_code == 400, r.text[:300]
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["field"] == "Host"
    assert "HER2KIT_ALLOWED_HOSTS" in problem["allowed"]
    for header in SECURITY_HEADERS:
        assert header in r.headers


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_are_allowed_on_loopback(client: httpx.Client, server: Server, host: str) -> None:
    r = client.get("/healthz", headers={"host": f"{host}:{server.port}"})
    assert r.status_code == 200


def test_allowed_hosts_from_the_setting() -> None:
    with (
        Server(Settings(allowed_hosts=("her2.example.org", "*.hospital.org"))) as running,
        httpx.Client(base_url=running.url, timeout=30) as c,
    ):
        assert c.get("/healthz", headers={"host": "her2.example.org"}).status_code == 200
        assert c.get("/healthz", headers={"host": "onc.hospital.org:8443"}).status_code == 200
        assert c.get("/healthz", headers={"host": "127.0.0.1"}).status_code == 400
        assert c.get("/healthz", headers={"host": "evil.example"}).status_code == 400


def test_allowed_hosts_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HER2KIT_ALLOWED_HOSTS", " her2.example.org, *.hospital.org ")
    assert Settings.from_env().allowed_hosts == ("her2.example.org", "*.hospital.org")
    monkeypatch.setenv("HER2KIT_ALLOWED_HOSTS", "*")
    assert Settings.from_env().allowed_hosts == ("*",)
    monkeypatch.setenv("HER2KIT_ALLOWED_HOSTS", "her2.*.org")
    with pytest.raises(InvalidInput) as info:
        Settings.from_env()
    assert info.value.field == "HER2KIT_ALLOWED_HOSTS"
    monkeypatch.delenv("HER2KIT_ALLOWED_HOSTS")
    assert Settings.from_env().allowed_hosts is None


# -------------------------------------------------------------------------- 4: free text in enum errors
def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(CASE))
    cur = doc
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "field", "allowed"),
    [
        (["patient", "sex"], "patient.sex", "'female'"),
        (["tumor", "type"], "tumor.type", "breast"),
        (["biomarkers", "er"], "biomarkers.er", "'positive'"),
        (["her2_tests", 0, "score"], "her2_tests.0.score", '"3+"'),
        (["her2_tests", 0, "method"], "her2_tests.0.method", "'ihc'"),
        (["medications"], "medications", "list"),
    ],
)
def test_free_text_failing_a_vocabulary_is_not_repeated(
    client: httpx.Client, path: list[str | int], field: str, allowed: str
) -> None:
    r = client.post("/v1/assess", json=_with(path, NAME))
    assert r.status_code == 422, r.text[:300]
    problem = r.json()
    assert problem["field"] == field
    assert allowed in problem["allowed"]
    assert "Jane" not in r.text
    assert "MRN" not in r.text
    assert "value" not in problem


def test_free_text_in_the_tumor_type_query_is_not_repeated(client: httpx.Client) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    r = client.post("/v1/fhir/assess", params={"tumor_type": NAME}, json=bundle)
    assert r.status_code == 422
    assert "Jane" not in r.text
    assert "breast" in r.json()["allowed"]


@pytest.mark.parametrize(
    ("path", "value"),
    [(["her2_tests", 0, "score"], "4+"), (["tumor", "type"], "brest"), (["patient", "sex"], "F")],
)
def test_a_short_code_like_value_is_still_repeated(
    client: httpx.Client, path: list[str | int], value: str
) -> None:
    r = client.post("/v1/assess", json=_with(path, value))
    assert r.status_code == 422
    assert r.json()["value"] == value


# --------------------------------------------------------------------- 5: headers and logs on every answer
@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (  # (a Content-Length that is not a number is refused by uvicorn's parser before any application)
            b"POST /v1/status HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\nConnection: close\r\n\r\n{}",
            400,
        ),
        (
            b"POST /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 99999\r\nConnection: close\r\n\r\n",
            413,
        ),
        (
            b"POST /v1/extract HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 2\r\nConnection: close\r\n\r\n{}",
            415,
        ),
        (
            b"POST /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 24\r\nConnection: close\r\n\r\n{"tumor": 1, "tumor": 2}',
            422,
        ),
        (
            b"POST /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + (b"3e8\r\n" + b"x" * 1000 + b"\r\n")
            * 3,
            413,
        ),
    ],
)
def test_answers_built_by_the_middleware_carry_the_headers_and_are_logged(
    server_small_limit: str, caplog: pytest.LogCaptureFixture, request_bytes: bytes, status: int
) -> None:
    with caplog.at_level(logging.INFO, logger="her2kit.api"):
        got, headers, _ = _raw(server_small_limit, request_bytes)
    assert got == status
    for header in SECURITY_HEADERS:
        assert header in headers, header
    assert headers["cache-control"] == "no-store"
    path = request_bytes.split(b" ")[1].decode()
    assert any(f"POST {path} {status} " in r.getMessage() for r in caplog.records if r.name == "her2kit.api")


def test_answers_with_patient_data_are_not_cached(client: httpx.Client) -> None:
    assert client.post("/v1/assess", json=CASE).headers["cache-control"] == "no-store"
    assert client.post("/v1/status", json={"tumor": {"type": "x y"}}).headers["cache-control"] == "no-store"
    assert client.get("/v1/kb").headers["cache-control"] == "no-store"
    page = client.post("/assess", data={"tumor_type": "breast", "ihc_score": "3+"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/monitor").headers["cache-control"] == "no-store"
    assert client.post("/monitor", data={"course": json.dumps(COURSE)}).headers["cache-control"] == "no-store"


# ---------------------------------------------------------------------------------------------- 6: loose ends
def test_the_api_docs_name_purity_and_ploidy() -> None:
    docs = (ROOT / "docs" / "api.md").read_text()
    genomics_row = next(line for line in docs.splitlines() if "/v1/genomics?" in line)
    assert "purity=" in genomics_row
    assert "ploidy=" in genomics_row


def test_head_healthz(client: httpx.Client) -> None:
    r = client.head("/healthz")
    assert r.status_code == 200
    assert r.content == b""


def test_a_raw_form_body_that_is_not_utf8_is_refused_naming_the_field(client: httpx.Client) -> None:
    body = b"case_id=J\xe9r\xf4me&tumor_type=breast&ihc_score=3%2B"
    r = client.post("/assess", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422, r.text[:300]
    assert "Case label" in r.text
    assert "UTF-8" in r.text
    assert "J\u00c3" not in r.text
    assert "J\ufffd" not in r.text


def test_a_raw_utf8_form_body_is_read_as_utf8(client: httpx.Client) -> None:
    body = "case_id=Tumeur-é&tumor_type=breast&ihc_score=3%2B".encode()
    r = client.post("/assess", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text[:300]
    assert "Tumeur-é" in r.text
    assert "Tumeur-Ã" not in r.text


def test_the_form_and_the_api_take_reports_of_the_same_length(client: httpx.Client) -> None:
    from her2kit.web.api import MAX_REPORT_CHARS

    assert MAX_REPORT_CHARS == 100_000
    long_report = "Patient: Jane Doe. HER2 IHC 3+. " + "x" * MAX_REPORT_CHARS
    r = client.post("/assess", data={"tumor_type": "breast", "report_text": long_report})
    assert r.status_code == 422
    assert "100,000 characters" in r.text
    assert "Jane Doe" not in r.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert 'maxlength="100000"' in client.get("/").text


def test_a_file_sent_in_a_text_field_is_refused_clearly(client: httpx.Client) -> None:
    r = client.post(
        "/assess",
        data={"tumor_type": "breast"},
        files={"report_text": ("report.txt", b"HER2 IHC 3+", "text/plain")},
    )
    assert r.status_code == 422
    assert "UploadFile" not in r.text
    assert "a file was sent" in r.text
    m = client.post(
        "/monitor", files={"course": ("course.json", json.dumps(COURSE).encode(), "application/json")}
    )
    assert m.status_code == 422
    assert "UploadFile" not in m.text
    assert "a file was sent" in m.text


# ------------------------------------------------------------------------------------- 7: pages for browsers
def _alert(html: str) -> str:
    return html.split('role="alert"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(
    ("form", "label", "internal"),
    [
        ({"ish_probe": "triple", "ish_ratio": "2.5"}, "ISH probe", "her2_tests.0.probe"),
        ({"case_id": "x" * 201}, "Case label", "id:"),
        ({"ihc_score": "3+", "ihc_percent": "150"}, "% cells with membrane staining", "percent_cells"),
        ({"age": "abc"}, "Age", "patient.age"),
    ],
)
def test_form_errors_name_the_form_s_labels(
    client: httpx.Client, form: dict[str, str], label: str, internal: str
) -> None:
    r = client.post("/assess", data={"tumor_type": "breast", **form})
    assert r.status_code == 422, r.text[:300]
    error = _alert(r.text)
    assert label in error
    assert internal not in error


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [("POST", "/monitor", {}, 422), ("GET", "/assess", None, 405), ("GET", "/no-such-page", None, 404)],
)
def test_browsers_get_pages_not_json(
    client: httpx.Client, method: str, path: str, data: dict[str, str] | None, status: int
) -> None:
    r = client.request(method, path, data=data)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in r.text


def test_an_oversized_form_gets_a_page(server_small_limit: str) -> None:
    with httpx.Client(base_url=server_small_limit, timeout=30) as c:
        r = c.post("/assess", data={"tumor_type": "breast", "report_text": "x" * 5_000})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "2,000 bytes" in _alert(r.text)


def test_the_api_still_answers_problem_json(client: httpx.Client) -> None:
    assert client.get("/v1/nope").headers["content-type"].startswith(PROBLEM)
    assert client.get("/v1/status").headers["content-type"].startswith(PROBLEM)
