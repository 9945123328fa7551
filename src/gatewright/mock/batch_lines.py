"""A batch's input lines answered one by one, each as the same request sent directly is answered.

Each line ``{"custom_id", "method", "url", "body"}`` is routed by the API's own router, validated by the
operation's own validator and answered by the LLM answer pipeline (an ``AnswerSource``) or the plain
renderer. A line the route refuses (a body its schema refuses, a model the API does not list, a hook's
``Refused``) gets the refusal a direct call gets, status and the API's own error envelope
(``ErrorRenderer.for_operation``), as OpenAI's error file holds it: ``response: {"status_code": 400,
"request_id", "body": {...}}, "error": null``. A line no route could answer (not JSON, no ``custom_id``,
a url the API does not route or that is not the batch's ``endpoint``) is a line-level ``error``
(``code``, ``message``, ``line``) with ``response: null``. Answers that are 2xx make the output file,
the rest the error file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from gatewright.mock.extensions import AnswerSource, MockCall, Refused
from gatewright.mock.json_depth import loads
from gatewright.mock.negotiation import negotiate
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.preferences import NO_PREFERENCES
from gatewright.mock.render import dumps, render
from gatewright.mock.scalars import digest_id
from gatewright.spec.media import is_json
from gatewright.spec.paths import on_endpoint
from gatewright.spec.routing import RouteMiss

__all__ = ["BatchRun", "Line", "duplicate_id", "run_lines"]


@dataclass(frozen=True, slots=True)
class Line:
    """One input line as answered: ``response`` (status, body) or ``error`` (code, message)."""

    index: int  # 0-based among the non-blank lines
    custom_id: str | None
    response: tuple[int, Any] | None = None
    error: tuple[str, str] | None = None

    @property
    def failed(self) -> bool:
        """A line-level error, or an answer that is not 2xx (OpenAI: both go to the error file)."""
        return self.error is not None or (self.response is not None and not 200 <= self.response[0] < 300)


@dataclass(frozen=True, slots=True)
class BatchRun:
    """A batch's lines answered, and the output and error files they make (JSONL bytes)."""

    lines: tuple[Line, ...]
    output: bytes
    errors: bytes
    records: tuple[dict[str, Any], ...] = ()  # each line's output or error record, in line order

    @property
    def completed(self) -> int:
        return sum(not line.failed for line in self.lines)

    @property
    def failed(self) -> int:
        return sum(line.failed for line in self.lines)


def _texts(data: bytes) -> list[str]:
    """The non-blank lines of an input file."""
    return [text for text in data.decode("utf-8", errors="replace").splitlines() if text.strip()]


def duplicate_id(data: bytes) -> str | None:
    """Why an input file that names a ``custom_id`` twice fails its batch (OpenAI's
    ``duplicate_custom_id``, with the line), or None when every id is its own."""
    seen: set[str] = set()
    for index, text in enumerate(_texts(data)):
        try:
            request = loads(text)  # bounded in depth, as a request's body is
        except ValueError:
            continue  # the line's own error, once the file is run
        custom_id = request.get("custom_id") if isinstance(request, dict) else None
        if isinstance(custom_id, str) and custom_id:
            if custom_id in seen:
                return (
                    f"duplicate_custom_id: line {index + 1}: the custom_id {custom_id!r} is a duplicate of "
                    "another request's; the custom_id parameter must be unique for each request in a batch."
                )
            seen.add(custom_id)
    return None


def run_lines(
    data: bytes, call: MockCall, answers: AnswerSource, *, salt: str, endpoint: str | None = None
) -> BatchRun:
    """Answer each non-blank line of ``data`` as the request it describes, sent to ``call``'s API;
    with an ``endpoint``, a line whose url is another route is that line's error."""
    texts = _texts(data)
    lines = tuple(_answer(index, text, call, answers, endpoint) for index, text in enumerate(texts))
    output: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for line in lines:
        response: dict[str, Any] | None = None
        error: dict[str, Any] | None = None
        if line.response is not None:
            status, body = line.response
            request_id = digest_id(f"{salt}/{line.index}/request")
            response = {"status_code": status, "request_id": request_id, "body": body}
        elif line.error is not None:
            code, message = line.error
            error = {"code": code, "message": message, "line": line.index + 1}
        else:
            continue
        line_id = f"batch_req_{digest_id(f'{salt}/{line.index}')}"
        record = {"id": line_id, "custom_id": line.custom_id, "response": response, "error": error}
        (errors if line.failed else output).append(record)  # a line-level error is failed too
        records.append(record)
    return BatchRun(lines, _jsonl(output), _jsonl(errors), tuple(records))


def _answer(index: int, text: str, call: MockCall, answers: AnswerSource, endpoint: str | None) -> Line:
    try:
        request = loads(text)  # bounded in depth, as a request's body is
    except ValueError as exc:
        return Line(index, None, error=("invalid_json", f"line {index + 1} is not JSON: {exc}"))
    if not isinstance(request, dict):
        return Line(index, None, error=("invalid_json", f"line {index + 1} is not a JSON object"))
    custom_id = request.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return Line(index, None, error=("missing_custom_id", "each request needs a non-empty custom_id"))
    method, url = str(request.get("method") or "POST").upper(), request.get("url")
    api = call.api
    parts = urlsplit(url) if isinstance(url, str) else None
    match = api.router.match(method, parts.path) if parts is not None else RouteMiss(404)
    if isinstance(match, RouteMiss) or parts is None:
        return Line(index, custom_id, error=("invalid_url", f"{method} {url!r} is no route of this API"))
    if endpoint is not None and not on_endpoint(parts.path, endpoint):
        return Line(index, custom_id, error=("invalid_url", _MISMATCH))
    op = api.operations[match.operation_id]
    body = request.get("body")
    raw = dumps(body) if body is not None else b""
    headers = CIMultiDict(call.request.headers)
    headers["Content-Type"] = "application/json"
    validated = op.validator.validate(
        match.params, MultiDictProxy(MultiDict(parse_qsl(parts.query))), CIMultiDictProxy(headers), {}, raw
    )
    if validated.issues:  # the route's own refusal, in the API's envelope, as a direct call gets it
        return _refusal(index, custom_id, call.api, op, Refused(*op.refusal(validated.issues)))
    decision = negotiate(op.responses, NO_PREFERENCES, "application/json")
    line_call = MockCall(
        call.request, api, op, match.params, validated.body, NO_PREFERENCES, decision, call.store, raw=raw
    )
    try:
        answered = answers.body_for(line_call) if op.wire is not None else None
    except Refused as refused:  # what the same request sent directly is refused for
        return _refusal(index, custom_id, call.api, op, refused)
    if answered is not None:
        return Line(index, custom_id, response=(decision.status, answered))
    rendered = render(api, op, decision, validated.body)
    if rendered.content_type is None or not is_json(rendered.content_type):
        return Line(index, custom_id, error=("unsupported", f"{method} {parts.path} does not answer JSON"))
    return Line(index, custom_id, response=(rendered.status, json.loads(rendered.body)))


def _refusal(index: int, custom_id: str, api: MockApi, op: MockOperation, refused: Refused) -> Line:
    """A line its route refuses: the answer the same request sent directly gets (OpenAI's error file
    holds it as the line's ``response``: its status code and the API's error body)."""
    rendered = api.errors.refusal(op, refused)
    body = json.loads(rendered.body) if rendered.body else None
    return Line(index, custom_id, response=(refused.status, body))


_MISMATCH = "The URL provided for this request does not match the batch endpoint."  # OpenAI's words


def _jsonl(items: list[dict[str, Any]]) -> bytes:
    return b"".join(dumps(item) + b"\n" for item in items)
