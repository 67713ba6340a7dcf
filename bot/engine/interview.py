"""The checkup as a pure state machine: answers so far in, next question or result out.

The engine knows nothing about JSS. It reads an `Interview` (questions, ordered outcome rules, advice
rules) and decides by enumeration: with at most five questions of at most five choices there are at most
3,125 completions, and each answer state is computed once per snapshot and cached. A question is asked
only if some answer to it changes which (outcome, advice) results are still possible; the interview ends
as soon as exactly one result is possible.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable, Mapping

from bot.knowledge.model import Interview, Question, Rule


class InterviewError(ValueError):
    """An answer that does not fit the interview: unknown slot, unknown value, or a slot not being asked."""


Result = tuple[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Step:
    """Where an interview stands: what was asked, what is settled, and what to ask next."""

    interview: Interview
    asked: tuple[tuple[str, str], ...]
    next: Question | None
    outcome: Rule | None
    advice: tuple[Rule, ...]

    @property
    def finished(self) -> bool:
        return self.next is None

    @property
    def answers(self) -> dict[str, str]:
        return dict(self.asked)


class InterviewEngine:
    def __init__(self, interview: Interview) -> None:
        self.interview = interview
        self._possible: dict[frozenset[tuple[str, str]], frozenset[Result]] = {}

    def result(self, answers: Mapping[str, str]) -> Result:
        # The loader guarantees that every complete set of answers matches some outcome.
        outcome = next(rule.id for rule in self.interview.outcomes if rule.holds(answers))
        with_outcome = {**answers, Interview.OUTCOME: outcome}
        return outcome, tuple(rule.id for rule in self.interview.advice if rule.holds(with_outcome))

    def possible(self, answers: Mapping[str, str]) -> frozenset[Result]:
        """Every (outcome, advice) that some completion of `answers` leads to."""
        key = frozenset(answers.items())
        if key not in self._possible:
            open_questions = [q for q in self.interview.questions if q.slot not in answers]
            results = set()
            for values in itertools.product(*([c.value for c in q.choices] for q in open_questions)):
                completion = dict(answers)
                completion.update(zip((q.slot for q in open_questions), values))
                results.add(self.result(completion))
            self._possible[key] = frozenset(results)
        return self._possible[key]

    def _matters(self, question: Question, answers: Mapping[str, str]) -> bool:
        outcomes = {self.possible({**answers, question.slot: c.value}) for c in question.choices}
        return len(outcomes) > 1

    def deciding(self, answers: Mapping[str, str]) -> tuple[Question, ...]:
        """The open questions whose answer would still change the outcome: what the member's case turns on."""
        open_questions = [q for q in self.interview.questions if q.slot not in answers]
        outcomes = lambda extra: frozenset(o for o, _ in self.possible({**answers, **extra}))
        return tuple(q for q in open_questions if len({outcomes({q.slot: c.value}) for c in q.choices}) > 1)

    def step(self, asked: Iterable[tuple[str, str]]) -> Step:
        """Validate the answers given so far, in order, and say what comes next."""
        asked = tuple(asked)
        answers: dict[str, str] = {}
        for slot, value in asked:
            question = self.interview.question(slot)
            if question is None:
                slots = ", ".join(q.slot for q in self.interview.questions)
                raise InterviewError(f"unknown question '{slot}' (this interview asks: {slots})")
            if question.choice(value) is None:
                values = ", ".join(c.value for c in question.choices)
                raise InterviewError(f"'{value}' is not an answer to '{slot}' (choose one of: {values})")
            if slot in answers:
                raise InterviewError(f"'{slot}' was answered twice")
            answers[slot] = value
        possible = self.possible(answers)
        outcomes = {outcome for outcome, _ in possible}
        advice_sets = {advice for _, advice in possible}
        next_question = None
        if len(possible) > 1:
            open_questions = [q for q in self.interview.questions if q.slot not in answers]
            next_question = next((q for q in open_questions if self._matters(q, answers)), open_questions[0])
        outcome = self._rule(self.interview.outcomes, outcomes.pop()) if len(outcomes) == 1 else None
        settled_advice = advice_sets.pop() if len(advice_sets) == 1 else ()
        return Step(
            self.interview, asked, next_question, outcome,
            tuple(self._rule(self.interview.advice, a) for a in settled_advice),
        )

    def answer(self, step: Step, value: str) -> Step:
        """The step after answering `step.next` with `value`."""
        if step.next is None:
            raise InterviewError("this checkup is already finished")
        return self.step((*step.asked, (step.next.slot, value)))

    @staticmethod
    def _rule(rules: tuple[Rule, ...], rule_id: str) -> Rule:
        return next(rule for rule in rules if rule.id == rule_id)
