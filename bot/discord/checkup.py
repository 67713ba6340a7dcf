"""The checkup in Discord: one private message, one question at a time, buttons that survive restarts.

Every button carries the session id and the step it was drawn for in its custom_id (a `DynamicItem`), and
the state lives in SQLite. So a click is routed correctly by a bot that restarted after the message was
sent, and also after discord.py's 15-minute limit on views in ephemeral messages has passed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Awaitable, Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.embeds import checkup_embed, notice_embed
from bot.discord.limits import BUTTON_LABEL, clip
from bot.discord.replies import bot_of, guarded, member_id, reply_private
from bot.knowledge.model import Interview
from bot.service import DEFAULT_INTERVIEW, Checkup, CheckupError

if TYPE_CHECKING:
    from bot.discord.client import JssBot

SESSION = r"[0-9a-f]{16}"
VALUE = r"[a-z0-9_-]{1,64}"
#: Pre-filled facts in a custom_id: a digit pair per fact (question index, choice index), at most five.
FACTS = r"(?:[0-9]{2}){1,5}"


def encode_facts(interview: Interview, facts: Sequence[tuple[str, str]]) -> str:
    """Facts as digit pairs, so a "Start checkup" button can carry them within Discord's 100 characters."""
    codes = []
    for slot, value in facts:
        q = next(n for n, question in enumerate(interview.questions) if question.slot == slot)
        c = next(n for n, choice in enumerate(interview.questions[q].choices) if choice.value == value)
        codes.append(f"{q}{c}")
    return "".join(codes)


def decode_facts(interview: Interview, codes: str) -> tuple[tuple[str, str], ...]:
    """The facts back; pairs that no longer fit the interview (it was edited) are dropped."""
    facts = []
    for q, c in zip(codes[::2], codes[1::2]):
        questions = interview.questions
        if int(q) < len(questions) and int(c) < len(questions[int(q)].choices):
            facts.append((questions[int(q)].slot, questions[int(q)].choices[int(c)].value))
    return tuple(facts)


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
        await show_step(interaction, service.answer_checkup(self.session_id, member_id(interaction.user), self.version, self.value))


class ChangeButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"jss:ck:chg:(?P<session>{SESSION}):(?P<version>[0-9]{{1,3}}):(?P<slot>{VALUE})"):
    """Take back one answer, usually a fact read from the member's message: the checkup asks it again."""

    def __init__(self, session_id: str, version: int, slot: str, label: str = "Change") -> None:
        super().__init__(discord.ui.Button(
            label=label, style=discord.ButtonStyle.secondary, custom_id=f"jss:ck:chg:{session_id}:{version}:{slot}",
        ))
        self.session_id, self.version, self.slot = session_id, version, slot

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> ChangeButton:
        return cls(match["session"], int(match["version"]), match["slot"], item.label or "Change")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        service = bot_of(interaction).service
        await show_step(interaction, service.change_checkup_answer(self.session_id, member_id(interaction.user), self.version, self.slot))


class ResumeOrRestart(discord.ui.DynamicItem[discord.ui.Button], template=rf"jss:ck:(?P<action>resume|restart):(?P<target>{VALUE})(?::(?P<facts>{FACTS}))?"):
    """The two answers to "you have an unfinished checkup": resume that session, or restart the interview
    (with the facts the member's question stated, when it was started from an answer)."""

    LABELS = {"resume": ("Resume", discord.ButtonStyle.primary), "restart": ("Start over", discord.ButtonStyle.secondary)}

    def __init__(self, action: str, target: str, facts: str = "") -> None:
        label, style = self.LABELS[action]
        custom_id = f"jss:ck:{action}:{target}" + (f":{facts}" if facts else "")
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action, self.target, self.facts = action, target, facts

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> ResumeOrRestart:
        return cls(match["action"], match["target"], match["facts"] or "")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        service, user = bot_of(interaction).service, member_id(interaction.user)
        try:
            if self.action == "resume":
                checkup = await service.checkup(self.target, user)
            else:
                checkup = await service.start_checkup(user, interaction.guild_id, self.target, _prefill(interaction, self.target, self.facts))
        except CheckupError as error:
            await reply_private(interaction, str(error), error=True)
            return
        await interaction.response.edit_message(content=None, **checkup_payload(interaction, checkup))


async def show_step(interaction: discord.Interaction, change: Awaitable[Checkup]) -> None:
    """Apply a click to the checkup and show where it stands now; a refused click shows why, and where."""
    try:
        checkup = await change
    except CheckupError as error:
        if error.checkup is None:
            await reply_private(interaction, str(error), error=True)
        else:
            await interaction.response.edit_message(content=str(error), **checkup_payload(interaction, error.checkup))
        return
    await interaction.response.edit_message(content=None, **checkup_payload(interaction, checkup))


def _prefill(interaction: discord.Interaction, interview_id: str, facts: str) -> tuple[tuple[str, str], ...]:
    interview = bot_of(interaction).service.knowledge.current.kb.interviews.get(interview_id)
    return decode_facts(interview, facts) if interview and facts else ()


def checkup_payload(interaction: discord.Interaction, checkup: Checkup) -> dict:
    kb = bot_of(interaction).service.knowledge.current.kb
    view = discord.ui.View(timeout=None)
    step = checkup.step
    if step.next is not None:
        for choice in step.next.choices:
            view.add_item(ChoiceButton(checkup.session.id, checkup.session.version, choice.value, choice.label))
        for slot, value in step.asked:
            question = step.interview.question(slot)
            choice = question.choice(value) if question else None
            label = clip(f"Change: {choice.fact if choice else value}", BUTTON_LABEL)
            view.add_item(ChangeButton(checkup.session.id, checkup.session.version, slot, label))
    return {"embed": checkup_embed(kb, step), "view": view}


async def open_checkup(interaction: discord.Interaction, interview_id: str = DEFAULT_INTERVIEW, facts: str = "") -> None:
    """Start a checkup privately, or offer to resume the member's unfinished one.

    `facts` are the checkup answers the member's question stated (encoded), asked no more."""
    service = bot_of(interaction).service
    user = member_id(interaction.user)
    try:
        unfinished = await service.unfinished_checkup(user, interview_id)
        if unfinished is not None:
            view = discord.ui.View(timeout=None)
            view.add_item(ResumeOrRestart("resume", unfinished.session.id))
            view.add_item(ResumeOrRestart("restart", interview_id, facts))
            answered = len(unfinished.step.asked)
            await interaction.response.send_message(
                embed=notice_embed(f"You have an unfinished checkup ({answered} question(s) answered). Resume it or start over?"),
                view=view, ephemeral=True,
            )
            return
        checkup = await service.start_checkup(user, interaction.guild_id, interview_id, _prefill(interaction, interview_id, facts))
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
