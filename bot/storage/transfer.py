"""Copy every row of one database into another, empty one: the operator's move from the SQLite file to
PostgreSQL (`python -m bot db migrate-to URL`).

Ids are copied as they are, never renumbered: messages already posted in Discord carry them in their buttons'
custom ids (the feedback buttons name a question id, a checkup's buttons its session id), moderators refer to
questions by id, and feedback points at its question. After the copy, PostgreSQL's identity sequences are moved
past the copied ids, so new rows never collide with them.

All or nothing: one transaction on the target, refused if the target already holds any row (this never merges
into live data), and checked before it commits: each table's row count in the target must equal the source's.
Stop the bot first: what it writes to the source after the copy is not carried over.
"""

from __future__ import annotations

from typing import Any, Sequence

from bot.storage.backend import Conflict, Executor, Row, StorageError
from bot.storage.database import Storage

#: Every table, parents before children (feedback references questions).
TABLES = ("guild_config", "help_channels", "questions", "feedback", "interviews", "reloads", "taught")
#: Rows per INSERT: few round trips, and far under PostgreSQL's limit of 32767 parameters a statement.
BATCH = 500


class TransferError(StorageError):
    """The copy was refused or did not check out; the target is left as it was."""


async def copy_database(source: Storage, target: Storage) -> dict[str, int]:
    """Copy every row of `source` into the empty `target`, ids included; the rows copied, per table."""
    async with source.backend.transaction() as db:  # one consistent snapshot of the source
        snapshot: dict[str, tuple[list[str], list[Row]]] = {}
        for table in TABLES:
            columns = await _columns(source, db, table)
            snapshot[table] = (columns, await db.fetch(f"SELECT {', '.join(columns)} FROM {table}"))
    copied = {table: len(rows) for table, (_, rows) in snapshot.items()}

    async with target.backend.transaction() as db:
        for table in TABLES:
            [(count,)] = await db.fetch(f"SELECT COUNT(*) FROM {table}")
            if count:
                raise TransferError(f"the database {target.where} already holds {count} row(s) in {table}; "
                                    "copy into a new, empty database (this never merges into live data)")
        for table, (columns, rows) in snapshot.items():
            try:
                for start in range(0, len(rows), BATCH):
                    await _insert(db, table, columns, rows[start:start + BATCH])
            except Conflict as error:
                raise TransferError(f"cannot copy {table}: {error}; nothing was copied") from error
        # Checked before the sequences move, so a refused copy leaves them untouched too (setval is not
        # undone by a rollback).
        for table in TABLES:
            [(there,)] = await db.fetch(f"SELECT COUNT(*) FROM {table}")
            [(here,)] = await source.backend.fetch(f"SELECT COUNT(*) FROM {table}")
            if there != copied[table]:
                raise TransferError(f"{table}: {copied[table]} row(s) copied but the target holds {there}; "
                                    "nothing was copied")
            if here != copied[table]:
                raise TransferError(f"{table} changed in {source.where} during the copy ({copied[table]} row(s) "
                                    f"copied, {here} now); stop the bot and run again; nothing was copied")
        if target.backend.kind == "postgresql":
            # The tables whose `id` PostgreSQL numbers itself, read from the schema like the columns are.
            numbered = await db.fetch(
                "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND column_name = 'id' AND is_identity = 'YES'")
            for (table,) in numbered:  # an empty table keeps its sequence at the start
                await db.fetch(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                               " HAVING COUNT(*) > 0")
    return copied


async def _columns(storage: Storage, db: Executor, table: str) -> list[str]:
    """The table's columns, read from the database itself: a column added by a later migration is copied too."""
    if storage.backend.kind == "sqlite":
        rows = await db.fetch("SELECT name FROM pragma_table_info(?) ORDER BY cid", (table,))
    else:
        rows = await db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
    return [row[0] for row in rows]


async def _insert(db: Executor, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
    if not rows:
        return
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    params: list[Any] = [value for row in rows for value in row]
    await db.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(rows))}", params)
