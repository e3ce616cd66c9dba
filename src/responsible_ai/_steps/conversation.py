"""The conversation step: a call that names a conversation gets the conversation's
placeholders (`open`, before the redact step) and what it added is kept (`keep`, after
it, before the call is sent), on the conversation store of the `Governance` — the
process's, or the shared state store's, sealed.

A store that cannot be reached refuses the call (`StateUnavailable`, rule
``conversations``), whatever ``state.on_unreachable`` says for limits: a turn that
cannot read its conversation would give its values placeholders that already stand for
others, and one that cannot keep them would send placeholders no replica can restore.
"""

from __future__ import annotations

from .._call import Call, Prepared
from .._conversations import ConversationStore
from .._errors import PolicyViolation, StateError, StateUnavailable
from .checks import PolicyChecks

__all__ = ["KEEP_ATTEMPTS", "ConversationStep"]

KEEP_ATTEMPTS = 5  # a call prepared again because other replicas took its placeholders
_RULE = "conversations"


class ConversationStep:
    """Loads (`open` / `aopen`) and keeps (`keep` / `akeep`) a call's conversation on
    `store`; the one step besides the limits step that talks to a service."""

    def __init__(self, checks: PolicyChecks, store: ConversationStore) -> None:
        self.checks = checks
        self.store = store

    def _unavailable(self, call: Call, exc: StateError) -> PolicyViolation:
        return self.checks.violation(
            StateUnavailable, call,
            f"{exc}; a call in a conversation is refused until its placeholders can be "
            "read and kept", _RULE,
        )  # fmt: skip

    def open(self, call: Call) -> Call:
        """`call` with its conversation's session (as the store keeps it now)."""
        assert call.conversation is not None
        try:
            session = self.store.open(call.conversation, call.subject)
        except StateError as exc:
            raise self._unavailable(call, exc) from None
        return call._replace(session=session)

    async def aopen(self, call: Call) -> Call:
        assert call.conversation is not None
        try:
            session = await self.store.aopen(call.conversation, call.subject)
        except StateError as exc:
            raise self._unavailable(call, exc) from None
        return call._replace(session=session)

    def keep(self, prepared: Prepared) -> bool:
        """Keep what the prepared call added to its conversation (False: another replica
        took one of its placeholders meanwhile; prepare it again on a fresh `open`)."""
        call = prepared.call
        pii = prepared.outbound.pii
        if pii is None or call.conversation is None:
            return True
        try:
            return self.store.keep(call.conversation, call.subject, pii.session)
        except StateError as exc:
            raise self._unavailable(call, exc) from None

    async def akeep(self, prepared: Prepared) -> bool:
        call = prepared.call
        pii = prepared.outbound.pii
        if pii is None or call.conversation is None:
            return True
        try:
            return await self.store.akeep(call.conversation, call.subject, pii.session)
        except StateError as exc:
            raise self._unavailable(call, exc) from None

    def contended(self, call: Call) -> PolicyViolation:
        """The refusal of a call whose placeholders other replicas kept taking."""
        return self.checks.violation(
            StateUnavailable, call,
            f"the conversation changed under this call {KEEP_ATTEMPTS} times (other turns "
            "of it at the same moment); nothing was sent", _RULE,
        )  # fmt: skip
