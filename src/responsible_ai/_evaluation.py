"""Evaluations: the organisation's own checks of an answer (bias, quality, tone…),
run after each governed call, recorded in the evidence store and emitted as the
OpenTelemetry GenAI ``gen_ai.evaluation.result`` event on the call's span.

An evaluator is any callable taking the `ChatResponse` and returning one `Evaluation`
or several. It judges; it does not refuse (a rule that can refuse is a step). An
evaluator that raises is recorded as a failed evaluation, and the call still returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ._types import ChatResponse

__all__ = ["Evaluation", "Evaluator"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One result: `name` (``gen_ai.evaluation.name``, such as ``"bias"``), a numeric
    `score` (``gen_ai.evaluation.score.value``) and/or a `label`
    (``gen_ai.evaluation.score.label``, such as ``"pass"``). Both name and label are
    short identifiers: an evaluation says how an answer scored, never what it said.
    `explanation` goes on the span only when content capture is on, never in the store."""

    name: str
    score: float | None = None
    label: str | None = None
    explanation: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValueError("an evaluation name is a short identifier (letters, digits, _.:-)")
        if self.label is not None and (
            not isinstance(self.label, str) or not _NAME.fullmatch(self.label)
        ):
            raise ValueError("an evaluation label is a short identifier (letters, digits, _.:-)")
        if self.score is not None and (
            isinstance(self.score, bool) or not isinstance(self.score, (int, float))
        ):
            raise ValueError("an evaluation score is a number")
        if self.score is None and self.label is None:
            raise ValueError("an evaluation has a score, a label, or both")


class Evaluator(Protocol):
    """``evaluator(response) -> Evaluation | Iterable[Evaluation]``."""

    def __call__(self, response: ChatResponse, /) -> Evaluation | Iterable[Evaluation]: ...
