"""Path routing from the canonical path templates: which operation a concrete request is.

The mock answers with it and the proxy judges with it, so both read a path the same way.
A segment trie built once per API: at each segment a literal child beats a
templated one (``/v1/models/search`` beats ``/v1/models/{id}``), templated
segments beat greedy parameters (``x-gatewright-greedy``), which match the rest
of the path including ``/``. A path that matches no template is a 404; one that
matches a template without the request's method is a 405 with ``Allow``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote

from gatewright.spec.model import Operation
from gatewright.spec.paths import PathTemplate


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """One operation to route: method (upper case), path template, operation id, greedy params."""

    method: str
    template: str
    operation_id: str
    greedy: frozenset[str] = frozenset()

    @classmethod
    def of(cls, operation: Operation) -> RouteSpec:
        return cls(operation.method, operation.path, operation.operation_id, operation.template.greedy)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    operation_id: str
    template: str
    params: Mapping[str, str]  # read-only: a match of a path without parameters is shared


@dataclass(frozen=True, slots=True)
class RouteMiss:
    status: int  # 404 or 405
    allowed: tuple[str, ...] = ()


_NO_PARAMS: Mapping[str, str] = MappingProxyType({})


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], tuple[str, ...], _Node]] = field(default_factory=list)
    param: tuple[str, _Node] | None = None
    greedy: tuple[str, _Node] | None = None
    methods: dict[str, str] = field(default_factory=dict)  # method -> operation id
    template: str = ""


class Router:
    """Matches request paths to operations; built once, read-only afterwards."""

    def __init__(self, routes: Iterable[RouteSpec]) -> None:
        self._root = _Node()
        self._exact: dict[str, _Node] = {}
        for route in routes:
            self._add(route)
        # The answer for (method, path) of every path without parameters, as requests spell it
        # most often (upper-case method, no trailing slash): one lookup on the request path.
        self._matches: dict[tuple[str, str], RouteMatch] = {}
        for path, node in self._exact.items():
            for method in (*node.methods, "HEAD"):
                found = self._match_node(node, method, _NO_PARAMS)
                if isinstance(found, RouteMatch):
                    self._matches[(method, path)] = found

    def _add(self, route: RouteSpec) -> None:
        template = PathTemplate.parse(route.template, route.greedy)
        node = self._root
        for segment in template.segments:
            name = segment.names[0] if segment.names else ""
            if segment.greedy:
                if node.greedy is None:
                    node.greedy = (name, _Node())
                node = node.greedy[1]
                break
            if segment.whole:
                if node.param is None:
                    node.param = (name, _Node())
                node = node.param[1]
            elif segment.pattern is not None:
                for existing, _, child in node.patterns:
                    if existing.pattern == segment.pattern.pattern:
                        node = child
                        break
                else:
                    child = _Node()
                    node.patterns.append((segment.pattern, segment.names, child))
                    node = child
            else:
                node = node.literals.setdefault(segment.text, _Node())
        node.methods.setdefault(route.method.upper(), route.operation_id)
        node.template = node.template or template.path
        if not template.names:
            self._exact["/" + "/".join(s.text for s in template.segments)] = node

    def match(self, method: str, path: str) -> RouteMatch | RouteMiss:
        known = self._matches.get((method, path))
        if known is not None:
            return known
        normalized = "/" + path.strip("/") if path.strip("/") else "/"
        node = self._exact.get(normalized)
        params: dict[str, str] = {}
        if node is None:
            segments = normalized.strip("/").split("/") if normalized != "/" else []
            found = self._walk(self._root, segments, 0, params)
            if found is None:
                return RouteMiss(404)
            node = found
        return self._match_node(node, method, params)

    @staticmethod
    def _match_node(node: _Node, method: str, params: Mapping[str, str]) -> RouteMatch | RouteMiss:
        operation_id = node.methods.get(method.upper())
        if operation_id is None:
            if method.upper() == "HEAD" and "GET" in node.methods:
                return RouteMatch(node.methods["GET"], node.template, params)
            return RouteMiss(405, tuple(sorted(node.methods)))
        return RouteMatch(operation_id, node.template, params)

    def _walk(self, node: _Node, segments: list[str], index: int, params: dict[str, str]) -> _Node | None:
        if index == len(segments):
            return node if node.methods else None
        segment = segments[index]
        child = node.literals.get(segment)
        if child is not None:
            found = self._walk(child, segments, index + 1, params)
            if found is not None:
                return found
        for pattern, names, child in node.patterns:
            match = pattern.match(segment)
            if match is not None:
                found = self._walk(child, segments, index + 1, params)
                if found is not None:
                    params.update(zip(names, (unquote(g) for g in match.groups()), strict=True))
                    return found
        if node.param is not None and segment:
            name, child = node.param
            found = self._walk(child, segments, index + 1, params)
            if found is not None:
                params[name] = unquote(segment)
                return found
        if node.greedy is not None:
            name, child = node.greedy
            if child.methods:
                params[name] = unquote("/".join(segments[index:]))
                return child
        return None
