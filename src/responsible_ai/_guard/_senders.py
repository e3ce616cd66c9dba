"""The HTTP side of a `Guard`: its senders, made on first use — one sync, and one async per
event loop — over the clients the Guard made or the ones the caller passed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from types import ModuleType
from typing import Any, TypeVar

from .._http import backend, backend_of
from .._policy import RetrySettings
from .._send import AsyncSender, AsyncSleepFn, ErrorKind, SleepFn, SyncSender

__all__ = ["Senders"]

_S = TypeVar("_S", SyncSender, AsyncSender)


class Senders:
    """A client you pass is yours (its timeouts, proxies and limits are kept; you close
    it). The Guard's own async client is made per event loop — a second ``asyncio.run``,
    or one test client after another, each get theirs — and closed inside its loop when
    that loop's ``asyncio.run`` ends (the loop finalises a keeper async generator then)."""

    def __init__(
        self,
        retry: RetrySettings,
        *,
        http_client: Any | None,
        async_http_client: Any | None,
        http_backend: str | None,
        sleep: SleepFn | None,
        async_sleep: AsyncSleepFn | None,
        error_kind: ErrorKind | None = None,
    ) -> None:
        self._retry = retry
        self._error_kind = error_kind
        self._backend_name = http_backend
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._sync: SyncSender | None = None
        self._async: AsyncSender | None = None  # over the caller's client, or no asyncio loop
        self._per_loop: dict[asyncio.AbstractEventLoop, tuple[AsyncSender, Any]] = {}
        self._lock = threading.Lock()

    def _screened(self, sender: _S) -> _S:
        sender.error_kind = self._error_kind
        return sender

    def _http(self, client: Any | None) -> ModuleType:
        return backend_of(client) if client is not None else backend(self._backend_name)

    def sync(self) -> SyncSender:
        if self._sync is None:
            with self._lock:
                if self._sync is None:
                    http = self._http(self._http_client)
                    client = self._http_client or http.Client()
                    self._sync = self._screened(SyncSender(http, client, self._retry, self._sleep))
        return self._sync

    async def async_(self) -> AsyncSender:
        """The sender of the running event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another async library (trio): one client, as before
            loop = None
        if self._async_http_client is not None or loop is None:
            if self._async is None:
                http = self._http(self._async_http_client)
                client = self._async_http_client or http.AsyncClient()
                self._async = self._screened(
                    AsyncSender(http, client, self._retry, self._async_sleep)
                )
            return self._async
        found = self._per_loop.get(loop)
        if found is not None:
            return found[0]
        http = self._http(None)
        sender = self._screened(
            AsyncSender(http, http.AsyncClient(), self._retry, self._async_sleep)
        )
        keeper = _closed_with_the_loop(sender)
        await keeper.__anext__()  # started: the loop finalises it at its end
        with self._lock:
            # loops that ended are forgotten (their clients were closed in them)
            for gone in [old for old in self._per_loop if old.is_closed()]:
                del self._per_loop[gone]
            self._per_loop[loop] = (sender, keeper)
        return sender

    def close(self) -> None:
        """Close the sync client the Guard made (not one you passed)."""
        if self._sync is not None and self._http_client is None:
            self._sync.client.close()
        self._sync = None

    async def aclose(self) -> None:
        """Close the async client the Guard made for the running loop (not one you passed)."""
        own = self._async if self._async_http_client is None else None
        self._async = None
        if own is not None:
            await own.client.aclose()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        with self._lock:
            found = self._per_loop.pop(loop, None)
        if found is not None:
            await found[1].aclose()  # the keeper closes this loop's client


async def _closed_with_the_loop(sender: AsyncSender) -> AsyncGenerator[None, None]:
    """Started once in a loop, finalised by that loop's end (``shutdown_asyncgens``):
    the Guard's client of that loop is closed inside it."""
    try:
        yield
    finally:
        await sender.client.aclose()
