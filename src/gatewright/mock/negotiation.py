"""Response negotiation: a pure decision, no I/O and no aiohttp.

Given an operation's documented responses, the client's preferences and its
``Accept`` header, decide which status to answer with, which media type and
which example (named, else the first documented one) or whether to generate
the body from the schema. The flow follows Prism's negotiator:

1. status: ``Prefer: code=N`` when N is documented (exactly, as ``NXX`` or via
   ``default``), else the lowest documented 2xx, else ``default`` as 200;
2. media type: the first documented one the ``Accept`` header allows,
   ``application/json`` first; none documented means no body;
3. body: ``Prefer: example=name`` if that example exists, else (unless
   ``Prefer: dynamic=true``) the first documented example, else generated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gatewright.mock.preferences import Preferences
from gatewright.spec.media import is_json, media_matches, media_type_of


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class MediaSpec:
    media_type: str
    schema_pointer: str | None
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    key: str  # as documented: "200", "4XX", "default"
    pointer: str
    media: tuple[MediaSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    status: int
    response: ResponseSpec | None
    media: MediaSpec | None
    example: Example | None
    preference_applied: bool = False

    @property
    def generate(self) -> bool:
        return self.media is not None and self.example is None and self.media.schema_pointer is not None


def find_response(responses: Sequence[ResponseSpec], status: int) -> ResponseSpec | None:
    """The documented response for ``status``: exact, then ``NXX``, then ``default``."""
    exact = str(status)
    for response in responses:
        if response.key == exact:
            return response
    family = f"{exact[0]}XX"
    for response in responses:
        if response.key.upper() == family:
            return response
    for response in responses:
        if response.key == "default":
            return response
    return None


def success_status(responses: Sequence[ResponseSpec]) -> tuple[int, ResponseSpec | None]:
    codes = sorted(int(r.key) for r in responses if r.key.isdigit() and r.key.startswith("2"))
    if codes:
        return codes[0], find_response(responses, codes[0])
    for response in responses:
        if response.key.upper() == "2XX":
            return 200, response
    for response in responses:
        if response.key == "default":
            return 200, response
    if responses and responses[0].key.isdigit():
        return int(responses[0].key), responses[0]
    return 200, None


def _accepts(accept: str, media_type: str) -> bool:
    """Whether a media range of ``accept`` (an empty one too) covers ``media_type``."""
    return any(
        not (wanted := media_type_of(part)) or media_matches(wanted, media_type) for part in accept.split(",")
    )


def choose_media(media: Sequence[MediaSpec], accept: str | None) -> MediaSpec | None:
    if not media:
        return None
    ordered = sorted(
        media,
        key=lambda m: (
            0 if m.media_type == "application/json" else (1 if m.media_type.endswith("+json") else 2)
        ),
    )
    if accept:
        for candidate in ordered:
            if _accepts(accept, candidate.media_type):
                return candidate
    return ordered[0]


def negotiate(
    responses: Sequence[ResponseSpec],
    preferences: Preferences,
    accept: str | None = None,
    *,
    default_status: int | None = None,
) -> Decision:
    """Decide status, media type and example for one request (see module docs)."""
    applied = False
    response: ResponseSpec | None = None
    status = 0
    if preferences.code is not None:
        response = find_response(responses, preferences.code)
        if response is not None:
            status, applied = preferences.code, True
    if response is None and default_status is not None:
        response = find_response(responses, default_status)
        status = default_status if response is not None else 0
    if response is None:
        status, response = success_status(responses)
    media = choose_media(response.media, accept) if response is not None else None
    example: Example | None = None
    if media is not None and media.examples:
        if preferences.example is not None:
            example = next((e for e in media.examples if e.name == preferences.example), None)
            applied = applied or example is not None
        if example is None and not preferences.dynamic:
            example = media.examples[0]
    if (
        preferences.dynamic
        and media is not None
        and media.schema_pointer is not None
        and example is not None
        and preferences.example is None
    ):
        example = None
    return Decision(
        status=status,
        response=response,
        media=media,
        example=example,
        preference_applied=applied or (preferences.dynamic and example is None),
    )


def json_schema(decision: Decision) -> str | None:
    """The schema pointer of the JSON body ``decision`` answers with (whatever its status), else None."""
    media = decision.media
    if media is None or media.schema_pointer is None or not is_json(media.media_type):
        return None
    return media.schema_pointer


def json_answer(
    responses: Sequence[ResponseSpec], preferences: Preferences, decision: Decision
) -> Decision | None:
    """The 2xx JSON answer of a request negotiated to ``decision`` (the body behind a stream, when the
    client asked for one); None where the client steers the mock elsewhere (a ``Prefer`` for a named
    example or a non-2xx status) or the operation documents no such answer. Pure, like ``negotiate``:
    the pipeline computes it with the decision, once per (operation, ``Prefer``, ``Accept``)."""
    if preferences.example is not None:
        return None
    if preferences.code is not None and not 200 <= preferences.code < 300:
        return None
    if decision.media is None or not is_json(decision.media.media_type):
        decision = negotiate(responses, preferences, "application/json")
    media = decision.media
    if not 200 <= decision.status < 300 or media is None or media.schema_pointer is None:
        return None
    return decision if is_json(media.media_type) else None
