"""Start the Discord bot as an operator does: validate first, connect, shut down cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord

from bot.config import Settings
from bot.discord.client import JssBot
from bot.service import Knowledge, Service
from bot.storage import Storage

log = logging.getLogger(__name__)


def run_discord(settings: Settings) -> int:
    # Invalid knowledge raises here, before any connection: never a half-working bot.
    knowledge = Knowledge(settings.knowledge_dir, settings.thresholds, settings.cache_dir)
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level))
    return asyncio.run(_serve(settings, knowledge))


def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Register the slash commands in one server (instant) or globally (up to an hour to show)."""
    knowledge = Knowledge(settings.knowledge_dir, settings.thresholds, settings.cache_dir)
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level))

    async def sync(bot: JssBot) -> int:
        await bot.login(settings.discord_token or "")
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        where = f"server {guild_id}" if guild_id else "all servers (global; may take up to an hour to appear)"
        print(f"Registered {len(synced)} commands in {where}: " + ", ".join(f"/{c.name}" for c in synced))
        return 0

    return asyncio.run(_with_bot(settings, knowledge, sync))


async def _serve(settings: Settings, knowledge: Knowledge) -> int:
    async def serve(bot: JssBot) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        await bot.start(settings.discord_token or "")
        return 0

    return await _with_bot(settings, knowledge, serve)


async def _with_bot(settings: Settings, knowledge: Knowledge, work) -> int:
    storage = await Storage.open(settings.database, pool_size=settings.database_pool_size)
    bot = JssBot(Service(knowledge, storage), settings)
    try:
        return await work(bot)
    except discord.LoginFailure:
        print("error: Discord refused the token; check DISCORD_TOKEN (Bot > Reset Token in the developer portal)", file=sys.stderr)
        return 1
    except (aiohttp.ClientError, OSError) as error:
        print(f"error: cannot reach Discord ({error.__class__.__name__}: {error}); check the network and try again", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print("error: the Message Content intent is off in the developer portal; switch it on or set MESSAGE_CONTENT=false", file=sys.stderr)
        return 1
    finally:
        if not bot.is_closed():
            await bot.close()
        await storage.close()
        log.info("database closed; bye")
