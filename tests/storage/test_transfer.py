"""Moving from the SQLite file to PostgreSQL (`python -m bot db migrate-to URL`): every row, the same ids, and
the same answers from the Storage methods afterwards; a target holding data is refused and left as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.transfer import TABLES, TransferError, copy_database
from tests.conftest import ROOT

GUILD = 1_234_567_890_123_456_789  # Discord ids need PostgreSQL's BIGINT
OTHER = 987_654_321_098_765_432
GAP_DECLINES = ("too-vague",)


@pytest.fixture
async def target(postgres_server):
    """A Storage on a new, empty PostgreSQL database, closed after the test."""
    store = await Storage.open(await postgres_server.fresh_database())
    yield store
    await store.close()


@pytest.fixture
async def closing():
    """`closing(store)`: close that Storage after the test, whatever happens in it."""
    stores: list[Storage] = []
    yield stores.append
    for store in stores:
        await store.close()


async def filled(path: Path) -> tuple[Storage, dict[str, object]]:
    """A SQLite storage with rows in every table, written through the methods the bot uses; and the ids."""
    store = await Storage.open(path)

    async def ask(user: str, text: str, kind: str = "answer", topic: str | None = "jss-basics", **extra) -> int:
        return await store.record_question(user_id=user, text=text, kind=kind, topic_id=topic, confidence=0.73,
                                           knowledge="digest1", via="discord", guild_id=GUILD, channel_id=OTHER, **extra)

    answered = await ask("u1", "does an unpaid contract hurt my JSS?")
    gone = await ask("u9", "forget me")
    unsure = await ask("u2", "what about the weather?", kind="not-sure", topic=None)
    declined = await ask("u3", "is it bad?", kind="declined", topic=None, decline="too-vague")
    await store.record_feedback(answered, "u4", False)
    await store.record_feedback(answered, "u5", True)
    await store.record_feedback(gone, "u4", True)
    await store.forget_user("u9")  # a gap in the question ids, which the copy must keep

    open_one = await store.start_interview("u1", "jss-checkup", GUILD)
    open_one = await store.save_step(open_one, (("payments", "none"),), finished=False, outcome=None)
    done = await store.start_interview("u2", "jss-checkup", GUILD)
    await store.save_step(done, (("payments", "none"), ("contracts", "many")), finished=True, outcome="fine")

    await store.set_help_channel(GUILD, OTHER, True)
    await store.set_help_channel(GUILD, OTHER + 1, True)
    await store.set_mod_role(GUILD, OTHER + 2)
    await store.record_reload(actor="mod#1", ok=True, digest="abc123", detail="reloaded: 40 topics")
    await store.record_reload(actor="mod#1", ok=False, digest=None, detail="topics/x.yaml: bad")
    await store.teach(GUILD, "jss-basics", "will my score drop", taught_by="Mod", moderator_id="m1")
    await store.teach(GUILD, "jss-basics", "is it bad?", taught_by="Mod", moderator_id="m1",
                      member=await store.question(declined))
    return store, {"questions": [answered, unsure, declined], "open": open_one.id, "done": done.id}


async def answers(store: Storage, ids: dict[str, object]) -> dict[str, object]:
    """What the bot would read back, through the Storage methods."""
    return {
        "questions": [await store.question(q) for q in ids["questions"]],
        "unanswered": await store.unanswered(30, gap_declines=GAP_DECLINES),
        "unanswered here": await store.unanswered(30, GUILD, GAP_DECLINES),
        "stats": await store.stats(30),
        "stats here": await store.stats(30, GUILD),
        "taught": await store.taught(GUILD),
        "signatures": await store.taught_signatures(),
        "help channels": await store.help_channels(GUILD),
        "mod role": await store.mod_role(GUILD),
        "open checkup": await store.interview(ids["open"]),
        "done checkup": await store.interview(ids["done"]),
        "reloads": await store.reloads(),
        "last digest": await store.last_reload_digest(),
    }


async def rows(store: Storage) -> dict[str, int]:
    return {table: (await store.backend.fetch(f"SELECT COUNT(*) FROM {table}"))[0][0] for table in TABLES}


async def test_every_table_of_the_schema_is_copied(tmp_path: Path) -> None:
    """A table added by a later migration must be added to TABLES, or the move would leave it behind."""
    store = await Storage.open(tmp_path / "bot.sqlite3")
    try:
        tables = {name for (name,) in await store.backend.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        await store.close()
    assert tables == set(TABLES)


async def test_the_copy_answers_the_same_and_keeps_the_ids(tmp_path: Path, target: Storage, closing) -> None:
    source, ids = await filled(tmp_path / "bot.sqlite3")
    closing(source)
    counts = await copy_database(source, target)
    assert counts == {"guild_config": 1, "help_channels": 2, "questions": 3, "feedback": 2, "interviews": 2,
                      "reloads": 2, "taught": 2}
    assert counts == await rows(source) == await rows(target)
    before, after = await answers(source, ids), await answers(target, ids)
    assert after == before
    assert [q.id for q in after["questions"]] == ids["questions"] == [1, 3, 4]  # the gap is kept
    assert after["questions"][0].helpful is False and after["mod role"] == OTHER + 2
    assert after["unanswered"] and after["taught"][1].member_id == "u3"

    # New rows are numbered after the copied ones, and a checkup carries on where it was.
    new = await target.record_question(user_id="u6", text="new?", kind="answer", topic_id="jss-basics",
                                       confidence=0.9, knowledge="digest1", via="discord")
    assert new > max(ids["questions"])
    await target.record_reload(actor="mod#2", ok=True, digest="def456", detail="reloaded")
    assert await target.last_reload_digest() == "def456"
    await target.teach(GUILD, "jss-basics", "a new phrasing", taught_by="Mod", moderator_id="m1")
    taught = await target.taught(GUILD)
    assert taught[-1].id > max(t.id for t in before["taught"])
    moved = await target.save_step(after["open checkup"], (("payments", "none"), ("contracts", "one")),
                                   finished=False, outcome=None)
    assert moved is not None and moved.version == after["open checkup"].version + 1
    assert await target.record_feedback(ids["questions"][1], "u7", True)


async def test_an_empty_source_copies_nothing_and_numbering_starts_at_one(tmp_path: Path, target: Storage, closing) -> None:
    source = await Storage.open(tmp_path / "empty.sqlite3")
    closing(source)
    assert await copy_database(source, target) == dict.fromkeys(TABLES, 0)
    assert await target.record_question(user_id="u", text="q", kind="answer", topic_id=None, confidence=0.1,
                                        knowledge="d", via="cli") == 1


async def test_a_target_holding_data_is_refused_and_left_unchanged(tmp_path: Path, target: Storage, closing) -> None:
    source, _ = await filled(tmp_path / "bot.sqlite3")
    closing(source)
    await target.set_mod_role(OTHER, 42)
    live = await target.record_question(user_id="live", text="live data", kind="answer", topic_id=None,
                                        confidence=0.5, knowledge="d", via="discord")
    before = await rows(target)
    with pytest.raises(TransferError, match="guild_config"):
        await copy_database(source, target)
    assert await rows(target) == before
    assert (await target.question(live)).text == "live data" and await target.mod_role(OTHER) == 42
    assert await target.help_channels(GUILD) == set()


async def test_a_source_changing_during_the_copy_rolls_it_back(tmp_path: Path, target: Storage, closing) -> None:
    """The bot still running on the file while it is copied: the counts disagree, and nothing is kept."""
    source, _ = await filled(tmp_path / "bot.sqlite3")
    closing(source)
    opened = target.backend.transaction

    @asynccontextmanager
    async def meanwhile():
        await source.record_question(user_id="late", text="asked during the copy", kind="answer", topic_id=None,
                                     confidence=0.5, knowledge="d", via="discord")
        async with opened() as db:
            yield db

    target.backend.transaction = meanwhile
    with pytest.raises(TransferError, match="questions changed .* during the copy"):
        await copy_database(source, target)
    assert await rows(target) == dict.fromkeys(TABLES, 0)


def cli(*args: str, database_path: Path) -> subprocess.CompletedProcess:
    # An empty DISCORD_TOKEN and DATABASE_URL: a developer's .env must not log in to Discord or pick a database.
    env = {**os.environ, "DISCORD_TOKEN": "", "DATABASE_URL": "", "DATABASE_PATH": str(database_path)}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)


async def test_the_command_copies_prints_counts_and_never_the_password(tmp_path: Path, postgres_server) -> None:
    path = tmp_path / "bot.sqlite3"
    source, ids = await filled(path)
    await source.close()
    # The test server trusts every local connection, so any password gets in: here, one that must not show.
    url = (await postgres_server.fresh_database()).replace("postgresql://postgres@", "postgresql://postgres:s3cr3t-pw@")

    done = cli("db", "migrate-to", url, database_path=path)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "s3cr3t-pw" not in output
    lines = done.stdout.splitlines()
    assert len(lines) == len(TABLES) + 1
    assert lines[0].split()[:2] == ["guild_config", "1"] and lines[2].split()[:2] == ["questions", "3"]
    assert "DATABASE_URL=postgresql://postgres:***@" in lines[-1] and "restart" in lines[-1]

    target = await Storage.open(url)
    try:
        assert [q.id for q in [await target.question(q) for q in ids["questions"]]] == ids["questions"]
    finally:
        await target.close()

    again = cli("db", "migrate-to", url, database_path=path)
    assert again.returncode == 1
    assert "already holds" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert "s3cr3t-pw" not in again.stdout + again.stderr


@pytest.mark.parametrize("url", ["mysql://root:hunter2@db/bot", "data/bot.sqlite3", "sqlite:///hunter2.db"])
def test_a_url_that_is_not_postgresql_exits_2(tmp_path: Path, url: str) -> None:
    path = tmp_path / "bot.sqlite3"
    sqlite3.connect(path).close()
    result = cli("db", "migrate-to", url, database_path=path)
    assert result.returncode == 2 and result.stdout == ""
    assert "postgresql://" in result.stderr and "hunter2" not in result.stderr


def test_a_missing_source_file_is_reported_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "bot.sqlite3"
    result = cli("db", "migrate-to", "postgresql://postgres:pw@127.0.0.1:1/none", database_path=path)
    assert result.returncode == 1 and str(path) in result.stderr
    assert not path.exists() and not path.parent.exists()
