"""Small helpers every feature uses to answer an interaction safely."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, TypeVar, cast

import discord

from bot.discord.embeds import ERROR_COLOUR, notice_embed

if TYPE_CHECKING:
    from bot.discord.client import JssBot

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Something went wrong on my side. The moderators can find the details in the bot's log."

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def bot_of(interaction: discord.Interaction) -> JssBot:
    return cast("JssBot", interaction.client)


def member_id(user: discord.abc.User) -> str:
    """How storage knows a Discord member; the console and CLI use other prefixes."""
    return str(user.id)


async def reply_private(interaction: discord.Interaction, text: str, *, error: bool = False) -> None:
    """An ephemeral reply, whether or not the interaction was already answered."""
    embed = notice_embed(text, colour=ERROR_COLOUR) if error else notice_embed(text)
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=True)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=True)


def guarded(callback: F) -> F:
    """Wrap a component callback: an unexpected error is logged and the member hears about it, never silence."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> Any:
        try:
            return await callback(self, interaction, *args)
        except Exception:
            custom_id = (interaction.data or {}).get("custom_id")
            log.exception("component %s failed for user %s", custom_id, interaction.user.id)
            try:
                await reply_private(interaction, SOMETHING_WENT_WRONG, error=True)
            except discord.HTTPException:
                log.warning("could not tell the member about the failure")

    return cast(F, wrapper)
