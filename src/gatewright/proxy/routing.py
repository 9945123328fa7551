"""Which operation a concrete request path belongs to, and its path parameters.

The spec layer's router (``gatewright.spec.routing``), the one the mock answers with, so the
proxy and the mock read a path the same way: literal segments beat templated ones, templated
beat greedy (``x-gatewright-greedy``), ``HEAD`` falls back to ``GET``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gatewright.spec import Operation, Spec
from gatewright.spec.routing import RouteMatch, Router, RouteSpec


@dataclass(frozen=True, slots=True)
class Route:
    operation: Operation
    params: Mapping[str, str]


class OperationRouter:
    """Built once per spec; ``match`` is a pure lookup."""

    def __init__(self, spec: Spec) -> None:
        self._operations = {op.operation_id: op for op in spec.operations}
        self._router = Router(RouteSpec.of(op) for op in spec.operations)

    def match(self, method: str, path: str) -> Route | None:
        """The operation for ``method`` and ``path`` (None: undocumented path or method)."""
        found = self._router.match(method, path)
        if not isinstance(found, RouteMatch):
            return None
        return Route(self._operations[found.operation_id], found.params)

    def path_known(self, path: str) -> bool:
        """Whether any operation serves ``path`` (a method the path lacks is then a 405, not a 404)."""
        found = self._router.match("GET", path)
        return isinstance(found, RouteMatch) or found.status == 405
