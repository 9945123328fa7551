"""The request journal: one entry per request, and the view clients read (filtered, redacted).

An entry is filled in as the pipeline learns about its request and appended as it is
(no copy, no formatting); times are formatted, bodies parsed and credentials redacted
here, when someone reads the journal, so serving stays cheap (what counts as a
credential: ``gatewright.spec.secrets``). Entries keep headers and JSON bodies as the
bytes that came in: ten thousand retained dicts would be traversed by every full
garbage collection, a cost the mock's throughput showed.
"""

from __future__ import annotations

import datetime as dt
import json
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
    raw_headers: tuple[tuple[bytes, bytes], ...]
    operation: str | None = None
    body: Any = None  # the parsed body, for bodies other than JSON
    json_body: bytes | None = None  # a JSON body as received (parsed when read)
    rule: str | None = None
    fault: str | None = None
    status: int = 0
    duration_ms: float = 0.0


def journal_view(entries: list[JournalEntry], header: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    name, wanted = (header[0].lower(), header[1]) if header is not None else ("", "")
    out: list[dict[str, Any]] = []
    for entry in entries:
        headers = {
            key.decode("latin-1").lower(): value.decode("utf-8", "replace")
            for key, value in entry.raw_headers
        }
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
                "body": redact_body(
                    json.loads(entry.json_body) if entry.json_body is not None else entry.body
                ),
                "headers": redact_headers(headers),
            }
        )
    return out
