"""A free verification interface (the Code of Practice asks for one): a small ASGI app.

``POST /verify`` with the text as the body (``text/plain``, UTF-8; a ``C2PA-Manifest``
header verifies a header-carried manifest) answers the verdict as JSON; ``GET /``
answers a short page saying how. Bodies over 4 MiB are refused (413), bodies that are
not UTF-8 too (400). Nothing is stored or logged: the text is read, verified, dropped.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from cryptography import x509

from ._mark import HEADER, manifest_of_header
from ._verify import Verdict, verify_store, verify_text

__all__ = ["MAX_BODY", "credentials_app"]

MAX_BODY = 4 << 20
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Verify Content Credentials</title>"
    b"<h1>Verify Content Credentials</h1><p>POST the text to <code>/verify</code> "
    b"(text/plain, UTF-8). The answer is JSON: <code>state</code> is VALID, TRUSTED, "
    b"INVALID (with <code>code</code> and <code>reason</code>) or UNMARKED.</p>"
)


async def _respond(send: Send, status: int, body: bytes, kind: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind.encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, data: dict[str, Any]) -> None:
    await _respond(send, status, json.dumps(data).encode(), "application/json")


def credentials_app(trust: Sequence[x509.Certificate] = ()) -> ASGIApp:
    """The ASGI app; `trust` are the anchors that make a verdict TRUSTED."""
    anchors = tuple(trust)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path, method = scope.get("path", ""), scope.get("method", "")
        if path == "/" and method == "GET":
            await _respond(send, 200, _PAGE, "text/html; charset=utf-8")
            return
        if path != "/verify":
            await _json(send, 404, {"error": "not found"})
            return
        if method != "POST":
            await _json(send, 405, {"error": "POST the text to /verify"})
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > MAX_BODY:
            await _json(send, 413, {"error": "the body is larger than 4 MiB"})
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                await _json(send, 413, {"error": "the body is larger than 4 MiB"})
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        try:
            text = b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError:
            await _json(send, 400, {"error": "the body is not UTF-8 text"})
            return
        carried = headers.get(HEADER.lower())
        verdict: Verdict
        if carried is not None:
            try:
                store = manifest_of_header(carried)
            except ValueError as exc:
                await _json(send, 400, {"error": str(exc)})
                return
            verdict = verify_store(store, text, trust=anchors)
        else:
            verdict = verify_text(text, trust=anchors)
        await _json(send, 200, verdict.as_dict())

    return app
