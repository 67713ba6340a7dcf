"""Moderator tools: /kb (reload, check, gaps, stats) and /config (help channels, moderator role).

`default_permissions` only hides the commands in the client, and server admins can override it, so every
command here also passes `is_moderator` on the bot's side: Manage Server, or the role set with
/config mod-role.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.embeds import ERROR_COLOUR, gaps_embed, notice_embed, stats_embed
from bot.discord.limits import EMBED_DESCRIPTION, clip
from bot.discord.replies import bot_of
from bot.service import ReloadReport

if TYPE_CHECKING:
    from bot.discord.client import JssBot

log = logging.getLogger(__name__)

MODERATORS = discord.Permissions(manage_guild=True)


class NotModerator(app_commands.CheckFailure):
    """Raised for a member who may not use a moderator command; the error handler answers privately."""


async def is_moderator(interaction: discord.Interaction) -> bool:
    if interaction.guild_id is None:
        raise NotModerator("moderator commands work in a server only")
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    role_id = await bot_of(interaction).service.storage.mod_role(interaction.guild_id)
    roles = getattr(interaction.user, "roles", ())
    if role_id is not None and any(role.id == role_id for role in roles):
        return True
    log.warning("refused moderator command %s to user %s in guild %s",
                interaction.command.qualified_name if interaction.command else "?", interaction.user.id, interaction.guild_id)
    raise NotModerator("this command is for moderators (Manage Server, or the moderator role)")


def report_embed(report: ReloadReport, *, swapped: bool) -> discord.Embed:
    if report.ok:
        verb = "Reloaded" if swapped else "Valid"
        return notice_embed(f"{report.summary}\nDigest `{report.digest}`, {report.seconds * 1000:.0f} ms.", title=f"{verb}: knowledge is OK")
    lines = "\n".join(f"`{clip(str(p), 300)}`" for p in report.problems)
    kept = "Nothing changed: members still get the previous knowledge.\n" if swapped else ""
    return notice_embed(clip(kept + lines, EMBED_DESCRIPTION), title=f"{len(report.problems)} problem(s) in the knowledge files", colour=ERROR_COLOUR)


def actor(interaction: discord.Interaction) -> str:
    return f"{interaction.user} ({interaction.user.id})"


class ModerationCog(commands.Cog):
    kb = app_commands.Group(name="kb", description="Knowledge tools for moderators", guild_only=True, default_permissions=MODERATORS)
    config = app_commands.Group(name="config", description="Bot settings for this server", guild_only=True, default_permissions=MODERATORS)
    help_channel = app_commands.Group(name="help-channel", description="Channels where I answer questions on my own", parent=config)

    def __init__(self, bot: JssBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        return await is_moderator(interaction)

    @kb.command(name="reload", description="Validate the knowledge files and swap them in (nothing changes on error)")
    async def kb_reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.service.reload(actor=actor(interaction))
        log.info("knowledge reload by %s: %s", actor(interaction), "ok" if report.ok else f"{len(report.problems)} problems")
        await interaction.followup.send(embed=report_embed(report, swapped=True), ephemeral=True)

    @kb.command(name="check", description="Validate the knowledge files without swapping them in")
    async def kb_check(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        _, report = await self.bot.service.check_knowledge()
        await interaction.followup.send(embed=report_embed(report, swapped=False), ephemeral=True)

    @kb.command(name="gaps", description="What members asked that I could not answer, most frequent first")
    @app_commands.describe(days="How many days back to look (default 30)")
    async def kb_gaps(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30) -> None:
        groups = await self.bot.service.gaps(days, interaction.guild_id)
        await interaction.response.send_message(embed=gaps_embed(groups, days), ephemeral=True)

    @kb.command(name="stats", description="Questions per topic, helpful ratio, checkups and outcomes")
    @app_commands.describe(days="How many days back to look (default 30)")
    async def kb_stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30) -> None:
        stats = await self.bot.service.stats(days, interaction.guild_id)
        await interaction.response.send_message(embed=stats_embed(stats, days), ephemeral=True)

    @help_channel.command(name="add", description="Answer questions in this channel without being mentioned")
    async def help_channel_add(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        changed = await self.bot.service.storage.set_help_channel(interaction.guild_id, channel.id, True)
        self.bot.help_channels.add(channel.id)
        note = "" if self.bot.intents.message_content else (
            "\nNote: help channels need the Message Content intent (MESSAGE_CONTENT=true and the switch in the developer portal)."
        )
        await interaction.response.send_message(
            embed=notice_embed(("Added " if changed else "Already a help channel: ") + channel.mention + note), ephemeral=True,
        )

    @help_channel.command(name="remove", description="Stop answering on my own in a channel")
    async def help_channel_remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        changed = await self.bot.service.storage.set_help_channel(interaction.guild_id, channel.id, False)
        self.bot.help_channels.discard(channel.id)
        await interaction.response.send_message(
            embed=notice_embed(("Removed " if changed else "Not a help channel: ") + channel.mention), ephemeral=True,
        )

    @help_channel.command(name="list", description="The channels where I answer on my own")
    async def help_channel_list(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        channels = await self.bot.service.storage.help_channels(interaction.guild_id)
        text = "\n".join(f"<#{c}>" for c in sorted(channels)) or "No help channels: I answer /ask and mentions only."
        await interaction.response.send_message(embed=notice_embed(text, title="Help channels"), ephemeral=True)

    @config.command(name="mod-role", description="The role (besides Manage Server) that may use /kb and /config")
    @app_commands.describe(role="Leave empty to clear")
    async def mod_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        assert interaction.guild_id is not None
        await self.bot.service.storage.set_mod_role(interaction.guild_id, role.id if role else None)
        text = f"Moderator role set to {role.mention}." if role else "Moderator role cleared: Manage Server only."
        await interaction.response.send_message(embed=notice_embed(text), ephemeral=True)
