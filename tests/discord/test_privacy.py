"""/forget-me erases a member's questions, feedback and checkups, and says how many."""

from __future__ import annotations

from tests.discord.conftest import MEMBER_ID, Harness


async def test_forget_me_deletes_and_counts(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": "will ending an unpaid contract hurt my JSS?"})
    helpful = next(cid for cid in call.custom_ids if cid.startswith("jss:fb:") and cid.endswith(":1"))
    await harness.click(call, helpful)
    await harness.slash("checkup")
    [done] = await harness.slash("forget-me")
    assert done.ephemeral
    assert done.embeds[0]["description"] == "Done: 3 records deleted (1 questions, 1 feedback, 1 checkups, 0 taught phrasings)."
    assert await harness.service.storage.forget_user(str(MEMBER_ID)) == {"questions": 0, "feedback": 0, "checkups": 0}
    [again] = await harness.slash("forget-me")
    assert again.embeds[0]["description"] == "I had nothing stored about you."


async def test_forget_me_also_removes_phrasings_taught_from_my_questions_and_their_audit_lines(harness: Harness) -> None:
    question = "zorblax quuxification of the frobnicator widget?"
    await harness.slash("ask", options={"question": question})
    topic = next(iter(harness.service.knowledge.current.kb.topics))
    assert (await harness.service.teach(question, topic, actor="a moderator")).ok
    assert any(question in r["detail"] for r in await harness.service.storage.reloads())
    [done] = await harness.slash("forget-me")
    assert "1 taught phrasings" in done.embeds[0]["description"]
    assert all(e.phrasing != question for e in harness.service.knowledge.current.kb.learned)
    assert not any(question in r["detail"] for r in await harness.service.storage.reloads())


async def test_a_failed_retention_purge_is_logged_and_the_loop_keeps_running(harness: Harness, monkeypatch, caplog) -> None:
    async def broken(days: int) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(harness.service.storage, "purge_question_text", broken)
    await harness.bot.purge_old_questions.coro(harness.bot)  # one run of the loop's body
    assert "retention purge failed" in caplog.text
