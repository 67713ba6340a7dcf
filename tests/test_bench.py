"""The benchmark still runs (quick mode) and reports every figure it promises; it asserts no speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
