"""Linear-time regular expressions: RE2, for every pattern that comes from a policy file.

Python's `re` backtracks: a pattern such as ``(a+)+$`` takes exponential time on hostile
input. RE2 (google-re2) cannot backtrack, so a policy author's regex can never stall a
call; a pattern that needs backtracking features (look-around, back-references) is
refused when the policy loads, with the reason.
"""

from __future__ import annotations

from typing import Any

import re2

__all__ = ["compile_linear"]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are raised, not written to stderr


def compile_linear(pattern: str) -> Any:
    """Compile with RE2, or raise ValueError explaining why the pattern cannot run in
    linear time."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(
            "a regular expression that RE2 can run in linear time (no look-around, no "
            f"back-references); RE2 says: {reason}"
        ) from None
