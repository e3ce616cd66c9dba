"""Test helpers for your own suites: a real model server on 127.0.0.1.

`FakeModelServer` speaks the OpenAI chat-completions and Responses and the Anthropic
messages wire formats (SSE streaming included) over real HTTP, records every request it
receives, and answers with a deterministic stand-in model, so tests exercise sockets,
timeouts, retries and streams without network access or keys::

    from responsible_ai.testing import FakeModelServer

    with FakeModelServer() as server:
        policy = rai.Policy.from_dict({... "base_url": server.base_url ...})
        ...
        assert server.requests == []      # a refused call sent nothing

Faults are scripted: ``server.fail_next(503, times=2, retry_after=0)`` answers the next
two requests with 503; ``server.fail_next(None, delay=2.0)`` answers late; ``drop=True`` closes
the connection without an answer. `CapturedTelemetry` keeps spans and metrics in memory;
`CredentialsPKI` and `TimestampAuthority` are a throw-away CA and an RFC 3161 responder.
"""

from ._answers import stand_in_answer
from ._credentials import CredentialsPKI, TimestampAuthority
from ._server import FakeModelServer, Fault, RecordedRequest
from ._telemetry import CapturedTelemetry

__all__ = [
    "CapturedTelemetry",
    "CredentialsPKI",
    "FakeModelServer",
    "Fault",
    "RecordedRequest",
    "TimestampAuthority",
    "stand_in_answer",
]
