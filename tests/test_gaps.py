"""`kb gaps` lists what moderators can act on: members' real questions the knowledge still cannot answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service import Knowledge, Service
from bot.storage import Storage


#: Words no knowledge uses: the bot can only say it is not sure.
UNKNOWN = "zorblax quuxification of the frobnicator widget?"


@pytest.fixture
async def service(knowledge_copy: Path, tmp_path: Path):  # teaching writes to the copy
    storage = await Storage.open(tmp_path / "gaps.sqlite3")
    yield Service(Knowledge(knowledge_copy), storage)
    await storage.close()


async def test_junk_is_not_a_gap_and_a_real_question_is(service: Service) -> None:
    topic_id = next(iter(service.knowledge.current.kb.topics))
    question = UNKNOWN
    for text in ("2", "/help", topic_id, "clear/help", "??", question):
        await service.ask(text, user_id="m", via="slash")
    assert [g.example for g in await service.gaps(days=30)] == [question]


async def test_a_try_out_that_records_nothing_is_never_a_gap(service: Service) -> None:
    asked = await service.ask(UNKNOWN, user_id="cli", via="cli", record=False)
    assert asked.question_id is None and await service.gaps(days=30) == []


async def test_an_in_domain_decline_is_a_gap_and_an_outside_one_is_not(service: Service) -> None:
    kb = service.knowledge.current.kb
    inside = next(d for d in kb.declines.values() if d.in_domain)
    outside = next(d for d in kb.declines.values() if not d.in_domain and len(d.examples[0].split()) >= 3)
    for decline in (inside, outside):
        asked = await service.ask(decline.examples[0], user_id="m", via="slash")
        assert asked.answer.decline == decline.id
    assert [g.example for g in await service.gaps(days=30)] == [inside.examples[0]]


async def test_a_question_the_knowledge_now_answers_leaves_the_gaps(service: Service, tmp_path: Path) -> None:
    question = UNKNOWN
    await service.ask(question, user_id="m", via="slash", guild_id=1)
    await service.ask(question, user_id="m", via="slash", guild_id=2)
    assert [g.count for g in await service.gaps(days=30)] == [2]
    topic = next(iter(service.knowledge.current.kb.topics))
    taught = await service.teach(question, topic, guild_id=1, actor="mod", moderator_id="9")
    assert taught.answered_now and taught.dismissed == 1
    assert await service.gaps(days=30, guild_id=1) == []
    assert [g.count for g in await service.gaps(days=30, guild_id=2)] == [1]  # another server still has the gap
    assert [g.count for g in await service.gaps(days=30)] == [1]  # and the operator sees it


def test_gaps_on_the_command_line_never_print_escape_sequences_and_refuse_bad_days(tmp_path: Path) -> None:
    from tests.test_cli import run

    env = {"DATABASE_PATH": str(tmp_path / "cli.sqlite3")}
    hostile = "zorblax \x1b[2J\x1b[31mquuxification of the frobnicator widget?"
    assert run("ask", hostile, "--record", env=env).returncode == 0
    listed = run("kb", "gaps", env=env)
    assert listed.returncode == 0 and "\x1b" not in listed.stdout and "\\x1b[2J" in listed.stdout
    for days in ("-5", "0", "many"):
        refused = run("kb", "gaps", "--days", days, env=env)
        assert refused.returncode == 2 and "days" in refused.stderr
