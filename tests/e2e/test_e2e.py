"""End to end: the real bot process, started as an operator starts it, against the local Discord stand-in."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import copy_knowledge
from tests.e2e.helpers import BotProcess, click, slash
from tests.e2e.standin import DiscordStandIn
from tests.payloads import APP_ID, CHANNEL_ID, FAKE_TOKEN, GUILD_ID, MANAGE_GUILD, MEMBER_ID, OTHER_ID, user_message

QUESTION = "will ending an unpaid contract hurt my JSS?"
MESSAGE_CONTENT_INTENT = 1 << 15


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("e2e")
    copy_knowledge(folder / "knowledge")
    return folder


@pytest.fixture(scope="module")
def bot(standin: DiscordStandIn, workdir: Path) -> Iterator[BotProcess]:
    process = BotProcess(standin, workdir / "knowledge", workdir / "bot.sqlite3", workdir / "bot.log").start()
    yield process
    assert process.stop() == 0, (workdir / "bot.log").read_text()[-3000:]


def test_start_registers_the_commands(standin: DiscordStandIn, bot: BotProcess) -> None:
    sync = standin.wait_for(lambda r: r.method == "PUT" and r.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    names = {command["name"] for command in sync.body}
    assert {"ask", "checkup", "topics", "forget-me", "kb", "config"} <= names
    identify = standin.wait_gateway(2)
    assert identify["d"]["token"] == FAKE_TOKEN and not identify["d"]["intents"] & MESSAGE_CONTENT_INTENT


def test_ask_is_answered_with_the_embed_and_buttons(standin: DiscordStandIn, bot: BotProcess) -> None:
    response = slash(standin, "ask", question=QUESTION)
    assert response.query.get("with_response") in ("1", "true", "True")
    assert response.body["type"] == 4
    [embed] = response.embeds
    assert "unless the client's private feedback reports a negative outcome" in embed["title"]
    assert any(f["name"].startswith("Myth check") and "William T C" in f["value"] for f in embed["fields"])
    assert embed["footer"]["text"].startswith("Details:") and "jss:more:end-unpaid-contract-jss" in response.custom_ids
    assert "jss:ck:start:checkup" in response.custom_ids and any(c.startswith("jss:fb:") for c in response.custom_ids)


def test_a_mention_is_answered_in_a_reply_that_pings_nobody(standin: DiscordStandIn, bot: BotProcess) -> None:
    mark = len(standin.requests)
    message = user_message(f"@everyone <@{APP_ID}> {QUESTION}", mentions_bot=True)
    standin.dispatch("MESSAGE_CREATE", message)
    reply = standin.wait_for(lambda r: r.method == "POST" and r.path == f"/channels/{CHANNEL_ID}/messages", after=mark)
    assert str(reply.body["message_reference"]["message_id"]) == message["id"]
    assert reply.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert "private feedback" in reply.embeds[0]["title"]


def test_not_helpful_click_is_stored(standin: DiscordStandIn, bot: BotProcess, workdir: Path) -> None:
    answer = slash(standin, "ask", question=QUESTION, user_id=OTHER_ID)
    not_helpful = next(c for c in answer.custom_ids if c.startswith("jss:fb:") and c.endswith(":0"))
    thanks = click(standin, answer, not_helpful, user_id=OTHER_ID)
    assert thanks.body["data"]["flags"] & 64  # private
    question_id = int(not_helpful.split(":")[2])
    with sqlite3.connect(workdir / "bot.sqlite3") as db:
        assert db.execute("SELECT helpful, user_id FROM feedback WHERE question_id = ?", (question_id,)).fetchall() == [(0, str(OTHER_ID))]


PROMPTS = (("paid anything", "payments"), ("private feedback", "client_feedback"), ("escrow", "escrow"),
           ("submitted", "work_submitted"), ("outside what", "new_scope"))


def test_a_whole_checkup_by_button_clicks(standin: DiscordStandIn, bot: BotProcess) -> None:
    shown = slash(standin, "checkup", user_id=OTHER_ID)
    assert shown.body["data"]["flags"] & 64
    values = {"payments": "none", "client_feedback": "positive", "escrow": "empty", "work_submitted": "yes", "new_scope": "no"}
    while any(c.startswith("jss:ck:") for c in shown.custom_ids):
        slot = next(slot for key, slot in PROMPTS if key in shown.embeds[0]["description"])
        shown = click(standin, shown, next(c for c in shown.custom_ids if c.endswith(f":{values[slot]}")), user_id=OTHER_ID)
        assert shown.body["type"] == 7  # the same private message, updated
    assert shown.embeds[0]["title"] == "This contract is left out of your JSS"


SITUATED_ID = 500000000000000009  # a member of its own: no unfinished checkup from the other tests


def test_an_answer_reads_the_situation_and_its_checkup_starts_there(standin: DiscordStandIn, bot: BotProcess) -> None:
    text = "client paid nothing and says he'll leave bad feedback, if I end it will my JSS drop?"
    response = slash(standin, "ask", question=text, user_id=SITUATED_ID)
    [embed] = response.embeds
    assert "From what you wrote (" in embed["description"]
    start = next(c for c in response.custom_ids if c.startswith("jss:ck:start:checkup:"))
    shown = click(standin, response, start, user_id=SITUATED_ID)
    assert any(f["name"] == "You said" for f in shown.embeds[0]["fields"])
    assert any(c.startswith("jss:ck:chg:") for c in shown.custom_ids)


def test_a_broken_reload_is_refused_and_the_old_knowledge_answers(standin: DiscordStandIn, bot: BotProcess, workdir: Path) -> None:
    topics = workdir / "knowledge" / "topics.yaml"
    original = topics.read_text()
    broken_line = original.splitlines().index("    examples:") + 1
    topics.write_text(original.replace("    examples:", "    exmaples:", 1))
    try:
        mark = len(standin.requests)
        # User 1 owns the application (the stand-in's application info): only owners reload the shared knowledge.
        deferred = slash(standin, "kb", "reload", user_id=1, permissions=MANAGE_GUILD)
        assert deferred.body["type"] == 5  # "thinking…", then a followup
        followup = standin.wait_for(lambda r: r.method == "POST" and r.path.startswith(f"/webhooks/{APP_ID}/"), after=mark)
        description = followup.embeds[0]["description"]
        assert f"{topics}:{broken_line}:" in description and "Nothing changed" in description
        again = slash(standin, "ask", question=QUESTION)
        assert "private feedback" in again.embeds[0]["title"]
    finally:
        topics.write_text(original)


def test_the_gateway_dropping_the_connection_is_resumed(standin: DiscordStandIn, bot: BotProcess) -> None:
    mark = len(standin.gateway_log)
    standin.drop_connection()
    resume = standin.wait_gateway(6, after=mark, timeout=30)
    assert resume["d"]["session_id"].startswith("session-") and resume["d"]["token"] == FAKE_TOKEN
    response = slash(standin, "ask", question=QUESTION)
    assert "private feedback" in response.embeds[0]["title"]


def test_sigkill_mid_checkup_then_the_next_click_continues(standin: DiscordStandIn, tmp_path: Path) -> None:
    knowledge = copy_knowledge(tmp_path / "knowledge")
    first = BotProcess(standin, knowledge, tmp_path / "bot.sqlite3", tmp_path / "bot.log").start()
    shown = slash(standin, "checkup")
    shown = click(standin, shown, next(c for c in shown.custom_ids if c.endswith(":none")))
    assert "private feedback" in shown.embeds[0]["description"]
    first.kill()
    second = BotProcess(standin, knowledge, tmp_path / "bot.sqlite3", tmp_path / "bot.log").start()
    try:
        shown = click(standin, shown, next(c for c in shown.custom_ids if c.endswith(":negative")))
        assert "escrow" in shown.embeds[0]["description"]
        with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
            [(answers,)] = db.execute("SELECT answers FROM interviews WHERE user_id = ?", (str(MEMBER_ID),)).fetchall()
        assert answers == '[["payments", "none"], ["client_feedback", "negative"]]'
    finally:
        assert second.stop() == 0

