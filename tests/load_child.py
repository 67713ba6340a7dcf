"""Child process for the load test (tests/test_load.py): run a range of members' checkups through the real
`Service` against one database, as a burst, and write every click's latency to a JSON file.

`python -m tests.load_child TARGET FIRST COUNT OUT_JSON [--concurrency N] [--pool-size N]`

TARGET is a SQLite file path or a postgresql:// URL; the members are `load-FIRST` .. `load-(FIRST+COUNT-1)`.
The child opens (and migrates) the database, prints `ready`, then waits for a line on stdin before it starts,
so that several children start their bursts together and setup is not timed. It prints `done` at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import traceback

from bot.engine.interview import InterviewEngine
from bot.service import Knowledge, Service
from bot.storage import Storage
from tests.conftest import KNOWLEDGE

INTERVIEW = "checkup"
GUILD_ID = 424242424242424242  # a Discord-sized snowflake: guild_id is BIGINT on PostgreSQL
TARGET_STEPS = 5  # the "5-step checkup"


def click_path(engine: InterviewEngine, target: int = TARGET_STEPS) -> tuple[str, ...]:
    """The answers a member clicks: the first choices if those take `target` steps, else the first path (in
    choice order) that does, else the longest path there is."""
    longest: tuple[str, ...] = ()

    def walk(asked: tuple[tuple[str, str], ...]) -> tuple[str, ...] | None:
        nonlocal longest
        step = engine.step(asked)
        if step.finished:
            values = tuple(value for _, value in asked)
            if len(values) > len(longest):
                longest = values
            return values if len(values) >= target else None
        for choice in step.next.choices:
            found = walk((*asked, (step.next.slot, choice.value)))
            if found is not None:
                return found
        return None

    return walk(()) or longest


async def run(target: str, first: int, count: int, concurrency: int, pool_size: int, wait: bool) -> dict:
    storage = await Storage.open(target, pool_size=pool_size)
    service = Service(Knowledge(KNOWLEDGE), storage)
    path = click_path(service.knowledge.current.interviews[INTERVIEW])
    if wait:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    limit = asyncio.Semaphore(concurrency)
    clicks: list[float] = []  # seconds per answer_checkup call
    starts: list[float] = []  # seconds per start_checkup call
    errors: list[str] = []

    async def member(n: int) -> int:
        async with limit:
            try:
                user = f"load-{n}"
                began = time.perf_counter()
                checkup = await service.start_checkup(user, GUILD_ID)
                starts.append(time.perf_counter() - began)
                steps = 0
                while not checkup.step.finished:
                    slot = checkup.step.next.slot
                    value = path[steps] if steps < len(path) else checkup.step.next.choices[0].value
                    began = time.perf_counter()
                    checkup = await service.answer_checkup(checkup.session.id, user, checkup.session.version, value)
                    clicks.append(time.perf_counter() - began)
                    steps += 1
                    if steps > 50:
                        raise RuntimeError(f"checkup did not finish after {steps} clicks (last slot {slot})")
                return steps
            except Exception:  # reported to the parent, which asserts there were none
                errors.append(f"member {n}: {traceback.format_exc()}")
                return -1

    began_at = time.time()
    steps = await asyncio.gather(*(member(n) for n in range(first, first + count)))
    ended_at = time.time()
    await storage.close()
    return {
        "backend": storage.backend.kind, "first": first, "members": count, "concurrency": concurrency,
        "pool_size": pool_size, "path": list(path), "steps": steps, "click_seconds": clicks,
        "start_seconds": starts, "errors": errors, "began_at": began_at, "ended_at": ended_at,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("first", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--no-wait", action="store_true", help="start at once instead of waiting for a stdin line")
    args = parser.parse_args()
    result = asyncio.run(run(args.target, args.first, args.count, args.concurrency, args.pool_size, not args.no_wait))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out)
    print("done", flush=True)


if __name__ == "__main__":
    main()
