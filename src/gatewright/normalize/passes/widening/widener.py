"""Widen a schema, minimally and logged, until an official body validates against it.

``Widener.fit`` walks the schema at a pointer together with a value (and the official schema of
that place, when there is one) and widens each keyword that rejects the value:

- a kind of item the schema does not know (a ``tool`` message, a ``tool_use`` block, a
  token-id list where strings are expected) becomes an alternative: the official
  schema of that kind is added as an ``anyOf``/``oneOf`` branch;
- otherwise the keyword itself is widened: a ``required`` name the official body may
  omit is dropped, a type or an enum value is added, a property a closed object
  (``additionalProperties: false``) lacks is declared with its official schema.

Open schemas already accept the official fields and are left alone. The gateway's own fields
(``VENDOR_FIELDS``) take a value the document accepts and are never widened. Shared components
are widened in a copy (``copies.Copies``).
"""

from __future__ import annotations

import copy
from typing import Any

from gatewright.normalize.compatible_wires import VENDOR_FIELDS
from gatewright.normalize.passes.ambiguous_one_of import witness
from gatewright.normalize.passes.base import Document
from gatewright.normalize.passes.widening.copies import DEPTH, Copies
from gatewright.normalize.passes.widening.kinds import (
    ANNOTATIONS,
    accepts_type,
    declared_types,
    describe,
    json_type,
    official_branch,
    replace_key,
    same,
    union,
)
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref, escape, resolve
from gatewright.spec.validation import DocumentValidators
from gatewright.spec.wire_data import Sample


class Widener:
    """Widens the schemas of compatible operations in one document, logging each change."""

    def __init__(self, document: Document, compatible: set[str], log: RepairLog) -> None:
        self.document = document
        self.log = log
        self.copies = Copies(document, compatible, self._changed)
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

    # -- entry points --

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

    def own(self, pointer: str, why: str) -> str:
        """The pointer of the schema to change for the one at ``pointer`` (``Copies.own``), its
        copies logged with ``why``."""
        self.why = why
        return self.copies.own(pointer)

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
        found = union(official)
        if found is not None:
            branches, disc = found
            branch = official_branch(branches, disc, value)
            if branch is not None:
                if disc is not None and isinstance(value, dict) and disc in value:
                    if not self._kind_accepted(node, disc, value[disc]):
                        self._add_branch(
                            pointer, branch, f'the official `{disc}: "{value[disc]}"` item', value
                        )
                        return
                elif not self._shape_matches(node, value):
                    self._add_branch(pointer, branch, f"the official form `{describe(branch)}`", value)
                    return
                official = branch
        if isinstance(node.get("$ref"), str):
            target = self.copies.writable_target(pointer, node)
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
            self._add_branch(pointer, branch, f"the official form `{describe(branch)}`", value)

    def _fit_scalar(self, pointer: str, node: dict[str, Any], value: Any, official: Any) -> bool:
        """Widen ``type``, ``const`` and ``enum``; False when the value became a new branch instead."""
        kind = json_type(value)
        container = kind in ("object", "array")
        kinds = declared_types(node) if "type" in node else None
        if kinds is not None and not accepts_type(kinds, kind):
            if container:
                branch = official if isinstance(official, dict) else {"type": kind}
                self._add_branch(pointer, branch, f"the official form `{describe(branch)}`", value)
                return False
            self._add_type(pointer, node, kind)
        if "const" in node and not same(node["const"], value):
            if container:
                self._add_branch(pointer, official or {"const": value}, f"the official form `{kind}`", value)
                return False
            before = node["const"]
            replace_key(node, "const", "enum", [before, value])
            self._changed(
                f"{pointer}/const", f"allowed {value!r} next to {before!r}", before=before, after=node["enum"]
            )
        enum = node.get("enum")
        if isinstance(enum, list) and not any(same(member, value) for member in enum):
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
            if isinstance(enum, list) and not any(same(member, value) for member in enum):
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
                    replace_key(node, "oneOf", "anyOf", node["oneOf"])
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

    # -- structural questions --

    def _kind_accepted(self, schema: Any, disc: str, kind: Any, depth: int = 0) -> bool:
        """Whether the schema knows items whose ``disc`` (``type``, ``role``) is ``kind``."""
        schema = deref(self.document, schema)
        if not isinstance(schema, dict) or depth > DEPTH:
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
        if not isinstance(schema, dict) or depth > DEPTH:
            return True
        kinds = declared_types(schema)
        if kinds is not None and not accepts_type(kinds, json_type(value)):
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
