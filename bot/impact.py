"""`python -m bot kb impact`: what an edit to the knowledge changes, before anyone else sees it.

A moderator adds a topic, a cue or a few examples; `kb check` says the files are valid, but not whether
questions that used to get the right answer now get another. This compares the working knowledge with a
base (the last committed one, or `--base DIR`) over every labelled question we have: the eval sets and the
phrasings moderators taught. It lists the topics added, removed or changed, and every question whose
answer moved (another topic, declined or no longer declined, another confidence band). Only a labelled
question moving to a wrong topic is a failure: a new topic taking questions nobody labelled is the point.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from bot.engine.answers import Answer
from bot.engine.responder import Responder
from bot.evaluation import labelled
from bot.knowledge.model import KnowledgeBase

NONE = "none"


class ImpactError(ValueError):
    """The comparison cannot be made (no base to compare with); the message says what to do."""


@dataclass(frozen=True, slots=True)
class Labelled:
    question: str
    expected: str | None  # a topic id, or None when the bot should decline
    origin: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a question got: a topic in a confidence band, or nothing (declined or not sure)."""

    topic: str | None
    band: str | None = None

    def __str__(self) -> str:
        return f"{self.topic} ({self.band})" if self.topic else NONE


@dataclass(frozen=True, slots=True)
class Moved:
    question: str
    expected: str | None
    origin: str
    before: Outcome
    after: Outcome

    @property
    def wrong(self) -> bool:
        """Moved to a topic other than the expected one (a decline is never wrong here, only less helpful)."""
        topic = self.after.topic
        return topic is not None and topic != self.expected and topic != self.before.topic


@dataclass(frozen=True, slots=True)
class Impact:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    moved: tuple[Moved, ...]
    questions: int

    @property
    def wrong(self) -> tuple[Moved, ...]:
        return tuple(m for m in self.moved if m.wrong)

    def as_json(self) -> dict[str, Any]:
        return {
            "topics": {"added": list(self.added), "removed": list(self.removed), "changed": list(self.changed)},
            "questions": self.questions,
            "moved": [
                {"question": m.question, "expected": m.expected, "origin": m.origin, "before": str(m.before),
                 "after": str(m.after), "wrong": m.wrong}
                for m in self.moved
            ],
            "wrong": len(self.wrong),
        }


def labelled_questions(eval_files: list[Path], kb: KnowledgeBase) -> list[Labelled]:
    """Every question whose right answer we know: eval items (any part) and taught phrasings."""
    found = [
        Labelled(question, topic, path.name) for path in eval_files if path.exists() for question, topic in labelled(path)
    ]
    return found + [Labelled(entry.phrasing, entry.topic, "learned") for entry in kb.learned]


def _outcome(answer: Answer) -> Outcome:
    if answer.answered and answer.topic is not None:
        return Outcome(answer.topic.id, answer.band.value)
    return Outcome(None)


def compare(base: Responder, work: Responder, questions: list[Labelled]) -> Impact:
    base_topics, work_topics = base.kb.topics, work.kb.topics

    def content(topic: object) -> object:
        return dataclasses.replace(topic, where=None)  # type: ignore[type-var]

    moved = []
    for item in questions:
        before, after = _outcome(base.respond(item.question)), _outcome(work.respond(item.question))
        if before != after:
            moved.append(Moved(item.question, item.expected, item.origin, before, after))
    return Impact(
        added=tuple(t for t in work_topics if t not in base_topics),
        removed=tuple(t for t in base_topics if t not in work_topics),
        changed=tuple(t for t in work_topics if t in base_topics and content(work_topics[t]) != content(base_topics[t])),
        moved=tuple(moved),
        questions=len(questions),
    )


def render(impact: Impact, limit: int = 40) -> str:
    lines = [f"topics added: {', '.join(impact.added) or '-'}; removed: {', '.join(impact.removed) or '-'}; "
             f"changed: {', '.join(impact.changed) or '-'}",
             f"{len(impact.moved)} of {impact.questions} labelled questions get another answer; "
             f"{len(impact.wrong)} now get a wrong topic"]
    if impact.moved:
        lines.append(f"{'':2}{'before':38} {'after':38} {'expected':26} question")
        ordered = sorted(impact.moved, key=lambda m: not m.wrong)
        for m in ordered[:limit]:
            mark = "!!" if m.wrong else "  "
            question = m.question.replace("\n", " ")
            lines.append(f"{mark}{str(m.before)[:37]:38} {str(m.after)[:37]:38} {(m.expected or NONE)[:25]:26} {question[:70]}")
        if len(ordered) > limit:
            lines.append(f"  ...and {len(ordered) - limit} more (--json lists them all)")
    lines.append("FAIL: labelled questions moved to a wrong topic (marked !!)" if impact.wrong else "OK")
    return "\n".join(lines)


@contextmanager
def committed_knowledge(directory: Path, revision: str = "HEAD") -> Iterator[Path]:
    """The knowledge folder as git last committed it, in a temporary folder."""
    directory = directory.resolve()
    try:
        top = subprocess.run(["git", "-C", str(directory), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
        relative = directory.relative_to(Path(top).resolve()).as_posix()
        listing = subprocess.run(["git", "-C", top, "ls-tree", "--name-only", f"{revision}:{relative}"],
                                 capture_output=True, text=True, check=True).stdout.split()
    except (OSError, ValueError, subprocess.CalledProcessError):
        raise ImpactError(f"{directory} has no committed version to compare with; give one with --base DIR") from None
    folder = Path(tempfile.mkdtemp(prefix="kb-base-"))
    try:
        for name in listing:
            if name.endswith((".yaml", ".yml")):
                blob = subprocess.run(["git", "-C", top, "show", f"{revision}:{relative}/{name}"], capture_output=True, check=True)
                (folder / name).write_bytes(blob.stdout)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
