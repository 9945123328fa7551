"""An id of a widened form is read as its item; any other id no fixture holds is unknown (404).

ipop's ``GET /v1/models/{model_id}`` takes the catalog's ids and, widened by a quoted ``field_pattern``
statement, fine-tuned ids (``ft:...``), which no fixture can list: such an id reads as the item it names.
The first version of that read took every ``anyOf`` branch's pattern of an id parameter as a form, so on a
user's own spec an id parameter declared as ``anyOf`` of patterns answered 200 (a read) and 204 (a
delete) for ids nothing holds, and a pattern Python's ``re`` cannot compile (``\\p{L}``, valid ECMA) made
the read a 500. Only branches normalize marks ``x-gatewright-widened`` are forms now, checked by the
validator engine. A user's spec and a served mock over a real socket.

An untracked collection whose list holds nothing the mock can tell (no fixture its item route accepts)
reads any id as a generated item, and a deleted id as gone: a delete of one id used to make every other
id of the collection 404 from then on (deletes alone made the collection "known").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from gatewright.mock import create_app
from gatewright.mock.keys import STORE
from gatewright.testing import serve_app

THING = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}


def _spec(id_schema: dict[str, Any], listed_ids: tuple[str, ...] = ("thing_one",)) -> dict[str, Any]:
    """An untracked ``things`` collection (a list and a read and delete by id, no create); its list's
    example shows ``listed_ids`` (the fixtures, where the item route accepts them)."""
    item = {"application/json": {"schema": THING}}
    listed = {
        "type": "object",
        "properties": {"data": {"type": "array", "items": THING}},
        "example": {"data": [{"id": thing_id} for thing_id in listed_ids]},
    }
    parameter = {"name": "thing_id", "in": "path", "required": True, "schema": id_schema}
    return {
        "openapi": "3.1.0",
        "info": {"title": "things", "version": "1"},
        "paths": {
            "/v1/things": {
                "get": {
                    "operationId": "listThings",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "the things",
                            "content": {"application/json": {"schema": listed}},
                        }
                    },
                }
            },
            "/v1/things/{thing_id}": {
                "parameters": [parameter],
                "get": {
                    "operationId": "getThing",
                    "security": [],
                    "responses": {
                        "200": {"description": "the thing", "content": item},
                        "404": {"description": "no such thing"},
                    },
                },
                "delete": {
                    "operationId": "deleteThing",
                    "security": [],
                    "responses": {"204": {"description": "gone"}, "404": {"description": "no such thing"}},
                },
            },
        },
    }


def _reads(
    tmp_path: Path, id_schema: dict[str, Any], *ids: str, listed_ids: tuple[str, ...] = ("thing_one",)
) -> tuple[set[str], list[tuple[str, int, int]]]:
    """The ids the list holds, and (id, read status, delete status) for each id asked."""
    spec_path = tmp_path / "things.openapi.json"
    spec_path.write_text(json.dumps(_spec(id_schema, listed_ids)), encoding="utf-8")
    answered = []
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:
        listed = {thing["id"] for thing in requests.get(f"{url}/v1/things", timeout=10).json()["data"]}
        for thing_id in ids:
            read = requests.get(f"{url}/v1/things/{thing_id}", timeout=10).status_code
            deleted = requests.delete(f"{url}/v1/things/{thing_id}", timeout=10).status_code
            answered.append((thing_id, read, deleted))
    return listed, answered


TWO_PATTERNS = {
    "anyOf": [
        {"type": "string", "pattern": "^thing_[a-z]+$"},
        {"type": "string", "pattern": "^legacy-[0-9]+$"},
    ]
}


def test_an_id_of_a_pattern_the_spec_wrote_is_unknown_when_nothing_holds_it(tmp_path: Path) -> None:
    """The first version of the widened read answered 200 and 204 for ``legacy-77``."""
    listed, answered = _reads(tmp_path, TWO_PATTERNS, "legacy-77", "legacy-12345", "thing_first", "thing_one")
    assert listed == {"thing_one"}
    statuses = [(read, deleted) for _, read, deleted in answered]
    assert statuses == [(404, 404), (404, 404), (404, 404), (200, 204)]


def test_an_untracked_collection_that_holds_nothing_stays_readable_after_a_delete(tmp_path: Path) -> None:
    """Nothing listed: any id reads as an item, a deleted one as gone, and a delete of ``thing_b`` leaves
    ``thing_a`` and ``thing_c`` readable (they were 404 after it, ``thing_a`` 200 before it)."""
    spec_path = tmp_path / "things.openapi.json"
    spec_path.write_text(json.dumps(_spec(TWO_PATTERNS, listed_ids=())), encoding="utf-8")
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:

        def read(thing_id: str) -> int:
            return requests.get(f"{url}/v1/things/{thing_id}", timeout=10).status_code

        before = read("thing_a")
        deleted = requests.delete(f"{url}/v1/things/thing_b", timeout=10).status_code
        after = {thing_id: read(thing_id) for thing_id in ("thing_a", "thing_b", "thing_c")}
        listed = requests.get(f"{url}/v1/things", timeout=10).json()
    assert (before, deleted) == (200, 204)
    assert after == {"thing_a": 200, "thing_b": 404, "thing_c": 200}
    assert listed == {"data": []}


def test_a_pattern_pythons_re_cannot_compile_makes_no_500(tmp_path: Path) -> None:
    """``\\p{L}`` is valid ECMA: validation takes it; the first version's ``re.search`` raised."""
    id_schema = {"anyOf": [{"type": "string", "pattern": "^\\p{L}+$"}, {"type": "string", "enum": ["x"]}]}
    _, answered = _reads(tmp_path, id_schema, "other", "x", "abc")
    assert all(read < 500 and deleted < 500 for _, read, deleted in answered), answered


def test_an_id_of_a_widened_branch_is_read_as_its_item(tmp_path: Path) -> None:
    widened = {"type": "string", "pattern": "^ft:[a-z]+$", "x-gatewright-widened": True}
    id_schema = {"anyOf": [{"type": "string", "enum": ["base"]}, widened]}
    spec_path = tmp_path / "things.openapi.json"
    spec_path.write_text(json.dumps(_spec(id_schema)), encoding="utf-8")
    with serve_app(create_app(spec_path=spec_path, seed=3, access_log=False)) as url:
        read = requests.get(f"{url}/v1/things/ft:mine", timeout=10)
        crafted = requests.get(f"{url}/v1/things/{'a' * 5000}", timeout=10)
    assert read.status_code == 200 and read.json()["id"] == "ft:mine"
    assert crafted.status_code in (400, 404)  # neither listed nor of the form: never a 500


def test_an_untracked_collection_emptied_by_a_delete_still_knows_its_other_ids_are_not_there(
    tmp_path: Path,
) -> None:
    """An item the mock itself keeps (a task's published result, an upload) makes every other id unknown;
    deleting it leaves them so (one id's delete made them readable again, in the first version of
    ``holds``)."""
    spec_path = tmp_path / "things.openapi.json"
    spec_path.write_text(json.dumps(_spec(TWO_PATTERNS, listed_ids=())), encoding="utf-8")
    app = create_app(spec_path=spec_path, seed=3, access_log=False)
    with serve_app(app) as url:

        def read(thing_id: str) -> int:
            return requests.get(f"{url}/v1/things/{thing_id}", timeout=10).status_code

        app[STORE].put("things:/v1/things", "thing_pub", {"id": "thing_pub"}, budgeted=False)  # as publish()
        held = (read("thing_pub"), read("thing_a"))
        deleted = requests.delete(f"{url}/v1/things/thing_pub", timeout=10).status_code
        after = (read("thing_pub"), read("thing_a"))
    assert held == (200, 404)
    assert deleted == 204
    assert after == (404, 404)
