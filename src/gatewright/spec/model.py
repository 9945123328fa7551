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
from gatewright.spec.pointer import join, resolve

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TASK_EXTENSION = "x-gatewright-task"
GREEDY_EXTENSION = "x-gatewright-greedy"
COMPATIBLE_EXTENSION = "x-gatewright-compatible"
# The wire families an operation can be marked compatible with (``x-gatewright-compatible.wire``).
COMPATIBLE_WIRES = (
    "openai-chat",
    "openai-completions",
    "openai-responses",
    "openai-embeddings",
    "anthropic-messages",
)
STATE_KINDS = ("initial", "running", "succeeded", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """The declared lifecycle of an operation that starts asynchronous work (docs/extensions.md)."""

    poll: str
    id: str
    status: str
    states: dict[str, tuple[str, ...]]
    result: str | None = None
    cancel: str | None = None
    prefer: str | None = None
    poll_id: str | None = None  # where the id goes in the poll request, e.g. "$request.path.video_id"
    async_when: str | None = None  # a request expression that makes the call a task, e.g. "background"
    retention_seconds: float | None = None  # how long a finished task stays readable

    @classmethod
    def from_extension(cls, value: dict[str, Any]) -> TaskSpec:
        states = {kind: tuple(value.get("states", {}).get(kind, ())) for kind in STATE_KINDS}
        return cls(
            poll=value["poll"],
            id=value["id"],
            status=value["status"],
            states=states,
            result=value.get("result"),
            cancel=value.get("cancel"),
            prefer=value.get("prefer"),
            poll_id=value.get("poll_id"),
            async_when=value.get("async_when"),
            retention_seconds=value.get("retention_seconds"),
        )

    def kind_of(self, status: Any) -> str | None:
        """Which state list ``status`` belongs to, or None when it is undeclared."""
        for kind, values in self.states.items():
            if status in values:
                return kind
        return None

    @property
    def terminal(self) -> tuple[str, ...]:
        return self.states["succeeded"] + self.states["failed"] + self.states["cancelled"]


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
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(f"$ref cycle at {ref}", source=self.name)
            seen.add(ref)
            try:
                target = resolve(self.document, ref)
            except KeyError:
                raise SpecError(f"$ref does not resolve: {ref}", source=self.name) from None
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if siblings and isinstance(target, dict) else target
        return node

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
