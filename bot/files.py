"""Files the bot writes for itself (learned.yaml, the caches): whole or not at all, and the newest few kept."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Callable


def replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write `path` under a temporary name, then rename it: a crash or a full disk leaves the old file or the
    new one, never half of one, and no temporary file behind."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def keep_newest(folder: Path, pattern: str, count: int) -> None:
    """Remove all but the `count` most recently written files matching `pattern`."""
    for old in sorted(folder.glob(pattern), key=lambda p: -p.stat().st_mtime)[count:]:
        old.unlink(missing_ok=True)
