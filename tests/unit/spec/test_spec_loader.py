from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatewright.spec.errors import SpecError
from gatewright.spec.loader import load_source

MINIMAL = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}

YAML = """\
openapi: 3.1.0
info:
  title: t
  version: '1'
paths: {}
"""

PAGE = """\
# Example gateway

Send `x-api-key: <key>` on every call.

## openapi.yaml

```yaml
{yaml}```

## Errors

More prose after the block.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_source(path)
    return caught.value


def test_loads_json(tmp_path: Path) -> None:
    source = load_source(write(tmp_path, "a.json", json.dumps(MINIMAL)))
    assert (source.format, source.document, source.prose) == ("json", MINIMAL, "")


def test_loads_yaml(tmp_path: Path) -> None:
    source = load_source(write(tmp_path, "a.yaml", YAML))
    assert (source.format, source.document) == ("yaml", MINIMAL)


def test_loads_the_yaml_block_of_a_markdown_page_and_keeps_the_prose(tmp_path: Path) -> None:
    source = load_source(write(tmp_path, "a.md", PAGE.format(yaml=YAML)))
    assert (source.format, source.document) == ("markdown", MINIMAL)
    assert "x-api-key" in source.prose
    assert "openapi:" not in source.prose


def test_yaml_is_read_as_yaml_1_2(tmp_path: Path) -> None:
    text = YAML + (
        "x-values:\n"
        "  switch: off\n"
        "  answer: yes\n"
        "  ratio: 16:9\n"
        "  clock: 18:30:00\n"
        "  day: 2024-01-31\n"
        "  stamp: 2024-01-31T10:00:00Z\n"
        "  octal: 0o17\n"
        "  flag: true\n"
        "  nothing: null\n"
        "  float: 1.5\n"
        "x-keys:\n"
        "  200: ok\n"
        "  true: yes\n"
    )
    document = load_source(write(tmp_path, "a.yaml", text)).document
    assert document["x-values"] == {
        "switch": "off",
        "answer": "yes",
        "ratio": "16:9",
        "clock": "18:30:00",
        "day": "2024-01-31",
        "stamp": "2024-01-31T10:00:00Z",
        "octal": 15,
        "flag": True,
        "nothing": None,
        "float": 1.5,
    }
    assert document["x-keys"] == {"200": "ok", "true": "yes"}


def test_a_null_key_becomes_the_json_string_null(tmp_path: Path) -> None:
    document = load_source(write(tmp_path, "a.yaml", YAML + "x-keys:\n  null: x\n")).document
    assert document["x-keys"] == {"null": "x"}


def test_bad_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{\n  "openapi": "3.1.0",\n  "paths": {,}\n}\n')
    error = error_of(path)
    assert (error.source, error.line) == (str(path), 3)
    assert str(error).startswith(f"{path}:3: invalid JSON")


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", YAML + "x-bad: [1, 2\nx-next: 3\n")
    error = error_of(path)
    assert error.source == str(path)
    assert error.line is not None
    assert 6 <= error.line <= 7
    assert str(error).startswith(f"{path}:{error.line}: invalid YAML")


def test_bad_yaml_in_markdown_names_the_line_of_the_page(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.md", PAGE.format(yaml=YAML + "x-bad: : :\n"))
    lines = path.read_text(encoding="utf-8").splitlines()
    bad_line = lines.index("x-bad: : :") + 1
    error = error_of(path)
    assert (error.source, error.line) == (str(path), bad_line)


def test_a_page_without_an_openapi_block_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "prose.md", "# Gateway\n\nNo spec here.\n")
    error = error_of(path)
    assert error.source == str(path)
    assert "openapi.yaml" in error.message


def test_a_heading_without_a_fence_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "nofence.md", "# Gateway\n\n## openapi.yaml\n\nSee elsewhere.\n")
    error = error_of(path)
    assert (error.source, error.line) == (str(path), 3)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    error = error_of(path)
    assert (error.source, error.message) == (str(path), "file not found")


def test_a_document_that_is_not_openapi_is_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "a.json", '{"swagger": "2.0"}'))
    assert "not an OpenAPI document" in error.message


@pytest.mark.parametrize(
    "ref", ["absent.yaml#/components/schemas/A", "../other.yaml#/A", "https://example.com/spec.json#/A"]
)
def test_a_ref_to_a_url_or_a_file_not_beside_it_is_refused(tmp_path: Path, ref: str) -> None:
    """(Files beside it are bundled: ``test_multifile.py``.)"""
    document = {**MINIMAL, "components": {"schemas": {"A": {"$ref": ref}}}}
    path = write(tmp_path, "a.json", json.dumps(document))
    error = error_of(path)
    assert error.source == str(path)
    assert error.pointer == "/components/schemas/A"
    assert ref in error.message


def test_a_local_ref_is_accepted(tmp_path: Path) -> None:
    document = {**MINIMAL, "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {}}}}
    assert load_source(write(tmp_path, "a.json", json.dumps(document))).document == document


def test_an_unknown_extension_is_refused(tmp_path: Path) -> None:
    assert "unknown document format" in error_of(write(tmp_path, "a.txt", "{}")).message
