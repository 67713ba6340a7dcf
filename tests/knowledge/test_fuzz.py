"""Hostile and broken knowledge files: the loader only ever answers with its own, located errors.

Property-based over random documents and random mutations of the shipped files, plus the classic attacks
(a 10 MB file, deep nesting, a billion-laughs alias bomb, binary garbage). Hypothesis's deadline holds
every load under a second.
"""

from __future__ import annotations

import random
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.knowledge import KnowledgeError, load_knowledge
from tests.conftest import KNOWLEDGE

SHIPPED = {path.name: path.read_text() for path in sorted(KNOWLEDGE.glob("*.yaml"))}
FUZZ = settings(max_examples=60, deadline=1000, suppress_health_check=[HealthCheck.too_slow])


def load_one(name: str, content: str | bytes, keep_others: bool = True) -> list[str]:
    """Load a folder holding `content` as `name` (and the other shipped files); the problems, or []."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if keep_others:
            for other, text in SHIPPED.items():
                if other != name:
                    (folder / other).write_text(text)
        target = folder / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        try:
            load_knowledge(folder)
        except KnowledgeError as error:
            for problem in error.problems:
                assert problem.where.file.startswith(tmp), problem
                assert problem.where.line >= 1, problem
                assert problem.message, problem
            return [str(p) for p in error.problems]
        return []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(json_values)
def test_random_documents(document) -> None:
    load_one("random.yaml", yaml.safe_dump(document, allow_unicode=True), keep_others=False)


@FUZZ
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    load_one("random.yaml", text.encode("utf-8", "replace"), keep_others=False)


@FUZZ
@given(st.sampled_from(sorted(SHIPPED)), st.data())
def test_mutations_of_the_shipped_files(name: str, data) -> None:
    lines = SHIPPED[name].splitlines(keepends=True)
    mutation = data.draw(st.sampled_from(["delete", "indent", "dedent", "truncate", "garbage", "retype", "duplicate"]))
    at = data.draw(st.integers(0, len(lines) - 1))
    if mutation == "delete":
        del lines[at]
    elif mutation == "indent":
        lines[at] = "  " + lines[at]
    elif mutation == "dedent":
        lines[at] = lines[at][2:] if lines[at].startswith("  ") else lines[at]
    elif mutation == "truncate":
        lines = lines[:at] + [lines[at][: len(lines[at]) // 2]]
    elif mutation == "garbage":
        lines.insert(at, data.draw(st.text(min_size=1, max_size=30)) + "\n")
    elif mutation == "retype":
        key, sep, _ = lines[at].partition(":")
        if sep:
            lines[at] = f"{key}: {data.draw(st.sampled_from(['[1, 2]', '{a: b}', 'yes', '~', '12', '&x y', '*x']))}\n"
    else:
        lines.insert(at, lines[at])
    load_one(name, "".join(lines))


def timed_load(name: str, content: str | bytes) -> tuple[list[str], float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        found = load_one(name, content, keep_others=False)
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return found, seconds, peak


@pytest.mark.parametrize("case", ["ten-megabytes", "deep-nesting", "billion-laughs", "binary"])
def test_attacks_are_refused_quickly_and_within_memory(case: str) -> None:
    if case == "ten-megabytes":
        content: str | bytes = "topics:\n" + ("  # " + "x" * 76 + "\n") * 131_072
    elif case == "deep-nesting":
        content = "topics: " + "[" * 5000 + "]" * 5000
    elif case == "billion-laughs":
        content = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
        ) + "topics: *i\n"
    else:
        rng = random.Random(1)  # one generator: a fresh Random(1) per byte would repeat one byte 50,000 times
        content = bytes(rng.randrange(256) for _ in range(50_000))
        assert len(set(content)) > 200
    found, seconds, peak = timed_load("attack.yaml", content)
    assert found, "the attack must be refused with a located error"
    if case == "billion-laughs":  # refused for its aliases, not for some other mistake after expanding them
        assert any("anchor" in problem or "alias" in problem for problem in found), found
    assert seconds < 1.0, f"{case}: {seconds:.2f} s"
    assert peak < 200 * 1024 * 1024, f"{case}: {peak / 1e6:.0f} MB"
    print(f"{case}: refused in {seconds * 1000:.0f} ms, peak {peak / 1e6:.1f} MB, first problem: {found[0][-90:]}")
