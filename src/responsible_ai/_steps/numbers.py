"""What a number or a switch in a structural field must be: a count, a setting, a boolean.

A wire format's shape lists its numeric and boolean parameters (``temperature``,
``max_tokens``, ``seed``, ``logit_bias``, ``store``, ``logprobs``...; one table,
`_providers._base.SAMPLING`, plus each format's own). A number there passes unscanned
only as an integer below 10⁶ or a fraction of at most 6 decimals; a boolean field only
as ``true`` or ``false``. Anything else there — a ``seed`` the size of an SSN, a card
number as a ``max_tokens``, a token id of 9 digits, a string, a number as ``store`` — is
refused before anything is sent. A parameter cannot carry a placeholder, and a bare
number has no words around it that would let a detector read it, so scanning it would
let it through.

A float below 10⁶ with more decimals (``2/3`` as a ``temperature``: a division's float
noise) is rounded to 6 decimals before it is sent rather than refused: the provider
samples the same, and what leaves is in the same short form as any other parameter. It
is not accepted as it is because a long expansion is where digits ride: ``37/90`` is
``0.4111111111111111``, a card number's digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import RedactionFailed
from .._shapes import NUMBERS, Each, Fields, Shape, Structural, boolean

__all__ = ["NumberCheck"]

_Plan = dict[str, Shape]
_CHECKED = NUMBERS | {boolean}  # a value of another form in these fields is refused


def _rounded(value: Any) -> Any:
    """A float below 10⁶ rounded to 6 decimals (what it sends instead); else `value`."""
    if type(value) is float and -1e6 < value < 1e6:
        return round(value, 6)
    return value


class NumberCheck:
    """Refuses a body whose numeric or boolean structure holds anything but small numbers
    and booleans, and rounds a float's noise; walks only the parts of a shape that hold
    such fields (planned once per shape)."""

    def __init__(self) -> None:
        self._plans: dict[int, _Plan] = {}  # per Fields shape: its keys that hold numbers

    def __call__(self, body: Mapping[str, Any], shape: Shape) -> Mapping[str, Any]:
        """`body` as it may leave (itself when nothing was rounded)."""
        out: Mapping[str, Any] = self._walk(body, shape, "")
        return out

    def _walk(self, value: Any, shape: Shape, path: str) -> Any:
        if isinstance(shape, Structural):
            if shape in _CHECKED and value is not None and not shape.check(value):
                if shape is not boolean and shape.check(_rounded(value)):
                    return _rounded(value)
                raise RedactionFailed(
                    f"{path or 'the body'} is not {shape.what} in a parameter's form ("
                    + ("true or false" if shape is boolean else
                       "an integer below 10^6 or a fraction of at most 6 decimals")
                    + "): it could carry a client's identifier; nothing was sent"
                    + (" (a seed: use one below 10^6)" if path.endswith("seed") else ""),
                    detector="structure",
                    error_type="structural_number",
                )  # fmt: skip
        elif isinstance(shape, Fields) and isinstance(value, Mapping):
            plan = self._plan(shape)
            changed: dict[str, Any] | None = None
            for key, item in value.items():  # in the body's order (a body names a few)
                sub = plan.get(key)
                if sub is None:
                    continue
                new = self._walk(item, sub, f"{path}.{key}" if path else key)
                if new is not item:
                    changed = changed if changed is not None else dict(value)
                    changed[key] = new
            return value if changed is None else changed
        elif isinstance(shape, Each) and isinstance(value, list) and self._holds(shape.item):
            items = [self._walk(item, shape.item, f"{path}[{i}]") for i, item in enumerate(value)]
            if any(new is not old for new, old in zip(items, value, strict=True)):
                return items
        return value

    def _plan(self, shape: Fields) -> _Plan:
        plan = self._plans.get(id(shape))
        if plan is None:
            plan = {k: s for k, s in shape.fields.items() if self._holds(s)}
            self._plans[id(shape)] = plan
        return plan

    def _holds(self, shape: Shape) -> bool:
        """Whether `shape` has a numeric or boolean field anywhere below it."""
        if isinstance(shape, Structural):
            return shape in _CHECKED
        if isinstance(shape, Fields):
            return bool(self._plan(shape))
        if isinstance(shape, Each):
            return self._holds(shape.item)
        return False
