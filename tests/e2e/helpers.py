"""What the e2e tests share: the real bot in a child process, and slash commands and clicks sent through the stand-in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.storage.backend import is_postgres_url
from tests.conftest import ROOT
from tests.e2e.standin import DiscordStandIn, Request
from tests.payloads import FAKE_TOKEN, GUILD_ID, MEMBER_ID, command_data, component_data, interaction_payload, message_payload, option


class BotProcess:
    """`python -m bot` with a token, in a child process, pointed at the stand-in by the test launcher.

    `database` is a SQLite file or a postgresql:// URL; `shard` is (id, count) for SHARD_IDS and SHARD_COUNT."""

    def __init__(self, standin: DiscordStandIn, knowledge: Path, database: Path | str, log: Path,
                 *, shard: tuple[int, int] | None = None) -> None:
        self.standin, self.knowledge, self.database, self.log, self.shard = standin, knowledge, database, log, shard
        self.process: subprocess.Popen | None = None
        self.killed = False
        self._gateway_mark = 0

    def start(self) -> BotProcess:
        return self.launch().wait_identified()

    def launch(self) -> BotProcess:
        """Start the process without waiting for it, so several can start at once (then `wait_identified`)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "SHARD_"))}
        env.update(DISCORD_TOKEN=FAKE_TOKEN, DEV_GUILD_ID=str(GUILD_ID), KNOWLEDGE_DIR=str(self.knowledge),
                   LOG_LEVEL="INFO", COOLDOWN_RATE="1000", MESSAGE_CONTENT="false")
        if is_postgres_url(str(self.database)):
            env.update(DATABASE_URL=str(self.database))
        else:
            env.update(DATABASE_PATH=str(self.database))
        if self.shard is not None:
            env.update(SHARD_IDS=str(self.shard[0]), SHARD_COUNT=str(self.shard[1]))
        self._gateway_mark = len(self.standin.gateway_log)
        with self.log.open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "tests.e2e.launch", self.standin.base], cwd=ROOT,
                                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def wait_identified(self) -> BotProcess:
        """Wait for this process's IDENTIFY (its shard's, if sharded): the stand-in has then sent READY and
        GUILD_CREATE, so the events a test dispatches next come after them."""
        shard = self.shard[0] if self.shard is not None else None
        self.standin.wait_gateway(2, after=self._gateway_mark, shard=shard, timeout=30)
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.killed = True

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:]


def slash(standin: DiscordStandIn, name: str, *path: str, user_id: int = MEMBER_ID, permissions: str = "0",
          shard: int | None = None, **options) -> Request:
    """Run `/name path... options` (on shard `shard`'s socket, if given) and return the bot's first answer to it."""
    payload = interaction_payload(2, command_data(name, *path, options=[option(k, v) for k, v in options.items()]),
                                  user_id=user_id, permissions=permissions)
    mark = len(standin.requests)
    standin.dispatch("INTERACTION_CREATE", payload, shard=shard)
    return standin.wait_for(lambda r: f"/interactions/{payload['id']}/" in r.path, after=mark)


def click(standin: DiscordStandIn, shown: Request, custom_id: str, *, user_id: int = MEMBER_ID, shard: int | None = None) -> Request:
    """Click `custom_id` in the message `shown` sent (on shard `shard`'s socket, if given); the bot's answer."""
    message = message_payload(shown.message)
    payload = interaction_payload(3, component_data(message, custom_id), user_id=user_id, message=message)
    mark = len(standin.requests)
    standin.dispatch("INTERACTION_CREATE", payload, shard=shard)
    return standin.wait_for(lambda r: f"/interactions/{payload['id']}/" in r.path, after=mark)
