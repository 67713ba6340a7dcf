"""How likely each label is for a question: a softmax regression trained on the knowledge's own examples.

The matcher ranks labels by similarity, which finds the right topic often but says little about how sure
to be: on real members' posts its confidence scored right and wrong answers alike. A classifier trained on
the examples learns which features tell *these* labels apart (a "dispute" word against an "escrow" word),
and its probability for the matcher's choice separates right answers from wrong ones far better. It is
retrained with every snapshot, in well under a second for community-sized knowledge; past `MAX_LABELS`
labels (the synthetic benchmarks) it is skipped and the matcher's confidence is used alone.

Plain numpy, sparse by hand: rows are examples, columns are the analyzer's features, each row scaled to
unit length like the matcher's vectors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

import numpy as np

#: Past this many labels, training costs more than it is worth for a bot answering in milliseconds.
MAX_LABELS = 200
#: L2 penalty on the weights (per example): small, since the examples are few and short.
PENALTY = 1e-4
STEPS = 120
LEARNING_RATE = 1.0


@dataclass(frozen=True, slots=True)
class Classifier:
    labels: tuple[str, ...]
    columns: dict[str, int]
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray  # (labels,)
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def probability(self, bag: Iterable[str], label: str) -> float:
        """How likely `label` is for a question with these features (0 for a label it was not trained on)."""
        index = self._index.get(label)
        return 0.0 if index is None else float(self._softmax(bag)[index])

    def _softmax(self, bag: Iterable[str]) -> np.ndarray:
        unique = set(bag)
        cols = sorted(self.columns[f] for f in unique if f in self.columns)  # one summing order, every process
        logits = self.bias.copy()
        if cols:
            # Scaled by all the question's features, known or not: words no example uses dilute it.
            logits += self.weights[cols].sum(axis=0) / np.sqrt(len(unique))
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return p

    def __post_init__(self) -> None:
        # Where each label's probability sits, filled once: the dataclass is frozen.
        object.__setattr__(self, "_index", {label: i for i, label in enumerate(self.labels)})


#: Bump when training or the stored arrays change: a cached classifier from another version is never used.
FORMAT = 2


def training_key(examples: Sequence[tuple[str, Iterable[str]]]) -> str:
    """A digest of everything a fit depends on: the data, the settings, this module's format, numpy's version."""
    digest = hashlib.sha256(f"{FORMAT}|{PENALTY}|{STEPS}|{LEARNING_RATE}|{MAX_LABELS}|{np.__version__}".encode())
    for label, bag in examples:
        digest.update(label.encode() + b"\0" + "\1".join(sorted(set(bag))).encode() + b"\0")
    return digest.hexdigest()[:32]


def to_arrays(classifier: Classifier) -> dict[str, np.ndarray]:
    return {
        "labels": np.array(classifier.labels), "columns": np.array(list(classifier.columns)),
        "weights": classifier.weights, "bias": classifier.bias,
    }


def from_arrays(arrays: Mapping[str, np.ndarray]) -> Classifier:
    columns = [str(c) for c in arrays["columns"]]
    return Classifier(tuple(str(label) for label in arrays["labels"]), {c: i for i, c in enumerate(columns)},
                      np.asarray(arrays["weights"]), np.asarray(arrays["bias"]))


def train(examples: Sequence[tuple[str, Iterable[str]]]) -> Classifier | None:
    """Fit on (label, features) pairs; None when there are too many labels to be worth it.

    A reload of unchanged knowledge (and every test building the same snapshot) reuses the last fits: the
    key is the training data itself, so any change to an example, a concept or a stopword retrains.
    """
    return _fit(tuple((label, frozenset(bag)) for label, bag in examples))


def worth_training(label_count: int) -> bool:
    return 2 <= label_count <= MAX_LABELS


@lru_cache(maxsize=4)
def _fit(examples: tuple[tuple[str, frozenset[str]], ...]) -> Classifier | None:
    labels = tuple(dict.fromkeys(label for label, _ in examples))
    if not worth_training(len(labels)):
        return None
    label_index = {label: i for i, label in enumerate(labels)}
    columns: dict[str, int] = {}
    starts, cols, targets = [], [], []
    for label, unique in examples:
        if not unique:
            continue
        starts.append(len(cols))
        targets.append(label_index[label])
        cols += [columns.setdefault(feature, len(columns)) for feature in sorted(unique)]
    count, width = len(targets), len(labels)
    row_starts = np.asarray(starts, dtype=np.int64)
    cols_a = np.asarray(cols, dtype=np.int64)
    lengths = np.diff(np.append(row_starts, len(cols_a)))
    rows_a = np.repeat(np.arange(count), lengths)
    values = (1.0 / np.sqrt(lengths)).astype(np.float32)[rows_a][:, None]
    # The same entries sorted by column, for the gradient: every column has at least one entry.
    by_column = np.argsort(cols_a, kind="stable")
    col_starts = np.flatnonzero(np.diff(np.append(-1, cols_a[by_column])))
    y = np.zeros((count, width), dtype=np.float32)
    y[np.arange(count), targets] = 1.0
    weights = np.zeros((len(columns), width), dtype=np.float32)
    bias = np.zeros(width, dtype=np.float32)
    # Adam on the mean cross-entropy: deterministic, and converged within STEPS on community-sized knowledge.
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    beta1, beta2 = 0.9, 0.999
    for step in range(1, STEPS + 1):
        logits = np.add.reduceat(weights[cols_a] * values, row_starts, axis=0) + bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = (p - y) / count
        grad_w = np.add.reduceat((error[rows_a] * values)[by_column], col_starts, axis=0) + PENALTY * weights
        grad_b = error.sum(axis=0)
        for param, grad, m, v in ((weights, grad_w, moments[0], moments[1]), (bias, grad_b, moments[2], moments[3])):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= LEARNING_RATE * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    return Classifier(labels, columns, weights, bias)
