"""The governed-call pipeline: the steps in order, no I/O; and the record of one call.

```
1. policy     PolicyChecks.provider    provider + model in the registry, policy switches
2. use case   PolicyChecks.use_case    tag rules, data class, consent       -> Decision
3. redact     RedactStep.prepare       the whole body along its wire shape   -> Outbound
4. call       the driver's sender (Guard) or the SDK's transport: the only I/O
5. screen     RedactStep.finish        PII the model wrote, restore          -> Screened
6. stamp      StampStep.finish         signed provenance                     -> Provenance
7. observe    CallRecord               the span, measurements and audit events of 1-6
```

`Pipeline.prepare(call) -> Prepared` and `Pipeline.finish(prepared, answer)` are pure
functions of their inputs (and the policy): a fallback prepares the caller's own `Call`
again for another provider. `CallRecord` is the one place a call's observation starts
and ends: every driver path (chat, stream, early close, refusal, error, fallback)
goes through it, as a context manager that records and re-raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import orjson

from ._audit import AuditTrail, default_trail
from ._call import (
    AuditSink,
    Call,
    Outbound,
    Prepared,
    Screened,
    Step,
    WireAnswer,
)
from ._errors import (
    ConfigurationError,
    PolicyViolation,
    ProviderError,
    ProviderHTTPError,
    ProviderUnavailable,
    RedactionFailed,
)
from ._policy import Policy
from ._providers import Restorer, endpoint_of, wire_for
from ._steps import AnswerFilter, PolicyChecks, RedactStep, StampStep, audit_fields
from ._steps.checks import shown
from ._telemetry import UNLISTED, Observation, StreamClosed, Telemetry
from ._types import ChatResponse, Decision

__all__ = ["CallRecord", "Pipeline", "unreadable"]

Refusal = PolicyViolation | RedactionFailed | ConfigurationError


def unreadable(what: str) -> RedactionFailed:
    """The refusal of a request the library cannot read (nothing is sent)."""
    return RedactionFailed(
        f"the governed transport cannot read {what}; the request was not sent",
        detector="transport",
        error_type="unreadable",
    )


def _dumps(body: Any) -> bytes:
    """The request body: orjson (compact UTF-8); the standard library for what orjson
    refuses (only reachable with PII redaction off: the redact step refuses anything
    that is not JSON data)."""
    try:
        return orjson.dumps(body)
    except TypeError:
        try:
            return json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        except UnicodeEncodeError:  # its .object would hold the body: never re-raised
            pass
    raise unreadable("text that is not valid Unicode (a lone surrogate)")


MAX_PROMPT_CHARS = 32 * 1024 * 1024
"""The most text a call may send (a bigger one is refused before it is scanned)."""


def text_size(messages: Sequence[Any]) -> int:
    """About how much text a chat history holds (strings and text parts)."""
    total = 0
    for m in messages:
        content = m.get("content") if isinstance(m, Mapping) else None
        if isinstance(content, str):
            total += len(content)
        elif isinstance(content, list):
            for part in content:
                text = part.get("text") if isinstance(part, Mapping) else part
                if isinstance(text, str):
                    total += len(text)
    return total


class Pipeline:
    """Runs the steps in order. `steps` are the caller's own, run after the library's."""

    def __init__(
        self,
        policy: Policy,
        *,
        redact: RedactStep | None,
        stamp: StampStep,
        steps: Sequence[Step] = (),
        on_decision: AuditSink | None = None,
        trail: AuditTrail | None = None,
    ) -> None:
        self.policy = policy
        self.checks = PolicyChecks(policy)
        self.redact = redact
        self.stamp = stamp
        self.steps = list(steps)
        self.on_decision = on_decision
        self.trail = trail if trail is not None else default_trail
        self._retry_status = frozenset(policy.retry.retry_on_status)

    # ------------------------------------------------------------------ before I/O

    def prepare(self, call: Call) -> Prepared:
        """Steps 1-3 and the caller's steps; raises the refusal (nothing recorded here)."""
        provider = self.checks.provider(call)
        try:
            endpoint = endpoint_of(provider.kind, call.endpoint)
        except ValueError as exc:
            raise unreadable(str(exc)) from None
        wire = wire_for(endpoint)
        verdict = self.checks.use_case(call, provider)
        if call.body is not None:
            body = call.body
        else:
            body = wire.body(call.model, list(call.messages), call.params, call.stream)
        if call.body is None and text_size(call.messages) > MAX_PROMPT_CHARS:
            raise unreadable(f"a prompt of more than {MAX_PROMPT_CHARS} characters")
        if body.get("n") not in (None, 1):
            # every choice would need its own screening and stamp: one answer per call
            raise unreadable("a request for several choices (n > 1)")
        if self.redact is not None:
            outbound = self.redact.prepare(call, wire.shape, body)
        else:
            outbound = Outbound(body, extra=call.extra)
        prepared = Prepared(
            call, provider, endpoint, verdict.rule, verdict.decision, outbound,
            _dumps(outbound.body), verdict.fields,
        )  # fmt: skip
        for step in self.steps:
            step.prepare(prepared)
        return prepared

    def check(self, call: Call) -> Decision:
        """Steps 1-2 only: the decision a call would get (raises the refusal; nothing is
        recorded here: `CallRecord.check` records a refusal)."""
        return self.checks.use_case(call, self.checks.provider(call)).decision

    def refused(self, call: Call, exc: PolicyViolation | RedactionFailed) -> str:
        """Record the refusal of `call` (the audit sink failing never hides it); returns
        the rule that refused it."""
        if isinstance(exc, PolicyViolation) and exc.use_case is None:
            exc.use_case, exc.provider, exc.model = call.use_case, call.provider_name, call.model
        rule = exc.rule if isinstance(exc, PolicyViolation) and exc.rule else "pii.fail_closed"
        decision = self.checks.blocked(call, rule)
        try:
            self.record(decision, audit_fields(decision), type(exc).__name__)
        except Exception as audit_error:  # the refusal stays what the caller sees
            exc.add_note(f"the audit sink failed too ({type(audit_error).__name__})")
        return rule

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
        return call._replace(
            provider_name=fb.provider,
            model=fb.model or call.model,
            fallback_from=prepared.provider.name,
        )

    # ------------------------------------------------------------------ after I/O

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
            provenance=self.stamp.finish(prepared, screened, served, trace_ids),
        )
        for step in self.steps:
            response = step.finish(prepared, response)
        return response, screened

    # ------------------------------------------------------------------ audit

    def record(
        self,
        decision: Decision,
        fields: Mapping[str, Any],
        error: str | None,
        trace_ids: tuple[str | None, str | None] = (None, None),
    ) -> None:
        """One decision to the `on_decision` callback and the audit trail."""
        if self.on_decision is not None:
            self.on_decision(decision)
        if self.trail.active:
            event = {"outcome": decision.outcome, "error": error, **fields}
            if trace_ids[0] is not None:  # else the trail reads the active span's
                event["trace_id"], event["span_id"] = trace_ids
            self.trail.emit_fields("decision", event)


class CallRecord:
    """The observation of one call: its span (made current while the library works), its
    measurements and its audit events, from the decision to the answer or the error.

    Use it as a context manager around each stretch of a driver's work: an exception
    leaving it ends the record as failed (a refusal as refused) and is re-raised as it
    was; `finish` ends it as a success. Ending twice is a no-op.
    """

    __slots__ = ("_decided", "_first_failure", "_tried", "obs", "pipeline")

    def __init__(self, pipeline: Pipeline, telemetry: Telemetry, call: Call) -> None:
        self.pipeline = pipeline
        params = call.params if call.body is None else call.body
        if pipeline.checks.seen(call):  # names that passed before: as they are
            model, provider, use_case = call.model, call.provider_name, call.use_case
        else:  # a span must not carry whatever a caller put in a name
            model, provider, use_case = (
                shown(call.model),
                shown(call.provider_name),
                shown(call.use_case),
            )
        self.obs: Observation = telemetry.observe(
            model=model, provider=provider, use_case=use_case, params=params, stream=call.stream,
        )  # fmt: skip
        self._decided = False
        self._tried: list[str] = []  # each failed provider and why, for the final error
        self._first_failure: ProviderError | None = None  # the first provider's error

    def __enter__(self) -> CallRecord:
        self.obs.enter()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.obs.exit()
        if ev is not None:
            self.failed(ev)

    def active(self) -> _Active:
        """The span current for a stretch of work, without ending anything."""
        return _Active(self.obs)

    def ending(self) -> _Ending:
        """End the record if an exception leaves this block (for generators, whose body
        must not keep a context attached across ``yield``): a closed generator ends it
        as `StreamClosed`."""
        return _Ending(self)

    def first_chunk(self) -> None:
        self.obs.first_chunk()

    @classmethod
    def check(cls, pipeline: Pipeline, telemetry: Telemetry, call: Call) -> Decision:
        """Steps 1-2 for a call that is about to be made (`@governed` decides when its
        function is called): an allowed check records nothing yet — its calls will be
        recorded — while a refusal is recorded like any refused call (its span, the
        decision counter, the audit event) and raised."""
        try:
            return pipeline.check(call)
        except PolicyViolation as exc:
            record = cls(pipeline, telemetry, call)
            record.obs.enter()
            try:
                record._refused(call, exc, final=True)
            finally:
                record.obs.exit()
            raise

    def prepare(self, call: Call) -> Prepared:
        """Steps 1-3 for `call`, recorded: allowed (and redacted), or refused."""
        try:
            prepared = self.pipeline.prepare(call)
        except (PolicyViolation, RedactionFailed, ConfigurationError) as exc:
            self._refused(call, exc, final=not self._decided)
            raise
        self._allowed(prepared)
        return prepared

    def after_failure(self, prepared: Prepared, error: ProviderError) -> Prepared | None:
        """The fallback of a failed call, prepared and recorded (None: there is none, or
        the policy refuses it; the caller then sees the original error)."""
        self._tried.append(f"{prepared.provider.name}: {type(error).__name__}: {error}")
        if self._first_failure is None:
            self._first_failure = error
        call = self.pipeline.fallback(prepared, error)
        if call is None:
            return None
        try:
            return self.prepare(call)
        except PolicyViolation as refused:
            self._tried.append(f"fallback {shown(call.provider_name)} refused: {refused.rule}")
            return None

    def give_up(self, error: ProviderError) -> ProviderError:
        """The error a caller sees when no provider answered: the last one's, chained to
        the one before and noting every provider tried and why."""
        if len(self._tried) > 1:
            first = self._first_failure
            if first is not None and first is not error and error.__cause__ is None:
                error.__cause__ = first
            error.add_note("providers tried: " + "; ".join(self._tried))
        return error

    def finish(
        self, prepared: Prepared, answer: WireAnswer, streamed: AnswerFilter | None = None
    ) -> ChatResponse:
        """Steps 5-6, recorded as the call's success."""
        self.obs.enter()
        try:
            response, screened = self.pipeline.finish(
                prepared, answer, streamed, self.obs.trace_ids()
            )
        finally:
            self.obs.exit()
        self.obs.succeeded(response, screened.captured)
        return response

    def failed(self, error: BaseException) -> None:
        """The call failed after it was allowed (a provider error, PII in the answer...);
        a closed generator (``GeneratorExit``) ends it as `StreamClosed`."""
        self.obs.failed(StreamClosed() if isinstance(error, GeneratorExit) else error)

    # ------------------------------------------------------------------

    def _allowed(self, prepared: Prepared) -> None:
        pipeline = self.pipeline
        decision = prepared.decision
        trail_on = pipeline.trail.active
        ids = self.obs.trace_ids() if trail_on else (None, None)
        pipeline.record(decision, prepared.audit_fields, None, ids)
        redactions = prepared.redactions
        if redactions and trail_on:
            event = {"outcome": "redacted", "redactions": dict(redactions), **prepared.audit_fields}
            if ids[0] is not None:
                event["trace_id"], event["span_id"] = ids
            pipeline.trail.emit_fields("decision", event)
        self._decided = True
        if self.obs.listening:
            wire = wire_for(prepared.endpoint)
            self.obs.decided(
                decision, prepared.provider, redactions,
                lambda: wire.prompt(prepared.outbound.body),
            )  # fmt: skip

    def _refused(self, call: Call, exc: Refusal, *, final: bool) -> None:
        if isinstance(exc, ConfigurationError):
            rule = "configuration"  # not a decision: the call was malformed
        else:
            rule = self.pipeline.refused(call, exc)
        if final:
            listed = self.pipeline.policy.provider(call.provider_name) is not None
            self.obs.refused(
                exc, use_case=shown(call.use_case), rule=rule,
                provider=call.provider_name if listed else UNLISTED,
            )  # fmt: skip


class _Active:
    """`CallRecord.active` (a class: a generator context manager costs a microsecond)."""

    __slots__ = ("_obs",)

    def __init__(self, obs: Observation) -> None:
        self._obs = obs

    def __enter__(self) -> None:
        self._obs.enter()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._obs.exit()


class _Ending:
    """`CallRecord.ending`: an exception leaving the block ends the record, re-raised."""

    __slots__ = ("_record",)

    def __init__(self, record: CallRecord) -> None:
        self._record = record

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if ev is not None:
            self._record.failed(ev)
