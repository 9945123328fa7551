"""An absolute-form request target (``GET http://127.0.0.1:N/v1/models HTTP/1.1``, RFC 9112 3.2.2) is
answered like its origin form by the proxy and the mock (issue 21, item 11: the proxy answered a 500),
and the host it names is checked like a ``Host`` header. Raw sockets: no client sends this form to a
server that is not a proxy."""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web
from test_local_safety import raw_request

from gatewright.testing import running_mock, serve_app

sys.path.insert(0, str(Path(__file__).parent / "proxy"))
from proxy_upstream import KEY, proxied  # the proxy tests' planted gateway


def _ask(base_url: str, target: str, headers: str = "") -> tuple[int, bytes]:
    port = base_url.rsplit(":", 1)[1]
    status, _, body = raw_request(
        base_url, f"GET {target} HTTP/1.1\nHost: 127.0.0.1:{port}\n{headers}Connection: close\n"
    )
    return status, body


def test_the_proxy_forwards_an_absolute_form_target_as_its_path_and_query() -> None:
    seen: list[str] = []

    async def upstream(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"id": "ok", "name": "n", "kind": "a", "count": 1})

    app = web.Application()
    app.router.add_get("/v1/items/{item}", upstream)
    auth = f"Authorization: Bearer {KEY}\n"
    with serve_app(app) as upstream_url, proxied(upstream=upstream_url) as run:
        port = run.url.rsplit(":", 1)[1]
        origin = _ask(run.url, "/v1/items/a%2Fb?q=1&r=%20", auth)
        absolute = _ask(run.url, f"http://127.0.0.1:{port}/v1/items/a%2Fb?q=1&r=%20", auth)
        assert origin[0] == 200, origin
        assert absolute == origin
        assert seen == ["/v1/items/a%2Fb?q=1&r=%20"] * 2  # as sent, encoding kept
        assert _ask(run.url, f"http://localhost:{port}/__gatewright/health")[0] == 200
        refused = _ask(run.url, "http://evil.example/v1/items/ok", auth)
        assert refused[0] == 421 and b"evil.example" in refused[1]
        assert len(seen) == 2  # the foreign name never reached the upstream


def test_the_mock_answers_an_absolute_form_target_like_its_origin_form() -> None:
    with running_mock(["empiriolabs"], seed=1) as url:
        port = url.rsplit(":", 1)[1]
        auth = "Authorization: Bearer sk-test\n"
        origin = _ask(url, "/v1/models", auth)
        assert origin[0] == 200
        assert _ask(url, f"http://127.0.0.1:{port}/v1/models", auth) == origin
        assert _ask(url, f"http://[::1]:{port}/__gatewright/health")[0] == 200
        assert _ask(url, "http://evil.example/v1/models", auth)[0] == 421
