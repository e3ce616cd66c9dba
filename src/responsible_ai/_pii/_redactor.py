"""`Redactor`: detectors -> findings -> operators, for texts and whole chat histories."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from .._errors import ConfigurationError, PIIBlocked, RedactionFailed
from .._policy import PiiRule, PiiSettings
from ._custom import RegexDetector
from ._findings import Finding, resolve_overlaps
from ._known import ClientRecord, KnownValues
from ._patterns import BUILTIN_ENTITIES, BuiltinDetector
from ._session import PIISession

__all__ = ["Detector", "OperatorPlan", "Redacted", "RedactedMessages", "Redaction", "Redactor"]

NON_TEXT_PARTS = frozenset(
    {"image_url", "image", "input_image", "input_audio", "audio", "file", "input_file", "document"}
)
TEXT_PARTS = frozenset({"text", "input_text", "output_text"})


@runtime_checkable
class Detector(Protocol):
    """Anything that finds PII: a `name` and ``detect(text) -> Iterable[Finding]``.

    Plug in NER (names, addresses in free text) this way; `PresidioAnalyzerDetector`
    adapts presidio-analyzer. A detector that raises blocks the call (fail closed).
    """

    name: str

    def detect(self, text: str) -> Iterable[Finding]: ...


@dataclass(frozen=True, slots=True)
class OperatorPlan:
    """Which operator applies to each entity type, for one use case."""

    default: str = "replace"
    operators: Mapping[str, str] = field(default_factory=dict)
    restore: bool = False
    output: Literal["report", "mask", "block"] = "report"
    rule: str = "pii"

    def operator(self, entity_type: str) -> str:
        return self.operators.get(entity_type, self.default)

    def merged(self, rule: PiiRule, key: str) -> OperatorPlan:
        return OperatorPlan(
            default=rule.default_operator or self.default,
            operators={**self.operators, **rule.operators},
            restore=self.restore if rule.restore is None else rule.restore,
            output=rule.output or self.output,
            rule=key,
        )


@dataclass(frozen=True, slots=True, repr=False)
class Redaction:
    """One redacted text: `text` as it may leave, `findings` (positions in the original)."""

    text: str
    findings: tuple[Finding, ...]
    session: PIISession

    def restore(self, text: str) -> str:
        """Re-identify placeholders in `text` (an answer), locally."""
        return self.session.restore(text)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(f.entity_type for f in self.findings))

    def __repr__(self) -> str:
        return f"Redaction({len(self.findings)} findings: {self.counts})"


@dataclass(frozen=True, slots=True)
class Redacted:
    """Where a finding was in a message list (``messages[1].content[0].text``) and what."""

    path: str
    finding: Finding


@dataclass(frozen=True, slots=True, repr=False)
class RedactedMessages:
    """A redacted chat history: `messages` as they may leave, and what was found where."""

    messages: list[Any]
    findings: tuple[Redacted, ...]
    session: PIISession

    def restore(self, text: str) -> str:
        return self.session.restore(text)

    @property
    def counts(self) -> dict[str, int]:
        if not self.findings:
            return {}
        return dict(Counter(r.finding.entity_type for r in self.findings))

    def __repr__(self) -> str:
        return f"RedactedMessages({len(self.messages)} messages, {len(self.findings)} findings)"


class Redactor:
    """Finds PII with the built-in detectors, the policy's custom ones, known client
    values and any plugged-in `Detector`, and applies the policy's operators.

    ``Redactor()`` uses the defaults (every built-in entity, reversible placeholders).
    Build one per policy and reuse it: it is thread-safe and keeps no text.
    """

    def __init__(
        self,
        settings: PiiSettings | None = None,
        *,
        detectors: Sequence[Detector] = (),
        known: KnownValues | None = None,
        policy_id: str = "(no policy)",
        policy_version: str = "-",
    ) -> None:
        self.settings = settings = settings or PiiSettings()
        builtin = (
            None
            if settings.entities is None
            else [e for e in settings.entities if e in BUILTIN_ENTITIES]
        )
        self._detectors: list[Detector] = [BuiltinDetector(builtin)]
        self._detectors += [
            RegexDetector(d.name, d.regex, score=d.score, validator=d.validator, context=d.context)
            for d in settings.detectors
        ]
        for d in detectors:
            if not isinstance(d, Detector):
                raise ConfigurationError(
                    f"detectors must have a name and a detect(text) method, got {type(d).__name__}"
                )
        self._detectors += list(detectors)
        self.known = known
        self.threshold = settings.threshold
        self.policy_id = policy_id
        self.policy_version = policy_version
        self.plan = OperatorPlan(
            default=settings.default_operator,
            operators=dict(settings.operators),
            restore=settings.restore,
            output=settings.output,
        )
        self._ops = _Operators(settings)

    # ------------------------------------------------------------------ finding

    def scan(
        self, text: str, *, subject: ClientRecord | KnownValues | None = None
    ) -> list[Finding]:
        """Findings at or above the threshold, overlaps resolved, in text order."""
        threshold = self.threshold
        found: list[Finding] = []
        for det in self._sources(subject):
            failed: str | None = None
            try:
                found.extend(f for f in det.detect(text) if f.score >= threshold)
            except Exception as exc:  # fail closed: any detector error refuses the call
                failed = type(exc).__name__
            if failed is not None:  # raised outside the handler: the original error (which
                name = getattr(det, "name", type(det).__name__)  # may quote the text) is dropped
                raise RedactionFailed(
                    f"PII detector {name!r} failed ({failed}); the text was not sent",
                    detector=name,
                    error_type=failed,
                )
        if len(found) < 2:
            return found
        return resolve_overlaps(found)

    def _sources(self, subject: ClientRecord | KnownValues | None) -> list[Any]:
        if subject is None and self.known is None:
            return self._detectors  # the common case: read only, no copy
        sources: list[Any] = list(self._detectors)
        if self.known is not None:
            sources.append(self.known)
        if subject is not None:
            sources.append(subject if isinstance(subject, KnownValues) else KnownValues([subject]))
        return sources

    # ------------------------------------------------------------------ redacting

    def redact(
        self,
        text: str,
        *,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        plan: OperatorPlan | None = None,
    ) -> Redaction:
        """Redact one text. Raises `PIIBlocked` if it holds a blocked entity type."""
        session = session if session is not None else PIISession()
        plan = plan or self.plan
        known = _known_of(subject)
        findings = self.scan(text, subject=known)
        blocked: Counter[str] = Counter()
        out = self._apply(text, findings, session, plan, known, blocked)
        self._raise_blocked(blocked, plan)
        return Redaction(out, tuple(findings), session)

    def redact_messages(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        plan: OperatorPlan | None = None,
    ) -> RedactedMessages:
        """Redact a chat history in OpenAI or Anthropic shape: string contents, text
        parts, tool-call arguments (JSON, values only), tool results, tool inputs.
        Non-text parts (images, audio, files) are refused unless the policy's
        ``pii.non_text`` is ``pass``."""
        session = session if session is not None else PIISession()
        plan = plan or self.plan
        walker = _Walker(self, _known_of(subject), session, plan)
        out = [walker.message(m, f"messages[{i}]") for i, m in enumerate(messages)]
        self._raise_blocked(walker.blocked, plan)
        return RedactedMessages(out, tuple(walker.found), session)

    def _apply(
        self,
        text: str,
        findings: Sequence[Finding],
        session: PIISession,
        plan: OperatorPlan,
        known: KnownValues | None,
        blocked: Counter[str],
    ) -> str:
        if not findings:
            return text
        pieces: list[str] = []
        pos = 0
        for f in findings:
            op = plan.operator(f.entity_type)
            if op == "keep":
                continue
            if op == "block":
                blocked[f.entity_type] += 1
                continue
            value = text[f.start : f.end]
            canonical = None
            if f.ref >= 0 and f.detector == "known":
                source = known if known is not None else self.known
                if source is not None:
                    canonical = source.canonical(f.ref)
            pieces.append(text[pos : f.start])
            pieces.append(self._ops.apply(op, f.entity_type, value, session, canonical))
            pos = f.end
        pieces.append(text[pos:])
        return "".join(pieces)

    def _raise_blocked(
        self, blocked: Counter[str], plan: OperatorPlan, where: str = "prompt"
    ) -> None:
        if blocked:
            raise PIIBlocked(
                dict(blocked),
                rule=f"{plan.rule}.operators" if where == "prompt" else f"{plan.rule}.output",
                policy_id=self.policy_id,
                policy_version=self.policy_version,
                where=where,
            )

    def replace_output(self, text: str, findings: Sequence[Finding]) -> str:
        """`text` with each finding replaced by ``<ENTITY_TYPE>`` (for telemetry capture)."""
        if not findings:
            return text
        pieces: list[str] = []
        pos = 0
        for f in findings:
            if f.start < pos or f.end > len(text):
                continue
            pieces.append(text[pos : f.start])
            pieces.append(f"<{f.entity_type}>")
            pos = f.end
        pieces.append(text[pos:])
        return "".join(pieces)

    def mask_output(self, text: str, findings: Sequence[Finding]) -> str:
        """Mask PII a model produced on its own (not reversible)."""
        pieces: list[str] = []
        pos = 0
        for f in findings:
            pieces.append(text[pos : f.start])
            pieces.append(self._ops.apply("mask", f.entity_type, text[f.start : f.end], None, None))
            pos = f.end
        pieces.append(text[pos:])
        return "".join(pieces)


def _known_of(subject: ClientRecord | KnownValues | None) -> KnownValues | None:
    if subject is None or isinstance(subject, KnownValues):
        return subject
    if isinstance(subject, ClientRecord):
        return KnownValues([subject])
    raise ConfigurationError(f"subject must be a rai.ClientRecord, got {type(subject).__name__}")


class _Operators:
    """presidio-anonymizer's operators for what they do well, our placeholders for the rest."""

    def __init__(self, settings: PiiSettings) -> None:
        from presidio_anonymizer.operators import Encrypt, Hash, Mask

        self.settings = settings
        self._mask = Mask()
        self._hash = Hash()
        self._encrypt = Encrypt()
        self._salt: bytes | None = None
        self._key: str | None = None
        if settings.hash_salt_env:
            salt = os.environ.get(settings.hash_salt_env)
            if salt:
                self._salt = salt.encode()
        if settings.encrypt_key_env:
            self._key = os.environ.get(settings.encrypt_key_env)

    def apply(
        self,
        op: str,
        entity_type: str,
        value: str,
        session: PIISession | None,
        canonical: str | None,
    ) -> str:
        try:
            if op == "replace":
                if self.settings.reversible and session is not None:
                    return session.placeholder(entity_type, value, canonical)
                return f"<{entity_type}>"
            if op == "redact":
                return ""
            if op == "mask":
                m = self.settings.mask
                mask_params = {
                    "masking_char": m.masking_char,
                    "chars_to_mask": m.chars_to_mask or len(value),
                    "from_end": m.from_end,
                }
                return str(self._mask.operate(value, mask_params))
            if op == "hash":
                params: dict[str, Any] = {"hash_type": "sha256"}
                if self._salt is not None:
                    params["salt"] = self._salt
                return str(self._hash.operate(value, params))
            if op == "encrypt":
                if not self._key:
                    raise ConfigurationError(
                        f"the encrypt operator needs a key in ${self.settings.encrypt_key_env}"
                    )
                return str(self._encrypt.operate(value, {"key": self._key}))
        except ConfigurationError:
            raise
        except Exception as exc:  # fail closed
            failed = type(exc).__name__
        else:
            failed = "unknown operator"
        raise RedactionFailed(  # outside the handler: the original error may quote the value
            f"PII operator {op!r} failed on {entity_type} ({failed}); the text was not sent",
            detector=f"operator:{op}",
            error_type=failed,
        )


class _Walker:
    """Redacts every string a provider would see in OpenAI / Anthropic message shapes."""

    def __init__(
        self, redactor: Redactor, known: KnownValues | None, session: PIISession, plan: OperatorPlan
    ) -> None:
        self.r = redactor
        self.known = known
        self.session = session
        self.plan = plan
        self.blocked: Counter[str] = Counter()
        self.found: list[Redacted] = []

    def text(self, value: str, path: str) -> str:
        findings = self.r.scan(value, subject=self.known)
        if not findings:
            return value
        self.found.extend(Redacted(path, f) for f in findings)
        return self.r._apply(value, findings, self.session, self.plan, self.known, self.blocked)

    def json_text(self, value: str, path: str) -> str:
        """Tool-call arguments: a JSON document whose string values are redacted."""
        try:
            data = json.loads(value)
        except ValueError:
            return self.text(value, path)
        return json.dumps(self.value(data, path), ensure_ascii=False)

    def value(self, data: Any, path: str) -> Any:
        if isinstance(data, str):
            return self.text(data, path)
        if isinstance(data, dict):
            return {k: self.value(v, f"{path}.{k}") for k, v in data.items()}
        if isinstance(data, list):
            return [self.value(v, f"{path}[{i}]") for i, v in enumerate(data)]
        if data is None or isinstance(data, (bool, int, float)):
            return data
        return self.refuse(path, type(data).__name__)

    def refuse(self, path: str, kind: str) -> Any:
        raise RedactionFailed(
            f"{path} holds {kind} content, which cannot be inspected for PII; the policy's "
            "pii.non_text is 'refuse', so nothing was sent",
            detector="non_text",
            error_type=kind,
        )

    def content(self, content: Any, path: str) -> Any:
        if content is None:
            return None
        if isinstance(content, str):
            return self.text(content, path)
        if isinstance(content, list):
            return [self.part(p, f"{path}[{i}]") for i, p in enumerate(content)]
        if isinstance(content, (bytes, bytearray)):
            return content if self.r.settings.non_text == "pass" else self.refuse(path, "bytes")
        return self.refuse(path, type(content).__name__)

    def part(self, part: Any, path: str) -> Any:
        if isinstance(part, str):
            return self.text(part, path)
        if not isinstance(part, Mapping):
            return self.refuse(path, type(part).__name__)
        kind = part.get("type")
        out = dict(part)
        if kind in TEXT_PARTS or (kind is None and "text" in part):
            out["text"] = self.text(str(part.get("text", "")), f"{path}.text")
        elif kind == "tool_use":  # Anthropic: the model's tool input, echoed back in history
            out["input"] = self.value(part.get("input", {}), f"{path}.input")
        elif kind == "tool_result":
            out["content"] = self.content(part.get("content"), f"{path}.content")
        elif kind in NON_TEXT_PARTS:
            if self.r.settings.non_text != "pass":
                return self.refuse(path, str(kind))
        elif kind == "refusal":
            out["refusal"] = self.text(str(part.get("refusal", "")), f"{path}.refusal")
        else:
            return self.refuse(path, f"unknown part type {kind!r}")
        return out

    def message(self, message: Mapping[str, Any], path: str) -> dict[str, Any]:
        if not isinstance(message, Mapping):
            return self.refuse(path, type(message).__name__)
        out = dict(message)
        if "content" in message:
            out["content"] = self.content(message["content"], f"{path}.content")
        calls = message.get("tool_calls")
        if calls:
            new_calls = []
            for j, call in enumerate(calls):
                call = dict(call)
                fn = call.get("function")
                if isinstance(fn, Mapping) and isinstance(fn.get("arguments"), str):
                    call["function"] = {
                        **fn,
                        "arguments": self.json_text(
                            fn["arguments"], f"{path}.tool_calls[{j}].function.arguments"
                        ),
                    }
                new_calls.append(call)
            out["tool_calls"] = new_calls
        return out
