"""OpenAPI runtime expressions: ``$response.body#/id``, ``$request.path.job_id``, ``$statusCode``.

The canonical specs use them in ``x-gatewright-task`` (``id``, ``poll_id``,
``async_when``) and in link ``parameters``/``requestBody``. ``RuntimeExpression.parse``
reads one; ``evaluate`` takes any value (a literal is returned as it is) and an
``Exchange``, the request and response it reads from, and returns the value named or
``MISSING``. Header names compare case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from gatewright.spec.pointer import lookup

__all__ = ["MISSING", "Exchange", "RuntimeExpression", "evaluate"]

MISSING: Any = object()

Source = Literal["request", "response"]
Location = Literal["body", "path", "query", "header"]
_LOCATIONS: dict[Source, tuple[Location, ...]] = {
    "request": ("body", "path", "query", "header"),
    "response": ("body", "header"),
}
_EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Exchange:
    """What an expression can read: one request and, once it came, its response."""

    request_body: Any = MISSING
    path: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    query: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    headers: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    response_body: Any = MISSING
    response_headers: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    status: int | None = None


@dataclass(frozen=True, slots=True)
class RuntimeExpression:
    """``$<source>.<location>.<name>`` or ``$<source>.body#<pointer>``; ``$statusCode`` has neither."""

    source: Source | None  # None: ``$statusCode``
    location: Location | None = None
    name: str = ""  # a parameter or header name, or the JSON pointer into a body ("" = all of it)

    @classmethod
    def parse(cls, text: str) -> RuntimeExpression:
        """Raises ``ValueError`` on anything that is not one of the forms above."""
        inner = text[1:-1] if text.startswith("{") and text.endswith("}") else text
        if inner == "$statusCode":
            return cls(None)
        for source, locations in _LOCATIONS.items():
            for location in locations:
                if location == "body":
                    head = f"${source}.body"
                    if inner == head or inner.startswith(head + "#"):
                        pointer = inner.removeprefix(head).removeprefix("#")
                        if pointer and not pointer.startswith("/"):
                            break
                        return cls(source, "body", pointer)
                elif inner.startswith(head := f"${source}.{location}.") and len(inner) > len(head):
                    return cls(source, location, inner.removeprefix(head))
        raise ValueError(f"not a runtime expression: {text!r}")

    @classmethod
    def request_path(cls, name: str) -> RuntimeExpression:
        return cls("request", "path", name)

    @classmethod
    def request_body(cls, pointer: str) -> RuntimeExpression:
        return cls("request", "body", pointer)

    @property
    def pointer(self) -> str:
        """The JSON pointer of a body expression (``$response.body#/data/id`` → ``/data/id``)."""
        if self.location != "body":
            raise ValueError(f"{self} does not name a place in a body")
        return self.name

    def is_(self, source: Source, location: Location) -> bool:
        return self.source == source and self.location == location

    def evaluate(self, exchange: Exchange) -> Any:
        if self.source is None:
            return exchange.status if exchange.status is not None else MISSING
        if self.location == "body":
            body = exchange.request_body if self.source == "request" else exchange.response_body
            return MISSING if body is MISSING or body is None else lookup(body, self.name, MISSING)
        if self.location == "header":
            headers = exchange.headers if self.source == "request" else exchange.response_headers
            wanted = self.name.lower()
            return next((value for key, value in headers.items() if key.lower() == wanted), MISSING)
        container = exchange.path if self.location == "path" else exchange.query
        return container.get(self.name, MISSING)

    def __str__(self) -> str:
        if self.source is None:
            return "$statusCode"
        if self.location == "body":
            return f"${self.source}.body" + (f"#{self.name}" if self.name else "")
        return f"${self.source}.{self.location}.{self.name}"


def evaluate(expression: Any, exchange: Exchange) -> Any:
    """The value ``expression`` names in ``exchange``, ``MISSING`` when absent or not an expression
    gatewright reads; a value that is no expression at all (a literal in a link) is returned as is."""
    if not isinstance(expression, str) or not expression.startswith(("$", "{$")):
        return expression
    try:
        parsed = RuntimeExpression.parse(expression)
    except ValueError:
        return MISSING
    return parsed.evaluate(exchange)
