"""Answers state the corrected truth, name the myths they correct, cite sources, and never assert a myth."""

from __future__ import annotations

import re

import pytest

from bot.engine.answers import AnswerKind, render_text

# How each corrected or unconfirmed claim would read if an answer asserted it as true.
MYTH_ASSERTIONS = [
    re.compile(r"(no|zero) (money|payment|earnings)[^.]*(has|have|means) no (impact|effect) on (your )?JSS", re.I),
    re.compile(r"private feedback (has|have) no (impact|effect)", re.I),
    re.compile(r"(client|they) (is|are) forced to leave feedback", re.I),
    re.compile(r"ten times (as much|more)(?! )", re.I),
]


def test_the_headline_question(snapshot) -> None:
    answer = snapshot.responder.respond("will ending an unpaid contract hurt my JSS?")
    assert answer.kind is AnswerKind.ANSWER
    assert answer.topic.id == "end-unpaid-contract-jss"
    assert "unless the client's private feedback reports a negative outcome" in answer.verdict
    [myth] = answer.myths
    assert myth.claim.label == "No money, no JSS impact"
    assert myth.claim.who == "William T C" and myth.status == "corrected"
    assert myth.corrected_by.who == "Valeria" and myth.corrected_by.role == "moderator"
    text = render_text(answer)
    assert text.index(answer.verdict) < text.index("Myth check") < text.index("Sources:")
    assert "support.upwork.com" in text
    assert "Caveat (as of" in text and "private note" in text


@pytest.mark.parametrize("topic_id", [
    "end-unpaid-contract-jss", "no-earnings-feedback", "public-feedback-no-earnings", "escrow-on-end",
    "jss-dollar-weighting", "scope-creep-new-milestone", "unreleased-payment", "terms-changed-before-start",
    "client-closes-feedback",
])
def test_no_answer_asserts_a_myth(snapshot, topic_id: str) -> None:
    answer = snapshot.responder.answers[topic_id]
    asserted = f"{answer.verdict}\n{answer.detail}"
    for pattern in MYTH_ASSERTIONS:
        assert not pattern.search(asserted), (topic_id, pattern.pattern)
    # A myth is named by its label and status; its wrong statement is never repeated anywhere.
    text = render_text(answer)
    for myth in answer.myths:
        assert snapshot.kb.claims[myth.claim.claim_id].said not in text
        assert myth.status in ("corrected", "only partly right", "not confirmed")


def test_every_topic_names_its_myths_and_cites_every_claim(snapshot) -> None:
    kb = snapshot.kb
    for topic in kb.topics.values():
        answer = snapshot.responder.answers[topic.id]
        cited = {s.claim_id for s in answer.sources}
        assert set(topic.claims) | set(topic.myths) <= cited
        assert [m.claim.claim_id for m in answer.myths] == list(topic.myths)


def test_partly_correct_myth_says_which_part_holds(snapshot) -> None:
    answer = snapshot.responder.answers["jss-dollar-weighting"]
    myth = next(m for m in answer.myths if m.claim.claim_id == "jss-dollar-based")
    assert myth.status == "only partly right"
    assert "1.5" in myth.truth and "tiers" in myth.truth


def test_unconfirmed_myth_is_labelled(snapshot) -> None:
    answer = snapshot.responder.answers["client-closes-feedback"]
    [myth] = answer.myths
    assert myth.status == "not confirmed" and "prompted" in myth.truth


def test_nothing_from_the_question_is_echoed(snapshot) -> None:
    hostile = "@everyone will ending an unpaid contract hurt my jss <@&123>"
    text = render_text(snapshot.responder.respond(hostile))
    assert "@everyone" not in text and "<@&" not in text
