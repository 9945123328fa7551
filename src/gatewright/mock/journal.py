"""The request journal as clients read it: filtered by a header, credentials redacted.

Entries are recorded raw on the request path (a dict append); redaction happens here,
when someone reads them, so serving stays cheap. Only credentials are secrets: header
values that carry them, and body fields named like them (``api_key``, ``password``…,
not ``max_tokens``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

__all__ = ["REDACTED", "journal_view", "redact_body", "redact_headers"]

REDACTED = "[redacted]"
_MAX_DEPTH = 256  # request bodies nest at most ``validation.MAX_JSON_DEPTH`` (128) levels
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-admin-token"}
)
_SECRET_HEADER_WORDS = ("key", "token", "secret", "password", "auth", "signature", "credential")
_SECRET_FIELDS = frozenset(
    {
        "api_key",
        "apikey",
        "password",
        "secret",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "authorization",
        "token",
        "private_key",
    }
)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        secret = lowered in _SECRET_HEADERS or any(word in lowered for word in _SECRET_HEADER_WORDS)
        out[lowered] = REDACTED if secret else value
    return out


def redact_body(value: Any, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:  # deeper than any body the mock parses: shown as nothing rather than unchecked
        return REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and key.lower() in _SECRET_FIELDS
            else redact_body(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_body(item, depth + 1) for item in value]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


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
