"""The request journal: one entry per request, and the view clients read (filtered, redacted).

An entry is filled in as the pipeline learns about its request and appended as it is (no
parsing, no formatting); times are formatted, bodies parsed and credentials redacted here,
when someone reads the journal, so serving stays cheap (what counts as a credential:
``gatewright.spec.secrets``). Entries keep headers and bodies as bytes: ten thousand retained
dicts would be traversed by every full garbage collection, a cost the mock's throughput showed.

The journal is bounded in bytes as well as in entries (``ControlStore``): ``fit`` keeps at most
``entry_bytes`` of a body, a longer one as its first bytes marked as cut, and says what the entry
holds, so the store can drop the oldest entries once the total is over its budget. Reading it
(``journal_chunks``) renders the answer a few entries at a time, so a large journal is streamed,
never built in one piece.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from gatewright.mock_options import DEFAULTS
from gatewright.spec.secrets import (
    REDACTED,
    is_secret_header,
    redact_body,
    redact_headers,
    redact_json_text,
    redact_text_body,
)

__all__ = [
    "DEFAULT_ENTRY_BYTES",
    "DEFAULT_JOURNAL_BYTES",
    "JournalEntry",
    "journal_chunks",
]

DEFAULT_ENTRY_BYTES = DEFAULTS.journal_entry_bytes  # of one body; a longer one is kept as a cut prefix
DEFAULT_JOURNAL_BYTES = DEFAULTS.journal_bytes  # of all entries together; the oldest go first
_ENTRY_OVERHEAD = 256  # bytes an entry costs besides its body and headers (the object, its fields)
_CHUNK = 64 * 1024  # bytes of the rendered answer handed out at a time


@dataclass(slots=True)
class JournalEntry:
    """What the journal says of one request."""

    time: float  # epoch seconds
    api: str
    method: str
    path: str
    raw_headers: tuple[tuple[bytes, bytes], ...]
    operation: str | None = None
    body: Any = None  # the parsed body, for bodies other than JSON (serialized by ``fit``)
    json_body: bytes | None = None  # the body as JSON, as received (parsed when read)
    rule: str | None = None
    fault: str | None = None
    status: int = 0
    duration_ms: float = 0.0
    received: int | None = None  # bytes of the JSON body when ``json_body`` is only its beginning
    refused: bool = False  # ``json_body`` holds a refused request's bytes as they came (maybe not JSON)
    size: int = 0  # bytes the entry holds, once ``fit``

    def fit(self, entry_bytes: int) -> int:
        """Keep at most ``entry_bytes`` of the body (as JSON); the bytes the entry now holds."""
        if self.body is not None:  # a form or a binary body: its JSON view, uploads as their size
            self.json_body = _utf8(json.dumps(self.body, default=_shown, ensure_ascii=False))
            self.body = None
        if self.json_body is not None and len(self.json_body) > entry_bytes:
            self.received = len(self.json_body)
            self.json_body = self.json_body[:entry_bytes]
        size = _ENTRY_OVERHEAD + len(self.path) + len(self.json_body or b"")
        for name, value in self.raw_headers:  # a loop: half what ``sum(map(len, chain(...)))`` costs
            size += len(name) + len(value)
        self.size = size
        return self.size

    def view(self) -> dict[str, Any]:
        """The entry as ``GET /__gatewright/requests`` shows it, credentials redacted."""
        headers = {
            key.decode("latin-1").lower(): value.decode("utf-8", "replace") for key, value in self.raw_headers
        }
        return {
            "time": dt.datetime.fromtimestamp(self.time, dt.UTC).isoformat(timespec="milliseconds"),
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 3),
            "rule": self.rule,
            "fault": self.fault,
            "body": self._shown_body(headers.get("content-type")),
            "truncated": None
            if self.received is None
            else {"bytes": self.received, "kept": len(self.json_body or b"")},
            "headers": redact_headers(headers),
        }

    def _shown_body(self, content_type: str | None) -> Any:
        """The body as the journal shows it, credentials redacted: a refused one as the text it was,
        a cut one as the text of its beginning, else the JSON value."""
        if self.json_body is None:
            return None
        if self.refused:  # what the client sent, whatever it was
            return redact_text_body(self.json_body.decode("utf-8", "replace"), content_type)
        if self.received is not None:  # cut: shown as the text it was
            return redact_json_text(self.json_body.decode("utf-8", "ignore"))
        return redact_body(json.loads(self.json_body))

    def to_shared(self) -> bytes:
        """The entry, once ``fit``, as replicas share it through Redis (``mock.shared``): JSON, the
        body base64 (a refused body may be any bytes), the size as counted here. Credentials are
        redacted before they leave (headers and body, as the journal shows them): Redis is no
        place for a client's key, and the journal never shows one anyway."""
        assert self.body is None, "fit first"
        headers = [[key.decode("latin-1"), value.decode("latin-1")] for key, value in self.raw_headers]
        shown = self._shown_body(next((v for k, v in headers if k.lower() == "content-type"), None))
        as_text = self.refused or self.received is not None  # shown as text: kept as that text
        body = None if shown is None else shown.encode() if as_text else json.dumps(shown).encode()
        fields = {
            "time": self.time,
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "headers": [[key, REDACTED if is_secret_header(key) else value] for key, value in headers],
            "operation": self.operation,
            "json_body": None if body is None else base64.b64encode(body).decode(),
            "rule": self.rule,
            "fault": self.fault,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "received": self.received,
            "refused": self.refused,
            "size": self.size,
        }
        return json.dumps(fields, separators=(",", ":")).encode()

    @classmethod
    def from_shared(cls, raw: bytes) -> JournalEntry:
        fields = json.loads(raw)
        body = fields.pop("json_body")
        headers = tuple(
            (key.encode("latin-1"), value.encode("latin-1")) for key, value in fields.pop("headers")
        )
        return cls(raw_headers=headers, json_body=None if body is None else base64.b64decode(body), **fields)

    def sent(self, name: str, value: str) -> bool:
        """Whether the request carried header ``name`` (lower case) with ``value``; a credential's value
        is ``[REDACTED]``, as the journal shows it (a filter must not tell a guessed key from a wrong one)."""
        if is_secret_header(name):
            return value == REDACTED and any(
                key.decode("latin-1").lower() == name for key, _ in self.raw_headers
            )
        return any(
            key.decode("latin-1").lower() == name and raw.decode("utf-8", "replace") == value
            for key, raw in self.raw_headers
        )


def journal_chunks(entries: Sequence[JournalEntry], header: tuple[str, str] | None = None) -> Iterator[bytes]:
    """``{"requests": [...]}`` for ``entries`` (those that sent ``header``, when given), in pieces of
    about 64 KiB: each is rendered only when asked for."""
    name, wanted = (header[0].lower(), header[1]) if header is not None else ("", "")
    pending = [b'{"requests": [']
    size, first = 0, True
    for entry in entries:
        if header is not None and not entry.sent(name, wanted):
            continue
        piece = _utf8(json.dumps(entry.view(), ensure_ascii=False))
        pending.append(piece if first else b", " + piece)
        size, first = size + len(piece), False
        if size >= _CHUNK:
            yield b"".join(pending)
            pending, size = [], 0
    pending.append(b"]}")
    yield b"".join(pending)


def _shown(value: object) -> str:
    """A value JSON has no form for, as the journal shows it (an upload: its size only)."""
    return f"<{len(value)} bytes>" if isinstance(value, bytes | bytearray) else str(value)


def _utf8(text: str) -> bytes:
    """JSON text as UTF-8, half a surrogate pair (JSON may escape one: ``json.loads`` reads it) written as
    its JSON escape, where UTF-8 has no form for it (it can only stand inside a string)."""
    return text.encode("utf-8", "backslashreplace")
