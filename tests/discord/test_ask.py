"""/ask, mentions, help channels, feedback and "did you mean", through discord.py's real routing."""

from __future__ import annotations

from tests.discord.conftest import HELP_CHANNEL_ID, MEMBER_ID, OTHER_ID, Harness

HEADLINE = "will ending an unpaid contract hurt my JSS?"


async def test_ask_answers_short_and_details_show_myth_check_and_sources(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": HEADLINE})
    assert call.path.endswith("/callback") and not call.ephemeral
    [embed] = call.embeds
    answer = harness.service.knowledge.current.responder.respond(HEADLINE)
    assert embed["title"] == answer.verdict and len(embed["description"]) <= 600
    myth = next(f for f in embed["fields"] if f["name"] == "Myth check")
    assert all(m.claim.label in myth["value"] for m in answer.myths)
    assert call.message["allowed_mentions"] == {"parse": []}
    assert any(cid.startswith("jss:fb:") for cid in call.custom_ids)
    assert "jss:ck:start:checkup" in call.custom_ids
    [details] = await harness.click(call, f"jss:more:{answer.topic.id}")
    [full] = details.embeds
    assert details.ephemeral and full["description"] == answer.detail
    full_myth = next(f for f in full["fields"] if f["name"].startswith("Myth check"))
    assert answer.myths[0].claim.who in full_myth["value"] and answer.myths[0].corrected_by.who in full_myth["value"]
    assert full["footer"]["text"].startswith("Sources:")
    assert any(f["name"] == "Official pages" and "https://" in f["value"] for f in full["fields"])


async def test_feedback_click_is_stored(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": HEADLINE})
    not_helpful = next(cid for cid in call.custom_ids if cid.startswith("jss:fb:") and cid.endswith(":0"))
    [reply] = await harness.click(call, not_helpful)
    assert reply.ephemeral and "noted" in reply.embeds[0]["description"]
    question_id = int(not_helpful.split(":")[2])
    assert (await harness.service.storage.question(question_id)).helpful is False
    gaps = await harness.service.gaps(days=1)
    assert gaps and gaps[0].example == HEADLINE


async def test_low_confidence_offers_a_menu_and_only_the_asker_can_pick(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": "feedback?"})
    assert call.ephemeral and "won't guess" in call.embeds[0]["description"]
    [picker] = call.custom_ids
    assert picker == f"jss:pick:{picker.split(':')[2]}:{MEMBER_ID}"
    options = call.message["components"][0]["components"][0]["options"]
    topic = options[0]["value"]
    [refused] = await harness.click(call, picker, user_id=OTHER_ID, values=[topic])
    assert refused.ephemeral and "Only the member who asked" in refused.embeds[0]["description"]
    [shown] = await harness.click(call, picker, values=[topic])
    assert shown.payload["type"] == 7  # the same message, updated in place
    assert shown.embeds[0]["title"] == harness.service.topic_answer(topic).verdict


async def test_out_of_scope_is_declined_privately(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": "how do I withdraw to paypal?"})
    assert call.ephemeral and "Help Center" in call.embeds[0]["description"]


async def test_overlong_question_is_refused_politely(harness: Harness) -> None:
    [call] = await harness.slash("ask", options={"question": "jss " * 300})
    assert call.ephemeral and "1,000 characters" in call.embeds[0]["description"]


async def test_cooldown_answers_slow_down_privately(harness: Harness) -> None:
    for _ in range(harness.bot.settings.cooldown_rate):
        await harness.slash("ask", options={"question": HEADLINE})
    [call] = await harness.slash("ask", options={"question": HEADLINE})
    assert call.ephemeral and "faster than I can keep up" in call.embeds[0]["description"]


async def test_mention_is_answered_in_a_reply_that_pings_nobody(harness: Harness) -> None:
    [call] = await harness.message(f"<@{harness.bot.user.id}> @everyone {HEADLINE}", mentions_bot=True)
    assert call.method == "POST" and call.path.endswith("/messages")
    assert call.payload["message_reference"]["message_id"]
    assert call.payload["allowed_mentions"]["parse"] == [] and call.payload["allowed_mentions"]["replied_user"] is False
    assert "@everyone" not in str(call.payload["embeds"])


async def test_help_channel_answers_only_confident_questions_and_never_bots(harness: Harness) -> None:
    await harness.service.set_help_channel(harness.bot.guilds[0].id, HELP_CHANNEL_ID, True)
    [call] = await harness.message(HEADLINE, channel_id=HELP_CHANNEL_ID)
    assert call.embeds and "private feedback" in call.embeds[0]["title"]
    assert await harness.message("lol anyone here", channel_id=HELP_CHANNEL_ID, expect=0) == []
    assert await harness.message(HEADLINE, channel_id=HELP_CHANNEL_ID, author_id=OTHER_ID, bot_author=True, expect=0) == []
    assert await harness.message(HEADLINE, author_id=OTHER_ID, expect=0) == []  # not a help channel, no mention


async def test_topics_are_paginated_with_buttons(harness: Harness) -> None:
    [call] = await harness.slash("topics")
    pages = -(-len(harness.service.knowledge.current.kb.topics) // 5)
    assert call.ephemeral and call.embeds[0]["footer"]["text"] == f"Page 1 of {pages}"
    [page2] = await harness.click(call, "jss:topics:1:next")
    assert page2.embeds[0]["footer"]["text"] == f"Page 2 of {pages}"


async def test_a_failing_command_answers_something_went_wrong(harness: Harness, monkeypatch) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(harness.service, "ask", broken)
    [call] = await harness.slash("ask", options={"question": HEADLINE})
    assert call.ephemeral and "Something went wrong" in call.embeds[0]["description"]


async def test_chatter_in_a_help_channel_does_not_use_up_the_cooldown(harness: Harness) -> None:
    await harness.service.set_help_channel(harness.bot.guilds[0].id, HELP_CHANNEL_ID, True)
    for chatter in ["lol", "anyone here", "good morning all", "brb"]:
        assert await harness.message(chatter, channel_id=HELP_CHANNEL_ID, expect=0) == []
    [call] = await harness.message(HEADLINE, channel_id=HELP_CHANNEL_ID)
    assert "private feedback" in call.embeds[0]["title"]
