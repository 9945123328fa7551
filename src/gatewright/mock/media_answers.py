"""Answers that hand out media: real files in the format asked for, and links the mock serves.

A media app downloads what it is given and opens it, so an operation whose success answer is
a file, or a JSON body that points at one, is answered here rather than from the schema alone:

- **The format the request asks for.** ``response_format`` / ``output_format`` / ``format``
  (``wav``, ``opus``, ``jpeg``, ``srt``, ``text``, ...) chooses among the media types the
  response declares; a word the response does not declare leaves the negotiated one.
- **The frame the request asks for.** An image or a video is of the ``size`` (``1024x768``) or
  width and height the request body states (a video's ``resolution``, ``720p``, too), or a file
  route's declared query parameters (``?w=&h=``), or, on a route under a task (``/v1/videos/{id}/
  content``), what the task's create asked for, within ``mock.image_files``' cap
  (``media_bodies.asked_frame``).
- **Binary answers** are small valid files of that type (``mock.media``); transcripts are
  text, SRT or WebVTT with non-empty text; a playlist is an HLS playlist.
- **JSON answers** get real media where they point at it: ``b64_json`` is a real image's
  base64 (``output_format`` honoured), ``url`` and ``*_url`` fields that name media are signed
  links to the mock's own file route on the host the request came to (``mock.files``), ``n``
  gives n items, and a transcript's ``text`` is text. Each edit is kept only if the body stays
  valid against the spec (``mock.fit``).
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from gatewright.mock import media
from gatewright.mock.echo import echo
from gatewright.mock.extensions import MockCall, OperationHook, TaskStarter
from gatewright.mock.files import FileSigner
from gatewright.mock.fit import Edits, string_fields
from gatewright.mock.image_files import Frame
from gatewright.mock.media_bodies import asked_frame, asked_kind, format_word, is_url_key, link_media
from gatewright.mock.negotiation import Decision, MediaSpec
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.render import response_headers, value_for
from gatewright.mock.shapes import shape_for
from gatewright.spec import schemas
from gatewright.spec.media import is_json

__all__ = ["TRANSCRIPT", "MediaExtension"]

TRANSCRIPT = "This is the mock's transcript of the audio you sent."
TRANSCRIPT_SECONDS = 2.0  # the clip every transcript format describes (one cue, one segment)

# Format words that name text media rather than a file kind.
_TEXT_FORMATS = {
    "text": ("text/plain",),
    "srt": ("application/x-subrip", "text/srt"),
    "vtt": ("text/vtt",),
    "json": ("application/json",),
    "verbose_json": ("application/json",),
    "diarized_json": ("application/json",),
}


def choose_media(decision: Decision, body: Any) -> Decision:
    """``decision`` with the declared media type the request's format word names, if any."""
    response = decision.response
    word = format_word(body)
    if response is None or word is None or len(response.media) < 2:
        return decision
    kind = media.kind_for_format(word)
    wanted = (kind.content_type,) if kind is not None else _TEXT_FORMATS.get(word, ())
    for spec in response.media:
        if spec.media_type in wanted or (
            kind is not None and media.kind_for_media_type(spec.media_type) is kind
        ):
            return decision if spec is decision.media else replace(decision, media=spec, example=None)
    return decision


def verbose_transcript(granularities: Any, language: Any = None) -> dict[str, Any]:
    """OpenAI's ``verbose_json`` of ``TRANSCRIPT`` (``TranscriptionVerbose``): its language (the one the
    request names, as it named it; else English), its length, one segment over the clip, and each word's
    span where ``timestamp_granularities`` asks for words."""
    words = TRANSCRIPT.split()
    step = TRANSCRIPT_SECONDS / len(words)
    segment = {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": TRANSCRIPT_SECONDS,
        "text": TRANSCRIPT,
        "tokens": list(range(len(words))),
        "temperature": 0.0,
        "avg_logprob": -0.2,
        "compression_ratio": 1.0,
        "no_speech_prob": 0.01,
    }
    spoken = language if isinstance(language, str) and language.strip() else "english"
    body: dict[str, Any] = {"task": "transcribe", "language": spoken, "duration": TRANSCRIPT_SECONDS}
    body["segments"] = [segment]
    if "word" in (granularities if isinstance(granularities, list | str) else ()):
        body["words"] = [
            {"word": word, "start": round(i * step, 3), "end": round((i + 1) * step, 3)}
            for i, word in enumerate(words)
        ]
    return body


def transcript(media_type: str, text: str = TRANSCRIPT) -> bytes:
    """A transcript in a text format: plain, SubRip or WebVTT (one cue over the whole clip)."""
    if media_type in ("application/x-subrip", "text/srt"):
        return f"1\n00:00:00,000 --> 00:00:02,000\n{text}\n".encode()
    if media_type == "text/vtt":
        return f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{text}\n".encode()
    return text.encode()


def hls_playlist() -> bytes:
    return b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nsegment0.ts\n#EXT-X-ENDLIST\n"


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an operation's media answers need, decided once at bind."""

    hints: tuple[str, ...]  # operationId and path: what a bare "url" or octet-stream holds
    json_media: bool  # a JSON success body names media (url/b64_json fields) or a transcript
    transcribes: bool  # a transcription or translation: its ``text`` is the transcript


class MediaExtension:
    """Binds operations whose success answers are files or point at files."""

    name = "media"
    repeatable = False  # every answer links to files of its own

    def __init__(self, files: FileSigner, tasks: TaskStarter | None = None) -> None:
        self.files = files
        self.tasks = tasks  # whose creates state the frame of the files their routes deliver
        self.served = 0

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        if operation.wire is not None or operation.task is not None:
            return None  # LLM answers and task results have their own composers
        successes = [r for r in operation.responses if r.key.startswith("2")]
        binary = any(_is_file_media(spec.media_type) for r in successes for spec in r.media)
        hints = (operation.operation_id, operation.operation.path)
        names = (
            {
                name
                for r in successes
                for spec in r.media
                if is_json(spec.media_type) and spec.schema_pointer is not None
                for name in _field_names(api, spec.schema_pointer)
            }
            if operation.resource is None  # stored resources answer from the store
            else set()
        )
        names.update(_keys(shape_for(operation.operation.path)))  # an open schema gets an SDK shape
        transcribes = any(word in hint.lower() for hint in hints for word in ("transcri", "translat"))
        json_media = (
            "b64_json" in names
            or ("text" in names and transcribes)
            or any(is_url_key(name) and media.media_kind_for(name, *hints, default=None) for name in names)
        )
        if not binary and not json_media:
            return None
        plan = _Plan(hints, json_media, transcribes)

        async def hook(call: MockCall) -> web.StreamResponse | JsonOutcome | None:
            return self._answer(call, plan)

        return hook

    def _answer(self, call: MockCall, plan: _Plan) -> web.StreamResponse | JsonOutcome | None:
        preferences = call.preferences
        if preferences.example is not None or (call.reply is not None and call.reply.sets_body):
            return None  # a named example or a rule's answer is what was asked for
        decision = choose_media(call.decision, call.body)
        spec = decision.media
        if spec is None or not 200 <= decision.status < 300:
            return None
        self.served += 1
        headers = (*response_headers(call.api, call.operation, decision.response), *call.headers)
        if _is_file_media(spec.media_type):
            return web.Response(
                status=decision.status,
                body=self._file(spec, plan, call),
                headers={**dict(headers), "Content-Type": spec.media_type},
            )
        if not is_json(spec.media_type) or spec.schema_pointer is None or not plan.json_media:
            return None
        return JsonOutcome(
            decision.status,
            self._json(call, decision, spec, plan),
            media_type=spec.media_type,
            headers=headers,
            schema_pointer=spec.schema_pointer,
        )

    def _file(self, spec: MediaSpec, plan: _Plan, call: MockCall) -> bytes:
        media_type, body = spec.media_type, call.body
        if media_type.startswith("text/") or media_type == "application/x-subrip":
            return transcript(media_type)
        if "mpegurl" in media_type:
            return hls_playlist()
        query = call.request.query
        declared = {name: query[name] for name in call.operation.query_names if name in query}
        kind = media.kind_for_media_type(media_type)
        if kind is None:  # a file of no stated type (octet-stream): what the route and the request name
            named = media.media_kind_for(*plan.hints, _model(body), default=media.MediaKind.PNG)
            assert named is not None
            kind = asked_kind(declared, asked_kind(body, named))  # ipop's ``?format=webp``
        frame = asked_frame(body, kind) or asked_frame(declared, kind) or self._frame_made(call, kind)
        return media.generate(kind, frame)

    def _frame_made(self, call: MockCall, kind: media.MediaKind) -> Frame | None:
        """The frame the create of the task a route names asked for (``GET /v1/videos/{id}/content``
        delivers the video ``POST /v1/videos`` asked to be ``1280x720``), or None."""
        if self.tasks is None:
            return None
        for value in call.path_params.values():
            task = self.tasks.engine.get(call.api.name, value)
            if task is not None:
                return asked_frame(task.context.get("request"), kind)
        return None

    def _json(self, call: MockCall, decision: Decision, spec: MediaSpec, plan: _Plan) -> Any:
        api, op = call.api, call.operation
        pointer = spec.schema_pointer
        assert pointer is not None

        def valid(value: Any) -> bool:
            return api.schemas.is_valid(pointer, value, formats=True)

        value = copy.deepcopy(value_for(api, op, decision))  # cached: edited below in place
        value = echo(value, call.body, valid, fields=api.echo_fields(op))
        request = call.body if isinstance(call.body, Mapping) else {}
        edits = Edits(value, valid)
        base = f"{call.request.scheme}://{call.request.host}"

        model = _model(request)

        def link(tokens: tuple[str, ...], key: str) -> str | None:
            kind = media.media_kind_for(key, *plan.hints, model, default=None)
            if kind is None:
                return None
            kind = asked_kind(request, kind)
            return self.files.url(base, secrets.token_hex(12), kind, asked_frame(request, kind))

        inline = asked_kind(request, media.media_kind_for(*plan.hints, model) or media.MediaKind.PNG)
        link_media(edits, request, link, inline)
        if isinstance(edits.body, dict) and type(edits.body.get("created")) is int:  # made now, as OpenAI's
            edits.set(("created",), int(time.time()))
        if plan.transcribes:  # one transcript whatever the format: the text, SRT and WebVTT ones say it too
            for tokens, key, _current in list(string_fields(edits.body)):
                if key == "text":
                    edits.set(tokens, TRANSCRIPT)
            if format_word(request) == "verbose_json":
                # (a form's repeated ``timestamp_granularities[]``, the SDK's, is read as this list)
                for name, value in verbose_transcript(
                    request.get("timestamp_granularities"), request.get("language")
                ).items():
                    edits.set((name,), value)
        return edits.body

    def reset(self) -> None:
        self.served = 0

    def snapshot(self) -> dict[str, Any]:
        return {"served": self.served}


def _is_file_media(media_type: str) -> bool:
    """Media a client saves or plays: anything but JSON and event streams."""
    return not is_json(media_type) and media_type != "text/event-stream" and "form" not in media_type


def _field_names(api: MockApi, pointer: str) -> set[str]:
    """The property names anywhere in the schema at ``pointer`` (a bounded walk)."""
    document = api.spec.document
    seen: set[int] = set()
    names: set[str] = set()
    stack = [api.schemas.resolve(pointer)]
    while stack and len(seen) < 200:
        node = schemas.resolved(document, stack.pop())
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        for name, child in schemas.properties(document, node).items():
            names.add(name)
            stack.append(child)
        stack.extend(schemas.branches(document, node))
        items = node.get("items")
        if isinstance(items, dict):
            stack.append(items)
    return names


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, part in value.items():
            yield key
            yield from _keys(part)
    elif isinstance(value, list):
        for part in value:
            yield from _keys(part)


def _model(body: Any) -> str | None:
    model = body.get("model") if isinstance(body, Mapping) else None
    return model if isinstance(model, str) else None
