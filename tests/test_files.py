"""Files the bot writes for itself: whole or not at all, and only the newest few kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.files import keep_newest, replace_atomically


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "learned.yaml"
    path.write_bytes(b"old")

    def half_then_fail(handle) -> None:  # noqa: ANN001
        handle.write(b"ne")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(path, half_then_fail)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["learned.yaml"]
    replace_atomically(path, lambda handle: handle.write(b"new"))
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["learned.yaml"]


def test_only_the_newest_files_of_a_kind_are_kept(tmp_path: Path) -> None:
    for n in range(5):
        (tmp_path / f"snapshot-{n}.pickle").write_bytes(b"x")
        os.utime(tmp_path / f"snapshot-{n}.pickle", (1_000 + n, 1_000 + n))
    (tmp_path / "classifier-a.npz").write_bytes(b"x")
    keep_newest(tmp_path, "snapshot-*.pickle", 2)
    assert sorted(os.listdir(tmp_path)) == ["classifier-a.npz", "snapshot-3.pickle", "snapshot-4.pickle"]
