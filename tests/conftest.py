"""Shared fixtures: the shipped knowledge (loaded once), and helpers to write knowledge folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.service import Snapshot, build_snapshot

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    return build_snapshot(KNOWLEDGE)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge, for tests that break or change it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("*.md"))
    return target
