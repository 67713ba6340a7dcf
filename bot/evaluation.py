"""`python -m bot eval`: answer a labelled question set and measure it, so quality is a number, not a hope.

The set has a `tuning` part (may be used to improve the knowledge) and a `holdout` part (must never be),
reported separately. Figures below the file's thresholds make the command exit 1, which `make test` uses
as a regression guard.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.engine.answers import Answer, render_text
from bot.engine.responder import Responder

PARTS = ("tuning", "holdout")
NONE = "none"


class EvalFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Item:
    part: str
    question: str
    topic: str | None
    must: tuple[re.Pattern[str], ...]
    must_not: tuple[re.Pattern[str], ...]


@dataclass
class PartReport:
    total: int = 0
    in_scope: int = 0
    top1: int = 0
    top3: int = 0
    out_of_scope: int = 0
    declined_correctly: int = 0
    declined_wrongly: int = 0

    def ratio(self, hits: int, total: int) -> float:
        return hits / total if total else 1.0

    def figures(self) -> dict[str, Any]:
        declined = self.declined_correctly + self.declined_wrongly
        return {
            "questions": self.total,
            "in_scope": self.in_scope,
            "top1": round(self.ratio(self.top1, self.in_scope), 4),
            "top3": round(self.ratio(self.top3, self.in_scope), 4),
            "out_of_scope": self.out_of_scope,
            "declined_recall": round(self.ratio(self.declined_correctly, self.out_of_scope), 4),
            "declined_precision": round(self.ratio(self.declined_correctly, declined), 4),
        }


@dataclass
class Report:
    parts: dict[str, PartReport] = field(default_factory=lambda: {p: PartReport() for p in PARTS})
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    pattern_failures: int = 0
    myth_assertions: int = 0
    thresholds: dict[str, float] = field(default_factory=dict)

    def overall(self) -> PartReport:
        total = PartReport()
        for part in self.parts.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(part, name))
        return total

    def shortfalls(self) -> list[str]:
        """Which thresholds are missed, in words."""
        checks = [
            ("tuning_top1", self.parts["tuning"].figures()["top1"]),
            ("holdout_top1", self.parts["holdout"].figures()["top1"]),
            ("declined", self.overall().figures()["declined_recall"]),
        ]
        missed = [f"{name} {value:.1%} < {self.thresholds[name]:.0%}" for name, value in checks
                  if name in self.thresholds and value < self.thresholds[name]]
        if self.myth_assertions > self.thresholds.get("myth_assertions", 0):
            missed.append(f"myth_assertions {self.myth_assertions} > {self.thresholds.get('myth_assertions', 0):g}")
        return missed

    def as_json(self, show_holdout: bool = False) -> dict[str, Any]:
        return {
            "parts": {name: part.figures() for name, part in self.parts.items()},
            "overall": self.overall().figures(),
            "pattern_failures": self.pattern_failures,
            "myth_assertions": self.myth_assertions,
            "confusion": [{"expected": e, "got": g, "count": n} for (e, g), n in self.confusion.most_common()],
            "failures": [f for f in self.failures if show_holdout or f["part"] != "holdout"],
            "thresholds": self.thresholds,
            "passed": not self.shortfalls(),
            "shortfalls": self.shortfalls(),
        }


def load_items(path: Path, known_topics: set[str]) -> tuple[list[Item], dict[str, float], list[re.Pattern[str]]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise EvalFileError(f"{path}: {error}") from None
    if not isinstance(data, dict):
        raise EvalFileError(f"{path}: expected 'thresholds', 'myth_patterns', 'tuning' and 'holdout'")
    items = []
    for part in PARTS:
        for number, raw in enumerate(data.get(part) or (), start=1):
            if not isinstance(raw, dict) or not isinstance(raw.get("q"), str):
                raise EvalFileError(f"{path}: {part} item {number} needs a text 'q'")
            topic = raw.get("topic")
            if topic != NONE and topic not in known_topics:
                raise EvalFileError(f"{path}: {part} item {number} expects unknown topic {topic!r}")
            items.append(Item(
                part, raw["q"], None if topic == NONE else topic,
                tuple(re.compile(p) for p in raw.get("must", ())), tuple(re.compile(p) for p in raw.get("must_not", ())),
            ))
    patterns = [re.compile(p) for p in data.get("myth_patterns", ())]
    return items, {k: float(v) for k, v in (data.get("thresholds") or {}).items()}, patterns


def evaluate(responder: Responder, path: Path) -> Report:
    items, thresholds, myth_patterns = load_items(path, set(responder.kb.topics))
    report = Report(thresholds=thresholds)
    for item in items:
        part = report.parts[item.part]
        part.total += 1
        answer = responder.respond(item.question)
        got = answer.topic.id if answer.answered and answer.topic else None
        ranked = [s.id for s in responder.rank(item.question).scored if s.kind == "topic"][:3]
        problems = _pattern_problems(item, answer, myth_patterns, report)
        if item.topic is None:
            part.out_of_scope += 1
            if got is None:
                part.declined_correctly += 1
            else:
                problems.insert(0, f"answered out-of-scope question with {got}")
        else:
            part.in_scope += 1
            part.top3 += item.topic in ranked
            if got == item.topic:
                part.top1 += 1
            elif got is None:
                part.declined_wrongly += 1
                problems.insert(0, f"declined ({answer.kind.value}, confidence {answer.confidence:.2f}, best guess {ranked[:1]})")
            else:
                problems.insert(0, f"answered with {got} (confidence {answer.confidence:.2f})")
        if got != item.topic:
            report.confusion[(item.topic or NONE, got or NONE)] += 1
        if problems:
            report.failures.append({"part": item.part, "question": item.question, "expected": item.topic or NONE,
                                    "got": got or NONE, "problems": problems})
    return report


def _pattern_problems(item: Item, answer: Answer, myth_patterns: list[re.Pattern[str]], report: Report) -> list[str]:
    problems = []
    text = render_text(answer)
    for pattern in item.must:
        if not pattern.search(text):
            problems.append(f"answer does not match {pattern.pattern!r}")
    for pattern in item.must_not:
        if pattern.search(text):
            problems.append(f"answer matches forbidden {pattern.pattern!r}")
    report.pattern_failures += len(problems)
    asserted = reported_speech_removed(text)
    for pattern in myth_patterns:
        if pattern.search(asserted):
            report.myth_assertions += 1
            problems.append(f"asserts a myth: {pattern.pattern!r}")
    return problems


_QUOTED = re.compile(r'"[^"\n]*"')


def reported_speech_removed(text: str) -> str:
    """The answer minus quoted spans: a myth named in quotes ("No money, no JSS impact") is reported, not asserted."""
    return _QUOTED.sub('""', text)


def render_report(report: Report, show_holdout: bool = False) -> str:
    lines = []
    for name, part in [*report.parts.items(), ("overall", report.overall())]:
        f = part.figures()
        lines.append(
            f"{name:8} {f['questions']:4} questions | top-1 {f['top1']:.1%}  top-3 {f['top3']:.1%} "
            f"(of {f['in_scope']}) | out-of-scope declined {f['declined_recall']:.1%} of {f['out_of_scope']}, "
            f"precision of declining {f['declined_precision']:.1%}"
        )
    lines.append(f"answers failing their patterns: {report.pattern_failures}; myth assertions: {report.myth_assertions}")
    if report.confusion:
        lines.append("confusion (expected -> got):")
        lines += [f"  {n:3}x {e} -> {g}" for (e, g), n in report.confusion.most_common()]
    shown = [f for f in report.failures if show_holdout or f["part"] != "holdout"]
    if shown:
        lines.append("failures:")
        for failure in shown:
            lines.append(f"  [{failure['part']}] {failure['question']!r}")
            lines += [f"      {p}" for p in failure["problems"]]
    if len(shown) < len(report.failures):
        lines.append(f"holdout failures: {len(report.failures) - len(shown)} (not listed, so nobody tunes against them; "
                     "--show-holdout lists them)")
    shortfalls = report.shortfalls()
    lines.append("PASS" if not shortfalls else "FAIL: " + "; ".join(shortfalls))
    return "\n".join(lines)
