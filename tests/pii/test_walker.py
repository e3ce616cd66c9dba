"""The document walker on chat histories: every part shape, tool calls, non-text parts."""

from __future__ import annotations

import json

import pytest

import responsible_ai as rai
from responsible_ai._policy import PiiSettings

from .conftest import JANE


class TestMessages:
    def test_shapes(self) -> None:
        """OpenAI and Anthropic shapes: strings, parts, tool-call arguments, tool results, tool inputs."""
        messages = [
            {"role": "system", "content": "You help Jane Roe."},
            {"role": "user", "content": [{"type": "text", "text": "my mail is jane@roe.example"}]},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
             "function": {"name": "lookup", "arguments": json.dumps({"email": "jane@roe.example", "n": 2})}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "Jane Roe, +44 20 7946 0958"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "crm",
             "input": {"who": {"name": "Jane Roe"}, "ids": ["ACC-0042-77"]}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
             "content": [{"type": "text", "text": "card 4111 1111 1111 1111"}]}]},
        ]  # fmt: skip
        red = rai.Redactor().redact_messages(messages, subject=JANE)
        blob = json.dumps(red.messages)
        for value in ("Jane", "jane@roe", "7946", "0042", "4111"):
            assert value not in blob
        args = json.loads(red.messages[2]["tool_calls"][0]["function"]["arguments"])
        assert args == {"email": "<EMAIL_ADDRESS_1>", "n": 2}
        assert red.messages[4]["content"][0]["input"] == {
            "who": {"name": "<PERSON_1>"},
            "ids": ["<ACCOUNT_NUMBER_1>"],
        }
        assert messages[0]["content"] == "You help Jane Roe."  # the caller's list is not changed
        paths = {r.path for r in red.findings}
        assert "messages[2].tool_calls[0].function.arguments.email" in paths
        assert red.counts["PERSON"] == 3

    def test_non_text_refused_by_default(self) -> None:
        """An image part is refused by default, naming its path, and passes under non_text = pass."""
        messages = [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]  # fmt: skip
        with pytest.raises(
            rai.RedactionFailed, match=r"messages\[0\]\.content\[1\] holds image_url"
        ):
            rai.Redactor().redact_messages(messages)
        passed = rai.Redactor(PiiSettings(non_text="pass")).redact_messages(messages)
        assert passed.messages[0]["content"][1]["type"] == "image_url"

    def test_bytes_and_unknown_parts_refused(self) -> None:
        """Bytes and parts of an unknown type are refused."""
        with pytest.raises(rai.RedactionFailed):
            rai.Redactor().redact_messages([{"role": "user", "content": b"raw"}])
        with pytest.raises(rai.RedactionFailed, match="unknown part type"):
            rai.Redactor().redact_messages([{"role": "user", "content": [{"type": "hologram"}]}])
