"""The `rai` command: validate, show and hash policy files; run the demo.

Exit codes: 0 success, 1 a policy violation or an invalid policy file, 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from ._errors import PolicyError, PolicyViolation, ResponsibleAIError
from ._policy import Policy, load_policy
from ._usecases import UseCaseRules

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rai", description="responsible-ai: your AI-usage policy, as code."
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
    demo = sub.add_parser(
        "demo", help="run a governed call end to end against a local stand-in model"
    )
    demo.add_argument("--prompt", default=None, help="the prompt of the allowed call")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if args.command is None or (args.command == "policy" and args.action is None):
        parser.print_usage(err)
        print(
            "rai: error: a command is required (try: rai demo, rai policy validate FILE)", file=err
        )
        return EXIT_USAGE
    try:
        if args.command == "demo":
            from ._demo import run_demo

            return run_demo(out, prompt=args.prompt)
        policy = load_policy(args.file, sha256=args.sha256)
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
