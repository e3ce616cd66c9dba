"""Step 7, observe: the one room where a call is seen — its span, measurements, audit
events, the ``on_decision`` callback and the history of its fallbacks.

Every driver path (chat, stream, early close, refusal, error, fallback, `check`) goes
through a `CallRecord`, so no path can forget to end a span or to write an audit event;
the fields of a decision are built once, by `Decision.as_dict`, and every audit event
of a call is assembled by `_event`. The pipeline decides; this module records.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, NamedTuple

from ._audit import AuditTrail
from ._call import AuditSink, Call, Prepared, WireAnswer
from ._errors import ConfigurationError, PolicyViolation, ProviderError, RedactionFailed
from ._pipeline import Pipeline
from ._providers import wire_for
from ._steps import AnswerFilter, shown
from ._telemetry import UNLISTED, CallSpan, StreamClosed, Telemetry, start_span
from ._types import ChatResponse, Decision

__all__ = ["Attempts", "CallRecord", "Observers"]

Refusal = PolicyViolation | RedactionFailed | ConfigurationError
TraceIds = tuple[str | None, str | None]


class Observers(NamedTuple):
    """Who hears about calls: the spans and metrics, the audit trail, the callback."""

    telemetry: Telemetry
    trail: AuditTrail
    on_decision: AuditSink | None = None

    def decided(
        self,
        decision: Decision,
        fields: Mapping[str, Any],
        error: str | None = None,
        trace_ids: TraceIds = (None, None),
        redactions: Mapping[str, int] | None = None,
    ) -> None:
        """One decision to the callback and the trail (and, when something was redacted,
        the "redacted" event that counts it by type)."""
        if self.on_decision is not None:
            self.on_decision(decision)
        trail = self.trail
        if trail.active:
            trail.emit_fields("decision", _event({"error": error}, fields, trace_ids))
            if redactions:
                event = _event({"redactions": dict(redactions)}, fields, trace_ids)
                event["outcome"] = "redacted"
                trail.emit_fields("decision", event)


def _event(first: dict[str, Any], fields: Mapping[str, Any], trace_ids: TraceIds) -> dict[str, Any]:
    """An audit event of a decision: the outcome, what is particular to this event, the
    decision's fields (`Decision.as_dict`, the one builder) and the span it belongs to
    (else the trail reads the active span's)."""
    event = {"outcome": fields.get("outcome"), **first, **fields}
    if trace_ids[0] is not None:
        event["trace_id"], event["span_id"] = trace_ids
    return event


class Attempts(NamedTuple):
    """The providers a call tried and why each failed (immutable: each failure makes
    the next value, as httpx passes a redirect's history along)."""

    tried: tuple[str, ...] = ()
    first: ProviderError | None = None

    def failed(self, provider: str, error: ProviderError) -> Attempts:
        return Attempts(
            (*self.tried, f"{provider}: {type(error).__name__}: {error}"),
            self.first if self.first is not None else error,
        )

    def note(self, text: str) -> Attempts:
        return Attempts((*self.tried, text), self.first)

    def explain(self, error: BaseException) -> None:
        """An error that ended a call after a fallback was taken (the fallback provider's
        key is missing, its answer unreadable...): chained to why the first provider
        failed, noting every provider tried, so that neither reason hides the other."""
        first = self.first
        if first is None or error is first or isinstance(error, ProviderError):
            return  # no fallback was taken, or `final_error` explains it
        if error.__cause__ is None:
            error.__cause__ = first
        note = "providers tried: " + "; ".join(self.tried)
        if note not in getattr(error, "__notes__", ()):
            error.add_note(note)

    def final_error(self, error: ProviderError) -> ProviderError:
        """The error a caller sees when no provider answered: the last one's, chained to
        the first and noting every provider tried and why."""
        if len(self.tried) > 1:
            first = self.first
            if first is not None and first is not error and error.__cause__ is None:
                error.__cause__ = first
            error.add_note("providers tried: " + "; ".join(self.tried))
        return error


class CallRecord:
    """The observation of one call: its span (made current while the library works), its
    measurements and its audit events, from the decision to the answer or the error.

    Use it as a context manager around each stretch of a driver's work: an exception
    leaving it ends the record as failed (a refusal as refused) and is re-raised as it
    was; `finish` ends it as a success. Ending twice is a no-op.
    """

    __slots__ = ("_decided", "attempts", "observers", "pipeline", "span")

    def __init__(self, pipeline: Pipeline, observers: Observers, call: Call) -> None:
        self.pipeline = pipeline
        self.observers = observers
        params = call.params if call.body is None else call.body
        if pipeline.checks.seen(call):  # names that passed before: as they are
            model, provider, use_case = call.model, call.provider_name, call.use_case
        else:  # a span must not carry whatever a caller put in a name
            model, provider, use_case = (
                shown(call.model),
                shown(call.provider_name),
                shown(call.use_case),
            )
        self.span: CallSpan = start_span(
            observers.telemetry,
            model=model, provider=provider, use_case=use_case, params=params, stream=call.stream,
        )  # fmt: skip
        self._decided = False
        self.attempts = Attempts()

    def __enter__(self) -> CallRecord:
        self.span.enter()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.span.exit()
        if ev is not None:
            self.failed(ev)

    def active(self) -> _Active:
        """The span current for a stretch of work, without ending anything."""
        return _Active(self.span)

    def ending(self) -> _Ending:
        """End the record if an exception leaves this block (for generators, whose body
        must not keep a context attached across ``yield``): a closed generator ends it
        as `StreamClosed`."""
        return _Ending(self)

    def first_chunk(self) -> None:
        self.span.first_chunk()

    @classmethod
    def check(cls, pipeline: Pipeline, observers: Observers, call: Call) -> Decision:
        """Steps 1-2 for a call that is about to be made (`@governed` decides when its
        function is called): an allowed check records nothing yet — its calls will be
        recorded — while a refusal is recorded like any refused call (its span, the
        decision counter, the audit event) and raised."""
        try:
            return pipeline.check(call)
        except PolicyViolation as exc:
            record = cls(pipeline, observers, call)
            record.span.enter()
            try:
                record._refused(call, exc, final=True)
            finally:
                record.span.exit()
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
        self.attempts = self.attempts.failed(prepared.provider.name, error)
        call = self.pipeline.fallback(prepared, error)
        if call is None:
            return None
        try:
            return self.prepare(call)
        except PolicyViolation as refused:
            self.attempts = self.attempts.note(
                f"fallback {shown(call.provider_name)} refused: {refused.rule}"
            )
            return None

    def next_attempt(self, prepared: Prepared, error: ProviderError) -> Prepared:
        """The fallback to try after `error` (`after_failure`), or the error a caller sees
        when there is none (`give_up`), raised: the one decision of a fallback loop."""
        fallback = self.after_failure(prepared, error)
        if fallback is None:
            raise self.give_up(error)
        return fallback

    def give_up(self, error: ProviderError) -> ProviderError:
        """The error a caller sees when no provider answered (see `Attempts.final_error`)."""
        return self.attempts.final_error(error)

    def finish(
        self, prepared: Prepared, answer: WireAnswer, streamed: AnswerFilter | None = None
    ) -> ChatResponse:
        """Steps 5-6, recorded as the call's success."""
        self.span.enter()
        try:
            response, screened = self.pipeline.finish(
                prepared, answer, streamed, self.span.trace_ids()
            )
        finally:
            self.span.exit()
        self.span.succeeded(response, screened.captured)
        return response

    def failed(self, error: BaseException) -> None:
        """The call failed after it was allowed (a provider error, PII in the answer...);
        a closed generator (``GeneratorExit``) ends it as `StreamClosed`. After a
        fallback, the error is chained to the first provider's (`Attempts.explain`)."""
        if not isinstance(error, GeneratorExit):
            self.attempts.explain(error)
        self.span.failed(StreamClosed() if isinstance(error, GeneratorExit) else error)

    # ------------------------------------------------------------------

    def _allowed(self, prepared: Prepared) -> None:
        decision = prepared.decision
        observers = self.observers
        ids = self.span.trace_ids() if observers.trail.active else (None, None)
        observers.decided(decision, prepared.audit_fields, None, ids, prepared.redactions)
        self._decided = True
        if self.span.listening:
            wire = wire_for(prepared.endpoint)
            self.span.decided(
                decision, prepared.provider, prepared.redactions,
                lambda: wire.prompt(prepared.outbound.body),
            )  # fmt: skip

    def _refused(self, call: Call, exc: Refusal, *, final: bool) -> None:
        if isinstance(exc, ConfigurationError):
            rule = "configuration"  # not a decision: the call was malformed
        else:
            rule = self._record_refusal(call, exc)
        if final:
            listed = self.pipeline.policy.provider(call.provider_name) is not None
            self.span.refused(
                exc, use_case=shown(call.use_case), rule=rule,
                provider=call.provider_name if listed else UNLISTED,
            )  # fmt: skip

    def _record_refusal(self, call: Call, exc: PolicyViolation | RedactionFailed) -> str:
        """Record the refusal of `call` (the audit sink failing never hides it); returns
        the rule that refused it."""
        if isinstance(exc, PolicyViolation) and exc.use_case is None:
            exc.use_case, exc.provider, exc.model = call.use_case, call.provider_name, call.model
        rule = exc.rule if isinstance(exc, PolicyViolation) and exc.rule else "pii.fail_closed"
        decision = self.pipeline.checks.blocked(call, rule)
        try:
            self.observers.decided(decision, decision.as_dict(), type(exc).__name__)
        except Exception as audit_error:  # the refusal stays what the caller sees
            exc.add_note(f"the audit sink failed too ({type(audit_error).__name__})")
        return rule


class _Active:
    """`CallRecord.active`: the span current for a block, nothing ended."""

    __slots__ = ("_span",)

    def __init__(self, span: CallSpan) -> None:
        self._span = span

    def __enter__(self) -> None:
        self._span.enter()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._span.exit()


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
