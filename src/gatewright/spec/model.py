"""The canonical spec as the mock and the conformance runner see it.

A thin, read-only view over the canonical OpenAPI 3.1 document: operations with
merged parameters, local ``$ref`` resolution and the ``x-gatewright-task``
extension as a typed value. It never changes the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gatewright.spec.errors import SpecError
from gatewright.spec.paths import PathTemplate
from gatewright.spec.pointer import RefError, follow, join
from gatewright.spec.tasks import TaskSpec

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TASK_EXTENSION = "x-gatewright-task"
GREEDY_EXTENSION = "x-gatewright-greedy"
COMPATIBLE_EXTENSION = "x-gatewright-compatible"
IDEMPOTENCY_EXTENSION = "x-gatewright-idempotency"
STREAM_EXTENSION = "x-gatewright-stream"  # on a text/event-stream media object: {"format": ...}
EXPAND_EXTENSION = "x-gatewright-expand"  # on a list: {"parameter", "fields", "all"}: summaries unless asked
ECHO_EXTENSION = "x-gatewright-echo-as"  # on an operation: {answer field: the request field it restates}
# On a chat operation: {"models": [regex, ...]}: answers of the models matched carry their chain of thought.
REASONING_EXTENSION = "x-gatewright-reasoning-content"
# On a rerank operation: {"results": pointer, "document": "object" | "string", "usage": pointer}: the answer
# ranks the request's documents against its query (``mock.answers.rerank``).
RERANK_EXTENSION = "x-gatewright-rerank"
# On an operation: {request field: the purpose the file it names must have been uploaded with}.
FILE_PURPOSE_EXTENSION = "x-gatewright-file-purpose"
# On a list: "asc" or "desc" (newest first): the order its items come in where the request asks none.
LIST_ORDER_EXTENSION = "x-gatewright-list-order"
# On a list: {query parameter: {value: the poll operationId whose tasks it shows when given that value}}.
LIST_SHOWS_EXTENSION = "x-gatewright-list-shows"
# On a JSON-RPC route: {"tools": [{"name", "description", "inputSchema"}, ...]}: the route is an MCP server
# over the Streamable HTTP transport listing those tools (``mock.answers.mcp``).
MCP_EXTENSION = "x-gatewright-mcp"
# On the anyOf branch a quoted `field_pattern` statement added (normalize.passes.prose_patterns): true.
WIDENED_EXTENSION = "x-gatewright-widened"
# The wire families an operation can be marked compatible with (``x-gatewright-compatible.wire``).
COMPATIBLE_WIRES = (
    "openai-chat",
    "openai-completions",
    "openai-responses",
    "openai-embeddings",
    "anthropic-messages",
)


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # upper case
    path: str
    operation_id: str
    definition: dict[str, Any] = field(repr=False)
    parameters: tuple[dict[str, Any], ...] = field(repr=False)
    pointer: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def template(self) -> PathTemplate:
        """The path template, its greedy parameters (``x-gatewright-greedy``) known."""
        greedy = (str(p["name"]) for p in self.parameters if p.get(GREEDY_EXTENSION))
        return PathTemplate.parse(self.path, greedy)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.definition.get("tags", ()))

    @property
    def compatible_wire(self) -> str | None:
        """The OpenAI/Anthropic wire family the operation is marked compatible with, if any."""
        mark = self.definition.get(COMPATIBLE_EXTENSION)
        wire = mark.get("wire") if isinstance(mark, dict) else None
        return wire if wire in COMPATIBLE_WIRES else None


class Spec:
    """A canonical OpenAPI document and the operations in it."""

    def __init__(self, document: dict[str, Any], name: str = "") -> None:
        self.document = document
        self.name = name or str(document.get("info", {}).get("title", ""))
        self.operations: tuple[Operation, ...] = tuple(self._collect())
        self._by_id = {op.operation_id: op for op in self.operations}

    def _collect(self) -> Iterator[Operation]:
        for path, raw_item in self.document.get("paths", {}).items():
            item = self.deref(raw_item)
            shared = [self.deref(p) for p in item.get("parameters", [])]
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                op = item[method]
                own = [self.deref(p) for p in op.get("parameters", [])]
                own_keys = {(p["name"], p["in"]) for p in own}
                merged = [p for p in shared if (p["name"], p["in"]) not in own_keys] + own
                yield Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=op.get("operationId", f"{method}{path}"),
                    definition=op,
                    parameters=tuple(merged),
                    pointer=join("paths", path, method),
                )

    def operation(self, operation_id: str) -> Operation:
        try:
            return self._by_id[operation_id]
        except KeyError:
            raise SpecError(f"no operation with operationId {operation_id!r}", source=self.name) from None

    def find(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method.upper() and op.path == path:
                return op
        return None

    def deref(self, node: Any) -> Any:
        """Follow local ``$ref``s until a node without one (sibling keys of a ref are kept on top)."""
        try:
            return follow(self.document, node, merge=True)[0]
        except RefError as error:
            raise SpecError(str(error), source=self.name) from None

    def task(self, operation: Operation) -> TaskSpec | None:
        extension = operation.definition.get(TASK_EXTENSION)
        return TaskSpec.from_extension(extension) if isinstance(extension, dict) else None

    @property
    def security_schemes(self) -> dict[str, Any]:
        return dict(self.document.get("components", {}).get("securitySchemes", {}))

    def security(self, operation: Operation) -> list[dict[str, list[str]]]:
        """The operation's security requirements (an empty list means public)."""
        if "security" in operation.definition:
            return list(operation.definition["security"])
        return list(self.document.get("security", []))
