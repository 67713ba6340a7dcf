"""Moderators teach their own server from Discord: a declined question becomes answerable there in two clicks,
and no other server's answers, exports or gaps change."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from bot.knowledge import load_knowledge
from tests.discord.conftest import MANAGE_GUILD, MEMBER_ID, OTHER_ID, Harness
from tests.payloads import GUILD_ID

UNKNOWN = "gig went sideways and the guy vanished, am I toast"
OTHER_GUILD = GUILD_ID + 1


async def _phrasings(harness: Harness, guild_id: int = GUILD_ID) -> dict[str, str]:
    return {t.phrasing: t.topic_id for t in await harness.service.storage.taught(guild_id)}


async def test_gap_assigned_in_two_clicks_then_answered_in_that_server_only(harness: Harness, knowledge_copy: Path) -> None:
    [declined] = await harness.slash("ask", options={"question": UNKNOWN}, user_id=OTHER_ID)
    assert declined.ephemeral and "won't guess" in declined.embeds[0]["description"]
    [gaps] = await harness.slash("kb", "gaps", permissions=MANAGE_GUILD)          # click 1: open the gaps
    [menu] = [cid for cid in gaps.custom_ids if cid.startswith("jss:gap:")]
    options = [o["value"] for o in gaps.message["components"][0]["components"][0]["options"]]
    best_guess = [s.id for s in harness.service.knowledge.current.responder.rank(UNKNOWN).scored if s.kind == "topic"][0]
    assert options[-1] == "-ignore" and options[0] == best_guess  # best guesses first
    calls = await harness.click(gaps, menu, values=["end-unpaid-contract-jss"], expect=2, permissions=MANAGE_GUILD)  # click 2
    report = calls[-1].embeds[0]["description"]
    assert "Taught" in report and "for this server" in report
    [taught] = await harness.service.storage.taught(GUILD_ID)
    assert (taught.topic_id, taught.phrasing, taught.member_id) == ("end-unpaid-contract-jss", UNKNOWN, str(OTHER_ID))
    assert taught.taught_by.endswith(f"({MEMBER_ID})")
    assert not (knowledge_copy / "learned.yaml").exists()  # the shared files are untouched
    [answered] = await harness.slash("ask", options={"question": UNKNOWN}, user_id=OTHER_ID)
    assert not answered.ephemeral and "private feedback" in answered.embeds[0]["title"]
    assert await harness.service.gaps(days=1, guild_id=GUILD_ID) == []  # the gap is resolved
    [audit, *_] = await harness.service.storage.reloads()
    assert audit["ok"] and "taught" in audit["detail"] and audit["actor"].endswith(f"({MEMBER_ID})")
    elsewhere = await harness.service.ask(UNKNOWN, user_id="m", via="test", guild_id=OTHER_GUILD)
    assert not elsewhere.answer.answered  # another server's answers did not change
    assert not (await harness.service.ask(UNKNOWN, user_id="m", via="test")).answer.answered  # nor the console's


async def test_one_servers_export_forget_and_ignore_never_reach_another_server(harness: Harness) -> None:
    mine, theirs = "my buyer ghosted before paying, can i close the job safely", "a phrasing from another community"
    await harness.service.teach(mine, "end-unpaid-contract-jss", guild_id=GUILD_ID, actor="mod", moderator_id="1")
    await harness.service.teach(theirs, "escrow-on-end", guild_id=OTHER_GUILD, actor="them", moderator_id="2")
    [exported] = await harness.slash("kb", "export", permissions=MANAGE_GUILD)
    assert "1 phrasing(s) taught in this server" in exported.embeds[0]["description"]
    content = harness.recorder.files[-1].decode()
    assert mine in content and theirs not in content
    assert [e["phrasing"] for e in yaml.safe_load(content)["learned"]] == [mine]
    calls = await harness.slash("kb", "forget-phrasing", options={"phrasing": theirs}, permissions=MANAGE_GUILD, expect=2)
    assert "No phrasing taught in this server" in calls[-1].embeds[0]["description"]
    assert await _phrasings(harness, OTHER_GUILD) == {theirs: "escrow-on-end"}
    # A gap of another server cannot be ignored (or taught) from this one, even with its question id.
    other = await harness.service.ask("best laptop for coding?", user_id="m", via="test", guild_id=OTHER_GUILD)
    assert await harness.service.dismiss_gap(other.question_id, GUILD_ID) == 0
    assert [g.example for g in await harness.service.gaps(days=1, guild_id=OTHER_GUILD)] == ["best laptop for coding?"]


async def test_an_exported_file_is_valid_knowledge(harness: Harness, knowledge_copy: Path) -> None:
    await harness.service.teach("who keeps the escrow when i quit", "escrow-on-end", guild_id=GUILD_ID, actor="mod", moderator_id="1")
    _, content = await harness.service.export_taught(GUILD_ID)
    (knowledge_copy / "learned.yaml").write_text(content)
    assert load_knowledge(knowledge_copy).topics["escrow-on-end"].examples[-1] == "who keeps the escrow when i quit"


async def test_members_cannot_assign_gaps(harness: Harness) -> None:
    await harness.slash("ask", options={"question": UNKNOWN}, user_id=OTHER_ID)
    [gaps] = await harness.slash("kb", "gaps", permissions=MANAGE_GUILD)
    [menu] = [cid for cid in gaps.custom_ids if cid.startswith("jss:gap:")]
    [refused] = await harness.click(gaps, menu, values=["end-unpaid-contract-jss"], user_id=OTHER_ID)
    assert "for moderators" in refused.embeds[0]["description"]
    assert await _phrasings(harness) == {}


async def test_ignore_takes_the_gap_off_the_list(harness: Harness) -> None:
    await harness.slash("ask", options={"question": "best laptop for coding?"}, user_id=OTHER_ID)
    await harness.slash("ask", options={"question": "which laptop is best for coding?"}, user_id=OTHER_ID)
    [gaps] = await harness.slash("kb", "gaps", permissions=MANAGE_GUILD)
    [menu] = [cid for cid in gaps.custom_ids if cid.startswith("jss:gap:")]
    [done] = await harness.click(gaps, menu, values=["-ignore"], permissions=MANAGE_GUILD)
    assert "2 question(s) left the gaps list" in done.embeds[0]["description"]
    assert await harness.service.gaps(days=1) == []


async def test_a_conflicting_phrasing_is_flagged_and_a_retaught_one_replaced(harness: Harness) -> None:
    question = "what happens to the money in escrow if i end the contract"
    calls = await harness.slash("kb", "teach", options={"question": question, "topic": "unreleased-payment"},
                                permissions=MANAGE_GUILD, expect=2)
    text = calls[-1].embeds[0]["description"]
    assert "Taught" in text and "answered with `escrow-on-end`" in text
    calls = await harness.slash("kb", "teach", options={"question": question.upper(), "topic": "escrow-on-end"},
                                permissions=MANAGE_GUILD, expect=2)
    assert "taught for `unreleased-payment` before" in calls[-1].embeds[0]["description"]
    assert await _phrasings(harness) == {question.upper(): "escrow-on-end"}


async def test_two_moderators_teaching_at_once_are_both_kept(harness: Harness) -> None:
    first = "my buyer ghosted before paying, can i close the job safely"
    second = "is a 2k contract heavier in jss than a 200 dollar one"
    await asyncio.gather(
        harness.service.teach(first, "end-unpaid-contract-jss", guild_id=GUILD_ID, actor="mod-a", moderator_id="1"),
        harness.service.teach(second, "jss-dollar-weighting", guild_id=GUILD_ID, actor="mod-b", moderator_id="2"),
    )
    assert await _phrasings(harness) == {first: "end-unpaid-contract-jss", second: "jss-dollar-weighting"}
    assert {e.phrasing for e in (await harness.service.snapshot(GUILD_ID)).kb.learned} == {first, second}


async def test_forget_and_preview(harness: Harness) -> None:
    await harness.service.teach(UNKNOWN, "end-unpaid-contract-jss", guild_id=GUILD_ID, actor="mod", moderator_id="1")
    assert (await harness.service.ask(UNKNOWN, user_id="m", via="test", guild_id=GUILD_ID)).answer.answered
    [preview] = await harness.slash("kb", "preview", options={"topic": "escrow-on-end"}, permissions=MANAGE_GUILD)
    assert preview.ephemeral and preview.embeds[0]["title"] == harness.service.topic_answer("escrow-on-end").verdict
    calls = await harness.slash("kb", "forget-phrasing", options={"phrasing": UNKNOWN}, permissions=MANAGE_GUILD, expect=2)
    assert "Forgot 1" in calls[-1].embeds[0]["description"]
    assert await _phrasings(harness) == {}
    assert not (await harness.service.ask(UNKNOWN, user_id="m", via="test", guild_id=GUILD_ID)).answer.answered


async def test_preview_of_a_pending_teaching_shows_its_impact_and_teaches_nothing(harness: Harness) -> None:
    from tests.conftest import ROOT

    data = yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())
    item = next(i for i in data["tuning"] if i["topic"] not in ("none", "escrow-on-end"))
    topic = next(t for t in harness.service.knowledge.current.kb.topics if t != item["topic"])
    calls = await harness.slash("kb", "preview", options={"topic": topic, "phrasing": item["q"]},
                                permissions=MANAGE_GUILD, expect=2)
    embed = calls[-1].embeds[0]
    assert embed["title"] == "Teaching preview" and "labelled answers" in embed["description"]
    assert await _phrasings(harness) == {}
    impact = await harness.service.preview_teaching(item["q"], topic, GUILD_ID)
    moved = {m.question: m for m in impact.moved}
    if item["q"] in moved:  # the phrasing itself now goes to the other topic: a wrong move, flagged
        assert moved[item["q"]].wrong and "⚠️" in embed["description"]
