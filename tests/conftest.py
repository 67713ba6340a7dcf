"""Shared fixtures: the shipped knowledge (loaded once), and helpers to write knowledge folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase
from bot.service import Snapshot, build_snapshot

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    return build_snapshot(KNOWLEDGE)


#: What `edit_a_title` appends to a title.
EDITED = " (edited)"


def copy_knowledge(target: Path) -> Path:
    """A writable copy of the shipped knowledge at `target` (its notes for moderators left out)."""
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def edit_a_title(folder: Path) -> None:
    """A moderator's edit to the knowledge in `folder`: the first topic's title gains EDITED. The digest
    changes; what the knowledge answers does not."""
    topics = folder / "topics.yaml"
    text = topics.read_text()
    title = next(line for line in text.splitlines() if "title:" in line)
    topics.write_text(text.replace(title, title + EDITED, 1))


def shows_the_edit(kb: KnowledgeBase) -> bool:
    return any(t.title.endswith(EDITED) for t in kb.topics.values())


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge, for tests that break or change it."""
    return copy_knowledge(tmp_path / "knowledge")


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the whole run (see tests/pg.py); a failure to start is an error,
    not a skip: the PostgreSQL backend is part of what `make test` checks."""
    from tests.pg import ThrowawayPostgres

    server = ThrowawayPostgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a storage test's database is: a SQLite file, or a new database on the test PostgreSQL server.
    Tests using it run once per backend: the same behaviour is asked of both."""
    if request.param == "sqlite":
        return str(tmp_path / "bot.sqlite3")
    return await request.getfixturevalue("postgres_server").fresh_database()
