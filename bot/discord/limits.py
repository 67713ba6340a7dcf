"""Discord's size limits, and trimming that keeps every payload inside them."""

from __future__ import annotations

import discord

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000
MAX_FIELDS = 25
SELECT_OPTIONS = 25
SELECT_LABEL = 100
SELECT_DESCRIPTION = 100
BUTTON_LABEL = 80


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit(embed: discord.Embed) -> discord.Embed:
    """Trim an embed into Discord's limits: each part first, then drop trailing fields until the total fits."""
    if embed.title:
        embed.title = clip(embed.title, EMBED_TITLE)
    if embed.description:
        embed.description = clip(embed.description, EMBED_DESCRIPTION)
    fields = [(clip(f.name or "-", FIELD_NAME), clip(f.value or "-", FIELD_VALUE), f.inline) for f in embed.fields]
    embed.clear_fields()
    for name, value, inline in fields[:MAX_FIELDS]:
        embed.add_field(name=name, value=value, inline=inline)
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER))
    while len(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL and embed.description:
        embed.description = clip(embed.description, max(1, len(embed.description) - (len(embed) - EMBED_TOTAL)))
    return embed
