"""The pipeline's steps: each does one job, does no I/O and returns what it produces.

```
0. egress     Egress.governs          a process's request: governed, refused or not an AI call
0. route      Routes.route            an SDK request's URL to an approved provider (transport)
1. policy     PolicyChecks.provider   provider + model in the registry, policy switches
   admit      admit.*                 size, readable body, endpoint fits kind, one choice
2. use case   PolicyChecks.use_case   tag rules, data class, consent      -> Verdict
3. redact     RedactStep.prepare      the whole body along its wire shape  -> Outbound
5. screen     RedactStep.finish       PII the model wrote; restore         -> Screened
6. stamp      StampStep.finish        signed provenance                    -> Provenance
```
(4, the call, is the sender's; 7, observing, `_observe.CallRecord`'s; `admit.complete`
refuses a stream that ended before its final event.)
"""

from . import admit
from .checks import PolicyChecks, Verdict
from .egress import AI_HOSTS, Egress
from .identifiers import is_identifier, shown
from .redact import AnswerFilter, RedactStep
from .route import Routes, canonical_url
from .stamp import StampStep

__all__ = [
    "AI_HOSTS",
    "AnswerFilter",
    "Egress",
    "PolicyChecks",
    "RedactStep",
    "Routes",
    "StampStep",
    "Verdict",
    "admit",
    "canonical_url",
    "is_identifier",
    "shown",
]
