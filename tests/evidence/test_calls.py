"""Every governed call, refusal, answer, review and policy change lands in the evidence
store — through a Guard, an SDK client and a @governed function — carrying counts, rule
ids, hashes and pseudonyms, never a prompt or a client value; evaluations become
`gen_ai.evaluation.result` span events; a store that cannot be written refuses calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import responsible_ai as rai
from responsible_ai._cli import main
from responsible_ai._evaluation import Evaluation
from responsible_ai._evidence import ChainKey, EvidenceStore
from responsible_ai._pseudonym import Pseudonymizer
from responsible_ai.testing import CapturedTelemetry, FakeModelServer

from ..conftest import CANARY, base_policy

pytestmark = pytest.mark.http
MK = {"use_case": "engineering", "provider": "openai-prod", "model": "gpt-4o-mini"}
CLIENT = rai.ClientRecord(
    id="CLIENT-" + CANARY, name="Marguerite Oakhurst", emails=[f"{CANARY.lower()}@example.com"]
)


def _bytes(url: str) -> bytes:
    """Everything the SQLite store keeps on disk (database, WAL)."""
    path = Path(url.removeprefix("sqlite://"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_every_driver_appends_and_no_content_is_stored(
    server: FakeModelServer,
    policy: rai.Policy,
    store: EvidenceStore,
    sqlite_url: str,
    pseudonym_key: str,
) -> None:
    """A Guard, an SDK client and a @governed function each leave a decision and an
    answer record; a refusal leaves a blocked decision; the prompt, the answer and the
    client's values appear nowhere in the store's files (canary)."""
    openai = pytest.importorskip("openai")
    governance = rai.Governance(policy, evidence=store)
    prompt = f"Write to Marguerite Oakhurst at {CANARY.lower()}@example.com about {CANARY}"
    with rai.Guard(governance) as guard:
        answer = guard.chat(prompt, subject=CLIENT, **MK)
        with pytest.raises(rai.UseCaseBlocked):
            guard.chat(prompt, use_case="legal", provider="openai-prod", model="gpt-4o-mini")
    with rai.http_client(governance, use_case="engineering") as http:
        sdk = openai.OpenAI(base_url=server.base_url, api_key="sk", http_client=http)
        sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
        )
    with rai.Guard(governance) as own:

        @rai.governed(guard=own, **MK)
        def draft(text: str) -> str:
            return rai.client().complete(text)

        draft(prompt)
    store.flush()
    records = list(store.records())
    parts = [(kind, body, r) for r in records for kind, body, _ in r.parts()]
    kinds = [kind for kind, _, _ in parts]
    assert kinds.count("decision") == 4 and kinds.count("answer") == 3
    assert kinds[0] == "policy"
    blocked = [b for k, b, _ in parts if k == "decision" and b["outcome"] == "blocked"]
    assert blocked == [
        {**blocked[0], "rule": "use_cases.blocked[legal]", "error": "UseCaseBlocked"}
    ]
    decision, first = next((b, r) for k, b, r in parts if k == "decision")
    assert decision["redactions"] == {"EMAIL_ADDRESS": 1, "PERSON": 1, "KNOWN_PERSON": 0} or (
        sum(decision["redactions"].values()) >= 2
    )
    assert first.subject is not None and first.subject.startswith("s:")  # a tag, not an id
    answer_record = next(r for r in records if r.stamp == answer.provenance.id)
    assert answer_record.kind in ("answer", "call") and answer_record.call == first.call
    answer_body = next(b for k, b, _ in answer_record.parts() if k == "answer")
    assert answer_body["output_sha256"] == answer.provenance.output_sha256
    assert store.verify().ok
    disk = _bytes(sqlite_url)
    for secret in (CANARY, CANARY.lower(), "Oakhurst", answer.text[:24], "CLIENT-"):
        assert secret.encode() not in disk, secret


def test_erasure_shreds_the_subject_and_keeps_the_chain(
    policy: rai.Policy,
    store: EvidenceStore,
    sqlite_url: str,
    pseudonym_key: str,
) -> None:
    """After `rai erase`, verification still passes and neither the subject's id nor its
    pseudonym is anywhere in the store's files; its records' tags link to no one."""
    pseudonym = Pseudonymizer(bytes.fromhex(pseudonym_key)).pseudonym("subject", CLIENT.id or "")
    with rai.Guard(rai.Governance(policy, evidence=store)) as guard:
        for _ in range(3):
            guard.chat("Hello Marguerite Oakhurst", subject=CLIENT, **MK)
        guard.chat("no subject here", **MK)
    store.flush()
    assert pseudonym.encode() in _bytes(sqlite_url)  # linked while the subject is known
    tagged = [r.subject for r in store.records() if r.subject]
    assert len(tagged) == 3 and len(set(tagged)) == 1
    store.close()
    assert main(["erase", CLIENT.id or "", "--store", sqlite_url]) == 0
    reopened = EvidenceStore(sqlite_url, key=store.key, pseudonymizer=store.pseudonymizer)
    assert reopened.verify().ok
    disk = _bytes(sqlite_url)
    assert pseudonym.encode() not in disk and CANARY.encode() not in disk
    erasure = [r.body for r in reopened.records() if r.kind == "erasure"]
    assert erasure == [{"outcome": "erased", "records": 3, "receipt": erasure[0]["receipt"]}]
    reopened.close()


def test_erasure_under_a_legal_hold_is_refused_and_recorded(
    policy: rai.Policy, store: EvidenceStore, pseudonym_key: str
) -> None:
    """A serious incident on the subject's output holds its records: erasure is refused
    (LegalHoldActive naming the incident) and the refusal is itself a record; once the
    incident is resolved, erasure goes through."""
    with rai.Guard(rai.Governance(policy, evidence=store)) as guard:
        answer = guard.chat("Hello Marguerite Oakhurst", subject=CLIENT, **MK)
    incident = store.report_incident(
        answer.provenance.id, category="leaking", severity="serious", reporter="alice"
    )
    assert incident.holding and incident.calls
    with pytest.raises(rai.LegalHoldActive) as refused:
        store.erase(CLIENT.id or "")
    assert refused.value.incidents == (incident.id,)
    assert "Oakhurst" not in str(refused.value) and CANARY not in str(refused.value)
    store.update_incident(incident.id, actor="bob", status="resolved", resolution="corrected")
    assert store.erase(CLIENT.id or "").records == 1
    outcomes = [r.body["outcome"] for r in store.records() if r.kind == "erasure"]
    assert outcomes == ["refused", "erased"]
    assert store.verify().ok


def test_retention_removes_bodies_keeps_the_chain_and_spares_held_records(
    make_policy: Any,
    server: FakeModelServer,
    sqlite_url: str,
    key: ChainKey,
    pseudonym_key: str,
) -> None:
    """Past its retention a record keeps its place and digest but loses its body; the
    chain still verifies; a body removed before the six-month floor is a break; the
    records of a call under a legal hold keep their bodies. (A synchronous store: each
    call is a decision record and an answer record, each with its own retention.)"""
    policy = make_policy(server.base_url, evidence={"retention": {"default": 200, "decision": 190}})
    store = EvidenceStore(
        sqlite_url,
        key=key,
        durability="sync",
        settings=policy.evidence,
        pseudonymizer=Pseudonymizer(bytes.fromhex(pseudonym_key)),
    )
    with rai.Guard(rai.Governance(policy, evidence=store)) as guard:
        held = guard.chat("keep me", **MK)
        guard.chat("let me go", **MK)
    store.report_incident(held.provenance.id, category="harmful", severity="serious",
                          reporter="carol")  # fmt: skip
    day = 86400 * 10**9
    import time

    now = time.time_ns()
    assert store.apply_retention(now) == {}  # nothing is due yet
    later = now + 195 * day
    removed = store.apply_retention(later)
    assert removed == {"decision": 1}  # the held call's decision stays
    assert store.verify(later).ok
    assert not store.verify(now).ok  # seen today, a removed body is before the floor
    much_later = now + 400 * day
    removed = store.apply_retention(much_later)
    assert removed.get("answer") == 1 and "incident" not in removed  # open incident stays
    assert store.verify(much_later).ok
    runs = [r.body for r in store.records() if r.kind == "retention"]
    assert len(runs) == 3  # each run is recorded (the first two's bodies were due by now)
    assert runs[0] is None and runs[-1] is not None and runs[-1]["removed"] == removed
    store.close()


def test_incident_clocks_run_are_met_and_overdue(
    make_policy: Any,
    server: FakeModelServer,
    sqlite_url: str,
    key: ChainKey,
    pseudonym_key: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A serious incident starts the policy's clocks (immediately / within 15 days);
    meeting one is recorded; an unmet one becomes overdue; `rai incident` does the same
    from the command line."""
    evidence = {
        "incidents": {
            "clocks": [
                {"name": "inform_provider", "within_hours": 0, "severities": ["serious"]},
                {"name": "report_authority", "within_days": 15, "severities": ["serious", "high"]},
            ]
        }
    }
    policy = make_policy(server.base_url, evidence=evidence)
    store = EvidenceStore(
        sqlite_url,
        key=key,
        settings=policy.evidence,
        pseudonymizer=Pseudonymizer(bytes.fromhex(pseudonym_key)),
    )
    with rai.Guard(rai.Governance(policy, evidence=store)) as guard:
        answer = guard.chat("hello", **MK)
    incident = store.report_incident(answer.provenance.id, category="biased",
                                     severity="serious", reporter="dana", ticket="INC-1")  # fmt: skip
    assert [c.name for c in incident.clocks] == ["inform_provider", "report_authority"]
    updated = store.update_incident(incident.id, actor="erin", clock_met="inform_provider")
    states = {c.name: c.state() for c in updated.clocks}
    assert states["report_authority"] == "running"
    assert states["inform_provider"] in ("met", "met late")
    later = updated.clocks[1].due
    from responsible_ai._evidence import parse_rfc3339

    assert updated.clocks[1].state(parse_rfc3339(later) + 10**9) == "overdue"
    with pytest.raises(rai.ConfigurationError, match="a reference"):
        store.report_incident(answer.provenance.id, category="wrong", severity="low",
                              reporter="x", ticket="the model said the client's IBAN was ...")  # fmt: skip
    with pytest.raises(rai.ConfigurationError, match="no record"):
        store.report_incident("unknown-stamp", category="wrong", severity="low", reporter="x")
    store.close()
    policy_file = Path(sqlite_url.removeprefix("sqlite://")).with_name("policy.json")
    policy_file.write_text(json.dumps({**base_policy(server.base_url), "evidence": evidence}))
    assert main(["incident", "report", answer.provenance.id, "--category", "wrong",
                 "--severity", "high", "--reporter", "frank", "--store", sqlite_url,
                 "--policy", str(policy_file)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "clock report_authority: due" in out and "LEGAL HOLD" not in out
    assert main(["incident", "list", "--store", sqlite_url]) == 0
    assert capsys.readouterr().out.count('"id"') == 2
    monkeypatch.delenv("RAI_PSEUDONYM_KEY")
    assert main(["erase", "someone", "--store", sqlite_url]) == 2  # no key: refused
    assert "RAI_PSEUDONYM_KEY" in capsys.readouterr().err


def test_evaluations_are_span_events_and_records(policy: rai.Policy, store: EvidenceStore) -> None:
    """Each evaluator's result is a `gen_ai.evaluation.result` event on the call's span
    (semantic-convention attribute names) and an evaluation record; an evaluator that
    raises is recorded as failed and the call still returns."""
    from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

    def bias(response: rai.ChatResponse) -> Evaluation:
        return Evaluation("bias", score=0.12, label="pass")

    def broken(response: rai.ChatResponse) -> Evaluation:
        raise RuntimeError(response.text)  # its message (the answer) must not be recorded

    otel = CapturedTelemetry()
    governance = rai.Governance(policy, evidence=store, telemetry=otel, evaluators=[bias, broken])
    with rai.Guard(governance) as guard:
        answer = guard.chat("hello", **MK)
    (span,) = otel.spans()
    events = [e for e in span.events if e.name == "gen_ai.evaluation.result"]
    assert [dict(e.attributes) for e in events] == [
        {gen_ai.GEN_AI_EVALUATION_NAME: "bias", gen_ai.GEN_AI_EVALUATION_SCORE_VALUE: 0.12,
         gen_ai.GEN_AI_EVALUATION_SCORE_LABEL: "pass", gen_ai.GEN_AI_RESPONSE_ID: answer.id},
        {gen_ai.GEN_AI_EVALUATION_NAME: "broken", gen_ai.GEN_AI_EVALUATION_SCORE_LABEL: "error",
         gen_ai.GEN_AI_RESPONSE_ID: answer.id, "error.type": "RuntimeError"},
    ]  # fmt: skip
    store.flush()
    bodies = [b for r in store.records() for k, b, _ in r.parts() if k == "evaluation"]
    assert [(b["name"], b["score"], b["label"], b["error"]) for b in bodies] == [
        ("bias", 0.12, "pass", None),
        ("broken", None, "error", "RuntimeError"),
    ]
    assert answer.text not in str(bodies)


def test_reviews_and_policy_changes_are_recorded(
    server: FakeModelServer, make_policy: Any, store: EvidenceStore, pseudonym_key: str
) -> None:
    """A review records who (a pseudonym), when, the decision and the stamp it judged,
    and leads an incident on the reviewed output back to its call; a new policy
    version is recorded as a change."""
    policy = make_policy(server.base_url)
    governance = rai.Governance(policy, evidence=store)
    with rai.Guard(governance) as guard:
        answer = guard.chat("hello", **MK)
    reviewed = governance.review(answer, reviewer="reviewer-" + CANARY, decision="approved",
                                 allow_unsigned=True)  # fmt: skip
    newer = make_policy(server.base_url, policy={"id": "test-policy", "version": "9.9.9"})
    rai.Governance(newer, evidence=store)
    store.flush()
    review = next(r for r in store.records() if r.kind == "review")
    assert review.stamp == reviewed.id and review.body["previous_id"] == answer.provenance.id
    assert review.body["decision"] == "approved" and review.body["reviewer"].startswith("p:")
    assert CANARY not in str(review.body)
    incident = store.report_incident(reviewed.id, category="wrong", severity="low", reporter="g")
    assert incident.calls == (next(r.call for r in store.records() if r.stamp),)
    changes = [r.body["changed"] for r in store.records() if r.kind == "policy"]
    assert changes == [False, True]


def test_a_store_that_cannot_be_written_refuses_the_call(
    server: FakeModelServer, policy: rai.Policy, store: EvidenceStore
) -> None:
    """Fail closed: once the store cannot record, a governed call is not made."""
    governance = rai.Governance(policy, evidence=store)
    store.close()
    with rai.Guard(governance) as guard, pytest.raises(rai.EvidenceUnavailable):
        guard.chat("hello", **MK)
    assert server.requests == []


def test_an_unreachable_store_refuses_to_start(policy: rai.Policy) -> None:
    """A PostgreSQL store nobody listens on: Governance does not start."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pytest.importorskip("psycopg")
    with pytest.raises(rai.EvidenceUnavailable) as refused:
        rai.Governance(policy, evidence=f"postgresql://u:SECRET-{CANARY}@127.0.0.1:{port}/db")
    assert CANARY not in str(refused.value)


def test_the_store_comes_from_the_environment_or_the_policy(
    monkeypatch: pytest.MonkeyPatch, make_policy: Any, server: FakeModelServer, tmp_path: Path
) -> None:
    """RAI_EVIDENCE_URL names the store of every Governance in the process; a policy that
    requires a store refuses to start without one; a password in the policy's URL is a
    policy error, and so is a retention below six months."""
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("RAI_EVIDENCE_URL", url)
    governance = rai.Governance(make_policy(server.base_url))
    assert governance.evidence is not None and governance.evidence.url == url
    monkeypatch.delenv("RAI_EVIDENCE_URL")
    with pytest.raises(rai.ConfigurationError, match="requires an evidence store"):
        rai.Governance(make_policy(server.base_url, evidence={"required": True}))
    with pytest.raises(rai.PolicyError, match="password"):
        make_policy(server.base_url, evidence={"url": "postgresql://u:pw@db/evidence"})
    with pytest.raises(rai.PolicyError, match="183"):
        make_policy(server.base_url, evidence={"retention": {"decision": 30}})
