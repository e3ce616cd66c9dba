"""PII detection and redaction: the `redact` and `restore` stages of the pipeline."""

from ._custom import RegexDetector, compile_linear
from ._findings import Finding, resolve_overlaps
from ._known import ClientRecord, KnownValues
from ._patterns import BUILTIN_ENTITIES, BuiltinDetector
from ._redactor import Detector, OperatorPlan, Redacted, RedactedMessages, Redaction, Redactor
from ._session import PIISession

__all__ = [
    "BUILTIN_ENTITIES",
    "BuiltinDetector",
    "ClientRecord",
    "Detector",
    "Finding",
    "KnownValues",
    "OperatorPlan",
    "PIISession",
    "Redacted",
    "RedactedMessages",
    "Redaction",
    "Redactor",
    "RegexDetector",
    "compile_linear",
    "resolve_overlaps",
]
