"""``report.html``: one self-contained page for a person, failures first.

The page leads with the verdict, then the failures grouped by check and operation. Each one is a
distinct failure (``Finding.key``) whose collapsed line reads on its own (status, title, a one-line
message, how often it was seen); expanded: what went wrong, the example exchange (headers folded,
so a gateway's two dozen of them do not bury the body), what the spec says, a curl command. Then
the table of every unit, whose failed rows link to their failures, then the per-check counts.
"""

from __future__ import annotations

import json
import re
from html import escape

from gatewright.conformance.bodies import visible
from gatewright.conformance.models import Exchange, Finding, Report, UnitResult

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}h3{font-size:1.05rem;margin:1.4rem 0 .3rem}
h4{font-size:.95rem;margin:.8rem 0 .2rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.passed{color:#17692c}.failed,.error{color:#b00020}.skipped{color:#777}.interrupted{color:#8a5a00}
.verdict{font-size:1.2rem;font-weight:bold;padding:.5rem 1rem;border-radius:.3rem;display:inline-block}
.verdict.passed{background:#e3f5e8}.verdict.failed{background:#fde7ea}.verdict.interrupted{background:#fff3d6}
details{border:1px solid #ddd;border-radius:.3rem;margin:.4rem 0;padding:.3rem .8rem}
summary{cursor:pointer;font-weight:600}summary .said{font-weight:normal}.status{font-family:monospace}
details.headers{border:none;margin:0;padding:0}details.headers summary{font-weight:normal;color:#555}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;white-space:pre-wrap;
word-break:break-word;max-height:30rem}code{background:#f2f2f2;padding:0 .2rem}.k{color:#555;width:9rem}
nav{margin:.8rem 0}nav a{margin-right:1rem}ul.failed-units li{margin:.15rem 0}
:target{outline:2px solid #e0a800}
"""


# A link to a finding opens it (details are collapsed by default).
_OPEN_TARGET = (
    "function gwOpen(){var t=location.hash&&document.getElementById(location.hash.slice(1));"
    "if(t){var d=t.tagName==='DETAILS'?t:t.querySelector('details');if(d)d.open=true;}}"
    "addEventListener('hashchange',gwOpen);addEventListener('DOMContentLoaded',gwOpen);"
)


HEADERS_SHOWN = 6  # more headers than this are folded under their count


def _e(value: object) -> str:
    """Escaped for HTML, control characters (NUL, ESC) shown as ``\\xNN``: never raw in the page."""
    return escape(visible(str(value)))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _message(first_line: str, headers: dict[str, str], body: str | None) -> str:
    """One side of an exchange: its first line, its headers (folded past ``HEADERS_SHOWN``), its body."""
    lines = "".join(f"{k}: {v}\n" for k, v in headers.items())
    if len(headers) > HEADERS_SHOWN:
        folded = f"<summary>{len(headers)} headers</summary><pre>{_e(lines)}</pre>"
        top = f"<pre>{_e(first_line)}</pre><details class='headers'>{folded}</details>"
        return top + (f"<pre>{_e(body)}</pre>" if body else "")
    return f"<pre>{_e(first_line + chr(10) + lines + (chr(10) + body if body else ''))}</pre>"


def _exchange(exchange: Exchange | None) -> str:
    if exchange is None:
        return "<p>No request was recorded.</p>"
    status = f"HTTP {exchange.status if exchange.status is not None else '(no response)'}"
    if exchange.elapsed_ms is not None:
        status += f"  ({exchange.elapsed_ms} ms)"
    request = _message(f"{exchange.method} {exchange.url}", exchange.request_headers, exchange.request_body)
    response = _message(status, exchange.response_headers, exchange.response_body)
    return f"<h5>Request sent</h5>{request}<h5>Response received</h5>{response}"


def _finding(finding: Finding, anchor: str, unit: UnitResult, unit_anchor: str) -> str:
    curl = f"<h5>Reproduce</h5><pre>{_e(finding.curl)}</pre>" if finding.curl else ""
    status = finding.status if finding.status is not None else "no answer"
    seen = f"seen {finding.count} times, " if finding.count > 1 else ""
    said = f" <span class='said'>— {_e(finding.summary)}</span>" if finding.summary != finding.title else ""
    return (
        f"<div class='finding' id='{anchor}'><details><summary>"
        f"<span class='status'>{_e(status)}</span> <span class='failed'>{_e(finding.title)}</span>{said}"
        f" <small>({seen}unit <a href='#{unit_anchor}'>{_e(unit.unit_id)}</a>, {_e(finding.phase)})</small>"
        f"</summary>"
        f"<h5>What went wrong</h5><pre>{_e(finding.message.strip() or finding.title)}</pre>"
        f"{_exchange(finding.exchange)}"
        f"<h5>What the spec says</h5><p><code>{_e(finding.spec_pointer or '-')}</code></p>"
        f"<pre>{_e(finding.spec_says)}</pre>{curl}</details></div>"
    )


def _failures(report: Report, unit_anchors: dict[int, str]) -> str:
    """Failures grouped by check, then operation; an index of failed units, each linking to its own."""
    if not any(u.failed for u in report.units):
        return "<p>None.</p>"
    by_check: dict[str, dict[str, list[tuple[int, int, Finding]]]] = {}
    finding_anchors: dict[int, list[tuple[str, str]]] = {}
    errors: list[tuple[int, UnitResult]] = []
    counter = 0
    for index, unit in enumerate(report.units):
        if unit.error is not None:
            errors.append((index, unit))
        for finding in unit.findings:
            operation = finding.label
            if finding.operation != "-":
                operation += f" ({finding.operation})"
            found = by_check.setdefault(finding.check, {}).setdefault(operation, [])
            found.append((counter, index, finding))
            finding_anchors.setdefault(index, []).append((f"finding-{counter}", finding.check))
            counter += 1
    parts: list[str] = []
    index_items = []
    for index, unit in enumerate(report.units):
        if not unit.failed:
            continue
        links = [f"<a href='#{anchor}'>{_e(check)}</a>" for anchor, check in finding_anchors.get(index, [])]
        if unit.error is not None:
            links.append(f"<a href='#error-{index}'>error</a>")
        index_items.append(
            f"<li id='{unit_anchors[index]}'><b>{_e(unit.unit_id)}</b> <small>{_e(unit.label)}</small>: "
            + ", ".join(links)
            + "</li>"
        )
    parts.append(f"<h3>Failed units</h3><ul class='failed-units'>{''.join(index_items)}</ul>")
    for check in sorted(by_check):
        operations = by_check[check]
        total = sum(len(found) for found in operations.values())
        seen = sum(finding.count for found in operations.values() for _, _, finding in found)
        parts.append(
            f"<section class='check' id='check-{_slug(check)}'><h3><code>{_e(check)}</code> "
            f"<small>{total} distinct failure(s), seen {seen} time(s), in {len(operations)} operation(s)"
            f"</small></h3>"
        )
        for operation in sorted(operations):
            parts.append(f"<h4>{_e(operation)}</h4>")
            for number, index, finding in operations[operation]:
                unit = report.units[index]
                parts.append(_finding(finding, f"finding-{number}", unit, unit_anchors[index]))
        parts.append("</section>")
    if errors:
        parts.append("<section class='check' id='check-errors'><h3>Units that could not run to the end</h3>")
        for index, unit in errors:
            parts.append(
                f"<div class='finding' id='error-{index}'><details open><summary>"
                f"<span class='error'>{_e(unit.unit_id)}</span>"
                f" <small><a href='#{unit_anchors[index]}'>{_e(unit.label)}</a></small></summary>"
                f"<pre>{_e(unit.error)}</pre></details></div>"
            )
        parts.append("</section>")
    return "".join(parts)


def _unit_row(unit: UnitResult, anchor: str | None) -> str:
    name = f"<a href='#{anchor}'>{_e(unit.unit_id)}</a>" if anchor else _e(unit.unit_id)
    note = "; ".join(text for text in (unit.skipped, unit.error, *unit.notes) if text)
    return (
        f"<tr class='unit {unit.outcome}'><td>{name}</td><td>{_e(unit.kind)}</td><td>{_e(unit.label)}</td>"
        f"<td class='{unit.outcome}'>{unit.outcome}</td><td>{unit.calls}</td><td>{len(unit.findings)}</td>"
        f"<td>{_e(note)}</td></tr>"
    )


def render_html(report: Report) -> str:
    verdict = "interrupted" if report.interrupted else "failed" if report.failed else "passed"
    counts = report.outcome_counts()
    unit_anchors = {
        index: f"unit-{index}-{_slug(unit.unit_id)}" for index, unit in enumerate(report.units) if unit.failed
    }
    rows = "".join(_unit_row(unit, unit_anchors.get(index)) for index, unit in enumerate(report.units))
    checks = "".join(
        f"<tr><td><a href='#check-{_slug(name)}'>{_e(name)}</a></td><td>{c['units']}</td>"
        f"<td class='failed'>{c['failed']}</td></tr>"
        if c["failed"]
        else f"<tr><td>{_e(name)}</td><td>{c['units']}</td><td class='passed'>0</td></tr>"
        for name, c in report.check_counts().items()
    )
    meta = {
        "upstream" if report.tool == "proxy" else "base URL": report.base_url,
        "started": report.started_at,
        "duration": f"{report.duration:.1f}s",
        **{name.replace("_", " "): value for name, value in report.settings.items()},
        "versions": f"gatewright {report.gatewright_version}, schemathesis {report.schemathesis_version}",
    }
    meta_rows = "".join(f"<tr><td class='k'>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta.items())
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing ran"
    failed_units = sum(1 for unit in report.units if unit.failed)
    interrupted = (
        "<p class='interrupted'>The run was interrupted (Ctrl-C): the units below are those that ran.</p>"
        if report.interrupted
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gatewright {_e(report.tool)}: {_e(report.api)}</title>
<style>{_STYLE}</style></head><body>
<h1>gatewright {_e(report.tool)} — {_e(report.api)}</h1>
<p class="verdict {verdict}">{verdict.upper()}: {_e(summary)}; {len(report.findings)} findings</p>
{interrupted}<table class="meta">{meta_rows}</table>
<nav><a href="#failures">Failures ({failed_units} units)</a><a href="#units">Units ({len(report.units)})</a>
<a href="#checks">Checks</a></nav>
<section id="failures"><h2>Failures</h2>
{_failures(report, unit_anchors)}
</section>
<section id="units"><h2>Units</h2>
<table><tr><th>unit</th><th>kind</th><th>operation</th><th>outcome</th><th>calls</th><th>findings</th>
<th>note</th></tr>{rows}</table></section>
<section id="checks"><h2>Checks</h2>
<table><tr><th>check</th><th>units</th><th>failed</th></tr>{checks}</table></section>
<script>{_OPEN_TARGET}</script>
<script type="application/json" id="report-data">{escape(json.dumps(report.to_dict()["summary"]))}</script>
</body></html>
"""
