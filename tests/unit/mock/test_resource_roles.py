"""Which creates answer free-form bodies the mock writes the new resource into (``open_answer``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewright.mock.app import load_apis
from gatewright.mock.operations import MockApi


@pytest.fixture(scope="module")
def apis() -> dict[str, MockApi]:
    return load_apis(["voxvey", "ipop", "empiriolabs"], seed=1)


def _role_at(api: MockApi, method: str, path: str) -> object:
    op = next(
        op for op in api.operations.values() if (op.operation.method, op.operation.path) == (method, path)
    )
    return op.resource


def test_a_free_form_create_of_an_id_the_mock_makes_is_open(apis: dict[str, MockApi]) -> None:
    role = _role_at(apis["voxvey"], "POST", "/v1/byte/files")
    assert role is not None and role.open_answer and role.id_pointer == "/id"  # type: ignore[attr-defined]


def test_a_name_the_client_picks_or_a_linked_job_is_not_an_open_create(apis: dict[str, MockApi]) -> None:
    """ipop's hosted-app domains are keyed by the client's own name; empiriolabs' research answers a
    report synchronously and links its 202 to a job: writing an id into either would invent one."""
    assert _role_at(apis["ipop"], "POST", "/v1/hosted-apps/{app_id}/domains") is None
    research = _role_at(apis["empiriolabs"], "POST", "/v1/research")
    assert research is None or not research.open_answer  # type: ignore[attr-defined]
    assert not any(
        op.resource is not None and op.resource.open_answer for op in apis["empiriolabs"].operations.values()
    )


def _roles_of(paths: dict[str, object], tmp_path: Path) -> dict[str, object]:
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}
    path = tmp_path / "t.openapi.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    (api,) = load_apis(None, path, seed=1).values()
    return {op.operation_id: op.resource for op in api.operations.values()}


def _json(schema: object) -> dict[str, object]:
    return {"content": {"application/json": {"schema": schema}}}


def _item_read(param: str) -> dict[str, object]:
    thing = {"type": "object", "properties": {param: {"type": "string"}, "id": {"type": "string"}}}
    parameters = [{"name": param, "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "get": {
            "operationId": "read",
            "parameters": parameters,
            "responses": {"200": {"description": "it", **_json(thing)}},
        }
    }


def test_an_upsert_whose_answer_does_not_restate_its_key_is_not_kept(tmp_path: Path) -> None:
    """A PUT answering ``{"ok": true}`` names nothing to read back: it stays an untracked write."""
    keyed = {"type": "object", "properties": {"key": {"type": "string"}}}
    ack = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    put = {
        "operationId": "put",
        "requestBody": _json(keyed),
        "responses": {"200": {"description": "ok", **_json(ack)}},
    }
    roles = _roles_of({"/kv": {"put": put}, "/kv/{key}": _item_read("key")}, tmp_path)
    assert roles["put"] is None
    assert roles["read"] is not None and not roles["read"].tracked  # type: ignore[attr-defined]


def test_an_upsert_beside_a_create_keeps_its_own_key(tmp_path: Path) -> None:
    """A collection with a POST create and a PUT upsert: the PUT is keyed by its body's field, not by
    the id the POST's answer carries (it created a new item on every PUT)."""
    thing = {"type": "object", "properties": {"thing_id": {"type": "string"}, "id": {"type": "string"}}}
    put = {
        "operationId": "put",
        "requestBody": _json(thing),
        "responses": {"200": {"description": "it", **_json(thing)}},
    }
    made = {"type": "object", "properties": {"id": {"type": "string"}}}
    post = {
        "operationId": "post",
        "requestBody": _json(thing),
        "responses": {"200": {"description": "it", **_json(made)}},
    }
    roles = _roles_of(
        {"/things": {"put": put, "post": post}, "/things/{thing_id}": _item_read("thing_id")}, tmp_path
    )
    assert roles["put"].id_pointer == "/thing_id"  # type: ignore[attr-defined]
    assert roles["post"].id_pointer == "/id"  # type: ignore[attr-defined]
