"""The SQLite backend: one file, one aiosqlite connection, for a single process (the default).

WAL mode lets readers (stats, gaps) run beside the writer; `busy_timeout` makes a second process wait
instead of failing with "database is locked". Every write is its own committed transaction, so what a
method returned is on disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Sequence

import aiosqlite

from bot.storage.backend import Conflict, Executor, Row, StorageError
from bot.storage import migrations


class SQLiteBackend:
    kind = "sqlite"

    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self.db = db
        self.where = path
        # One connection is shared by every coroutine: the lock keeps one coroutine's statements out of
        # another's transaction.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout_ms: int = 5000) -> SQLiteBackend:
        """Open (creating if needed) and migrate the database at `path`.

        `busy_timeout_ms` is how long to wait for another process's lock before giving up with a clear error.
        """
        path = str(path)
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StorageError(f"cannot create the folder for the database {path}: {error.strerror}; "
                                   "set DATABASE_PATH to a path in a writable folder") from error
        connection = aiosqlite.connect(path, isolation_level=None)
        try:
            db = await connection
        except (sqlite3.Error, OSError) as error:
            await _worker_stopped(connection)
            raise StorageError(f"cannot open the database {path}: {error}") from error
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            async with db.execute("PRAGMA quick_check") as cursor:
                verdict = (await cursor.fetchone() or ("",))[0]
            if verdict != "ok":
                raise StorageError(f"the file is damaged ({verdict}); restore a backup or point DATABASE_PATH at a new file")
            backend = cls(db, path)
            await backend._migrate()
        except Exception as error:
            await db.close()
            reason = "another process holds a lock on it" if "locked" in str(error) else error
            if "readonly" in str(error) or "read-only" in str(error):
                reason = "it is read-only; give the bot write access to the file and its folder"
            raise StorageError(f"cannot use the database {path}: {reason}") from error
        return backend

    async def _migrate(self) -> None:
        """Everything runs in one write transaction taken before `user_version` is read (BEGIN IMMEDIATE), so
        several processes starting together on a new file migrate it once: the others wait, then find it done."""
        async with self.transaction() as db:
            [(current,)] = await db.fetch("PRAGMA user_version")
            [(tables,)] = await db.fetch("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
            for statement in migrations.pending(migrations.MIGRATIONS, current, bool(tables), "DATABASE_PATH"):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {len(migrations.MIGRATIONS)}")

    async def close(self) -> None:
        await self.db.close()

    async def notify(self, channel: str, payload: str) -> None:
        """Nothing to send: processes sharing a file learn of changes from their periodic check."""

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Nothing to hear (see `notify`)."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._lock:
            return await _execute(self.db, sql, params)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._lock:
            return await _fetch(self.db, sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield _InTransaction(self.db)
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")


class _InTransaction:
    """The connection inside `transaction()`, where the lock is already held."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await _execute(self.db, sql, params)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await _fetch(self.db, sql, params)


async def _execute(db: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> int:
    try:
        cursor = await db.execute(sql, tuple(params))
    except sqlite3.IntegrityError as error:
        raise Conflict(str(error)) from error
    return cursor.rowcount


async def _fetch(db: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> list[Row]:
    try:
        async with db.execute(sql, tuple(params)) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
    except sqlite3.IntegrityError as error:
        raise Conflict(str(error)) from error


async def _worker_stopped(connection: aiosqlite.Connection, timeout: float = 1.0) -> None:
    """Let aiosqlite's worker thread finish after a failed connect, while our event loop still runs.

    Otherwise the thread reports back to a loop that `asyncio.run` has already closed, and prints a
    "RuntimeError: Event loop is closed" traceback under the one clear line the user should see.
    """
    thread = getattr(connection, "_thread", None)
    deadline = asyncio.get_running_loop().time() + timeout
    while thread is not None and thread.is_alive() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.005)
