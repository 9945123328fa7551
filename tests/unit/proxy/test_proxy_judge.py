"""One exchange judged without a socket: response checks, task polls and the client's side."""

from __future__ import annotations

import json
from typing import Any

from gatewright.proxy.judge import ExchangeJudge, decoded
from gatewright.proxy.models import Captured, Observed
from gatewright.spec import Spec

JOB = {"type": "object", "required": ["id", "status"], "properties": {"id": {}, "status": {"type": "string"}}}
ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}}
SPEC = Spec(
    {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/jobs": {
                "post": {
                    "operationId": "createJob",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"type": "object", "required": ["prompt"]}}
                        },
                    },
                    "x-gatewright-task": {
                        "poll": "getJob",
                        "id": "$response.body#/id",
                        "status": "/status",
                        "states": {
                            "initial": ["queued"],
                            "running": ["running"],
                            "succeeded": ["done"],
                            "failed": [],
                            "cancelled": [],
                        },
                    },
                    "responses": {
                        "202": {"description": "ok", "content": {"application/json": {"schema": JOB}}}
                    },
                },
                "get": {
                    "operationId": "listJobs",
                    "parameters": [LIMIT],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {}}}}
                    },
                },
            },
            "/jobs/{job_id}": {
                "get": {
                    "operationId": "getJob",
                    "parameters": [ID],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": JOB}}}
                    },
                }
            },
        },
    }
)


def _exchange(method: str, path: str, status: int | None, answer: Any = None, body: Any = None) -> Observed:
    request = Captured(1 << 20)
    if body is not None:
        request.add(json.dumps(body).encode())
    path, _, query = path.partition("?")
    observed = Observed(
        method, path, query, [("Content-Type", "application/json")], request, time="2026-01-01T00:00:00Z"
    )
    if status is not None:
        observed.status = status
        observed.response_headers = [("Content-Type", "application/json")]
        observed.response_body = Captured(1 << 20)
        observed.response_body.add(json.dumps(answer).encode())
    return observed


def _found(judge: ExchangeJudge, exchange: Observed) -> list[tuple[str, str]]:
    return [(f.side, f.failure.check) for f in judge.judge(exchange).found]


def test_task_polls_are_followed_from_the_create_answer() -> None:
    judge = ExchangeJudge(SPEC, "http://upstream")
    created = _exchange("POST", "/jobs", 202, {"id": "j1", "status": "queued"}, {"prompt": "p"})
    assert _found(judge, created) == []
    for status in ("queued", "running", "running", "done", "done"):
        assert _found(judge, _exchange("GET", "/jobs/j1", 200, {"id": "j1", "status": status})) == []
    assert _found(judge, _exchange("GET", "/jobs/j1", 200, {"id": "j1", "status": "running"})) == [
        ("gateway", "task_status_forward")
    ]
    # another task is followed on its own, from its first poll
    assert _found(judge, _exchange("GET", "/jobs/j2", 200, {"id": "j2", "status": "running"})) == []
    assert _found(judge, _exchange("GET", "/jobs/j2", 200, {"id": "j2", "status": "queued"})) == [
        ("gateway", "task_status_forward")
    ]
    assert _found(judge, _exchange("GET", "/jobs/j3", 200, {"id": "j3", "status": "lost"})) == [
        ("gateway", "task_status_declared")
    ]


def test_the_clients_mistakes_are_the_clients() -> None:
    judge = ExchangeJudge(SPEC, "http://upstream")
    answer = {"id": "j", "status": "queued"}
    assert _found(judge, _exchange("POST", "/jobs", 202, answer, {"no": "prompt"})) == [
        ("client", "request_body_conformance")
    ]
    assert _found(judge, _exchange("GET", "/jobs?limit=50", 200, [])) == [
        ("client", "request_parameters_conformance")
    ]
    assert _found(judge, _exchange("GET", "/jobs?limit=5", 200, [])) == []
    assert _found(judge, _exchange("DELETE", "/jobs", 204)) == [("client", "request_documented")]


def test_no_answer_is_request_completes_and_nothing_else() -> None:
    judge = ExchangeJudge(SPEC, "http://upstream")
    exchange = _exchange("GET", "/jobs/j", None)
    exchange.error = "ConnectionRefusedError"
    judgement = judge.judge(exchange)
    assert [(f.side, f.failure.check, f.failure.message) for f in judgement.found] == [
        ("gateway", "request_completes", "ConnectionRefusedError")
    ]


def test_decoded_undoes_gzip_and_deflate_even_when_cut() -> None:
    import gzip
    import zlib

    data = json.dumps({"a": "b" * 1000}).encode()
    assert decoded(gzip.compress(data), "gzip", 1 << 20) == (data, False)
    assert decoded(zlib.compress(data), "deflate", 1 << 20) == (data, False)
    cut, more = decoded(gzip.compress(data)[:40], "gzip", 1 << 20)
    assert cut is not None and data.startswith(cut) and not more  # the capture was cut, not the decoding
    assert decoded(b"xx", "br", 1 << 20) == (None, False) and decoded(data, None, 1 << 20) == (data, False)


def test_decoding_stops_at_the_limit_however_far_the_body_would_inflate() -> None:
    import gzip

    bomb = gzip.compress(b"\0" * (64 << 20))  # 64 MiB in about 64 KiB
    body, more = decoded(bomb, "gzip", 1 << 20)
    assert body == b"\0" * (1 << 20) and more
