"""Moderators teach the bot from Discord: a declined question becomes answerable in two clicks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from bot.knowledge import load_knowledge
from tests.discord.conftest import MANAGE_GUILD, OTHER_ID, Harness

UNKNOWN = "gig went sideways and the guy vanished, am I toast"


async def test_gap_assigned_in_two_clicks_then_answered(harness: Harness, knowledge_copy: Path) -> None:
    [declined] = await harness.slash("ask", options={"question": UNKNOWN}, user_id=OTHER_ID)
    assert declined.ephemeral and "won't guess" in declined.embeds[0]["description"]
    [gaps] = await harness.slash("kb", "gaps", permissions=MANAGE_GUILD)          # click 1: open the gaps
    [menu] = [cid for cid in gaps.custom_ids if cid.startswith("jss:gap:")]
    options = [o["value"] for o in gaps.message["components"][0]["components"][0]["options"]]
    best_guess = [s.id for s in harness.service.knowledge.current.responder.rank(UNKNOWN).scored if s.kind == "topic"][0]
    assert options[-1] == "-ignore" and options[0] == best_guess  # best guesses first
    calls = await harness.click(gaps, menu, values=["end-unpaid-contract-jss"], expect=2, permissions=MANAGE_GUILD)  # click 2
    report = calls[-1].embeds[0]["description"]
    assert "Taught" in report and "Reloaded" in report
    learned = yaml.safe_load((knowledge_copy / "learned.yaml").read_text())["learned"]
    assert learned[0]["topic"] == "end-unpaid-contract-jss" and learned[0]["phrasing"] == UNKNOWN
    assert learned[0]["by"].endswith("(500000000000000001)")
    load_knowledge(knowledge_copy)  # the learned file is valid knowledge
    [answered] = await harness.slash("ask", options={"question": UNKNOWN}, user_id=OTHER_ID)
    assert not answered.ephemeral and "private feedback" in answered.embeds[0]["title"]
    assert await harness.service.gaps(days=1) == []  # the gap is resolved
    [audit, *_] = await harness.service.storage.reloads()
    assert audit["ok"] and "taught" in audit["detail"] and audit["actor"].endswith("(500000000000000001)")


async def test_members_cannot_assign_gaps(harness: Harness, knowledge_copy: Path) -> None:
    await harness.slash("ask", options={"question": UNKNOWN}, user_id=OTHER_ID)
    [gaps] = await harness.slash("kb", "gaps", permissions=MANAGE_GUILD)
    [menu] = [cid for cid in gaps.custom_ids if cid.startswith("jss:gap:")]
    [refused] = await harness.click(gaps, menu, values=["end-unpaid-contract-jss"], user_id=OTHER_ID)
    assert "for moderators" in refused.embeds[0]["description"]
    assert not (knowledge_copy / "learned.yaml").exists()


async def test_ignore_takes_the_gap_off_the_list(harness: Harness) -> None:
    await harness.slash("ask", options={"question": "best laptop for coding?"}, user_id=OTHER_ID)
    await harness.slash("ask", options={"question": "which laptop is best for coding?"}, user_id=OTHER_ID)
    [gaps] = await harness.slash("kb", "gaps", permissions=MANAGE_GUILD)
    [menu] = [cid for cid in gaps.custom_ids if cid.startswith("jss:gap:")]
    [done] = await harness.click(gaps, menu, values=["-ignore"], permissions=MANAGE_GUILD)
    assert "2 question(s) left the gaps list" in done.embeds[0]["description"]
    assert await harness.service.gaps(days=1) == []


async def test_a_conflicting_phrasing_is_flagged(harness: Harness) -> None:
    question = "what happens to the money in escrow if i end the contract"
    calls = await harness.slash("kb", "teach", options={"question": question, "topic": "unreleased-payment"},
                                permissions=MANAGE_GUILD, expect=2)
    text = calls[-1].embeds[0]["description"]
    assert "Taught" in text and "answered with `escrow-on-end`" in text


async def test_two_moderators_teaching_at_once_are_both_kept(harness: Harness, knowledge_copy: Path) -> None:
    first = "my buyer ghosted before paying, can i close the job safely"
    second = "is a 2k contract heavier in jss than a 200 dollar one"
    await asyncio.gather(
        harness.service.teach(first, "end-unpaid-contract-jss", "mod-a"),
        harness.service.teach(second, "jss-dollar-weighting", "mod-b"),
    )
    learned = {e["phrasing"]: e["by"] for e in yaml.safe_load((knowledge_copy / "learned.yaml").read_text())["learned"]}
    assert learned == {first: "mod-a", second: "mod-b"}
    kb = harness.service.knowledge.current.kb
    assert {e.phrasing for e in kb.learned} == {first, second}


async def test_forget_preview_and_export(harness: Harness) -> None:
    await harness.service.teach(UNKNOWN, "end-unpaid-contract-jss", "mod")
    [exported] = await harness.slash("kb", "export", permissions=MANAGE_GUILD)
    assert exported.ephemeral and "1 learned phrasing" in exported.embeds[0]["description"]
    [preview] = await harness.slash("kb", "preview", options={"topic": "escrow-on-end"}, permissions=MANAGE_GUILD)
    assert preview.ephemeral and preview.embeds[0]["title"] == harness.service.topic_answer("escrow-on-end").verdict
    calls = await harness.slash("kb", "forget-phrasing", options={"phrasing": UNKNOWN}, permissions=MANAGE_GUILD, expect=2)
    assert "Forgot 1" in calls[-1].embeds[0]["description"]
    assert harness.service.knowledge.current.kb.learned == ()


async def test_preview_of_a_pending_teaching_shows_its_impact_and_teaches_nothing(harness: Harness) -> None:
    import yaml

    from tests.conftest import ROOT

    data = yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())
    item = next(i for i in data["tuning"] if i["topic"] not in ("none", "escrow-on-end"))
    topic = next(t for t in harness.service.knowledge.current.kb.topics if t != item["topic"])
    calls = await harness.slash("kb", "preview", options={"topic": topic, "phrasing": item["q"]},
                                permissions=MANAGE_GUILD, expect=2)
    embed = calls[-1].embeds[0]
    assert embed["title"] == "Teaching preview" and "labelled answers" in embed["description"]
    assert harness.service.knowledge.current.kb.learned == ()
    impact = harness.service.preview_teaching(item["q"], topic)
    moved = {m.question: m for m in impact.moved}
    if item["q"] in moved:  # the phrasing itself now goes to the other topic: a wrong move, flagged
        assert moved[item["q"]].wrong and "⚠️" in embed["description"]
