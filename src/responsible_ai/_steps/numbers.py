"""What a number in a structural field must be: a count or a setting.

A wire format's shape lists its numeric parameters (``temperature``, ``max_tokens``,
``seed``, ``logit_bias``...; `_shapes.NUMBERS`). Their values pass unscanned only as an
integer below 10⁶ or a fraction of at most 6 decimals; anything else there — a ``seed``
the size of an SSN, a card number as a ``max_tokens``, a ``temperature`` whose fraction
carries one, a token id of 9 digits, a string — is refused before anything is sent. A
parameter cannot carry a placeholder, and a bare number has no words around it that would
let a detector read it, so scanning it would let it through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import RedactionFailed
from .._shapes import NUMBERS, Each, Fields, Shape, Structural

__all__ = ["NumberCheck"]

_Plan = tuple[tuple[str, Shape], ...]


class NumberCheck:
    """Refuses a body whose numeric structure holds anything but small numbers; walks
    only the parts of a shape that hold numeric fields (planned once per shape)."""

    def __init__(self) -> None:
        self._plans: dict[int, _Plan] = {}  # per Fields shape: its keys that hold numbers

    def __call__(self, body: Mapping[str, Any], shape: Shape) -> None:
        self._walk(body, shape, "")

    def _walk(self, value: Any, shape: Shape, path: str) -> None:
        if isinstance(shape, Structural):
            if shape in NUMBERS and value is not None and not shape.check(value):
                raise RedactionFailed(
                    f"{path or 'the body'} is not {shape.what} in a parameter's form (an "
                    "integer below 10^6 or a fraction of at most 6 decimals): it could carry "
                    "a client's identifier; nothing was sent",
                    detector="structure",
                    error_type="structural_number",
                )
        elif isinstance(shape, Fields) and isinstance(value, Mapping):
            for key, sub in self._plan(shape):
                if key in value:
                    self._walk(value[key], sub, f"{path}.{key}" if path else key)
        elif isinstance(shape, Each) and isinstance(value, list) and self._holds(shape.item):
            for i, item in enumerate(value):
                self._walk(item, shape.item, f"{path}[{i}]")

    def _plan(self, shape: Fields) -> _Plan:
        plan = self._plans.get(id(shape))
        if plan is None:
            plan = tuple((k, s) for k, s in shape.fields.items() if self._holds(s))
            self._plans[id(shape)] = plan
        return plan

    def _holds(self, shape: Shape) -> bool:
        """Whether `shape` has a numeric field anywhere below it."""
        if isinstance(shape, Structural):
            return shape in NUMBERS
        if isinstance(shape, Fields):
            return bool(self._plan(shape))
        if isinstance(shape, Each):
            return self._holds(shape.item)
        return False
