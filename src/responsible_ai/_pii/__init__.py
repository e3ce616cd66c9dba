"""PII detection and redaction: the `redact` and `restore` stages of the pipeline.

The rooms, from the bottom up:

- `_findings`: a finding, and overlaps resolved without losing what any detector found;
  `_normalize`: the view the detectors read (disguises undone), the one table of
  look-alike letters, and the shared folds.
- The detectors: `_patterns` (identifiers and secrets; with `_validators`, `_context`
  words and `_country_codes`), `_custom` (the policy's RE2 rules), `_known` (client
  records, one Aho-Corasick pass) and `_names/` (people, places, organisations; JSON
  keys as evidence), a folder with a plan of its own.
- `_session` (the placeholder map) and `_operators` (which operator applies, and what
  it writes); `_walker` (a JSON document walked along its shape, `.._shapes`).
- `_redactor`: `Redactor`, the detectors and operators over a text or a document;
  `_stream`: answers that arrive in pieces, scanned and restored with bounded hold-back.
"""

from .._regex import compile_linear
from ._custom import RegexDetector
from ._findings import Finding, resolve_overlaps
from ._known import ClientRecord, KnownValues, as_known
from ._operators import OperatorPlan
from ._patterns import BUILTIN_ENTITIES, BuiltinDetector
from ._redactor import Detector, RedactedDocument, RedactedMessages, Redaction, Redactor
from ._session import KeptName, KeptPlaceholder, PIISession
from ._stream import OutputScanner, StreamRestorer
from ._walker import Redacted

__all__ = [
    "BUILTIN_ENTITIES",
    "BuiltinDetector",
    "ClientRecord",
    "Detector",
    "Finding",
    "KeptName",
    "KeptPlaceholder",
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
