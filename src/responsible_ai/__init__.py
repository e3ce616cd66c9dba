"""responsible-ai-policy (import ``responsible_ai``): an organisation's AI-usage policy, as code.

```python
import responsible_ai as rai

policy = rai.load_policy("policy.toml")
guard = rai.Guard(policy)
resp = guard.chat(messages, use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini")
```
"""

from ._audit import AuditTrail
from ._call import Call, Prepared, Step
from ._errors import (
    ConfigurationError,
    ConsentRequired,
    DataClassExceeded,
    EndpointNotGoverned,
    ModelNotApproved,
    PIIBlocked,
    PolicyError,
    PolicyHashMismatch,
    PolicyIssue,
    PolicyViolation,
    ProvenanceInvalid,
    ProviderError,
    ProviderHTTPError,
    ProviderNotApproved,
    ProviderResponseError,
    ProviderUnavailable,
    RedactionFailed,
    ResponsibleAIError,
    UnreviewedContent,
    UseCaseBlocked,
)
from ._governance import Governance
from ._governed import BoundClient, client, configure, default_guard, governed, with_consent
from ._guard import AsyncStream, Guard, Stream
from ._instrument import instrument, instrumented, uninstrument
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
from ._policy import DataClass, Policy, Provider, load_policy
from ._provenance import (
    AIDict,
    AIText,
    Ed25519Signer,
    Ed25519Verifier,
    HmacSigner,
    Keyring,
    Provenance,
    ReviewInfo,
    SignatureInfo,
    Signer,
    Verification,
    keyring_from_env,
    provenance_of,
    require_reviewed,
    review,
    signer_from_env,
    verify,
    verify_chain,
    verify_stamp,
)
from ._telemetry import Telemetry, setup_otlp
from ._transport import async_http_client, http_client, use_case
from ._types import ChatChunk, ChatMessage, ChatResponse, Decision, ToolCall, Usage
from ._usecases import Consent
from ._version import __version__

__all__ = [
    "AIDict",
    "AIText",
    "AsyncStream",
    "AuditTrail",
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
    "Ed25519Signer",
    "Ed25519Verifier",
    "EndpointNotGoverned",
    "Finding",
    "Governance",
    "Guard",
    "HmacSigner",
    "Keyring",
    "KnownValues",
    "ModelNotApproved",
    "PIIBlocked",
    "PIISession",
    "Policy",
    "PolicyError",
    "PolicyHashMismatch",
    "PolicyIssue",
    "PolicyViolation",
    "Prepared",
    "Provenance",
    "ProvenanceInvalid",
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
    "ReviewInfo",
    "SignatureInfo",
    "Signer",
    "Step",
    "Stream",
    "Telemetry",
    "ToolCall",
    "UnreviewedContent",
    "Usage",
    "UseCaseBlocked",
    "Verification",
    "__version__",
    "async_http_client",
    "client",
    "configure",
    "default_guard",
    "governed",
    "http_client",
    "instrument",
    "instrumented",
    "keyring_from_env",
    "load_policy",
    "provenance_of",
    "require_reviewed",
    "review",
    "setup_otlp",
    "signer_from_env",
    "uninstrument",
    "use_case",
    "verify",
    "verify_chain",
    "verify_stamp",
    "with_consent",
]
