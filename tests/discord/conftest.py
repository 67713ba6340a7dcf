"""The one place that drives discord.py's real objects offline.

Gateway payloads go through the client's own parser (`ConnectionState.parse_*`), so slash commands, buttons
and select menus are routed exactly as in production. What the bot would send is captured at the lowest
level: interaction responses through a fake webhook adapter set in `discord.webhook.async_.async_context`,
everything else through a fake `HTTPClient.request`. Both are private APIs of discord.py, pinned below; if
an upgrade breaks this file, only this file needs to change.
"""

from __future__ import annotations

import asyncio
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
from tests.payloads import (  # noqa: F401 - re-exported for the tests in this folder
    APP_ID, BOT_ID, CHANNEL_ID, CHANNEL_OPTION, GUILD_ID, HELP_CHANNEL_ID, MANAGE_GUILD, MEMBER_ID, MOD_ROLE_ID, OTHER_ID,
    command_data, component_data, guild_payload, interaction_payload, message_payload, option, snowflake, user_message,
    user_payload,
)

PINNED_DISCORD_PY = "2.7.1"
assert discord.__version__ == PINNED_DISCORD_PY, (
    f"tests/discord/conftest.py drives discord.py {PINNED_DISCORD_PY} internals; found {discord.__version__}"
)

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
    files: list[bytes] = field(default_factory=list)  # the contents of attached files, in the order sent

    def add(self, method: str, path: str, payload: dict[str, Any] | None) -> None:
        self.calls.append(Call(method, path, payload))


def _payload(payload: dict | None, multipart: list | None) -> dict | None:
    if payload is not None:
        return payload
    if multipart:
        return json.loads(multipart[0]["value"])
    return None


class FakeWebhookAdapter(AsyncWebhookAdapter):
    """Records interaction callbacks, followups and edits instead of sending them."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    async def request(self, route, session=None, *, payload=None, multipart=None, files=None, reason=None,
                      auth_token=None, params=None, proxy=None, proxy_auth=None):  # noqa: ANN001
        body = _payload(payload, multipart)
        self.recorder.add(route.method, route.url, body)
        for attached in files or ():
            attached.reset()
            self.recorder.files.append(attached.fp.read())
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

    async def slash(self, name: str, *path: str, options: dict[str, Any] | None = None, user_id: int = MEMBER_ID,
                    permissions: str = "0", roles: list[int] | None = None, expect: int = 1,
                    resolved: dict | None = None, guild_id: int = GUILD_ID) -> list[Call]:
        """Invoke `/name path... option:value` (in `guild_id`) and return the requests it made."""
        data = command_data(name, *path, options=[_option(k, v) for k, v in (options or {}).items()], resolved=resolved)
        before = len(self.recorder.calls)
        self.state.parse_interaction_create(interaction_payload(2, data, user_id=user_id, permissions=permissions, roles=roles,
                                                                guild_id=guild_id))
        return await self.settle(before, expect)

    async def click(self, call: Call, custom_id: str, *, user_id: int = MEMBER_ID, values: list[str] | None = None,
                    expect: int = 1, permissions: str = "0", guild_id: int = GUILD_ID) -> list[Call]:
        """Click a button (or pick `values` in a select) of the message that `call` sent."""
        message = message_payload(call.message)
        before = len(self.recorder.calls)
        self.state.parse_interaction_create(interaction_payload(3, component_data(message, custom_id, values), user_id=user_id,
                                                                permissions=permissions, message=message, guild_id=guild_id))
        return await self.settle(before, expect)

    async def message(self, content: str, *, channel_id: int = CHANNEL_ID, author_id: int = MEMBER_ID, bot_author: bool = False,
                      mentions_bot: bool = False, expect: int = 1) -> list[Call]:
        before = len(self.recorder.calls)
        self.state.parse_message_create(user_message(content, channel_id=channel_id, author_id=author_id,
                                                     bot_author=bot_author, mentions_bot=mentions_bot))
        if expect == 0:
            await asyncio.sleep(0.1)
            return self.recorder.calls[before:]
        return await self.settle(before, expect)


@dataclass(frozen=True)
class Typed:
    """An option value of an explicit Discord option type, e.g. Typed("123", CHANNEL_OPTION) for a channel."""

    value: Any
    type: int


def _option(name: str, value: Any) -> dict:
    return option(name, value.value, value.type) if isinstance(value, Typed) else option(name, value)


async def make_harness(knowledge_dir: Path, db_path: Path, recorder: Recorder, **settings: Any) -> Harness:
    settings_obj = Settings(knowledge_dir=knowledge_dir, database_path=str(db_path), **settings)
    storage = await Storage.open(db_path)
    bot = JssBot(Service(Knowledge(knowledge_dir), storage), settings_obj)
    state = bot._connection
    state.application_id = APP_ID
    state.user = discord.ClientUser(state=state, data=user_payload(BOT_ID, bot=True))

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
