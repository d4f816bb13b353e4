"""Loading the knowledge base from its YAML files.

Each file under ``kb/data/`` is a mapping from a section name (``agents``,
``indications``, ...) to a list of records, so that a curator can split a large
section over several files. ``manifest.yaml`` holds the version. Loading
validates every record against :mod:`her2kit.kb.schema` and then the
cross-record rules of :mod:`her2kit.kb.validate`; any problem raises
:class:`~her2kit.errors.KnowledgeBaseError` naming the file and the record.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from her2kit.errors import KnowledgeBaseError, NotFound
from her2kit.kb.schema import (
    AdverseEvent,
    AeRule,
    Agent,
    BiologyFact,
    CardiacMonitoring,
    DrugClass,
    Indication,
    LabGrading,
    Manifest,
    Reference,
    Regimen,
    SafetyGate,
    Topic,
    Trial,
)
from her2kit.yamlload import safe_load

SECTIONS: dict[str, type[BaseModel]] = {
    "references": Reference,
    "biology": BiologyFact,
    "agents": Agent,
    "indications": Indication,
    "regimens": Regimen,
    "trials": Trial,
    "adverse_events": AdverseEvent,
    "drug_classes": DrugClass,
    "safety_gates": SafetyGate,
    "cardiac_monitoring": CardiacMonitoring,
    "ae_rules": AeRule,
    "lab_grading": LabGrading,
    "topics": Topic,
}


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base: records by id, per section, in file order."""

    version: str
    manifest: Manifest
    references: dict[str, Reference] = field(default_factory=dict)
    biology: dict[str, BiologyFact] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    indications: dict[str, Indication] = field(default_factory=dict)
    regimens: dict[str, Regimen] = field(default_factory=dict)
    trials: dict[str, Trial] = field(default_factory=dict)
    adverse_events: dict[str, AdverseEvent] = field(default_factory=dict)
    drug_classes: dict[str, DrugClass] = field(default_factory=dict)
    safety_gates: dict[str, SafetyGate] = field(default_factory=dict)
    cardiac_monitoring: dict[str, CardiacMonitoring] = field(default_factory=dict)
    ae_rules: dict[str, AeRule] = field(default_factory=dict)
    lab_grading: dict[str, LabGrading] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, BaseModel]:
        records: Mapping[str, BaseModel] = getattr(self, name)
        return records

    def all_records(self) -> Iterator[tuple[str, BaseModel]]:
        """Every record with its section name, sections in :data:`SECTIONS` order."""
        for name in SECTIONS:
            for record in self.section(name).values():
                yield name, record

    def get(self, record_id: str) -> BaseModel:
        for name in SECTIONS:
            records = self.section(name)
            if record_id in records:
                return records[record_id]
        raise NotFound("record", record_id)

    def find(self, key: str) -> BaseModel:
        """A record by id, by id without its prefix, by agent name/brand/alias or by trial name."""
        with contextlib.suppress(NotFound):
            return self.get(key)
        norm = _norm(key)
        hit = self._agent_names.get(norm)
        if hit:
            return self.agents[hit]
        names: dict[str, str] = {}
        for _, record in self.all_records():
            rid: str = record.id  # type: ignore[attr-defined]
            names.setdefault(_norm(rid.split(":", 1)[1]), rid)
            if isinstance(record, Trial):
                names.setdefault(_norm(record.name), rid)
        hit = names.get(norm) or names.get(norm.replace(" ", "-"))
        if hit:
            return self.get(hit)
        raise NotFound("record", key, _close(norm, {**names, **self._agent_names}))

    def moieties(self, agent_id: str) -> frozenset[str]:
        """The INN names of the HER2-directed moieties of an agent (itself, or what a co-formulation contains)."""
        agent = self.agents[agent_id]
        if agent.contains:
            return frozenset(self.agents[a].name for a in agent.contains)
        return frozenset({agent.name})

    def agent(self, name_or_alias: str) -> Agent:
        """An agent by id, INN, brand name or alias (case-insensitive)."""
        key = _norm(name_or_alias)
        hit = self._agent_names.get(key)
        if hit is None:
            raise NotFound("agent", name_or_alias, _close(key, self._agent_names))
        return self.agents[hit]

    @functools.cached_property
    def _agent_names(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for agent in self.agents.values():
            for name in [
                agent.id,
                agent.id.removeprefix("agent:"),
                agent.name,
                *agent.brands,
                *agent.aliases,
                *_biosimilar_names(agent.biosimilars),
            ]:
                index.setdefault(_norm(name), agent.id)
        return index


def _biosimilar_names(biosimilars: list[str]) -> list[str]:
    """'trastuzumab-anns (Kanjinti)' -> ['trastuzumab-anns', 'Kanjinti']."""
    names: list[str] = []
    for entry in biosimilars:
        inn, _, brand = entry.partition("(")
        names.extend(n for n in (inn.strip(), brand.rstrip(") ").strip()) if n)
    return names


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("_", " ").replace("®", "").replace("™", "").split())


def _close(key: str, index: Mapping[str, str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(key, list(index), n=3, cutoff=0.75)


def data_dir() -> Path:
    """The directory of the bundled knowledge-base YAML files."""
    return Path(str(resources.files("her2kit.kb") / "data"))


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return safe_load(handle)
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError([f"{path.name}: not valid YAML: {exc}"]) from None


def _record_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return str(raw["id"])
    return f"record #{index + 1}"


def _format_validation(path: Path, label: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(record)"
        out.append(f"{path.name}: {label}: {loc}: {err['msg']}")
    return out


def parse_files(
    paths: list[Path],
) -> tuple[Manifest | None, dict[str, list[tuple[Path, BaseModel]]], list[str]]:
    """Parse and schema-check every file; return the manifest, records per section, and problems."""
    manifest: Manifest | None = None
    records: dict[str, list[tuple[Path, BaseModel]]] = {name: [] for name in SECTIONS}
    problems: list[str] = []
    for path in sorted(paths):
        try:
            content = _read_yaml(path)
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
            continue
        if path.name == "manifest.yaml":
            try:
                manifest = Manifest.model_validate(content)
            except ValidationError as exc:
                problems.extend(_format_validation(path, "manifest", exc))
            continue
        if not isinstance(content, dict):
            problems.append(f"{path.name}: top level must be a mapping of section name to a list of records")
            continue
        for section, items in content.items():
            model = SECTIONS.get(section)
            if model is None:
                problems.append(f"{path.name}: unknown section {section!r}; allowed: {', '.join(SECTIONS)}")
                continue
            if not isinstance(items, list):
                problems.append(f"{path.name}: section {section!r} must be a list of records")
                continue
            for index, raw in enumerate(items):
                try:
                    records[section].append((path, model.model_validate(raw)))
                except ValidationError as exc:
                    problems.extend(_format_validation(path, _record_label(raw, index), exc))
    return manifest, records, problems


def load_kb(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base (the bundled one by default).

    Raises :class:`KnowledgeBaseError` listing every problem found.
    """
    from her2kit.kb.validate import cross_check

    root = Path(directory) if directory is not None else data_dir()
    paths = sorted(root.glob("*.yaml"))
    manifest, parsed, problems = parse_files(paths)
    if manifest is None and not any("manifest" in p for p in problems):
        problems.append(f"{root}: manifest.yaml is missing")
    problems.extend(cross_check(parsed, manifest))
    if problems or manifest is None:
        raise KnowledgeBaseError(problems)
    sections = {
        name: {record.id: record for _, record in items}  # type: ignore[attr-defined]
        for name, items in parsed.items()
    }
    return KnowledgeBase(version=manifest.version, manifest=manifest, **sections)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    return load_kb()
