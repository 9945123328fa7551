from __future__ import annotations

from passkit import apply, located, spec

from gatewright.normalize.passes.tags import declare_tags


def test_declares_used_tags_in_order_of_first_use() -> None:
    document = spec(
        tags=[{"name": "files", "description": "d"}],
        paths={
            "/a": {"get": {"tags": ["models", "files"], "responses": {}}},
            "/b": {"get": {"tags": ["chat", "models"], "responses": {}}},
        },
    )
    out, repairs = apply(declare_tags, document)
    assert out["tags"] == [{"name": "files", "description": "d"}, {"name": "models"}, {"name": "chat"}]
    assert [(r.pointer, r.after) for r in repairs] == [
        ("/tags", {"name": "models"}),
        ("/tags", {"name": "chat"}),
    ]
    assert "/paths/~1a/get" in repairs[0].why
    located(document, repairs[0].pointer)


def test_a_document_without_tags_gets_the_list() -> None:
    out, _ = apply(declare_tags, spec(paths={"/a": {"get": {"tags": ["x"], "responses": {}}}}))
    assert out["tags"] == [{"name": "x"}]


def test_nothing_to_do_when_all_tags_are_declared() -> None:
    document = spec(tags=[{"name": "x"}], paths={"/a": {"get": {"tags": ["x"], "responses": {}}}})
    assert apply(declare_tags, document)[1] == []


def test_untagged_operations_are_tagged_by_their_resource_group() -> None:
    document = spec(
        paths={"/v1/batches/{id}": {"get": {"responses": {}}}, "/v1/{x}": {"get": {"responses": {}}}}
    )
    out, repairs = apply(declare_tags, document)
    assert out["paths"]["/v1/batches/{id}"]["get"]["tags"] == ["batches"]
    assert "tags" not in out["paths"]["/v1/{x}"]["get"]
    assert out["tags"] == [{"name": "batches"}]
    assert [r.change for r in repairs] == ["tagged the operation 'batches'", "declared tag 'batches'"]
