"""`Redactor`: detectors -> findings -> operators, for a text, a chat history or a whole
request body (walked along its shape by `_walker`)."""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, runtime_checkable

from .._entities import NAME_ENTITIES, PLACEHOLDER
from .._errors import ConfigurationError, PIIBlocked, RedactionFailed
from .._policy import PiiSettings
from .._shapes import CHAT_HISTORY, CONTENT, Shape
from ._conversation import SESSION_DETECTOR, unallowed, uncovered
from ._custom import RegexDetector
from ._findings import Finding, outside, resolve_overlaps
from ._known import ClientRecord, KnownValues, as_known
from ._names import KeyHints, NameDetector, is_english_word, names_someone
from ._normalize import NormalizedView, normalized
from ._operators import OperatorPlan, Operators
from ._passes import BodyPasses
from ._patterns import BUILTIN_ENTITIES, BuiltinDetector
from ._records import maybe_records
from ._session import TOKEN, PIISession
from ._walker import DocumentWalker, Redacted

__all__ = ["Detector", "RedactedDocument", "RedactedMessages", "Redaction", "Redactor"]


@runtime_checkable
class Detector(Protocol):
    """Anything that finds PII: a `name` and ``detect(text) -> Iterable[Finding]``.

    Plug in NER (names, addresses in free text) this way; `PresidioAnalyzerDetector`
    adapts presidio-analyzer. A detector that raises blocks the call (fail closed).
    """

    name: str

    def detect(self, text: str) -> Iterable[Finding]: ...


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
    Build one per policy and reuse it: it is thread-safe.

    What it keeps: no value, and no text in which anything was found. To skip scanning
    them again, it remembers up to 4,096 short texts (64 characters or fewer) in which
    no detector found anything: a conversation's tool names, schema words and short
    replies, which each of its requests repeats (docs/performance.md: it pays). Such a
    text may still hold what the detectors miss; it stays as long as the redactor does,
    or until the memo is full and emptied. Client records are matched in every text,
    remembered or not.
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
        # names never redacted on their own (the company's name, products, public figures)
        self._allow = _allow_list(settings)
        self._hints = KeyHints(frozenset(names), self._allow)  # JSON keys as evidence
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
        self._ops = Operators(settings)
        # short texts in which the detectors found nothing: see the class docstring
        self._clean: dict[str, None] = {}

    # ------------------------------------------------------------------ finding

    def scan(
        self,
        text: str,
        *,
        subject: ClientRecord | KnownValues | None = None,
        forged: bool = False,
        session: PIISession | None = None,
        records: bool = True,
    ) -> list[Finding]:
        """Findings at or above the threshold, overlaps resolved, in text order.

        Detection runs on the normalised view of `text` (zero-width characters dropped,
        compatibility forms, separators, common escapes decoded); positions are in
        `text`. With `forged`, text that looks like a placeholder is a finding too
        (``PLACEHOLDER``): an outgoing text must not carry a token that restore would
        take for one of this conversation's. With `session`, the names the conversation
        has met are found again wherever they recur (`PIISession.names_in`). A text that
        holds records (JSON, a table, "Key: value" lines) is read as the body walker reads
        it, keys as hints (`records=False`: the text alone, as the walker asks)."""
        if records and maybe_records(text):
            return self._walker(subject, forged, session).findings_in(text)
        view = normalized(text)
        target = text if view is None else view.text
        found: list[Finding] = self._find(target, subject, forged)
        if session is not None:
            names = session.names_in(target)
            found.extend(unallowed(names, target, self._allow) if self._allow else names)
        if view is not None:
            # positions back to the original; and the original itself is scanned too: a
            # dropped character can join a number to the word before it, hiding it from
            # the patterns' word boundaries in the view ("a\u200b4111 ...")
            found = [_remapped(f, view) for f in found] + self._find(
                text, subject, False, names=False
            )
        if session is not None and forged and found:  # its own placeholders, given to the
            found = _own_placeholders_pass(found, text, session)  # model earlier: unchanged
        if len(found) < 2:
            return found
        if subject is not None or self.known is not None or session is not None:
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
                Finding(PLACEHOLDER, m.start(), m.end(), 1.0, "placeholder")
                for m in TOKEN.finditer(target)
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
        if self.known is not None:
            self._detect([self.known], target, found)
        if subject is not None:  # the call's own client: refs of their own, so that each
            mine: list[Finding] = []  # finding's value is looked up in the record it matched
            self._detect(self._extra(subject)[-1:], target, mine)
            found.extend(
                Finding(f.entity_type, f.start, f.end, f.score, f.detector, _SUBJECT_REFS + f.ref)
                for f in mine
            )
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

    def _walker(
        self,
        subject: ClientRecord | KnownValues | None,
        forged: bool,
        session: PIISession | None,
    ) -> DocumentWalker:
        """The body walker over this redactor's detectors, for `scan` to read the records
        in a text as a body's are read (it finds; it rewrites nothing)."""
        return DocumentWalker(
            lambda text: self.scan(
                text, subject=subject, forged=forged, session=session, records=False
            ),
            lambda text, found: text,
            self._hints,
            self.settings.non_text == "pass",
            None if session is None else session.handle_names,
        )

    def _canonical(
        self, subject: KnownValues | None, session: PIISession
    ) -> Callable[[Finding], str | None]:
        """What each finding stands for: the canonical value of a client record's match
        (looked up in the record that matched: the redactor's or the call's), the full
        name of a part the conversation met before; else None (the text itself)."""
        mine = self.known

        def canonical(f: Finding) -> str | None:
            if f.detector == KnownValues.name and f.ref >= _SUBJECT_REFS:
                return subject.canonical(f.ref - _SUBJECT_REFS) if subject is not None else None
            if f.detector == KnownValues.name and mine is not None and f.ref >= 0:
                return mine.canonical(f.ref)
            if f.detector == SESSION_DETECTOR:
                return session.name_of(f.ref)
            return None

        return canonical

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
        learned = session.name_count()
        findings = self.scan(text, subject=known, forged=True, session=session)
        blocked: dict[str, int] = {}
        canonical = self._canonical(known, session)
        out = self._ops.rewrite(text, findings, session, plan, canonical, blocked)
        if blocked:
            self.refuse_blocked(blocked, plan)
        if session.name_count() != learned and (
            "{" in text or "[" in text or uncovered(session.names_in(text), findings)
        ):  # a name learned late in the text: its earlier mentions ("Hope ... Hope Okonkwo")
            findings = self.scan(text, subject=known, forged=True, session=session)
            out = self._ops.rewrite(text, findings, session, plan, canonical, blocked)
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
        known = as_known(subject)
        canonical = self._canonical(known, session)
        blocked: dict[str, int] = {}
        passes = BodyPasses(
            session,
            partial(self.scan, subject=known, forged=True, session=session, records=False),
            lambda text, found: self._ops.rewrite(text, found, session, plan, canonical, blocked),
        )
        walker = DocumentWalker(
            passes.find, passes.rewrite, self._hints, self.settings.non_text == "pass",
            passes.handles,
        )  # fmt: skip
        out = walker.walk(document, shape, root)
        if blocked:
            self.refuse_blocked(blocked, plan)
        if passes.stale():  # names this body taught, where they stood before they were learned
            walker.find, walker.handles, walker.found = passes.again, session.handle_names, []
            out = walker.walk(document, shape, root)
        return RedactedDocument(out, tuple(walker.found), session)

    def mask_document(
        self, document: Any, *, subject: ClientRecord | KnownValues | None = None
    ) -> RedactedDocument:
        """`document` (JSON data or a text) with every finding masked, never replaced by
        a placeholder and never restored: for text that reaches exceptions and logs (a
        provider's error body). Keys, strings and numbers are all content."""
        known = as_known(subject)
        walker = DocumentWalker(
            lambda text: self.scan(text, subject=known, records=False),
            self.mask_output,
            self._hints,
            True,
        )
        out = walker.walk(document, CONTENT, "error")
        return RedactedDocument(out, tuple(walker.found), PIISession())

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


_SUBJECT_REFS = 1 << 40  # the refs of the call's own client record start here
_SURE = frozenset({KnownValues.name, SESSION_DETECTOR})


def _part(f: Finding) -> bool:
    """A sure finding that is one part of a name (a surname alone), not the name whole."""
    return f.score < 0.9 if f.detector == SESSION_DETECTOR else f.score <= 0.85


def _known_first(found: list[Finding], text: str) -> list[Finding]:
    """A client record's value, or a name the conversation met before, wins over the name
    detector's guess on the same words: "Ms Roe" is the record's <PERSON_1>, not a new
    person. The rest of the guess stays ("Jane Goodall" beside a record's "Jane":
    "Goodall" is still a person). But a part does not make another person of the same
    name its own: beside a record's Jane Smith, "John Smith" is John Smith, not John and
    <Jane Smith>; the guess wins where its first or last word is no sure finding's."""
    sure = [f for f in found if f.detector in _SURE]
    if not sure:
        return found
    guesses = [f for f in found if f.detector == NameDetector.name and f.entity_type == "PERSON"]
    if guesses:
        lost = _parts_of_others(sure, guesses, text)
        if lost:
            found = [f for f in found if f not in lost]
            sure = [f for f in sure if f not in lost]
    known = resolve_overlaps(sure)
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
        else:  # what is left of the guess, if it is a name ("Goodall"; not "Can")
            out.extend(
                p
                for p in outside(f, known, text, starts)
                if names_someone(word := text[p.start : p.end]) or not is_english_word(word.lower())
            )
    return out


def _own_placeholders_pass(found: list[Finding], text: str, session: PIISession) -> list[Finding]:
    """A placeholder this conversation gave the model comes back to it unchanged in later
    turns (an agent loop re-sends the history it wrote: its tool call holding
    ``<PERSON_1>`` stays as the model wrote it); only text that looks like a placeholder
    and is not one of this session's is replaced."""
    return [
        f for f in found if f.entity_type != PLACEHOLDER or not session.knows(text[f.start : f.end])
    ]


def _parts_of_others(sure: list[Finding], guesses: list[Finding], text: str) -> set[Finding]:
    """The sure part-findings inside a guessed person whose first or last word no sure
    finding covers and is a name of its own (see `_known_first`)."""
    lost: set[Finding] = set()
    ordered = sorted(sure, key=lambda f: f.start)
    starts = [f.start for f in ordered]
    for g in guesses:
        lo, hi = bisect.bisect_left(starts, g.start), bisect.bisect_left(starts, g.end)
        inside = [f for f in ordered[lo:hi] if f.end <= g.end]
        if not inside or not all(_part(f) for f in inside):
            continue
        if len(inside) == 1 and inside[0].start == g.start and inside[0].end == g.end:
            continue  # the same words: the record's
        words = text[g.start : g.end].split()
        head = any(f.start == g.start for f in inside) or not names_someone(words[0])
        tail = any(f.end == g.end for f in inside) or not names_someone(words[-1])
        if not (head and tail):
            lost.update(inside)
    return lost


def _remapped(f: Finding, view: NormalizedView) -> Finding:
    start, end = view.span(f.start, f.end)
    return Finding(f.entity_type, start, end, f.score, f.detector, f.ref)


_CLEAN_MAX = 64  # characters: what counts as a short text for the memo of clean texts
_CLEAN_SIZE = 4096  # texts kept (the memo is emptied when full)
