"""docs/safety.md lists every rule with its source and is regenerated from the knowledge base."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def test_safety_doc_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen_safety_doc", ROOT / "scripts" / "gen_safety_doc.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from her2kit.kb import default_kb

    expected = module.render(default_kb())
    actual = (ROOT / "docs" / "safety.md").read_text()
    assert actual == expected, "docs/safety.md is stale: run python scripts/gen_safety_doc.py"
