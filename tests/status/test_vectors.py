"""Guideline test vectors (tests/data/status_vectors.yaml), plus a completeness meta-test."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from her2kit.case import Her2Test
from her2kit.status import interpret_her2
from her2kit.status.interpret import ALL_RULES
from tests.conftest import DATA

VECTORS: list[dict[str, Any]] = yaml.safe_load((DATA / "status_vectors.yaml").read_text())["vectors"]
TESTS = TypeAdapter(list[Her2Test])


def run(vector: dict[str, Any]):  # type: ignore[no-untyped-def]
    return interpret_her2(TESTS.validate_python(vector["tests"]), vector["tumor"])


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    status = run(vector)
    expect = vector["expect"]
    assert status.result == expect["result"], status.summary
    if "category" in expect:
        assert status.category == expect["category"]
    if "ish_group" in expect:
        assert status.ish_group == expect["ish_group"]
    fired = [r.rule for r in status.rationale]
    for rule_id in expect.get("rules", []):
        assert rule_id in fired, f"{rule_id} not in {fired}"
    if "actions" in expect:
        codes = [a.code for a in status.actions]
        if expect["actions"] == []:
            assert codes == []
        for code in expect["actions"]:
            assert code in codes, f"{code} not in {codes}"
    for code in expect.get("discordances", []):
        assert code in [d.code for d in status.discordances]
    assert all(r.references for r in status.rationale if r.rule != "status.no-ihc-ish")


def test_vector_ids_are_unique() -> None:
    ids = [v["id"] for v in VECTORS]
    assert len(ids) == len(set(ids))


def test_every_rule_has_a_vector() -> None:
    fired = {r.rule for v in VECTORS for r in run(v).rationale}
    assert fired <= ALL_RULES, f"rules fired but not registered: {sorted(fired - ALL_RULES)}"
    missing = ALL_RULES - fired
    assert not missing, f"rules without a test vector: {sorted(missing)}"


@pytest.mark.parametrize(
    ("tumor", "outcomes"),
    [
        (
            "breast",
            {
                ("positive", "HER2-positive"),
                ("negative", "HER2-low"),
                ("negative", "HER2-ultralow"),
                ("negative", "HER2-null"),
                ("negative", "HER2-negative"),
                ("equivocal", "unknown"),
                ("indeterminate", "unknown"),
            },
        ),
        (
            "gastric",
            {
                ("positive", "HER2-positive"),
                ("negative", "HER2-negative"),
                ("equivocal", "unknown"),
                ("indeterminate", "unknown"),
            },
        ),
        (
            "colorectal",
            {
                ("positive", "HER2-positive"),
                ("negative", "HER2-negative"),
                ("equivocal", "unknown"),
                ("indeterminate", "unknown"),
            },
        ),
    ],
)
def test_every_outcome_has_a_vector(tumor: str, outcomes: set[tuple[str, str]]) -> None:
    from her2kit.vocab import GASTROESOPHAGEAL, normalise_tumor_type

    def family(t: str) -> str:
        t = normalise_tumor_type(t)
        return "breast" if t == "breast" else "gastric" if t in GASTROESOPHAGEAL else "colorectal"

    seen = {(s.result, s.category) for v in VECTORS if family(v["tumor"]) == tumor for s in [run(v)]}
    assert outcomes <= seen, f"outcomes without a vector: {outcomes - seen}"


def test_every_registered_rule_literal_is_registered() -> None:
    """Literal rule ids written in the modules are all in the registry (catches a typo'd id)."""
    import re
    from pathlib import Path

    import her2kit.status as pkg

    for path in Path(pkg.__file__).parent.glob("*.py"):
        for rule_id in re.findall(r'rule\(\s*"([^"]+)"', path.read_text()):
            assert rule_id in ALL_RULES, f"{path.name}: {rule_id}"


def test_docs_cite_existing_vectors() -> None:
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "her2-status.md").read_text()
    ids = {v["id"] for v in VECTORS}
    cited = set(re.findall(r"`((?:breast|gea|solid)-[a-z0-9-]+)`", text))
    assert cited, "docs/her2-status.md cites no vectors"
    assert cited <= ids, f"docs cite unknown vectors: {sorted(cited - ids)}"
