"""The wire families: one registered object each, for normalize, the mock, verify and the proxy.

A *wire* is the shape an OpenAI- or Anthropic-compatible operation answers in
(``x-gatewright-compatible``); a *stream format* is the event shape of a
``text/event-stream`` answer (``x-gatewright-stream``). The four streamed wires are
also stream formats of the same name, and they announce their own end; an API-specific
stream format (ipop's agent events, empiriolabs' speech) ends by closing.

Each family is a ``Wire`` in ``WIRES``: its name, the vendor and official route of a vendor
wire (and the route that counts a request's input tokens, where the vendor has one), how its
streams end and where they conventionally are, and its data file (``Wire.data``: the official
schemas and SDK samples of ``specs/wires/<name>.json``, read and checked on first use by
``spec.wire_data``; a streamed wire's events are its ``stream``,
``spec.wire_streams``). The stream-end rule (``is_stream_end``, ``missing_stream_end``) is judged
from it. Each wire is also a constant here (``OPENAI_CHAT`` …): every stage's table is keyed by
their names (the mock's stream writers and answer renderers, verify's stream validators and
compatibility readers, the proxy's stream judge), so a stage cannot name a wire the registry lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gatewright.spec.wire_data import WireData
    from gatewright.spec.wire_streams import StreamShapes

__all__ = [
    "ANTHROPIC_MESSAGES",
    "DONE",
    "EMPIRIOLABS_SPEECH",
    "IPOP_AGENT_EVENTS",
    "OPENAI_CHAT",
    "OPENAI_COMPLETIONS",
    "OPENAI_EMBEDDINGS",
    "OPENAI_RESPONSES",
    "STANDARD_STREAM_PATHS",
    "STREAMED",
    "STREAM_END",
    "STREAM_PATHS",
    "WIRES",
    "Wire",
    "is_stream_end",
    "missing_stream_end",
    "register",
    "stream_end_words",
    "stream_format_of_path",
    "stream_shapes",
    "wire_counted_at",
    "wire_of_route",
]

DONE = "[DONE]"  # the data of the last event of an OpenAI chat or legacy completions stream


@dataclass(frozen=True, slots=True)
class Wire:
    """One wire family.

    ``vendor`` and ``route`` (method, path suffix) are set for a vendor wire: the vendor whose
    compatibility a document claims for the route. ``stream_end`` names the events that end a
    well-formed stream (``[DONE]`` is the data of the last event; the others are event types: the
    SSE event name, or the ``type`` its JSON data names); empty: the stream ends by closing.
    ``stream_path`` is the path suffix its streams conventionally have; None: it does not stream.
    ``count_route`` is the vendor's route (method, path suffix) that counts the input tokens of a
    request of this wire without answering it (OpenAI's ``responses.input_tokens.count``).
    """

    name: str
    vendor: str | None = None
    route: tuple[str, str] | None = None
    stream_end: tuple[str, ...] = ()
    stream_path: str | None = None
    count_route: tuple[str, str] | None = None

    @property
    def streams(self) -> bool:
        """Whether the wire is a stream format (``x-gatewright-stream``) too."""
        return self.stream_path is not None

    @property
    def data(self) -> WireData:
        """The wire's data file: official schemas and SDK samples (read and checked once)."""
        from gatewright.spec.wire_data import wire_data  # noqa: PLC0415 - read on first use, not at import

        return wire_data(self.name)


WIRES: dict[str, Wire] = {}


def register(wire: Wire) -> Wire:
    """Add a wire family to ``WIRES`` (a name registers once)."""
    if wire.name in WIRES:
        raise ValueError(f"the wire {wire.name!r} is already registered")
    WIRES[wire.name] = wire
    return wire


RESPONSES_END = ("response.completed", "response.incomplete", "response.failed")  # no [DONE]

# Registration order is the order suffixes are tried in: ``/chat/completions`` before ``/completions``.
# (name, vendor, official route, stream end events, stream path). The stages key their tables by these
# objects' names; tests/unit/test_wire_stages.py holds every stage's table to the registry.
OPENAI_CHAT = register(
    Wire("openai-chat", "OpenAI", ("post", "/v1/chat/completions"), (DONE,), "/chat/completions")
)
OPENAI_COMPLETIONS = register(
    Wire("openai-completions", "OpenAI", ("post", "/v1/completions"), (DONE,), "/completions")
)
OPENAI_RESPONSES = register(
    Wire(
        "openai-responses",
        "OpenAI",
        ("post", "/v1/responses"),
        RESPONSES_END,
        "/responses",
        ("post", "/v1/responses/input_tokens"),
    )
)
OPENAI_EMBEDDINGS = register(Wire("openai-embeddings", "OpenAI", ("post", "/v1/embeddings")))
ANTHROPIC_MESSAGES = register(
    Wire(
        "anthropic-messages",
        "Anthropic",
        ("post", "/v1/messages"),
        ("message_stop",),
        "/messages",
        ("post", "/v1/messages/count_tokens"),
    )
)
IPOP_AGENT_EVENTS = register(Wire("ipop-agent-events", stream_path="/agent-turns/{request_id}/events"))
EMPIRIOLABS_SPEECH = register(Wire("empiriolabs-speech", stream_path="/audio/speech:stream"))

# The events that end a well-formed stream of each wire that ends explicitly.
STREAM_END: dict[str, tuple[str, ...]] = {w.name: w.stream_end for w in WIRES.values() if w.stream_end}

# Wires whose official API answers ``"stream": true`` with Server-Sent Events that end explicitly;
# every other stream format ends by closing the connection.
STREAMED = frozenset(STREAM_END)

# The path each streamed vendor wire conventionally has (longest first), for documents that do not
# say which format a stream is; ``STREAM_PATHS`` adds the API-specific formats' paths.
STANDARD_STREAM_PATHS: dict[str, str] = {
    w.stream_path: w.name for w in WIRES.values() if w.stream_path and w.vendor
}
STREAM_PATHS: dict[str, str] = {w.stream_path: w.name for w in WIRES.values() if w.stream_path}


def wire_of_route(method: str, path: str) -> Wire | None:
    """The vendor wire whose official route is ``method`` and a suffix of ``path``."""
    return next(
        (w for w in WIRES.values() if w.route and w.route[0] == method and path.endswith(w.route[1])), None
    )


def wire_counted_at(method: str, path: str) -> Wire | None:
    """The vendor wire whose input-token count route is ``method`` and a suffix of ``path``."""
    return next(
        (
            w
            for w in WIRES.values()
            if w.count_route and w.count_route[0] == method and path.endswith(w.count_route[1])
        ),
        None,
    )


def is_stream_end(wire: str, data: str, kind: object = None) -> bool:
    """Whether an event ends a stream of ``wire``: its ``data`` is ``[DONE]`` where the wire ends so,
    else its type ``kind`` (the SSE event name or its data's ``type``) is one of the wire's end events.

    A stream format that is not in ``STREAMED`` has no end event (it ends by closing).
    """
    ends = STREAM_END.get(wire, ())
    if DONE in ends:
        return data.strip() == DONE
    return kind in ends


def stream_end_words(wire: str) -> str:
    """How a stream of ``wire`` ends, in words for a finding; empty for a format that ends by closing."""
    ends = STREAM_END.get(wire, ())
    if DONE in ends:
        return f"data: {DONE}"
    return ends[0] if len(ends) == 1 else f"{', '.join(ends[:-1])} or {ends[-1]}"


def missing_stream_end(wire: str, ended: bool) -> str | None:
    """The stream-end rule: why a stream of ``wire`` that closed (``ended``: its end event came) is
    not well ended, or None. Formats outside ``STREAMED`` may end by closing."""
    if ended or wire not in STREAMED:
        return None
    return f"{wire} streams end with {stream_end_words(wire)}"


def stream_format_of_path(path: str, formats: dict[str, str] = STANDARD_STREAM_PATHS) -> str | None:
    """The stream format ``formats`` gives the first path suffix ``path`` ends with, or None."""
    return next((name for suffix, name in formats.items() if path.endswith(suffix)), None)


def stream_shapes(wire: str | None) -> StreamShapes | None:
    """The events of ``wire``'s streams as its data file describes them (None: no such streamed wire)."""
    found = WIRES.get(wire) if wire is not None else None
    return found.data.stream if found is not None else None
