"""Rank the knowledge's topics (and declines) against a question.

Each label (a topic, or a decline such as "payouts") is known by its example phrasings. A question is
scored against a label two ways, both cosine similarities over IDF-weighted features:
- the label's centroid, which knows every word its examples use, weighted by how consistently they use it;
- the label's single closest example, which rewards a question phrased like one known case.
IDF is computed across labels, not examples, so a feature weighs what it tells topics apart.

Coverage is the share of the question's own words the knowledge knows at all. A question about payouts
shares "client" and "contract" with our topics but little else: low coverage, low confidence, declined.

Scoring goes through an inverted index over centroids, then only the few best labels have their examples
compared, so the cost grows with the postings a question touches, not with the number of topics.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Literal

from bot.engine.text import Analyzer, features, sentences

Kind = Literal["topic", "decline"]

#: How many labels, best by centroid, get their examples compared one by one.
SHORTLIST = 8
#: The weight of the closest example against the centroid in a label's score.
EXAMPLE_WEIGHT = 0.5
#: Question sentences count this many extra times: in a long story the question is what matters.
QUESTION_BOOST = 1
#: A lead over the runner-up of this share of the best score (or more) keeps the full confidence; a tie
#: halves it. "client feedback?" fits three topics equally, and the bot should say so, not pick one.
CLEAR_LEAD = 0.25


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    kind: Kind
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scored:
    id: str
    kind: Kind
    score: float


@dataclass(frozen=True, slots=True)
class Ranking:
    """Every label worth mentioning, best first, with why the best one won (for debugging the knowledge)."""

    scored: tuple[Scored, ...]
    confidence: float
    coverage: float
    terms: tuple[str, ...]
    explain: tuple[tuple[str, float], ...]

    @property
    def best(self) -> Scored | None:
        return self.scored[0] if self.scored else None


class _Vector:
    __slots__ = ("weights", "norm")

    def __init__(self, weights: dict[str, float]) -> None:
        self.weights = weights
        self.norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0


class Matcher:
    def __init__(self, analyzer: Analyzer, labels: Iterable[Label]) -> None:
        self.analyzer = analyzer
        self.labels = list(labels)
        bags_per_label = [[features(analyzer.terms(text)) for text in label.examples] for label in self.labels]
        label_df: Counter[str] = Counter()
        for bags in bags_per_label:
            label_df.update(set().union(*bags))
        count = len(self.labels)
        self.idf = {f: math.log(1.0 + count / df) for f, df in label_df.items()}
        # A word no label uses is as telling as the rarest known one: it is what pulls coverage down.
        self.unknown_idf = math.log(1.0 + count / 0.5)
        self.centroids: list[_Vector] = []
        self.examples: list[list[_Vector]] = []
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for index, bags in enumerate(bags_per_label):
            share: Counter[str] = Counter()
            for bag in bags:
                share.update(bag.keys())
            centroid = _Vector({f: (n / len(bags)) * self.idf[f] for f, n in share.items()})
            self.centroids.append(centroid)
            self.examples.append([_Vector({f: self.idf[f] for f in bag}) for bag in bags])
            for feature, weight in centroid.weights.items():
                self.postings.setdefault(feature, []).append((index, weight))

    def query_vector(self, text: str) -> tuple[dict[str, float], list[str], float]:
        terms = self.analyzer.terms(text)
        bag = features(terms)
        asked = [s for s in sentences(text) if "?" in s]
        if asked and len(asked) < len(sentences(text)):
            for sentence in asked:
                for feature, n in features(self.analyzer.terms(sentence)).items():
                    bag[feature] += n * QUESTION_BOOST
        weights = {f: (1.0 + math.log(n)) * self.idf[f] for f, n in bag.items() if f in self.idf}
        coverage = self._coverage(terms)
        if asked:
            # A long story is full of words no topic uses; the question in it may still be squarely known.
            coverage = max(coverage, self._coverage(self.analyzer.terms(" ".join(asked))))
        return weights, terms, coverage

    def _coverage(self, terms: list[str]) -> float:
        """The IDF-weighted share of `terms` that some label uses."""
        known = sum(self.idf.get(t, 0.0) for t in terms)
        total = sum(self.idf.get(t, self.unknown_idf) for t in terms)
        return known / total if total else 0.0

    def rank(self, text: str, limit: int = 5) -> Ranking:
        weights, terms, coverage = self.query_vector(text)
        if not weights:
            return Ranking((), 0.0, 0.0, tuple(terms), ())
        norm = math.sqrt(sum(w * w for w in weights.values()))
        dots: dict[int, float] = {}
        for feature, weight in weights.items():
            for index, label_weight in self.postings.get(feature, ()):
                dots[index] = dots.get(index, 0.0) + weight * label_weight
        shortlist = sorted(dots, key=lambda i: -dots[i] / self.centroids[i].norm)[:SHORTLIST]
        scored = []
        for index in shortlist:
            centroid = dots[index] / (self.centroids[index].norm * norm)
            closest = max(self._cosine(weights, norm, example) for example in self.examples[index])
            score = (1 - EXAMPLE_WEIGHT) * centroid + EXAMPLE_WEIGHT * closest
            label = self.labels[index]
            scored.append(Scored(label.id, label.kind, score * math.sqrt(coverage)))
        scored.sort(key=lambda s: -s.score)
        explain = self._explain(weights, scored[0].id) if scored else ()
        return Ranking(tuple(scored[:limit]), self._confidence(scored), coverage, tuple(terms), explain)

    @staticmethod
    def _confidence(scored: list[Scored]) -> float:
        if not scored:
            return 0.0
        best = scored[0].score
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        lead = min(1.0, (best - runner_up) / (CLEAR_LEAD * best)) if best > 0 else 0.0
        return best * (0.5 + 0.5 * lead)

    @staticmethod
    def _cosine(weights: dict[str, float], norm: float, example: _Vector) -> float:
        dot = sum(w * example.weights[f] for f, w in weights.items() if f in example.weights)
        return dot / (norm * example.norm)

    def _explain(self, weights: dict[str, float], label_id: str) -> tuple[tuple[str, float], ...]:
        index = next(i for i, label in enumerate(self.labels) if label.id == label_id)
        centroid = self.centroids[index].weights
        parts = [(f, w * centroid[f]) for f, w in weights.items() if f in centroid]
        return tuple(sorted(parts, key=lambda p: -p[1])[:8])
