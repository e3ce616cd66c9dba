"""Steps 3 and 5: redact what leaves; scan, mask or refuse, and restore what comes back.

Before I/O, the whole request body is redacted along its wire format's shape (message
text and names, tool-call arguments, tool definitions, every parameter that is not
structure), so `Guard` and the SDK transport redact the same fields by the same rule.
After I/O, the answer is scanned for PII the model produced on its own (reported,
masked or refused per policy), then placeholders are restored if the policy (or the
call) says so. Both halves return what they produce; neither changes the `Call`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from .._call import Call, ChunkFilter, Outbound, PiiContext, Prepared, Screened, WireAnswer
from .._errors import RedactionFailed
from .._pii import (
    Finding,
    OperatorPlan,
    OutputScanner,
    PIISession,
    Redactor,
    StreamRestorer,
)
from .._policy import Policy
from .._shapes import CONTENT, Shape
from .._types import ToolCall
from .._usecases import parents
from .identifiers import is_model_name
from .numbers import NumberCheck

__all__ = ["AnswerFilter", "RedactStep"]


class RedactStep:
    """The PII stage of one `Guard`: `prepare` (step 3) and `finish` (step 5)."""

    def __init__(self, policy: Policy, redactor: Redactor) -> None:
        self.policy = policy
        self.redactor = redactor
        self._plans: dict[str, OperatorPlan] = {}  # per use case: a function of the policy
        # model names that passed `_check_model` (the pipeline shares the set with its
        # records, `RecordedForms.models`: a model is recorded only once it passed)
        self.models: set[str] = set()
        self._numbers = NumberCheck()

    def plan(self, use_case: str) -> OperatorPlan:
        """The operators of a use case: ``[pii]`` with each level's ``pii`` rule on top."""
        plan = self._plans.get(use_case)
        if plan is None:
            plan = self.redactor.plan
            for level in reversed(parents(use_case)):  # general to specific
                rule = self.policy.use_cases.rules.get(level)
                if rule is not None and rule.pii is not None:
                    plan = plan.merged(rule.pii, f'use_cases.rules["{level}"].pii')
            if len(self._plans) < 4096:
                self._plans[use_case] = plan
        return plan

    # ------------------------------------------------------------------ step 3

    def prepare(self, call: Call, shape: Shape, body: Mapping[str, Any]) -> Outbound:
        """The body as it may leave, redacted along `shape` (raises `PIIBlocked` or
        `RedactionFailed`: nothing is sent)."""
        self._check_model(call)
        body = self._numbers(body, shape)  # a float's noise rounded, else refused
        plan = self.plan(call.use_case)
        session = call.session if call.session is not None else PIISession()
        red = self.redactor.redact_document(
            body, shape, subject=call.subject, session=session, plan=plan
        )
        counts = red.counts
        extra = None
        if call.extra:  # query parameters and headers: content, all of them
            more = self.redactor.redact_document(
                call.extra, CONTENT, root="request", subject=call.subject, session=session,
                plan=plan,
            )  # fmt: skip
            extra = more.document
            for entity, n in more.counts.items():
                counts[entity] = counts.get(entity, 0) + n
        restore = plan.restore if call.restore is None else call.restore
        context = PiiContext(plan, session, call.subject, restore)
        return Outbound(red.document, counts, context, extra)

    def _check_model(self, call: Call) -> None:
        """The model name cannot be redacted (the provider must read it), so it must be a
        model identifier (no spaces or ``@``, no run of more than 8 digits:
        `is_model_name`) in which the detectors find nothing, no known client value
        included; else the call is refused. A glob on the allow-list (``gpt-4.1*``)
        cannot let a card number or a surname ride along as a model suffix."""
        model = call.model
        if model not in self.models:
            if not is_model_name(model) or self.redactor.scan(model):
                raise _model_refused()
            if len(self.models) < 1024:
                self.models.add(model)
        if call.subject is not None and any(True for _ in call.subject.detect(model)):
            self.models.discard(model)  # recorded as refused
            raise _model_refused()

    # ------------------------------------------------------------------ step 5

    def finish(
        self, prepared: Prepared, answer: WireAnswer, streamed: AnswerFilter | None = None
    ) -> Screened:
        """The answer screened: PII the model produced found, masked or refused; the
        placeholders of this conversation restored where the policy allows."""
        pii = prepared.outbound.pii
        assert pii is not None, "the redact step prepared this call"
        r = self.redactor
        text = answer.text
        if streamed is not None:  # the stream's filter already did the text
            text = streamed.emitted_text()
            findings = tuple(streamed.findings)
            captured = r.replace_output(streamed.before_restore(), findings)
        else:
            findings = tuple(r.scan(text, subject=pii.subject))
            captured = r.replace_output(text, findings)
            if findings and pii.plan.output == "block":
                r.refuse_blocked(Counter(f.entity_type for f in findings), pii.plan, "answer")
            if findings and pii.plan.output == "mask":
                text = r.mask_output(text, findings)
            if pii.restore:
                text = pii.session.restore(text)
        calls = tuple(self._tool_call(c, pii) for c in answer.tool_calls)
        return Screened(text, calls, findings, pii.restore, captured)

    def screen_error(self, prepared: Prepared, body: bytes) -> bytes:
        """A provider's error body screened like an answer: every string, key and number
        scanned with the call's client record, what is found masked (whatever
        ``pii.output`` says: an error body is not an answer the caller reads but text that
        reaches exceptions and logs), placeholders never restored. The same bytes when
        nothing is found; a body that is not JSON is screened as text."""
        pii = prepared.outbound.pii
        subject = pii.subject if pii is not None else None
        if not body:
            return body
        try:
            data: Any = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = body.decode("utf-8", "replace")
        red = self.redactor.mask_document(data, subject=subject)
        if not red.findings:
            return body
        if isinstance(data, str):
            return str(red.document).encode()
        return orjson.dumps(red.document)

    def error_type(self, prepared: Prepared, kind: str) -> str | None:
        """The error type an error body names; None when the detectors find anything in it."""
        pii = prepared.outbound.pii
        found = self.redactor.scan(kind, subject=pii.subject if pii is not None else None)
        return None if found else kind

    def _tool_call(self, call: ToolCall, pii: PiiContext) -> ToolCall:
        args = call.arguments
        if pii.plan.output != "report":
            found = self.redactor.scan(args, subject=pii.subject)
            if found and pii.plan.output == "block":
                self.redactor.refuse_blocked(
                    Counter(f.entity_type for f in found), pii.plan, "answer"
                )
            if found:
                args = self.redactor.mask_output(args, found)
        if pii.restore and pii.plan.restores_into(call.name):
            args = pii.session.restore(args, json_string=True)
        return call if args is call.arguments else ToolCall(call.id, call.name, args)

    def chunk_filter(self, prepared: Prepared) -> AnswerFilter:
        """The filter of a streamed answer's text (bounded look-behind, split placeholders)."""
        pii = prepared.outbound.pii
        assert pii is not None, "the redact step prepared this call"
        scanner = OutputScanner(self.redactor, pii.plan, pii.subject)
        return AnswerFilter(scanner, StreamRestorer(pii.session) if pii.restore else None)

    def args_restorer(self, prepared: Prepared) -> Callable[[str], ChunkFilter | None] | None:
        """Makes the filter of one streamed tool call's arguments, by tool name: scanned
        for PII the model wrote (masked or refused, as the text is, unless the policy's
        output is "report"), then restored where the policy's ``restore_tools`` allows
        (None: the arguments pass as the model wrote them)."""
        pii = prepared.outbound.pii
        if pii is None:
            return None
        scan = pii.plan.output != "report"
        restoring = pii.restore and bool(pii.plan.restore_tools)
        if not scan and not restoring:
            return None
        session, plan, subject = pii.session, pii.plan, pii.subject

        def make(tool: str) -> ChunkFilter | None:
            restorer = (
                StreamRestorer(session, json_string=True)
                if restoring and plan.restores_into(tool)
                else None
            )
            if scan:
                return AnswerFilter(OutputScanner(self.redactor, plan, subject), restorer)
            return restorer

        return make


def _model_refused() -> RedactionFailed:
    return RedactionFailed(
        "the model name is not a plain model identifier (it may hold personal data); "
        "nothing was sent",
        detector="model",
        error_type="model_name",
    )


class AnswerFilter:
    """A streamed answer's text: scanned (masked or refused per policy), then restored."""

    def __init__(self, scanner: OutputScanner, restorer: StreamRestorer | None) -> None:
        self.scanner = scanner
        self.restorer = restorer
        self._raw: list[str] = []  # what the scanner let through, before restore
        self._out: list[str] = []  # what the filter emitted

    def before_restore(self) -> str:
        return "".join(self._raw)

    def emitted_text(self) -> str:
        """The answer's text as the filter emitted it (what the caller received)."""
        return "".join(self._out)

    @property
    def findings(self) -> list[Finding]:
        return self.scanner.findings

    def feed(self, piece: str) -> str:
        out = self.scanner.feed(piece)
        self._raw.append(out)
        if self.restorer is not None and out:
            out = self.restorer.feed(out)
        self._out.append(out)
        return out

    def flush(self) -> str:
        out = self.scanner.flush()
        self._raw.append(out)
        if self.restorer is not None:
            out = (self.restorer.feed(out) if out else "") + self.restorer.flush()
        self._out.append(out)
        return out
