"""The pipeline's steps: each does one job, does no I/O and returns what it produces.

```
1. policy     PolicyChecks.provider   provider + model in the registry, policy switches
2. use case   PolicyChecks.use_case   tag rules, data class, consent      -> Verdict
3. redact     RedactStep.prepare      the whole body along its wire shape  -> Outbound
5. screen     RedactStep.finish       PII the model wrote; restore         -> Screened
6. stamp      StampStep.finish        signed provenance                    -> Provenance
```
(4, the call, is the sender's; 7, observing, the pipeline's `CallRecord`.)
"""

from .checks import PolicyChecks, Verdict, audit_fields
from .redact import AnswerFilter, RedactStep
from .stamp import StampStep

__all__ = ["AnswerFilter", "PolicyChecks", "RedactStep", "StampStep", "Verdict", "audit_fields"]
