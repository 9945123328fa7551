"""Task link fields resolve to the API's own routes from the spec alone, and writes keep bodies valid."""

from __future__ import annotations

from typing import Any

from gatewright.mock.operations import compile_api
from gatewright.mock.tasks.links import plan_links, write_links
from gatewright.spec.model import Spec
from gatewright.spec.tasks import States, TaskSpec

_JOB = {
    "type": "object",
    "required": ["job_id", "status"],
    "properties": {
        "job_id": {"type": "string"},
        "status": {"type": "string"},
        "poll_url": {"type": "string", "examples": ["/v1/jobs/job_123"]},
        "cancel_url": {"type": "string"},
        "events_url": {"type": "string", "format": "uri"},
        "mystery_url": {"type": "string"},
    },
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _api() -> Any:
    job = {"$ref": "#/components/schemas/Job"}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/videos": {"post": {"operationId": "createVideo", "responses": _ok(job)}},
            "/v1/jobs/{job_id}": {"get": {"operationId": "getJob", "responses": _ok(job)}},
            "/v1/jobs/{job_id}/cancel": {"post": {"operationId": "cancelJob", "responses": _ok(job)}},
            "/v1/jobs/{job_id}/events": {"get": {"operationId": "jobEvents", "responses": _ok(job)}},
        },
        "components": {"schemas": {"Job": _JOB}},
    }
    return compile_api(Spec(document, "t"), "t", "/t", seed=1)


SPEC = TaskSpec(
    poll="getJob",
    cancel="cancelJob",
    id="$response.body#/job_id",
    status="/status",
    states=States(initial=("queued",), succeeded=("done",), failed=("failed",)),
)


def test_link_fields_resolve_by_example_by_role_and_by_segment_words() -> None:
    plans = {p.tokens[-1]: p for p in plan_links(_api(), SPEC, ("createVideo", "getJob"), ())}
    assert plans["poll_url"].route == "/v1/jobs/{job_id}" and plans["poll_url"].as_path
    assert plans["cancel_url"].route == "/v1/jobs/{job_id}/cancel" and not plans["cancel_url"].as_path
    assert plans["events_url"].route == "/v1/jobs/{job_id}/events"
    assert "mystery_url" not in plans  # names no route: left as generated


def test_write_links_fills_the_task_id_and_keeps_the_body_valid() -> None:
    api = _api()
    plans = plan_links(api, SPEC, ("createVideo",), ())
    pointer = "/paths/~1v1~1videos/post/responses/200/content/application~1json/schema"
    assert all(pointer in plan.declared_in for plan in plans)
    body: dict[str, Any] = {"job_id": "job_9", "status": "queued", "poll_url": "/v1/jobs/job_123"}

    def valid(value: Any) -> bool:
        return api.schemas.is_valid(pointer, value, formats=True)

    write_links(
        body, plans, "job_9", {}, host="http://127.0.0.1:1", prefix="/t", pointer=pointer, valid=valid
    )
    assert body["poll_url"] == "/t/v1/jobs/job_9"
    assert body["cancel_url"] == "http://127.0.0.1:1/t/v1/jobs/job_9/cancel"  # declared there: added
    assert valid(body)
    strict: dict[str, Any] = {"job_id": "job_9", "status": "queued", "events_url": "https://x.example/e"}
    write_links(strict, plans, "job_9", {}, host="not a url", prefix="", pointer="/elsewhere", valid=valid)
    assert strict["events_url"] == "https://x.example/e"  # the write would break format: uri
    assert "cancel_url" not in strict  # not declared by that schema: not added
