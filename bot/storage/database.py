"""Everything the bot stores, as methods: questions, feedback, checkups in progress, per-server settings and
taught phrasings, the knowledge audit. Written once, in SQL both SQLite and PostgreSQL run (see
`bot.storage.backend`); `Storage.open` picks the backend from the target: a file path or a postgresql:// URL.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from bot.knowledge.model import fold
from bot.storage.backend import Backend, Conflict, Row, is_postgres_url
from bot.storage.sqlite import SQLiteBackend

#: Notification channels (PostgreSQL NOTIFY) between processes sharing the database.
TAUGHT_CHANGED = "jss_taught"
KNOWLEDGE_RELOADED = "jss_reloaded"
HELP_CHANNELS_CHANGED = "jss_help_channels"


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
    user_id: str
    guild_id: int | None
    asked_at: str


@dataclass(frozen=True, slots=True)
class TaughtPhrasing:
    """A phrasing one server's moderators taught for a topic; it answers in that server only."""

    id: int
    guild_id: int
    topic_id: str
    phrasing: str
    taught_by: str
    member_id: str | None
    taught_at: str


class Storage:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    async def open(cls, target: str | Path, *, pool_size: int = 10, busy_timeout_ms: int = 5000) -> Storage:
        """Open (creating if needed) and migrate the database: a SQLite file at a path, or PostgreSQL at a
        postgresql:// URL. `busy_timeout_ms` is how long SQLite waits for another process's lock."""
        if is_postgres_url(str(target)):
            from bot.storage.postgres import PostgresBackend  # asyncpg is imported only by those who use it

            return cls(await PostgresBackend.open(str(target), pool_size=pool_size))
        return cls(await SQLiteBackend.open(target, busy_timeout_ms=busy_timeout_ms))

    @property
    def where(self) -> str:
        return self.backend.where

    async def close(self) -> None:
        await self.backend.close()

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.backend.execute(sql, params)

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self.backend.fetch(sql, params)

    # Questions and feedback -------------------------------------------------------------------------

    async def record_question(
        self, *, user_id: str, text: str, kind: str, topic_id: str | None, confidence: float, knowledge: str,
        via: str, guild_id: int | None = None, channel_id: int | None = None, decline: str | None = None,
    ) -> int:
        [(question_id,)] = await self._rows(
            "INSERT INTO questions (asked_at, user_id, guild_id, channel_id, via, text, kind, topic_id, confidence,"
            " knowledge, decline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (stamp(now()), user_id, guild_id, channel_id, via, text, kind, topic_id, confidence, knowledge, decline),
        )
        return question_id

    async def record_feedback(self, question_id: int, user_id: str, helpful: bool) -> bool:
        """Store (or change) a member's verdict on an answer; False if the question is gone."""
        try:
            await self._write(
                "INSERT INTO feedback (question_id, user_id, helpful, given_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, given_at = excluded.given_at",
                (question_id, user_id, int(helpful), stamp(now())),
            )
        except Conflict:  # the question was deleted meanwhile (/forget-me)
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
        server, server_params = _in_server("q.guild_id", guild_id)
        rows = await self._rows(
            f"{_QUESTION_WITH_FEEDBACK}"
            f" WHERE q.asked_at >= ? AND q.text IS NOT NULL AND q.dismissed = 0 AND {server}"
            f" GROUP BY q.id HAVING q.kind = 'not-sure' OR MIN(f.helpful) = 0 OR q.decline IN ({_marks(gap_declines)})"
            " ORDER BY q.id",
            (since, *server_params, *gap_declines),
        )
        return [_asked(r) for r in rows]

    async def dismiss_questions(self, question_ids: list[int]) -> int:
        """Take questions off the gaps list (answered by teaching, or ignored by a moderator)."""
        if not question_ids:
            return 0
        return await self._write(f"UPDATE questions SET dismissed = 1 WHERE id IN ({_marks(question_ids)})", question_ids)

    async def stats(self, days: int, guild_id: int | None = None) -> dict[str, Any]:
        since = stamp(now() - timedelta(days=days))
        scope, scope_params = _in_server("guild_id", guild_id)
        q_scope, _ = _in_server("q.guild_id", guild_id)
        kinds = dict(await self._rows(
            f"SELECT kind, COUNT(*) FROM questions WHERE asked_at >= ? AND {scope} GROUP BY kind", (since, *scope_params),
        ))
        topics = await self._rows(
            "SELECT q.topic_id, COUNT(DISTINCT q.id), SUM(CASE WHEN f.helpful = 1 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN f.helpful = 0 THEN 1 ELSE 0 END) FROM questions q"
            " LEFT JOIN feedback f ON f.question_id = q.id"
            f" WHERE q.asked_at >= ? AND q.topic_id IS NOT NULL AND {q_scope}"
            " GROUP BY q.topic_id ORDER BY COUNT(DISTINCT q.id) DESC",
            (since, *scope_params),
        )
        checkups = dict(await self._rows(
            f"SELECT status, COUNT(*) FROM interviews WHERE started_at >= ? AND {scope} GROUP BY status", (since, *scope_params),
        ))
        outcomes = dict(await self._rows(
            f"SELECT outcome, COUNT(*) FROM interviews WHERE started_at >= ? AND outcome IS NOT NULL AND {scope}"
            " GROUP BY outcome ORDER BY COUNT(*) DESC",
            (since, *scope_params),
        ))
        daily = await self._rows(
            "SELECT substr(asked_at, 1, 10), COALESCE(topic_id, kind), COUNT(*) FROM questions"
            f" WHERE asked_at >= ? AND {scope} GROUP BY 1, 2 ORDER BY 1, 2",
            (since, *scope_params),
        )
        return {
            "questions": kinds,
            "topics": [{"topic": t, "asked": n, "helpful": h or 0, "not_helpful": u or 0} for t, n, h, u in topics],
            "checkups": checkups,
            "outcomes": outcomes,
            "daily": [{"day": d, "label": label, "count": n} for d, label, n in daily],
        }

    async def purge_question_text(self, retention_days: int) -> dict[str, int]:
        """Blank the text of questions older than the retention period (counts stay for statistics), and drop
        the phrasings taught from those questions: they are the members' words too."""
        cutoff = stamp(now() - timedelta(days=retention_days))
        async with self.backend.transaction() as db:
            questions = await db.execute("UPDATE questions SET text = NULL WHERE asked_at < ? AND text IS NOT NULL", (cutoff,))
            taught = await db.execute("DELETE FROM taught WHERE member_id IS NOT NULL AND asked_at < ?", (cutoff,))
        return {"questions": questions, "taught phrasings": taught}

    async def question_texts(self, user_id: str) -> list[str]:
        rows = await self._rows("SELECT DISTINCT text FROM questions WHERE user_id = ? AND text IS NOT NULL", (user_id,))
        return [r[0] for r in rows]

    async def scrub_audit(self, quoted: Sequence[str]) -> None:
        """Take quoted member text out of the reload audit, keeping the rest of each line."""
        async with self.backend.transaction() as db:
            for text in quoted:
                await db.execute("UPDATE reloads SET detail = replace(detail, ?, '(a member''s words, removed)')", (text,))

    async def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete everything stored about one member, in one transaction; returns what went, by kind."""
        async with self.backend.transaction() as db:
            feedback = await db.execute(
                "DELETE FROM feedback WHERE user_id = ? OR question_id IN (SELECT id FROM questions WHERE user_id = ?)",
                (user_id, user_id),
            )
            questions = await db.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
            interviews = await db.execute("DELETE FROM interviews WHERE user_id = ?", (user_id,))
            taught = await db.execute("DELETE FROM taught WHERE member_id = ?", (user_id,))
            # What they taught as a moderator stays (a moderator wrote it), but no longer names them.
            await db.execute("UPDATE taught SET taught_by = 'a moderator', moderator_id = NULL WHERE moderator_id = ?", (user_id,))
        return {"questions": questions, "feedback": feedback, "checkups": interviews, "taught phrasings": taught}

    # Phrasings taught per server --------------------------------------------------------------------

    async def teach(
        self, guild_id: int, topic_id: str, phrasing: str, *, taught_by: str, moderator_id: str,
        member: AskedQuestion | None = None,
    ) -> tuple[bool, str | None]:
        """Keep `phrasing` for a topic in one server; `member` is the question it was taken from, if any.

        Returns whether anything changed, and the topic the phrasing was taught for before if it was another:
        the newer teaching wins, so a server never holds one phrasing for two topics."""
        folded = fold(phrasing)
        async with self.backend.transaction() as db:
            rows = await db.fetch("SELECT topic_id FROM taught WHERE guild_id = ? AND folded = ?", (guild_id, folded))
            row = rows[0] if rows else None
            if row is not None and row[0] == topic_id:
                return False, None
            await db.execute("DELETE FROM taught WHERE guild_id = ? AND folded = ?", (guild_id, folded))
            await db.execute(
                "INSERT INTO taught (guild_id, topic_id, phrasing, folded, taught_by, moderator_id, member_id, asked_at,"
                " taught_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, topic_id, phrasing, folded, taught_by, moderator_id, member.user_id if member else None,
                 member.asked_at if member else None, stamp(now())),
            )
        return True, None if row is None else row[0]

    async def taught(self, guild_id: int) -> list[TaughtPhrasing]:
        rows = await self._rows(
            "SELECT id, guild_id, topic_id, phrasing, taught_by, member_id, taught_at FROM taught WHERE guild_id = ? ORDER BY id",
            (guild_id,),
        )
        return [TaughtPhrasing(*row) for row in rows]

    async def untaught(self, guild_id: int, phrasings: Sequence[str]) -> int:
        """Forget phrasings in one server (a moderator's request, or folded into the shared files by an
        owner); how many went."""
        folded = [fold(p) for p in phrasings]
        return await self._write(f"DELETE FROM taught WHERE guild_id = ? AND folded IN ({_marks(folded)})", (guild_id, *folded))

    async def taught_signatures(self) -> dict[int, tuple[int, int]]:
        """Per server with taught phrasings, its `taught_signature`, summed by the database. Cheap enough to poll."""
        rows = await self._rows("SELECT guild_id, COUNT(*), SUM(id) FROM taught GROUP BY guild_id")
        return {guild_id: (count, int(total)) for guild_id, count, total in rows}

    # Between processes --------------------------------------------------------------------------------

    async def notify(self, channel: str, payload: str) -> None:
        await self.backend.notify(channel, payload)

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        await self.backend.listen(channel, callback)

    # Interviews -------------------------------------------------------------------------------------

    async def start_interview(self, user_id: str, interview_id: str, guild_id: int | None = None) -> InterviewSession:
        """A new session; any unfinished one of the same member and interview is marked abandoned."""
        session_id = secrets.token_hex(8)
        moment = stamp(now())
        async with self.backend.transaction() as db:
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
        changed = await self._write(
            "UPDATE interviews SET answers = ?, version = version + 1, status = ?, outcome = ?, updated_at = ?"
            " WHERE id = ? AND version = ? AND status = 'open'",
            (json.dumps(asked), "finished" if finished else "open", outcome, stamp(now()), session.id, session.version),
        )
        if changed != 1:
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
            sql = "INSERT INTO help_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
        else:
            sql = "DELETE FROM help_channels WHERE guild_id = ? AND channel_id = ?"
        return await self._write(sql, (guild_id, channel_id)) == 1

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

    async def last_reload_digest(self) -> str | None:
        """The shared knowledge's digest after the newest successful reload (teaching one server records no
        digest): what every process sharing the database should be answering from."""
        rows = await self._rows("SELECT digest FROM reloads WHERE ok = 1 AND digest IS NOT NULL ORDER BY id DESC LIMIT 1")
        return rows[0][0] if rows else None

    async def reloads(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = await self._rows("SELECT at, actor, ok, digest, detail FROM reloads ORDER BY id DESC LIMIT ?", (limit,))
        return [{"at": a, "actor": b, "ok": bool(c), "digest": d, "detail": e} for a, b, c, d, e in rows]


def taught_signature(phrasings: Sequence[TaughtPhrasing]) -> tuple[int, int] | None:
    """How many phrasings a server has and the sum of their ids (None for none): any teaching or forgetting
    changes it, since a row's id is never reused. `Storage.taught_signatures` computes the same in SQL."""
    return (len(phrasings), sum(p.id for p in phrasings)) if phrasings else None


def _marks(values: Sequence[Any]) -> str:
    """Placeholders for an IN list; an empty list matches nothing."""
    return ",".join("?" * len(values)) or "NULL"


def _in_server(column: str, guild_id: int | None) -> tuple[str, tuple[int, ...]]:
    """A filter on one server, or none: built here rather than as `? IS NULL OR ...`, whose parameter
    PostgreSQL cannot type."""
    return ("1 = 1", ()) if guild_id is None else (f"{column} = ?", (guild_id,))


#: A question with its verdict: `helpful` is 0 as soon as anyone found the answer not helpful.
_QUESTION_WITH_FEEDBACK = (
    "SELECT q.id, q.text, q.kind, q.topic_id, MIN(f.helpful) AS helpful, q.user_id, q.guild_id, q.asked_at FROM questions q"
    " LEFT JOIN feedback f ON f.question_id = q.id"
)


def _asked(row: Row) -> AskedQuestion:
    helpful = None if row[4] is None else bool(row[4])
    return AskedQuestion(row[0], row[1], row[2], row[3], helpful, row[5], row[6], row[7])


#: The columns `_session` reads, in its order.
_SESSION_COLUMNS = "id, user_id, guild_id, interview_id, answers, version, status, outcome"


def _session(row: Row) -> InterviewSession:
    asked = tuple((slot, value) for slot, value in json.loads(row[4]))
    return InterviewSession(row[0], row[1], row[2], row[3], asked, row[5], row[6], row[7])
