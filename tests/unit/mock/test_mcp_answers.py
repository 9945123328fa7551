"""``mcp_answer``: one JSON-RPC message in, the MCP server's response out (None: accepted, no answer)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatewright.mock.answers.mcp import ECHO, PROTOCOL_VERSIONS, McpServer, mcp_answer

SERVER = McpServer.of({"tools": []})
assert SERVER is not None
IDS = st.one_of(st.text(max_size=20), st.integers(min_value=-(2**53), max_value=2**53))


def _answer(message: Any) -> dict[str, Any]:
    assert SERVER is not None
    answered = mcp_answer(SERVER, message, "api", "1.0")
    assert answered is not None
    return answered


def test_no_tools_declared_lists_echo_which_says_its_text_back() -> None:
    assert _answer({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})["result"] == {"tools": [ECHO]}
    called = _answer(
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "hi"}},
        }
    )
    assert called["result"] == {"content": [{"type": "text", "text": "hi"}], "isError": False}


@pytest.mark.parametrize(
    "extension", [None, [], "tools", {"tools": "x"}, {"tools": [{"name": 3, "inputSchema": {}}]}]
)
def test_a_malformed_extension_falls_back_to_echo_or_nothing(extension: Any) -> None:
    server = McpServer.of(extension)
    assert (
        server is None if not isinstance(extension, dict) else server is not None and server.tools == (ECHO,)
    )


@given(IDS, st.sampled_from(["tools/list", "ping", "initialize", "nope", ""]))
def test_every_request_gets_its_own_id_back(ident: str | int, method: str) -> None:
    answered = _answer({"jsonrpc": "2.0", "id": ident, "method": method})
    assert answered["jsonrpc"] == "2.0" and answered["id"] == ident and type(answered["id"]) is type(ident)
    assert ("result" in answered) != ("error" in answered)


@pytest.mark.parametrize(
    "message",
    [
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}},
        {"jsonrpc": "2.0", "result": {}},  # a response to a server request: accepted too
    ],
)
def test_notifications_and_responses_get_no_answer(message: dict[str, Any]) -> None:
    assert mcp_answer(SERVER, message, "api", "1.0") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "code", "ident"),
    [
        ([1, 2], -32600, None),
        ({"jsonrpc": "2.0"}, -32600, None),
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, -32600, None),
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, -32600, None),
        ({"jsonrpc": "1.0", "id": 3, "method": "ping"}, -32600, 3),
        ({"jsonrpc": "2.0", "id": 3, "method": "ping", "params": []}, -32602, 3),
        ({"jsonrpc": "2.0", "id": "x", "method": "tools/call", "params": {"name": "nope"}}, -32602, "x"),
        ({"jsonrpc": "2.0", "id": 4, "method": "resources/list"}, -32601, 4),
    ],
)
def test_errors_are_json_rpc_errors(message: Any, code: int, ident: str | int | None) -> None:
    answered = _answer(message)
    assert answered["error"]["code"] == code and answered["id"] == ident, answered
    assert isinstance(answered["error"]["message"], str) and "result" not in answered


@pytest.mark.parametrize(
    ("asked", "answered"),
    [(v, v) for v in PROTOCOL_VERSIONS] + [("2099-01-01", "2025-06-18"), (None, "2025-06-18")],
)
def test_initialize_agrees_on_a_revision(asked: Any, answered: str) -> None:
    result = _answer(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": asked}}
    )["result"]
    assert result == {
        "protocolVersion": answered,
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": {"name": "api", "version": "1.0"},
    }
