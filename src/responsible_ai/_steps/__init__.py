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
   credentials CredentialStep.finish  a C2PA manifest on the answer's text  -> Marked
   who        WhoChecks.check         the principal's roles, teams, kind, training (after 2)
   conversation ConversationStep.open / keep  a named conversation's placeholders, from
              and to the conversation store (around 3, before the call)
   limits     LimitStep.reserve       kill switches and budgets, on the state store (last
              LimitStep.settle        before the call; settled after it)
```
(The credentials step is the one that may do I/O: the RFC 3161 time-stamp the policy's
``tsa_url`` asks for, bounded by a 10 s time-out; without ``tsa_url`` it does none.)
(4, the call, is the sender's; 7, observing, `_observe.CallRecord`'s; `admit.complete`
refuses a stream that ended before its final event.)
"""

from . import admit
from .checks import PolicyChecks, Verdict
from .conversation import KEEP_ATTEMPTS, ConversationStep
from .credentials import CredentialStep, stamp_facts
from .egress import AI_HOSTS, Egress
from .identifiers import is_identifier, shown
from .keys import provider_key
from .limits import MICROS, LimitStep, kill_names
from .redact import AnswerFilter, RedactStep
from .route import Routes, canonical_url
from .stamp import StampStep
from .who import Who, WhoChecks

__all__ = [
    "AI_HOSTS",
    "KEEP_ATTEMPTS",
    "MICROS",
    "AnswerFilter",
    "ConversationStep",
    "CredentialStep",
    "Egress",
    "LimitStep",
    "PolicyChecks",
    "RedactStep",
    "Routes",
    "StampStep",
    "Verdict",
    "Who",
    "WhoChecks",
    "admit",
    "canonical_url",
    "is_identifier",
    "kill_names",
    "provider_key",
    "shown",
    "stamp_facts",
]
