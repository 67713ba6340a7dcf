"""The eval's real set: the holdout is chosen by the source URL, never by hand, and every item is sourced."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.evaluation import REAL_HOLDOUT, REAL_TUNING, EvalFileError, holdout_part, load_set

ROOT = Path(__file__).resolve().parent.parent


def test_the_split_depends_on_the_url_alone_and_holds_out_about_a_third() -> None:
    urls = [f"https://example.org/t/{n}" for n in range(3000)]
    parts = [holdout_part(u) for u in urls]
    assert parts == [holdout_part(u) for u in urls]
    assert 0.28 < parts.count(REAL_HOLDOUT) / len(parts) < 0.38
    assert set(parts) == {REAL_HOLDOUT, REAL_TUNING}


def test_the_shipped_real_set_is_sourced_and_large_enough() -> None:
    from bot.service import build_snapshot

    kb = build_snapshot(ROOT / "knowledge").kb
    real = load_set(ROOT / "eval" / "real.yaml", set(kb.topics))
    assert len(real.items) >= 300 and all(i.source.startswith("https://") or i.source.startswith("http://") for i in real.items)
    assert sum(i.topic is None for i in real.items) >= 60
    assert {i.part for i in real.items} == {REAL_HOLDOUT, REAL_TUNING}
    assert real.gated == REAL_HOLDOUT


def test_holdout_questions_never_become_knowledge_examples() -> None:
    from bot.service import build_snapshot

    kb = build_snapshot(ROOT / "knowledge").kb
    real = load_set(ROOT / "eval" / "real.yaml", set(kb.topics))
    examples = {e.strip().lower() for t in kb.topics.values() for e in t.examples}
    examples |= {e.strip().lower() for d in kb.declines.values() for e in d.examples}
    leaked = [i.question for i in real.items if i.part == REAL_HOLDOUT and i.question.strip().lower() in examples]
    assert not leaked


def test_a_real_item_without_a_source_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "real.yaml"
    path.write_text("items:\n  - {q: will my jss drop, topic: none}\n")
    with pytest.raises(EvalFileError, match="needs a 'source' URL"):
        load_set(path, set())


def test_a_situations_set_below_its_precision_gate_fails(tmp_path: Path) -> None:
    from bot.evaluation import evaluate
    from bot.service import build_snapshot

    path = tmp_path / "situations.yaml"
    path.write_text(
        "thresholds: {slot_precision: 0.97}\n"
        "items:\n"
        "  - {text: \"the client paid nothing\", slots: {payments: some}}\n"  # read right, labelled wrong on purpose
    )
    report = evaluate(build_snapshot(ROOT / "knowledge").responder, [path])
    assert report.situations.figures()["slot_precision"] == 0.0
    assert report.shortfalls() == ["situations slot_precision 0.0% < 97%"]


def test_cross_validation_drops_the_examples_copied_from_the_questions_it_holds_out() -> None:
    from bot.evaluation import without_copies
    from bot.service import build_snapshot

    kb = build_snapshot(ROOT / "knowledge").kb
    topic = next(t for t in kb.topics.values() if any(len(e.split()) >= 8 for e in t.examples))
    copied = max(topic.examples, key=lambda e: len(e.split()))
    trimmed = " ".join(copied.split()[1:7])  # six of its words, as an example cut from a longer post
    kept = [e for e in topic.examples if e != copied and trimmed.lower() not in e.lower()]
    story = f"Long story first. {copied.upper()} Thanks for any help!"
    with_trimmed = dataclasses.replace(topic, examples=(*topic.examples, trimmed))
    kb = dataclasses.replace(kb, topics={**kb.topics, topic.id: with_trimmed})

    unseen = without_copies(kb, [story]).topics[topic.id].examples

    assert copied not in unseen and trimmed not in unseen
    assert set(kept) <= set(unseen)
    assert {k: t.examples for k, t in without_copies(kb, []).topics.items()} == {k: t.examples for k, t in kb.topics.items()}


def test_cross_validation_answers_each_tuning_question_once_and_no_holdout_question(tmp_path: Path) -> None:
    from bot.evaluation import REAL_TUNING_CV, cross_validate
    from bot.service import build_snapshot

    urls = [f"https://example.org/t/{n}" for n in range(40)]
    tuning = [u for u in urls if holdout_part(u) == REAL_TUNING]
    path = tmp_path / "real.yaml"
    path.write_text("items:\n" + "".join(f"  - {{q: will ending a contract hurt my jss {n}, source: '{u}', topic: none}}\n"
                                         for n, u in enumerate(urls)))
    responder = build_snapshot(ROOT / "knowledge").responder

    report = cross_validate(responder, [path], 3)

    assert set(report.parts) == {REAL_TUNING_CV}
    assert report.parts[REAL_TUNING_CV].questions == len(tuning) < len(urls)
    with pytest.raises(EvalFileError, match="at least 2 folds"):
        cross_validate(responder, [path], 1)
