"""TaskExtension on a small inline spec with a ManualClock: lists, results, retention, cancel shapes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from extension_mock import ExtensionMock

from gatewright.mock.operations import compile_api
from gatewright.mock.tasks.listing import list_operations
from gatewright.mock.tasks.render import relocate
from gatewright.mock.tasks.results import RESULT_TEXT
from gatewright.spec import load_spec
from gatewright.spec.tasks import TaskSpec

MakeMock = Callable[..., Awaitable[ExtensionMock]]  # the make_mock fixture (tests/unit/mock/conftest.py)


def _ok(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"description": "ok", "content": {media: {"schema": schema}}}


def _error_responses() -> dict[str, Any]:
    error = {"type": "object", "properties": {"error": {"type": "string"}}}
    return {code: _ok(error) | {"description": code} for code in ("400", "404")}


def _param(name: str, where: str = "path", kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": {"type": kind}}


def _task(poll: str, id_: str, status: str, result: str, **extra: Any) -> dict[str, Any]:
    states = {
        "initial": ["queued"],
        "running": ["running"],
        "succeeded": ["done"],
        "failed": ["failed"],
        "cancelled": ["cancelled"],
    }
    return {"poll": poll, "id": id_, "status": status, "states": states, "result": result, **extra}


STATUS = {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]}
JOB = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string"},
        "status": STATUS,
        "output_file_id": {"type": ["string", "null"]},
    },
}
TURN = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {"id": {"type": "string"}, "status": STATUS, "events_url": {"type": "string"}},
}
INSTANCE = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string"},
        "status": STATUS,
        "connect_path": {
            "type": ["string", "null"],
            "examples": ["/agents/00000000-0000-0000-0000-000000000000"],
        },
    },
}
ANSWER = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "status": STATUS, "output_text": {"type": "string"}},
}
SSE_EVENT = {"type": "object", "properties": {"data": {"type": "string"}, "id": {"type": "string"}}}


def _op(op_id: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "responses": {**responses, **_error_responses()}, **extra}


def spec_document() -> dict[str, Any]:
    body = {"content": {"application/json": {"schema": {"type": "object"}}}}
    jobs_list = {
        "type": "object",
        "properties": {
            "object": {"type": "string"},
            "data": {"type": "array", "items": JOB},
            "has_more": {"type": "boolean"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "tiny", "version": "1"},
        "security": [],
        "paths": {
            "/v1/jobs": {
                "post": _op(
                    "createJob",
                    {"200": _ok(JOB)},
                    requestBody=body,
                    **{
                        "x-gatewright-task": _task(
                            "getJob",
                            "$response.body#/id",
                            "/status",
                            "/output_file_id",
                            cancel="cancelJob",
                            retention_seconds=60,
                        )
                    },
                ),
                "get": _op(
                    "listJobs",
                    {"200": _ok(jobs_list)},
                    parameters=[_param("status", "query"), _param("limit", "query", "integer")],
                ),
            },
            "/v1/jobs/{job_id}": {"get": _op("getJob", {"200": _ok(JOB)}, parameters=[_param("job_id")])},
            "/v1/jobs/{job_id}/cancel": {
                "post": _op("cancelJob", {"200": _ok(JOB)}, parameters=[_param("job_id")])
            },
            "/v1/files": {
                "post": _op(
                    "createFile",
                    {"200": _ok({"type": "object", "properties": {"id": {"type": "string"}}})},
                    requestBody=body,
                )
            },
            "/v1/files/{file_id}": {
                "get": _op(
                    "getFile",
                    {
                        "200": _ok(
                            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
                        )
                    },
                    parameters=[_param("file_id")],
                )
            },
            "/v1/turns": {
                "post": _op(
                    "createTurn",
                    {"200": _ok(TURN)},
                    requestBody=body,
                    **{"x-gatewright-task": _task("getTurn", "$response.body#/id", "/status", "/events_url")},
                )
            },
            "/v1/turns/{request_id}": {
                "get": _op("getTurn", {"200": _ok(TURN)}, parameters=[_param("request_id")])
            },
            "/v1/turns/{request_id}/events": {
                "get": _op(
                    "getTurnEvents",
                    {
                        "200": {
                            "description": "ok",
                            "content": {
                                "text/event-stream": {
                                    "schema": SSE_EVENT,
                                    "x-gatewright-stream": {"format": "ipop-agent-events"},
                                }
                            },
                        }
                    },
                    parameters=[_param("request_id"), _param("Last-Event-ID", "header")],
                )
            },
            "/v1/instances": {
                "post": _op(
                    "createInstance",
                    {
                        "200": _ok(
                            {"type": "object", "required": ["instance"], "properties": {"instance": INSTANCE}}
                        )
                    },
                    requestBody=body,
                    **{
                        "x-gatewright-task": _task(
                            "getInstance",
                            "$response.body#/instance/id",
                            "/instance/status",
                            "/instance/connect_path",
                            cancel="deleteInstance",
                        )
                    },
                ),
                "get": _op(
                    "listInstances",
                    {
                        "200": _ok(
                            {
                                "type": "object",
                                "properties": {"instances": {"type": "array", "items": INSTANCE}},
                            }
                        )
                    },
                ),
            },
            "/v1/instances/{instance_id}": {
                "get": _op(
                    "getInstance",
                    {
                        "200": _ok(
                            {"type": "object", "required": ["instance"], "properties": {"instance": INSTANCE}}
                        )
                    },
                    parameters=[_param("instance_id")],
                ),
                "delete": _op("deleteInstance", {"200": _ok(INSTANCE)}, parameters=[_param("instance_id")]),
            },
            "/v1/answers": {
                "post": _op(
                    "createAnswer",
                    {"200": _ok(ANSWER)},
                    requestBody=body,
                    **{
                        "x-gatewright-task": _task(
                            "getAnswer", "$response.body#/id", "/status", "/output_text"
                        )
                    },
                )
            },
            "/v1/answers/{answer_id}": {
                "get": _op("getAnswer", {"200": _ok(ANSWER)}, parameters=[_param("answer_id")])
            },
        },
    }


# the module's spec, for the spec_path and mock fixtures (tests/conftest.py, tests/unit/mock/conftest.py)
SPEC_DOCUMENT, SPEC_ID = spec_document, "tiny"


# --- lists ----------------------------------------------------------------------------------------


def test_list_operations_come_from_the_poll_collection_and_the_create_path(spec_path: Path) -> None:
    api = compile_api(load_spec(path=spec_path), "tiny", "", seed=1)
    creates = [op.operation_id for op in api.operations.values() if op.task is not None]
    assert list_operations(api, creates) == {"listJobs": ("createJob",), "listInstances": ("createInstance",)}


@pytest.mark.asyncio
async def test_list_shows_created_tasks_as_they_are_polled(mock: ExtensionMock) -> None:
    first = await mock.create("/v1/jobs")
    second = await mock.create("/v1/jobs")
    status, listed = await mock.json("GET", "/v1/jobs")
    assert status == 200
    assert [(item["id"], item["status"]) for item in listed["data"]] == [
        (first["id"], "queued"),
        (second["id"], "queued"),
    ]
    assert listed["has_more"] is False
    mock.clock.advance(11)
    _, listed = await mock.json("GET", "/v1/jobs")
    assert {item["status"] for item in listed["data"]} == {"done"}


@pytest.mark.asyncio
async def test_list_filters_by_status_and_pages_by_limit(mock: ExtensionMock) -> None:
    done = await mock.create("/v1/jobs")
    mock.clock.advance(11)
    await mock.create("/v1/jobs")
    await mock.create("/v1/jobs")
    _, listed = await mock.json("GET", "/v1/jobs", params={"status": "done"})
    assert [item["id"] for item in listed["data"]] == [done["id"]]
    _, page = await mock.json("GET", "/v1/jobs", params={"limit": "2"})
    assert len(page["data"]) == 2 and page["has_more"] is True


@pytest.mark.asyncio
async def test_list_shows_cancelled_tasks_and_forgets_expired_ones(mock: ExtensionMock) -> None:
    job = await mock.create("/v1/jobs")
    status, cancelled = await mock.json("POST", f"/v1/jobs/{job['id']}/cancel")
    assert (status, cancelled["status"]) == (200, "cancelled")
    _, listed = await mock.json("GET", "/v1/jobs")
    assert [item["status"] for item in listed["data"]] == ["cancelled"]
    mock.clock.advance(61)  # the lifecycle's retention_seconds
    _, listed = await mock.json("GET", "/v1/jobs")
    assert listed["data"] == []
    status, _ = await mock.json("GET", f"/v1/jobs/{job['id']}")
    assert status == 404


@pytest.mark.asyncio
async def test_list_holds_the_object_the_poll_answer_wraps(mock: ExtensionMock) -> None:
    created = await mock.create("/v1/instances")
    _, listed = await mock.json("GET", "/v1/instances")
    assert [item["id"] for item in listed["instances"]] == [created["instance"]["id"]]


# --- retention ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_declared_retention_applies_per_lifecycle(mock: ExtensionMock) -> None:
    job = await mock.create("/v1/jobs")  # retention_seconds: 60
    turn = await mock.create("/v1/turns")  # no declaration: the engine's hour
    mock.clock.advance(10 + 61)
    assert (await mock.json("GET", f"/v1/jobs/{job['id']}"))[0] == 404
    assert (await mock.json("GET", f"/v1/turns/{turn['id']}"))[0] == 200


@pytest.mark.asyncio
async def test_task_retention_overrides_every_declaration(make_mock: MakeMock) -> None:
    mock = await make_mock(retention=5.0)
    job = await mock.create("/v1/jobs")
    mock.clock.advance(10 + 6)
    assert (await mock.json("GET", f"/v1/jobs/{job['id']}"))[0] == 404


# --- results --------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_id_result_names_a_resource_the_mock_serves(mock: ExtensionMock) -> None:
    job = await mock.create("/v1/jobs")
    mock.clock.advance(11)
    _, done = await mock.json("GET", f"/v1/jobs/{job['id']}")
    file_id = done["output_file_id"]
    assert file_id.startswith("file_")
    status, file = await mock.json("GET", f"/v1/files/{file_id}")
    assert (status, file["id"]) == (200, file_id)


@pytest.mark.asyncio
async def test_a_url_result_points_at_the_apis_own_route_from_the_start(mock: ExtensionMock) -> None:
    turn = await mock.create("/v1/turns")
    url = turn["events_url"]
    assert url.endswith(f"/v1/turns/{turn['id']}/events") and url.startswith("http://127.0.0.1:")


@pytest.mark.asyncio
async def test_a_path_result_follows_the_schema_example(mock: ExtensionMock) -> None:
    created = await mock.create("/v1/instances")
    instance_id = created["instance"]["id"]
    mock.clock.advance(11)
    _, polled = await mock.json("GET", f"/v1/instances/{instance_id}")
    assert polled["instance"]["connect_path"] == f"/agents/{instance_id}"


@pytest.mark.asyncio
async def test_a_text_result_is_text(mock: ExtensionMock) -> None:
    answer = await mock.create("/v1/answers")
    mock.clock.advance(11)
    _, polled = await mock.json("GET", f"/v1/answers/{answer['id']}")
    assert polled["output_text"] == RESULT_TEXT


# --- cancel shapes --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_cancel_answering_the_bare_object_carries_the_cancelled_status(mock: ExtensionMock) -> None:
    created = await mock.create("/v1/instances")
    status, cancelled = await mock.json("DELETE", f"/v1/instances/{created['instance']['id']}")
    assert status == 200
    assert (cancelled["id"], cancelled["status"]) == (created["instance"]["id"], "cancelled")


def test_relocate_drops_leading_tokens_the_schema_lacks() -> None:
    spec = TaskSpec.from_extension(
        _task("getInstance", "$response.body#/instance/id", "/instance/status", "/instance/connect_path")
    )
    moved = relocate(spec, INSTANCE, {})
    assert (moved.id, moved.status, moved.result) == ("$response.body#/id", "/status", "/connect_path")
    wrapped = {"type": "object", "properties": {"instance": INSTANCE}}
    assert relocate(spec, wrapped, {}) == spec
