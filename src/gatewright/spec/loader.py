"""Read OpenAPI documents as received: JSON, YAML, or YAML fenced inside a Markdown page.

Parsing is strict and local: YAML goes through the safe loader (timestamps stay
strings, mapping keys become strings, as JSON would have them). A document whose
``$ref``s name other files in its own folder is bundled into one (``multifile.py``);
a ``$ref`` to a URL or out of that folder is refused, so nothing else is ever read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gatewright.spec.errors import SpecError
from gatewright.spec.pointer import escape, split, walk

_OPENAPI_HEADING = re.compile(r"^#{1,6}[ \t]+openapi\.ya?ml[ \t]*$", re.IGNORECASE | re.MULTILINE)
_FENCE_OPEN = re.compile(r"^```\s*(ya?ml)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """A parsed document plus, for a Markdown page, the prose around its OpenAPI block."""

    path: Path
    format: str  # "json" | "yaml" | "markdown"
    document: dict[str, Any]
    prose: str = ""


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: ~5x faster


class _JsonCompatibleLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """SafeLoader that yields only what JSON could express (no dates, string keys)."""


# OpenAPI 3.1 documents are YAML 1.2: `off`/`yes` are strings, `16:9` is not a base-60 number, and
# timestamps stay strings. PyYAML speaks YAML 1.1, so its bool/int/float/timestamp resolvers are
# replaced with the YAML 1.2 core schema ones.
_YAML11_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}
_JsonCompatibleLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _YAML11_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_JsonCompatibleLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_JsonCompatibleLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_JsonCompatibleLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _construct_mapping(loader: _JsonCompatibleLoader, node: yaml.MappingNode) -> dict[str, Any]:
    loader.flatten_mapping(node)
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, bool) or key is None:
            key = {True: "true", False: "false", None: "null"}[key]
        mapping[str(key)] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_int(loader: _JsonCompatibleLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 16) if text.startswith("0x") else int(text, 10)


_JsonCompatibleLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_JsonCompatibleLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


# Hostile input: aliases may repeat a node (a shared schema, a merge key) but not expand a small
# file into a huge document (an "alias bomb"); nesting stays far below what the recursive passes
# and Python's recursion limit can walk (real OpenAPI documents nest less than 30 levels).
ALIAS_EXPANSION_LIMIT = 200_000  # nodes, once every alias is expanded ...
ALIAS_EXPANSION_FACTOR = 20  # ... unless the document itself has nearly that many distinct nodes
MAX_DEPTH = 256


def parse_json(text: str, source: str) -> Any:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", source=source, line=exc.lineno
        ) from None
    except RecursionError:
        raise SpecError(f"nested too deep (more than {MAX_DEPTH} levels)", source=source) from None
    check_depth(document, source)
    return document


def check_depth(document: Any, source: str) -> None:
    """Refuse a document nested deeper than ``MAX_DEPTH`` (walked without recursion; a node shared by
    YAML aliases is walked once per use, which the alias budget keeps small)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise SpecError(f"nested too deep (more than {MAX_DEPTH} levels)", source=source)
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _check_aliases(root: yaml.Node, source: str, line_offset: int) -> None:
    """Count the nodes the document would have with every alias expanded (memoized, no recursion)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the ancestors of the node being expanded: meeting one is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            open_nodes.discard(key)
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                line = child.start_mark.line + 1 + line_offset if child.start_mark else None
                raise SpecError(
                    "invalid YAML: a recursive alias (a node that contains itself)", source=source, line=line
                )
            if id(child) not in sizes:
                stack.append((child, False))
    expanded, distinct = sizes[id(root)], len(sizes)
    if expanded > max(ALIAS_EXPANSION_LIMIT, ALIAS_EXPANSION_FACTOR * distinct):
        raise SpecError(
            f"YAML aliases expand {distinct:,} nodes into {expanded:,} (an alias bomb?); refused",
            source=source,
        )


def parse_yaml(text: str, source: str, line_offset: int = 0) -> Any:
    """Safe YAML, with alias expansion and nesting bounded before anything is built."""
    loader = _JsonCompatibleLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text:  # no anchor, no alias: nothing to expand (and a large document skips the walk)
            _check_aliases(node, source, line_offset)
        document = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        raise SpecError(f"invalid YAML: {exc.problem or exc.context}", source=source, line=line) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", source=source) from None
    except RecursionError:
        raise SpecError(f"nested too deep (more than {MAX_DEPTH} levels)", source=source) from None
    finally:
        loader.dispose()
    check_depth(document, source)
    return document


def yaml_line(text: str, pointer: str) -> int | None:
    """The 1-based line of the node at ``pointer`` in YAML ``text`` that ``parse_yaml`` accepted (a mapping
    entry's key line), or of its nearest ancestor there; None when the text does not compose.

    A data file's errors name a JSON pointer; the line tells a reader where to look. Composing builds
    nodes only (aliases are shared, never expanded), so it is as safe as the parse that came first.
    """
    loader = _JsonCompatibleLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if node is None:
        return None
    line: int = node.start_mark.line
    for token in split(pointer):
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if k.value == token), None)
            if entry is None:
                break
            line, node = entry[0].start_mark.line, entry[1]
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
            line = node.start_mark.line
        else:
            break
    return line + 1


def extract_markdown_openapi(text: str, source: str) -> tuple[str, int, str]:
    """The fenced YAML block under an ``openapi.yaml`` heading: (yaml, first line number - 1, prose)."""
    heading = _OPENAPI_HEADING.search(text)
    if heading is None:
        raise SpecError("no '## openapi.yaml' heading with a fenced OpenAPI block", source=source)
    lines = text.splitlines(keepends=True)
    heading_line = text.count("\n", 0, heading.start())  # 0-based
    opened = None
    for index in range(heading_line + 1, len(lines)):
        stripped = lines[index].strip()
        if opened is None:
            if _FENCE_OPEN.match(stripped):
                opened = index + 1
            elif stripped:
                break
        elif stripped.startswith("```"):
            return "".join(lines[opened:index]), opened, text[: heading.start()]
    if opened is None:
        raise SpecError(
            "the openapi.yaml heading is not followed by a fenced block", source=source, line=heading_line + 1
        )
    return "".join(lines[opened:]), opened, text[: heading.start()]


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".md", ".markdown"):
        return "markdown"
    raise SpecError(
        f"unknown document format {suffix!r} (expected .json, .yaml, .yml or .md)", source=str(path)
    )


def names_other_files(document: Any) -> bool:
    """Whether any ``$ref`` of the document points outside it (another file, or a URL)."""
    return any(
        isinstance(node, dict) and isinstance(node.get("$ref"), str) and not node["$ref"].startswith("#")
        for _, node in walk(document)
    )


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def require_openapi(document: Any, source: str) -> None:
    """Refuse a document that is not an OpenAPI 3.x description a runner can walk, in one ``SpecError``.

    Checks the skeleton every reader relies on: the version, ``paths`` of path items of operations, and
    ``responses`` of response objects (or references), and ``components`` of objects.
    """
    if not isinstance(document, dict) or "openapi" not in document or "paths" not in document:
        raise SpecError("not an OpenAPI document (no 'openapi' and 'paths' at the top level)", source=source)
    version = document["openapi"]
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecError(
            f"unsupported OpenAPI version {version!r} (expected 3.x)", source=source, pointer="/openapi"
        )

    def need_object(value: Any, pointer: str, what: str) -> None:
        if not isinstance(value, dict):
            raise SpecError(f"{what} is not an object", source=source, pointer=pointer)

    need_object(document["paths"], "/paths", "'paths'")
    for path, item in document["paths"].items():
        item_pointer = "/paths/" + escape(str(path))
        need_object(item, item_pointer, f"path item {path!r}")
        for method in _METHODS:
            if method not in item:
                continue
            operation = item[method]
            need_object(operation, f"{item_pointer}/{method}", f"operation {method.upper()} {path}")
            responses = operation.get("responses", {})
            need_object(responses, f"{item_pointer}/{method}/responses", "'responses'")
            for status, response in responses.items():
                pointer = f"{item_pointer}/{method}/responses/{escape(str(status))}"
                need_object(response, pointer, f"response {status!r} of {method.upper()} {path}")
    components = document.get("components", {})
    need_object(components, "/components", "'components'")
    for section, entries in components.items():
        need_object(entries, f"/components/{escape(str(section))}", f"components section {section!r}")


def read_text(path: Path, what: str = "file") -> str:
    """A UTF-8 file's text; a missing or unreadable one is a ``SpecError`` naming it (``what`` it is)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{what} not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the {what}: {exc}", source=str(path)) from None


def load_source(path: Path) -> SourceDocument:
    """Parse one document; every failure is a ``SpecError`` naming the file (and line)."""
    source = str(path)
    text = read_text(path)
    kind = _format_of(path)
    prose = ""
    if kind == "json":
        document = parse_json(text, source)
    elif kind == "yaml":
        document = parse_yaml(text, source)
    else:
        block, offset, prose = extract_markdown_openapi(text, source)
        document = parse_yaml(block, source, line_offset=offset)
    if not isinstance(document, dict) or "openapi" not in document or "paths" not in document:
        raise SpecError("not an OpenAPI document (no 'openapi' and 'paths' at the top level)", source=source)
    if names_other_files(document):
        # Imported here: prance loads only for a multi-file document, and multifile parses with this module.
        from gatewright.spec.multifile import bundle  # noqa: PLC0415

        document = bundle(path, document)
    return SourceDocument(path=path, format=kind, document=document, prose=prose)
