"""Loading is bounded and consistent: no file is read before its size is known, nothing outside the folder
is followed or echoed, nothing blocks, and a snapshot never mixes two versions of the files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import bot.knowledge.loader as loader
from bot.knowledge import KnowledgeError, load_knowledge
from tests.conftest import copy_knowledge, edit_a_title, shows_the_edit


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path / "k")


def _problems(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    return [str(p) for p in caught.value.problems]


def test_a_link_out_of_the_folder_is_refused_and_its_content_never_shown(folder: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secrets.yaml"
    secret.write_text("DISCORD_TOKEN: hunter2-very-secret\n")
    (folder / "zz-link.yaml").symlink_to(secret)
    [problem] = _problems(folder)
    assert "outside the knowledge folder" in problem and "hunter2" not in problem


def test_a_fifo_is_refused_without_blocking(folder: Path) -> None:
    os.mkfifo(folder / "zz-pipe.yaml")
    started = time.monotonic()
    [problem] = _problems(folder)
    assert "not a regular file" in problem and time.monotonic() - started < 10


def test_a_huge_file_is_refused_from_its_size_without_reading_it(folder: Path, monkeypatch) -> None:
    with open(folder / "zz-huge.yaml", "wb") as handle:
        handle.truncate(3 * 1024**3)  # sparse: 3 GB on paper, nothing on disk
    started = time.monotonic()
    [problem] = _problems(folder)
    assert "3,221,225,472 bytes" in problem and time.monotonic() - started < 5


def test_files_edited_during_a_load_are_read_again_so_the_snapshot_is_never_mixed(folder: Path, monkeypatch) -> None:
    topics = folder / "topics.yaml"
    original = loader._read_bytes
    edited = []

    def read_then_edit(path: Path, directory: Path, problems: list) -> bytes | None:
        raw = original(path, directory, problems)
        if path == topics and not edited:  # a moderator saves the file just after it was read
            edited.append(True)
            time.sleep(0.01)
            edit_a_title(folder)
        return raw

    monkeypatch.setattr(loader, "_read_bytes", read_then_edit)
    kb = load_knowledge(folder)
    assert edited and shows_the_edit(kb)
