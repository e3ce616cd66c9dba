"""Who an output was made for, in its stamp: the principal's pseudonym, roles and teams
(an automation's owner by pseudonym), under the signature; never the account id. The
field is optional and written only when present, so stamps made before it verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai.testing import FakeModelServer

from ..conftest import base_policy
from .conftest import HMAC, MK, RING, tamper

pytestmark = pytest.mark.http

OLD = json.loads((Path(__file__).parent / "stamp_before_principal.json").read_text())
CANARY_ID = "ada.lovelace@example.org"  # an account id: never in a stamp
CANARY_OWNER = "grace.hopper@example.org"
KEY = bytes(range(32))


@pytest.fixture
def guard(server: FakeModelServer) -> Any:
    governance = rai.Governance(
        rai.Policy.from_dict(base_policy(server.base_url)), signer=HMAC,
        pseudonymizer=rai.Pseudonymizer(KEY),
    )  # fmt: skip
    with rai.Guard(governance) as g:
        yield g


class TestStampsMadeBefore:
    def test_a_stamp_made_before_the_field_verifies_with_its_review_chain(self) -> None:
        """A stamp and its review, made by the library before stamps carried a principal,
        verify; parsed and written again, each is the same bytes (the canonical form did
        not change) and has no principal."""
        first, review = (rai.Provenance.from_json(s) for s in OLD["stamps"])
        result = rai.verify(OLD["text"], review, keyring=RING, chain=[first])
        assert result.checks == ("schema", "signature", "output_hash", "chain")
        for stamp, raw in zip((first, review), OLD["stamps"], strict=True):
            assert stamp.principal is None
            assert stamp.to_json() == rai.Provenance.from_json(raw).to_json()
            assert json.loads(stamp.to_json()) == raw and "principal" not in stamp.to_json()
        assert rai.Provenance.from_header(first.to_header()) == first

    def test_a_principal_added_to_an_old_stamp_breaks_its_signature(self) -> None:
        """Giving an old stamp a principal (or a null one, written out) changes what its
        signature covers: the check fails."""
        data = dict(OLD["stamps"][0])
        data["principal"] = {"pseudonym": "p:" + "A" * 22, "roles": ["admin"], "teams": [],
                             "owner": None}  # fmt: skip
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(OLD["text"], rai.Provenance.from_json(data), keyring=RING)
        assert info.value.check == "signature"
        data["principal"] = None  # an explicit null is the same as absent: still valid
        rai.verify(OLD["text"], rai.Provenance.from_json(data), keyring=RING)


class TestStampsWithAPrincipal:
    def test_the_stamp_says_who_by_pseudonym_with_roles_and_teams(self, guard: Any) -> None:
        """A call made for a principal is stamped with its pseudonym (the decision's),
        its roles and teams; the stamp verifies; the account id is nowhere in it."""
        alice = rai.Principal(CANARY_ID, roles=["marketer"], teams=["growth", "eu"])
        resp = guard.chat("Write a tagline.", principal=alice, **MK)
        stamp = resp.provenance
        assert stamp.principal is not None
        assert stamp.principal.pseudonym == resp.decision.principal
        assert stamp.principal.pseudonym.startswith("p:")
        assert (stamp.principal.roles, stamp.principal.teams) == (
            resp.decision.roles,
            resp.decision.teams,
        )  # groups the policy's access rules do not name: pseudonyms, as the principal
        assert all(g.startswith("p:") for g in (*stamp.principal.roles, *stamp.principal.teams))
        assert stamp.principal.owner is None
        for form in (stamp.to_json(), stamp.to_header(), json.dumps(stamp.model_dump())):
            assert CANARY_ID not in form and "ada.lovelace" not in form
        assert rai.verify(resp, keyring=RING).checks == ("schema", "signature", "output_hash")

    def test_an_automation_is_stamped_with_its_owner_by_pseudonym(self, guard: Any) -> None:
        """An automation's stamp names its owner by pseudonym, never in clear."""
        bot = rai.Principal("campaign-bot", roles=["sender"], owner=CANARY_OWNER)
        stamp = guard.chat("Write a tagline.", principal=bot, **MK).provenance
        assert stamp.principal.owner == guard.governance.pipeline.who.pseudonym(CANARY_OWNER)
        assert CANARY_OWNER not in stamp.to_json()

    def test_a_call_without_a_principal_is_stamped_as_before(self, guard: Any) -> None:
        """No principal: no field (the stamp has the form stamps always had)."""
        stamp = guard.chat("Write a tagline.", **MK).provenance
        assert stamp.principal is None and "principal" not in stamp.to_json()
        rai.verify_stamp(stamp, keyring=RING)

    @pytest.mark.parametrize(
        "change",
        [
            {"principal__pseudonym": "p:" + "B" * 22},
            {"principal__roles": ["marketer", "admin"]},
            {"principal__teams": []},
            {"principal__owner": "p:" + "C" * 22},
            {"principal": None},  # the principal removed
        ],
        ids=["pseudonym", "roles", "teams", "owner", "removed"],
    )
    def test_tampering_with_the_principal_breaks_the_signature(
        self, guard: Any, change: dict[str, Any]
    ) -> None:
        """Any change to the principal — who, their groups, their owner, or its removal —
        fails the signature check."""
        alice = rai.Principal(CANARY_ID, roles=["marketer"], teams=["growth"])
        resp = guard.chat("Write a tagline.", principal=alice, **MK)
        forged = tamper(resp.provenance, **change)
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.verify(resp.text, forged, keyring=RING)
        assert info.value.check == "signature"

    def test_a_review_keeps_the_principal_under_its_own_signature(self, guard: Any) -> None:
        """A review chained to a stamp carries its principal on, and the chain verifies."""
        alice = rai.Principal(CANARY_ID, roles=["marketer"])
        resp = guard.chat("Write a tagline.", principal=alice, **MK)
        stamp = rai.review(
            resp, reviewer="reviewer-7", decision="approved", signer=HMAC, keyring=RING,
            audit=lambda event: None, evidence=False,
        )  # fmt: skip
        assert stamp.principal == resp.provenance.principal and stamp.principal is not None
        rai.verify(resp.text, stamp, keyring=RING, chain=[resp.provenance])

    def test_a_stamp_with_an_account_id_in_place_of_a_pseudonym_does_not_parse(self) -> None:
        """The field takes pseudonyms only: a stamp naming an account is refused when read."""
        data = json.loads(rai.Provenance.from_json(OLD["stamps"][0]).to_json())
        data["principal"] = {"pseudonym": CANARY_ID, "roles": [], "teams": [], "owner": None}
        with pytest.raises(rai.ProvenanceInvalid) as info:
            rai.Provenance.from_json(data)
        assert info.value.check == "schema" and CANARY_ID not in str(info.value)
