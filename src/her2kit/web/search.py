"""Plain search over the knowledge base: every query word must appear in a record's id, names or text."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from her2kit.kb.load import KnowledgeBase

MAX_HITS = 50


@dataclass(frozen=True)
class Hit:
    id: str
    section: str
    title: str


def title_of(record: BaseModel) -> str:
    for attr in ("name", "question", "term", "title", "label_text", "statement", "context", "text"):
        value = getattr(record, attr, None)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= 140 else text[:139] + "…"
    return str(getattr(record, "id", ""))


SECTION_ORDER = (
    "agents",
    "trials",
    "indications",
    "topics",
    "regimens",
    "adverse_events",
    "biology",
    "safety_gates",
    "cardiac_monitoring",
    "ae_rules",
    "drug_classes",
    "lab_grading",
    "references",
)


def search(kb: KnowledgeBase, query: str, sections: tuple[str, ...] | None = None) -> list[Hit]:
    """Records containing every query word, best first: title matches, then by section (references last)."""
    words = [w for w in query.lower().split() if w]
    if not words:
        return []
    phrase = " ".join(words)
    found: list[tuple[tuple[int, int, str], Hit]] = []
    for section, record in kb.all_records():
        if sections and section not in sections:
            continue
        text = record.model_dump_json().lower()
        if all(w in text for w in words):
            hit = Hit(id=record.id, section=section, title=title_of(record))  # type: ignore[attr-defined]
            in_title = phrase in hit.title.lower() or phrase in hit.id.lower()
            order = SECTION_ORDER.index(section) if section in SECTION_ORDER else len(SECTION_ORDER)
            found.append(((0 if in_title else 1, order, hit.id), hit))
    found.sort(key=lambda item: item[0])
    return [hit for _, hit in found[:MAX_HITS]]
