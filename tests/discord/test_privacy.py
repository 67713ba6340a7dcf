"""/forget-me erases a member's questions, feedback and checkups, and says how many."""

from __future__ import annotations

from tests.discord.conftest import MEMBER_ID, Harness
from tests.payloads import GUILD_ID


async def test_forget_me_deletes_and_counts(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": "will ending an unpaid contract hurt my JSS?"})
    helpful = next(cid for cid in call.custom_ids if cid.startswith("jss:fb:") and cid.endswith(":1"))
    await harness.click(call, helpful)
    await harness.slash("checkup")
    [done] = await harness.slash("forget-me")
    assert done.ephemeral
    assert done.embeds[0]["description"] == "Done: 3 records deleted (1 questions, 1 feedback, 1 checkups, 0 taught phrasings)."
    assert await harness.service.storage.forget_user(str(MEMBER_ID)) == {"questions": 0, "feedback": 0, "checkups": 0,
                                                                          "taught phrasings": 0}
    [again] = await harness.slash("forget-me")
    assert again.embeds[0]["description"] == "I had nothing stored about you."


async def test_forget_me_also_removes_phrasings_taught_from_my_questions_and_their_audit_lines(harness: Harness) -> None:
    question = "zorblax quuxification of the frobnicator widget?"
    [asked] = await harness.slash("ask", options={"question": question})
    stored = (await harness.service.storage.unanswered(days=1))[0]
    topic = next(iter(harness.service.knowledge.current.kb.topics))
    await harness.service.teach(question, topic, guild_id=GUILD_ID, actor="a moderator", moderator_id="1", question=stored)
    assert (await harness.service.ask(question, user_id="m", via="test", guild_id=GUILD_ID)).answer.answered
    assert any(question in r["detail"] for r in await harness.service.storage.reloads())
    [done] = await harness.slash("forget-me")
    assert "1 taught phrasings" in done.embeds[0]["description"]
    assert await harness.service.storage.taught(GUILD_ID) == []
    assert not (await harness.service.ask(question, user_id="m", via="test", guild_id=GUILD_ID)).answer.answered
    assert not any(question in r["detail"] for r in await harness.service.storage.reloads())


async def test_retention_drops_what_was_taught_from_old_questions_in_the_live_answers_too(harness: Harness) -> None:
    question = "zorblax quuxification of the frobnicator widget?"
    await harness.slash("ask", options={"question": question})
    stored = (await harness.service.storage.unanswered(days=1))[0]
    topic = next(iter(harness.service.knowledge.current.kb.topics))
    await harness.service.teach(question, topic, guild_id=GUILD_ID, actor="a moderator", moderator_id="1", question=stored)
    await harness.service.storage.backend.execute("UPDATE questions SET asked_at = '2000-01-01T00:00:00+00:00'")
    await harness.service.storage.backend.execute("UPDATE taught SET asked_at = '2000-01-01T00:00:00+00:00'")
    await harness.bot.purge_old_questions.coro(harness.bot)  # one run of the loop's body
    assert await harness.service.storage.taught(GUILD_ID) == []
    assert not (await harness.service.ask(question, user_id="m", via="test", guild_id=GUILD_ID)).answer.answered


async def test_a_failed_retention_purge_is_logged_and_the_loop_keeps_running(harness: Harness, monkeypatch, caplog) -> None:
    async def broken(days: int) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(harness.service.storage, "purge_question_text", broken)
    await harness.bot.purge_old_questions.coro(harness.bot)  # one run of the loop's body
    assert "retention purge failed" in caplog.text
