"""Sessions: one placeholder per value across messages and calls, never a value shown."""

from __future__ import annotations

import copy
import pickle

import pytest

import responsible_ai as rai

from .conftest import JANE


class TestSessions:
    def test_stable_across_messages_and_calls(self) -> None:
        """<PERSON_1> is the same person across messages and calls sharing a session."""
        r = rai.Redactor()
        session = rai.PIISession()
        a = r.redact_messages(
            [{"role": "user", "content": "I am Jane Roe"}], subject=JANE, session=session
        )
        b = r.redact(
            "Bob Ray and jane roe", subject=rai.ClientRecord(name="Bob Ray"), session=session
        )
        c = r.redact("Jane again", subject=JANE, session=session)
        assert a.messages[0]["content"] == "I am <PERSON_1>"
        # "jane roe" in lower case is not the record's spelling; the name detector takes
        # "jane" for a name ("roe" is an English word): a new placeholder, never the value
        assert b.text in ("<PERSON_2> and <PERSON_1>", "<PERSON_2> and <PERSON_3> roe")
        assert c.text == "<PERSON_1> again"

    def test_session_never_shows_values(self) -> None:
        """A session's repr shows counts only, and it can be neither pickled nor copied."""
        session = rai.PIISession()
        rai.Redactor().redact("jane@roe.example", session=session)
        assert "jane" not in repr(session) and "EMAIL_ADDRESS=1" in repr(session)
        with pytest.raises(TypeError):
            pickle.dumps(session)
        with pytest.raises(TypeError):
            copy.deepcopy(session)

    def test_drop(self) -> None:
        """drop() forgets every value: restore then leaves placeholders as they are."""
        session = rai.PIISession()
        red = rai.Redactor().redact("jane@roe.example", session=session)
        session.drop()
        assert red.restore("<EMAIL_ADDRESS_1>") == "<EMAIL_ADDRESS_1>"
        assert len(session) == 0

    def test_restore_leaves_unknown_placeholders(self) -> None:
        """restore leaves placeholders it does not know, and other tags, as they are."""
        red = rai.Redactor().redact("jane@roe.example")
        assert (
            red.restore("<EMAIL_ADDRESS_1> <EMAIL_ADDRESS_2> <b>")
            == "jane@roe.example <EMAIL_ADDRESS_2> <b>"
        )
