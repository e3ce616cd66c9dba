"""The governed-call pipeline: the steps in order, pure (no I/O, nothing recorded).

```
1. policy     PolicyChecks.provider    provider + model in the registry, policy switches
2. use case   PolicyChecks.use_case    tag rules, data class, consent       -> Decision
3. redact     RedactStep.prepare       the whole body along its wire shape   -> Outbound
4. call       the driver's sender (Guard) or the SDK's transport: the only I/O
5. screen     RedactStep.finish        PII the model wrote, restore          -> Screened
6. stamp      StampStep.finish         signed provenance                     -> Provenance
   credentials CredentialStep.finish   a C2PA manifest (policy's use cases)  -> Marked
              (CredentialStep.plan decides it before the call    -> the carrier)
7. observe    _observe.CallRecord      the span, measurements and audit events of 1-6
```

Admission (`_steps.admit`: size, endpoint, one choice) runs between 1 and 3; the who
step (`WhoChecks`: roles, teams, training) right after 2. The limits step is the one
step that talks to a service (the state store): `reserve` / `areserve` run after
`prepare`, last before the call, and `CallRecord` settles what they held. A call that names
a conversation is prepared by `converse` / `aconverse`: its placeholders loaded from the
conversation store before `prepare`, what it added kept there after (the conversation
step), prepared again if another replica took one of its placeholders meanwhile.
`Pipeline.prepare(call) -> Prepared` and `Pipeline.finish(prepared, answer)` are pure
functions of their inputs (and the policy): a fallback prepares the caller's own `Call`
again for another provider.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._call import Call, Outbound, Prepared, Screened, Step, WireAnswer
from ._conversations import ConversationStore, MemoryConversations
from ._errors import ProviderError, ProviderHTTPError, ProviderUnavailable
from ._policy import Policy
from ._providers import Restorer, wire_for
from ._pseudonym import Pseudonymizer, default_pseudonymizer
from ._state import MemoryState, StateStore
from ._steps import (
    KEEP_ATTEMPTS,
    AnswerFilter,
    ConversationStep,
    CredentialStep,
    LimitStep,
    PolicyChecks,
    RedactStep,
    StampStep,
    WhoChecks,
    admit,
)
from ._training import TrainingLookup
from ._types import ChatResponse, Decision

__all__ = ["Pipeline"]


class Pipeline:
    """Runs the steps in order. `steps` are the caller's own, run after the library's."""

    def __init__(
        self,
        policy: Policy,
        *,
        redact: RedactStep | None,
        stamp: StampStep,
        credentials: CredentialStep | None = None,
        steps: Sequence[Step] = (),
        state: StateStore | None = None,
        pseudonyms: Callable[[], Pseudonymizer] = default_pseudonymizer,
        training: TrainingLookup | None = None,
        service: str | None = None,
        conversations: ConversationStore | None = None,
    ) -> None:
        self.policy = policy
        self.checks = PolicyChecks(policy)
        self.who = WhoChecks(policy, self.checks, pseudonyms, training)
        self.limits = LimitStep(
            policy, self.checks, state if state is not None else MemoryState(), service
        )
        self.conversation = ConversationStep(
            self.checks,
            conversations or MemoryConversations(policy.conversations.ttl_s),
        )
        self.redact = redact
        if redact is not None:  # a model is recorded as it is once it passed the model check
            redact.models = self.checks.recorded.models
        self.stamp = stamp
        self.credentials = credentials if credentials is not None else CredentialStep(policy, None)
        self.steps = list(steps)
        self._retry_status = frozenset(policy.retry.retry_on_status)

    # ------------------------------------------------------------------ before I/O

    def prepare(self, call: Call) -> Prepared:
        """Steps 1-3 and the caller's steps; raises the refusal (nothing recorded here)."""
        provider = self.checks.provider(call)
        endpoint = admit.endpoint(provider, call.endpoint)
        wire = wire_for(endpoint)
        verdict = self.checks.use_case(call, provider)
        decision, fields = verdict.decision, verdict.fields
        who = self.who.check(call, provider)
        if who is not None:
            decision = who.on(decision)
            fields = decision.as_dict()
        marking = self.credentials.plan(call, decision)  # refused before the body is read
        if call.body is not None:
            body = call.body  # the SDK's: admitted by size before it was read
        else:
            body = wire.body(call.model, list(call.messages), call.params, call.stream)
            admit.body_size(body)
        admit.choices(body)
        if self.redact is not None:
            outbound = self.redact.prepare(call, wire.shape, body)
        else:
            outbound = Outbound(body, extra=call.extra)
        prepared = Prepared(
            call, provider, endpoint, verdict.rule, decision, outbound,
            admit.encode(outbound.body), fields, marking,
        )  # fmt: skip
        for step in self.steps:
            step.prepare(prepared)
        return prepared

    def converse(self, call: Call) -> Prepared:
        """`prepare` in the call's conversation (when it names one): its placeholders
        loaded first, what it added kept before anything is sent (prepared again, up to
        `KEEP_ATTEMPTS` times, when another replica took one of its placeholders)."""
        if call.conversation is None or self.redact is None:
            return self.prepare(call)
        step = self.conversation
        for _ in range(KEEP_ATTEMPTS):
            prepared = self.prepare(step.open(call))
            if step.keep(prepared):
                return prepared
        raise step.contended(call)

    async def aconverse(self, call: Call) -> Prepared:
        """`converse` on the conversation store's async client."""
        if call.conversation is None or self.redact is None:
            return self.prepare(call)
        step = self.conversation
        for _ in range(KEEP_ATTEMPTS):
            prepared = self.prepare(await step.aopen(call))
            if await step.akeep(prepared):
                return prepared
        raise step.contended(call)

    def check(self, call: Call) -> Decision:
        """Steps 1-2 only: the decision a call would get (raises the refusal; nothing is
        recorded here: `_observe.CallRecord.check` records a refusal)."""
        provider = self.checks.provider(call)
        decision = self.checks.use_case(call, provider).decision
        who = self.who.check(call, provider)
        decision = who.on(decision) if who is not None else decision
        self.credentials.plan(call, decision)  # a call that would switch off a mark
        return decision

    def blocked(self, call: Call, rule: str) -> Decision:
        """The decision recorded for a refused call (who it was for, pseudonymised)."""
        decision = self.checks.blocked(call, rule)
        who = self.who.who(call.principal)
        return who.on(decision) if who is not None else decision

    # ------------------------------------------------------------------ the state store

    def reserve(self, prepared: Prepared) -> Prepared:
        """The limits step: `prepared` holding its reservation (kill switches and
        budgets checked in one atomic step of the state store), or the refusal."""
        return self.limits.reserve(prepared)

    async def areserve(self, prepared: Prepared) -> Prepared:
        return await self.limits.areserve(prepared)

    def fallback(self, prepared: Prepared, error: ProviderError) -> Call | None:
        """The call to try when `prepared`'s provider failed with `error`, if the policy
        names a fallback and the error is one it retries."""
        retryable = isinstance(error, ProviderUnavailable) or (
            isinstance(error, ProviderHTTPError) and error.status_code in self._retry_status
        )
        fb = prepared.provider.fallback
        if not retryable or fb is None or prepared.call.fallback_from is not None:
            return None
        call = prepared.call
        held = prepared.reservation
        return call._replace(
            provider_name=fb.provider,
            model=fb.model or call.model,
            fallback_from=prepared.provider.name,
            call_id=held.call_id if held is not None else call.call_id,  # one reservation
        )

    # ------------------------------------------------------------------ after I/O

    def screen_error(self, prepared: Prepared, body: bytes) -> bytes:
        """A provider's error body, screened like an answer (its PII masked, nothing
        restored): it reaches exceptions and logs."""
        return self.redact.screen_error(prepared, body) if self.redact is not None else body

    def error_type(self, prepared: Prepared, kind: str) -> str | None:
        """The error type an error body names, or None when it holds PII."""
        return self.redact.error_type(prepared, kind) if self.redact is not None else kind

    def chunk_filter(self, prepared: Prepared) -> AnswerFilter | None:
        """The filter of a streamed answer's text (None: the text passes as it is)."""
        return self.redact.chunk_filter(prepared) if self.redact is not None else None

    def args_restorer(self, prepared: Prepared) -> Restorer | None:
        """Makes the filter of a streamed tool call's arguments, by tool name."""
        return self.redact.args_restorer(prepared) if self.redact is not None else None

    def finish(
        self,
        prepared: Prepared,
        answer: WireAnswer,
        streamed: AnswerFilter | None = None,
        trace_ids: tuple[str | None, str | None] = (None, None),
    ) -> tuple[ChatResponse, Screened]:
        """Steps 5-6 and the caller's steps: the response, and the screened answer."""
        if self.redact is not None:
            screened = self.redact.finish(prepared, answer, streamed)
        else:
            screened = Screened(answer.text, answer.tool_calls)
        call = prepared.call
        served = answer.model or call.model
        stamp = self.stamp.finish(prepared, screened, served, trace_ids)
        response = ChatResponse(
            text=screened.text,
            model=served,
            requested_model=call.model,
            provider=prepared.provider.name,
            usage=answer.usage,
            decision=prepared.decision,
            finish_reason=answer.finish_reason,
            id=answer.id,
            tool_calls=screened.tool_calls,
            redactions=dict(prepared.redactions),
            output_findings=screened.findings,
            restored=screened.restored,
            provenance=stamp,
            credentials=self.credentials.finish(prepared, screened, stamp),
        )
        for step in self.steps:
            response = step.finish(prepared, response)
        return response, screened
