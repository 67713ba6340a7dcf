"""Answers, checkup steps and moderator reports as Discord embeds, always within Discord's limits."""

from __future__ import annotations

from typing import Any, Iterable

import discord

from bot.engine.answers import Answer, Citation, rule_sources
from bot.engine.gaps import GapGroup
from bot.engine.interview import Step
from bot.impact import Impact
from bot.knowledge import KnowledgeBase
from bot.discord.limits import FIELD_VALUE, clip, fit

ANSWER_COLOUR = discord.Colour.green()
MYTH_COLOUR = discord.Colour.orange()
CHECKUP_COLOUR = discord.Colour.blurple()
NOTICE_COLOUR = discord.Colour.light_grey()
ERROR_COLOUR = discord.Colour.red()


def answer_embed(answer: Answer) -> discord.Embed:
    """The verdict as title, the detail, a "Myth check" per corrected claim, sources in the footer."""
    embed = discord.Embed(title=answer.verdict, description=answer.detail, colour=MYTH_COLOUR if answer.myths else ANSWER_COLOUR)
    for myth in answer.myths:
        by = f" ({myth.corrected_by.attribution})" if myth.corrected_by else ""
        embed.add_field(
            name=f"Myth check: \"{myth.claim.label}\" is {myth.status}",
            value=f"Said by {myth.claim.attribution}.\n**In fact**{by}: {myth.truth}",
            inline=False,
        )
    for caveat in answer.caveats:
        embed.add_field(name=f"Caveat (as of {caveat.as_of})", value=caveat.text, inline=False)
    _add_also(embed, answer)
    if answer.related:
        embed.add_field(name="Related questions", value="\n".join(f"• {t.title}" for t in answer.related), inline=False)
    links = _links(answer.sources)
    if links:
        embed.add_field(name="Official pages", value=links, inline=False)
    embed.set_footer(text=_footer(answer.sources, answer.threads))
    return fit(embed)


def short_answer_embed(answer: Answer) -> discord.Embed:
    """What a member sees first: the verdict, a few sentences, one line per myth. *Details* shows the rest."""
    opening = [f"*{answer.understood}*"] if answer.understood else []
    opening += [f"**{answer.situation_line}**"] if answer.situation_line else []
    description = "\n".join(opening) + ("\n\n" if opening else "") + answer.summary
    embed = discord.Embed(title=answer.verdict, description=description, colour=MYTH_COLOUR if answer.myths else ANSWER_COLOUR)
    if answer.myths:
        embed.add_field(
            name="Myth check",
            value="\n".join(f"\"{m.claim.label}\" ({m.claim.attribution}) is {m.status}." for m in answer.myths),
            inline=False,
        )
    _add_also(embed, answer)
    if answer.alternative:
        embed.add_field(name=f"If you meant: {answer.alternative.topic.title}", value=answer.alternative.verdict, inline=False)
    embed.set_footer(text="Details: the full answer, the moderator's clarification, caveats and sources.")
    return fit(embed)


def _add_also(embed: discord.Embed, answer: Answer) -> None:
    if answer.also:
        embed.add_field(name="You also asked", value="\n".join(f"• **{a.topic.title}** {a.verdict}" for a in answer.also), inline=False)


def _links(sources: Iterable[Citation]) -> str:
    urls = list(dict.fromkeys(url for s in sources for url in s.urls))
    lines: list[str] = []
    for n, url in enumerate(urls, start=1):
        line = f"[{n}] <{url}>"
        if sum(len(x) + 1 for x in lines) + len(line) > FIELD_VALUE:
            break
        lines.append(line)
    return "\n".join(lines)


def _footer(sources: Iterable[Citation], threads: Iterable[str] = ()) -> str:
    people = "; ".join(f"\"{s.label}\": {s.attribution}, {s.verdict}" for s in sources)
    thread = " | ".join(f"Thread: {t}" for t in threads)
    return f"Sources: {people}" + (f" | {thread}" if thread else "")


def notice_embed(text: str, *, title: str | None = None, colour: discord.Colour = NOTICE_COLOUR) -> discord.Embed:
    return fit(discord.Embed(title=title, description=text, colour=colour))


def checkup_embed(kb: KnowledgeBase, step: Step) -> discord.Embed:
    interview = step.interview
    if not step.finished:
        question = step.next
        assert question is not None
        description = question.prompt + (f"\n*{question.help}*" if question.help else "")
        embed = discord.Embed(title=interview.title, description=description, colour=CHECKUP_COLOUR)
        if not step.asked:
            embed.add_field(name="About this checkup", value=interview.intro, inline=False)
        else:
            embed.add_field(name="You said", value=interview.said(step.asked), inline=False)
        embed.set_footer(text=f"Question {len(step.asked) + 1} of at most {len(interview.questions)}. Only you can see this.")
        return fit(embed)
    assert step.outcome is not None
    embed = discord.Embed(title=step.outcome.title, description=step.outcome.text, colour=ANSWER_COLOUR)
    for advice in step.advice:
        embed.add_field(name=advice.title, value=advice.text, inline=False)
    sources = rule_sources(kb, (step.outcome, *step.advice))
    links = _links(sources)
    if links:
        embed.add_field(name="Official pages", value=links, inline=False)
    embed.set_footer(text=f"Your answers: {step.interview.said(step.asked)} | {_footer(sources)}")
    return fit(embed)


def topics_embed(kb: KnowledgeBase, page: int, per_page: int) -> discord.Embed:
    topics = list(kb.topics.values())
    pages = max(1, -(-len(topics) // per_page))
    shown = topics[page * per_page : (page + 1) * per_page]
    embed = discord.Embed(title="What I can answer", colour=NOTICE_COLOUR,
                          description="Ask with /ask, mention me, or try /checkup about your own contract.")
    for topic in shown:
        embed.add_field(name=topic.title, value=clip(topic.verdict, FIELD_VALUE), inline=False)
    embed.set_footer(text=f"Page {page + 1} of {pages}")
    return fit(embed)


def gaps_embed(groups: list[GapGroup], days: int) -> discord.Embed:
    if not groups:
        return notice_embed(f"No unanswered or unhelpful questions in the last {days} days.", title="Knowledge gaps")
    lines = [f"**{g.count}×** {safe(clip(g.example, 200))}" for g in groups[:20]]
    more = f"\n…and {len(groups) - 20} more groups" if len(groups) > 20 else ""
    return notice_embed("\n".join(lines) + more, title=f"Knowledge gaps, last {days} days (most frequent first)")


def impact_embed(impact: Impact, phrasing: str, title: str) -> discord.Embed:
    """What teaching a phrasing would change: the questions whose answers move, those going wrong first."""
    moved = sorted(impact.moved, key=lambda m: not m.wrong)
    lines = [
        f"{'⚠️ ' if m.wrong else ''}{safe(clip(m.question, 120))}: {m.before} → **{m.after}**"
        + (f" (expected {m.expected})" if m.wrong else "")
        for m in moved[:10]
    ]
    summary = (f"Teaching \"{safe(clip(phrasing, 200))}\" for *{safe(title)}* would change {len(impact.moved)} of "
               f"{impact.questions} labelled answers; {len(impact.wrong)} to a wrong topic.")
    colour = ERROR_COLOUR if impact.wrong else NOTICE_COLOUR
    return notice_embed("\n".join([summary, "", *lines]) if lines else summary, title="Teaching preview", colour=colour)


def safe(text: str) -> str:
    """Text someone typed, shown in an embed as typed: no markdown, no masked links, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text)).replace("](", "]\u200b(")


def stats_embed(stats: dict[str, Any], days: int) -> discord.Embed:
    embed = discord.Embed(title=f"Last {days} days", colour=NOTICE_COLOUR)
    kinds = stats["questions"]
    embed.add_field(name="Questions", value="\n".join(f"{k}: {v}" for k, v in kinds.items()) or "none", inline=True)
    checkups = stats["checkups"]
    embed.add_field(name="Checkups", value="\n".join(f"{k}: {v}" for k, v in checkups.items()) or "none", inline=True)
    outcomes = stats["outcomes"]
    embed.add_field(name="Outcomes", value="\n".join(f"{k}: {v}" for k, v in outcomes.items()) or "none", inline=True)
    lines = []
    for row in stats["topics"]:
        rated = row["helpful"] + row["not_helpful"]
        ratio = f"{row['helpful'] / rated:.0%} helpful of {rated} rated" if rated else "not rated"
        lines.append(f"{row['topic']}: {row['asked']} asked, {ratio}")
    embed.add_field(name="Per topic", value="\n".join(lines) or "none", inline=False)
    return fit(embed)
