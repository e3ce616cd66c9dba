"""The SDKs' request options given to a `Guard` call: ``extra_body`` is taken as the
SDKs take it (its fields are the body's, as ``@governed``'s are); the options a Guard
cannot honour (``extra_headers``, ``extra_query``, ``timeout``, ``max_retries``...) are
refused, never sent as body fields of those names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SDK_OPTIONS", "with_options"]

_REFUSED = {
    "extra_headers": "a Guard sends no caller headers (the provider's come from the "
    "policy's `headers`, the key from its api_key_env)",
    "extra_query": "a Guard sends no query parameters",
    "timeout": "the provider's timeout_s in the policy sets it",
    "max_retries": "the policy's [retry] sets it",
    "idempotency_key": "a Guard sends no caller headers",
    "default_headers": "a Guard sends no caller headers",
}
SDK_OPTIONS = frozenset({"extra_body", *_REFUSED})


def with_options(params: Mapping[str, Any], governance: frozenset[str]) -> dict[str, Any]:
    """`params` with ``extra_body``'s fields merged in; a refused option, a field given
    twice or a field naming one of `governance` (a call's own keywords) is a `TypeError`
    (naming the option or field, never a value)."""
    for name in SDK_OPTIONS.intersection(params):
        if name in _REFUSED:
            raise TypeError(f"{name} is an SDK option a Guard does not take: {_REFUSED[name]}")
    rest = {k: v for k, v in params.items() if k != "extra_body"}
    extra = params["extra_body"]
    if extra is None:
        return rest
    if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
        raise TypeError("extra_body must be a mapping of body fields (names to values)")
    clash = sorted(set(extra) & (set(rest) | governance | SDK_OPTIONS))
    if clash:
        raise TypeError(
            f"extra_body names {', '.join(map(repr, clash))}: given twice, or not a body "
            "field (a call's own argument or an SDK option)"
        )
    return {**rest, **extra}
