"""/checkup by button clicks, privately, surviving a bot restart on the same database file."""

from __future__ import annotations

from pathlib import Path

from discord.webhook.async_ import async_context

from tests.discord.conftest import OTHER_ID, FakeWebhookAdapter, Harness, Recorder, close_harness, make_harness

ANSWERS = {"payments": "none", "client_feedback": "negative", "escrow": "funded", "work_submitted": "no", "new_scope": "yes"}


def choice(call, value: str) -> str:
    return next(cid for cid in call.custom_ids if cid.endswith(f":{value}") and cid.startswith("jss:ck:"))


def slot_of(call) -> str:
    prompt = call.embeds[0]["description"]
    return {"paid anything": "payments", "private feedback": "client_feedback", "escrow": "escrow",
            "submitted": "work_submitted", "outside what you": "new_scope"}[next(k for k in (
                "paid anything", "private feedback", "escrow", "submitted", "outside what you") if k in prompt)]


async def test_a_whole_checkup_by_button_clicks(harness: Harness) -> None:
    [call] = await harness.slash("checkup")
    assert call.ephemeral and "Question 1" in call.embeds[0]["footer"]["text"]
    asked = []
    while call.custom_ids:
        slot = slot_of(call)
        asked.append(slot)
        [call] = await harness.click(call, choice(call, ANSWERS[slot]))
        assert call.payload["type"] == 7  # the same private message, updated
    embed = call.embeds[0]
    assert embed["title"] == "This contract would count against your JSS"
    advice = {f["name"] for f in embed["fields"]}
    assert {"Escrow goes back to the client if the contract ends", "Submit your work and ask for release",
            "New tasks need a new milestone"} <= advice
    assert "moderator" in embed["footer"]["text"] and len(asked) == 5


async def test_someone_else_cannot_click_my_checkup(harness: Harness) -> None:
    [call] = await harness.slash("checkup")
    [refused] = await harness.click(call, choice(call, "none"), user_id=OTHER_ID)
    assert refused.ephemeral and "belongs to someone else" in refused.embeds[0]["description"]


async def test_a_stale_button_shows_where_the_member_is(harness: Harness) -> None:
    [call] = await harness.slash("checkup")
    await harness.click(call, choice(call, "none"))
    [again] = await harness.click(call, choice(call, "some"))
    assert "earlier question" in again.message["content"]
    assert "private feedback" in again.embeds[0]["description"]


async def test_checkup_again_offers_resume_or_restart(harness: Harness) -> None:
    [call] = await harness.slash("checkup")
    await harness.click(call, choice(call, "some"))
    [offer] = await harness.slash("checkup")
    resume = next(cid for cid in offer.custom_ids if cid.startswith("jss:ck:resume:"))
    assert "jss:ck:restart:checkup" in offer.custom_ids
    [resumed] = await harness.click(offer, resume)
    assert "escrow" in resumed.embeds[0]["description"]
    [restarted] = await harness.click(offer, "jss:ck:restart:checkup")
    assert "paid anything" in restarted.embeds[0]["description"]


async def test_a_new_bot_instance_continues_the_checkup(knowledge_copy: Path, tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite3"
    recorder = Recorder()
    token = async_context.set(FakeWebhookAdapter(recorder))
    try:
        first = await make_harness(knowledge_copy, database, recorder)
        [call] = await first.slash("checkup")
        [call] = await first.click(call, choice(call, "none"))
        await close_harness(first)
        await first.bot.close()

        second = await make_harness(knowledge_copy, database, recorder)
        [call] = await second.click(call, choice(call, "unknown"))  # a button drawn by the first instance
        assert "escrow" in call.embeds[0]["description"]
        session = call.custom_ids[0].split(":")[2]
        stored = await second.service.storage.interview(session)
        assert stored.asked == (("payments", "none"), ("client_feedback", "unknown"))
        await close_harness(second)
    finally:
        async_context.reset(token)


async def test_start_checkup_button_under_an_answer(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": "will ending an unpaid contract hurt my JSS?"})
    [started] = await harness.click(call, "jss:ck:start:checkup")
    assert started.ephemeral and "paid anything" in started.embeds[0]["description"]


async def test_a_checkup_started_from_an_answer_skips_what_the_question_said(harness: Harness) -> None:
    text = "client paid nothing and says he'll leave bad feedback, if I end it will my JSS drop?"
    facts = harness.service.prefill_from(text)
    assert facts
    [answer] = await harness.slash("ask", options={"question": text})
    start = next(cid for cid in answer.custom_ids if cid.startswith("jss:ck:start:"))
    assert start.count(":") == 4  # the facts ride along in the button id
    [call] = await harness.click(answer, start)
    said = next(f for f in call.embeds[0]["fields"] if f["name"] == "You said")["value"]
    interview = harness.service.knowledge.current.kb.interviews["checkup"]
    for slot, value in facts:
        assert interview.question(slot).choice(value).fact in said
        assert slot_of(call) != slot  # stated facts are not asked again
    change = next(cid for cid in call.custom_ids if cid.startswith("jss:ck:chg:") and cid.endswith(f":{facts[0][0]}"))
    [changed] = await harness.click(call, change)
    assert slot_of(changed) == facts[0][0]  # taken back, so asked again
