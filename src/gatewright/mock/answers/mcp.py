"""MCP answers: a route marked ``x-gatewright-mcp`` speaks JSON-RPC 2.0 as an MCP server does over the
Streamable HTTP transport (revisions 2025-03-26 and 2025-06-18), so an MCP client can drive it.

One POST carries one message. A request (it has an ``id``) gets one JSON-RPC response echoing that id:
``initialize`` the protocol revision (the client's where the mock knows it, else its newest), the ``tools``
capability and ``serverInfo``; ``ping`` an empty result; ``tools/list`` the tools the extension names (the
one ``echo`` tool where it names none); ``tools/call`` a ``text`` content deterministic from the tool's
name and arguments (the same call always answers the same), ``isError`` true where the arguments break the
tool's ``inputSchema``. A notification or a response (no ``id``: ``notifications/initialized``) is
accepted with no answer (the pipeline sends 202, no body). Errors are JSON-RPC's: an unknown method -32601,
an unknown tool -32602, a message that is no JSON-RPC 2.0 request -32600. The server is stateless: it
assigns no ``Mcp-Session-Id`` (the transport lets a server go without one), so a client sends none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

__all__ = ["ECHO", "PROTOCOL_VERSIONS", "McpServer", "mcp_answer"]

PROTOCOL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18")  # oldest first: the last is the newest
ECHO = {  # the tool a server lists whose spec names none: it says back what it was sent
    "name": "echo",
    "description": "Returns its text argument unchanged.",
    "inputSchema": {
        "type": "object",
        "required": ["text"],
        "properties": {"text": {"type": "string", "description": "What to say back."}},
    },
}
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602


@dataclass(frozen=True, slots=True)
class McpServer:
    """What the extension declares, read once per operation: the tools listed, each with its validator."""

    tools: tuple[dict[str, Any], ...]
    validators: Mapping[str, Any]  # tool name -> jsonschema_rs validator of its arguments

    @classmethod
    def of(cls, extension: Any) -> McpServer | None:
        """The server an extension value declares; None for no value or a malformed one."""
        if not isinstance(extension, Mapping):
            return None
        listed = extension.get("tools")
        tools = [t for t in listed if _is_tool(t)] if isinstance(listed, list) else []
        chosen = tuple(tools) if tools else (ECHO,)
        return cls(chosen, {t["name"]: jsonschema_rs.validator_for(t["inputSchema"]) for t in chosen})


def _is_tool(tool: Any) -> bool:
    return (
        isinstance(tool, Mapping)
        and isinstance(tool.get("name"), str)
        and isinstance(tool.get("inputSchema"), Mapping)
    )


def mcp_answer(server: McpServer, message: Any, name: str, version: str) -> dict[str, Any] | None:
    """The JSON-RPC response to ``message`` (``name``/``version``: the server's ``serverInfo``); None
    for a notification or a response, which the transport accepts without one."""
    if not isinstance(message, Mapping):
        return _error(None, INVALID_REQUEST, "Invalid Request: a JSON-RPC message is an object")
    ident = message.get("id")
    if "id" not in message:
        return None if "method" in message or "result" in message or "error" in message else _invalid(None)
    if isinstance(ident, bool) or not isinstance(ident, str | int):
        return _invalid(None)
    method = message.get("method")
    if message.get("jsonrpc") != "2.0" or not isinstance(method, str) or not method:
        return _invalid(ident)
    params = message.get("params", {})
    if not isinstance(params, Mapping):
        return _error(ident, INVALID_PARAMS, "Invalid params: params is an object")
    if method == "initialize":
        return _result(ident, _initialized(params, name, version))
    if method == "ping":
        return _result(ident, {})
    if method == "tools/list":
        return _result(ident, {"tools": [dict(tool) for tool in server.tools]})
    if method == "tools/call":
        return _call(server, ident, params)
    return _error(ident, METHOD_NOT_FOUND, f"Method not found: {method}")


def _initialized(params: Mapping[str, Any], name: str, version: str) -> dict[str, Any]:
    asked = params.get("protocolVersion")
    return {
        "protocolVersion": asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[-1],
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": {"name": name, "version": version},
    }


def _call(server: McpServer, ident: str | int, params: Mapping[str, Any]) -> dict[str, Any]:
    """A tool's answer: its text (the tool and its arguments, canonical JSON; ``echo`` its text), or
    the reasons the arguments break its schema with ``isError``; an unknown tool is -32602."""
    tool = params.get("name")
    validator = server.validators.get(tool) if isinstance(tool, str) else None
    if validator is None:
        return _error(ident, INVALID_PARAMS, f"Unknown tool: {tool}")
    arguments = params.get("arguments", {})
    if arguments is None:
        arguments = {}
    problems = [f"{e.message}" for e in validator.iter_errors(arguments)]
    if problems:
        text = f"Invalid arguments for tool {tool}: " + "; ".join(problems[:5])
        return _result(ident, {"content": [{"type": "text", "text": text}], "isError": True})
    if tool == ECHO["name"] and server.tools == (ECHO,):
        text = arguments["text"]
    else:
        text = f"{tool} {json.dumps(arguments, sort_keys=True, ensure_ascii=False, separators=(',', ':'))}"
    return _result(ident, {"content": [{"type": "text", "text": text}], "isError": False})


def _result(ident: str | int, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def _invalid(ident: str | int | None) -> dict[str, Any]:
    return _error(ident, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 request")


def _error(ident: str | int | None, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}
