"""Reservation ids: a random per-process prefix and a counter — unique across replicas
and processes without a system call per call; a forked child draws a new prefix, so two
processes never hold under one id."""

from __future__ import annotations

import itertools
import os

__all__ = ["new_call_id"]


class _CallIds:
    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = os.urandom(9).hex()
        self.counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter):x}"


new_call_id = _CallIds()
