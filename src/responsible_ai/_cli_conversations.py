"""`rai conversations erase`: erase a conversation's placeholders (every client record's
map of it), or a data subject's (every conversation's map made for that client record
id), on the shared state store. Needs the replicas' ``RAI_CONVERSATION_KEY`` (the store
names both by keyed hash); prints neither id, only how many maps were erased."""

from __future__ import annotations

import argparse
import os
from typing import Any, TextIO

from ._conversations import CONVERSATION_KEY_ENV, ConversationKey, RedisConversations
from ._errors import ConfigurationError
from ._policy import MAX_CONVERSATION_TTL_S
from ._state import STATE_URL_ENV, RedisState

__all__ = ["add_commands", "run"]


def add_commands(sub: Any) -> None:
    """The commands' parsers, on the `rai` parser's subcommands."""
    conv = sub.add_parser(
        "conversations", help="erase conversations' placeholders on the shared state store"
    )
    csub = conv.add_subparsers(dest="action", metavar="ACTION")
    text = (
        "erase a conversation (--conversation ID: every client record's placeholders of it) "
        "or a data subject's (--subject ID, a ClientRecord id: every conversation made for "
        f"it) on every replica; needs {CONVERSATION_KEY_ENV}"
    )
    erase = csub.add_parser("erase", help=text, description=text)
    which = erase.add_mutually_exclusive_group(required=True)
    which.add_argument("--conversation", metavar="ID", help="the conversation's id")
    which.add_argument("--subject", metavar="ID", help="the client record's id")
    erase.add_argument("--state", metavar="URL", help=f"the shared store (else ${STATE_URL_ENV})")
    erase.add_argument("--prefix", default="rai", help="the policy's state.prefix (default rai)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    url = args.state or os.environ.get(STATE_URL_ENV, "").strip()
    if not url:
        raise ConfigurationError(
            f"name the shared state store with --state URL or {STATE_URL_ENV} (conversations "
            "kept in a process's memory end with it)"
        )
    key = ConversationKey.from_env()
    if key is None:
        raise ConfigurationError(
            f"{CONVERSATION_KEY_ENV} must be set (the replicas' key: the store names "
            "conversations and subjects by keyed hash)"
        )
    state = RedisState(url, prefix=args.prefix, timeout_s=5.0)
    try:
        store = RedisConversations(state, key, MAX_CONVERSATION_TTL_S)
        if args.conversation is not None:
            n = store.erase(conversation=args.conversation)
            what = "of the conversation"
        else:
            n = store.erase(subject=args.subject)
            what = "of the data subject"
        print(f"erased: {n} conversation map(s) {what} on {state.shown}", file=out)
        return 0
    finally:
        state.close()
