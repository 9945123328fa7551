"""The credentials one exchange carried, and every written value scrubbed of them.

Which headers, query parameters and body fields are credentials is ``gatewright.spec.secrets``'
rule (plus ``--secret-header`` names and the spec's API-key names); how a value is hidden inside
free text (a message quoting the key, an echoed body) is the conformance ``Redactor``'s, applied
once per credential. The credentials themselves are kept only in memory, for one exchange.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from gatewright.conformance.redact import REDACTED, SUBSTRING_MIN, Redactor
from gatewright.conformance.sse import parse_events
from gatewright.spec import Spec
from gatewright.spec.secrets import (
    body_secrets,
    is_secret_header,
    redact_headers,
    redact_query,
    scheme_credential,
)
from gatewright.spec.security import credential_names

T = TypeVar("T")
# The fields of a stream event that say which output it continues (Anthropic's content block, a
# Responses item and its part): strings are joined only within one of them.
_SCOPES = ("index", "output_index", "content_index", "item_id")
_BODY_SECRETS = 32  # credential values taken from one exchange's bodies at most (each costs a pass)


@dataclass(frozen=True, slots=True)
class CredentialRules:
    """Where a spec (and the user) put credentials: header names and query parameter names."""

    headers: frozenset[str]
    query: frozenset[str]

    @classmethod
    def of(cls, spec: Spec, extra_headers: frozenset[str] = frozenset()) -> CredentialRules:
        headers, query = credential_names(spec)
        return cls(headers | extra_headers, query)

    def secrets(
        self,
        headers: Iterable[tuple[str, str]],
        query: str,
        bodies: Iterable[tuple[bytes | bytearray, str | None]] = (),
    ) -> tuple[str, ...]:
        """The credential values of an exchange: secret header values (without ``Bearer``), key
        parameters, and what the credential fields of ``bodies`` (bytes, content type) hold."""
        found: list[str] = []
        for name, value in headers:
            if not is_secret_header(name, self.headers):
                continue
            found.append(value)
            credential = scheme_credential(value)
            if credential is not None:
                found.append(credential)
        for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if name in self.query or is_secret_header(name):
                found.append(value)
        for data, content_type in bodies:
            found.extend(body_secrets(bytes(data).decode("utf-8", "replace"), content_type)[:_BODY_SECRETS])
        return tuple(dict.fromkeys(s for s in found if s.strip()))

    def headers_redacted(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Lower-cased headers (repeats joined), every credential header's value hidden."""
        joined: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        return redact_headers(joined, self.headers)

    def query_redacted(self, query: str) -> str:
        """The raw query string with credential parameters' values hidden (the spec's key parameters too)."""
        return redact_query(query, frozenset(name.lower() for name in self.query))


def scrub(value: T, secrets: Iterable[str]) -> T:
    """A copy of ``value`` (strings, dataclasses, dicts, lists) with every credential hidden."""
    for secret in secrets:
        value = Redactor(secret).model(value)
    return value


def scrub_events(events: tuple[str, ...], secrets: Iterable[str]) -> tuple[str, ...]:
    """Stream events with every credential hidden, also where the gateway sent it in pieces.

    A model repeating a key streams it a few tokens at a time: ``sk-live`` in one delta, ``-SECRET``
    in the next. Each event's JSON strings are read as the client joins them: the strings at one
    place (``choices/0/delta/content``) across the events, in order. A credential found in that
    joined text is hidden where it starts (``[REDACTED]``), and its rest cut from the events after;
    only the events touched are written again. Whole credentials in one string go as ``scrub`` does.
    """
    wanted = [secret for secret in secrets if len(secret) >= SUBSTRING_MIN]
    if not wanted:
        return events
    parsed: dict[int, Any] = {}  # event index -> its data, parsed JSON
    pieces: dict[tuple[Any, ...], list[tuple[int, tuple[Any, ...], str]]] = {}
    for index, block in enumerate(events):
        event = next(parse_events([*block.splitlines(), ""]), None)  # as a client reads the block
        try:
            data = json.loads(event.data) if event is not None else None
        except ValueError:
            continue
        if data is None:
            continue
        parsed[index] = data
        scope = tuple(data.get(key) for key in _SCOPES) if isinstance(data, dict) else ()
        for path, text in _strings(data, ()):
            pieces.setdefault((scope, _place(data, path)), []).append((index, path, text))
    changed: set[int] = set()
    for found in pieces.values():
        if len(found) > 1:
            changed |= _hide_spanning(found, wanted, parsed)
    if not changed:
        return events
    written = list(events)
    for index in changed:
        written[index] = _with_data(
            written[index], json.dumps(parsed[index], ensure_ascii=False, separators=(",", ":"))
        )
    return tuple(written)


def _with_data(block: str, data: str) -> str:
    """``block`` with its ``data`` lines replaced by one holding ``data``, where the first of them was."""
    lines, placed = [], False
    for line in block.splitlines():
        if line.partition(":")[0] != "data":
            lines.append(line)
        elif not placed:
            lines.append(f"data: {data}")
            placed = True
    return "\n".join(lines)


def _place(data: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where a string sits as a client reads it: a list item by its own ``index`` (a chat choice, a
    tool call), which need not be its position in this event's list."""
    place: list[Any] = []
    for key in path:
        data = data[key]
        own = data.get("index") if isinstance(key, int) and isinstance(data, dict) else None
        place.append(("index", own) if isinstance(own, int) else key)
    return tuple(place)


def scrub_stream_text(text: str, secrets: Iterable[str]) -> str:
    """An event stream's text (events apart by a blank line) with ``scrub_events`` applied; the text
    as it came when nothing was hidden."""
    events = tuple(_BLANK_LINE.split(text))
    scrubbed = scrub_events(events, secrets)
    return text if scrubbed is events else "\n\n".join(scrubbed)


_BLANK_LINE = re.compile(r"\r?\n\r?\n")


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _strings(item, (*path, number))


def _hide_spanning(
    found: list[tuple[int, tuple[Any, ...], str]], secrets: list[str], parsed: dict[int, Any]
) -> set[int]:
    """Hide each secret spanning the strings of ``found`` (in order); the events whose strings changed."""
    joined = "".join(text for _, _, text in found)
    spans = sorted(
        (start, start + len(secret)) for secret in secrets for start in _occurrences(joined, secret)
    )
    if not spans:
        return set()
    texts = [text for _, _, text in found]
    offset = 0
    for number, text in enumerate(texts):
        begin, end = offset, offset + len(text)
        kept = []
        for position, char in enumerate(text, start=begin):
            covering = next((span for span in spans if span[0] <= position < span[1]), None)
            if covering is None:
                kept.append(char)
            elif position == covering[0]:
                kept.append(REDACTED)
        texts[number] = "".join(kept)
        offset = end
    changed = set()
    for (index, path, before), text in zip(found, texts, strict=True):
        if text != before:
            _set(parsed[index], path, text)
            changed.add(index)
    return changed


def _occurrences(text: str, secret: str) -> Iterator[int]:
    start = text.find(secret)
    while start >= 0:
        yield start
        start = text.find(secret, start + len(secret))


def _set(data: Any, path: tuple[Any, ...], text: str) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = text
