"""The compliance report of a period: figures computed from the store's records
(`compile_report`, a plain dict that is also the JSON form) and one self-contained HTML
page of them (`render_html`: inline CSS and SVG charts, no script, no external asset),
readable by an auditor with nothing but a browser."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from html import escape
from typing import Any

from .._clock import clock
from ._chain import Verification
from ._incidents import Incident
from ._records import Record

__all__ = ["compile_report", "render_html"]


def compile_report(
    records: Iterable[Record],
    incidents: Sequence[Incident],
    verification: Verification,
    *,
    store: str,
    since: str,
    until: str,
    now_ns: int | None = None,
) -> dict[str, Any]:
    """The figures of `records` (those of the period), the incidents opened in it or
    still open, and the store's verification."""
    now = time.time_ns() if now_ns is None else now_ns
    days: dict[str, Counter[str]] = defaultdict(Counter)
    refusals: Counter[str] = Counter()
    redactions: Counter[str] = Counter()
    output_pii: Counter[str] = Counter()
    use_cases: dict[str, Counter[str]] = defaultdict(Counter)
    inventory: dict[tuple[str, str], dict[str, Any]] = {}
    reviews: Counter[str] = Counter()
    reviewers: set[str] = set()
    principals: set[str] = set()
    evaluations: dict[str, dict[str, Any]] = {}
    policies: list[dict[str, Any]] = []
    erasures: Counter[str] = Counter()
    retention: list[dict[str, Any]] = []
    calls = Counter[str]()
    needing_review = 0
    removed = 0
    for kind, body, at in _parts(records):
        if body is None:  # a record whose retention removed its body
            removed += 1
            continue
        day = at[:10]
        if kind == "decision":
            outcome = body.get("outcome", "?")
            calls[outcome] += 1
            days[day][outcome] += 1
            use_cases[body.get("use_case", "?")][outcome] += 1
            if body.get("principal"):
                principals.add(body["principal"])
            if outcome == "blocked":
                refusals[body.get("rule", "?")] += 1
            else:
                redactions.update(body.get("redactions") or {})
                key = (body.get("provider", "?"), body.get("model", "?"))
                entry = inventory.setdefault(
                    key,
                    {
                        "provider": key[0],
                        "model": key[1],
                        "calls": 0,
                        "first": at,
                        "last": at,
                        "data_classes": Counter(),
                    },
                )
                entry["calls"] += 1
                entry["last"] = at
                entry["data_classes"][body.get("data_class", "?")] += 1
        elif kind == "answer":
            calls["answered"] += 1
            output_pii.update(body.get("output_pii") or {})
            needing_review += bool(body.get("requires_review"))
        elif kind == "failure":
            calls["failed"] += 1
            days[day]["failed"] += 1
        elif kind == "review":
            reviews[body.get("decision", "?")] += 1
            reviewers.add(body.get("reviewer", "?"))
        elif kind == "evaluation":
            ev = evaluations.setdefault(
                body.get("name", "?"),
                {
                    "name": body.get("name", "?"),
                    "count": 0,
                    "scores": [],
                    "labels": Counter(),
                    "errors": 0,
                },
            )
            ev["count"] += 1
            if body.get("error"):
                ev["errors"] += 1
            if isinstance(body.get("score"), (int, float)):
                ev["scores"].append(float(body["score"]))
            if body.get("label"):
                ev["labels"][body["label"]] += 1
        elif kind == "policy":
            policies.append({"at": at, **body})
        elif kind == "erasure":
            erasures[body.get("outcome", "?")] += 1
        elif kind == "retention":
            retention.append({"at": at, "removed": body.get("removed", {})})
    shown_incidents = [
        i.as_dict(now) for i in incidents if since <= i.opened_at < until or i.status != "resolved"
    ]
    clock_states = Counter(c["state"] for i in shown_incidents for c in i["clocks"])
    return {
        "title": "AI use: compliance report",
        "store": store,
        "generated_at": clock.rfc3339(now),
        "period": {"since": since, "until": until},
        "verification": {**verification._asdict(), "summary": verification.summary()},
        "calls": {
            "allowed": calls["allowed"],
            "refused": calls["blocked"],
            "answered": calls["answered"],
            "failed": calls["failed"],
            "needing_review": needing_review,
            "principals": len(principals),
            "by_day": [
                {"day": d, "allowed": c["allowed"], "refused": c["blocked"], "failed": c["failed"]}
                for d, c in sorted(days.items())
            ],
        },
        "refusals_by_rule": dict(refusals.most_common()),
        "redactions_by_type": dict(redactions.most_common()),
        "output_pii_by_type": dict(output_pii.most_common()),
        "use_cases": {
            uc: {"allowed": c["allowed"], "refused": c["blocked"]}
            for uc, c in sorted(use_cases.items())
        },
        "inventory": [
            {
                "provider": e["provider"],
                "model": e["model"],
                "calls": e["calls"],
                "first": e["first"],
                "last": e["last"],
                "data_classes": dict(e["data_classes"]),
            }
            for e in sorted(inventory.values(), key=lambda e: -e["calls"])
        ],
        "reviews": {"by_decision": dict(reviews), "reviewers": len(reviewers)},
        "evaluations": [
            {
                "name": e["name"],
                "count": e["count"],
                "errors": e["errors"],
                "mean_score": round(sum(e["scores"]) / len(e["scores"]), 4)
                if e["scores"]
                else None,
                "min_score": min(e["scores"]) if e["scores"] else None,
                "max_score": max(e["scores"]) if e["scores"] else None,
                "labels": dict(e["labels"]),
            }
            for e in evaluations.values()
        ],
        "incidents": shown_incidents,
        "incident_clocks": dict(clock_states),
        "policies": policies,
        "erasures": dict(erasures),
        "retention": retention,
        "bodies_removed_in_period": removed,
    }


def _parts(records: Iterable[Record]) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """Every record's parts (a ``call`` record is a decision and its outcome), and a
    part without a body for each record whose body retention removed."""
    for record in records:
        if record.body is None:
            yield record.kind, None, record.at
        else:
            yield from record.parts()


# ---------------------------------------------------------------------- HTML

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;
background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d0d5dc;padding-bottom:4px}
.meta{color:#57606a}.banner{padding:12px 16px;border-radius:6px;font-weight:600;margin:16px 0}
.ok{background:#dafbe1;border:1px solid #4ac26b}.bad{background:#ffebe9;border:1px solid #ff8182}
.tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border:1px solid #d0d5dc;
border-radius:6px;padding:10px 14px;min-width:120px}.tile b{display:block;font-size:24px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d0d5dc;
padding:5px 8px;text-align:left;vertical-align:top}th{background:#eef1f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.overdue,.met.late{color:#a40e26;font-weight:600}.running{color:#9a6700}.met{color:#1a7f37}
svg{background:#fff;border:1px solid #d0d5dc;border-radius:6px}
.none{color:#57606a;font-style:italic}footer{margin-top:32px;color:#57606a;font-size:13px}
"""


def _tiles(items: Sequence[tuple[str, Any]]) -> str:
    return (
        '<div class="tiles">'
        + "".join(
            f'<div class="tile" data-figure="{escape(k)}"><b>{escape(str(v))}</b>{escape(k)}</div>'
            for k, v in items
        )
        + "</div>"
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    if not rows:
        return f'<p class="none">None in this period{escape(caption)}.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v}</td>'
            if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f"<td>{escape('' if v is None else str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _bars(title: str, data: Mapping[str, int], colour: str = "#3b6fd4") -> str:
    """A horizontal bar chart as inline SVG."""
    if not data:
        return f'<p class="none">{escape(title)}: none in this period.</p>'
    items = list(data.items())[:20]
    top = max(v for _, v in items) or 1
    width, label_w, row = 720, 300, 24
    height = 34 + row * len(items)
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="20" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for n, (label, value) in enumerate(items):
        y = 30 + n * row
        w = int((width - label_w - 70) * value / top)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(label[:48])}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1)}" height="{row - 8}" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_w + max(w, 1) + 6}" y="{y + 15}" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _days(by_day: Sequence[Mapping[str, Any]]) -> str:
    """Calls per day, allowed and refused stacked, as inline SVG."""
    title = "Governed calls per day (allowed, refused)"
    if not by_day:
        return f'<p class="none">{escape(title)}: none in this period.</p>'
    shown = list(by_day)[-62:]
    top = max(d["allowed"] + d["refused"] for d in shown) or 1
    width, height, base = 720, 240, 200
    step = (width - 60) / len(shown)
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="18" font-size="14" font-weight="600">{escape(title)}</text>',
        f'<line x1="50" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#8c959f"/>',
        f'<text x="44" y="{base - 160 + 4}" font-size="11" text-anchor="end">{top}</text>',
    ]
    for n, d in enumerate(shown):
        x = 50 + n * step + 1
        a = 160 * d["allowed"] / top
        r = 160 * d["refused"] / top
        w = min(max(step - 2, 1), 48)
        parts.append(
            f'<rect x="{x:.1f}" y="{base - a:.1f}" width="{w:.1f}" height="{a:.1f}" '
            f'fill="#3b6fd4"><title>{d["day"]}: {d["allowed"]} allowed</title></rect>'
            f'<rect x="{x:.1f}" y="{base - a - r:.1f}" width="{w:.1f}" height="{r:.1f}" '
            f'fill="#cf222e"><title>{d["day"]}: {d["refused"]} refused</title></rect>'
        )
    parts.append(
        f'<text x="50" y="{base + 18}" font-size="11">{escape(shown[0]["day"])}</text>'
        f'<text x="{width - 10}" y="{base + 18}" font-size="11" text-anchor="end">'
        f"{escape(shown[-1]['day'])}</text>"
        f'<rect x="480" y="{base + 26}" width="10" height="10" fill="#3b6fd4"/>'
        f'<text x="494" y="{base + 35}" font-size="11">allowed</text>'
        f'<rect x="560" y="{base + 26}" width="10" height="10" fill="#cf222e"/>'
        f'<text x="574" y="{base + 35}" font-size="11">refused</text></svg>'
    )
    return "".join(parts)


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one HTML page (inline CSS and SVG; no script, no external asset)."""
    v = report["verification"]
    calls = report["calls"]
    period = report["period"]
    banner = (
        '<div class="banner ok" id="verification">Evidence store verified: '
        f"{escape(v['summary'])}</div>"
        if v["ok"]
        else f'<div class="banner bad" id="verification">Evidence store FAILED verification: '
        f"{escape(v['summary'])}</div>"
    )
    incidents = report["incidents"]
    incident_rows = [
        [
            i["id"],
            i["opened_at"],
            i["category"],
            i["severity"],
            i["status"],
            i["resolution"] or "",
            "yes" if i["hold"] else "no",
            i["stamp"],
            i["ticket"] or "",
        ]
        for i in incidents
    ]
    clock_rows = "".join(
        f"<tr><td>{escape(i['id'])}</td><td>{escape(c['name'])}</td><td>{escape(c['due'])}</td>"
        f"<td>{escape(c['met_at'] or '')}</td>"
        f'<td class="{escape(c["state"])}">{escape(c["state"])}</td></tr>'
        for i in incidents
        for c in i["clocks"]
    )
    clocks = (
        "<table><thead><tr><th>incident</th><th>clock</th><th>due</th><th>met</th>"
        f"<th>state</th></tr></thead><tbody>{clock_rows}</tbody></table>"
        if clock_rows
        else '<p class="none">No incident clock is running or was met in this period.</p>'
    )
    evals = [
        [
            e["name"],
            e["count"],
            e["mean_score"],
            e["min_score"],
            e["max_score"],
            ", ".join(f"{k}: {n}" for k, n in e["labels"].items()),
            e["errors"],
        ]
        for e in report["evaluations"]
    ]
    inventory = [
        [
            e["provider"],
            e["model"],
            e["calls"],
            e["first"],
            e["last"],
            ", ".join(f"{k}: {n}" for k, n in e["data_classes"].items()),
        ]
        for e in report["inventory"]
    ]
    reviews = report["reviews"]
    policies = [
        [
            p["at"],
            p.get("policy_id"),
            p.get("policy_version"),
            p.get("policy_sha256"),
            "yes" if p.get("changed") else "no",
        ]
        for p in report["policies"]
    ]
    erasures = report["erasures"]
    retention = [
        [r["at"], ", ".join(f"{k}: {n}" for k, n in r["removed"].items()) or "nothing due"]
        for r in report["retention"]
    ]
    sections = [
        f"<h1>{escape(report['title'])}</h1>",
        f'<p class="meta">Period {escape(period["since"])} to {escape(period["until"])} · '
        f"store {escape(report['store'])} · generated {escape(report['generated_at'])}</p>",
        banner,
        "<h2>Summary</h2>",
        _tiles(
            [
                ("calls allowed", calls["allowed"]),
                ("calls refused", calls["refused"]),
                ("answers", calls["answered"]),
                ("failed calls", calls["failed"]),
                ("answers needing review", calls["needing_review"]),
                ("reviews", sum(reviews["by_decision"].values())),
                ("incidents", len(incidents)),
                ("principals", calls["principals"]),
            ]
        ),
        "<h2>Calls</h2>",
        _days(calls["by_day"]),
        "<h2>Refusals by rule</h2>",
        _bars("Refusals by rule", report["refusals_by_rule"], "#cf222e"),
        "<h2>Redactions by type</h2>",
        _bars("Personal data redacted before sending, by type", report["redactions_by_type"]),
        _bars("Personal data found in answers, by type", report["output_pii_by_type"], "#9a6700"),
        "<h2>AI inventory: providers and models used</h2>",
        _table(["provider", "model", "calls", "first", "last", "data classes"], inventory),
        "<h2>Use cases</h2>",
        _table(
            ["use case", "allowed", "refused"],
            [[k, c["allowed"], c["refused"]] for k, c in report["use_cases"].items()],
        ),
        "<h2>Human reviews and overrides</h2>",
        _table(["decision", "count"], [[k, n] for k, n in sorted(reviews["by_decision"].items())]),
        f'<p class="meta">{reviews["reviewers"]} distinct reviewers (pseudonymised).</p>',
        "<h2>Evaluations</h2>",
        _table(["evaluator", "results", "mean", "min", "max", "labels", "errors"], evals),
        "<h2>Incidents</h2>",
        _table(
            [
                "incident",
                "opened",
                "category",
                "severity",
                "status",
                "resolution",
                "legal hold",
                "provenance stamp",
                "ticket",
            ],
            incident_rows,
        ),
        "<h3>Incident clocks</h3>",
        clocks,
        "<h2>Policy in force</h2>",
        _table(["recorded", "policy", "version", "sha256", "changed"], policies),
        "<h2>Erasure and retention</h2>",
        _tiles(
            [
                ("subjects erased", erasures.get("erased", 0)),
                ("erasures refused (legal hold)", erasures.get("refused", 0)),
                ("record bodies removed by retention", report["bodies_removed_in_period"]),
            ]
        ),
        _table(["applied", "bodies removed"], retention),
        "<footer>Records hold rule ids, counts, hashes and pseudonyms: no prompt, answer or "
        "client value. People appear as pseudonyms. Verification covers the whole store, "
        "not only this period.</footer>",
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(report['title'])}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body><main>" + "".join(sections) + "</main></body></html>"
    )
