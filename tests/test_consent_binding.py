"""Consent is bound to its data subject and to a validity window (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

import responsible_ai as rai

CALL = {"use_case": "client.support", "provider": "openai-prod", "model": "gpt-4o-mini"}
JANE = rai.ClientRecord(id="client-42", name="Jane Roe")
JOHN = rai.ClientRecord(id="client-77", name="John Doe")


@pytest.fixture
def guard(make_policy: Callable[..., rai.Policy]) -> rai.Guard:
    return rai.Guard(make_policy())


def _prepare(guard: rai.Guard, consent: rai.Consent, subject: object = JANE) -> rai.Prepared:
    return guard.prepare("Draft a reply.", consent=consent, subject=subject, **CALL)


def test_consent_for_one_client_does_not_cover_another(guard: rai.Guard) -> None:
    consent = rai.Consent(subject="client-42", scope="client.support")
    assert _prepare(guard, consent).decision.outcome == "allowed"
    with pytest.raises(rai.ConsentRequired, match="another data subject"):
        _prepare(guard, consent, JOHN)
    with pytest.raises(rai.ConsentRequired, match="another data subject"):
        _prepare(guard, consent, rai.KnownValues([JANE, JOHN]))  # one consent, two clients
    with pytest.raises(rai.ConsentRequired, match="no id"):
        _prepare(guard, consent, rai.ClientRecord(name="Jane Roe"))


def test_consent_is_valid_only_in_its_window(guard: rai.Guard) -> None:
    now = datetime.now(UTC)
    future = rai.Consent(subject="client-42", scope="client", obtained_at=now + timedelta(days=30))
    with pytest.raises(rai.ConsentRequired, match="future"):
        _prepare(guard, future)
    expired = rai.Consent(subject="client-42", scope="client",
                          obtained_at=now - timedelta(days=400), expires_at=now - timedelta(days=35))  # fmt: skip
    with pytest.raises(rai.ConsentRequired, match="expired"):
        _prepare(guard, expired)
    valid = rai.Consent(subject="client-42", scope="client",
                        obtained_at=now - timedelta(days=1), expires_at=now + timedelta(days=1))  # fmt: skip
    kept = _prepare(guard, valid).decision.consent  # as records carry it: subject hashed
    assert kept is not None and kept.subject.startswith("p:") and "client-42" not in repr(kept)
    assert (kept.scope, kept.obtained_at, kept.expires_at) == ("client", valid.obtained_at,
                                                               valid.expires_at)  # fmt: skip


@pytest.mark.parametrize(
    "kw",
    [
        {"obtained_at": datetime(2026, 1, 1)},  # no time zone: ambiguous
        {"expires_at": datetime(2027, 1, 1)},
        {
            "obtained_at": datetime(2026, 5, 1, tzinfo=UTC),
            "expires_at": datetime(2026, 4, 1, tzinfo=UTC),
        },
        {"subject": 42},
    ],
)
def test_malformed_consent_records_are_errors(kw: dict[str, object]) -> None:
    with pytest.raises(rai.ConfigurationError):
        rai.Consent(**{"subject": "client-42", "scope": "client", **kw})  # type: ignore[arg-type]
