"""The house rules, checked: a pure engine, and discord.py only in the Discord adapter."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

BOT = ROOT / "bot"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def offenders(folder: str, forbidden: tuple[str, ...]) -> dict[str, set[str]]:
    found = {}
    for path in sorted((BOT / folder).glob("*.py")):
        bad = {name for name in imports(path) if name.startswith(forbidden)}
        if bad:
            found[path.name] = bad
    return found


def test_the_engine_is_pure() -> None:
    forbidden = ("discord", "aiosqlite", "sqlite3", "yaml", "asyncio", "os", "pathlib", "bot.storage", "bot.discord",
                 "bot.service", "bot.knowledge.loader", "bot.knowledge.learned")
    assert offenders("engine", forbidden) == {}


def test_knowledge_and_storage_know_nothing_of_discord() -> None:
    assert offenders("knowledge", ("discord", "bot.discord", "bot.service", "bot.storage")) == {}
    assert offenders("storage", ("discord", "bot.discord", "bot.service", "bot.engine")) == {}


def test_only_the_discord_adapter_imports_discord() -> None:
    for path in BOT.rglob("*.py"):
        if "discord" not in path.relative_to(BOT).parts[:-1]:
            assert not any(name == "discord" or name.startswith("discord.") for name in imports(path)), path
