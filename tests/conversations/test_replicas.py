"""The issue's proof with real processes sharing one Valkey server: a conversation started
in one process restores in the other, a later "Jane" alone gets her placeholder there,
turns at the same moment on both lose no placeholder, and erasure by data subject makes
restore impossible on every replica."""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterator
from typing import Any

import pytest

from responsible_ai._cli import main
from responsible_ai._conversations import ConversationKey, RedisConversations
from responsible_ai._state import RedisState
from responsible_ai.testing import FakeModelServer
from tests.conversations import replica
from tests.conversations.conftest import KEY, conversation_policy
from tests.limits.conftest import Valkey

pytestmark = pytest.mark.http

CTX = multiprocessing.get_context("spawn")  # clean processes, as replicas are
JANE = {"name": "Jane Roe", "id": "client-1042"}
TICKET = {"conversation": "ticket-1042", "subject": JANE, "restore": True}


class Replica:
    def __init__(self, policy: dict[str, Any], url: str, prefix: str) -> None:
        self.inbox, self.outbox = CTX.Queue(), CTX.Queue()
        self.proc = CTX.Process(
            target=replica.serve, args=(policy, url, prefix, KEY.hex(), self.inbox, self.outbox),
            daemon=True,
        )  # fmt: skip
        self.proc.start()

    def ready(self) -> None:
        assert self.outbox.get(timeout=60) == ("ready", "")

    def send(self, kind: str, text: str, **kw: Any) -> None:
        self.inbox.put((kind, text, kw))

    def answer(self) -> tuple[str, str]:
        got: tuple[str, str] = self.outbox.get(timeout=60)
        return got

    def turn(self, text: str, **kw: Any) -> str:
        self.send("chat", text, **kw)
        kind, answer = self.answer()
        assert kind == "ok", (kind, answer)
        return answer

    def stop(self) -> None:
        self.inbox.put(None)
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


@pytest.fixture
def replicas(
    valkey: Valkey, prefix: str, server: FakeModelServer
) -> Iterator[tuple[Replica, Replica]]:
    policy = conversation_policy(server.base_url)
    a, b = Replica(policy, valkey.url, prefix), Replica(policy, valkey.url, prefix)
    a.ready()
    b.ready()
    yield a, b
    a.stop()
    b.stop()


def sent(server: FakeModelServer) -> str:
    return str(server.requests[-1].body["messages"][-1]["content"])


class TestAcrossProcesses:
    def test_a_conversation_started_in_one_process_restores_in_the_other(
        self,
        replicas: tuple[Replica, Replica],
        server: FakeModelServer,
        valkey: Valkey,
        prefix: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Turn 1 in process A redacts "Jane Roe" as <PERSON_1>; turn 2 in process B
        restores <PERSON_1> in the answer and redacts a later "Jane" alone with it (a new
        person first: a fresh session would have numbered Jane second); after
        `rai conversations erase --subject`, B restores nothing."""
        a, b = replicas
        a.turn("Please write to Jane Roe about her refund.", **TICKET)
        assert sent(server) == "Please write to <PERSON_1> about her refund."
        server.reply_next("Dear <PERSON_1>, we are sorry.")
        answer = b.turn("Add that Peter Novak and Jane called again.", **TICKET)
        assert sent(server) == "Add that <PERSON_2> and <PERSON_1> called again."
        assert answer == "Dear Jane Roe, we are sorry."
        monkeypatch.setenv("RAI_CONVERSATION_KEY", KEY.hex())
        erase = ["conversations", "erase", "--subject", "client-1042"]
        assert main([*erase, "--state", valkey.url, "--prefix", prefix]) == 0
        assert "erased: 1 conversation map(s)" in capsys.readouterr().out
        server.reply_next("Dear <PERSON_1> and <PERSON_2>.")
        assert b.turn("Any news?", **TICKET) == "Dear <PERSON_1> and <PERSON_2>."
        server.reply_next("Dear <PERSON_1>.")
        assert a.turn("Any news?", **TICKET) == "Dear <PERSON_1>."

    def test_turns_at_once_on_two_processes_lose_no_placeholder(
        self,
        replicas: tuple[Replica, Replica],
        server: FakeModelServer,
        valkey: Valkey,
        prefix: str,
    ) -> None:
        """Each process sends 8 turns at once into one conversation, naming 8 people (the
        same 8 on both): every answer is restored to its own person, and the kept map holds
        exactly one placeholder per person."""
        people = ["Anna Novak", "Boris Kowalski", "Clara Schmidt", "David Dubois",
                  "Elena Rossi", "Felix Jensen", "Greta Moreau", "Hugo Silva"]  # fmt: skip
        lines = "\n".join(f"Call {p} today." for p in people)
        kw = {"conversation": "busy", "restore": True}
        a, b = replicas
        a.send("burst", lines, **kw)
        b.send("burst", lines, **kw)
        for got in (a.answer(), b.answer()):
            assert got[0] == "ok", got
            for person, text in zip(people, got[1].splitlines(), strict=True):
                assert f"Call {person} today." in text
        tokens = {re.findall(r"<PERSON_\d+>", sent_text)[0]
                  for sent_text in (r.body["messages"][-1]["content"] for r in server.requests)}  # fmt: skip
        assert tokens == {f"<PERSON_{n}>" for n in range(1, 9)}
        state = RedisState(valkey.url, prefix=prefix)
        kept = RedisConversations(state, ConversationKey(KEY), 600).open("busy", None)
        assert sorted(kept.restore(t) for t in tokens) == sorted(people)
        state.close()
