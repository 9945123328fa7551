"""Where the OpenAI wire itself differs from what compatible documents say, say what the wire does.

Runs after ``compatibility``, on the operations it marked ``x-gatewright-compatible``:

- error envelopes: OpenAI and the gateways that copy it send ``"param": null`` and ``"code": null``,
  so in an OpenAI-style envelope (``{"error": {"message": ...}}``) of an ``openai-*`` operation a
  ``param`` or ``code`` declared as a plain string also allows ``null``;
- chat messages (``openai-chat``): OpenAI refuses an empty ``messages`` list (``minItems: 1``), and
  every message names its ``role``, a string; a schema whose message items would accept an object
  without one (an open object, an ``anyOf`` branch requiring nothing) is made to require it, which
  no official message (system, developer, user, assistant with ``tool_calls`` and null content,
  tool) lacks, and an open message object that says nothing of the role's type gets ``string``;
- embeddings input (``openai-embeddings``): OpenAI refuses an empty ``input`` with a 400, so its
  string forms get ``minLength: 1`` and its array forms ``minItems: 1``; an input of no declared
  type (which lets ``null`` and numbers through, refused too) is a string or a list;
- bounds (every wire): a request field its wire bounds (``minimum``, ``maximum``, ``minItems`` in the
  wire's request schema, ``specs/wires``: chat's ``n`` from 1 to 128, Anthropic's non-empty
  ``messages``) that the document leaves unbounded gets the wire's bound, since the vendor answers
  400 outside it; a bound the document states, anywhere in the field's schema, is left as it is
  (voxvey's Anthropic ``max_tokens`` may be 0).

Shared components follow the compatibility pass's rule: a request schema also used by operations
that are not compatible is changed in the ``<Name>Compatible`` copy, never in place. Error
envelopes are the gateway's own, used on every route, and are widened in place.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.passes.compatibility import EXTENSION
from gatewright.normalize.passes.widening import Widener, declared_types
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref, escape, lookup
from gatewright.spec.schemas import branches
from gatewright.spec.wires import WIRES

JSON = "application/json"
NULLABLE_ERROR_FIELDS = ("param", "code")
_DEPTH = 12

NULL_WHY = (
    'OpenAI and compatible gateways send `"param": null` (and `"code": null`) in their error envelopes; '
    "the document declares the field a plain string, so every such error would be reported as a deviation"
)
ROLE_WHY = (
    "every OpenAI chat message names its `role` (system, developer, user, assistant, tool) and "
    "OpenAI-compatible gateways refuse one without it; this schema accepted a message with no `role`"
)
MESSAGES_WHY = (
    "OpenAI refuses a chat request whose `messages` list is empty with a 400 (`[] is too short`); "
    "this schema accepted it"
)
ROLE_TYPE_WHY = (
    "a chat message's `role` is a string (system, developer, user, assistant, tool) and OpenAI refuses "
    "any other value with a 400; this schema accepted any value, `null` included"
)
INPUT_TYPE_WHY = (
    "OpenAI reads an embeddings `input` as a string or a list (of strings, or of token ids) and refuses "
    "`null`, a number or an object with a 400; this schema declared no type"
)
BOUNDS_WHY = (
    "the vendor behind this compatible route refuses the field outside the bounds its wire states "
    "(a 400, which the gateway passes on); this schema left it unbounded"
)
BOUND_KEYWORDS = ("minimum", "maximum", "minItems")
INPUT_WHY = (
    "OpenAI refuses an embeddings request whose `input` is empty (an empty string or an empty list) "
    "with a 400; this schema accepted it"
)


def _follow(document: Document, pointer: str) -> tuple[str, Any]:
    """Follow a chain of local refs from ``pointer`` (read only): the pointer and node at its end."""
    node = lookup(document, pointer)
    for _ in range(_DEPTH):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            break
        pointer, node = ref[1:], lookup(document, ref[1:])
    return pointer, node


def _error_envelopes(document: Document, op: dict[str, Any], pointer: str) -> Iterator[str]:
    """Pointers to the JSON schemas of the operation's error responses (4xx, 5xx, default)."""
    for status in op.get("responses", {}):
        if not (status[:1] in ("4", "5") or status == "default"):
            continue
        where, node = _follow(document, f"{pointer}/responses/{escape(status)}")
        media = node.get("content", {}).get(JSON) if isinstance(node, dict) else None
        if isinstance(media, dict) and isinstance(media.get("schema"), dict):
            yield f"{where}/content/{escape(JSON)}/schema"


def _nullable_error_fields(document: Document, envelope: str, log: RepairLog) -> None:
    _, outer = _follow(document, envelope)
    if not isinstance(outer, dict) or not isinstance(outer.get("properties"), dict):
        return
    if "error" not in outer["properties"]:
        return
    where, inner = _follow(document, f"{_follow(document, envelope)[0]}/properties/error")
    if not isinstance(inner, dict) or not isinstance(inner.get("properties"), dict):
        return
    if "message" not in inner["properties"] or "object" not in (declared_types(inner) or ["object"]):
        return  # not an OpenAI-style envelope
    for name in NULLABLE_ERROR_FIELDS:
        field = inner["properties"].get(name)
        if not isinstance(field, dict) or field.get("type") != "string":
            continue
        if {"enum", "const", "$ref"} & set(field):
            continue
        field["type"] = ["string", "null"]
        log.add(
            f"{where}/properties/{escape(name)}/type",
            f"allowed null for the error's `{name}`",
            NULL_WHY,
            before="string",
            after=field["type"],
        )


def requires(document: Document, schema: Any, name: str, depth: int = 0) -> bool:
    """Whether every object the schema accepts has the property ``name``."""
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > _DEPTH:
        return False
    if name in (schema.get("required") or []):
        return True
    if any(requires(document, branch, name, depth + 1) for branch in schema.get("allOf") or []):
        return True
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if (
            isinstance(branches, list)
            and branches
            and all(requires(document, branch, name, depth + 1) for branch in branches)
        ):
            return True
    return False


def _chat_messages(document: Document, widener: Widener, request: str, log: RepairLog) -> None:
    """A chat request's ``messages``: not empty, and every message with a ``role`` that is a string."""
    body = lookup(document, widener.own(request, ROLE_WHY))
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return
    if "messages" not in body["properties"]:
        return
    messages_at = widener.own(f"{widener.own(request, ROLE_WHY)}/properties/messages", ROLE_WHY)
    messages = lookup(document, messages_at)
    if not isinstance(messages, dict) or not isinstance(messages.get("items"), dict):
        return
    if not (isinstance(messages.get("minItems"), int) and messages["minItems"] >= 1):
        before = messages.get("minItems")
        messages["minItems"] = 1
        log.add(
            f"{messages_at}/minItems", "requires at least one message", MESSAGES_WHY, before=before, after=1
        )
    if not requires(document, messages["items"], "role"):
        items_at = widener.own(f"{messages_at}/items", ROLE_WHY)
        items = lookup(document, items_at)
        if not isinstance(items, dict):
            return
        before = items.get("required")
        items["required"] = [*before, "role"] if isinstance(before, list) else ["role"]
        log.add(
            f"{items_at}/required",
            "requires `role` in every message",
            ROLE_WHY,
            before=before,
            after=items["required"],
        )
    _typed_role(document, widener, f"{messages_at}/items", log)


def _typed_role(document: Document, widener: Widener, items_at: str, log: RepairLog) -> None:
    """An open message object (no branches) whose ``role`` is of any type: a string."""
    items_at = widener.own(items_at, ROLE_TYPE_WHY)
    items = lookup(document, items_at)
    if not isinstance(items, dict) or {"oneOf", "anyOf", "allOf", "$ref"} & set(items):
        return
    properties = items.get("properties")
    role = properties.get("role") if isinstance(properties, dict) else None
    if role is not None and (
        not isinstance(role, dict) or {"type", "enum", "const", "$ref", "oneOf", "anyOf", "allOf"} & set(role)
    ):
        return
    if not isinstance(properties, dict):
        items["properties"] = properties = {}
    properties["role"] = {**(role or {}), "type": "string"}
    log.add(
        f"{items_at}/properties/role/type",
        "declares a message's `role` a string",
        ROLE_TYPE_WHY,
        before=None,
        after="string",
    )


def _input_item() -> dict[str, Any]:
    """What an ``input`` list holds, as the OpenAI wire says (``specs/wires/openai-embeddings.json``):
    the items of its list forms (texts, token ids, non-empty lists of token ids)."""
    request = WIRES["openai-embeddings"].data.request
    assert request is not None  # the embeddings wire declares its request
    forms = request["properties"]["input"]["anyOf"]
    return {"anyOf": [copy.deepcopy(form["items"]) for form in forms if form.get("type") == "array"]}


def _non_empty(document: Document, widener: Widener, pointer: str, log: RepairLog, depth: int = 0) -> None:
    pointer = widener.own(pointer, INPUT_WHY)
    node = lookup(document, pointer)
    if not isinstance(node, dict) or depth > _DEPTH:
        return
    union = False
    for key in ("oneOf", "anyOf"):
        branches = node.get(key)
        if isinstance(branches, list) and branches:
            union = True
            for index in range(len(branches)):
                _non_empty(document, widener, f"{pointer}/{key}/{index}", log, depth + 1)
    if union or "const" in node or "enum" in node:
        return
    kinds = declared_types(node)
    if kinds is None and depth == 0 and "$ref" not in node:  # the input itself, of no declared type
        node["type"] = kinds = ["string", "array"]
        log.add(f"{pointer}/type", "declares `input` a string or a list", INPUT_TYPE_WHY, after=kinds)
        if "items" not in node:
            node["items"] = _input_item()
            log.add(
                f"{pointer}/items", "declares what an `input` list holds", INPUT_TYPE_WHY, after=node["items"]
            )
    for kind, keyword, label in (("string", "minLength", "string"), ("array", "minItems", "list")):
        if kinds is not None and kind not in kinds:
            continue
        before = node.get(keyword)
        if isinstance(before, int) and before >= 1:
            continue
        node[keyword] = 1
        log.add(
            f"{pointer}/{keyword}",
            f"requires a non-empty {label} (`{keyword}: 1`)",
            INPUT_WHY,
            before=before,
            after=1,
        )


def _wire_bounds(document: Document, widener: Widener, request: str, wire: str, log: RepairLog) -> None:
    """The bounds the wire's request schema states of top-level fields the document leaves unbounded:
    stated on a declared field, or declared (bounds only) where the body is open and says nothing of it
    (voxvey's chat request takes any ``n``, which the vendor caps at 128)."""
    official = WIRES[wire].data.request if wire in WIRES else None
    if not isinstance(official, dict):
        return
    body = deref(document, lookup(document, request))
    declared = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(declared, dict):
        return
    is_open = body.get("additionalProperties", True) is not False
    for name, schema in official.get("properties", {}).items():
        bounds = {k: v for k, v in schema.items() if k in BOUND_KEYWORDS} if isinstance(schema, dict) else {}
        stated = declared.get(name)  # a bound the document states anywhere in the field is its own
        missing = {k: v for k, v in bounds.items() if not any(k in b for b in branches(document, stated))}
        if not missing or (name not in declared and not is_open):
            continue
        body_at = widener.own(request, BOUNDS_WHY)
        fields = lookup(document, body_at).setdefault("properties", {})
        if name not in fields:
            fields[name] = {}
        field_at = widener.own(f"{body_at}/properties/{escape(name)}", BOUNDS_WHY)
        field = lookup(document, field_at)
        if not isinstance(field, dict):
            continue
        field.update(missing)
        said = ", ".join(f"{k}: {v}" for k, v in missing.items())
        log.add(field_at, f"bounds `{name}` as the {wire} wire does ({said})", BOUNDS_WHY, after=missing)


@repair_pass("wire_fidelity")
def wire_fidelity(document: Document, context: Context, log: RepairLog) -> None:
    """Say what each wire does where compatible documents differ: error nulls, role, input, bounds."""
    marked = [
        (op, pointer, op[EXTENSION]["wire"])
        for _, _, op, pointer in operations(document)
        if isinstance(op.get(EXTENSION), dict) and isinstance(op[EXTENSION].get("wire"), str)
    ]
    if not marked:
        return
    widener = Widener(document, {pointer for _, pointer, _ in marked}, log)
    for op, pointer, wire in marked:
        _openai_facts(document, widener, op, pointer, wire=wire, log=log)
        request = f"{pointer}/requestBody/content/{escape(JSON)}/schema"
        if isinstance(lookup(document, request), dict):
            _wire_bounds(document, widener, request, wire, log)


def _openai_facts(
    document: Document, widener: Widener, op: dict[str, Any], pointer: str, *, wire: str, log: RepairLog
) -> None:
    """Error nulls on every OpenAI wire; a chat request's messages, an embeddings request's input."""
    if not wire.startswith("openai-"):
        return
    for envelope in _error_envelopes(document, op, pointer):
        _nullable_error_fields(document, envelope, log)
    request = f"{pointer}/requestBody/content/{escape(JSON)}/schema"
    if not isinstance(lookup(document, request), dict):
        return
    if wire == "openai-chat":
        _chat_messages(document, widener, request, log)
    elif wire == "openai-embeddings":
        body_at = widener.own(request, INPUT_WHY)
        body = lookup(document, body_at)
        if (
            isinstance(body, dict)
            and isinstance(body.get("properties"), dict)
            and "input" in body["properties"]
        ):
            _non_empty(document, widener, f"{body_at}/properties/input", log)
