"""PII detection and redaction: the `redact` and `restore` stages of the pipeline."""

from .._regex import compile_linear
from ._custom import RegexDetector
from ._findings import Finding, resolve_overlaps
from ._known import ClientRecord, KnownValues, as_known
from ._patterns import BUILTIN_ENTITIES, BuiltinDetector
from ._redactor import (
    Detector,
    OperatorPlan,
    Redacted,
    RedactedDocument,
    RedactedMessages,
    Redaction,
    Redactor,
)
from ._session import PIISession
from ._stream import OutputScanner, StreamRestorer

__all__ = [
    "BUILTIN_ENTITIES",
    "BuiltinDetector",
    "ClientRecord",
    "Detector",
    "Finding",
    "KnownValues",
    "OperatorPlan",
    "OutputScanner",
    "PIISession",
    "Redacted",
    "RedactedDocument",
    "RedactedMessages",
    "Redaction",
    "Redactor",
    "RegexDetector",
    "StreamRestorer",
    "as_known",
    "compile_linear",
    "resolve_overlaps",
]
