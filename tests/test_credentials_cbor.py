"""The CBOR decoder the verifier runs on untrusted stores: what it reads and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from responsible_ai._credentials._cbor import CborError, Tagged, dumps, loads

ints = st.integers(min_value=-(2**64), max_value=2**64 - 1)
scalars = st.one_of(
    ints,
    st.binary(max_size=300),
    st.text(max_size=300),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=10),
        st.dictionaries(st.one_of(st.text(max_size=20), ints), inner, max_size=10),
    ),
    max_leaves=40,
)


@given(values)
def test_round_trip(value: Any) -> None:
    assert loads(dumps(value)) == value


@settings(max_examples=40)
@given(values)
def test_every_cut_is_refused(value: Any) -> None:
    """Any prefix of an encoding is refused, never read as something else."""
    data = dumps(value)
    for cut in range(len(data)):
        with pytest.raises(CborError):
            loads(data[:cut])


def test_tags_and_floats() -> None:
    assert loads(bytes.fromhex("d81280")) == Tagged(18, [])
    assert loads(bytes.fromhex("da0012345601")) == Tagged(0x123456, 1)  # a big tag number
    assert loads(bytes.fromhex("f93c00")) == 1.0
    assert loads(bytes.fromhex("fb3ff8000000000000")) == 1.5


@pytest.mark.parametrize(
    ("hexed", "why"),
    [
        ("9f01ff", "indefinite"),  # an indefinite array
        ("a2616101616102", "duplicate"),
        ("a1800101", "not a scalar"),  # an array as a map key
        ("0101", "trailing"),
        ("62ff fe", "UTF-8"),
        ("9b ffffffffffffffff", "truncated"),  # a length past the end: no allocation
        ("1c", "reserved"),
        ("f8 20", "simple"),
        ("81" * 40 + "01", "deeply"),
        ("824178", "truncated"),  # the last element of an array missing
        ("a2616101 6162", "truncated"),  # the last value of a map missing
        ("a1d8188001", "not a scalar"),  # a tag holding an array as a map key
    ],
)
def test_refused(hexed: str, why: str) -> None:
    with pytest.raises(CborError, match=why):
        loads(bytes.fromhex(hexed.replace(" ", "")))
