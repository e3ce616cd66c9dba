"""RFC 3161 time-stamps for claim signatures (C2PA ``sigTst2``): request one from the
policy's TSA, and verify one — the token's CMS signature, its TSA certificate (the
time-stamping purpose) and that its message imprint is this signature's.

Uses ``rfc3161-client`` (the ``credentials`` extra), imported only when a time-stamp is
made or read. The TSA's answer is verified before it is used: a TSA that answers with
a token for another message, another nonce or a broken signature is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from .._errors import ConfigurationError, CredentialsError
from .._http import backend

__all__ = ["MAX_REPLY", "Stamped", "arequest", "check_token", "request", "token_request"]

MAX_REPLY = 1 << 20
_TIMEOUT = 10.0


def _client_lib() -> Any:
    try:
        import rfc3161_client
    except ImportError:  # pragma: no cover - the extra is installed in tests
        raise ConfigurationError(
            "time-stamps need the credentials extra: "
            "pip install 'responsible-ai-policy[credentials]'"
        ) from None
    return rfc3161_client


@dataclass(frozen=True, slots=True)
class Stamped:
    """A verified token: its DER, its time, and whether its TSA chains to an anchor."""

    token: bytes
    time: dt.datetime
    trusted: bool


def token_request(message: bytes) -> tuple[bytes, int]:
    """A DER TimeStampReq over SHA-256(`message`) with a nonce and certReq; and the nonce."""
    lib = _client_lib()
    req = (
        lib.TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(lib.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    return bytes(req.as_bytes()), int(req.nonce)


def _response_of_token(token: bytes) -> bytes:
    """A granted TimeStampResp around a stored token (C2PA stores the token alone)."""
    status = b"\x30\x03\x02\x01\x00"
    body = status + token
    return b"\x30" + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def check_token(
    token: bytes,
    message: bytes,
    anchors: tuple[x509.Certificate, ...] = (),
    nonce: int | None = None,
) -> Stamped:
    """Verify `token` over `message` (raises `CredentialsError` saying which check failed):
    its CMS signature, its TSA's time-stamping certificate chaining to one of `anchors`,
    its message imprint (and `nonce`)."""
    lib = _client_lib()
    try:
        response = lib.decode_timestamp_response(_response_of_token(token))
        carried = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    except ValueError:
        raise CredentialsError("time-stamp", "the time-stamp token is not readable") from None
    roots = list(anchors)
    if not roots:
        raise CredentialsError("time-stamp", "no trust anchor for the time-stamp authority")
    builder = lib.VerifierBuilder(roots=roots)
    for cert in carried:
        if cert not in roots:
            builder = builder.add_intermediate_certificate(cert)
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify(response, hashlib.sha256(message).digest())
    except (lib.VerificationError, ValueError) as exc:
        raise CredentialsError("time-stamp", f"the time-stamp does not verify ({exc})") from None
    gen = response.tst_info.gen_time
    if gen.tzinfo is None:
        gen = gen.replace(tzinfo=dt.UTC)
    return Stamped(bytes(response.time_stamp_token()), gen, True)


def _token_of_reply(reply: bytes, message: bytes, nonce: int, anchors: tuple[Any, ...]) -> Stamped:
    lib = _client_lib()
    try:
        response = lib.decode_timestamp_response(reply)
    except ValueError:
        raise CredentialsError("time-stamp", "the TSA's reply is not a TimeStampResp") from None
    if response.status not in (0, 1):
        raise CredentialsError("time-stamp", f"the TSA refused (status {response.status})")
    return check_token(bytes(response.time_stamp_token()), message, anchors, nonce)


def _reply(status: int, content_type: str, body: bytes) -> bytes:
    if status != 200:
        raise CredentialsError("time-stamp", f"the TSA answered HTTP {status}")
    if content_type.split(";")[0].strip().lower() != "application/timestamp-reply":
        raise CredentialsError("time-stamp", "the TSA's answer is not a timestamp-reply")
    if len(body) > MAX_REPLY:
        raise CredentialsError("time-stamp", "the TSA's answer is too large")
    return body


_HEADERS = {"content-type": "application/timestamp-query", "accept": "application/timestamp-reply"}


def request(url: str, message: bytes, anchors: tuple[x509.Certificate, ...] = ()) -> Stamped:
    """A verified time-stamp over `message` from the TSA at `url`."""
    query, nonce = token_request(message)
    http = backend()
    try:
        with http.Client(timeout=_TIMEOUT, follow_redirects=False) as client:
            r = client.post(url, content=query, headers=_HEADERS)
            body = _reply(r.status_code, r.headers.get("content-type", ""), r.content)
    except http.HTTPError as exc:
        raise CredentialsError(
            "time-stamp", f"the TSA is unreachable ({type(exc).__name__})"
        ) from None
    return _token_of_reply(body, message, nonce, anchors)


async def arequest(url: str, message: bytes, anchors: tuple[x509.Certificate, ...] = ()) -> Stamped:
    """`request` for async callers."""
    query, nonce = token_request(message)
    http = backend()
    try:
        async with http.AsyncClient(timeout=_TIMEOUT, follow_redirects=False) as client:
            r = await client.post(url, content=query, headers=_HEADERS)
            body = _reply(r.status_code, r.headers.get("content-type", ""), r.content)
    except http.HTTPError as exc:
        raise CredentialsError(
            "time-stamp", f"the TSA is unreachable ({type(exc).__name__})"
        ) from None
    return _token_of_reply(body, message, nonce, anchors)
