"""Slash command names don't shadow each other, and every promised command is registered."""

from __future__ import annotations


async def test_slash_command_names_are_unique(harness) -> None:
    names = [c.qualified_name for c in harness.bot.tree.walk_commands()]
    assert len(names) == len(set(names))
    assert {"ask", "checkup", "topics", "forget-me", "kb reload", "kb gaps", "config help-channel add"} <= set(names)


def test_member_cooldown_counts_per_member_and_forgets_idle_members() -> None:
    from bot.discord.client import MemberCooldown

    now = [1000.0]
    cooldown = MemberCooldown(rate=2, per=30, clock=lambda: now[0])
    assert cooldown.retry_after(1) is None and cooldown.retry_after(1) is None
    assert cooldown.retry_after(1) == 30
    assert cooldown.retry_after(2) is None  # another member is not slowed down
    now[0] += 60  # both have been idle longer than the window
    cooldown.PRUNE_ABOVE = 1
    assert cooldown.retry_after(3) is None
    assert set(cooldown._buckets) == {3}
