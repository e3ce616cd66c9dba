"""Step 0 of process-wide governance: which requests of the process are AI calls.

A request to the address of a provider of the policy is governed (it goes through the
pipeline, as through `rai.http_client`); a request to a well-known AI API host that the
policy does not approve is refused before any byte leaves (`ProviderNotApproved`, rule
``egress.ai_hosts``); any other request is not an AI call and passes as it is.

`AI_HOSTS` is the shipped list (docs/instrument.md shows it); the policy's
``[egress] ai_hosts`` adds to it. A name ``*.example.com`` covers every name below
example.com. An AI API reached by IP address, or through a host the list does not know,
is not recognised: add such hosts to the policy.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .._errors import ProviderNotApproved
from .._policy import Policy

__all__ = ["AI_HOSTS", "Egress"]

AI_HOSTS: tuple[str, ...] = (
    # OpenAI, Azure OpenAI and Azure AI
    "api.openai.com", "*.openai.azure.com", "*.cognitiveservices.azure.com",
    "*.services.ai.azure.com", "*.inference.ai.azure.com", "models.inference.ai.azure.com",
    # Anthropic
    "api.anthropic.com",
    # Google (Gemini API, Vertex AI)
    "generativelanguage.googleapis.com", "aiplatform.googleapis.com",
    "*-aiplatform.googleapis.com",
    # AWS Bedrock
    "bedrock-runtime.*.amazonaws.com", "bedrock-agent-runtime.*.amazonaws.com",
    # Mistral, Cohere, Groq, Together, Fireworks, DeepSeek, xAI, Perplexity, OpenRouter
    "api.mistral.ai", "codestral.mistral.ai", "api.cohere.com", "api.cohere.ai",
    "api.groq.com", "api.together.xyz", "api.together.ai", "api.fireworks.ai",
    "api.deepseek.com", "api.x.ai", "api.perplexity.ai", "openrouter.ai",
    # Hugging Face, Replicate, AI21, Cerebras, Voyage, Moonshot, Zhipu, DashScope
    "api-inference.huggingface.co", "router.huggingface.co", "api.replicate.com",
    "api.ai21.com", "api.cerebras.ai", "api.voyageai.com", "api.moonshot.ai",
    "open.bigmodel.cn", "dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com",
)  # fmt: skip


def _matcher(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """Exact names, and (prefix, suffix) pairs for names with one ``*``."""
    exact = frozenset(p for p in patterns if "*" not in p)
    wild = tuple((head, tail) for p in patterns if "*" in p for head, _, tail in [p.partition("*")])
    return exact, wild


class Egress:
    """Whether a request is an AI call: governed, refused or none of the library's business."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._exact, self._wild = _matcher(AI_HOSTS + tuple(policy.egress.ai_hosts))
        self._providers = frozenset(
            (url.scheme, (url.hostname or "").lower(), url.port)
            for url in (urlsplit(p.base_url) for p in policy.providers)
        )
        self._memo: dict[tuple[Any, ...], bool] = {}

    def governs(self, url: Any) -> bool:
        """True: a request to an approved provider's address (govern it); False: not an AI
        call. A known AI host the policy does not approve raises `ProviderNotApproved`."""
        key = (url.scheme, url.host, url.port)
        known = self._memo.get(key)
        if known is None:
            known = self._decide(url.scheme, url.host.rstrip(".").lower(), url.port)
            if len(self._memo) < 1024:
                self._memo[key] = known
        return known

    def _decide(self, scheme: str, host: str, port: int | None) -> bool:
        if (scheme, host, port) in self._providers:
            return True
        if host in self._exact or any(
            host.startswith(head) and host.endswith(tail) and len(host) > len(head) + len(tail)
            for head, tail in self._wild
        ):
            raise ProviderNotApproved(
                f"{host!r} is an AI API that no provider of the policy approves; requests to "
                "it are refused (add a provider for it, or remove it from [egress] ai_hosts "
                "if the policy added it)",
                rule="egress.ai_hosts", policy_id=self.policy.id,
                policy_version=self.policy.version,
            )  # fmt: skip
        return False
