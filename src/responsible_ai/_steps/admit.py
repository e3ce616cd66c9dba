"""Admission: the shape of what may leave, and of what may come back as an answer.

Each rule is written once here and both drivers go through it:

- **size**: a request body of more than `MAX_REQUEST_BYTES` (as its caller made it, in
  bytes of JSON) is refused before it is read or scanned;
- **readable**: the SDK's body is a JSON object with a model, else it is refused;
- **endpoint**: the endpoint fits the provider's kind (`_providers.speaks`);
- **one choice**: a request for several choices (``n > 1``) is refused, since every
  choice would need its own screening and stamp;
- **encodable**: text that is not valid Unicode cannot be sent;
- **complete**: a stream that ended before its final event is not an answer.

A refusal here is a `RedactionFailed` ("the library cannot read this"): nothing is sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from .._call import Endpoint, WireAnswer
from .._errors import ProviderUnavailable, RedactionFailed
from .._policy import Provider
from .._providers import StreamFolder, endpoint_of

__all__ = [
    "MAX_REQUEST_BYTES",
    "body_size",
    "choices",
    "complete",
    "encode",
    "endpoint",
    "json_body",
    "request_body",
    "size",
    "unreadable",
]

MAX_REQUEST_BYTES = 32 * 1024 * 1024
"""The largest request body a call may send, in bytes of JSON (a bigger one is refused
before it is read or scanned)."""


def unreadable(what: str) -> RedactionFailed:
    """The refusal of a request the library cannot read (nothing is sent)."""
    return RedactionFailed(
        f"the governed transport cannot read {what}; the request was not sent",
        detector="transport",
        error_type="unreadable",
    )


def encode(body: Any) -> bytes:
    """The request body as it is sent: orjson (compact UTF-8); the standard library for
    what orjson refuses (only reachable with PII redaction off: the redact step refuses
    anything that is not JSON data); text that is not valid Unicode is refused."""
    try:
        return orjson.dumps(body)
    except TypeError:
        try:
            return json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        except UnicodeEncodeError:  # its .object would hold the body: never re-raised
            pass
    raise unreadable("text that is not valid Unicode (a lone surrogate)")


def size(nbytes: int) -> None:
    """A body of `nbytes` may be read and scanned."""
    if nbytes > MAX_REQUEST_BYTES:
        raise unreadable(f"a request body of more than {MAX_REQUEST_BYTES} bytes")


def body_size(body: Mapping[str, Any]) -> None:
    """`size` for a body built from a caller's messages (measured as the JSON it is)."""
    try:
        nbytes = len(orjson.dumps(body, default=str))
    except (TypeError, RecursionError):  # not valid Unicode, or nested beyond JSON's depth
        nbytes = _text_bytes(body)
    size(nbytes)


def _text_bytes(data: Any) -> int:
    """At least the bytes the text of `data` takes (a walk with its own stack: any depth)."""
    total, stack = 0, [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += len(item)
            stack.extend(item)
        else:
            total += 1
        if total > MAX_REQUEST_BYTES:
            break
    return total


def json_body(content: bytes) -> Any:
    """The SDK's request body as JSON data (None when it is not JSON: routing decides
    first, so an unapproved host is refused as such)."""
    size(len(content))
    try:
        return orjson.loads(content)
    except (orjson.JSONDecodeError, TypeError):
        return None


def request_body(body: Any) -> tuple[Mapping[str, Any], str]:
    """The body and its model, or the refusal of a body the library cannot govern."""
    if not isinstance(body, dict):
        raise unreadable("a body that is not a JSON object")
    model = body.get("model")
    if not isinstance(model, str):
        raise unreadable("a body without a model")
    return body, model


def endpoint(provider: Provider, requested: Endpoint | None) -> Endpoint:
    """The endpoint the call goes to: the one requested, if the provider's kind speaks
    it, else the kind's chat endpoint."""
    try:
        return endpoint_of(provider.kind, requested)
    except ValueError as exc:
        raise unreadable(str(exc)) from None


def choices(body: Mapping[str, Any]) -> None:
    """One answer per call."""
    if body.get("n") not in (None, 1):
        raise unreadable("a request for several choices (n > 1)")


def complete(folder: StreamFolder, provider: str) -> WireAnswer:
    """The answer a stream folded to, if the stream reached its final event (a cut
    stream must not look complete: not to the caller, not to an SDK)."""
    answer = folder.result()
    if not folder.done and answer.finish_reason is None:
        raise ProviderUnavailable(
            f"provider {provider!r} ended the stream before its final event", provider=provider
        )
    return answer
