"""`RedisConversations`: a conversation's placeholder map on the shared state store (the
same Valkey or Redis server, client and prefix as `RedisState`), so turn 2 restores on
any replica what turn 1 redacted on another.

Nothing is kept in clear: the conversation, the client record and each value's lookup
field are keyed hashes (`ConversationKey.ref`), every value and name is sealed with
AES-256-GCM for its place. Keys (``P`` is ``state.prefix``)::

    P:cv:m:MAP        hash, one per conversation and client record:
                      k:FIELD -> <TYPE_N>            a value's placeholder (FIELD: its keyed hash)
                      v:<TYPE_N> -> FIELD:SEALED     the value, sealed [type, key, value]
                      n:TYPE -> N                    the highest number of the type
                      m:NAME -> SEALED               a name met [kind, value, canonical]
    P:cv:c:CONV       set: the maps of a conversation        (erase by conversation)
    P:cv:s:SUBJECT    set: the maps of a client record's id  (erase by data subject)
    P:cv:key          the key's check value (a keyed hash): a replica with another key
                      is refused, never silently given an empty conversation

Every key lives `ttl_s` after the last turn that read or wrote it. A call loads the map
in one round trip (`OPEN`: the sealed entries as one string) and, when it made new
placeholders, keeps them in one more (`KEEP`) *before anything is sent*, atomically: a
value another replica kept meanwhile keeps the placeholder it has; a placeholder another
replica gave to another value meanwhile is not reused, the value gets the next free
number. In either case the call is prepared again on the map as it now is (every value
of it is then kept, so the next attempt sends what the map says): both replicas use one
placeholder per value, and no placeholder is lost or stands for two values.

A sealed value's associated data is its conversation map and its lookup field, and a
map is read only if each value's placeholder is the one its lookup field names: a value
cannot be moved to another conversation or opened with another key. Someone who can
write to the server can still delete a conversation, or rewrite both fields of two
values consistently to swap their placeholders: the server's own access control guards
that; no one without the key can read or forge a value.
"""

from __future__ import annotations

import weakref
from typing import Any

import orjson

from .._errors import StateError
from .._pii import KeptName, KeptPlaceholder, KnownValues, PIISession
from .._state import RedisState
from ._keys import ConversationKey
from ._store import one_target, subject_ids

__all__ = ["ERASE", "KEEP", "OPEN", "RedisConversations"]

OPEN = r"""
local check = redis.call('GET', KEYS[1])
if not check then
  redis.call('SET', KEYS[1], ARGV[2])
elseif check ~= ARGV[2] then
  return {0}
end
local t = redis.call('HGETALL', KEYS[2])
if #t == 0 then return {1, ''} end
local h = {}
for i = 1, #t, 2 do h[t[i]] = t[i + 1] end
local out = {}
for i = 1, #t, 2 do
  local f, v = t[i], t[i + 1]
  local kind = string.sub(f, 1, 2)
  if kind == 'v:' then
    if h['k:' .. (string.match(v, '^([^:]*):') or '')] ~= string.sub(f, 3) then return {2} end
    out[#out + 1] = f .. '\t' .. v
  elseif kind == 'm:' then
    out[#out + 1] = f .. '\t' .. v
  end
end
for k = 2, #KEYS do redis.call('PEXPIRE', KEYS[k], ARGV[1]) end
return {1, table.concat(out, '\n')}
"""

KEEP = """
local m = KEYS[1]
local n = tonumber(ARGV[2])
local moved = 0
for i = 0, n - 1 do
  local a = 3 + i * 4
  local field, ph, kind = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local have = redis.call('HGET', m, 'k:' .. field)
  if have then
    if have ~= ph then moved = 1 end
  else
    local top = tonumber(redis.call('HGET', m, 'n:' .. kind) or '0')
    if redis.call('HEXISTS', m, 'v:' .. ph) == 1 then
      top = top + 1
      ph = '<' .. kind .. '_' .. string.format('%d', top) .. '>'
      moved = 1
    end
    redis.call('HSET', m, 'k:' .. field, ph, 'v:' .. ph, ARGV[a + 3])
    local num = tonumber(string.match(ph, '_(%d+)>$'))
    if num > top then top = num end
    redis.call('HSET', m, 'n:' .. kind, string.format('%d', top))
  end
end
for j = 3 + n * 4, #ARGV, 2 do
  redis.call('HSETNX', m, 'm:' .. ARGV[j], ARGV[j + 1])
end
redis.call('PEXPIRE', m, ARGV[1])
for k = 2, #KEYS do
  redis.call('SADD', KEYS[k], m)
  redis.call('PEXPIRE', KEYS[k], ARGV[1])
end
return 1 - moved
"""

ERASE = """
local n = 0
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.sub(m, 1, #ARGV[1]) == ARGV[1] then n = n + redis.call('DEL', m) end
end
redis.call('DEL', KEYS[1])
return n
"""


class RedisConversations:
    """Conversations kept on `state`'s server, sealed with `key`, for `ttl_s` after their
    last turn. Every failure is a `StateError` naming the server, never a value."""

    shared = True

    def __init__(self, state: RedisState, key: ConversationKey, ttl_s: int) -> None:
        import redis

        self.state = state
        self.key = key
        self.ttl_s = ttl_s
        self._ttl_ms = str(ttl_s * 1000)
        self._p = f"{state.prefix}:cv:"
        self._check = key.ref("key check")
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        client = state.client()
        self._scripts = tuple(client.register_script(s) for s in (OPEN, KEEP, ERASE))
        self._async: weakref.WeakKeyDictionary[Any, tuple[Any, Any]] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"RedisConversations({self.state.shown!r}, ttl_s={self.ttl_s})"

    # -- names and sealed entries (no I/O)

    def _keys(self, conversation: str, subject: KnownValues | None) -> tuple[str, list[str]]:
        """The map's reference and the keys a turn touches: the map, the conversation's
        index and each client record's index."""
        ref = self.key.ref
        conv = ref("conversation", conversation)
        subjects = [ref("subject", i) for i in subject_ids(subject)]
        if subject is not None and not subjects:  # a record without an id: by its values
            values = subject.identity()
            parts = sorted(map(str, values)) if isinstance(values, frozenset) else [repr(values)]
            map_ref = ref("map", conv, "values", *parts)
        else:
            map_ref = ref("map", conv, *subjects)
        p = self._p
        return map_ref, [f"{p}m:{map_ref}", f"{p}c:{conv}", *(f"{p}s:{s}" for s in subjects)]

    def _session(self, map_ref: str, lines: str) -> PIISession:
        """The map's entries (as `OPEN` returns them: one per line, a placeholder's only
        if its lookup field names it), opened, as a session that notes what a call adds."""
        session = PIISession(journal=True)
        key = self.key
        try:
            for line in lines.split("\n") if lines else ():
                name, _, stored = line.partition("\t")
                if name.startswith("v:"):
                    field, _, sealed = stored.partition(":")  # sealed for its field
                    kind, norm, value = orjson.loads(key.open(f"v\0{map_ref}\0{field}", sealed))
                    session.load(KeptPlaceholder(kind, norm, name[2:], value))
                else:
                    place = f"m\0{map_ref}\0{name[2:]}"
                    kind, value, canonical = orjson.loads(key.open(place, stored))
                    session.load_name(KeptName(kind, value, canonical))
        except (ValueError, TypeError, orjson.JSONDecodeError):
            raise self._altered() from None
        return session

    def _altered(self) -> StateError:
        return StateError(
            f"a conversation's entries on {self.state.shown} do not open with this key "
            "(another RAI_CONVERSATION_KEY, or they were altered)"
        )

    def _keep_args(
        self, conversation: str, subject: KnownValues | None, session: PIISession
    ) -> tuple[list[str], list[str]] | None:
        new, names = session.added()
        if not new and not names:
            return None
        map_ref, keys = self._keys(conversation, subject)
        key = self.key
        args = [self._ttl_ms, str(len(new))]
        for e in new:
            field = key.ref("k", map_ref, e.entity_type, e.key)
            sealed = key.seal(
                f"v\0{map_ref}\0{field}",
                orjson.dumps([e.entity_type, e.key, e.value]).decode(),
            )
            args += [field, e.placeholder, e.entity_type, f"{field}:{sealed}"]
        for n in names:
            text = orjson.dumps([n.kind, n.value, n.canonical]).decode()
            field = key.ref("m", map_ref, text)
            args += [field, key.seal(f"m\0{map_ref}\0{field}", text)]
        return keys, args

    def _failed(self, exc: BaseException) -> StateError:
        return StateError(f"the state store at {self.state.shown} failed ({type(exc).__name__})")

    # -- sync

    def _opened(self, map_ref: str, out: Any) -> PIISession:
        code = int(out[0])
        if code == 0:
            raise StateError(
                f"the conversations on {self.state.shown} were sealed with another "
                "RAI_CONVERSATION_KEY than this replica's (every replica needs the same one)"
            )
        if code != 1:
            raise self._altered()
        return self._session(map_ref, str(out[1]))

    def open(self, conversation: str, subject: KnownValues | None) -> PIISession:
        map_ref, keys = self._keys(conversation, subject)
        try:
            out = self._scripts[0](keys=[self._p + "key", *keys], args=[self._ttl_ms, self._check])
        except self._errors as exc:
            raise self._failed(exc) from None
        return self._opened(map_ref, out)

    def keep(self, conversation: str, subject: KnownValues | None, session: PIISession) -> bool:
        made = self._keep_args(conversation, subject, session)
        if made is None:
            return True
        try:
            return bool(self._scripts[1](keys=made[0], args=made[1]))
        except self._errors as exc:
            raise self._failed(exc) from None

    # -- async (the state store's client of the running event loop)

    async def _ascripts(self) -> tuple[Any, Any]:
        client = await self.state.aclient()
        found = self._async.get(client)
        if found is None:
            found = self._async[client] = (
                client.register_script(OPEN),
                client.register_script(KEEP),
            )
        return found

    async def aopen(self, conversation: str, subject: KnownValues | None) -> PIISession:
        map_ref, keys = self._keys(conversation, subject)
        try:
            script, _ = await self._ascripts()
            out = await script(keys=[self._p + "key", *keys], args=[self._ttl_ms, self._check])
        except self._errors as exc:
            raise self._failed(exc) from None
        return self._opened(map_ref, out)

    async def akeep(
        self, conversation: str, subject: KnownValues | None, session: PIISession
    ) -> bool:
        made = self._keep_args(conversation, subject, session)
        if made is None:
            return True
        try:
            _, script = await self._ascripts()
            return bool(await script(keys=made[0], args=made[1]))
        except self._errors as exc:
            raise self._failed(exc) from None

    # -- erasure

    def erase(self, *, conversation: str | None = None, subject: str | None = None) -> int:
        """Erase every map of a conversation (all its client records), or every map of a
        client record's id (all its conversations); returns how many there were."""
        one_target(conversation, subject)
        ref = self.key.ref
        index = (
            f"{self._p}c:{ref('conversation', conversation)}"
            if conversation is not None
            else f"{self._p}s:{ref('subject', str(subject))}"
        )
        try:
            return int(self._scripts[2](keys=[index], args=[f"{self._p}m:"]))
        except self._errors as exc:
            raise self._failed(exc) from None
