"""The spec layer's shared vocabulary: refs, schemas, path templates, runtime expressions, task states."""

from __future__ import annotations

from typing import Any

import pytest

from gatewright.spec.expressions import MISSING, Exchange, RuntimeExpression, evaluate
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import RefError, deref, follow, join
from gatewright.spec.schemas import locate, properties, required, schema_at, types
from gatewright.spec.tasks import (
    TRANSITIONS,
    Phase,
    States,
    TaskSpec,
    moves_forward,
    task_id_in,
    task_id_slot,
)

DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "Job": {
                "allOf": [{"$ref": "#/components/schemas/Base"}],
                "properties": {"status": {"type": "string", "enum": ["queued", "done"]}},
                "required": ["status"],
            },
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
            "Loop": {"$ref": "#/components/schemas/Loop"},
            "Described": {"$ref": "#/components/schemas/Base", "description": "a base"},
            "List": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
        }
    }
}


def test_follow_returns_the_target_and_its_pointer_and_merges_siblings_on_request() -> None:
    node, where = follow(DOCUMENT, {"$ref": "#/components/schemas/Base"}, "/x")
    assert where == "/components/schemas/Base" and node["type"] == "object"
    merged, where = follow(DOCUMENT, DOCUMENT["components"]["schemas"]["Described"], "/d", merge=True)
    assert where is None and merged["description"] == "a base" and merged["type"] == "object"
    assert follow(DOCUMENT, {"type": "string"}, "/here") == ({"type": "string"}, "/here")


def test_dangling_and_cyclic_refs_raise_in_follow_and_stop_in_deref() -> None:
    dangling = {"$ref": "#/components/schemas/Nope"}
    with pytest.raises(RefError, match="does not resolve"):
        follow(DOCUMENT, dangling)
    with pytest.raises(RefError, match="cycle"):
        follow(DOCUMENT, DOCUMENT["components"]["schemas"]["Loop"])
    assert deref(DOCUMENT, dangling) is dangling
    assert deref(DOCUMENT, {"$ref": "other.json#/x"}) == {"$ref": "other.json#/x"}


def test_the_schema_walker_reads_through_refs_and_branches() -> None:
    job = {"$ref": "#/components/schemas/Job"}
    assert set(properties(DOCUMENT, job)) == {"status", "id"}
    assert required(DOCUMENT, job) == {"status", "id"}
    assert types(DOCUMENT, job) == {"object"}
    assert schema_at(DOCUMENT, {"$ref": "#/components/schemas/List"}, ["0", "status"]) == {
        "type": "string",
        "enum": ["queued", "done"],
    }
    assert schema_at(DOCUMENT, job, ["missing"]) is None


def test_locate_names_the_declaring_node_in_the_document() -> None:
    found = locate(DOCUMENT, {"$ref": "#/components/schemas/List"}, "/root", "/0/id")
    assert found is not None
    where, node = found
    assert where == "/components/schemas/Base/properties/id"
    assert node is DOCUMENT["components"]["schemas"]["Base"]["properties"]["id"]


def test_join_escapes_every_token() -> None:
    assert join("paths", "/v1/a~b", "get") == "/paths/~1v1~1a~0b/get"


def test_a_path_template_matches_expands_and_knows_its_item() -> None:
    template = PathTemplate.parse("/v1/jobs/{job_id}")
    assert template.names == ("job_id",)
    assert template.match("/v1/jobs/a%2Fb") == {"job_id": "a/b"}
    assert template.match("/v1/jobs/a/b") is None
    assert template.match("/v1/jobs/j1/") == {"job_id": "j1"}
    assert template.expand({"job_id": "j1"}) == "/v1/jobs/j1"
    assert template.item == ("/v1/jobs", "job_id")
    assert PathTemplate.parse("/v1/jobs/{a}/{b}").expand({"a": "x"}, default="t") == "/v1/jobs/x/t"


def test_greedy_and_partial_segments() -> None:
    greedy = PathTemplate.parse("/v1/connect/{id}/{path}", ["path"])
    assert greedy.match("/v1/connect/i1/a/b/c") == {"id": "i1", "path": "a/b/c"}
    assert greedy.item is None
    assert PathTemplate.parse("/v1/connect/{id}/{path}").match("/v1/connect/i1/a/b") is None
    partial = PathTemplate.parse("/v1/jobs/{job_id}:cancel")
    assert partial.match("/v1/jobs/j1:cancel") == {"job_id": "j1"}
    assert partial.segments[-1].pattern is not None and not partial.segments[-1].whole
    assert PathTemplate.parse("/v1/videos#kling").path == "/v1/videos"
    assert PathTemplate.parse("/v1/x") is PathTemplate.parse("/v1/x")  # parsed once


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$response.body#/data/id", "r1"),
        ("$response.body", {"data": {"id": "r1"}}),
        ("$request.path.job_id", "j1"),
        ("$request.query.limit", "5"),
        ("$request.header.X-Trace", "t"),
        ("$request.body#/model", "m"),
        ("$response.header.location", "/v1/jobs/j1"),
        ("$statusCode", 202),
        ("{$request.path.job_id}", "j1"),
        ("$request.body#/missing", MISSING),
        ("$url", MISSING),
        ("literal", "literal"),
    ],
)
def test_runtime_expressions_evaluate_over_an_exchange(text: str, value: Any) -> None:
    exchange = Exchange(
        request_body={"model": "m"},
        path={"job_id": "j1"},
        query={"limit": "5"},
        headers={"x-trace": "t"},
        response_body={"data": {"id": "r1"}},
        response_headers={"Location": "/v1/jobs/j1"},
        status=202,
    )
    found = evaluate(text, exchange)
    assert found is MISSING if value is MISSING else found == value


def test_runtime_expressions_parse_and_print() -> None:
    parsed = RuntimeExpression.parse("$response.body#/job_id")
    assert parsed.is_("response", "body") and parsed.pointer == "/job_id"
    assert str(parsed) == "$response.body#/job_id"
    assert str(RuntimeExpression.request_path("id")) == "$request.path.id"
    with pytest.raises(ValueError, match="not a runtime expression"):
        RuntimeExpression.parse("$request.body#nopointer")


def test_states_are_the_five_lists_in_phase_order() -> None:
    spec = TaskSpec.from_extension(
        {
            "poll": "getJob",
            "id": "$response.body#/id",
            "status": "/status",
            "states": {"running": ["processing"], "succeeded": ["completed"], "failed": ["failed"]},
        }
    )
    states = spec.states
    assert dict(states) == {
        "initial": (),
        "running": ("processing",),
        "succeeded": ("completed",),
        "failed": ("failed",),
        "cancelled": (),
    }
    assert states == States.from_json(states.as_json())
    assert states.statuses() == ["processing", "completed", "failed"]
    assert states.status_for(Phase.INITIAL) == "processing"
    assert states.status_for(Phase.CANCELLED) == "failed"
    assert spec.kind_of("completed") == "succeeded" and spec.kind_of("nope") is None
    assert spec.terminal == ("completed", "failed")
    assert spec.id_pointer == "/id"
    assert [phase.rank for phase in Phase] == [0, 1, 2, 2, 2]
    assert all(to.rank > phase.rank for phase, moves in TRANSITIONS.items() for to in moves)


def test_a_status_moves_forward_never_back_and_a_terminal_one_never_changes() -> None:
    assert moves_forward(Phase.INITIAL, "queued", -1, None)
    assert moves_forward(Phase.RUNNING, "processing", Phase.RUNNING.rank, None)  # the same phase again
    assert not moves_forward(Phase.INITIAL, "queued", Phase.RUNNING.rank, None)
    assert moves_forward(Phase.SUCCEEDED, "completed", 2, "completed")
    assert not moves_forward(Phase.FAILED, "failed", 2, "completed")


@pytest.mark.parametrize(
    ("poll_id", "exchange", "found"),
    [
        ("$request.path.video_id", Exchange(path={"video_id": "v1", "other": "x"}), "v1"),
        ("$request.body#/task/id", Exchange(request_body={"task": {"id": 7}}), "7"),
        ("$request.query.id", Exchange(query={"id": "q1"}), "q1"),
        (None, Exchange(path={"store": "s", "file": "f1"}), "f1"),  # the last path parameter
        ("not an expression", Exchange(path={"store": "s", "file": "f1"}), "f1"),
        ("$request.path.video_id", Exchange(), None),
    ],
)
def test_the_task_id_a_poll_names(poll_id: str | None, exchange: Exchange, found: str | None) -> None:
    assert task_id_in(poll_id, ["store", "file"], exchange) == found


def test_a_poll_with_no_path_parameters_and_no_poll_id_names_no_task() -> None:
    assert task_id_slot(None, []) is None and task_id_in(None, [], Exchange(path={"x": "1"})) is None
    assert task_id_slot("$request.body#/id", []) == RuntimeExpression.request_body("/id")
