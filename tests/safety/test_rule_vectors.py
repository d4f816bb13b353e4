"""Every monitoring rule of the knowledge base, tested against its label table.

The vectors live in ``tests/safety/vectors/*.yaml``, written from the label text (not
from the knowledge base): each is a minimal course document, the rule id it exercises,
the label words it was taken from, and what the label says should happen. Dates may be
written relative to ``today`` as ``day-21`` / ``day+0``.

Completeness: every ``cardiac_monitoring`` record has a vector per band plus one where no
band applies, and every ``ae_rules`` record has at least one vector in which it fires.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from her2kit.kb import default_kb
from her2kit.safety import monitor, parse_course
from tests.safety.courses import D0

VECTORS = Path(__file__).resolve().parent / "vectors"
TODAY = D0
RELATIVE = re.compile(r"^day([+-]\d+)$")
EXPECT_KEYS = {
    "action",
    "fires",
    "not_fires",
    "dose_level",
    "mg",
    "kind",
    "next_dose_date",
    "next_lvef_due",
    "needs",
}


def _dates(value: Any) -> Any:
    if isinstance(value, str) and (m := RELATIVE.match(value)):
        return (TODAY + dt.timedelta(days=int(m.group(1)))).isoformat()
    if isinstance(value, dict):
        return {k: _dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates(v) for v in value]
    return value


def _load() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(VECTORS.glob("*.yaml")):
        for index, vector in enumerate(yaml.safe_load(path.read_text()) or []):
            out.append((f"{path.stem}[{index}]:{vector.get('rule')}", vector))
    return out


ALL = _load()


def _course(vector: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema_version": "1", "id": "vector", "weight_kg": 70, "today": "day+0"}
    doc.update(vector["course"])
    return _dates(doc)


@pytest.mark.parametrize(("name", "vector"), ALL, ids=[n for n, _ in ALL])
def test_vector(name: str, vector: dict[str, Any]) -> None:
    assert set(vector) <= {"rule", "label", "course", "expect", "note"}, name
    assert vector.get("label"), f"{name}: say which label words the expectation comes from"
    expect = vector["expect"]
    assert set(expect) <= EXPECT_KEYS, f"{name}: unknown expect keys {set(expect) - EXPECT_KEYS}"
    result = monitor(parse_course(_course(vector)))
    fired = [step.rule for step in result.rationale]
    assert result.action == expect["action"], f"{name}: {result.action} ≠ {expect['action']}; fired {fired}"
    fires = expect.get("fires", vector["rule"])
    for rule in [fires] if isinstance(fires, str) else fires:
        assert rule in fired, f"{name}: {rule} did not fire; fired {fired}"
    for rule in expect.get("not_fires", []):
        assert rule not in fired, f"{name}: {rule} fired"
    if "dose_level" in expect or "mg" in expect or "kind" in expect or "next_dose_date" in expect:
        assert result.next_dose is not None, f"{name}: no next dose"
        if "dose_level" in expect:
            assert result.next_dose.dose_level == expect["dose_level"], name
        if "mg" in expect:
            assert result.next_dose.mg == pytest.approx(expect["mg"]), name
        if "kind" in expect:
            assert result.next_dose.kind == expect["kind"], name
        if "next_dose_date" in expect:
            assert result.next_dose.date.isoformat() == _dates(expect["next_dose_date"]), name
    if "next_lvef_due" in expect:
        due = result.next_lvef_due.isoformat() if result.next_lvef_due else None
        assert due == _dates(expect["next_lvef_due"]), name
    for fragment in expect.get("needs", []):
        assert any(fragment in need for need in result.needs), f"{name}: no need mentioning {fragment!r}"


def test_every_rule_has_vectors() -> None:
    kb = default_kb()
    counts = Counter(vector["rule"] for _, vector in ALL)
    unknown = sorted(set(counts) - set(kb.cardiac_monitoring) - set(kb.ae_rules) - set(kb.regimens))
    assert not unknown, f"vectors name rules the knowledge base does not have: {unknown}"
    missing = [
        f"{rule.id} (has {counts[rule.id]}, needs {len(rule.bands) + 1})"
        for rule in kb.cardiac_monitoring.values()
        if counts[rule.id] < len(rule.bands) + 1
    ]
    missing += [rule for rule in kb.ae_rules if counts[rule] < 1]
    assert not missing, "rules without label vectors: " + ", ".join(missing)
