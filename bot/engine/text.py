"""Turn what members type into the terms matching compares: normalised, typo-fixed, stemmed, conceptualised.

Members write "havent been payed", "jss", "$0", "closing the gig". The pipeline folds all of that onto a
small set of terms so that the knowledge's example phrasings and a real question meet in the middle:

    text -> words -> negations to "not" -> typo fix (against the knowledge's own vocabulary) -> stem
         -> stopwords out -> concept phrases ("no payment", "$0", "unpaid" -> @no-money)
         -> a leftover "not" negates the next term ("never closed" -> !close, not close)

A negation reaches one word: the next one. When that word is a stopword ("I don't *want* to close it") the
negation is spent on it, and "close" stays what it is.

Concepts and stopwords come from the knowledge files, so moderators improve matching by editing data.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Iterable, Mapping

import snowballstemmer

#: Words that negate what follows are all read as "not": "no payment", "never paid", "without pay" and
#: "nothing paid" then meet the concept phrase "not paid" whichever way a member puts it.
NEGATION_WORDS = frozenset({"no", "not", "never", "without", "nothing", "none", "nobody", "neither", "nor"})
NOT = "not"
#: The prefix of a negated term: "the client never closed it" gives !close, which "closed" does not match.
NEGATED = "!"
#: Joins the two terms of a pair feature; no term contains it.
PAIR = "|"
#: Words a negation reaches past: "not even paid", "not yet closed", "never been paid".
_NEGATION_SKIPS = frozenset({
    "be", "been", "being", "yet", "even", "ever", "really", "actually", "already", "a", "an", "the", "any", "in",
    "get", "got", "gets", "getting",
})
#: A sentence asks something when it has a question mark or opens like a question ("will my jss drop").
_ASKING = re.compile(
    r"^(?:(?:so|and|but|also|now|ok|okay|hi|hello|hey|then|thanks|please|my question is|question)[\s,:!.]+)*"
    r"(?:will|would|does|do|did|is|are|am|can|could|should|shall|how|what|why|when|where|which|who|has|have|may|might"
    r"|any (?:advice|idea|ideas|suggestion|suggestions|thoughts|tips)|i (?:want to|would like to|need to) know|i wonder|wondering"
    r"|please (?:advise|help|let me know|tell me))\b",
    re.IGNORECASE,
)

#: Placeholders for money written with digits: "$0" is a concept of its own, other sums are "an amount".
ZERO_MONEY = "moneyzero"
SOME_MONEY = "moneyamount"

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u201c": '"', "\u201d": '"'})
_ZERO_MONEY_RE = re.compile(r"(?:\$\s*0+(?:[.,]0+)?(?![\d.,]*\d))|(?:\b0+(?:[.,]0+)?\s*(?:\$|usd\b|dollars?\b|bucks\b))")
_MONEY_RE = re.compile(
    r"(?:\$\s*\d[\d,]*(?:\.\d+)?\s*k?\b)|(?:\b\d[\d,]*(?:\.\d+)?\s*(?:k\b|\$|usd\b|dollars?\b|bucks\b))"
)
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")
_CONTRACTIONS = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not",
    "wont": "will not", "cant": "can not", "dont": "do not", "doesnt": "does not", "didnt": "did not",
    "havent": "have not", "hasnt": "has not", "hadnt": "had not", "isnt": "is not", "wasnt": "was not",
    "arent": "are not", "werent": "were not", "wouldnt": "would not", "shouldnt": "should not",
    "couldnt": "could not", "aint": "is not",
}
_NOT_RE = re.compile(r"\b[a-z]+n't\b")
_SUFFIX_RE = re.compile(r"'(?:s|re|ve|ll|d|m)\b")
_DIGIT = re.compile(r"\d")

_stemmer = snowballstemmer.stemmer("english")
#: No cache here: each Analyzer caches its own words, and a process-wide cache would outlive the snapshot that
#: filled it, its strings keeping the memory of a whole build from the system (60 MB at 10,000 topics).
_stemmer.maxCacheSize = 0


def stem(word: str) -> str:
    """Snowball's English stem (PyStemmer's C code, which snowballstemmer picks when it is installed)."""
    return _stemmer.stemWord(word)


def clean(text: str) -> str:
    """Unicode-fold, lowercase, and drop invisible characters (zero-width, bidi overrides)."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_QUOTES).lower()


def words(text: str) -> list[str]:
    """The words of a cleaned text, with contractions spelled out and money turned into placeholders."""
    if _DIGIT.search(text):
        text = _ZERO_MONEY_RE.sub(f" {ZERO_MONEY} ", text)
        text = _MONEY_RE.sub(f" {SOME_MONEY} ", text)
    if "'" in text:
        text = _NOT_RE.sub(_spell_out, text)
        text = _SUFFIX_RE.sub("", text)
    out = _WORD_RE.findall(text)
    if any(word in _CONTRACTIONS for word in out):
        out = [part for word in out for part in _CONTRACTIONS.get(word, word).split()]
    return out


def _spell_out(match: re.Match[str]) -> str:
    word = match.group(0)
    return _CONTRACTIONS.get(word) or f"{word[:-3]} not"


def sentences(text: str) -> list[str]:
    """Split a message into sentences; matching leans on the ones that ask something."""
    return [part.strip() for part in re.split(r"(?<=[?!.])\s+|\n+", text) if part.strip()]


def is_question(sentence: str) -> bool:
    """Whether a sentence asks something. Members often leave out the question mark."""
    return "?" in sentence or _ASKING.match(sentence.strip()) is not None


class TypoFixer:
    """Maps an unknown word to a known one a single slip away (one letter missing, extra, wrong or swapped).

    Known words come from the knowledge itself, so a fix can only ever land on a word the knowledge uses.
    Short words are left alone: at three letters almost everything is one slip from something else.
    """

    MIN_LENGTH = 5

    def __init__(self, vocabulary: Counter[str]) -> None:
        self.known = vocabulary
        by_delete: dict[str, list[str]] = {}
        for word in vocabulary:
            for variant in self._deletes(word) | {word}:
                by_delete.setdefault(variant, []).append(word)
        # Kept as one string per variant, the words space-separated (most variants have one): a list each
        # cost 15 MB at 10,000 topics.
        self.by_delete = {variant: " ".join(known) for variant, known in by_delete.items()}

    @staticmethod
    def _deletes(word: str) -> set[str]:
        return {word[:i] + word[i + 1 :] for i in range(len(word))}

    def fix(self, word: str) -> str:
        if word in self.known or len(word) < self.MIN_LENGTH or not word.isalpha():
            return word
        candidates: set[str] = set(self.by_delete.get(word, "").split())
        for variant in self._deletes(word):
            candidates.update(self.by_delete.get(variant, "").split())
        candidates = {c for c in candidates if abs(len(c) - len(word)) <= 1 and len(c) >= self.MIN_LENGTH - 1}
        if not candidates:
            return word
        return max(sorted(candidates), key=lambda c: (c[0] == word[0], self.known[c]))


class Analyzer:
    """The text pipeline for one knowledge snapshot. Built once per load; `terms` is the hot path."""

    #: Words seen before skip the typo fixer and the stemmer; members reuse a small vocabulary.
    CACHE_SIZE = 100_000

    def __init__(self, concepts: Mapping[str, Iterable[str]], stopwords: Iterable[str], corpus: Iterable[str]) -> None:
        self._cache: dict[str, str] = {}
        self.stopwords = frozenset(stem(w) for w in stopwords) - {NOT}
        vocabulary: Counter[str] = Counter()
        for text in corpus:
            vocabulary.update(words(clean(text)))
        for terms in concepts.values():
            for term in terms:
                vocabulary.update(words(clean(term)))
        self.typos = TypoFixer(vocabulary)
        phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        owner: dict[tuple[str, ...], str] = {}
        #: (concept, term, why) for terms that can never match as written: moderators must hear of them.
        self.unusable: list[tuple[str, str, str]] = []
        for concept, terms in concepts.items():
            for term in terms:
                stems = tuple(self._stems(words(clean(term))))
                if not stems:
                    self.unusable.append((concept, term, "is made only of stopwords, so it never matches"))
                elif owner.setdefault(stems, concept) != concept:
                    self.unusable.append((concept, term, f"reads the same as a term of concept '{owner[stems]}' once word endings are ignored; a term can mean one thing only"))
                elif stems not in (p for p, _ in phrases.get(stems[0], ())):
                    phrases.setdefault(stems[0], []).append((stems, "@" + concept))
        # Longest phrase first, so "job success score" wins over "job".
        self.phrases = {first: sorted(options, key=lambda o: -len(o[0])) for first, options in phrases.items()}

    def _spelled(self, word: str) -> str:
        """A word's stem after typo fixing, every negation as "not". Cached per word: the typo fixer is the
        costly part, and members reuse a small vocabulary."""
        cached = self._cache.get(word)
        if cached is None:
            cached = NOT if word in NEGATION_WORDS else stem(self.typos.fix(word))
            if len(self._cache) < self.CACHE_SIZE:
                self._cache[word] = cached
        return cached

    def _stem(self, word: str) -> str | None:
        """A word's stem, or None for a stopword."""
        stemmed = self._spelled(word)
        return None if stemmed in self.stopwords else stemmed

    def _stems(self, raw_words: Iterable[str]) -> list[str]:
        """Stems without stopwords; a "not" stays only while a content word can still follow it."""
        out: list[str] = []
        negating = False
        for word in raw_words:
            stemmed = self._stem(word)
            if stemmed is None:
                if negating and word not in _NEGATION_SKIPS:
                    out.pop()  # spent on a stopword: "don't want to close" does not negate "close"
                    negating = False
                continue
            out.append(stemmed)
            negating = stemmed == NOT
        return out

    def stems(self, text: str) -> list[str]:
        """Every word of `text` typo-fixed and stemmed, negations as "not", stopwords kept: what situation cues
        are matched on, where "paid me" must not shrink to "paid"."""
        return [self._spelled(word) for word in words(clean(text))]

    def terms(self, text: str) -> list[str]:
        """The matching terms of `text`: concept ids (`@jss`), the stems no concept claimed, negated ones (`!close`)."""
        stems = self._stems(words(clean(text)))
        out: list[str] = []
        i = 0
        while i < len(stems):
            term, i = self._term_at(stems, i)
            if term != NOT:
                out.append(term)
            elif i < len(stems) and stems[i] != NOT:
                negated, i = self._term_at(stems, i)
                out.append(NEGATED + negated)
        return out

    def _term_at(self, stems: list[str], i: int) -> tuple[str, int]:
        """The term starting at `i` (the longest concept phrase, else the stem itself) and where the next starts."""
        for phrase, concept in self.phrases.get(stems[i], ()):
            if tuple(stems[i : i + len(phrase)]) == phrase:
                return concept, i + len(phrase)
        return stems[i], i + 1


def features(terms: list[str]) -> Counter[str]:
    """Terms plus unordered pairs of neighbours: "end contract" and "contract ended" give the same pair."""
    bag = Counter(terms)
    for a, b in zip(terms, terms[1:]):
        if a != b:
            bag[f"{a}{PAIR}{b}" if a < b else f"{b}{PAIR}{a}"] += 1
    return bag
