"""The lifecycle check builds its poll and create requests from ``x-gatewright-task`` and the links."""

from __future__ import annotations

from typing import Any

from offline_adapter import offline_adapter

from gatewright.conformance.runs import CaseRun
from gatewright.conformance.tasks import LifecycleCheck, TaskTiming
from gatewright.spec import Spec, TaskSpec

OBJECT = {"type": "object", "properties": {"id": {"type": "string"}}}


def _spec(task: dict[str, Any], link: dict[str, Any]) -> Spec:
    created = {"type": "object", "properties": {"data": {"type": "object"}}}
    return Spec(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/v1/assets": {
                    "post": {
                        "operationId": "createAsset",
                        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {"application/json": {"schema": created}},
                                "links": {"poll": {"operationId": "getAsset", **link}},
                            }
                        },
                        "x-gatewright-task": task,
                    }
                },
                "/v1/assets/get": {
                    "post": {
                        "operationId": "getAsset",
                        "requestBody": {"content": {"application/json": {"schema": OBJECT}}},
                        "responses": {"200": {"description": "ok"}},
                    }
                },
            },
        }
    )


class _Response:
    status_code = 200
    headers: dict[str, str] = {}

    def json(self) -> Any:
        return {"data": {"Id": "asset-1", "Status": "Processing"}}


TASK = {
    "poll": "getAsset",
    "id": "$response.body#/data/Id",
    "status": "/data/Status",
    "states": {"initial": ["Processing"], "succeeded": ["Active"]},
}


def _check(task: dict[str, Any], link: dict[str, Any]) -> LifecycleCheck:
    spec = _spec(task, link)
    adapter = offline_adapter(spec.document)
    create = spec.operation("createAsset")
    return LifecycleCheck(spec, adapter, create, TaskSpec.from_extension(task), TaskTiming(0.01, 0.1))


def _created(check: LifecycleCheck) -> CaseRun:
    case = check.adapter.make_case("createAsset", body={"name": "a"})
    return CaseRun(case=case, response=_Response(), phase="lifecycle", exchange=None, curl="")


def test_poll_id_in_the_request_body_puts_the_task_id_there() -> None:
    check = _check({**TASK, "poll_id": "$request.body#/id"}, {})
    poll = check._poll_case(check.poll_op, _created(check))
    assert poll.body == {"id": "asset-1"}
    assert poll.path_parameters == {}


def test_a_link_request_body_is_evaluated() -> None:
    check = _check(TASK, {"requestBody": {"id": "$response.body#/data/Id", "kind": "asset"}})
    poll = check._poll_case(check.poll_op, _created(check))
    assert poll.body == {"id": "asset-1", "kind": "asset"}
