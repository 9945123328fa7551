"""Fold ``/path#variant`` keys (imarouter's per-model duplicates) into one operation per route.

The variants of a route differ only in the request body schema, told apart by
``model`` (their enums are disjoint), so the folded request body is a ``oneOf``
with a ``model`` discriminator. Responses that differ become an ``anyOf``;
examples of every variant are kept as named examples.
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.model import HTTP_METHODS
from gatewright.spec.pointer import deref, escape

DISCRIMINATOR = "model"


def model_values(document: Document, schema: Any) -> list[Any]:
    """The ``model`` values a request schema admits (enum or const, through refs and allOf)."""
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return []
    prop = deref(document, schema.get("properties", {}).get(DISCRIMINATOR))
    if isinstance(prop, dict):
        if isinstance(prop.get("enum"), list):
            return list(prop["enum"])
        if "const" in prop:
            return [prop["const"]]
    values: list[Any] = []
    for part in schema.get("allOf", []):
        values.extend(v for v in model_values(document, part) if v not in values)
    return values


def _merge_examples(target: dict[str, Any], source: dict[str, Any], fragment: str) -> None:
    for name, example in source.get("examples", {}).items():
        key = name if name not in target.setdefault("examples", {}) else f"{fragment}_{name}"
        target["examples"][key] = example


def _merge_content(target: dict[str, Any], variant: dict[str, Any], fragment: str, combinator: str) -> None:
    for media, media_object in variant.get("content", {}).items():
        existing = target.setdefault("content", {}).get(media)
        if existing is None:
            target["content"][media] = media_object
            continue
        schema = media_object.get("schema")
        current = existing.get("schema")
        branches = (
            current[combinator]
            if isinstance(current, dict)
            and combinator in current
            and set(current) <= {combinator, "discriminator"}
            else [current]
        )
        if schema is not None and schema not in branches:
            existing["schema"] = {combinator: [*branches, schema]}
        _merge_examples(existing, media_object, fragment)


def _merge_operation(merged: dict[str, Any], variant: dict[str, Any], fragment: str) -> None:
    for tag in variant.get("tags", []):
        if tag not in merged.setdefault("tags", []):
            merged["tags"].append(tag)
    known = {(p.get("name"), p.get("in")) for p in merged.get("parameters", [])}
    for param in variant.get("parameters", []):
        if (param.get("name"), param.get("in")) not in known:
            merged.setdefault("parameters", []).append(param)
    if "requestBody" in variant:
        if "requestBody" not in merged:
            merged["requestBody"] = variant["requestBody"]
        else:
            _merge_content(merged["requestBody"], variant["requestBody"], fragment, "oneOf")
    for status, response in variant.get("responses", {}).items():
        responses = merged.setdefault("responses", {})
        if status not in responses:
            responses[status] = response
        else:
            _merge_content(responses[status], response, fragment, "anyOf")
    for key, value in variant.items():
        if key == "x-codeSamples":
            merged.setdefault(key, []).extend(value)
        elif (key == "operationId" and "operationId" not in merged) or (
            key not in merged and key not in ("requestBody", "responses", "parameters", "tags")
        ):
            merged[key] = value


def _discriminate(document: Document, op: dict[str, Any], pointer: str, log: RepairLog) -> None:
    """Give a folded request ``oneOf`` a model discriminator; every branch must require ``model``."""
    for media, media_object in op.get("requestBody", {}).get("content", {}).items():
        schema = media_object.get("schema", {})
        if not isinstance(schema, dict) or "oneOf" not in schema:
            continue
        mapping: dict[str, str] = {}
        for branch in schema["oneOf"]:
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            target = deref(document, branch)
            for value in model_values(document, branch):
                if ref:
                    mapping[str(value)] = ref
            if (
                isinstance(target, dict)
                and DISCRIMINATOR not in target.get("required", [])
                and DISCRIMINATOR in target.get("properties", {})
            ):
                target.setdefault("required", []).append(DISCRIMINATOR)
                log.add(
                    ref.removeprefix("#") if ref else pointer,
                    f"added {DISCRIMINATOR!r} to required",
                    "the folded variants are told apart by `model`; without it a body matches several "
                    "branches and the `oneOf` rejects it",
                )
        schema["discriminator"] = {"propertyName": DISCRIMINATOR, "mapping": dict(sorted(mapping.items()))}
        log.add(
            pointer,
            f"added a `model` discriminator to the folded {media} request body's oneOf",
            "the variants' `model` enums are disjoint, so `model` names the branch",
            after=schema["discriminator"],
        )


@repair_pass("fragment_paths")
def fold_fragment_paths(document: Document, context: Context, log: RepairLog) -> None:
    """Merge every ``/path#fragment`` path item into its plain path's operations."""
    paths = document.get("paths", {})
    if not any("#" in path for path in paths):
        return
    folded: dict[str, Any] = {}
    variants: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path, item in paths.items():
        base, _, fragment = path.partition("#")
        if not fragment:
            folded[base] = item
        else:
            folded.setdefault(base, {})
            variants.setdefault(base, []).append((fragment, item))
    for base, items in variants.items():
        target = folded[base]
        origin = {method: f"/paths/{escape(base)}/{method}" for method in HTTP_METHODS if method in target}
        for fragment, item in items:
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                if method not in target:
                    target[method] = item[method]
                    origin[method] = f"/paths/{escape(base + '#' + fragment)}/{method}"
                else:
                    _merge_operation(target[method], item[method], fragment)
                log.add(
                    f"/paths/{escape(base + '#' + fragment)}/{method}",
                    f"folded into {method.upper()} {base}",
                    "a '#' is not part of a URL path: the variants are one route on the wire",
                    before=item[method].get("operationId"),
                )
        for method in HTTP_METHODS:
            if method in target:
                _discriminate(document, target[method], origin[method], log)
    document["paths"] = folded
