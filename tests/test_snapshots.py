"""Built snapshots kept on disk (bot/snapshots.py): used only for the same bytes and the same code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import bot.service
from bot import snapshots
from bot.knowledge import KnowledgeError
from bot.service import build_snapshot
from tests.conftest import ROOT, edit_a_title, shows_the_edit


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The digests of the snapshots actually built (parsed and indexed), not read back."""
    built: list[str] = []
    index = bot.service.index

    def counting(kb, *args):  # noqa: ANN001, ANN002
        built.append(kb.digest)
        return index(kb, *args)

    monkeypatch.setattr(bot.service, "index", counting)
    return built


def test_a_stored_snapshot_is_read_back_and_answers_exactly_as_a_fresh_build(knowledge_copy: Path, tmp_path: Path,
                                                                            builds: list[str]) -> None:
    cache = tmp_path / "cache"
    fresh = build_snapshot(knowledge_copy, cache_dir=cache)
    again = build_snapshot(knowledge_copy, cache_dir=cache)
    assert len(builds) == 1 and again is not fresh and again.kb.digest == fresh.kb.digest
    data = yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())
    for item in data["tuning"] + data["holdout"]:
        assert again.responder.respond(item["q"]) == fresh.responder.respond(item["q"]), item["q"]


def test_an_edited_file_is_parsed_and_validated_again(knowledge_copy: Path, tmp_path: Path, builds: list[str]) -> None:
    cache = tmp_path / "cache"
    build_snapshot(knowledge_copy, cache_dir=cache)
    edit_a_title(knowledge_copy)
    topics = knowledge_copy / "topics.yaml"
    edited = build_snapshot(knowledge_copy, cache_dir=cache)
    assert len(builds) == 2 and shows_the_edit(edited.kb)
    topics.write_text(topics.read_text().replace("    examples:", "    exmaples:", 1))
    with pytest.raises(KnowledgeError):
        build_snapshot(knowledge_copy, cache_dir=cache)


def test_a_damaged_store_or_other_code_is_never_trusted(knowledge_copy: Path, tmp_path: Path, builds: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    build_snapshot(knowledge_copy, cache_dir=cache)
    [stored] = cache.glob("snapshot-*.pickle")
    stored.write_bytes(stored.read_bytes()[:1000])  # cut short, as by a full disk
    build_snapshot(knowledge_copy, cache_dir=cache)
    assert len(builds) == 2
    monkeypatch.setattr(snapshots, "code_version", lambda: "another version of the bot")
    build_snapshot(knowledge_copy, cache_dir=cache)
    assert len(builds) == 3
