"""Which headers a scripted or recorded answer may carry: checked when it is loaded, not when it is sent.

A rule's ``headers`` are sent as given. A value holding CR or LF breaks the response head (aiohttp
refuses it halfway through the answer: the client gets nothing and the log a traceback), and the
headers that frame the message or steer the connection belong to the server: a ``Content-Length``
of the rule's truncates the body or stalls the client, ``Transfer-Encoding: chunked`` hangs it,
``Connection`` and its kin change what happens to the connection. Such a header is refused with
the rule (or fixture) that carries it, saying why.

``Content-Type`` is the body's own: ``merged`` lays a rule's headers over the answer's
case-insensitively and puts the answer's media type last, so no spelling of a rule header can
make a JSON answer or an event stream HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from multidict import CIMultiDict

from gatewright.spec.headers import CONNECTION_HEADERS

__all__ = ["SERVER_HEADERS", "header_problem", "merged"]

# Set by the server for every answer (RFC 9112 6, RFC 9110 7.6.1): never by a rule or a fixture.
SERVER_HEADERS = CONNECTION_HEADERS | {"content-length"}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 5.1: a field name
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # RFC 9110 5.5: only HTAB among the controls


def header_problem(name: str, value: str) -> str | None:
    """Why ``name: value`` may not be sent in an answer, or None when it may."""
    if not _TOKEN.fullmatch(name):
        return f"{name!r} is not a header name"
    if name.lower() in SERVER_HEADERS:
        return f"{name} frames the message or the connection; the server sets it"
    if _CONTROL.search(value):
        return f"the value of {name} holds a control character (CR, LF, NUL, ...)"
    return None


def merged(*parts: Iterable[tuple[str, str]], media_type: str | None = None) -> CIMultiDict[str]:
    """Header lists merged by name, whatever its case (a later part wins, under its own spelling),
    then ``media_type`` as the one ``Content-Type`` when the answer has a body.

    A ``CIMultiDict``, which aiohttp copies into a response a third faster than a ``dict``; the one of
    an answer with its media type alone is made once per type and shared, so never changed (every
    response copies it)."""
    if media_type is not None and not any(parts):  # most answers: their media type alone
        alone = _ALONE.get(media_type)
        if alone is None:
            alone = _ALONE[media_type] = CIMultiDict({"Content-Type": media_type})
        return alone
    by_name: dict[str, tuple[str, str]] = {}
    for part in parts:
        for name, value in part:
            by_name[name.lower()] = (name, value)
    if media_type is not None:
        by_name["content-type"] = ("Content-Type", media_type)
    return CIMultiDict(by_name.values())


_ALONE: dict[str, CIMultiDict[str]] = {}  # media type -> the headers of an answer with no others
