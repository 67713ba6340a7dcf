"""The PostgreSQL backend (`DATABASE_URL`): one database shared by every process of a sharded bot.

asyncpg with a pool (`DATABASE_POOL_SIZE` connections per process). Migrations take a transaction-level
advisory lock first, so processes starting together migrate once. `LISTEN`/`NOTIFY` carry "this
server's taught phrasings changed" and "the shared knowledge was reloaded" to every process.
"""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, AsyncIterator, Callable, Sequence
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.backend import Conflict, Executor, Row, StorageError
from bot.storage import migrations

#: The advisory lock every process takes to migrate: an arbitrary constant of this application.
MIGRATION_LOCK = 0x6A737362  # "jssb"
VERSION_TABLE = "jss_schema_version"


def redacted(url: str) -> str:
    """The URL without its password (in the user part or as a `password=` parameter), for messages and logs."""
    parts = urlsplit(url)
    netloc = parts.netloc if parts.password is None else parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...`, leaving quoted text alone."""
    pieces = re.split(r"('(?:[^']|'')*')", sql)
    count = 0
    for i in range(0, len(pieces), 2):  # the even pieces are outside quotes
        def number(_: re.Match[str]) -> str:
            nonlocal count
            count += 1
            return f"${count}"

        pieces[i] = re.sub(r"\?", number, pieces[i])
    return "".join(pieces)


def _changed(status: str) -> int:
    """Rows changed, from a command status such as "UPDATE 3" or "INSERT 0 1"."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Connection:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return _changed(await self.connection.execute(numbered(sql), *params))
        except asyncpg.IntegrityConstraintViolationError as error:
            raise Conflict(str(error)) from error

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return [tuple(record) for record in await self.connection.fetch(numbered(sql), *params)]
        except asyncpg.IntegrityConstraintViolationError as error:
            raise Conflict(str(error)) from error


class PostgresBackend:
    kind = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self.where = redacted(url)
        self._listener: asyncpg.Connection | None = None

    @classmethod
    async def open(cls, url: str, *, pool_size: int = 10) -> PostgresBackend:
        where = redacted(url)
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size, command_timeout=60)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise StorageError(f"cannot connect to the database {where}: {error}; check DATABASE_URL and that PostgreSQL "
                               "is running") from error
        backend = cls(pool, url)
        try:
            await backend._migrate()
        except Exception as error:
            await pool.close()
            raise StorageError(f"cannot use the database {where}: {error}") from error
        return backend

    async def _migrate(self) -> None:
        async with self.transaction() as db:
            await db.fetch("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            [(tables,)] = await db.fetch(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> ?",
                (VERSION_TABLE,),
            )
            await db.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER NOT NULL)")
            rows = await db.fetch(f"SELECT version FROM {VERSION_TABLE}")
            current = rows[0][0] if rows else 0
            scripts = tuple(map(migrations.postgres_dialect, migrations.MIGRATIONS))
            for statement in migrations.pending(scripts, current, current == 0 and bool(tables), "DATABASE_URL"):
                await db.execute(statement)
            await db.execute(f"DELETE FROM {VERSION_TABLE}")
            await db.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (?)", (len(migrations.MIGRATIONS),))

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
        await self.pool.close()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self.pool.acquire() as connection:
            return await _Connection(connection).execute(sql, params)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self.pool.acquire() as connection:
            return await _Connection(connection).fetch(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        async with self.pool.acquire() as connection, connection.transaction():
            yield _Connection(connection)

    async def notify(self, channel: str, payload: str) -> None:
        await self.execute("SELECT pg_notify(?, ?)", (channel, payload))

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call `callback(payload)` for every notification on `channel`, from any process (this one too)."""
        if self._listener is None:
            self._listener = await asyncpg.connect(self.url)

        def received(_connection: object, _pid: int, _channel: str, payload: str) -> None:
            callback(payload)

        await self._listener.add_listener(channel, received)
