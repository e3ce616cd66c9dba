"""The connections `RedisState` sends its packed commands on: a free list, since a
reservation is one ``EVALSHA`` on the hot path of every call and taking a connection
from redis-py's pool and giving it back costs about as much as the script's own work on
the server (its lock, its queue, a poll of the socket and its metrics).

A connection is taken from the list (or made when the list is empty: one per call in
flight, none waits) and given back after its answer was read; one whose answer was not
read is never given back. At most `IDLE` are kept. A forked child starts with an empty
list (a socket is never shared with the parent). The sync client has one list
(`Connections`), each event loop one of its own (`AsyncConnections`: taken and given
back in that loop only, so no lock either).
"""

from __future__ import annotations

import os
import weakref
from typing import Any

__all__ = ["IDLE", "AsyncConnections", "Connections"]

IDLE = 64  # connections kept between calls (more in flight are made, and closed after)

_LIVE: weakref.WeakSet[_Kept] = weakref.WeakSet()


class _Kept:
    """Connections made like `pool`'s (its class and settings: address, credentials,
    TLS, database, time-outs, protocol)."""

    def __init__(self, pool: Any) -> None:
        self._make = pool.connection_class
        self._settings = pool.connection_kwargs
        self._idle: list[Any] = []
        _LIVE.add(self)

    def take(self) -> Any:
        try:
            return self._idle.pop()  # atomic: no lock on the hot path
        except IndexError:
            return self._make(**self._settings)


class Connections(_Kept):
    """The sync client's."""

    def give(self, conn: Any) -> None:
        """Keep `conn` (its answer was read) for the next call."""
        if len(self._idle) < IDLE:
            self._idle.append(conn)
        else:
            conn.disconnect()

    def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.disconnect()


class AsyncConnections(_Kept):
    """An event loop's (redis-py's asyncio connections)."""

    async def give(self, conn: Any) -> None:
        """Keep `conn` (its answer was read) for the next call."""
        if len(self._idle) < IDLE:
            self._idle.append(conn)
        else:
            await conn.disconnect()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.disconnect()


def _forked() -> None:
    for connections in list(_LIVE):
        connections._idle = []  # the parent's sockets: dropped, never shut down (redis-py)


os.register_at_fork(after_in_child=_forked)
