"""Which of an SDK request's headers are protocol (they pass as they are) and which are
content (scanned and redacted like the body); the use-case header and context."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["STRUCTURAL_RAW", "USE_CASE_HEADER", "USE_CASE_RAW", "declared_use_case", "use_case"]

USE_CASE_HEADER = "x-rai-use-case"

# headers that are protocol, credentials or SDK telemetry; every other header a request
# carries is content (scanned and redacted like the body)
_STRUCTURAL_HEADERS = frozenset({
    "host", "content-type", "content-length", "accept", "accept-encoding", "connection",
    "user-agent", "authorization", "x-api-key", "api-key", "anthropic-version",
    "anthropic-beta", "openai-organization", "openai-project", "openai-beta",
    "idempotency-key", "traceparent", "tracestate", USE_CASE_HEADER,
})  # fmt: skip


STRUCTURAL_RAW = frozenset(h.encode() for h in _STRUCTURAL_HEADERS)  # and x-stainless-*
USE_CASE_RAW = USE_CASE_HEADER.encode()


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
