"""Load test: members each doing a checkup (start, then click answers until it finishes) through the real
`Service`, as a burst of 100 members at a time per process, on PostgreSQL with two OS processes sharing one
database, and the same load on SQLite in one process. Each run checks exact counts in the database and reports
step (click) latency p50/p99, wall time and steps per second side by side; the figures are printed and written
to bench/out/load.json, never asserted.

`test_load_fast` (100 members) runs in `make test`; `test_load_full` (1,000 members) in `make test-slow`.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.service import Knowledge
from bot.storage import Storage
from tests.conftest import KNOWLEDGE, ROOT
from tests.load_child import INTERVIEW, click_path

OUT = ROOT / "bench" / "out" / "load.json"
CONCURRENCY = 100  # members in flight at once, per process
POOL_SIZE = 10  # PostgreSQL connections per process: the bot's default DATABASE_POOL_SIZE


def expected_checkup() -> tuple[int, str]:
    """How many clicks each member makes, and the outcome the checkup ends with."""
    engine = Knowledge(KNOWLEDGE).current.interviews[INTERVIEW]
    step = engine.step(())
    for value in click_path(engine):
        step = engine.answer(step, value)
    assert step.finished and step.outcome is not None
    return len(step.asked), step.outcome.id


async def run_children(target: str, ranges: list[tuple[int, int]], folder: Path, timeout: float) -> list[dict[str, Any]]:
    """One child process per (first, count) range, all against `target`; they start their bursts together."""
    outs = [folder / f"child-{i}.json" for i in range(len(ranges))]
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.load_child", target, str(first), str(count), str(out),
            "--concurrency", str(CONCURRENCY), "--pool-size", str(POOL_SIZE),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for (first, count), out in zip(ranges, outs)
    ]
    try:
        for child in children:  # opened and migrated the database: setup is not part of the timing
            line = await asyncio.wait_for(child.stdout.readline(), 120)
            if line.strip() != b"ready":
                _, err = await child.communicate()
                pytest.fail(f"load child did not start: {line!r}\n{err.decode()}")
        for child in children:
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        results = await asyncio.wait_for(asyncio.gather(*(child.communicate() for child in children)), timeout)
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    for child, (out, err) in zip(children, results):
        assert child.returncode == 0, f"load child failed ({child.returncode}):\n{err.decode()}"
        assert out.decode().split() == ["done"], out.decode()
    return [json.loads(out.read_text()) for out in outs]


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def check_counts(target: str, members: int, steps: int, outcome: str) -> dict[str, Any]:
    """Exact counts of what the load left in the database."""
    storage = await Storage.open(target)
    try:
        answers = "answers::json" if storage.backend.kind == "postgresql" else "answers"
        [(rows, users, finished, versions, answered)] = await storage.backend.fetch(
            "SELECT COUNT(*), COUNT(DISTINCT user_id), SUM(CASE WHEN status = 'finished' THEN 1 ELSE 0 END),"
            f" SUM(version), SUM(json_array_length({answers})) FROM interviews")
        [(finished_versions,)] = await storage.backend.fetch(
            "SELECT SUM(version) FROM interviews WHERE status = 'finished'")
        outcomes = dict(await storage.backend.fetch(
            "SELECT outcome, COUNT(*) FROM interviews WHERE status = 'finished' GROUP BY outcome"))
        version = None
        if storage.backend.kind == "postgresql":
            [(version,)] = await storage.backend.fetch("SHOW server_version")
    finally:
        await storage.close()
    assert rows == members, f"{rows} checkups stored for {members} members"
    assert users == members
    assert finished == members, f"{finished} of {members} checkups finished"
    assert versions == finished_versions == steps * members, f"{versions} steps stored, expected {steps * members}"
    assert answered == steps * members
    assert outcomes == {outcome: members}
    return {"server_version": version} if version else {}


async def load(target: str, members: int, processes: int, folder: Path, timeout: float) -> dict[str, Any]:
    steps, outcome = expected_checkup()
    share = math.ceil(members / processes)
    ranges = [(first, min(share, members - first)) for first in range(0, members, share)]
    assert len(ranges) == processes
    children = await run_children(target, ranges, folder, timeout)

    errors = [error for child in children for error in child["errors"]]
    assert not errors, f"{len(errors)} members failed; first:\n{errors[0]}"
    per_member = [s for child in children for s in child["steps"]]
    assert per_member == [steps] * members, f"steps per member: {sorted(set(per_member))}, expected {steps}"
    clicks = sorted(s for child in children for s in child["click_seconds"])
    starts = sorted(s for child in children for s in child["start_seconds"])
    assert len(clicks) == steps * members and len(starts) == members
    extra = await check_counts(target, members, steps, outcome)

    wall = max(c["ended_at"] for c in children) - min(c["began_at"] for c in children)
    return {
        "backend": children[0]["backend"], **extra, "processes": processes, "members": members,
        "steps_per_member": steps, "steps": len(clicks), "outcome": outcome,
        "wall_s": round(wall, 3), "steps_per_s": round(len(clicks) / wall, 1),
        "p50_ms": round(statistics.median(clicks) * 1000, 2), "p99_ms": round(percentile(clicks, 0.99) * 1000, 2),
        "max_ms": round(clicks[-1] * 1000, 2),
        "start_p50_ms": round(statistics.median(starts) * 1000, 2),
        "start_p99_ms": round(percentile(starts, 0.99) * 1000, 2),
        "concurrency_per_process": CONCURRENCY,
        "pool_size_per_process": POOL_SIZE if children[0]["backend"] == "postgresql" else None,
        "path": children[0]["path"],
    }


def table(runs: list[dict[str, Any]]) -> str:
    rows = [
        ("", *(f"{r['backend']} x{r['processes']}" for r in runs)),
        ("members", *(str(r["members"]) for r in runs)),
        ("steps", *(str(r["steps"]) for r in runs)),
        ("steps/member", *(str(r["steps_per_member"]) for r in runs)),
        ("wall s", *(f"{r['wall_s']:.2f}" for r in runs)),
        ("steps/s", *(f"{r['steps_per_s']:.0f}" for r in runs)),
        ("p50 ms", *(f"{r['p50_ms']:.2f}" for r in runs)),
        ("p99 ms", *(f"{r['p99_ms']:.2f}" for r in runs)),
        ("max ms", *(f"{r['max_ms']:.2f}" for r in runs)),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
                     for row in rows)


def record(variant: str, runs: list[dict[str, Any]]) -> None:
    """Keep each variant's latest figures in bench/out/load.json (the fast run does not erase the full one)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    try:
        recorded = json.loads(OUT.read_text())
    except (OSError, ValueError):
        recorded = {}
    recorded[variant] = {
        "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": {run["backend"]: run for run in runs},
    }
    OUT.write_text(json.dumps(recorded, indent=2) + "\n")


async def load_test(variant: str, members: int, postgres_server, tmp_path: Path, timeout: float) -> list[dict[str, Any]]:
    (tmp_path / "pg").mkdir()
    (tmp_path / "sqlite").mkdir()
    postgres = await load(await postgres_server.fresh_database(), members, 2, tmp_path / "pg", timeout)
    sqlite = await load(str(tmp_path / "sqlite" / "load.sqlite3"), members, 1, tmp_path / "sqlite", timeout)
    runs = [postgres, sqlite]
    print(f"\nload test ({variant}): {members} members, {CONCURRENCY} in flight per process\n{table(runs)}")
    record(variant, runs)
    return runs


async def test_load_fast(postgres_server, tmp_path: Path) -> None:
    await load_test("fast", 100, postgres_server, tmp_path, timeout=60)


@pytest.mark.slow
async def test_load_full(postgres_server, tmp_path: Path) -> None:
    await load_test("full", 1000, postgres_server, tmp_path, timeout=600)
