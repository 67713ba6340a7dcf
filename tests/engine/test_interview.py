"""The checkup state machine: intended outcome and advice for every combination, in at most five questions."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.engine.interview import InterviewEngine, InterviewError
from bot.service import build_snapshot

SLOTS = {
    "payments": ["none", "some"],
    "client_feedback": ["none", "positive", "negative", "unknown"],
    "escrow": ["funded", "empty", "unknown"],
    "work_submitted": ["yes", "no"],
    "new_scope": ["yes", "no"],
}


def expected(situation: dict[str, str]) -> tuple[str, set[str]]:
    """The issue's rules, written independently of the YAML."""
    if situation["payments"] == "some":
        outcome = "counted"
    else:
        outcome = {"none": "excluded", "positive": "excluded", "negative": "counted-negative", "unknown": "at-risk"}[
            situation["client_feedback"]
        ]
    advice = set()
    if situation["escrow"] in ("funded", "unknown"):
        advice.add("escrow-returns-to-client")
    if situation["work_submitted"] == "no":
        advice.add("submit-and-request-release")
    if situation["new_scope"] == "yes":
        advice.add("new-milestone-for-new-scope")
    return outcome, advice


def run(engine: InterviewEngine, situation: dict[str, str]):
    step = engine.step(())
    while not step.finished:
        step = engine.answer(step, situation[step.next.slot])
    return step


ALL = [dict(zip(SLOTS, values)) for values in itertools.product(*SLOTS.values())]


@pytest.mark.parametrize("situation", ALL, ids=lambda s: ",".join(s.values()))
def test_every_situation_gets_the_intended_outcome_and_advice(snapshot, situation) -> None:
    step = run(snapshot.interviews["checkup"], situation)
    outcome, advice = expected(situation)
    assert step.outcome.id == outcome
    assert {a.id for a in step.advice} == advice
    assert len(step.asked) <= 5


def test_client_feedback_is_not_asked_once_money_was_paid(snapshot) -> None:
    engine = snapshot.interviews["checkup"]
    step = engine.step([("payments", "some")])
    assert step.outcome.id == "counted"
    for situation in ALL:
        if situation["payments"] == "some":
            assert "client_feedback" not in dict(run(engine, situation).asked)


def test_first_question_is_about_payments_and_outcome_is_unknown_until_settled(snapshot) -> None:
    step = snapshot.interviews["checkup"].step(())
    assert step.next.slot == "payments"
    assert step.outcome is None and not step.finished


def test_outcome_settles_before_advice(snapshot) -> None:
    step = snapshot.interviews["checkup"].step([("payments", "none"), ("client_feedback", "negative")])
    assert step.outcome.id == "counted-negative"
    assert not step.finished


@pytest.mark.parametrize("asked, message", [
    ([("colour", "red")], "unknown question 'colour'"),
    ([("payments", "maybe")], "'maybe' is not an answer to 'payments'"),
    ([("payments", "none"), ("payments", "some")], "answered twice"),
])
def test_bad_answers_are_refused_clearly(snapshot, asked, message) -> None:
    with pytest.raises(InterviewError, match=message):
        snapshot.interviews["checkup"].step(asked)


TOY = """\
sources:
  - {id: s, title: T, forum: F, seen: 2026-01-01}
claims:
  - {id: c, source: s, who: W, role: member, label: L, said: S, verdict: confirmed}
topics:
  - id: t
    title: T
    verdict: V
    detail: D
    claims: [c]
    examples: [a b, b c, c d]
interviews:
  - id: weather
    title: What to wear
    intro: Two questions.
    questions:
      - slot: raining
        prompt: Is it raining?
        choices: [{value: "yes", label: "Yes"}, {value: "no", label: "No"}]
      - slot: cold
        prompt: Is it cold?
        choices: [{value: "yes", label: "Yes"}, {value: "no", label: "No"}]
      - slot: colour
        prompt: Favourite colour?
        choices: [{value: red, label: Red}, {value: blue, label: Blue}]
    outcomes:
      - {id: stay-in, when: {raining: "yes", cold: "yes"}, title: Stay in, text: Stay in.}
      - {id: go-out, title: Go out, text: Go out.}
    advice:
      - {id: umbrella, when: {raining: "yes", outcome: go-out}, title: Umbrella, text: Take an umbrella., sources: [c]}
"""


def test_a_second_interview_works_with_no_code_change(tmp_path: Path) -> None:
    (tmp_path / "toy.yaml").write_text(TOY)
    engine = build_snapshot(tmp_path).interviews["weather"]
    step = engine.step(())
    assert step.next.slot == "raining"
    # Not raining: nothing else can change the result, so the interview ends after one question.
    done = engine.answer(step, "no")
    assert done.finished and done.outcome.id == "go-out" and done.advice == ()
    # Raining: "cold" decides; the colour question never matters and is never asked.
    step = engine.answer(step, "yes")
    assert step.next.slot == "cold"
    warm = engine.answer(step, "no")
    assert warm.finished and warm.outcome.id == "go-out" and [a.id for a in warm.advice] == ["umbrella"]
    cold = engine.answer(step, "yes")
    assert cold.finished and cold.outcome.id == "stay-in" and cold.advice == ()
