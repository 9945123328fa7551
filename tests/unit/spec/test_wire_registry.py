"""The wire registry (``spec.wires.WIRES``) and its data files (``specs/wires/``, ``spec.wire_data``)."""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gatewright
from gatewright.spec import wire_data
from gatewright.spec.bundled import API_IDS, canonical_dir
from gatewright.spec.errors import SpecError
from gatewright.spec.model import COMPATIBLE_EXTENSION, STREAM_EXTENSION, TASK_EXTENSION
from gatewright.spec.tasks import Phase, TaskSpec
from gatewright.spec.wire_data import route_shapes, wire_files, wires_dir
from gatewright.spec.wires import IPOP_AGENT_EVENTS, STREAM_PATHS, STREAMED, WIRES, Wire, register

SOURCE = Path(gatewright.__file__).parent
# A string in the code that looks like a wire name: a vendor's or an API's name, a dash, words.
WIRE_NAME = re.compile(rf"^(openai|anthropic|{'|'.join(API_IDS)})(-[a-z0-9]+)+$")
# Strings of that form that name no wire: HTTP headers.
NOT_WIRES = re.compile(r"^anthropic-(version|beta|ratelimit-[a-z-]+)$")


def _names_in_code() -> dict[str, str]:
    """Every wire-like string constant in ``src/gatewright``, with the first file naming it."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and WIRE_NAME.match(text) and not NOT_WIRES.match(text):
                found.setdefault(text, str(path.relative_to(SOURCE)))
    return found


def _names_in_canonical_specs() -> set[str]:
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == COMPATIBLE_EXTENSION and isinstance(value, dict):
                    names.add(value["wire"])
                elif key == STREAM_EXTENSION and isinstance(value, dict):
                    names.add(value["format"])
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in canonical_dir().glob("*.openapi.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return names


def test_every_wire_the_code_names_is_registered_with_a_data_file() -> None:
    named = _names_in_code()
    assert {"openai-chat", "anthropic-messages", "ipop-agent-events"} <= set(named)  # the scan sees them
    unregistered = {name: where for name, where in named.items() if name not in WIRES}
    assert unregistered == {}, "register these wires in spec/wires.py (or list a header name in NOT_WIRES)"
    assert all((wires_dir() / f"{name}.json").is_file() for name in named)


def test_every_wire_the_canonical_specs_mark_is_registered() -> None:
    marked = _names_in_canonical_specs()
    assert marked and marked <= set(WIRES)


def test_every_registered_wire_has_a_data_file_and_every_data_file_a_wire() -> None:
    assert [path.stem for path in wire_files()] == sorted(WIRES)


@pytest.mark.parametrize("name", sorted(WIRES))
def test_every_data_file_validates(name: str) -> None:
    wire = WIRES[name]
    data = wire.data  # read and checked: file schema, schemas, samples against their schemas
    assert data.name == name and data.description
    assert (data.stream is not None) == wire.streams  # a wire that streams describes its events
    if wire.vendor is None:  # an API-specific stream format: no official shapes
        assert wire.streams and wire.route is None
        assert data.request is None and data.response is None and not data.request_samples
    else:
        assert wire.route is not None
        assert data.request is not None and data.response is not None
        assert data.request_samples and data.response_samples


def test_the_shapes_of_other_routes_validate() -> None:
    shapes = route_shapes()
    assert {(s.method, s.path) for s in shapes} == {("post", "/v1/images/generations"), ("get", "/v1/models")}
    assert not {(s.method, s.path) for s in shapes} & {w.route for w in WIRES.values()}


def test_stream_facts_come_from_the_registry() -> None:
    assert {name for name, wire in WIRES.items() if wire.stream_end} == STREAMED
    assert set(STREAM_PATHS.values()) == {name for name, wire in WIRES.items() if wire.streams}
    assert "openai-embeddings" not in STREAM_PATHS.values()
    assert list(STREAM_PATHS).index("/chat/completions") < list(STREAM_PATHS).index("/completions")


@pytest.mark.parametrize("name", sorted(name for name, wire in WIRES.items() if wire.streams))
def test_a_stream_s_end_has_one_home(name: str) -> None:
    """A stream that must end with an event says so in the registry (normalize reads it without files);
    a format that may end by closing names its last event in its data."""
    wire, shapes = WIRES[name], WIRES[name].data.stream
    assert shapes is not None
    assert bool(wire.stream_end) != (shapes.end is not None)


def _declarations_following(fmt: str) -> list[tuple[str, TaskSpec]]:
    """The task declarations, in the canonical specs, whose counters follow a stream of ``fmt``."""
    found = []
    for path in sorted(canonical_dir().glob("*.openapi.json")):
        operations = [
            op
            for item in json.loads(path.read_text(encoding="utf-8"))["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
        ]
        streams = {
            op["operationId"]
            for op in operations
            for response in op.get("responses", {}).values()
            if response.get("content", {})
            .get("text/event-stream", {})
            .get(STREAM_EXTENSION, {})
            .get("format")
            == fmt
        }
        for op in operations:
            if TASK_EXTENSION in op:
                task = TaskSpec.from_extension(op[TASK_EXTENSION])
                if any(counter.follows in streams for counter in task.counters):
                    found.append((path.name, task))
    return found


def test_the_agent_turn_words_are_those_ipop_declares() -> None:
    """The wire data's status words (a turn no task backs) and its events' lifecycle values are the
    words of ipop's declared agent-turn lifecycle, each in its phase (specs/sources/ipop.lifecycles.yaml)."""
    shapes = IPOP_AGENT_EVENTS.data.stream
    assert shapes is not None and shapes.status is not None and shapes.end is not None
    [(_, task)] = _declarations_following(IPOP_AGENT_EVENTS.name)
    declared = task.states
    assert task.status == f"/{shapes.status.field}"
    for phase in Phase:
        words = shapes.status.states.words(phase)
        assert words and set(words) <= set(declared.words(phase)), phase
    lifecycle = shapes.events["lifecycle"].schema
    assert lifecycle["properties"][shapes.status.field]["enum"] == declared.statuses()
    assert lifecycle["then"]["properties"][shapes.status.field]["enum"] == list(declared.terminal)
    assert shapes.events["output_text.delta"].schema["properties"][shapes.status.field]["enum"] == (
        declared.statuses()
    )


def test_a_name_registers_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(Wire("openai-chat"))


def test_the_data_files_are_found_beside_the_canonical_specs() -> None:
    assert wires_dir() == canonical_dir().parent / "wires"
    assert (wires_dir() / wire_data.WIRE_SCHEMA).is_file()


@pytest.fixture
def wires_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of ``specs/wires`` that ``spec.wire_data`` reads instead (its caches emptied around)."""
    copy = tmp_path / "wires"
    shutil.copytree(wires_dir(), copy)
    monkeypatch.setattr(wire_data, "wires_dir", lambda: copy)
    wire_data.wire_data.cache_clear()
    wire_data.route_shapes.cache_clear()
    yield copy
    wire_data.wire_data.cache_clear()
    wire_data.route_shapes.cache_clear()


def _edit(path: Path, change: Any) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_a_file_that_breaks_the_file_schema_is_refused_where_it_breaks(wires_copy: Path) -> None:
    _edit(wires_copy / "openai-chat.json", lambda d: d["samples"]["request"][0].pop("name"))
    with pytest.raises(SpecError, match=r"not a valid wire\.schema\.json file") as caught:
        wire_data.wire_data("openai-chat")
    assert caught.value.source.endswith("openai-chat.json")
    assert caught.value.pointer == "/samples/request/0"


def test_a_sample_its_official_schema_rejects_is_refused(wires_copy: Path) -> None:
    _edit(wires_copy / "openai-embeddings.json", lambda d: d["samples"]["request"][0]["body"].pop("input"))
    with pytest.raises(SpecError, match="fails the wire's request schema") as caught:
        wire_data.wire_data("openai-embeddings")
    assert caught.value.pointer == "/samples/request/0/body"


def test_a_schema_that_is_not_a_json_schema_is_refused(wires_copy: Path) -> None:
    _edit(wires_copy / "openai-chat.json", lambda d: d["request"]["properties"]["n"].update(type="count"))
    with pytest.raises(SpecError, match="not a JSON Schema 2020-12") as caught:
        wire_data.wire_data("openai-chat")
    assert caught.value.pointer.startswith("/request/properties/n")


def test_a_file_naming_another_wire_is_refused(wires_copy: Path) -> None:
    _edit(wires_copy / "ipop-agent-events.json", lambda d: d.update(name="ipop-other"))
    with pytest.raises(SpecError, match="names the wire 'ipop-other'"):
        wire_data.wire_data("ipop-agent-events")


def test_an_event_schema_that_does_not_pin_its_type_is_refused(wires_copy: Path) -> None:
    _edit(
        wires_copy / "empiriolabs-speech.json",
        lambda d: d["stream"]["events"]["audio.done"]["schema"]["properties"].update(type={"type": "string"}),
    )
    with pytest.raises(SpecError, match=r"does not require 'type' to be 'audio\.done'") as caught:
        wire_data.wire_data("empiriolabs-speech")
    assert caught.value.pointer == "/stream/events/audio.done/schema"


def test_a_stream_sample_its_event_rejects_is_refused(wires_copy: Path) -> None:
    _edit(wires_copy / "empiriolabs-speech.json", lambda d: d["stream"]["samples"][0]["body"].pop("seq"))
    with pytest.raises(SpecError, match="'speech_stream_chunk' is not an event of the wire") as caught:
        wire_data.wire_data("empiriolabs-speech")
    assert caught.value.pointer == "/stream/samples/0"


def test_a_stream_without_its_events_is_refused(wires_copy: Path) -> None:
    _edit(wires_copy / "ipop-agent-events.json", lambda d: d["stream"].pop("events"))
    with pytest.raises(SpecError, match=r"not a valid wire\.schema\.json file") as caught:
        wire_data.wire_data("ipop-agent-events")
    assert caught.value.pointer == "/stream"


def test_a_missing_file_is_a_spec_error(wires_copy: Path) -> None:
    (wires_copy / "shapes.json").unlink()
    with pytest.raises(SpecError, match="no such wire data file"):
        wire_data.route_shapes()
