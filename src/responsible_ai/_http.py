"""The one place that knows which HTTP library is in use: httpx2 or httpx.

Both have the same public API. httpx2 is preferred (it is what the current openai and
anthropic SDKs install, and it is maintained); ``RAI_HTTP_BACKEND=httpx`` or
``Guard(..., http_backend="httpx")`` chooses httpx, and a client the caller hands in
decides for itself.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

from ._errors import ConfigurationError

__all__ = ["BACKEND_ENV", "backend", "backend_of"]

BACKEND_ENV = "RAI_HTTP_BACKEND"
_NAMES = ("httpx2", "httpx")


def backend(name: str | None = None) -> ModuleType:
    """The httpx-compatible module to use (``httpx2`` preferred when installed)."""
    choice = (name or os.environ.get(BACKEND_ENV) or "auto").strip().lower()
    if choice == "auto":
        for candidate in _NAMES:
            try:
                return importlib.import_module(candidate)
            except ImportError:
                continue
        raise ConfigurationError("neither httpx2 nor httpx is installed: pip install httpx2")
    if choice not in _NAMES:
        raise ConfigurationError(
            f"unknown HTTP backend {choice!r} (from {BACKEND_ENV} or http_backend=); "
            "expected 'httpx2', 'httpx' or 'auto'"
        )
    try:
        return importlib.import_module(choice)
    except ImportError:
        raise ConfigurationError(
            f"HTTP backend {choice!r} was chosen but is not installed: pip install {choice}"
        ) from None


def backend_of(client: Any) -> ModuleType:
    """The module a caller's client (``httpx2.Client``, ``httpx.AsyncClient``...) belongs to."""
    root = type(client).__module__.split(".", 1)[0]
    for cls in type(client).__mro__:
        top = cls.__module__.split(".", 1)[0]
        if top in _NAMES:
            return importlib.import_module(top)
    raise ConfigurationError(
        f"http_client must be an httpx2 or httpx client, got {type(client).__name__} from {root}"
    )
