"""A conversation's placeholders across calls, processes and replicas.

A call names its conversation (``conversation="ticket-1042"``, ``with
rai.conversation(...)``, or the SDK header ``x-rai-conversation``); its `PIISession` is
then loaded from the conversation store before the call and what the call added is kept
there before anything is sent, so turn 2 on another replica restores turn 1's
placeholders and finds its names again.

```
_ids.py     the id (checked), `conversation` (a block), `current_conversation`
_keys.py    ConversationKey: RAI_CONVERSATION_KEY -> AES-256-GCM seals, HMAC names
_store.py   the ConversationStore protocol, MemoryConversations (in the process),
            RefusedConversations (no safe store: every conversation call refused)
_redis.py   RedisConversations: on the state store's Valkey / Redis server
```
"""

from __future__ import annotations

from .._errors import ConfigurationError
from .._policy import ConversationSettings
from .._state import RedisState, StateStore
from ._ids import MAX_ID, conversation, conversation_id, current_conversation
from ._keys import CONVERSATION_KEY_ENV, ConversationKey
from ._redis import ERASE, KEEP, OPEN, RedisConversations
from ._store import (
    ConversationStore,
    MemoryConversations,
    RefusedConversations,
    one_target,
    subject_ids,
)

__all__ = [
    "CONVERSATION_KEY_ENV",
    "ERASE",
    "KEEP",
    "MAX_ID",
    "OPEN",
    "ConversationKey",
    "ConversationStore",
    "MemoryConversations",
    "RedisConversations",
    "RefusedConversations",
    "conversation",
    "conversation_id",
    "current_conversation",
    "one_target",
    "open_conversations",
    "subject_ids",
]


def open_conversations(
    state: StateStore, settings: ConversationSettings, key: ConversationKey | None = None
) -> ConversationStore:
    """Where the conversations of a `Governance` are kept: in the process beside an
    in-process state store; on the shared store's server, sealed with `key` (else
    ``RAI_CONVERSATION_KEY``'s), beside a `RedisState`. A shared store without a key, or
    a custom one, keeps none: calls in a conversation are refused — and with
    ``[conversations] required = true`` so is starting."""
    if not state.shared:
        return MemoryConversations(settings.ttl_s)
    reason: str
    if isinstance(state, RedisState):
        key = key if key is not None else ConversationKey.from_env()
        if key is not None:
            return RedisConversations(state, key, settings.ttl_s)
        reason = (
            f"conversations on a shared state store are sealed with {CONVERSATION_KEY_ENV} "
            "(32 bytes or more, hex or base64url; the same on every replica): set it"
        )
    else:
        reason = (
            "conversations are kept on rai.RedisState or in the process; this state store "
            "cannot keep them"
        )
    if settings.required:
        raise ConfigurationError(f"the policy requires conversations ([conversations]): {reason}")
    return RefusedConversations(reason, settings.ttl_s)
