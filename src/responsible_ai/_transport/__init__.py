"""Govern the official SDKs at the transport: `rai.http_client()` / `rai.async_http_client()`.

The transport is the second thin driver over the same `Governance` as `Guard`:

```
_factories.py           http_client / async_http_client: the client, its Governance
_governed_transport.py  GovernedTransport: route (a step), read the SDK's request into a
                        Call, send what the pipeline prepared
_exchange.py            one exchange: the JSON answer written back, an SSE answer
                        rewritten event by event, the body bounded by deadline and size
_headers.py             the library's own headers (use case, units...) and contexts
_protocol.py            which request headers are protocol, for which provider
_sdk_errors.py          the library's errors made instances of the SDKs' base errors
_nesting.py             a request already governed (not governed twice)
_upstream.py            telemetry above the transport that would record raw prompts
```
"""

from ._factories import Governed, async_http_client, governance_of, http_client
from ._governed_transport import GovernedTransport
from ._headers import UNITS_HEADER, USE_CASE_HEADER, units, use_case
from ._nesting import governed_below
from ._sdk_errors import sdk_errors_raised
from ._upstream import GENAI_INSTRUMENTORS, UPSTREAM_CAPTURE_ENVS, upstream_capture_on

__all__ = [
    "GENAI_INSTRUMENTORS",
    "UNITS_HEADER",
    "UPSTREAM_CAPTURE_ENVS",
    "USE_CASE_HEADER",
    "Governed",
    "GovernedTransport",
    "async_http_client",
    "governance_of",
    "governed_below",
    "http_client",
    "sdk_errors_raised",
    "units",
    "upstream_capture_on",
    "use_case",
]
