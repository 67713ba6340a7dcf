"""The one place that drives discord.py's real objects offline.

Gateway payloads go through the client's own parser (`ConnectionState.parse_*`), so slash commands, buttons
and select menus are routed exactly as in production. What the bot would send is captured at the lowest
level: interaction responses through a fake webhook adapter set in `discord.webhook.async_.async_context`,
everything else through a fake `HTTPClient.request`. Both are private APIs of discord.py, pinned below; if
an upgrade breaks this file, only this file needs to change.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.config import Settings
from bot.discord.client import JssBot
from bot.service import Knowledge, Service
from bot.storage import Storage

PINNED_DISCORD_PY = "2.7.1"
assert discord.__version__ == PINNED_DISCORD_PY, (
    f"tests/discord/conftest.py drives discord.py {PINNED_DISCORD_PY} internals; found {discord.__version__}"
)

APP_ID = 900000000000000001
BOT_ID = 900000000000000001
GUILD_ID = 800000000000000001
CHANNEL_ID = 700000000000000001
HELP_CHANNEL_ID = 700000000000000002
MOD_ROLE_ID = 600000000000000001
MEMBER_ID = 500000000000000001
OTHER_ID = 500000000000000002
MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)

_ids = itertools.count(100000000000000000)


def snowflake() -> str:
    return str(next(_ids))


@dataclass
class Call:
    method: str
    path: str
    payload: dict[str, Any] | None

    @property
    def flags(self) -> int:
        data = (self.payload or {}).get("data", self.payload or {})
        return data.get("flags", 0) or 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    @property
    def message(self) -> dict[str, Any]:
        """The message part of the payload, whether it is a callback ({type, data}) or a plain message."""
        payload = self.payload or {}
        return payload.get("data", payload) if "type" in payload and "data" in payload else payload

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.get("embeds") or []

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for row in self.message.get("components") or [] for c in row.get("components", []) if "custom_id" in c]


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)

    def add(self, method: str, path: str, payload: dict[str, Any] | None) -> None:
        self.calls.append(Call(method, path, payload))


def _payload(payload: dict | None, multipart: list | None) -> dict | None:
    if payload is not None:
        return payload
    if multipart:
        return json.loads(multipart[0]["value"])
    return None


def message_payload(data: dict | None, *, channel_id: int = CHANNEL_ID, author_id: int = BOT_ID, message_id: str | None = None) -> dict:
    data = data or {}
    return {
        "id": message_id or snowflake(), "channel_id": str(channel_id), "guild_id": str(GUILD_ID),
        "author": {"id": str(author_id), "username": "jss-bot" if author_id == BOT_ID else "member", "discriminator": "0",
                   "avatar": None, "global_name": None, "bot": author_id == BOT_ID},
        "content": data.get("content") or "", "timestamp": "2026-11-26T12:00:00+00:00", "edited_timestamp": None,
        "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": data.get("embeds") or [], "pinned": False, "type": 0, "flags": data.get("flags", 0) or 0,
        "components": data.get("components") or [],
    }


class FakeWebhookAdapter(AsyncWebhookAdapter):
    """Records interaction callbacks, followups and edits instead of sending them."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    async def request(self, route, session=None, *, payload=None, multipart=None, files=None, reason=None,
                      auth_token=None, params=None, proxy=None, proxy_auth=None):  # noqa: ANN001
        body = _payload(payload, multipart)
        self.recorder.add(route.method, route.url, body)
        if route.url.endswith("/callback"):
            return {"interaction": {"id": snowflake(), "type": body.get("type", 4) if body else 4}}
        return message_payload((body or {}))


class Harness:
    """A JssBot with real discord.py internals, fed gateway payloads, with every outgoing request recorded."""

    def __init__(self, bot: JssBot, recorder: Recorder) -> None:
        self.bot = bot
        self.recorder = recorder
        self.state = bot._connection

    @property
    def service(self) -> Service:
        return self.bot.service

    async def settle(self, before: int, expect: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `expect` more requests were recorded after index `before`, and return the new ones."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.recorder.calls) < before + expect:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {expect} request(s), got {self.recorder.calls[before:]}")
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)
        return self.recorder.calls[before:]

    def _member(self, user_id: int, permissions: str, roles: list[int]) -> dict:
        return {
            "user": {"id": str(user_id), "username": f"user{user_id % 1000}", "discriminator": "0", "avatar": None, "global_name": None},
            "roles": [str(r) for r in roles], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
            "permissions": permissions, "flags": 0,
        }

    def _interaction(self, kind: int, data: dict, *, user_id: int, permissions: str, roles: list[int],
                     message: dict | None = None, channel_id: int = CHANNEL_ID) -> dict:
        payload = {
            "id": snowflake(), "application_id": str(APP_ID), "type": kind, "token": "token-" + snowflake(), "version": 1,
            "guild_id": str(GUILD_ID), "channel_id": str(channel_id),
            "channel": {"id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID), "name": "general", "position": 0},
            "member": self._member(user_id, permissions, roles), "app_permissions": "0", "locale": "en-US",
            "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0, "attachment_size_limit": 10485760, "data": data,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def slash(self, name: str, *path: str, options: dict[str, Any] | None = None, user_id: int = MEMBER_ID,
                    permissions: str = "0", roles: list[int] | None = None, expect: int = 1,
                    resolved: dict | None = None) -> list[Call]:
        """Invoke `/name path... option:value` and return the requests it made."""
        leaf = [_option(k, v) for k, v in (options or {}).items()]
        for depth, part in enumerate(reversed(path)):
            leaf = [{"name": part, "type": 1 if depth == 0 else 2, "options": leaf}]
        data = {"id": snowflake(), "name": name, "type": 1, "options": leaf}
        if resolved:
            data["resolved"] = resolved
        before = len(self.recorder.calls)
        self.state.parse_interaction_create(self._interaction(2, data, user_id=user_id, permissions=permissions, roles=roles or []))
        return await self.settle(before, expect)

    async def click(self, call: Call, custom_id: str, *, user_id: int = MEMBER_ID, values: list[str] | None = None,
                    expect: int = 1, permissions: str = "0") -> list[Call]:
        """Click a button (or pick `values` in a select) of the message that `call` sent."""
        message = message_payload(call.message)
        component = next(c for row in message["components"] for c in row["components"] if c.get("custom_id") == custom_id)
        data = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        before = len(self.recorder.calls)
        self.state.parse_interaction_create(self._interaction(3, data, user_id=user_id, permissions=permissions, roles=[], message=message))
        return await self.settle(before, expect)

    async def message(self, content: str, *, channel_id: int = CHANNEL_ID, author_id: int = MEMBER_ID, bot_author: bool = False,
                      mentions_bot: bool = False, expect: int = 1) -> list[Call]:
        payload = message_payload({"content": content}, channel_id=channel_id, author_id=author_id)
        payload["author"]["bot"] = bot_author
        payload["member"] = {"roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False}
        if mentions_bot:
            payload["mentions"] = [{"id": str(BOT_ID), "username": "jss-bot", "discriminator": "0", "avatar": None, "bot": True}]
        before = len(self.recorder.calls)
        self.state.parse_message_create(payload)
        if expect == 0:
            await asyncio.sleep(0.1)
            return self.recorder.calls[before:]
        return await self.settle(before, expect)


@dataclass(frozen=True)
class Typed:
    """An option value of an explicit Discord option type, e.g. Typed("123", 7) for a channel."""

    value: Any
    type: int


CHANNEL_OPTION = 7


def _option(name: str, value: Any) -> dict:
    if isinstance(value, Typed):
        return {"name": name, "type": value.type, "value": value.value}
    return {"name": name, "type": {bool: 5, int: 4, float: 10}.get(type(value), 3), "value": value}


def guild_payload() -> dict:
    def role(role_id: int, name: str) -> dict:
        return {"id": str(role_id), "name": name, "color": 0, "hoist": False, "position": 0, "permissions": "0",
                "managed": False, "mentionable": False, "flags": 0}

    def channel(channel_id: int, name: str) -> dict:
        return {"id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID), "name": name, "position": 0,
                "permission_overwrites": [], "nsfw": False, "parent_id": None}

    return {
        "id": str(GUILD_ID), "name": "Freelancers", "owner_id": str(OTHER_ID), "roles": [role(GUILD_ID, "@everyone"), role(MOD_ROLE_ID, "mods")],
        "channels": [channel(CHANNEL_ID, "general"), channel(HELP_CHANNEL_ID, "help")], "members": [], "emojis": [],
        "stickers": [], "features": [], "member_count": 3, "large": False, "unavailable": False, "threads": [],
        "voice_states": [], "presences": [], "premium_tier": 0, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0, "system_channel_flags": 0, "nsfw_level": 0, "preferred_locale": "en-US",
    }


async def make_harness(knowledge_dir: Path, db_path: Path, recorder: Recorder, **settings: Any) -> Harness:
    settings_obj = Settings(knowledge_dir=knowledge_dir, database_path=str(db_path), **settings)
    storage = await Storage.open(db_path)
    bot = JssBot(Service(Knowledge(knowledge_dir), storage), settings_obj)
    state = bot._connection
    state.application_id = APP_ID
    state.user = discord.ClientUser(state=state, data={"id": str(BOT_ID), "username": "jss-bot", "discriminator": "0", "avatar": None, "bot": True})

    async def fake_request(route, *, files=None, form=None, **kwargs):  # noqa: ANN001
        body = kwargs.get("json")
        recorder.add(route.method, route.url, body)
        return message_payload(body)

    bot.http.request = fake_request  # type: ignore[method-assign]
    await bot._async_setup_hook()
    await bot.setup_hook()
    state._add_guild_from_data(guild_payload())
    return Harness(bot, recorder)


async def close_harness(harness: Harness) -> None:
    harness.bot.purge_old_questions.cancel()
    await harness.service.storage.close()


@pytest.fixture
async def harness(knowledge_copy: Path, tmp_path: Path):
    recorder = Recorder()
    token = async_context.set(FakeWebhookAdapter(recorder))
    made = await make_harness(knowledge_copy, tmp_path / "bot.sqlite3", recorder)
    yield made
    await close_harness(made)
    async_context.reset(token)
