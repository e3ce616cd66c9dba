"""Scanners and decoders are linear with bounded hold-back (issue 13): a token that
never ends cannot make a stream hold back without bound or rescan what it holds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import responsible_ai as rai
from responsible_ai._pii import OutputScanner, Redactor
from responsible_ai._policy import PiiRule
from responsible_ai._sse import SSEDecoder

R = Redactor()


def _stream(mode: str, text: str, chunk: int = 16) -> tuple[str, int, OutputScanner]:
    scanner = OutputScanner(R, R.plan.merged(PiiRule(output=mode), "test"))  # type: ignore[arg-type]
    out, held = [], 0
    for i in range(0, len(text), chunk):
        out.append(scanner.feed(text[i : i + chunk]))
        held = max(held, len(scanner._pending))
    out.append(scanner.flush())
    return "".join(out), held, scanner


@pytest.mark.parametrize(
    "token",
    ["sk-" + "a" * 50_000, "Bearer " + "b" * 50_000, "https://example.test/" + "c" * 50_000],
)
def test_a_token_that_never_ends_is_held_back_within_bounds(token: str) -> None:
    text = f"here: {token} and then some ordinary words follow."
    masked, held, scanner = _stream("mask", text)
    assert held <= 1024 + 16
    assert token[-20:] not in masked and "ordinary words follow" in masked
    assert len(scanner.findings) == 1 and scanner.findings[0].end == 6 + len(token)
    reported, held, scanner = _stream("report", text)
    assert reported == text and held <= 2 * 1024
    assert len(scanner.findings) == 1


def test_block_refuses_early() -> None:
    with pytest.raises(rai.PIIBlocked):
        _stream("block", "key sk-" + "a" * 50_000)


events = st.lists(
    st.sampled_from(
        [
            b"data: a",
            b"data: \xc3\xa9",
            b"event: x",
            b"id: 7",
            b":c",
            b"data",
            b" ",
            b"\n",
            b"\r",
            b"\r\n",
            b"\n\n",
        ]
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(events, st.lists(st.integers(min_value=1, max_value=9), max_size=12))
def test_sse_decoding_does_not_depend_on_chunking(parts: list[bytes], sizes: list[int]) -> None:
    data = b"".join(parts) + b"\n"
    whole = [(e.event, e.data, e.id) for e in SSEDecoder().feed(data)]
    decoder, pos, got = SSEDecoder(), 0, []
    for size in [*sizes, len(data)]:
        got += [(e.event, e.data, e.id) for e in decoder.feed(data[pos : pos + size])]
        pos += size
    assert got == whole


@pytest.mark.parametrize("lines", [2, 20, 400])
def test_a_private_key_longer_than_the_window_never_streams_out(lines: int) -> None:
    body = ("QUJDRA" * 10 + "\n") * lines
    text = f"key:\n-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\nafter."
    masked, held, scanner = _stream("mask", text)
    assert "QUJDRA" not in masked and masked.endswith("after.") and held <= 1024 + 16
    assert [f.entity_type for f in scanner.findings] == ["PRIVATE_KEY"]


def test_a_whole_private_key_split_at_the_hold_back_bound_is_masked_to_its_end() -> None:
    """A complete key block that straddles the emission point and is longer than the
    hold-back bound is split: the rest of it is the key up to END, not up to a newline."""
    body = ("QUJDRA" * 10 + "\n") * 40
    text = f"key:\n-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\nxx"
    scanner = OutputScanner(R, R.plan.merged(PiiRule(output="mask"), "test"))  # type: ignore[arg-type]
    out = scanner.feed(text) + scanner.flush()
    assert "QUJDRA" not in out and out.endswith("xx")
    assert [f.entity_type for f in scanner.findings] == ["PRIVATE_KEY"]
