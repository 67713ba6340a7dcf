"""Child process for the crash-safety test: run checkup steps forever, acknowledging each stored step.

`python -m tests.crash_child DB_PATH` prints `ack SESSION VERSION` after every step the storage layer has
returned from (i.e. committed). The parent kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import asyncio
import sys

from bot.service import Knowledge, Service
from bot.storage import Storage
from tests.conftest import KNOWLEDGE


async def main(path: str) -> None:
    storage = await Storage.open(path)
    service = Service(Knowledge(KNOWLEDGE), storage)
    n = 0
    while True:
        n += 1
        checkup = await service.start_checkup(f"crash-{n % 7}")
        while not checkup.step.finished:
            value = checkup.step.next.choices[n % len(checkup.step.next.choices)].value
            checkup = await service.answer_checkup(checkup.session.id, checkup.session.user_id, checkup.session.version, value)
            print(f"ack {checkup.session.id} {checkup.session.version}", flush=True)


if __name__ == "__main__":
    print("ready", flush=True)
    asyncio.run(main(sys.argv[1]))
