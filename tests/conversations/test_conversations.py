"""A conversation's placeholders across calls, clients and replicas: in the process, and on
a real Valkey server shared by several governances — sealed, with a time to live, erased
by conversation and by data subject, consistent under concurrent turns, refused when the
store cannot be reached or the key is missing or wrong."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from typing import Any

import openai
import pytest
import redis

import responsible_ai as rai
from responsible_ai._cli import main
from responsible_ai._conversations import (
    ConversationKey,
    MemoryConversations,
    RedisConversations,
)
from responsible_ai._pii import PIISession
from responsible_ai.testing import FakeModelServer
from tests.conversations.conftest import JANE, KEY, MK, conversation_policy
from tests.limits.conftest import Valkey

pytestmark = pytest.mark.http

TURN_1 = "Please write to Jane Roe about her refund."
TURN_2 = "Add that Peter Novak and Jane called again."
TOKEN = re.compile(r"<PERSON_\d+>")


def sent(server: FakeModelServer) -> str:
    """The last user message the provider received."""
    return str(server.requests[-1].body["messages"][-1]["content"])


def two_turns(first: rai.Guard, second: rai.Guard, server: FakeModelServer, **kw: Any) -> str:
    """Turn 1 on `first`, turn 2 on `second` (the model answers with turn 1's placeholder);
    returns turn 2's answer, restored."""
    first.chat(TURN_1, restore=True, **kw, **MK)
    assert sent(server) == "Please write to <PERSON_1> about her refund."
    server.reply_next("Dear <PERSON_1>, we are sorry.")
    answer = second.chat(TURN_2, restore=True, **kw, **MK)
    assert sent(server) == "Add that <PERSON_2> and <PERSON_1> called again."
    return answer.text


class TestInTheProcess:
    def test_a_conversation_spans_clients_of_one_governance(self, server: FakeModelServer) -> None:
        """Two Guards of one Governance: turn 2 restores turn 1's placeholder and gives a
        later "Jane" alone the same one (a new session would number her second)."""
        gov = rai.Governance(rai.Policy.from_dict(conversation_policy(server.base_url)))
        with rai.Guard(gov) as a, rai.Guard(gov) as b:
            assert two_turns(a, b, server, conversation="t-1") == "Dear Jane Roe, we are sorry."
            b.chat(TURN_2, **MK)  # no conversation: a session of its own
            assert sent(server) == "Add that <PERSON_1> and <PERSON_2> called again."

    async def test_a_block_binds_the_conversation(self, server: FakeModelServer) -> None:
        """``rai.conversation(...)`` (sync and async) makes the calls in it turns of one."""
        gov = rai.Governance(rai.Policy.from_dict(conversation_policy(server.base_url)))
        async with rai.Guard(gov) as guard:
            with rai.conversation("t-2"):
                await guard.achat(TURN_1, **MK)
            async with rai.conversation("t-2"):
                await guard.achat(TURN_2, **MK)
            assert sent(server) == "Add that <PERSON_2> and <PERSON_1> called again."
            await guard.achat(TURN_2, **MK)  # outside: not a turn of it
            assert sent(server) == "Add that <PERSON_1> and <PERSON_2> called again."

    def test_governed_functions_are_turns(self, server: FakeModelServer) -> None:
        """``@governed(conversation=...)`` and a block around a governed call: each
        invocation is a turn of the conversation, not a session of its own."""
        guard = rai.Guard(rai.Policy.from_dict(conversation_policy(server.base_url)))

        @rai.governed(**MK, guard=guard, conversation="t-3")
        def first() -> str:
            return rai.client().chat(TURN_1).text

        @rai.governed(**MK, guard=guard)
        def second() -> str:
            return rai.client().chat(TURN_2).text

        with guard:
            first()
            with rai.conversation("t-3"):
                second()
        assert sent(server) == "Add that <PERSON_2> and <PERSON_1> called again."

    def test_each_client_record_has_a_map_of_its_own(self, server: FakeModelServer) -> None:
        """One conversation, another client record: turn 1's placeholder is not restored
        into an answer about another client."""
        gov = rai.Governance(rai.Policy.from_dict(conversation_policy(server.base_url)))
        other = rai.ClientRecord(name="Maria Gonzalez", id="client-7")
        with rai.Guard(gov) as guard:
            guard.chat(TURN_1, conversation="t-4", subject=JANE, **MK)
            server.reply_next("Dear <PERSON_1>.")
            answer = guard.chat("Hello.", conversation="t-4", subject=other, restore=True, **MK)
            assert answer.text == "Dear <PERSON_1>."

    def test_a_session_and_a_conversation_are_one_or_the_other(self) -> None:
        """A call given both its own session and a conversation is a `TypeError`."""
        guard = rai.Guard(rai.Policy.from_dict(conversation_policy("http://127.0.0.1:9/v1")))
        with pytest.raises(TypeError, match="session= or conversation="):
            guard.chat("hi", session=PIISession(), conversation="t", **MK)

    @pytest.mark.parametrize("bad", ["", "   ", "x" * 257, "jane\nroe", "a\u200bb", 42])
    def test_a_malformed_id_is_refused_without_being_shown(self, bad: Any) -> None:
        """An id that is empty, too long, or holds control or format characters is an
        error that never repeats it."""
        guard = rai.Guard(rai.Policy.from_dict(conversation_policy("http://127.0.0.1:9/v1")))
        with pytest.raises((rai.ConfigurationError, TypeError)) as info:
            guard.chat("hi", conversation=bad, **MK)
        if isinstance(bad, str) and bad.strip():
            assert bad not in str(info.value)
        with pytest.raises(rai.ConfigurationError):
            rai.conversation(bad)

    def test_a_map_lives_its_time_to_live_and_is_erased(self) -> None:
        """The in-process store drops a map `ttl_s` after its last turn, and erases by
        conversation and by client record id (every value forgotten)."""
        now = [1000.0]
        store = MemoryConversations(60, clock=lambda: now[0])
        session = store.open("t", JANE_KNOWN)
        session.placeholder("PERSON", "Jane Roe")
        now[0] += 59
        assert store.open("t", JANE_KNOWN) is session  # a turn: 60 s more
        now[0] += 61
        assert len(store.open("t", JANE_KNOWN)) == 0 and len(session) == 0
        store.open("t", JANE_KNOWN).placeholder("PERSON", "Jane Roe")
        store.open("u", JANE_KNOWN).placeholder("PERSON", "Jane Roe")
        store.open("u", None).placeholder("PERSON", "Peter Novak")
        assert store.erase(subject="client-1042") == 2
        assert store.erase(conversation="u") == 1
        assert store.erase(conversation="u") == 0
        with pytest.raises(rai.ConfigurationError, match="one of them"):
            store.erase()


JANE_KNOWN = rai.KnownValues([JANE])


def raw_dump(url: str, prefix: str) -> tuple[str, list[str]]:
    """Every key, field and value under `prefix`, as one text; and the keys."""
    client = redis.Redis.from_url(url.replace("valkey://", "redis://"), decode_responses=True)
    try:
        keys = sorted(client.scan_iter(match=f"{prefix}:*"))
        parts: list[str] = []
        for key in keys:
            kind = client.type(key)
            parts.append(key)
            if kind == "hash":
                for field, value in client.hgetall(key).items():
                    parts += [field, value]
            elif kind == "set":
                parts += sorted(client.smembers(key))
            else:
                parts.append(str(client.get(key)))
        return "\n".join(parts), keys
    finally:
        client.close()


def ttls(url: str, keys: list[str]) -> list[int]:
    client = redis.Redis.from_url(url.replace("valkey://", "redis://"))
    try:
        return [int(client.pttl(k)) for k in keys]
    finally:
        client.close()


class TestOnTheSharedStore:
    def test_turn_two_on_another_replica_restores_turn_one(
        self, shared: Callable[..., rai.Governance], server: FakeModelServer
    ) -> None:
        """Two governances, each with its own client of the shared store: turn 2 restores
        turn 1's placeholder and finds its name again."""
        with rai.Guard(shared()) as a, rai.Guard(shared()) as b:
            text = two_turns(a, b, server, conversation="ticket-1042", subject=JANE)
        assert text == "Dear Jane Roe, we are sorry."

    async def test_async_turns_use_the_async_client(
        self, shared: Callable[..., rai.Governance], server: FakeModelServer
    ) -> None:
        """The same through `achat` (the store's async client), a stream on the other."""
        async with rai.Guard(shared()) as a, rai.Guard(shared()) as b:
            await a.achat(TURN_1, conversation="t-async", **MK)
            server.reply_next("Dear <PERSON_1>.")
            chunks = [
                c.text async for c in b.astream(TURN_2, conversation="t-async", restore=True, **MK)
            ]
        assert sent(server) == "Add that <PERSON_2> and <PERSON_1> called again."
        assert "".join(chunks) == "Dear Jane Roe."

    def test_nothing_is_kept_in_clear(
        self,
        shared: Callable[..., rai.Governance],
        server: FakeModelServer,
        valkey: Valkey,
        prefix: str,
    ) -> None:
        """Canary: every key, field and value on the server holds no value, name, part of
        a name, conversation id or client record id; every key of a conversation (its map
        and its two indexes) has a time to live."""
        record = rai.ClientRecord(
            name="Zyxia Quorble", id="subject-Wqxjzv", emails=["zq@canary.example"]
        )
        data = conversation_policy(server.base_url, conversations={"ttl_s": 600})
        with rai.Guard(shared(data)) as guard:
            guard.chat("Write to Zyxia Quorble (zq@canary.example) about Orvindale Plc.",
                       conversation="conv-Pzkrwy", subject=record, **MK)  # fmt: skip
            guard.chat("And Zyxia again.", conversation="conv-Pzkrwy", subject=record, **MK)
        text, keys = raw_dump(valkey.url, prefix)
        assert "<PERSON_1>" in text  # the dump is of the map
        for canary in ("zyxia", "quorble", "canary.example", "orvindale", "wqxjzv", "pzkrwy"):
            assert canary not in text.lower(), canary
        kept = [k for k in keys if k != f"{prefix}:cv:key"]  # the key's check value stays
        assert len(kept) == 3 and all(0 < t <= 600_000 for t in ttls(valkey.url, kept))

    def test_without_a_key_conversations_are_refused(
        self,
        valkey: Valkey,
        prefix: str,
        server: FakeModelServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A shared store without ``RAI_CONVERSATION_KEY``: a call in a conversation is
        refused (nothing sent), one without still passes; a policy that requires
        conversations refuses to start."""
        monkeypatch.delenv("RAI_CONVERSATION_KEY", raising=False)
        state = rai.RedisState(valkey.url, prefix=prefix)
        policy = rai.Policy.from_dict(conversation_policy(server.base_url))
        with rai.Guard(policy, state=state) as guard:
            with pytest.raises(rai.ConfigurationError, match="RAI_CONVERSATION_KEY"):
                guard.chat(TURN_1, conversation="t", **MK)
            assert server.requests == []
            guard.chat(TURN_1, **MK)
        required = conversation_policy(server.base_url, conversations={"required": True})
        with pytest.raises(rai.ConfigurationError, match="RAI_CONVERSATION_KEY"):
            rai.Governance(rai.Policy.from_dict(required), state=state)
        monkeypatch.setenv("RAI_CONVERSATION_KEY", "too-short")
        with pytest.raises(rai.ConfigurationError) as info:
            rai.Governance(policy, state=state)
        assert "too-short" not in str(info.value)
        state.close()

    def test_another_key_or_an_altered_entry_does_not_open(
        self,
        shared: Callable[..., rai.Governance],
        server: FakeModelServer,
        valkey: Valkey,
        prefix: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A replica with another key, or a map whose sealed values were swapped between
        placeholders, refuses the call (fail closed) and names no value."""
        with rai.Guard(shared()) as guard:
            guard.chat("Jane Roe and Peter Novak.", conversation="t", **MK)
        monkeypatch.setenv("RAI_CONVERSATION_KEY", bytes(range(1, 33)).hex())
        with rai.Guard(shared()) as other, pytest.raises(rai.StateUnavailable) as info:
            other.chat("hi", conversation="t", **MK)
        assert info.value.rule == "conversations" and "Jane" not in str(info.value)
        monkeypatch.setenv("RAI_CONVERSATION_KEY", KEY.hex())
        client = redis.Redis.from_url(
            valkey.url.replace("valkey://", "redis://"), decode_responses=True
        )
        (key,) = list(client.scan_iter(match=f"{prefix}:cv:m:*"))
        one, two = client.hget(key, "v:<PERSON_1>"), client.hget(key, "v:<PERSON_2>")
        client.hset(key, mapping={"v:<PERSON_1>": str(two), "v:<PERSON_2>": str(one)})
        client.close()
        with rai.Guard(shared()) as guard, pytest.raises(rai.StateUnavailable, match="altered"):
            guard.chat("hi", conversation="t", **MK)
        assert len(server.requests) == 1

    @pytest.mark.parametrize("on_unreachable", ["refuse", "allow"])
    def test_an_unreachable_store_refuses(
        self,
        own_valkey: Valkey,
        server: FakeModelServer,
        conversation_key: bytes,
        on_unreachable: str,
    ) -> None:
        """The server stopped: a call in a conversation is refused with a clear error
        naming the server (whatever ``state.on_unreachable`` says for limits); nothing is
        sent."""
        data = conversation_policy(server.base_url, state={"on_unreachable": on_unreachable})
        state = rai.RedisState(own_valkey.url, prefix="p", timeout_s=0.3)
        with rai.Guard(rai.Policy.from_dict(data), state=state) as guard:
            guard.chat(TURN_1, conversation="t", **MK)
            own_valkey.stop()
            with pytest.raises(rai.StateUnavailable) as info:
                guard.chat(TURN_2, conversation="t", **MK)
        message = str(info.value)
        assert info.value.rule == "conversations" and "127.0.0.1" in message
        assert "Jane" not in message and "Peter" not in message
        assert len(server.requests) == 1
        state.close()

    def test_concurrent_first_mentions_never_share_or_lose_a_placeholder(
        self, valkey: Valkey, prefix: str
    ) -> None:
        """Two turns load the same map at once: the same value gets the same placeholder
        on both; a placeholder the other kept first for another value sends this turn
        back to be prepared again, and then it numbers its value after it."""
        key = ConversationKey(KEY)
        states = [rai.RedisState(valkey.url, prefix=prefix) for _ in range(2)]
        a, b = (RedisConversations(s, key, 600) for s in states)
        one, two = a.open("t", None), b.open("t", None)
        assert one.placeholder("PERSON", "Jane Roe") == two.placeholder("PERSON", "Jane Roe")
        assert a.keep("t", None, one) and b.keep("t", None, two)
        one, two = a.open("t", None), b.open("t", None)
        assert one.placeholder("PERSON", "Peter Novak") == "<PERSON_2>"
        assert two.placeholder("PERSON", "Maria Gonzalez") == "<PERSON_2>"
        assert a.keep("t", None, one) and not b.keep("t", None, two)
        again = b.open("t", None)
        assert again.placeholder("PERSON", "Maria Gonzalez") == "<PERSON_3>"
        assert b.keep("t", None, again)
        final = a.open("t", None)
        assert (
            final.restore("<PERSON_1> <PERSON_2> <PERSON_3>")
            == "Jane Roe Peter Novak Maria Gonzalez"
        )
        for s in states:
            s.close()

    def test_a_map_unchanged_since_it_was_opened_is_not_read_again(
        self, valkey: Valkey, prefix: str
    ) -> None:
        """A replica hands the next turn the session it opened when the map has not
        changed (same generation, same entries) and no turn added to it; another
        replica's addition, a turn's own addition, and an erasure and a new map under
        the same name each make it read the map again."""
        key = ConversationKey(KEY)
        states = [rai.RedisState(valkey.url, prefix=prefix) for _ in range(2)]
        a, b = (RedisConversations(s, key, 600) for s in states)
        first = a.open("t", None)
        first.placeholder("PERSON", "Jane Roe")
        assert a.keep("t", None, first)
        kept = a.open("t", None)  # read whole (the map changed)
        assert kept is not first and a.open("t", None) is kept  # then not read again
        other = b.open("t", None)
        other.placeholder("PERSON", "Peter Novak")
        assert b.keep("t", None, other)
        seen = a.open("t", None)
        assert seen is not kept and seen.restore("<PERSON_2>") == "Peter Novak"
        seen.placeholder("PERSON", "Maria Gonzalez")  # added, not kept
        fresh = a.open("t", None)
        assert fresh is not seen and not fresh.knows("<PERSON_3>")
        assert b.erase(conversation="t") == 1
        again = b.open("t", None)
        again.placeholder("PERSON", "Anna Novak")
        again.placeholder("PERSON", "Boris Kowalski")
        assert b.keep("t", None, again)  # a new map with as many entries as the old one
        after = a.open("t", None)
        assert after is not fresh
        assert after.restore("<PERSON_1> <PERSON_2>") == "Anna Novak Boris Kowalski"
        assert a.erase(conversation="t") == 1 and len(after) == 0  # wiped in this process
        for s in states:
            s.close()

    def test_concurrent_turns_on_two_replicas_lose_nothing(
        self,
        shared: Callable[..., rai.Governance],
        server: FakeModelServer,
        valkey: Valkey,
        prefix: str,
    ) -> None:
        """16 turns at once on two replicas, each naming one of 8 people: each answer is
        restored to its own person, and the kept map has one placeholder per person."""
        people = [f"{first} {last}" for first, last in zip(
            ["Anna", "Boris", "Clara", "David", "Elena", "Felix", "Greta", "Hugo"],
            ["Novak", "Kowalski", "Schmidt", "Dubois", "Rossi", "Jensen", "Moreau", "Silva"],
            strict=True,
        )]  # fmt: skip
        guards = [rai.Guard(shared()), rai.Guard(shared())]
        go = threading.Barrier(16)
        answers: dict[int, str] = {}
        errors: list[BaseException] = []

        def turn(i: int) -> None:
            go.wait()
            try:
                answer = guards[i % 2].chat(
                    f"Call {people[i % 8]} today.", conversation="busy", restore=True, **MK
                )
                answers[i] = answer.text
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=turn, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == [] and len(answers) == 16
        for i, text in answers.items():
            assert f"Call {people[i % 8]} today." in text
        tokens = {TOKEN.findall(r.body["messages"][-1]["content"])[0] for r in server.requests}
        assert tokens == {f"<PERSON_{n}>" for n in range(1, 9)}
        kept = RedisConversations(
            rai.RedisState(valkey.url, prefix=prefix), ConversationKey(KEY), 600
        ).open("busy", None)
        assert sorted(kept.restore(t) for t in tokens) == sorted(people)
        for g in guards:
            g.close()

    def test_erase_by_conversation_and_by_subject(
        self,
        shared: Callable[..., rai.Governance],
        server: FakeModelServer,
        valkey: Valkey,
        prefix: str,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """`rai conversations erase --subject` erases every conversation map made for the
        client record (restore is impossible after it); ``--conversation`` every map of
        one conversation; the output names neither id; without the key it refuses."""
        gov = shared()
        with rai.Guard(gov) as guard:
            guard.chat(TURN_1, conversation="t-a", subject=JANE, **MK)
            guard.chat(TURN_1, conversation="t-b", subject=JANE, **MK)
            guard.chat(TURN_1, conversation="t-c", **MK)
            state = ("--state", valkey.url, "--prefix", prefix)
            assert main(["conversations", "erase", "--subject", "client-1042", *state]) == 0
            out, _ = capsys.readouterr()
            assert "erased: 2 conversation map(s)" in out and "client-1042" not in out
            server.reply_next("Dear <PERSON_1>.")
            answer = guard.chat("Hi.", conversation="t-a", subject=JANE, restore=True, **MK)
            assert answer.text == "Dear <PERSON_1>."
            assert main(["conversations", "erase", "--conversation", "t-c", *state]) == 0
            assert "erased: 1 conversation map(s)" in capsys.readouterr()[0]
            assert gov.conversations.erase(conversation="t-c") == 0
        assert "m:" not in raw_dump(valkey.url, prefix)[0].replace("cv:m:", "")
        monkeypatch.delenv("RAI_CONVERSATION_KEY")
        assert main(["conversations", "erase", "--subject", "x", *state]) == 2
        assert "RAI_CONVERSATION_KEY" in capsys.readouterr()[1]


class TestTheSDKTransport:
    def test_the_header_names_the_conversation_and_is_never_sent(
        self, shared: Callable[..., rai.Governance], server: FakeModelServer
    ) -> None:
        """An SDK request's ``x-rai-conversation`` header (or the client's own
        `conversation`) makes it a turn; the header never reaches the provider."""
        gov = shared()
        http = rai.http_client(gov, use_case="engineering", restore=True)
        own = rai.http_client(gov, use_case="engineering", conversation="sdk-1", restore=True)
        with openai.OpenAI(base_url=server.base_url, api_key="sk-test", http_client=http) as a, \
                openai.OpenAI(base_url=server.base_url, api_key="sk-test", http_client=own) as b:  # fmt: skip
            a.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": TURN_1}],
                extra_headers={"X-RAI-Conversation": "sdk-1"},
            )  # fmt: skip
            assert "x-rai-conversation" not in server.requests[-1].headers
            server.reply_next("Dear <PERSON_1>.")
            answer = b.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": TURN_2}]
            )
        assert sent(server) == "Add that <PERSON_2> and <PERSON_1> called again."
        assert answer.choices[0].message.content == "Dear Jane Roe."
        assert "x-rai-conversation" not in server.requests[-1].headers


def test_async_open_and_keep_on_one_loop(valkey: Valkey, prefix: str) -> None:
    """`aopen` / `akeep` keep what `open` reads (the store's async client of the loop)."""
    state = rai.RedisState(valkey.url, prefix=prefix)
    store = RedisConversations(state, ConversationKey(KEY), 600)

    async def main_() -> None:
        session = await store.aopen("t", JANE_KNOWN)
        session.placeholder("PERSON", "Jane Roe")
        assert await store.akeep("t", JANE_KNOWN, session)
        await state.aclose()

    asyncio.run(main_())
    assert store.open("t", JANE_KNOWN).restore("<PERSON_1>") == "Jane Roe"
    state.close()
