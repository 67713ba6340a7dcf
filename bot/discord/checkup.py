"""The checkup in Discord: one private message, one question at a time, buttons that survive restarts.

Every button carries the session id and the step it was drawn for in its custom_id (a `DynamicItem`), and
the state lives in SQLite. So a click is routed correctly by a bot that restarted after the message was
sent, and also after discord.py's 15-minute limit on views in ephemeral messages has passed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.embeds import checkup_embed, notice_embed
from bot.discord.replies import bot_of, guarded, member_id, reply_private
from bot.service import DEFAULT_INTERVIEW, Checkup, CheckupError

if TYPE_CHECKING:
    from bot.discord.client import JssBot

SESSION = r"[0-9a-f]{16}"
VALUE = r"[a-z0-9_-]{1,64}"


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"jss:ck:(?P<session>{SESSION}):(?P<version>[0-9]{{1,3}}):(?P<value>{VALUE})"):
    def __init__(self, session_id: str, version: int, value: str, label: str = "-") -> None:
        super().__init__(discord.ui.Button(
            label=label, style=discord.ButtonStyle.primary, custom_id=f"jss:ck:{session_id}:{version}:{value}",
        ))
        self.session_id, self.version, self.value = session_id, version, value

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> ChoiceButton:
        return cls(match["session"], int(match["version"]), match["value"], item.label or "-")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        service = bot_of(interaction).service
        try:
            checkup = await service.answer_checkup(self.session_id, member_id(interaction.user), self.version, self.value)
        except CheckupError as error:
            if error.checkup is None:
                await reply_private(interaction, str(error), error=True)
            else:
                await interaction.response.edit_message(content=str(error), **checkup_payload(interaction, error.checkup))
            return
        await interaction.response.edit_message(content=None, **checkup_payload(interaction, checkup))


class ResumeOrRestart(discord.ui.DynamicItem[discord.ui.Button], template=rf"jss:ck:(?P<action>resume|restart):(?P<target>{VALUE})"):
    """The two answers to "you have an unfinished checkup": resume that session, or restart the interview."""

    LABELS = {"resume": ("Resume", discord.ButtonStyle.primary), "restart": ("Start over", discord.ButtonStyle.secondary)}

    def __init__(self, action: str, target: str) -> None:
        label, style = self.LABELS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"jss:ck:{action}:{target}"))
        self.action, self.target = action, target

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> ResumeOrRestart:
        return cls(match["action"], match["target"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        service, user = bot_of(interaction).service, member_id(interaction.user)
        try:
            if self.action == "resume":
                checkup = await service.checkup(self.target, user)
            else:
                checkup = await service.start_checkup(user, interaction.guild_id, self.target)
        except CheckupError as error:
            await reply_private(interaction, str(error), error=True)
            return
        await interaction.response.edit_message(content=None, **checkup_payload(interaction, checkup))


def checkup_payload(interaction: discord.Interaction, checkup: Checkup) -> dict:
    kb = bot_of(interaction).service.knowledge.current.kb
    view = discord.ui.View(timeout=None)
    step = checkup.step
    if step.next is not None:
        for choice in step.next.choices:
            view.add_item(ChoiceButton(checkup.session.id, checkup.session.version, choice.value, choice.label))
    return {"embed": checkup_embed(kb, step), "view": view}


async def open_checkup(interaction: discord.Interaction, interview_id: str = DEFAULT_INTERVIEW) -> None:
    """Start a checkup privately, or offer to resume the member's unfinished one."""
    service = bot_of(interaction).service
    user = member_id(interaction.user)
    try:
        unfinished = await service.unfinished_checkup(user, interview_id)
        if unfinished is not None:
            view = discord.ui.View(timeout=None)
            view.add_item(ResumeOrRestart("resume", unfinished.session.id))
            view.add_item(ResumeOrRestart("restart", interview_id))
            answered = len(unfinished.step.asked)
            await interaction.response.send_message(
                embed=notice_embed(f"You have an unfinished checkup ({answered} question(s) answered). Resume it or start over?"),
                view=view, ephemeral=True,
            )
            return
        checkup = await service.start_checkup(user, interaction.guild_id, interview_id)
    except CheckupError as error:
        await reply_private(interaction, str(error), error=True)
        return
    await interaction.response.send_message(ephemeral=True, **checkup_payload(interaction, checkup))


class CheckupCog(commands.Cog):
    def __init__(self, bot: JssBot) -> None:
        self.bot = bot

    @app_commands.command(name="checkup", description="A few quick questions about your contract, then a verdict and advice")
    async def checkup(self, interaction: discord.Interaction) -> None:
        await open_checkup(interaction)
