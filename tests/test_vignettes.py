"""Clinical vignettes (tests/vignettes/*.json): each written from a label or trial eligibility it cites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from her2kit.assessment import Assessment
from her2kit.case import parse_case
from her2kit.kb.load import KnowledgeBase
from her2kit.match import assess

VIGNETTES = sorted((Path(__file__).parent / "vignettes").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _codes(option: Any) -> list[str]:
    return [f.code for f in [*option.cautions, *option.contraindications]]


def test_there_are_at_least_forty_vignettes() -> None:
    assert len(VIGNETTES) >= 40


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette(path: Path, kb: KnowledgeBase) -> None:
    doc = _load(path)
    assert doc["source"], "each vignette cites the label or trial it is written from"
    result: Assessment = assess(parse_case(doc["case"]), kb)
    expect = doc["expect"]
    ids = [o.id for o in result.options]
    by_id = {o.id: o for o in result.options}
    not_recommended = {n.indication for n in result.not_recommended}
    if "her2_category" in expect:
        assert result.her2.category == expect["her2_category"]
    if "leading" in expect:
        assert ids[: len(expect["leading"])] == expect["leading"], ids
    if "top_set" in expect:
        assert set(ids[: len(expect["top_set"])]) == set(expect["top_set"]), ids
    for iid in expect.get("not_leading", []):
        assert iid in ids, ids
        assert ids[0] != iid, ids
    for iid in expect.get("includes", []):
        assert iid in ids, f"{iid} missing from {ids}"
    for iid in expect.get("absent", []):
        assert iid not in ids, f"{iid} should not be offered"
    for iid in expect.get("not_recommended", []):
        assert iid in not_recommended, f"{iid} not in not_recommended {sorted(not_recommended)}"
    for iid, code in expect.get("flagged", {}).items():
        assert iid in by_id, ids
        assert any(c.startswith(code) for c in _codes(by_id[iid])), _codes(by_id[iid])
    if "all_flagged" in expect:
        assert result.options
        for option in result.options:
            assert any(c.startswith(expect["all_flagged"]) for c in _codes(option)), (
                option.id,
                _codes(option),
            )
    if expect.get("no_options"):
        assert ids == []
        assert any("No HER2-directed option" in n for n in result.notes)
    if expect.get("all_missing"):
        assert result.options
        assert all(o.missing for o in result.options), [(o.id, o.missing) for o in result.options]
    for iid, text in expect.get("missing_for", {}).items():
        assert iid in by_id, ids
        assert any(text.lower() in m.lower() for m in by_id[iid].missing), by_id[iid].missing


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_every_option_traces_to_an_indication_with_references(path: Path, kb: KnowledgeBase) -> None:
    result = assess(parse_case(_load(path)["case"]), kb)
    for option in result.options:
        assert option.id in kb.indications
        assert option.evidence.references
        for ref in option.evidence.references:
            assert ref in kb.references, ref
        assert [o.rank for o in result.options] == list(range(1, len(result.options) + 1))
