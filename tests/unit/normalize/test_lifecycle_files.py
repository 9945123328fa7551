"""Task lifecycles come from the YAML file beside a source: found by stem, validated, or absent (and said)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gatewright.normalize import normalize
from gatewright.normalize.lifecycle_model import ApiLifecycles, Lifecycle, Shape
from gatewright.normalize.lifecycles import lifecycles_beside, load_lifecycles
from gatewright.normalize.passes.tasks import LifecycleError
from gatewright.spec.errors import SpecError
from gatewright.spec.model import HTTP_METHODS, TASK_EXTENSION
from gatewright.spec.tasks import States

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "specs" / "sources"
CANONICAL = ROOT / "specs" / "canonical"


def tasks_and_links(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation's task extension and every response's links, by operation."""
    found: dict[str, Any] = {}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            links = {
                code: response["links"]
                for code, response in operation.get("responses", {}).items()
                if isinstance(response, dict) and "links" in response
            }
            if TASK_EXTENSION in operation or links:
                found[f"{method.upper()} {path}"] = (operation.get(TASK_EXTENSION), links)
    return found


def canonical(api_id: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CANONICAL / f"{api_id}.openapi.json").read_text(encoding="utf-8"))
    return document


# --- any document, its lifecycle file beside it -----------------------------------------------------


@pytest.mark.slow  # normalizes a real source
@pytest.mark.parametrize(("api_id", "source"), [("ipop", "ipop.json"), ("empiriolabs", "empiriolabs.md")])
def test_a_copy_under_another_name_gets_the_tasks_of_the_canonical_spec(
    tmp_path: Path, api_id: str, source: str
) -> None:
    copy = tmp_path / f"gateway{Path(source).suffix}"
    shutil.copyfile(SOURCES / source, copy)
    shutil.copyfile(SOURCES / f"{api_id}.lifecycles.yaml", tmp_path / "gateway.lifecycles.yaml")
    result = normalize(copy)
    assert result.api_id == "gateway"
    assert result.notes == ()
    expected = tasks_and_links(canonical(api_id))
    assert sum(task is not None for task, _ in expected.values()) >= 9
    assert tasks_and_links(result.document) == expected


@pytest.mark.slow  # normalizes a real source
def test_without_a_lifecycle_file_no_task_is_declared_and_the_notes_say_so(tmp_path: Path) -> None:
    copy = tmp_path / "gateway.json"
    shutil.copyfile(SOURCES / "ipop.json", copy)
    result = normalize(copy)
    assert tasks_and_links(result.document) == {}
    assert result.notes == (
        "no lifecycle file beside gateway.json (gateway.lifecycles.yaml): no tasks declared",
    )
    assert all(repair.pass_name != "declare_task_lifecycles" for repair in result.repairs)


def test_an_explicit_lifecycle_file_is_used_wherever_it_lives(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    copy = tmp_path / "sources" / "beatra.yaml"
    shutil.copyfile(SOURCES / "beatra.yaml", copy)
    elsewhere = tmp_path / "tasks.yaml"
    shutil.copyfile(SOURCES / "beatra.lifecycles.yaml", elsewhere)
    result = normalize(copy, lifecycles=elsewhere)
    assert tasks_and_links(result.document) == tasks_and_links(canonical("beatra"))
    with pytest.raises(SpecError, match="lifecycle file not found") as missing:
        normalize(copy, lifecycles=tmp_path / "nope.yaml")
    assert "nope.yaml" in str(missing.value)


def test_the_file_beside_a_source_shares_its_stem() -> None:
    assert lifecycles_beside(Path("specs/sources/foo.yaml")) == Path("specs/sources/foo.lifecycles.yaml")
    assert lifecycles_beside(Path("a/empiriolabs.md")) == Path("a/empiriolabs.lifecycles.yaml")


def test_a_declaration_that_does_not_fit_the_document_names_the_lifecycle_file(tmp_path: Path) -> None:
    copy = tmp_path / "beatra.yaml"
    shutil.copyfile(SOURCES / "beatra.yaml", copy)
    text = (SOURCES / "beatra.lifecycles.yaml").read_text(encoding="utf-8")
    (tmp_path / "beatra.lifecycles.yaml").write_text(text.replace("/v1/tasks/{task_id}/cancel", "/v1/nope"))
    with pytest.raises(LifecycleError, match=r"beatra\.lifecycles\.yaml: declared operation POST /v1/nope"):
        normalize(copy)


# --- the file format ------------------------------------------------------------------------------------

SMALL = """\
shapes:
  - name: Thing
    replaces: Opaque
    why: opaque in the source
    schema: {type: object, properties: {status: {type: string}}}
lifecycles:
  - name: things
    creates: [POST /v1/things]
    poll: "GET /v1/things/{thing_id}"
    id: $response.body#/id
    status: /status
    states:
      initial: [pending]
      running: []
      succeeded: [done]
      failed: [broken]
      cancelled: []
    serve: Thing
    retention_seconds: 60
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "api.lifecycles.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_reads_into_the_model_the_task_pass_applies(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    assert load_lifecycles(path) == ApiLifecycles(
        lifecycles=(
            Lifecycle(
                "things",
                ("POST /v1/things",),
                poll="GET /v1/things/{thing_id}",
                id="$response.body#/id",
                status="/status",
                states=States(("pending",), (), ("done",), ("broken",), ()),
                serve="Thing",
                retention_seconds=60,
            ),
        ),
        shapes=(
            Shape(
                "Thing",
                "Opaque",
                {"type": "object", "properties": {"status": {"type": "string"}}},
                "opaque in the source",
            ),
        ),
        source=str(path),
    )


def test_an_empty_lifecycle_list_declares_nothing(tmp_path: Path) -> None:
    assert load_lifecycles(write(tmp_path, "lifecycles: []\n")).lifecycles == ()


# What is wrong, where (a JSON pointer into the file) and the words that say it: the schema's verdict with
# what belongs at that place (spec/schemas/lifecycles.schema.json), or the reader's own check.
BROKEN = {
    "not a mapping": ("- things\n", "", "['things'] is not of type 'object' (expected a lifecycle file"),
    "no lifecycles": ("shapes: []\n", "", "'lifecycles' is a required property"),
    "unknown top-level key": (
        SMALL + "tasks: []\n",
        "",
        "Additional properties are not allowed ('tasks' was unexpected)",
    ),
    "misspelt key": (
        SMALL.replace("    serve: Thing", "    serves: Thing"),
        "/lifecycles/0",
        "('serves' was unexpected) (expected a lifecycle: name, creates, poll, id, status, states; cancel,",
    ),
    "a state kind left out": (
        SMALL.replace("      cancelled: []\n", ""),
        "/lifecycles/0/states",
        "'cancelled' is a required property (expected the five state lists initial, running, succeeded,",
    ),
    "a status in two lists": (
        SMALL.replace("failed: [broken]", "failed: [broken, done]"),
        "/lifecycles/0/states/failed",
        "status 'done' is in both 'succeeded' and 'failed'",
    ),
    "a status twice in one list": (
        SMALL.replace("failed: [broken]", "failed: [broken, broken]"),
        "/lifecycles/0/states/failed",
        "['broken', 'broken'] has non-unique elements",
    ),
    "no success state": (
        SMALL.replace("succeeded: [done]", "succeeded: []"),
        "/lifecycles/0/states/succeeded",
        "[] should be non-empty (expected the success statuses: at least one)",
    ),
    "nothing before the end": (
        SMALL.replace("initial: [pending]", "initial: []"),
        "/lifecycles/0/states",
        "lifecycle 'things' has no initial or running state",
    ),
    "serve names no shape": (
        SMALL.replace("serve: Thing", "serve: Thingy"),
        "/lifecycles/0/serve",
        "serves 'Thingy', which no shape declares",
    ),
    "an operation without a method": (
        SMALL.replace("creates: [POST /v1/things]", "creates: [/v1/things]"),
        "/lifecycles/0/creates/0",
        "'/v1/things' does not match",
    ),
    "an id that is no runtime expression": (
        SMALL.replace("id: $response.body#/id", "id: /id"),
        "/lifecycles/0/id",
        "'/id' does not match '^[$]response[.]body#/' (expected a runtime expression on the create response",
    ),
    "a status that is no pointer": (
        SMALL.replace("status: /status", "status: status"),
        "/lifecycles/0/status",
        "'status' does not match '^/' (expected a JSON pointer into the poll response body",
    ),
    "a list where a string goes": (
        SMALL.replace('poll: "GET /v1/things/{thing_id}"', "poll: [GET /v1/things]"),
        "/lifecycles/0/poll",
        "['GET /v1/things'] is not of type 'string' (expected an operation: 'METHOD /path'",
    ),
    "a blank string": (
        SMALL.replace("    serve: Thing", "    serve: ' '"),
        "/lifecycles/0/serve",
        "' ' does not match",
    ),
    "a negative retention": (
        SMALL.replace("retention_seconds: 60", "retention_seconds: -1"),
        "/lifecycles/0/retention_seconds",
        "-1 is less than the minimum of 1 (expected a positive integer of seconds)",
    ),
    "a boolean retention": (
        SMALL.replace("retention_seconds: 60", "retention_seconds: true"),
        "/lifecycles/0/retention_seconds",
        "True is not of type 'integer'",
    ),
    "an added status no state holds": (
        SMALL + "    add_status_values: [cancelled]\n",
        "/lifecycles/0/add_status_values",
        "['cancelled'] are in no state list of lifecycle 'things'",
    ),
    "a create in two lifecycles": (
        SMALL + SMALL[SMALL.index("  - name: things") :].replace("name: things", "name: again"),
        "/lifecycles/1/creates",
        "POST /v1/things creates tasks of both 'things' and 'again'",
    ),
    "a name declared twice": (
        SMALL + SMALL[SMALL.index("  - name: things") :].replace("POST /v1/things", "POST /v1/others"),
        "/lifecycles/1",
        "lifecycle 'things' is declared twice",
    ),
    "a shape without a schema mapping": (
        SMALL.replace(
            "    schema: {type: object, properties: {status: {type: string}}}", "    schema: object"
        ),
        "/shapes/0/schema",
        "'object' is not of type 'object' (expected a JSON Schema mapping",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_a_malformed_file_is_refused_naming_the_file_where_and_what(tmp_path: Path, case: str) -> None:
    text, pointer, message = BROKEN[case]
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as refused:
        load_lifecycles(path)
    assert refused.value.source == str(path)
    assert refused.value.pointer == pointer
    assert message in refused.value.message


def test_yaml_errors_and_alias_bombs_are_refused_by_the_safe_loader(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"api\.lifecycles\.yaml:\d+: invalid YAML"):
        load_lifecycles(write(tmp_path, "lifecycles:\n  - name: [unclosed\n"))
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{name}: &{name} [{','.join(['*' + previous] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(SpecError, match="alias bomb"):
        load_lifecycles(write(tmp_path, bomb + "lifecycles: *i\n"))
