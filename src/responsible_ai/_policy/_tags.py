"""Use-case tags: their form, and the prefix rule that puts ``hr.onboarding`` under ``hr``."""

from __future__ import annotations

__all__ = ["TAG_PATTERN", "covers", "parents"]

TAG_PATTERN = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$"
"""A tag: lowercase dotted words, such as ``marketing.copy``."""


def parents(tag: str) -> list[str]:
    """``a.b.c`` -> ``["a.b.c", "a.b", "a"]`` (most specific first)."""
    parts = tag.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def covers(parent: str, tag: str) -> bool:
    """Whether `tag` is `parent` or lies below it (``hr`` covers ``hr.onboarding``, not ``hrx``)."""
    return tag == parent or tag.startswith(parent + ".")
