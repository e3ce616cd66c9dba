"""Govern the official SDKs at the transport: `rai.http_client()` / `rai.async_http_client()`.

Hand the SDK an httpx2 (or httpx) client from the library and keep your code::

    http = rai.http_client(policy, use_case="client.support")
    client = openai.OpenAI(base_url=..., http_client=http)

The transport is a second thin driver over the same pipeline as `Guard`: it maps the
request's URL to an approved provider, reads the JSON body of OpenAI chat completions,
OpenAI Responses or Anthropic messages, runs the policy and PII steps, sends the redacted
body, then restores, scans and stamps the answer (non-streamed bodies are rewritten; SSE
streams are rewritten event by event). Anything it cannot read is refused, never passed
raw.

Refusals are raised from the transport as the library's own error class, made to also
be an instance of the SDKs' base errors (`openai.OpenAIError`, `anthropic.AnthropicError`,
when installed): both SDKs propagate their own errors as they are, so a refusal is never
retried, never waits for back-off, and `except rai.UseCaseBlocked` catches it directly.
"""

from __future__ import annotations

import contextvars
import importlib
import json
import os
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import orjson

from ._errors import ConfigurationError, ProviderNotApproved, RedactionFailed, ResponsibleAIError
from ._guard import Guard
from ._http import backend as http_backend
from ._pii import ClientRecord, KnownValues, PIISession
from ._pii._redactor import _Walker
from ._pipeline import Call
from ._policy import Policy, Provider
from ._provenance import HEADER, Provenance
from ._providers import wire_for
from ._sse import SSEDecoder

__all__ = ["USE_CASE_HEADER", "async_http_client", "http_client", "provenance_for_id", "use_case"]

USE_CASE_HEADER = "x-rai-use-case"

_use_case: contextvars.ContextVar[str | None] = contextvars.ContextVar("rai_use_case", default=None)
_stamps: dict[str, Provenance] = {}  # response id -> stamp, bounded (see _remember)


@contextmanager
def use_case(tag: str) -> Iterator[str]:
    """SDK calls made through a governed http client inside this block declare `tag`."""
    token = _use_case.set(tag)
    try:
        yield tag
    finally:
        _use_case.reset(token)


def provenance_for_id(response_id: str | None) -> Provenance | None:
    """The stamp of a response the transport saw, by the provider's response id."""
    return _stamps.get(response_id) if response_id else None


def _remember(response_id: str | None, stamp: Provenance | None) -> None:
    if response_id and stamp is not None:
        if len(_stamps) >= 10_000:
            _stamps.pop(next(iter(_stamps)))
        _stamps[response_id] = stamp


_sdk_errors: dict[type[BaseException], type[BaseException]] = {}


def _as_sdk_error(exc: ResponsibleAIError) -> ResponsibleAIError:
    """`exc` re-made as an instance of its own class *and* of the SDKs' base errors."""
    cls = type(exc)
    combined = _sdk_errors.get(cls)
    if combined is None:
        bases: list[type[BaseException]] = [cls]
        for module, name in (("openai", "OpenAIError"), ("anthropic", "AnthropicError")):
            try:
                base = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
            if not issubclass(cls, base):
                bases.append(base)
        combined = type(cls.__name__, tuple(bases), {"__module__": cls.__module__})
        _sdk_errors[cls] = combined
    clone = combined.__new__(combined)
    clone.__dict__.update(exc.__dict__)
    clone.args = exc.args
    return clone  # type: ignore[return-value]


# ------------------------------------------------------------------------------ bodies

ENDPOINTS = {"/chat/completions": "chat", "/messages": "messages", "/responses": "responses"}


def _prompt_messages(kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything in the body a provider would read, as a message list to redact."""
    if kind == "chat":
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise _unreadable("chat completions body without a messages list")
        return list(messages)
    if kind == "messages":
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise _unreadable("messages body without a messages list")
        system = body.get("system")
        head = [] if system is None else [{"role": "system", "content": system}]
        return [*head, *messages]
    raw = body.get("input")
    items: list[dict[str, Any]] = []
    if body.get("instructions") is not None:
        items.append({"role": "system", "content": body["instructions"]})
    if isinstance(raw, str):
        items.append({"role": "user", "content": raw})
    elif isinstance(raw, list):
        for item in raw:
            if not isinstance(item, dict):
                raise _unreadable("a Responses input item that is not an object")
            if "role" in item:
                items.append(item)
            elif item.get("type") == "function_call_output":
                items.append({"role": "tool", "content": item.get("output", "")})
            elif item.get("type") == "function_call":
                items.append({"role": "assistant", "content": None, "tool_calls": [
                    {"id": item.get("call_id", ""), "type": "function",
                     "function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")}}]})  # fmt: skip
            else:
                raise _unreadable(f"a Responses input item of type {item.get('type')!r}")
    else:
        raise _unreadable("a Responses body without input")
    return items


def _put_back(kind: str, body: dict[str, Any], redacted: list[Any]) -> dict[str, Any]:
    out = dict(body)
    if kind == "chat":
        out["messages"] = redacted
    elif kind == "messages":
        if body.get("system") is not None:
            out["system"] = redacted[0]["content"]
            redacted = redacted[1:]
        out["messages"] = redacted
    else:
        if body.get("instructions") is not None:
            out["instructions"] = redacted[0]["content"]
            redacted = redacted[1:]
        if isinstance(body.get("input"), str):
            out["input"] = redacted[0]["content"]
        else:
            items = []
            for original, red in zip(body["input"], redacted, strict=True):
                if "role" in original:
                    items.append(red)
                elif original.get("type") == "function_call_output":
                    items.append({**original, "output": red["content"]})
                else:
                    args = red["tool_calls"][0]["function"]["arguments"]
                    items.append({**original, "arguments": args})
            out["input"] = items
    return out


def _byte_stream(message: Any, body: bytes) -> Any:
    """A replayable in-memory body stream of the message's own HTTP library."""
    module = importlib.import_module(type(message).__module__.split(".", 1)[0])
    return module.ByteStream(body)


def _rewrite(response: Any, body: bytes, stamp: Provenance | None) -> Any:
    """Put the rewritten answer into the (not yet handed out) response, in place."""
    if body is not response.content:
        response._content = body
        response.stream = _byte_stream(response, body)
        response.headers["content-length"] = str(len(body))
    if stamp is not None:
        response.headers[HEADER] = stamp.to_header()
    return response


def _unreadable(what: str) -> RedactionFailed:
    return RedactionFailed(
        f"the governed transport cannot read {what}; the request was not sent",
        detector="transport",
        error_type="unreadable",
    )


class _Governor:
    """Shared by the sync and async transports: everything but the I/O."""

    def __init__(
        self,
        guard: Guard,
        *,
        use_case: str | None,
        subject: ClientRecord | KnownValues | None,
        restore: bool | None,
    ) -> None:
        self.guard = guard
        self.default_use_case = use_case
        self.subject = subject
        self.restore = restore
        self._routed: dict[tuple[Any, ...], tuple[Provider, str]] = {}
        self.routes: list[tuple[str, str, int | None, str, Provider]] = []
        for p in guard.policy.providers:
            url = urlsplit(p.base_url)
            self.routes.append((url.scheme, url.hostname or "", url.port, url.path.rstrip("/"), p))

    def route(self, request: Any, model: str) -> tuple[Provider, str]:
        """The approved provider this request goes to: its base URL, its wire format, and
        (when several providers share an address) the one whose allow-list has the model."""
        url = request.url
        key = (url.scheme, url.host, url.port, url.path, model)
        hit = self._routed.get(key)
        if hit is None:
            hit = self._route(url, model)
            if len(self._routed) < 1024:
                self._routed[key] = hit
        return hit

    def _route(self, url: Any, model: str) -> tuple[Provider, str]:
        host, port, path = url.host, url.port, url.path
        unreadable = None
        candidates: list[tuple[Provider, str]] = []
        for scheme, r_host, r_port, prefix, provider in self.routes:
            if not (
                scheme == url.scheme
                and r_host == host
                and r_port == port
                and path.startswith(prefix + "/")
            ):
                continue
            kind = ENDPOINTS.get(path[len(prefix) :])
            if kind is None:
                unreadable = f"a request to {path[len(prefix) :]!r} (not an inference endpoint)"
            elif (kind == "messages") == (provider.kind == "anthropic"):
                candidates.append((provider, kind))
            else:
                unreadable = f"a {kind} request to a {provider.kind} provider"
        if candidates:
            return next((c for c in candidates if c[0].allows_model(model)), candidates[0])
        if unreadable is not None:
            raise _unreadable(unreadable)
        policy = self.guard.policy
        raise ProviderNotApproved(
            f"{host!r} is not the address of any approved provider", rule="providers",
            policy_id=policy.id, policy_version=policy.version,
        )  # fmt: skip

    def _redact_tools(self, call: Call, tools: list[Any]) -> list[Any]:
        """Tool definitions reach the provider too: every description in them (the tool's,
        and its parameters' in the JSON schema) is redacted with the call's session."""
        redactor = self.guard.redactor
        walker = _Walker(redactor, call.subject, call.session, call.pii_plan)

        def walk(node: Any, path: str) -> Any:
            if isinstance(node, dict):
                return {
                    k: walker.text(v, f"{path}.{k}") if k == "description" and isinstance(v, str)
                    else walk(v, f"{path}.{k}")
                    for k, v in node.items()
                }  # fmt: skip
            if isinstance(node, list):
                return [walk(v, f"{path}[{i}]") for i, v in enumerate(node)]
            return node

        redacted = walk(tools, "tools")
        redactor._raise_blocked(walker.blocked, call.pii_plan)
        for r in walker.found:
            call.redactions[r.finding.entity_type] = (
                call.redactions.get(r.finding.entity_type, 0) + 1
            )
        return redacted  # type: ignore[no-any-return]

    def begin(self, request: Any) -> _Exchange:
        """Decide, redact and rebuild the request (raises the SDK-compatible refusal)."""
        try:
            return self._begin(request)
        except ResponsibleAIError as exc:
            raise _as_sdk_error(exc) from None

    def _begin(self, request: Any) -> _Exchange:
        try:
            body = orjson.loads(request.content)
        except (ValueError, TypeError):
            body = None
        model = body.get("model") if isinstance(body, dict) else None
        provider, kind = self.route(request, model if isinstance(model, str) else "")
        if not isinstance(body, dict):
            raise _unreadable("a body that is not a JSON object")
        if not isinstance(model, str):
            raise _unreadable("a body without a model")
        tag = request.headers.get(USE_CASE_HEADER) or _use_case.get() or self.default_use_case
        use_case = tag or "undeclared"
        stream = bool(body.get("stream"))
        params = {
            k: v
            for k, v in body.items()
            if k not in ("model", "messages", "input", "system", "instructions")
        }
        guard = self.guard
        obs = guard.telemetry.observe(model=body["model"], provider=provider.name, use_case=use_case,
                                      params=params, stream=stream)  # fmt: skip
        with obs.active():
            call = guard._decide(
                obs, _prompt_messages(kind, body), stream=stream, use_case=use_case,
                provider=provider.name, model=body["model"], data_class=None, consent=None,
                params=params, subject=self.subject, session=None, restore=self.restore,
            )  # fmt: skip
        out = _put_back(kind, body, call.messages)
        if isinstance(body.get("tools"), list):
            out["tools"] = self._redact_tools(call, body["tools"])
        new_body = orjson.dumps(out)
        call.sent_body = new_body
        # a copy of the SDK's request with the redacted body: the SDK keeps its own request
        # (and its body) for its retries, and no URL is parsed again
        cls: Any = type(request)
        new_request = cls.__new__(cls)
        new_request.__dict__.update(request.__dict__)  # copy.copy drops `extensions` (time-outs)
        headers = request.headers.copy()
        headers.pop(USE_CASE_HEADER, None)
        headers["content-length"] = str(len(new_body))
        new_request.headers = headers
        new_request.stream = _byte_stream(request, new_body)
        new_request._content = new_body
        return _Exchange(self, call, obs, kind, provider, new_request)


class _Exchange:
    """One request/response through the transport."""

    def __init__(
        self, gov: _Governor, call: Call, obs: Any, kind: str, provider: Provider, request: Any
    ) -> None:
        self.gov = gov
        self.call = call
        self.obs = obs
        self.kind = kind
        self.provider = provider
        self.request = request

    def finish_json(self, content: bytes) -> tuple[bytes, Provenance | None]:
        """Restore, scan and stamp a complete JSON answer; returns the rewritten body."""
        data = orjson.loads(content)
        wire = wire_for("anthropic" if self.kind == "messages" else "openai")
        if self.kind == "responses":
            text = "".join(
                part.get("text", "")
                for item in data.get("output", []) if isinstance(item, dict) and item.get("type") == "message"
                for part in item.get("content", []) if isinstance(part, dict) and part.get("type") == "output_text"
            )  # fmt: skip
            from ._providers import Parsed
            from ._types import Usage

            u = data.get("usage") or {}
            parsed = Parsed(text, data.get("model"), data.get("id"),
                            Usage(u.get("input_tokens"), u.get("output_tokens")), data.get("status"))  # fmt: skip
        else:
            parsed = wire.parse(data, self.provider.name)
        with self.obs.active():
            response = self.gov.guard.pipeline.finish(self.call, parsed)
        self.obs.succeeded(response, self.call.answer_redacted)
        session = self.call.session
        _remember(response.id, response.provenance)
        if response.restored and session is not None:
            return orjson.dumps(_restore_json(data, session)), response.provenance
        return content, response.provenance  # nothing to restore: the provider's bytes as they are

    def failed(self, exc: BaseException) -> None:
        self.obs.failed(exc)


def _restore_json(data: Any, session: PIISession) -> Any:
    """Every string of a provider's answer with this session's placeholders restored."""
    if isinstance(data, str):
        return session.restore(data)
    if isinstance(data, list):
        return [_restore_json(x, session) for x in data]
    if isinstance(data, dict):
        return {k: _restore_json(v, session) for k, v in data.items()}
    return data


class _SSERewriter:
    """Rewrites an SSE answer as it streams, through the same chunk filters as a `Guard`
    stream: PII the model writes reported, masked or refused (bounded look-behind), and
    placeholders restored even when split across events. Held-back text is emitted in a
    delta event inserted just before the event that closes the text."""

    def __init__(self, ex: _Exchange) -> None:
        self.ex = ex
        self.decoder = SSEDecoder()
        self.folder: Any = (
            _ResponsesFolder()
            if ex.kind == "responses"
            else wire_for("anthropic" if ex.kind == "messages" else "openai").folder(
                ex.provider.name
            )
        )
        self.filter = ex.gov.guard.pipeline.chunk_filter(ex.call)
        self.emitted: list[str] = []
        self.text_index: int | None = None  # Anthropic: the content block holding the text
        self.flushed = False
        self.finished = False

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(event) for event in self.decoder.feed(chunk))

    def _event(self, event: Any) -> bytes:
        data = event.data
        prefix = b""
        if data == "[DONE]":
            prefix = self._flush_before(event)
            self.folder.feed(event)
        else:
            parsed = json.loads(data)
            prefix = self._flush_before(event, parsed)
            delta = self.folder.feed(event)
            if delta:
                self.ex.obs.first_chunk()
                if self.ex.kind == "messages":
                    self.text_index = parsed.get("index", 0)
                out = self.filter.feed(delta) if self.filter is not None else delta
                self.emitted.append(out)
                if out != delta:
                    data = _replace_delta(self.ex.kind, parsed, out)
            elif self.ex.kind == "responses" and self.filter is not None:
                data = self._responses_final(parsed, data)
        head = f"event: {event.event}\n" if event.event and event.event != "message" else ""
        return prefix + f"{head}data: {data}\n\n".encode()

    def _flush_before(self, event: Any, parsed: dict[str, Any] | None = None) -> bytes:
        """Before the event that closes the text, emit what the filters still hold."""
        if self.flushed or self.filter is None:
            return b""
        if parsed is None:  # [DONE]
            closing = True
        elif self.ex.kind == "responses":
            closing = parsed.get("type") in ("response.output_text.done", "response.completed")
        elif self.ex.kind == "chat":
            closing = any(c.get("finish_reason") for c in parsed.get("choices") or ())
        else:
            closing = (
                parsed.get("type") == "content_block_stop"
                and parsed.get("index") == self.text_index
            )
        if not closing:
            return b""
        self.flushed = True
        tail = self.filter.flush()
        self.emitted.append(tail)
        if not tail:
            return b""
        if self.ex.kind == "chat":
            base = {k: v for k, v in (parsed or {}).items() if k != "choices" and k != "usage"}
            synthetic: dict[str, Any] = {
                **base,
                "choices": [{"index": 0, "delta": {"content": tail}, "finish_reason": None}],
            }
            return f"data: {json.dumps(synthetic, ensure_ascii=False)}\n\n".encode()
        if self.ex.kind == "responses":
            keys = ("item_id", "output_index", "content_index", "sequence_number")
            synthetic = {
                "type": "response.output_text.delta",
                **{k: parsed.get(k) for k in keys if parsed and k in parsed},
                "delta": tail,
            }
            return f"event: response.output_text.delta\ndata: {json.dumps(synthetic, ensure_ascii=False)}\n\n".encode()
        synthetic = {
            "type": "content_block_delta",
            "index": self.text_index or 0,
            "delta": {"type": "text_delta", "text": tail},
        }
        return f"event: content_block_delta\ndata: {json.dumps(synthetic, ensure_ascii=False)}\n\n".encode()

    def _responses_final(self, event: dict[str, Any], data: str) -> str:
        """The Responses events that repeat the whole text carry the text as emitted."""
        text = "".join(self.emitted)
        kind = event.get("type")
        if kind == "response.output_text.done":
            event["text"] = text
        elif kind == "response.completed":
            parts = [
                part for item in (event.get("response") or {}).get("output") or ()
                if isinstance(item, dict) and item.get("type") == "message"
                for part in item.get("content") or () if isinstance(part, dict) and part.get("type") == "output_text"
            ]  # fmt: skip
            if len(parts) != 1:
                return data
            parts[0]["text"] = text
        else:
            return data
        return json.dumps(event, ensure_ascii=False)

    def abandon(self) -> None:
        """The caller closed the stream before its end: the span ends, nothing is stamped."""
        if not self.finished:
            self.finished = True
            from ._guard import StreamClosed

            self.ex.failed(StreamClosed())

    def close(self) -> None:
        if self.finished:
            return
        self.finished = True
        parsed = self.folder.result()
        if not self.folder.done and parsed.finish_reason is None:
            self.ex.failed(RuntimeError("stream ended early"))
            return
        if not self.flushed and self.filter is not None:
            self.emitted.append(self.filter.flush())
        if self.filter is not None:
            parsed.text = "".join(self.emitted)  # what the caller received
        with self.ex.obs.active():
            response = self.ex.gov.guard.pipeline.finish(self.ex.call, parsed)
        self.ex.obs.succeeded(response, self.ex.call.answer_redacted)
        _remember(response.id, response.provenance)


class _ResponsesFolder:
    """Folds OpenAI Responses stream events (output_text deltas, the completed response)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.done = False
        self.final: dict[str, Any] = {}

    def feed(self, event: Any) -> str | None:
        data = json.loads(event.data)
        kind = data.get("type", event.event)
        if kind == "response.output_text.delta":
            delta = data.get("delta") or ""
            self.parts.append(delta)
            return delta or None
        if kind in ("response.completed", "response.incomplete", "response.failed"):
            self.done = kind == "response.completed"
            self.final = data.get("response") or {}
        return None

    def result(self) -> Any:
        from ._providers import Parsed
        from ._types import Usage

        u = self.final.get("usage") or {}
        status = self.final.get("status")
        return Parsed("".join(self.parts), self.final.get("model"), self.final.get("id"),
                      Usage(u.get("input_tokens"), u.get("output_tokens")), status if self.done else None)  # fmt: skip


def _replace_delta(kind: str, event: dict[str, Any], text: str) -> str:
    if kind == "responses":
        event["delta"] = text
        return json.dumps(event, ensure_ascii=False)
    if kind == "chat":
        for choice in event.get("choices") or ():
            if (choice.get("delta") or {}).get("content") is not None:
                choice["delta"]["content"] = text
    else:
        if (event.get("delta") or {}).get("type") == "text_delta":
            event["delta"]["text"] = text
    return json.dumps(event, ensure_ascii=False)


# ------------------------------------------------------------------------------ transports


def _is_json(response: Any) -> bool:
    return "json" in response.headers.get("content-type", "")


class _SyncStream:
    def __init__(self, inner: Any, rewriter: _SSERewriter) -> None:
        self.inner = inner
        self.rewriter = rewriter

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            out = self.rewriter.feed(chunk)
            if out:
                yield out
        self.rewriter.close()

    def close(self) -> None:
        self.rewriter.abandon()
        if hasattr(self.inner, "close"):
            self.inner.close()


class _AsyncStream:
    def __init__(self, inner: Any, rewriter: _SSERewriter) -> None:
        self.inner = inner
        self.rewriter = rewriter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            out = self.rewriter.feed(chunk)
            if out:
                yield out
        self.rewriter.close()

    async def aclose(self) -> None:
        self.rewriter.abandon()
        if hasattr(self.inner, "aclose"):
            await self.inner.aclose()


def _build(http: Any, sync: bool) -> tuple[type, type]:
    base = http.BaseTransport if sync else http.AsyncBaseTransport
    stream_base = http.SyncByteStream if sync else http.AsyncByteStream

    class Stream(_SyncStream if sync else _AsyncStream, stream_base):  # type: ignore[misc, valid-type]
        pass

    if sync:

        class Transport(base):  # type: ignore[misc, valid-type]
            def __init__(self, gov: _Governor, inner: Any) -> None:
                self.gov, self.inner = gov, inner

            def handle_request(self, request: Any) -> Any:
                ex = self.gov.begin(request)
                try:
                    response = self.inner.handle_request(ex.request)
                except BaseException as exc:
                    ex.failed(exc)
                    raise
                if response.status_code >= 400:
                    ex.failed(RuntimeError(f"HTTP {response.status_code}"))
                    return response
                if _is_json(response):
                    body, stamp = ex.finish_json(response.read())
                    return _rewrite(response, body, stamp)
                return http.Response(response.status_code, headers=response.headers,
                                     stream=Stream(response.stream, _SSERewriter(ex)),
                                     extensions=response.extensions)  # fmt: skip

            def close(self) -> None:
                self.inner.close()

    else:

        class Transport(base):  # type: ignore[misc, valid-type, no-redef]
            def __init__(self, gov: _Governor, inner: Any) -> None:
                self.gov, self.inner = gov, inner

            async def handle_async_request(self, request: Any) -> Any:
                ex = self.gov.begin(request)
                try:
                    response = await self.inner.handle_async_request(ex.request)
                except BaseException as exc:
                    ex.failed(exc)
                    raise
                if response.status_code >= 400:
                    ex.failed(RuntimeError(f"HTTP {response.status_code}"))
                    return response
                if _is_json(response):
                    body, stamp = ex.finish_json(await response.aread())
                    return _rewrite(response, body, stamp)
                return http.Response(response.status_code, headers=response.headers,
                                     stream=Stream(response.stream, _SSERewriter(ex)),
                                     extensions=response.extensions)  # fmt: skip

            async def aclose(self) -> None:
                await self.inner.aclose()

    return Transport, Stream


_OFF = ("", "0", "false", "no", "off", "no_content")
UPSTREAM_CAPTURE_ENVS: dict[str, Callable[[str], bool]] = {
    # opentelemetry-instrumentation-openai-v2 (and other GenAI instrumentors)
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": lambda v: v not in _OFF,
    # anthropic >= 2's own spans
    "ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": lambda v: v == "content",
}


def upstream_capture_on(env: Mapping[str, str] | None = None) -> list[str]:
    """The settings by which telemetry *above* the transport (an SDK's own spans, an
    instrumentor) would record prompts before they are redacted."""
    source = env if env is not None else os.environ
    return [
        name for name, on in UPSTREAM_CAPTURE_ENVS.items()
        if on(source.get(name, "").strip().lower())
    ]  # fmt: skip


def _check_upstream(guard: Guard) -> None:
    found = upstream_capture_on()
    if not found:
        return
    mode = guard.policy.pii.upstream_capture
    message = (
        f"{', '.join(found)} is on: telemetry above the governed transport (the SDK's own "
        "spans or an instrumentor) may record prompts before they are redacted"
    )
    if mode == "refuse":
        raise ConfigurationError(f"{message}; the policy's pii.upstream_capture is 'refuse'")
    if mode == "warn":
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def _governor(
    policy: Policy | Guard,
    use_case: str | None,
    subject: Any,
    restore: bool | None,
    **guard_kw: Any,
) -> _Governor:
    guard = policy if isinstance(policy, Guard) else Guard(policy, **guard_kw)
    _check_upstream(guard)
    return _Governor(guard, use_case=use_case, subject=subject, restore=restore)


def http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: str | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> Any:
    """A `Client` whose transport governs every request an official SDK sends through it:
    httpx2 by default (what openai >= 3 and anthropic >= 2 take), httpx with
    ``backend="httpx"`` (for their previous majors)."""
    return _client(True, policy, use_case, subject, restore, backend, inner, client_kw)


def async_http_client(
    policy: Policy | Guard,
    *,
    use_case: str | None = None,
    subject: ClientRecord | KnownValues | None = None,
    restore: bool | None = None,
    backend: str | None = None,
    inner: Any | None = None,
    **client_kw: Any,
) -> Any:
    """`http_client` for async SDK clients (`openai.AsyncOpenAI`, `anthropic.AsyncAnthropic`)."""
    return _client(False, policy, use_case, subject, restore, backend, inner, client_kw)


def _client(
    sync: bool,
    policy: Policy | Guard,
    use_case: str | None,
    subject: ClientRecord | KnownValues | None,
    restore: bool | None,
    backend: str | None,
    inner: Any | None,
    client_kw: dict[str, Any],
) -> Any:
    http = http_backend(backend or "auto")
    Transport, _ = _build(http, sync=sync)
    gov = _governor(policy, use_case, subject, restore)
    network = inner or (http.HTTPTransport() if sync else http.AsyncHTTPTransport())
    client_cls = http.Client if sync else http.AsyncClient
    return client_cls(transport=Transport(gov, network), **client_kw)
