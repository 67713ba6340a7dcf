"""Moderator commands: refused to members server-side, reload keeps good knowledge, config per server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.discord.conftest import CHANNEL_OPTION, HELP_CHANNEL_ID, MANAGE_GUILD, MEMBER_ID, MOD_ROLE_ID, OTHER_ID, Harness, Typed

MOD_COMMANDS = [("kb", ("reload",)), ("kb", ("check",)), ("kb", ("gaps",)), ("kb", ("stats",)),
                ("config", ("help-channel", "list")), ("config", ("mod-role",))]


CHANNEL = {"channel": Typed(str(HELP_CHANNEL_ID), CHANNEL_OPTION)}
MOD_COMMANDS += [("config", ("help-channel", "add")), ("config", ("help-channel", "remove"))]


@pytest.mark.parametrize("name, path", MOD_COMMANDS)
async def test_members_are_refused_even_if_the_client_default_was_overridden(harness: Harness, name, path, caplog) -> None:
    # The payload reaching the bot is the proof that the client-side default did not stop the member.
    options = CHANNEL if path[-1] in ("add", "remove") else None
    resolved = {"channels": {str(HELP_CHANNEL_ID): {"id": str(HELP_CHANNEL_ID), "type": 0, "name": "help", "permissions": "0",
                                                     "guild_id": str(harness.bot.guilds[0].id)}}}
    [call] = await harness.slash(name, *path, options=options, resolved=resolved if options else None)
    assert call.ephemeral and "for moderators" in call.embeds[0]["description"]
    assert any("refused moderator command" in r.message for r in caplog.records)
    assert await harness.service.storage.help_channels(harness.bot.guilds[0].id) == set()
    assert await harness.service.storage.reloads() == []


async def test_the_moderator_role_is_enough(harness: Harness) -> None:
    await harness.service.storage.set_mod_role(harness.bot.guilds[0].id, MOD_ROLE_ID)
    [call] = await harness.slash("kb", "stats", roles=[MOD_ROLE_ID])
    assert call.ephemeral and call.embeds[0]["title"] == "Last 30 days"
    assert call.embeds[0]["image"]["url"] == "attachment://stats.png"  # the chart rides along as a file
    assert call.embeds[0]["footer"]["text"] == "Shard 0 of 1"
    assert [a["filename"] for a in call.message["attachments"]] == ["stats.png"]


async def test_reload_with_a_broken_file_keeps_the_old_knowledge(harness: Harness, knowledge_copy: Path) -> None:
    topics = knowledge_copy / "topics.yaml"
    text = topics.read_text()
    broken_line = text.splitlines().index("    examples:") + 1
    topics.write_text(text.replace("    examples:", "    exmaples:", 1))
    before = harness.service.knowledge.current
    _owner(harness)
    calls = await harness.slash("kb", "reload", permissions=MANAGE_GUILD, expect=2)
    report = calls[-1]
    assert report.ephemeral and "problem(s)" in report.embeds[0]["title"]
    assert f"{topics}:{broken_line}:" in report.embeds[0]["description"]
    assert "Nothing changed" in report.embeds[0]["description"]
    assert harness.service.knowledge.current is before
    [answer] = await harness.slash("ask", options={"question": "will ending an unpaid contract hurt my JSS?"})
    assert "private feedback" in answer.embeds[0]["title"]
    [audit] = await harness.service.storage.reloads()
    assert not audit["ok"] and audit["actor"].endswith(f"({MEMBER_ID})")


async def test_reload_swaps_in_good_knowledge_and_is_audited(harness: Harness, knowledge_copy: Path) -> None:
    topics = knowledge_copy / "topics.yaml"
    topics.write_text(topics.read_text().replace("Ending it is not what decides", "Edited: ending it doesn't count", 1))
    _owner(harness)
    calls = await harness.slash("kb", "reload", permissions=MANAGE_GUILD, expect=2)
    assert calls[-1].embeds[0]["title"] == "Reloaded: knowledge is OK"
    [answer] = await harness.slash("ask", options={"question": "will ending an unpaid contract hurt my JSS?"})
    assert answer.embeds[0]["title"].startswith("Edited:")
    [audit] = await harness.service.storage.reloads()
    assert audit["ok"] and audit["digest"] == harness.service.knowledge.current.kb.digest


async def test_gaps_lists_unanswered_questions_most_frequent_first(harness: Harness) -> None:
    for question in ["best laptop for coding?", "which laptop is best for coding?", "pizza place nearby?"]:
        await harness.slash("ask", options={"question": question}, user_id=OTHER_ID)
    [call] = await harness.slash("kb", "gaps", permissions=MANAGE_GUILD)
    lines = call.embeds[0]["description"].splitlines()
    assert lines[0].startswith("**2×**") and "laptop" in lines[0]


async def test_help_channels_are_configured_per_server(harness: Harness) -> None:
    resolved = {"channels": {str(HELP_CHANNEL_ID): {"id": str(HELP_CHANNEL_ID), "type": 0, "name": "help", "permissions": "0",
                                                     "guild_id": str(harness.bot.guilds[0].id)}}}
    [added] = await harness.slash("config", "help-channel", "add", options={"channel": Typed(str(HELP_CHANNEL_ID), CHANNEL_OPTION)},
                                  permissions=MANAGE_GUILD, resolved=resolved)
    assert "Added" in added.embeds[0]["description"] and harness.service.is_help_channel(HELP_CHANNEL_ID)
    [listed] = await harness.slash("config", "help-channel", "list", permissions=MANAGE_GUILD)
    assert f"<#{HELP_CHANNEL_ID}>" in listed.embeds[0]["description"]
    [removed] = await harness.slash("config", "help-channel", "remove", options={"channel": Typed(str(HELP_CHANNEL_ID), CHANNEL_OPTION)},
                                    permissions=MANAGE_GUILD, resolved=resolved)
    assert "Removed" in removed.embeds[0]["description"] and not harness.service.is_help_channel(HELP_CHANNEL_ID)


def _owner(harness: Harness, user_id: int = MEMBER_ID) -> None:
    harness.bot.settings = dataclasses.replace(harness.bot.settings, owner_ids=frozenset({user_id}))


async def test_only_the_bots_owners_reload_the_shared_knowledge(harness: Harness, caplog) -> None:
    harness.bot.owner_id = OTHER_ID  # the application's owner, as discord.py learns it at login
    [refused] = await harness.slash("kb", "reload", permissions=MANAGE_GUILD)  # a moderator, not an owner
    assert refused.ephemeral and "only the bot's owners" in refused.embeds[0]["description"]
    assert any("refused owner command" in r.message for r in caplog.records)
    assert await harness.service.storage.reloads() == []
    calls = await harness.slash("kb", "reload", user_id=OTHER_ID, permissions=MANAGE_GUILD, expect=2)
    assert calls[-1].embeds[0]["title"] == "Reloaded: knowledge is OK"


async def test_phrasing_autocomplete_checks_the_moderator_and_shows_only_the_servers_own(harness: Harness) -> None:
    from unittest import mock

    import discord

    from tests.payloads import GUILD_ID

    await harness.service.teach("a phrasing only moderators may see", "escrow-on-end", guild_id=GUILD_ID, actor="mod", moderator_id="1")
    await harness.service.teach("another server's phrasing", "escrow-on-end", guild_id=GUILD_ID + 1, actor="mod", moderator_id="2")
    cog = next(c for c in harness.bot.cogs.values() if hasattr(c, "phrasing_autocomplete"))
    member = mock.Mock(spec=discord.Interaction)
    member.guild_id, member.client, member.command = GUILD_ID, harness.bot, None
    member.permissions = discord.Permissions.none()
    member.user = mock.Mock(id=MEMBER_ID, roles=[])
    assert await cog.phrasing_autocomplete(member, "phrasing") == []  # not a moderator
    assert await cog.topic_autocomplete(member, "") == []
    member.permissions = discord.Permissions(manage_guild=True)
    choices = await cog.phrasing_autocomplete(member, "phrasing")
    assert [c.value for c in choices] == ["a phrasing only moderators may see"]
    assert len(await cog.topic_autocomplete(member, "")) == min(25, len(harness.service.knowledge.current.kb.topics))
