"""A fallback that fails for a reason of its own (its provider's API key is not set)
keeps the first provider's reason too: chained, and noted."""

from __future__ import annotations

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from .conftest import Sleeps
from .test_guard_http import MK, PROMPT, with_fallback

pytestmark = pytest.mark.http


def test_fallback_without_its_key_keeps_why_the_first_failed(
    server: FakeModelServer, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller sees the missing key *and* the first provider's 503."""
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    with FakeModelServer() as backup:
        server.fail_next(503, times=3)
        policy = with_fallback(server, backup, api_key_env="BACKUP_KEY")
        with (
            rai.Guard(policy, sleep=sleeps) as guard,
            pytest.raises(rai.ConfigurationError, match="BACKUP_KEY") as info,
        ):
            guard.chat(PROMPT, **MK)
        assert backup.requests == []
    assert isinstance(info.value.__cause__, rai.ProviderHTTPError)
    assert "503" in str(info.value.__cause__)
    (note,) = info.value.__notes__
    assert note.startswith("providers tried: openai-prod: ProviderHTTPError")
