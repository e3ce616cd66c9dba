"""The word lists the name detector looks words up in, shipped in the package.

``_data/`` holds first names and surnames (Faker's lists for 86 locales, MIT), places
(GeoNames cities of 5,000 people or more, countries, US states and continents, CC-BY 4.0;
Faker's regions and provinces) and lower-case English words (SCOWL, size 50). Accented
entries are also there without their accents. ``scripts/build_ner_data.py`` rebuilds them.

They are read once per process, on the first detector built (not at import): about
25 ms, 200,000 strings. The large lists are held as dictionaries with no values
(`WordSet`), not frozensets: CPython's collector stops tracking a dictionary that holds
only strings, whereas it walks a frozenset's every member at each full collection of the
host process (six lists of this size made every full collection ~35 ms slower, and a
scan that allocates much, such as a text dense with names, paid for it more than once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Lexicon", "WordSet", "lexicon", "word_set"]

WordSet = dict[str, None]  # a set of words the collector need not walk (see the module)


def word_set(words: Iterable[str]) -> WordSet:
    """`words` as a `WordSet`: membership by `in`, as a set's."""
    return dict.fromkeys(words)


@dataclass(frozen=True, slots=True, eq=False)  # one per process: hashed by identity, in C
class Lexicon:
    first: WordSet
    last: WordSet
    places: WordSet  # one word or several, as written ("New York", "Rio de Janeiro")
    words: WordSet  # lower-case English words
    major: frozenset[str]  # countries, states, cities of 500,000 people or more
    street_suffixes: frozenset[str]  # lower case: "street", "mills", "crescent"


def _read(name: str) -> list[str]:
    text = resources.files(__package__).joinpath("_data", name).read_text(encoding="utf-8")
    return text.split("\n")


@cache
def lexicon() -> Lexicon:
    return Lexicon(
        first=word_set(_read("first_names.txt")),
        last=word_set(_read("last_names.txt")),
        places=word_set(_read("places.txt")),
        words=word_set(_read("words.txt")),
        major=frozenset(_read("major_places.txt")),
        street_suffixes=frozenset(w for w in _read("street_suffixes.txt") if w),
    )
