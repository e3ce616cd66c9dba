"""The name gate's two ways of placing its candidates (`str.find` per candidate for a few,
one pass over the text's pieces by index for many) give the same windows, and every
candidate lies in a window."""

from __future__ import annotations

import itertools
import random

import pytest

from responsible_ai._pii._names import _gate
from responsible_ai._pii._names._lexicon import lexicon

_WORDS = [
    *("call", "will", "mark", "Hi", "hi", "thanks", "Thanks", "john", "jane", "Jane"),
    *("Smith", "smith", "the", "a", "of", "van", "der", "de", "St", "Street", "Main"),
    *("12", "4111", "GB82", "WEST", "priya", "leeds", "Leeds", "London", "to", "in"),
    *("at", "Best", "regards", "Dr", "Mr", "Acme", "GmbH", "Ltd.", "Inc", "dear", "Dear"),
    *("email", "contact", "ask", "meet", "Zoë", "Müller", "Hauptstraße", "東京", "José"),
    *("café", "ß", "İstanbul", "١٢٣", "½", "€", "O'Brien", "Mary-Jane", "rock'n'roll"),
    *("budget", "please", "team"),
]
_SEPARATORS = [" ", "  ", ", ", ". ", "\n", "-", "'", "\u2019", "/", "@", "_", "\u00a0", "—", ""]


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = [
        "Hi team, call will about it. Thanks jane.",
        "Refund to IBAN GB82 WEST 1234 5698 7654 32 for Jane Roe in Leeds.",
        "hi, priya smith here; email mark or ask john-paul o'neil",
    ]
    for _ in range(n):
        text = "".join(
            rng.choice(_WORDS) + rng.choice(_SEPARATORS) for _ in range(rng.randint(1, 60))
        )
        out.append(rng.choice([text, text, text.upper(), text.lower()]))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_by_find_and_by_index_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text's windows and places of digits are the same either way."""
    lex = lexicon()
    g = _gate.gate(lex)
    for text in _texts(400, seed):
        monkeypatch.setattr(_gate, "_FEW", 10**9)
        by_find = _gate.windows(text, g, lex)
        monkeypatch.setattr(_gate, "_FEW", -1)
        by_index = _gate.windows(text, g, lex)
        assert by_find == by_index, text


def test_windows_hold_every_name_word() -> None:
    """The windows are in order and apart, and hold each capitalised word that is no
    common word ("Roe", "Leeds"), from the safe word before it to the one after it."""
    lex = lexicon()
    g = _gate.gate(lex)
    text = "Please send it to Jane Roe at the branch in Leeds, and thank the team. " * 20
    spans, digits = _gate.windows(text, g, lex)
    assert digits == []
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    for word in ("Jane", "Roe", "Leeds"):
        at = text.find(word)
        while at != -1:
            assert any(s <= at and at + len(word) <= e for s, e in spans), (word, at)
            at = text.find(word, at + 1)
    short = "Please send it to Jane Roe at the branch."
    assert [short[s:e] for s, e in _gate.windows(short, g, lex)[0]] == ["to Jane Roe at"]
