"""Shared by the framework tests: one process-wide `Governance` over the stand-in server
(signed stamps, audit events kept), the client whose data must never leave raw, and
what "nothing raw on the wire" means."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy

MAIL = "jane.roe@example.com"
NAME = "Jane Roe"
CARD = "4111 1111 1111 1111"
PROMPT = f"Write to {NAME} at {MAIL} about the card {CARD}."
JANE = rai.ClientRecord(id="c-1042", name=NAME, emails=[MAIL])
SIGNER = rai.HmacSigner(b"f" * 32, kid="frameworks")
RING = rai.Keyring([SIGNER])

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm: no fetch at import


@pytest.fixture(autouse=True)
def _collect_what_frameworks_leave() -> Iterator[None]:
    """Frameworks leave clients unclosed (cached, or bound to an event loop that a sync
    entry point made and closed): collected here, so that their ResourceWarnings do not
    surface in a later test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/frameworks/" in item.nodeid:
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
            )


def raw_on_the_wire(server: FakeModelServer) -> list[str]:
    """The canaries that reached the provider as they are (none may)."""
    sent = "\n".join(r.raw.decode("utf-8", "replace") + str(r.headers) for r in server.requests)
    digits = "".join(ch for ch in sent if ch.isdigit())
    found = [c for c in (MAIL, NAME, "Jane", "Roe") if c in sent]
    return found + (["card"] if CARD.replace(" ", "") in digits else [])


class Governed:
    """The process-wide governance of a test, and what it recorded."""

    def __init__(self, governance: rai.Governance, events: list[dict[str, Any]]) -> None:
        self.governance = governance
        self.events = events

    def outcomes(self) -> list[str]:
        return [
            e["outcome"]
            for e in self.events
            if e["event"] == "decision" and e["outcome"] != "redacted"
        ]


@pytest.fixture
def governed(server: FakeModelServer) -> Iterator[Governed]:
    """`rai.instrument()` for the test: use case "engineering", Jane Roe as the client;
    undone after it."""
    events: list[dict[str, Any]] = []
    governance = rai.Governance(
        rai.Policy.from_dict(base_policy(server.base_url)),
        audit=rai.AuditTrail(events.append, render=False),
        signer=SIGNER,
    )
    rai.instrument(governance, use_case="engineering", subject=JANE)
    try:
        yield Governed(governance, events)
    finally:
        rai.uninstrument()


def caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """`error` is `kind`, or was raised from or during one (frameworks wrap errors)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kind):
            return True
        todo += [e.__cause__, e.__context__]
        todo += list(getattr(e, "exceptions", ()))
    return False
