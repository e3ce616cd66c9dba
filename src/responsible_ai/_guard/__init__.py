"""`Guard`: the library's own client, a driver of the pipeline, sync and async, with streams.

```
_driver.py    Guard: make the Call, open its record, send, fall back
_streams.py   Stream, AsyncStream: a governed answer as it streams
_senders.py   Senders: the Guard's HTTP clients (one sync; one async per event loop)
```
"""

from ._driver import (
    GOVERNANCE_KEYWORDS,
    Guard,
    Messages,
    current_consent,
    governance_named,
    text_size,
)
from ._senders import Senders
from ._streams import AsyncStream, Stream

__all__ = [
    "GOVERNANCE_KEYWORDS",
    "AsyncStream",
    "Guard",
    "Messages",
    "Senders",
    "Stream",
    "current_consent",
    "governance_named",
    "text_size",
]
