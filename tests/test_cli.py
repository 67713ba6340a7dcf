"""The CLI and the console chat: the same engine, scripted through argv and stdin."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # An empty DISCORD_TOKEN, not a missing one: a developer's .env must not turn these runs into a Discord login.
    environment = {**os.environ, "DISCORD_TOKEN": ""}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, env=environment,
        cwd=cwd, timeout=60,
    )


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_PATH": str(tmp_path / "cli.sqlite3")}


def test_ask_json(db_env) -> None:
    result = run("ask", "will ending an unpaid contract hurt my JSS?", "--json", env=db_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["topic"] == "end-unpaid-contract-jss"
    assert 0 < data["confidence"] <= 1
    assert "moderator-no-earnings-rule" in data["sources"] and data["myths"] == ["no-money-no-jss"]
    assert "Myth check" in data["answer"] and data["suggestions"] == []


def test_ask_json_declines_out_of_scope(db_env) -> None:
    data = json.loads(run("ask", "how do I withdraw to paypal?", "--json", env=db_env).stdout)
    assert data["topic"] is None and data["declined"] == "payouts-and-fees"


def test_interview_json_walks_to_a_result(db_env) -> None:
    first = json.loads(run("interview", "--json", env=db_env).stdout)
    assert first["outcome"] is None and first["next"]["slot"] == "payments" and first["asked"] == []
    answers = ["payments=none", "client_feedback=unknown", "escrow=empty", "work_submitted=yes", "new_scope=no"]
    args = [item for answer in answers for item in ("--answer", answer)]
    done = json.loads(run("interview", *args, "--json", env=db_env).stdout)
    assert done["outcome"] == "at-risk" and done["advice"] == [] and done["next"] is None
    assert done["asked"] == ["payments", "client_feedback", "escrow", "work_submitted", "new_scope"]
    assert done["verdict"].startswith("Excluded unless")


@pytest.mark.parametrize("answer, message", [
    ("colour=red", "unknown question 'colour'"),
    ("payments=maybe", "'maybe' is not an answer"),
    ("payments", "is not SLOT=VALUE"),
])
def test_interview_bad_answer_exits_2(db_env, answer: str, message: str) -> None:
    result = run("interview", "--answer", answer, env=db_env)
    assert result.returncode == 2 and message in result.stderr


def test_kb_check_reports_every_problem_and_exits_1(tmp_path: Path, knowledge_copy: Path) -> None:
    topics = knowledge_copy / "topics.yaml"
    topics.write_text(topics.read_text().replace("    examples:", "    exemples:", 2))
    result = run("kb", "check", str(knowledge_copy))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if "exemples" in line]
    assert len(lines) == 2 and all(line.startswith(f"{topics}:") for line in lines)


def test_kb_check_ok_prints_a_summary() -> None:
    result = run("kb", "check")
    assert result.returncode == 0 and result.stdout.startswith("OK:") and re.search(r"\b\d+ topics\b", result.stdout)


def test_knowledge_option_points_at_another_folder(tmp_path: Path, db_env) -> None:
    result = run("ask", "anything", "--knowledge", str(tmp_path / "nowhere"), env=db_env)
    assert result.returncode == 1 and "nowhere" in result.stderr


def test_console_answers_piped_questions_and_runs_a_checkup(db_env) -> None:
    script = "will ending an unpaid contract hurt my JSS?\n/checkup\n2\n1\n1\n1\n/quit\n"
    result = run(env=db_env, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "unless the client's private feedback reports a negative outcome" in out
    assert 'Myth check: "No money, no JSS impact"' in out
    assert "Result: This contract counts in your JSS" in out
    assert "New tasks need a new milestone" in out
    assert "client's private feedback say" not in out  # not asked once money was paid


def test_eval_passes_on_the_shipped_set_and_fails_below_thresholds(tmp_path: Path) -> None:
    result = run("eval", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["passed"], data["shortfalls"]
    assert set(data["parts"]) == {"real-holdout", "real-tuning", "written"}
    assert data["parts"]["real-holdout"]["in_scope"] >= 50
    assert all(part["myth_assertions"] == 0 for part in data["parts"].values())
    assert all(f["part"] != "real-holdout" for f in data["failures"])  # listed only with --show-holdout
    strict = tmp_path / "strict.yaml"
    strict.write_text(
        "thresholds: {right: 1.0, declined_out_of_scope: 1.0}\n"
        "tuning:\n"
        "  - {q: will ending an unpaid contract hurt my jss, topic: end-unpaid-contract-jss}\n"
        "  - {q: will ending an unpaid contract hurt my jss, topic: escrow-on-end}\n"
        "  - {q: how do I withdraw to paypal, topic: none}\n"
    )
    failed = run("eval", str(strict))
    assert failed.returncode == 1
    assert "FAIL: written right 50.0% < 100%" in failed.stdout
    assert "end-unpaid-contract-jss -> " not in failed.stdout and "escrow-on-end -> end-unpaid-contract-jss" in failed.stdout


def test_eval_cross_validates_the_real_tuning_questions() -> None:
    result = run("eval", "--cross-validate", "2", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0 and set(data["parts"]) == {"real-tuning-cv"}
    assert data["parts"]["real-tuning-cv"]["questions"] >= 100
    assert run("eval", "--cross-validate", "1").returncode == 2


def test_ask_json_has_short_and_understood() -> None:
    data = json.loads(run("ask", "will ending an unpaid contract hurt my JSS?", "--json").stdout)
    assert {"topic", "confidence", "answer", "sources", "suggestions", "short", "understood"} <= set(data)
    assert data["topic"] and data["short"].startswith(data["verdict"]) and len(data["short"]) < len(data["answer"])
    assert data["understood"] is None  # a confident answer restates nothing
    declined = json.loads(run("ask", "how do I withdraw my earnings to paypal", "--json").stdout)
    assert declined["topic"] is None and declined["understood"] is None and declined["short"]


def test_interview_from_text_asks_only_what_is_missing_and_ends_where_answering_by_hand_does() -> None:
    text = "client paid nothing and says he'll leave bad feedback, if I end it will my JSS drop?"
    data = json.loads(run("interview", "--from-text", text, "--json").stdout)
    prefilled = {slot: fact["value"] for slot, fact in data["prefilled"].items()}
    assert prefilled and all(fact["evidence"] in text for fact in data["prefilled"].values())
    answers = dict(prefilled)
    while data["next"] is not None:
        slot = data["next"]["slot"]
        assert slot not in prefilled  # a stated fact is never asked again
        answers[slot] = data["next"]["choices"][0]["value"]
        given = [a for s, v in answers.items() if s not in prefilled for a in ("--answer", f"{s}={v}")]
        data = json.loads(run("interview", "--from-text", text, *given, "--json").stdout)
    by_hand = json.loads(run("interview", *[a for s, v in answers.items() for a in ("--answer", f"{s}={v}")], "--json").stdout)
    assert data["outcome"] == by_hand["outcome"] and data["advice"] == by_hand["advice"]
    assert len(data["asked"]) - len(prefilled) < len(by_hand["asked"])


def test_ask_json_reports_the_situation_and_outcome() -> None:
    text = "client paid nothing and says he'll leave bad feedback, if I end it will my JSS drop?"
    data = json.loads(run("ask", text, "--json").stdout)
    assert data["situation"] and all(v["evidence"] in text for v in data["situation"].values())
    if data["outcome"] is not None:
        assert data["short"].split("\n")[data["understood"] is not None].startswith("From what you wrote")


@pytest.mark.parametrize("args", [("--knowledge", "/nonexistent", "kb", "check"), ("kb", "check", "--knowledge", "/nonexistent")])
def test_knowledge_works_before_or_after_the_command(args) -> None:
    result = run(*args)
    assert result.returncode == 1 and "/nonexistent" in result.stdout + result.stderr


def test_merge_learned_folds_one_servers_phrasings_into_the_files_and_only_that_servers(tmp_path: Path, knowledge_copy: Path,
                                                                                      db_env) -> None:
    import asyncio

    from bot.knowledge import load_knowledge
    from bot.storage import Storage

    topic = next(iter(load_knowledge(knowledge_copy).topics))

    async def teach() -> None:
        storage = await Storage.open(db_env["DATABASE_PATH"])
        await storage.teach(1, topic, "a phrasing server one taught", taught_by="m", moderator_id="9")
        await storage.teach(2, topic, "a phrasing server two taught", taught_by="m", moderator_id="9")
        await storage.close()

    async def left(guild_id: int) -> list[str]:
        storage = await Storage.open(db_env["DATABASE_PATH"])
        try:
            return [t.phrasing for t in await storage.taught(guild_id)]
        finally:
            await storage.close()

    asyncio.run(teach())
    merged = run("kb", "merge-learned", "--server", "1", "--knowledge", str(knowledge_copy), env=db_env)
    assert merged.returncode == 0, merged.stderr
    assert "1 phrasing(s) added" in merged.stdout and "server 1" in merged.stdout
    assert load_knowledge(knowledge_copy).topics[topic].examples[-1] == "a phrasing server one taught"
    assert asyncio.run(left(1)) == [] and asyncio.run(left(2)) == ["a phrasing server two taught"]
    again = run("kb", "merge-learned", "--server", "1", "--knowledge", str(knowledge_copy), env=db_env)
    assert again.returncode == 0 and "Nothing to merge" in again.stdout
