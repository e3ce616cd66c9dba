"""Sending a prepared call to its provider: timeouts, bounded retries, streams.

Every request goes to the approved provider's own URL and never follows a redirect
(whatever the caller's client is configured to do): a 3xx is an error, so the prompt
is never re-sent to a host the policy did not approve.

`_SenderBase` holds everything except the I/O (request building, status decisions,
retry strategy); `SyncSender` and `AsyncSender` only send, read and sleep.
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import anyio
import tenacity

from ._call import Endpoint, Prepared, WireAnswer
from ._errors import (
    ProviderError,
    ProviderHTTPError,
    ProviderResponseError,
    ProviderUnavailable,
)
from ._policy import Provider, RetrySettings
from ._providers import StreamFolder, WireFormat, json_of, wire_for
from ._sse import ServerSentEvent, SSEDecoder

__all__ = [
    "AsyncSender",
    "ErrorKind",
    "SyncSender",
]

SleepFn = Callable[[float], None]
AsyncSleepFn = Callable[[float], Awaitable[None]]


MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""The largest answer body read (decoded): a bigger one is refused, not buffered."""


class DeadlineExceeded(Exception):
    """A request took longer than its provider's `timeout_s` in all (connect, send,
    receive): time-outs per read would let a provider trickle an answer for ever."""


def answer_too_large(provider: str) -> ProviderResponseError:
    return ProviderResponseError(
        f"provider {provider!r} sent an answer larger than {MAX_ANSWER_BYTES} bytes",
        provider=provider,
    )


class AnswerLimits:
    """The size cap and the deadline of one answer, checked at every chunk read (raises
    `ProviderResponseError` past the cap, `DeadlineExceeded` past the deadline)."""

    __slots__ = ("deadline", "provider", "size")

    def __init__(self, provider: str, deadline: float = math.inf) -> None:
        self.provider = provider
        self.deadline = deadline
        self.size = 0

    def check(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > MAX_ANSWER_BYTES:
            raise answer_too_large(self.provider)
        if time.monotonic() > self.deadline:
            raise DeadlineExceeded
        return chunk


def _read(chunks: Iterator[bytes], deadline: float, provider: str) -> bytes:
    """A body read within the deadline and the size cap."""
    return b"".join(map(AnswerLimits(provider, deadline).check, chunks))


async def _aread(chunks: AsyncIterator[bytes], provider: str) -> bytes:
    """A body read within the size cap (the caller's cancel scope keeps the deadline)."""
    limits = AnswerLimits(provider)
    return b"".join([limits.check(chunk) async for chunk in chunks])


def late(provider: Provider) -> ProviderUnavailable:
    return ProviderUnavailable(
        f"provider {provider.name!r} did not finish within its timeout_s "
        f"({provider.timeout_s:g} s in all)",
        provider=provider.name,
    )


class _Retryable(Exception):
    """One failed attempt worth retrying; never leaves this module."""

    def __init__(
        self,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        retry_after: float | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(status_code or type(cause).__name__)
        self.status_code = status_code
        self.error_type = error_type
        self.retry_after = retry_after
        self.cause = cause

    def to_error(self, provider: str, attempts: int) -> ProviderError:
        if self.status_code is not None:
            return ProviderHTTPError(
                provider=provider,
                status_code=self.status_code,
                error_type=self.error_type,
                attempts=attempts,
            )
        kind = type(self.cause).__name__ if self.cause else "error"
        return ProviderUnavailable(
            f"provider {provider!r} unreachable ({kind}) after {attempts} attempt"
            f"{'s' * (attempts != 1)}",
            provider=provider,
            attempts=attempts,
        )


class _WaitRetryAfter(tenacity.wait.wait_base):
    """Honour `Retry-After` / `retry-after-ms` when the provider sends one, else back off."""

    def __init__(self, settings: RetrySettings) -> None:
        self.respect = settings.respect_retry_after
        self.initial = settings.backoff_initial_s
        self.max = settings.backoff_max_s

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if self.respect and isinstance(exc, _Retryable) and exc.retry_after is not None:
            return float(exc.retry_after)
        # exponential back-off with "equal jitter": half fixed, half random
        ceiling = min(self.max, self.initial * 2.0 ** (retry_state.attempt_number - 1))
        return ceiling * random.uniform(0.5, 1.0)


def retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _Route:
    """What requests to one provider's endpoint share, built once: the wire format, the
    URL as the client's URL object (not re-parsed per request), the time-out as the
    request extension `build_request` would make of it, and the headers merged over the
    client's own as `build_request` merges them (again whenever the API key or the
    client's headers change; a request copies them, never changes them).

    With the merged headers it keeps the header list the HTTP library itself gives a
    request with a body to this URL (its ``Host`` first, the merged headers, its
    ``Content-Length`` last), taken from one request it builds: a request is then made
    from that list and the body's length, the same request without the library's
    per-request look-ups of ``Host`` and the content headers (two thirds of making it)."""

    __slots__ = ("_keyed", "extensions", "http", "provider", "url", "wire")

    def __init__(self, http: ModuleType, provider: Provider, endpoint: Endpoint) -> None:
        self.http = http
        self.provider = provider
        self.wire = wire_for(endpoint)
        self.url = http.URL(provider.base_url.rstrip("/") + self.wire.path)
        timeout = http.Timeout(provider.timeout_s, connect=provider.connect_timeout_s)
        self.extensions: dict[str, Any] = {"timeout": timeout.as_dict()}
        # (API key, the client's headers as they were, the merged headers, the library's
        # header list for them without its Content-Length), swapped whole
        self._keyed: tuple[str | None, Any, Any, list[tuple[bytes, bytes]] | None] | None = None

    def headers(
        self, secret: str | None, client_headers: Any
    ) -> tuple[Any, list[tuple[bytes, bytes]] | None]:
        """The merged headers, and the header list of a request with a body (None when
        the library's list is not that: the merged headers name a length or a host)."""
        raw = client_headers.raw
        keyed = self._keyed
        if keyed is None or keyed[0] != secret or keyed[1] != raw:
            merged = client_headers.copy()
            merged.update(self.wire.headers(secret, self.provider.headers))
            sent = _sent_headers(self.http, self.url, merged)
            keyed = self._keyed = (secret, raw, merged, sent)
        return keyed[2], keyed[3]


_PROBE = b"{}"


def _sent_headers(http: ModuleType, url: Any, merged: Any) -> list[tuple[bytes, bytes]] | None:
    """The headers the library sends with a body to `url`, without the body's length:
    what it makes of `merged` for a two-byte body, if that is its ``Host``, the merged
    headers as they are and its ``Content-Length: 2`` (else None)."""
    sent: list[tuple[bytes, bytes]] = http.Request(
        "POST", url, headers=merged, content=_PROBE
    ).headers.raw
    if (
        len(sent) == len(merged.raw) + 2
        and sent[0][0].lower() == b"host"
        and sent[1:-1] == merged.raw
        and sent[-1] == (b"Content-Length", b"%d" % len(_PROBE))
        and not any(k.lower() in (b"host", b"content-length", b"transfer-encoding")
                    for k, _ in merged.raw)
    ):  # fmt: skip
        return sent[:-1]
    return None


ErrorKind = Callable[[Prepared, str], str | None]
"""Screens the error type a provider's error body names (None: it is dropped)."""


class _SenderBase:
    error_kind: ErrorKind | None = None  # the pipeline's screen of an error body's type

    def __init__(self, http: ModuleType, client: Any, retry: RetrySettings) -> None:
        self.http = http
        self.client = client
        self.retry = retry
        self._retry_status = frozenset(retry.retry_on_status)
        self._wait = _WaitRetryAfter(retry)
        self._stop = tenacity.stop_after_attempt(retry.max_attempts) | tenacity.stop_before_delay(
            retry.max_total_s
        )
        self._retry_on = tenacity.retry_if_exception_type(_Retryable)
        self._routes: dict[tuple[str, Endpoint], _Route] = {}

    def request(self, prepared: Prepared) -> tuple[Any, WireFormat]:
        """The HTTP request of a prepared call: its body exactly as the pipeline made it."""
        provider = prepared.provider
        key = (provider.name, prepared.endpoint)
        route = self._routes.get(key)
        if route is None or route.provider is not provider:
            route = self._routes[key] = _Route(self.http, provider, prepared.endpoint)
        secret = provider.api_key()  # read each call, so that a rotated key is picked up
        client = self.client
        http = self.http
        content = prepared.content
        headers, sent = route.headers(secret.get_secret_value() if secret else None, client.headers)
        if client.cookies or client.params:  # what only `build_request` knows how to merge
            request = client.build_request(
                "POST", route.url, headers=headers, content=content, extensions=route.extensions
            )
        elif sent is not None and content:  # the library's own headers, this body's length
            length = (b"Content-Length", b"%d" % len(content))
            request = http.Request(
                "POST", route.url, headers=http.Headers([*sent, length]),
                stream=http.ByteStream(content), extensions=route.extensions,
            )  # fmt: skip
            request.read()  # as a request made with `content=` is: its content readable
        else:  # the merge done once (`build_request` redoes it per request: a third of it)
            request = http.Request(
                "POST", route.url, headers=headers, content=content, extensions=route.extensions
            )
        return request, route.wire

    def give_up(self, prepared: Prepared, exc: _Retryable, attempts: int) -> ProviderError:
        return exc.to_error(prepared.provider.name, attempts)

    def check_status(
        self, response: Any, body: bytes, wire: WireFormat, prepared: Prepared
    ) -> None:
        """Raise for a non-2xx status: `_Retryable` when the policy retries it. The error
        type the body names is screened like an answer (one that holds PII is dropped)."""
        status = response.status_code
        if 200 <= status < 300:
            return
        provider = prepared.provider.name
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        kind = wire.error_type(data)
        if kind is not None and self.error_kind is not None:
            kind = self.error_kind(prepared, kind)
        if status in self._retry_status:
            raise _Retryable(
                status_code=status, error_type=kind, retry_after=retry_after(response.headers)
            )
        raise ProviderHTTPError(provider=provider, status_code=status, error_type=kind)

    def parse(self, body: bytes, wire: WireFormat, provider: str) -> WireAnswer:
        return wire.parse(json_of(body, provider, "a body that is not JSON"), provider)

    def strategy(self) -> dict[str, Any]:
        return {"stop": self._stop, "wait": self._wait, "retry": self._retry_on, "reraise": True}


class SyncSender(_SenderBase):
    """Sends with a sync httpx2/httpx client."""

    def __init__(
        self, http: ModuleType, client: Any, retry: RetrySettings, sleep: SleepFn | None = None
    ) -> None:
        super().__init__(http, client, retry)
        self.sleep: SleepFn = time.sleep if sleep is None else sleep

    def _with_retries(self, prepared: Prepared, attempt: Callable[[], Any]) -> Any:
        try:
            return attempt()  # the happy path pays nothing for the retry machinery
        except _Retryable as exc:
            first: _Retryable | None = exc
        attempts = 1

        def once() -> Any:
            nonlocal attempts, first
            if first is not None:  # replay the first attempt's outcome to tenacity
                exc, first = first, None
                raise exc
            attempts += 1
            return attempt()

        try:
            return tenacity.Retrying(sleep=self.sleep, **self.strategy())(once)
        except _Retryable as exc:
            raise self.give_up(prepared, exc, attempts) from exc.cause

    def send(self, prepared: Prepared) -> WireAnswer:
        request, wire = self.request(prepared)
        name = prepared.provider.name

        timeout = prepared.provider.timeout_s

        def attempt() -> bytes:
            deadline = time.monotonic() + timeout
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
                try:
                    body = _read(response.iter_bytes(), deadline, name)
                finally:
                    response.close()
            except (self.http.TransportError, DeadlineExceeded) as exc:
                raise _Retryable(cause=exc) from exc
            self.check_status(response, body, wire, prepared)
            return body

        return self.parse(self._with_retries(prepared, attempt), wire, name)

    def open_stream(self, prepared: Prepared) -> tuple[Any, StreamFolder]:
        """Open the SSE response (retrying until the first byte); the caller iterates it."""
        request, wire = self.request(prepared)
        name = prepared.provider.name

        def attempt() -> Any:
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
            except self.http.TransportError as exc:
                raise _Retryable(cause=exc) from exc
            if not 200 <= response.status_code < 300:
                try:
                    body = response.read()
                finally:
                    response.close()
                self.check_status(response, body, wire, prepared)
            return response

        return self._with_retries(prepared, attempt), wire.folder(name)

    def events(self, prepared: Prepared, response: Any) -> Iterator[ServerSentEvent]:
        decoder = SSEDecoder()
        deadline = time.monotonic() + prepared.provider.timeout_s
        try:
            for chunk in response.iter_bytes():
                if time.monotonic() > deadline:
                    raise DeadlineExceeded
                yield from decoder.feed(chunk)
            yield from decoder.flush()
        except DeadlineExceeded:
            raise late(prepared.provider) from None
        except self.http.TransportError as exc:
            raise ProviderUnavailable(
                f"provider {prepared.provider.name!r} broke off the stream ({type(exc).__name__})",
                provider=prepared.provider.name,
            ) from exc
        finally:
            response.close()


class AsyncSender(_SenderBase):
    """Sends with an async httpx2/httpx client."""

    def __init__(
        self,
        http: ModuleType,
        client: Any,
        retry: RetrySettings,
        sleep: AsyncSleepFn | None = None,
    ) -> None:
        super().__init__(http, client, retry)
        self.sleep = sleep

    async def _with_retries(self, prepared: Prepared, attempt: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await attempt()  # the happy path pays nothing for the retry machinery
        except _Retryable as exc:
            first: _Retryable | None = exc
        attempts = 1

        async def once() -> Any:
            nonlocal attempts, first
            if first is not None:  # replay the first attempt's outcome to tenacity
                exc, first = first, None
                raise exc
            attempts += 1
            return await attempt()

        kwargs = self.strategy()
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        try:
            return await tenacity.AsyncRetrying(**kwargs)(once)
        except _Retryable as exc:
            raise self.give_up(prepared, exc, attempts) from exc.cause

    async def send(self, prepared: Prepared) -> WireAnswer:
        request, wire = self.request(prepared)
        name = prepared.provider.name

        timeout = prepared.provider.timeout_s

        async def attempt() -> bytes:
            try:
                with anyio.fail_after(timeout):  # the whole request, not each read
                    response = await self.client.send(request, stream=True, follow_redirects=False)
                    try:
                        body = await _aread(response.aiter_bytes(), name)
                    finally:
                        await response.aclose()
            except (self.http.TransportError, TimeoutError) as exc:
                raise _Retryable(cause=exc) from exc
            self.check_status(response, body, wire, prepared)
            return body

        return self.parse(await self._with_retries(prepared, attempt), wire, name)

    async def open_stream(self, prepared: Prepared) -> tuple[Any, StreamFolder]:
        request, wire = self.request(prepared)
        name = prepared.provider.name

        async def attempt() -> Any:
            try:
                response = await self.client.send(request, stream=True, follow_redirects=False)
            except self.http.TransportError as exc:
                raise _Retryable(cause=exc) from exc
            if not 200 <= response.status_code < 300:
                try:
                    body = await response.aread()
                finally:
                    await response.aclose()
                self.check_status(response, body, wire, prepared)
            return response

        return await self._with_retries(prepared, attempt), wire.folder(name)

    async def events(self, prepared: Prepared, response: Any) -> AsyncIterator[ServerSentEvent]:
        decoder = SSEDecoder()
        deadline = time.monotonic() + prepared.provider.timeout_s
        try:
            async for chunk in response.aiter_bytes():
                if time.monotonic() > deadline:
                    raise DeadlineExceeded
                for event in decoder.feed(chunk):
                    yield event
            for event in decoder.flush():
                yield event
        except DeadlineExceeded:
            raise late(prepared.provider) from None
        except self.http.TransportError as exc:
            raise ProviderUnavailable(
                f"provider {prepared.provider.name!r} broke off the stream ({type(exc).__name__})",
                provider=prepared.provider.name,
            ) from exc
        finally:
            await response.aclose()
