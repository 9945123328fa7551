from __future__ import annotations

from passkit import apply, located, spec

from gatewright.normalize.passes.path_parameters import declare_path_parameters


def test_declares_a_forgotten_template_variable() -> None:
    document = spec(paths={"/files/{file_id}": {"get": {"responses": {}}}})
    out, repairs = apply(declare_path_parameters, document)
    assert out["paths"]["/files/{file_id}"]["get"]["parameters"] == [
        {"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    [repair] = repairs
    assert repair.pointer == "/paths/~1files~1{file_id}/get/parameters/0"
    located(document, "/paths/~1files~1{file_id}/get")


def test_marks_declared_path_parameters_required() -> None:
    document = spec(
        paths={"/files/{id}": {"get": {"parameters": [{"name": "id", "in": "path"}], "responses": {}}}}
    )
    out, repairs = apply(declare_path_parameters, document)
    assert out["paths"]["/files/{id}"]["get"]["parameters"] == [
        {"name": "id", "in": "path", "required": True}
    ]
    [repair] = repairs
    assert repair.pointer == "/paths/~1files~1{id}/get/parameters/0/required"
    located(document, repair.pointer)


def test_path_level_and_referenced_parameters_count_as_declared() -> None:
    document = spec(
        paths={
            "/a/{x}/b/{y}": {
                "parameters": [{"name": "x", "in": "path", "required": True}],
                "get": {"parameters": [{"$ref": "#/components/parameters/Y"}], "responses": {}},
            }
        },
        components={"parameters": {"Y": {"name": "y", "in": "path", "required": True}}},
    )
    assert apply(declare_path_parameters, document)[1] == []
