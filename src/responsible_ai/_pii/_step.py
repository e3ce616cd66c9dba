"""The pipeline's PII stages: redact the prompt (3), scan and restore the answer (5)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .._policy import Policy
from .._types import ChatResponse, ToolCall
from .._usecases import parents
from ._redactor import OperatorPlan, Redactor, _known_of
from ._session import PIISession
from ._stream import OutputScanner, StreamRestorer

if TYPE_CHECKING:
    from .._pipeline import Call, ChunkFilter

__all__ = ["RedactStep"]


class RedactStep:
    """Before I/O: every message (tool arguments included) is redacted with the use
    case's operators. After: the answer is scanned for PII the model produced on its
    own (reported, masked or refused per policy), then restored if asked."""

    def __init__(self, policy: Policy, redactor: Redactor) -> None:
        self.policy = policy
        self.redactor = redactor
        self._plans: dict[str, OperatorPlan] = {}

    def plan(self, use_case: str) -> OperatorPlan:
        plan = self._plans.get(use_case)
        if plan is None:
            plan = self.redactor.plan
            for level in reversed(parents(use_case)):  # general to specific
                rule = self.policy.use_cases.rules.get(level)
                if rule is not None and rule.pii is not None:
                    plan = plan.merged(rule.pii, f'use_cases.rules["{level}"].pii')
            self._plans[use_case] = plan
        return plan

    def prepare(self, call: Call) -> None:
        plan = self.plan(call.use_case)
        call.pii_plan = plan
        if call.session is None:
            call.session = PIISession()
        call.subject = _known_of(call.subject)  # one automaton for prompt and answer
        red = self.redactor.redact_messages(
            call.messages, subject=call.subject, session=call.session, plan=plan
        )
        call.messages = red.messages
        call.redactions = red.counts

    def _restore(self, call: Call) -> bool:
        plan: OperatorPlan = call.pii_plan
        return plan.restore if call.restore is None else call.restore

    def finish(self, call: Call, response: ChatResponse) -> ChatResponse:
        plan: OperatorPlan = call.pii_plan
        session: PIISession = call.session
        restore = self._restore(call)
        text = response.text
        if call.output_filter is not None:  # a stream: its filter already did the text
            findings = tuple(call.output_filter.findings)
            before = call.output_filter.before_restore()
            call.answer_redacted = self.redactor.replace_output(before, findings)
        else:
            findings = tuple(self.redactor.scan(text, subject=call.subject))
            call.answer_redacted = self.redactor.replace_output(text, findings)
            if findings and plan.output == "block":
                self.redactor._raise_blocked(
                    Counter(f.entity_type for f in findings), plan, "answer"
                )
            if findings and plan.output == "mask":
                text = self.redactor.mask_output(text, findings)
            if restore:
                text = session.restore(text)
        calls = response.tool_calls
        if not findings and not restore and text is response.text:
            return response  # nothing found, nothing to restore: the common case costs nothing
        if restore and calls:
            calls = tuple(ToolCall(c.id, c.name, session.restore(c.arguments)) for c in calls)
        return replace(
            response, text=text, tool_calls=calls, output_findings=findings, restored=restore
        )

    def chunk_filter(self, call: Call) -> ChunkFilter | None:
        scanner = OutputScanner(self.redactor, call.pii_plan, call.subject)
        restore = self._restore(call)
        flt = _StreamFilter(scanner, StreamRestorer(call.session) if restore else None)
        call.output_filter = flt
        return flt


class _StreamFilter:
    def __init__(self, scanner: OutputScanner, restorer: StreamRestorer | None) -> None:
        self.scanner = scanner
        self.restorer = restorer
        self._raw: list[str] = []  # what the scanner let through, before restore

    def before_restore(self) -> str:
        return "".join(self._raw)

    @property
    def findings(self) -> list[Any]:
        return self.scanner.findings

    def feed(self, piece: str) -> str:
        out = self.scanner.feed(piece)
        self._raw.append(out)
        if self.restorer is not None and out:
            out = self.restorer.feed(out)
        return out

    def flush(self) -> str:
        out = self.scanner.flush()
        self._raw.append(out)
        if self.restorer is not None:
            out = (self.restorer.feed(out) if out else "") + self.restorer.flush()
        return out
