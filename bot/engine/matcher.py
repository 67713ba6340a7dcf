"""Rank the knowledge's topics (and declines) against a question.

Each label (a topic, or a decline such as "payouts") is known by its example phrasings. A question is
scored against a label two ways, both cosine similarities over IDF-weighted features:
- the label's centroid, which knows every word its examples use, weighted by how consistently they use it;
- the label's single closest example, which rewards a question phrased like one known case; it can only
  add to the centroid's evidence, never take from it.
IDF is computed across labels, not examples, so a feature weighs what it tells topics apart.

Coverage is the share of the question's own words the knowledge knows at all. A question about payouts
shares "client" and "contract" with our topics but little else: low coverage, low confidence, declined.

Scoring goes through two inverted indexes (centroids and examples), so the cost grows with the postings a
question's features touch, not with the number of topics.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, NamedTuple, Sequence

import numpy as np

from bot.engine.text import PAIR, Analyzer, features, is_question, sentences

Kind = Literal["topic", "decline"]

#: Up to this many examples the example index is also kept as arrays (see Matcher.__init__).
DENSE_EXAMPLES = 20_000
#: The weight of the closest example against the centroid in a label's score.
EXAMPLE_WEIGHT = 0.5
#: Question sentences count this many extra times: in a long story the question is what matters.
QUESTION_BOOST = 2
#: In a large knowledge base, a feature used by more labels than this is skipped while scoring: its long
#: postings cost time in proportion to the number of topics and tell them apart hardly at all. Below
#: SELECTIVE_MIN labels (any knowledge a community writes by hand) nothing is ever skipped.
SELECTIVE_MIN = 50
SELECTIVE_SHARE = 0.05
#: A lead over the runner-up of this share of the best score (or more) keeps the full confidence; a tie
#: halves it. "client feedback?" fits three topics equally, and the bot should say so, not pick one.
CLEAR_LEAD = 0.25
#: From this many features on, pairs are looked up as packed numbers, not kept as strings (FeatureNumbers).
COMPACT_FROM = 100_000


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    kind: Kind
    examples: tuple[str, ...]


class Query(NamedTuple):
    """A question as the matcher scores it."""

    #: (feature, its number, its weight) for each feature some label knows.
    weighted: list[tuple[str, int, float]]
    terms: list[str]
    features: frozenset[str]
    coverage: float


class Scored(NamedTuple):
    id: str
    kind: Kind
    score: float


@dataclass(frozen=True, slots=True)
class Ranking:
    """Every label worth mentioning, best first."""

    scored: tuple[Scored, ...]
    confidence: float
    coverage: float
    terms: tuple[str, ...]
    #: The question's features (terms and neighbouring pairs), unweighted: what the classifier reads.
    features: frozenset[str]

    @property
    def best(self) -> Scored | None:
        return self.scored[0] if self.scored else None

    @property
    def lead(self) -> float:
        return _lead(self.scored)


def example_bags(analyzer: Analyzer, labels: Sequence[Label]) -> list[list[Counter[str]]]:
    """Each label's examples as features: analysed once per snapshot, for the matcher and the classifier."""
    return [[features(analyzer.terms(text)) for text in label.examples] for label in labels]


class Matcher:
    def __init__(self, analyzer: Analyzer, labels: Sequence[Label], bags_per_label: Sequence[Sequence[Counter[str]]]) -> None:
        """`bags_per_label` is `example_bags(analyzer, labels)`."""
        self.analyzer = analyzer
        self.labels = list(labels)
        self._index_of = {label.id: i for i, label in enumerate(self.labels)}
        # Every feature of the examples is numbered once, in the order met; what a feature knows (its IDF,
        # whether it is selective, its postings) is then found by number in flat arrays. At 10,000 topics
        # (400,000 features) a dict of IDFs and a set of selective features cost 90 MB; the arrays, 4 MB.
        # This dict of every feature is needed while building only: FeatureNumbers keeps it compactly.
        feature_number: dict[str, int] = {}
        # Each example's features as numbers, example after example, in bag order: the postings to come.
        posting_features, example_ends, example_label = array("q"), array("q"), array("i")
        for index, bags in enumerate(bags_per_label):
            for bag in bags:
                posting_features.extend([feature_number.setdefault(f, len(feature_number)) for f in bag])
                example_ends.append(len(posting_features))
                example_label.append(index)
        width, count = len(feature_number), len(self.labels)
        self.example_label = example_label
        features_of = np.frombuffer(posting_features, dtype=np.int64)
        example_of = np.repeat(np.arange(len(example_label)), np.diff(np.frombuffer(example_ends, dtype=np.int64), prepend=0))
        # Each (label, feature) pair once, where it first occurs and in how many of the label's examples.
        pairs, first_at, pair_examples = np.unique(
            np.frombuffer(example_label, dtype=np.int32)[example_of].astype(np.int64) * width + features_of,
            return_index=True, return_counts=True,
        )
        label_df = np.bincount(pairs % width, minlength=width).tolist()
        self._idf = array("d", (math.log(1.0 + count / df) for df in label_df))  # math.log: bit for bit as ever
        # A word no label uses is as telling as the rarest known one: it is what pulls coverage down.
        self.unknown_idf = math.log(1.0 + count / 0.5)
        cut = max(SELECTIVE_MIN, int(SELECTIVE_SHARE * count))
        self._selective = bytes(df <= cut for df in label_df)
        idf = np.frombuffer(self._idf, dtype=np.float64)
        # Both indexes hold weights already divided by their vector's norm, so a dot product is a cosine
        # up to the query's own norm; `_unit_rows` sums each norm in the order the features were met.
        # Both are kept compressed (CSR): an array of example (or label) numbers and one of weights, grouped
        # by feature, and where each feature's run ends. At 10,000 topics that is 2 million postings: as
        # Python tuples they took 350 MB and much of the load time, as arrays 30 MB, built with numpy.
        example_weights = _unit_rows(idf[features_of], example_of, len(example_label))
        # A stable sort by feature keeps each feature's postings in example order: the order they are summed in.
        order = np.argsort(features_of, kind="stable")
        self._posting_examples = example_of[order]  # int64: numpy indexes by it without a cast
        self._posting_weights = example_weights[order]
        # Where each feature's run of postings ends (and the one before it, starts): `array`, not numpy,
        # since it is read one number at a time while scoring.
        self._run_ends = array("q", np.cumsum(np.bincount(features_of, minlength=width)).tolist())
        self._numbers = FeatureNumbers(feature_number, COMPACT_FROM)
        # A label's centroid: each feature its examples use, in the order first met, weighted by the share of
        # its examples that use it.
        met = np.argsort(first_at, kind="stable")
        centroid_label, centroid_feature = np.divmod(pairs[met], width)
        examples_per_label = np.bincount(example_label, minlength=count)
        share = pair_examples[met] / examples_per_label[centroid_label]
        centroid_weights = _unit_rows(share * idf[centroid_feature], centroid_label, count)
        by_feature = np.argsort(centroid_feature, kind="stable")
        self._centroid_labels = array("i", centroid_label[by_feature].tolist())
        self._centroid_weights = array("d", centroid_weights[by_feature].tolist())
        self._centroid_run_ends = array("q", np.cumsum(np.bincount(centroid_feature, minlength=width)).tolist())
        # Small knowledge (up to DENSE_EXAMPLES examples) keeps each feature's postings ready to use as well:
        # a few MB, and no slicing per question on the hot path. Its example dots are summed into one array
        # with numpy, feature by feature: the same sums in the same order, only not one by one. Beyond that,
        # clearing a dense array per question costs more than following the few postings of a question's
        # selective features, and the memory of ready postings grows with the knowledge: the runs are read.
        self._dense = len(self.example_label) <= DENSE_EXAMPLES
        # Both by feature number.
        self._centroid_by_feature: list[tuple[tuple[int, float], ...]] | None = None
        self._example_arrays: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._make_ready()
        # Examples are numbered label by label, so each label's examples are one slice: where each starts.
        self._label_starts = np.searchsorted(np.frombuffer(self.example_label, dtype=np.int32), np.arange(len(self.labels)))

    def _make_ready(self) -> None:
        if self._dense:
            features = range(len(self._run_ends))
            self._centroid_by_feature = [tuple(self._centroid_run(n)) for n in features]
            self._example_arrays = [
                (self._posting_examples[start:end], self._posting_weights[start:end])
                for start, end in (_span(self._run_ends, n) for n in features)
            ]

    def __getstate__(self) -> dict[str, object]:
        """What the snapshot cache keeps: all but the ready postings, made again when read back. They are
        views of the index arrays, which pickle would store one by one, as copies: at 1,000 topics a process
        started from the cache held 50 MB more than one that built the snapshot."""
        return {**self.__dict__, "_centroid_by_feature": None, "_example_arrays": None}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._make_ready()

    def query_vector(self, text: str) -> Query:
        parts = sentences(text) or [text]
        per_sentence = [self.analyzer.terms(part) for part in parts]
        terms = [t for part in per_sentence for t in part]
        bag = features(terms)
        described = frozenset(bag)
        asked = [t for part, part_terms in zip(parts, per_sentence) if is_question(part) for t in part_terms]
        coverage = self._coverage(terms)
        if asked and len(asked) < len(terms):
            # In a long story the question is what matters, and it may be squarely known even when the
            # story around it is full of words no topic uses.
            for feature, n in features(asked).items():
                bag[feature] += n * QUESTION_BOOST
            coverage = max(coverage, self._coverage(asked))
        idf = self._idf
        weighted = [
            (f, number, (1.0 + math.log(n)) * idf[number])
            for (f, n), number in zip(bag.items(), self._numbers.known(list(bag))) if number is not None
        ]
        return Query(weighted, terms, described, coverage)

    def _coverage(self, terms: list[str]) -> float:
        """The IDF-weighted share of `terms` that some label uses."""
        idf, numbers = self._idf, self._numbers.known(terms)
        known = sum(idf[n] if n is not None else 0.0 for n in numbers)
        total = sum(idf[n] if n is not None else self.unknown_idf for n in numbers)
        return known / total if total else 0.0

    def rank(self, text: str, limit: int = 5) -> Ranking:
        weighted, terms, described, coverage = self.query_vector(text)
        if not weighted:
            return Ranking((), 0.0, 0.0, tuple(terms), described)
        norm = math.sqrt(sum(w * w for _, _, w in weighted))
        # The hot loop of the whole bot: locals on purpose.
        centroid_dots: defaultdict[int, float] = defaultdict(float)
        selective = self._selective
        scoring = [(n, w) for _, n, w in weighted if selective[n]] or [(n, w) for _, n, w in weighted]
        ready = self._centroid_by_feature
        for feature, weight in scoring:
            postings = ready[feature] if ready is not None else self._centroid_run(feature)
            for index, label_weight in postings:
                centroid_dots[index] += weight * label_weight
        closest = self._closest_examples(scoring)
        scale = math.sqrt(coverage) / norm
        # A score for every label touched, a record only for the few kept: at 100 topics a question touches
        # half of them, and a record each was a third of the answer's time.
        touched, scores = list(centroid_dots), []
        blend = 1 - EXAMPLE_WEIGHT
        for i, dot in centroid_dots.items():
            mixed = blend * dot + EXAMPLE_WEIGHT * closest[i]
            scores.append((mixed if mixed > dot else dot) * scale)
        labels = self.labels
        scored = [
            Scored(labels[touched[k]].id, labels[touched[k]].kind, scores[k])
            for k in sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:limit]  # stable, as before
        ]
        return Ranking(tuple(scored), self._confidence(scored), coverage, tuple(terms), described)

    def _closest_examples(self, scoring: list[tuple[int, float]]) -> Sequence[float] | defaultdict[int, float]:
        """For each label, the dot product with its closest example (0 when no example shares a feature).

        `scoring` is (feature number, weight) pairs."""
        if self._example_arrays is not None:
            example_dots = np.zeros(len(self.example_label))
            for feature, weight in scoring:
                positions, example_weights = self._example_arrays[feature]
                example_dots[positions] += weight * example_weights
            return np.maximum.reduceat(np.maximum(example_dots, 0.0), self._label_starts).tolist()
        examples, weights = self._posting_examples, self._posting_weights
        sparse_dots: defaultdict[int, float] = defaultdict(float)
        for feature, weight in scoring:
            start, end = _span(self._run_ends, feature)
            for example, example_weight in zip(examples[start:end].tolist(), weights[start:end].tolist()):
                sparse_dots[example] += weight * example_weight
        closest: defaultdict[int, float] = defaultdict(float)
        example_label = self.example_label
        for example, dot in sparse_dots.items():
            index = example_label[example]
            if dot > closest[index]:
                closest[index] = dot
        return closest

    def _centroid_run(self, number: int) -> Iterable[tuple[int, float]]:
        """A feature's (label, weight) postings in the centroid index, in label order."""
        start, end = _span(self._centroid_run_ends, number)
        return zip(self._centroid_labels[start:end], self._centroid_weights[start:end])

    @staticmethod
    def _confidence(scored: list[Scored]) -> float:
        if not scored:
            return 0.0
        # A tie halves confidence: "client feedback?" fits three topics equally, and the bot should say so.
        return scored[0].score * (0.5 + 0.5 * _lead(scored))

    def explain(self, text: str, label_id: str) -> tuple[tuple[str, float], ...]:
        """The features that tied `text` to a label, strongest first: how a moderator debugs a wrong match."""
        weighted = self.query_vector(text).weighted
        index = self._index_of[label_id]
        # Read from the postings: a slow scan, but only for a moderator's question, and no second copy of
        # every centroid kept for it.
        parts = [(f, w * label_weight) for f, n, w in weighted for i, label_weight in self._centroid_run(n) if i == index]
        return tuple(sorted(parts, key=lambda p: -p[1])[:8])


class FeatureNumbers:
    """The number of each feature the knowledge has.

    At 10,000 topics there are 400,000 features, nine in ten of them pairs ("contract|end"). As strings in a
    dict they took 55 MB; a pair as the numbers of its two terms, packed into one int64 beside its own
    number, takes 16 bytes. Looking pairs up that way costs a few numpy calls a question, so knowledge with
    fewer than COMPACT_FROM features (any a community writes by hand) keeps the plain dict.
    """

    __slots__ = ("_terms", "_width", "_pair_keys", "_pair_numbers")

    def __init__(self, numbered: Mapping[str, int], compact_from: int) -> None:
        self._width = len(numbered)
        firsts, seconds, numbers = array("q"), array("q"), array("i")
        if len(numbered) < compact_from:
            self._terms = dict(numbered)
        else:
            self._terms = {feature: number for feature, number in numbered.items() if PAIR not in feature}
            for feature, number in numbered.items():
                first, pair, second = feature.partition(PAIR)
                if pair:
                    firsts.append(self._terms[first])
                    seconds.append(self._terms[second])
                    numbers.append(number)
        keys = self._keys(firsts, seconds)
        order = np.argsort(keys, kind="stable")
        self._pair_keys = keys[order]
        self._pair_numbers = np.array(numbers, dtype=np.int32)[order]

    def _keys(self, firsts: Sequence[int], seconds: Sequence[int]) -> np.ndarray:
        """A pair's key: its two terms' numbers, in the pair's order, packed into one int64."""
        return np.array(firsts, dtype=np.int64) * self._width + np.array(seconds, dtype=np.int64)

    def known(self, features: Sequence[str]) -> list[int | None]:
        """Each feature's number, in order; None for a feature the knowledge does not have."""
        terms = self._terms
        out = [terms.get(feature) for feature in features]
        if not len(self._pair_keys):
            return out
        at, firsts, seconds = [], [], []
        for i, feature in enumerate(features):
            if out[i] is None:
                first, pair, second = feature.partition(PAIR)
                if pair and (a := terms.get(first)) is not None and (b := terms.get(second)) is not None:
                    at.append(i)
                    firsts.append(a)
                    seconds.append(b)
        if at:
            wanted = self._keys(firsts, seconds)
            found = np.minimum(np.searchsorted(self._pair_keys, wanted), len(self._pair_keys) - 1)
            hits = (self._pair_keys[found] == wanted).tolist()
            for i, hit, number in zip(at, hits, self._pair_numbers[found].tolist()):
                if hit:
                    out[i] = number
        return out


def _lead(scored: Sequence[Scored]) -> float:
    """How clearly the best label leads the runner-up: 1 for a lead of CLEAR_LEAD or more, 0 for a tie."""
    if not scored or scored[0].score <= 0:
        return 0.0
    best = scored[0].score
    runner_up = scored[1].score if len(scored) > 1 else 0.0
    return min(1.0, (best - runner_up) / (CLEAR_LEAD * best))


def _span(ends: array, number: int) -> tuple[int, int]:
    """Where run `number` of a CSR index is: from where the one before it ends, to its own end."""
    return (ends[number - 1] if number else 0), ends[number]


def _unit_rows(weights: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    """`weights` divided by the norm of their row. Each norm is summed one weight after another, in order
    (np.add.at does not reorder), as Python's sum did: the same floats to the last bit, so the same answers."""
    squares = np.zeros(count)
    np.add.at(squares, rows, weights * weights)
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    return weights / norms[rows]
