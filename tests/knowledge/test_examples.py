"""The tutorial's example thread validates beside the shipped knowledge and answers its own questions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine.answers import AnswerKind
from bot.knowledge import KnowledgeError, load_knowledge
from bot.service import build_snapshot
from tests.conftest import KNOWLEDGE, ROOT

EXAMPLE = ROOT / "examples" / "refund-thread" / "refund-and-jss.yaml"


@pytest.fixture
def with_example(tmp_path: Path) -> Path:
    for path in [*KNOWLEDGE.glob("*.yaml"), EXAMPLE]:
        shutil.copy(path, tmp_path)
    return tmp_path


def test_example_thread_answers_its_questions(with_example: Path) -> None:
    responder = build_snapshot(with_example).responder
    answer = responder.respond("am i obligated to refund after the client approved my work")
    assert answer.kind is AnswerKind.ANSWER and answer.topic.id == "refund-approved-work"
    assert [m.claim.label for m in answer.myths] == ["A refund wipes the contract from your JSS"]
    assert responder.respond("will ending an unpaid contract hurt my JSS?").topic.id == "end-unpaid-contract-jss"


def test_the_mistakes_the_tutorial_shows_are_caught(with_example: Path) -> None:
    target = with_example / EXAMPLE.name
    text = target.read_text()
    target.write_text(text.replace("    corrected_by: example-moderator-refund-rule\n", "").replace('label: "Yes, approved"', "label: Yes"))
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(with_example)
    messages = [p.message for p in caught.value.problems]
    assert any("has no 'corrected_by'" in m for m in messages)
    assert any("YAML reads Yes as true/false" in m for m in messages)
