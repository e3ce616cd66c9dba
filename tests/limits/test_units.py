"""Units declared through the SDK transport: an official SDK's request declares the units
it counts (a campaign's recipients) with the ``x-rai-units`` header or a ``rai.units(n)``
block; the transport reads the count, never sends the header, and refuses one it cannot
read. The same limits hold as for ``guard.chat(..., units=n)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer
from tests.limits.conftest import limits_policy

pytestmark = pytest.mark.http

openai = pytest.importorskip("openai")
ALICE = rai.Principal("alice", roles=["sender"])
MESSAGES = [{"role": "user", "content": "Write the campaign's opening line."}]


@pytest.fixture
def governance(
    server: FakeModelServer, make_governance: Callable[..., rai.Governance]
) -> rai.Governance:
    """1,000 units per principal per hour on marketing.campaign."""
    data = limits_policy(server.base_url)
    data["limits"]["rules"] = [
        {"use_case": "marketing.campaign", "per": "principal", "window_s": 3600, "units": 1000}
    ]
    return make_governance(data, state=rai.MemoryState())


def units_used(governance: rai.Governance) -> int:
    return sum(row.used[3] for row in governance.pipeline.limits.state.usage())


def create(sdk: Any, **kw: Any) -> Any:
    return sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, **kw)


class TestUnitsThroughTheSDK:
    def test_the_header_declares_the_units_and_is_never_sent(
        self, governance: rai.Governance, server: FakeModelServer
    ) -> None:
        """``x-rai-units`` counts against the limit; the provider never sees it; the call
        that would pass the limit is refused before any byte leaves."""
        with rai.http_client(governance, use_case="marketing.campaign", principal=ALICE) as http:
            sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
            create(sdk, extra_headers={"x-rai-units": "600"})
            assert units_used(governance) == 600
            with pytest.raises(rai.LimitExceeded) as info:
                create(sdk, extra_headers={"X-RAI-Units": "600"})
        assert info.value.measure == "units" and info.value.rule == "limits.rules[0].units"
        assert len(server.requests) == 1
        assert not any(k.startswith("x-rai") for k in server.requests[0].headers)

    def test_the_context_declares_the_units_and_the_header_wins(
        self, governance: rai.Governance, server: FakeModelServer
    ) -> None:
        """Inside ``rai.units(n)`` every request declares n; a request's header wins."""
        with (
            rai.http_client(governance, use_case="marketing.campaign", principal=ALICE) as http,
            rai.units(300),
        ):
            sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
            create(sdk)
            create(sdk, extra_headers={"x-rai-units": "50"})
        assert units_used(governance) == 350
        assert not any("x-rai" in k for r in server.requests for k in r.headers)

    async def test_the_async_client_reads_them_too(
        self, governance: rai.Governance, server: FakeModelServer
    ) -> None:
        """The async SDK client declares units by context and by header alike."""
        async with rai.async_http_client(
            governance, use_case="marketing.campaign", principal=ALICE
        ) as http:
            sdk = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk", http_client=http)
            with rai.units(700):
                await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            with pytest.raises(rai.LimitExceeded):
                await sdk.chat.completions.create(
                    model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-rai-units": "301"}
                )
        assert units_used(governance) == 700

    def test_no_units_under_a_units_limit_is_refused(
        self, governance: rai.Governance, server: FakeModelServer
    ) -> None:
        """A request that declares nothing where a units limit applies is refused."""
        with rai.http_client(governance, use_case="marketing.campaign", principal=ALICE) as http:
            sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
            with pytest.raises(rai.LimitExceeded, match="declares none"):
                create(sdk)
        assert server.requests == []

    @pytest.mark.parametrize(
        "value",
        ["-1", "1e3", "12 recipients", "0x10", "", "1" * 16],
        ids=["negative", "exponent", "words", "hex", "empty", "too-big"],
    )
    def test_a_header_that_is_not_a_count_is_refused(
        self, governance: rai.Governance, server: FakeModelServer, value: str
    ) -> None:
        """Anything but decimal digits is refused (never read as zero, never sent), and the
        error does not repeat the value."""
        with rai.http_client(governance, use_case="marketing.campaign", principal=ALICE) as http:
            sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
            with pytest.raises(rai.ConfigurationError, match="x-rai-units") as info:
                create(sdk, extra_headers={"x-rai-units": value})
        assert "recipients" not in str(info.value)
        assert server.requests == [] and units_used(governance) == 0

    @pytest.mark.parametrize(
        "headers",
        [[(b"x-rai-units", b"1"), (b"x-rai-units", b"2")], [(b"x-rai-units", "٣".encode())]],
        ids=["two-headers", "non-ascii-digit"],
    )
    def test_two_headers_or_other_digits_are_refused(
        self, governance: rai.Governance, server: FakeModelServer, headers: list[Any]
    ) -> None:
        """Two ``x-rai-units`` headers are ambiguous, digits of another script are not
        decimal digits: both refused."""
        with rai.http_client(governance, use_case="marketing.campaign", principal=ALICE) as http:
            body = {"model": "gpt-4o-mini", "messages": MESSAGES}
            with pytest.raises(rai.ConfigurationError, match="one count"):
                http.post(f"{server.base_url}/chat/completions", json=body, headers=headers)
        assert server.requests == []

    def test_the_context_takes_counts_only(self) -> None:
        """``rai.units`` refuses what is not a count."""
        for bad in (-1, True, 2.5, "10", 10**16):
            with pytest.raises(TypeError), rai.units(bad):  # type: ignore[arg-type]
                pass
