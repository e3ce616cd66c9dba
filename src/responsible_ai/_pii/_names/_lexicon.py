"""The word lists the name detector looks words up in, shipped in the package.

``_data/`` holds first names and surnames (Faker's lists for 86 locales, MIT), places
(GeoNames cities of 5,000 people or more, countries, US states and continents, CC-BY 4.0;
Faker's regions and provinces) and lower-case English words (SCOWL, size 50). Accented
entries are also there without their accents. ``scripts/build_ner_data.py`` rebuilds them.

They are read once per process, on the first detector built (not at import): about
25 ms, 200,000 strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Lexicon", "lexicon"]


@dataclass(frozen=True, slots=True, eq=False)  # one per process: hashed by identity, in C
class Lexicon:
    first: frozenset[str]
    last: frozenset[str]
    places: frozenset[str]  # one word or several, as written ("New York", "Rio de Janeiro")
    words: frozenset[str]  # lower-case English words
    major: frozenset[str]  # countries, states, cities of 500,000 people or more
    street_suffixes: frozenset[str]  # lower case: "street", "mills", "crescent"


def _read(name: str) -> list[str]:
    text = resources.files(__package__).joinpath("_data", name).read_text(encoding="utf-8")
    return text.split("\n")


@cache
def lexicon() -> Lexicon:
    return Lexicon(
        first=frozenset(_read("first_names.txt")),
        last=frozenset(_read("last_names.txt")),
        places=frozenset(_read("places.txt")),
        words=frozenset(_read("words.txt")),
        major=frozenset(_read("major_places.txt")),
        street_suffixes=frozenset(w for w in _read("street_suffixes.txt") if w),
    )
