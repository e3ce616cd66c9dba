"""A name belongs to the whole request: the second pass over a body.

The first pass over a body finds and rewrites text by text, and the conversation learns
each name as it is rewritten; a mention that came before the full name ("Is Hope here?"
... "Hope Okonkwo asked") was searched before the name was known. `BodyPasses` keeps what
the first pass found in each text; when the body taught the conversation a name, each
text is searched for the conversation's names once more (one Aho-Corasick pass), and only
a body where one stands outside what was found is walked again, every text's findings
reused but those few texts', which are scanned anew."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

from ._conversation import uncovered
from ._findings import Finding
from ._normalize import lowered
from ._session import PIISession

__all__ = ["BodyPasses"]

_HANDLE_MAX = 64  # characters: a text this short may be a handle (searched as one)


class BodyPasses:
    """The finding and rewriting of one body's walk, noting what each text held in the
    first pass (and how many names the conversation knew then), for the second."""

    __slots__ = ("_known", "_learned", "_rewrite", "_scan", "_session", "found", "handles",
                 "rewritten")  # fmt: skip

    def __init__(
        self,
        session: PIISession,
        scan: Callable[[str], list[Finding]],
        rewrite: Callable[[str, list[Finding]], str],
    ) -> None:
        self._session = session
        self._scan = scan
        self._rewrite = rewrite
        self._learned = self._known = session.name_count()
        # handle fields are searched in the first pass only if a name is known as it
        # begins (else every short text is read again by `stale`)
        self.handles = session.handle_names if self._known else None
        self.found: dict[str, tuple[list[Finding], int]] = {}  # by text, and names known
        self.rewritten: dict[str, list[Finding]] = {}  # ... and all it was rewritten with

    def find(self, text: str) -> list[Finding]:
        found = self._scan(text)
        self.found[text] = (found, self._known)
        return found

    def rewrite(self, text: str, found: list[Finding]) -> str:
        self.rewritten[text] = found
        out = self._rewrite(text, found)
        self._known = self._session.name_count()  # names are learned in a rewrite only
        return out

    def stale(self) -> bool:
        """Whether a name the body taught stands in a text outside what was found there
        (only texts scanned before it was learned are read: every one at once for the
        new parts with `str.find` first, then each that holds one for where the
        conversation's search may find it, and searched as it searches only then)."""
        session = self._session
        known = session.name_count()
        if known == self._learned:
            return False
        new = session.names_since(self._learned)
        todo: list[tuple[str, list[str], list[Finding]]] = []
        for text, (found, seen) in self.found.items():
            if self.handles is None and len(text) <= _HANDLE_MAX:
                seen = self._learned  # a handle field may hold any name of the body
            elif seen >= known:
                continue  # scanned knowing every name
            todo.append(
                (text, new[max(0, seen - self._learned) :], self.rewritten.get(text, found))
            )
        # the texts side by side (a part holds no NUL), each lower-cased as it is searched
        every = "\x00".join([lowered(text) for text, _, _ in todo])
        starts = list(itertools.accumulate((len(text) + 1 for text, _, _ in todo), initial=0))
        holding: set[int] = set()
        for part in new:
            at = every.find(part)
            while at >= 0:
                holding.add(bisect.bisect_right(starts, at) - 1)
                at = every.find(part, at + 1)
        for i in sorted(holding):
            text, parts, found = todo[i]
            if not session.names_outside(text, parts, found):
                continue
            names = session.handle_names if len(text) <= _HANDLE_MAX else session.names_in
            if uncovered(names(text), found):
                return True
        return False

    def again(self, text: str) -> list[Finding]:
        """A text's findings in the second pass: the first's, unless the conversation's
        names stand outside them (then it is scanned anew)."""
        before = self.found.get(text)
        if before is not None and not uncovered(self._session.names_in(text), before[0]):
            return before[0]
        return self._scan(text)
