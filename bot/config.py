"""Settings from the environment (and `.env`); `.env.example` documents every one of them."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from bot.engine.responder import Thresholds
from bot.storage.backend import is_postgres_url

#: The knowledge shipped with the bot, used when KNOWLEDGE_DIR is not set.
DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message names the setting."""


@dataclass(frozen=True, slots=True)
class Settings:
    #: Never in a repr, so never in a log line or a traceback that prints the settings.
    discord_token: str | None = field(default=None, repr=False)
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    database_path: str = "data/bot.sqlite3"
    #: PostgreSQL instead of the SQLite file, for several processes (shards) sharing one database. It may
    #: hold a password: never in a repr.
    database_url: str | None = field(default=None, repr=False)
    database_pool_size: int = 10
    #: Sharding: None lets discord.py ask Discord for the recommended count and run every shard here.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    #: Where fits of the answer classifier are kept, so a start or reload of unchanged knowledge is quick.
    cache_dir: Path = Path("data/cache")
    retention_days: int = 90
    dev_guild_id: int | None = None
    thresholds: Thresholds = Thresholds()
    cooldown_rate: int = 3
    cooldown_seconds: float = 30.0
    message_content: bool = False
    log_level: str = "INFO"
    #: Who may change the knowledge every server shares, besides the application's owner or team.
    owner_ids: frozenset[int] = frozenset()

    @property
    def database(self) -> str:
        """What `Storage.open` opens: the PostgreSQL URL if one is set, else the SQLite file."""
        return self.database_url or self.database_path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default = cls()
        return cls(
            discord_token=_token(env),
            knowledge_dir=Path(env["KNOWLEDGE_DIR"]) if env.get("KNOWLEDGE_DIR") else default.knowledge_dir,
            database_path=env.get("DATABASE_PATH") or default.database_path,
            database_url=_database_url(env),
            database_pool_size=_number(env, "DATABASE_POOL_SIZE", int, default.database_pool_size, minimum=1, maximum=500),
            **_shards(env),
            cache_dir=Path(env["CACHE_DIR"]) if env.get("CACHE_DIR") else default.cache_dir,
            retention_days=_number(env, "RETENTION_DAYS", int, default.retention_days, minimum=1, maximum=36_500),
            dev_guild_id=_number(env, "DEV_GUILD_ID", int, None, minimum=1, maximum=2**64 - 1),
            thresholds=_thresholds(env, default.thresholds),
            cooldown_rate=_number(env, "COOLDOWN_RATE", int, default.cooldown_rate, minimum=1, maximum=1000),
            cooldown_seconds=_number(env, "COOLDOWN_SECONDS", float, default.cooldown_seconds, minimum=0, maximum=86_400),
            message_content=_flag(env, "MESSAGE_CONTENT", default.message_content),
            log_level=_log_level(env.get("LOG_LEVEL") or default.log_level),
            owner_ids=_ids(env, "BOT_OWNER_IDS"),
        )


def _thresholds(env: Mapping[str, str], default: Thresholds) -> Thresholds:
    answer = _number(env, "ANSWER_THRESHOLD", float, default.answer, minimum=0, maximum=1)
    probable = _number(env, "PROBABLE_THRESHOLD", float, min(default.probable, answer), minimum=0, maximum=1)
    if probable > answer:
        raise ConfigError(f"PROBABLE_THRESHOLD={probable} must not be above ANSWER_THRESHOLD={answer}")
    help_channel = _number(env, "HELP_CHANNEL_THRESHOLD", float, default.help_channel, minimum=0, maximum=1)
    return Thresholds(answer=answer, probable=probable, help_channel=help_channel)


#: A bot token is three dot-separated base64 parts; anything else would only fail later, at login.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


def _token(env: Mapping[str, str]) -> str | None:
    token = (env.get("DISCORD_TOKEN") or "").strip()
    if not token:
        return None
    if not _TOKEN.match(token):
        raise ConfigError("DISCORD_TOKEN does not look like a bot token (Bot > Reset Token in the developer portal)")
    return token


def _database_url(env: Mapping[str, str]) -> str | None:
    url = (env.get("DATABASE_URL") or "").strip()
    if url and not is_postgres_url(url):
        raise ConfigError("DATABASE_URL must be a postgresql:// URL (leave it empty for the SQLite file at DATABASE_PATH)")
    return url or None


def _shards(env: Mapping[str, str]) -> dict[str, object]:
    count = _number(env, "SHARD_COUNT", int, None, minimum=1, maximum=100_000)
    raw = (env.get("SHARD_IDS") or "").strip()
    if not raw:
        return {"shard_count": count, "shard_ids": None}
    if count is None:
        raise ConfigError("SHARD_IDS needs SHARD_COUNT: the total number of shards across every process")
    ids = []
    for part in (p.strip() for p in raw.split(",")):
        if not part.isdigit() or int(part) >= count:
            raise ConfigError(f"SHARD_IDS must be shard numbers from 0 to {count - 1} separated by commas; '{part}' is not one")
        ids.append(int(part))
    if len(set(ids)) != len(ids):
        raise ConfigError(f"SHARD_IDS={raw!r} names a shard twice")
    return {"shard_count": count, "shard_ids": tuple(ids)}


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = (env.get(name) or "").strip()
    ids = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit() or not 0 < int(part) < 2**64:
            raise ConfigError(f"{name} must be Discord user ids separated by commas; '{part}' is not one")
        ids.add(int(part))
    return frozenset(ids)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} must be true or false")


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL={raw!r} must be DEBUG, INFO, WARNING or ERROR")
    return level


def _number(env: Mapping[str, str], name: str, kind: type, default, *, minimum=None, maximum=None):
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a {'whole number' if kind is int else 'number'}") from None
    if kind is float and not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} must be a finite number")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigError(f"{name}={raw!r} must be {bounds}")
    return value
