from __future__ import annotations

from typing import Any

from passkit import apply, located, spec

from gatewright.normalize.passes.response_statuses import impossible_responses


def route(method: str, *statuses: str, **op: Any) -> dict[str, Any]:
    responses = {s: {"description": s} for s in statuses}
    return spec(paths={"/files": {method: {"responses": responses, **op}}})


def test_drops_201_and_413_from_a_read() -> None:
    document = route("get", "200", "201", "413")
    out, repairs = apply(impossible_responses, document)
    assert list(out["paths"]["/files"]["get"]["responses"]) == ["200"]
    assert [r.pointer for r in repairs] == [
        "/paths/~1files/get/responses/201",
        "/paths/~1files/get/responses/413",
    ]
    for repair in repairs:
        located(document, repair.pointer)


def test_a_read_whose_only_success_is_201_keeps_it() -> None:
    assert apply(impossible_responses, route("get", "201"))[1] == []


def test_an_operation_with_a_body_keeps_413() -> None:
    document = route("post", "201", "413", requestBody={"content": {"application/json": {}}})
    assert apply(impossible_responses, document)[1] == []


def test_head_responses_lose_their_body() -> None:
    document = route("head", "200")
    document["paths"]["/files"]["head"]["responses"]["200"]["content"] = {"application/json": {}}
    out, repairs = apply(impossible_responses, document)
    assert out["paths"]["/files"]["head"]["responses"]["200"] == {"description": "200"}
    [repair] = repairs
    assert (repair.pointer, repair.before) == (
        "/paths/~1files/head/responses/200/content",
        ["application/json"],
    )
