"""The front door (``mock.front``): an API request goes straight to its API's pipeline, skipping
aiohttp's router (routing it twice cost a seventh of a ``GET /v1/models``), and every request is
answered as the router would have answered it. Raw sockets, so each target goes out as written."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.web_urldispatcher import UrlDispatcher

from gatewright.mock import create_app
from gatewright.mock.extensions import Extension, MockCall, OperationHook
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.testing import serve_app

AUTH = "Authorization: Bearer sk-test\n"
CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}).encode()


def _exchange(url: str, head: str, body: bytes = b"") -> tuple[list[int], bytes]:
    """Every status line the server sends for one request (a ``100 Continue`` first, if it sends one)
    and the final answer's body."""
    parts = urlsplit(url)
    port = parts.port
    head = head.replace("{port}", str(port))
    with socket.create_connection((parts.hostname, port), timeout=10) as sock:
        sock.sendall(f"{head}Host: 127.0.0.1:{port}\nConnection: close\n".replace("\n", "\r\n").encode())
        sock.sendall(b"\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    statuses = []
    while True:
        header_bytes, _, data = data.partition(b"\r\n\r\n")
        statuses.append(int(header_bytes.split(b" ", 2)[1]))
        if statuses[-1] != 100:
            return statuses, data


async def _through(request: web.Request, handler: Any) -> web.StreamResponse:
    return await handler(request)


@contextmanager
def _served(apis: list[str], *, router_only: bool) -> Iterator[str]:
    """The mock for ``apis``; ``router_only`` gives it a middleware, so every request takes aiohttp's
    router (the front door steps aside for an app with middlewares, as replicas' app has)."""
    app = create_app(apis, seed=1, access_log=False)
    if router_only:
        app.middlewares.append(web.middleware(_through))
    with serve_app(app) as url:
        yield url


def _comparable(statuses: list[int], body: bytes) -> tuple[list[int], Any]:
    """The answer without what differs between two servers (ids and times)."""
    try:
        value = json.loads(body)
    except ValueError:
        return statuses, body
    if isinstance(value, dict) and "choices" in value:
        return statuses, [choice["message"]["content"] for choice in value["choices"]]
    return statuses, value


def test_api_requests_skip_aiohttp_router_and_the_rest_take_it(monkeypatch: pytest.MonkeyPatch) -> None:
    resolved: list[str] = []
    original = UrlDispatcher.resolve

    async def resolve(self: UrlDispatcher, request: web.Request) -> Any:
        resolved.append(request.raw_path)
        return await original(self, request)

    monkeypatch.setattr(UrlDispatcher, "resolve", resolve)
    with _served(["empiriolabs", "ipop"], router_only=False) as url:
        assert _exchange(url, f"GET /empiriolabs/v1/models HTTP/1.1\n{AUTH}")[0] == [200]
        chat = f"POST /empiriolabs/v1/chat/completions HTTP/1.1\n{AUTH}Content-Type: application/json\n"
        assert _exchange(url, f"{chat}Content-Length: {len(CHAT)}\n", CHAT)[0] == [200]
        assert _exchange(url, "GET /__gatewright/health HTTP/1.1\n")[0] == [200]
        assert _exchange(url, "GET /elsewhere HTTP/1.1\n")[0] == [404]
    assert resolved == ["/__gatewright/health", "/elsewhere"]


MULTI = [
    f"GET /empiriolabs/v1/models HTTP/1.1\n{AUTH}",
    "GET /empiriolabs/v1/models HTTP/1.1\n",  # no key: 401 in the API's envelope
    f"PATCH /empiriolabs/v1/models HTTP/1.1\n{AUTH}",  # 405
    f"GET /empiriolabs/v1/nowhere HTTP/1.1\n{AUTH}",  # the API's 404
    f"GET /empiriolabs HTTP/1.1\n{AUTH}",  # the prefix alone is no API path
    f"GET /%65mpiriolabs/v1/models HTTP/1.1\n{AUTH}",  # the prefix percent-encoded
    f"GET http://127.0.0.1:{{port}}/empiriolabs/v1/models HTTP/1.1\n{AUTH}",  # absolute form
    "GET /__gatewright/health HTTP/1.1\n",
    "GET /__gatewright/nowhere HTTP/1.1\n",
    "GET /nowhere HTTP/1.1\n",
]
ROOT = [
    f"GET /v1/models HTTP/1.1\n{AUTH}",
    f"PATCH /v1/models HTTP/1.1\n{AUTH}",
    f"GET /v1/nowhere HTTP/1.1\n{AUTH}",
    "GET /__gatewright/health HTTP/1.1\n",
    f"GET /__gatewright/nowhere HTTP/1.1\n{AUTH}",  # under the control prefix: the router decides
    f"GET http://localhost:{{port}}/v1/models HTTP/1.1\n{AUTH}",
    "GET /%5F_gatewright/health HTTP/1.1\n",  # the router decodes first: the control API's
    "GET /__gatewright/%68ealth HTTP/1.1\n",
    f"GET /v1/%6Dodels HTTP/1.1\n{AUTH}",
]


@pytest.mark.parametrize(("apis", "heads"), [(["empiriolabs", "ipop"], MULTI), (["empiriolabs"], ROOT)])
def test_the_front_door_answers_every_target_as_the_router_does(apis: list[str], heads: list[str]) -> None:
    with _served(apis, router_only=False) as front, _served(apis, router_only=True) as router:
        for head in heads:
            assert _comparable(*_exchange(front, head)) == _comparable(*_exchange(router, head)), head


TAG = web.AppKey("front_door_test_tag", str)


class _ReadsTheApp(Extension):
    """An extension whose hook answers with what the request's app holds (``call.request.app``)."""

    name = "reads-the-app"

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None:
        if operation.operation_id != "listModels":
            return None

        async def answer(call: MockCall) -> web.StreamResponse:
            return web.json_response(
                {"tag": call.request.app[TAG], "tail": "tail" in call.request.match_info}
            )

        return answer


def test_an_extension_reads_the_requests_app_through_the_door_as_through_the_router() -> None:
    answers = []
    for router_only in (False, True):
        app = create_app(["empiriolabs"], seed=1, access_log=False, extensions=[_ReadsTheApp()])
        app[TAG] = "mine"
        if router_only:
            app.middlewares.append(web.middleware(_through))
        with serve_app(app) as url:
            statuses, body = _exchange(url, f"GET /v1/models HTTP/1.1\n{AUTH}")
        answers.append((statuses, json.loads(body)))
    assert answers[0] == ([200], {"tag": "mine", "tail": False})  # the door's match info holds no tail
    assert answers[1] == ([200], {"tag": "mine", "tail": True})


def test_a_request_that_expects_100_continue_gets_it_then_its_answer() -> None:
    """curl sends ``Expect: 100-continue`` before a large body; aiohttp's router answers it, so such a
    request takes the router (and the front door's own answers stay the pipeline's)."""
    head = (
        f"POST /empiriolabs/v1/chat/completions HTTP/1.1\n{AUTH}Content-Type: application/json\n"
        f"Content-Length: {len(CHAT)}\nExpect: 100-continue\n"
    )
    with _served(["empiriolabs", "ipop"], router_only=False) as url:
        statuses, body = _exchange(url, head, CHAT)
    assert statuses == [100, 200]
    assert json.loads(body)["object"] == "chat.completion"
