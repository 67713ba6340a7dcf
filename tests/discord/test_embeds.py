"""Whatever the knowledge holds, what the bot sends stays within Discord's limits."""

from __future__ import annotations

import dataclasses

import discord

from bot.discord.embeds import answer_embed
from bot.discord.limits import EMBED_TOTAL, FIELD_VALUE, fit
from bot.engine.answers import Citation, MythCheck


def test_every_shipped_answer_fits(snapshot) -> None:
    for answer in snapshot.responder.answers.values():
        embed = answer_embed(answer)
        assert len(embed) <= EMBED_TOTAL and embed.title == answer.verdict


def test_an_oversized_answer_is_trimmed_into_the_limits(snapshot) -> None:
    answer = snapshot.responder.answers["end-unpaid-contract-jss"]
    citation = Citation("x", "Someone" * 40, "member", "label " * 60, "corrected", ("https://example.invalid/" + "a" * 300,) * 20)
    myth = MythCheck(citation, "corrected", "truth " * 500, citation)
    huge = dataclasses.replace(answer, verdict="v" * 400, detail="d" * 9000, myths=(myth,) * 30, sources=(citation,) * 30)
    embed = answer_embed(huge)
    assert len(embed) <= EMBED_TOTAL
    assert len(embed.title) <= 256 and len(embed.description) <= 4096 and len(embed.fields) <= 25
    assert all(len(f.value) <= FIELD_VALUE and len(f.name) <= 256 for f in embed.fields)
    assert len(embed.footer.text) <= 2048


def test_fit_shrinks_the_description_when_fields_are_not_enough() -> None:
    embed = fit(discord.Embed(title="t" * 300, description="d" * 4096).set_footer(text="f" * 2048))
    assert len(embed) <= EMBED_TOTAL and embed.description.endswith("…")


def test_member_text_is_shown_as_typed_never_as_links_markdown_or_mentions() -> None:
    from bot.discord.embeds import gaps_embed
    from bot.engine.gaps import GapGroup

    hostile = "[click me](http://evil.example) **bold** @everyone <@123>"
    text = gaps_embed([GapGroup(hostile, (hostile,), (1,))], 30).description
    assert "](http" not in text and "**bold**" not in text and "@everyone" not in text
    assert "click me" in text and "evil.example" in text
