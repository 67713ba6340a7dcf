"""Persistence: one aiosqlite database with numbered migrations."""

from bot.storage.database import AskedQuestion, InterviewSession, Storage, StorageError

__all__ = ["AskedQuestion", "InterviewSession", "Storage", "StorageError"]
