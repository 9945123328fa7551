"""Recorded exchanges: the fixture format ``gatewright proxy --record`` writes and
``gatewright mock --replay`` reads.

It lives in the spec layer because it is a contract between two stages that never import
each other (the proxy judges with the conformance checks, the replay answers inside the
mock). One JSON file per exchange, readable and diffable::

    DIR/<test id>/<seq>-<operationId>.json      (DIR/_/… when the client sent no x-test-id)

    {"format": "gatewright-recording/1", "api": "voxvey", "operation": "createChatCompletion",
     "test_id": "t-42", "recorded_at": "2026-11-30T12:00:00.000+00:00",
     "request":  {"method": "POST", "path": "/v1/chat/completions", "query": "",
                  "headers": {...}, "body": {"json": {...}}},
     "response": {"status": 200, "headers": {...}, "body": {"json": {...}},
                  "events": null, "complete": true},
     "violations": []}

A body is ``{"json": value}``, ``{"text": str}``, ``{"base64": str}`` or ``null`` (empty).
A ``text/event-stream`` answer keeps its events, each the raw text of one SSE event block
(without the blank line that ends it), so replay sends them as they came; ``complete`` is
false when the upstream closed the stream early. Credentials are redacted before anything
is written (``gatewright.spec.secrets``: headers, query, JSON and form bodies). ``violations``
lists what the answer broke of the contract; such a recording is not replayed unless asked for.
The shape is ``spec/schemas/recording.schema.json`` (JSON Schema 2020-12), judged as a fixture is read.

Reading a directory trusts nothing of it: fixtures are read only from regular files inside it
(a link is followed only where it stays inside; a FIFO or a device is refused without being
waited on) and up to a byte budget, so a hostile folder can neither hang nor exhaust the reader.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatewright.spec.document_schemas import problem
from gatewright.spec.errors import SpecError
from gatewright.spec.media import is_json, media_type_of
from gatewright.spec.secrets import redact_body, redact_headers, redact_query, redact_text_body

__all__ = [
    "DEFAULT_READ_BUDGET",
    "FORMAT",
    "NO_TEST_ID",
    "TEST_ID_HEADER",
    "Payload",
    "RecordedRequest",
    "RecordedResponse",
    "Recording",
    "RecordingError",
    "iter_recordings",
    "load_recordings",
    "write_recording",
]

FORMAT = "gatewright-recording/1"
TEST_ID_HEADER = "x-test-id"
NO_TEST_ID = "_"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_SEQUENCE = re.compile(r"^(\d+)-")
DEFAULT_READ_BUDGET = 256 * 1024 * 1024  # bytes of fixture files one directory may hold


class RecordingError(SpecError):
    """A fixture file that is not a recording this version reads; the message names the file."""


@dataclass(frozen=True)
class Payload:
    """A body as written: parsed JSON where it is JSON, else text, else base64 bytes."""

    kind: str  # "json" | "text" | "base64"
    value: Any

    @classmethod
    def from_bytes(cls, raw: bytes, content_type: str | None) -> Payload | None:
        if not raw:
            return None
        media = media_type_of(content_type)
        if is_json(media):
            try:
                return cls("json", json.loads(raw))
            except ValueError:
                pass  # a body that claims JSON but is not: kept as it came
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return cls("base64", base64.b64encode(raw).decode("ascii"))
        if media.startswith("text/") or media in {"application/x-www-form-urlencoded", "application/xml", ""}:
            return cls("text", text)
        return cls("base64", base64.b64encode(raw).decode("ascii"))

    def to_bytes(self) -> bytes:
        if self.kind == "json":
            return json.dumps(self.value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if self.kind == "text":
            return str(self.value).encode("utf-8")
        return base64.b64decode(self.value)

    def redacted(self, content_type: str | None) -> Payload:
        """The body as it may be written: credential fields hidden in JSON and form bodies."""
        if self.kind == "json":
            return Payload("json", redact_body(self.value))
        if self.kind == "text":
            return Payload("text", redact_text_body(str(self.value), content_type))
        return self

    def to_document(self) -> dict[str, Any]:
        return {self.kind: self.value}

    @classmethod
    def from_document(cls, document: Mapping[str, Any] | None) -> Payload | None:
        """The body of a recording the schema accepted: null, or one of json, text or base64."""
        if document is None:
            return None
        ((kind, value),) = document.items()
        return cls(kind, value)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # the URL path as the client sent it
    query: str = ""  # the raw query string
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Payload | None = None


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Payload | None = None
    events: tuple[str, ...] | None = None  # one raw SSE event block each, for text/event-stream
    complete: bool = True  # False when the stream ended before its end (cut, reset, timeout)


@dataclass(frozen=True)
class Recording:
    api: str
    operation: str | None  # None: the request matched no operation of the spec
    request: RecordedRequest
    response: RecordedResponse
    test_id: str | None = None
    violations: tuple[str, ...] = ()
    recorded_at: str = ""

    @property
    def conformant(self) -> bool:
        return not self.violations

    def redacted(self, secret_headers: frozenset[str] = frozenset()) -> Recording:
        """The recording as it may be written: credentials in headers, query and bodies hidden."""
        sent, answered = self.request, self.response
        request = RecordedRequest(
            sent.method,
            sent.path,
            redact_query(sent.query),
            redact_headers(sent.headers, secret_headers),
            sent.body.redacted(_content_type(sent.headers)) if sent.body else None,
        )
        response = RecordedResponse(
            answered.status,
            redact_headers(answered.headers, secret_headers),
            answered.body.redacted(_content_type(answered.headers)) if answered.body else None,
            answered.events,
            answered.complete,
        )
        return Recording(
            self.api, self.operation, request, response, self.test_id, self.violations, self.recorded_at
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "api": self.api,
            "operation": self.operation,
            "test_id": self.test_id,
            "recorded_at": self.recorded_at,
            "request": {
                "method": self.request.method,
                "path": self.request.path,
                "query": self.request.query,
                "headers": dict(self.request.headers),
                "body": self.request.body.to_document() if self.request.body else None,
            },
            "response": {
                "status": self.response.status,
                "headers": dict(self.response.headers),
                "body": self.response.body.to_document() if self.response.body else None,
                "events": list(self.response.events) if self.response.events is not None else None,
                "complete": self.response.complete,
            },
            "violations": list(self.violations),
        }

    @classmethod
    def from_document(cls, document: Any, where: str) -> Recording:
        """The recording in a fixture's JSON, or ``RecordingError`` naming ``where``, the field (a JSON
        pointer) and why: its shape is ``spec/schemas/recording.schema.json``."""
        found = problem("recording", document)
        if found is not None:
            at = f"{found.pointer}: " if found.pointer else ""
            raise RecordingError(f"{where}: not a recording: {at}{found.message}")
        request, response = document["request"], document["response"]
        events = response.get("events")
        return cls(
            api=document["api"],
            operation=document.get("operation"),
            request=RecordedRequest(
                request["method"].upper(),
                request["path"],
                request.get("query") or "",
                _headers(request.get("headers")),
                Payload.from_document(request.get("body")),
            ),
            response=RecordedResponse(
                int(response["status"]),  # JSON Schema's integers include 200.0
                _headers(response.get("headers")),
                Payload.from_document(response.get("body")),
                tuple(events) if events is not None else None,
                response.get("complete", True),
            ),
            test_id=document.get("test_id"),
            violations=tuple(document.get("violations") or ()),
            recorded_at=document.get("recorded_at") or "",
        )


def _headers(value: Mapping[str, str] | None) -> dict[str, str]:
    """Header names as the readers look them up: lower case."""
    return {name.lower(): text for name, text in (value or {}).items()}


def _content_type(headers: Mapping[str, str]) -> str | None:
    return next((value for name, value in headers.items() if name.lower() == "content-type"), None)


def _group_dir(root: Path, test_id: str | None) -> Path:
    name = _SAFE_NAME.sub("_", test_id).strip("._") if test_id else ""
    return root / (name[:120] or NO_TEST_ID)


def write_recording(
    root: Path | str, recording: Recording, secret_headers: frozenset[str] = frozenset()
) -> Path:
    """Write one exchange (redacted) as the next fixture of its test id's group; returns its path.

    Files are numbered per group so a replay reads them in the order they happened; the
    write goes through a temporary file so a reader never sees half a fixture.
    """
    group = _group_dir(Path(root), recording.test_id)
    group.mkdir(parents=True, exist_ok=True)
    stamped = recording.recorded_at or dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    document = (
        Recording(
            recording.api,
            recording.operation,
            recording.request,
            recording.response,
            recording.test_id,
            recording.violations,
            stamped,
        )
        .redacted(secret_headers)
        .to_document()
    )
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    label = _SAFE_NAME.sub("_", recording.operation or "unmatched")[:80]
    while True:
        sequence = 1 + max((_sequence(p) for p in group.glob("*.json")), default=0)
        target = group / f"{sequence:05d}-{label}.json"
        temporary = group / f".{target.name}.{os.getpid()}.tmp"
        temporary.write_text(text, encoding="utf-8")
        try:
            os.link(temporary, target)  # fails if another writer took this number first
        except FileExistsError:
            continue
        finally:
            temporary.unlink(missing_ok=True)
        return target


def _sequence(path: Path) -> int:
    match = _SEQUENCE.match(path.name)
    return int(match.group(1)) if match else 0


def iter_recordings(root: Path | str, budget: int = DEFAULT_READ_BUDGET) -> Iterator[tuple[str, Recording]]:
    """Every fixture under ``root`` with its path relative to it, group by group, in recorded order.

    Raises ``RecordingError`` naming the file for a fixture that does not parse or does not have
    the recording's shape, that is not a regular file inside ``root`` (a link out of it, a FIFO, a
    device), or that would take the files read past ``budget`` bytes; and for a directory that
    does not exist.
    """
    base = Path(root)
    if not base.is_dir():
        raise RecordingError(f"{base}: no such directory of recordings")
    inside = base.resolve()
    paths = sorted(_fixture_paths(base, inside), key=lambda p: (p.parent.as_posix(), _sequence(p), p.name))
    left = budget
    for path in paths:
        raw = _read_fixture(path, inside, left, budget)
        left -= len(raw)
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise RecordingError(f"{path}: not a readable JSON fixture ({exc})") from None
        yield path.relative_to(base).as_posix(), Recording.from_document(document, str(path))


def _fixture_paths(base: Path, inside: Path) -> Iterator[Path]:
    """The ``*.json`` names under ``base``; a linked folder is not entered (one that stays inside
    is walked anyway), one that leads out of ``base`` is refused."""
    for folder, folders, files in os.walk(base):
        for name in folders:
            linked = Path(folder) / name
            if linked.is_symlink() and not linked.resolve().is_relative_to(inside):
                raise RecordingError(f"{linked}: a link out of {base}; fixtures are read from inside it only")
        yield from (Path(folder) / name for name in files if name.endswith(".json"))


def _read_fixture(path: Path, inside: Path, left: int, budget: int) -> bytes:
    """The bytes of one fixture: a regular file inside the directory, within what is ``left`` of the budget.

    Opened without blocking (a FIFO would wait for a writer forever) and without following a
    further link, then checked for what it is before a byte is read.
    """
    real = path.resolve()
    if not real.is_relative_to(inside):
        raise RecordingError(f"{path}: a link to {real}, out of the fixture directory; not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise RecordingError(f"{path}: not a readable JSON fixture ({exc.strerror or exc})") from None
    with open(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RecordingError(f"{path}: not a regular file; not read")
        if info.st_size > left:
            raise _over_budget(path, budget)
        raw = file.read(left + 1)
    if len(raw) > left:  # it grew while it was read
        raise _over_budget(path, budget)
    return raw


def _over_budget(path: Path, budget: int) -> RecordingError:
    return RecordingError(
        f"{path}: the fixtures read reach the {budget}-byte budget here "
        "(gatewright mock --replay-bytes N raises it)"
    )


def load_recordings(root: Path | str, budget: int = DEFAULT_READ_BUDGET) -> list[Recording]:
    """Every fixture under ``root`` in recorded order (see ``iter_recordings``)."""
    return [recording for _, recording in iter_recordings(root, budget)]
