"""The REST API over a real server on 127.0.0.1: contracts, problem+json errors, limits, auth, logs."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from her2kit.web import create_app
from her2kit.web.app import openapi_json
from her2kit.web.settings import Settings
from tests.conftest import ROOT, SHARED
from tests.web.conftest import Server

PROBLEM = "application/problem+json"
CASE = json.loads((ROOT / "examples" / "breast-her2-low.json").read_text())
COURSE = json.loads((ROOT / "examples" / "course-tdxd.json").read_text())


def test_healthz(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["kb_version"]


def test_status(client: httpx.Client) -> None:
    r = client.post(
        "/v1/status",
        json={
            "tumor": {"type": "breast"},
            "her2_tests": [
                {"method": "ihc", "score": "2+"},
                {"method": "ish", "ratio": 2.3, "her2_copies": 4.1},
            ],
        },
    )
    assert r.status_code == 200
    assert r.json()["her2"]["result"] == "positive"
    assert r.json()["her2"]["ish_group"] == 1


def test_assess_and_monitor(client: httpx.Client) -> None:
    a = client.post("/v1/assess", json=CASE)
    assert a.status_code == 200
    assert a.json()["options"][0]["id"] == "ind:trastuzumab-deruxtecan-breast-hr-positive-her2-low-ultralow"
    m = client.post("/v1/monitor", json=COURSE)
    assert m.status_code == 200
    assert m.json()["action"] == "reduce"


@pytest.mark.parametrize(
    ("path", "body", "field", "fragment"),
    [
        (
            "/v1/status",
            {"tumor": {"type": "breast"}, "her2_tests": [{"method": "ihc", "score": "4+"}]},
            "her2_tests.0.score",
            '"3+"',
        ),
        ("/v1/status", {"tumor": {"type": "brest"}}, "tumor.type", "OncoTree"),
        (
            "/v1/status",
            {"tumor": {"type": "breast"}, "her2_tests": [{"method": "ish", "ratio": -1}]},
            "her2_tests.0.ratio",
            "greater than or equal to 0",
        ),
        ("/v1/status", {"her2_tests": []}, "tumor", "required"),
        ("/v1/assess", {**CASE, "colour": "blue"}, "colour", "known key"),
        ("/v1/assess", {**CASE, "patient": {"weight_kg": 0}}, "patient.weight_kg", "greater than 0"),
        (
            "/v1/monitor",
            {**COURSE, "weights": [{"date": "2026-01-01", "value": 70}]},
            "weights.0.unit",
            "required",
        ),
    ],
)
def test_bad_input_is_problem_json_naming_the_field(
    client: httpx.Client, path: str, body: dict[str, Any], field: str, fragment: str
) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == 422
    assert problem["field"] == field
    assert fragment in problem["allowed"] or fragment in problem["detail"]


def test_malformed_json_is_a_problem(client: httpx.Client) -> None:
    r = client.post("/v1/assess", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/status", b'{"tumor": {"type": "\\ud800"}, "her2_tests": []}', "tumor.type"),
        ("/v1/assess", b'{"schema_version": "1", "id": "MRN-4711\\ud800"}', "id"),
        ("/v1/extract", b'{"text": "\\udc00 HER2 3+"}', "text"),
    ],
)
def test_a_lone_surrogate_is_refused_naming_its_field_not_a_500(
    client: httpx.Client, path: str, body: bytes, field: str
) -> None:
    """A lone UTF-16 surrogate could not be written back as UTF-8: the error handler failed (500) and the server log
    printed the traceback with the case id."""
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["field"] == field
    assert "MRN-4711" not in r.text


def test_a_surrogate_pair_and_an_escaped_backslash_are_text(client: httpx.Client) -> None:
    body = b'{"text": "HER2 (4B5): score 3+ \\ud83d\\ude00, literal \\\\ud800"}'
    r = client.post("/v1/extract", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text


def test_body_size_limit(client: httpx.Client) -> None:
    r = client.post("/v1/extract", json={"text": "x" * 300_000})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith(PROBLEM)


def test_kb_routes(client: httpx.Client) -> None:
    assert "agents" in client.get("/v1/kb").json()
    ids = client.get("/v1/kb/agents").json()["ids"]
    assert "agent:trastuzumab-deruxtecan" in ids
    record = client.get("/v1/kb/agents/agent:trastuzumab-deruxtecan").json()
    assert record["name"] == "trastuzumab deruxtecan"
    hits = client.get("/v1/kb/search", params={"q": "deruxtecan ILD"}).json()
    assert any(h["id"].startswith("ae:") for h in hits)
    missing = client.get("/v1/kb/agents/agent:nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)


def test_extract(client: httpx.Client) -> None:
    r = client.post("/v1/extract", json={"text": "HER2 (4B5) immunohistochemistry: score 3+, positive."})
    assert r.status_code == 200
    tests = r.json()["her2_tests"]
    assert tests
    assert tests[0]["score"] == "3+"


@pytest.mark.skipif(not (SHARED / "data").exists(), reason="shared data not present")
def test_genomics_upload(client: httpx.Client) -> None:
    path = SHARED / "data" / "variants" / "T001-BRCA.grch37.cna.tsv"
    r = client.post(
        "/v1/genomics",
        params={"genome": "GRCh37"},
        files={"file": (path.name, path.read_bytes(), "text/tab-separated-values")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["erbb2"]["amplified"] is True


def test_genomics_upload_takes_purity_and_spells_class(client: httpx.Client) -> None:
    path = Path(__file__).parents[1] / "genomics" / "data" / "seg_log2_grch37.seg"
    sent = {"file": (path.name, path.read_bytes(), "text/plain")}
    plain = client.post("/v1/genomics", params={"sample": "T1", "genome": "GRCh37"}, files=sent)
    assert plain.status_code == 200, plain.text
    assert plain.json()["erbb2"]["amplified"] is None
    pure = client.post("/v1/genomics", params={"sample": "T1", "genome": "GRCh37", "purity": 0.3}, files=sent)
    assert pure.json()["erbb2"]["amplified"] is True
    bad = client.post("/v1/genomics", params={"sample": "T1", "purity": 2}, files=sent)
    assert bad.status_code == 422
    vcf = path.with_name("grch38_L755S.vcf")
    found = client.post("/v1/genomics", files={"file": (vcf.name, vcf.read_bytes(), "text/plain")})
    assert found.status_code == 200, found.text
    mutations = found.json()["erbb2"]["mutations"]
    assert mutations
    assert all("class" in m and "class_" not in m for m in mutations)


def test_api_key_when_configured() -> None:
    with Server(Settings(api_key="s3cret")) as secured, httpx.Client(base_url=secured.url) as c:
        body = {"tumor": {"type": "breast"}, "her2_tests": []}
        denied = c.post("/v1/status", json=body)
        assert denied.status_code == 401
        assert denied.headers["content-type"].startswith(PROBLEM)
        assert c.post("/v1/status", json=body, headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.get("/healthz").status_code == 200


def test_logs_never_contain_case_content(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    secret = "PATIENT-MRN-99887766"
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/assess", json={**CASE, "id": secret})
        client.post("/v1/status", json={"tumor": {"type": secret}})
        client.post("/v1/extract", json={"text": f"Name: {secret}. HER2 IHC 2+."})
    assert secret not in caplog.text


def test_openapi_snapshot() -> None:
    snapshot = Path(__file__).parent / "openapi.snapshot.json"
    current = openapi_json(create_app(Settings()))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not snapshot.exists():
        snapshot.write_text(current)
    assert current == snapshot.read_text(), "OpenAPI changed: review, then rerun with UPDATE_SNAPSHOTS=1"


@pytest.mark.skipif(not (SHARED / "data").exists(), reason="shared data not present")
def test_fhir_assess_flags_the_inconsistent_ratio(client: httpx.Client) -> None:
    bundle = json.loads(
        (SHARED / "data" / "fhir" / "mii-testdata" / "Bundle-mii-exa-test-data-bundle-mtb-1.json").read_text()
    )
    r = client.post("/v1/fhir/assess", json=bundle)
    assert r.status_code == 200, r.text
    body = r.json()
    assert any("2.4" in line and "negative" in line for line in body["import"]["inconsistencies"])
    assert body["fhir"]["resourceType"] == "Bundle"
    assert body["assessment"]["her2"]["result"]


def test_unknown_record_page_says_so(client: httpx.Client) -> None:
    r = client.get("/kb/agent:nope")
    assert r.status_code == 404
    assert "no record matches" in r.text


@pytest.mark.parametrize(
    ("age", "status"), [("abc", 422), ("nan", 422), ("inf", 422), ("45.7", 422), ("45", 200)]
)
def test_the_assessment_form_checks_numbers_instead_of_failing(
    client: httpx.Client, age: str, status: int
) -> None:
    r = client.post("/assess", data={"tumor_type": "breast", "ihc_score": "2+", "age": age})
    assert r.status_code == status, r.text[:300]
    if status == 422:
        assert "age" in r.text


@pytest.mark.parametrize("name", ["..", ".", "a" * 300 + ".vcf", "../../x.vcf", "C:\\data\\T 1.vcf"])
def test_an_upload_name_cannot_break_the_upload(client: httpx.Client, name: str) -> None:
    vcf = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    r = client.post("/v1/genomics", files={"file": (name, vcf, "text/plain")})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["file_format"] == "vcf"


@pytest.mark.parametrize(
    ("score", "summary"),
    [
        ("null", "IHC 0 with no staining: HER2-negative (HER2-null)."),
        ("ultralow", "(HER2-ultralow)."),
        ("0", "IHC 0: HER2-negative; null versus ultralow not stated."),
    ],
)
def test_the_form_s_three_kinds_of_ihc_0(client: httpx.Client, score: str, summary: str) -> None:
    r = client.post("/assess", data={"tumor_type": "breast", "ihc_score": score})
    assert r.status_code == 200, r.text[:300]
    assert summary in r.text


def test_a_damaged_upload_is_named_by_its_file_name_not_the_servers_folder(client: httpx.Client) -> None:
    r = client.post("/v1/genomics", files={"file": ("truncgz.vcf.gz", b"\x1f\x8b\x08\x00trunc")})
    assert r.status_code == 422, r.text
    assert "truncgz.vcf.gz" in r.text
    assert "/tmp" not in r.text
    assert "PosixPath" not in r.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/v1/status",
            b'{"tumor": {"type": "breast"}, "her2_tests": [{"method": "ihc", "score": "1+", "score": "3+"}]}',
            "her2_tests.0.score",
        ),
        ("/v1/assess", b'{"schema_version": "1", "id": "a", "id": "b"}', "id"),
    ],
)
def test_a_key_given_twice_in_a_request_body_is_refused(
    client: httpx.Client, path: str, body: bytes, field: str
) -> None:
    """FastAPI's JSON reader keeps the last value, so IHC '1+' then '3+' was read as HER2-positive."""
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


def test_pages_and_answers_carry_security_headers(client: httpx.Client) -> None:
    for path in ("/", "/healthz", "/v1/kb"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in headers["content-security-policy"]
    for path in ("/docs", "/docs/assets/swagger-ui-bundle.js"):
        docs = client.get(path)
        assert docs.headers["x-content-type-options"] == "nosniff"
        # Swagger UI and ReDoc come from the server itself: scripts from 'self' only, no inline script
        assert "script-src 'self';" in docs.headers["content-security-policy"]


def test_the_api_docs_load_nothing_from_another_server(client: httpx.Client) -> None:
    """The interactive docs loaded Swagger UI and ReDoc from a CDN (jsDelivr) and Google Fonts. /redoc now leads to
    /docs: ReDoc's sidebar always loads its maker's logo from their CDN."""
    redoc = client.get("/redoc", follow_redirects=False)
    assert (redoc.status_code, redoc.headers["location"]) == (308, "/docs")
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        r = client.get(asset)
        assert r.status_code == 200, asset
        assert len(r.content) > 100
    init = client.get("/docs/assets/swagger-init.js").text
    assert "validatorUrl: null" in init  # (Swagger UI's default badge is an image from validator.swagger.io)


def test_an_unknown_api_docs_file_is_404(client: httpx.Client) -> None:
    assert client.get("/docs/assets/..%2fapp.py").status_code == 404
    assert client.get("/docs/assets/nothing.js").status_code == 404


def test_a_form_field_that_is_not_utf8_is_refused_not_replaced(client: httpx.Client) -> None:
    body = b"case_id=MRN-4711%ED%A0%80&tumor_type=breast&setting=metastatic&ihc_score=3%2B&ish_probe=dual"
    r = client.post("/assess", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422
    # (named by the form's label: web review 2026-11-27)
    assert (
        "Case label (no identifiers): the value (not repeated: patient data) is not valid; allowed: UTF-8 text"
        in r.text
    )


def test_the_monitor_form_names_a_lone_surrogate_without_the_value(client: httpx.Client) -> None:
    course = '{"schema_version": "1", "id": "MRN-4711\\ud800", "agent": "T-DXd", "today": "2026-11-01"}'
    r = client.post("/monitor", data={"course": course})
    assert r.status_code == 422
    error = r.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "id: the value (not repeated: patient data)" in error
    assert "MRN-4711" not in error


def test_the_form_s_null_with_stained_cells_is_refused(client: httpx.Client) -> None:
    """'IHC 0, no staining (null)' with 5% of cells stained contradicts itself (it was read as ultralow)."""
    r = client.post("/assess", data={"tumor_type": "breast", "ihc_score": "null", "ihc_percent": "5"})
    assert r.status_code == 422
    assert "ihc_percent" in r.text
    assert "no cell is stained" in r.text


def test_one_function_chooses_a_page_or_a_problem_for_every_error() -> None:
    """Pages get the web app's HTML error page, the API (and an app without pages) problem+json; headers go on
    both, and only the problem carries the field."""
    from fastapi.responses import HTMLResponse

    from her2kit.web.api import error_response

    def page(status: int, title: str, message: str) -> HTMLResponse:
        return HTMLResponse(f"<h1>{title}</h1><p>{message}</p>", status_code=status)

    def answer(page_error: Any, path: str) -> Any:
        return error_response(
            page_error,
            path,
            405,
            "Method not allowed",
            "GET is not allowed",
            headers={"Allow": "POST"},
            field="f",
        )

    for path in ("/", "/assess", "/kb/T-DXd"):
        r = answer(page, path)
        assert (r.status_code, r.headers["content-type"], r.headers["allow"]) == (
            405,
            "text/html; charset=utf-8",
            "POST",
        )
        assert r.body == b"<h1>Method not allowed</h1><p>GET is not allowed</p>"
    for page_error, path in (
        (page, "/v1/status"),
        (page, "/healthz"),
        (page, "/openapi.json"),
        (None, "/assess"),
    ):
        r = answer(page_error, path)
        assert (r.status_code, r.headers["content-type"], r.headers["allow"]) == (405, PROBLEM, "POST")
        assert json.loads(r.body) == {
            "type": "about:blank",
            "title": "Method not allowed",
            "status": 405,
            "detail": "GET is not allowed",
            "field": "f",
        }
