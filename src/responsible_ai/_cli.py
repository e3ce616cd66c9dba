"""The `rai` command: validate, show and hash policy files; verify stamps and Content
Credentials; flip kill switches and show limits (`_cli_limits`); erase conversations'
placeholders (`_cli_conversations`); verify, export and report
on the evidence store (``audit``, ``incident``, ``erase``, ``report``: `_evidence_cli`);
run the demo.

Exit codes: 0 success, 1 a policy violation or an invalid policy file, 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ._errors import PolicyError, PolicyViolation, ProvenanceInvalid, ResponsibleAIError
from ._evidence_cli import COMMANDS as EVIDENCE_COMMANDS
from ._evidence_cli import add_evidence_commands, run_evidence_command
from ._policy import Policy, load_policy
from ._provenance import Provenance, keyring_from_env, verify
from ._usecases import UseCaseRules
from ._version import __version__

__all__ = ["main"]

EXIT_OK, EXIT_POLICY, EXIT_USAGE = 0, 1, 2


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out
        )
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def _show(policy: Policy, out: TextIO) -> None:
    meta = policy.policy
    print(f"policy    {meta.id} v{meta.version}", file=out)
    print(f"file      {policy.source}", file=out)
    print(f"sha256    {policy.sha256}", file=out)
    switches = [
        f"free tiers {'allowed' if meta.allow_free_tiers else 'refused'}",
        f"zero data retention {'required' if meta.require_zero_data_retention else 'optional'}",
        f"regions {', '.join(meta.allowed_regions) if meta.allowed_regions else 'any'}",
        f"default data class {meta.default_data_class}",
        f"undeclared use cases {'allowed' if policy.use_cases.default == 'allow' else 'denied'}",
    ]
    print(f"switches  {'; '.join(switches)}", file=out)
    print("\nProviders", file=out)
    rows = [["name", "kind", "tier", "max data", "region", "zdr", "models", "fallback"]]
    for p in policy.providers:
        rows.append([
            p.name, p.kind, p.tier, p.max_data_class, p.region or "-",
            "yes" if p.zero_data_retention else "no", ", ".join(p.models),
            p.fallback.provider if p.fallback else "-",
        ])  # fmt: skip
    _table(rows, out)
    print("\nUse cases (rules apply to each tag and every tag below it)", file=out)
    rules = UseCaseRules(policy)
    tags = sorted(set(policy.use_cases.blocked) | set(policy.use_cases.rules))
    rows = [["tag", "decision", "review", "consent", "max data", "providers"]]
    for tag in tags:
        r = rules.resolve(tag)
        rows.append([
            tag, "BLOCKED" if r.blocked_by else "allowed",
            "required" if r.requires_review else "-",
            "required" if r.consent_rule else "-",
            r.max_data_class.label if r.max_data_class is not None else "-",
            ", ".join(sorted(r.allowed_providers)) if r.allowed_providers is not None else "any",
        ])  # fmt: skip
    rows.append(["(undeclared)", "allowed" if policy.use_cases.default == "allow" else "BLOCKED",
                 "-", "-", "-", "any"])  # fmt: skip
    _table(rows, out)


class _Unreadable(Exception):
    """A file the command cannot read: a usage error (exit 2), not an invalid stamp."""


def _read_stamped(path: str) -> tuple[str, Provenance]:
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise _Unreadable(f"{path}: cannot read file: {exc.strerror}") from None
    except ValueError:
        raise ProvenanceInvalid("schema", f"{path}: not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
        raise ProvenanceInvalid("schema", f"{path}: expected an object with a 'text' string")
    if "provenance" in doc:
        return doc["text"], Provenance.from_json(doc["provenance"])
    if isinstance(doc.get("header"), str):
        return doc["text"], Provenance.from_header(doc["header"])
    raise ProvenanceInvalid(
        "schema", f"{path}: expected a 'provenance' object or a 'header' string"
    )


def _provenance_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        text, stamp = _read_stamped(args.file)
        if args.command == "provenance":
            data = stamp.model_dump(mode="json")
            for key in sorted(data):
                print(f"{key:<20} {json.dumps(data[key], ensure_ascii=False)}", file=out)
            print(f"\n{stamp.footer()}", file=out)
            return EXIT_OK
        result = verify(text, stamp, keyring=keyring_from_env(), allow_unsigned=args.allow_unsigned)
    except _Unreadable as exc:
        print(f"rai: error: {exc}", file=err)
        return EXIT_USAGE
    except ProvenanceInvalid as exc:
        print(f"rai: invalid: {exc.check}: {exc.detail}", file=err)
        if exc.check == "unknown_kid":
            print(
                "rai: no key with that kid: verification keys come from RAI_VERIFY_KEYS "
                "(comma-separated hmac:KID:BASE64URL and ed25519:KID:BASE64URL public keys) "
                "and RAI_SIGNING_KEY; see docs/provenance.md",
                file=err,
            )
        return EXIT_POLICY
    signed = f"signed {result.alg} by key {result.kid}" if result.signed else "unsigned"
    print(
        f"valid: provenance {result.provenance_id} ({signed}; checks: {', '.join(result.checks)}; "
        f"review: {result.review_status})",
        file=out,
    )
    return EXIT_OK


def _credentials_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``rai credentials verify FILE|-``: the verdict first on its line; exit 0 for
    VALID, TRUSTED and UNMARKED, 1 for INVALID, 2 for a file that cannot be read."""
    from ._credentials import anchors, verify_store, verify_text

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        trust = anchors(Path(args.trust).read_bytes()) if args.trust else ()
        store = Path(args.manifest).read_bytes() if args.manifest else None
    except OSError as exc:
        print(f"rai: error: cannot read {exc.filename or args.file}", file=err)
        return EXIT_USAGE
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        print("INVALID manifest.text.encoding: the text is not UTF-8", file=out)
        return EXIT_POLICY
    if store is not None:
        verdict = verify_store(store, text, trust=trust)
    else:
        verdict = verify_text(text, trust=trust)
    if args.json:
        print(verdict.state, json.dumps(verdict.as_dict(), ensure_ascii=False), file=out)
    else:
        print(verdict.line(), file=out)
        for name, value in sorted(verdict.facts.items()):
            print(f"  {name:<16} {json.dumps(value, ensure_ascii=False)}", file=out)
    return EXIT_POLICY if verdict.state == "INVALID" else EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rai", description="responsible-ai-policy: your AI-usage policy, as code."
    )
    parser.add_argument(
        "--version", action="version", version=f"responsible-ai-policy {__version__}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    policy = sub.add_parser("policy", help="validate, show or hash a policy file")
    psub = policy.add_subparsers(dest="action", metavar="ACTION")
    for name, text in (
        ("validate", "check a policy file; exit 1 with every problem named if it is invalid"),
        ("show", "print the providers and use-case rules as tables"),
        ("hash", "print the canonical SHA-256 to pin in deployments (RAI_POLICY_SHA256)"),
    ):
        p = psub.add_parser(name, help=text, description=text)
        p.add_argument("file", help="policy file (.toml, .json, .yaml)")
        p.add_argument("--sha256", help="refuse the file unless its canonical hash is this one")
    ver = sub.add_parser(
        "verify",
        help="verify a provenance stamp against its text",
        description='FILE is JSON: {"text": ..., "provenance": {...}} or '
        '{"text": ..., "header": "<AI-Provenance header>"}. Keys come from '
        "RAI_VERIFY_KEYS (and RAI_SIGNING_KEY). Exit 0 valid, 1 invalid (the failing check "
        "is named).",
    )
    ver.add_argument("file")
    ver.add_argument("--allow-unsigned", action="store_true", help="accept unsigned stamps")
    prov = sub.add_parser("provenance", help="show a provenance stamp")
    prov_sub = prov.add_subparsers(dest="action", metavar="ACTION")
    show = prov_sub.add_parser("show", help="print a stamp's fields and its disclosure footer")
    show.add_argument("file")
    cred = sub.add_parser("credentials", help="verify Content Credentials (C2PA) on a text")
    cred_sub = cred.add_subparsers(dest="action", metavar="ACTION")
    cver = cred_sub.add_parser(
        "verify",
        help="print VALID, TRUSTED, INVALID or UNMARKED (exit 1 only for INVALID)",
        description="Verify the C2PA manifest of a text (embedded after it, or --manifest "
        "for a sidecar). VALID: intact and signed; TRUSTED: and the signer chains to a "
        "--trust anchor; INVALID: with the C2PA status code and the reason; UNMARKED: no "
        "manifest (not a finding).",
    )
    cver.add_argument("file", help="the text file, or - for standard input")
    cver.add_argument("--trust", metavar="CA.pem", help="trust anchors (PEM certificates)")
    cver.add_argument("--manifest", metavar="FILE.c2pa", help="a sidecar manifest store")
    cver.add_argument("--json", action="store_true", help="the verdict as JSON after the state")
    demo = sub.add_parser(
        "demo", help="run a governed call end to end against a local stand-in model"
    )
    demo.add_argument("--prompt", default=None, help="the prompt of the allowed call")
    from ._cli_limits import add_commands

    add_commands(sub)
    from ._cli_conversations import add_commands as add_conversation_commands

    add_conversation_commands(sub)
    add_evidence_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if args.command is None or (
        args.command in ("policy", "provenance", "credentials", "limits", "conversations")
        and args.action is None
    ):
        parser.print_usage(err)
        print(
            "rai: error: a command is required (try: rai demo, rai policy validate FILE)", file=err
        )
        return EXIT_USAGE
    if args.command in EVIDENCE_COMMANDS:
        return run_evidence_command(args, out, err)
    try:
        if args.command == "demo":
            from ._demo import run_demo

            return run_demo(out, prompt=args.prompt)
        if args.command in ("verify", "provenance"):
            return _provenance_command(args, out, err)
        if args.command == "credentials":
            return _credentials_command(args, out, err)
        if args.command in ("kill", "revive", "limits"):
            from ._cli_limits import run

            return run(args, out, err)
        if args.command == "conversations":
            from ._cli_conversations import run as run_conversations

            return run_conversations(args, out, err)
        # hashing a new version while the old one's pin is exported: the pin is not checked
        policy = load_policy(args.file, sha256=args.sha256, pinned=args.action != "hash")
        if args.action == "validate":
            print(
                f"ok: {args.file}: policy {policy.id} v{policy.version}, sha256 {policy.sha256}",
                file=out,
            )
        elif args.action == "hash":
            print(policy.sha256, file=out)
        else:
            _show(policy, out)
        return EXIT_OK
    except (PolicyError, PolicyViolation) as exc:
        print(f"rai: {exc}", file=err)
        return EXIT_POLICY
    except ResponsibleAIError as exc:
        print(f"rai: error: {exc}", file=err)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
