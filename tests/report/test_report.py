"""The clinical report: HTML content, escaping, references, determinism, PDF and the forest plot."""

from __future__ import annotations

import json
import re
import zlib
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from her2kit.assessment import Assessment
from her2kit.case import Case, load_case, parse_case
from her2kit.errors import InvalidInput
from her2kit.kb.load import KnowledgeBase
from her2kit.match import assess
from her2kit.report import build_report, write_report
from her2kit.report.build import forest_rows
from her2kit.report.plots import forest_plot_svg
from her2kit.safety import Course, load_course, monitor

ROOT = Path(__file__).resolve().parents[2]
VIGNETTES = ROOT / "tests" / "vignettes"


def _vignette(name: str) -> Case:
    return parse_case(json.loads((VIGNETTES / name).read_text(encoding="utf-8"))["case"])


@pytest.fixture(scope="module")
def breast(kb: KnowledgeBase) -> tuple[Case, Assessment]:
    case = _vignette("03-mbc-her2pos-2l.json")
    return case, assess(case, kb)


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(ROOT / "examples" / "course-tdxd.json")


@pytest.fixture(scope="module")
def html(kb: KnowledgeBase, breast: tuple[Case, Assessment]) -> str:
    case, assessment = breast
    return build_report(assessment, case, kb)


@pytest.fixture(scope="module")
def full_html(kb: KnowledgeBase, course: Course) -> str:
    case = load_case(ROOT / "examples" / "breast-her2-low.json")
    return build_report(assess(case, kb), case, kb, course=course)


def _text(html: str) -> str:
    """Visible text, roughly: tags dropped, whitespace collapsed (enough for content checks)."""
    html = re.sub(r"<svg\b.*?</svg>", " ", html, flags=re.DOTALL)
    html = re.sub(r"<style\b.*?</style>", " ", html, flags=re.DOTALL)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# ------------------------------------------------------------------------------------------ content
def test_html_content_for_a_breast_vignette(
    html: str, breast: tuple[Case, Assessment], kb: KnowledgeBase
) -> None:
    _, assessment = breast
    text = _text(html)
    assert html.startswith("<!DOCTYPE html>")
    assert "v03" in text
    assert kb.version in text
    assert "supports clinical decisions; it does not make them" in text
    # HER2 status and its decision path: rule id, guideline section, inputs, conclusion
    assert "POSITIVE" in text
    for fired in assessment.her2.rationale:
        assert fired.rule in text
        assert fired.section in text
        assert fired.conclusion in text
    assert "score = 3+" in text
    # ranked options with regulatory status, ESCAT tier, effect and criteria
    assert assessment.options
    for option in assessment.options:
        assert option.name in text
        assert option.evidence.regulatory in text
        assert option.evidence.level in text
        assert option.evidence.effect is None or option.evidence.effect in text
        for criterion in option.criteria_met:
            assert criterion in text
    assert "Missing information" in text
    assert "Contraindications" in text
    # not recommended, with reasons
    for item in assessment.not_recommended:
        assert item.indication in text
        for reason in item.reasons:
            assert reason in text
    # the forest plot is inline SVG; no monitoring section without a course
    assert "<svg" in html
    assert "Treatment monitoring" not in text


def test_inline_only_no_external_resources(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//|file:)""", html)
    assert "@import" not in html
    assert "<link" not in html
    assert "<script" not in html


def test_monitoring_section_with_a_course(full_html: str, kb: KnowledgeBase, course: Course) -> None:
    result = monitor(course, kb)
    text = _text(full_html)
    assert "Treatment monitoring" in text
    assert result.action.upper() in text
    assert result.next_dose is not None
    assert result.next_dose.date.isoformat() in text
    assert f"{result.next_dose.mg:g} mg" in text
    assert "Next LVEF due" in text
    assert full_html.count("<svg") == 2  # forest plot and LVEF plot
    for step in result.rationale:
        assert step.rule in text


def test_monitor_result_without_course_has_no_lvef_plot(
    kb: KnowledgeBase, breast: tuple[Case, Assessment], course: Course
) -> None:
    case, assessment = breast
    result = monitor(course, kb)
    out = build_report(assessment, case, kb, monitor_result=result)
    assert "Treatment monitoring" in _text(out)
    assert out.count("<svg") == 1


# ------------------------------------------------------------------------------------------ escaping
def test_hostile_text_is_escaped(kb: KnowledgeBase) -> None:
    data: dict[str, Any] = json.loads((VIGNETTES / "03-mbc-her2pos-2l.json").read_text(encoding="utf-8"))[
        "case"
    ]
    data["id"] = "<script>alert('id')</script>"
    data["tumor"]["histology"] = '</td><img src=x onerror="alert(1)">'
    data["medications"] = ["<script>alert('drug')</script>"]
    data["history"]["therapies"][0]["agents"].append("<b>evil</b>")
    case = parse_case(data)
    out = build_report(assess(case, kb), case, kb)
    assert "<script" not in out.lower()
    assert "<img" not in out
    assert "<b>evil" not in out
    assert "&lt;script&gt;alert(&#39;id&#39;)&lt;/script&gt;" in out
    assert "&lt;script&gt;alert(&#39;drug&#39;)&lt;/script&gt;" in out
    assert "&lt;/td&gt;&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in out


# ------------------------------------------------------------------------------------------ references
def test_references_numbered_and_resolved(full_html: str, kb: KnowledgeBase) -> None:
    cited = [int(n) for n in re.findall(r'<a class="cite" href="#ref-(\d+)"', full_html)]
    entries = re.findall(r'<li id="ref-(\d+)" value="\d+">(.*?)</li>', full_html, flags=re.DOTALL)
    numbers = [int(n) for n, _ in entries]
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(cited) == set(numbers)
    # numbered in order of first citation
    first_seen = list(dict.fromkeys(cited))
    assert first_seen[0] == 1
    assert all(n <= max(first_seen[:i], default=0) + 1 for i, n in enumerate(first_seen))
    assert "not found in the knowledge base" not in full_html
    ids = [re.search(r'class="ref-id">(ref:[^<]+)<', body) for _, body in entries]
    assert all(ids)
    for match in ids:
        assert match is not None
        ref = kb.references[match.group(1)]
        assert ref.title in _text(full_html)
        if ref.kind == "label" and ref.revision_date:
            assert f"label revised {ref.revision_date.isoformat()}" in full_html
    # the label behind the option, the ESCAT paper and the monitoring sources are all cited
    for ref_id in ("ref:label-enhertu", "ref:pmid-30137196", "ref:guideline-nci-ctcae-v5-2017"):
        assert f'class="ref-id">{ref_id}<' in full_html


def test_no_raw_reference_ids_in_body(full_html: str) -> None:
    body = full_html.split('<section id="references">')[0]
    body = re.sub(r'title="ref:[^"]*"', "", body)
    assert "ref:" not in _text(body)


# ------------------------------------------------------------------------------------------ determinism
def test_html_is_deterministic(kb: KnowledgeBase, course: Course, full_html: str) -> None:
    case = load_case(ROOT / "examples" / "breast-her2-low.json")
    again = build_report(assess(case, kb), case, kb, course=course)
    assert again == full_html


# ------------------------------------------------------------------------------------------ forest plot
def test_forest_plot_contains_each_trial(kb: KnowledgeBase, breast: tuple[Case, Assessment]) -> None:
    _, assessment = breast
    rows = forest_rows(assessment.options, kb)
    assert len(rows) >= 2
    svg = forest_plot_svg([(row.trial.name, row.result) for row in rows])
    assert svg.startswith("<svg")
    for row in rows:
        assert row.trial.name in svg
        assert row.result.endpoint in svg
        assert f"HR {row.result.hazard_ratio:g}" in svg
    assert svg == forest_plot_svg([(row.trial.name, row.result) for row in rows])
    assert "<dc:date>" not in svg


def test_forest_plot_empty_input() -> None:
    assert "No hazard ratio" in forest_plot_svg([])


# ------------------------------------------------------------------------------------------ writing
def test_pdf_is_produced(full_html: str, tmp_path: Path) -> None:
    out = write_report(full_html, tmp_path / "report.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 10_000


def test_pdf_is_byte_identical_between_runs(full_html: str, tmp_path: Path) -> None:
    first = write_report(full_html, tmp_path / "first.pdf").read_bytes()
    second = write_report(full_html, tmp_path / "second.pdf").read_bytes()
    assert first == second
    assert b"/CreationDate" not in first


def _embedded_fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts embedded in a WeasyPrint PDF (subset prefix dropped)."""
    names: set[str] = set()
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, flags=re.DOTALL):
        try:
            body = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        names.update(
            name.decode().split("+", 1)[-1]
            for name in re.findall(rb"/(?:BaseFont|FontName)\s*/([^\s/>\]]+)", body)
        )
    return names


def test_pdf_renders_cjk_text_with_a_cjk_font(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Chinese, Japanese and Korean text (a hospital's case id, a histology in the local language) is drawn
    with a font that has the glyphs (the project's set-up installs one), not as empty boxes."""
    raw = json.loads((ROOT / "examples" / "breast-her2-low.json").read_text(encoding="utf-8"))
    raw["id"] = "患者-0042 환자 かんじゃ"
    raw["tumor"]["histology"] = "浸润性导管癌 (invasive ductal carcinoma)"
    case = parse_case(raw)
    html = build_report(assess(case, kb), case, kb)
    assert "浸润性导管癌" in html
    fonts = _embedded_fonts(write_report(html, tmp_path / "cjk.pdf").read_bytes())
    assert any(name.startswith("WenQuanYi") for name in fonts), fonts
    assert "DejaVu-Sans" in fonts  # Latin text keeps the report's own font


def test_html_is_written(html: str, tmp_path: Path) -> None:
    out = write_report(html, tmp_path / "report.HTML")
    assert out.read_text(encoding="utf-8") == html


@pytest.mark.parametrize("name", ["report.txt", "report", "report.docx"])
def test_invalid_output_extension(html: str, tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        write_report(html, tmp_path / name)
    assert info.value.field == "output"
    assert info.value.allowed == ".html or .pdf"
    assert not (tmp_path / name).exists()


def test_a_course_for_another_tumour_is_refused(kb: KnowledgeBase, course: Course) -> None:
    """A breast T-DXd course rendered with a gastro-oesophageal case would show the breast label's dose levels
    (a review found 299.2 mg at level -1 where the gastric label gives 367.2 mg)."""
    case = load_case(ROOT / "examples" / "gastric-ihc2-ish.json")
    with pytest.raises(InvalidInput) as caught:
        build_report(assess(case, kb), case, kb, course=course)
    assert caught.value.field == "course.indication"
    assert "gej" in str(caught.value)


def test_a_course_for_the_same_tumour_group_is_accepted(kb: KnowledgeBase, course: Course) -> None:
    case = load_case(ROOT / "examples" / "gastric-ihc2-ish.json")
    gastric = course.model_copy(update={"indication": "gastric"})
    assert "trastuzumab deruxtecan" in build_report(assess(case, kb), case, kb, course=gastric)


def test_control_characters_are_not_copied_into_the_html(kb: KnowledgeBase) -> None:
    case = load_case(ROOT / "examples" / "breast-her2-low.json")
    odd = case.model_copy(
        update={"tumor": case.tumor.model_copy(update={"histology": "ductal\x00\x07\x1b carcinoma"})}
    )
    html = build_report(assess(odd, kb), odd, kb)
    assert "ductal carcinoma" in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html)


def test_long_unbroken_text_may_wrap() -> None:
    """WeasyPrint cuts a word wider than the page unless it may break (a review found 301 of 8,000 characters of a
    long histology left in the PDF): all text wraps long words, and the cells with the case's own text (case id,
    histology, agents) may break anywhere, which also lets their table shrink to the page."""
    css = (ROOT / "src" / "her2kit" / "report" / "templates" / "report.css").read_text(encoding="utf-8")
    html_rule = next(line for line in css.splitlines() if line.startswith("html {"))
    assert "overflow-wrap: break-word" in html_rule
    assert "table.meta td, table.kv td { overflow-wrap: anywhere; }" in css


def test_ref_ids_in_the_user_s_input_are_shown_as_written(kb: KnowledgeBase) -> None:
    """A medication written as "ref:fake-trial-proves-cure" is quoted in the unrecognised-medication note; it is not
    turned into a citation (nor into a red "not found in the knowledge base" reference entry)."""
    case = load_case(ROOT / "examples" / "breast-her2-low.json")
    odd = case.model_copy(update={"medications": ["ref:fake-trial-proves-cure", "ref:pmid-30137196"]})
    html = build_report(assess(odd, kb), odd, kb)
    assert "ref:fake-trial-proves-cure" in unescape(html)
    assert "not found in the knowledge base" not in html


@pytest.mark.parametrize(
    ("tumor", "shown", "hidden"),
    [
        ({"t_category": "cT2", "n_category": "cN1", "yp_n_category": "ypN0"}, ["cT2 cN1", "ypN0"], []),
        ({"stage": "cT2 cN1 M0"}, ["cT2 cN1 M0"], ["T and N<"]),  # the stage row already shows them
    ],
)
def test_the_case_table_shows_the_t_and_n_categories(
    tumor: dict[str, Any], shown: list[str], hidden: list[str], kb: KnowledgeBase
) -> None:
    case = parse_case(
        {
            "schema_version": "1",
            "id": "staged",
            "tumor": {"type": "breast", "setting": "early", **tumor},
            "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
        }
    )
    html = build_report(assess(case, kb), case, kb)
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html
