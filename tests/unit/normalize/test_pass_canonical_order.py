from __future__ import annotations

from passkit import apply

from gatewright.normalize.passes.canonical_order import canonical_order


def test_orders_the_top_level_paths_and_components() -> None:
    document = {
        "components": {"schemas": {"b": {}, "a": {}}, "responses": {"Z": {}, "Y": {}}},
        "x-extra": 1,
        "paths": {"/z": {}, "/a": {}},
        "info": {"title": "t", "version": "1"},
        "openapi": "3.1.0",
    }
    out, repairs = apply(canonical_order, document)
    assert repairs == []
    assert out == document
    assert list(out) == ["openapi", "info", "paths", "components", "x-extra"]
    assert list(out["paths"]) == ["/a", "/z"]
    assert list(out["components"]) == ["responses", "schemas"]
    assert list(out["components"]["schemas"]) == ["a", "b"]
    assert list(out["components"]["responses"]) == ["Y", "Z"]


def test_an_ordered_document_keeps_its_order() -> None:
    document = {"openapi": "3.1.0", "info": {}, "paths": {"/a": {}}, "components": {"schemas": {"a": {}}}}
    out, _ = apply(canonical_order, document)
    assert list(out) == list(document)
