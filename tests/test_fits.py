"""Classifier fits on disk: reused when the training data is the same, rebuilt when the file is damaged."""

from __future__ import annotations

from pathlib import Path

import bot.fits as fits
from bot.engine.classifier import _fit
from bot.service import build_snapshot
from tests.conftest import KNOWLEDGE


def test_a_classifier_fit_is_reused_from_the_cache_and_a_damaged_one_is_rebuilt(tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    first = build_snapshot(KNOWLEDGE, cache_dir=cache)
    [stored] = list(cache.glob("classifier-*.npz"))
    _fit.cache_clear()  # no in-process shortcut: the second build must come from the file

    def forget_built_snapshots() -> None:  # or the builds below read a whole snapshot back (bot/snapshots.py)
        for built in cache.glob("snapshot-*.pickle"):
            built.unlink()

    forget_built_snapshots()

    def no_training(examples):
        raise AssertionError("trained again although the cache had this fit")

    monkeypatch.setattr(fits, "train", no_training)
    second = build_snapshot(KNOWLEDGE, cache_dir=cache)
    question = "will ending an unpaid contract hurt my JSS?"
    assert second.responder.respond(question) == first.responder.respond(question)
    monkeypatch.undo()
    forget_built_snapshots()
    stored.write_bytes(b"not a numpy file")
    third = build_snapshot(KNOWLEDGE, cache_dir=cache)
    assert third.responder.respond(question) == first.responder.respond(question)
    assert stored.read_bytes().startswith(b"PK")  # rebuilt and written again, whole
