"""The knowledge moderators own: schema, loading and validation of `knowledge/*.yaml`."""

from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.knowledge.model import KnowledgeBase

__all__ = ["KnowledgeBase", "KnowledgeError", "load_knowledge"]
