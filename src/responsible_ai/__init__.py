"""responsible-ai: an organisation's AI-usage policy, as code.

```python
import responsible_ai as rai

policy = rai.load_policy("policy.toml")
guard = rai.Guard(policy)
resp = guard.chat(messages, use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini")
```
"""

from ._errors import (
    ConfigurationError,
    ConsentRequired,
    DataClassExceeded,
    ModelNotApproved,
    PIIBlocked,
    PolicyError,
    PolicyHashMismatch,
    PolicyIssue,
    PolicyViolation,
    ProviderError,
    ProviderHTTPError,
    ProviderNotApproved,
    ProviderResponseError,
    ProviderUnavailable,
    RedactionFailed,
    ResponsibleAIError,
    UseCaseBlocked,
)
from ._governed import BoundClient, client, configure, default_guard, governed, with_consent
from ._guard import AsyncStream, Guard, Stream
from ._pii import (
    ClientRecord,
    Detector,
    Finding,
    KnownValues,
    PIISession,
    Redacted,
    RedactedMessages,
    Redaction,
    Redactor,
    RegexDetector,
)
from ._pipeline import Call, Step
from ._policy import DataClass, Policy, Provider, load_policy
from ._types import ChatChunk, ChatMessage, ChatResponse, Decision, ToolCall, Usage
from ._usecases import Consent

__version__ = "0.1.0.dev0"

__all__ = [
    "AsyncStream",
    "BoundClient",
    "Call",
    "ChatChunk",
    "ChatMessage",
    "ChatResponse",
    "ClientRecord",
    "ConfigurationError",
    "Consent",
    "ConsentRequired",
    "DataClass",
    "DataClassExceeded",
    "Decision",
    "Detector",
    "Finding",
    "Guard",
    "KnownValues",
    "ModelNotApproved",
    "PIIBlocked",
    "PIISession",
    "Policy",
    "PolicyError",
    "PolicyHashMismatch",
    "PolicyIssue",
    "PolicyViolation",
    "Provider",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderNotApproved",
    "ProviderResponseError",
    "ProviderUnavailable",
    "Redacted",
    "RedactedMessages",
    "Redaction",
    "RedactionFailed",
    "Redactor",
    "RegexDetector",
    "ResponsibleAIError",
    "Step",
    "Stream",
    "ToolCall",
    "Usage",
    "UseCaseBlocked",
    "__version__",
    "client",
    "configure",
    "default_guard",
    "governed",
    "load_policy",
    "with_consent",
]
