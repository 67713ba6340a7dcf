"""The one module that talks to SQLite: questions, feedback, checkups in progress, config, reload audit.

WAL mode lets readers (stats, gaps) run beside the writer; `busy_timeout` makes a second process wait
instead of failing with "database is locked". Every write is its own committed transaction, so what a
method returned is on disk.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterable, Sequence

import aiosqlite

from bot.storage.migrations import migrate


class StorageError(RuntimeError):
    """The database cannot be used (unreadable, read-only, corrupt, or from a newer bot)."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class InterviewSession:
    id: str
    user_id: str
    guild_id: int | None
    interview_id: str
    asked: tuple[tuple[str, str], ...]
    version: int
    status: str
    outcome: str | None


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    id: int
    text: str
    kind: str
    topic_id: str | None
    helpful: bool | None


class Storage:
    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self.db = db
        self.path = path
        # One connection is shared by every coroutine: the lock keeps one coroutine's statements out of
        # another's transaction.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout_ms: int = 5000) -> Storage:
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
            await migrate(db)
        except Exception as error:
            await db.close()
            reason = "another process holds a lock on it" if "locked" in str(error) else error
            if "readonly" in str(error) or "read-only" in str(error):
                reason = "it is read-only; give the bot write access to the file and its folder"
            raise StorageError(f"cannot use the database {path}: {reason}") from error
        return cls(db, path)

    async def close(self) -> None:
        await self.db.close()

    async def _write(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        async with self._lock:
            return await self.db.execute(sql, tuple(params))

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self.db.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    # Questions and feedback -------------------------------------------------------------------------

    async def record_question(
        self, *, user_id: str, text: str, kind: str, topic_id: str | None, confidence: float, knowledge: str,
        via: str, guild_id: int | None = None, channel_id: int | None = None, decline: str | None = None,
    ) -> int:
        cursor = await self._write(
            "INSERT INTO questions (asked_at, user_id, guild_id, channel_id, via, text, kind, topic_id, confidence,"
            " knowledge, decline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (stamp(now()), user_id, guild_id, channel_id, via, text, kind, topic_id, confidence, knowledge, decline),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def record_feedback(self, question_id: int, user_id: str, helpful: bool) -> bool:
        """Store (or change) a member's verdict on an answer; False if the question is gone."""
        try:
            await self._write(
                "INSERT INTO feedback (question_id, user_id, helpful, given_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, given_at = excluded.given_at",
                (question_id, user_id, int(helpful), stamp(now())),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    async def question(self, question_id: int) -> AskedQuestion | None:
        rows = await self._rows(f"{_QUESTION_WITH_FEEDBACK} WHERE q.id = ? GROUP BY q.id", (question_id,))
        return _asked(rows[0]) if rows else None

    async def unanswered(
        self, days: int, guild_id: int | None = None, gap_declines: Sequence[str] = (),
    ) -> list[AskedQuestion]:
        """Questions the bot could not answer (or declined with one of `gap_declines`, which are in our domain),
        or whose answer someone found not helpful."""
        since = stamp(now() - timedelta(days=days))
        marks = ",".join("?" * len(gap_declines)) or "NULL"
        rows = await self._rows(
            f"{_QUESTION_WITH_FEEDBACK}"
            " WHERE q.asked_at >= ? AND q.text IS NOT NULL AND q.dismissed = 0 AND (? IS NULL OR q.guild_id = ?)"
            f" GROUP BY q.id HAVING q.kind = 'not-sure' OR helpful = 0 OR q.decline IN ({marks}) ORDER BY q.id",
            (since, guild_id, guild_id, *gap_declines),
        )
        return [_asked(r) for r in rows]

    async def dismiss_questions(self, question_ids: list[int]) -> int:
        """Take questions off the gaps list (answered by teaching, or ignored by a moderator)."""
        if not question_ids:
            return 0
        marks = ",".join("?" * len(question_ids))
        cursor = await self._write(f"UPDATE questions SET dismissed = 1 WHERE id IN ({marks})", question_ids)
        return cursor.rowcount

    async def stats(self, days: int, guild_id: int | None = None) -> dict[str, Any]:
        since = stamp(now() - timedelta(days=days))
        scope = "(? IS NULL OR guild_id = ?)"
        kinds = dict(await self._rows(
            f"SELECT kind, COUNT(*) FROM questions WHERE asked_at >= ? AND {scope} GROUP BY kind",
            (since, guild_id, guild_id),
        ))
        topics = await self._rows(
            "SELECT q.topic_id, COUNT(DISTINCT q.id), SUM(f.helpful = 1), SUM(f.helpful = 0) FROM questions q"
            " LEFT JOIN feedback f ON f.question_id = q.id"
            " WHERE q.asked_at >= ? AND q.topic_id IS NOT NULL AND (? IS NULL OR q.guild_id = ?)"
            " GROUP BY q.topic_id ORDER BY COUNT(DISTINCT q.id) DESC",
            (since, guild_id, guild_id),
        )
        checkups = dict(await self._rows(
            f"SELECT status, COUNT(*) FROM interviews WHERE started_at >= ? AND {scope} GROUP BY status",
            (since, guild_id, guild_id),
        ))
        outcomes = dict(await self._rows(
            f"SELECT outcome, COUNT(*) FROM interviews WHERE started_at >= ? AND outcome IS NOT NULL AND {scope}"
            " GROUP BY outcome ORDER BY COUNT(*) DESC",
            (since, guild_id, guild_id),
        ))
        daily = await self._rows(
            "SELECT substr(asked_at, 1, 10), COALESCE(topic_id, kind), COUNT(*) FROM questions"
            f" WHERE asked_at >= ? AND {scope} GROUP BY 1, 2 ORDER BY 1",
            (since, guild_id, guild_id),
        )
        return {
            "questions": kinds,
            "topics": [{"topic": t, "asked": n, "helpful": h or 0, "not_helpful": u or 0} for t, n, h, u in topics],
            "checkups": checkups,
            "outcomes": outcomes,
            "daily": [{"day": d, "label": label, "count": n} for d, label, n in daily],
        }

    async def purge_question_text(self, retention_days: int) -> int:
        """Blank the text of questions older than the retention period; counts stay for statistics."""
        cutoff = stamp(now() - timedelta(days=retention_days))
        cursor = await self._write("UPDATE questions SET text = NULL WHERE asked_at < ? AND text IS NOT NULL", (cutoff,))
        return cursor.rowcount

    async def question_texts(self, user_id: str) -> list[str]:
        rows = await self._rows("SELECT DISTINCT text FROM questions WHERE user_id = ? AND text IS NOT NULL", (user_id,))
        return [r[0] for r in rows]

    async def scrub_audit(self, quoted: Sequence[str]) -> None:
        """Take quoted member text out of the reload audit, keeping the rest of each line."""
        async with self._transaction() as db:
            for text in quoted:
                await db.execute("UPDATE reloads SET detail = replace(detail, ?, '(a member''s words, removed)')", (text,))

    async def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete everything stored about one member, in one transaction; returns what went, by kind."""
        async with self._transaction() as db:
            feedback = await db.execute(
                "DELETE FROM feedback WHERE user_id = ? OR question_id IN (SELECT id FROM questions WHERE user_id = ?)",
                (user_id, user_id),
            )
            questions = await db.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
            interviews = await db.execute("DELETE FROM interviews WHERE user_id = ?", (user_id,))
        return {"questions": questions.rowcount, "feedback": feedback.rowcount, "checkups": interviews.rowcount}

    # Interviews -------------------------------------------------------------------------------------

    async def start_interview(self, user_id: str, interview_id: str, guild_id: int | None = None) -> InterviewSession:
        """A new session; any unfinished one of the same member and interview is marked abandoned."""
        session_id = secrets.token_hex(8)
        moment = stamp(now())
        async with self._transaction() as db:
            await db.execute(
                "UPDATE interviews SET status = 'abandoned', updated_at = ?"
                " WHERE user_id = ? AND interview_id = ? AND status = 'open'",
                (moment, user_id, interview_id),
            )
            await db.execute(
                "INSERT INTO interviews (id, user_id, guild_id, interview_id, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, user_id, guild_id, interview_id, moment, moment),
            )
        return InterviewSession(session_id, user_id, guild_id, interview_id, (), 0, "open", None)

    async def interview(self, session_id: str) -> InterviewSession | None:
        rows = await self._rows(
            f"SELECT {_SESSION_COLUMNS} FROM interviews WHERE id = ?",
            (session_id,),
        )
        return _session(rows[0]) if rows else None

    async def open_interview(self, user_id: str, interview_id: str) -> InterviewSession | None:
        rows = await self._rows(
            f"SELECT {_SESSION_COLUMNS} FROM interviews"
            " WHERE user_id = ? AND interview_id = ? AND status = 'open' ORDER BY updated_at DESC LIMIT 1",
            (user_id, interview_id),
        )
        return _session(rows[0]) if rows else None

    async def save_step(
        self, session: InterviewSession, asked: tuple[tuple[str, str], ...], *, finished: bool, outcome: str | None,
    ) -> InterviewSession | None:
        """Store the next answers if nobody else moved the session on first (a double click); else None."""
        cursor = await self._write(
            "UPDATE interviews SET answers = ?, version = version + 1, status = ?, outcome = ?, updated_at = ?"
            " WHERE id = ? AND version = ? AND status = 'open'",
            (json.dumps(asked), "finished" if finished else "open", outcome, stamp(now()), session.id, session.version),
        )
        if cursor.rowcount != 1:
            return None
        return InterviewSession(
            session.id, session.user_id, session.guild_id, session.interview_id, asked, session.version + 1,
            "finished" if finished else "open", outcome,
        )

    # Server configuration ---------------------------------------------------------------------------

    async def help_channels(self, guild_id: int) -> set[int]:
        rows = await self._rows("SELECT channel_id FROM help_channels WHERE guild_id = ?", (guild_id,))
        return {r[0] for r in rows}

    async def all_help_channels(self) -> set[int]:
        return {r[0] for r in await self._rows("SELECT channel_id FROM help_channels")}

    async def set_help_channel(self, guild_id: int, channel_id: int, enabled: bool) -> bool:
        """Add or remove a help channel; True if that changed anything."""
        if enabled:
            sql = "INSERT OR IGNORE INTO help_channels (guild_id, channel_id) VALUES (?, ?)"
        else:
            sql = "DELETE FROM help_channels WHERE guild_id = ? AND channel_id = ?"
        cursor = await self._write(sql, (guild_id, channel_id))
        return cursor.rowcount == 1

    async def mod_role(self, guild_id: int) -> int | None:
        rows = await self._rows("SELECT mod_role_id FROM guild_config WHERE guild_id = ?", (guild_id,))
        return rows[0][0] if rows else None

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        await self._write(
            "INSERT INTO guild_config (guild_id, mod_role_id) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET mod_role_id = excluded.mod_role_id",
            (guild_id, role_id),
        )

    # Knowledge reloads ------------------------------------------------------------------------------

    async def record_reload(self, *, actor: str, ok: bool, digest: str | None, detail: str) -> None:
        await self._write(
            "INSERT INTO reloads (at, actor, ok, digest, detail) VALUES (?, ?, ?, ?, ?)",
            (stamp(now()), actor, int(ok), digest, detail),
        )

    async def reloads(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = await self._rows("SELECT at, actor, ok, digest, detail FROM reloads ORDER BY id DESC LIMIT ?", (limit,))
        return [{"at": a, "actor": b, "ok": bool(c), "digest": d, "detail": e} for a, b, c, d, e in rows]


async def _worker_stopped(connection: aiosqlite.Connection, timeout: float = 1.0) -> None:
    """Let aiosqlite's worker thread finish after a failed connect, while our event loop still runs.

    Otherwise the thread reports back to a loop that `asyncio.run` has already closed, and prints a
    "RuntimeError: Event loop is closed" traceback under the one clear line the user should see.
    """
    thread = getattr(connection, "_thread", None)
    deadline = asyncio.get_running_loop().time() + timeout
    while thread is not None and thread.is_alive() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.005)


#: A question with its verdict: `helpful` is 0 as soon as anyone found the answer not helpful.
_QUESTION_WITH_FEEDBACK = (
    "SELECT q.id, q.text, q.kind, q.topic_id, MIN(f.helpful) AS helpful FROM questions q"
    " LEFT JOIN feedback f ON f.question_id = q.id"
)


def _asked(row: sqlite3.Row) -> AskedQuestion:
    helpful = None if row[4] is None else bool(row[4])
    return AskedQuestion(row[0], row[1], row[2], row[3], helpful)


#: The columns `_session` reads, in its order.
_SESSION_COLUMNS = "id, user_id, guild_id, interview_id, answers, version, status, outcome"


def _session(row: sqlite3.Row) -> InterviewSession:
    asked = tuple((slot, value) for slot, value in json.loads(row[4]))
    return InterviewSession(row[0], row[1], row[2], row[3], asked, row[5], row[6], row[7])
