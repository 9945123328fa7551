"""Read a directory of recordings into a ``ReplayBook``: what can be replayed, and why the rest cannot.

Fixtures are read in the order ``gatewright.spec.recording`` writes them (group by
group, by sequence number), from regular files inside the directory only and within
``ReplaySettings.budget`` bytes. A fixture that is not a recording (bad JSON, wrong shape,
a final status outside 200-599), one whose headers cannot be sent (``answer_headers``), a
file that is not a fixture file (a link out, a FIFO, over the budget) or a directory that
does not exist is a ``RecordingError`` naming the file: the mock does not start on half its
recordings. A readable fixture is skipped, with a reason, when the mock cannot answer with
it: a nonconformant answer unless asked for (one the proxy listed ``violations`` for, or
one that breaks the spec however it is labelled: an undocumented status, a JSON body its
schema refuses), an API that is not served, a request that matched no operation (or one
the spec does not have), a path that does not route to its operation. A kept fixture names
the schema its answer passes the output check against when played (``Fixture.schema_pointer``),
except one kept by ``--replay-nonconformant`` although it breaks the spec.

Each kept recording's request is reduced to a ``RequestKey`` with the same router and
request validator the mock runs on live requests, so both sides parse bodies the same
way (JSON, form fields, multipart whatever its boundary).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from gatewright.mock.answer_headers import header_problem
from gatewright.mock.control_store import ControlStore
from gatewright.mock.negotiation import choose_media, find_response
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.replay.book import Fixture, ReplayBook, ReplaySettings, Skipped
from gatewright.mock.replay.matcher import RequestKey, request_key
from gatewright.mock.replay.playback import NOT_REPLAYED
from gatewright.spec.media import is_json
from gatewright.spec.recording import Recording, RecordingError, iter_recordings
from gatewright.spec.routing import RouteMatch
from gatewright.spec.security import credential_names

__all__ = ["load_replay"]

logger = logging.getLogger("gatewright.mock")

SSE = "text/event-stream"


def load_replay(settings: ReplaySettings, apis: Mapping[str, MockApi], store: ControlStore) -> ReplayBook:
    """The replay book for ``settings.directory`` against the served ``apis``; logs what it loaded."""
    root = Path(settings.directory)
    keyed: list[tuple[RequestKey, Fixture]] = []
    skipped: list[Skipped] = []
    for name, recording in iter_recordings(root, settings.budget):
        _check_headers(root / name, recording)
        kept = _key(name, recording, apis, settings.nonconformant)
        if isinstance(kept, Skipped):
            skipped.append(kept)
        else:
            key, pointer = kept
            keyed.append((key, Fixture(name, recording, pointer)))
    book = ReplayBook(keyed, store, strict=settings.strict, directory=str(root), skipped=skipped)
    logger.info("%s", book.summary())
    for skip in skipped:
        logger.debug("replay: skipped %s: %s", skip.name, skip.detail)
    return book


def _key(
    name: str, recording: Recording, apis: Mapping[str, MockApi], nonconformant: bool
) -> tuple[RequestKey, str | None] | Skipped:
    """The fixture's request key and the schema its answer is checked against, or why it is skipped."""
    if recording.violations and not nonconformant:
        return Skipped(name, "nonconformant", "; ".join(recording.violations))
    api = apis.get(recording.api)
    if api is None:
        return Skipped(name, "not served", f"API {recording.api!r} is not served")
    if recording.operation is None:
        request = recording.request
        return Skipped(name, "unmatched", f"{request.method} {request.path} matched no operation")
    op = api.operations.get(recording.operation)
    if op is None:
        return Skipped(name, "unknown operation", f"{api.name} has no operation {recording.operation!r}")
    broken = _breaks_spec(api, op, recording)
    if broken is not None and not nonconformant:
        return Skipped(name, "nonconformant", broken)
    pointer = None if broken is not None or recording.violations else _answer_schema(op, recording)
    params = _route(api, op, recording)
    if params is None:
        request = recording.request
        return Skipped(
            name, "unrouted", f"{request.method} {request.path} does not route to {recording.operation}"
        )
    credentials = credential_names(api.spec).query
    body = _parsed_body(op, params, recording)
    key = request_key(api.name, op.operation_id, params, recording.request.query, body, credentials)
    return key, pointer


def _check_headers(path: Path, recording: Recording) -> None:
    """A recorded header the mock would send must be sendable (those it drops are not looked at)."""
    for name, value in recording.response.headers.items():
        problem = None if name.lower() in NOT_REPLAYED else header_problem(name, value)
        if problem is not None:
            raise RecordingError(f"{path}: response.headers: {problem}")


def _breaks_spec(api: MockApi, op: MockOperation, recording: Recording) -> str | None:
    """What the recorded answer breaks of the operation's contract (a status it does not document,
    a JSON body its schema refuses), whatever ``violations`` says; None when nothing."""
    response = recording.response
    documented = find_response(op.responses, response.status)
    if documented is None:
        return f"status {response.status} is not documented for {op.operation_id}"
    if response.body is None or response.body.kind != "json":
        return None
    media = choose_media(documented.media, response.headers.get("content-type"))
    if media is None or media.schema_pointer is None:
        return None
    errors = api.schemas.errors(media.schema_pointer, response.body.value, limit=1)
    if not errors:
        return None
    return f"the recorded body breaks its schema at {errors[0].path or '/'}: {errors[0].message}"


def _answer_schema(op: MockOperation, recording: Recording) -> str | None:
    """The schema of the documented media the recorded answer is (by its status and ``Content-Type``):
    a JSON body's, or a stream's (one event's); None for other answers or none documented."""
    response = recording.response
    streamed = response.events is not None
    if not streamed and (response.body is None or response.body.kind != "json"):
        return None
    documented = find_response(op.responses, response.status)
    media = choose_media(documented.media, response.headers.get("content-type")) if documented else None
    if media is None or (media.media_type == SSE) != streamed:
        return None
    return media.schema_pointer if streamed or is_json(media.media_type) else None


def _route(api: MockApi, op: MockOperation, recording: Recording) -> Mapping[str, str] | None:
    """The recorded path's parameters, read by the API's router.

    The path is as the client sent it, possibly under a prefix the mock does not have
    (``/<api id>`` of a mock serving several APIs, a proxy's base path): leading segments
    are dropped until the rest routes to the recording's operation.
    """
    method = recording.request.method
    path = recording.request.path
    while True:
        match = api.router.match(method, path)
        if isinstance(match, RouteMatch) and match.operation_id == op.operation_id:
            return match.params
        cut = path.find("/", 1)
        if cut < 0:
            return None
        path = path[cut:]


def _parsed_body(op: MockOperation, params: Mapping[str, str], recording: Recording) -> Any:
    """The recorded body parsed by the operation's request validator, as a live request's is."""
    request = recording.request
    raw = request.body.to_bytes() if request.body is not None else b""
    query = MultiDictProxy(MultiDict(parse_qsl(request.query, keep_blank_values=True)))
    headers = CIMultiDictProxy(CIMultiDict(request.headers))
    return op.validator.validate(params, query, headers, {}, raw).body
