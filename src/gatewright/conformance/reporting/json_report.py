"""``report.json``: the whole report model, stable key order, for machines and diffs."""

from __future__ import annotations

import json

from gatewright.conformance.models import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
