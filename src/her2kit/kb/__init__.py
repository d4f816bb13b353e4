"""The curated, cited knowledge base: schema, loader and cross-record validation."""

from her2kit.kb.load import KnowledgeBase, default_kb, load_kb

__all__ = ["KnowledgeBase", "default_kb", "load_kb"]
