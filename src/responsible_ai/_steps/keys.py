"""What the provider's own credential header (``authorization``, ``x-api-key``,
``api-key``: `_transport._protocol.credential_headers`) may hold on an SDK request: the
provider's key, as the policy configures it, and nothing else.

- The provider names ``api_key_env``: each value must be that variable's key (as a
  bearer token in ``authorization``, bare in ``x-api-key`` / ``api-key``). Any other
  value — a key the SDK was given some other way, or a client's card number dressed as
  a token — is refused before anything is sent: a credential cannot carry a
  placeholder, so it cannot be redacted, and it cannot be told from content. The
  refusal never quotes the value. The variable unset is a `ConfigurationError`.
- The provider names no ``api_key_env`` (a local or keyless endpoint): the policy gives
  it no key, so the header is not sent at all (the SDKs insist on some key).
"""

from __future__ import annotations

import hmac

from .._errors import RedactionFailed
from .._policy import Provider

__all__ = ["provider_key"]


def provider_key(name: bytes, values: list[bytes], provider: Provider) -> bool:
    """Whether the credential header `name` (lower-case) leaves with its `values` (True)
    or is dropped (False: the provider takes no key); a value that is not the provider's
    key is refused."""
    secret = provider.api_key()
    if secret is None:
        return False
    key = secret.get_secret_value().encode("latin-1", "replace")
    for value in values:
        token = value
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() != b"bearer":
                token = b""
        if not hmac.compare_digest(token, key):
            raise RedactionFailed(
                f"the {name.decode('latin-1')} header to provider {provider.name!r} holds a "
                f"value that is not the provider's key (its api_key_env, "
                f"{provider.api_key_env}): a credential cannot carry a placeholder, so any "
                "other value is refused; nothing was sent",
                detector="transport",
                error_type="credential_header",
            )
    return True
