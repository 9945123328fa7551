"""Declare the SSE responses of streamed operations, and name each stream's event format.

The canonical mark is ``x-gatewright-stream: {"format": ...}`` on a ``text/event-stream``
media object; the mock and the runner read the event shapes from the format name.
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.compatible_wires import compatible_routes
from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import STREAM_EXTENSION
from gatewright.spec.pointer import deref, escape
from gatewright.spec.wires import STREAM_PATHS, STREAMED, stream_format_of_path

SSE = "text/event-stream"
EXTENSION = STREAM_EXTENSION  # the mark this pass writes


EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One Server-Sent Event; `data` carries the JSON chunk (or the literal [DONE]).",
    "required": ["data"],
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


def stream_format(path: str) -> str | None:
    return stream_format_of_path(path, STREAM_PATHS)


def _has_stream_flag(document: Document, op: dict[str, Any]) -> bool:
    schema = deref(
        document, op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    )
    if not isinstance(schema, dict):
        return False
    flag = deref(document, schema.get("properties", {}).get("stream"))
    if not isinstance(flag, dict):
        return False
    kind = flag.get("type")
    return "boolean" in (kind if isinstance(kind, list) else [kind])


def _promise(document: Document, op: dict[str, Any], compatible: tuple[str, str] | None) -> str | None:
    """Why the operation answers with Server-Sent Events, if it does."""
    if _has_stream_flag(document, op):
        return "the request has a `stream` flag, which answers Server-Sent Events instead of JSON"
    if compatible is not None and compatible[0] in STREAMED:
        return (
            f"the document says the route is {compatible[1]}-compatible, and the official API answers "
            '`"stream": true` with Server-Sent Events (the request schema just does not declare the flag)'
        )
    return None


@repair_pass("streaming")
def declare_streams(document: Document, context: Context, log: RepairLog) -> None:
    """Add ``text/event-stream`` where a stream flag or a compatibility claim promises it; name formats."""
    compatible = compatible_routes(document, context.prose)
    for path, _method, op, pointer in operations(document):
        name = stream_format(path)
        if name is None:
            continue
        success = next((s for s in ("200", "201") if s in op.get("responses", {})), None)
        if success is None:
            continue
        response = deref(document, op["responses"][success])
        content = response.get("content", {}) if isinstance(response, dict) else {}
        where = f"{pointer}/responses/{success}/content/{escape(SSE)}"
        if SSE not in content:
            why = (
                None
                if "$ref" in op["responses"][success]
                else _promise(document, op, compatible.get(pointer))
            )
            if why is None:
                continue
            content[SSE] = {"schema": dict(EVENT_SCHEMA)}
            response["content"] = content
            log.add(where, "declared the text/event-stream response", why, after=content[SSE])
        schema = content[SSE].get("schema")
        if isinstance(schema, dict) and schema.get("type") == "string":
            described = {
                **EVENT_SCHEMA,
                "description": schema.get("description", EVENT_SCHEMA["description"]),
            }
            content[SSE]["schema"] = described
            log.add(
                f"{where}/schema",
                "described each Server-Sent Event (data, event, id, retry)",
                "in OpenAPI 3.1 the schema of a text/event-stream body describes each event, which tools "
                "parse into {data, event, id, retry}; a plain string schema rejects every event",
                before=schema,
                after=described,
            )
        if content[SSE].get(EXTENSION, {}).get("format") != name:
            content[SSE][EXTENSION] = {"format": name}
            log.add(
                f"{where}/{EXTENSION}",
                f"named the event format {name!r}",
                "the schema of an SSE body is a plain string; the format names the event shapes a client "
                "parses (the ones the official SDKs expect)",
                after=content[SSE][EXTENSION],
            )
