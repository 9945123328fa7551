"""Documents split over files in one folder: bundled once (prance); refs out of the folder refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewright.cli import main
from gatewright.mock.app import load_apis
from gatewright.spec.bundled import load_spec, load_target
from gatewright.spec.errors import SpecError
from gatewright.spec.loader import load_source

ROOT = """\
openapi: 3.1.0
info: {title: pets, version: '1'}
paths:
  /pets:
    $ref: paths/pets.yaml
  /owners:
    get:
      operationId: listOwners
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Owner'}
components:
  schemas:
    Owner:
      type: object
      properties:
        pet: {$ref: 'schemas.yaml#/Pet'}
        boss: {$ref: '#/components/schemas/Owner'}
"""
PETS = """\
get:
  operationId: listPets
  parameters:
    - $ref: '../parameters.json#/Limit'
  responses:
    '200':
      description: ok
      content:
        application/json:
          schema:
            type: array
            items: {$ref: '../schemas.yaml#/Pet'}
"""
SCHEMAS = """\
Pet:
  type: object
  required: [name]
  properties:
    name: {type: string}
    tag: {$ref: '#/Tag'}
    owner: {$ref: 'openapi.yaml#/components/schemas/Owner'}
    litter: {type: array, items: {$ref: '#/Pet'}}
Tag: {type: string, maxLength: 5}
"""
PARAMETERS = {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}}}


def folder(tmp_path: Path, **changed: str) -> Path:
    """The split document in ``tmp_path/spec`` (``changed`` replaces a file's text by its stem)."""
    spec = tmp_path / "spec"
    (spec / "paths").mkdir(parents=True)
    texts = {
        "openapi.yaml": ROOT,
        "paths/pets.yaml": PETS,
        "schemas.yaml": SCHEMAS,
        "parameters.json": json.dumps(PARAMETERS),
    }
    for name, text in texts.items():
        (spec / name).write_text(changed.get(Path(name).stem, text), encoding="utf-8")
    return spec / "openapi.yaml"


def test_refs_to_files_in_the_folder_are_bundled_into_one_document(tmp_path: Path) -> None:
    document = load_source(folder(tmp_path)).document
    operation = document["paths"]["/pets"]["get"]  # the path item inlined where gatewright reads it
    assert operation["parameters"] == [PARAMETERS["Limit"]]
    pet = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert pet["properties"]["tag"] == {"type": "string", "maxLength": 5}  # the file's own '#/Tag'
    # A schema that refers to itself through another file is named, once, into components.
    assert pet["properties"]["litter"]["items"] == {"$ref": "#/components/schemas/schemas.yaml_Pet"}
    assert document["components"]["schemas"]["schemas.yaml_Pet"]["required"] == ["name"]
    # The root's own references stay references; one back into it from another file is inlined.
    owner = document["components"]["schemas"]["Owner"]
    assert owner["properties"]["boss"] == {"$ref": "#/components/schemas/Owner"}
    assert owner["properties"]["pet"]["properties"]["owner"]["properties"]["boss"] == {
        "$ref": "#/components/schemas/Owner"
    }
    assert "$ref" not in json.dumps(document).replace('"$ref": "#/', "")  # no file is named any more


def test_every_command_loads_the_bundle(tmp_path: Path) -> None:
    path = folder(tmp_path)
    assert {op.operation_id for op in load_target(None, path).operations} == {"listPets", "listOwners"}
    assert {op.operation_id for op in load_spec(None, path).operations} == {"listPets", "listOwners"}
    [api] = load_apis(spec_path=path).values()
    assert set(api.operations) == {"listPets", "listOwners"}


def test_a_single_file_document_is_returned_as_parsed(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    path.write_text(json.dumps(document))
    assert load_source(path).document == document


@pytest.mark.parametrize(
    ("stem", "text", "refused"),
    [
        ("pets", PETS.replace("../schemas.yaml", "https://example.com/schemas.yaml"), "names a URL"),
        ("pets", PETS.replace("../schemas.yaml", "file:///etc/schemas.yaml"), "names a URL"),
        ("pets", PETS.replace("../schemas.yaml", "../../outside.yaml"), "leaves the document's folder"),
        ("schemas", SCHEMAS.replace("#/Tag", "/etc/passwd.yaml#/Tag"), "leaves the document's folder"),
        ("pets", PETS.replace("../schemas.yaml", "../absent.yaml"), "names a file that does not exist"),
    ],
)
def test_a_ref_out_of_the_folder_is_refused_naming_it(
    tmp_path: Path, stem: str, text: str, refused: str
) -> None:
    (tmp_path / "outside.yaml").write_text("Pet: {type: object}\n")
    with pytest.raises(SpecError) as caught:
        load_source(folder(tmp_path, **{stem: text}))
    error = caught.value
    assert refused in error.message
    assert Path(error.source).stem == stem and error.pointer
    assert "\n" not in str(error)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("Pet: {type: object}\n")
    path = folder(tmp_path)
    (path.parent / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (path.parent / "schemas.yaml").write_text(SCHEMAS.replace("#/Tag", "link.yaml#/Pet"))
    with pytest.raises(SpecError, match="leaves the document's folder"):
        load_source(path)


def test_refs_that_would_expand_exponentially_are_refused(tmp_path: Path) -> None:
    """Each file names the next twice: 2^24 copies once inlined, from 25 small files."""
    root = tmp_path / "api.yaml"
    root.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "components: {schemas: {A: {$ref: 'f0.yaml'}}}\n"
    )
    for index in range(24):
        (tmp_path / f"f{index}.yaml").write_text(
            f"a: {{$ref: 'f{index + 1}.yaml'}}\nb: {{$ref: 'f{index + 1}.yaml'}}\n"
        )
    (tmp_path / "f24.yaml").write_text("type: string\n")
    with pytest.raises(SpecError, match="expand"):
        load_source(root)


@pytest.mark.parametrize("command", ["mock", "verify", "proxy"])
def test_the_cli_refuses_in_one_line_with_exit_2(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder(tmp_path, pets=PETS.replace("../schemas.yaml", "https://example.com/s.yaml"))
    target = {
        "mock": [],
        "verify": ["--base-url", "http://127.0.0.1:9"],
        "proxy": ["--upstream", "http://127.0.0.1:9"],
    }
    assert main([command, "--spec", str(path), *target[command]]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "names a URL" in err and "Traceback" not in err
