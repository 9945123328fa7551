from __future__ import annotations

from passkit import apply, located, spec

from gatewright.normalize.passes.server_base_path import fold_server_base_path

PATHS = {"/models": {"get": {"responses": {}}}, "/files/{id}": {"get": {"responses": {}}}}


def test_folds_a_relative_base_path_into_every_path() -> None:
    document = spec(servers=[{"url": "/v1", "description": "d"}], paths=PATHS)
    out, repairs = apply(fold_server_base_path, document)
    assert list(out["paths"]) == ["/v1/models", "/v1/files/{id}"]
    assert out["servers"] == [{"url": "/", "description": "d"}]
    assert {r.pointer: (r.before, r.after) for r in repairs} == {
        "/paths/~1models": ("/models", "/v1/models"),
        "/paths/~1files~1{id}": ("/files/{id}", "/v1/files/{id}"),
        "/servers/0/url": ("/v1", "/"),
    }
    for repair in repairs:
        located(document, repair.pointer)


def test_keeps_the_origin_of_an_absolute_server() -> None:
    document = spec(servers=[{"url": "https://api.example.com/v1/"}], paths=PATHS)
    out, _ = apply(fold_server_base_path, document)
    assert out["servers"] == [{"url": "https://api.example.com"}]
    assert list(out["paths"]) == ["/v1/models", "/v1/files/{id}"]


def test_an_absolute_server_without_a_path_is_left_alone() -> None:
    document = spec(servers=[{"url": "https://api.example.com"}], paths=PATHS)
    assert apply(fold_server_base_path, document)[1] == []


def test_servers_with_different_base_paths_are_left_alone() -> None:
    document = spec(servers=[{"url": "https://a.example.com/v1"}, {"url": "/v2"}], paths=PATHS)
    assert apply(fold_server_base_path, document)[1] == []


def test_no_servers_gets_a_root_server() -> None:
    document = spec(paths=PATHS)
    out, repairs = apply(fold_server_base_path, document)
    assert [s["url"] for s in out["servers"]] == ["/"]
    assert out["paths"] == PATHS
    [repair] = repairs
    assert repair.pointer == "/servers"
    located(document, repair.pointer)
