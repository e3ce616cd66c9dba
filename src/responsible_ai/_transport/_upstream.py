"""Capture *above* the transport: the settings by which an SDK's own spans, an
instrumentor or an SDK's debug log would record prompts before the transport redacts
them, and the policy's answer to them (``pii.upstream_capture``: refuse, warn or allow).

The SDK debug logs: the anthropic SDK logs each request's options — the whole body — at
DEBUG on its ``anthropic._base_client`` logger (``ANTHROPIC_LOG=debug`` turns it on, and so
does any logging set-up that lets DEBUG records of that logger, or of any other logger
under ``anthropic``, reach a handler, a root logger at DEBUG included); the openai SDK did
the same before version 3 (``OPENAI_LOG=debug``). Every logger under ``openai.`` and
``anthropic.`` that exists is checked, not only the top-level one. The HTTP library's own
log (``httpx2`` / ``httpx`` at INFO) writes each request's URL as the SDK built it: it is
capture too when the transport redacted something in the URL's query (`check_url_log`).
httpcore logs below the transport (what it sees is already redacted) and no content.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import ConfigurationError
from .._policy import Policy

__all__ = [
    "GENAI_INSTRUMENTORS",
    "SDK_DEBUG_LOGGERS",
    "UPSTREAM_CAPTURE_ENVS",
    "check_upstream",
    "check_url_log",
    "upstream_capture_on",
]

_OFF = ("", "0", "false", "no", "off", "no_content")
# the instrumentors that read the GenAI capture setting and record spans *above* the
# transport, from the SDK's own arguments: the setting matters only when one is loaded
GENAI_INSTRUMENTORS = (
    "opentelemetry.instrumentation.openai_v2",
    "opentelemetry.instrumentation.openai",
    "opentelemetry.instrumentation.anthropic",
    "opentelemetry.instrumentation.langchain",
    "openinference.instrumentation.openai",
    "openinference.instrumentation.anthropic",
    "openinference.instrumentation.langchain",
)
UPSTREAM_CAPTURE_ENVS: dict[str, tuple[Callable[[str], bool], tuple[str, ...]]] = {
    # (the setting is on, the modules that capture when it is)
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": (
        lambda v: v not in _OFF,
        GENAI_INSTRUMENTORS,
    ),
    # anthropic >= 2's own spans
    "ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": (lambda v: v == "content", ("anthropic",)),
    # the SDKs' debug logs, which hold each request's body (set at the SDK's import)
    "ANTHROPIC_LOG": (lambda v: v == "debug", ("anthropic",)),
    "OPENAI_LOG": (lambda v: v == "debug", ("openai",)),
}
# the SDK loggers whose DEBUG records hold whole requests (logger: the module that logs)
SDK_DEBUG_LOGGERS = {"anthropic": "anthropic", "openai": "openai"}


def _debug_reaches_a_handler(name: str, level: int = logging.DEBUG) -> bool:
    """Whether a record of `level` (DEBUG) of logger `name` or of any logger below it
    that exists would be written by some handler: the logger lets it through, and a
    handler on its way up to the root takes it."""
    return any(_reaches(logger, level) for logger in _family(name))


_below: dict[str, tuple[int, tuple[str, ...]]] = {}  # name: (registry size, names below)


def _family(name: str) -> list[logging.Logger]:
    """Logger `name` and every logger below it that exists. The names below are listed
    again only when the registry grew (names are never removed from it; a placeholder
    that becomes a logger keeps its name), so a request pays a few look-ups."""
    loggers = logging.root.manager.loggerDict
    size = len(loggers)
    known = _below.get(name)
    if known is None or known[0] != size:
        prefix = name + "."
        known = (size, tuple(n for n in list(loggers) if n.startswith(prefix)))
        _below[name] = known
    family = [logging.getLogger(name)]
    for below in known[1]:
        logger = loggers.get(below)
        if isinstance(logger, logging.Logger):
            family.append(logger)
    return family


def _reaches(logger: logging.Logger, level: int) -> bool:
    if not logger.isEnabledFor(level):
        return False
    current: logging.Logger | None = logger
    while current is not None:
        if any(h.level <= level for h in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False


def upstream_capture_on(
    env: Mapping[str, str] | None = None,
    modules: Mapping[str, Any] | None = None,
    *,
    loaded_only: bool = True,
) -> list[str]:
    """The settings by which capture *above* the transport (an SDK's own spans, an
    instrumentor, an SDK's debug log) would record prompts before they are redacted: a
    setting that is on while what reads it is loaded (the setting alone, with no
    instrumentor, records nothing); with ``loaded_only=False``, every setting that is on.
    An SDK logger that lets DEBUG records reach a handler counts as a setting."""
    source = env if env is not None else os.environ
    loaded = modules if modules is not None else sys.modules
    found = [
        name for name, (on, readers) in UPSTREAM_CAPTURE_ENVS.items()
        if on(source.get(name, "").strip().lower())
        and (not loaded_only or any(m in loaded for m in readers))
    ]  # fmt: skip
    found += [
        f"the {name!r} logger at DEBUG"
        for name, module in SDK_DEBUG_LOGGERS.items()
        if (module in loaded or not loaded_only) and _debug_reaches_a_handler(name)
    ]
    return found


def _caller_level() -> int:
    """The `stacklevel` of the first frame outside this package (a warning names the
    caller's line, not one of the library's)."""
    here = os.path.dirname(os.path.dirname(__file__))  # the package, not this folder
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(here):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def check_upstream(policy: Policy) -> None:
    mode = policy.pii.upstream_capture
    # "refuse" on the setting alone (an instrumentor imported later would capture too);
    # "warn" only when what reads it is loaded
    found = upstream_capture_on(loaded_only=mode != "refuse")
    if not found:
        return
    message = (
        f"{', '.join(found)} is on: capture above the governed transport (the SDK's own "
        "spans or debug log, or an instrumentor) may record prompts before they are redacted"
    )
    if mode == "refuse":
        raise ConfigurationError(f"{message}; the policy's pii.upstream_capture is 'refuse'")
    if mode == "warn":
        warnings.warn(message, RuntimeWarning, stacklevel=_caller_level())


def check_url_log(policy: Policy) -> None:
    """The HTTP library's request log (``httpx2`` / ``httpx`` at INFO) writes the URL the
    SDK built, its query before redaction: called when the transport redacted the query,
    it is upstream capture (``pii.upstream_capture`` refuses or warns)."""
    mode = policy.pii.upstream_capture
    if mode == "allow":
        return
    found = [n for n in ("httpx2", "httpx") if _debug_reaches_a_handler(n, logging.INFO)]
    if not found:
        return
    message = (
        f"the {found[0]!r} logger at INFO logs each request's URL as the SDK built it, and "
        "this request's query held what the transport redacted"
    )
    if mode == "refuse":
        raise ConfigurationError(f"{message}; the policy's pii.upstream_capture is 'refuse'")
    warnings.warn(message, RuntimeWarning, stacklevel=_caller_level())
