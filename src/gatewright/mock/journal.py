"""The request journal as clients read it: filtered by a header, credentials redacted.

Entries are recorded raw on the request path (a dict append); redaction happens here,
when someone reads them, so serving stays cheap (what counts as a credential:
``gatewright.spec.secrets``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from gatewright.spec.secrets import redact_body, redact_headers

__all__ = ["journal_view"]


def journal_view(
    entries: list[dict[str, Any]], header: tuple[str, str] | None = None
) -> list[dict[str, Any]]:
    name, wanted = (header[0].lower(), header[1]) if header is not None else ("", "")
    out: list[dict[str, Any]] = []
    for entry in entries:
        headers: Mapping[str, str] = entry.get("headers") or {}
        if header is not None and headers.get(name) != wanted:
            continue
        view = dict(entry)
        view["time"] = dt.datetime.fromtimestamp(entry["time"], dt.UTC).isoformat(timespec="milliseconds")
        view["headers"] = redact_headers(headers)
        view["body"] = redact_body(entry.get("body"))
        out.append(view)
    return out
