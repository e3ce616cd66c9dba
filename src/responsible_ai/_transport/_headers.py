"""The library's own request headers (the use case, the units a call declares, ...), read
and never sent, and their contexts; which other headers are protocol is `_protocol`'s."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager

from .._conversations import conversation_id
from .._errors import ConfigurationError

__all__ = [
    "CHANNEL_HEADER",
    "CONVERSATION_HEADER",
    "CREDENTIALS_HEADER",
    "OWN_HEADERS",
    "UNITS_HEADER",
    "UNITS_RAW",
    "USE_CASE_HEADER",
    "USE_CASE_RAW",
    "conversation_of",
    "declared_units",
    "declared_use_case",
    "marking_of",
    "read_units",
    "units",
    "use_case",
]

USE_CASE_HEADER = "x-rai-use-case"
UNITS_HEADER = "x-rai-units"  # the units a request declares (a campaign's recipients)
MAX_UNITS = 10**15  # a count, not a number of any size (the counters are integers)

USE_CASE_RAW = USE_CASE_HEADER.encode()
CREDENTIALS_HEADER = "x-rai-credentials"  # "on" | "off": the call's Content Credentials
CHANNEL_HEADER = "x-rai-channel"  # where the answer is published (its carrier)
UNITS_RAW = UNITS_HEADER.encode()
CONVERSATION_HEADER = "x-rai-conversation"  # the conversation a request is a turn of
OWN_HEADERS = frozenset({
    USE_CASE_RAW, UNITS_RAW, CREDENTIALS_HEADER.encode(), CHANNEL_HEADER.encode(),
    CONVERSATION_HEADER.encode(),
})  # fmt: skip
"""The library's own request headers: read by the transport, never sent."""

_COUNT = re.compile(rb"[0-9]{1,15}")
_SWITCH = {"on": True, "off": False}


def marking_of(values: dict[bytes, list[str]]) -> tuple[bool | None, str | None]:
    """The call's ``credentials`` and ``channel`` from the library's own headers (each at
    most once; ``x-rai-credentials`` is ``on`` or ``off``)."""
    switch = values.get(CREDENTIALS_HEADER.encode(), [])
    channel = values.get(CHANNEL_HEADER.encode(), [])
    if len(switch) > 1 or len(channel) > 1:
        raise ConfigurationError("x-rai-credentials and x-rai-channel may each be sent once")
    asked = None
    if switch:
        asked = _SWITCH.get(switch[0].strip().lower())
        if asked is None:
            raise ConfigurationError('x-rai-credentials must be "on" or "off"')
    return asked, (channel[0].strip() if channel else None)


def conversation_of(values: dict[bytes, list[str]]) -> str | None:
    """The request's ``x-rai-conversation`` (at most once; checked as any id is)."""
    found = values.get(CONVERSATION_HEADER.encode(), [])
    if len(found) > 1:
        raise ConfigurationError("x-rai-conversation may be sent once")
    return conversation_id(found[0]) if found else None


declared_use_case: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "rai_use_case", default=None
)


@contextmanager
def use_case(tag: str) -> Iterator[str]:
    """SDK calls made through a governed http client inside this block declare `tag`."""
    token = declared_use_case.set(tag)
    try:
        yield tag
    finally:
        declared_use_case.reset(token)


declared_units: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "rai_units", default=None
)


@contextmanager
def units(count: int) -> Iterator[int]:
    """SDK calls made through a governed http client inside this block declare `count`
    units (what a ``units`` limit counts: a campaign's recipients, say); a request's
    ``x-rai-units`` header wins over it."""
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_UNITS:
        raise TypeError(f"units must be a count (an int from 0 to {MAX_UNITS})")
    token = declared_units.set(count)
    try:
        yield count
    finally:
        declared_units.reset(token)


def read_units(values: list[bytes]) -> int | None:
    """The units the ``x-rai-units`` header values declare (None: no header); anything
    but one count of decimal digits is refused, and its value never repeated."""
    if not values:
        return None
    if len(values) > 1 or not _COUNT.fullmatch(values[0].strip()):
        raise ConfigurationError(
            f"the {UNITS_HEADER} header must be one count of units (decimal digits, at "
            f"most {MAX_UNITS})"
        )
    return int(values[0])
