"""Mark OpenAI/Anthropic-compatible operations with their wire; widen their schemas to the official shapes.

Where a document says a route is compatible with a vendor's API (``compatible_routes``:
the route's own text, the document's, or the document's claim for its other routes of
that vendor's wires), the route gets ``x-gatewright-compatible: {"wire": ...}``; the mock
and the runner read the wire from it. Then each official body of that wire
(``compatible_wires``: what the official SDKs send and parse) is validated against the
route's request or 2xx response schema, and every keyword that rejects it is widened,
minimally, by one logged repair:

- a kind of item the schema does not know (a ``tool`` message, a ``tool_use`` block, a
  token-id list where strings are expected) becomes an alternative: the official
  schema of that kind is added as an ``anyOf``/``oneOf`` branch;
- otherwise the keyword itself is widened: a ``required`` name the official body may
  omit is dropped, a type or an enum value is added, a property a closed object
  (``additionalProperties: false``) lacks is declared with its official schema.

Open schemas already accept the official fields and are left alone. The gateway's
own fields (``model``) take a value the document accepts and are never widened.
A component also used by operations that are not compatible is not widened in
place: the compatible operation is pointed at a copy (``<Name>Compatible``), and the
widenings inside it are logged with pointers into that copy.
"""

from __future__ import annotations

import copy
from typing import Any

from gatewright.normalize.compatible_wires import (
    REQUEST_SAMPLES,
    REQUESTS,
    RESPONSE_SAMPLES,
    RESPONSES,
    VENDOR_FIELDS,
    Sample,
    claims,
    compatible_routes,
)
from gatewright.normalize.passes.ambiguous_one_of import witness
from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import COMPATIBLE_EXTENSION, HTTP_METHODS
from gatewright.spec.pointer import deref, escape, lookup, resolve, split, walk
from gatewright.spec.validation import DocumentValidators

EXTENSION = COMPATIBLE_EXTENSION  # the mark this pass writes
JSON = "application/json"
DISCRIMINATORS = ("type", "role")
ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "externalDocs"}
)
_DEPTH = 12


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def declared_types(schema: dict[str, Any]) -> list[str] | None:
    """The JSON types a schema node declares (``properties``/``items`` imply object/array); None: any."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    if "properties" in schema or "required" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return None


def _describe(schema: Any) -> str:
    """A short name for a schema's shape, for the repair log: ``array of integer``, ``null``."""
    if not isinstance(schema, dict):
        return "value"
    kinds = declared_types(schema) or []
    if kinds == ["array"] and isinstance(schema.get("items"), dict):
        return f"array of {_describe(schema['items'])}"
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not kinds and isinstance(branches, list):
        kinds = list(dict.fromkeys(_describe(branch) for branch in branches))
    return " or ".join(kinds) or "value"


def _accepts_type(kinds: list[str], kind: str) -> bool:
    return kind in kinds or (kind == "integer" and "number" in kinds)


def _same(a: Any, b: Any) -> bool:
    return json_type(a) == json_type(b) and a == b


def _union(official: Any) -> tuple[list[dict[str, Any]], str | None] | None:
    """The branches of an official union, and the property that tells them apart (if any)."""
    if not isinstance(official, dict):
        return None
    branches = official.get("anyOf") or official.get("oneOf")
    if not isinstance(branches, list) or not branches:
        return None
    for name in DISCRIMINATORS:
        if all(
            isinstance(branch.get("properties", {}).get(name), dict)
            and {"const", "enum"} & set(branch["properties"][name])
            for branch in branches
        ):
            return branches, name
    return branches, None


def _standalone_valid(schema: dict[str, Any], value: Any) -> bool:
    return DocumentValidators({}).is_valid(schema, value)


def _official_branch(branches: list[dict[str, Any]], disc: str | None, value: Any) -> dict[str, Any] | None:
    for branch in branches:
        if _standalone_valid(branch, value):
            return branch
    if disc is not None and isinstance(value, dict) and disc in value:
        for branch in branches:
            if _standalone_valid(branch["properties"][disc], value[disc]):
                return branch
    return None


def _ref_targets(node: Any) -> list[str]:
    return [
        value[1:]
        for pointer, value in walk(node)
        if pointer.endswith("/$ref") and isinstance(value, str) and value.startswith("#/")
    ]


def _seen_outside(document: Document, compatible: set[str]) -> set[str]:
    """Every place an operation that is not compatible (or any non-operation part) reaches through refs."""
    seen: set[str] = set()
    pending: list[str] = []
    for key, value in document.items():
        if key not in ("paths", "components"):
            pending.extend(_ref_targets(value))
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            pointer = f"/paths/{escape(path)}/{key}"
            if key in HTTP_METHODS and pointer in compatible:
                continue
            if key in HTTP_METHODS:
                seen.add(pointer)
            pending.extend(_ref_targets(value))
    while pending:
        target = pending.pop()
        if target in seen:
            continue
        seen.add(target)
        node = lookup(document, target)
        if node is not None:
            pending.extend(_ref_targets(node))
    return seen


class Widener:
    """Widens the schemas of compatible operations in one document, logging each change."""

    def __init__(self, document: Document, compatible: set[str], log: RepairLog) -> None:
        self.document = document
        self.log = log
        self.outside = _seen_outside(document, compatible)
        self.copies: dict[str, str] = {}
        self.why = ""
        self._validators: DocumentValidators | None = None

    # -- validation against the live document --

    def valid(self, schema: Any, value: Any) -> bool:
        if self._validators is None:
            self._validators = DocumentValidators(self.document)
        return self._validators.is_valid(schema, value)

    def _changed(self, pointer: str, change: str, **values: Any) -> None:
        self._validators = None
        self.log.add(pointer, change, self.why, **{key: copy.deepcopy(v) for key, v in values.items()})

    # -- entry point --

    def fit_samples(
        self, pointer: str, official: dict[str, Any], samples: tuple[Sample, ...], why: str
    ) -> None:
        for sample in samples:
            body = self._prepare(pointer, sample.body)
            self.why = f"{why} {sample.name}, which this schema rejected"
            for _ in range(3):
                if self.valid(resolve(self.document, pointer), body):
                    break
                self.fit(pointer, body, "", official)

    def _prepare(self, pointer: str, body: dict[str, Any]) -> dict[str, Any]:
        """The sample with the gateway's own fields set to values the document accepts."""
        body = copy.deepcopy(body)
        schema = deref(self.document, resolve(self.document, pointer))
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        for name in VENDOR_FIELDS:
            field = deref(self.document, properties.get(name))
            if name not in body or not isinstance(field, dict):
                continue
            candidates = [
                field.get("const"),
                *field.get("enum", []),
                *field.get("examples", []),
                field.get("default"),
            ]
            body[name] = next((c for c in candidates if c is not None and self.valid(field, c)), body[name])
        return body

    # -- the walk: make the schema at ``pointer`` accept ``value`` (at ``where`` in the instance) --

    def fit(self, pointer: str, value: Any, where: str, official: Any, disc: str | None = None) -> None:
        if where.lstrip("/") in VENDOR_FIELDS:
            return
        node = resolve(self.document, pointer)
        if not isinstance(node, dict) or self.valid(node, value):
            return
        union = _union(official)
        if union is not None:
            branches, disc = union
            branch = _official_branch(branches, disc, value)
            if branch is not None:
                if disc is not None and isinstance(value, dict) and disc in value:
                    if not self._kind_accepted(node, disc, value[disc]):
                        self._add_branch(
                            pointer, branch, f'the official `{disc}: "{value[disc]}"` item', value
                        )
                        return
                elif not self._shape_matches(node, value):
                    self._add_branch(pointer, branch, f"the official form `{_describe(branch)}`", value)
                    return
                official = branch
        if isinstance(node.get("$ref"), str):
            target = self._writable_target(pointer, node)
            if target is not None:
                self.fit(target, value, where, official, disc)
            node = resolve(self.document, pointer)
            if set(node) - ANNOTATIONS <= {"$ref"}:
                return
        for index in range(len(node.get("allOf", []))):
            self.fit(f"{pointer}/allOf/{index}", value, where, official, disc)
        for key in ("oneOf", "anyOf"):
            self._fit_branches(pointer, key, value, where, official=official, disc=disc)
        node = resolve(self.document, pointer)
        if not self._fit_scalar(pointer, node, value, official):
            return
        if isinstance(value, dict):
            self._fit_object(pointer, node, value, where, official)
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            items = official.get("items") if isinstance(official, dict) else None
            for index, item in enumerate(value):
                self.fit(f"{pointer}/items", item, f"{where}/{index}", items)

    def _fit_branches(
        self, pointer: str, key: str, value: Any, where: str, *, official: Any, disc: str | None
    ) -> None:
        node = resolve(self.document, pointer)
        branches = node.get(key)
        if not isinstance(branches, list) or not branches or self.valid({key: branches}, value):
            return
        candidates = [i for i, branch in enumerate(branches) if self._shape_matches(branch, value)]
        if disc is not None and isinstance(value, dict) and disc in value:
            candidates = [i for i in candidates if self._kind_accepted(branches[i], disc, value[disc])]
        if candidates:
            self.fit(f"{pointer}/{key}/{candidates[0]}", value, where, official)
        else:
            branch = official if isinstance(official, dict) else {"type": json_type(value)}
            self._add_branch(pointer, branch, f"the official form `{_describe(branch)}`", value)

    def _fit_scalar(self, pointer: str, node: dict[str, Any], value: Any, official: Any) -> bool:
        """Widen ``type``, ``const`` and ``enum``; False when the value became a new branch instead."""
        kind = json_type(value)
        container = kind in ("object", "array")
        kinds = declared_types(node) if "type" in node else None
        if kinds is not None and not _accepts_type(kinds, kind):
            if container:
                branch = official if isinstance(official, dict) else {"type": kind}
                self._add_branch(pointer, branch, f"the official form `{_describe(branch)}`", value)
                return False
            self._add_type(pointer, node, kind)
        if "const" in node and not _same(node["const"], value):
            if container:
                self._add_branch(pointer, official or {"const": value}, f"the official form `{kind}`", value)
                return False
            before = node["const"]
            _replace_key(node, "const", "enum", [before, value])
            self._changed(
                f"{pointer}/const", f"allowed {value!r} next to {before!r}", before=before, after=node["enum"]
            )
        enum = node.get("enum")
        if isinstance(enum, list) and not any(_same(member, value) for member in enum):
            if container:
                self._add_branch(pointer, official or {"const": value}, f"the official form `{kind}`", value)
                return False
            node["enum"] = [*enum, value]
            self._changed(f"{pointer}/enum", f"allowed the value {value!r}", before=enum, after=node["enum"])
        return True

    def _fit_object(
        self, pointer: str, node: dict[str, Any], value: dict[str, Any], where: str, official: Any
    ) -> None:
        required = node.get("required")
        if isinstance(required, list) and any(name not in value for name in required):
            missing = [name for name in required if name not in value]
            kept = [name for name in required if name in value]
            if kept:
                node["required"] = kept
            else:
                del node["required"]
            self._changed(
                f"{pointer}/required",
                "no longer requires " + ", ".join(f"`{name}`" for name in missing),
                before=required,
                after=kept,
            )
        properties: dict[str, Any] = node["properties"] if isinstance(node.get("properties"), dict) else {}
        known = official.get("properties", {}) if isinstance(official, dict) else {}
        closed = node.get("additionalProperties", node.get("unevaluatedProperties"))
        for name, item in value.items():
            if name in properties:
                self.fit(
                    f"{pointer}/properties/{escape(name)}", item, f"{where}/{escape(name)}", known.get(name)
                )
            elif closed is False and not node.get("patternProperties"):
                declared = copy.deepcopy(known.get(name, {}))
                node.setdefault("properties", {})[name] = declared
                properties = node["properties"]
                self._changed(
                    f"{pointer}/properties/{escape(name)}",
                    f"declared the property `{name}` (the schema forbids undeclared properties)",
                    after=declared,
                )
            elif isinstance(closed, dict):
                key = "additionalProperties" if "additionalProperties" in node else "unevaluatedProperties"
                self.fit(f"{pointer}/{key}", item, f"{where}/{escape(name)}", known.get(name))

    # -- widening operations --

    def _add_type(self, pointer: str, node: dict[str, Any], kind: str) -> None:
        before = node.get("type")
        kinds = declared_types(node) or []
        node["type"] = [*kinds, kind]
        self._changed(f"{pointer}/type", f"allowed {kind}", before=before, after=node["type"])

    def _add_branch(self, pointer: str, branch: dict[str, Any], label: str, value: Any) -> None:
        node = resolve(self.document, pointer)
        branch = copy.deepcopy(branch)
        scalar = set(branch) == {"type"} and isinstance(branch["type"], str)
        if scalar and "type" in node and not {"oneOf", "anyOf", "const"} & set(node):
            self._add_type(pointer, node, branch["type"])
            enum = node.get("enum")
            if isinstance(enum, list) and not any(_same(member, value) for member in enum):
                node["enum"] = [*enum, value]
                self._changed(
                    f"{pointer}/enum", f"allowed the value {value!r}", before=enum, after=node["enum"]
                )
            return
        if isinstance(node.get("oneOf"), list) and "discriminator" not in node:
            node["oneOf"].append(branch)
            change = f"added {label} as a oneOf branch"
            validators = DocumentValidators(self.document)
            if witness(self.document, validators, node["oneOf"]) is not None:
                if isinstance(node.get("anyOf"), list):
                    node.setdefault("allOf", []).append({"anyOf": node.pop("oneOf")})
                else:
                    _replace_key(node, "oneOf", "anyOf", node["oneOf"])
                change = f"added {label} as a branch (oneOf -> anyOf: the branches now overlap)"
            self._changed(pointer, change, after=branch)
            return
        if isinstance(node.get("anyOf"), list) and not set(node) - ANNOTATIONS - {"anyOf"}:
            node["anyOf"].append(branch)
            self._changed(f"{pointer}/anyOf", f"added {label} as an anyOf branch", after=branch)
            return
        inner = {
            key: item for key, item in node.items() if key not in ANNOTATIONS and not key.startswith("x-")
        }
        wrapped: dict[str, Any] = {}
        for key, item in node.items():
            if key in inner:
                wrapped.setdefault("anyOf", [inner, branch])
            else:
                wrapped[key] = item
        node.clear()
        node.update(wrapped)
        self._changed(pointer, f"accepted {label} as an alternative (anyOf)", after=branch)

    def _writable_target(self, pointer: str, node: dict[str, Any]) -> str | None:
        """The pointer to widen behind ``node``'s ref: the target itself, or a copy if others use it."""
        ref = str(node["$ref"])
        if not ref.startswith("#/") or lookup(self.document, ref[1:]) is None:
            return None
        target = ref[1:]
        if target in self.copies:
            target_copy = self.copies[target]
        elif not any(
            target == seen or target.startswith(seen + "/") or seen.startswith(target + "/")
            for seen in self.outside
        ):
            return target
        else:
            schemas = self.document.setdefault("components", {}).setdefault("schemas", {})
            base = split(target)[-1]
            name = f"{base}Compatible"
            suffix = 2
            while name in schemas:
                name, suffix = f"{base}Compatible{suffix}", suffix + 1
            schemas[name] = copy.deepcopy(resolve(self.document, target))
            target_copy = f"/components/schemas/{escape(name)}"
            self.copies[target] = target_copy
            self._changed(
                target_copy,
                f"added `{name}`, a copy of `{base}` to widen for the compatible operations "
                f"(`{base}` is also used by operations that are not compatible, which keep it as it is)",
            )
        node["$ref"] = "#" + target_copy
        self._changed(
            f"{pointer}/$ref",
            f"pointed at `{split(target_copy)[-1]}`, the copy of `{split(target)[-1]}` that is widened",
            before=ref,
            after=node["$ref"],
        )
        return target_copy

    def own(self, pointer: str, why: str) -> str:
        """The pointer of the schema to change for the one at ``pointer``: behind its local refs, and a
        logged ``<Name>Compatible`` copy where operations that are not compatible share the target."""
        self.why = why
        for _ in range(_DEPTH):
            node = lookup(self.document, pointer)
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                break
            if set(node) - ANNOTATIONS - {"$ref"}:
                break  # the ref has siblings of its own: change the node itself
            target = self._writable_target(pointer, node)
            if target is None:
                break
            pointer = target
        return pointer

    # -- structural questions --

    def _kind_accepted(self, schema: Any, disc: str, kind: Any, depth: int = 0) -> bool:
        """Whether the schema knows items whose ``disc`` (``type``, ``role``) is ``kind``."""
        schema = deref(self.document, schema)
        if not isinstance(schema, dict) or depth > _DEPTH:
            return True
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if (
                isinstance(branches, list)
                and branches
                and not any(self._kind_accepted(b, disc, kind, depth + 1) for b in branches)
            ):
                return False
        if not all(self._kind_accepted(b, disc, kind, depth + 1) for b in schema.get("allOf", [])):
            return False
        properties = schema.get("properties")
        if isinstance(properties, dict) and disc in properties:
            return self.valid(properties[disc], kind)
        return schema.get("additionalProperties") is not False

    def _shape_matches(self, schema: Any, value: Any, depth: int = 0) -> bool:
        """Whether the schema describes this kind of value at all (its JSON type, and its items' types)."""
        schema = deref(self.document, schema)
        if not isinstance(schema, dict) or depth > _DEPTH:
            return True
        kinds = declared_types(schema)
        if kinds is not None and not _accepts_type(kinds, json_type(value)):
            return False
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if (
                isinstance(branches, list)
                and branches
                and not any(self._shape_matches(b, value, depth + 1) for b in branches)
            ):
                return False
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return all(self._shape_matches(schema["items"], item, depth + 1) for item in value)
        return True


def _replace_key(node: dict[str, Any], old: str, new: str, value: Any) -> None:
    """Rename a key in place, keeping its position (the canonical JSON keeps key order)."""
    items = [(new if key == old else key, value if key == old else item) for key, item in node.items()]
    node.clear()
    node.update(items)


def _json_schema(holder: Any) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(holder, dict) or "$ref" in holder:
        return None
    media = holder.get("content", {}).get(JSON)
    if isinstance(media, dict) and isinstance(media.get("schema"), dict):
        return f"/content/{escape(JSON)}/schema", media["schema"]
    return None


@repair_pass("compatibility")
def compatibility(document: Document, context: Context, log: RepairLog) -> None:
    """Mark OpenAI/Anthropic-compatible operations with their wire; widen their schemas to fit the SDKs."""
    routes = compatible_routes(document, context.prose)
    marked = [
        (path, method, op, pointer, *routes[pointer])
        for path, method, op, pointer in operations(document)
        if pointer in routes
    ]
    if not marked:
        return
    widener = Widener(document, {pointer for _, _, _, pointer, _, _ in marked}, log)
    for path, method, op, pointer, wire, vendor in marked:
        route = f"`{method.upper()} {path}`"
        if claims(document, op, vendor, context.prose):
            claim = f"the document declares {route} {vendor}-compatible"
        else:
            claim = (
                f"the document declares its other {vendor} routes {vendor}-compatible and serves {route} "
                f"at the official path without a claim of its own"
            )
        mark = {"wire": wire}
        if op.get(EXTENSION) != mark:
            before = op.get(EXTENSION)
            op[EXTENSION] = mark
            log.add(
                f"{pointer}/{EXTENSION}",
                f"marked the operation as the {wire!r} wire",
                f"{claim}; the mock and the runner read the wire's shapes from this mark",
                before=before,
                after=mark,
            )
        found_request = _json_schema(op.get("requestBody"))
        if found_request is not None:
            widener.fit_samples(
                f"{pointer}/requestBody{found_request[0]}",
                REQUESTS[wire],
                REQUEST_SAMPLES[wire],
                f"{claim}: the official {vendor} SDK sends",
            )
        for status, response in op.get("responses", {}).items():
            found_response = _json_schema(response) if status.startswith("2") else None
            if found_response is not None:
                widener.fit_samples(
                    f"{pointer}/responses/{escape(status)}{found_response[0]}",
                    RESPONSES[wire],
                    RESPONSE_SAMPLES[wire],
                    f"{claim}: the official {vendor} SDK parses",
                )
