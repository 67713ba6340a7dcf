"""Group the questions the bot could not answer, so moderators see one line per missing piece of knowledge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

#: Two questions belong together when they share at least this share of their terms (Jaccard).
SIMILAR = 0.5
#: Fewer words than this is a fragment ("2", "help?"), not a question a moderator can act on.
MIN_WORDS = 3


def is_junk(text: str, names: set[str]) -> bool:
    """Commands, ids and fragments typed where a question was expected: not knowledge gaps."""
    stripped = text.strip()
    return (
        stripped.startswith(("/", "!"))
        or stripped.lower() in names
        or len(stripped.split()) < MIN_WORDS
        or not any(c.isalpha() for c in stripped)
    )


@dataclass(frozen=True, slots=True)
class GapGroup:
    example: str
    questions: tuple[str, ...]
    ids: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.questions)


def group_similar(items: Sequence[tuple[int, str]], terms: Callable[[str], list[str]]) -> list[GapGroup]:
    """Greedy single-pass grouping: each question joins the first group whose first question it resembles."""
    groups: list[tuple[frozenset[str], list[tuple[int, str]]]] = []
    for ident, text in items:
        bag = frozenset(terms(text)) or frozenset({text.strip().lower()})
        for anchor, members in groups:
            if len(bag & anchor) / len(bag | anchor) >= SIMILAR:
                members.append((ident, text))
                break
        else:
            groups.append((bag, [(ident, text)]))
    result = [
        GapGroup(members[-1][1], tuple(t for _, t in members), tuple(i for i, _ in members)) for _, members in groups
    ]
    return sorted(result, key=lambda g: -g.count)
