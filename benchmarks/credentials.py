"""Cost of Content Credentials for a 1 KB answer, against c2patxt in the same run.

    python benchmarks/credentials.py [--calls 2000]

"embed + sign": build the manifest (actions, hard binding, our stamp's facts), sign the
claim (Ed25519, as c2patxt signs), fit the A.8 wrapper to the length its binding names,
append it.

"verify": locate and decode the wrapper, parse the store, check every hashed URI, the
binding over the NFC text, the claim signature, the certificate chain and each
certificate's validity at this time. Three cases, each against c2patxt verifying the
same texts (c2patxt keeps nothing between calls):

- "cold" (the goal's case): every call verifies a text that was not verified before
  (its own binding, claim and claim signature), signed by a chain this verifier has met
  before — what a verification service meets, many texts from the few signers of an
  organisation. Kept from that chain (per its exact DER bytes): its parsed certificates,
  its profile check and each certificate's signature by its issuer; everything of the
  text is checked afresh. No verification result is ever kept per text.
- "1st signer": the same, and the signers' chains are forgotten before each call
  (`forget_signers`): every certificate parsed, the profile and the issuer's signature
  over the leaf checked (about once per signer and process in practice).
- "warm": the same text again and again (equal to "cold", since nothing is kept per
  text; kept to show it).
- "TRUSTED": "cold" for a chain that ends below its root (the leaf alone), the root
  given as the trust anchor, as a verification service holds it: the root's signature
  over the chain's top is kept per pair of certificates. c2patxt has no trust-path check
  (its verify never says TRUSTED): its column is its plain verify, which does less.

Neither with the network time-stamp (a TSA round trip dominates both when it is on).
Goals (issue 27): embed + sign <= 0.25x c2patxt's; verify ("cold") <= 0.5x c2patxt's.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import c2patxt

import responsible_ai as rai
from responsible_ai._credentials import forget_signers
from responsible_ai.testing import CredentialsPKI

ANSWER = ("Here is a friendly reminder that our branch closes early this Friday. " * 16)[:1024]
FACTS = {
    "policy": {"id": "acme-ai-usage", "version": "2026.11.1", "sha256": "9e" * 32},
    "use_case": "marketing.copy",
    "provider": "openai-prod",
    "served_model": "gpt-4o-mini-2024-07-18",
}
WARMUP = 100


def measure(a: Callable[[], Any], b: Callable[[], Any], n: int) -> tuple[float, float]:
    """Median microseconds per call of `a` and `b`, interleaved in rounds of 50 so that a
    change in the machine's load falls on both (warmed up, cyclic GC paused as `timeit`)."""
    for fn in (a, b):
        for _ in range(min(n, WARMUP)):
            fn()
    samples: tuple[list[float], list[float]] = ([], [])
    gc.collect()
    gc.disable()
    try:
        for _ in range(max(1, n // 50)):
            for fn, out in ((a, samples[0]), (b, samples[1])):
                for _ in range(50):
                    t0 = time.perf_counter_ns()
                    fn()
                    out.append((time.perf_counter_ns() - t0) / 1000)
    finally:
        gc.enable()
    return statistics.median(samples[0]), statistics.median(samples[1])


def answers(count: int) -> list[str]:
    """`count` different 1 KB answers (a number in front of the same prose)."""
    return [f"{i:07d} {ANSWER[8:]}" for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    n = parser.parse_args().calls

    pki = CredentialsPKI.make("ed25519")
    ours = rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf, pki.root]))
    leaf_only = rai.Credentials(rai.CredentialSigner.of(pki.key, [pki.leaf]))
    signer = c2patxt.Signer(private_key=pki.key, certificates=(pki.leaf, pki.root))
    disclosure = c2patxt.Disclosure(media_type="text/plain", model_type=c2patxt.ModelType.GENERIC)

    # One text per call of a row (warm-up included): each verified once in that row.
    texts = answers(max(1, n // 50) * 50 + min(n, WARMUP))
    our_marks = [ours.mark(text, FACTS).text for text in texts]
    their_marks = [c2patxt.embed(text, signer, disclosure) for text in texts]
    leaf_marks = [leaf_only.mark(text, FACTS).text for text in texts]
    marked, theirs = our_marks[0], their_marks[0]
    assert rai.verify_credentials(marked).state == "VALID"
    assert c2patxt.verify(theirs).state == c2patxt.Provenance.VALID
    assert rai.verify_credentials(their_marks[-1]).state == "VALID"
    anchors = (pki.root,)
    assert rai.verify_credentials(leaf_marks[0], trust=anchors).state == "TRUSTED"

    def walk(
        marks: list[str], first_signer: bool = False, trust: tuple[Any, ...] = ()
    ) -> Callable[[], object]:
        """Verify the next text of `marks` at each call (from the first, for each row)."""
        it: Iterator[str] = iter(marks)

        def ours_next() -> object:
            if first_signer:
                forget_signers()
            return rai.verify_credentials(next(it), trust=trust)

        return ours_next

    def theirs_walk() -> Callable[[], object]:
        it = iter(their_marks)
        return lambda: c2patxt.verify(next(it))

    rows: list[tuple[str, Callable[[], object], Callable[[], object], float | None]] = [
        ("embed + sign", lambda: ours.mark(ANSWER, FACTS),
         lambda: c2patxt.embed(ANSWER, signer, disclosure), 0.25),
        ("verify, cold", walk(our_marks), theirs_walk(), 0.5),
        ("  1st signer", walk(our_marks, first_signer=True), theirs_walk(), None),
        ("  warm", lambda: rai.verify_credentials(marked), lambda: c2patxt.verify(theirs), None),
        ("  TRUSTED", walk(leaf_marks, trust=anchors), theirs_walk(), None),
    ]  # fmt: skip
    print(f"1 KB answer, Ed25519 leaf under a P-256 root, {n} calls each (median, us)")
    print(f"{'':<14}{'ours':>10}{'c2patxt':>10}{'ratio':>8}{'goal':>7}")
    for name, mine, other, goal in rows:
        a, b = measure(mine, other, n)
        if goal is None:
            print(f"{name:<14}{a:>10.0f}{b:>10.0f}{a / b:>8.2f}{'-':>7}")
            continue
        verdict = "ok" if a / b <= goal else "MISSED"
        print(f"{name:<14}{a:>10.0f}{b:>10.0f}{a / b:>8.2f}{goal:>7.2f}  {verdict}")
    print("cold: each call a text not verified before, by a signer met before (its chain's")
    print("  parse, profile and issuer signature kept per exact DER; nothing kept per text);")
    print("  1st signer: the chains forgotten before each call; warm: the same text again;")
    print("  TRUSTED: cold, the leaf alone, its root the anchor (c2patxt: plain verify).")
    size = len(texts[0].encode())
    print(f"mark size: ours {len(marked.encode()) - size} B of UTF-8, "
          f"c2patxt {len(theirs.encode()) - size} B")  # fmt: skip


if __name__ == "__main__":
    main()
