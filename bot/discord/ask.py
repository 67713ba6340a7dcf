"""Answering members: /ask, mentions, help channels, feedback buttons, "did you mean", /topics."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Mapping

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checkup import FACTS, encode_facts, open_checkup
from bot.discord.embeds import answer_embed, notice_embed, short_answer_embed, topics_embed
from bot.discord.limits import SELECT_DESCRIPTION, SELECT_LABEL, SELECT_OPTIONS, clip
from bot.discord.replies import bot_of, guarded, member_id, reply_private
from bot.engine.answers import Answer, AnswerKind
from bot.knowledge.model import Interview

if TYPE_CHECKING:
    from bot.discord.client import JssBot

log = logging.getLogger(__name__)

TOPICS_PER_PAGE = 5
SLOW_DOWN = "You're asking faster than I can keep up. Try again in {seconds:.0f} seconds."


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=r"jss:fb:(?P<question>[0-9]{1,19}):(?P<helpful>[01])"):
    def __init__(self, question_id: int, helpful: bool) -> None:
        super().__init__(discord.ui.Button(
            label="Helpful" if helpful else "Not helpful",
            style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
            custom_id=f"jss:fb:{question_id}:{int(helpful)}",
        ))
        self.question_id = question_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> FeedbackButton:
        return cls(int(match["question"]), match["helpful"] == "1")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        stored = await bot_of(interaction).service.feedback(self.question_id, member_id(interaction.user), self.helpful)
        if not stored:
            await reply_private(interaction, "That answer is no longer on record, so I couldn't note your feedback.")
        elif self.helpful:
            await reply_private(interaction, "Thanks! Glad it helped.")
        else:
            await reply_private(interaction, "Thanks, noted. The moderators review unhelpful answers to improve them.")


class TopicPicker(discord.ui.DynamicItem[discord.ui.Select], template=r"jss:pick:(?P<question>[0-9]{1,19}):(?P<user>[0-9]{1,20})"):
    """The "Did you mean…" menu under a low-confidence reply. Only the member who asked may pick."""

    def __init__(self, question_id: int, user_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(
            placeholder="Did you mean…", custom_id=f"jss:pick:{question_id}:{user_id}",
            options=options or [discord.SelectOption(label="-", value="-")],
        ))
        self.question_id = question_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /) -> TopicPicker:
        return cls(int(match["question"]), int(match["user"]), item.options)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            await reply_private(interaction, "Only the member who asked can pick here. Ask your own question with /ask.")
            return
        topic_id = self.item.values[0] if self.item.values else ""
        answer = bot_of(interaction).service.topic_answer(topic_id)
        if answer is None:
            await reply_private(interaction, "That topic is no longer in the knowledge base.", error=True)
            return
        kb = bot_of(interaction).service.knowledge.current.kb
        view = answer_view(answer, self.question_id, interview=kb.interviews.get(answer.interview or ""))
        await interaction.response.edit_message(content=None, embed=answer_embed(answer), view=view)


class StartCheckupButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"jss:ck:start:(?P<interview>[a-z0-9_-]{{1,64}})(?::(?P<facts>{FACTS}))?"):
    """Starts the checkup, pre-filled with the facts the member's question stated (carried in the id)."""

    def __init__(self, interview_id: str, facts: str = "") -> None:
        super().__init__(discord.ui.Button(
            label="Start checkup", style=discord.ButtonStyle.primary,
            custom_id=f"jss:ck:start:{interview_id}" + (f":{facts}" if facts else ""),
        ))
        self.interview_id, self.facts = interview_id, facts

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> StartCheckupButton:
        return cls(match["interview"], match["facts"] or "")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await open_checkup(interaction, self.interview_id, self.facts)


class DetailsButton(discord.ui.DynamicItem[discord.ui.Button], template=r"jss:more:(?P<topic>[a-z0-9_-]{1,64})"):
    """The full answer (sources, caveats, the moderator's clarification), privately, from the current knowledge."""

    def __init__(self, topic_id: str) -> None:
        super().__init__(discord.ui.Button(
            label="Details", style=discord.ButtonStyle.secondary, custom_id=f"jss:more:{topic_id}",
        ))
        self.topic_id = topic_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> DetailsButton:
        return cls(match["topic"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        answer = bot_of(interaction).service.topic_answer(self.topic_id)
        if answer is None:
            await reply_private(interaction, "That topic is no longer in the knowledge base.", error=True)
            return
        await interaction.response.send_message(embed=answer_embed(answer), ephemeral=True)


class TopicsPageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"jss:topics:(?P<page>[0-9]{1,3}):(?P<label>prev|next)"):
    def __init__(self, page: int, label: str, disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            label="Previous" if label == "prev" else "Next", custom_id=f"jss:topics:{page}:{label}",
            style=discord.ButtonStyle.secondary, disabled=disabled,
        ))
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /) -> TopicsPageButton:
        return cls(int(match["page"]), match["label"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        kb = bot_of(interaction).service.knowledge.current.kb
        page = min(self.page, _pages(len(kb.topics)) - 1)
        await interaction.response.edit_message(embed=topics_embed(kb, page, TOPICS_PER_PAGE), view=topics_view(page, len(kb.topics)))


def _pages(count: int) -> int:
    return max(1, -(-count // TOPICS_PER_PAGE))


def topics_view(page: int, count: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(TopicsPageButton(max(page - 1, 0), "prev", disabled=page == 0))
    view.add_item(TopicsPageButton(min(page + 1, _pages(count) - 1), "next", disabled=page >= _pages(count) - 1))
    return view


def answer_view(
    answer: Answer, question_id: int | None, user_id: int | None = None, interview: Interview | None = None,
) -> discord.ui.View | None:
    """Details, feedback and checkup buttons; under a probable answer, the other topics it may have meant."""
    view = discord.ui.View(timeout=None)
    if answer.topic is not None:
        view.add_item(DetailsButton(answer.topic.id))
    if question_id is not None:
        view.add_item(FeedbackButton(question_id, True))
        view.add_item(FeedbackButton(question_id, False))
    if answer.interview and interview is not None:
        facts = encode_facts(interview, [(f.slot, f.value) for f in answer.situation])
        view.add_item(StartCheckupButton(answer.interview, facts))
    if answer.suggestions and question_id is not None and user_id is not None:
        view.add_item(TopicPicker(question_id, user_id, _options(answer)))
    return view if view.children else None


def _options(answer: Answer) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(label=clip(s.title, SELECT_LABEL), value=s.id, description=clip(s.id, SELECT_DESCRIPTION))
        for s in answer.suggestions[:SELECT_OPTIONS]
    ]


def suggestions_view(answer: Answer, question_id: int | None, user_id: int) -> discord.ui.View | None:
    if not answer.suggestions or question_id is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(TopicPicker(question_id, user_id, _options(answer)))
    return view


def reply_payload(answer: Answer, question_id: int | None, user_id: int, interviews: Mapping[str, Interview]) -> dict:
    """What to send for an answer: an embed with buttons, or a short text (with a menu when unsure)."""
    if answer.kind is AnswerKind.ANSWER:
        payload: dict = {"embed": short_answer_embed(answer)}
        view = answer_view(answer, question_id, user_id, interviews.get(answer.interview or ""))
    else:
        payload = {"embed": notice_embed(answer.message)}
        view = suggestions_view(answer, question_id, user_id)
    if view is not None:
        payload["view"] = view
    return payload


class AskCog(commands.Cog):
    def __init__(self, bot: JssBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question about Job Success Score or contracts")
    @app_commands.describe(question="Your question, in your own words")
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 4000]) -> None:
        if (retry := self.bot.cooldown.retry_after(interaction.user.id)) is not None:
            await reply_private(interaction, SLOW_DOWN.format(seconds=retry))
            return
        asked = await self.bot.service.ask(
            question, user_id=member_id(interaction.user), via="slash", guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
        )
        payload = reply_payload(asked.answer, asked.question_id, interaction.user.id, self.bot.service.knowledge.current.kb.interviews)
        # A real answer helps everyone in the channel; "not sure" and declines are only for the asker.
        await interaction.response.send_message(ephemeral=not asked.answer.answered, **payload)

    @app_commands.command(name="topics", description="List the questions I can answer")
    async def topics(self, interaction: discord.Interaction) -> None:
        kb = self.bot.service.knowledge.current.kb
        await interaction.response.send_message(
            embed=topics_embed(kb, 0, TOPICS_PER_PAGE), view=topics_view(0, len(kb.topics)), ephemeral=True,
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention, or (above a higher bar) a question in a help channel; never a bot, once per message."""
        if message.author.bot or message.webhook_id is not None or self.bot.user is None:
            return
        mentioned = self.bot.user in message.mentions
        in_help_channel = message.guild is not None and self.bot.service.is_help_channel(message.channel.id)
        if not (mentioned or in_help_channel):
            return
        text = re.sub(rf"<@!?{self.bot.user.id}>", " ", message.content).strip()
        asked = await self.bot.service.ask(
            text, user_id=member_id(message.author), via="mention" if mentioned else "help-channel",
            guild_id=message.guild.id if message.guild else None, channel_id=message.channel.id,
            unprompted=not mentioned,
        )
        # The cooldown counts replies only: chatting in a help channel must not use up a member's answers.
        if (mentioned or asked.answer.answered) and self.bot.cooldown.retry_after(message.author.id) is None:
            payload = reply_payload(asked.answer, asked.question_id, message.author.id, self.bot.service.knowledge.current.kb.interviews)
            await message.reply(mention_author=False, **payload)
