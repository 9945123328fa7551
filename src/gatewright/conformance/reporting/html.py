"""``report.html``: one self-contained page for a person; summary first, each failure expandable."""

from __future__ import annotations

import json
from html import escape

from gatewright.conformance.models import Exchange, Finding, Report

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.passed{color:#17692c}.failed,.error{color:#b00020}.skipped{color:#777}
.verdict{font-size:1.2rem;font-weight:bold;padding:.5rem 1rem;border-radius:.3rem;display:inline-block}
.verdict.passed{background:#e3f5e8}.verdict.failed{background:#fde7ea}
details{border:1px solid #ddd;border-radius:.3rem;margin:.5rem 0;padding:.3rem .8rem}
summary{cursor:pointer;font-weight:600}pre{background:#f6f6f6;padding:.6rem;overflow:auto;white-space:pre-wrap;
word-break:break-word;max-height:30rem}code{background:#f2f2f2;padding:0 .2rem}.k{color:#555;width:9rem}
"""


def _exchange(exchange: Exchange | None) -> str:
    if exchange is None:
        return "<p>No request was recorded.</p>"
    request = f"{exchange.method} {exchange.url}\n" + "".join(
        f"{k}: {v}\n" for k, v in exchange.request_headers.items()
    )
    if exchange.request_body:
        request += "\n" + exchange.request_body
    response = f"HTTP {exchange.status if exchange.status is not None else '(no response)'}"
    if exchange.elapsed_ms is not None:
        response += f"  ({exchange.elapsed_ms} ms)"
    response += "\n" + "".join(f"{k}: {v}\n" for k, v in exchange.response_headers.items())
    if exchange.response_body:
        response += "\n" + exchange.response_body
    return (
        f"<h4>Request sent</h4><pre>{escape(request)}</pre>"
        f"<h4>Response received</h4><pre>{escape(response)}</pre>"
    )


def _finding(finding: Finding) -> str:
    curl = f"<h4>Reproduce</h4><pre>{escape(finding.curl)}</pre>" if finding.curl else ""
    return (
        f"<details><summary><span class='failed'>{escape(finding.check)}</span> — {escape(finding.title)}"
        f" <small>({escape(finding.label)}, {escape(finding.phase)})</small></summary>"
        f"<h4>What went wrong</h4><pre>{escape(finding.message)}</pre>"
        f"{_exchange(finding.exchange)}"
        f"<h4>What the spec says</h4><p><code>{escape(finding.spec_pointer or '-')}</code></p>"
        f"<pre>{escape(finding.spec_says)}</pre>{curl}</details>"
    )


def render_html(report: Report) -> str:
    verdict = "failed" if report.failed else "passed"
    counts = report.outcome_counts()
    rows = "".join(
        f"<tr><td>{escape(u.unit_id)}</td><td>{escape(u.kind)}</td><td>{escape(u.label)}</td>"
        f"<td class='{u.outcome}'>{u.outcome}</td><td>{u.calls}</td><td>{len(u.findings)}</td>"
        f"<td>{escape(u.skipped or u.error or '')}</td></tr>"
        for u in report.units
    )
    checks = "".join(
        f"<tr><td>{escape(name)}</td><td>{c['units']}</td>"
        f"<td class='{'failed' if c['failed'] else 'passed'}'>{c['failed']}</td></tr>"
        for name, c in report.check_counts().items()
    )
    failures = "".join(
        f"<h3 id='{escape(u.unit_id)}'>{escape(u.unit_id)} <small>{escape(u.label)}</small></h3>"
        + "".join(_finding(f) for f in u.findings)
        for u in report.units
        if u.findings
    )
    meta = {
        "base URL": report.base_url,
        "started": report.started_at,
        "duration": f"{report.duration:.1f}s",
        "seed": report.seed,
        "max examples": report.max_examples,
        "versions": f"gatewright {report.gatewright_version}, schemathesis {report.schemathesis_version}",
    }
    meta_rows = "".join(
        f"<tr><td class='k'>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in meta.items()
    )
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gatewright verify: {escape(report.api)}</title>
<style>{_STYLE}</style></head><body>
<h1>gatewright verify — {escape(report.api)}</h1>
<p class="verdict {verdict}">{verdict.upper()}: {escape(summary)}; {len(report.findings)} findings</p>
<table>{meta_rows}</table>
<h2>Units</h2>
<table><tr><th>unit</th><th>kind</th><th>operation</th><th>outcome</th><th>calls</th><th>findings</th>
<th>note</th></tr>{rows}</table>
<h2>Checks</h2>
<table><tr><th>check</th><th>units</th><th>failed</th></tr>{checks}</table>
<h2>Failures</h2>
{failures or "<p>None.</p>"}
<script type="application/json" id="report-data">{escape(json.dumps(report.to_dict()["summary"]))}</script>
</body></html>
"""
