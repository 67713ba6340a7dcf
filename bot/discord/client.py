"""The discord.py client: wiring only. Features live in their own cogs; decisions live in the service."""

from __future__ import annotations

import logging
import time
from typing import Callable

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.config import Settings
from bot.discord.ask import AskCog, DetailsButton, FeedbackButton, StartCheckupButton, TopicPicker, TopicsPageButton
from bot.discord.checkup import ChangeButton, CheckupCog, ChoiceButton, ResumeOrRestart
from bot.discord.moderation import GapAssigner, ModerationCog, NotModerator
from bot.discord.privacy import PrivacyCog
from bot.discord.replies import SOMETHING_WENT_WRONG, reply_private
from bot.service import Service

log = logging.getLogger(__name__)

DYNAMIC_ITEMS = (
    FeedbackButton, TopicPicker, DetailsButton, StartCheckupButton, TopicsPageButton, ChoiceButton, ChangeButton, ResumeOrRestart,
    GapAssigner,
)


class MemberCooldown:
    """At most `rate` answers per `per` seconds for each member, shared by /ask, mentions and help channels."""

    PRUNE_ABOVE = 5000

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.time) -> None:
        self.rate, self.per, self.clock = rate, per, clock
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def retry_after(self, user_id: int) -> float | None:
        """None if the member may be answered now (and count it), else the seconds to wait."""
        now = self.clock()
        if len(self._buckets) > self.PRUNE_ABOVE:
            # Forget members whose bucket has refilled: they would start from a full one anyway.
            self._buckets = {u: b for u, b in self._buckets.items() if b.get_tokens(now) < b.rate}
        bucket = self._buckets.setdefault(user_id, app_commands.Cooldown(self.rate, self.per))
        return bucket.update_rate_limit(now)


#: How often a process checks the database for what other processes changed (taught phrasings, reloads)
#: in case a notification was missed; PostgreSQL's notifications arrive within moments.
REFRESH_SECONDS = 30


class JssBot(commands.AutoShardedBot):
    """Sharded always: with SHARD_COUNT unset, discord.py asks Discord how many shards to run and runs them
    all here; with SHARD_COUNT and SHARD_IDS, this process runs its share (state is in the database, so any
    process can take any click)."""

    def __init__(self, service: Service, settings: Settings) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            # Nothing the bot sends can ping anyone, whatever a member or a knowledge file puts in a text.
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,
        )
        self.service = service
        self.settings = settings
        self.cooldown = MemberCooldown(settings.cooldown_rate, settings.cooldown_seconds)
        self.tree.on_error = self.on_app_command_error

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for cog in (AskCog(self), CheckupCog(self), ModerationCog(self), PrivacyCog(self)):
            await self.add_cog(cog)
        await self.service.read_help_channels()
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("registered %d commands in the development server %s", len(synced), guild.id)
        await self.service.listen()
        self.purge_old_questions.start()
        self.refresh_from_database.start()

    async def close(self) -> None:
        self.purge_old_questions.cancel()
        self.refresh_from_database.cancel()
        await super().close()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: mentions and help channels are answered by the AskCog listener."""

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s) on shard(s) %s of %s; knowledge %s", self.user, len(self.guilds),
                 sorted(self.shards), self.shard_count, self.service.knowledge.current.kb.digest)

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("shard %d of %s ready", shard_id, self.shard_count)

    @tasks.loop(seconds=REFRESH_SECONDS)
    async def refresh_from_database(self) -> None:
        try:
            await self.service.refresh()
        except Exception:
            log.exception("checking the database for other processes' changes failed; trying again in %d s", REFRESH_SECONDS)

    @tasks.loop(hours=24)
    async def purge_old_questions(self) -> None:
        """Blank old question text and drop what was taught from it. A failure is logged and the next day's
        run tries again: an exception escaping a `tasks.loop` would stop it for good, and the retention
        promise with it."""
        try:
            purged = await self.service.purge(self.settings.retention_days)
        except Exception:
            log.exception("the retention purge failed; it runs again in 24 hours")
            return
        if any(purged.values()):
            log.info("retention (%d days): %s", self.settings.retention_days, ", ".join(f"{n} {kind}" for kind, n in purged.items()))

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Every failure gets a private answer: a refusal, a "slow down", or "something went wrong"."""
        if isinstance(error, NotModerator):
            text = f"Sorry, {error}."
        elif isinstance(error, app_commands.CommandOnCooldown):
            text = f"Slow down a little: try again in {error.retry_after:.0f} seconds."
        elif isinstance(error, app_commands.CheckFailure):
            text = "You can't use this command here."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed for user %s", command, interaction.user.id, exc_info=error)
            text = SOMETHING_WENT_WRONG
        try:
            await reply_private(interaction, text, error=True)
        except discord.HTTPException:
            log.warning("could not tell user %s about a failed command", interaction.user.id)
