"""Request handling found wanting by the API review of 2026-11-27: media types, withheld values, the web form's
use of a pasted report, line numbering, log lines. A real server on 127.0.0.1."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"
DUPLICATE = b'{"tumor": {"type": "breast"}, "her2_tests": [{"method": "ihc", "score": "0", "score": "3+"}]}'


# ------------------------------------------------------------------------------------------------ media types
@pytest.mark.parametrize(
    "media", ["application/fhir+json", "Application/JSON", "application/json; charset=UTF-8"]
)
def test_a_key_given_twice_is_refused_whatever_the_json_media_type(client: httpx.Client, media: str) -> None:
    r = client.post("/v1/status", content=DUPLICATE, headers={"content-type": media})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "her2_tests.0.score"


def test_a_lone_surrogate_under_the_fhir_media_type_is_a_422_not_a_500(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = b'{"text": "Name: Jane Doe\\ud800 MRN 00123456. HER2 IHC 3+ in 95% of cells."}'
    with caplog.at_level(logging.DEBUG):
        r = client.post("/v1/extract", content=body, headers={"content-type": "application/fhir+json"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "text"
    assert "Jane Doe" not in r.text
    assert "Jane Doe" not in caplog.text


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_by_its_media_type_is_a_415_naming_the_header(
    client: httpx.Client, media: str | None
) -> None:
    body = b'{"text": "Patient: Jane Doe, MRN 00123456. HER2 IHC 2+."}'
    headers = {"content-type": media} if media else {}
    r = client.post("/v1/extract", content=body, headers=headers)
    assert r.status_code == 415, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["field"] == "Content-Type"
    assert "application/json" in problem["allowed"]
    assert "Jane Doe" not in r.text


def test_a_body_that_is_not_utf8_says_so(client: httpx.Client) -> None:
    body = '{"tumor": {"type": "br\u00e9ast"}}'.encode("latin-1")
    r = client.post("/v1/status", content=body, headers={"content-type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert "UTF-8" in r.text


@pytest.mark.parametrize(
    ("path", "media"),
    [("/v1/genomics", "multipart/form-data; boundary=xyz"), ("/v1/fhir/assess", "application/fhir+json")],
)
def test_an_over_limit_streamed_body_is_a_413_whatever_its_media_type(
    server_small_limit: str, path: str, media: str
) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        if (
            path == "/v1/genomics"
        ):  # (a well-formed start, so that the form reader reads on: not an early 400)
            yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.vcf"\r\n\r\n'
        for _ in range(10):
            yield b"x" * 500

    with httpx.Client(base_url=server_small_limit, timeout=30) as c:
        r = c.post(path, content=chunks(), headers={"content-type": media})
    assert r.status_code == 413, r.text


# --------------------------------------------------------------------------------------------- withheld values
@pytest.mark.parametrize(
    "body",
    [
        {"text": ["Patient: Jane Doe, MRN 00123456, DOB 1960-01-01"]},
        {"text": "Patient: Jane Doe, MRN 00123456. " + "x" * 100_001},
    ],
)
def test_report_text_is_never_echoed_in_an_error(client: httpx.Client, body: dict[str, object]) -> None:
    r = client.post("/v1/extract", json=body)
    assert r.status_code == 422, r.text[:300]
    assert r.json()["field"] == "text"
    assert "Jane Doe" not in r.text


def test_a_case_id_is_never_echoed_in_an_error(client: httpx.Client) -> None:
    r = client.post("/v1/assess", json={"schema_version": "1", "id": ["MRN-00123456"]})
    assert r.status_code == 422, r.text
    assert "MRN-00123456" not in r.text


@pytest.mark.parametrize(
    ("path", "value"),
    [
        # (a user's value shaped like one of her2kit's placeholders was repeated whole, spaces and all)
        (("tumor", "type"), "(Jane Q Smith MRN-4471923)"),
        # (a name in a script written without spaces passed the "no space" test)
        (("patient", "sex"), "王小明"),
    ],
)
def test_a_name_in_a_vocabulary_field_is_never_echoed(
    client: httpx.Client, path: tuple[str, str], value: str
) -> None:
    body: dict[str, Any] = {"schema_version": "1", "id": "c", "tumor": {"type": "breast"}}
    body.setdefault(path[0], {})[path[1]] = value
    r = client.post("/v1/assess", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["field"] == ".".join(path)
    assert "value" not in problem
    assert value not in r.text
    assert "Jane" not in r.text


def test_an_unknown_key_that_is_free_text_is_not_named(client: httpx.Client) -> None:
    body = {"schema_version": "1", "id": "c", "tumor": {"type": "breast"}, "patient": {"Jane Q Smith": 1}}
    r = client.post("/v1/assess", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "patient"
    assert "a known key" in r.json()["allowed"]
    assert "Jane" not in r.text


def test_a_placeholder_is_shown_even_for_a_private_field(client: httpx.Client) -> None:
    """her2kit's own words in a value's place repeat nothing of the input: shown (a body nested too deeply said "the
    value (not repeated: patient data)", as though it had quoted the body)."""
    r = client.post("/v1/assess", json={"schema_version": "1", "tumor": {"type": "breast"}})
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["value"]) == ("id", "(missing)")
    nested = b"[" * 1000 + b"]" * 1000
    r = client.post("/v1/status", content=nested, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["value"]) == ("(body)", "(nesting)")


def test_a_genomics_error_names_the_query_parameter(client: httpx.Client) -> None:
    seg = b"ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nT1\t17\t39687914\t39730426\t10\t1.5\n"
    r = client.post("/v1/genomics", params={"sample": "T9"}, files={"file": ("x.seg", seg)})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "sample"


# ----------------------------------------------------------------------------------------------------- the log
def test_a_path_cannot_forge_an_access_log_line(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="her2kit.api"):
        client.get("/v1/kb/agents/x%0AINFO:%20POST%20/v1/assess%20200%201.0ms%00")
    lines = [r.getMessage() for r in caplog.records if r.name == "her2kit.api"]
    assert lines
    assert all("\n" not in line and "\x00" not in line for line in lines)


# -------------------------------------------------------------------------------------- the web form + a report
def _form(**extra: str) -> dict[str, str]:
    return {"tumor_type": "breast", "setting": "metastatic", **extra}


FISH = (
    "HER2 IHC (4B5): 2+ (equivocal). HER2 FISH: HER2/CEP17 ratio 2.6; average HER2 copy number 5.4 signals/cell; "
    "average CEP17 2.1 signals/cell. AMPLIFIED."
)


def test_the_report_s_ish_is_used_beside_the_form_s_ihc(client: httpx.Client) -> None:
    r = client.post("/assess", data=_form(ihc_score="2+", report_text=FISH))
    assert r.status_code == 200, r.text[:500]
    assert "POSITIVE" in r.text
    assert "ISH group 1" in r.text


def test_a_report_score_that_differs_from_the_form_is_not_silently_dropped(client: httpx.Client) -> None:
    r = client.post(
        "/assess", data=_form(ihc_score="1+", report_text="HER2 (4B5): score 3+ in 90% of cells.")
    )
    assert r.status_code == 200, r.text[:500]
    assert "NEGATIVE" not in r.text.split('id="her2"', 1)[1].split("</p>", 1)[0]
    assert "INDETERMINATE" in r.text


def test_er_from_the_form_and_the_report_that_disagree_are_refused(client: httpx.Client) -> None:
    report = "ER: positive (90%). PR: positive (80%). HER2 IHC 1+."
    r = client.post("/assess", data=_form(er="negative", pr="negative", report_text=report))
    assert r.status_code == 422, r.text[:500]
    assert "er:" in r.text
    assert "the pathology report states positive" in r.text


def test_the_report_s_er_pr_and_stated_status_are_shown(client: httpx.Client) -> None:
    r = client.post(
        "/assess", data=_form(report_text="HER2 status: POSITIVE (amplified by FISH). ER: negative.")
    )
    assert r.status_code == 200, r.text[:500]
    section = r.text.split('id="extracted"', 1)[1].split("</section>", 1)[0]
    assert "No HER2 result was found" not in section
    assert "Stated HER2 status: positive" in section
    assert "ER: negative" in section


# ---------------------------------------------------------------------------------- the web form's line numbers
def _history(first: tuple[str, str, str], second: tuple[str, str, str]) -> dict[str, str]:
    data = _form(ihc_score="3+", er="positive", pr="positive", endocrine_progressed="yes")
    for i, (agents, setting, outcome) in enumerate((first, second), start=1):
        data |= {f"therapy{i}_agents": agents, f"therapy{i}_setting": setting, f"therapy{i}_outcome": outcome}
    return data


def test_metastatic_lines_do_not_depend_on_the_form_slot(client: httpx.Client) -> None:
    adjuvant = ("doxorubicin,cyclophosphamide,paclitaxel,trastuzumab", "adjuvant", "completed")
    letrozole = ("letrozole", "metastatic", "progression")
    a = client.post("/assess", data=_history(adjuvant, letrozole))
    b = client.post("/assess", data=_history(letrozole, adjuvant))
    assert a.status_code == b.status_code == 200
    options = [p.split('id="options"', 1)[1].split("</section>", 1)[0] for p in (a.text, b.text)]
    assert options[0] == options[1]
    assert "2 prior line(s)" not in a.text


def test_every_json_route_is_checked_for_its_media_type() -> None:
    from her2kit.web import create_app
    from her2kit.web.api import _JSON_ROUTES
    from her2kit.web.settings import Settings

    spec = create_app(Settings()).openapi()
    json_posts = {
        path
        for path, ops in spec["paths"].items()
        if "post" in ops and "application/json" in ops["post"].get("requestBody", {}).get("content", {})
    }
    assert json_posts == _JSON_ROUTES


@pytest.mark.parametrize(
    ("body", "allowed"),
    [
        (
            b'{"tumor": {"type": "breast"}, "her2_tests": [{"method": "ihc", "percent_cells": '
            + b"9" * 4400
            + b"}]}",
            "4,300 digits",
        ),
        (b"[" * 1000 + b"]" * 1000, "nested at most"),
    ],
)
def test_a_body_too_long_to_read_or_too_deep_says_why(
    client: httpx.Client, body: bytes, allowed: str
) -> None:
    r = client.post("/v1/status", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert allowed in r.json()["allowed"]


# --------------------------------------------------------------------- second review: the same test twice, quoted tests
def test_a_test_typed_in_the_form_and_quoted_in_the_report_is_one_test(client: httpx.Client) -> None:
    report = (
        "HER2 IHC: 2+ (equivocal). HER2 FISH: HER2/CEP17 ratio 1.8 (not amplified); see addendum for counts."
    )
    data = _form(
        ihc_score="2+", ish_ratio="1.8", ish_her2_copies="6.2", ish_cep17_copies="3.44", report_text=report
    )
    r = client.post("/assess", data=data)
    assert r.status_code == 200, r.text[:500]
    assert "POSITIVE" in r.text
    assert "ISH group 3" in r.text
    assert "Repeat" not in r.text.split('id="her2"', 1)[1].split("</section>", 1)[0]


def test_a_report_s_plain_0_beside_the_form_s_ultralow_is_not_a_disagreement(client: httpx.Client) -> None:
    r = client.post(
        "/assess", data=_form(ihc_score="ultralow", ihc_percent="5", report_text="HER2 IHC: score 0.")
    )
    assert r.status_code == 200, r.text[:500]
    assert "HER2-ultralow" in r.text
    assert "disagree" not in r.text


def test_a_result_quoted_from_a_prior_report_does_not_join_the_tests(client: httpx.Client) -> None:
    report = (
        "Liver, core biopsy: metastatic breast carcinoma. HER2 (4B5) IHC: 1+ (negative). Note: the primary tumour "
        "(2019, outside report) was reported as HER2 IHC 3+."
    )
    r = client.post("/assess", data=_form(ihc_score="1+", report_text=report))
    assert r.status_code == 200, r.text[:500]
    status = r.text.split('id="her2"', 1)[1].split("</p>", 1)[0]
    assert "HER2-low" in status
    assert "quoted from a prior report" in r.text


def test_form_er_positive_and_report_er_low_agree(client: httpx.Client) -> None:
    report = "HER2 IHC 1+. ER: low positive (5% of cells, weak). PR: negative (0%)."
    r = client.post("/assess", data=_form(er="positive", ihc_score="1+", report_text=report))
    assert r.status_code == 200, r.text[:500]
    assert "ER: low" in r.text


def test_a_specimen_id_is_never_echoed_in_an_error(client: httpx.Client) -> None:
    body = {
        "schema_version": "1",
        "id": "c",
        "tumor": {"type": "breast"},
        "her2_tests": [{"method": "ihc", "score": "3+", "specimen_id": 12345678}],
    }
    r = client.post("/v1/assess", json=body)
    assert r.status_code == 422, r.text
    assert "12345678" not in r.text
