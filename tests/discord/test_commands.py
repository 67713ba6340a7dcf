"""Slash command names don't shadow each other, and every promised command is registered."""

from __future__ import annotations


async def test_slash_command_names_are_unique(harness) -> None:
    names = [c.qualified_name for c in harness.bot.tree.walk_commands()]
    assert len(names) == len(set(names))
    assert {"ask", "checkup", "topics", "forget-me", "kb reload", "kb gaps", "config help-channel add"} <= set(names)
