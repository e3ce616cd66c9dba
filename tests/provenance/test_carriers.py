"""Where a governed output keeps its stamp: `AIText`, `AIDict`, pydantic results,
generators, and the SDK responses the transport saw (`ResponseStamps`)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

import responsible_ai as rai
from responsible_ai._provenance import ResponseStamps, sha256_text, sign_stamp, stamp_fields
from responsible_ai.testing import stand_in_answer

from .conftest import HMAC, MK, RING, SIGNED_CHECKS

pytestmark = pytest.mark.http


class Draft(BaseModel):
    title: str
    body: str


class TestGovernedResults:
    def test_str_dict_model_generator(self, signed_guard: rai.Guard) -> None:
        """str -> AIText, dict -> AIDict, pydantic -> provenance_of, generator -> .provenance."""

        @rai.governed(guard=signed_guard, **MK)
        def text() -> str:
            return rai.client().complete("a tagline").upper()

        @rai.governed(guard=signed_guard, **MK)
        def as_dict() -> dict[str, str]:
            return {"tagline": rai.client().complete("a tagline")}

        @rai.governed(guard=signed_guard, **MK)
        def as_model() -> Draft:
            return Draft(title="T", body=rai.client().complete("a tagline"))

        @rai.governed(guard=signed_guard, **MK)
        def chunks() -> Iterator[str]:
            for c in rai.client().stream("a tagline"):
                yield c.text

        @rai.governed(guard=signed_guard, **MK)
        def no_ai() -> str:
            return "written by hand"

        t = text()
        assert isinstance(t, rai.AIText) and t == stand_in_answer("a tagline").upper()
        assert rai.verify(t, keyring=RING).provenance_id == t.provenance.id
        assert t.provenance.previous_sha256 is not None
        d = as_dict()
        assert isinstance(d, rai.AIDict)
        assert rai.verify(d, keyring=RING).provenance_id == d.provenance.id
        m = as_model()
        stamp = rai.provenance_of(m)
        assert stamp is not None
        assert rai.verify(m, stamp, keyring=RING).provenance_id == stamp.id
        gen = chunks()
        joined = "".join(gen)
        stamp = rai.provenance_of(gen)
        assert stamp is not None
        assert rai.verify(joined, stamp, keyring=RING).checks == SIGNED_CHECKS
        plain = no_ai()
        assert type(plain) is str and rai.provenance_of(plain) is None
        assert type(t + "!") is str  # changed text is no longer the stamped text

    def test_ai_text_pickles_with_its_stamp(self, signed_guard: rai.Guard) -> None:
        """An `AIText` survives pickling as an `AIText` with the same stamp."""
        resp = signed_guard.chat("hi", **MK)
        assert resp.provenance is not None
        again = pickle.loads(pickle.dumps(rai.AIText(resp.text, resp.provenance)))
        assert isinstance(again, rai.AIText) and again == resp.text
        assert again.provenance == resp.provenance


def _stamp(text: str) -> rai.Provenance:
    fields = stamp_fields(
        provider="openai-prod", requested_model="gpt-4o-mini", served_model="gpt-4o-mini",
        use_case="marketing.copy", policy_id="p", policy_version="1", policy_sha256="0" * 64,
        prompt_sha256="0" * 64, output_sha256=sha256_text(text), redactions={},
        requires_review=True, disclosure=None, service=None,
    )  # fmt: skip
    return sign_stamp(fields, HMAC)


class TestResponseStamps:
    def test_an_id_names_a_stamp_only_with_its_text(self) -> None:
        """Under a reused id, each answer's text finds its own stamp and no other."""
        stamps = ResponseStamps()
        first, second = _stamp("first answer"), _stamp("second answer")
        stamps.remember("resp-1", first)
        stamps.remember("resp-1", second)
        assert stamps.get("resp-1", "first answer") is first
        assert stamps.get("resp-1", "second answer") is second
        assert stamps.get("resp-1", "a third answer") is None
        assert stamps.get("resp-1") is None  # no text: the id names two stamps
        assert stamps.get("resp-2", "first answer") is None and stamps.get(None) is None

    def test_without_text_the_id_must_name_one_stamp(self) -> None:
        """Where no text can be read (a stream chunk), an id's only stamp is returned."""
        stamps = ResponseStamps()
        only = _stamp("the answer")
        stamps.remember("resp-1", only)
        stamps.remember("", only)
        stamps.remember("resp-2", None)
        assert stamps.get("resp-1") is only
        assert stamps.get("resp-2") is None and stamps.get("") is None

    def test_bounded(self) -> None:
        """The oldest ids go first, and an id keeps its last `PER_ID` stamps."""
        stamps = ResponseStamps(size=2)
        a, b, c = _stamp("a"), _stamp("b"), _stamp("c")
        stamps.remember("id-a", a)
        stamps.remember("id-b", b)
        stamps.remember("id-c", c)
        assert stamps.get("id-a", "a") is None
        assert stamps.get("id-b", "b") is b and stamps.get("id-c", "c") is c
        texts = [f"answer {i}" for i in range(ResponseStamps.PER_ID + 1)]
        for text in texts:
            stamps.remember("id-c", _stamp(text))
        assert stamps.get("id-c", texts[0]) is None
        assert all(stamps.get("id-c", text) is not None for text in texts[1:])

    def test_provenance_of_reads_an_sdk_response_by_id_and_text(self) -> None:
        """`provenance_of` finds an SDK response's stamp by its id and its answer text."""
        from responsible_ai._provenance import responses

        class Message(BaseModel):
            content: str

        class Choice(BaseModel):
            message: Message

        class Completion(BaseModel):
            id: str
            choices: list[Choice]

        stamp = _stamp("the answer")
        responses.remember("chatcmpl-carriers-test", stamp)
        same = Completion(
            id="chatcmpl-carriers-test", choices=[Choice(message=Message(content="the answer"))]
        )
        other = Completion(
            id="chatcmpl-carriers-test", choices=[Choice(message=Message(content="another"))]
        )
        assert rai.provenance_of(same) is stamp
        assert rai.provenance_of(other) is None
