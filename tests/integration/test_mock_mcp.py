"""voxvey's ``POST /v1/mcp`` speaks MCP over JSON-RPC 2.0 (Streamable HTTP), over real HTTP.

The route's prose: "Streamable HTTP JSON-RPC endpoint for supported MCP tools. `tools/list` returns
available tools. `tools/call` executes a tool and charges 5 credits only when the tool succeeds." The
mock answered every message with ``{}`` (no ``jsonrpc``, no ``id``, no ``result``), so no MCP client could
use it, and refused ``notifications/initialized`` (no ``id``) as a 422. An ``mcp`` statement in
``voxvey.lifecycles.yaml`` marks the route ``x-gatewright-mcp`` (tool: ``web_search``); each answer here
is checked against the route's 200 schema, and the official MCP client (`mcp`) drives the handshake.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import pytest
import requests
from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

from gatewright.mock.schemas import SchemaSet
from gatewright.spec import load_spec

AUTH = {"Authorization": "Bearer sk-test", "Accept": "application/json, text/event-stream"}
MOCK_OPTIONS = {"apis": ["voxvey"], "seed": 3}  # create_app's options for mock_url (conftest.py)
POINTER = "/paths/~1v1~1mcp/post/responses/200/content/application~1json/schema"


@cache
def _schemas() -> SchemaSet:
    return SchemaSet(load_spec("voxvey").document)


def _post(url: str, message: Any) -> requests.Response:
    return requests.post(f"{url}/v1/mcp", json=message, headers=AUTH, timeout=10)


def _rpc(url: str, method: str, ident: str | int, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON-RPC response to one request: 200, JSON, valid against the route's schema, id echoed."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        message["params"] = params
    answered = _post(url, message)
    assert answered.status_code == 200, answered.text
    assert answered.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = answered.json()
    assert _schemas().is_valid(POINTER, body), _schemas().errors(POINTER, body)
    assert body["jsonrpc"] == "2.0" and body["id"] == ident and type(body["id"]) is type(ident), body
    return body


def test_the_handshake_then_tools_list_and_call(mock_url: str) -> None:
    init = _rpc(
        mock_url,
        "initialize",
        1,
        {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    )["result"]
    assert init["protocolVersion"] == "2025-06-18"
    assert init["capabilities"] == {"tools": {"listChanged": False}}
    assert init["serverInfo"]["name"] == "voxvey" and isinstance(init["serverInfo"]["version"], str)
    accepted = _post(mock_url, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert accepted.status_code == 202 and accepted.content == b"", accepted.text
    tools = _rpc(mock_url, "tools/list", "list-1")["result"]["tools"]
    assert [tool["name"] for tool in tools] == ["web_search"]
    assert tools[0]["inputSchema"]["type"] == "object"
    assert tools[0]["inputSchema"]["required"] == ["query"]
    called = _rpc(mock_url, "tools/call", 7, {"name": "web_search", "arguments": {"query": "mcp"}})
    assert called["result"] == {
        "content": [{"type": "text", "text": 'web_search {"query":"mcp"}'}],
        "isError": False,
    }
    again = _rpc(mock_url, "tools/call", 8, {"name": "web_search", "arguments": {"query": "mcp"}})
    assert again["result"] == called["result"]  # deterministic from the arguments
    other = _rpc(mock_url, "tools/call", 9, {"name": "web_search", "arguments": {"query": "other"}})
    assert other["result"]["content"][0]["text"] == 'web_search {"query":"other"}'


def test_an_unknown_protocol_revision_gets_the_newest(mock_url: str) -> None:
    params = {
        "protocolVersion": "1999-01-01",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    }
    assert _rpc(mock_url, "initialize", "a", params)["result"]["protocolVersion"] == "2025-06-18"
    params["protocolVersion"] = "2025-03-26"
    assert _rpc(mock_url, "initialize", "b", params)["result"]["protocolVersion"] == "2025-03-26"


@pytest.mark.parametrize("ident", ["req-日本", 0, 2**40, ""])
def test_the_id_is_echoed_as_sent(mock_url: str, ident: str | int) -> None:
    assert _rpc(mock_url, "tools/list", ident)["result"]["tools"]
    assert _rpc(mock_url, "ping", ident)["result"] == {}


def test_arguments_its_schema_refuses_are_a_tool_error(mock_url: str) -> None:
    for arguments in ({}, {"query": ""}, {"query": "x", "max_results": 99}, {"query": 3}):
        result = _rpc(mock_url, "tools/call", 3, {"name": "web_search", "arguments": arguments})["result"]
        assert result["isError"] is True, arguments
        assert result["content"][0]["type"] == "text"
        assert result["content"][0]["text"].startswith("Invalid arguments for tool web_search: ")


def test_unknown_methods_and_tools_are_json_rpc_errors(mock_url: str) -> None:
    missing = _rpc(mock_url, "resources/list", "r1")
    assert missing["error"]["code"] == -32601 and "resources/list" in missing["error"]["message"]
    assert "result" not in missing
    tool = _rpc(mock_url, "tools/call", 4, {"name": "no_such_tool", "arguments": {}})
    assert tool["error"]["code"] == -32602 and "no_such_tool" in tool["error"]["message"]


def test_messages_that_are_no_json_rpc_request(mock_url: str) -> None:
    wrong_version = _post(mock_url, {"jsonrpc": "1.0", "id": 5, "method": "tools/list"})
    assert wrong_version.status_code == 200
    assert wrong_version.json() == {
        "jsonrpc": "2.0",
        "id": 5,
        "error": {"code": -32600, "message": "Invalid Request: not a JSON-RPC 2.0 request"},
    }
    empty_method = _post(mock_url, {"jsonrpc": "2.0", "id": "e", "method": ""}).json()
    assert empty_method["error"]["code"] == -32600 and empty_method["id"] == "e"
    no_params = _post(mock_url, {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": []})
    assert no_params.status_code == 422  # the spec's schema declares params an object: its refusal
    unparsable = requests.post(
        f"{mock_url}/v1/mcp",
        data=b"{not json",
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=10,
    )
    assert unparsable.status_code == 422 and "error" in unparsable.json()  # the spec's ValidationError


def test_the_official_mcp_client_drives_it(mock_url: str) -> None:
    async def drive() -> tuple[Any, Any, Any]:
        http = create_mcp_http_client(headers={"Authorization": "Bearer sk-test"})
        async with (
            http,
            streamable_http_client(f"{mock_url}/v1/mcp", http_client=http) as streams,
            ClientSession(*streams) as session,
        ):
            init = await session.initialize()
            listed = await session.list_tools()
            called = await session.call_tool("web_search", {"query": "mcp", "max_results": 2})
            return init, listed, called

    init, listed, called = asyncio.run(drive())
    assert init.server_info.name == "voxvey" and init.protocol_version == "2025-06-18"
    assert [tool.name for tool in listed.tools] == ["web_search"]
    assert listed.tools[0].input_schema["required"] == ["query"]
    assert called.is_error is False
    assert called.content[0].text == 'web_search {"max_results":2,"query":"mcp"}'
