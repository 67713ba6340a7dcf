"""The benchmark still runs (quick mode) and reports every figure it promises; it asserts no speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.benchmark import synthetic
from tests.conftest import ROOT


def test_synthetic_knowledge_is_deterministic() -> None:
    assert synthetic(20) == synthetic(20)
    files, questions = synthetic(20)
    assert sum(len(records) for records in files.values()) == 20 and len(questions) == 20


def test_quick_benchmark_reports_both_matchers(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "bench", "--quick", "--out", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "results.json").read_text())
    assert [r["knowledge"] for r in report["results"]] == ["shipped", "synthetic 10", "synthetic 100"]
    for run in report["results"]:
        for matcher in ("ours", "bm25", "bm25s"):
            assert run[matcher]["median_us"] > 0 and run[matcher]["p99_us"] >= run[matcher]["median_us"]
            assert 0 <= run[matcher]["top1"] <= 1
        assert run["load_ms"] > 0 and run["rss_mb"] > 0 and run["started_rss_mb"] > 0
    assert report["results"][0]["checkup_step"]["median_us"] > 0 and report["console_rss_mb"] > 0
    assert (tmp_path / "latency.png").stat().st_size > 1000
    assert "| shipped |" in (tmp_path / "results.md").read_text()


def test_every_counted_method_answers_from_the_cache(tmp_path: Path) -> None:
    from bot.benchmark import METHODS, answer_questions, write_synthetic
    from bot.service import build_snapshot

    write_synthetic(tmp_path, 10)
    cache = tmp_path / "cache"
    cache.mkdir()
    build_snapshot(tmp_path, cache_dir=cache)
    for method in METHODS:
        answer_questions(method, 10, tmp_path, cache, 25)  # round the 10 questions and on
    assert len(list(cache.glob("*.pickle"))) == 1  # every run read the one snapshot back


@pytest.mark.slow
def test_instruction_counts_are_positive_and_repeatable() -> None:
    from bot.benchmark import count_instructions

    first, second = (count_instructions(10, questions=300)["instructions_per_answer"] for _ in range(2))
    assert all(n > 0 for n in first.values())
    assert all(abs(first[m] - second[m]) <= 0.01 * first[m] for m in first)  # counts, not timings (±30%)
