"""The evidence commands of `rai`: ``audit verify|export|retention``, ``incident
report|update|list``, ``erase`` and ``report``.

A store is named by its URL (the argument, ``--store``, or ``RAI_EVIDENCE_URL``); its
chain key is ``RAI_EVIDENCE_KEY``; retention and incident clocks come from the policy
(``--policy`` or ``RAI_POLICY``). Exit codes: 0 done, 1 the store failed verification
or the action was refused (a legal hold), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import TextIO

from ._clock import clock
from ._errors import ConfigurationError, EvidenceError, LegalHoldActive, ResponsibleAIError
from ._evidence import (
    CATEGORIES,
    EVIDENCE_URL_ENV,
    RESOLUTIONS,
    STATUSES,
    EvidenceStore,
    compile_report,
    jsonl,
    otlp_logs,
    parse_rfc3339,
    post_otlp,
    render_html,
)
from ._policy import SEVERITIES, EvidenceSettings, load_policy
from ._pseudonym import PSEUDONYM_KEY_ENV, Pseudonymizer

__all__ = ["add_evidence_commands", "run_evidence_command"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("audit", "incident", "erase", "report")


def add_evidence_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the evidence commands to `rai`'s sub-commands."""

    def store_args(p: argparse.ArgumentParser, positional: bool = True) -> None:
        if positional:
            p.add_argument("url", nargs="?", help=f"the store (default: ${EVIDENCE_URL_ENV})")
        else:
            p.add_argument("--store", dest="url", help=f"the store (default: ${EVIDENCE_URL_ENV})")
        p.add_argument(
            "--policy", help="policy file for retention and clocks (default: $RAI_POLICY)"
        )

    def period(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--since", help="start (RFC 3339 or YYYY-MM-DD; default: 30 days before --until)"
        )
        p.add_argument("--until", help="end, exclusive (default: now)")

    audit = sub.add_parser("audit", help="verify, export or apply retention to an evidence store")
    asub = audit.add_subparsers(dest="action", metavar="ACTION")
    verify = asub.add_parser(
        "verify",
        help="prove the store complete and unaltered (exit 1 naming the first break)",
    )
    store_args(verify)
    export = asub.add_parser("export", help="export a time range as JSON lines or OTLP logs")
    store_args(export)
    period(export)
    export.add_argument("--format", choices=("jsonl", "otlp"), default="jsonl")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.add_argument(
        "--otlp-endpoint", help="POST the OTLP logs to this collector URL (…/v1/logs)"
    )
    retention = asub.add_parser("retention", help="remove the bodies whose retention ended")
    store_args(retention)

    incident = sub.add_parser(
        "incident", help="report an output as wrong, biased, harmful or leaking"
    )
    isub = incident.add_subparsers(dest="action", metavar="ACTION")
    report = isub.add_parser("report", help="report the output of a provenance stamp")
    report.add_argument("stamp_id", help="the output's provenance stamp id")
    report.add_argument("--category", choices=CATEGORIES, required=True)
    report.add_argument("--severity", choices=SEVERITIES, required=True)
    report.add_argument("--reporter", required=True, help="your identifier (stored as a pseudonym)")
    report.add_argument("--ticket", help="a reference in your ticket system, e.g. INC-2026-0042")
    store_args(report, positional=False)
    update = isub.add_parser("update", help="change an incident's status, meet a clock, resolve it")
    update.add_argument("incident_id")
    update.add_argument("--actor", required=True, help="your identifier (stored as a pseudonym)")
    update.add_argument("--status", choices=STATUSES)
    update.add_argument("--resolution", choices=RESOLUTIONS)
    update.add_argument("--clock-met", help="the name of a clock this update meets")
    update.add_argument("--ticket")
    store_args(update, positional=False)
    listing = isub.add_parser("list", help="every incident, its clocks and its legal hold")
    store_args(listing, positional=False)

    erase = sub.add_parser(
        "erase", help="erase a data subject (crypto-shredding; refused under a legal hold)"
    )
    erase.add_argument("subject_id")
    store_args(erase, positional=False)

    rep = sub.add_parser("report", help="write the compliance report (HTML and JSON) of a period")
    store_args(rep)
    period(rep)
    rep.add_argument("-o", "--output", required=True, help="the HTML file (JSON beside it)")
    rep.add_argument("--json", help="the JSON file (default: the HTML file's name, .json)")


def _settings(args: argparse.Namespace) -> EvidenceSettings:
    source = args.policy or os.environ.get("RAI_POLICY")
    if not source:
        return EvidenceSettings()
    return load_policy(source).evidence


def _store(args: argparse.Namespace, pseudonymizer: Pseudonymizer | None = None) -> EvidenceStore:
    url = args.url or os.environ.get(EVIDENCE_URL_ENV)
    if not url:
        raise ConfigurationError(f"name the evidence store: a URL argument or {EVIDENCE_URL_ENV}")
    return EvidenceStore(
        url, settings=_settings(args), durability="sync", pseudonymizer=pseudonymizer
    )


def _pseudonymizer() -> Pseudonymizer:
    """The deployment's pseudonym key: without it, a pseudonym made here would match
    nothing the services recorded."""
    found = Pseudonymizer.from_env()
    if found is None:
        raise ConfigurationError(
            f"set {PSEUDONYM_KEY_ENV} to the key your services use: people are recorded as "
            "pseudonyms made with it"
        )
    return found


def _period(args: argparse.Namespace) -> tuple[str, str]:
    try:
        until_ns = parse_rfc3339(args.until) if args.until else time.time_ns()
        since_ns = (
            parse_rfc3339(args.since) if args.since else until_ns - 30 * 86400 * 1_000_000_000
        )
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    if since_ns >= until_ns:
        raise ConfigurationError("--since must be before --until")
    return clock.rfc3339(since_ns), clock.rfc3339(until_ns)


def run_evidence_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run an evidence command; returns the exit code."""
    if args.command in ("audit", "incident") and args.action is None:
        print(f"rai: error: {args.command} needs an action (see rai {args.command} -h)", file=err)
        return EXIT_USAGE
    store: EvidenceStore | None = None
    try:
        if args.command == "erase":
            store = _store(args, _pseudonymizer())
            try:
                erasure = store.erase(args.subject_id)
            except LegalHoldActive as exc:
                print(f"rai: refused: {exc}", file=err)
                return EXIT_FAILED
            print(
                f"erased: {erasure.records} records of this subject can no longer be linked "
                f"to it (receipt {erasure.receipt})",
                file=out,
            )
            return EXIT_OK
        if args.command == "incident":
            store = _store(args, None if args.action == "list" else _pseudonymizer())
            return _incident(store, args, out)
        store = _store(args)
        if args.command == "report":
            return _report(store, args, out)
        if args.action == "verify":
            result = store.verify()
            print(result.summary(), file=out if result.ok else err)
            return EXIT_OK if result.ok else EXIT_FAILED
        if args.action == "retention":
            removed = store.apply_retention()
            total = sum(removed.values())
            detail = ", ".join(f"{k}: {n}" for k, n in removed.items()) or "nothing was due"
            print(f"retention applied: {total} bodies removed ({detail})", file=out)
            return EXIT_OK
        return _export(store, args, out)
    except EvidenceError as exc:
        print(f"rai: error: {exc}", file=err)
        return EXIT_FAILED
    except ResponsibleAIError as exc:
        print(f"rai: error: {exc}", file=err)
        return EXIT_USAGE
    finally:
        if store is not None:
            store.close()


def _export(store: EvidenceStore, args: argparse.Namespace, out: TextIO) -> int:
    since, until = _period(args)
    records = store.records(since, until)
    if args.format == "jsonl" and not args.otlp_endpoint:
        lines = jsonl(records)
        if args.output:
            with Path(args.output).open("w", encoding="utf-8") as f:
                for line in lines:
                    f.write(line + "\n")
        else:
            for line in lines:
                print(line, file=out)
        return EXIT_OK
    document = otlp_logs(records)
    count = len(document["resourceLogs"][0]["scopeLogs"][0]["logRecords"])
    if args.otlp_endpoint:
        status = post_otlp(document, args.otlp_endpoint)
        print(f"sent {count} records as OTLP logs (HTTP {status})", file=out)
        return EXIT_OK
    text = json.dumps(document, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, file=out)
    return EXIT_OK


def _incident(store: EvidenceStore, args: argparse.Namespace, out: TextIO) -> int:
    if args.action == "list":
        for incident in store.incidents():
            print(json.dumps(incident.as_dict(), ensure_ascii=False), file=out)
        return EXIT_OK
    if args.action == "report":
        incident = store.report_incident(
            args.stamp_id, category=args.category, severity=args.severity,
            reporter=args.reporter, ticket=args.ticket,
        )  # fmt: skip
    else:
        incident = store.update_incident(
            args.incident_id, actor=args.actor, status=args.status,
            resolution=args.resolution, clock_met=args.clock_met, ticket=args.ticket,
        )  # fmt: skip
    print(f"incident {incident.id}: {incident.severity} {incident.category}, {incident.status}"
          f"; {len(incident.calls)} linked call(s)"
          f"{'; LEGAL HOLD on their records' if incident.holding else ''}", file=out)  # fmt: skip
    for c in incident.clocks:
        print(f"  clock {c.name}: due {c.due} ({c.state()})", file=out)
    return EXIT_OK


def _report(store: EvidenceStore, args: argparse.Namespace, out: TextIO) -> int:
    since, until = _period(args)
    verification = store.verify()
    data = compile_report(
        store.records(since, until), store.incidents(), verification,
        store=store.url, since=since, until=until,
    )  # fmt: skip
    html_path = Path(args.output)
    json_path = Path(args.json) if args.json else html_path.with_suffix(".json")
    html_path.write_text(render_html(data), encoding="utf-8")
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {html_path} and {json_path} ({verification.summary()})", file=out)
    return EXIT_OK
