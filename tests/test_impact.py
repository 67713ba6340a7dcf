"""`kb impact`: an edit that takes labelled questions to a wrong topic fails, and says which moved where."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import KNOWLEDGE, ROOT, copy_knowledge
from tests.test_cli import run


def _a_labelled_question() -> tuple[str, str]:
    data = yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())
    item = next(i for i in data["tuning"] if i["topic"] != "none")
    return item["q"], item["topic"]


def test_unchanged_knowledge_moves_nothing() -> None:
    result = run("kb", "impact", "--base", str(KNOWLEDGE), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["moved"] == [] and data["questions"] > 300


def test_a_topic_that_takes_a_labelled_question_fails_and_names_it(tmp_path: Path) -> None:
    question, expected = _a_labelled_question()
    work = copy_knowledge(tmp_path / "knowledge")
    claim = next(iter(yaml.safe_load((KNOWLEDGE / "thread-unpaid-contract-jss.yaml").read_text())["claims"]))["id"]
    (work / "zz-impostor.yaml").write_text(yaml.safe_dump({"topics": [{
        "id": "impostor", "title": question, "verdict": "A different answer.", "detail": "Details.",
        "claims": [claim], "examples": [question, question.upper(), question + " please", question + " thanks"],
    }]}))
    result = run("kb", "impact", "--knowledge", str(work), "--base", str(KNOWLEDGE), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert data["topics"]["added"] == ["impostor"] and data["wrong"] >= 1
    moved = next(m for m in data["moved"] if m["question"] == question)
    assert moved["expected"] == expected and moved["after"].startswith("impostor") and moved["wrong"]
    table = run("kb", "impact", "--knowledge", str(work), "--base", str(KNOWLEDGE)).stdout
    assert "FAIL" in table and "!!" in table


def test_without_a_base_or_git_history_it_says_what_to_do(tmp_path: Path) -> None:
    work = copy_knowledge(tmp_path / "knowledge")
    result = run("kb", "impact", "--knowledge", str(work), cwd=tmp_path)
    assert result.returncode == 2 and "--base DIR" in result.stderr
