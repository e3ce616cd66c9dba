"""`RedisState`: limits, leases and kill switches shared by every replica, on a server of
the Redis protocol (Valkey, the licence-safe default, or Redis).

Reserving and settling are one server-side script each (``EVALSHA``: one round trip, and
atomic: no other client runs between the check and the hold), so concurrent replicas
can never admit more than a limit between them. The window a call counts in and the
lease expiries are read from the server's clock (``TIME``), never the replicas', so
replicas with skewed clocks agree. Counters are integers (cost in micro-units). Nothing
is ever re-seeded: a counter only changes by a reservation, its settlement, or the
expiry of a lease or of its window.

Keys (``PREFIX`` is ``state.prefix``)::

    PREFIX:kill:NAME                  a kill switch (uc:TAG, auto:PSEUDONYM)
    PREFIX:c:KEY:WINDOW               hash: u* used, h* held, a:CALL held amounts,
                                      d:CALL settled amounts, w the window's length (s)
    PREFIX:c:KEY:WINDOW:l             sorted set: CALL -> lease expiry (ms, server clock)
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from .._errors import ConfigurationError, StateError
from ._shapes import Amounts, Ask, Held, Refusal, UsageRow

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = ["MAX_CONNECTIONS", "POOL_WAIT_S", "RESERVE", "SETTLE", "RedisState", "redis_url"]

MAX_CONNECTIONS = 64  # per client (the sync one, and each event loop's): calls wait for one
POOL_WAIT_S = 5.0  # how long a call waits for a free connection (not the server's time-out)

# Lua numbers are doubles: integers go back to the server through %d, never tostring
# (which would write 1e+15).
_LIB = """
local H = {'hr', 'ht', 'hc', 'hn'}
local U = {'ur', 'ut', 'uc', 'un'}
local function amounts(s)
  local out = {}
  for v in string.gmatch(s, '[^,]+') do out[#out + 1] = tonumber(v) end
  return out
end
local function drop(k, member)
  local mine = redis.call('HGET', k, 'a:' .. member)
  if mine then
    local a = amounts(mine)
    for f = 1, 4 do
      if a[f] ~= 0 then redis.call('HINCRBY', k, H[f], string.format('%d', -a[f])) end
    end
    redis.call('HDEL', k, 'a:' .. member)
  end
  redis.call('ZREM', k .. ':l', member)
end
"""

RESERVE = (
    _LIB
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local call = ARGV[1]
local nk = tonumber(ARGV[2])
local nc = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local ask = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])}
for i = 1, nk do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {0, i - 1} end
end
local keys = {}
for j = 1, nc do
  local a = 9 + (j - 1) * 5
  local win = tonumber(ARGV[a]) * 1000
  local k = KEYS[nk + j] .. ':' .. string.format('%d', math.floor(now / win))
  keys[j] = k
  local expired = redis.call('ZRANGEBYSCORE', k .. ':l', '-inf', now, 'LIMIT', 0, 256)
  for _, m in ipairs(expired) do drop(k, m) end
  if redis.call('HEXISTS', k, 'd:' .. call) == 1 then return {2, j - 1} end
  local mine = redis.call('HGET', k, 'a:' .. call)
  local prev = mine and amounts(mine) or {0, 0, 0, 0}
  local v = redis.call('HMGET', k, 'ur', 'ut', 'uc', 'un', 'hr', 'ht', 'hc', 'hn')
  for f = 1, 4 do
    local lim = tonumber(ARGV[a + f])
    if lim >= 0 then
      local used = tonumber(v[f] or '0') + tonumber(v[f + 4] or '0') - prev[f]
      if used + ask[f] > lim then return {1, j - 1, f - 1, used, lim} end
    end
  end
end
local text = string.format('%d,%d,%d,%d', ask[1], ask[2], ask[3], ask[4])
for j = 1, nc do
  local k = keys[j]
  local win = tonumber(ARGV[9 + (j - 1) * 5]) * 1000
  drop(k, call)
  for f = 1, 4 do
    if ask[f] ~= 0 then redis.call('HINCRBY', k, H[f], string.format('%d', ask[f])) end
  end
  redis.call('HSET', k, 'a:' .. call, text, 'w', string.format('%d', win / 1000))
  redis.call('ZADD', k .. ':l', now + lease, call)
  local keep = (math.floor(now / win) + 1) * win + lease + 60000
  redis.call('PEXPIREAT', k, keep)
  redis.call('PEXPIREAT', k .. ':l', keep)
end
local out = {3}
for j = 1, nc do out[j + 1] = keys[j] end
return out
"""
)

SETTLE = (
    _LIB
    + """
local call = ARGV[1]
local act = {tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])}
local n = 0
for j = 1, #KEYS do
  local k = KEYS[j]
  if redis.call('EXISTS', k) == 1 and redis.call('HEXISTS', k, 'd:' .. call) == 0 then
    drop(k, call)
    for f = 1, 4 do
      if act[f] ~= 0 then redis.call('HINCRBY', k, U[f], string.format('%d', act[f])) end
    end
    local text = string.format('%d,%d,%d,%d', act[1], act[2], act[3], act[4])
    redis.call('HSET', k, 'd:' .. call, text)
    n = n + 1
  end
end
return n
"""
)


def redis_url(url: str) -> tuple[str, str]:
    """The URL the client takes (``valkey://`` is ``redis://``) and one safe to show
    (host, port and database: never a user name or password)."""
    parts = urlsplit(url)
    scheme = {"valkey": "redis", "valkeys": "rediss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigurationError(
            "a state URL is redis://HOST[:PORT][/DB] or valkey://HOST[:PORT][/DB] "
            "(rediss:// or valkeys:// with TLS)"
        )
    try:
        port = parts.port or 6379
    except ValueError:
        raise ConfigurationError("the state URL's port is not a number") from None
    shown = f"{scheme}://{parts.hostname}:{port}{parts.path or ''}"
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, "")), shown


class RedisState:
    """A shared store on a Redis-protocol server (``pip install
    'responsible-ai-policy[redis]'``). Sync calls use one client; async calls a client
    per event loop. Every failure is a `StateError` naming the server (never its
    password)."""

    shared = True

    def __init__(self, url: str, *, prefix: str = "rai", timeout_s: float = 0.5) -> None:
        try:
            import redis as redis_lib
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise ConfigurationError(
                "a shared state store needs the redis client: pip install "
                "'responsible-ai-policy[redis]'"
            ) from None
        self._url, self.shown = redis_url(url)
        self.prefix = prefix
        self._timeout = timeout_s
        self._errors: tuple[type[BaseException], ...] = (redis_lib.RedisError, OSError)
        self._retry = Retry(NoBackoff(), 1)  # one retry: reserve and settle are idempotent
        pool = redis_lib.BlockingConnectionPool.from_url(
            self._url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT_S,
            socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry=self._retry,
            decode_responses=True,
        )  # fmt: skip
        self._client: redis.Redis = redis_lib.Redis(connection_pool=pool)
        self._reserve = self._client.register_script(RESERVE)
        self._settle = self._client.register_script(SETTLE)
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RedisState({self.shown!r}, prefix={self.prefix!r})"

    # -- the scripts' arguments and answers

    def _reserve_args(self, ask: Ask) -> tuple[list[str], list[Any]]:
        p = self.prefix
        keys = [f"{p}:kill:{name}" for name in ask.kills]
        keys += [f"{p}:c:{c.key}" for c in ask.counters]
        args: list[Any] = [ask.call_id, len(ask.kills), len(ask.counters), ask.lease_ms]
        args += ask.amounts
        for c in ask.counters:
            args.append(c.window_s)
            args += c.limits
        return keys, args

    def _answer(self, ask: Ask, out: Any) -> Held | Refusal:
        code = int(out[0])
        if code == 0:
            return Refusal("killed", int(out[1]))
        if code == 1:
            return Refusal("limit", int(out[1]), int(out[2]), int(out[3]), int(out[4]))
        if code == 2:
            return Refusal("settled", int(out[1]))
        return Held(ask.call_id, tuple(str(k) for k in out[1:]), ask.amounts)

    def _failed(self, exc: BaseException) -> StateError:
        return StateError(f"the state store at {self.shown} failed ({type(exc).__name__})")

    # -- sync

    def reserve(self, ask: Ask) -> Held | Refusal:
        keys, args = self._reserve_args(ask)
        try:
            return self._answer(ask, self._reserve(keys=keys, args=args))
        except self._errors as exc:
            raise self._failed(exc) from None

    def settle(self, held: Held, actual: Amounts) -> int:
        if not held.keys:
            return 0
        try:
            return int(self._settle(keys=list(held.keys), args=[held.call_id, *actual]))
        except self._errors as exc:
            raise self._failed(exc) from None

    # -- async: a client per event loop (a client's connections belong to one loop)

    async def _aclient(self) -> tuple[Any, Any, Any]:
        loop = asyncio.get_running_loop()
        found = self._async.get(loop)
        if found is None:
            import redis.asyncio as aredis

            pool = aredis.BlockingConnectionPool.from_url(
                self._url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT_S,
                socket_timeout=self._timeout, socket_connect_timeout=self._timeout,
                decode_responses=True,
            )  # fmt: skip
            client = aredis.Redis(connection_pool=pool)
            found = (client, client.register_script(RESERVE), client.register_script(SETTLE))
            self._async[loop] = found
            keeper = _closed_with_the_loop(client, pool)
            await keeper.__anext__()  # started: the loop finalises it at its end
            self._keepers[loop] = keeper
        return found

    async def areserve(self, ask: Ask) -> Held | Refusal:
        keys, args = self._reserve_args(ask)
        try:
            _, script, _ = await self._aclient()
            return self._answer(ask, await script(keys=keys, args=args))
        except self._errors as exc:
            raise self._failed(exc) from None

    async def asettle(self, held: Held, actual: Amounts) -> int:
        if not held.keys:
            return 0
        try:
            _, _, script = await self._aclient()
            return int(await script(keys=list(held.keys), args=[held.call_id, *actual]))
        except self._errors as exc:
            raise self._failed(exc) from None

    # -- kill switches and the CLI

    def kill(self, name: str) -> None:
        try:
            self._client.set(f"{self.prefix}:kill:{name}", "1")
        except self._errors as exc:
            raise self._failed(exc) from None

    def revive(self, name: str) -> bool:
        try:
            return bool(self._client.delete(f"{self.prefix}:kill:{name}"))
        except self._errors as exc:
            raise self._failed(exc) from None

    def killed(self) -> list[str]:
        start = f"{self.prefix}:kill:"
        try:
            names = [k[len(start) :] for k in self._client.scan_iter(match=start + "*")]
        except self._errors as exc:
            raise self._failed(exc) from None
        return sorted(names)

    def usage(self) -> list[UsageRow]:
        start = f"{self.prefix}:c:"
        rows: list[UsageRow] = []
        try:
            for key in sorted(self._client.scan_iter(match=start + "*", count=1000)):
                if key.endswith(":l"):
                    continue
                values = self._client.hmget(
                    key, ["ur", "ut", "uc", "un", "hr", "ht", "hc", "hn", "w"]
                )
                leases = int(self._client.zcard(key + ":l"))
                n = [int(v or 0) for v in values]
                base, _, window = key[len(start) :].rpartition(":")
                rows.append(
                    UsageRow(base, int(window), n[8], (n[0], n[1], n[2], n[3]),
                             (n[4], n[5], n[6], n[7]), leases)
                )  # fmt: skip
        except self._errors as exc:
            raise self._failed(exc) from None
        return rows

    # -- the same server for other records (a conversation's placeholders)

    def client(self) -> Any:
        """The sync client (this store's pool, time-outs and retry)."""
        return self._client

    async def aclient(self) -> Any:
        """This event loop's async client."""
        client, _, _ = await self._aclient()
        return client

    def close(self) -> None:
        """Close the sync client (each event loop's async client closes with its loop,
        or with `aclose` inside it)."""
        self._client.close()
        self._client.connection_pool.disconnect()

    async def aclose(self) -> None:
        """Close this event loop's async client."""
        loop = asyncio.get_running_loop()
        self._async.pop(loop, None)
        keeper = self._keepers.pop(loop, None)
        if keeper is not None:
            await keeper.aclose()


async def _closed_with_the_loop(client: Any, pool: Any) -> AsyncGenerator[None, None]:
    """Started once in a loop, finalised by that loop's end (``shutdown_asyncgens``):
    the loop's client is closed inside the loop that owns its connections."""
    try:
        yield
    finally:
        await client.aclose()
        await pool.disconnect()
