"""End-to-end in Debian's Chromium (headless, driven by Playwright) against the real server on 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_fill_the_form_and_read_the_assessment(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Tumour type").select_option("breast")
    page.get_by_label("Setting", exact=True).select_option("metastatic")
    page.get_by_label("IHC score").select_option("1+")
    page.get_by_label("ER", exact=True).select_option("positive")
    page.get_by_label("PR", exact=True).select_option("positive")
    page.get_by_label("Progressed on endocrine therapy").select_option("yes")
    page.get_by_role("button", name="Assess").click()
    page.wait_for_selector("#her2")
    assert "NEGATIVE — HER2-low" in page.locator(".result").inner_text()
    options = page.locator("section[aria-labelledby=options] table tbody tr")
    assert options.count() >= 1
    assert "trastuzumab deruxtecan" in options.first.inner_text()
    assert page.locator("section[aria-labelledby=refs] li").count() >= 1


def test_staging_entered_in_the_form_decides_the_neoadjuvant_options(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Tumour type").select_option("breast")
    page.get_by_label("Setting", exact=True).select_option("early")
    page.get_by_label("Early disease: decision").select_option("neoadjuvant")
    page.get_by_label("T category", exact=True).fill("cT1c")
    page.get_by_label("N category", exact=True).fill("cN0")
    page.get_by_label("IHC score").select_option("3+")
    page.get_by_role("button", name="Assess").click()
    page.wait_for_selector("#her2")
    text = page.locator("main").inner_text()
    assert "cT1c cN0 (2 cm or less, node negative)" in text
    # A bad category comes back as a named error, with the form kept.
    page.goto(server.url + "/")
    page.get_by_label("Tumour type").select_option("breast")
    page.get_by_label("T category", exact=True).fill("T9")
    page.get_by_role("button", name="Assess").click()
    page.wait_for_selector(".error")
    # (named by the form's label, not the case document's path "tumor.t_category": web review 2026-11-27)
    assert "T category: 'T9' is not valid" in page.locator(".error").inner_text()
    assert page.get_by_label("T category", exact=True).input_value() == "T9"


def test_hostile_report_text_is_escaped(page: Any, server: Server) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url + "/")
    page.get_by_label("Tumour type").select_option("breast")
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script> HER2 by IHC: 3+ (positive).'
    page.locator("#report_text").fill(hostile)
    page.get_by_role("button", name="Assess").click()
    page.wait_for_selector("#her2")
    assert dialogs == []
    assert page.locator("script").count() == 0
    html = page.content()
    assert "<script>alert(2)</script>" not in html


def test_knowledge_explorer_search(page: Any, server: Server) -> None:
    page.goto(server.url + "/kb")
    page.get_by_label("Search agents, indications, trials, topics").fill("DESTINY-Breast03")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="DESTINY-Breast03").first.click()
    assert "trial:destiny-breast03" in page.content()


def test_keyboard_only_submission(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    page.keyboard.press("Tab")  # the skip link is the first focusable element
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("Tumour type").focus()
    page.keyboard.press("End")  # last option: other solid tumour
    page.get_by_role("button", name="Assess").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#her2")
    assert "INDETERMINATE" in page.locator(".result").inner_text()


def test_monitoring_page_draws_the_plot(page: Any, server: Server) -> None:
    from tests.conftest import ROOT

    page.goto(server.url + "/monitor")
    page.locator("#course").fill((ROOT / "examples" / "course-tdxd.json").read_text())
    page.get_by_role("button", name="Evaluate").click()
    page.wait_for_selector("#today")
    assert "REDUCE" in page.locator("#today").inner_text()
    assert page.locator("figure svg").count() == 1


def test_the_api_docs_render_from_the_server_alone(page: Any, server: Server) -> None:
    """Swagger UI runs from her2kit's own copy of its files under the page's content policy: no request leaves
    127.0.0.1 and the browser reports no error (a policy violation is one)."""
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(server.url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "her2kit" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)  # the operations, read from /openapi.json
    assert page.locator(".opblock-summary-path").count() >= 5
    assert [url for url in requests if not url.startswith(server.url) and not url.startswith("data:")] == []
    assert problems == []
