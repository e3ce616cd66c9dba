"""Keys, a signing Guard and forgeries shared by the provenance tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy

MK = {"use_case": "marketing.copy", "provider": "openai-prod", "model": "gpt-4o-mini"}
HMAC = rai.HmacSigner(b"k" * 32, kid="hmac-2026-11")
ED = rai.Ed25519Signer.generate(kid="ed-2026-11")
RING = rai.Keyring([HMAC, ED.verifier()])
SIGNED_CHECKS = ("schema", "signature", "output_hash")  # what `verify` checks of a signed stamp


@pytest.fixture
def signed_guard(server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[rai.Guard]:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "billing-letters")
    data = base_policy(server.base_url)
    data["policy"]["disclosure"] = "Drafted with AI assistance and reviewed by our team."
    with rai.Guard(rai.Policy.from_dict(data), signer=HMAC) as g:
        yield g


def tamper(stamp: rai.Provenance, **changes: Any) -> rai.Provenance:
    """`stamp` with fields changed (``policy__version`` for a nested one), signature kept."""
    data = stamp.model_dump(mode="json")
    for key, value in changes.items():
        node = data
        *head, last = key.split("__")
        for k in head:
            node = node[k]
        node[last] = value
    return rai.Provenance.model_validate(data)


def forged_approval(stamp: rai.Provenance, **sig: str | None) -> rai.Provenance:
    """`stamp` marked approved by "mallory", with its signature fields changed by `sig`."""
    data = stamp.model_dump(mode="json")
    data["review"] = {"status": "approved", "reviewer": "mallory", "at": None, "note": None}
    data["signature"] = {**data["signature"], **sig}
    return rai.Provenance.model_validate(data)
