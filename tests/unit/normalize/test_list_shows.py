"""``list_shows`` statements: the spec's words that a list shows another lifecycle's tasks when a query
parameter has a value (voxvey's "or to provider-native tasks when `provider=byte` is supplied"), read from
the lifecycle file, checked against the document: ``prose_patterns`` gives the parameter's enum the value,
``declare_task_lifecycles`` writes ``x-gatewright-list-shows``; both logged with the quote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from passkit import apply

from gatewright.normalize.lifecycle_model import ListShows
from gatewright.normalize.lifecycles import load_lifecycles, parse_lifecycles
from gatewright.normalize.passes.base import Context, clone
from gatewright.normalize.passes.behaviours import BehaviourError
from gatewright.normalize.passes.prose_patterns import prose_patterns
from gatewright.normalize.passes.tasks import apply_lifecycles
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import parse_yaml

QUOTE = "Lists videos, or provider-native tasks when `provider=native` is supplied."
STATEMENT = f"""\
lifecycles:
  - name: Videos
    creates: [POST /v1/videos]
    poll: "GET /v1/videos/{{video_id}}"
    id: $response.body#/id
    status: /status
    states: &states
      {{initial: [queued], running: [running], succeeded: [done], failed: [failed], cancelled: []}}
  - name: Native tasks
    creates: [POST /v1/native/tasks]
    poll: "GET /v1/native/tasks/{{task_id}}"
    id: $response.body#/id
    status: /status
    states: *states
behaviours:
  - list_shows: {{parameter: provider, value: native, tasks: "GET /v1/native/tasks/{{task_id}}"}}
    operations: [GET /v1/videos]
    why: {QUOTE}
"""
PROVIDER = {"type": "string", "enum": ["openai", "xai"]}
TASK = {"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"}}}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def document(provider: dict[str, Any] | None = None) -> dict[str, Any]:
    parameter = {
        "name": "provider",
        "in": "query",
        "schema": dict(PROVIDER) if provider is None else provider,
    }
    item = {"name": "{name}", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "videos", "version": "1"},
        "paths": {
            "/v1/videos": {
                "get": {
                    "operationId": "listVideos",
                    "description": QUOTE,
                    "parameters": [parameter],
                    "responses": _ok({"type": "object"}),
                },
                "post": {"operationId": "createVideo", "responses": _ok(TASK)},
            },
            "/v1/videos/{video_id}": {
                "get": {
                    "operationId": "getVideo",
                    "parameters": [{**item, "name": "video_id"}],
                    "responses": _ok(TASK),
                }
            },
            "/v1/native/tasks": {"post": {"operationId": "createNative", "responses": _ok(TASK)}},
            "/v1/native/tasks/{task_id}": {
                "get": {
                    "operationId": "getNative",
                    "parameters": [{**item, "name": "task_id"}],
                    "responses": _ok(TASK),
                }
            },
        },
    }


def context(text: str = STATEMENT) -> Context:
    source = "api.lifecycles.yaml"
    return Context(api_id="test", lifecycles=parse_lifecycles(parse_yaml(text, source), source, text))


def declare(text: str, tmp_path: Path, source: dict[str, Any]) -> tuple[dict[str, Any], RepairLog]:
    path = tmp_path / "videos.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    copy = clone(source)
    log = RepairLog("declare_task_lifecycles")
    apply_lifecycles(copy, load_lifecycles(path), log)
    return copy, log


def test_the_statement_reads_into_the_model() -> None:
    declared = context().lifecycles
    assert declared is not None
    assert [(b.kind, b.operations, b.value) for b in declared.behaviours] == [
        ("list_shows", ("GET /v1/videos",), ListShows("provider", "native", "GET /v1/native/tasks/{task_id}"))
    ]


def test_the_parameter_s_enum_gains_the_value_logged_with_the_quote() -> None:
    out, repairs = apply(prose_patterns, document(), context())
    assert out["paths"]["/v1/videos"]["get"]["parameters"][0]["schema"] == {
        "type": "string",
        "enum": ["openai", "xai", "native"],
    }
    assert [(r.pointer, r.change, r.before, r.after) for r in repairs] == [
        (
            "/paths/~1v1~1videos/get/parameters/0/schema/enum",
            "accepted `native` in `provider`, as the prose names it",
            ["openai", "xai"],
            ["openai", "xai", "native"],
        )
    ]
    assert QUOTE in repairs[0].why
    again, relog = apply(prose_patterns, out, context())
    assert (again, relog) == (out, [])


def test_a_free_string_parameter_takes_the_value_already() -> None:
    out, repairs = apply(prose_patterns, document({"type": "string"}), context())
    assert (out, repairs) == (document({"type": "string"}), [])


def test_a_parameter_limited_otherwise_is_refused() -> None:
    with pytest.raises(BehaviourError) as refused:
        apply(prose_patterns, document({"type": "string", "pattern": "^[a-z]+ai$"}), context())
    assert "GET /v1/videos provider cannot take 'native': its values are limited otherwise" in str(
        refused.value
    )


def test_the_list_declares_the_tasks_the_value_shows(tmp_path: Path) -> None:
    applied, log = declare(STATEMENT, tmp_path, document())
    assert applied["paths"]["/v1/videos"]["get"]["x-gatewright-list-shows"] == {
        "provider": {"native": "getNative"}
    }
    shown = [r for r in log.repairs if r.pointer.endswith("x-gatewright-list-shows")]
    assert [(r.pointer, r.change, r.before) for r in shown] == [
        (
            "/paths/~1v1~1videos/get/x-gatewright-list-shows",
            "declared that with provider=native the list shows the tasks "
            "GET /v1/native/tasks/{task_id} polls",
            None,
        )
    ]
    again, relog = declare(STATEMENT, tmp_path, applied)
    assert relog.repairs == [] and again == applied


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            STATEMENT.replace("parameter: provider", "parameter: upstream"),
            "declares no query parameter upstream",
        ),
        (
            STATEMENT.replace("operations: [GET /v1/videos]", "operations: [POST /v1/videos]"),
            "POST /v1/videos is no list: a list is a GET",
        ),
    ],
    ids=["a parameter the list does not declare", "no list"],
)
def test_a_statement_that_does_not_fit_the_document_is_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(BehaviourError) as refused:
        declare(text, tmp_path, document())
    assert message in refused.value.message


def test_tasks_no_lifecycle_polls_are_refused_by_the_file_check(tmp_path: Path) -> None:
    path = tmp_path / "videos.lifecycles.yaml"
    path.write_text(
        STATEMENT.replace('tasks: "GET /v1/native/tasks/{task_id}"', "tasks: GET /v1/native/tasks")
    )
    with pytest.raises(SpecError) as refused:
        load_lifecycles(path)
    assert refused.value.pointer == "/behaviours/0/list_shows/tasks"
    assert "GET /v1/native/tasks polls no lifecycle" in refused.value.message
