"""The built-in name detector: people, places and organisations in free text.

No model and no download: word lists shipped in the package (`_lexicon`, `_words`) and
the shape of the text. A text is cut into words once (`_tokens`); runs of capitalised
words (with the particles of names: "van der", "de la", "bin") are the candidates, and
each run is judged (`_judge`) by what its words are (a known first name, a surname, a
place, a common English word, a title, a company suffix, a street word) and by the words
around it ("Dear", "in", "said"). Street addresses (`_address`) and organisations
(`_orgs`) have their own shapes. In JSON, a key is evidence too (`_keys`).

Judged that way, a common word needs evidence to be a name ("Will" alone is not one,
"Will Turner" is, "Dear Will" is), and a word that is nothing known needs a shape
("Mr Okonkwo", "Okonkwo & Partners", "12 Harbour Road"). Lower-case names count
too, where neither word is an English word ("ask priya sharma").

Linear in the text: one regex pass for words, one for street addresses, set lookups
for each capitalised word (and each lower-case word that could be a name).
"""

from ._detector import NameDetector
from ._keys import (
    KeyHints,
    handle_key,
    handle_named,
    id_lead,
    name_shaped,
    record_shaped,
    yyyymmdd,
)
from ._lexicon import lexicon
from ._words import (
    MONTHS_DAYS,
    NOT_NAMES,
    NOT_SURNAME,
    ORG_HEADS,
    ORG_LINKS,
    ORG_TAILS,
    PARTICLES,
    RECORD_DROPS,
    TITLES,
)

__all__ = [
    "NAME_DROPS",
    "RECORD_DROPS",
    "KeyHints",
    "NameDetector",
    "handle_key",
    "handle_named",
    "id_lead",
    "is_english_word",
    "name_shaped",
    "names_someone",
    "record_shaped",
    "yyyymmdd",
]

# the words of a name that are not the name: never looked for alone
NAME_DROPS = TITLES | PARTICLES | ORG_TAILS | ORG_HEADS | ORG_LINKS | frozenset({"the"})


def is_english_word(low: str) -> bool:
    """Whether a word (lower case) is an English word to the name detector."""
    lex = lexicon()
    return low in lex.words or low in MONTHS_DAYS or low in NOT_NAMES


def names_someone(word: str) -> bool:
    """Whether a capitalised word is a first name or a surname of its own ("John" in
    "John Smith"; not "Can" in "Can Smith ...")."""
    if not word[:1].isupper():
        return False
    lex = lexicon()
    key = word[:1] + word[1:].lower()
    return (key in lex.first or key in lex.last) and word.lower() not in NOT_SURNAME
