"""Every request verify sends leaves by ``Sender``: gated, charged, pooled, its errors redacted."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import gatewright.conformance
from gatewright.conformance.adapter import SchemathesisAdapter
from gatewright.conformance.limiter import BudgetSpent, RateLimiter
from gatewright.conformance.redact import Redactor
from gatewright.conformance.sse import body_lines, parse_events
from gatewright.testing import serve_app

KEY = "sk-sender-test"
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/v1/chat": {
            "post": {
                "operationId": "chat",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok", "content": {"text/event-stream": {}}}},
            }
        }
    },
}


PEERS: list[Any] = []  # the client address of each request the app served


async def _chat(request: web.Request) -> web.StreamResponse:
    PEERS.append(request.transport.get_extra_info("peername") if request.transport else None)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    response.set_cookie("session", "from-the-server")
    await response.prepare(request)
    for data in ('{"n": 1}', '{"n": 2}', "[DONE]"):
        await response.write(f"data: {data}\n\n".encode())
    await response.write_eof()
    return response


def _adapter(base_url: str, limiter: RateLimiter) -> SchemathesisAdapter:
    return SchemathesisAdapter(
        SPEC,
        base_url=base_url,
        redactor=Redactor(KEY),
        auth=lambda _: ({"Authorization": f"Bearer {KEY}"}, {}),
        timeout=5.0,
        limiter=limiter,
        seed=1,
    )


def _read(response: Any) -> list[str]:
    transcript: list[str] = []
    lines = body_lines(
        response, chunk_size=1, deadline=float("inf"), expired=TimeoutError(), transcript=transcript, keep=2
    )
    events = [event.data for event in parse_events(lines)]
    assert transcript == ['data: {"n": 1}', ""]  # only the first ``keep`` lines are kept
    return events


def test_a_streamed_request_passes_the_gate_is_charged_and_reuses_the_thread_session() -> None:
    PEERS.clear()
    app = web.Application()
    app.router.add_post("/v1/chat", _chat)
    limiter = RateLimiter(None, budget=2, budget_tokens=10_000)
    with serve_app(app) as url:
        adapter = _adapter(url, limiter)
        sender = adapter.sender
        outgoing = sender.prepare(
            adapter.make_case("chat", body={"stream": True}), {"Accept": "text/event-stream"}
        )
        assert outgoing.headers["Authorization"] == f"Bearer {KEY}"
        for sent in (1, 2):
            opened = sender.open(outgoing, stream=True, timeout=5.0)
            assert opened.response is not None and opened.error is None
            with opened.response as response:
                assert _read(response) == ['{"n": 1}', '{"n": 2}', "[DONE]"]
            assert limiter.sent == sent and limiter.tokens > 0
            assert not sender.sessions.get().cookies  # no cookie rides along with the next request
        with pytest.raises(BudgetSpent):  # nothing goes out once the budget is spent
            sender.open(outgoing, stream=True, timeout=5.0)
        adapter.close()
    assert len(PEERS) == 2 and PEERS[0] == PEERS[1]  # one keep-alive connection for both


def test_a_transport_error_comes_back_redacted() -> None:
    limiter = RateLimiter(None)
    adapter = _adapter(f"http://127.0.0.1:9/{KEY}", limiter)
    outgoing = adapter.sender.prepare(adapter.make_case("chat", body={}))
    opened = adapter.sender.open(outgoing, stream=False, timeout=1.0)
    assert opened.response is None and opened.error
    assert KEY not in opened.error
    assert limiter.sent == 1


def test_no_conformance_module_sends_around_the_sender() -> None:
    """Only ``sessions.py`` (the pool the sender uses) and the preflight reachability check call
    ``requests`` to send; everything else goes through ``Sender``."""
    senders = {"request", "get", "post", "put", "patch", "delete", "head", "options", "Session"}
    allowed = {"sessions.py", "preflight.py"}
    root = Path(gatewright.conformance.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "requests"
                and node.attr in senders
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno} requests.{node.attr}")
    assert not found
