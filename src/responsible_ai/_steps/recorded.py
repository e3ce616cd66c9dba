"""What a record may carry of what a caller typed: the policy's own names in clear, any
other free text as a keyed hash (`_pseudonym`), as principals are.

- **Use-case tags.** A tag the policy names (in ``[use_cases]``, ``[access]``,
  ``[limits]`` or ``[provenance.credentials]``), or a tag above one, is recorded as it
  is. Any other tag is
  recorded as the most specific tag above it that the policy names, followed by one
  segment ``p-`` and 16 hex digits of a keyed hash of the whole tag
  (``engineering.client-4111…`` → ``engineering.p-3f9a0c2b7d1e4a56``): the rule that
  decided is readable, the same tag gives the same record, and whatever a caller put
  in the rest of the tag (a client's name, an account number) is not written anywhere.
  A string that is not a tag at all is recorded as ``<not a tag>``.
- **Consent.** Its subject (kind ``subject``, as the evidence store links data subjects)
  and its reference (kind ``consent_reference``) are pseudonyms; scope and times stay.
- **Roles and teams.** A group the policy's ``[access]`` rules name stays in clear; any
  other is a pseudonym (kind ``role`` / ``team``).
- **Model names.** A model the policy names exactly, or one that passed the redact
  step's model check (`RedactStep`: a model identifier in which the detectors and the
  call's known values find nothing), is recorded as it is; any other — a name refused
  there, or one that was never scanned because the call was refused first, or any name
  when PII redaction is off — is recorded as ``<refused model name>``.

The records are the audit events, spans, metrics, stamps, evidence and refusals' messages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from .._policy import TAG_PATTERN, Policy, parents
from .._pseudonym import Pseudonymizer, default_pseudonymizer
from .._usecases import Consent

__all__ = ["NOT_A_TAG", "REFUSED_MODEL", "RecordedForms"]

NOT_A_TAG = "<not a tag>"
REFUSED_MODEL = "<refused model name>"
_TAG = re.compile(TAG_PATTERN)
_MEMO_SIZE = 4096


class RecordedForms:
    """The recorded forms of one policy's tags, consents and groups. `pseudonyms` gives
    the pseudonymizer (the pipeline's: the same key as its principals')."""

    def __init__(
        self, policy: Policy, pseudonyms: Callable[[], Pseudonymizer] = default_pseudonymizer
    ) -> None:
        uc, access = policy.use_cases, policy.access
        credentials = policy.provenance.credentials
        named = (
            *uc.rules, *uc.blocked, *access.use_cases,
            *(rule.use_case for rule in policy.limits.rules),
            *(credentials.use_cases if credentials is not None else ()),
        )  # fmt: skip
        self.tags = frozenset(level for tag in named for level in parents(tag))
        rules = (*access.use_cases.values(), *access.providers.values())
        self.groups = {
            "role": frozenset(
                g for r in rules
                for g in (*(r.roles or ()), *r.deny_roles, *(r.automation_roles or ()))
            ),
            "team": frozenset(g for r in rules for g in (*(r.teams or ()), *r.deny_teams)),
        }  # fmt: skip
        self.pseudonyms = pseudonyms
        self._tags: dict[str, str] = {}
        self.listed = frozenset(
            m for p in policy.providers for m in p.models if not any(c in m for c in "*?[")
        )
        self.models: set[str] = set()  # passed the model check (the redact step adds them)

    def model(self, name: str) -> str:
        """The recorded form of a caller's model name."""
        return name if name in self.listed or name in self.models else REFUSED_MODEL

    def tag(self, tag: str) -> str:
        """The recorded form of a caller's use-case tag."""
        if not isinstance(tag, str):
            return NOT_A_TAG
        found = self._tags.get(tag)
        if found is None:
            found = self._tag(tag)
            if len(self._tags) < _MEMO_SIZE:
                self._tags[tag] = found
        return found

    def _tag(self, tag: str) -> str:
        if tag in self.tags:
            return tag
        if not _TAG.fullmatch(tag):
            return NOT_A_TAG
        above = next((level for level in parents(tag)[1:] if level in self.tags), None)
        hashed = self.pseudonyms().tag("use_case", tag)
        return hashed if above is None else f"{above}.{hashed}"

    def consent(self, consent: Consent | None) -> Consent | None:
        """`consent` as records carry it: subject and reference pseudonymised."""
        if consent is None:
            return None
        p = self.pseudonyms()
        return dataclasses.replace(
            consent,
            subject=p.pseudonym("subject", consent.subject),
            scope=self.tag(consent.scope),
            reference=(
                None if consent.reference is None
                else p.pseudonym("consent_reference", consent.reference)
            ),
        )  # fmt: skip

    def group(self, kind: str, names: tuple[str, ...]) -> tuple[str, ...]:
        """Roles or teams (`kind`) as records carry them: the policy's in clear."""
        declared = self.groups[kind]
        if all(n in declared for n in names):
            return names
        p = self.pseudonyms()
        return tuple(n if n in declared else p.pseudonym(kind, n) for n in names)
