"""`RedisState`: limits, leases and kill switches shared by every replica, on a server of
the Redis protocol (Valkey, the licence-safe default, or Redis).

Reserving and settling are one server-side script each (``EVALSHA``: one round trip, and
atomic: no other client runs between the check and the hold), so concurrent replicas
can never admit more than a limit between them. The window a call counts in and the
lease expiries are read from the server's clock (``TIME``), never the replicas', so
replicas with skewed clocks agree. Counters are integers (cost in micro-units). Nothing
is ever re-seeded: a counter only changes by a reservation, its settlement, or the
expiry of a lease or of its window.

A reservation is a few commands: ``TIME``, one ``EXISTS`` over the kill switches, and
per counter one ``HMGET`` (its totals, the earliest lease end, the call's own earlier
hold), one ``HEXISTS`` (was the call settled; only for an id the caller gave) and one
``HSET``. The ended leases are looked for only once the earliest one has ended, in the
counter's hash, which holds a field per call in flight only (settled calls are in a
hash of their own). The command is packed once per kind of call and window (`plan`): it
names the windows the last answer was in, and the script checks them against the
server's clock (naming the right ones itself when they are past); a call appends its
id and amounts and sends it on a connection of its own free list (`_connections`),
without the client's generic command path or its pool.

Keys (``PREFIX`` is ``state.prefix``)::

    PREFIX:kill:NAME                  a kill switch (uc:TAG, auto:PSEUDONYM)
    PREFIX:c:KEY:WINDOW               hash: t the totals (used and held), a:CALL a call
                                      in flight (its amounts and lease end), e no
                                      lease ends before this, w the window's length
                                      (s), x its expiry (ms, server clock)
    PREFIX:c:KEY:WINDOW:d             hash: CALL -> the amounts it settled
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import weakref
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from .._clock import call_id as new_call_id
from .._errors import ConfigurationError, StateError
from ._connections import AsyncConnections, Connections
from ._shapes import Amounts, Counter, Held, Plan, Refusal, UsageRow

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = ["MAX_CONNECTIONS", "POOL_WAIT_S", "RESERVE", "SETTLE", "RedisState", "redis_url"]

MAX_CONNECTIONS = 64  # per client (the sync one, and each event loop's): calls wait for one
POOL_WAIT_S = 5.0  # how long a call waits for a free connection (not the server's time-out)
_NOTHING: Amounts = (0, 0, 0, 0)

# Lua numbers are doubles: totals go back to the server through %d, never tostring (which
# would write 1e+15 past 14 digits; a time in ms or a window's number is shorter, and a
# number given to redis.call is written whole). Amounts travel, and totals are kept, as
# one text of four integers, "requests,tokens,cost,units" (a hold adds ",LEASE_END"): one
# field to read and one to write per counter, whatever the measures. The scripts are
# written for the server's time per call (each redis.call, string made and C function
# called counts): texts are read with one match each, strings are turned into numbers by
# arithmetic rather than by tonumber.
RESERVE = """
local FOUR = '^(%-?%d+),(%-?%d+),(%-?%d+),(%-?%d+)'

-- drop the holds whose lease ended by `now` (a window's hash has a field per call in
-- flight only, so this reads few); `e` becomes the earliest lease end left
local function purge(k, now)
  local all = redis.call('HGETALL', k)
  local t1, t2, t3, t4, gone, e = 0, 0, 0, 0, {}, nil
  for i = 1, #all, 2 do
    local f, v = all[i], all[i + 1]
    if f == 't' then
      local a, b, c, d = string.match(v, FOUR)
      t1, t2, t3, t4 = t1 + a, t2 + b, t3 + c, t4 + d
    elseif string.sub(f, 1, 2) == 'a:' then
      local ends = string.match(v, ',(%d+)$') + 0
      if ends <= now then
        local a, b, c, d = string.match(v, FOUR)
        t1, t2, t3, t4 = t1 - a, t2 - b, t3 - c, t4 - d
        gone[#gone + 1] = f
      elseif e == nil or ends < e then
        e = ends
      end
    end
  end
  if #gone > 0 then
    redis.call('HDEL', k, unpack(gone))
    redis.call('HSET', k, 't', string.format('%d,%d,%d,%d', t1, t2, t3, t4))
  end
  if e then redis.call('HSET', k, 'e', e) else redis.call('HDEL', k, 'e') end
end

local now = redis.call('TIME')
now = now[1] * 1000 + math.floor(now[2] / 1000)
local nk = ARGV[1] + 0
if nk > 0 and redis.call('EXISTS', unpack(KEYS, 1, nk)) > 0 then
  for i = 1, nk do
    if redis.call('EXISTS', KEYS[i]) == 1 then return {0, i - 1} end
  end
end
local n = #ARGV
local known, call, text = ARGV[n - 2] == '1', ARGV[n - 1], ARGV[n]
local a1, a2, a3, a4 = string.match(text, FOUR)
local mine = 'a:' .. call
local nc = #KEYS - nk
local ks, vs, ts = {}, {}, {}
for j = 1, nc do
  local a = 3 + (j - 1) * 6
  local k, i = KEYS[nk + j], math.floor(now / ARGV[a])
  if i ~= ARGV[a + 1] + 0 then -- not the window the caller named (the last answer's)
    k = string.sub(k, 1, #k - #ARGV[a + 1]) .. i
  end
  local v = redis.call('HMGET', k, 't', 'e', mine)
  if v[2] and v[2] + 0 <= now then
    purge(k, now)
    v = redis.call('HMGET', k, 't', 'e', mine)
  end
  if known and redis.call('HEXISTS', k .. ':d', call) == 1 then return {2, j - 1} end
  local t1, t2, t3, t4 = 0, 0, 0, 0
  if v[1] then t1, t2, t3, t4 = string.match(v[1], FOUR) end
  if v[3] then -- this call's earlier hold (a retry, a fallback): replaced
    local p1, p2, p3, p4 = string.match(v[3], FOUR)
    t1, t2, t3, t4 = t1 - p1, t2 - p2, t3 - p3, t4 - p4
  end
  local l = ARGV[a + 2] + 0
  if l >= 0 and t1 + a1 > l then return {1, j - 1, 0, t1 + 0, l} end
  l = ARGV[a + 3] + 0
  if l >= 0 and t2 + a2 > l then return {1, j - 1, 1, t2 + 0, l} end
  l = ARGV[a + 4] + 0
  if l >= 0 and t3 + a3 > l then return {1, j - 1, 2, t3 + 0, l} end
  l = ARGV[a + 5] + 0
  if l >= 0 and t4 + a4 > l then return {1, j - 1, 3, t4 + 0, l} end
  ks[j], vs[j] = k, v
  ts[j] = string.format('%d,%d,%d,%d', t1 + a1, t2 + a2, t3 + a3, t4 + a4)
end
local ends = now + ARGV[2]
local hold = text .. ',' .. ends
for j = 1, nc do
  local k, v = ks[j], vs[j]
  if not v[1] then -- a new window: its length and end, and an expiry past both
    local win = ARGV[3 + (j - 1) * 6] + 0
    local keep = (math.floor(now / win) + 1) * win + ARGV[2] + 60000
    redis.call('HSET', k, 't', ts[j], mine, hold, 'e', ends, 'w', win / 1000, 'x', keep)
    redis.call('PEXPIREAT', k, keep)
  elseif not v[2] or v[2] + 0 > ends then -- the earliest lease end
    redis.call('HSET', k, 't', ts[j], mine, hold, 'e', ends)
  else
    redis.call('HSET', k, 't', ts[j], mine, hold)
  end
end
return now
"""

SETTLE = """
local FOUR = '^(%-?%d+),(%-?%d+),(%-?%d+),(%-?%d+)'
local call, text = ARGV[1], ARGV[2]
local a1, a2, a3, a4 = string.match(text, FOUR)
local mine = 'a:' .. call
local n = 0
for j = 1, #KEYS do
  local k = KEYS[j]
  local v = redis.call('HMGET', k, 't', 'x', 'dx', mine)
  -- the window is there, and the call was not settled in it before
  if v[2] and redis.call('HSETNX', k .. ':d', call, text) == 1 then
    local t1, t2, t3, t4 = string.match(v[1], FOUR)
    if v[4] then -- its hold (none: its lease ended, and was dropped)
      local p1, p2, p3, p4 = string.match(v[4], FOUR)
      t1, t2, t3, t4 = t1 - p1, t2 - p2, t3 - p3, t4 - p4
    end
    local t = string.format('%d,%d,%d,%d', t1 + a1, t2 + a2, t3 + a3, t4 + a4)
    if v[3] then
      redis.call('HSET', k, 't', t)
    else -- the window's first settlement: its settled calls expire with it
      redis.call('HSET', k, 't', t, 'dx', '1')
      redis.call('PEXPIREAT', k .. ':d', v[2])
    end
    if v[4] then redis.call('HDEL', k, mine) end
    n = n + 1
  end
end
return n
"""


_SHA = {
    script: hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
    for script in (RESERVE, SETTLE)
}


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _reserve_command(plan: Plan, call_id: str | None, amounts: Amounts) -> tuple[bytes, str]:
    """The plan's packed command with the call's own arguments: whether its id may have
    been settled (an id the caller gives; a new one cannot), the id, and the amounts."""
    if call_id is None:
        call_id, known = new_call_id(), b"0"
    else:
        known = b"1"
    cid = call_id.encode()
    text = b"%d,%d,%d,%d" % amounts
    tail = b"$1\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (known, len(cid), cid, len(text), text)
    return plan.args[1][0][3] + tail, call_id


def _script_command(script: str, keys: Sequence[str], args: Sequence[str]) -> bytes:
    sha = _SHA.get(script)
    if sha is None:  # the library's few scripts: each hashed once
        sha = _SHA[script] = hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
    parts = [b"EVALSHA", sha.encode(), b"%d" % len(keys), *[k.encode() for k in keys],
             *[a.encode() for a in args]]  # fmt: skip
    return b"*%d\r\n" % len(parts) + b"".join([_bulk(p) for p in parts])


_Shape = tuple[tuple[str, ...], tuple[tuple[str, int, Amounts], ...], int]
_Named = tuple[int, int, tuple[str, ...], bytes]


def _named(shape: _Shape, now: int) -> _Named:
    """The windows a plan's counters are in at `now` (the server's ms): from when to when
    they all last, their keys as the reserve script names them, and the packed command
    naming them (the script names the right ones itself if the caller's are past)."""
    kill_keys, counted, lease_ms = shape
    keys = tuple(f"{base}{now // ms}" for base, ms, _ in counted)
    args: list[object] = ["EVALSHA", _SHA[RESERVE], len(kill_keys) + len(keys), *kill_keys,
                          *keys, len(kill_keys), lease_ms]  # fmt: skip
    for _, ms, limits in counted:
        args += [ms, now // ms, *limits]
    head = b"*%d\r\n" % (len(args) + 3) + b"".join(_bulk(str(a).encode()) for a in args)
    start = max((now // ms * ms for _, ms, _ in counted), default=0)
    end = min(((now // ms + 1) * ms for _, ms, _ in counted), default=2**62)
    return start, end, keys, head


def _windows(plan: Plan, now: int) -> tuple[str, ...]:
    """The keys of the windows `plan`'s counters are in at `now`; the last ones named (and
    their packed command) are kept while every window lasts."""
    memo: list[_Named] = plan.args[1]
    named = memo[0]
    if not named[0] <= now < named[1]:
        named = memo[0] = _named(plan.args[0], now)  # swapped whole (threads may read it)
    return named[2]


def _settle_command(held: Held, actual: Amounts) -> bytes:
    keys = [k.encode() for k in held.keys]
    args = [b"EVALSHA", _SHA[SETTLE].encode(), b"%d" % len(keys), *keys, held.call_id.encode(),
            b"%d,%d,%d,%d" % actual]  # fmt: skip
    return b"*%d\r\n" % len(args) + b"".join(_bulk(a) for a in args)


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
        self._conns = Connections(pool)  # the packed commands' connections
        self._no_script: type[BaseException] = redis_lib.exceptions.NoScriptError
        self._broken: tuple[type[BaseException], ...] = (
            redis_lib.ConnectionError, redis_lib.TimeoutError,
        )  # fmt: skip
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

    def plan(self, kills: tuple[str, ...], counters: tuple[Counter, ...], lease_ms: int) -> Plan:
        """The reserve command but the call's id and amounts, packed once per window it
        names (``EVALSHA``, the kill switches' keys and the counters' keys in the windows
        the last answer was in, the number of kill switches, the lease, and each counter's
        window length, window and limits): per call, three arguments are appended."""
        p = self.prefix
        kill_keys = tuple(f"{p}:kill:{name}" for name in kills)
        counted = tuple((f"{p}:c:{c.key}:", c.window_s * 1000, c.limits) for c in counters)
        shape = (kill_keys, counted, lease_ms)
        return Plan(kills, counters, lease_ms, (shape, [_named(shape, 0)]))

    def _answer(self, plan: Plan, call_id: str, amounts: Amounts, out: Any) -> Held | Refusal:
        if out.__class__ is int:  # held: the server's time in ms
            return Held(call_id, _windows(plan, out), amounts)
        code = out[0]
        if code == 0:
            return Refusal("killed", int(out[1]))
        if code == 1:
            return Refusal("limit", int(out[1]), int(out[2]), int(out[3]), int(out[4]))
        return Refusal("settled", int(out[1]))

    def _failed(self, exc: BaseException) -> StateError:
        return StateError(f"the state store at {self.shown} failed ({type(exc).__name__})")

    # -- sync: one packed command, one round trip on a kept connection

    def _send(self, packed: bytes, script: str) -> Any:
        """Send `packed` (an ``EVALSHA`` of `script`) and read its answer; a broken
        connection is tried once more (reserve and settle are idempotent per call id),
        a server that lost its scripts (a restart) is given them."""
        retried = loaded = False
        conns = self._conns
        while True:
            conn = conns.take()
            try:
                conn.send_packed_command((packed,), check_health=False)
                out = conn.read_response()
            except self._broken:
                conn.disconnect()
                if retried:
                    raise
                retried = True
                continue
            except self._no_script:
                conns.give(conn)  # an error answer, read whole
                if loaded:
                    raise
                loaded = True
                self._client.script_load(script)
                continue
            except BaseException:
                conn.disconnect()  # never hand on a connection whose answer is unread
                raise
            conns.give(conn)
            return out

    def reserve(self, plan: Plan, call_id: str | None, amounts: Amounts) -> Held | Refusal:
        packed, call_id = _reserve_command(plan, call_id, amounts)
        try:
            out = self._send(packed, RESERVE)
        except self._errors as exc:
            raise self._failed(exc) from None
        return self._answer(plan, call_id, amounts, out)

    def stopped(self, plan: Plan) -> Refusal | None:
        """The reserve script of a plan without counters: its kill switches only."""
        out = self.reserve(plan, None, _NOTHING)
        return out if isinstance(out, Refusal) else None

    def settle(self, held: Held, actual: Amounts) -> int:
        if not held.keys:
            return 0
        try:
            return int(self._send(_settle_command(held, actual), SETTLE))
        except self._errors as exc:
            raise self._failed(exc) from None

    # -- async: a client and kept connections per event loop (a connection belongs to one)

    async def _aclient(self) -> Any:
        return (await self._aloop())[0]

    async def _aloop(self) -> tuple[Any, AsyncConnections]:
        """This event loop's client, and the connections its packed commands go out on."""
        loop = asyncio.get_running_loop()
        mine = self._async.get(loop)
        if mine is None:
            import redis.asyncio as aredis

            pool = aredis.BlockingConnectionPool.from_url(
                self._url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT_S,
                socket_timeout=self._timeout, socket_connect_timeout=self._timeout,
                decode_responses=True,
            )  # fmt: skip
            client = aredis.Redis(connection_pool=pool)
            mine = self._async[loop] = (client, AsyncConnections(pool))
            keeper = _closed_with_the_loop(client, pool, mine[1])
            await keeper.__anext__()  # started: the loop finalises it at its end
            self._keepers[loop] = keeper
        return mine

    async def _asend(self, packed: bytes, script: str) -> Any:
        """`_send` on this event loop's kept connections."""
        client, conns = await self._aloop()
        retried = loaded = False
        while True:
            conn = conns.take()
            try:
                await conn.send_packed_command((packed,), check_health=False)
                out = await conn.read_response()
            except self._broken:
                await conn.disconnect()
                if retried:
                    raise
                retried = True
                continue
            except self._no_script:
                await conns.give(conn)  # an error answer, read whole
                if loaded:
                    raise
                loaded = True
                await client.script_load(script)
                continue
            except BaseException:  # cancelled mid-call: the answer is unread
                await conn.disconnect(nowait=True)  # never handed on
                raise
            await conns.give(conn)
            return out

    async def areserve(self, plan: Plan, call_id: str | None, amounts: Amounts) -> Held | Refusal:
        packed, call_id = _reserve_command(plan, call_id, amounts)
        try:
            out = await self._asend(packed, RESERVE)
        except self._errors as exc:
            raise self._failed(exc) from None
        return self._answer(plan, call_id, amounts, out)

    async def astopped(self, plan: Plan) -> Refusal | None:
        out = await self.areserve(plan, None, _NOTHING)
        return out if isinstance(out, Refusal) else None

    async def asettle(self, held: Held, actual: Amounts) -> int:
        if not held.keys:
            return 0
        try:
            return int(await self._asend(_settle_command(held, actual), SETTLE))
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
                if key.endswith(":d"):  # a window's settled calls
                    continue
                answer: Any = self._client.hgetall(key)
                fields: dict[str, str] = dict(answer)
                total = [int(v) for v in fields.get("t", "0,0,0,0").split(",")]
                held = [0, 0, 0, 0]
                leases = 0
                for name, value in fields.items():
                    if name.startswith("a:"):
                        leases += 1
                        for f, amount in enumerate(value.split(",")[:4]):
                            held[f] += int(amount)
                used = [t - h for t, h in zip(total, held, strict=True)]
                base, _, window = key[len(start) :].rpartition(":")
                rows.append(
                    UsageRow(base, int(window), int(fields.get("w", 0)), _four(used),
                             _four(held), leases)
                )  # fmt: skip
        except self._errors as exc:
            raise self._failed(exc) from None
        return rows

    # -- the same server for other records (a conversation's placeholders)

    def client(self) -> Any:
        """The sync client (this store's pool, time-outs and retry)."""
        return self._client

    def run(self, script: str, keys: Sequence[str], args: Sequence[str]) -> Any:
        """Run `script` (one of the library's server-side scripts) in one round trip on
        the connections reservations use; a failure is a `StateError`."""
        try:
            return self._send(_script_command(script, keys, args), script)
        except self._errors as exc:
            raise self._failed(exc) from None

    async def arun(self, script: str, keys: Sequence[str], args: Sequence[str]) -> Any:
        """`run` on this event loop's client."""
        try:
            return await self._asend(_script_command(script, keys, args), script)
        except self._errors as exc:
            raise self._failed(exc) from None

    async def aclient(self) -> Any:
        """This event loop's async client."""
        return await self._aclient()

    def close(self) -> None:
        """Close the sync client (each event loop's async client closes with its loop,
        or with `aclose` inside it)."""
        self._client.close()
        self._client.connection_pool.disconnect()
        self._conns.close()

    async def aclose(self) -> None:
        """Close this event loop's async client."""
        loop = asyncio.get_running_loop()
        self._async.pop(loop, None)
        keeper = self._keepers.pop(loop, None)
        if keeper is not None:
            await keeper.aclose()


def _four(values: list[int]) -> Amounts:
    return (values[0], values[1], values[2], values[3])


async def _closed_with_the_loop(
    client: Any, pool: Any, conns: AsyncConnections
) -> AsyncGenerator[None, None]:
    """Started once in a loop, finalised by that loop's end (``shutdown_asyncgens``):
    the loop's client and kept connections are closed inside the loop that owns them."""
    try:
        yield
    finally:
        await conns.close()
        await client.aclose()
        await pool.disconnect()
