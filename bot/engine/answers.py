"""Compose what the bot says: an `Answer` both adapters render, and its plain-text form.

An answer is built from the knowledge only: the topic's verdict and detail, a myth check for every
corrected claim the topic addresses, caveats, and citations. Nothing from the question is echoed back,
so a member cannot make the bot say something the moderators did not write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Mapping

from bot.engine.interview import Step
from bot.engine.situation import Fact
from bot.knowledge.model import Caveat, Claim, KnowledgeBase, Rule, Source, Topic, Verdict

ROLE_NAMES = {"member": "community member", "moderator": "moderator"}
MYTH_STATUS = {
    Verdict.CORRECTED: "corrected",
    Verdict.PARTLY_CORRECT: "only partly right",
    Verdict.UNVERIFIED: "not confirmed",
}


class AnswerKind(str, Enum):
    ANSWER = "answer"
    NOT_SURE = "not-sure"
    DECLINED = "declined"
    INVALID = "invalid"


class Band(str, Enum):
    """How sure an answer is. A probable answer first says what it understood, then answers."""

    CONFIDENT = "confident"
    PROBABLE = "probable"


#: The short form: the verdict plus at most this many sentences of the detail, within SHORT_CHARS.
SHORT_SENTENCES = 3
SHORT_CHARS = 600


@dataclass(frozen=True, slots=True)
class Citation:
    claim_id: str
    who: str
    role: str
    label: str
    verdict: str
    urls: tuple[str, ...]

    @property
    def attribution(self) -> str:
        """"Valeria, moderator"; an unnamed poster is "a community member", not "Community Member, community member"."""
        role = ROLE_NAMES[self.role]
        return f"a {role}" if self.who.strip().lower() == role else f"{self.who}, {role}"


@dataclass(frozen=True, slots=True)
class MythCheck:
    """A wrong or unconfirmed claim, named by its label only: the wrong statement itself is never repeated."""

    claim: Citation
    status: str
    truth: str
    corrected_by: Citation | None


@dataclass(frozen=True, slots=True)
class TopicRef:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class AlsoAnswered:
    """Another question asked in the same message, answered by its verdict."""

    topic: TopicRef
    verdict: str


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything an adapter needs to show one reply; `kind` says which parts are filled."""

    kind: AnswerKind
    confidence: float = 0.0
    topic: TopicRef | None = None
    verdict: str = ""
    detail: str = ""
    #: The detail's first sentences: what the short answer shows (composed once per snapshot, like the rest).
    summary: str = ""
    myths: tuple[MythCheck, ...] = ()
    caveats: tuple[Caveat, ...] = ()
    sources: tuple[Citation, ...] = ()
    suggestions: tuple[TopicRef, ...] = ()
    also: tuple[AlsoAnswered, ...] = ()
    related: tuple[TopicRef, ...] = ()
    interview: str | None = None
    threads: tuple[str, ...] = ()
    message: str = ""
    decline: str | None = None
    band: Band = Band.CONFIDENT
    #: For a probable answer, the one line saying what the bot understood the question to be.
    understood: str | None = None
    #: For a probable answer, the next likeliest topic, answered by its verdict: the member may have meant it.
    alternative: AlsoAnswered | None = None
    #: The checkup's facts the member stated, in question order, and what they settle.
    situation: tuple[Fact, ...] = ()
    outcome: Rule | None = None
    #: The first line for this member: their outcome, or the one or two facts it depends on.
    situation_line: str | None = None
    #: The checkup's advice that the stated facts already settle.
    advice: tuple[Rule, ...] = ()

    @property
    def answered(self) -> bool:
        return self.kind is AnswerKind.ANSWER


def cite(claim: Claim) -> Citation:
    return Citation(
        claim.id, claim.who, claim.role, claim.label, claim.verdict.value, tuple(e.url for e in claim.evidence)
    )


def myth_check(kb: KnowledgeBase, claim: Claim) -> MythCheck:
    corrector = kb.claims[claim.corrected_by] if claim.corrected_by else None
    if claim.verdict is Verdict.CORRECTED and corrector is not None:
        truth = corrector.said
    elif claim.verdict is Verdict.PARTLY_CORRECT and claim.correct_part:
        truth = claim.correct_part
    else:
        truth = claim.note or "No official source confirms this."
    return MythCheck(cite(claim), MYTH_STATUS[claim.verdict], truth, cite(corrector) if corrector else None)


def topic_answer(kb: KnowledgeBase, topic: Topic) -> Answer:
    """The full answer for a topic: static for a knowledge snapshot, so it is composed once per load."""
    cited: dict[str, Claim] = {}
    for claim_id in (*topic.claims, *topic.myths):
        claim = kb.claims[claim_id]
        cited[claim.id] = claim
        if claim.corrected_by:
            cited.setdefault(claim.corrected_by, kb.claims[claim.corrected_by])
    caveats = tuple(dict.fromkeys(c for claim in cited.values() for c in claim.caveats))
    return Answer(
        kind=AnswerKind.ANSWER,
        topic=TopicRef(topic.id, topic.title),
        verdict=topic.verdict,
        detail=topic.detail,
        summary=short_detail(topic.verdict, topic.detail),
        myths=tuple(myth_check(kb, kb.claims[m]) for m in topic.myths),
        caveats=caveats,
        sources=tuple(cite(c) for c in cited.values()),
        interview=topic.interview,
        related=topic_refs(kb, topic.related),
        threads=tuple(dict.fromkeys(thread_line(kb.sources[c.source]) for c in cited.values())),
    )


def understood_line(topic: Topic) -> str:
    """The restatement a probable answer starts with, so a member sees at once if the bot misread them."""
    asks = topic.asks or f"\"{topic.title.rstrip('?')}\""
    return f"It sounds like you're asking {asks.rstrip('.?')}."


def thread_line(source: Source) -> str:
    where = f"{source.forum}, read {source.seen}" + (f", {source.url}" if source.url else "")
    return f"\"{source.title}\" ({where})"


def topic_refs(kb: KnowledgeBase, ids: Iterable[str]) -> tuple[TopicRef, ...]:
    return tuple(TopicRef(i, kb.topics[i].title) for i in ids if i in kb.topics)


def render_text(answer: Answer, *, numbered: bool = False) -> str:
    """The plain-text reply, for the console and the CLI. `numbered` numbers the topics offered, for a reader
    who picks one by typing its number."""
    if answer.kind is not AnswerKind.ANSWER:
        lines = [answer.message]
        if answer.suggestions:
            lines += ["", "Did you mean:"] + _topic_lines(answer, answer.suggestions, numbered)
        return "\n".join(lines)
    lines = _opening(answer) + [answer.verdict, "", answer.detail]
    for advice in answer.advice:
        lines += ["", f"What to do: {advice.title}. {advice.text}"]
    for myth in answer.myths:
        lines += ["", f"Myth check: \"{myth.claim.label}\" ({myth.claim.attribution}) is {myth.status}."]
        by = f", as {myth.corrected_by.attribution}, clarified" if myth.corrected_by else ""
        lines.append(f"  In fact{by}: {myth.truth}")
    for caveat in answer.caveats:
        lines += ["", f"Caveat (as of {caveat.as_of}): {caveat.text}"]
    lines += also_lines(answer) + offered_lines(answer)
    if answer.related:
        lines += ["", "Related questions:"] + [f"  - {t.title}" for t in answer.related]
    lines += ["", "Sources:"] + [source_line(s) for s in answer.sources]
    lines += [f"  Thread: {thread}" for thread in answer.threads]
    if answer.interview:
        lines += ["", "Type /checkup for a few quick questions about your own contract."]
    return "\n".join(lines)


def also_lines(answer: Answer) -> list[str]:
    if not answer.also:
        return []
    return ["", "You also asked:"] + [f"  - {a.topic.title} {a.verdict}" for a in answer.also]


def _opening(answer: Answer) -> list[str]:
    """What comes before the verdict: what the bot understood, and what it read of the member's case."""
    lines = [line for line in (answer.understood, answer.situation_line) if line]
    return [*lines, ""] if lines else []


def offered_lines(answer: Answer, numbered: bool = False) -> list[str]:
    """Under a probable answer, the other topics the question may have meant, the likeliest with its verdict."""
    lines = []
    if answer.alternative:
        pick = " (1 for its full answer)" if numbered else ""
        lines += ["", f"If you meant \"{answer.alternative.topic.title}\"{pick}: {answer.alternative.verdict}"]
    others = [s for s in answer.suggestions if not answer.alternative or s.id != answer.alternative.topic.id]
    if others:
        lines += ["", "Or perhaps:"] + _topic_lines(answer, others, numbered)
    return lines


def _topic_lines(answer: Answer, refs: Iterable[TopicRef], numbered: bool) -> list[str]:
    """A list of offered topics; numbered by their place among the answer's suggestions."""
    if not numbered:
        return [f"  - {ref.title}" for ref in refs]
    return [f"  {answer.suggestions.index(ref) + 1}. {ref.title}" for ref in refs]


def short_text(answer: Answer, *, numbered: bool = False) -> str:
    """The reply most members want: the verdict, a few sentences, one line per myth; the rest on request."""
    if answer.kind is not AnswerKind.ANSWER:
        return render_text(answer, numbered=numbered)
    lines = _opening(answer) + [answer.verdict]
    if answer.summary:
        lines += ["", answer.summary]
    for myth in answer.myths:
        lines.append(f"Myth check: \"{myth.claim.label}\" ({myth.claim.attribution}) is {myth.status}.")
    lines += also_lines(answer) + offered_lines(answer, numbered)
    return "\n".join(lines)


def short_detail(verdict: str, detail: str) -> str:
    """The first sentences of `detail`, at most SHORT_SENTENCES and, with the verdict, about SHORT_CHARS."""
    budget = SHORT_CHARS - len(verdict)
    taken: list[str] = []
    for sentence in _SENTENCE_END.split(detail.strip()):
        if len(taken) == SHORT_SENTENCES or sum(len(t) + 1 for t in taken) + len(sentence) > budget:
            break
        taken.append(sentence)
    return " ".join(taken)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")


def source_line(citation: Citation) -> str:
    links = " ".join(citation.urls)
    return f"  [{citation.claim_id}] \"{citation.label}\": {citation.attribution}, {citation.verdict}" + (
        f"; {links}" if links else ""
    )


def answers_by_topic(kb: KnowledgeBase) -> Mapping[str, Answer]:
    return {topic.id: topic_answer(kb, topic) for topic in kb.topics.values()}


def rule_sources(kb: KnowledgeBase, rules: Iterable[Rule]) -> tuple[Citation, ...]:
    ids = dict.fromkeys(claim_id for rule in rules for claim_id in rule.sources)
    return tuple(cite(kb.claims[i]) for i in ids if i in kb.claims)


def render_question(step: Step) -> str:
    question = step.next
    assert question is not None
    lines = [f"Question {len(step.asked) + 1}: {question.prompt}"]
    if question.help:
        lines.append(f"  ({question.help})")
    lines += [f"  {n}. {choice.label}" for n, choice in enumerate(question.choices, start=1)]
    return "\n".join(lines)


def render_result(kb: KnowledgeBase, step: Step) -> str:
    """The checkup's verdict, advice and sources as plain text."""
    assert step.outcome is not None
    lines = [f"Result: {step.outcome.title}", step.outcome.text]
    for advice in step.advice:
        lines += ["", f"Advice: {advice.title}", advice.text]
    lines += ["", "Sources:"] + [source_line(s) for s in rule_sources(kb, (step.outcome, *step.advice))]
    return "\n".join(lines)
