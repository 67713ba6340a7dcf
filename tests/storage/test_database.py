"""Storage: migrations, questions and feedback, checkup sessions, forgetting a member, retention.

Tests taking the `storage` fixture run against both backends, SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Storage, StorageError
from bot.storage import migrations


@pytest.fixture
async def storage(database_target: str):
    """Every test using this runs on SQLite and on PostgreSQL."""
    store = await Storage.open(database_target)
    yield store
    await store.close()


async def ask(storage: Storage, user: str = "u1", kind: str = "answer", text: str = "q?") -> int:
    return await storage.record_question(
        user_id=user, text=text, kind=kind, topic_id="t" if kind == "answer" else None, confidence=0.5,
        knowledge="digest", via="test",
    )


async def test_fresh_database_is_created_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bot.sqlite3"
    store = await Storage.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_an_older_database_is_upgraded_in_place_keeping_its_data(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.sqlite3"
    store = await Storage.open(path)
    question = await ask(store, text="kept?")
    await store.close()
    newer = migrations.MIGRATIONS + ("ALTER TABLE questions ADD COLUMN language TEXT;",)
    monkeypatch.setattr(migrations, "MIGRATIONS", newer)
    store = await Storage.open(path)
    assert (await store.question(question)).text == "kept?"
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(newer)
        assert "language" in [row[1] for row in db.execute("PRAGMA table_info(questions)")]


async def test_a_failing_migration_leaves_the_old_schema_intact(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await Storage.open(path)).close()
    broken = migrations.MIGRATIONS + ("ALTER TABLE questions ADD COLUMN x TEXT; THIS IS NOT SQL;",)
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    with pytest.raises(StorageError):
        await Storage.open(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(broken) - 1
        assert "x" not in [row[1] for row in db.execute("PRAGMA table_info(questions)")]


async def test_a_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="newer than this bot"):
        await Storage.open(path)


async def test_a_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StorageError):
        await Storage.open(path)
    assert path.read_bytes() == before


async def test_feedback_is_stored_once_per_member_and_can_change(storage: Storage) -> None:
    question = await ask(storage)
    assert await storage.record_feedback(question, "u2", True)
    assert await storage.record_feedback(question, "u2", False)
    assert (await storage.question(question)).helpful is False
    assert not await storage.record_feedback(12345, "u2", True)


async def test_unanswered_lists_not_sure_and_not_helpful(storage: Storage) -> None:
    fine = await ask(storage, text="good")
    unsure = await ask(storage, kind="not-sure", text="unknown")
    disliked = await ask(storage, text="bad answer")
    await storage.record_feedback(disliked, "u9", False)
    await storage.record_feedback(fine, "u9", True)
    assert [q.id for q in await storage.unanswered(days=7)] == [unsure, disliked]


async def test_forget_user_deletes_everything_about_them_and_counts_it(storage: Storage) -> None:
    mine = await ask(storage, user="me")
    await ask(storage, user="me")
    theirs = await ask(storage, user="other")
    await storage.record_feedback(theirs, "me", True)
    await storage.record_feedback(mine, "other", True)
    await storage.start_interview("me", "checkup")
    # My question taught in a server goes with me; what I taught as a moderator stays, without my name.
    await storage.teach(1, "t", "my words", taught_by="a mod (9)", moderator_id="9", member=await storage.question(mine))
    await storage.teach(1, "t", "words a moderator wrote", taught_by="me (me)", moderator_id="me")
    counts = await storage.forget_user("me")
    assert counts == {"questions": 2, "feedback": 2, "checkups": 1, "taught phrasings": 1}
    assert await storage.question(mine) is None
    assert (await storage.question(theirs)).helpful is None
    [kept] = await storage.taught(1)
    assert (kept.phrasing, kept.taught_by) == ("words a moderator wrote", "a moderator")
    assert await storage.forget_user("me") == {"questions": 0, "feedback": 0, "checkups": 0, "taught phrasings": 0}


async def test_phrasings_are_taught_per_server_once_and_the_newer_topic_wins(storage: Storage) -> None:
    assert await storage.teach(1, "a", "Same  Words", taught_by="m", moderator_id="1") == (True, None)
    assert await storage.teach(1, "a", "same words", taught_by="m", moderator_id="1") == (False, None)
    assert await storage.teach(2, "a", "same words", taught_by="m", moderator_id="1") == (True, None)
    assert await storage.teach(1, "b", "SAME WORDS", taught_by="m", moderator_id="1") == (True, "a")
    assert [(t.topic_id, t.phrasing) for t in await storage.taught(1)] == [("b", "SAME WORDS")]
    assert await storage.untaught(1, ["same   words", "never taught"]) == 1
    assert await storage.taught(1) == [] and len(await storage.taught(2)) == 1


async def test_checkup_steps_are_saved_once_even_when_clicked_twice(storage: Storage) -> None:
    session = await storage.start_interview("me", "checkup", guild_id=1)
    first = await storage.save_step(session, (("payments", "none"),), finished=False, outcome=None)
    assert first is not None and first.version == 1
    # The same click again, drawn for version 0: refused, nothing overwritten.
    assert await storage.save_step(session, (("payments", "some"),), finished=False, outcome=None) is None
    stored = await storage.interview(session.id)
    assert stored.asked == (("payments", "none"),) and stored.version == 1


async def test_starting_again_abandons_the_unfinished_checkup(storage: Storage) -> None:
    old = await storage.start_interview("me", "checkup")
    new = await storage.start_interview("me", "checkup")
    assert (await storage.interview(old.id)).status == "abandoned"
    assert (await storage.open_interview("me", "checkup")).id == new.id


async def test_question_text_is_purged_after_retention(storage: Storage) -> None:
    question = await ask(storage, text="old question")
    await storage.backend.execute("UPDATE questions SET asked_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", (question,))
    recent = await ask(storage, text="recent question")
    for asked in (question, recent):  # both taught from members' questions; one written by a moderator
        await storage.teach(1, "t", f"taught from {asked}", taught_by="m", moderator_id="1", member=await storage.question(asked))
    await storage.teach(1, "t", "a moderator's words", taught_by="m", moderator_id="1")
    assert await storage.purge_question_text(retention_days=90) == {"questions": 1, "taught phrasings": 1}
    assert (await storage.question(question)).text is None
    assert (await storage.question(recent)).text == "recent question"
    assert [t.phrasing for t in await storage.taught(1)] == [f"taught from {recent}", "a moderator's words"]


async def test_server_config(storage: Storage) -> None:
    assert await storage.set_help_channel(1, 10, True)
    assert not await storage.set_help_channel(1, 10, True)
    assert await storage.help_channels(1) == {10}
    assert await storage.set_help_channel(1, 10, False)
    assert await storage.help_channels(1) == set()
    await storage.set_mod_role(1, 77)
    assert await storage.mod_role(1) == 77
    await storage.record_reload(actor="mod", ok=False, digest=None, detail="k.yaml:1: broken")
    assert (await storage.reloads())[0]["detail"] == "k.yaml:1: broken"


def test_eight_processes_starting_together_on_a_new_file_all_succeed(tmp_path: Path) -> None:
    import subprocess
    import sys

    from bot.storage.migrations import MIGRATIONS
    from tests.conftest import ROOT

    path = tmp_path / "race.sqlite3"
    code = ("import asyncio, sys\nfrom bot.storage import Storage\n"
            "async def main():\n    storage = await Storage.open(sys.argv[1])\n    await storage.close()\n"
            "asyncio.run(main())\n")
    processes = [subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT, stderr=subprocess.PIPE)
                 for _ in range(8)]
    failures = [p.stderr.read().decode() for p in processes if p.wait(timeout=60) != 0]
    assert failures == []
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_four_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    """Real processes on one file, each recording questions and finishing checkups concurrently: the counts
    come out exact and the file is sound (WAL mode, one writer at a time, busy_timeout for the others)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "shared.sqlite3"
    code = (
        "import asyncio, sys\nfrom bot.storage import Storage\n"
        "async def main(worker, count):\n"
        "    storage = await Storage.open(sys.argv[1])\n"
        "    for n in range(count):\n"
        "        await storage.record_question(user_id=f'w{worker}', text=f'q{n}', kind='answer', topic_id='t',\n"
        "                                      confidence=0.5, knowledge='k', via='test')\n"
        "        session = await storage.start_interview(f'w{worker}-{n}', 'checkup')\n"
        "        assert await storage.save_step(session, (('payments', 'none'),), finished=True, outcome='o')\n"
        "    await storage.close()\n"
        "asyncio.run(main(int(sys.argv[2]), int(sys.argv[3])))\n"
    )
    workers, each = 4, 60
    processes = [subprocess.Popen([sys.executable, "-c", code, str(path), str(w), str(each)], cwd=ROOT,
                                  stderr=subprocess.PIPE) for w in range(workers)]
    failures = [p.stderr.read().decode() for p in processes if p.wait(timeout=120) != 0]
    assert failures == []
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == workers * each
        assert db.execute("SELECT COUNT(*) FROM interviews WHERE status = 'finished'").fetchone()[0] == workers * each
        assert db.execute("SELECT COUNT(DISTINCT user_id) FROM questions").fetchone()[0] == workers
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_eight_processes_starting_together_on_a_new_postgres_database_migrate_it_once(postgres_server) -> None:
    """The advisory lock: every process waits for the first one's migration, then finds it done."""
    import asyncio
    import subprocess
    import sys

    import asyncpg

    from bot.storage.migrations import MIGRATIONS
    from tests.conftest import ROOT

    url = asyncio.run(postgres_server.fresh_database())
    code = ("import asyncio, sys\nfrom bot.storage import Storage\n"
            "async def main():\n    storage = await Storage.open(sys.argv[1])\n    await storage.close()\n"
            "asyncio.run(main())\n")
    processes = [subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, stderr=subprocess.PIPE) for _ in range(8)]
    failures = [p.stderr.read().decode() for p in processes if p.wait(timeout=60) != 0]
    assert failures == []

    async def schema() -> tuple[list, int]:
        connection = await asyncpg.connect(url)
        try:
            return await connection.fetch("SELECT version FROM jss_schema_version"), await connection.fetchval(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")
        finally:
            await connection.close()

    versions, tables = asyncio.run(schema())
    assert [v["version"] for v in versions] == [len(MIGRATIONS)] and tables == 8


@pytest.mark.parametrize("setup, message", [
    ("CREATE TABLE jss_schema_version (version INTEGER NOT NULL); INSERT INTO jss_schema_version VALUES (99)",
     "newer than this bot"),
    ("CREATE TABLE guild_config (x INTEGER)", "tables this bot did not create"),
])
async def test_a_postgres_database_the_bot_cannot_use_is_refused_with_one_line(postgres_server, setup: str, message: str) -> None:
    import asyncpg

    url = await postgres_server.fresh_database()
    connection = await asyncpg.connect(url)
    await connection.execute(setup)
    await connection.close()
    with pytest.raises(StorageError, match=message) as refused:
        await Storage.open(url)
    assert "\n" not in str(refused.value)


async def test_an_unreachable_postgres_server_is_one_line_without_the_password() -> None:
    with pytest.raises(StorageError, match="cannot connect") as refused:
        await Storage.open("postgresql://bot:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(refused.value) and "***" in str(refused.value)
