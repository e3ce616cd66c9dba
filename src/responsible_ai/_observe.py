"""Step 7, observe: the one room where a call is seen — its span, measurements, audit
events, the ``on_decision`` callback and the history of its fallbacks.

Every driver path (chat, stream, early close, refusal, error, fallback, `check`) goes
through a `CallRecord`, so no path can forget to end a span or to write an audit event;
the fields of a decision are built once, by `Decision.as_dict`, and every audit event
of a call is assembled by `_event`. The pipeline decides; this module records.

The record also keeps what the limits step reserved for the call until it ends: a
success settles it with the provider's usage, a failure before the answer started
releases it, a stream closed after it started settles the worst case — on every path,
once (the store's settle is idempotent per call id too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, NamedTuple

from ._audit import AuditTrail
from ._call import AuditSink, Call, Prepared, WireAnswer
from ._clock import call_id
from ._errors import ConfigurationError, PolicyViolation, ProviderError, RedactionFailed
from ._evaluation import Evaluation, Evaluator
from ._evidence import CallEntry, EvidenceStore
from ._pipeline import Pipeline
from ._providers import wire_for
from ._state import Held
from ._steps import AnswerFilter, is_identifier, shown
from ._telemetry import UNLISTED, CallSpan, StreamClosed, Telemetry, start_span
from ._types import ChatResponse, Decision

__all__ = ["Attempts", "CallRecord", "Observers"]

Refusal = PolicyViolation | RedactionFailed | ConfigurationError
TraceIds = tuple[str | None, str | None]


class Observers(NamedTuple):
    """Who hears about calls: the spans and metrics, the audit trail, the callback, the
    evidence store and the organisation's evaluators."""

    telemetry: Telemetry
    trail: AuditTrail
    on_decision: AuditSink | None = None
    evidence: EvidenceStore | None = None
    evaluators: tuple[Evaluator, ...] = ()

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


def _evidence_body(
    decision: Decision, redactions: Mapping[str, int] | None, error: str | None
) -> dict[str, Any]:
    """The evidence record of a decision: its rule and policy, counts, the principal's
    pseudonym — an allow-list, so a consent's subject or reference never rides along."""
    d = decision
    body = {
        "outcome": d.outcome, "rule": d.rule, "use_case": d.use_case, "provider": d.provider,
        "model": d.model, "data_class": d.data_class, "policy_id": d.policy_id,
        "policy_version": d.policy_version, "policy_sha256": d.policy_sha256,
        "requires_review": d.requires_review, "fallback_from": d.fallback_from,
    }  # fmt: skip
    consent = d.consent
    if consent is not None:
        body["consent"] = {"scope": consent.scope, "obtained_at": consent.obtained_at.isoformat()}
    if d.principal is not None:  # the principal's pseudonym (#25)
        body["principal"] = d.principal
    if redactions:
        body["redactions"] = dict(redactions)
    if error is not None:
        body["error"] = error
    return body


def _subjects(store: EvidenceStore, call: Call) -> tuple[str, ...]:
    """The pseudonyms of the call's data subjects: its client records' ids and its
    consent's subject (none when the call concerns more than a few: then it is about a
    population, and no one is linked)."""
    ids: set[str] = set()
    if call.subject is not None:
        ids |= call.subject.subjects
    if call.consent is not None and call.consent.subject:
        ids.add(call.consent.subject)
    if not ids or len(ids) > 16:
        return ()
    pseudonym = store.pseudonymizer.pseudonym
    return tuple(sorted(pseudonym("subject", i) for i in ids))


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

    __slots__ = (
        "_decided", "_ended", "_entry", "_held", "_started", "attempts", "call_id",
        "observers", "pipeline", "span",
    )  # fmt: skip

    def __init__(self, pipeline: Pipeline, observers: Observers, call: Call) -> None:
        self.pipeline = pipeline
        self.observers = observers
        self._ended = False
        # the call's id in the evidence store: its decision, answer, evaluations and
        # failure records share it, and an incident's legal hold names it
        self.call_id = call_id() if observers.evidence is not None else ""
        self._entry: CallEntry | None = None  # its decision in the store, until its outcome
        params = call.params if call.body is None else call.body
        use_case = pipeline.checks.recorded.tag(call.use_case)  # the policy's, else hashed
        # a provider that passed before as it is; a span must not carry whatever a caller
        # put in a name
        seen = pipeline.checks.seen(call)
        provider = call.provider_name if seen else shown(call.provider_name)
        model = pipeline.checks.recorded.model(call.model)  # only once it passed the scan
        self.span: CallSpan = start_span(
            observers.telemetry,
            model=model, provider=provider, use_case=use_case, params=params, stream=call.stream,
        )  # fmt: skip
        self._decided = False
        self._held: Held | None = None  # the limits step's reservation, until settled
        self._started = False  # the answer started arriving (a stream's first chunk)
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
        self._started = True
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
        """Steps 1-3 (in the call's conversation, if it names one) and the limits step
        for `call`, recorded: allowed (and redacted, its worst case reserved), or refused."""
        try:
            prepared = self.pipeline.reserve(self.pipeline.converse(call))
        except (PolicyViolation, RedactionFailed, ConfigurationError) as exc:
            self._refused(call, exc, final=not self._decided)
            raise
        return self._reserved(prepared)

    async def aprepare(self, call: Call) -> Prepared:
        """`prepare`, reserving on the state store's async client."""
        try:
            prepared = await self.pipeline.areserve(await self.pipeline.aconverse(call))
        except (PolicyViolation, RedactionFailed, ConfigurationError) as exc:
            self._refused(call, exc, final=not self._decided)
            raise
        return self._reserved(prepared)

    def _reserved(self, prepared: Prepared) -> Prepared:
        old, self._held = self._held, prepared.reservation
        if old is not None:  # a fallback reserved again under the same call id
            self.pipeline.limits.moved(old, self._held)
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
        """Steps 5-6, recorded as the call's success (its reservation settled first: the
        provider spent what it reports, whatever the screening makes of the answer)."""
        held, self._held = self._held, None
        if held is not None:
            limits = self.pipeline.limits
            limits.settle(held, limits.actual(held, prepared.call, answer.usage))
        return self._finished(prepared, answer, streamed)

    async def afinish(
        self, prepared: Prepared, answer: WireAnswer, streamed: AnswerFilter | None = None
    ) -> ChatResponse:
        """`finish`, settling on the state store's async client."""
        held, self._held = self._held, None
        if held is not None:
            limits = self.pipeline.limits
            await limits.asettle(held, limits.actual(held, prepared.call, answer.usage))
        return self._finished(prepared, answer, streamed)

    def _finished(
        self, prepared: Prepared, answer: WireAnswer, streamed: AnswerFilter | None
    ) -> ChatResponse:
        self.span.enter()
        try:
            response, screened = self.pipeline.finish(
                prepared, answer, streamed, self.span.trace_ids()
            )
        finally:
            self.span.exit()
        observers = self.observers
        if observers.evaluators or observers.evidence is not None:
            self._answered(response)
        self._ended = True
        self.span.succeeded(response, screened.captured)
        return response

    def failed(self, error: BaseException) -> None:
        """The call failed after it was allowed (a provider error, PII in the answer...);
        a closed generator (``GeneratorExit``) ends it as `StreamClosed`. Its reservation
        is released, or settled at the worst case if the answer had started. After a
        fallback, the error is chained to the first provider's (`Attempts.explain`)."""
        held, self._held = self._held, None
        if held is not None:
            limits = self.pipeline.limits
            if self._started:
                limits.settle(held, held.amounts)
            else:
                limits.release(held)
        if not isinstance(error, GeneratorExit):
            self.attempts.explain(error)
        error = StreamClosed() if isinstance(error, GeneratorExit) else error
        store = self.observers.evidence
        if store is not None and self._decided and not self._ended:
            self._ended = True
            try:
                failure = {"error": type(error).__name__}
                if self._entry is not None:
                    store.close_call(self._entry, "failure", failure)
                else:
                    store.append("failure", failure, call=self.call_id)
            except Exception as evidence_error:  # the call's own error stays what is raised
                error.add_note(f"the evidence store failed too ({type(evidence_error).__name__})")
        self.span.failed(error)

    # ------------------------------------------------------------------

    def _answered(self, response: ChatResponse) -> None:
        """Each evaluation of the answer (on the span), then the answer's record with
        them (in the store). An evaluator that fails is recorded as such; the call still
        returns."""
        observers = self.observers
        store = observers.evidence
        stamp = response.provenance
        evaluations: list[dict[str, Any]] = []
        for evaluator in observers.evaluators:
            for result, error in _evaluate(evaluator, response):
                self.span.evaluated(
                    result.name, result.score, result.label, result.explanation,
                    response.id, error,
                )  # fmt: skip
                evaluations.append(
                    {"name": result.name, "score": result.score, "label": result.label,
                     "error": error, "use_case": response.decision.use_case}
                )  # fmt: skip
        if store is None:
            return
        usage = response.usage
        answer = {
            "served_model": shown(response.model), "provider": response.provider,
            "finish_reason": shown(response.finish_reason or "none"),
            "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "output_sha256": stamp.output_sha256 if stamp is not None else None,
            "prompt_sha256": stamp.prompt_sha256 if stamp is not None else None,
            "output_pii": _count(f.entity_type for f in response.output_findings),
            "restored": response.restored, "tool_calls": len(response.tool_calls),
            "requires_review": response.decision.requires_review,
            "use_case": response.decision.use_case,
        }  # fmt: skip
        stamp_id = stamp.id if stamp is not None else None
        if self._entry is not None:
            store.close_call(self._entry, "answer", answer, stamp=stamp_id, evaluations=evaluations)
            return
        store.append("answer", answer, call=self.call_id, stamp=stamp_id)
        for evaluation in evaluations:
            store.append("evaluation", evaluation, call=self.call_id, stamp=stamp_id)

    def _allowed(self, prepared: Prepared) -> None:
        decision = prepared.decision
        observers = self.observers
        store = observers.evidence
        if store is not None:  # first: a call that cannot leave its record is not made
            self._entry = store.open_call(
                _evidence_body(decision, prepared.redactions, None),
                call=self.call_id, subjects=_subjects(store, prepared.call),
            )  # fmt: skip
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
                exc, use_case=self.pipeline.checks.recorded.tag(call.use_case), rule=rule,
                provider=call.provider_name if listed else UNLISTED,
            )  # fmt: skip

    def _record_refusal(self, call: Call, exc: PolicyViolation | RedactionFailed) -> str:
        """Record the refusal of `call` (the audit sink failing never hides it); returns
        the rule that refused it."""
        if isinstance(exc, PolicyViolation) and exc.use_case is None:
            exc.use_case = self.pipeline.checks.recorded.tag(call.use_case)
            exc.provider = call.provider_name
            exc.model = self.pipeline.checks.recorded.model(call.model)
        rule = exc.rule if isinstance(exc, PolicyViolation) and exc.rule else "pii.fail_closed"
        decision = self.pipeline.blocked(call, rule)
        store = self.observers.evidence
        if store is not None:
            try:
                store.append(
                    "decision", _evidence_body(decision, None, type(exc).__name__),
                    call=self.call_id, subjects=_subjects(store, call),
                )  # fmt: skip
            except Exception as evidence_error:  # the refusal stays what the caller sees
                exc.add_note(f"the evidence store failed too ({type(evidence_error).__name__})")
        try:
            self.observers.decided(decision, decision.as_dict(), type(exc).__name__)
        except Exception as audit_error:  # the refusal stays what the caller sees
            exc.add_note(f"the audit sink failed too ({type(audit_error).__name__})")
        return rule


def _count(names: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return counts


def _evaluate(evaluator: Evaluator, response: ChatResponse) -> list[tuple[Evaluation, str | None]]:
    """An evaluator's results, each with None; or, when it raised or returned what is
    not an `Evaluation`, one failed result named after it, with the error's type."""
    name = getattr(evaluator, "name", None) or getattr(evaluator, "__name__", None)
    try:
        found = evaluator(response)
        results = [found] if isinstance(found, Evaluation) else list(found)
        if not all(isinstance(r, Evaluation) for r in results):
            raise TypeError("an evaluator returns Evaluation objects")
        return [(r, None) for r in results]
    except Exception as exc:
        label = name if isinstance(name, str) and is_identifier(name) else "evaluator"
        return [(Evaluation(label[:64], label="error"), type(exc).__name__)]


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
