"""From a member's message to an `Answer`, for one knowledge snapshot.

Everything expensive (the text pipeline, the index, every topic's composed answer) is built once in
`Responder.__init__`, so answering is a lookup plus one ranking. A reload builds a new Responder and swaps
it in whole; a question in flight keeps the one it started with.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.engine.answers import Answer, AnswerKind, answers_by_topic, topic_refs
from bot.engine.matcher import Label, Matcher, Ranking
from bot.engine.text import Analyzer, sentences
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.schema import KnowledgeError, Problem

#: Discord's own limit for a slash-command option is larger; members' real questions are far shorter.
MAX_QUESTION_CHARS = 1000

NOT_SURE = (
    "I'm not sure I can answer that from what our moderators have reviewed, so I won't guess. "
    "I've noted the question so the knowledge can cover it."
)
EMPTY = "Ask me a question about Job Success Score or contracts, for example: will ending an unpaid contract hurt my JSS?"
TOO_LONG = f"That message is too long for me: please ask in under {MAX_QUESTION_CHARS:,} characters."


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Confidence needed to answer; a help channel, where nobody asked the bot, wants more."""

    answer: float = 0.30
    help_channel: float = 0.50
    suggest: float = 0.10
    #: Declining is always safe, so a question closest to a decline is declined at a lower confidence.
    decline: float = 0.15


class Responder:
    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds = Thresholds()) -> None:
        self.kb = kb
        self.thresholds = thresholds
        corpus = [e for t in kb.topics.values() for e in (t.title, *t.examples)]
        corpus += [e for d in kb.declines.values() for e in d.examples]
        concepts = {c.id: c.terms for c in kb.concepts.values()}
        self.analyzer = Analyzer(concepts, kb.stopwords, corpus)
        if self.analyzer.unusable:
            raise KnowledgeError([
                Problem(kb.concepts[concept].where, f"concept '{concept}': term '{term}' {why}")
                for concept, term, why in self.analyzer.unusable
            ])
        labels = [Label(t.id, "topic", (t.title, *t.examples)) for t in kb.topics.values()]
        labels += [Label(d.id, "decline", d.examples) for d in kb.declines.values()]
        self.matcher = Matcher(self.analyzer, labels)
        self.answers = answers_by_topic(kb)

    def rank(self, text: str) -> Ranking:
        return self.matcher.rank(text)

    def explain(self, text: str) -> tuple[Ranking, tuple[tuple[str, float], ...]]:
        """The ranking of `text` and the features that tied it to the best label, for debugging the knowledge."""
        ranking = self.matcher.rank(text)
        return ranking, (self.matcher.explain(text, ranking.best.id) if ranking.best else ())

    def topic_guesses(self, text: str) -> list[str]:
        """Every topic, the likeliest for `text` first: what a moderator picks from to file a question."""
        ranked = [s.id for s in self.matcher.rank(text).scored if s.kind == "topic"]
        return list(dict.fromkeys([*ranked, *self.kb.topics]))

    def respond(self, text: str, *, unprompted: bool = False) -> Answer:
        """The reply to `text`: an answer, a decline, or an honest "not sure" with the closest topics.

        `unprompted` is a message nobody addressed to the bot (a help channel): it must clear a higher bar.
        """
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(AnswerKind.INVALID, message=TOO_LONG)
        if not text.strip():
            return Answer(AnswerKind.INVALID, message=EMPTY)
        needed = self.thresholds.help_channel if unprompted else self.thresholds.answer
        asked = self._asked_topics(text, needed)
        if len(asked) >= 2:
            # Two questions in one message: answer the first, point at the others. Scored as a whole, such a
            # message is a near tie between its topics and would otherwise be declined.
            (first, confidence), *others = asked
            return self._answer(first, confidence, [topic for topic, _ in others])
        ranking = self.matcher.rank(text)
        best = ranking.best
        confidence = round(ranking.confidence, 3)
        if best is not None and best.kind == "decline" and confidence >= min(needed, self.thresholds.decline):
            return Answer(
                AnswerKind.DECLINED, confidence=confidence, message=self.kb.declines[best.id].reply,
                decline=best.id,
            )
        if best is not None and best.kind == "topic" and confidence >= needed:
            return self._answer(best.id, confidence, [topic for topic, _ in asked if topic != best.id])
        suggestions = [s.id for s in ranking.scored if s.kind == "topic" and s.score >= self.thresholds.suggest][:3]
        return Answer(
            AnswerKind.NOT_SURE, confidence=confidence, message=NOT_SURE,
            suggestions=topic_refs(self.kb, suggestions),
        )

    def _answer(self, topic_id: str, confidence: float, also: list[str]) -> Answer:
        return dataclasses.replace(self.answers[topic_id], confidence=confidence, also=topic_refs(self.kb, also))

    def _asked_topics(self, text: str, needed: float) -> list[tuple[str, float]]:
        """For a message with several questions, the topic each one confidently asks about, in order."""
        questions = [s for s in sentences(text) if "?" in s]
        if len(questions) < 2:
            return []
        found: dict[str, float] = {}
        for question in questions:
            ranking = self.matcher.rank(question)
            best = ranking.best
            if best is not None and best.kind == "topic" and ranking.confidence >= needed and best.id not in found:
                found[best.id] = round(ranking.confidence, 3)
        return list(found.items())
