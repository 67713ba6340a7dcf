"""/forget-me: a member can erase everything the bot stored about them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.replies import member_id, reply_private

if TYPE_CHECKING:
    from bot.discord.client import JssBot


class PrivacyCog(commands.Cog):
    def __init__(self, bot: JssBot) -> None:
        self.bot = bot

    @app_commands.command(name="forget-me", description="Delete everything I stored about you")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        counts = await self.bot.service.forget(member_id(interaction.user))
        total = sum(counts.values())
        detail = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        await reply_private(interaction, f"Done: {total} records deleted ({detail})." if total else "I had nothing stored about you.")
