"""Step 0 of the SDK transport: which approved provider and endpoint a request's URL
goes to. A URL under no approved provider's base URL is refused (`ProviderNotApproved`),
a path under one that is not an inference endpoint the library governs as
`EndpointNotGoverned`, and an endpoint the provider's kind does not speak as unreadable.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .._call import Endpoint
from .._errors import EndpointNotGoverned, ProviderNotApproved
from .._policy import Policy, Provider
from .._providers import ENDPOINTS, speaks
from . import admit

__all__ = ["Routes", "canonical_url"]


class Routes:
    """Which approved provider and endpoint a request's URL goes to."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._routes: list[tuple[str, str, int | None, str, Provider]] = []
        for p in policy.providers:
            url = urlsplit(p.base_url)
            self._routes.append((url.scheme, url.hostname or "", url.port, url.path.rstrip("/"), p))
        self._memo: dict[tuple[Any, ...], tuple[Provider, Endpoint]] = {}

    def route(self, url: Any, model: str) -> tuple[Provider, Endpoint]:
        """The provider whose base URL the request is under (when several share an
        address, the one whose allow-list has the model) and the endpoint it calls."""
        key = (url.scheme, url.host, url.port, url.path, model)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._route(url, model)
            if len(self._memo) < 1024:
                self._memo[key] = hit
        return hit

    def _route(self, url: Any, model: str) -> tuple[Provider, Endpoint]:
        problem = None
        stray: Provider | None = None  # an approved provider's address, a path it has not
        allowed: list[str] = []
        candidates: list[tuple[Provider, Endpoint]] = []
        for scheme, host, port, prefix, provider in self._routes:
            if not (
                scheme == url.scheme
                and host == url.host
                and port == url.port
                and url.path.startswith(prefix + "/")
            ):
                continue
            endpoint = ENDPOINTS.get(_anthropic_path(provider.kind, prefix, url.path))
            if endpoint is None:
                stray = stray or provider  # the first in the policy at that address
                allowed += [
                    f"{prefix}{path}" for path, e in ENDPOINTS.items() if speaks(provider.kind, e)
                ]
            elif speaks(provider.kind, endpoint):
                candidates.append((provider, endpoint))
            else:
                problem = f"a {endpoint} request to a {provider.kind} provider"
        if candidates:
            return next((c for c in candidates if c[0].allows_model(model)), candidates[0])
        if problem is not None:
            raise admit.unreadable(problem)
        if stray is not None:
            path = _shown_path(url.path)
            raise EndpointNotGoverned(
                f"{path} on {stray.name} is not an inference endpoint the library governs; "
                f"the policy allows {', '.join(sorted(set(allowed)))} there (models.list(), "
                "count_tokens and files are not governed: use a plain client for them)",
                rule="providers", policy_id=self.policy.id,
                policy_version=self.policy.version, provider=stray.name,
            )  # fmt: skip
        raise ProviderNotApproved(
            f"{url.host!r} is not the address of any approved provider", rule="providers",
            policy_id=self.policy.id, policy_version=self.policy.version,
        )  # fmt: skip


def _anthropic_path(kind: str, prefix: str, path: str) -> str:
    """The path below a provider's base URL. The anthropic SDK appends ``/v1/messages``
    to its base URL, so one given the policy's ``https://api.anthropic.com/v1`` asks for
    ``/v1/v1/messages``: for an anthropic provider whose base URL ends in ``/v1``, that
    exact spelling is read as ``/messages`` (the transport sends it to the policy's
    address, `canonical_url`)."""
    rest = path[len(prefix) :]
    if kind == "anthropic" and prefix.endswith("/v1") and rest == "/v1/messages":
        return "/messages"
    return rest


def canonical_url(url: Any, provider: Provider, endpoint: Endpoint) -> Any:
    """`url` with the path of `endpoint` below the provider's base URL (the same URL
    unless the SDK spelled it another way, as `_anthropic_path` reads)."""
    path = urlsplit(provider.base_url).path.rstrip("/") + _PATHS[endpoint]
    return url if url.path == path else url.copy_with(path=path)


_PATHS = {endpoint: path for path, endpoint in ENDPOINTS.items()}

_API_WORDS = frozenset({
    "v1", "v2", "chat", "completions", "responses", "messages", "models", "files",
    "count_tokens", "batches", "embeddings", "images", "audio", "speech", "transcriptions",
    "translations", "moderations", "assistants", "threads", "runs", "steps", "vector_stores",
    "uploads", "parts", "fine_tuning", "jobs", "checkpoints", "input_items", "cancel",
    "content", "generations", "edits", "variations", "realtime", "sessions", "containers",
    "conversations", "items", "organization", "projects",
})  # fmt: skip
"""The words of the providers' API paths: shown as they are in an error (anything else
in a path may be data)."""


def _shown_path(path: str) -> str:
    """A request path as an error may show it: API words as they are, anything else (an
    id, a name, an encoded value) as "…" (a path can carry data)."""
    segments = path.split("/")[1:]
    shown = [s if s in _API_WORDS else "…" for s in segments[:20]]
    return "/" + "/".join(shown) + ("/…" if len(segments) > 20 else "")
