"""Bodies as a report shows them: text as text, binary as type + size + a short hex preview.

A multipart upload keeps its text fields and part headers readable; only its binary parts (a PNG, a
WAV) become ``[binary image/png, 68 bytes: 89 50 4e 47 …]``. No raw NUL or control byte reaches a report.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import requests

PREVIEW_BYTES = 16
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def guess_type(data: bytes) -> str:
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"WEBP"):
        return "audio/wav" if data[8:12] == b"WAVE" else "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return "application/octet-stream"


def binary_summary(data: bytes, media_type: str = "") -> str:
    """``[binary image/png, 1,234 bytes: 89 50 4e 47 …]``."""
    kind = media_type.split(";", maxsplit=1)[0].strip() or guess_type(data)
    if kind in ("", "application/octet-stream"):
        kind = guess_type(data)
    preview = " ".join(f"{byte:02x}" for byte in data[:PREVIEW_BYTES])
    more = " …" if len(data) > PREVIEW_BYTES else ""
    return f"[binary {kind}, {len(data):,} bytes: {preview}{more}]"


def _text(data: bytes) -> str | None:
    """``data`` as text when it is printable UTF-8, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else text


def visible(text: str) -> str:
    """Control characters (NUL, ESC, ...) as ``\\xNN``: what a page or an XML file can hold."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def describe_body(raw: bytes | str | None, content_type: str = "", encoding: str | None = None) -> str | None:
    """A body for a report: its text, or for binary content a summary (multipart: part by part)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return visible(raw)
    text = _text(raw)
    if text is not None:
        return text
    if content_type.lower().startswith("multipart/"):
        described = _multipart(raw, content_type)
        if described is not None:
            return described
    if encoding and content_type.lower().startswith("text/"):
        try:
            return visible(raw.decode(encoding))
        except (LookupError, UnicodeDecodeError):
            pass
    return binary_summary(raw, content_type)


def _multipart(raw: bytes, content_type: str) -> str | None:
    match = _BOUNDARY.search(content_type)
    if match is None:
        return None
    delimiter = b"--" + (match.group(1) or match.group(2)).encode("latin-1", "replace")
    pieces = raw.split(delimiter)
    if len(pieces) < 2:
        return None
    out = [visible(pieces[0].decode("latin-1"))]
    for piece in pieces[1:]:
        head, separator, content = piece.partition(b"\r\n\r\n")
        if not separator:  # the closing ``--`` and epilogue, or a malformed part: show it as text
            out.append(delimiter.decode("latin-1") + (_text(piece) or visible(piece.decode("latin-1"))))
            continue
        ending = b"\r\n" if content.endswith(b"\r\n") else b""
        payload = content[: len(content) - len(ending)]
        part_type = ""
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-type":
                part_type = value.strip()
        shown = _text(payload)
        if shown is None:
            shown = binary_summary(payload, part_type)
        out.append(
            delimiter.decode("latin-1")
            + visible(head.decode("latin-1"))
            + "\r\n\r\n"
            + shown
            + ending.decode("latin-1")
        )
    return "".join(out)


_REQUEST_KEYS = ("method", "url", "headers", "files", "data", "params", "auth", "cookies", "json")
_IMPLIED_HEADERS = frozenset(
    {"content-length", "user-agent", "accept-encoding", "accept", "connection", "x-schemathesis-testcaseid"}
)


def binary_curl(transport_kwargs: dict[str, Any]) -> str | None:
    """A command that sends a binary body byte for byte (None when the body is text).

    ``curl -d`` with a shell string cannot: a shell string cannot hold a NUL byte, and decoding the
    body as text replaces every invalid byte. ``printf '%b' '\\0211PNG…' | curl --data-binary @-`` can.
    """
    request = requests.Request(**{k: v for k, v in transport_kwargs.items() if k in _REQUEST_KEYS}).prepare()
    body = request.body
    if not isinstance(body, bytes) or _text(body) is not None:
        return None
    words = [f"curl -X {request.method}"]
    words += [
        "-H " + shlex.quote(f"{name}: {value.decode('latin-1') if isinstance(value, bytes) else value}")
        for name, value in request.headers.items()
        if name.lower() not in _IMPLIED_HEADERS
    ]
    words += ["--data-binary @-", shlex.quote(str(request.url))]
    return f"printf '%b' {_printf_escaped(body)} | " + " ".join(words)


_NAMED_ESCAPES = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def _printf_escaped(data: bytes) -> str:
    """``data`` as one single-quoted ``printf %b`` argument: printable ASCII as is, other bytes ``\\0ooo``."""
    out = []
    for byte in data:
        if byte == 0x27:  # a single quote: close the string, an escaped quote, reopen
            out.append("'\\''")
        elif byte == 0x5C:
            out.append("\\\\")
        elif byte in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\0{byte:03o}")
    return "'" + "".join(out) + "'"


def error_message(body: str, limit: int = 200) -> str:
    """The message an error body carries, on one line: an envelope's ``error.message`` (or ``error``,
    ``message``, ``detail`` when a string), else the body's first line; what tells one 500 from another."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        error = payload.get("error")
        for value in (
            error.get("message") if isinstance(error, dict) else error,
            payload.get("message"),
            payload.get("detail"),
        ):
            if isinstance(value, str) and value.strip():
                return _one_line(value, limit)
    return _one_line(body, limit)


def _one_line(text: str, limit: int) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
