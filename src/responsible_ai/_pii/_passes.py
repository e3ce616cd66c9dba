"""A name belongs to the whole request: the second pass over a body.

The first pass over a body finds and rewrites text by text, and the conversation learns
each name as it is rewritten; a mention that came before the full name ("Is Hope here?"
... "Hope Okonkwo asked") was searched before the name was known. `BodyPasses` keeps what
the first pass found in each text; when the body taught the conversation a name, each
text is searched for the conversation's names once more (one Aho-Corasick pass), and only
a body where one stands outside what was found is walked again, every text's findings
reused but those few texts', which are scanned anew."""

from __future__ import annotations

from collections.abc import Callable

from ._conversation import uncovered
from ._findings import Finding
from ._session import PIISession

__all__ = ["BodyPasses"]

_HANDLE_MAX = 64  # characters: a text this short may be a handle (searched as one)


class BodyPasses:
    """What the first pass over one body found, by text, for the second (see module)."""

    __slots__ = ("_find", "_found", "_learned", "_rewritten", "_session")

    def __init__(self, find: Callable[[str], list[Finding]], session: PIISession) -> None:
        self._find = find
        self._session = session
        self._learned = session.name_count()
        self._found: dict[str, list[Finding]] = {}  # by text: what the detectors found
        self._rewritten: dict[str, list[Finding]] = {}  # ... and all it was rewritten with

    def first(self, text: str) -> list[Finding]:
        found = self._find(text)
        self._found[text] = found
        return found

    def rewritten(self, text: str, findings: list[Finding]) -> None:
        self._rewritten[text] = findings

    def stale(self) -> bool:
        """Whether a name the body taught stands in a text outside what was found there."""
        session = self._session
        if session.name_count() == self._learned:
            return False
        for text, found in self._found.items():
            found = self._rewritten.get(text, found)
            names = session.handle_names if len(text) <= _HANDLE_MAX else session.names_in
            if uncovered(names(text), found):
                return True
        return False

    def second(self, text: str) -> list[Finding]:
        """A text's findings in the second pass: the first's, unless the conversation's
        names stand outside them (then it is scanned anew)."""
        before = self._found.get(text)
        if before is not None and not uncovered(self._session.names_in(text), before):
            return before
        return self._find(text)
