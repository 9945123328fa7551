"""The request journal: one entry per request, and the view clients read (filtered, redacted).

An entry is filled in as the pipeline learns about its request and appended as it is
(no copy, no formatting); times are formatted and credentials redacted here, when someone
reads the journal, so serving stays cheap (what counts as a credential:
``gatewright.spec.secrets``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gatewright.spec.secrets import redact_body, redact_headers

__all__ = ["JournalEntry", "journal_view"]


@dataclass(slots=True)
class JournalEntry:
    """What the journal says of one request."""

    time: float  # epoch seconds
    api: str
    method: str
    path: str
    headers: Mapping[str, str]
    operation: str | None = None
    body: Any = None
    rule: str | None = None
    fault: str | None = None
    status: int = 0
    duration_ms: float = 0.0


def journal_view(entries: list[JournalEntry], header: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    name, wanted = (header[0].lower(), header[1]) if header is not None else ("", "")
    out: list[dict[str, Any]] = []
    for entry in entries:
        headers = entry.headers
        if header is not None and headers.get(name) != wanted:
            continue
        out.append(
            {
                "time": dt.datetime.fromtimestamp(entry.time, dt.UTC).isoformat(timespec="milliseconds"),
                "api": entry.api,
                "method": entry.method,
                "path": entry.path,
                "operation": entry.operation,
                "status": entry.status,
                "duration_ms": round(entry.duration_ms, 3),
                "rule": entry.rule,
                "fault": entry.fault,
                "body": redact_body(entry.body),
                "headers": redact_headers(headers),
            }
        )
    return out
