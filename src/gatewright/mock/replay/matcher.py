"""Which recordings a request matches: the key both sides are reduced to, and how a miss is described.

A request and a recording match when they have the same **API and operation**, the same
**path parameters** (``/v1/files/{file_id}``: the same id), the same **query parameters**
(in any order) and the same **body** once parsed the way the mock parses it (JSON in any
key order; form and multipart fields, whatever their boundary), redacted the way the
recording was (``gatewright.spec.secrets``) and without the fields that vary per call:

``user``, ``metadata``, ``safety_identifier``, ``prompt_cache_key`` (top-level body fields)
    Who is calling and how to trace or cache it: end-user ids, trace and request ids,
    cache hints. The same app run twice sends different values; the answer does not
    depend on them.
credentials in the query string
    The values of the API's ``apiKey`` parameters in the query (``spec.security.credential_names``),
    and of parameters named like a credential (``is_secret_header``): the recording hid them, so
    both sides compare hidden.
every header
    Credentials, ``idempotency-key``, ``x-stainless-*`` (SDK version, retry count,
    timeout) differ per run. ``x-test-id`` does not decide *whether* a request matches,
    only *which* recordings are preferred (``book.py``).

Everything else is matched, deliberately including ``seed``, ``stream``,
``stream_options`` (``include_usage`` adds a usage chunk: a different answer),
``temperature`` and ``n``: they shape the answer, so a recording made with other values
is not the answer to this request. Ids the mock replays come back verbatim, so an agent
loop's follow-up requests (``tool_call_id``, ``previous_response_id``) match the
recordings of the same loop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from gatewright.mock.answers.prompt import read_prompt
from gatewright.spec.secrets import REDACTED, is_secret_header, redact_body

__all__ = [
    "IGNORED_FIELDS",
    "RequestKey",
    "body_key",
    "describe_request",
    "query_key",
    "request_key",
]

IGNORED_FIELDS = frozenset({"user", "metadata", "safety_identifier", "prompt_cache_key"})
_PROMPT_WIRES = frozenset({"openai-chat", "openai-completions", "openai-responses", "anthropic-messages"})
_CLIP = 48


@dataclass(frozen=True, slots=True)
class RequestKey:
    """What a request is reduced to for matching (equal keys: the same request)."""

    api: str
    operation: str
    params: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    body: str


def request_key(  # noqa: PLR0917 - the parts of one request, named as they are
    api: str,
    operation: str,
    params: Mapping[str, str],
    raw_query: str,
    body: Any,
    credentials: frozenset[str] = frozenset(),
) -> RequestKey:
    """A request (live, or as recorded) as it is matched: ``body`` parsed as the mock parses it."""
    return RequestKey(
        api, operation, tuple(sorted(params.items())), query_key(raw_query, credentials), body_key(body)
    )


def query_key(raw_query: str, credentials: frozenset[str] = frozenset()) -> tuple[tuple[str, str], ...]:
    """The query parameters in a fixed order, credentials hidden (``raw_query``: still percent-encoded)."""
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return tuple(
        sorted(
            (name, REDACTED if name in credentials or is_secret_header(name) else value)
            for name, value in pairs
        )
    )


def body_key(body: Any) -> str:
    """The parsed body as one comparable string: redacted, per-call fields dropped, keys sorted."""
    if body is None:
        return ""
    if isinstance(body, bytes | bytearray):  # a binary upload: compared byte for byte
        return f"sha256:{hashlib.sha256(body).hexdigest()}"
    value = redact_body(body)
    if isinstance(value, Mapping):
        value = {name: item for name, item in value.items() if name not in IGNORED_FIELDS}
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def describe_request(key: RequestKey, body: Any, wire: str | None) -> str:
    """A short description of what was asked, for the message of a strict miss."""
    parts = [f"{name}={value}" for name, value in key.params]
    parts.extend(f"?{name}={_clip(value)}" for name, value in key.query)
    parts.append(_describe_body(body, wire))
    return ", ".join(parts)


def _describe_body(body: Any, wire: str | None) -> str:
    if body is None:
        return "no body"
    if isinstance(body, bytes | bytearray):
        return f"a {len(body)}-byte body"
    if not isinstance(body, Mapping):
        return f"a JSON {type(body).__name__} body"
    parts: list[str] = []
    model = body.get("model")
    if isinstance(model, str):
        parts.append(f"model {model!r}")
    if wire in _PROMPT_WIRES:
        prompt = read_prompt(wire, body)
        count = prompt.messages
        parts.append(f"{count} message{'s' if count != 1 else ''}")
        parts.append(f"latest user message {_clip(prompt.latest_user_text)!r}")
        if prompt.after_tool_result:
            parts.append("after a tool result")
        if prompt.tools:
            parts.append(f"{len(prompt.tools)} tool{'s' if len(prompt.tools) != 1 else ''}")
    elif wire == "openai-embeddings":
        parts.append(_describe_input(body.get("input")))
    else:
        names = sorted(str(name) for name in body if name not in IGNORED_FIELDS and name != "model")
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        parts.append(f"body fields {shown}" if names else "no other body fields")
    if body.get("stream") is True:
        parts.append("streaming")
    return ", ".join(parts)


def _describe_input(value: Any) -> str:
    if isinstance(value, str):
        return f"input {_clip(value)!r}"
    if isinstance(value, list):
        return f"{len(value)} inputs"
    return "no input"


def _clip(text: str) -> str:
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"
