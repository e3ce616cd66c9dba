"""What a `mypy --strict` service sees: governed results carry `.provenance`, SDK
clients take the governed http client as they are typed. Run it to see the stamps
(offline: the library's stand-in model server plays the provider).

    python examples/typed.py
"""

from __future__ import annotations

import asyncio
import os
import re
import tomllib
from collections.abc import Generator
from pathlib import Path

import openai

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer


def main() -> None:
    with FakeModelServer() as server:
        text = (Path(__file__).parent / "policy.toml").read_text("utf-8")
        text = re.sub(r'base_url = "[^"]+"', f'base_url = "{server.base_url}"', text)
        policy = rai.Policy.from_dict(tomllib.loads(text), source="examples/typed.py")
        os.environ.setdefault("OPENAI_API_KEY", "sk-example")  # the stand-in ignores it
        guard = rai.Guard(policy)

        @rai.governed(
            guard=guard, use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini"
        )
        def tagline(product: str) -> str:
            return rai.client().complete(f"One tagline for {product}.")

        @rai.governed(
            guard=guard, use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini"
        )
        async def headline(product: str) -> str:
            return await rai.client().acomplete(f"A headline for {product}.")

        @rai.governed(
            guard=guard, use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini"
        )
        def lines(
            n: int,
        ) -> Generator[str, None, None]:  # Generator, not Iterator: typed as governed
            for i in range(n):
                yield rai.client().complete(f"Line {i}.")

        line: rai.AIText = tagline("savings")  # an AIText: a str with its stamp
        stamp: rai.Provenance = line.provenance
        print(stamp.use_case, stamp.requires_review)
        print(asyncio.run(headline("savings")).provenance.id)
        gen = lines(2)
        print(list(gen), gen.provenance is not None)

        http = rai.http_client(policy, use_case="marketing.copy")  # an httpx2.Client
        # no api_key: the SDK reads OPENAI_API_KEY, the policy's api_key_env (only it leaves)
        client = openai.OpenAI(base_url=server.base_url, http_client=http)
        completion = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )
        print(completion.choices[0].message.content)
        client.close()
        guard.close()


if __name__ == "__main__":
    main()
