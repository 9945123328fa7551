"""Every declared task lifecycle of the five APIs, driven over a real socket.

Tasks finish at their second poll (``task_polls=2`` with a long duration), or when a
``ManualClock`` is moved on, so no test waits for a task to finish.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gatewright.mock import create_app
from gatewright.mock.defaults import DEFAULT_TASK_DURATION, default_extensions
from gatewright.mock.operations import MockApi, MockOperation, compile_api
from gatewright.mock.tasks.clock import ManualClock
from gatewright.mock.tasks.links import LinkPlan, plan_links
from gatewright.mock.tasks.listing import list_operations
from gatewright.mock.uploaded_files import takes_file, upload_operation
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.expressions import RuntimeExpression
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import lookup, split
from gatewright.spec.tasks import TaskSpec

pytestmark = pytest.mark.asyncio(loop_scope="module")

Client = TestClient[web.Request, web.Application]
AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}
ORDER = ("initial", "running", "succeeded", "failed", "cancelled")
MAGIC: dict[str, Callable[[bytes], bool]] = {
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "video/mp4": lambda b: b[4:8] == b"ftyp",
    "audio/wav": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WAVE",
    "audio/mpeg": lambda b: b[:3] == b"ID3" or b[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "model/gltf-binary": lambda b: b[:4] == b"glTF",
}


@cache
def _api(name: str) -> MockApi:
    return compile_api(load_spec(name), name, "", seed=3)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    api: str
    create: str
    spec: TaskSpec

    def __str__(self) -> str:
        return f"{self.api}:{self.create}"


def _lifecycles() -> list[Lifecycle]:
    found = []
    for name in API_IDS:
        for op in _api(name).operations.values():
            if op.task is not None:
                found.append(Lifecycle(name, op.operation_id, op.task))
    return found


LIFECYCLES = _lifecycles()


def _path(op: MockOperation, params: dict[str, str]) -> str:
    return op.operation.template.expand(params, default="p1")


def _body(api: MockApi, op: MockOperation) -> Any:
    """The documented JSON example of the request, else one generated from its schema."""
    request_body = op.operation.definition.get("requestBody")
    if request_body is None:
        return None
    resolved, pointer = api.schemas.deref(request_body, f"{op.operation.pointer}/requestBody")
    entry = (resolved.get("content") or {}).get("application/json")
    if entry is None:
        return None
    if "example" in entry:
        return entry["example"]
    for example in (entry.get("examples") or {}).values():
        value, _ = api.schemas.deref(example, None)
        if isinstance(value, dict) and "value" in value:
            return value["value"]
    assert pointer is not None
    return api.generator.generate(f"{pointer}/content/application~1json/schema")


def _headers(op: MockOperation) -> dict[str, str]:
    """Credentials plus the operation's required header parameters (e.g. ipop's ``x-project-id``)."""
    required = {
        str(p["name"]): "proj_1"
        for p in op.operation.parameters
        if p.get("in") == "header" and p.get("required")
    }
    return {**AUTH, **required}


def _prefer(spec: TaskSpec, extra: str | None = None) -> dict[str, str]:
    values = [v for v in (spec.prefer, extra) if v]
    return {"Prefer": ", ".join(values)} if values else {}


def _assert_valid(api: MockApi, op: MockOperation, status: int, body: Any) -> None:
    for response in op.responses:
        if response.key == str(status):
            for media in response.media:
                if media.media_type == "application/json" and media.schema_pointer:
                    errors = api.schemas.errors(media.schema_pointer, body, formats=True)
                    assert not errors, (op.operation_id, status, errors, body)


PARAMS = {"project_id": "proj_1", "vector_store_id": "vs_1", "job_id": "job_1"}


@dataclass(slots=True)
class Setup:
    """What drivers of one test made before their creates: the path values (``PARAMS``, a parent's
    made id in place of its default), the parents made, the files uploaded."""

    params: dict[str, str] = field(default_factory=lambda: dict(PARAMS))
    made: set[str] = field(default_factory=set)
    files: int = 0


def _parent_create(api: MockApi, op: MockOperation, name: str) -> MockOperation | None:
    """The JSON create of the collection whose item ``op``'s path parameter ``name`` names, if any."""
    path = op.operation.path
    collection = path.split(f"/{{{name}}}", 1)[0]
    for candidate in api.operations.values():
        role = candidate.resource
        if (
            role is not None
            and role.role == "create"
            and role.collection == collection
            and not takes_file(api, candidate)
        ):
            return candidate
    return None


def _upload_op(api: MockApi) -> MockOperation | None:
    return next(
        (
            op
            for op in api.operations.values()
            if op.resource is not None and upload_operation(api, op.resource.collection) is op
        ),
        None,
    )


def _names_a_file(field_name: str) -> bool:
    return field_name == "file_id" or field_name.endswith("_file_id")


class Driver:
    """Creates, polls and cancels one lifecycle's tasks through the mock."""

    def __init__(self, client: Client, lifecycle: Lifecycle, setup: Setup | None = None) -> None:
        self.client = client
        self.lifecycle = lifecycle
        self.api = _api(lifecycle.api)
        self.create_op = self.api.operations[lifecycle.create]
        self.poll_op = self.api.operations[lifecycle.spec.poll]
        self.setup = setup if setup is not None else Setup()
        self.params = self.setup.params
        self.created: Any = None  # the last create answer

    def url(self, path: str) -> str:
        return f"/{self.lifecycle.api}{path}"

    async def make_parents(self) -> None:
        """Make each resource the create's path names where the API creates it (a vector store for
        an attach): a gateway answers its 404 under one nobody made."""
        for name in self.create_op.operation.template.names:
            parent = _parent_create(self.api, self.create_op, name)
            if parent is None or name in self.setup.made:
                continue
            response = await self.client.post(
                self.url(_path(parent, self.params)), json=_body(self.api, parent), headers=_headers(parent)
            )
            text = await response.text()
            assert response.status < 300, (parent.operation_id, response.status, text)
            id_pointer = parent.resource.id_pointer if parent.resource is not None else None
            made = lookup(json.loads(text), id_pointer or "/id")
            assert isinstance(made, str) and made, text
            self.params[name] = made
            self.setup.made.add(name)

    async def upload(self, purpose: str | None = None) -> str:
        """A new file uploaded through the API's upload route (with ``purpose``, where the create states
        the one its files need: ``x-gatewright-file-purpose``): what a create that names a file
        (``file_id``, ``input_file_id``, ipop's ``training_file``) names; attaching one file again is the
        same row."""
        upload = _upload_op(self.api)
        assert upload is not None, self.lifecycle
        self.setup.files += 1
        response = await self.client.post(
            self.url(_path(upload, self.params)),
            params={"filename": f"notes-{self.setup.files}.txt", **({"purpose": purpose} if purpose else {})},
            data=_BATCH_INPUT if purpose == "batch" else b"a line of notes\n",
            headers={**_headers(upload), "Content-Type": "application/octet-stream"},
        )
        text = await response.text()
        assert response.status < 300, (upload.operation_id, response.status, text)
        file_id = json.loads(text)["id"]
        assert isinstance(file_id, str)
        return file_id

    async def create(self, prefer: str | None = None) -> str:
        spec = self.lifecycle.spec
        body = _body(self.api, self.create_op)
        if self.create_op.operation.compatible_wire == "openai-responses" and isinstance(body, dict):
            # A Responses create means what it says: a generated one names a previous response that
            # does not exist (400), asks not to be stored and cuts its answer short.
            body = {"model": body["model"], "input": "Hello"}
        if spec.async_when is not None and isinstance(body, dict):
            body = {**body, split(RuntimeExpression.parse(spec.async_when).pointer)[0]: True}
        if isinstance(body, dict):  # each file the create names is one uploaded for it, for its purpose
            purposes = dict(self.create_op.file_purposes)
            named = [name for name in body if _names_a_file(name) or name in purposes]
            body = {**body, **{name: await self.upload(purposes.get(name)) for name in named}}
        await self.make_parents()
        response = await self.client.post(
            self.url(_path(self.create_op, self.params)),
            json=body,
            headers={**_headers(self.create_op), **_prefer(spec, prefer)},
        )
        text = await response.text()
        assert response.status < 300, (str(self.lifecycle), response.status, text)
        created = json.loads(text)
        _assert_valid(self.api, self.create_op, response.status, created)
        self.created = created
        task_id = lookup(created, spec.id_pointer)
        assert isinstance(task_id, str) and task_id, (str(self.lifecycle), created)
        return task_id

    async def poll(self, task_id: str) -> tuple[int, Any]:
        expression = RuntimeExpression.parse(self.lifecycle.spec.poll_id or "$request.path.")
        op = self.poll_op
        if expression.is_("request", "body"):
            name = split(expression.pointer)[0]
            response = await self.client.request(
                op.operation.method,
                self.url(_path(op, self.params)),
                json={name: task_id},
                headers=_headers(op),
            )
        else:
            name = expression.name
            path = _path(op, {**self.params, name: task_id})
            response = await self.client.request(op.operation.method, self.url(path), headers=_headers(op))
        text = await response.text()
        body = json.loads(text) if text else None
        if response.status < 300:
            _assert_valid(self.api, op, response.status, body)
        return response.status, body

    async def cancel(self, task_id: str) -> tuple[int, Any]:
        assert self.lifecycle.spec.cancel is not None
        op = self.api.operations[self.lifecycle.spec.cancel]
        name = op.operation.template.names[-1]
        path = _path(op, {**self.params, name: task_id})
        response = await self.client.request(op.operation.method, self.url(path), headers=_headers(op))
        text = await response.text()
        return response.status, json.loads(text) if text.strip().startswith(("{", "[")) else text

    async def run_to_end(self, task_id: str, *, limit: int = 6) -> list[str]:
        statuses = []
        for _ in range(limit):
            status, body = await self.poll(task_id)
            assert status == 200, (str(self.lifecycle), status, body)
            word = lookup(body, self.lifecycle.spec.status)
            statuses.append(word)
            if word in self.lifecycle.spec.terminal:
                return statuses
        raise AssertionError(f"{self.lifecycle}: never finished: {statuses}")


def _kinds(spec: TaskSpec, statuses: list[str]) -> list[str]:
    kinds = [spec.kind_of(s) for s in statuses]
    assert None not in kinds, (statuses, spec.states)
    return [k for k in kinds if k is not None]


def _assert_forward(spec: TaskSpec, statuses: list[str]) -> None:
    ranks = [min(ORDER.index(k), 2) for k in _kinds(spec, statuses)]
    assert ranks == sorted(ranks), statuses


# A batch's input (ipop's ``purpose=batch``): one request line that completes, so the batch names an output
# file (a batch none of whose lines completed has none, as OpenAI's).
_BATCH_INPUT = (
    b'{"custom_id": "line-1", "method": "POST", "url": "/v1/chat/completions", "body": '
    b'{"model": "claude-sonnet-4.6", "messages": [{"role": "user", "content": "Hi"}]}}\n'
)


def _urls(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.startswith("http") else []
    if isinstance(value, dict):
        return [u for v in value.values() for u in _urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in _urls(v)]
    return []


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served() -> AsyncIterator[Client]:
    """One mock for the module (building all five APIs is the slow part); each test starts from a reset."""
    app = create_app(seed=5, access_log=False, task_duration=3600.0, task_polls=2)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module")
async def client(served: Client) -> Client:
    response = await served.post("/__gatewright/reset")
    assert response.status == 200
    return served


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=str)
async def test_lifecycle_runs_to_success_with_downloadable_result(
    client: Client, lifecycle: Lifecycle
) -> None:
    driver = Driver(client, lifecycle)
    task_id = await driver.create()
    statuses = await driver.run_to_end(task_id)
    _assert_forward(lifecycle.spec, statuses)
    assert statuses[-1] in lifecycle.spec.states["succeeded"], statuses
    _, body = await driver.poll(task_id)
    assert lookup(body, lifecycle.spec.status) == statuses[-1]  # finished stays finished
    if lifecycle.spec.result:
        result = lookup(body, lifecycle.spec.result)
        assert result not in (None, "", [], {}), (lifecycle.spec.result, body)
        for url in _urls(result):
            if "/__gatewright/files/" not in url:
                continue
            download = await client.get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
            data = await download.read()
            assert download.status == 200, url
            assert MAGIC[download.content_type](data), (download.content_type, data[:16])


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=str)
async def test_prefer_task_fail_ends_in_the_failure_state(client: Client, lifecycle: Lifecycle) -> None:
    driver = Driver(client, lifecycle)
    task_id = await driver.create("task=fail")
    statuses = await driver.run_to_end(task_id)
    _assert_forward(lifecycle.spec, statuses)
    assert statuses[-1] in lifecycle.spec.states["failed"], statuses


CANCELLABLE = [lc for lc in LIFECYCLES if lc.spec.cancel is not None]


@pytest.mark.parametrize("lifecycle", CANCELLABLE, ids=str)
async def test_cancel_moves_a_running_task_to_the_cancelled_state(
    client: Client, lifecycle: Lifecycle
) -> None:
    driver = Driver(client, lifecycle)
    task_id = await driver.create()
    status, body = await driver.cancel(task_id)
    assert 200 <= status < 300, (status, body)
    polled, after = await driver.poll(task_id)
    assert polled == 200, (polled, after)
    word = lookup(after, lifecycle.spec.status)
    expected = lifecycle.spec.states["cancelled"] or lifecycle.spec.states["failed"]
    assert word in expected, (word, lifecycle.spec.states)


@pytest.mark.parametrize("lifecycle", CANCELLABLE, ids=str)
async def test_cancel_after_finish_answers_as_documented(client: Client, lifecycle: Lifecycle) -> None:
    driver = Driver(client, lifecycle)
    task_id = await driver.create()
    await driver.run_to_end(task_id)
    status, body = await driver.cancel(task_id)
    cancel_op = driver.api.operations[lifecycle.spec.cancel or ""]
    assert status < 500 and cancel_op.documents(status), (status, body)
    if status < 300 and cancel_op.operation.method != "DELETE":
        _, after = await driver.poll(task_id)
        assert lookup(after, lifecycle.spec.status) in lifecycle.spec.states["succeeded"]


async def test_unknown_task_is_404_in_the_api_envelope(client: Client) -> None:
    response = await client.get("/voxvey/v1/videos/video_nope", headers=AUTH)
    assert response.status == 404
    body = await response.json()
    assert "error" in body


async def test_synchronous_answer_unless_prefer_asks_for_the_job(client: Client) -> None:
    lifecycle = next(lc for lc in LIFECYCLES if lc.spec.prefer == "code=202")
    driver = Driver(client, lifecycle)
    op = driver.create_op
    response = await client.post(driver.url(op.operation.path), json=_body(driver.api, op), headers=AUTH)
    assert response.status == 200
    assert await driver.create() and len(await _state(client)) == 1


async def _state(client: Client) -> list[dict[str, Any]]:
    state = await (await client.get("/__gatewright/state")).json()
    tasks: list[dict[str, Any]] = state["tasks"]["tasks"]
    return tasks


async def test_tasks_show_in_the_control_view_and_reset_clears_them(client: Client) -> None:
    driver = Driver(client, LIFECYCLES[0])
    task_id = await driver.create()
    assert [t["id"] for t in await _state(client)] == [task_id]
    assert (await client.post("/__gatewright/reset")).status == 200
    assert await _state(client) == []
    status, _ = await driver.poll(task_id)
    assert status == 404


def _callback_spec() -> dict[str, Any]:
    """A tiny spec of the DESIGN.md shape whose create body documents ``callback_url``.

    None of the five canonical specs documents a callback field on a create request
    (beatra only reports ``callback`` on the task), so delivery is proved on this one.
    """
    job = {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "url": {"type": ["string", "null"]},
        },
    }
    ok = {
        "description": "job",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "hooks", "version": "1"},
        "paths": {
            "/v1/jobs": {
                "post": {
                    "operationId": "createJob",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"callback_url": {"type": "string"}},
                                }
                            }
                        },
                    },
                    "responses": {"202": ok},
                    "x-gatewright-task": {
                        "poll": "getJob",
                        "id": "$response.body#/id",
                        "poll_id": "$request.path.job_id",
                        "status": "/status",
                        "result": "/url",
                        "states": {
                            "initial": ["queued"],
                            "running": ["running"],
                            "succeeded": ["done"],
                            "failed": ["failed"],
                            "cancelled": [],
                        },
                    },
                }
            },
            "/v1/jobs/{job_id}": {
                "get": {
                    "operationId": "getJob",
                    "security": [],
                    "parameters": [
                        {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": ok, "404": {"description": "missing"}},
                }
            },
        },
        "components": {"schemas": {"Job": job}},
    }


async def test_callback_is_delivered_to_loopback(tmp_path: Any) -> None:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put(await request.json())
        return web.Response(status=204)

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    spec_path = tmp_path / "hooks.openapi.json"
    spec_path.write_text(json.dumps(_callback_spec()))
    clock = ManualClock()
    app = create_app(spec_path=spec_path, access_log=False, extensions=default_extensions(task_clock=clock))
    async with TestServer(receiver) as server, TestClient(TestServer(app)) as client:
        body = {"callback_url": f"http://127.0.0.1:{server.port}/hook"}
        response = await client.post("/v1/jobs", json=body)
        assert response.status == 202, await response.text()
        task_id = (await response.json())["id"]
        assert received.empty()
        clock.advance(DEFAULT_TASK_DURATION)  # the engine's loop finishes the task and calls back
        payload = await asyncio.wait_for(received.get(), 5)
        assert payload["id"] == task_id and payload["status"] == "done"
        assert "/__gatewright/files/" in payload["url"]
        state = await (await client.get("/__gatewright/state")).json()
        assert state["tasks"]["callbacks"][0]["status"] == 204


@pytest.mark.slow  # a thousand tasks
async def test_a_thousand_concurrent_tasks_across_apis_all_finish() -> None:
    clock = ManualClock()
    app = create_app(seed=9, access_log=False, extensions=default_extensions(seed=9, task_clock=clock))
    async with TestClient(TestServer(app)) as client:
        await _thousand_tasks(client, clock)


async def _thousand_tasks(client: Client, clock: ManualClock) -> None:
    plain = [lc for lc in LIFECYCLES if lc.spec.prefer is None and lc.spec.async_when is None]
    drivers = [Driver(client, plain[i % len(plain)]) for i in range(1000)]
    ids = await asyncio.gather(*(d.create() for d in drivers))
    assert len(set(zip((d.lifecycle.api for d in drivers), ids, strict=True))) == 1000
    clock.advance(DEFAULT_TASK_DURATION)
    results = await asyncio.gather(*(d.poll(task_id) for d, task_id in zip(drivers, ids, strict=True)))
    for driver, task_id, (status, body) in zip(drivers, ids, results, strict=True):
        assert status == 200
        assert lookup(body, driver.lifecycle.spec.status) in driver.lifecycle.spec.states["succeeded"]
        id_seen = {body.get(k) for k in ("id", "task_id", "job_id", "request_id") if isinstance(body, dict)}
        named = lookup(body, driver.lifecycle.spec.id_pointer) == task_id  # e.g. a row polled by its file_id
        assert not id_seen - {None} or task_id in id_seen or named or driver.lifecycle.spec.id.endswith("/id")
    tasks = await _state(client)
    assert len(tasks) == 1000 and all(t["phase"] == "succeeded" for t in tasks)


def _list_cases() -> list[tuple[str, str, tuple[str, ...]]]:
    cases = []
    for name in API_IDS:
        api = _api(name)
        creates = [op.operation_id for op in api.operations.values() if op.task is not None]
        cases += [(name, list_id, shown) for list_id, shown in list_operations(api, creates).items()]
    return cases


@pytest.mark.parametrize(("api_name", "list_id", "creates"), _list_cases(), ids=lambda v: str(v)[:40])
async def test_list_operations_show_the_tasks_created(
    client: Client, api_name: str, list_id: str, creates: tuple[str, ...]
) -> None:
    by_create = {lc.create: lc for lc in LIFECYCLES if lc.api == api_name}
    setup = Setup()  # one set of parents for the creates and the list
    ids = [await Driver(client, by_create[create], setup).create() for create in creates]
    api = _api(api_name)
    op = api.operations[list_id]
    path = _path(op, setup.params)
    response = await client.get(f"/{api_name}{path}", headers=_headers(op))
    assert response.status == 200
    body = await response.json()
    _assert_valid(api, op, 200, body)
    listed = json.dumps(body)
    assert all(f'"{task_id}"' in listed for task_id in ids), (list_id, ids, body)


def _link_plans(lifecycle: Lifecycle) -> tuple[LinkPlan, ...]:
    api = _api(lifecycle.api)
    create = api.operations[lifecycle.create]
    spec = lifecycle.spec
    params = list(create.operation.template.names)
    return plan_links(api, spec, (lifecycle.create, spec.poll, spec.cancel or ""), params)


LINKED = [lc for lc in LIFECYCLES if _link_plans(lc)]


async def test_task_bodies_have_link_fields_to_fill() -> None:
    """The specs have self-references (empiriolabs ``poll_url``, ipop ``cancel_url``/``replay_url``, beatra
    ``links.self``, ...)."""
    names = {plan.tokens[-1] for lc in LINKED for plan in _link_plans(lc)}
    assert {
        "poll_url",
        "cancel_url",
        "detail_url",
        "replay_url",
        "polling_url",
        "self",
    } <= names  # beatra: links.self


@pytest.mark.parametrize("lifecycle", LINKED, ids=str)
async def test_task_self_references_name_the_task_and_its_real_routes(
    client: Client, lifecycle: Lifecycle
) -> None:
    driver = Driver(client, lifecycle)
    task_id = await driver.create()
    _, polled = await driver.poll(task_id)
    plans = _link_plans(lifecycle)
    written = 0
    for plan, body in ((p, b) for p in plans for b in (driver.created, polled)):
        value = lookup(body, "".join(f"/{t}" for t in plan.tokens))
        if value is None:
            continue
        written += 1
        assert isinstance(value, str) and task_id in value, (plan, value)
        path = value.split("://", 1)[1].split("/", 1)[1].join(["/", ""]) if "://" in value else value
        assert path.startswith(f"/{lifecycle.api}/"), (plan, value)
        assert PathTemplate.parse(plan.route).match(path.removeprefix(f"/{lifecycle.api}")), (
            plan.route,
            value,
        )
        if plan.route == driver.poll_op.operation.template.path and driver.poll_op.operation.method == "GET":
            followed = await client.get(path, headers=_headers(driver.poll_op))
            assert followed.status == 200, (value, await followed.text())
    assert written, (str(lifecycle), polled)
