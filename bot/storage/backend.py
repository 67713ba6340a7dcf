"""What `Storage` needs from a database, so its queries are written once for SQLite and PostgreSQL.

The queries use `?` placeholders and SQL both databases speak (`ON CONFLICT`, `RETURNING`, `CASE`); a
backend only runs them: SQLite through aiosqlite on one file, PostgreSQL through an asyncpg pool. What
differs (opening, pragmas, the migration lock, error types) stays inside the backend.
"""

from __future__ import annotations

from typing import Any, AsyncContextManager, Callable, Protocol, Sequence

Row = tuple[Any, ...]


def is_postgres_url(target: str) -> bool:
    """A database target is a PostgreSQL URL or, otherwise, a SQLite file path."""
    return target.startswith(("postgresql://", "postgres://"))


class StorageError(RuntimeError):
    """The database cannot be used (unreadable, read-only, corrupt, unreachable, or from a newer bot)."""


class Conflict(Exception):
    """A write the database refused for its integrity (a row that no longer exists, a duplicate)."""


class Executor(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one query (or a statement with RETURNING); its rows."""


class Backend(Executor, Protocol):
    #: "sqlite" or "postgresql": for logs and tests, never to branch on in queries.
    kind: str
    #: Where the data is, safe to show (a path, or a URL without its password).
    where: str

    def transaction(self) -> AsyncContextManager[Executor]:
        """Statements that commit together or not at all, isolated from other writers meanwhile."""

    async def close(self) -> None: ...

    async def notify(self, channel: str, payload: str) -> None:
        """Tell every process sharing the database (PostgreSQL's NOTIFY; nothing for a SQLite file)."""

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Have `callback(payload)` called for each notification on `channel`, this process's own too."""
