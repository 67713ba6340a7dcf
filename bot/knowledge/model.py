"""The knowledge as the rest of the bot sees it: immutable, validated, cross-referenced.

Everything here is built by `bot.knowledge.loader` from the YAML files moderators own. The objects are
frozen so that a snapshot handed to an answer can never change under it during a reload.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence


class Verdict(str, Enum):
    """How a claim from a thread holds up against the moderator's clarification and official pages."""

    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    PARTLY_CORRECT = "partly-correct"
    UNVERIFIED = "unverified"
    OPINION = "opinion"


#: Verdicts that make a claim a myth an answer may need to correct.
MYTH_VERDICTS = frozenset({Verdict.CORRECTED, Verdict.PARTLY_CORRECT, Verdict.UNVERIFIED})


@dataclass(frozen=True, slots=True)
class Where:
    """A position in a knowledge file, for error messages and for moderators tracing an answer."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    forum: str
    url: str | None
    seen: str
    where: Where


@dataclass(frozen=True, slots=True)
class Evidence:
    quote: str
    url: str


@dataclass(frozen=True, slots=True)
class Caveat:
    text: str
    as_of: str


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    source: str
    who: str
    role: str
    label: str
    said: str
    verdict: Verdict
    corrected_by: str | None
    correct_part: str | None
    note: str | None
    evidence: tuple[Evidence, ...]
    caveats: tuple[Caveat, ...]
    where: Where

    @property
    def is_myth(self) -> bool:
        return self.verdict in MYTH_VERDICTS


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    asks: str | None
    verdict: str
    detail: str
    claims: tuple[str, ...]
    myths: tuple[str, ...]
    examples: tuple[str, ...]
    interview: str | None
    related: tuple[str, ...]
    where: Where


@dataclass(frozen=True, slots=True)
class Decline:
    """A kind of question the bot deliberately does not answer (payouts, taxes, manipulation...)."""

    id: str
    reply: str
    examples: tuple[str, ...]
    where: Where
    #: In our domain, only not covered yet: questions declined this way are knowledge gaps.
    in_domain: bool = False


@dataclass(frozen=True, slots=True)
class Concept:
    """Words and phrases that mean the same thing to a member: matching treats them as one term."""

    id: str
    terms: tuple[str, ...]
    where: Where


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    #: The fact in a few words, for "From what you wrote (nothing paid; ...)"; the label when not given.
    said: str | None = None
    #: Phrasings that state this fact in a message ("paid nothing"), read to pre-fill the checkup.
    cues: tuple[str, ...] = ()
    where: Where | None = None

    @property
    def fact(self) -> str:
        return self.said or self.label


@dataclass(frozen=True, slots=True)
class Question:
    slot: str
    prompt: str
    help: str | None
    choices: tuple[Choice, ...]
    #: What the question settles, after "It depends on"; the prompt when not given.
    decides: str | None = None

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True, slots=True)
class Rule:
    """An outcome or a piece of advice, chosen when every slot in `when` has one of the listed values.

    Advice may also name `outcome` in `when`: the engine decides the outcome first and offers it as a slot.
    """

    id: str
    title: str
    text: str
    sources: tuple[str, ...]
    when: Mapping[str, frozenset[str]]

    def holds(self, answers: Mapping[str, str]) -> bool:
        return all(answers.get(slot) in values for slot, values in self.when.items())


@dataclass(frozen=True, slots=True)
class Interview:
    #: The pseudo-slot through which advice can depend on the outcome.
    OUTCOME = "outcome"

    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    outcomes: tuple[Rule, ...]
    advice: tuple[Rule, ...]
    where: Where

    def question(self, slot: str) -> Question | None:
        return next((q for q in self.questions if q.slot == slot), None)

    def said(self, answers: Iterable[tuple[str, str]]) -> str:
        """Answers in the member's terms ("nothing paid; no feedback from the client"), never slot names."""
        facts = []
        for slot, value in answers:
            question = self.question(slot)
            choice = question.choice(value) if question else None
            facts.append(choice.fact if choice else value)
        return "; ".join(facts)


def fold(phrasing: str) -> str:
    """A phrasing as teaching compares it: case and spacing do not make two phrasings different."""
    return " ".join(phrasing.lower().split())


@dataclass(frozen=True, slots=True)
class Learned:
    """A phrasing a moderator taught from Discord; it matches as one more example of its topic."""

    topic: str
    phrasing: str
    by: str
    at: str
    where: Where


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    sources: Mapping[str, Source]
    claims: Mapping[str, Claim]
    topics: Mapping[str, Topic]
    declines: Mapping[str, Decline]
    concepts: Mapping[str, Concept]
    stopwords: frozenset[str]
    interviews: Mapping[str, Interview]
    files: tuple[str, ...]
    digest: str
    learned: tuple[Learned, ...] = ()

    def with_learned(self, entries: Sequence[Learned]) -> KnowledgeBase:
        """This knowledge plus taught phrasings, each one more example of its topic. A phrasing whose topic is
        gone (the files changed since it was taught) is left out, not an error: a server's teaching must not
        stop the shared knowledge from loading. The digest names the additions, so answers stay traceable."""
        kept = [e for e in entries if e.topic in self.topics]
        if not kept:
            return self
        topics = dict(self.topics)
        for entry in kept:
            topics[entry.topic] = dataclasses.replace(topics[entry.topic], examples=(*topics[entry.topic].examples, entry.phrasing))
        added = hashlib.sha256("\n".join(f"{e.topic}\t{e.phrasing}" for e in kept).encode()).hexdigest()[:8]
        return dataclasses.replace(
            self, topics=MappingProxyType(topics), learned=(*self.learned, *kept), digest=f"{self.digest}+{added}",
        )

    def summary(self) -> str:
        return (
            f"{len(self.files)} files, {len(self.sources)} sources, {len(self.claims)} claims, "
            f"{len(self.topics)} topics, {len(self.declines)} declines, {len(self.concepts)} concepts, "
            f"{len(self.interviews)} interviews, {len(self.learned)} learned phrasings"
        )
