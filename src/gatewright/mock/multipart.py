"""Multipart bodies: the one place the mock parses ``multipart/form-data``.

``parse_multipart`` gives a form's fields (a JSON part as its value, a file part as text) for
request validation; ``multipart_files`` the parts that carry a file, for uploads.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.errors import CloseBoundaryNotFoundDefect, StartBoundaryNotFoundDefect
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from gatewright.mock.json_depth import loads

__all__ = ["FilePart", "multipart_files", "parse_multipart"]

_CUT = (CloseBoundaryNotFoundDefect, StartBoundaryNotFoundDefect)


def _multipart(content_type: str, body: bytes) -> Any:
    """The parsed multipart message, or None when the body is not one."""
    if "boundary=" not in content_type:
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    if not message.is_multipart() or any(isinstance(d, _CUT) for d in message.defects):
        return None  # a body cut short (no closing boundary) is not the form the client meant
    return message


@dataclass(frozen=True, slots=True)
class FilePart:
    """A file sent in a multipart body, as the client sent it."""

    field: str
    filename: str
    content_type: str
    data: bytes


def multipart_files(content_type: str, body: bytes) -> list[FilePart]:
    """The parts of a multipart body that carry a file name (uploads), in order."""
    message = _multipart(content_type, body)
    files: list[FilePart] = []
    for part in message.iter_parts() if message is not None else ():
        name, filename = part.get_param("name", header="content-disposition"), part.get_filename()
        if isinstance(name, str) and filename is not None:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            files.append(FilePart(name, filename, part.get_content_type(), data))
    return files


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, Any]] | None:
    """A form's (name, value) pairs in order, or None when the body is no multipart message (or a
    JSON part is not JSON)."""
    message = _multipart(content_type, body)
    if message is None:
        return None
    pairs: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_content_type() == "application/json" and part.get_filename() is None:
            try:
                pairs.append((name, loads(data)))  # a typed value, not text to coerce
                continue
            except ValueError:
                return None
        if part.get_filename() is not None:
            pairs.append((name, data.decode("latin-1")))
        else:
            pairs.append((name, data.decode("utf-8", "replace")))
    return pairs
