"""The who step: the call's principal may use this use case and this provider — its
roles and teams, its kind (an automation needs an owner and may be held to stricter
rules) and its training records — and the decision carries who it was, pseudonymised.

The rules are the policy's ``[access]``: one per use-case tag (it holds for the tag and
every tag below it) and one per provider; every rule that matches a call must pass, so
the strictest wins. A refusal names the key that refused (``access.use_cases["hr"].roles``)
and never the principal's id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from .._call import Call
from .._errors import PrincipalNotAllowed, PrincipalRequired, TrainingRequired
from .._policy import AccessRule, Policy, Provider, parents
from .._principal import Principal
from .._pseudonym import Pseudonymizer
from .._training import TrainingLookup
from .._types import Decision
from .checks import PolicyChecks

__all__ = ["Who", "WhoChecks"]

_MEMO_SIZE = 4096


class Who(NamedTuple):
    """Who a call is for, as records may carry it: pseudonyms and groups."""

    principal: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    owner: str | None

    def on(self, decision: Decision) -> Decision:
        """`decision` saying who it was for."""
        return dataclasses.replace(
            decision, principal=self.principal, roles=self.roles, teams=self.teams,
            owner=self.owner,
        )  # fmt: skip


class WhoChecks:
    """The `[access]` rules, compiled per use case and provider; `pseudonyms` gives the
    pseudonymizer (asked for only when a principal appears), `training` the records."""

    def __init__(
        self,
        policy: Policy,
        checks: PolicyChecks,
        pseudonyms: Callable[[], Pseudonymizer],
        training: TrainingLookup | None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.access = policy.access
        self.checks = checks
        self._pseudonyms = pseudonyms
        self._pseudonymizer: Pseudonymizer | None = None
        checks.recorded.pseudonyms = pseudonyms  # tags and consents: the principals' key
        self.training = training
        self._now = now or (lambda: datetime.now(UTC))
        self._rules: dict[tuple[str, str], tuple[tuple[str, AccessRule], ...]] = {}

    def pseudonym(self, identifier: str) -> str:
        if self._pseudonymizer is None:
            self._pseudonymizer = self._pseudonyms()
        return self._pseudonymizer.pseudonym("principal", identifier)

    def who(self, principal: Principal | None) -> Who | None:
        """The recorded form of `principal` (None: no principal)."""
        if principal is None:
            return None
        owner = self.pseudonym(principal.owner) if principal.owner is not None else None
        groups = self.checks.recorded.group  # the policy's groups in clear, others hashed
        return Who(
            self.pseudonym(principal.id), groups("role", principal.roles),
            groups("team", principal.teams), owner,
        )  # fmt: skip

    def rules(self, use_case: str, provider: str) -> tuple[tuple[str, AccessRule], ...]:
        """The access rules that hold for a call, each with its key path."""
        key = (use_case, provider)
        found = self._rules.get(key)
        if found is None:
            by_tag = self.access.use_cases
            found = tuple(
                (f'access.use_cases["{tag}"]', by_tag[tag])
                for tag in reversed(parents(use_case))
                if tag in by_tag
            )
            rule = self.access.providers.get(provider)
            if rule is not None:
                found += ((f'access.providers["{provider}"]', rule),)
            if len(self._rules) < _MEMO_SIZE:
                self._rules[key] = found
        return found

    def check(self, call: Call, provider: Provider) -> Who | None:
        """Refuse the call unless its principal passes every rule; the recorded form of
        the principal (None: there is none, and no rule needs one)."""
        principal = call.principal
        rules = self.rules(call.use_case, provider.name)
        if principal is None:
            if rules:
                raise self.checks.violation(
                    PrincipalRequired, call,
                    "this use case or provider has access rules and the call has no principal "
                    "(pass principal= or bind one with rai.acting_as)",
                    rules[0][0],
                )  # fmt: skip
            if self.access.require_principal:
                raise self.checks.violation(
                    PrincipalRequired, call,
                    "every call needs a principal (pass principal= or bind one with "
                    "rai.acting_as)",
                    "access.require_principal",
                )  # fmt: skip
            return None
        if principal.automation and principal.owner is None:
            raise self.checks.violation(
                PrincipalNotAllowed, call, "an automation needs an owner (Principal(owner=...))",
                "access",
            )  # fmt: skip
        for path, rule in rules:
            self._rule(call, principal, path, rule)
        return self.who(principal)

    def _rule(self, call: Call, principal: Principal, path: str, rule: AccessRule) -> None:
        roles, teams = set(principal.roles), set(principal.teams)
        refuse = self.checks.violation
        if roles.intersection(rule.deny_roles):
            raise refuse(PrincipalNotAllowed, call, "a role of the principal is denied",
                         f"{path}.deny_roles")  # fmt: skip
        if teams.intersection(rule.deny_teams):
            raise refuse(PrincipalNotAllowed, call, "a team of the principal is denied",
                         f"{path}.deny_teams")  # fmt: skip
        if rule.roles is not None and not roles.intersection(rule.roles):
            raise refuse(PrincipalNotAllowed, call, "the principal has none of the roles allowed",
                         f"{path}.roles")  # fmt: skip
        if rule.teams is not None and not teams.intersection(rule.teams):
            raise refuse(PrincipalNotAllowed, call, "the principal is in none of the teams allowed",
                         f"{path}.teams")  # fmt: skip
        if principal.automation:
            if rule.automations == "deny":
                raise refuse(PrincipalNotAllowed, call, "automations may not make this call",
                             f"{path}.automations")  # fmt: skip
            if rule.automation_roles is not None and not roles.intersection(rule.automation_roles):
                raise refuse(
                    PrincipalNotAllowed, call, "the automation has none of the roles allowed",
                    f"{path}.automation_roles",
                )  # fmt: skip
        for course in rule.training:
            problem = self._training(principal, course)
            if problem is not None:
                raise refuse(TrainingRequired, call, f"course {course!r}: {problem}",
                             f"{path}.training", course=course)  # fmt: skip

    def _training(self, principal: Principal, course: str) -> str | None:
        if self.training is None:
            return (
                "no training records are configured (Governance(training=...) or RAI_TRAINING_FILE)"
            )
        try:
            record = self.training(principal.id, course)
        except Exception as exc:  # cannot decide: refuse
            return f"the training records could not be read ({type(exc).__name__})"
        if record is None:
            return "the principal has no record of it"
        if record.course != course:
            return "the record returned is for another course"
        return None if (why := record.problem(self._now())) is None else f"the record {why}"
