"""Cost of provenance: stamp + sign, and verify, for a 1 KB answer (HMAC and Ed25519).

    python benchmarks/provenance.py [--calls 20000]

"stamp + sign" is what every governed call adds: build the stamp (UUIDv7, timestamps,
hashes of the prompt as sent and of the answer, policy and redaction fields), serialise it
canonically, sign it, and build the validated `Provenance`. "verify" is `rai.verify`:
parse-free check of the signature over the canonical form and of the output hash.

Goal (issue 5): HMAC stamp + sign <= 20 us median.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import responsible_ai as rai
from responsible_ai._provenance import sha256_bytes, sha256_text, sign_stamp, stamp_fields

ANSWER = ("Here is a friendly reminder that our branch closes early this Friday. " * 16)[:1024]
PROMPT = [{"role": "user", "content": "Draft a friendly reminder " * 40}]
BODY = json.dumps({"model": "gpt-4o-mini", "messages": PROMPT}).encode()  # the request as sent


def stamp(signer: Any) -> rai.Provenance:
    fields = stamp_fields(
        provider="openai-prod",
        requested_model="gpt-4o-mini",
        served_model="gpt-4o-mini-2024-07-18",
        use_case="marketing.copy",
        policy_id="acme-ai-usage",
        policy_version="2026.11.1",
        policy_sha256="9e66b31c466b7e0130f5ef5eb8893630d06dd9eff59de398cfb9be6e5d80fdb9",
        prompt_sha256=sha256_bytes(BODY),
        output_sha256=sha256_text(ANSWER),
        redactions={"PERSON": 1, "EMAIL_ADDRESS": 1},
        requires_review=True,
        disclosure="Drafted with AI assistance and reviewed by our team.",
        service="letters",
    )
    return sign_stamp(fields, signer)


def measure(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    for _ in range(min(n, 1000)):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        fn()
        samples.append((clock() - t0) / 1000)
    return statistics.median(samples), statistics.quantiles(samples, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    hmac_signer = rai.HmacSigner(b"k" * 32, kid="bench-hmac")
    ed_signer = rai.Ed25519Signer.generate(kid="bench-ed")
    ring = rai.Keyring([hmac_signer, ed_signer.verifier()])
    print(f"1 KB answer, {args.calls} runs each (median / p99, microseconds)\n")
    print(f"{'operation':<28} {'median us':>10} {'p99 us':>9}")
    results = {}
    signers: list[tuple[str, Any]] = [("HMAC-SHA256", hmac_signer), ("Ed25519", ed_signer)]
    for name, signer in signers:
        s_med, s_p99 = measure(functools.partial(stamp, signer), args.calls)
        p = stamp(signer)
        v_med, v_p99 = measure(functools.partial(rai.verify, ANSWER, p, keyring=ring), args.calls)
        results[name] = s_med
        print(f"{name + ' stamp + sign':<28} {s_med:>10.1f} {s_p99:>9.1f}")
        print(f"{name + ' verify':<28} {v_med:>10.1f} {v_p99:>9.1f}")
    u_med, _ = measure(lambda: stamp(None), args.calls)
    print(f"{'unsigned stamp':<28} {u_med:>10.1f}")
    # a fixed reference workload, to read the figures against this machine's speed
    ref_med, _ = measure(lambda: json.loads(json.dumps(PROMPT)), args.calls)
    print(f"{'(reference: json round trip of the 1 KB prompt)':<28} {ref_med:>10.1f}")
    verdict = "meets" if results["HMAC-SHA256"] <= 20 else "MISSES"
    print(
        f"\nHMAC stamp + sign: {results['HMAC-SHA256']:.1f} us median; {verdict} the <= 20 us goal"
    )


if __name__ == "__main__":
    main()
