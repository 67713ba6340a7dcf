"""`python -m bot eval`: answer labelled question sets and measure them, so quality is a number, not a hope.

Two kinds of set:
- a *real* set (`eval/real.yaml`): questions copied from public forum posts, each with its `source` URL.
  An item's part comes from a hash of that URL (about a third `real-holdout`, the rest `real-tuning`), so
  nobody chooses which questions are held out. The gates apply to the holdout.
- a *written* set (`eval/questions.yaml`): questions we wrote; kept as a regression guard.

Every part reports the same rates: a right answer (the expected topic, and the item's `must` patterns hold),
a wrong topic (answered, but with another topic), a declined in-scope question, and out-of-scope questions
declined. Precision per confidence band shows how the decision policy's bands were chosen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.engine.answers import Answer, Band, render_text
from bot.engine.interview import InterviewError
from bot.engine.responder import Responder
from bot.knowledge.model import KnowledgeBase

NONE = "none"
EVAL_DIR = Path(__file__).resolve().parent.parent / "eval"
#: The labelled sets `eval` reads by default (and `kb impact` compares over): real, written, situations.
EVAL_FILES = (EVAL_DIR / "real.yaml", EVAL_DIR / "questions.yaml", EVAL_DIR / "situations.yaml")
REAL_HOLDOUT, REAL_TUNING, WRITTEN = "real-holdout", "real-tuning", "written"
#: real-tuning measured by cross-validation: each question against knowledge that never saw it.
REAL_TUNING_CV = "real-tuning-cv"
#: An example is taken to have been copied from a question when, normalised, it is found inside the question
#: (and is at least this long), or shares a run of COPIED_RUN words with it: copies are often trimmed or joined.
COPIED_EXAMPLE_CHARS = 20
COPIED_RUN = 6
#: One in HOLDOUT_SHARE source URLs goes to the holdout.
HOLDOUT_SHARE = 3
#: What a file's `thresholds` may set, and which way each one must go.
MINIMUMS = ("right", "declined_out_of_scope", "slot_precision")
MAXIMUMS = ("wrong_topic", "myth_assertions")
SITUATIONS = "situations"
#: The interview situation items are read for.
SITUATION_INTERVIEW = "checkup"


class EvalFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Item:
    part: str
    question: str
    topic: str | None
    must: tuple[re.Pattern[str], ...]
    must_not: tuple[re.Pattern[str], ...]
    source: str | None = None


@dataclass(frozen=True, slots=True)
class EvalSet:
    """One file's items, its thresholds, the part those thresholds gate, and its myth patterns."""

    path: Path
    items: tuple[Item, ...]
    thresholds: dict[str, float]
    gated: str
    myth_patterns: tuple[re.Pattern[str], ...]


def holdout_part(url: str) -> str:
    """The part an item belongs to, decided by its source URL alone: nobody picks the holdout."""
    return REAL_HOLDOUT if _url_digest(url) % HOLDOUT_SHARE == 0 else REAL_TUNING


def _url_digest(url: str) -> int:
    return int(hashlib.sha256(url.strip().encode("utf-8")).hexdigest(), 16)


@dataclass
class PartReport:
    questions: int = 0
    in_scope: int = 0
    right: int = 0
    right_topic: int = 0
    wrong_topic: int = 0
    declined_in_scope: int = 0
    out_of_scope: int = 0
    declined_out_of_scope: int = 0
    myth_assertions: int = 0
    #: Per confidence band: [answers given, answers with the right topic].
    bands: dict[str, list[int]] = field(default_factory=lambda: {b.value: [0, 0] for b in Band})

    def figures(self) -> dict[str, Any]:
        def share(hits: int, total: int) -> float:
            return round(hits / total, 4) if total else 1.0

        return {
            "questions": self.questions,
            "in_scope": self.in_scope,
            "right": share(self.right, self.in_scope),
            "right_topic": share(self.right_topic, self.in_scope),
            "wrong_topic": share(self.wrong_topic, self.in_scope),
            "declined_in_scope": share(self.declined_in_scope, self.in_scope),
            "out_of_scope": self.out_of_scope,
            "declined_out_of_scope": share(self.declined_out_of_scope, self.out_of_scope),
            "myth_assertions": self.myth_assertions,
            "precision_by_band": {
                band: {"answers": given, "precision": share(right, given)} for band, (given, right) in self.bands.items()
            },
        }


@dataclass
class SituationReport:
    """How well facts are read from messages: per slot, and whether the settled outcome matches."""

    messages: int = 0
    read_right: Counter[str] = field(default_factory=Counter)
    read_wrong: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    outcome_agrees: int = 0
    settled: int = 0
    settled_right: int = 0

    def figures(self) -> dict[str, Any]:
        slots = sorted(set(self.read_right) | set(self.read_wrong) | set(self.missed))
        per_slot = {}
        for slot in slots:
            right, wrong, missed = self.read_right[slot], self.read_wrong[slot], self.missed[slot]
            per_slot[slot] = {
                "read": right + wrong,
                "precision": round(right / (right + wrong), 4) if right + wrong else 1.0,
                "recall": round(right / (right + missed), 4) if right + missed else 1.0,
            }
        return {
            "messages": self.messages,
            "slots": per_slot,
            "slot_precision": min((v["precision"] for v in per_slot.values()), default=1.0),
            "outcome_agreement": round(self.outcome_agrees / self.messages, 4) if self.messages else 1.0,
            "settled_outcomes": self.settled,
            "settled_right": round(self.settled_right / self.settled, 4) if self.settled else 1.0,
        }


@dataclass
class Report:
    parts: dict[str, PartReport] = field(default_factory=dict)
    situations: SituationReport | None = None
    gates: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def shortfalls(self) -> list[str]:
        """Which gates are missed, in words."""
        missed = []
        for part, thresholds in self.gates.items():
            figures = self.situations.figures() if part == SITUATIONS and self.situations else self.parts[part].figures()
            for name, limit in thresholds.items():
                value = figures[name]
                if name in MINIMUMS and value < limit:
                    missed.append(f"{part} {name} {value:.1%} < {limit:.0%}")
                elif name == "wrong_topic" and value > limit:
                    missed.append(f"{part} {name} {value:.1%} > {limit:.0%}")
                elif name == "myth_assertions" and value > limit:
                    missed.append(f"{part} {name} {value} > {limit:g}")
        return missed

    def as_json(self, show_holdout: bool = False) -> dict[str, Any]:
        return {
            "parts": {name: part.figures() for name, part in self.parts.items()},
            "situations": self.situations.figures() if self.situations else None,
            "gates": self.gates,
            "confusion": [{"expected": e, "got": g, "count": n} for (e, g), n in self.confusion.most_common()],
            "failures": [f for f in self.failures if show_holdout or f["part"] != REAL_HOLDOUT],
            "passed": not self.shortfalls(),
            "shortfalls": self.shortfalls(),
        }


def _sections(data: Any) -> list[tuple[str, str | None]]:
    """The lists of labelled questions a set holds, with the part they belong to (None: by source URL)."""
    if not isinstance(data, dict):
        return []
    return [("items", None)] if "items" in data else [("tuning", WRITTEN), ("holdout", WRITTEN)]


def labelled(path: Path) -> list[tuple[str, str | None]]:
    """Every labelled question of a real or written set, as (question, expected topic or None), unchecked:
    what `kb impact` compares over, even against knowledge where a label's topic no longer exists."""
    data = _read_yaml(path)
    return [
        (raw["q"], None if raw.get("topic") in (None, NONE) else str(raw["topic"]))
        for section, _ in _sections(data) for raw in data.get(section) or ()
        if isinstance(raw, dict) and isinstance(raw.get("q"), str)
    ]


def load_set(path: Path, known_topics: set[str], data: Any = None) -> EvalSet:
    """A real set (`items:` with sources) or a written one (`tuning:` and `holdout:`)."""
    data = _read_yaml(path) if data is None else data
    if not isinstance(data, dict):
        raise EvalFileError(f"{path}: expected 'items' (a real set) or 'tuning' and 'holdout' (a written set)")
    items = [
        _item(path, f"{section} item {number}", raw, part, known_topics)
        for section, part in _sections(data) for number, raw in enumerate(data.get(section) or (), start=1)
    ]
    thresholds = data.get("thresholds") or {}
    unknown = set(thresholds) - set(MINIMUMS) - set(MAXIMUMS)
    if unknown:
        raise EvalFileError(f"{path}: unknown threshold(s) {sorted(unknown)}; use {[*MINIMUMS, *MAXIMUMS]}")
    real = "items" in data
    return EvalSet(
        path, tuple(items), {k: float(v) for k, v in thresholds.items()}, REAL_HOLDOUT if real else WRITTEN,
        tuple(re.compile(p) for p in data.get("myth_patterns", ())),
    )


def _item(path: Path, where: str, raw: Any, part: str | None, known_topics: set[str]) -> Item:
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str):
        raise EvalFileError(f"{path}: {where} needs a text 'q'")
    topic = raw.get("topic")
    if topic != NONE and topic not in known_topics:
        raise EvalFileError(f"{path}: {where} expects unknown topic {topic!r}")
    source = raw.get("source")
    if part is None:
        if not isinstance(source, str) or not source.startswith(("http://", "https://")):
            raise EvalFileError(f"{path}: {where} needs a 'source' URL: a real set holds only sourced questions")
        part = holdout_part(source)
    try:
        must = tuple(re.compile(p) for p in raw.get("must", ()))
        must_not = tuple(re.compile(p) for p in raw.get("must_not", ()))
    except re.error as error:
        raise EvalFileError(f"{path}: {where}: bad pattern: {error}") from None
    return Item(part, raw["q"], None if topic == NONE else topic, must, must_not, source)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise EvalFileError(f"{path}: {error}") from None


def _is_situation_set(data: Any) -> bool:
    items = data.get("items") if isinstance(data, dict) else None
    return bool(items) and isinstance(items[0], dict) and "text" in items[0]


def evaluate_situations(responder: Responder, path: Path, data: Any) -> tuple[SituationReport, dict[str, float]]:
    """Read every message's facts and compare them with what a careful reader labelled."""
    engine = responder.interviews.get(SITUATION_INTERVIEW)
    if engine is None:
        raise EvalFileError(f"{path}: the knowledge has no '{SITUATION_INTERVIEW}' interview to read situations for")
    report = SituationReport()
    for number, raw in enumerate(data.get("items") or (), start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise EvalFileError(f"{path}: item {number} needs a text 'text'")
        expected = {str(k): str(v) for k, v in (raw.get("slots") or {}).items()}
        try:
            labelled = engine.step(expected.items())
        except InterviewError as error:
            raise EvalFileError(f"{path}: item {number}: {error}") from None
        read = {f.slot: f.value for f in responder.read_situation(raw["text"], SITUATION_INTERVIEW)}
        report.messages += 1
        for slot, value in read.items():
            if expected.get(slot) == value:
                report.read_right[slot] += 1
            else:
                report.read_wrong[slot] += 1
        for slot, value in expected.items():
            report.missed[slot] += read.get(slot) != value
            report.read_right.setdefault(slot, 0)
        got = engine.step(read.items()).outcome
        report.outcome_agrees += (got and got.id) == (labelled.outcome and labelled.outcome.id)
        if got is not None:
            report.settled += 1
            report.settled_right += labelled.outcome is not None and got.id == labelled.outcome.id
    return report, {k: float(v) for k, v in (data.get("thresholds") or {}).items()}


def evaluate(responder: Responder, paths: list[Path]) -> Report:
    report = Report()
    known = set(responder.kb.topics)
    titles = tuple(topic.title for topic in responder.kb.topics.values())
    for path in paths:
        data = _read_yaml(path)
        if _is_situation_set(data):
            report.situations, thresholds = evaluate_situations(responder, path, data)
            if thresholds:
                report.gates[SITUATIONS] = thresholds
            continue
        eval_set = load_set(path, known, data)
        if eval_set.thresholds:
            report.gates[eval_set.gated] = eval_set.thresholds
        for item in eval_set.items:
            _score(report, responder, item, eval_set.myth_patterns, titles)
    return report


def cross_validate(responder: Responder, paths: list[Path], folds: int) -> Report:
    """The real sets' tuning questions as if unseen: in `folds` groups (by URL hash, like the holdout), each
    answered by the knowledge less the examples copied from that group's questions.

    Tuning questions become knowledge examples, so real-tuning's own figure says little about new questions,
    and the holdout must not be tuned against: this is the figure to choose a change by.
    """
    if folds < 2:
        raise EvalFileError(f"cross-validation needs at least 2 folds, not {folds}")
    report = Report()
    kb = responder.kb
    titles = tuple(topic.title for topic in kb.topics.values())
    for path in paths:
        data = _read_yaml(path)
        if _is_situation_set(data) or not isinstance(data, dict) or "items" not in data:
            continue  # a written or situation set has no tuning part to cross-validate
        eval_set = load_set(path, set(kb.topics), data)
        tuning = [item for item in eval_set.items if item.part == REAL_TUNING]
        for fold in range(folds):
            held = [item for item in tuning if _url_digest(item.source or "") // HOLDOUT_SHARE % folds == fold]
            unseen_kb = without_copies(kb, [item.question for item in held])
            fold_responder = Responder(unseen_kb, responder.thresholds)
            for item in held:
                _score(report, fold_responder, dataclasses.replace(item, part=REAL_TUNING_CV), eval_set.myth_patterns, titles)
    return report


def without_copies(kb: KnowledgeBase, questions: list[str]) -> KnowledgeBase:
    """The knowledge less every example copied from one of `questions`."""
    asked = [_normalised(question) for question in questions]
    runs = set().union(*(_runs(question) for question in asked))

    def unseen(examples: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(e for e in examples if not _copied(_normalised(e), asked, runs))

    return dataclasses.replace(
        kb,
        topics={k: dataclasses.replace(t, examples=unseen(t.examples)) for k, t in kb.topics.items()},
        declines={k: dataclasses.replace(d, examples=unseen(d.examples)) for k, d in kb.declines.items()},
    )


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _runs(text: str) -> set[str]:
    words = text.split()
    return {" ".join(words[i:i + COPIED_RUN]) for i in range(len(words) - COPIED_RUN + 1)}


def _copied(example: str, questions: list[str], runs: set[str]) -> bool:
    inside = len(example) >= COPIED_EXAMPLE_CHARS and any(example in question for question in questions)
    return inside or not runs.isdisjoint(_runs(example))


def _score(
    report: Report, responder: Responder, item: Item, myth_patterns: tuple[re.Pattern[str], ...], titles: tuple[str, ...],
) -> None:
    part = report.parts.setdefault(item.part, PartReport())
    part.questions += 1
    answer = responder.respond(item.question)
    got = answer.topic.id if answer.answered and answer.topic else None
    problems = _pattern_problems(item, answer, myth_patterns, titles)
    part.myth_assertions += sum(p.startswith("asserts a myth") for p in problems)
    if answer.answered:
        part.bands[answer.band.value][0] += 1
        part.bands[answer.band.value][1] += got == item.topic
    if item.topic is None:
        part.out_of_scope += 1
        if got is None:
            part.declined_out_of_scope += 1
        else:
            problems.insert(0, f"answered out-of-scope question with {got}")
    else:
        part.in_scope += 1
        if got == item.topic:
            part.right_topic += 1
            part.right += not problems
        elif got is None:
            part.declined_in_scope += 1
            guess = [s.id for s in responder.rank(item.question).scored if s.kind == "topic"][:1]
            problems.insert(0, f"declined ({answer.kind.value}, confidence {answer.confidence:.2f}, best guess {guess})")
        else:
            part.wrong_topic += 1
            problems.insert(0, f"answered with {got} ({answer.band.value}, confidence {answer.confidence:.2f})")
    if got != item.topic:
        report.confusion[(item.topic or NONE, got or NONE)] += 1
    if problems:
        report.failures.append({"part": item.part, "question": item.question, "source": item.source,
                                "expected": item.topic or NONE, "got": got or NONE, "problems": problems})


def _pattern_problems(
    item: Item, answer: Answer, myth_patterns: tuple[re.Pattern[str], ...], titles: tuple[str, ...],
) -> list[str]:
    problems = []
    text = render_text(answer)
    problems += [f"answer does not match {p.pattern!r}" for p in item.must if not p.search(text)]
    problems += [f"answer matches forbidden {p.pattern!r}" for p in item.must_not if p.search(text)]
    asserted = reported_speech_removed(text)
    for title in titles:  # a topic's title is a question offered to the member, never an assertion
        asserted = asserted.replace(title, "")
    problems += [f"asserts a myth: {p.pattern!r}" for p in myth_patterns if p.search(asserted)]
    return problems


_QUOTED = re.compile(r'"[^"\n]*"')


def reported_speech_removed(text: str) -> str:
    """The answer minus quoted spans: a myth named in quotes ("No money, no JSS impact") is reported, not asserted."""
    return _QUOTED.sub('""', text)


def render_report(report: Report, show_holdout: bool = False) -> str:
    lines = [f"{'part':14} {'questions':>9} {'right':>7} {'wrong':>7} {'declined':>9} {'out-of-scope declined':>22} {'myths':>6}"]
    for name, part in sorted(report.parts.items(), key=lambda kv: _ORDER.get(kv[0], 9)):
        f = part.figures()
        lines.append(
            f"{name:14} {f['questions']:9} {f['right']:7.1%} {f['wrong_topic']:7.1%} {f['declined_in_scope']:9.1%} "
            f"{f['declined_out_of_scope']:8.1%} of {f['out_of_scope']:<10} {f['myth_assertions']:6}"
        )
    lines.append("precision by confidence band (answers given: share with the right topic):")
    for name, part in sorted(report.parts.items(), key=lambda kv: _ORDER.get(kv[0], 9)):
        bands = part.figures()["precision_by_band"]
        lines.append(f"  {name:14} " + "  ".join(f"{b} {v['precision']:.1%} of {v['answers']}" for b, v in bands.items()))
    if report.situations:
        f = report.situations.figures()
        lines.append(f"situations: {f['messages']} messages | outcome agrees {f['outcome_agreement']:.1%} | "
                     f"settled {f['settled_outcomes']}, right {f['settled_right']:.1%}")
        lines += [f"  {slot:16} read {v['read']:3}  precision {v['precision']:.1%}  recall {v['recall']:.1%}"
                  for slot, v in f["slots"].items()]
    if report.confusion:
        lines.append("confusion (expected -> got):")
        lines += [f"  {n:3}x {e} -> {g}" for (e, g), n in report.confusion.most_common()]
    shown = [f for f in report.failures if show_holdout or f["part"] != REAL_HOLDOUT]
    if shown:
        lines.append("failures:")
        for failure in shown:
            lines.append(f"  [{failure['part']}] {failure['question']!r}")
            lines += [f"      {p}" for p in failure["problems"]]
    if len(shown) < len(report.failures):
        lines.append(f"real-holdout failures: {len(report.failures) - len(shown)} (not listed, so nobody tunes against "
                     "them; --show-holdout lists them)")
    shortfalls = report.shortfalls()
    lines.append("PASS" if not shortfalls else "FAIL: " + "; ".join(shortfalls))
    return "\n".join(lines)


_ORDER = {REAL_HOLDOUT: 0, REAL_TUNING: 1, REAL_TUNING_CV: 2, WRITTEN: 3}
