"""A create's documented 404 skips its lifecycle only where the request names ids nobody made."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from gatewright.conformance.unmade import named_ids, not_there
from gatewright.spec import Spec


def _create(path: str, responses: tuple[str, ...]) -> Any:
    spec = Spec(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                path: {
                    "post": {
                        "operationId": "create",
                        "responses": {status: {"description": status} for status in responses},
                    }
                }
            },
        }
    )
    return spec.operation("create")


def _case(path: dict[str, Any] | None = None, body: Any = None) -> Any:
    return SimpleNamespace(path_parameters=path, body=body)


def test_a_documented_404_for_a_parent_and_a_file_nobody_made_skips_naming_them() -> None:
    attach = _create("/v1/stores/{store_id}/files", ("200", "404"))
    case = _case({"store_id": "vs_x"}, {"file_id": "file_x", "chunking": "auto"})
    assert named_ids(case) == ("store_id", "file_id")
    said = not_there(404, attach, case)
    assert said is not None and "store_id, file_id" in said and "404" in said


def test_other_404s_and_other_statuses_stay_findings() -> None:
    documented = _create("/v1/jobs", ("200", "404"))
    undocumented = _create("/v1/stores/{store_id}/files", ("200",))
    names_a_file = _case(body={"input_file_id": "file_x"})
    assert not_there(404, documented, _case(body={"prompt": "hi", "n_id": 3})) is None  # names no id
    assert not_there(404, undocumented, _case({"store_id": "vs_x"})) is None
    assert not_there(500, documented, names_a_file) is None
    assert not_there(None, documented, names_a_file) is None
    assert not_there(404, documented, names_a_file) is not None


def test_a_404_documented_by_its_range_counts_as_documented() -> None:
    ranged = _create("/v1/stores/{store_id}/files", ("200", "4XX"))
    assert not_there(404, ranged, _case({"store_id": "vs_x"})) is not None
