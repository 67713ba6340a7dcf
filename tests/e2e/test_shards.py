"""End to end, sharded: two real bot processes as shards 0 and 1 of one bot, sharing a PostgreSQL database.

Discord sends a guild's events to the shard that owns it; when that process dies the guild moves to another
process, and what a member was doing there must carry on. Teaching in one process reaches the other at once.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import copy_knowledge
from tests.e2e.helpers import BotProcess, click, slash
from tests.e2e.standin import DiscordStandIn, Request
from tests.payloads import APP_ID, GUILD_ID, MANAGE_GUILD, MEMBER_ID, OTHER_ID

SHARDS = 2
OWNER = (GUILD_ID >> 22) % SHARDS  # the shard Discord puts the test guild on
OTHER = 1 - OWNER
EPHEMERAL = 64


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_knowledge(tmp_path_factory.mktemp("shards") / "knowledge")


@pytest.fixture
def shards(standin: DiscordStandIn, knowledge: Path, postgres_server, tmp_path: Path) -> Iterator[dict[int, BotProcess]]:
    """Shard id -> its own `python -m bot` process, both on one fresh PostgreSQL database, both identified."""
    database = asyncio.run(postgres_server.fresh_database())
    processes = {n: BotProcess(standin, knowledge, database, tmp_path / f"shard{n}.log", shard=(n, SHARDS)) for n in range(SHARDS)}
    for process in processes.values():
        process.launch()
    try:
        for process in processes.values():
            process.wait_identified()
        yield processes
    finally:
        for n, process in processes.items():
            code = process.stop()
            assert code == (-signal.SIGKILL if process.killed else 0), f"shard {n} exited with {code}:\n{process.log_tail()}"


def test_each_process_identifies_as_its_own_shard(standin: DiscordStandIn, shards: dict[int, BotProcess]) -> None:
    for n in range(SHARDS):
        assert standin.shards[n].connected and standin.shards[n].owns(GUILD_ID) == (n == OWNER)
        assert standin.wait_gateway(2, shard=n)["d"]["shard"] == [n, SHARDS]  # SHARD_IDS and SHARD_COUNT, as identified


def test_a_checkup_begun_on_one_shard_finishes_on_the_other_after_a_sigkill(standin: DiscordStandIn,
                                                                            shards: dict[int, BotProcess]) -> None:
    shown = slash(standin, "checkup", user_id=OTHER_ID)  # routed to the guild's shard
    assert shown.body["data"]["flags"] & EPHEMERAL and "paid anything" in shown.embeds[0]["description"]
    shown = click(standin, shown, next(c for c in shown.custom_ids if c.endswith(":none")), user_id=OTHER_ID, shard=OWNER)
    assert "private feedback" in shown.embeds[0]["description"]

    shards[OWNER].kill()  # Discord moves the guild to a live shard: its next click arrives there
    values = {"client_feedback": "positive", "escrow": "empty", "work_submitted": "yes", "new_scope": "no"}
    prompts = (("private feedback", "client_feedback"), ("escrow", "escrow"), ("submitted", "work_submitted"), ("outside what", "new_scope"))
    steps = 0
    while any(c.startswith("jss:ck:") for c in shown.custom_ids):
        slot = next(slot for key, slot in prompts if key in shown.embeds[0]["description"])
        shown = click(standin, shown, next(c for c in shown.custom_ids if c.endswith(f":{values[slot]}")), user_id=OTHER_ID, shard=OTHER)
        assert shown.body["type"] == 7 and not shown.message.get("content"), shown.body  # the step, updated; no error
        steps += 1
    assert steps >= 1 and shown.embeds[0]["title"] == "This contract is left out of your JSS"


UNKNOWN = "gig went sideways and the guy vanished, am I toast"
TOPIC = "end-unpaid-contract-jss"


def answered(response: Request) -> bool:
    """A real answer to the topic: public (not only for the asker), its verdict and its details button."""
    return (not response.body["data"].get("flags", 0) & EPHEMERAL and "private feedback" in response.embeds[0]["title"]
            and f"jss:more:{TOPIC}" in response.custom_ids)


def test_a_phrasing_taught_through_one_process_is_answered_by_the_other(standin: DiscordStandIn,
                                                                        shards: dict[int, BotProcess]) -> None:
    before = slash(standin, "ask", question=UNKNOWN, shard=OTHER)
    assert before.body["data"]["flags"] & EPHEMERAL and "won't guess" in before.embeds[0]["description"]  # declined, privately

    mark = len(standin.requests)
    # Manage Server, not an owner of the bot: teaching changes this server only.
    deferred = slash(standin, "kb", "teach", user_id=MEMBER_ID, permissions=MANAGE_GUILD, shard=OWNER, question=UNKNOWN, topic=TOPIC)
    assert deferred.body["type"] == 5
    followup = standin.wait_for(lambda r: r.method == "POST" and r.path.startswith(f"/webhooks/{APP_ID}/"), after=mark)
    assert followup.embeds[0]["description"].startswith("Taught:"), followup.embeds[0]

    deadline = time.monotonic() + 2.0
    while not answered(after := slash(standin, "ask", question=UNKNOWN, shard=OTHER)):
        assert time.monotonic() < deadline, f"shard {OTHER} still does not answer the taught phrasing: {after.embeds}"
        time.sleep(0.2)
