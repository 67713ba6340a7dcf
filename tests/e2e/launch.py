"""Test-only launcher: the real `python -m bot` entry point, pointed at a local Discord stand-in.

`python -m tests.e2e.launch BASE_URL` sets discord.py's REST base and default gateway before running the
bot exactly as an operator would; production code has no test switches.
"""

from __future__ import annotations

import sys

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.__main__ import main

if __name__ == "__main__":
    base = sys.argv[1]
    Route.BASE = f"{base}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"{base.replace('http://', 'ws://')}/gateway")
    sys.exit(main([]))
