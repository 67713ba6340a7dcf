"""The Discord stand-in, one per test module: the bot processes of a module connect to it."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.e2e.standin import DiscordStandIn


@pytest.fixture(scope="module")
def standin() -> Iterator[DiscordStandIn]:
    server = DiscordStandIn().start()
    yield server
    server.stop()
