from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.operation_ids import IDENTIFIER, assign_operation_ids, generated_id


def ops(**by_path: dict[str, Any]) -> dict[str, Any]:
    return spec(paths={path.replace("_", "/"): item for path, item in by_path.items()})


def op(operation_id: str | None = None) -> dict[str, Any]:
    return {"responses": {}} if operation_id is None else {"operationId": operation_id, "responses": {}}


def ids(document: dict[str, Any]) -> list[str]:
    return [o["operationId"] for item in document["paths"].values() for o in item.values()]


def test_generates_a_missing_id_from_method_and_path() -> None:
    document = spec(paths={"/v1/files/{file_id}/content": {"get": op()}})
    out, repairs = apply(assign_operation_ids, document)
    assert ids(out) == ["getFilesByFileIdContent"]
    [repair] = repairs
    assert (repair.pointer, repair.before, repair.after) == (
        "/paths/~1v1~1files~1{file_id}~1content/get/operationId",
        None,
        "getFilesByFileIdContent",
    )
    located(document, repair.pointer)


def test_sanitizes_a_non_identifier() -> None:
    document = spec(paths={"/files": {"get": op("list-provider-nativeFiles")}})
    out, repairs = apply(assign_operation_ids, document)
    assert ids(out) == ["listProviderNativeFiles"]
    [repair] = repairs
    assert located(document, repair.pointer) == "list-provider-nativeFiles"


def test_a_leading_digit_gets_a_prefix() -> None:
    out, _ = apply(assign_operation_ids, spec(paths={"/files": {"get": op("2files")}}))
    assert ids(out) == ["op2files"]


def test_an_id_with_no_letters_or_digits_is_regenerated() -> None:
    out, _ = apply(assign_operation_ids, spec(paths={"/files": {"get": op("--")}}))
    [operation_id] = ids(out)
    assert IDENTIFIER.match(operation_id)


def test_renames_the_second_of_two_duplicates() -> None:
    document = spec(paths={"/files": {"get": op("list")}, "/models": {"get": op("list")}})
    out, repairs = apply(assign_operation_ids, document)
    assert ids(out) == ["list", "getModels"]
    [repair] = repairs
    assert repair.pointer == "/paths/~1models/get/operationId"
    assert "another operation" in repair.why


def test_duplicates_of_the_same_route_get_numbered() -> None:
    document = spec(paths={"/a": {"get": op("x"), "post": op("getA")}, "/b": {"get": op("x")}})
    out, _ = apply(assign_operation_ids, document)
    assert sorted(ids(out)) == sorted(set(ids(out)))


def test_a_generated_id_does_not_take_an_explicit_one() -> None:
    document = spec(paths={"/files": {"get": op(), "post": op("getFiles")}})
    out, _ = apply(assign_operation_ids, document)
    assert out["paths"]["/files"]["post"]["operationId"] == "getFiles"
    assert len(set(ids(out))) == 2


def test_generated_ids_skip_the_version_segment() -> None:
    assert generated_id("post", "/v2/chat/completions") == "postChatCompletions"


def test_nothing_to_do_for_unique_identifiers() -> None:
    assert apply(assign_operation_ids, spec(paths={"/a": {"get": op("a"), "post": op("b")}}))[1] == []
