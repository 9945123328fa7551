"""The task pass declares lifecycles from data, closes status vocabularies, and fails loudly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from passkit import apply, located

from gatewright.normalize.lifecycle_model import ApiLifecycles, Lifecycle, Required, Shape
from gatewright.normalize.lifecycles import lifecycles_beside, load_lifecycles
from gatewright.normalize.passes import PASSES
from gatewright.normalize.passes.base import Context, RepairPass, clone
from gatewright.normalize.passes.tasks import LifecycleError, apply_lifecycles, declare_task_lifecycles
from gatewright.normalize.pipeline import build_all, find_sources, run_passes
from gatewright.normalize.repairs import RepairLog
from gatewright.normalize.task_checks import check_task_declarations
from gatewright.spec import API_IDS
from gatewright.spec.loader import load_source
from gatewright.spec.model import Spec
from gatewright.spec.tasks import States

ROOT = Path(__file__).resolve().parents[3]
TASK = "x-gatewright-task"


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def tiny_spec() -> dict[str, Any]:
    """A create -> poll -> cancel API whose status has no enum, plus an opaque create -> poll pair."""
    job = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string"},
            "video_url": {"type": "string"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "tiny", "version": "1"},
        "paths": {
            "/v1/videos": {
                "post": {
                    "operationId": "createVideo",
                    "responses": {"200": _json({"$ref": "#/components/schemas/Job"})},
                }
            },
            "/v1/videos/{video_id}": {
                "parameters": [_path_param("video_id")],
                "get": {
                    "operationId": "getVideo",
                    "responses": {"200": _json({"$ref": "#/components/schemas/Job"})},
                },
                "delete": {
                    "operationId": "cancelVideo",
                    "responses": {"200": _json({"$ref": "#/components/schemas/Job"})},
                },
            },
            "/v1/things": {
                "post": {
                    "operationId": "createThing",
                    "responses": {"201": _json({"$ref": "#/components/schemas/Opaque"})},
                }
            },
            "/v1/things/{thing_id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [_path_param("thing_id")],
                    "responses": {"200": _json({"$ref": "#/components/schemas/Opaque"})},
                }
            },
        },
        "components": {"schemas": {"Job": job, "Opaque": {"type": "object", "additionalProperties": True}}},
    }


THING = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "done", "broken"]},
        "progress": {"type": "integer"},
        "url": {"type": "string"},
    },
}

VIDEO = Lifecycle(
    "videos",
    ("POST /v1/videos",),
    poll="GET /v1/videos/{video_id}",
    cancel="DELETE /v1/videos/{video_id}",
    id="$response.body#/id",
    status="/status",
    result="/video_url",
    states=States(("queued",), ("in_progress",), ("completed",), ("failed",), ("cancelled",)),
    why="test",
)
THINGS = ApiLifecycles(
    lifecycles=(
        VIDEO,
        Lifecycle(
            "things",
            ("POST /v1/things",),
            poll="GET /v1/things/{thing_id}",
            id="$response.body#/id",
            status="/status",
            result="/url",
            serve="Thing",
            states=States(("pending",), (), ("done",), ("broken",), ()),
        ),
    ),
    shapes=(Shape("Thing", "Opaque", THING, "opaque in the source"),),
    required=(Required("Job", ("id", "status"), "always present"),),
)


def run(document: dict[str, Any], declared: ApiLifecycles = THINGS) -> tuple[dict[str, Any], RepairLog]:
    copy = clone(document)
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, declared, log)
    return copy, log


def test_create_gets_the_extension_and_links_to_poll_and_cancel() -> None:
    document, log = run(tiny_spec())
    create = document["paths"]["/v1/videos"]["post"]
    assert create[TASK] == {
        "poll": "getVideo",
        "cancel": "cancelVideo",
        "id": "$response.body#/id",
        "status": "/status",
        "states": {
            "initial": ["queued"],
            "running": ["in_progress"],
            "succeeded": ["completed"],
            "failed": ["failed"],
            "cancelled": ["cancelled"],
        },
        "result": "/video_url",
        "poll_id": "$request.path.video_id",
    }
    links = create["responses"]["200"]["links"]
    assert links["poll"]["operationId"] == "getVideo"
    assert links["poll"]["parameters"] == {"video_id": "$response.body#/id"}
    assert links["cancel"]["operationId"] == "cancelVideo"
    assert check_task_declarations(document) == []
    assert {r.pointer for r in log.repairs} >= {
        "/paths/~1v1~1videos/post/x-gatewright-task",
        "/paths/~1v1~1videos/post/responses/200/links",
    }


def test_a_status_without_enum_is_closed_and_required_fields_added() -> None:
    document, log = run(tiny_spec())
    job = document["components"]["schemas"]["Job"]
    assert job["properties"]["status"]["enum"] == [
        "queued",
        "in_progress",
        "completed",
        "failed",
        "cancelled",
    ]
    assert job["required"] == ["id", "status"]
    assert "/components/schemas/Job/properties/status/enum" in {r.pointer for r in log.repairs}


def test_an_opaque_body_is_replaced_by_the_declared_shape() -> None:
    document, _ = run(tiny_spec())
    assert document["components"]["schemas"]["Thing"] == THING
    ref = {"$ref": "#/components/schemas/Thing"}
    assert (
        document["paths"]["/v1/things"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
        == ref
    )
    assert (
        document["paths"]["/v1/things/{thing_id}"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        == ref
    )
    assert "cancel" not in document["paths"]["/v1/things"]["post"][TASK]
    assert check_task_declarations(document) == []


def test_the_pass_is_idempotent_and_does_not_touch_its_input() -> None:
    source = tiny_spec()
    once, _ = run(source)
    assert source == tiny_spec()
    twice, log = run(once)
    assert twice == once
    assert log.repairs == []


def test_a_missing_declared_operation_is_an_error() -> None:
    document = tiny_spec()
    del document["paths"]["/v1/videos/{video_id}"]["delete"]
    with pytest.raises(LifecycleError, match=re.escape("DELETE /v1/videos/{video_id}")):
        run(document)


def test_a_status_the_enum_does_not_know_is_an_error() -> None:
    document = tiny_spec()
    document["components"]["schemas"]["Job"]["properties"]["status"]["enum"] = ["queued", "done"]
    with pytest.raises(LifecycleError, match="do not match the status enum"):
        run(document)


def test_declared_values_may_extend_an_existing_enum() -> None:
    document = tiny_spec()
    document["components"]["schemas"]["Job"]["properties"]["status"]["enum"] = [
        "queued",
        "in_progress",
        "completed",
        "failed",
    ]
    extended = ApiLifecycles((Lifecycle(**{**_fields(VIDEO), "add_status_values": ("cancelled",)}),))
    result, log = run(document, extended)
    assert result["components"]["schemas"]["Job"]["properties"]["status"]["enum"][-1] == "cancelled"
    assert any("added status values" in r.change for r in log.repairs)


def test_a_poll_addressed_by_body_links_with_a_request_body() -> None:
    document = tiny_spec()
    document["paths"]["/v1/videos/get"] = {
        "post": {
            "operationId": "getVideoByBody",
            "responses": {"200": _json({"$ref": "#/components/schemas/Job"})},
        }
    }
    by_body = Lifecycle(
        **{**_fields(VIDEO), "poll": "POST /v1/videos/get", "cancel": None, "poll_body_id": "/id"}
    )
    result, _ = run(document, ApiLifecycles((by_body,)))
    link = result["paths"]["/v1/videos"]["post"]["responses"]["200"]["links"]["poll"]
    assert link["requestBody"] == {"id": "$response.body#/id"}
    assert result["paths"]["/v1/videos"]["post"][TASK]["poll_id"] == "$request.body#/id"
    assert check_task_declarations(result) == []


def test_the_checker_reports_broken_declarations() -> None:
    document, _ = run(tiny_spec())
    task = document["paths"]["/v1/videos"]["post"][TASK]
    task["poll"] = "nope"
    task["states"]["failed"].append("queued")
    messages = [p.message for p in check_task_declarations(document)]
    assert any("'nope' does not exist" in m for m in messages)
    assert any("both `initial` and `failed`" in m for m in messages)
    document, _ = run(tiny_spec())
    document["paths"]["/v1/videos"]["post"][TASK]["result"] = "/missing"
    del document["paths"]["/v1/videos/{video_id}"]["parameters"]
    messages = [p.message for p in check_task_declarations(document)]
    assert any("result pointer '/missing'" in m for m in messages)
    assert any("does not declare its path parameter `video_id`" in m for m in messages)


def test_the_registered_pass_declares_what_its_context_carries_and_nothing_without() -> None:
    document = tiny_spec()
    result, repairs = declare_task_lifecycles.apply(document, Context(api_id="voxvey"))
    assert result == document
    assert repairs == []
    declared, _ = declare_task_lifecycles.apply(document, Context(api_id="tiny", lifecycles=THINGS))
    assert declared == run(document)[0]


def _as_pass(declared: ApiLifecycles) -> RepairPass:
    return RepairPass(
        "declare_task_lifecycles", lambda d, _c, log: apply_lifecycles(d, declared, log), "test"
    )


def test_the_pass_keeps_the_repair_pass_contract() -> None:
    document = tiny_spec()
    _, repairs = apply(_as_pass(THINGS), document)
    for repair in repairs:
        located(document, repair.pointer)


def test_a_shared_poll_schema_is_copied_before_its_enum_is_closed() -> None:
    document = tiny_spec()
    forked = Lifecycle(**{**_fields(VIDEO), "fork_poll_schema": "VideoJob"})
    result, repairs = apply(_as_pass(ApiLifecycles((forked,))), document)
    poll = result["paths"]["/v1/videos/{video_id}"]["get"]["responses"]["200"]
    assert poll["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/VideoJob"}
    assert "enum" in result["components"]["schemas"]["VideoJob"]["properties"]["status"]
    assert "enum" not in result["components"]["schemas"]["Job"]["properties"]["status"]
    assert check_task_declarations(result) == []
    for repair in repairs:
        located(document, repair.pointer)


def _fields(lifecycle: Lifecycle) -> dict[str, Any]:
    return {name: getattr(lifecycle, name) for name in Lifecycle.__slots__}


# --- over the real sources --------------------------------------------------------------------------

EXPECTED_CREATES = {"voxvey": 10, "ipop": 10, "beatra": 4, "imarouter": 14, "empiriolabs": 9}


SOURCES = find_sources(ROOT / "specs" / "sources")
DECLARED = {api_id: load_lifecycles(lifecycles_beside(path)) for api_id, path in SOURCES.items()}


def test_every_declared_state_list_is_well_formed() -> None:
    for api_id, declared in DECLARED.items():
        for lifecycle in declared.lifecycles:
            values = lifecycle.states.statuses()
            assert len(values) == len(set(values)), (api_id, lifecycle.name)
            assert lifecycle.states.succeeded, (api_id, lifecycle.name)
    assert sum(len(d.lifecycles) for d in DECLARED.values()) == 36  # 35 documented, Kling split in two


@pytest.fixture(scope="module")
def normalized() -> dict[str, dict[str, Any]]:
    assert declare_task_lifecycles in PASSES
    return {result.api_id: result.document for result in build_all(ROOT / "specs" / "sources")}


@pytest.mark.slow  # normalizes a real source
@pytest.mark.parametrize("api_id", API_IDS)
def test_real_sources_declare_consistent_lifecycles(
    normalized: dict[str, dict[str, Any]], api_id: str
) -> None:
    document = normalized[api_id]
    assert check_task_declarations(document) == []
    spec = Spec(document, name=api_id)
    tasks = {op.label: spec.task(op) for op in spec.operations if spec.task(op) is not None}
    assert len(tasks) == EXPECTED_CREATES[api_id]
    for label, task in tasks.items():
        assert task is not None
        assert spec.operation(task.poll), label


@pytest.mark.slow  # normalizes a real source
@pytest.mark.parametrize("api_id", API_IDS)
def test_real_repairs_point_into_the_pass_input(api_id: str) -> None:
    names = [p.name for p in PASSES]
    loaded = load_source(SOURCES[api_id])
    context = Context(
        api_id=api_id,
        prose=loaded.prose,
        source_version=str(loaded.document["openapi"]),
        lifecycles=DECLARED[api_id],
    )
    before, _ = run_passes(loaded.document, context, PASSES[: names.index("declare_task_lifecycles")])
    _, repairs = apply(declare_task_lifecycles, before, context)
    assert repairs
    for repair in repairs:
        located(before, repair.pointer)


@pytest.mark.parametrize("api_id", API_IDS)
def test_committed_canonical_specs_declare_consistent_lifecycles(api_id: str) -> None:
    path = ROOT / "specs" / "canonical" / f"{api_id}.openapi.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert any(
        TASK in op for item in document["paths"].values() for op in item.values() if isinstance(op, dict)
    ), f"{path.name} predates the task pass; run `gatewright normalize`"
    assert check_task_declarations(document) == []


def test_the_pass_runs_before_examples_are_validated() -> None:
    names = [p.name for p in PASSES]
    assert names.index("declare_task_lifecycles") < names.index("examples")
