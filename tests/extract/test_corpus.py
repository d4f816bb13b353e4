"""Accept and reject corpora: real-report-style snippets with what must (not) be extracted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from her2kit.extract import ExtractedIhc, ExtractedIsh, extract_report

DATA = Path(__file__).parent / "data"
ACCEPT: list[dict[str, Any]] = yaml.safe_load((DATA / "accept.yaml").read_text(encoding="utf-8"))
REJECT: list[dict[str, Any]] = yaml.safe_load((DATA / "reject.yaml").read_text(encoding="utf-8"))


def test_corpus_sizes() -> None:
    assert len(ACCEPT) >= 60
    assert len(REJECT) >= 30


# Cases with "open" are known failures not fixed yet: strict xfail, so that a fix shows.
_ACCEPT_PARAMS = [
    pytest.param(
        c, id=c["text"][:40], marks=pytest.mark.xfail(strict=True, reason=c["open"]) if "open" in c else ()
    )
    for c in ACCEPT
]


@pytest.mark.parametrize("case", _ACCEPT_PARAMS)
def test_accept(case: dict[str, Any]) -> None:
    result = extract_report(case["text"])
    ihc = [t for t in result.her2_tests if isinstance(t, ExtractedIhc)]
    ish = [t for t in result.her2_tests if isinstance(t, ExtractedIsh)]
    if "ihc" in case:
        assert [t.score for t in ihc] == case["ihc"]
    if "ish" in case:
        assert len(ish) == len(case["ish"])
        for test, want in zip(ish, case["ish"], strict=True):
            for key, value in want.items():
                got = getattr(test, key)
                assert got == pytest.approx(value) if isinstance(value, float) else got == value, key
    for key, attr in (("stated", "stated_status"), ("pending", "pending"), ("er", "er"), ("pr", "pr")):
        if key in case:
            assert getattr(result, attr) == case[key], key
    first = result.her2_tests[0] if result.her2_tests else None
    for key in ("specimen_id", "assay", "source", "specimen", "percent_cells"):
        if key in case:
            assert first is not None
            got = getattr(first, key)
            if key == "assay":
                assert got is not None
                assert case[key] in got
            else:
                assert got == case[key], key
    if "warning" in case:
        assert any(case["warning"].lower() in w.lower() for w in result.warnings), result.warnings
    if "no_warning" in case:
        assert not any(case["no_warning"].lower() in w.lower() for w in result.warnings), result.warnings


@pytest.mark.parametrize("case", REJECT, ids=[c["reason"] for c in REJECT])
def test_reject(case: dict[str, Any]) -> None:
    result = extract_report(case["text"])
    if "field" in case:
        assert getattr(result, case["field"]) is None, case["reason"]
        return
    assert result.her2_tests == [], case["reason"]
    assert result.stated_status is None, case["reason"]
    assert result.pending is False, case["reason"]
