"""Principals: who a call is for, given per call, bound for a block, mapped from claims;
the same through Guard, @governed and the SDK transport; pseudonymised wherever recorded."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import CapturedTelemetry, FakeModelServer
from tests.limits.conftest import limits_policy

pytestmark = pytest.mark.http

MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}
CANARY_ID = "ada.lovelace@example.org"  # an account id that must never be recorded
CANARY_OWNER = "grace.hopper@example.org"


class TestPrincipal:
    def test_roles_and_teams_are_names_and_the_id_is_never_in_its_repr(self) -> None:
        """A principal holds groups as tuples; its repr shows its kind and groups, not its id."""
        p = rai.Principal(CANARY_ID, roles=["analyst", "analyst"], teams=["growth"])
        assert p.roles == ("analyst",) and p.teams == ("growth",) and not p.automation
        assert CANARY_ID not in repr(p)
        with pytest.raises(rai.ConfigurationError):
            rai.Principal("")
        with pytest.raises(rai.ConfigurationError):
            rai.Principal("x", roles="analyst")  # type: ignore[arg-type]
        with pytest.raises(rai.ConfigurationError):
            rai.Principal("x", teams=["has space"])

    def test_an_owner_makes_an_automation(self) -> None:
        """Giving an owner makes the principal an automation."""
        bot = rai.Principal("campaign-bot", roles=["sender"], owner=CANARY_OWNER)
        assert bot.automation and bot.owner == CANARY_OWNER

    def test_claims_map_to_a_principal_explicitly(self) -> None:
        """`from_claims` reads the named claims; a missing id is an error, missing groups empty."""
        claims = {"sub": CANARY_ID, "roles": ["analyst"], "groups": "growth eu", "azp": "svc"}
        p = rai.Principal.from_claims(claims)
        assert (p.id, p.roles, p.teams) == (CANARY_ID, ("analyst",), ("growth", "eu"))
        bot = rai.Principal.from_claims(
            {"client_id": "bot", "owner": CANARY_OWNER}, id_claim="client_id",
            owner_claim="owner",
        )  # fmt: skip
        assert bot.automation and bot.roles == ()
        with pytest.raises(rai.ConfigurationError, match="'sub'"):
            rai.Principal.from_claims({"email": CANARY_ID})
        with pytest.raises(rai.ConfigurationError):
            rai.Principal.from_claims({"sub": "x", "roles": [1]})

    def test_acting_as_binds_for_a_block_sync_and_async(self) -> None:
        """`acting_as` is a sync and an async context manager, restored on exit."""
        from responsible_ai._principal import current_principal

        p = rai.Principal("a")
        with rai.acting_as(p) as bound:
            assert bound is p and current_principal.get() is p
        assert current_principal.get() is None

        async def main() -> None:
            async with rai.acting_as(p):
                assert current_principal.get() is p
            assert current_principal.get() is None

        asyncio.run(main())
        with pytest.raises(TypeError):
            rai.acting_as("a")  # type: ignore[arg-type]


def _record(
    server: FakeModelServer,
) -> tuple[rai.Governance, list[dict[str, Any]], CapturedTelemetry]:
    events: list[dict[str, Any]] = []
    otel = CapturedTelemetry()
    data = limits_policy(server.base_url)
    data["access"] = {"use_cases": {"engineering": {"roles": ["engineer"]}}}
    governance = rai.Governance(
        rai.Policy.from_dict(data), audit=rai.AuditTrail(events.append, render=False),
        telemetry=otel, pseudonymizer=rai.Pseudonymizer(bytes(32)),
    )  # fmt: skip
    return governance, events, otel


class TestEveryDriver:
    def test_the_principal_reaches_the_decision_from_every_driver(
        self, server: FakeModelServer
    ) -> None:
        """Per call, through acting_as, @governed and the SDK transport (its own and the
        context's), the decision names the same pseudonym, the roles and the teams."""
        openai = pytest.importorskip("openai")
        governance, events, otel = _record(server)
        alice = rai.Principal(CANARY_ID, roles=["engineer"], teams=["core"], owner=None)
        seen: list[rai.Decision] = []
        with rai.Guard(governance) as guard:
            seen.append(guard.chat("hi", principal=alice, **MK).decision)
            with rai.acting_as(alice):
                seen.append(guard.chat("hi", **MK).decision)

                @rai.governed(guard=guard, **MK)
                def draft() -> str:
                    return rai.client().complete("hi")

                draft()
            with rai.http_client(governance, use_case="engineering", principal=alice) as http:
                sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
                sdk.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
            with rai.http_client(governance, use_case="engineering") as http, rai.acting_as(alice):
                sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
                sdk.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
        decisions = [e for e in events if e["event"] == "decision"]
        assert len(decisions) == 5
        pseudonym = rai.Pseudonymizer(bytes(32)).pseudonym("principal", CANARY_ID)
        assert {d["principal"] for d in decisions} == {pseudonym}
        team = rai.Pseudonymizer(bytes(32)).pseudonym("team", "core")  # no rule names it
        recorded = (["engineer"], [team])  # the access rule's role stays in clear
        assert all((d["roles"], d["teams"]) == recorded for d in decisions)
        assert seen[0].principal == pseudonym
        spans = otel.spans()
        assert {s.attributes["rai.principal"] for s in spans} == {pseudonym}
        assert list(spans[0].attributes["rai.principal.roles"]) == ["engineer"]

    async def test_async_guard_and_async_sdk_client_carry_the_bound_principal(
        self, server: FakeModelServer
    ) -> None:
        """`async with acting_as` reaches `achat` and the async SDK client."""
        openai = pytest.importorskip("openai")
        governance, events, _ = _record(server)
        alice = rai.Principal(CANARY_ID, roles=["engineer"])
        async with rai.Guard(governance) as guard, rai.acting_as(alice):
            await guard.achat("hi", **MK)
            async with rai.async_http_client(governance, use_case="engineering") as http:
                sdk = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk", http_client=http)
                await sdk.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
        assert [e["outcome"] for e in events if e["event"] == "decision"] == ["allowed"] * 2

    def test_no_raw_id_in_any_telemetry(
        self, server: FakeModelServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Canary: the account ids of a principal and its owner appear in no audit event,
        span, stamp, error message or log line, allowed or refused."""
        governance, events, otel = _record(server)
        bot = rai.Principal(CANARY_ID, roles=["engineer"], owner=CANARY_OWNER)
        texts: list[str] = []
        with rai.Guard(governance) as guard:
            resp = guard.chat("hi", principal=bot, **MK)
            texts.append(resp.provenance.to_json() if resp.provenance else "")
            for bad in (rai.Principal(CANARY_ID, roles=["intern"]), None):
                with pytest.raises(rai.PolicyViolation) as info:
                    guard.chat("hi", principal=bad, **MK)
                texts += [str(info.value), repr(info.value), json.dumps(info.value.as_dict())]
        texts += [json.dumps(e, default=str) for e in events]
        texts += [json.dumps(dict(s.attributes), default=str) for s in otel.spans()]
        texts.append(caplog.text)
        blob = "\n".join(texts)
        assert CANARY_ID not in blob and CANARY_OWNER not in blob
        assert "lovelace" not in blob.lower() and "hopper" not in blob.lower()
        refused = [e for e in events if e["outcome"] == "blocked"]
        assert refused[0]["principal"].startswith("p:") and refused[1]["principal"] is None
