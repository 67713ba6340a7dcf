"""Reliability under stress: reloads during traffic, SIGKILL mid-write, many concurrent checkups.

Each test has a fast variant that runs in `make test` and a full one behind the `slow` marker
(`make test-slow`). They print their figures; RELIABILITY.md records the last ones measured.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.service import Knowledge, Service
from bot.storage import Storage
from tests.conftest import KNOWLEDGE, ROOT, copy_knowledge

QUESTION = "will ending an unpaid contract hurt my JSS?"


def tagged_copy(target: Path, tag: str) -> Path:
    topics = copy_knowledge(target) / "topics.yaml"
    text = topics.read_text()
    text = text.replace("Ending it is not what decides", f"[{tag}] Ending it is not what decides")
    text = text.replace("Closing a contract is not what moves", f"[{tag}] Closing a contract is not what moves")
    topics.write_text(text)
    return target


def point(link: Path, target: Path) -> None:
    """Atomically make `link` point at `target`, as a deploy that swaps a folder would."""
    temporary = link.with_name(link.name + ".new")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    os.replace(temporary, link)


async def reload_under_load(tmp_path: Path, questions: int, reloads: int) -> dict[str, float]:
    versions = {"A": tagged_copy(tmp_path / "A", "A"), "B": tagged_copy(tmp_path / "B", "B")}
    broken = tagged_copy(tmp_path / "broken", "X")
    (broken / "topics.yaml").write_text((broken / "topics.yaml").read_text().replace("  - id: escrow-on-end", "  - id: escrow-on-end\n    nonsense: [", 1))
    live = tmp_path / "live"
    point(live, versions["A"])
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    service = Service(Knowledge(live), storage)
    digests = {service.knowledge.current.kb.digest: "A"}
    outcomes = {"ok": 0, "refused": 0}

    async def reloader() -> None:
        for n in range(reloads):
            if n == reloads // 2:
                point(live, broken)
                before = service.knowledge.current
                report = await service.reload(actor="test")
                assert not report.ok and service.knowledge.current is before
                outcomes["refused"] += 1
            tag = "B" if n % 2 == 0 else "A"
            point(live, versions[tag])
            report = await service.reload(actor="test")
            assert report.ok
            digests[report.digest] = tag
            outcomes["ok"] += 1
            await asyncio.sleep(0)

    async def ask(n: int) -> tuple[str, str, int]:
        await asyncio.sleep(random.random() * 0.05)
        asked = await service.ask(QUESTION, user_id=f"u{n % 50}", via="test")
        verdict_tag = asked.answer.verdict[1]
        detail_tag = asked.answer.detail[1]
        assert asked.answer.verdict.startswith("[") and verdict_tag == detail_tag, asked.answer
        return verdict_tag, detail_tag, asked.question_id

    started = time.perf_counter()
    results = await asyncio.gather(reloader(), *(ask(n) for n in range(questions)), return_exceptions=True)
    elapsed = time.perf_counter() - started
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    seen = {tag for r in results[1:] for tag in r[:2]}
    stored = dict(await storage.backend.fetch("SELECT id, knowledge FROM questions"))
    for verdict_tag, _, question_id in results[1:]:
        assert digests[stored[question_id]] == verdict_tag  # the text and the recorded version agree
    await storage.close()
    assert seen <= {"A", "B"} and outcomes["ok"] == reloads and outcomes["refused"] == 1
    figures = {"questions": questions, "reloads": reloads, "versions_seen": len(seen), "errors": len(errors), "seconds": round(elapsed, 2)}
    print("reload under load:", figures)
    return figures


async def test_reload_under_load_fast(tmp_path: Path) -> None:
    await reload_under_load(tmp_path, questions=200, reloads=4)


@pytest.mark.slow
async def test_reload_under_load_full(tmp_path: Path) -> None:
    await reload_under_load(tmp_path, questions=2000, reloads=20)


async def concurrent_checkups(tmp_path: Path, interviews: int) -> dict[str, float]:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    service = Service(Knowledge(KNOWLEDGE), storage)
    latencies: list[float] = []

    async def one(n: int) -> int:
        checkup = await service.start_checkup(f"member-{n}")
        steps = 0
        while not checkup.step.finished:
            # payments=none and client_feedback=unknown keep all five questions in play.
            value = {"payments": "none", "client_feedback": "unknown"}.get(checkup.step.next.slot, checkup.step.next.choices[0].value)
            started = time.perf_counter()
            checkup = await service.answer_checkup(checkup.session.id, checkup.session.user_id, checkup.session.version, value)
            latencies.append(time.perf_counter() - started)
            steps += 1
        return steps

    steps = await asyncio.gather(*(one(n) for n in range(interviews)))
    [(finished, versions, answers)] = await storage.backend.fetch(
        "SELECT COUNT(*), SUM(version), SUM(json_array_length(answers)) FROM interviews WHERE status = 'finished'")
    await storage.close()
    assert steps == [5] * interviews
    assert finished == interviews and versions == 5 * interviews and answers == 5 * interviews
    latencies.sort()
    figures = {"interviews": interviews, "steps": len(latencies), "p50_ms": round(statistics.median(latencies) * 1000, 2),
               "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2)}
    print("concurrent checkups:", figures)
    return figures


async def test_concurrent_checkups_fast(tmp_path: Path) -> None:
    await concurrent_checkups(tmp_path, 100)


@pytest.mark.slow
async def test_concurrent_checkups_full(tmp_path: Path) -> None:
    await concurrent_checkups(tmp_path, 500)


def crash_safety(tmp_path: Path, kills: int) -> dict[str, float]:
    database = tmp_path / "crash.sqlite3"
    rng = random.Random(42)
    acknowledged: dict[str, int] = {}
    for _ in range(kills):
        child = subprocess.Popen([sys.executable, "-m", "tests.crash_child", str(database)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + rng.uniform(0.2, 0.8)
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if line.startswith("ack "):
                _, session, version = line.split()
                acknowledged[session] = max(acknowledged.get(session, 0), int(version))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(db.execute("SELECT id, version FROM interviews"))
    lost = [s for s, v in acknowledged.items() if stored.get(s, -1) < v]
    assert not lost, f"{len(lost)} acknowledged steps lost"
    figures = {"kills": kills, "acknowledged_steps_checked": len(acknowledged), "lost": len(lost), "integrity": "ok"}
    print("crash safety:", figures)
    return figures


def test_crash_safety_fast(tmp_path: Path) -> None:
    crash_safety(tmp_path, kills=5)


@pytest.mark.slow
def test_crash_safety_full(tmp_path: Path) -> None:
    crash_safety(tmp_path, kills=50)
