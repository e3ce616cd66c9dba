"""The face of the policy package (`_policy/__init__.py`): what the rest of the library imports."""

from __future__ import annotations

import responsible_ai as rai
from responsible_ai import _policy


def test_the_face_exports_what_it_lists() -> None:
    """Every name in `_policy.__all__` exists."""
    assert [n for n in _policy.__all__ if not hasattr(_policy, n)] == []


def test_the_names_the_library_imports_are_there() -> None:
    """The names other modules take from `_policy` are the package's own objects."""
    for name in (
        "POLICY_ENV",
        "TAG_PATTERN",
        "no_duplicate_keys",
        "canonical_sha256",
        "load_policy",
    ):
        assert name in _policy.__all__, name
    assert _policy.Policy is rai.Policy and _policy.load_policy is rai.load_policy
    assert _policy.DataClass is rai.DataClass and _policy.Provider is rai.Provider
