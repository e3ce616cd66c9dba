"""`rai demo`: governed calls end to end on the embedded default, no network, no keys."""

from __future__ import annotations

import json
import secrets
import tomllib
from importlib.resources import files
from typing import Any, TextIO

from ._audit import AuditTrail
from ._errors import PolicyViolation, UnreviewedContent
from ._guard import Guard
from ._pii import ClientRecord
from ._policy import Policy
from ._provenance import AIText, HmacSigner, Keyring, require_reviewed, review, verify
from ._types import Decision
from ._usecases import Consent
from .testing import FakeModelServer

DEFAULT_PROMPT = "Write a two-line tagline for our new savings account for young families."
CLIENT = ClientRecord(name="Jane Roe", emails=["jane.roe@mail.example"], id="client-1042")
SUPPORT_PROMPT = (
    "Draft a reply to Jane Roe (jane.roe@mail.example, +44 20 7946 0958): her replacement "
    "card arrives Friday; the refund goes to IBAN GB82 WEST 1234 5698 7654 32. Tom Okafor "
    "at our Leeds branch approved it."
)


def demo_policy(base_url: str) -> Policy:
    """The embedded demo policy with its providers pointed at `base_url`."""
    data: dict[str, Any] = tomllib.loads(
        files("responsible_ai").joinpath("_data/demo_policy.toml").read_text("utf-8")
    )
    for provider in data["providers"]:
        provider["base_url"] = base_url
    return Policy.from_dict(data, source="<embedded demo policy>")


def _decision(d: Decision) -> str:
    notes = [f"rule {d.rule}", f"data class {d.data_class}"]
    if d.requires_review:
        notes.append("human review required before publishing")
    return f"{d.outcome} ({'; '.join(notes)})"


def run_demo(out: TextIO, *, prompt: str | None = None) -> int:
    prompt = prompt or DEFAULT_PROMPT
    audit: list[Decision] = []
    signer = HmacSigner(secrets.token_bytes(32), kid="demo-key")  # an ephemeral demo key
    keyring = Keyring([signer])
    try:
        from .testing import CapturedTelemetry

        otel: Any = CapturedTelemetry()
        telemetry = otel.telemetry
    except ImportError:  # the SDK is not installed: spans are no-ops
        otel, telemetry = None, None
    with FakeModelServer() as server:
        policy = demo_policy(server.base_url)
        with Guard(
            policy, on_decision=audit.append, signer=signer, service="rai-demo",
            telemetry=telemetry, audit=AuditTrail(sink=lambda line: None),
        ) as guard:  # fmt: skip

            def w(*parts: object) -> None:
                print(*parts, file=out)

            w(f"responsible-ai demo: policy {policy.id} v{policy.version}")
            w(f"  policy sha256  {policy.sha256}")
            w(f"  stand-in model {server.base_url} (OpenAI wire format, on 127.0.0.1)")
            w("")
            w("1. An allowed call: use_case=marketing.copy provider=openai-prod model=gpt-4o-mini")
            resp = guard.chat(
                [{"role": "system", "content": "You write warm, plain marketing copy."},
                 {"role": "user", "content": prompt}],
                use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini",
                temperature=0.7,
            )  # fmt: skip
            sent = server.requests[-1]
            w(f"   prompt as sent  POST {sent.path}")
            for m in sent.body["messages"]:
                w(f"                   {m['role']}: {json.dumps(m['content'], ensure_ascii=False)}")
            w(f"   answer          {resp.text}")
            u = resp.usage
            w(f"   served by       {resp.provider} / {resp.model}; usage {u.input_tokens} in, "
              f"{resp.usage.output_tokens} out; finish {resp.finish_reason}")  # fmt: skip
            w(f"   decision        {_decision(resp.decision)}")
            stamp = resp.provenance
            assert stamp is not None
            w(f"   provenance      id {stamp.id}, {stamp.signature.alg} signed by key "
              f"{stamp.signature.kid}")  # fmt: skip
            source = stamp.digital_source_type.rsplit("/", 1)[-1]
            w(f"                   source {source}; policy {stamp.policy.id} "
              f"v{stamp.policy.version}; review {stamp.review.status}")  # fmt: skip
            w(f"                   output sha256 {stamp.output_sha256[:16]}...; verify: "
              f"{', '.join(verify(resp, keyring=keyring).checks)} ok")  # fmt: skip
            try:
                require_reviewed(resp, keyring=keyring)
            except UnreviewedContent as exc:
                w(f"   publish?        refused: {exc}")
            approved = review(resp, reviewer="alice@acme.example", decision="approved",
                              signer=signer, audit=lambda event: None, keyring=keyring)  # fmt: skip
            require_reviewed(AIText(resp.text, approved), keyring=keyring)
            w(f"   after review    approved by alice@acme.example (stamp {approved.id[:13]}..., "
              "chained to the first); publish allowed")  # fmt: skip
            w(f"   footer          {approved.footer()}")
            if otel is not None:
                span = otel.spans()[-1]
                a = span.attributes
                tokens = f"{a['gen_ai.usage.input_tokens']}/{a['gen_ai.usage.output_tokens']}"
                w(f"   span            {span.name!r} ({span.kind.name}); "
                  f"gen_ai.provider.name={a['gen_ai.provider.name']}, tokens {tokens}")  # fmt: skip
                w(f"                   rai.decision={a['rai.decision']}, rai.rule={a['rai.rule']}, "
                  f"trace {span.context.trace_id:032x}")  # fmt: skip
            else:
                w("   span            (install opentelemetry-sdk to see it)")
            w("")
            w("2. The same call, streamed:")
            stream = guard.stream(
                prompt, use_case="marketing.copy", provider="openai-prod", model="gpt-4o-mini"
            )
            pieces = [chunk.text for chunk in stream]
            w(f"   {len(pieces)} chunks     {'|'.join(pieces)}")
            w(f"   decision        {_decision(stream.response.decision)}")
            done = stream.provenance.id if stream.provenance else "-"
            w(f"   provenance      stamped when the stream completed: {done}")
            w("")
            w("3. Client data: use_case=client.support (consent given), the client's record known")
            consent = Consent(subject=CLIENT.id or "client", scope="client.support")
            resp = guard.chat(SUPPORT_PROMPT, use_case="client.support", provider="openai-prod",
                              model="gpt-4o-mini", subject=CLIENT, consent=consent,
                              data_class="confidential", restore=True)  # fmt: skip
            sent = server.requests[-1].body["messages"][-1]["content"]
            w(f"   prompt          {SUPPORT_PROMPT}")
            w(f"   prompt as sent  {sent}")
            w(f"   redacted        {', '.join(f'{k} x{v}' for k, v in resp.redactions.items())}")
            w(f"   answer restored {resp.text}")
            who = resp.decision.consent.subject if resp.decision.consent else "-"
            w(f"   decision        {_decision(resp.decision)}; consent of {who}")
            w("")
            w("4. A refused call: use_case=hr.performance_review (blocked by the policy)")
            before = len(server.requests)
            try:
                guard.chat("Rate this employee's year.", use_case="hr.performance_review",
                           provider="openai-prod", model="gpt-4o-mini")  # fmt: skip
            except PolicyViolation as exc:
                w(f"   refused         {type(exc).__name__}: {exc}")
            w(
                f"   requests sent   {len(server.requests) - before} "
                "(refused before any network I/O)"
            )
            w("")
            w("5. A refused call: provider=chat-free (a free tier; the policy allows none)")
            try:
                guard.chat(
                    prompt, use_case="marketing.copy", provider="chat-free", model="gpt-4o-mini"
                )
            except PolicyViolation as exc:
                w(f"   refused         {type(exc).__name__}: {exc}")
            if otel is not None:
                spans = otel.spans()
                refused = sum(1 for x in spans if x.attributes.get("rai.decision") == "blocked")
                w("")
                w(f"Spans: {len(spans)} CLIENT spans, {refused} of them refusals (status ERROR)")
            w("")
            w(f"Audit trail: {len(audit)} decisions")
            for d in audit:
                w(f"   {d.outcome:<8} {d.use_case:<22} {d.provider:<12} {d.rule}")
    return 0
