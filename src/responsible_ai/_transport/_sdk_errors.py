"""The library's errors as the SDKs see them: raised from the transport, each is made an
instance of its own class *and* of the SDKs' base errors (`openai.OpenAIError`,
`anthropic.AnthropicError`, when installed). Both SDKs propagate their own errors as
they are, so a refusal is never retried, never waits for back-off, and
``except rai.UseCaseBlocked`` catches it directly."""

from __future__ import annotations

import importlib
from types import TracebackType

from .._errors import ResponsibleAIError

__all__ = ["as_sdk_error", "sdk_errors_raised"]

_sdk_errors: dict[type[BaseException], type[BaseException]] = {}


def as_sdk_error(exc: ResponsibleAIError) -> ResponsibleAIError:
    """`exc` re-made as an instance of its own class *and* of the SDKs' base errors."""
    cls = type(exc)
    combined = _sdk_errors.get(cls)
    if combined is None:
        bases: list[type[BaseException]] = [cls]
        for module, name in (("openai", "OpenAIError"), ("anthropic", "AnthropicError")):
            try:
                base = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
            if not issubclass(cls, base):
                bases.append(base)
        combined = type(cls.__name__, tuple(bases), {"__module__": cls.__module__})
        _sdk_errors[cls] = combined
    clone = combined.__new__(combined)
    clone.__dict__.update(exc.__dict__)
    clone.args = exc.args
    return clone  # type: ignore[return-value]


class _SdkErrorsRaised:
    """The library's errors leave as the SDK-compatible ones (no chained provider
    context). A class: a generator context manager costs a microsecond per use."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(ev, ResponsibleAIError):
            raise as_sdk_error(ev) from None


sdk_errors_raised = _SdkErrorsRaised()
