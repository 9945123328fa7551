"""Which operation a concrete request path belongs to, and its path parameters.

The mock routes with a segment trie (``gatewright.mock.routing``), which this stage may not
import; schemathesis's ``find_operation_by_path`` knows neither greedy parameters
(``x-gatewright-greedy``) nor ``HEAD``. So the same precedence is kept here in a small
matcher: literal segments beat templated ones, templated beat greedy, and among equals the
longer template wins. (Both should become one router in the spec layer.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from gatewright.spec import GREEDY_EXTENSION, Operation, Spec

_PARAM = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class Route:
    operation: Operation
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Compiled:
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    rank: tuple[int, ...]  # per segment: 0 literal, 1 templated, 2 greedy (lower sorts first)
    operation: Operation


class OperationRouter:
    """Built once per spec; ``match`` is a pure lookup."""

    def __init__(self, spec: Spec) -> None:
        compiled = [self._compile(op) for op in spec.operations]
        self._routes = sorted(compiled, key=lambda c: (c.rank, -len(c.pattern.pattern)))

    @staticmethod
    def _compile(operation: Operation) -> _Compiled:
        greedy = {
            p["name"] for p in operation.parameters if p.get("in") == "path" and p.get(GREEDY_EXTENSION)
        }
        template = operation.path.split("#", 1)[0] or "/"
        parts: list[str] = []
        names: list[str] = []
        rank: list[int] = []
        for segment in template.strip("/").split("/"):
            last, pieces, kind = 0, [], 0
            for match in _PARAM.finditer(segment):
                name = match.group(1)
                pieces.append(re.escape(segment[last : match.start()]))
                pieces.append("(.+)" if name in greedy else "([^/]+?)")
                names.append(name)
                kind = max(kind, 2 if name in greedy else 1)
                last = match.end()
            pieces.append(re.escape(segment[last:]))
            parts.append("".join(pieces))
            rank.append(kind)
        pattern = re.compile("/" + "/".join(parts) + r"/?\Z")
        return _Compiled(pattern, tuple(names), tuple(rank), operation)

    def match(self, method: str, path: str) -> Route | None:
        """The operation for ``method`` and ``path`` (None: undocumented path or method)."""
        wanted = method.upper()
        for route in self._routes:
            if route.operation.method != wanted:
                continue
            found = route.pattern.match(path)
            if found is not None:
                params = {
                    name: unquote(value) for name, value in zip(route.names, found.groups(), strict=True)
                }
                return Route(route.operation, params)
        return None

    def path_known(self, path: str) -> bool:
        """Whether any operation serves ``path`` (a method the path lacks is then a 405, not a 404)."""
        return any(route.pattern.match(path) for route in self._routes)
