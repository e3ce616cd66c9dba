"""Send a realistic mix of governed calls to a trace backend (Arize Phoenix, Jaeger,
Tempo...) over OTLP/HTTP, to see what a dashboard gets.

    phoenix serve &                                   # or any OTLP/HTTP endpoint
    python examples/dashboard.py --endpoint http://127.0.0.1:6006

Runs offline: the provider is the library's stand-in model server on 127.0.0.1. The
mix: marketing copy (allowed, review required), client support with consent and client
data (redacted), a streamed answer, refused calls (blocked use case, unapproved model,
missing consent), and a provider outage with fallback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tomllib
from pathlib import Path
from typing import Any

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

CLIENTS = [
    rai.ClientRecord(name="Jane Roe", emails=["jane.roe@mail.example"], id="c-1042"),
    rai.ClientRecord(name="Omar Haddad", emails=["o.haddad@mail.example"], id="c-2210"),
    rai.ClientRecord(name="Mei Tanaka", phones=["+44 20 7946 0123"], id="c-3307"),
]


def policy_for(base_url: str) -> rai.Policy:
    data = tomllib.loads((Path(__file__).parent / "policy.toml").read_text())
    for provider in data["providers"]:
        provider["base_url"] = base_url
        provider.pop("api_key_env", None)
    return rai.Policy.from_dict(data, source="examples/policy.toml (local)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:6006", help="OTLP/HTTP base URL")
    parser.add_argument(
        "--project", default="responsible-ai", help="service / Phoenix project name"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--metrics", action="store_true", help="export metrics too (Phoenix takes traces only)"
    )
    args = parser.parse_args()
    os.environ.setdefault("OTEL_RESOURCE_ATTRIBUTES", f"openinference.project.name={args.project}")
    providers = rai.setup_otlp(args.endpoint, service_name=args.project, metrics=args.metrics)
    rng = random.Random(7)
    signer = rai.HmacSigner(os.urandom(32), kid="dashboard-demo")
    with (
        FakeModelServer(chunk_size=12) as server,
        rai.Guard(policy_for(server.base_url), signer=signer) as guard,
    ):
        mk: dict[str, Any] = {"provider": "openai-prod", "model": "gpt-4o-mini"}
        for _ in range(args.rounds):
            guard.chat(
                "Three headlines for the spring savings campaign.",
                use_case="marketing.copy",
                temperature=0.8,
                max_tokens=200,
                **mk,
            )
            client = rng.choice(CLIENTS)
            consent = rai.Consent(subject=client.id or "client", scope="client.support")
            guard.chat(
                f"Draft a reply to {client.name} about the card replacement; "
                f"confirm the address {', '.join(client.emails) or 'on file'}.",
                use_case="client.support",
                subject=client,
                consent=consent,
                data_class="confidential",
                restore=True,
                **mk,
            )
            stream = guard.stream(
                "Write a short welcome note for new customers.", use_case="marketing.copy", **mk
            )
            stream.text()
            for kw in (
                {"use_case": "hr.performance_review"},
                {"use_case": "marketing.copy", "model": "gpt-5"},
                {"use_case": "client.support"},
            ):
                with contextlib.suppress(rai.PolicyViolation):  # refused: a span all the same
                    guard.chat("Summarise this.", **{**mk, **kw})
            server.fail_next(503, times=3)
            with contextlib.suppress(rai.ProviderError):  # the fallback provider answers
                guard.chat("Status update for the team.", use_case="engineering.code", **mk)
    exported = providers.force_flush()
    providers.shutdown()
    if not exported:
        raise SystemExit(
            f"made {args.rounds * 7} governed calls, but exporting their spans to "
            f"{args.endpoint} failed (is the collector running there?)"
        )
    print(f"sent {args.rounds * 7} governed calls to {args.endpoint} (project {args.project})")


if __name__ == "__main__":
    main()
