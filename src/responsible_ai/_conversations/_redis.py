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
                      g -> TIME                      the map's generation (when it was made)
    P:cv:c:CONV       set: the maps of a conversation        (erase by conversation)
    P:cv:s:SUBJECT    set: the maps of a client record's id  (erase by data subject)
    P:cv:key          the key's check value (a keyed hash): a replica with another key
                      is refused, never silently given an empty conversation

Every key lives `ttl_s` after the last turn that read or wrote it. A call loads the map
in one round trip (`OPEN`: the sealed entries as one string; or, when the map is at the
version of the session this replica last opened of it, only that: the session is handed
on as it is, its values not opened again nor its names' matcher built again — entries
are only ever added, so the generation and the number of fields are the version) and,
when it made new placeholders, keeps them in one more (`KEEP`) *before anything is
sent*, atomically: a value another replica kept meanwhile keeps the placeholder it has; a
placeholder another replica gave to another value meanwhile is not reused, the value
gets the next free number. In either case the call is prepared again on the map as it
now is (every value of it is then kept, so the next attempt sends what the map says):
both replicas use one placeholder per value, and no placeholder is lost or stands for two
values.

A sealed value's associated data is its conversation map and its lookup field, and a
map is read only if each value's placeholder is the one its lookup field names: a value
cannot be moved to another conversation or opened with another key. Someone who can
write to the server can still delete a conversation, or rewrite both fields of two
values consistently to swap their placeholders: the server's own access control guards
that; no one without the key can read or forge a value.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson

from .._errors import StateError
from .._pii import KeptName, KeptPlaceholder, KnownValues, PIISession
from .._state import RedisState
from ._keys import ConversationKey
from ._store import one_target, subject_ids

__all__ = ["ERASE", "KEEP", "OPEN", "RedisConversations"]

_OPENED = 1024  # sessions kept in the process (the last opened of each map)
_OPENED_S = 300  # and for how long after a turn last had one (at most the map's ttl_s)

OPEN = r"""
local check = redis.call('GET', KEYS[1])
if not check then
  redis.call('SET', KEYS[1], ARGV[2])
elseif check ~= ARGV[2] then
  return {0}
end
local m = KEYS[2]
local g = redis.call('HGET', m, 'g')
local ver = g and (g .. ':' .. string.format('%d', redis.call('HLEN', m))) or ''
if ver ~= '' and ver == ARGV[3] then -- the caller holds the map as it is
  for k = 2, #KEYS do redis.call('PEXPIRE', KEYS[k], ARGV[1]) end
  return {3}
end
local t = redis.call('HGETALL', m)
if #t == 0 then return {1, '', ''} end
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
return {1, table.concat(out, '\n'), ver}
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
if redis.call('HEXISTS', m, 'g') == 0 then -- the map's generation: when it was made
  local now = redis.call('TIME')
  redis.call('HSET', m, 'g', now[1] .. '.' .. now[2])
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
    last turn. Every failure is a `StateError` naming the server, never a value.

    The session a turn opened is kept in the process (`_Opened`: five minutes after the
    last turn that had it, at most) with the version of the map it was opened from, and
    handed to the next turn as it is when the map is still at that version and no turn
    added to it: the server sends no entries, the values are not opened again and the
    names' matcher is not built again (most turns add nothing). `erase` drops the
    sessions it kept of what it erases; a map erased elsewhere is read afresh (empty) by
    the next turn."""

    shared = True

    def __init__(self, state: RedisState, key: ConversationKey, ttl_s: int) -> None:
        self.state = state
        self.key = key
        self.ttl_s = ttl_s
        self._ttl_ms = str(ttl_s * 1000)
        self._p = f"{state.prefix}:cv:"
        self._check = key.ref("key check")
        self._opened = _Opened(min(ttl_s, _OPENED_S))

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

    def _session_of(self, map_ref: str, keys: list[str], held: str, out: Any) -> PIISession | None:
        """The session of `OPEN`'s answer (None: the server says the map is at version
        `held`, and the session kept at that version is gone meanwhile)."""
        code = int(out[0])
        if code == 3:  # the map is as the session kept for it was opened from
            return self._opened.session(map_ref, held)
        if code == 0:
            raise StateError(
                f"the conversations on {self.state.shown} were sealed with another "
                "RAI_CONVERSATION_KEY than this replica's (every replica needs the same one)"
            )
        if code != 1:
            raise self._altered()
        session = self._session(map_ref, str(out[1]))
        if out[2]:
            self._opened.put(map_ref, str(out[2]), session, keys[1:])
        return session

    # -- sync

    def open(self, conversation: str, subject: KnownValues | None) -> PIISession:
        map_ref, keys = self._keys(conversation, subject)
        keys = [self._p + "key", *keys]
        held = self._opened.version(map_ref)
        while True:
            out = self.state.run(OPEN, keys, [self._ttl_ms, self._check, held])
            session = self._session_of(map_ref, keys[1:], held, out)
            if session is not None:
                return session
            held = ""  # read the whole map

    def keep(self, conversation: str, subject: KnownValues | None, session: PIISession) -> bool:
        made = self._keep_args(conversation, subject, session)
        if made is None:
            return True
        return bool(self.state.run(KEEP, made[0], made[1]))

    # -- async (the state store's client of the running event loop)

    async def aopen(self, conversation: str, subject: KnownValues | None) -> PIISession:
        map_ref, keys = self._keys(conversation, subject)
        keys = [self._p + "key", *keys]
        held = self._opened.version(map_ref)
        while True:
            out = await self.state.arun(OPEN, keys, [self._ttl_ms, self._check, held])
            session = self._session_of(map_ref, keys[1:], held, out)
            if session is not None:
                return session
            held = ""

    async def akeep(
        self, conversation: str, subject: KnownValues | None, session: PIISession
    ) -> bool:
        made = self._keep_args(conversation, subject, session)
        if made is None:
            return True
        return bool(await self.state.arun(KEEP, made[0], made[1]))

    # -- erasure

    def erase(self, *, conversation: str | None = None, subject: str | None = None) -> int:
        """Erase every map of a conversation (all its client records), or every map of a
        client record's id (all its conversations); returns how many there were. The
        sessions this process kept of them are dropped too."""
        one_target(conversation, subject)
        ref = self.key.ref
        index = (
            f"{self._p}c:{ref('conversation', conversation)}"
            if conversation is not None
            else f"{self._p}s:{ref('subject', str(subject))}"
        )
        self._opened.drop(index)
        return int(self.state.run(ERASE, [index], [f"{self._p}m:"]))


class _Opened:
    """The last session opened per map, with the map's version (its generation and
    number of entries: a map only grows, and one erased and made again is of another
    generation), the map's index keys (to drop it on erasure) and when it goes (`ttl_s`
    after it was last handed out; at most `_OPENED` maps, the oldest first). A session a
    turn added to, kept or not, is never handed out again."""

    def __init__(self, ttl_s: int) -> None:
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._maps: dict[str, tuple[str, PIISession, tuple[str, ...], float]] = {}

    def version(self, map_ref: str) -> str:
        """The version of the session kept for `map_ref` ('' when there is none to hand
        out: the server then sends the whole map)."""
        found = self._maps.get(map_ref)
        if found is None or found[3] <= time.monotonic():
            return ""
        new, names = found[1].added()
        return "" if new or names else found[0]

    def session(self, map_ref: str, version: str) -> PIISession | None:
        """The session kept for `map_ref` at `version`, handed out once more (its time
        renewed); None if another replaced it meanwhile."""
        with self._lock:
            found = self._maps.get(map_ref)
            if found is None or found[0] != version:
                return None
            del self._maps[map_ref]
            self._maps[map_ref] = (*found[:3], time.monotonic() + self._ttl_s)  # the newest
            return found[1]

    def put(self, map_ref: str, version: str, session: PIISession, indexes: list[str]) -> None:
        with self._lock:
            self._maps.pop(map_ref, None)
            while len(self._maps) >= _OPENED:
                self._maps.pop(next(iter(self._maps)))
            ends = time.monotonic() + self._ttl_s
            self._maps[map_ref] = (version, session, tuple(indexes), ends)

    def drop(self, index: str) -> None:
        """Drop (and wipe) the sessions of the maps listed under `index` (a conversation's
        or a client record's)."""
        with self._lock:
            gone = [ref for ref, entry in self._maps.items() if index in entry[2]]
            for ref in gone:
                self._maps.pop(ref)[1].drop()
