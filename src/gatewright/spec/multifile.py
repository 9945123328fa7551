"""Documents split over several files: their ``$ref``s checked, then bundled once with prance.

A ``$ref`` may name another file in the document's own folder (or below it), JSON or YAML. One that
names a URL, or a file outside that folder (``../``, an absolute path, a symlink out), is refused in one
``SpecError``: loading a spec never reads anything the user did not put next to it, and never the
network.

Every file is parsed here, by the loader's own safe parsers (YAML 1.2, alias and depth bounds), and
handed to prance's ``RefResolver`` through its reference cache, so prance resolves references but
reads no file itself. References into other files are inlined where they stand (path items and
parameters included, as gatewright reads those in place); the root document's own ``#/...`` references
stay as they are. A schema that refers to itself through another file cannot be inlined: it becomes a
schema of ``components/schemas`` that the references point to. The bundled document may not grow
past what the YAML alias bound allows a single file.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

from prance.util.resolver import RESOLVE_FILES, RESOLVE_INTERNAL, RefResolver
from prance.util.url import ResolutionError, absurl, urlresource

from gatewright.spec.errors import SpecError
from gatewright.spec.loader import (
    ALIAS_EXPANSION_FACTOR,
    ALIAS_EXPANSION_LIMIT,
    MAX_DEPTH,
    parse_json,
    parse_yaml,
    read_text,
)
from gatewright.spec.pointer import walk

_LOCAL = "\0$ref"  # the root's own references, hidden from prance while it resolves the others
_COMPONENT_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def bundle(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (parsed from ``path``) with the files its ``$ref``s name inlined; itself when it
    names none."""
    root = path.resolve()
    files = _referenced_files(path, document)
    if len(files) == 1:
        return document
    cache = {_cache_key(file): content for file, content in files.items() if file != root}
    protected = _rename(document, "$ref", _LOCAL, "#")
    cache[_cache_key(root)] = protected
    hoisted = _Hoisted(root, set(document.get("components", {}).get("schemas", {})))
    try:
        bundled = _resolve(protected, root, cache, hoisted)
        schemas = bundled.setdefault("components", {}).setdefault("schemas", {})
        while hoisted.pending:
            url, name = hoisted.pending.pop()
            # A one-reference document, at an address no file can have (prance caches it under it).
            schemas[name] = _resolve({"$ref": url}, root.with_name("\0hoisted"), cache, hoisted)
    except ResolutionError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot be resolved"
        raise SpecError(f"$ref cannot be bundled: {reason}", source=str(path)) from None
    distinct = sum(_count(content) for content in files.values())
    _check_size(bundled, distinct, str(path))
    result: dict[str, Any] = _rename(bundled, _LOCAL, "$ref")
    return result


class _Hoisted:
    """Schemas that refer to themselves through another file, named into ``components/schemas``.

    prance calls ``__call__`` (its recursion-limit handler) at each recursive reference; the reference
    becomes a local one to the schema's new name, and the schema is resolved on its own afterwards.
    """

    def __init__(self, root: Path, taken: set[str]) -> None:
        self.root = root
        self.taken = taken  # the document's own schema names
        self.names: dict[str, str] = {}
        self.pending: list[tuple[str, str]] = []

    def __call__(self, limit: int, parsed_url: Any, recursions: Any = ()) -> dict[str, str]:
        url = parsed_url.geturl()
        name = self.names.get(url)
        if name is None:
            file = Path(urllib.parse.unquote(parsed_url.path))
            label = f"{file.relative_to(self.root.parent).as_posix()}{parsed_url.fragment}"
            name = _COMPONENT_NAME.sub("_", label).strip("_") or "schema"
            while name in self.taken:
                name += "_"
            self.taken.add(name)
            self.names[url] = name
            self.pending.append((url, name))
        return {_LOCAL: f"#/components/schemas/{name}"}


def _resolve(node: dict[str, Any], root: Path, cache: dict[Any, Any], hoisted: _Hoisted) -> Any:
    resolver = RefResolver(
        node,
        str(root),
        reference_cache=cache,
        resolve_types=RESOLVE_FILES | RESOLVE_INTERNAL,  # the root's own refs are hidden (``_LOCAL``)
        recursion_limit_handler=hoisted,
    )
    resolver.resolve_references()
    return resolver.specs


def _cache_key(file: Path) -> tuple[str, bool]:
    """The key prance's ``fetch_url`` looks a parsed file up under (strict mode)."""
    return (urlresource(absurl(str(file))), True)


def _referenced_files(path: Path, document: dict[str, Any]) -> dict[Path, Any]:
    """Every file the document's ``$ref``s reach (itself first, resolved), parsed; a ``$ref`` that is
    refused, or names no file, is a ``SpecError`` naming the file it is in and where."""
    root = path.resolve()
    files: dict[Path, Any] = {root: document}
    queue = [root]
    while queue:
        current = queue.pop()
        for pointer, node in walk(files[current]):
            ref = node.get("$ref") if isinstance(node, dict) else None
            address = ref.partition("#")[0] if isinstance(ref, str) else ""
            if not address:
                continue  # not a reference, or one inside ``current``
            parts = urllib.parse.urlsplit(address)
            target = (current.parent / urllib.parse.unquote(parts.path)).resolve()
            if parts.scheme or parts.netloc:
                refused = "names a URL; only files in the document's folder may be named"
            elif not target.is_relative_to(root.parent):
                refused = f"leaves the document's folder {root.parent}; only files in it may be named"
            elif not target.is_file():
                refused = "names a file that does not exist"
            else:
                if target not in files:
                    files[target] = _parse(target, str(ref))
                    queue.append(target)
                continue
            source = str(path) if current == root else str(current)
            raise SpecError(f"$ref {ref!r} {refused}", source=source, pointer=pointer)
    return files


def _parse(file: Path, ref: str) -> Any:
    suffix = file.suffix.lower()
    if suffix == ".json":
        return parse_json(read_text(file, f"file named by $ref {ref!r}"), str(file))
    if suffix in (".yaml", ".yml"):
        return parse_yaml(read_text(file, f"file named by $ref {ref!r}"), str(file))
    raise SpecError(f"$ref {ref!r} names a {suffix or 'suffix-less'} file; expected .json, .yaml or .yml")


def _rename(node: Any, old: str, new: str, starting: str = "") -> Any:
    """A copy of ``node`` with each key ``old`` whose value is a string ``starting`` so renamed ``new``
    (parts the resolver shares are copied apart)."""
    if isinstance(node, dict):
        return {
            (new if key == old and isinstance(value, str) and value.startswith(starting) else key): _rename(
                value, old, new, starting
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rename(value, old, new, starting) for value in node]
    return node


def _count(node: Any) -> int:
    return sum(1 for _ in walk(node))


def _check_size(document: Any, distinct: int, source: str) -> None:
    """Refuse a bundle whose inlined references would expand past the YAML alias bound or nest deeper
    than ``MAX_DEPTH`` (measured on the shared structure, each shared part once, without recursion)."""
    sizes: dict[int, tuple[int, int]] = {}  # id -> (nodes once expanded, depth)
    opened: set[int] = set()
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:
        node, done = stack.pop()
        children = list(node.values()) if isinstance(node, dict) else node
        if not done and id(node) in opened and id(node) not in sizes:  # its own ancestor
            raise SpecError("$refs to other files form a loop that cannot be bundled", source=source)
        opened.add(id(node))
        if done:
            measured = [sizes[id(child)] for child in children if isinstance(child, dict | list)]
            leaves = len(children) - len(measured)
            nodes = 1 + leaves + sum(n for n, _ in measured)
            sizes[id(node)] = (nodes, 1 + max((d for _, d in measured), default=0))
            continue
        if id(node) in sizes:
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if isinstance(child, dict | list))
    expanded, depth = sizes[id(document)]
    if depth > MAX_DEPTH:
        raise SpecError(f"nested too deep once bundled (more than {MAX_DEPTH} levels)", source=source)
    if expanded > max(ALIAS_EXPANSION_LIMIT, ALIAS_EXPANSION_FACTOR * distinct):
        raise SpecError(
            f"$refs to other files expand {distinct:,} nodes into {expanded:,}; refused", source=source
        )
