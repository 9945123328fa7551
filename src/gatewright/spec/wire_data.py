"""The wire families' data files (``specs/wires/``): official schemas and SDK samples, read once and checked.

Each registered wire (``spec.wires``) has ``<wire>.json``, described by ``wire.schema.json``: a
vendor wire's request schema, its response (and error) shape with the component name it is
declared under, and the bodies the official SDK sends and parses; a wire that streams, its stream
events (``WireData.stream``, ``spec.wire_streams``); an API-specific stream format has only its
description and those. ``shapes.json`` (``shapes.schema.json``) holds the SDK response shapes
of vendor routes that are not a wire family. A file is read on first use and checked then: against
its file schema, each schema in it as a JSON Schema 2020-12 (an event's pinning its type), and each
sample against its wire's official schema (an event sample against its event's); a bad file is a
``SpecError`` naming the file and the pointer into it.

The files sit beside the canonical specs, found the same way (``canonical_dir``): ``specs/wires``
of a checkout, ``gatewright/wires`` of an installed wheel. What they return is shared: read it,
copy it before changing it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match

from gatewright.spec.bundled import canonical_dir
from gatewright.spec.errors import SpecError
from gatewright.spec.pointer import child
from gatewright.spec.tasks import States
from gatewright.spec.wire_streams import StreamEnd, StreamEvent, StreamShapes, StreamStatus
from gatewright.spec.wires import DONE, WIRES

__all__ = [
    "RouteShape",
    "Sample",
    "Shape",
    "WireData",
    "route_shapes",
    "wire_data",
    "wire_files",
    "wires_dir",
]

WIRE_SCHEMA = "wire.schema.json"
SHAPES = "shapes.json"
SHAPES_SCHEMA = "shapes.schema.json"


@dataclass(frozen=True, slots=True)
class Sample:
    """One official body, named for the repair log."""

    name: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Shape:
    """An official body schema and the component name a document declares it under."""

    component: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WireData:
    """What one wire family's data file holds."""

    name: str
    description: str
    request: dict[str, Any] | None = None
    response: Shape | None = None
    error: Shape | None = None
    request_samples: tuple[Sample, ...] = ()
    response_samples: tuple[Sample, ...] = ()
    stream: StreamShapes | None = None  # a wire that streams: its events


@dataclass(frozen=True, slots=True)
class RouteShape:
    """The SDK response shape of a vendor route that is not a wire family (``shapes.json``)."""

    method: str
    path: str  # a path suffix
    vendor: str
    shape: Shape


def wires_dir() -> Path:
    """``specs/wires`` of a checkout, ``gatewright/wires`` of a wheel: beside the canonical specs."""
    return canonical_dir().parent / "wires"


def wire_files() -> list[Path]:
    """Every wire family's data file (the file schemas and ``shapes.json`` aside), by name."""
    return sorted(
        path
        for path in wires_dir().glob("*.json")
        if path.name != SHAPES and not path.name.endswith(".schema.json")
    )


@cache
def wire_data(name: str) -> WireData:
    """The data file of the wire ``name``, read and checked once."""
    path = wires_dir() / f"{name}.json"
    document = _read_checked(path, WIRE_SCHEMA)
    if document["name"] != name:
        raise SpecError(
            f"names the wire {document['name']!r}, not {name!r}", source=str(path), pointer="/name"
        )
    request = document.get("request")
    if request is not None:
        _check_schema(path, "/request", request)
    response = _shape(path, document, "response")
    error = _shape(path, document, "error")
    samples = document.get("samples", {})
    return WireData(
        name=name,
        description=document["description"],
        request=request,
        response=response,
        error=error,
        request_samples=_samples(path, samples.get("request", []), "request", request),
        response_samples=_samples(
            path, samples.get("response", []), "response", None if response is None else response.schema
        ),
        stream=_stream(path, name, document.get("stream")),
    )


@cache
def route_shapes() -> tuple[RouteShape, ...]:
    """The SDK response shapes of vendor routes outside the wire families, read and checked once."""
    path = wires_dir() / SHAPES
    document = _read_checked(path, SHAPES_SCHEMA)
    shapes = []
    for index, item in enumerate(document["shapes"]):
        _check_schema(path, f"/shapes/{index}/schema", item["schema"])
        shapes.append(
            RouteShape(item["method"], item["path"], item["vendor"], Shape(item["component"], item["schema"]))
        )
    return tuple(shapes)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError("no such wire data file", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno) from None


def _read_checked(path: Path, schema_name: str) -> dict[str, Any]:
    """The file at ``path``, once it is valid against ``schema_name`` (a file schema beside it)."""
    document = _read(path)
    error = _first_error(Draft202012Validator(_read(wires_dir() / schema_name)), document)
    if error is not None:
        raise SpecError(
            f"not a valid {schema_name} file: {error.message}",
            source=str(path),
            pointer=child("", *error.absolute_path),
        )
    if not isinstance(document, dict):  # the file schemas require an object; this tells mypy
        raise SpecError("not a JSON object", source=str(path))
    return document


def _shape(path: Path, document: dict[str, Any], key: str) -> Shape | None:
    item = document.get(key)
    if item is None:
        return None
    _check_schema(path, f"/{key}/schema", item["schema"])
    return Shape(item["component"], item["schema"])


def _samples(
    path: Path, items: list[dict[str, Any]], kind: str, schema: dict[str, Any] | None
) -> tuple[Sample, ...]:
    """The samples of one kind, each valid against the wire's official schema and named once."""
    samples: list[Sample] = []
    validator = Draft202012Validator(schema) if schema is not None else None
    for index, item in enumerate(items):
        where = f"/samples/{kind}/{index}"
        if any(sample.name == item["name"] for sample in samples):
            raise SpecError(f"a second {kind} sample named {item['name']!r}", source=str(path), pointer=where)
        error = _first_error(validator, item["body"]) if validator is not None else None
        if error is not None:
            raise SpecError(
                f"the sample {item['name']!r} fails the wire's {kind} schema: {error.message}",
                source=str(path),
                pointer=child(f"{where}/body", *error.absolute_path),
            )
        samples.append(Sample(item["name"], item["body"]))
    return tuple(samples)


def _stream(path: Path, name: str, item: dict[str, Any] | None) -> StreamShapes | None:
    """A wire's stream events: each schema checked and pinning its type, each sample one of them.

    The terminator is the data the file names as the last event's, else ``[DONE]`` where the
    registry says the wire's streams end with it."""
    if item is None:
        return None
    end = StreamEnd(**item["end"]) if "end" in item else None
    status = item.get("status")
    wire = WIRES.get(name)
    terminator = end.data if end is not None else None
    if terminator is None and wire is not None and DONE in wire.stream_end:
        terminator = DONE
    shapes = StreamShapes(
        documented=item["documented"],
        type_field=item["type_field"],
        named=item["named"],
        open=item["open"],
        events=_stream_events(path, item["type_field"], item["events"]),
        terminator=terminator,
        end=end,
        status=None if status is None else StreamStatus(status["field"], States.from_json(status["states"])),
    )
    _check_stream_samples(path, shapes, item.get("samples", []))
    return shapes


def _stream_events(path: Path, type_field: str, items: dict[str, Any]) -> dict[str, StreamEvent]:
    """Each event type with its payload schema, checked as a schema that requires the type and pins it."""
    events: dict[str, StreamEvent] = {}
    for kind, event in items.items():
        where = child("/stream/events", kind, "schema")
        schema = event["schema"]
        _check_schema(path, where, schema)
        pinned = schema.get("properties", {}).get(type_field) == {"const": kind}
        if not pinned or type_field not in schema.get("required", ()):
            raise SpecError(
                f"the schema of the {kind!r} event does not require {type_field!r} to be {kind!r}",
                source=str(path),
                pointer=where,
            )
        events[kind] = StreamEvent(
            kind,
            event["description"],
            schema,
            Draft202012Validator(schema),
            jsonschema_rs.validator_for(schema),
        )
    return events


def _check_stream_samples(path: Path, shapes: StreamShapes, samples: list[dict[str, Any]]) -> None:
    """Each stream sample is named once and is an event of a listed type that its schema accepts."""
    names: set[str] = set()
    for index, sample in enumerate(samples):
        problem = shapes.payload_problem(sample["body"])
        if problem is None and shapes.event_of(sample["body"]) is None:
            problem = "its type is not a listed event"
        if sample["name"] in names:
            problem = "a second sample of that name"
        names.add(sample["name"])
        if problem is not None:
            raise SpecError(
                f"the stream sample {sample['name']!r} is not an event of the wire: {problem}",
                source=str(path),
                pointer=f"/stream/samples/{index}",
            )


def _check_schema(path: Path, pointer: str, schema: dict[str, Any]) -> None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        at = child(pointer, *exc.absolute_path)
        raise SpecError(f"not a JSON Schema 2020-12: {exc.message}", source=str(path), pointer=at) from None


def _first_error(validator: Draft202012Validator | None, value: Any) -> ValidationError | None:
    return None if validator is None else best_match(validator.iter_errors(value))
