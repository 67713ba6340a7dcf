"""`python -m bot bench`: speed and memory figures, side by side with a BM25Okapi baseline.

Each knowledge size runs in its own child process, so resident memory is that size's alone. Synthetic
knowledge is generated deterministically (seeded) from a made-up vocabulary: every topic has a few
signature words, its examples and test questions draw on them plus common words and other topics' words.
The shipped knowledge is measured on the labelled eval set. This is a benchmark, not a test: it prints
figures; CI runs `--quick` only to prove it still works.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import yaml

SIZES = (10, 100, 1_000, 10_000)
#: Enough questions for a stable median and p99 without BM25 taking minutes at 10,000 topics.
TIMED_QUESTIONS = 400
QUICK_SIZES = (10, 100)
TOPICS_PER_FILE = 400
EXAMPLES_PER_TOPIC = 8
ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "knowledge"
EVAL_FILE = ROOT / "eval" / "questions.yaml"
_WORD = re.compile(r"[a-z0-9$]+")


# Synthetic knowledge -----------------------------------------------------------------------------

def vocabulary(size: int, rng: random.Random) -> list[str]:
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def synthetic(topics: int, seed: int = 7) -> tuple[dict[str, list[dict]], list[tuple[str, str]]]:
    """Knowledge files (name -> topic records) and labelled questions, the same for the same seed."""
    rng = random.Random(seed)
    words = vocabulary(max(2_000, topics * 3), rng)
    common = words[:60]
    records, questions = [], []
    for n in range(topics):
        signature = rng.sample(words[60:], 6)

        def phrase(k: int, signature: list[str] = signature) -> str:
            picked = rng.sample(signature, k) + rng.sample(common, 2) + [rng.choice(words)]
            rng.shuffle(picked)
            return " ".join(picked)

        topic_id = f"topic-{n:05d}"
        records.append({
            "id": topic_id, "title": phrase(3), "verdict": f"Verdict {n}.", "detail": f"Detail {n}.",
            "claims": ["c"], "examples": [phrase(3) for _ in range(EXAMPLES_PER_TOPIC)],
        })
        questions.append((phrase(2) + "?", topic_id))
    files = {f"topics-{i // TOPICS_PER_FILE:03d}.yaml": records[i : i + TOPICS_PER_FILE] for i in range(0, topics, TOPICS_PER_FILE)}
    return files, questions


def write_synthetic(directory: Path, topics: int) -> list[tuple[str, str]]:
    files, questions = synthetic(topics)
    (directory / "source.yaml").write_text(yaml.safe_dump({
        "sources": [{"id": "s", "title": "Synthetic", "forum": "Bench", "seen": "2026-01-01"}],
        "claims": [{"id": "c", "source": "s", "who": "Bench", "role": "member", "label": "L", "said": "S", "verdict": "confirmed"}],
        "concepts": [{"id": "jss", "terms": ["jss", "job success score"]}],
        "stopwords": ["the", "a", "of"],
    }))
    for name, records in files.items():
        (directory / name).write_text(yaml.safe_dump({"topics": records}, sort_keys=False))
    return questions


# Measuring -----------------------------------------------------------------------------------------

def timings(fn: Callable[[str], Any], questions: list[str], repeat: int) -> list[float]:
    for question in questions[:50]:
        fn(question)  # warm caches, as a running bot would have
    samples = []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            fn(question)
            samples.append(time.perf_counter() - started)
    return sorted(samples)


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_us": round(statistics.median(samples) * 1e6, 1),
        "p99_us": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6, 1),
        "qps": round(len(samples) / sum(samples)),
    }


def rss_mb() -> float:
    """Resident memory now (Linux /proc), falling back to the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def measure(size: int | None, repeat: int) -> dict[str, Any]:
    """One child's work: load a knowledge base, answer its questions with both matchers, report figures."""
    from bot.service import build_snapshot

    with tempfile.TemporaryDirectory() as tmp:
        if size is None:
            directory = SHIPPED
            data = yaml.safe_load(EVAL_FILE.read_text())
            labelled = [(i["q"], i["topic"]) for part in ("tuning", "holdout") for i in data[part] if i["topic"] != "none"]
        else:
            directory = Path(tmp)
            labelled = write_synthetic(directory, size)
        started = time.perf_counter()
        snapshot = build_snapshot(directory)
        load_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        gc.collect()  # the longest pause the collector can make with this knowledge loaded
        gc_pause_ms = (time.perf_counter() - started) * 1000
        responder = snapshot.responder
        labelled = labelled[:TIMED_QUESTIONS]
        questions = [q for q, _ in labelled]
        ours = timings(responder.respond, questions, repeat)
        with tempfile.TemporaryDirectory() as cache:
            built_rss = child(["--child-started", str(directory), cache])["rss_mb"]  # an empty cache: a cold build
            build_snapshot(directory, cache_dir=Path(cache))  # once untimed: the code digest, read once per process
            started = time.perf_counter()
            build_snapshot(directory, cache_dir=Path(cache))
            cached_ms = (time.perf_counter() - started) * 1000
            started_rss = child(["--child-started", str(directory), cache])["rss_mb"]  # read back
    # Top-1 of the ranking, like for like with BM25, which has no way to decline.
    hits = sum(1 for q, topic in labelled if (best := responder.rank(q).best) is not None and best.id == topic)

    topic_ids = list(snapshot.kb.topics)
    bm25_best = _bm25okapi_best(snapshot, topic_ids)
    theirs = timings(bm25_best, questions, repeat)
    bm25_hits = sum(1 for q, topic in labelled if bm25_best(q) == topic)
    fast_best = _bm25s_best(snapshot, topic_ids)
    fast = timings(fast_best, questions, repeat)
    fast_hits = sum(1 for q, topic in labelled if fast_best(q) == topic)
    result = {
        "knowledge": "shipped" if size is None else f"synthetic {size:,}",
        "topics": len(snapshot.kb.topics),
        "questions": len(labelled),
        "load_ms": round(load_ms, 1),
        "cached_load_ms": round(cached_ms, 1),
        "gc_pause_ms": round(gc_pause_ms, 1),
        "rss_mb": built_rss,
        "started_rss_mb": started_rss,
        "ours": {**summary(ours), "top1": round(hits / len(labelled), 4)},
        "bm25": {**summary(theirs), "top1": round(bm25_hits / len(labelled), 4)},
        "bm25s": {**summary(fast), "top1": round(fast_hits / len(labelled), 4)},
    }
    if size is None:
        result["checkup_step"] = measure_checkup()
    return result


def _bm25okapi_best(snapshot, topic_ids: list[str]):  # noqa: ANN001, ANN202 - a bench helper
    """rank_bm25's BM25Okapi: plain Python and numpy, our first baseline."""
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([tokens(" ".join((t.title, *t.examples))) for t in snapshot.kb.topics.values()])

    def best(question: str) -> str:
        scores = bm25.get_scores(tokens(question))
        return topic_ids[max(range(len(scores)), key=scores.__getitem__)]

    return best


def _bm25s_best(snapshot, topic_ids: list[str]):  # noqa: ANN001, ANN202 - a bench helper
    """bm25s (numpy, sparse matrices): the fastest BM25 here, and our second baseline."""
    import bm25s

    index = bm25s.BM25()
    index.index([tokens(" ".join((t.title, *t.examples))) for t in snapshot.kb.topics.values()], show_progress=False)

    def best(question: str) -> str:
        scores = index.get_scores(tokens(question))
        return topic_ids[int(scores.argmax())]

    return best


def measure_checkup(steps: int = 300) -> dict[str, float]:
    """One interview step including its SQLite write, on a real database file."""
    import asyncio

    from bot.service import Knowledge, Service
    from bot.storage import Storage

    async def run(directory: str) -> list[float]:
        storage = await Storage.open(Path(directory) / "bench.sqlite3")
        service = Service(Knowledge(SHIPPED), storage)
        samples: list[float] = []
        try:
            while len(samples) < steps:
                checkup = await service.start_checkup(f"bench-{len(samples)}")
                while not checkup.step.finished:
                    value = checkup.step.next.choices[0].value
                    started = time.perf_counter()
                    checkup = await service.answer_checkup(checkup.session.id, checkup.session.user_id, checkup.session.version, value)
                    samples.append(time.perf_counter() - started)
        finally:
            await storage.close()
        return sorted(samples)

    with tempfile.TemporaryDirectory() as tmp:
        samples = asyncio.run(run(tmp))
    return {k: v for k, v in summary(samples).items() if k != "qps"}


# Instruction counts --------------------------------------------------------------------------------

#: How many answers each counted run gives (going round the synthetic questions, one per topic): enough
#: that the few hundred thousand instructions by which two runs of the same work differ do not matter.
COUNTED_QUESTIONS = 1_000
METHODS = ("ours", "BM25Okapi", "bm25s")


def count_instructions(size: int, questions: int = COUNTED_QUESTIONS) -> dict[str, Any]:
    """Instructions per answer, counted by valgrind's callgrind: the same count to half a percent, however busy
    the machine, where timings here vary by a third. Each method runs twice in a process of its own, once
    answering no question and once `questions` of them; the difference, divided, is what one answer costs,
    with the interpreter's start, imports and loading left out."""
    from bot.service import build_snapshot

    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        directory = Path(tmp) / "knowledge"
        directory.mkdir()
        write_synthetic(directory, size)
        build_snapshot(directory, cache_dir=Path(cache))  # every counted run starts from this cache
        per_answer = {}
        for method in METHODS:
            counts = [
                _callgrind(["--child-answer", method, str(size), str(directory), cache, str(n)], Path(tmp))
                for n in (0, questions)
            ]
            per_answer[method] = round((counts[1] - counts[0]) / questions)
    return {"topics": size, "questions": questions, "instructions_per_answer": per_answer}


def _callgrind(args: list[str], scratch: Path) -> int:
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={scratch / 'callgrind.out'}",
               sys.executable, "-m", "bot", "bench", *args]
    # Counts that repeat: one hash seed (dict and set orders, and so the work done, are the same),
    # and OpenBLAS (under numpy) without its thread pool, whose start spins for a varying while.
    quiet = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ, **quiet})
    collected = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if collected is None:
        raise RuntimeError(f"callgrind printed no count: {done.stderr[-500:]}")
    return int(collected.group(1))


def answer_questions(method: str, size: int, directory: Path, cache: Path, count: int) -> None:
    """A counted run: load from the cache, set the method up, give `count` answers."""
    from bot.service import build_snapshot

    snapshot = build_snapshot(directory, cache_dir=cache)
    topic_ids = list(snapshot.kb.topics)
    answer = {
        "ours": lambda: snapshot.responder.respond,
        "BM25Okapi": lambda: _bm25okapi_best(snapshot, topic_ids),
        "bm25s": lambda: _bm25s_best(snapshot, topic_ids),
    }[method]()
    _, labelled = synthetic(size)
    for n in range(count):
        answer(labelled[n % len(labelled)][0])


def instructions_markdown(counted: dict[str, Any]) -> str:
    per_answer = counted["instructions_per_answer"]
    ours = per_answer["ours"]
    return "\n".join([
        f"Instructions per answer at {counted['topics']:,} synthetic topics (callgrind, {counted['questions']} questions):",
        "",
        "| method | instructions per answer | against ours |",
        "|---|---:|---:|",
        *(f"| {method} | {n:,} | {n / ours:.2f}× |" for method, n in per_answer.items()),
    ]) + "\n"


def started_rss(directory: Path, cache: Path) -> float:
    """Resident memory of a process started as the bot starts, once it has answered: with a snapshot of
    `directory` in `cache`, what a restarted bot holds; without, what a bot holds after a cold build. In a
    process of its own, so that nothing the benchmark itself made and freed is counted."""
    from bot.service import build_snapshot

    snapshot = build_snapshot(directory, cache_dir=cache)
    snapshot.responder.respond("will ending a contract hurt my job success score?")
    return rss_mb()  # with the snapshot still alive


def console_rss() -> float:
    """Resident memory of a console-like process: the shipped knowledge loaded and 50 questions answered."""
    from bot.service import build_snapshot

    snapshot = build_snapshot(SHIPPED)
    data = yaml.safe_load(EVAL_FILE.read_text())
    for item in data["tuning"][:50]:
        snapshot.responder.respond(item["q"])
    return rss_mb()


# Orchestration -------------------------------------------------------------------------------------

def child(args: list[str]) -> dict[str, Any]:
    output = subprocess.run([sys.executable, "-m", "bot", "bench", *args], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)


def run(quick: bool, out: Path) -> dict[str, Any]:
    repeat = 1 if quick else 3
    sizes = QUICK_SIZES if quick else SIZES
    results = [child(["--child-size", "shipped", "--repeat", str(repeat)])]
    results += [child(["--child-size", str(size), "--repeat", str(repeat)]) for size in sizes]
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()} {platform.release()}, "
                   f"Python {platform.python_version()}, {_cores()} cores",
        "results": results,
        "console_rss_mb": child(["--child-console"])["rss_mb"],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=2))
    (out / "results.md").write_text(markdown(report))
    chart(report, out / "latency.png")
    return report


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Machine: {report['machine']}.",
        "",
        "| knowledge | topics | load+validate | cached load | full GC after | RSS after a cold build | RSS, started from cache | ours median | ours p99 | ours q/s | ours top-1 | BM25Okapi median | BM25Okapi top-1 | bm25s median | bm25s top-1 | vs BM25Okapi | vs bm25s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        ours, bm25, fast = r["ours"], r["bm25"], r["bm25s"]
        lines.append(
            f"| {r['knowledge']} | {r['topics']:,} | {r['load_ms']:,.0f} ms | {r['cached_load_ms']:,.0f} ms | "
            f"{r['gc_pause_ms']:,.1f} ms | {r['rss_mb']:.0f} MB | {r['started_rss_mb']:.0f} MB | "
            f"{ours['median_us']:,.0f} µs | {ours['p99_us']:,.0f} µs | {ours['qps']:,} | {ours['top1']:.1%} | "
            f"{bm25['median_us']:,.0f} µs | {bm25['top1']:.1%} | {fast['median_us']:,.0f} µs | {fast['top1']:.1%} | "
            f"{bm25['median_us'] / ours['median_us']:.1f}× | {fast['median_us'] / ours['median_us']:.1f}× |"
        )
    shipped = report["results"][0]
    step = shipped["checkup_step"]
    lines += [
        "",
        f"Checkup step with its SQLite write: median {step['median_us']:,.0f} µs, p99 {step['p99_us']:,.0f} µs. "
        f"Console process resident memory: {report['console_rss_mb']:.0f} MB.",
        "Top-1 is the best-ranked topic, for both matchers alike (BM25 cannot decline, so neither is asked to); "
        "on the shipped knowledge it is over the in-scope eval questions. Synthetic questions use two of a "
        "topic's six signature words plus common and random words.",
    ]
    return "\n".join(lines) + "\n"


def chart(report: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    synthetic_runs = [r for r in report["results"] if r["knowledge"].startswith("synthetic")]
    sizes = [r["topics"] for r in synthetic_runs]
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for name, key, colour in (("this bot", "ours", "tab:blue"), ("BM25Okapi", "bm25", "tab:red"), ("bm25s", "bm25s", "tab:green")):
        axis.plot(sizes, [r[key]["median_us"] for r in synthetic_runs], marker="o", color=colour, label=f"{name}, median")
        axis.plot(sizes, [r[key]["p99_us"] for r in synthetic_runs], marker=".", linestyle="--", color=colour, label=f"{name}, p99")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("topics in the knowledge base")
    axis.set_ylabel("time to answer one question (µs)")
    axis.set_title("Answer latency against knowledge size")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(args) -> int:  # noqa: ANN001 - argparse namespace
    if args.child_console:
        print(json.dumps({"rss_mb": console_rss()}))
        return 0
    if args.child_answer:
        method, size, directory, cache, count = args.child_answer
        answer_questions(method, int(size), Path(directory), Path(cache), int(count))
        return 0
    if args.instructions:
        counted = count_instructions(args.instructions)
        print(instructions_markdown(counted))
        return 0
    if args.child_started:
        directory, cache = args.child_started
        print(json.dumps({"rss_mb": started_rss(Path(directory), Path(cache))}))
        return 0
    if args.child_size:
        size = None if args.child_size == "shipped" else int(args.child_size)
        print(json.dumps(measure(size, args.repeat)))
        return 0
    report = run(args.quick, Path(args.out))
    print(markdown(report))
    print(f"Written: {Path(args.out) / 'results.md'}, results.json, latency.png")
    return 0

