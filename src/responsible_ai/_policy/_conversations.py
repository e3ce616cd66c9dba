"""The `[conversations]` table: how long a conversation's placeholders are kept after its
last turn, and whether the service must be able to keep them (else it refuses to start).

```toml
[conversations]
ttl_s = 86400        # a conversation's map is erased a day after its last turn
required = true      # Governance refuses to start unless conversations can be kept:
                     # in the process, or on the shared store with RAI_CONVERSATION_KEY
```
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ._model import StrictModel

__all__ = ["MAX_CONVERSATION_TTL_S", "ConversationSettings"]

MAX_CONVERSATION_TTL_S = 90 * 86400


class ConversationSettings(StrictModel):
    """The `[conversations]` table (see the module)."""

    ttl_s: Annotated[int, Field(gt=0, le=MAX_CONVERSATION_TTL_S)] = 86400
    required: bool = False
