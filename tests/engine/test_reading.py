"""Reading messages as people write them: negation scope, questions without a question mark, other
languages, pleasantries, several questions, and the probable band. None of these depend on today's topics."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine.answers import SHORT_CHARS, AnswerKind, Band, short_text
from bot.engine.language import looks_english
from bot.engine.responder import ENGLISH_ONLY, Responder, Thresholds
from bot.engine.text import NEGATED, is_question


def test_a_negation_reaches_the_next_word_only(snapshot) -> None:
    terms = snapshot.responder.analyzer.terms
    never_closed, closed = terms("the client never closed the contract"), terms("the client closed the contract")
    assert set(never_closed) != set(closed)
    assert any(t.startswith(NEGATED) for t in never_closed) and not any(t.startswith(NEGATED) for t in closed)
    # Spent on a stopword: wanting not to is not the same as not closing.
    assert not any(t.startswith(NEGATED) for t in terms("I don't want to close it"))


@pytest.mark.parametrize("sentence", [
    "will my jss drop if i end it", "So does a refund count", "any advice on this", "I want to know if it hurts my score",
    "Is it safe?",
])
def test_questions_are_found_without_a_question_mark(sentence: str) -> None:
    assert is_question(sentence)


@pytest.mark.parametrize("sentence", ["I ended the contract yesterday.", "The client paid nothing", "Thanks"])
def test_statements_are_not_questions(sentence: str) -> None:
    assert not is_question(sentence)


@pytest.mark.parametrize("text", [
    "Hola, si termino el contrato sin pago, ¿afecta mi JSS?",
    "Bonjour, est-ce que je peux terminer le contrat sans paiement?",
    "Если я закрою контракт без оплаты, упадет ли JSS?",
    "Wenn ich den Vertrag beende, ist das schlecht für meinen JSS?",
])
def test_another_language_gets_the_english_only_reply(snapshot, text: str) -> None:
    assert not looks_english(text)
    answer = snapshot.responder.respond(text)
    assert answer.kind is AnswerKind.DECLINED and answer.message == ENGLISH_ONLY


@pytest.mark.parametrize("text", ["will ending an unpaid contract hurt my JSS?", "ok", "client paid $0, jss?"])
def test_english_and_short_messages_are_read(text: str) -> None:
    assert looks_english(text)


def test_each_question_in_a_message_gets_its_verdict(snapshot) -> None:
    responder = snapshot.responder
    topics = list(snapshot.kb.topics.values())
    # Two topics' own titles, asked together: each alone is answered confidently by its topic.
    first, second = next(
        (a, b) for a in topics for b in topics
        if a.id != b.id and getattr(responder.respond(a.title).topic, "id", None) == a.id
        and getattr(responder.respond(b.title).topic, "id", None) == b.id
    )
    answer = responder.respond(f"{first.title} {second.title}")
    assert answer.topic.id == first.id
    assert [(a.topic.id, a.verdict) for a in answer.also] == [(second.id, second.verdict)]
    assert second.verdict in short_text(answer)


def test_probable_answers_say_what_they_understood(snapshot) -> None:
    text = "will ending an unpaid contract hurt my JSS?"
    confident = snapshot.responder.respond(text)
    assert confident.band is Band.CONFIDENT and confident.understood is None
    # The same question under a bar it cannot clear, with the probable band below it.
    strict = Responder(snapshot.kb, Thresholds(answer=1.01, probable=0.05, help_channel=1.01))
    probable = strict.respond(text)
    assert probable.kind is AnswerKind.ANSWER and probable.band is Band.PROBABLE
    assert probable.understood.startswith("It sounds like you're asking") and probable.topic == confident.topic
    assert short_text(probable).startswith(probable.understood)
    if probable.alternative:  # the next likeliest topic, answered by its own verdict
        assert probable.alternative.topic.id != probable.topic.id
        assert probable.alternative.verdict == snapshot.kb.topics[probable.alternative.topic.id].verdict
        assert probable.alternative.verdict in short_text(probable)
    # A help channel, where nobody asked the bot, never gets a probable answer.
    assert strict.respond(text, unprompted=True).kind is not AnswerKind.ANSWER


def test_short_answers_are_short_and_keep_the_verdict(snapshot) -> None:
    for topic_id, answer in snapshot.responder.answers.items():
        text = short_text(answer)
        assert text.startswith(answer.verdict)
        body = text.split("\n\n", 1)[1].split("\nMyth check")[0] if "\n\n" in text else ""
        assert len(answer.verdict) + len(body) <= SHORT_CHARS + 1, topic_id
        assert all(f'"{m.claim.label}"' in text for m in answer.myths)
        assert all(caveat.text not in text for caveat in answer.caveats)


def test_a_one_word_question_gets_suggestions_not_a_guess(snapshot) -> None:
    lenient = Responder(snapshot.kb, dataclasses.replace(snapshot.responder.thresholds, answer=1.01, probable=0.0))
    answer = lenient.respond("feedback?")
    assert answer.kind is AnswerKind.NOT_SURE and answer.suggestions


def test_a_one_term_question_is_answered_only_when_one_topic_clearly_leads(snapshot) -> None:
    responder = snapshot.responder
    for text in ("feedback?", "scope creep", "refund?", "escrow"):
        ranking = responder.rank(text)
        answer = responder.respond(text)
        if len(set(ranking.terms)) == 1 and ranking.lead < 0.5:
            assert answer.kind is AnswerKind.NOT_SURE and answer.suggestions, text
        elif answer.answered:
            assert ranking.lead >= 0.5 or len(set(ranking.terms)) > 1, text


def _stated(snapshot, settled: bool) -> tuple[list[tuple[str, str]], str]:
    """A message that states checkup facts which do (or do not) settle an outcome, made from the shipped cues."""
    interview = snapshot.kb.interviews["checkup"]
    engine = snapshot.responder.interviews["checkup"]
    for question in interview.questions:
        for choice in question.choices:
            if not choice.cues:
                continue
            facts = [(question.slot, choice.value)]
            if (engine.step(facts).outcome is not None) == settled:
                return facts, f"{choice.cues[0]}. will ending an unpaid contract hurt my jss?"
    pytest.skip("no single cue settles (or leaves open) an outcome in this checkup")


def test_an_answer_applies_the_rules_to_the_facts_stated(snapshot) -> None:
    facts, text = _stated(snapshot, settled=True)
    answer = snapshot.responder.respond(text)
    assert answer.answered and [(f.slot, f.value) for f in answer.situation] == facts
    outcome = snapshot.responder.interviews["checkup"].step(facts).outcome
    assert answer.outcome == outcome
    assert answer.situation_line.startswith("From what you wrote (") and outcome.title[1:] in answer.situation_line
    assert short_text(answer).split("\n")[answer.understood is not None] == answer.situation_line


def test_an_unsettled_case_names_what_it_depends_on(snapshot) -> None:
    facts, text = _stated(snapshot, settled=False)
    answer = snapshot.responder.respond(text)
    assert answer.answered and answer.outcome is None and "it depends on" in answer.situation_line


def test_a_general_question_gets_the_general_rule(snapshot) -> None:
    answer = snapshot.responder.respond("will ending an unpaid contract hurt my JSS?")
    assert answer.situation == () and answer.situation_line is None
