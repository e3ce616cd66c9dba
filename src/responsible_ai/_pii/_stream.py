"""Streamed answers: scan with bounded look-behind, then restore split placeholders.

Neither stage buffers the whole answer. `OutputScanner` holds back at most `window`
characters (so PII the model produces can be masked or refused before it is emitted)
and keeps `context` characters of emitted text for context words. `StreamRestorer`
holds back only a possible half placeholder (``<PERS``) at the end of a chunk.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from ._findings import Finding, resolve_overlaps
from ._patterns import PEM_FOOT, PEM_HEAD
from ._session import PIISession

if TYPE_CHECKING:
    from ._known import KnownValues
    from ._operators import OperatorPlan
    from ._redactor import Redactor

__all__ = ["OutputScanner", "StreamRestorer"]

_PARTIAL = re.compile(r"<[A-Z][A-Z0-9_]{0,40}$|<$")
_TOKEN = re.compile(r"\S*")


class StreamRestorer:
    """Restores placeholders in a stream of text pieces, even split across pieces."""

    __slots__ = ("_held", "_json", "_session")

    def __init__(self, session: PIISession, *, json_string: bool = False) -> None:
        self._session = session
        self._json = json_string  # the stream is JSON text (tool-call arguments)
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        tail = text.rfind("<")
        if tail != -1 and ">" not in text[tail:]:
            m = _PARTIAL.match(text, tail)
            if m is not None and m.end() == len(text):
                self._held = text[tail:]
                text = text[:tail]
        return self._session.restore(text, json_string=self._json)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return self._session.restore(text, json_string=self._json)


class OutputScanner:
    """Finds PII a model produces on its own in a stream; reports, masks or refuses it."""

    def __init__(
        self,
        redactor: Redactor,
        plan: OperatorPlan,
        known: KnownValues | None = None,
        *,
        window: int = 256,
        context: int = 64,
        hold: int = 1024,
    ) -> None:
        self._r = redactor
        self._plan = plan
        self._known = known
        self._window = window
        self._hold = max(hold, window)  # the most held back for one finding still growing
        self._carry: Finding | None = None  # a finding split at `hold`: its token goes on
        settings = redactor.settings
        self._keys = settings.entities is None or "PRIVATE_KEY" in settings.entities
        self._context_size = context
        self._pending = ""
        self._context = ""  # raw text already emitted, for context words
        self._offset = 0  # position in the whole output where _pending starts
        self.findings: list[Finding] = []

    def feed(self, piece: str) -> str:
        """Text ready to emit. With output "report" nothing is held back (findings are
        recorded as they settle); with "mask" or "block" the last `window` characters are."""
        self._pending += piece
        if self._plan.output == "report":
            if len(self._pending) > 2 * self._window:
                self._emit(len(self._pending) - self._window)
            return piece
        if len(self._pending) <= self._window:
            return ""
        return self._emit(len(self._pending) - self._window)

    def flush(self) -> str:
        out = self._emit(len(self._pending), final=True)
        return "" if self._plan.output == "report" else out

    def _emit(self, cut: int, final: bool = False) -> str:
        ctx = self._context
        scan = ctx + self._pending
        found = [f.shifted(-len(ctx)) for f in self._r.scan(scan, subject=self._known)]
        found = [f for f in found if f.start >= 0]
        if self._keys and self._carry is None:
            # a private key whose END has not arrived is a finding already: its lines
            # must not stream out while the scanner waits to see the whole block
            opens = list(PEM_HEAD.finditer(scan))  # the last one is the one that may be open
            opening = opens[-1] if opens else None
            if opening is not None and PEM_FOOT.search(scan, opening.end()) is None:
                open_key = Finding("PRIVATE_KEY", max(0, opening.start() - len(ctx)),
                                   len(self._pending), 1.0, "builtin")  # fmt: skip
                found = resolve_overlaps([*found, open_key])
        carry = self._carry
        run = 0
        if carry is not None:  # the rest of a finding's token, whatever the detectors say
            if carry.entity_type == "PRIVATE_KEY":  # ... or of a private key: up to its END
                foot = PEM_FOOT.search(self._pending)
                run = foot.end() if foot is not None else len(self._pending)
            else:
                run = _TOKEN.match(self._pending).end()  # type: ignore[union-attr]
            if run:
                cont = Finding(carry.entity_type, 0, run, 1.0, carry.detector)
                found = resolve_overlaps([*found, cont])
        if not final:
            for i, f in enumerate(found):
                if f.start < cut < f.end:
                    if len(self._pending) - f.start <= self._hold and not (
                        carry is not None and f.start == 0
                    ):
                        cut = f.start  # never split a finding: hold it back whole ...
                    else:  # ... unless that would hold back without bound: split it here,
                        found[i] = Finding(f.entity_type, f.start, cut, f.score, f.detector)
                        self._carry = f  # and treat the rest of its token as it
        if final or (self._carry is carry and carry is not None and run < len(self._pending)
                     and run <= cut):  # fmt: skip
            self._carry = None  # the token ended, and all of it is out
        ready = [f for f in found if f.end <= cut]
        head = head_out = self._pending[:cut]
        if ready:
            for f in ready:
                f = f.shifted(self._offset)
                last = self.findings[-1] if self.findings else None
                if last is not None and last.end == f.start and last.entity_type == f.entity_type:
                    self.findings[-1] = Finding(
                        f.entity_type, last.start, f.end, last.score, last.detector
                    )  # one finding, split in pieces
                else:
                    self.findings.append(f)
            if self._plan.output == "block":
                self._r.refuse_blocked(Counter(f.entity_type for f in ready), self._plan, "answer")
            if self._plan.output == "mask":
                head_out = self._r.mask_output(head, ready)
        self._context = (ctx + head)[-self._context_size :]
        self._pending = self._pending[cut:]
        self._offset += cut
        return head_out
