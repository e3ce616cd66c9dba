"""`Redactor`: detectors -> findings -> operators, for texts and whole chat histories."""

from __future__ import annotations

import bisect
import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import orjson

from .._entities import NAME_ENTITIES
from .._errors import ConfigurationError, PIIBlocked, RedactionFailed
from .._policy import PiiRule, PiiSettings
from .._shapes import (
    CHAT_HISTORY,
    Content,
    Each,
    Fields,
    JsonText,
    Parts,
    Shape,
    Structural,
)
from ._custom import RegexDetector
from ._findings import Finding, outside, resolve_overlaps, trimmed
from ._known import ClientRecord, KnownValues, as_known
from ._lexicon import lexicon
from ._names import NameDetector
from ._normalize import NormalizedView, normalized
from ._operators import aes_key, encrypt, hash_value, mask, salt_of
from ._patterns import BUILTIN_ENTITIES, BuiltinDetector
from ._session import PLACEHOLDER, PIISession

FORGED = "PLACEHOLDER"
"""The entity type of input text that looks like a placeholder: always replaced by a
placeholder of its own, so restore gives back the literal text, never a client value."""

__all__ = [
    "FORGED",
    "Detector",
    "OperatorPlan",
    "Redacted",
    "RedactedDocument",
    "RedactedMessages",
    "Redaction",
    "Redactor",
]


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
    restore_tools: frozenset[str] = frozenset()  # tools whose arguments get real values

    def operator(self, entity_type: str) -> str:
        return self.operators.get(entity_type, self.default)

    def restores_into(self, tool: str) -> bool:
        """Whether restore may write client values into a call of `tool` (the policy's
        ``restore_tools`` names it, or is ``["*"]``); by default into no tool."""
        return tool in self.restore_tools or "*" in self.restore_tools

    def merged(self, rule: PiiRule, key: str) -> OperatorPlan:
        return OperatorPlan(
            default=rule.default_operator or self.default,
            operators={**self.operators, **rule.operators},
            restore=self.restore if rule.restore is None else rule.restore,
            output=rule.output or self.output,
            rule=key,
            restore_tools=self.restore_tools
            if rule.restore_tools is None
            else frozenset(rule.restore_tools),
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


def _counts(found: tuple[Redacted, ...]) -> dict[str, int]:
    """Findings by entity type (never a value)."""
    return dict(Counter(r.finding.entity_type for r in found)) if found else {}


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
        return _counts(self.findings)

    def __repr__(self) -> str:
        return f"RedactedMessages({len(self.messages)} messages, {len(self.findings)} findings)"


@dataclass(frozen=True, slots=True, repr=False)
class RedactedDocument:
    """A redacted JSON document (a request body): `document` as it may leave, and what
    was found where (paths such as ``messages[0].content``, ``tools[0].function.description``)."""

    document: Any
    findings: tuple[Redacted, ...]
    session: PIISession

    @property
    def counts(self) -> dict[str, int]:
        return _counts(self.findings)

    def __repr__(self) -> str:
        return f"RedactedDocument({len(self.findings)} findings)"


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
        if settings is not None and not isinstance(settings, PiiSettings):
            raise TypeError(
                "Redactor takes PiiSettings (policy.pii, or PiiSettings.model_validate({...})), "
                f"got {type(settings).__name__}"
            )
        if known is not None and not isinstance(known, KnownValues):
            raise TypeError(f"known must be a KnownValues, got {type(known).__name__}")
        self.settings = settings = settings or PiiSettings()
        builtin = (
            None
            if settings.entities is None
            else [e for e in settings.entities if e in BUILTIN_ENTITIES]
        )
        self._detectors: list[Detector] = [BuiltinDetector(builtin)]
        names = (
            list(NAME_ENTITIES)
            if settings.entities is None
            else [e for e in settings.entities if e in NAME_ENTITIES]
        )
        if names:  # people, places, organisations: the word lists load once per process
            self._detectors.append(NameDetector(names))
        self._name_types = frozenset(names)
        # names never redacted on their own (the company's name, products, public figures)
        self._allow = _allow_list(settings)
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
        self._structural = [d for d in self._detectors if not isinstance(d, NameDetector)]
        self.known = known
        self.threshold = settings.threshold
        self.policy_id = policy_id
        self.policy_version = policy_version
        self.plan = OperatorPlan(
            default=settings.default_operator,
            operators=dict(settings.operators),
            restore=settings.restore,
            output=settings.output,
            restore_tools=frozenset(settings.restore_tools),
        )
        self._ops = _Operators(settings)
        # short texts in which the detectors found nothing (tool names, schema words, roles
        # of a conversation's every request): found nothing again without a scan
        self._clean: dict[str, None] = {}

    # ------------------------------------------------------------------ finding

    def scan(
        self,
        text: str,
        *,
        subject: ClientRecord | KnownValues | None = None,
        forged: bool = False,
    ) -> list[Finding]:
        """Findings at or above the threshold, overlaps resolved, in text order.

        Detection runs on the normalised view of `text` (zero-width characters dropped,
        compatibility forms, separators, common escapes decoded); positions are in
        `text`. With `forged`, text that looks like a placeholder is a finding too
        (``PLACEHOLDER``): an outgoing text must not carry a token that restore would
        take for one of this conversation's."""
        view = normalized(text)
        found: list[Finding] = self._find(text if view is None else view.text, subject, forged)
        if view is not None:
            # positions back to the original; and the original itself is scanned too: a
            # dropped character can join a number to the word before it, hiding it from
            # the patterns' word boundaries in the view ("a\u200b4111 ...")
            found = [_remapped(f, view) for f in found] + self._find(
                text, subject, False, names=False
            )
        if len(found) < 2:
            return found
        if subject is not None or self.known is not None:
            found = _known_first(found, text)
        return resolve_overlaps(found, text)

    def _find(
        self,
        target: str,
        subject: ClientRecord | KnownValues | None,
        forged: bool,
        names: bool = True,
    ) -> list[Finding]:
        found: list[Finding] = []
        if forged and "<" in target:
            found.extend(
                Finding(FORGED, m.start(), m.end(), 1.0, "placeholder")
                for m in PLACEHOLDER.finditer(target)
            )
        short = len(target) <= _CLEAN_MAX
        clean = self._clean
        if not (short and target in clean):  # short texts the detectors passed: not again
            # the original beside the view is for patterns a dropped character breaks;
            # names are read in the view only (it folds what hides a name)
            detectors = self._detectors if names else self._structural
            self._detect(detectors, target, found)
            if self._allow and found:
                allow = self._allow
                found[:] = [
                    f
                    for f in found
                    if f.entity_type not in allow
                    or target[f.start : f.end].casefold() not in allow[f.entity_type]
                ]
            if short and not found and names:
                if len(clean) >= _CLEAN_SIZE:
                    clean.clear()
                clean[target] = None
        if subject is not None or self.known is not None:
            self._detect(self._extra(subject), target, found)
        return found

    def _detect(self, detectors: Sequence[Any], text: str, found: list[Finding]) -> None:
        threshold = self.threshold
        for det in detectors:
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

    def _extra(self, subject: ClientRecord | KnownValues | None) -> list[KnownValues]:
        """The known values of this redactor and of the call's subject."""
        if subject is None and self.known is None:
            return []
        extra = [self.known] if self.known is not None else []
        if subject is not None:
            extra.append(subject if isinstance(subject, KnownValues) else KnownValues([subject]))
        return extra

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
        known = as_known(subject)
        findings = self.scan(text, subject=known, forged=True)
        blocked: dict[str, int] = {}
        out = self._apply(text, findings, session, plan, known, blocked)
        if blocked:
            self.refuse_blocked(blocked, plan)
        return Redaction(out, tuple(findings), session)

    def redact_messages(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        plan: OperatorPlan | None = None,
    ) -> RedactedMessages:
        """Redact a chat history in OpenAI or Anthropic shape: every string, object key and
        number is content except roles, part types and tool names (tool-call arguments
        are JSON: their keys and values are content). Non-text parts (images, audio,
        files) are refused unless the policy's ``pii.non_text`` is ``pass``."""
        red = self.redact_document(
            list(messages), CHAT_HISTORY, root="messages", subject=subject, session=session,
            plan=plan,
        )  # fmt: skip
        return RedactedMessages(red.document, red.findings, red.session)

    def redact_document(
        self,
        document: Any,
        shape: Shape,
        *,
        root: str = "body",
        subject: ClientRecord | KnownValues | None = None,
        session: PIISession | None = None,
        plan: OperatorPlan | None = None,
    ) -> RedactedDocument:
        """Redact a JSON document along `shape`, the allow-list of what in it is structure:
        everything else (strings, object keys, numbers) goes through the detectors.
        Raises `PIIBlocked` for a blocked entity type, `RedactionFailed` for a value that
        cannot be inspected (bytes, objects, non-text parts under ``non_text = refuse``)."""
        session = session if session is not None else PIISession()
        plan = plan or self.plan
        walker = _DocumentWalker(self, as_known(subject), session, plan)
        out = walker.walk(document, shape, root)
        if walker.blocked:
            self.refuse_blocked(walker.blocked, plan)
        return RedactedDocument(out, tuple(walker.found), session)

    def _apply(
        self,
        text: str,
        findings: Sequence[Finding],
        session: PIISession,
        plan: OperatorPlan,
        known: KnownValues | None,
        blocked: dict[str, int],
    ) -> str:
        if not findings:
            return text
        pieces: list[str] = []
        pos = 0
        for f in findings:
            op = "replace" if f.entity_type == FORGED else plan.operator(f.entity_type)
            if op == "keep":
                continue
            if op == "block":
                blocked[f.entity_type] = blocked.get(f.entity_type, 0) + 1
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

    def refuse_blocked(
        self, blocked: Mapping[str, int], plan: OperatorPlan, where: str = "prompt"
    ) -> None:
        """Raise `PIIBlocked` when `blocked` counts any finding (never a value)."""
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


# keys of a tool call's arguments (or any JSON content) whose value is a name: the value
# is that name whole, though alone it would be only a word ("Grace", "Hopper", "Reading")
_HINTS: dict[str, str] = {
    key: kind
    for kind, keys in (
        (
            "PERSON",
            """
            name fullname firstname first givenname given forename lastname last surname
            familyname middlename maidenname nickname customername clientname contactname
            recipientname sendername patientname employeename holdername accountholder
            accountname cardholder cardholdername beneficiary beneficiaryname payee
            payeename payer payername applicant applicantname owner ownername spouse
            guardian nextofkin emergencycontact person personname signatory attendee
            passenger guest tenant borrower debtor creditor customer client contact author
            assignee reporter fname lname prenom vorname nachname apellido nombre nome
            cognome
            """,
        ),
        (
            "LOCATION",
            """
            city town village locality county state province region country street
            streetname streetaddress address addressline1 addressline2 address1 address2
            line1 line2 postaltown birthplace placeofbirth hometown residence
            """,
        ),
        (
            "ORGANIZATION",
            """
            company companyname employer employername organisation organization org
            orgname business businessname firm bank bankname school university hospital
            insurer vendor supplier merchant
            """,
        ),
    )
    for key in keys.split()
}
_NAME_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['\u2019\-.][^\W\d_]+)*\.?")
_ADDRESS_KEYS = frozenset(
    "street streetaddress address addressline1 addressline2 address1 address2 line1 line2".split()  # noqa: SIM905
)


def _key_kind(key: Any) -> tuple[str, bool] | None:
    """The name type a key names ("first_name", "Surname", "attendees"), and whether it
    names a street address (whose value may hold a house number); or None."""
    if not isinstance(key, str) or len(key) > 40:
        return None
    folded = re.sub(r"[\W_]", "", key).lower()
    if folded not in _HINTS and folded.endswith("s"):
        folded = folded[:-1]  # "attendees", "names"
    kind = _HINTS.get(folded)
    return None if kind is None else (kind, folded in _ADDRESS_KEYS)


def _name_shaped(value: Any, address: bool) -> bool:
    """Whether a value has a name's shape: every word a known name or place, or
    capitalised (not a code in capitals); with `address`, one house number too
    ("Hopper", "grace", "Acme", "12 Harbour Road"; not "open", "README", "us-east-1")."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    view = normalized(text)
    if view is not None:
        text = view.text.strip()  # "Hopper\u200b" is Hopper
    if not 3 <= len(text) <= 120:
        return False
    lex = lexicon()
    number = False
    for w in re.split(r"[\s,]+", text):
        if not w:
            continue
        if w[0].isdigit() and address and not number:
            number = True  # "12 Harbour Road": one house number
            continue
        if not _NAME_WORD.fullmatch(w):
            return False
        key_form = w[:1].upper() + w[1:].lower()
        known = key_form in lex.first or key_form in lex.last or key_form in lex.places
        if not known and (w[0].islower() or (len(w) > 1 and w.isupper())):
            return False  # "main", "README": a word or a code; "Hopper", "grace": names
    return True


def _allow_list(settings: PiiSettings) -> dict[str, frozenset[str]]:
    """`pii.allow` by name type, in case-folded form. A term in which a built-in pattern
    finds an identifier is refused: the list is for names, never for a card or an e-mail."""
    by_type = settings.allow
    every = {t for kinds in by_type.values() for t in kinds}
    if every:
        patterns = Redactor(PiiSettings(entities=[e for e in BUILTIN_ENTITIES if e != "URL"]))
        for term in sorted(every):
            hit = next(iter(patterns.scan(term)), None)
            if hit is not None:
                raise ConfigurationError(
                    f"pii.allow holds a term in which an identifier ({hit.entity_type}) is "
                    "found: the list is for names (products, the company's own name, public "
                    "figures), never for identifiers"
                )
    return {
        kind: frozenset(t.casefold() for t in kinds) for kind, kinds in by_type.items() if kinds
    }


def _known_first(found: list[Finding], text: str) -> list[Finding]:
    """A client record's value wins over the name detector's guess on the same words:
    "Ms Roe" is the record's <PERSON_1>, not a new person. The rest of the guess stays
    ("Jane Goodall" beside a record's "Jane": "Goodall" is still a person)."""
    known = resolve_overlaps([f for f in found if f.detector == "known"])
    if not known:
        return found
    starts = [s.start for s in known]
    reach = list(itertools.accumulate((s.end for s in known), max))  # furthest end so far

    def covered(f: Finding) -> bool:
        i = bisect.bisect_left(starts, f.end)  # known spans starting before f ends
        return i > 0 and reach[i - 1] > f.start

    out: list[Finding] = []
    for f in found:
        if f.detector != NameDetector.name or not covered(f):
            out.append(f)
        else:
            out.extend(outside(f, known, text, starts))
    return out


def _remapped(f: Finding, view: NormalizedView) -> Finding:
    start, end = view.span(f.start, f.end)
    return Finding(f.entity_type, start, end, f.score, f.detector, f.ref)


class _Operators:
    """The operators: our placeholders, and mask, hash and encrypt (`_operators`)."""

    def __init__(self, settings: PiiSettings) -> None:
        self.settings = settings
        self._salt: bytes | None = None
        self._key: bytes | None = None
        if settings.hash_salt_env:
            self._salt = salt_of(os.environ.get(settings.hash_salt_env), settings.hash_salt_env)
        if settings.encrypt_key_env:
            self._key = aes_key(os.environ.get(settings.encrypt_key_env), settings.encrypt_key_env)

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
                return mask(value, m.masking_char, m.chars_to_mask or None, m.from_end)
            if op == "hash":
                return hash_value(value, self._salt)
            if op == "encrypt":
                if not self._key:
                    raise ConfigurationError(
                        f"the encrypt operator needs a key in ${self.settings.encrypt_key_env}"
                    )
                return encrypt(value, self._key)
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


Path = tuple[Any, ...] | str  # (parent, key) links, made into text only for a finding


def _path_text(path: Path) -> str:
    keys: list[Any] = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(key)
    out = [path]
    for key in reversed(keys):
        out.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(out)


_CLEAN_MAX = 64  # characters: what counts as a short text for the memo of clean texts
_CLEAN_SIZE = 4096  # texts kept (the memo is emptied when full)

MAX_DEPTH = 64  # objects and arrays nested deeper than this are refused, not walked

# what a media part carries as its payload: a base64 data URL, or base64 alone
_MEDIA = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]*|[A-Za-z0-9+/]{256,}={0,2}")


class _DocumentWalker:
    """Walks a JSON document along its `Shape`: structure passes, content is redacted."""

    def __init__(
        self, redactor: Redactor, known: KnownValues | None, session: PIISession, plan: OperatorPlan
    ) -> None:
        self.r = redactor
        self.known = known
        self.session = session
        self.plan = plan
        self.non_text_pass = redactor.settings.non_text == "pass"
        self.blocked: dict[str, int] = {}
        self.found: list[Redacted] = []

    def walk(self, value: Any, shape: Shape, path: Path, depth: int = 0) -> Any:
        kind = type(shape)
        if kind is Fields:
            fields_shape: Fields = shape  # type: ignore[assignment]
            if not isinstance(value, Mapping):
                return self.content(value, path, depth)
            if depth > MAX_DEPTH:
                return self.refuse(path, f"data nested more than {MAX_DEPTH} levels deep")
            depth += 1
            fields = fields_shape.fields
            out: dict[Any, Any] = {}
            for key, item in value.items():
                sub = fields.get(key)
                if sub is None:  # a key that is content: a path names it as it is sent
                    sent = self.key(key, path)
                    out[sent] = self.walk(item, fields_shape.rest, (path, sent), depth)
                    continue
                sub_kind = type(sub)
                if sub_kind is Structural and sub.check(item):  # type: ignore[attr-defined]
                    out[key] = item  # the common leaf, inline
                elif type(item) is str and (sub_kind is Content or sub_kind is Parts):
                    out[key] = self.text(item, (path, key))  # ... and this one
                else:
                    out[key] = self.walk(item, sub, (path, key), depth)
            return out
        if kind is Each:
            each: Each = shape  # type: ignore[assignment]
            if not isinstance(value, list):
                return self.walk(value, each.single, path, depth)
            if depth > MAX_DEPTH:
                return self.refuse(path, f"data nested more than {MAX_DEPTH} levels deep")
            item_shape = each.item
            return [self.walk(v, item_shape, (path, i), depth + 1) for i, v in enumerate(value)]
        if kind is Content:
            return self.content(value, path, depth)
        if kind is Structural:
            leaf: Structural = shape  # type: ignore[assignment]
            return value if leaf.check(value) else self.content(value, path, depth)
        if kind is Parts:
            return self.parts(value, shape, path, depth)  # type: ignore[arg-type]
        if kind is JsonText:
            return self.json_text(value, path, depth)
        raise TypeError(f"unknown shape {kind.__name__}")  # a library bug, never data

    def content(self, value: Any, path: Path, depth: int = 0, media: bool = False) -> Any:
        if isinstance(value, str):
            if media and _MEDIA.fullmatch(value):
                return value  # the image, audio or file itself (pii.non_text = "pass")
            return self.text(value, path)
        if depth > MAX_DEPTH:
            return self.refuse(path, f"data nested more than {MAX_DEPTH} levels deep")
        depth += 1
        if isinstance(value, Mapping):
            obj: dict[str, Any] = {}
            for k, v in value.items():  # keys are content: a path names them as sent
                sent = self.key(k, path)
                hint = _key_kind(k) if self.r._name_types else None
                if hint is None or hint[0] not in self.r._name_types:
                    obj[sent] = self.content(v, (path, sent), depth, media)
                elif type(v) is list:  # {"attendees": ["Grace", "Hopper"]}
                    obj[sent] = [
                        self.text(item, ((path, sent), n), hint[0])
                        if _name_shaped(item, hint[1])
                        else self.content(item, ((path, sent), n), depth + 1, media)
                        for n, item in enumerate(v)
                    ]
                elif _name_shaped(v, hint[1]):
                    obj[sent] = self.text(v, (path, sent), hint[0])
                else:
                    obj[sent] = self.content(v, (path, sent), depth, media)
            return obj
        if isinstance(value, (list, tuple)):
            return [self.content(v, (path, i), depth, media) for i, v in enumerate(value)]
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):  # a number can be a phone, card or account
            whole = isinstance(value, int) or value.is_integer()
            text = str(int(value)) if whole and abs(value) < 1e30 else repr(value)
            out = self.text(text, path)
            return value if out is text else out
        if isinstance(value, (bytes, bytearray)) and self.non_text_pass:
            return value
        return self.refuse(path, type(value).__name__)

    def key(self, key: Any, path: Path) -> Any:
        if not isinstance(key, str):
            return self.refuse(path, f"a {type(key).__name__} object key")
        return self.text(key, (path, "<key>"))

    def text(self, value: str, path: Path, hint: str | None = None) -> str:
        findings = self.r.scan(value, subject=self.known, forged=True)
        if hint is not None and value.strip().casefold() not in self.r._allow.get(hint, ()):
            whole = trimmed(Finding(hint, 0, len(value), 0.9, "field"), 0, len(value), value)
            if whole:  # {"last_name": "Hopper"}: the key says what the value is
                findings = resolve_overlaps([*findings, *whole], value)
        if not findings:
            return value
        where = _path_text(path)
        self.found.extend(Redacted(where, f) for f in findings)
        return self.r._apply(value, findings, self.session, self.plan, self.known, self.blocked)

    def json_text(self, value: Any, path: Path, depth: int = 0) -> Any:
        """Tool-call arguments: a JSON document whose keys and values are content. It
        leaves as it was parsed and redacted (a key given twice leaves once: what was
        scanned is exactly what is sent)."""
        if not isinstance(value, str):
            return self.content(value, path, depth)
        try:
            data = orjson.loads(value)
        except orjson.JSONDecodeError:
            return self.text(value, path)
        out = self.content(data, path, depth)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"))

    def parts(self, value: Any, shape: Parts, path: Path, depth: int) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return self.text(value, path)
        if not isinstance(value, list):
            return self.content(value, path, depth)
        out: list[Any] = []
        for i, part in enumerate(value):
            where = (path, i)
            if isinstance(part, str):
                out.append(self.text(part, where))
                continue
            if not isinstance(part, Mapping):
                out.append(self.refuse(where, type(part).__name__))
                continue
            kind = part.get("type")
            if kind in shape.text or (kind is None and "text" in part):
                out.append(self.walk(part, _TEXT_PART, where, depth))
            elif kind in shape.non_text:
                if not self.non_text_pass:
                    out.append(self.refuse(where, str(kind)))
                else:  # the media passes; its URL, name, caption and any text are scanned
                    out.append(self.content(part, where, depth, media=True))
            elif isinstance(kind, str) and kind in shape.typed:
                out.append(self.walk(part, shape.typed[kind], where, depth))
            else:
                out.append(self.refuse(where, "a content part of an unknown part type"))
        return out

    def refuse(self, path: Path, kind: str) -> Any:
        raise RedactionFailed(
            f"{_path_text(path)} holds {kind}, which cannot be inspected for PII; nothing "
            "was sent (the policy's pii.non_text decides for images, audio and files)",
            detector="non_text",
            error_type=kind if len(kind) <= 40 else "uninspectable",
        )


_TEXT_PART = Fields({"type": Structural(lambda v: isinstance(v, str) and v.isidentifier())})
