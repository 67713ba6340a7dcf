"""Reading the checkup's facts from a message: negation, hedges, suppositions, contradictions, cue conflicts.

The interview here is built in the test, so nothing depends on the shipped checkup's wording."""

from __future__ import annotations

import pytest

from bot.engine.situation import SituationReader
from bot.engine.text import Analyzer
from bot.knowledge.model import Choice, Interview, Question, Rule

QUESTIONS = (
    Question("paid", "Has the client paid anything?", None, (
        Choice("none", "No", "nothing paid", ("paid nothing", "did not pay", "not been paid")),
        Choice("some", "Yes", "some money paid", ("paid me", "released the milestone")),
    )),
    Question("sent", "Have you submitted the work?", None, (
        Choice("yes", "Yes", "the work is submitted", ("delivered the work", "submitted the work")),
        Choice("no", "No", "not submitted", ("not delivered",)),
    )),
)
INTERVIEW = Interview("check", "Check", "Intro", QUESTIONS, (Rule("any", "Any", "Text", (), {}),), (), None)


@pytest.fixture(scope="module")
def reader() -> SituationReader:
    corpus = [cue for q in QUESTIONS for c in q.choices for cue in c.cues]
    return SituationReader(INTERVIEW, Analyzer({}, ["the", "i", "he", "me"], corpus))


def read(reader: SituationReader, text: str) -> dict[str, str]:
    return {fact.slot: fact.value for fact in reader.read(text)}


@pytest.mark.parametrize("text", ["he didn't pay", "He did not pay me yet", "the client has not been paid... I mean I have not been paid"])
def test_every_way_of_saying_a_negation_meets_one_cue(reader, text: str) -> None:
    assert read(reader, text)["paid"] == "none"


def test_a_negated_cue_does_not_count_as_the_plain_fact(reader) -> None:
    assert read(reader, "I haven't delivered the work yet") == {"sent": "no"}
    assert read(reader, "I delivered the work") == {"sent": "yes"}


@pytest.mark.parametrize("text", [
    "I'm not sure if he paid me",  # hedged
    "maybe he paid me, maybe not",  # hedged
    "if he paid me, would my score change?",  # supposed
    "has he paid me?",  # asked
    "he wants to know whether he paid me",  # wished and supposed
])
def test_hedges_suppositions_and_questions_fill_nothing(reader, text: str) -> None:
    assert read(reader, text) == {}


def test_a_slot_read_two_ways_is_left_empty(reader) -> None:
    assert read(reader, "He paid me for the design. He did not pay for the logo. I delivered the work") == {"sent": "yes"}


def test_facts_come_with_the_words_they_were_read_from(reader) -> None:
    [fact] = reader.read("Honestly, the client paid nothing, and I am tired")
    assert fact.evidence == "the client paid nothing"


def test_one_cue_claimed_by_two_values_is_a_problem(reader) -> None:
    clash = Interview("check", "Check", "Intro", (
        Question("paid", "Paid?", None, (Choice("none", "No", None, ("paid nothing",)), Choice("some", "Yes", None, ("Paid  nothing!",)))),
    ), (Rule("any", "Any", "Text", (), {}),), (), None)
    problems = SituationReader(clash, reader.analyzer).problems
    assert len(problems) == 1 and "reads the same as cue 'paid nothing'" in problems[0][1]
