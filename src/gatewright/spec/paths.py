"""OpenAPI path templates: the one parser of ``/v1/jobs/{job_id}``.

A ``PathTemplate`` is parsed once (``PathTemplate.parse`` keeps one value per template
and set of greedy names) into segments and one compiled regular expression, and then
matches request paths and expands into them. A parameter marked ``x-gatewright-greedy``
(docs/extensions.md) fills the whole rest of the path, ``/`` included; a segment that
mixes text and parameters (``{job_id}:cancel``) matches as a pattern of its own. A
legacy ``#variant`` suffix (a fragment path before the ``fragment_paths`` repair) is
not part of the routable path.

``on_endpoint`` says which route a batch's ``endpoint`` names: the mock answers a batch's lines by it
and verify writes the lines of the batch input it uploads (``conformance.made_files``) to it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

__all__ = ["PathTemplate", "Segment", "on_endpoint"]

_PARAM = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class Segment:
    """One ``/``-separated piece of a template."""

    text: str
    names: tuple[str, ...] = ()  # the parameters in it, in order
    whole: bool = False  # exactly one parameter and nothing else
    greedy: bool = False  # a whole parameter that takes the rest of the path
    pattern: re.Pattern[str] | None = field(default=None, compare=False)  # a segment mixing text and names

    @property
    def literal(self) -> bool:
        return not self.names


@dataclass(frozen=True, slots=True)
class PathTemplate:
    """A parsed path template; see the module docstring."""

    template: str  # as written
    path: str  # the routable part (no ``#variant``)
    segments: tuple[Segment, ...]
    names: tuple[str, ...]  # every parameter, in order
    regex: re.Pattern[str] = field(compare=False)

    @staticmethod
    def parse(template: str, greedy: Iterable[str] = ()) -> PathTemplate:
        return _parse(template, frozenset(greedy))

    def match(self, path: str) -> dict[str, str] | None:
        """The (percent-decoded) parameters of ``path``, or None when it is not an instance."""
        found = self.regex.match(path)
        if found is None:
            return None
        return {name: unquote(value) for name, value in zip(self.names, found.groups(), strict=True)}

    def expand(self, values: Mapping[str, str], default: str | None = None) -> str:
        """The path with each parameter replaced by its value (``default`` for the others, else kept)."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            return default if default is not None else match.group(0)

        return _PARAM.sub(value, self.path)

    @property
    def greedy(self) -> frozenset[str]:
        """The parameters that take the rest of the path."""
        return frozenset(name for segment in self.segments if segment.greedy for name in segment.names)

    @property
    def item(self) -> tuple[str, str] | None:
        """(collection path, parameter) of an item route ``<collection>/{param}``; None otherwise
        (a greedy last parameter names no item)."""
        if len(self.segments) < 2 or not self.segments[-1].whole or self.segments[-1].greedy:
            return None
        return self.path.rsplit("/", 1)[0], self.segments[-1].names[0]


@functools.lru_cache(maxsize=4096)
def _parse(template: str, greedy: frozenset[str]) -> PathTemplate:
    path = template.split("#", 1)[0] or "/"
    segments: list[Segment] = []
    parts: list[str] = []
    for text in path.strip("/").split("/") if path.strip("/") else []:
        segment = _segment(text, greedy)
        segments.append(segment)
        if segment.greedy:
            parts.append("(.+)")
            break
        if segment.whole:
            parts.append("([^/]+)")
        elif segment.pattern is not None:
            parts.append(segment.pattern.pattern.removesuffix(r"\Z"))
        else:
            parts.append(re.escape(text))
    regex = re.compile(r"\A/" + "/".join(parts) + r"/?\Z")
    names = tuple(name for segment in segments for name in segment.names)
    return PathTemplate(template, path, tuple(segments), names, regex)


def _segment(text: str, greedy: frozenset[str]) -> Segment:
    whole = _PARAM.fullmatch(text)
    if whole is not None:
        name = whole.group(1)
        return Segment(text, (name,), whole=True, greedy=name in greedy)
    names: list[str] = []
    pieces: list[str] = []
    last = 0
    for match in _PARAM.finditer(text):
        pieces.append(re.escape(text[last : match.start()]))
        pieces.append("([^/]+?)")
        names.append(match.group(1))
        last = match.end()
    if not names:
        return Segment(text)
    pieces.append(re.escape(text[last:]))
    return Segment(text, tuple(names), pattern=re.compile("".join(pieces) + r"\Z"))


def on_endpoint(path: str, endpoint: str) -> bool:
    """Whether ``path`` is the route a batch's ``endpoint`` names: the path itself (OpenAI's
    ``/v1/chat/completions``), or its words past the version joined by ``_`` (ipop's ``chat_completions``)."""
    route = path.strip("/")
    tail = re.sub(r"^v\d+[a-z]*/", "", route)
    return endpoint.strip().strip("/") in (route, tail, tail.replace("/", "_"))
