"""PII detection and redaction: the `redact` and `restore` stages of the pipeline."""

from .._regex import compile_linear
from ._custom import RegexDetector
from ._findings import Finding, resolve_overlaps
from ._known import ClientRecord, KnownValues, as_known
from ._operators import OperatorPlan
from ._patterns import BUILTIN_ENTITIES, BuiltinDetector
from ._redactor import Detector, RedactedDocument, RedactedMessages, Redaction, Redactor
from ._session import PIISession
from ._stream import OutputScanner, StreamRestorer
from ._walker import Redacted

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
