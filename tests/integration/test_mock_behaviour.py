"""The mock over a real socket (aiohttp test server): auth, validation, errors, Prefer, state, logs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gatewright.mock import create_app, preconditions
from gatewright.mock.access_log import FLUSH_SECONDS
from gatewright.mock.generate import Generator
from gatewright.mock.operations import compile_api
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.pointer import resolve

pytestmark = pytest.mark.asyncio

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]
AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}


def _documented_schema(api: str, method: str, path: str, status: int) -> str | None:
    compiled = compile_api(load_spec(api), api, "", seed=1)
    for op in compiled.operations.values():
        if op.operation.method == method and op.operation.path == path:
            for response in op.responses:
                if response.key == str(status):
                    media = next((m for m in response.media if m.media_type.endswith("json")), None)
                    return media.schema_pointer if media else None
    return None


def _assert_valid(api: str, method: str, path: str, status: int, body: Any) -> None:
    pointer = _documented_schema(api, method, path, status)
    if pointer is not None:
        schemas = SchemaSet(load_spec(api).document)
        assert schemas.is_valid(pointer, body, formats=True), schemas.errors(pointer, body, formats=True)


async def test_one_api_is_served_at_the_root(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    response = await client.get("/v1/models", headers=AUTH)
    assert response.status == 200
    _assert_valid("empiriolabs", "GET", "/v1/models", 200, await response.json())
    assert (await client.get("/empiriolabs/v1/models", headers=AUTH)).status == 404


async def test_missing_credentials_are_401_in_the_api_envelope(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(seed=1, access_log=False))
    for api in API_IDS:
        spec = load_spec(api)
        op = next(op for op in spec.operations if spec.security(op) and "{" not in op.path)
        response = await client.request(op.method, f"/{api}{op.path}")
        assert response.status == 401, (api, op.label)
        body = await response.json()
        assert "error" in json.dumps(body).lower() or "message" in body
        bad_key = await client.request(
            op.method, f"/{api}{op.path}", headers={"Authorization": "Bearer invalid"}
        )
        assert bad_key.status == 401


async def test_invalid_body_gets_documented_status_with_location(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["beatra"], seed=1, access_log=False))
    response = await client.post("/v1/chat/completions", json={"messages": "not a list"}, headers=AUTH)
    assert response.status == 422
    text = await response.text()
    assert ("body" in text and "messages" in text) or "model" in text
    _assert_valid("beatra", "POST", "/v1/chat/completions", 422, json.loads(text))


@pytest.mark.parametrize(
    ("headers", "data"),
    [
        ({"Content-Type": "application/json"}, b"{not json"),
        ({"Content-Type": "text/csv"}, b"a,b"),
        ({"Content-Type": "application/json"}, b""),
    ],
)
async def test_bad_bodies_are_4xx_never_5xx(
    aiohttp_client: MakeClient, headers: dict[str, str], data: bytes
) -> None:
    client = await aiohttp_client(create_app(["voxvey"], seed=1, access_log=False))
    response = await client.post("/v1/chat/completions", data=data, headers={**AUTH, **headers})
    assert 400 <= response.status < 500


async def test_oversized_body_is_413(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["voxvey"], seed=1, access_log=False, max_body=1024))
    response = await client.post("/v1/chat/completions", json={"model": "m", "pad": "x" * 4096}, headers=AUTH)
    assert response.status == 413
    assert "error" in await response.json()


async def test_unknown_path_404_and_wrong_method_405(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    assert (await client.get("/v1/definitely-not-here", headers=AUTH)).status == 404
    response = await client.delete("/v1/models", headers=AUTH)
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert "error" in await response.json()


async def test_a_wrong_method_on_an_anthropic_route_is_refused_in_anthropics_envelope(
    aiohttp_client: MakeClient,
) -> None:
    """empiriolabs speaks OpenAI's envelope, but Anthropic's on ``/v1/messages``: a 405 there (and a
    503 while Redis is away, which takes the same way) is the route's own, not the API's default."""
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    response = await client.get("/v1/messages", headers=AUTH)
    assert response.status == 405 and response.headers["Allow"] == "POST"
    body = await response.json()
    assert body["type"] == "error" and body["error"]["type"] and "GET" in body["error"]["message"]
    openai_route = await (await client.get("/v1/chat/completions", headers=AUTH)).json()
    assert "type" not in openai_route and openai_route["error"]["message"]


async def test_prefer_code_returns_documented_response(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    response = await client.get("/v1/models/some-model", headers={**AUTH, "Prefer": "code=404"})
    assert response.status == 404
    assert response.headers["Preference-Applied"] == "code=404"
    _assert_valid("empiriolabs", "GET", "/v1/models/{model_id}", 404, await response.json())


async def test_seed_makes_responses_reproducible(aiohttp_client: MakeClient) -> None:
    first = await aiohttp_client(create_app(["ipop"], seed=5, access_log=False))
    second = await aiohttp_client(create_app(["ipop"], seed=5, access_log=False))
    one = await (await first.get("/v1/models", headers=AUTH)).json()
    two = await (await second.get("/v1/models", headers=AUTH)).json()
    assert one == two


def _lifecycles() -> list[tuple[str, str, str, str]]:
    found = []
    for api in API_IDS:
        compiled = compile_api(load_spec(api), api, "", seed=1)
        by_collection: dict[str, dict[str, Any]] = {}
        for op in compiled.operations.values():
            if op.resource is not None and op.resource.tracked:
                by_collection.setdefault(op.resource.collection, {})[op.resource.role] = op
        for collection, roles in by_collection.items():
            create = roles.get("create")
            if create is None or "read" not in roles or "delete" not in roles or "{" in collection:
                continue
            if "application/json" not in json.dumps(create.operation.definition.get("requestBody", {})):
                continue
            found.append((api, create.operation_id, roles["read"].operation_id, create.resource.id_pointer))
    return found


def _required_params(spec: Any, op: Any, location: str) -> dict[str, str]:
    """Values for an operation's required parameters in ``location``, generated from their schemas."""
    values = {}
    for param in op.parameters:
        if param.get("in") == location and param.get("required") and "schema" in param:
            schemas = SchemaSet({**spec.document, "x-param": param["schema"]})
            value = Generator(schemas, seed=3).generate("/x-param")
            values[param["name"]] = str(value).lower() if isinstance(value, bool) else str(value)
    return values


@pytest.mark.parametrize(("api", "create_id", "read_id", "id_pointer"), _lifecycles())
async def test_created_resources_persist_until_deleted(
    aiohttp_client: MakeClient, api: str, create_id: str, read_id: str, id_pointer: str
) -> None:
    # The core store alone: task lifecycles (an extension) keep cancelled tasks readable, as their APIs do.
    client = await aiohttp_client(create_app([api], seed=1, access_log=False, extensions=()))
    spec = load_spec(api)
    create, read = spec.operation(create_id), spec.operation(read_id)
    schemas = SchemaSet(spec.document)
    body = Generator(schemas, seed=2).generate(
        f"{create.pointer}/requestBody/content/application~1json/schema"
    )
    if isinstance(body, dict):  # unconditional: a write guarded by the item's state may be a 409
        body = {
            k: v for k, v in body.items() if k not in (preconditions.CREATE_ONLY, preconditions.IF_VERSION)
        }
    headers = {**AUTH, **_required_params(spec, create, "header")}
    created = await client.request(create.method, create.path, json=body, headers=headers)  # (PUT: an upsert)
    assert created.status < 300, await created.text()
    resource_id = str(resolve(await created.json(), id_pointer))
    item = read.path.rsplit("/", 1)[0] + "/" + quote(resource_id, safe="")  # (a KV key may hold "/")
    headers = {**AUTH, **_required_params(spec, read, "header")}
    fetched = await client.get(item, headers=headers)
    assert fetched.status == 200, await fetched.text()
    assert resource_id in await fetched.text()
    state = await (await client.get("/__gatewright/state")).json()
    assert any(resource_id in json.dumps(items) for items in state["resources"].values())
    deleted = await client.delete(item, headers=headers)
    assert deleted.status < 300
    assert (await client.get(item, headers=headers)).status == 404


async def test_control_api_health_and_reset(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False, extensions=()))
    health = await (await client.get("/__gatewright/health")).json()
    assert health["status"] == "ok" and health["apis"] == {"empiriolabs": "/"}
    spec = load_spec("empiriolabs")
    create = spec.find("POST", "/v1/gpu/instances")
    assert create is not None
    body = Generator(SchemaSet(spec.document), seed=2).generate(
        f"{create.pointer}/requestBody/content/application~1json/schema"
    )
    created = await client.post("/v1/gpu/instances", json=body, headers=AUTH)
    assert created.status == 200  # the operation's documented success
    instance = (await created.json())["instance"]
    stored = (await (await client.get("/__gatewright/resources")).json())["resources"]
    assert list(stored) == ["empiriolabs:/v1/gpu/instances"]
    assert [item["id"] for item in stored["empiriolabs:/v1/gpu/instances"]] == [instance["id"]]
    assert (await client.post("/__gatewright/reset")).status == 200
    assert (await (await client.get("/__gatewright/resources")).json())["resources"] == {}


async def test_one_log_line_per_request_without_the_key(
    aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=True))
    with caplog.at_level(logging.INFO, logger="gatewright.mock"):
        await client.get("/v1/models", headers={"Authorization": "Bearer sk-secret-123"})
        await asyncio.sleep(FLUSH_SECONDS * 3)  # lines go out in batches
    lines = [r.getMessage() for r in caplog.records if r.name == "gatewright.mock"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /v1/models 200 ") and lines[0].endswith("ms")
    assert "sk-secret-123" not in caplog.text
    caplog.clear()
    quiet = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    with caplog.at_level(logging.INFO, logger="gatewright.mock"):
        await quiet.get("/v1/models")
        await asyncio.sleep(FLUSH_SECONDS * 3)
    assert not [r for r in caplog.records if r.name == "gatewright.mock"]


async def test_waiting_log_lines_are_written_at_shutdown(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(TestServer(create_app(["empiriolabs"], seed=1, access_log=True)))
    await client.start_server()
    with caplog.at_level(logging.INFO, logger="gatewright.mock"):
        await client.get("/v1/models", headers=AUTH)
        assert not [r for r in caplog.records if r.name == "gatewright.mock"]  # still batched
        await client.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "gatewright.mock"]
    assert len(lines) == 1 and lines[0].startswith("GET /v1/models 200 ")


async def test_log_lines_cannot_be_forged_through_the_path(
    aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=True))
    with caplog.at_level(logging.INFO, logger="gatewright.mock"):
        await client.get("/v1/models/a%0D%0AInjected-Header:%20yes%00", headers=AUTH)
        await asyncio.sleep(FLUSH_SECONDS * 3)  # lines go out in batches
    lines = [r.getMessage() for r in caplog.records if r.name == "gatewright.mock"]
    assert len(lines) == 1 and "\n" not in lines[0] and "\r" not in lines[0] and "\x00" not in lines[0]
    assert "a\\r\\nInjected-Header: yes\\x00" in lines[0]


async def test_a_newline_alone_in_the_path_cannot_forge_a_log_line(
    aiohttp_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=True))
    with caplog.at_level(logging.INFO, logger="gatewright.mock"):
        await client.get("/v1/models", headers=AUTH)
        await client.get("/v1/models/x%0AGET%20/forged/admin%20200%200.1ms", headers=AUTH)
        await asyncio.sleep(FLUSH_SECONDS * 3)  # both lines in one batch
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "gatewright.mock")
    assert "\nGET /forged/admin" not in text and len(text.splitlines()) == 2
    assert "x\\nGET /forged/admin" in text
