"""Persistence: SQLite (one file, the default) or PostgreSQL (shared by sharded processes), with numbered migrations."""

from bot.storage.backend import StorageError
from bot.storage.database import AskedQuestion, InterviewSession, Storage, TaughtPhrasing

__all__ = ["AskedQuestion", "InterviewSession", "TaughtPhrasing", "Storage", "StorageError"]
