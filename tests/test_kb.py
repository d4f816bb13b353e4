"""The knowledge base is tested like code: schema, references, hygiene; failures name the record."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from her2kit.errors import KnowledgeBaseError, NotFound
from her2kit.kb import load_kb
from her2kit.kb.load import SECTIONS, KnowledgeBase, data_dir


def test_bundled_kb_is_valid(kb: KnowledgeBase) -> None:
    assert kb.version == kb.manifest.version


def test_required_content_present(kb: KnowledgeBase) -> None:
    for agent in [
        "trastuzumab",
        "pertuzumab",
        "trastuzumab-hyaluronidase",
        "pertuzumab-trastuzumab-hyaluronidase",
        "lapatinib",
        "neratinib",
        "tucatinib",
        "trastuzumab-emtansine",
        "trastuzumab-deruxtecan",
        "margetuximab",
        "zanidatamab",
        "zongertinib",
        "sevabertinib",
    ]:
        assert f"agent:{agent}" in kb.agents
    assert len(kb.trials) >= 20
    for section in ("indications", "regimens", "adverse_events", "topics", "biology"):
        assert kb.section(section), section


def test_every_record_cites_a_known_reference(kb: KnowledgeBase) -> None:
    for name, record in kb.all_records():
        if name == "references":
            continue
        refs = record.references  # type: ignore[attr-defined]
        assert refs, record.id  # type: ignore[attr-defined]
        for ref in refs:
            assert ref in kb.references, f"{record.id}: {ref}"  # type: ignore[attr-defined]


def test_agent_names_are_lower_case_inn(kb: KnowledgeBase) -> None:
    for agent in kb.agents.values():
        assert agent.name == agent.name.lower()
        assert agent.id == "agent:" + agent.name.replace(" and ", " ").replace(" ", "-") or agent.id


def test_adcs_have_payload(kb: KnowledgeBase) -> None:
    for agent in kb.agents.values():
        if agent.agent_class == "adc":
            assert agent.payload, agent.id


def test_labels_have_revision_dates(kb: KnowledgeBase) -> None:
    for ref in kb.references.values():
        if ref.kind == "label":
            assert ref.revision_date is not None, ref.id


def test_indication_approvals_are_chronological(kb: KnowledgeBase) -> None:
    for ind in kb.indications.values():
        dates = [a.date for a in ind.approvals]
        assert dates == sorted(dates), ind.id


@pytest.mark.parametrize(
    "key",
    [
        "T-DXd",
        "Enhertu",
        "trastuzumab deruxtecan",
        "agent:trastuzumab-deruxtecan",
        "fam-trastuzumab deruxtecan-nxki",
    ],
)
def test_agent_aliases(kb: KnowledgeBase, key: str) -> None:
    assert kb.agent(key).id == "agent:trastuzumab-deruxtecan"


def test_unknown_agent_suggests(kb: KnowledgeBase) -> None:
    with pytest.raises(NotFound) as info:
        kb.agent("trastuzumab deruxtecn")
    assert "trastuzumab deruxtecan" in str(info.value)


def test_find_trial_by_name(kb: KnowledgeBase) -> None:
    assert kb.find("DESTINY-Breast03").id == "trial:destiny-breast03"  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- broken copies
@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(data_dir(), target)
    return target


def _append(path: Path, section: str, record: dict) -> None:  # type: ignore[type-arg]
    path.write_text(yaml.safe_dump({section: [record]}, allow_unicode=True))


def _problems(directory: Path) -> str:
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(directory)
    return str(info.value)


def _bio(rid: str, refs: list[str]) -> dict:  # type: ignore[type-arg]
    return {"id": rid, "topic": "gene", "statement": "test statement", "references": refs}


def test_record_without_reference_fails(kb_copy: Path) -> None:
    _append(kb_copy / "zz_test.yaml", "biology", _bio("bio:test-no-ref", []))
    text = _problems(kb_copy)
    assert "zz_test.yaml: bio:test-no-ref: references" in text


def test_unknown_reference_fails(kb_copy: Path) -> None:
    _append(kb_copy / "zz_test.yaml", "biology", _bio("bio:test-bad-ref", ["ref:pmid-1"]))
    text = _problems(kb_copy)
    assert "bio:test-bad-ref: unknown reference id 'ref:pmid-1'" in text


def test_duplicate_id_fails(kb_copy: Path, kb: KnowledgeBase) -> None:
    existing = next(iter(kb.biology.values()))
    _append(kb_copy / "zz_test.yaml", "biology", _bio(existing.id, list(existing.references)))
    assert f"{existing.id}: duplicate id" in _problems(kb_copy)


def test_unknown_unit_fails(kb_copy: Path, kb: KnowledgeBase) -> None:
    regimen = next(iter(kb.regimens.values())).model_dump(mode="json", exclude_none=True)
    regimen["id"] = "regimen:test-unit"
    regimen["maintenance_dose"] = {"value": 6, "unit": "mg/kilo"}
    _append(kb_copy / "zz_test.yaml", "regimens", regimen)
    text = _problems(kb_copy)
    assert "regimen:test-unit: maintenance_dose.unit" in text
    assert "unknown unit 'mg/kilo'" in text


def test_dates_out_of_order_fail(kb_copy: Path, kb: KnowledgeBase) -> None:
    ind = next(iter(kb.indications.values())).model_dump(mode="json", exclude_none=True)
    ind["id"] = "ind:test-dates"
    ind["approvals"] = [
        {"date": "2020-01-01", "kind": "original"},
        {"date": "2019-01-01", "kind": "expansion"},
    ]
    _append(kb_copy / "zz_test.yaml", "indications", ind)
    assert "ind:test-dates: approvals are not in date order" in _problems(kb_copy)


def test_future_approval_fails(kb_copy: Path, kb: KnowledgeBase) -> None:
    ind = next(iter(kb.indications.values())).model_dump(mode="json", exclude_none=True)
    ind["id"] = "ind:test-future"
    ind["approvals"] = [{"date": "2099-01-01", "kind": "original"}]
    _append(kb_copy / "zz_test.yaml", "indications", ind)
    assert "ind:test-future: approval dated after the KB release date" in _problems(kb_copy)


def test_hazard_ratio_outside_ci_fails(kb_copy: Path, kb: KnowledgeBase) -> None:
    trial = next(t for t in kb.trials.values() if any(r.hazard_ratio for r in t.results))
    doc = trial.model_dump(mode="json", exclude_none=True)
    doc["id"] = "trial:test-hr"
    result = next(r for r in doc["results"] if r.get("hazard_ratio"))
    result["ci95"] = [result["hazard_ratio"] + 0.1, result["hazard_ratio"] + 0.2]
    _append(kb_copy / "zz_test.yaml", "trials", doc)
    assert "trial:test-hr" in _problems(kb_copy)


def test_unknown_key_fails(kb_copy: Path) -> None:
    record = _bio("bio:test-extra", ["ref:guideline-asco-cap-breast-2018"])
    record["colour"] = "blue"
    _append(kb_copy / "zz_test.yaml", "biology", record)
    assert "bio:test-extra: colour: Extra inputs are not permitted" in _problems(kb_copy)


def test_unknown_section_fails(kb_copy: Path) -> None:
    (kb_copy / "zz_test.yaml").write_text("drugs: []\n")
    assert "unknown section 'drugs'" in _problems(kb_copy)


def test_malformed_yaml_names_file(kb_copy: Path) -> None:
    (kb_copy / "zz_test.yaml").write_text("biology: [unclosed\n")
    assert "zz_test.yaml: not valid YAML" in _problems(kb_copy)


def test_sections_cover_the_export_keys() -> None:
    assert {"agents", "indications", "regimens", "trials", "adverse_events", "references", "topics"} <= set(
        SECTIONS
    )


def test_a_head_to_head_relation_must_name_known_records(kb_copy: Path) -> None:
    path = kb_copy / "indications.yaml"
    text = path.read_text()
    marker = "    superior_to:\n      - indication: ind:lapatinib-breast-metastatic-capecitabine\n"
    assert marker in text
    path.write_text(text.replace(marker, "    superior_to:\n      - indication: ind:no-such-indication\n", 1))
    assert "unknown indication id 'ind:no-such-indication'" in _problems(kb_copy)


def test_a_head_to_head_result_quotes_its_trial_record(kb_copy: Path) -> None:
    path = kb_copy / "indications.yaml"
    text = path.read_text()
    assert "PFS HR 0.65 (primary analysis)" in text
    path.write_text(text.replace("PFS HR 0.65 (primary analysis)", "PFS HR 0.55 (primary analysis)", 1))
    assert "superior_to quotes HR 0.55, which the trial record does not hold" in _problems(kb_copy)


def test_a_missed_boundary_in_the_p_value_must_be_recorded_as_not_significant(kb_copy: Path) -> None:
    path = kb_copy / "trials_breast.yaml"
    text = path.read_text()
    marker = '        p_value: "prespecified significance boundary not reached"\n        significant: false\n'
    assert marker in text
    path.write_text(
        text.replace(marker, '        p_value: "prespecified significance boundary not reached"\n', 1)
    )
    assert "p_value says the significance boundary was not reached; set significant: false" in _problems(
        kb_copy
    )


def test_a_gate_max_dose_naming_an_unknown_regimen_fails(kb_copy: Path) -> None:
    path = kb_copy / "safety_gates.yaml"
    text = path.read_text(encoding="utf-8")
    assert "regimen: regimen:lapatinib-capecitabine" in text
    path.write_text(
        text.replace("regimen: regimen:lapatinib-capecitabine", "regimen: regimen:lapatinib-nonexistent", 1),
        encoding="utf-8",
    )
    assert "unknown regimen id 'regimen:lapatinib-nonexistent'" in _problems(kb_copy)


def test_the_course_dose_bound_is_above_every_dose_the_knowledge_base_gives(kb: KnowledgeBase) -> None:
    from her2kit.safety.course import DoseGiven

    bound = next(m.le for m in DoseGiven.model_fields["mg"].metadata if getattr(m, "le", None) is not None)
    mg = [d.dose.value for g in kb.safety_gates.values() for d in g.max_dose if d.dose.unit == "mg"]
    mg += [
        r.maintenance_dose.value
        for r in kb.regimens.values()
        if r.maintenance_dose and r.maintenance_dose.unit == "mg"
    ]
    assert mg
    assert max(mg) <= bound


def test_an_interaction_to_avoid_must_state_its_remedy_and_gate_doses_are_in_mg() -> None:
    from her2kit.kb import default_kb
    from her2kit.kb.schema import SafetyGate

    gate = default_kb().safety_gates["gate:lapatinib-interacting-medication-inducers"]
    data = gate.model_dump()
    with pytest.raises(ValueError, match="needs its remedy"):
        SafetyGate.model_validate({**data, "remedy": None, "max_dose": []})
    data["max_dose"][0]["dose"]["unit"] = "mg/kg"
    with pytest.raises(ValueError, match="in mg"):
        SafetyGate.model_validate(data)


def test_kb_validate_prints_every_problem_other_commands_cap_at_50(kb_copy: Path) -> None:
    """Docs review: `kb validate` said it names every bad record, but printed 50 and "... and N more"."""
    records = [_bio(f"bio:test-no-ref-{i:02d}", []) for i in range(60)]
    (kb_copy / "zz_test.yaml").write_text(yaml.safe_dump({"biology": records}, allow_unicode=True))
    assert "… and 10 more" in _problems(kb_copy)
    out = subprocess.run(
        [sys.executable, "-m", "her2kit", "kb", "validate", str(kb_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 3
    assert "more" not in out.stderr
    for i in range(60):
        assert f"bio:test-no-ref-{i:02d}: references" in out.stderr


def test_a_trial_limit_naming_an_unknown_prior_agent_fails_validation(kb_copy: Path) -> None:
    """Closing review: an unknown agent id in TrialLimit.prior_agents_required passed validation and then raised a
    KeyError in matching for every case."""
    path = kb_copy / "indications.yaml"
    text = path.read_text()
    data = yaml.safe_load(text)
    for record in data["indications"]:
        for limit in record.get("trial_limits") or []:
            if limit.get("prior_agents_required"):
                limit["prior_agents_required"] = [
                    *limit["prior_agents_required"],
                    "agent:trastuzumab-emtansinee",
                ]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert "unknown agent id 'agent:trastuzumab-emtansinee'" in _problems(kb_copy)
