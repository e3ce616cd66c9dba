"""Which of an SDK request's headers are protocol: the only ones that leave unscanned, each
only in its protocol's strict form and, where the protocol names one, for its provider.

A header whose value is not in that form — an ``Accept`` that is no media type the SDKs
ask for, a ``charset`` other than UTF-8, an ``anthropic-version`` that is no published
version, a ``Host`` that is not the provider's, a ``traceparent`` that is not the current
span's, a credential header the provider does not use — is content, scanned and
redacted like the body. Every other header is content too. The provider's own credential
header leaves only holding the provider's key (`_steps.admit.provider_key`), and a body's
framing (``Content-Length``, ``Transfer-Encoding``) is never the caller's.
"""

from __future__ import annotations

import re

from .._clock import current_trace
from .._policy import Provider

__all__ = ["CREDENTIALS", "LENGTHS", "credential_headers", "is_protocol"]

_Q = rb"(?:; ?q=(?:0(?:\.[0-9]{1,3})?|1(?:\.0{1,3})?))?"


def _listed(tokens: str, most: int) -> re.Pattern[bytes]:
    """A comma-separated list of at most `most` of `tokens`, each with a quality."""
    one = rb"(?:" + tokens.encode() + rb")" + _Q
    return re.compile(one + rb"(?:, ?" + one + rb"){0,%d}" % (most - 1), re.IGNORECASE)


# the forms, exactly: what the SDKs and HTTP libraries send, nothing a value can hide in
_FORMS: dict[bytes, re.Pattern[bytes]] = {
    b"content-type": re.compile(rb"application/json(?:; ?charset=utf-8)?", re.IGNORECASE),
    b"accept": _listed(
        r"application/json|text/event-stream|application/x-ndjson|text/plain|application/\*"
        r"|text/\*|\*/\*",
        8,
    ),
    b"accept-encoding": _listed(r"gzip|x-gzip|deflate|br|zstd|identity|compress|\*", 8),
    b"connection": re.compile(rb"keep-alive|close", re.IGNORECASE),
}
# Anthropic's published API versions (any other value is content; a version published
# later is scanned, nothing found in it, until it is added here)
_ANTHROPIC_VERSIONS = frozenset({b"2023-01-01", b"2023-06-01", b"2026-10-21"})
_TRACEPARENT = re.compile(rb"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")
_CREDENTIALS = frozenset({b"authorization", b"x-api-key", b"api-key"})
CREDENTIALS = _CREDENTIALS
"""The credential headers: the provider's own are `credential_headers`' (their value must
be its key, `_steps.admit.provider_key`); any other provider's is content."""
LENGTHS = frozenset({b"content-length", b"transfer-encoding"})
"""A body's framing: never the caller's (the transport sends the body's real length)."""


def credential_headers(provider: Provider) -> frozenset[bytes]:
    """The headers that carry `provider`'s key: ``x-api-key`` and ``authorization`` (a
    bearer token: the anthropic SDK's since version 2) for Anthropic, ``authorization``
    for OpenAI and compatibles, and ``api-key`` too for an Azure host."""
    if provider.kind == "anthropic":
        return frozenset({b"x-api-key", b"authorization"})
    host = provider.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    if host.endswith(".azure.com"):
        return frozenset({b"authorization", b"api-key"})
    return frozenset({b"authorization"})


def _is_current_trace(value: bytes) -> bool:
    """A W3C ``traceparent`` (version 00) naming the current span: what a propagator
    injected for this call. Any other is content (its ids could be anything)."""
    found = _TRACEPARENT.fullmatch(value)
    if found is None:
        return False
    trace_id, span_id = current_trace()
    return (
        trace_id is not None
        and found.group(1) == trace_id.encode()
        and found.group(2) == (span_id or "").encode()
    )


def is_protocol(name: bytes, value: bytes, provider: Provider, netloc: bytes) -> bool:
    """Whether a header (its name lower-cased) leaves as it is on a request to `provider`
    at `netloc` (the URL's ``host[:port]``)."""
    form = _FORMS.get(name)
    if form is not None:
        return form.fullmatch(value) is not None
    if name == b"host":
        return value.lower() == netloc.lower()
    if name == b"anthropic-version":
        return provider.kind == "anthropic" and value in _ANTHROPIC_VERSIONS
    if name == b"traceparent":
        return _is_current_trace(value)
    return False
