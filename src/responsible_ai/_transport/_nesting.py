"""Whether the request being sent has been governed already: set while a
`GovernedTransport` hands a prepared request to the transport under it, so process-wide
governance (`rai.instrument`), which hooks every network transport, does not govern it
twice."""

from __future__ import annotations

import contextvars

__all__ = ["governed_below"]

governed_below: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "rai_governed_below", default=False
)
