"""Is a message written in English? The knowledge is English, so a question in another language gets a
short "English only" reply instead of a guess built from the few words that happen to look English.

Function words decide: every language uses a small set of them in almost every sentence, and the sets
barely overlap. Words spelled the same in English and another language ("no", "me", "a") are left out.
"""

from __future__ import annotations

import re

_ENGLISH = frozenset(
    "the is are am i my me to and of it will would does do did if in for on with not have has this that "
    "you your what how can could should be was were been my an or but from they he she we so there".split()
)
_OTHER = frozenset(
    # Spanish, Portuguese, French, German, Italian, Dutch, Indonesian, Turkish, Romanian
    "el la los las que del por para con una es mi pero cómo qué cuando tengo puedo está muy también "
    "não é uma meu minha você isso tenho posso está porque então "
    "le les des est je mon pas avec pour vous et qui sur dans mais ça suis peut "
    "der das und ist ich nicht mit ein eine mein wie kann auf für habe oder aber "
    "il di che è sono mio come questo ho posso anche "
    "het een niet ik van mijn zijn heb "
    "saya tidak dan yang apakah dengan ini itu untuk bisa "
    "ve bir bu için ne ama "
    "și este pentru nu".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Letters past the Latin blocks (IPA, Greek, Cyrillic, Arabic, CJK...).
_BEYOND_LATIN = re.compile("[\u0250-\U0010ffff]")
#: Below this many letters a message says too little to judge ("ok", "JSS?").
MIN_LETTERS = 12


def looks_english(text: str) -> bool:
    letters = "".join(filter(str.isalpha, text))  # one pass in C: a long post has thousands of characters
    if len(letters) < MIN_LETTERS:
        return True
    latin = len(letters) - len(_BEYOND_LATIN.findall(letters))
    if latin < len(letters) / 2:
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in _ENGLISH for w in words)
    other = sum(w in _OTHER for w in words)
    return not (other >= 2 and other > english)
