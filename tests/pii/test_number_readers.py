"""The number readers' shortcuts give what the plain reading gives: the IPv6 check beside
`ipaddress`, the context words found once per text beside the windows, a short run's
dates matched at its digit groups beside a search of the window."""

from __future__ import annotations

import ipaddress
import random

import pytest

from responsible_ai._pii._context import CONTEXT
from responsible_ai._pii._dates import date_spans
from responsible_ai._pii._network import ipv6_valid
from responsible_ai._pii._normalize import lowered


def _ipaddress_valid(token: str) -> bool:
    try:
        ipaddress.IPv6Address(token)
    except ValueError:
        return False
    return True


_PIECES = ["", "0", "00", "1", "01", "ffff", "FE80", "db8", "12345", "g", "192", "255", "256"]


def _tokens(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = ["::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", ":1:2:3:4:5:6:7:8"]
    out += ["::ffff:192.0.2.1", "::ffff:192.0.2.01", "64:ff9b::198.51.100.1", "1::2::3"]
    out += ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1:::2", ":::", "1.2.3.4::"]
    for _ in range(n):
        if rng.random() < 0.5:
            out.append("".join(rng.choice("0123456789abcdefABCDEF:.::") for _ in range(20)))
        else:
            sep = rng.choice([":", ":", ":", "."])
            out.append(sep.join(rng.choice(_PIECES) for _ in range(rng.randint(1, 10))))
    return out


class TestIpv6Valid:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_agrees_with_ipaddress(self, seed: int) -> None:
        """Every token of hex digits, colons and dots: valid exactly when ipaddress says so."""
        for token in _tokens(5000, seed):
            assert ipv6_valid(token) == _ipaddress_valid(token), token


_WORDS = ["phone", "card", "order", "ssn", "tel", "cc", "ip", "born", "id ", "version", "x"]
_NUMBERS = ["4111 1111 1111 1111", "234-56-7890", "(415) 555-0132", "10.0.0.1", "02"]


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(_WORDS + _NUMBERS) for _ in range(rng.randint(1, 30))) for _ in range(n)
    ]


class TestContextIndex:
    @pytest.mark.parametrize("entity", sorted(CONTEXT))
    def test_same_scores_as_the_windows(self, entity: str) -> None:
        """A score looked up in the text's words, found once, is the windows' score."""
        context = CONTEXT[entity]
        for text in _texts(300, 7):
            low = lowered(text)
            index = context.index(low)
            for start in range(0, len(text), 3):
                for end in (start + 1, start + 9, start + 19):
                    for base in (0.15, 0.45, 0.85):
                        windows = context.score(low, start, end, base)
                        assert context.score(low, start, end, base, index) == windows


_DATE_PIECES = ["2000-04-16", "16/04/2000", "11:34", "11:34:35", "pm", "12", "1", "20000416"]
_DATE_SEPS = [" ", ":", "-", "/", ".", "T", ", ", " at "]


class TestDatesOfARun:
    def test_anchored_is_the_search(self) -> None:
        """The dates and times that start in [lo, before), matched at the digit groups,
        are those a search of [lo, hi) finds that start before `before`."""
        rng = random.Random(11)
        for _ in range(2000):
            text = "".join(
                rng.choice(_DATE_PIECES) + rng.choice(_DATE_SEPS) for _ in range(rng.randint(1, 8))
            )
            lo = rng.randrange(len(text))
            before = rng.randint(lo, min(len(text), lo + 12))
            hi = min(len(text), before + 40)
            searched = [d for d in date_spans(text, lo, hi) if d[0] < before]
            assert list(date_spans(text, lo, hi, before)) == searched, (text, lo, before)
