"""Matching what a caller said against menu keywords: case-, accent- and punctuation-blind,
whole words only (so "taxi" does not match "tax")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NOT_WORD = re.compile(r"[^0-9a-z]+")

# A caller who answers with a number word means the key: speech recognisers give "deux" as
# often as "2". Only a whole answer counts, since Dutch "een" is also the article "a".
NUMBER_WORDS: dict[str, dict[str, str]] = {
    "fr": {"zero": "0", "un": "1", "une": "1", "deux": "2", "trois": "3", "quatre": "4"}
    | {"cinq": "5", "six": "6", "sept": "7", "huit": "8", "neuf": "9"},
    "nl": {"nul": "0", "een": "1", "twee": "2", "drie": "3", "vier": "4", "vijf": "5"}
    | {"zes": "6", "zeven": "7", "acht": "8", "negen": "9"},
    "en": {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}
    | {"six": "6", "seven": "7", "eight": "8", "nine": "9"},
    "de": {"null": "0", "eins": "1", "zwei": "2", "drei": "3", "vier": "4", "funf": "5"}
    | {"sechs": "6", "sieben": "7", "acht": "8", "neun": "9"},
}


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by single spaces ("L'Impôt!" -> "l impot")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare).strip()


def words(text: str) -> tuple[str, ...]:
    return tuple(normalise(text).split())


def match_length(said: tuple[str, ...], keyword: str) -> int:
    """How many words of `keyword` matched as a run of whole words in `said` (0: no match)."""
    wanted = words(keyword)
    n = len(wanted)
    if n == 0:
        return 0
    for i in range(len(said) - n + 1):
        if said[i : i + n] == wanted:
            return n
    return 0


def best_match(said: str, candidates: Iterable[tuple[int, Iterable[str]]]) -> int | None:
    """The index whose keywords match `said` best: the longest matching keyword (in words, then
    characters) wins, so "taxe de stationnement" goes to parking rather than taxes; on a tie,
    the earlier candidate."""
    heard = words(said)
    best: tuple[int, int] = (0, 0)
    chosen: int | None = None
    for index, keywords in candidates:
        for keyword in keywords:
            n = match_length(heard, keyword)
            score = (n, len(normalise(keyword))) if n else (0, 0)
            if score > best:
                best, chosen = score, index
    return chosen


def spoken_digit(said: str, lang: str | None) -> str | None:
    """The key a spoken answer stands for ("2", "deux", "twee"), if the whole answer is one."""
    heard = words(said)
    if len(heard) != 1:
        return None
    word = heard[0]
    if len(word) == 1 and word.isdigit():
        return word
    tables = [NUMBER_WORDS[lang]] if lang in NUMBER_WORDS else list(NUMBER_WORDS.values())
    for table in tables:
        if word in table:
            return table[word]
    return None
