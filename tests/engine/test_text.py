"""The text pipeline folds what members type onto the knowledge's terms."""

from __future__ import annotations

from pathlib import Path

from collections import Counter

from bot.engine.text import Analyzer, TypoFixer, clean, features, words


def analyzer() -> Analyzer:
    concepts = {"jss": ["jss", "job success score"], "no-money": ["unpaid", "no payment", "$0", "not paid"]}
    return Analyzer(concepts, ["i", "the", "my", "is", "a", "have", "been"], ["will closing hurt my score", "contract released"])


def test_concept_phrases_become_one_term() -> None:
    assert analyzer().terms("My Job Success Score") == ["@jss"]
    assert analyzer().terms("I have not been paid") == ["@no-money"]


def test_money_written_with_digits() -> None:
    a = analyzer()
    assert a.terms("$0 contract") == ["@no-money", "contract"]
    assert a.terms("0$ contract") == ["@no-money", "contract"]
    assert "moneyamount" in words(clean("a $10,000 job"))
    assert "moneyamount" in words(clean("a 10k job"))


def test_contractions_without_apostrophes() -> None:
    assert words(clean("I havent been paid")) == ["i", "have", "not", "been", "paid"]
    assert words(clean("client won’t pay")) == ["client", "will", "not", "pay"]


def test_invisible_characters_are_removed() -> None:
    assert analyzer().terms("j\u200bss") == ["@jss"]


def test_typos_are_fixed_only_towards_known_words() -> None:
    fixer = TypoFixer(Counter({"contract": 3, "released": 2}))
    assert fixer.fix("contarct") == "contract"
    assert fixer.fix("relesed") == "released"
    assert fixer.fix("banana") == "banana"
    assert fixer.fix("cat") == "cat"


def test_features_pair_neighbours_regardless_of_order() -> None:
    assert features(["end", "contract"]) == features(["contract", "end"])


def test_stems_are_the_snowball_stems_whichever_implementation_runs() -> None:
    """PyStemmer (C) replaces the pure-Python stemmer for speed; it must give exactly the same stems."""
    import Stemmer

    from bot.engine.text import _stemmer, stem

    pinned = Path(__file__).with_name("stems.tsv").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("\t") for line in pinned if line and not line.startswith("#")]
    assert len(pairs) >= 300 and isinstance(_stemmer, Stemmer.Stemmer)
    assert [(word, stem(word)) for word, _ in pairs] == [(word, expected) for word, expected in pairs]
