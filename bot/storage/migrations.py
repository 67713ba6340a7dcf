"""Numbered schema migrations, tracked with `PRAGMA user_version`.

Append a new script to MIGRATIONS to change the schema; never edit one that has shipped. All pending scripts
run in one transaction together with the version bump, so a crash mid-migration leaves the old schema intact.
Scripts are split into statements at ';', so a statement must not contain one.
"""

from __future__ import annotations

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE guild_config (
        guild_id     INTEGER PRIMARY KEY,
        mod_role_id  INTEGER
    );
    CREATE TABLE help_channels (
        guild_id    INTEGER NOT NULL,
        channel_id  INTEGER NOT NULL,
        PRIMARY KEY (guild_id, channel_id)
    );
    CREATE TABLE questions (
        id          INTEGER PRIMARY KEY,
        asked_at    TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        guild_id    INTEGER,
        channel_id  INTEGER,
        via         TEXT NOT NULL,
        text        TEXT,
        kind        TEXT NOT NULL,
        topic_id    TEXT,
        confidence  REAL NOT NULL,
        knowledge   TEXT NOT NULL
    );
    CREATE INDEX questions_by_time ON questions (asked_at);
    CREATE INDEX questions_by_user ON questions (user_id);
    CREATE TABLE feedback (
        question_id  INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        user_id      TEXT NOT NULL,
        helpful      INTEGER NOT NULL CHECK (helpful IN (0, 1)),
        given_at     TEXT NOT NULL,
        PRIMARY KEY (question_id, user_id)
    );
    CREATE INDEX feedback_by_user ON feedback (user_id);
    CREATE TABLE interviews (
        id            TEXT PRIMARY KEY,
        user_id       TEXT NOT NULL,
        guild_id      INTEGER,
        interview_id  TEXT NOT NULL,
        answers       TEXT NOT NULL DEFAULT '[]',
        version       INTEGER NOT NULL DEFAULT 0,
        status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished', 'abandoned')),
        outcome       TEXT,
        started_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX interviews_by_user ON interviews (user_id, status);
    CREATE TABLE reloads (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        actor    TEXT NOT NULL,
        ok       INTEGER NOT NULL CHECK (ok IN (0, 1)),
        digest   TEXT,
        detail   TEXT NOT NULL
    );
    """,
    # 2: moderators can dismiss a knowledge gap (or resolve it by teaching the bot).
    """
    ALTER TABLE questions ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0 CHECK (dismissed IN (0, 1));
    """,
    # 3: which decline a declined question got, so in-domain declines can count as knowledge gaps.
    """
    ALTER TABLE questions ADD COLUMN decline TEXT;
    """,
)


class MigrationError(RuntimeError):
    pass


async def migrate(db: aiosqlite.Connection) -> int:
    """Bring the database up to the newest schema; returns the version it is at.

    Everything runs in one write transaction taken before `user_version` is read (BEGIN IMMEDIATE), so
    several processes starting together on a new file migrate it once: the others wait, then find it done.
    """
    await db.execute("BEGIN IMMEDIATE")
    try:
        current = await _version(db)
        if current > len(MIGRATIONS):
            raise MigrationError(
                f"the database is at schema version {current}, newer than this bot knows ({len(MIGRATIONS)}); "
                "upgrade the bot or point DATABASE_PATH at another file"
            )
        if current < 0:
            raise MigrationError(f"the database says schema version {current}, which no bot writes; point DATABASE_PATH at another file")
        if current == 0 and await _has_tables(db):
            raise MigrationError("the database holds tables this bot did not create; point DATABASE_PATH at another file")
        for script in MIGRATIONS[current:]:
            for statement in (part.strip() for part in script.split(";")):
                if statement:
                    await db.execute(statement)
        await db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        await db.execute("COMMIT")
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


async def _version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return row[0] if row else 0


async def _has_tables(db: aiosqlite.Connection) -> bool:
    async with db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") as cursor:
        row = await cursor.fetchone()
    return bool(row and row[0])
