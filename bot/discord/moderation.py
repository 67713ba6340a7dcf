"""Moderator tools: /kb (reload, check, gaps, stats) and /config (help channels, moderator role).

`default_permissions` only hides the commands in the client, and server admins can override it, so every
command here also passes `is_moderator` on the bot's side: Manage Server, or the role set with
/config mod-role.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import stats_chart
from bot.discord.embeds import ERROR_COLOUR, answer_embed, gaps_embed, impact_embed, notice_embed, safe, stats_embed
from bot.discord.limits import EMBED_DESCRIPTION, SELECT_OPTIONS, clip
from bot.discord.replies import bot_of, guarded, reply_private
from bot.engine.responder import Responder
from bot.knowledge.learned import LEARNED_FILE
from bot.service import ReloadReport, TeachError
from bot.storage import AskedQuestion

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


async def is_owner(interaction: discord.Interaction) -> bool:
    """The shared knowledge (the files every server answers from) is the bot's owners' to reload: the
    application owner or team, or BOT_OWNER_IDS. A server's moderators change their own server only."""
    bot = bot_of(interaction)
    if interaction.user.id in bot.settings.owner_ids:
        return True
    try:
        if await bot.is_owner(interaction.user):
            return True
    except discord.HTTPException:
        pass  # the application info could not be fetched: not an owner, as far as we know
    log.warning("refused owner command %s to user %s in guild %s",
                interaction.command.qualified_name if interaction.command else "?", interaction.user.id, interaction.guild_id)
    raise NotModerator("this reloads the knowledge every server shares, so only the bot's owners can use it (BOT_OWNER_IDS)")


def report_embed(report: ReloadReport, *, swapped: bool) -> discord.Embed:
    if report.ok:
        verb = "Reloaded" if swapped else "Valid"
        return notice_embed(f"{report.summary}\nDigest `{report.digest}`, {report.seconds * 1000:.0f} ms.", title=f"{verb}: knowledge is OK")
    lines = "\n".join(f"`{clip(str(p), 300)}`" for p in report.problems)
    kept = "Nothing changed: members still get the previous knowledge.\n" if swapped else ""
    return notice_embed(clip(kept + lines, EMBED_DESCRIPTION), title=f"{len(report.problems)} problem(s) in the knowledge files", colour=ERROR_COLOUR)


def actor(interaction: discord.Interaction) -> str:
    return f"{interaction.user} ({interaction.user.id})"


#: One select menu per gap; a message holds at most five rows of components.
GAPS_WITH_MENUS = 5
IGNORE = "-ignore"


def gap_options(responder: Responder, question: str) -> list[discord.SelectOption]:
    """Topics for a gap's menu, best guesses first, then "Ignore"."""
    ordered = responder.topic_guesses(question)[: SELECT_OPTIONS - 1]
    options = [discord.SelectOption(label=clip(responder.kb.topics[t].title, 100), value=t, description=clip(t, 100)) for t in ordered]
    options.append(discord.SelectOption(label="Ignore this question", value=IGNORE, description="Take it off the gaps list"))
    return options


async def teach(interaction: discord.Interaction, phrasing: str, topic: str, question: AskedQuestion | None = None) -> discord.Embed:
    assert interaction.guild_id is not None
    try:
        taught = await bot_of(interaction).service.teach(
            phrasing, topic, guild_id=interaction.guild_id, actor=actor(interaction), moderator_id=str(interaction.user.id),
            question=question,
        )
    except TeachError as error:
        return notice_embed(str(error), colour=ERROR_COLOUR)
    lines = [f"Taught: \"{safe(taught.phrasing)}\" → `{taught.topic}`, for this server. Live now; no reload needed."]
    if not taught.added:
        lines[0] = f"Already taught for `{taught.topic}`: \"{safe(taught.phrasing)}\"."
    if taught.replaced:
        lines.append(f"It was taught for `{taught.replaced}` before; it now answers with `{taught.topic}` instead.")
    elif taught.conflict:
        lines.append(f"⚠ Before this, the phrasing was answered with `{taught.conflict}`: check the two topics don't overlap.")
    if not taught.answered_now:
        lines.append("⚠ It is still not answered with that topic; add a clearer phrasing or concept words.")
    if taught.dismissed:
        lines.append(f"{taught.dismissed} similar question(s) left the gaps list.")
    return notice_embed("\n".join(lines))


class GapAssigner(discord.ui.DynamicItem[discord.ui.Select], template=r"jss:gap:(?P<question>[0-9]{1,19})"):
    """Assign a gap's question to a topic (or ignore it) in one pick. Moderators only, checked on click."""

    def __init__(self, question_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(
            placeholder="Assign to topic…", custom_id=f"jss:gap:{question_id}",
            options=options or [discord.SelectOption(label="-", value=IGNORE)],
        ))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /) -> GapAssigner:
        return cls(int(match["question"]), item.options)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await is_moderator(interaction)
        except NotModerator as error:
            await reply_private(interaction, f"Sorry, {error}.", error=True)
            return
        assert interaction.guild_id is not None
        choice = self.item.values[0] if self.item.values else IGNORE
        service = bot_of(interaction).service
        if choice == IGNORE:
            dismissed = await service.dismiss_gap(self.question_id, interaction.guild_id)
            await reply_private(interaction, f"Ignored: {dismissed} question(s) left the gaps list.")
            return
        question = await service.gap_question(self.question_id, interaction.guild_id)
        if question is None:
            await reply_private(interaction, "That question is no longer stored.", error=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(embed=await teach(interaction, question.text, choice, question), ephemeral=True)


class ModerationCog(commands.Cog):
    kb = app_commands.Group(name="kb", description="Knowledge tools for moderators", guild_only=True, default_permissions=MODERATORS)
    config = app_commands.Group(name="config", description="Bot settings for this server", guild_only=True, default_permissions=MODERATORS)
    help_channel = app_commands.Group(name="help-channel", description="Channels where I answer questions on my own", parent=config)

    def __init__(self, bot: JssBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        return await is_moderator(interaction)

    @app_commands.check(is_owner)
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
        view = discord.ui.View(timeout=None)
        responder = (await self.bot.service.snapshot(interaction.guild_id)).responder
        for group in groups[:GAPS_WITH_MENUS]:
            view.add_item(GapAssigner(group.ids[-1], gap_options(responder, group.example)))
        await interaction.response.send_message(embed=gaps_embed(groups, days), view=view, ephemeral=True)

    @kb.command(name="teach", description="Teach me that a question belongs to a topic, in this server")
    @app_commands.describe(question="The question as members ask it", topic="The topic that answers it")
    async def kb_teach(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 500], topic: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(embed=await teach(interaction, question, topic), ephemeral=True)

    @kb.command(name="forget-phrasing", description="Remove a phrasing this server taught me")
    async def kb_forget_phrasing(self, interaction: discord.Interaction, phrasing: str) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await self.bot.service.forget_phrasing(phrasing, actor(interaction), interaction.guild_id)
        text = f"Forgot {removed} taught phrasing(s); live now." if removed else "No phrasing taught in this server matches that text."
        await interaction.followup.send(embed=notice_embed(text), ephemeral=True)

    @kb.command(name="preview", description="See how I answer a topic, or what teaching it a phrasing would change")
    @app_commands.describe(phrasing="A phrasing you might teach for this topic: see which answers it would change")
    async def kb_preview(self, interaction: discord.Interaction, topic: str,
                         phrasing: app_commands.Range[str, 1, 500] | None = None) -> None:
        answer = self.bot.service.topic_answer(topic)
        if answer is None:
            await interaction.response.send_message(embed=notice_embed(f"There is no topic '{topic}'.", colour=ERROR_COLOUR), ephemeral=True)
            return
        if phrasing is None:
            await interaction.response.send_message(content=f"Preview of `{topic}`:", embed=answer_embed(answer), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        impact = await self.bot.service.preview_teaching(phrasing, topic, interaction.guild_id)
        await interaction.followup.send(embed=impact_embed(impact, phrasing, answer.topic.title), ephemeral=True)

    @kb.command(name="export", description="Download the phrasings this server taught me, for review")
    async def kb_export(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        count, content = await self.bot.service.export_taught(interaction.guild_id)
        if not count:
            await interaction.response.send_message(embed=notice_embed("Nothing taught in this server yet."), ephemeral=True)
            return
        await interaction.response.send_message(
            embed=notice_embed(f"{count} phrasing(s) taught in this server. To give them to every server, the bot's owners "
                               f"run `python -m bot kb merge-learned --server {interaction.guild_id}`."),
            file=discord.File(io.BytesIO(content.encode()), filename=LEARNED_FILE), ephemeral=True,
        )

    @kb_teach.autocomplete("topic")
    @kb_preview.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        # discord.py does not run interaction_check or checks for autocomplete: the same check, by hand.
        try:
            await is_moderator(interaction)
        except NotModerator:
            return []
        kb = self.bot.service.knowledge.current.kb
        typed = current.lower()
        matches = [t for t in kb.topics.values() if typed in t.id or typed in t.title.lower()]
        return [app_commands.Choice(name=clip(t.title, 100), value=t.id) for t in matches[:25]]

    @kb_forget_phrasing.autocomplete("phrasing")
    async def phrasing_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        try:
            await is_moderator(interaction)
        except NotModerator:
            return []
        assert interaction.guild_id is not None
        typed = current.lower()
        learned = [e for e in await self.bot.service.taught(interaction.guild_id) if typed in e.phrasing.lower()]
        return [app_commands.Choice(name=clip(e.phrasing, 100), value=clip(e.phrasing, 100)) for e in learned[:25]]

    @kb.command(name="stats", description="Questions per topic, helpful ratio, checkups and outcomes")
    @app_commands.describe(days="How many days back to look (default 30)")
    async def kb_stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30) -> None:
        stats = await self.bot.service.stats(days, interaction.guild_id)
        titles = {t.id: t.title for t in self.bot.service.knowledge.current.kb.topics.values()}
        chart = await asyncio.to_thread(stats_chart, stats, days, titles)
        embed = stats_embed(stats, days).set_image(url="attachment://stats.png")
        shards = self.bot.shard_count or 1  # Discord's rule, right even for a server this process has not loaded
        embed.set_footer(text=f"Shard {((interaction.guild_id or 0) >> 22) % shards} of {shards}")
        await interaction.response.send_message(embed=embed, file=discord.File(io.BytesIO(chart), filename="stats.png"), ephemeral=True)

    @help_channel.command(name="add", description="Answer questions in this channel without being mentioned")
    async def help_channel_add(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        changed = await self.bot.service.set_help_channel(interaction.guild_id, channel.id, True)
        note = "" if self.bot.intents.message_content else (
            "\nNote: help channels need the Message Content intent (MESSAGE_CONTENT=true and the switch in the developer portal)."
        )
        await interaction.response.send_message(
            embed=notice_embed(("Added " if changed else "Already a help channel: ") + channel.mention + note), ephemeral=True,
        )

    @help_channel.command(name="remove", description="Stop answering on my own in a channel")
    async def help_channel_remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild_id is not None
        changed = await self.bot.service.set_help_channel(interaction.guild_id, channel.id, False)
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
