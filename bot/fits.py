"""Classifier fits kept on disk, so a start or reload of unchanged knowledge skips training.

The engine trains (pure, in `bot.engine.classifier`); this module is the I/O around it. A fit is found by a
key covering the training data, the training settings, the stored format and numpy's version, so a stale
or foreign file is never used; files are written whole (a temporary name, then a rename), and only the
newest few are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from bot.engine.classifier import Classifier, from_arrays, to_arrays, train, training_key
from bot.engine.responder import Trainer
from bot.files import keep_newest, replace_atomically

#: Classifier fits kept on disk, the newest first; older ones are removed.
CACHED_FITS = 8


def cached_trainer(cache_dir: Path) -> Trainer:
    """A trainer that reuses a fit of the same data from `cache_dir`, and stores the fits it makes."""

    def fit(examples: Sequence[tuple[str, Iterable[str]]]) -> Classifier | None:
        examples = list(examples)
        path = cache_dir / f"classifier-{training_key(examples)}.npz"
        try:
            with np.load(path, allow_pickle=False) as arrays:
                return from_arrays(arrays)
        except (OSError, ValueError, KeyError):
            pass
        classifier = train(examples)
        if classifier is not None:
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                replace_atomically(path, lambda handle: np.savez(handle, **to_arrays(classifier)))
                keep_newest(cache_dir, "classifier-*.npz", CACHED_FITS)
            except OSError:
                pass  # a cache that cannot be written only costs time
        return classifier

    return fit
