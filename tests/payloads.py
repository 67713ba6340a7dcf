"""Discord gateway and REST payloads, shared by the in-process harness and the e2e Discord stand-in.

Plain dicts shaped like Discord's API v10 documents them, with the fields discord.py 2.7.1 reads.
"""

from __future__ import annotations

import itertools
from typing import Any

APP_ID = 900000000000000001
BOT_ID = 900000000000000001
GUILD_ID = 800000000000000001
CHANNEL_ID = 700000000000000001
HELP_CHANNEL_ID = 700000000000000002
MOD_ROLE_ID = 600000000000000001
MEMBER_ID = 500000000000000001
OTHER_ID = 500000000000000002
MANAGE_GUILD = str(1 << 5)
CHANNEL_OPTION = 7
FAKE_TOKEN = "OTAwMDAwMDAwMDAwMDAwMDAx.GhIjKl.abcdefghijklmnopqrstuvwxyz0123"

_ids = itertools.count(100000000000000000)


def snowflake() -> str:
    return str(next(_ids))


def user_payload(user_id: int, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": "jss-bot" if bot else f"user{user_id % 1000}", "discriminator": "0",
            "avatar": None, "global_name": None, "bot": bot}


def member_payload(user_id: int, *, permissions: str = "0", roles: list[int] | None = None) -> dict[str, Any]:
    return {"user": user_payload(user_id), "roles": [str(r) for r in roles or []], "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False, "mute": False, "permissions": permissions, "flags": 0}


def message_payload(data: dict | None, *, channel_id: int = CHANNEL_ID, author_id: int = BOT_ID,
                    message_id: str | None = None) -> dict[str, Any]:
    data = data or {}
    author = user_payload(author_id, bot=author_id == BOT_ID)
    return {
        "id": message_id or snowflake(), "channel_id": str(channel_id), "guild_id": str(GUILD_ID), "author": author,
        "content": data.get("content") or "", "timestamp": "2026-11-26T12:00:00+00:00", "edited_timestamp": None,
        "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": data.get("embeds") or [], "pinned": False, "type": 0, "flags": data.get("flags", 0) or 0,
        "components": data.get("components") or [],
    }


def guild_payload() -> dict[str, Any]:
    def role(role_id: int, name: str) -> dict:
        return {"id": str(role_id), "name": name, "color": 0, "hoist": False, "position": 0, "permissions": "0",
                "managed": False, "mentionable": False, "flags": 0}

    def channel(channel_id: int, name: str) -> dict:
        return {"id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID), "name": name, "position": 0,
                "permission_overwrites": [], "nsfw": False, "parent_id": None}

    return {
        "id": str(GUILD_ID), "name": "Freelancers", "owner_id": str(OTHER_ID),
        "roles": [role(GUILD_ID, "@everyone"), role(MOD_ROLE_ID, "mods")],
        "channels": [channel(CHANNEL_ID, "general"), channel(HELP_CHANNEL_ID, "help")], "members": [], "emojis": [],
        "stickers": [], "features": [], "member_count": 3, "large": False, "unavailable": False, "threads": [],
        "voice_states": [], "presences": [], "premium_tier": 0, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0, "system_channel_flags": 0, "nsfw_level": 0, "preferred_locale": "en-US",
    }


def option(name: str, value: Any, kind: int | None = None) -> dict[str, Any]:
    return {"name": name, "type": kind or {bool: 5, int: 4, float: 10}.get(type(value), 3), "value": value}


def command_data(name: str, *path: str, options: list[dict] | None = None, resolved: dict | None = None) -> dict[str, Any]:
    """The `data` of an application command interaction: `/name path... options`."""
    leaf = options or []
    for depth, part in enumerate(reversed(path)):
        leaf = [{"name": part, "type": 1 if depth == 0 else 2, "options": leaf}]
    data: dict[str, Any] = {"id": snowflake(), "name": name, "type": 1, "options": leaf}
    if resolved:
        data["resolved"] = resolved
    return data


def component_data(message: dict, custom_id: str, values: list[str] | None = None) -> dict[str, Any]:
    """The `data` of a click on `custom_id` in `message` (a button, or a select with `values`)."""
    component = next(c for row in message["components"] for c in row["components"] if c.get("custom_id") == custom_id)
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
    if values is not None:
        data["values"] = values
    return data


def interaction_payload(kind: int, data: dict, *, user_id: int = MEMBER_ID, permissions: str = "0",
                        roles: list[int] | None = None, message: dict | None = None, channel_id: int = CHANNEL_ID,
                        guild_id: int = GUILD_ID) -> dict[str, Any]:
    """An INTERACTION_CREATE: kind 2 for a slash command, 3 for a component click."""
    payload = {
        "id": snowflake(), "application_id": str(APP_ID), "type": kind, "token": "token-" + snowflake(), "version": 1,
        "guild_id": str(guild_id), "channel_id": str(channel_id),
        "channel": {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": "general", "position": 0},
        "member": member_payload(user_id, permissions=permissions, roles=roles), "app_permissions": "0",
        "locale": "en-US", "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0, "attachment_size_limit": 10485760, "data": data,
    }
    if message is not None:
        payload["message"] = message
    return payload


def user_message(content: str, *, channel_id: int = CHANNEL_ID, author_id: int = MEMBER_ID, bot_author: bool = False,
                 mentions_bot: bool = False) -> dict[str, Any]:
    """A MESSAGE_CREATE from a member (or a bot)."""
    payload = message_payload({"content": content}, channel_id=channel_id, author_id=author_id)
    payload["author"]["bot"] = bot_author
    payload["member"] = {"roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False}
    if mentions_bot:
        payload["mentions"] = [user_payload(BOT_ID, bot=True)]
    return payload
