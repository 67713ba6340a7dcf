"""From a member's message to an `Answer`, for one knowledge snapshot.

Everything expensive (the text pipeline, the index, every topic's composed answer) is built once in
`Responder.__init__`, so answering is a lookup plus one ranking. A reload builds a new Responder and swaps
it in whole; a question in flight keeps the one it started with.

The matcher picks the topic; how sure the bot is comes from a classifier trained on the same examples
(`bot.engine.classifier`): its probability for the matcher's choice tells right answers from wrong ones on
real posts far better than similarity does. The decision policy has three outcomes, with bands chosen on
real members' questions (`python -m bot eval` prints the precision of each band):
- confident: the answer;
- probable: one line saying what the bot understood, then the answer, with the other likely topics offered;
- below that, an honest "not sure" with suggestions. A question closest to a decline is declined.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from bot.engine.answers import AlsoAnswered, Answer, AnswerKind, Band, answers_by_topic, topic_refs, understood_line
from bot.engine.classifier import Classifier, train, worth_training
from bot.engine.interview import InterviewEngine
from bot.engine.language import looks_english
from bot.engine.matcher import Label, Matcher, Ranking, example_bags
from bot.engine.situation import Fact, SituationReader
from bot.engine.text import Analyzer, is_question, sentences
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.schema import KnowledgeError, Problem

#: Discord's own limit for a slash-command option is larger; members' real questions are far shorter.
MAX_QUESTION_CHARS = 1000
#: Other topics offered under a probable answer or a "not sure".
SUGGESTIONS = 3
#: An answer needs something to go on: "feedback?" alone fits several topics about equally, so it gets
#: suggestions; "scope creep" is one term too, but one topic clearly leads, so it is answered.
MIN_TERMS_TO_ANSWER = 2
CLEAR_LEAD_TO_ANSWER_THIN = 0.5

NOT_SURE = (
    "I'm not sure I can answer that from what our moderators have reviewed, so I won't guess. "
    "I've noted the question so the knowledge can cover it."
)
EMPTY = "Ask me a question about Job Success Score or contracts, for example: will ending an unpaid contract hurt my JSS?"
TOO_LONG = f"That message is too long for me: please ask in under {MAX_QUESTION_CHARS:,} characters."
ENGLISH_ONLY = "Sorry, I can only answer in English. Please ask your question in English."
#: The decline id recorded for a question in another language.
NOT_ENGLISH = "not-english"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Confidence needed to answer; a help channel, where nobody asked the bot, wants more."""

    answer: float = 0.30
    #: From here up to `answer`, a probable answer: what the bot understood, then the answer.
    probable: float = 0.20
    help_channel: float = 0.50
    suggest: float = 0.10
    #: Declining is always safe, so a question closest to a decline is declined at a lower confidence.
    decline: float = 0.15


Trainer = Callable[[Sequence[tuple[str, Iterable[str]]]], Classifier | None]


class Responder:
    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds = Thresholds(), trainer: Trainer = train) -> None:
        """`trainer` fits the classifier; the service passes one that keeps fits in a cache on disk."""
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
        bags = example_bags(self.analyzer, labels)
        self.matcher = Matcher(self.analyzer, labels, bags)
        # Above MAX_LABELS nothing is trained: no training data is even put together.
        self.classifier = trainer([
            (label.id, bag) for label, label_bags in zip(labels, bags) for bag in label_bags
        ]) if worth_training(len(labels)) else None
        self.answers = answers_by_topic(kb)
        self.understood = {t.id: understood_line(t) for t in kb.topics.values()}
        self.interviews = {i: InterviewEngine(interview) for i, interview in kb.interviews.items()}
        self.situations = {i: SituationReader(interview, self.analyzer) for i, interview in kb.interviews.items()}
        cue_problems = [(choice, why) for reader in self.situations.values() for choice, why in reader.problems]
        if cue_problems:
            raise KnowledgeError([Problem(choice.where, why) for choice, why in cue_problems])

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

        `unprompted` is a message nobody addressed to the bot (a help channel): it must clear a higher bar,
        and is never given a probable answer.
        """
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(AnswerKind.INVALID, message=TOO_LONG)
        if not text.strip():
            return Answer(AnswerKind.INVALID, message=EMPTY)
        if not looks_english(text):
            return Answer(AnswerKind.DECLINED, message=ENGLISH_ONLY, decline=NOT_ENGLISH)
        confident = self.thresholds.help_channel if unprompted else self.thresholds.answer
        probable = confident if unprompted else self.thresholds.probable
        ranking = self.matcher.rank(text)
        best = ranking.best
        if best is not None and best.kind == "decline" and ranking.confidence >= min(confident, self.thresholds.decline):
            return Answer(
                AnswerKind.DECLINED, confidence=round(ranking.confidence, 3), message=self.kb.declines[best.id].reply,
                decline=best.id,
            )
        confidence = self._confidence(ranking)  # the classifier runs only for what may be answered
        asked = self._asked_topics(text, confident)
        if len(asked) >= 2:
            # Several questions in one message: scored as a whole, such a message is a near tie between its
            # topics; each question on its own is clear. Answer the first, the others by their verdicts.
            (first, first_confidence), *others = asked
            return self._answer(first, first_confidence, Band.CONFIDENT, ranking, [topic for topic, _ in others], text)
        thin = len(set(ranking.terms)) < MIN_TERMS_TO_ANSWER and ranking.lead < CLEAR_LEAD_TO_ANSWER_THIN
        if best is not None and best.kind == "topic" and not thin:
            others = [t for t, _ in asked if t != best.id]
            if confidence >= confident:
                return self._answer(best.id, confidence, Band.CONFIDENT, ranking, others, text)
            if confidence >= probable:
                return self._answer(best.id, confidence, Band.PROBABLE, ranking, others, text)
        suggestions = [s.id for s in ranking.scored if s.kind == "topic" and s.score >= self.thresholds.suggest]
        return Answer(
            AnswerKind.NOT_SURE, confidence=confidence, message=NOT_SURE,
            suggestions=topic_refs(self.kb, suggestions[:SUGGESTIONS]),
        )

    def _confidence(self, ranking: Ranking) -> float:
        """How sure the bot is of the ranking's best label: the classifier's probability, if it was trained."""
        best = ranking.best
        if best is None:
            return 0.0
        if self.classifier is None:
            return round(ranking.confidence, 3)
        return round(self.classifier.probability(ranking.features, best.id), 3)

    def read_situation(self, text: str, interview_id: str) -> tuple[Fact, ...]:
        """The checkup facts `text` states plainly, in question order: what a checkup started from it pre-fills."""
        reader = self.situations.get(interview_id)
        return reader.read(text) if reader else ()

    def _situated(self, answer: Answer, text: str) -> dict:
        """The fields that apply the checkup's rules to what the member wrote, for a topic that has a checkup."""
        if answer.interview is None or answer.interview not in self.interviews:
            return {}
        facts = self.read_situation(text, answer.interview)
        if not facts:
            return {}
        engine = self.interviews[answer.interview]
        step = engine.step((fact.slot, fact.value) for fact in facts)
        said = engine.interview.said((fact.slot, fact.value) for fact in facts)
        if step.outcome is not None:
            title = step.outcome.title
            line = f"From what you wrote ({said}): {title[:1].lower()}{title[1:]}."
        else:
            decides = [q.decides or q.prompt.rstrip("?") for q in engine.deciding(step.answers)][:2]
            line = f"From what you wrote ({said}), it depends on {' and '.join(decides)}: the checkup asks only that."
        return {"situation": facts, "outcome": step.outcome, "situation_line": line, "advice": step.advice}

    def _answer(self, topic_id: str, confidence: float, band: Band, ranking: Ranking, also: list[str], text: str = "") -> Answer:
        also_answered = tuple(AlsoAnswered(ref, self.kb.topics[ref.id].verdict) for ref in topic_refs(self.kb, also))
        situated = self._situated(self.answers[topic_id], text)
        if band is Band.CONFIDENT:
            return dataclasses.replace(self.answers[topic_id], confidence=confidence, also=also_answered, **situated)
        offered = topic_refs(self.kb, [
            s.id for s in ranking.scored
            if s.kind == "topic" and s.id != topic_id and s.id not in also and s.score >= self.thresholds.suggest
        ][:SUGGESTIONS - 1])
        alternative = AlsoAnswered(offered[0], self.kb.topics[offered[0].id].verdict) if offered else None
        return dataclasses.replace(
            self.answers[topic_id], confidence=confidence, also=also_answered, band=band,
            understood=self.understood[topic_id], suggestions=offered, alternative=alternative, **situated,
        )

    def _asked_topics(self, text: str, needed: float) -> list[tuple[str, float]]:
        """For a message with several questions, the topic each one clearly asks about, in order."""
        questions = [s for s in sentences(text) if is_question(s)]
        if len(questions) < 2:
            return []
        found: dict[str, float] = {}
        for question in questions:
            ranking = self.matcher.rank(question)
            best = ranking.best
            confidence = self._confidence(ranking)
            if best is not None and best.kind == "topic" and confidence >= needed and best.id not in found:
                found[best.id] = confidence
        return list(found.items())
