"""A name belongs to the conversation, and a placeholder to one value of one subject.

Once any detector (or a client record) finds a person, place or organisation in a
session, every later occurrence of it or of a part of it, in any message, call or turn,
in any case, inside a handle or a slug, is the same placeholder. Two people who share a
surname keep placeholders of their own; placeholders the model was given come back to
it unchanged."""

from __future__ import annotations

import json

import pytest

import responsible_ai as rai
from responsible_ai._pii import StreamRestorer
from responsible_ai._shapes import CHAT_HISTORY

R = rai.Redactor()


def _turns(*texts: str, subject: rai.ClientRecord | None = None) -> list[str]:
    session = rai.PIISession()
    return [R.redact(t, subject=subject, session=session).text for t in texts]


class TestANameBelongsToTheConversation:
    def test_a_first_name_alone_later_is_the_same_placeholder(self) -> None:
        first, later = _turns("Hope Okonkwo asked about her mortgage.", "Can Hope call back?")
        assert first == "<PERSON_1> asked about her mortgage."
        assert later == "Can <PERSON_1> call back?"

    @pytest.mark.parametrize(
        "later",
        [
            "OKONKWO called",
            "okonkwo called",
            "write to hope.okonkwo@example.org",
            "ping @HopeOkonkwo",
            "ping @hope_okonkwo",
            "see /home/okonkwo/notes.txt",
            "user hopeokonkwo logged in",
            "hope-okonkwo-cv.pdf",
            "Dear Hope,",
        ],
    )
    def test_every_later_form_of_it(self, later: str) -> None:
        _, out = _turns("Hope Okonkwo asked about her mortgage.", later)
        assert "okonkwo" not in out.lower() and "Hope" not in out, out
        assert "<PERSON_1>" in out or "<EMAIL_ADDRESS_1>" in out

    def test_a_word_name_in_running_text_stays_the_word(self) -> None:
        _, out = _turns("Hope Okonkwo asked.", "I hope the rate holds.")
        assert out == "I hope the rate holds."

    def test_in_a_later_message_of_one_request(self) -> None:
        session = rai.PIISession()
        messages = [
            {"role": "user", "content": "Hope Okonkwo wants a call."},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": "Remind Hope tomorrow; OKONKWO is the surname."},
        ]
        red = R.redact_document(messages, CHAT_HISTORY, root="messages", session=session)
        assert (
            red.document[2]["content"] == "Remind <PERSON_1> tomorrow; <PERSON_1> is the surname."
        )

    def test_places_and_firms_recur_whole_or_by_their_own_word(self) -> None:
        _, out = _turns(
            "Kessler Maschinenbau GmbH in Wuppertal sent the invoice.",
            "kessler will pay from wuppertal",
        )
        assert "kessler" not in out.lower() and "wuppertal" not in out.lower(), out

    def test_a_client_record_found_once_is_remembered_with_its_parts(self) -> None:
        record = rai.ClientRecord(name="Tran Van Minh", id="c-9")
        first, later = _turns("Dear Tran Van Minh,", "minh.tran@example.org wrote", subject=record)
        assert first == "Dear <PERSON_1>,"
        assert "minh" not in later.lower() and "tran" not in later.lower()

    def test_sessions_do_not_share_names(self) -> None:
        first = rai.PIISession()
        R.redact("Hope Okonkwo asked.", session=first)
        assert R.redact("ask okonkwo", session=first).text == "ask <PERSON_1>"
        fresh = rai.PIISession()
        assert R.redact("ask okonkwo", session=fresh).text == "ask okonkwo"

    def test_the_memory_is_dropped_with_the_session(self) -> None:
        session = rai.PIISession()
        R.redact("Hope Okonkwo asked.", session=session)
        session.drop()
        assert R.redact("ask okonkwo", session=session).text == "ask okonkwo"
        assert "Okonkwo" not in repr(session)


class TestAPlaceholderIsOneValueOfOneSubject:
    def test_two_clients_who_share_a_surname(self) -> None:
        both = rai.KnownValues(
            [
                rai.ClientRecord(name="Jane Smith", id="a"),
                rai.ClientRecord(name="John Smith", id="b"),
            ]
        )
        session = rai.PIISession()
        red = R.redact("Jane Smith and John Smith met. Smith left.", subject=both, session=session)
        assert red.text == "<PERSON_1> and <PERSON_2> met. <PERSON_3> left."
        answer = "<PERSON_2> will call <PERSON_1>."
        assert session.restore(answer) == "John Smith will call Jane Smith."

    def test_a_namesake_of_the_client_is_not_the_client(self) -> None:
        session = rai.PIISession()
        jane = rai.ClientRecord(name="Jane Smith", id="a")
        red = R.redact("John Smith replaced Jane Smith.", subject=jane, session=session)
        assert red.text == "<PERSON_1> replaced <PERSON_2>."
        assert session.restore("<PERSON_1>") == "John Smith"
        assert session.restore("<PERSON_2>") == "Jane Smith"

    def test_a_record_of_the_redactor_and_the_calls_own_are_each_looked_up_in_their_own(
        self,
    ) -> None:
        book = rai.KnownValues([rai.ClientRecord(name="Aurelio Bastos", id="x")])
        redactor = rai.Redactor(known=book)
        session = rai.PIISession()
        call = rai.ClientRecord(name="Zofia Wrona", id="y")
        red = redactor.redact("Aurelio Bastos and Zofia Wrona", subject=call, session=session)
        assert session.restore(red.text) == "Aurelio Bastos and Zofia Wrona"

    @pytest.mark.parametrize("key", ["1st_line", "#ref", "_id", "9", "名前", "x" * 60])
    def test_any_field_key_restores(self, key: str) -> None:
        record = rai.ClientRecord(name="Jane Roe", fields={key: "Kilbarry Lodge QX-99812"})
        session = rai.PIISession()
        red = R.redact("Post to Kilbarry Lodge QX-99812 today", subject=record, session=session)
        assert "Kilbarry" not in red.text
        assert session.restore(red.text) == "Post to Kilbarry Lodge QX-99812 today"
        stream = StreamRestorer(session)
        pieces = [red.text[:9], red.text[9:14], red.text[14:]]
        assert "".join(stream.feed(p) for p in pieces) + stream.flush() == (
            "Post to Kilbarry Lodge QX-99812 today"
        )


class TestTheModelsOwnPlaceholders:
    def test_come_back_to_it_unchanged(self) -> None:
        """An agent loop re-sends the history it wrote: the model's tool call that holds
        the placeholder it was given stays as it wrote it."""
        session = rai.PIISession()
        first = R.redact_document(
            [{"role": "user", "content": "Look up Jane Roe"}], CHAT_HISTORY, root="messages",
            session=session,
        )  # fmt: skip
        assert first.document[0]["content"] == "Look up <PERSON_1>"
        history = [
            {"role": "user", "content": "Look up Jane Roe"},
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": "c1", "type": "function",
                "function": {"name": "crm", "arguments": '{"who": "<PERSON_1>"}'}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "found <PERSON_1>"},
        ]  # fmt: skip
        again = R.redact_document(history, CHAT_HISTORY, root="messages", session=session)
        call = again.document[1]["tool_calls"][0]["function"]["arguments"]
        assert json.loads(call) == {"who": "<PERSON_1>"}  # (re-serialised as it was scanned)
        assert again.document[2]["content"] == "found <PERSON_1>"

    def test_a_placeholder_the_session_never_gave_is_still_replaced(self) -> None:
        session = rai.PIISession()
        R.redact("Look up Jane Roe", session=session)
        out = R.redact("and <PERSON_7> too", session=session).text
        assert "<PERSON_7>" not in out and session.restore(out) == "and <PERSON_7> too"
