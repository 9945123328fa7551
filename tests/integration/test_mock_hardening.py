"""Hostile input over real sockets: deep JSON, mis-encoded bodies, redirecting callbacks, empty 404s,
unknown ids, slow clients and clients that hang up. None of it may end in a 500 or a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gatewright.mock import create_app
from gatewright.mock.json_depth import MAX_JSON_DEPTH
from gatewright.mock.operations import MockApi, compile_api
from gatewright.mock.tasks import CallbackDispatcher, ManualClock, TaskEngine
from gatewright.spec import load_spec
from gatewright.spec.tasks import TaskSpec
from gatewright.testing import running_mock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]
AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}


def _api(name: str) -> MockApi:
    return compile_api(load_spec(name), name, "", seed=1)


def _assert_envelope(api: MockApi, method: str, path: str, status: int, body: Any) -> None:
    """``body`` is the error the operation documents for ``status`` (or the API's usual envelope)."""
    op = next(o for o in api.operations.values() if (o.operation.method, o.operation.path) == (method, path))
    pointer = api.errors.schema_for(op.responses, status)
    assert pointer is not None, (path, status)
    assert api.schemas.is_valid(pointer, body, formats=True), api.schemas.errors(pointer, body)


# --- deeply nested JSON ---------------------------------------------------------------------------

CHAT = "/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"  # voxvey's chat takes a provider-prefixed model only; empiriolabs' any


def _chat_with(content: str) -> bytes:
    return ('{"model": "' + MODEL + '", "messages": [{"role": "user", "content": ' + content + "}]}").encode()


DEEP_BODIES = {
    "array x10000": b"[" * 10_000,
    "closed array x10000": b"[" * 10_000 + b"]" * 10_000,
    "object x10000": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "in messages, array x10000": _chat_with("[" * 10_000 + "]" * 10_000),
    "in messages, object x10000": _chat_with('{"a":' * 10_000 + "1" + "}" * 10_000),
    "in messages, array x300": _chat_with("[" * 300 + "]" * 300),  # parses, but too deep to check
    "in messages, one level too deep": _chat_with("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("api_name", ["voxvey", "empiriolabs"])
@pytest.mark.parametrize("body", list(DEEP_BODIES.values()), ids=list(DEEP_BODIES))
async def test_deeply_nested_json_is_the_validation_status_in_the_envelope(
    aiohttp_client: MakeClient, api_name: str, body: bytes
) -> None:
    client = await aiohttp_client(create_app([api_name], seed=1, access_log=False))
    malformed = await client.post(
        CHAT, data=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
    )
    response = await client.post(CHAT, data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status == malformed.status, await response.text()  # like any other validation error
    assert response.status in (400, 422)
    answer = await response.json()
    assert "nested" in json.dumps(answer)
    _assert_envelope(_api(api_name), "POST", CHAT, response.status, answer)


@pytest.mark.asyncio
async def test_nesting_up_to_the_limit_is_still_accepted(aiohttp_client: MakeClient) -> None:
    client = await aiohttp_client(create_app(["voxvey"], seed=1, access_log=False))
    depth = MAX_JSON_DEPTH - 3  # the body, messages and the message already take three levels
    body = _chat_with("[" * depth + "]" * depth)
    response = await client.post(CHAT, data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert "nested" not in await response.text()
    assert response.status < 500


@pytest.mark.asyncio
@pytest.mark.parametrize("typed", [False, True], ids=["text field", "application/json part"])
async def test_deeply_nested_json_in_a_form_field_is_a_4xx(aiohttp_client: MakeClient, typed: bool) -> None:
    client = await aiohttp_client(create_app(["voxvey"], seed=1, access_log=False))
    form = aiohttp.FormData()
    form.add_field("model", "m")
    form.add_field("prompt", "a cat")
    deep = "[" * 10_000 + "]" * 10_000  # ``content`` is an array: its text is read as JSON
    form.add_field("content", deep, content_type="application/json" if typed else "text/plain")
    response = await client.post("/v1/videos", data=form, headers=AUTH)
    assert 400 <= response.status < 500, await response.text()
    assert "error" in json.dumps(await response.json())


@pytest.mark.asyncio
async def test_the_journal_redacts_credentials_at_any_depth_a_body_may_have(
    aiohttp_client: MakeClient,
) -> None:
    client = await aiohttp_client(create_app(["voxvey"], seed=1, access_log=False))
    parameters: dict[str, Any] = {"api_key": "sk-deep-secret"}
    for _ in range(MAX_JSON_DEPTH - 10):
        parameters = {"properties": parameters}
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}],
    }
    assert (await client.post(CHAT, json=body, headers=AUTH)).status == 200
    journal = await (await client.get("/__gatewright/requests")).text()
    assert '"createChatCompletion"' in journal
    assert "sk-deep-secret" not in journal


# --- bodies that are not what their Content-Encoding says ------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_is_not_its_content_encoding_is_400_in_the_envelope(
    aiohttp_client: MakeClient, encoding: str
) -> None:
    client = await aiohttp_client(create_app(["voxvey"], seed=1, access_log=False))
    response = await client.post(
        CHAT,
        data=json.dumps({"model": MODEL, "messages": []}).encode(),
        headers={**AUTH, "Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert response.status == 400, await response.text()
    answer = await response.json()
    assert encoding in answer["error"]["message"]
    _assert_envelope(_api("voxvey"), "POST", CHAT, 400, answer)


# --- callbacks never follow redirects ---------------------------------------------------------------

JOB = TaskSpec.from_extension(
    {
        "poll": "getJob",
        "id": "$response.body#/id",
        "status": "/status",
        "states": {"running": ["processing"], "succeeded": ["completed"], "failed": ["failed"]},
    }
)


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_callback_answered_with_a_redirect_is_not_followed(aiohttp_server: Any, status: int) -> None:
    elsewhere: list[bytes] = []

    async def second(request: web.Request) -> web.Response:
        elsewhere.append(await request.read())
        return web.Response(status=204)

    target_app = web.Application()
    target_app.router.add_route("*", "/stolen", second)
    target = await aiohttp_server(target_app, host="127.0.0.1", port=0)

    async def redirect(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=status, headers={"Location": str(target.make_url("/stolen"))})

    receiver_app = web.Application()
    receiver_app.router.add_post("/hook", redirect)
    receiver = await aiohttp_server(receiver_app, host="127.0.0.1", port=0)
    assert receiver.port != target.port

    clock = ManualClock()
    engine = TaskEngine(clock=clock, seed=1)
    task = engine.create("x", "createJob", JOB, callback_url=str(receiver.make_url("/hook")))
    clock.advance(5)
    dispatcher = CallbackDispatcher(lambda t: {"id": t.id, "status": t.status})
    deliveries = await dispatcher.deliver_pending(engine)
    assert [(d.task_id, d.status, d.ok) for d in deliveries] == [(task.id, status, False)]
    await asyncio.sleep(0.1)
    assert elsewhere == []


# --- a 404 the source documented without a body is in the API's envelope ------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/gpu/instances/nonexistent", {}),  # a task poll: 404 documented without a body
        ("/v1/hosted-agents/instances/nonexistent", {}),
        ("/v1/images/templates/nonexistent", {}),  # an unknown id in a fixture collection
        ("/v1/images/templates/nonexistent", {"Prefer": "code=404"}),
    ],
)
async def test_a_404_the_source_left_without_a_body_answers_the_error_envelope(
    aiohttp_client: MakeClient, path: str, headers: dict[str, str]
) -> None:
    """normalize gives such a response the operation's error schema (``error_bodies``): an SDK shows
    the message, where an empty 404 was a bare status."""
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    response = await client.get(path, headers={**AUTH, **headers})
    assert response.status == 404
    assert response.headers["Content-Type"].startswith("application/json")
    body = await response.json()
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.mark.asyncio
async def test_a_lone_surrogate_in_a_json_body_is_refused_in_the_envelope(aiohttp_client: MakeClient) -> None:
    """JSON may spell ``\\ud800``; the schema validator cannot take it as text: it was a 500."""
    client = await aiohttp_client(create_app(["ipop", "imarouter"], seed=1, access_log=False))
    for path, body in (
        ("/ipop/v1/responses", b'{"model": "ipop/coder-balanced", "input": "hi", "service_tier": "\\ud800"}'),
        ("/imarouter/v1/responses", b'{"model": "\\ud800", "input": "hi"}'),
    ):
        response = await client.post(path, data=body, headers={**AUTH, "Content-Type": "application/json"})
        assert response.status == 400, await response.text()
        assert "surrogate" in await response.text()


@pytest.mark.asyncio
async def test_errors_about_different_things_carry_different_request_ids(aiohttp_client: MakeClient) -> None:
    """ipop's envelope has a ``request_id``: every 404 of an operation carried the same one."""
    client = await aiohttp_client(create_app(["ipop"], seed=1, access_log=False))
    ids = set()
    for missing in ("a", "b", "c"):
        response = await client.get(f"/v1/files/missing_{missing}", headers=AUTH)
        assert response.status == 404
        ids.add((await response.json())["request_id"])
    assert len(ids) == 3


@pytest.mark.asyncio
async def test_an_answer_documented_without_a_body_is_not_labelled_json(
    aiohttp_client: MakeClient, tmp_path: Path
) -> None:
    """A spec of one's own may still document a bodiless 404: it is sent empty, with no content type."""
    thing = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "things", "version": "1"},
        "paths": {
            "/things/{thing_id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [
                        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "the thing",
                            "content": {"application/json": {"schema": thing}},
                        },
                        "404": {"description": "no such thing"},
                    },
                }
            }
        },
    }
    path = tmp_path / "things.openapi.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    client = await aiohttp_client(create_app(spec_path=path, seed=1, access_log=False))
    response = await client.get("/things/unknown", headers={"Prefer": "code=404"})
    assert response.status == 404
    assert await response.read() == b""
    assert "Content-Type" not in response.headers, dict(response.headers)


# --- unknown ids in collections whose items are known ------------------------------------------------


@pytest.mark.asyncio
async def test_unknown_ids_in_known_collections_are_404_and_known_ones_200(
    aiohttp_client: MakeClient,
) -> None:
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    api = _api("empiriolabs")
    for collection, item in [("/v1/models", "/v1/models/{model_id}"), ("/v1/images/templates", None)]:
        listed = await (await client.get(collection, headers=AUTH)).json()
        items = (
            listed.get("data")
            or listed.get("templates")
            or next(v for v in listed.values() if isinstance(v, list))
        )
        known = items[0].get("id") or items[0].get("slug")
        response = await client.get(f"{collection}/{known}", headers=AUTH)
        assert response.status == 200, (collection, known)
        missing = await client.get(f"{collection}/nonexistent", headers=AUTH)
        assert missing.status == 404, (collection, await missing.text())
        if item is not None:
            _assert_envelope(api, "GET", item, 404, await missing.json())
    forced = await client.get("/v1/models/nonexistent", headers={**AUTH, "Prefer": "code=200"})
    assert forced.status == 200  # a Prefer the mock applies still answers with a generated item


@pytest.mark.asyncio
async def test_a_collection_written_in_ways_the_mock_does_not_store_keeps_answering(
    aiohttp_client: MakeClient, tmp_path: Path
) -> None:
    """An id the mock has not seen may exist where a write it does not store (a PUT on an item of a
    collection nothing creates) could have made it: not a 404. A collection without such a write is."""
    thing = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    error = {"type": "object", "properties": {"message": {"type": "string"}}}
    param = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}

    def item(name: str, *, writable: bool) -> dict[str, Any]:
        read = {
            "operationId": f"get{name}",
            "parameters": [param],
            "responses": {
                "200": {"description": "it", "content": {"application/json": {"schema": thing}}},
                "404": {"description": "none", "content": {"application/json": {"schema": error}}},
            },
        }
        put = {
            "operationId": f"put{name}",
            "parameters": [param],
            "requestBody": {"content": {"application/json": {"schema": thing}}},
            "responses": {"200": {"description": "it", "content": {"application/json": {"schema": thing}}}},
        }
        return {"get": read, **({"put": put} if writable else {})}

    def listing(name: str, first: str) -> dict[str, Any]:
        page = {"type": "object", "properties": {"data": {"type": "array", "items": thing}}}
        example = {"data": [{"id": first}]}
        content = {"application/json": {"schema": page, "example": example}}
        return {
            "get": {
                "operationId": f"list{name}",
                "responses": {"200": {"description": "all", "content": content}},
            }
        }

    spec = {
        "openapi": "3.1.0",
        "info": {"title": "things", "version": "1"},
        "paths": {
            "/things": listing("Things", "t1"),
            "/things/{item_id}": item("Thing", writable=True),
            "/gadgets": listing("Gadgets", "g1"),
            "/gadgets/{item_id}": item("Gadget", writable=False),
        },
    }
    path = tmp_path / "things.openapi.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    client = await aiohttp_client(create_app(spec_path=path, seed=1, access_log=False))
    assert (await client.get("/things/t1")).status == 200
    assert (await client.get("/things/written-by-a-put")).status == 200
    assert (await client.get("/gadgets/g1")).status == 200
    assert (await client.get("/gadgets/never-made")).status == 404


# --- task lists: the documented default page size ------------------------------------------------------


@pytest.mark.asyncio
async def test_a_task_list_without_limit_is_the_documented_default_page() -> None:
    from gatewright.mock.keys import EXTENSIONS
    from gatewright.mock.tasks.extension import TaskExtension

    app = create_app(["empiriolabs"], seed=1, access_log=False)
    tasks = next(e for e in app[EXTENSIONS] if isinstance(e, TaskExtension))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        created = await client.post(
            "/v1/videos/generations", json={"model": "m", "prompt": "x"}, headers=AUTH
        )
        assert created.status < 300, await created.text()
        first = tasks.engine.list_tasks("empiriolabs")[0]
        for _ in range(40):
            tasks.engine.create("empiriolabs", first.operation_id, first.states, context=first.context)
        page = await (await client.get("/v1/jobs", headers=AUTH)).json()
        assert len(page["data"]) == 25  # listJobs: limit defaults to 25
        small = await (await client.get("/v1/jobs", params={"limit": "3"}, headers=AUTH)).json()
        assert [job["job_id"] for job in small["data"]] == [job["job_id"] for job in page["data"][:3]]


# --- slow clients and clients that hang up (the CLI, as users run it) --------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the mock did not start")


def _mock_process(port: int, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "gatewright", "mock", "--api", "voxvey", "--port", str(port), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _, err = process.communicate(timeout=30)
    return err


@pytest.fixture(scope="module")
def slow_mock() -> Iterator[int]:
    """A mock that gives clients one second to send a request."""
    port = _free_port()
    process = _mock_process(port, "--read-timeout", "1", "--quiet")
    try:
        _wait_listening(port, process)
        yield port
    finally:
        err = _stop(process)
        assert "Traceback" not in err, err


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds``, and what it sent before."""
    sock.settimeout(0.2)
    received = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


@pytest.mark.slow  # waits out the mock process's read timeout
def test_a_client_sending_its_headers_byte_by_byte_is_disconnected(slow_mock: int) -> None:
    request = b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-test\r\n\r\n"
    with socket.create_connection(("127.0.0.1", slow_mock)) as sock:
        started = time.monotonic()
        closed = False
        for byte in request[:-4]:  # never finishes its headers
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.25)
            if time.monotonic() - started > 4:
                break
        if not closed:
            closed, _ = _closed_within(sock, 1)
        assert closed, "a slow client held the connection past the read timeout"
        assert time.monotonic() - started < 4.5


@pytest.mark.slow  # waits out the mock process's read timeout
def test_a_client_sending_its_body_slowly_gets_408_and_is_disconnected(slow_mock: int) -> None:
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}).encode()
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-test\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with socket.create_connection(("127.0.0.1", slow_mock)) as sock:
        sock.sendall(head + body[:5])
        started = time.monotonic()
        sent = 5
        received = b""
        closed = False
        while sent < len(body) - 1 and time.monotonic() - started < 4:
            time.sleep(0.3)
            try:
                sock.sendall(body[sent : sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sent += 1
            sock.settimeout(0.01)
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                received += sock.recv(65536)
        if not closed:
            closed, rest = _closed_within(sock, 1)
            received += rest
        assert closed, "a slow body held the connection past the read timeout"
        assert time.monotonic() - started < 3.5
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert b'"error"' in received


@pytest.mark.slow  # starts the slow_mock process
def test_a_normal_request_on_the_slow_mock_still_answers(slow_mock: int) -> None:
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}).encode()
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-test\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with socket.create_connection(("127.0.0.1", slow_mock)) as sock:
        sock.sendall(head)
        time.sleep(0.3)  # a body in a second packet, well within the limit
        sock.sendall(body)
        closed, received = _closed_within(sock, 5)
    assert closed and received.startswith(b"HTTP/1.1 200"), received[:200]


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
    sock.close()


@pytest.mark.slow  # a mock process, its answers delayed
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_answer_in_flight_when_the_mock_is_stopped_still_arrives(signum: signal.Signals) -> None:
    """``docker stop`` (SIGTERM) or Ctrl-C while an answer is on its way: the mock stops listening, the
    answer still goes out, its log line is written, and the mock exits 0 (nothing is cut off)."""
    port = _free_port()
    process = _mock_process(port, "--latency", "1500")
    answers: list[int] = []
    try:
        _wait_listening(port, process)
        asking = threading.Thread(
            target=lambda: answers.append(
                requests.get(f"http://127.0.0.1:{port}/v1/models", headers=AUTH, timeout=30).status_code
            )
        )
        asking.start()
        time.sleep(0.5)
        process.send_signal(signum)
        asking.join(30)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert answers == [200]
    assert process.returncode == 0, err
    assert "GET /v1/models 200" in err and "Traceback" not in err, err


@pytest.mark.slow  # a mock process, many clients hanging up
def test_clients_that_hang_up_leave_no_traceback_in_the_log(tmp_path: Path) -> None:
    rules = tmp_path / "slow-stream.yaml"
    rules.write_text(
        "rules:\n  - name: slow\n    when: {operation: createChatCompletion, body: {/stream: true}}\n"
        "    then: {text: 'one two three four five six seven eight nine ten', tokens_per_second: 4}\n",
        encoding="utf-8",
    )
    port = _free_port()
    process = _mock_process(port, "--rules", str(rules))
    try:
        _wait_listening(port, process)
        stream = json.dumps({"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "hi"}]})
        head = (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-test\r\n"
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n"
        )
        for _ in range(3):  # mid-stream: the first events arrived, the rest never will
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall((head.format(len(stream)) + stream).encode())
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            time.sleep(0.3)
            _reset(sock)
        with socket.create_connection(("127.0.0.1", port)) as sock:  # refused by aiohttp's parser
            sock.sendall(
                b"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-SECRET-1\x01\r\n\r\n"
            )
            assert sock.recv(4096).startswith(b"HTTP/1.0 400")
        for _ in range(3):  # mid-request: the body never completes
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall((head.format(1000) + '{"model": "' + MODEL + '"').encode())
            time.sleep(0.3)
            _reset(sock)
        time.sleep(3)  # the slow streams notice the resets
    finally:
        err = _stop(process)
    assert "Traceback" not in err, err
    assert "ConnectionResetError" not in err, err
    assert "499" in err  # the request log still says what happened
    assert "refused a malformed request (400): Invalid header value char" in err
    assert "sk-SECRET" not in err  # aiohttp's excerpt of the raw request is not logged


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", '{"model":"m","messages":[{"role":"user","content":"hi \\ud800 there"}]}'),
        (
            "/v1/chat/completions",
            '{"model":"m","stream":true,"messages":[{"role":"user","content":"\\udfff"}]}',
        ),
        (
            "/v1/chat/completions",
            '{"model":"\\ud800","messages":[{"role":"user","content":"echo my model"}]}',
        ),
        ("/v1/embeddings", '{"model":"text-embedding-3-small","input":"x\\ud800"}'),
        ("/v1/responses", '{"model":"m","input":"\\ud800"}'),
        ("/v1/completions", '{"model":"m","prompt":"\\ud800","logprobs":2}'),
    ],
)
@pytest.mark.asyncio
async def test_a_lone_surrogate_in_a_request_is_answered_not_a_500(
    aiohttp_client: MakeClient, path: str, body: str
) -> None:
    """JSON may escape half a surrogate pair (``json.loads`` accepts it); the answer seeds its text
    with the prompt and may echo the model: it is answered, the echo escaped as the request had it."""
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await client.post(path, data=body.encode(), headers=headers)
    assert response.status == 200, await response.text()
    text = (await response.read()).decode()  # valid UTF-8 throughout
    if '"model":"\\ud800"' in body:
        assert json.loads(text)["model"] == "\ud800"


@pytest.mark.asyncio
async def test_a_journaled_lone_surrogate_leaves_the_journal_readable(aiohttp_client: MakeClient) -> None:
    """A request answered with half a surrogate pair in its body is journaled; reading the journal wrote
    the body out as UTF-8, which has no form for it, and failed for every request in the journal."""
    client = await aiohttp_client(create_app(["empiriolabs"], seed=1, access_log=False))
    headers = {**AUTH, "Content-Type": "application/json"}
    body = b'{"model":"m","messages":[{"role":"user","content":"half \\ud800 a pair"}]}'
    assert (await client.post("/v1/chat/completions", data=body, headers=headers)).status == 200
    assert (await client.get("/v1/models", headers=AUTH)).status == 200
    journal = await client.get("/__gatewright/requests")
    assert journal.status == 200, await journal.text()
    entries = json.loads(await journal.read())["requests"]
    assert [entry["path"] for entry in entries] == ["/v1/chat/completions", "/v1/models"]
    assert entries[0]["body"]["messages"][0]["content"] == "half \ud800 a pair"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": 100_000_000, "items": {"type": "string"}},
        {"type": "string", "minLength": 100_000_000},
        {"type": "object", "minProperties": 100_000_000, "additionalProperties": {"type": "integer"}},
        {  # 1,000 x 1,000 x 1,000 if each level were filled
            "type": "array",
            "minItems": 1000,
            "items": {"type": "array", "minItems": 1000, "items": {"type": "array", "minItems": 1000}},
        },
    ],
    ids=["min-items", "min-length", "min-properties", "nested"],
)
def test_a_tool_schema_asking_for_a_huge_value_gets_a_bounded_answer_at_once(schema: dict[str, Any]) -> None:
    """A request's schema is anyone's: a 300-byte tool whose parameter asked for 100,000,000 items
    once held the mock (every client) while it filled gigabytes."""
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "f",
                    "parameters": {"type": "object", "properties": {"x": schema}, "required": ["x"]},
                },
            }
        ],
        "tool_choice": "required",
    }
    with running_mock(["voxvey"], seed=1) as url:
        started = time.monotonic()
        answer = requests.post(
            f"{url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-test"}, timeout=30
        )
        assert time.monotonic() - started < 10
    assert answer.status_code == 200, answer.text[:300]
    assert len(answer.content) < 2_000_000
    call = answer.json()["choices"][0]["message"]["tool_calls"][0]
    assert "x" in json.loads(call["function"]["arguments"])
