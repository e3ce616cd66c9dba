"""Governed calls in sync, async and streaming form, with the decorator.

Runs offline: it starts the library's stand-in model server on 127.0.0.1 and points the
example policy's provider at it. In a service you would `rai.load_policy(...)` your
platform team's file instead and call real providers.

    python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Iterator
from pathlib import Path

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer


def local_policy(base_url: str) -> rai.Policy:
    data = tomllib.loads((Path(__file__).parent / "policy.toml").read_text())
    for provider in data["providers"]:
        provider["base_url"] = base_url
        provider.pop("api_key_env", None)  # the stand-in needs no key
    return rai.Policy.from_dict(data, source="examples/policy.toml (local)")


def main() -> None:
    with FakeModelServer() as server, rai.Guard(local_policy(server.base_url)) as guard:
        # 1. One governed call.
        resp = guard.chat(
            [{"role": "user", "content": "Three taglines for a savings account."}],
            use_case="marketing.copy",
            provider="openai-prod",
            model="gpt-4o-mini",
        )
        print(
            resp.text, "|", resp.decision.rule, "| review required:", resp.decision.requires_review
        )

        # 2. Refused before anything leaves the process.
        try:
            guard.chat(
                "Rate Jane's year.",
                use_case="hr.performance_review",
                provider="openai-prod",
                model="gpt-4o-mini",
            )
        except rai.UseCaseBlocked as exc:
            print("refused:", exc)

        # 3. A use case that needs the client's consent, and confidential data.
        consent = rai.Consent(subject="client-1042", scope="client.support", reference="crm:c-77")
        resp = guard.chat(
            "Where is my replacement card?",
            use_case="client.support",
            provider="openai-prod",
            model="gpt-4o-mini",
            data_class="confidential",
            consent=consent,
        )
        print("consent kept in the decision:", resp.decision.consent)  # subject pseudonymised

        # 4. Streaming.
        with guard.stream(
            "Write a short welcome note.",
            use_case="marketing.copy",
            provider="openai-prod",
            model="gpt-4o-mini",
        ) as stream:
            for chunk in stream:
                print(chunk.text, end="", flush=True)
        print("\nusage:", stream.response.usage)

        # 5. The decorator: the policy is checked before the body runs.
        @rai.governed(
            guard=guard,
            use_case="marketing.copy",
            provider="openai-prod",
            model="gpt-4o-mini",
            temperature=0.7,
        )
        def tagline(product: str) -> str:
            return rai.client().complete(f"One tagline for {product}.")

        @rai.governed(
            guard=guard, use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini"
        )
        def tagline_stream(product: str) -> Iterator[str]:
            for chunk in rai.client().stream(f"One tagline for {product}."):
                yield chunk.text

        print(tagline("a travel card"))
        print("".join(tagline_stream("a pension plan")))

    # 6. Async.
    async def run_async() -> None:
        with FakeModelServer() as server:
            async with rai.Guard(local_policy(server.base_url)) as guard:
                answers = await asyncio.gather(
                    *(
                        guard.achat(
                            f"Tagline {i}",
                            use_case="marketing.copy",
                            provider="openai-prod",
                            model="gpt-4o-mini",
                        )
                        for i in range(3)
                    )
                )
                print([a.text[:40] for a in answers])
                async for chunk in guard.astream(
                    "Hello", use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini"
                ):
                    print(chunk.text, end="")
                print()

    asyncio.run(run_async())


if __name__ == "__main__":
    main()
