"""`GovernedTransport`: the SDK driver. It routes a request's URL to an approved
provider (the route step), reads the SDK's JSON body into a `Call`, sends the body the
pipeline prepared (redacted along the endpoint's shape, exactly as `Guard` redacts) and
writes the screened, stamped answer back (`_exchange`). Anything it cannot read is
refused, never passed raw; it raises no policy error itself: the steps do."""

from __future__ import annotations

from types import ModuleType, TracebackType
from typing import Any

from .._call import NO_USE_CASE, Call, Prepared
from .._conversations import current_conversation
from .._errors import ProviderUnavailable
from .._governance import Governance
from .._pii import KnownValues, PIISession
from .._principal import Principal, current_principal
from .._steps import admit, canonical_url, provider_key
from ._exchange import Exchange, body_classes, bounded, is_json, response_of
from ._headers import (
    OWN_HEADERS,
    UNITS_RAW,
    USE_CASE_RAW,
    conversation_of,
    declared_units,
    declared_use_case,
    marking_of,
    read_units,
)
from ._nesting import governed_below
from ._protocol import LENGTHS, credential_headers, is_protocol
from ._sdk_errors import sdk_errors_raised
from ._upstream import check_upstream, check_url_log

__all__ = ["GovernedTransport"]


class GovernedTransport:
    """An httpx2/httpx transport (sync and async, as httpx's `MockTransport` is) that
    governs every request before `inner` sends it."""

    def __init__(
        self,
        governance: Governance,
        inner: Any,
        http: ModuleType,
        *,
        use_case: str | None,
        subject: KnownValues | None,
        restore: bool | None,
        session: PIISession | None = None,
        principal: Principal | None = None,
        conversation: str | None = None,
    ) -> None:
        self.governance = governance
        self.principal = principal
        self.inner = inner
        self.http = http
        self.default_use_case = use_case
        self.subject = subject
        self.session = session  # the conversation's placeholders (None: one per request)
        self.restore = restore
        self.conversation = conversation  # the client's conversation (a header's wins)

    # -- reading the SDK's request

    def _begin(self, request: Any) -> Exchange:
        """Route, decide, redact and reserve; the new request carries the prepared body."""
        call, dropped = self._call(request)
        record = self.governance.record(call)
        with record:  # a request that cannot be rebuilt ends the record too
            prepared = record.prepare(call)
            return Exchange(record, prepared, self._request(request, prepared, dropped))

    async def _abegin(self, request: Any) -> Exchange:
        """`_begin`, reserving on the state store's async client."""
        call, dropped = self._call(request)
        record = self.governance.record(call)
        with record:
            prepared = await record.aprepare(call)
            return Exchange(record, prepared, self._request(request, prepared, dropped))

    def _call(self, request: Any) -> tuple[Call, set[str]]:
        """The SDK's request as a `Call` (routed and read), and the headers not to send:
        the library's own (use case, units, credentials, channel, conversation: read
        here), a caller's ``Content-Length`` that is not the body's or ``Transfer-Encoding``
        (the body's real length is sent), the provider's credential header when the
        provider takes no key (`provider_key`: a value that is not its key is refused).
        The principal is the one ``rai.acting_as`` binds, else the client's own; the units
        the header declares, else ``rai.units``; the conversation the ``x-rai-conversation``
        header names, else the one ``rai.conversation`` binds, else the client's own."""
        check_upstream(self.governance.policy)  # logging may be set up after the client
        data = admit.json_body(request.content)
        model = data.get("model") if isinstance(data, dict) else None
        provider, endpoint = self.governance.routes.route(
            request.url, model if isinstance(model, str) else ""
        )
        body, model = admit.request_body(data)
        tags: list[str] = []
        own: dict[bytes, list[str]] = {}  # the library's own headers: read, never sent
        content_headers: list[list[str]] = []  # every header that is not protocol
        netloc = request.url.netloc
        keys = credential_headers(provider)
        dropped: set[str] = set()  # the body's framing (re-measured), a key nobody gave
        creds: dict[bytes, list[bytes]] = {}  # the provider's credential headers
        for key, value in request.headers.raw:
            name = key.lower()
            if name == USE_CASE_RAW:
                tags.append(value.decode("latin-1"))
            elif name in OWN_HEADERS:
                own.setdefault(name, []).append(value.decode("latin-1"))
            elif name in keys:
                creds.setdefault(name, []).append(value)
            elif name in LENGTHS:  # the caller's framing never leaves: the body's length does
                if name != b"content-length" or value != b"%d" % len(request.content):
                    dropped.add(name.decode())
            elif not is_protocol(name, value, provider, netloc):
                content_headers.append([key.decode("latin-1"), value.decode("latin-1")])
        for name, values in creds.items():
            if not provider_key(name, values, provider):
                dropped.add(name.decode())
        credentials, channel = marking_of(own)
        conversation = conversation_of(own) or current_conversation.get() or self.conversation
        tag = ", ".join(tags) or declared_use_case.get() or self.default_use_case
        units = read_units([v.encode("latin-1") for v in own.get(UNITS_RAW, [])])
        query = [list(kv) for kv in request.url.params.multi_items()] if request.url.query else []
        extra = {"query": query, "headers": content_headers} if query or content_headers else None
        call = Call(
            use_case=tag or NO_USE_CASE,
            provider_name=provider.name,
            model=model,
            body=body,
            endpoint=endpoint,
            stream=bool(body.get("stream")),
            subject=self.subject,
            session=self.session if conversation is None else None,
            restore=self.restore,
            extra=extra,
            principal=current_principal.get() or self.principal,
            credentials=credentials,
            channel=channel,
            units=declared_units.get() if units is None else units,
            conversation=conversation,
        )
        if tags or own:
            dropped.update(own.decode() for own in OWN_HEADERS)
        return call, dropped

    def _request(self, request: Any, prepared: Prepared, dropped: set[str]) -> Any:
        """The SDK's request with what the pipeline prepared: the body, and the query
        parameters and content headers as redacted (the public constructor). When the
        prepared bytes are the SDK's own, nothing was redacted or re-encoded, and there
        is no header to drop, the SDK's request is already exactly that."""
        content = prepared.content
        extra = prepared.outbound.extra
        if extra == prepared.call.extra:
            extra = None  # the headers and query read as content held nothing to redact
        elif extra is not None and extra["query"] != (prepared.call.extra or {}).get("query"):
            check_url_log(self.governance.policy)  # the SDK's URL, as it built it, is logged
        url = canonical_url(request.url, prepared.provider, prepared.endpoint)
        if extra is None and not dropped and content == request.content and url is request.url:
            return request
        headers = request.headers.copy()
        for name in dropped:
            headers.pop(name, None)
        if extra is not None:
            for name, _ in extra["headers"]:
                headers.pop(name, None)
            kept = list(headers.multi_items())
            added = [
                (k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in extra["headers"]
            ]
            headers = self.http.Headers(
                [(k.encode("latin-1"), v.encode("latin-1")) for k, v in kept] + added
            )
            url = self.http.URL(url, params=[(k, v) for k, v in extra["query"]])
        headers["content-length"] = str(len(content))
        return self.http.Request(
            request.method,
            url,
            headers=headers,
            stream=self.http.ByteStream(content),  # replayable: the SDK may retry
            extensions=request.extensions,
        )

    def _failed(self, ex: Exchange, response: Any) -> None:
        ex.record.failed(ProviderUnavailable(
            f"provider {ex.prepared.provider.name!r} answered HTTP {response.status_code}",
            provider=ex.prepared.provider.name,
        ))  # fmt: skip

    def _screened(self, ex: Exchange, response: Any, content: bytes) -> Any:
        """The provider's error body screened like an answer (the SDK puts it in its
        exception, which is logged): the response as it was when nothing was found."""
        screened = ex.record.pipeline.screen_error(ex.prepared, content)
        if screened is content:
            return response
        return response_of(self.http, response, None, content=screened)

    # -- the two modes

    def handle_request(self, request: Any) -> Any:
        request.read()  # a redirected request's body may not be read yet (as MockTransport)
        with sdk_errors_raised:
            ex = self._begin(request)
        with ex.record.ending():
            token = governed_below.set(True)
            try:
                response = bounded(self.inner.handle_request(ex.request), ex)
            finally:
                governed_below.reset(token)
        if not 200 <= response.status_code < 300:
            self._failed(ex, response)  # the SDK sees the provider's answer, screened; a
            with sdk_errors_raised:  # redirect it follows comes back through here, governed
                return self._screened(ex, response, response.read())
        if is_json(response):
            with ex.record.ending(), sdk_errors_raised:
                return ex.answer(self.http, response, response.read())
        sync_body, _ = body_classes(self.http)
        rewriter = ex.stream()
        rewriter.response = response_of(
            self.http, response, None, stream=sync_body(response, rewriter)
        )
        return rewriter.response

    async def handle_async_request(self, request: Any) -> Any:
        await request.aread()
        with sdk_errors_raised:
            ex = await self._abegin(request)
        with ex.record.ending():
            token = governed_below.set(True)
            try:
                response = bounded(await self.inner.handle_async_request(ex.request), ex)
            finally:
                governed_below.reset(token)
        if not 200 <= response.status_code < 300:
            self._failed(ex, response)  # the SDK sees the provider's answer, screened; a
            with sdk_errors_raised:  # redirect it follows comes back through here, governed
                return self._screened(ex, response, await response.aread())
        if is_json(response):
            with ex.record.ending(), sdk_errors_raised:
                return await ex.aanswer(self.http, response, await response.aread())
        _, async_body = body_classes(self.http)
        rewriter = ex.stream()
        rewriter.response = response_of(
            self.http, response, None, stream=async_body(response, rewriter)
        )
        return rewriter.response

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __enter__(self) -> GovernedTransport:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> GovernedTransport:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
