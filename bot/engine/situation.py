"""Read a member's situation from their message: the checkup's facts they already stated.

"client paid nothing and says he'll leave bad feedback, if I end it will my JSS drop?" states two of the
checkup's facts (nothing paid; the feedback would be negative). The knowledge lists, next to each choice,
cue phrasings that state it. Cues are matched word for word after typo fixing and stemming, with every
negation read as "not" ("didn't pay" contains "not pay", "never paid" is "not paid"), but with stopwords
and without concepts: here the exact fact matters more than the topic, and "paid me" must not shrink to
"paid". A cue matches when its words occur in a clause side by side, and not right after a negation: in
"I haven't delivered the work", "delivered the work" is negated and only "not delivered" counts.

A wrong pre-fill is worse than a question, so the reader is conservative: a fact counts only from a clause
that states something. Clauses that ask ("will my jss drop"), suppose ("if he pays"), or hedge ("I'm not
sure he paid", "maybe") are skipped, and a slot read with two different values is left empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from bot.engine.text import NOT, Analyzer, is_question, sentences
from bot.knowledge.model import Choice, Interview

#: Clauses end at sentence ends, commas, semicolons and the conjunctions that join two statements.
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;,])\s+|\n+|\s+(?:and|but|so|because|though|although|while)\s+", re.IGNORECASE)
_SUPPOSING = re.compile(
    r"^\W*(?:(?:and|but|so|or|then|now|also)\s+)*(?:once|when|suppose|assuming|an? (?:job|contract|project|client) (?:with|that|where|who))\b",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(r"\b(?:if|whether|in case|unless|until(?! now))\b", re.IGNORECASE)
#: A clause about another contract or client says nothing about this one; a message that sets out
#: scenarios ("Scenario 1: ...", "let's say ...") states nothing at all.
_ELSEWHERE = re.compile(
    r"\b(?:other|another|previous|last|past|former|older|earlier|first|second)\s+(?:client|clients|contract|contracts|job|jobs|project|projects)\b",
    re.IGNORECASE,
)
_SCENARIOS = re.compile(r"\b(?:scenario|scenerio|hypothetical|let'?s say|for example|for instance|e\.g\.)", re.IGNORECASE)
#: Uncertainty colours the whole sentence: "I'm not sure he paid, but the escrow is funded" is sure of nothing.
_UNSURE = re.compile(
    r"\b(?:not sure|unsure|not certain|don'?t know|do not know|dunno|no idea|maybe|might|perhaps|possibly|probably"
    r"|i think|i guess|i assume|i suppose|i believe|i wonder|wondering|may have|could have"
    r"|afraid|worried|worry|scared|fear|concerned|history of|used to|usually|always|sometimes|often|generally|in general)\b",
    re.IGNORECASE,
)
#: Wishes, requests and possibilities colour only their clause: "he wants a refund" says nothing paid or not.
_NOT_A_FACT = re.compile(
    r"\b(?:would|should|hope|hoping|expect|want|wants|avoid|retaliate|option|able to|can|could|i'?d|only"
    r"|asked|asks|asking|insist\w*|demand\w*|request\w*)\b",
    re.IGNORECASE,
)


#: A "not" up to this many words before a cue negates it: "have not yet delivered the work".
NEGATION_REACH = 3


@dataclass(frozen=True, slots=True)
class Fact:
    """A checkup answer read from a message, with the words it was read from."""

    slot: str
    value: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Cue:
    terms: tuple[str, ...]
    slot: str
    choice: Choice
    text: str


def clauses(text: str) -> list[str]:
    return [part.strip().rstrip(",;") for part in _CLAUSE_SPLIT.split(text) if part and part.strip(" ,;")]


def states_something(clause: str) -> bool:
    """A clause that reports a fact about this contract, rather than asking, supposing or looking elsewhere.

    Uncertainty is judged on the whole sentence (see `_UNSURE`); asking, supposing and wishing on the clause:
    "client paid nothing, if I end it will my JSS drop?" states one fact.
    """
    return not (
        is_question(clause) or _SUPPOSING.match(clause) or _CONDITIONAL.search(clause) or _NOT_A_FACT.search(clause)
        or _ELSEWHERE.search(clause)
    )


class SituationReader:
    """Reads one interview's facts from messages. Built once per knowledge snapshot."""

    def __init__(self, interview: Interview, analyzer: Analyzer) -> None:
        self.interview = interview
        self.analyzer = analyzer
        cues: list[Cue] = []
        owner: dict[tuple[str, tuple[str, ...]], Cue] = {}
        #: (where, message) for cues moderators must fix: they could never be read, or read two ways.
        self.problems: list[tuple[Choice, str]] = []
        for question in interview.questions:
            for choice in question.choices:
                for text in choice.cues:
                    terms = tuple(analyzer.stems(text))
                    if not terms:
                        self.problems.append((choice, f"cue '{text}' is made only of stopwords, so it never matches"))
                        continue
                    cue = Cue(terms, question.slot, choice, text)
                    first = owner.setdefault((question.slot, terms), cue)
                    if first.choice.value != choice.value:
                        self.problems.append((choice, (
                            f"cue '{text}' of '{question.slot}: {choice.value}' reads the same as cue '{first.text}' of "
                            f"'{question.slot}: {first.choice.value}'; a cue can state one fact only"
                        )))
                    cues.append(cue)
        # Longest first: "did not leave any feedback" wins over "feedback" inside the same clause.
        self.cues = sorted(cues, key=lambda c: -len(c.terms))
        #: Cue positions in that order, by their first word: a clause is only checked for cues it could hold.
        self._by_first: dict[str, list[int]] = {}
        for position, cue in enumerate(self.cues):
            self._by_first.setdefault(cue.terms[0], []).append(position)

    def read(self, text: str) -> tuple[Fact, ...]:
        """The facts `text` states plainly, in the interview's question order (the order the checkup would
        ask them); a slot read two ways is left out."""
        if _SCENARIOS.search(text):
            return ()
        found: dict[str, dict[str, str]] = {}
        for clause in (c for sentence in sentences(text) if not _UNSURE.search(sentence) for c in clauses(sentence)):
            if not states_something(clause):
                continue
            terms = self.analyzer.stems(clause)
            positions: dict[str, list[int]] = {}
            for i, term in enumerate(terms):
                positions.setdefault(term, []).append(i)
            used: set[int] = set()
            candidates = sorted({p for term in positions for p in self._by_first.get(term, ())})
            for cue in (self.cues[p] for p in candidates):
                at = _find(terms, cue.terms, used, positions[cue.terms[0]])
                if at is not None:
                    used.update(range(at, at + len(cue.terms)))
                    found.setdefault(cue.slot, {}).setdefault(cue.choice.value, clause)
        settled = {slot: next(iter(values.items())) for slot, values in found.items() if len(values) == 1}
        return tuple(Fact(q.slot, *settled[q.slot]) for q in self.interview.questions if q.slot in settled)


def _find(terms: list[str], cue: tuple[str, ...], used: set[int], starts: list[int]) -> int | None:
    """Where `cue` occurs in `terms` side by side, not negated, and not inside a longer cue already read.
    `starts` are where its first word is, in order: no other place can hold it."""
    width = len(cue)
    for start in starts:
        if tuple(terms[start : start + width]) != cue or used.intersection(range(start, start + width)):
            continue
        if cue[0] != NOT and NOT in terms[max(0, start - NEGATION_REACH) : start]:
            continue
        return start
    return None
