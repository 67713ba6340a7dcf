"""learned.yaml: written atomically by the bot, validated like any knowledge, merged into topic files as text."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge.learned import merge_learned, read_entries, remove_entries, write_entries
from bot.knowledge.model import Learned, Where

AT = "2026-11-26T00:00:00+00:00"


def add_entry(directory: Path, topic: str, phrasing: str, by: str) -> None:
    write_entries(directory, [*read_entries(directory), {"topic": topic, "phrasing": phrasing, "by": by, "at": AT}])


def test_learned_phrasings_become_examples(knowledge_copy: Path) -> None:
    add_entry(knowledge_copy, "escrow-on-end", "where does escrow go when it's over", "mod")
    kb = load_knowledge(knowledge_copy)
    assert kb.topics["escrow-on-end"].examples[-1] == "where does escrow go when it's over"
    assert [e.by for e in kb.learned] == ["mod"]
    assert remove_entries(knowledge_copy, "WHERE does escrow go when it's over") == 1
    assert load_knowledge(knowledge_copy).learned == ()


def test_one_phrasing_taught_to_two_topics_is_an_error(knowledge_copy: Path) -> None:
    write_entries(knowledge_copy, [
        {"topic": "escrow-on-end", "phrasing": "same words", "by": "a", "at": AT},
        {"topic": "unreleased-payment", "phrasing": "Same words", "by": "b", "at": AT},
    ])
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    assert any("learned.yaml" in str(p) and "keep one" in str(p) for p in caught.value.problems)


def test_merge_adds_lines_and_keeps_every_comment(knowledge_copy: Path) -> None:
    topics = knowledge_copy / "topics.yaml"
    before = topics.read_text()
    add_entry(knowledge_copy, "escrow-on-end", 'who keeps the "escrow" when i quit', "mod")
    add_entry(knowledge_copy, "client-closes-feedback", "must the client rate me on closing", "mod")
    add_entry(knowledge_copy, "escrow-on-end", "escrow after ending?", "mod")
    assert merge_learned(knowledge_copy) == {str(topics): 3}
    after = topics.read_text()
    diff = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert diff == [
        '+       - "who keeps the \\"escrow\\" when i quit"',
        '+       - "escrow after ending?"',
        '+       - "must the client rate me on closing"',
    ]
    kb = load_knowledge(knowledge_copy)
    assert kb.learned == () and read_entries(knowledge_copy) == []
    assert not (knowledge_copy / "learned.yaml").exists()  # merged and gone, not left behind empty
    assert kb.topics["escrow-on-end"].examples[-2:] == ('who keeps the "escrow" when i quit', "escrow after ending?")


def test_merge_into_a_flow_style_list(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text(
        "# a comment that must survive\n"
        "sources: [{id: s, title: T, forum: F, seen: 2026-01-01}]\n"
        "claims: [{id: c, source: s, who: W, role: member, label: L, said: S, verdict: confirmed}]\n"
        "topics:\n"
        "  - {id: t, title: T, verdict: V, detail: D, claims: [c], examples: [one two, two three, three four]}  # end\n"
    )
    add_entry(tmp_path, "t", "four five", "mod")
    merge_learned(tmp_path)
    text = (tmp_path / "k.yaml").read_text()
    assert "examples: [one two, two three, three four, \"four five\"]}  # end" in text
    assert text.startswith("# a comment that must survive")
    assert load_knowledge(tmp_path).topics["t"].examples[-1] == "four five"


def test_one_servers_phrasings_merge_without_touching_learned_yaml_and_gone_topics_are_left_out(knowledge_copy: Path) -> None:
    add_entry(knowledge_copy, "escrow-on-end", "a phrasing in the folder's own file", "mod")
    topics = knowledge_copy / "topics.yaml"
    server = [Learned(topic, phrasing, "mod", AT, Where("server 1", 0, 0)) for topic, phrasing in
              (("client-closes-feedback", "does closing make the client rate me"), ("no-such-topic", "a lost phrasing"))]
    assert merge_learned(knowledge_copy, server) == {str(topics): 1}
    kb = load_knowledge(knowledge_copy)
    assert kb.topics["client-closes-feedback"].examples[-1] == "does closing make the client rate me"
    assert [e.phrasing for e in kb.learned] == ["a phrasing in the folder's own file"]  # still there, still learned
    assert "a lost phrasing" not in topics.read_text()
