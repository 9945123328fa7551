"""A create's documented 404 skips its lifecycle only where the request names ids nobody made; so does
its documented 400 or 404 to a request naming a file the spec states a purpose for
(``x-gatewright-file-purpose``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from gatewright.conformance.unmade import named_ids, not_there, refused_file
from gatewright.spec import Spec
from gatewright.spec.model import FILE_PURPOSE_EXTENSION


def _create(path: str, responses: tuple[str, ...], purposes: dict[str, str] | None = None) -> Any:
    create: dict[str, Any] = {
        "operationId": "create",
        "responses": {status: {"description": status} for status in responses},
    }
    if purposes is not None:
        create[FILE_PURPOSE_EXTENSION] = purposes
    spec = Spec(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {path: {"post": create}},
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


def test_a_documented_refusal_of_a_file_the_spec_states_a_purpose_for_skips_the_lifecycle() -> None:
    """ipop's batch create documents 400 only: a generated ``input_file_id`` names no file uploaded with
    purpose=batch, and its refusal is the contract kept."""
    batches = _create("/v1/batches", ("200", "400"), {"input_file_id": "batch", "other_file": "x"})
    said = not_there(400, batches, _case(body={"input_file_id": "file_x", "endpoint": "chat"}))
    assert said is not None and "documented 400" in said and "input_file_id (purpose batch)" in said
    assert "other_file" not in said  # not sent: not what was refused
    assert refused_file(400, batches.definition, {"input_file_id": "file_x"}) == said


def test_other_refusals_of_a_create_with_file_purposes_stay_findings() -> None:
    batches = _create("/v1/batches", ("200", "400"), {"input_file_id": "batch"})
    plain = _create("/v1/batches", ("200", "400"))
    named = {"input_file_id": "file_x"}
    assert refused_file(422, batches.definition, named) is None  # not the refusal of a file
    assert refused_file(404, batches.definition, named) is None  # a 404 it does not document
    assert refused_file(500, batches.definition, named) is None
    assert refused_file(400, batches.definition, {"endpoint": "chat"}) is None  # names no file
    assert refused_file(400, batches.definition, {"input_file_id": None}) is None
    assert refused_file(400, plain.definition, named) is None  # the spec states no purpose
    assert not_there(400, plain, _case(body=named)) is None


def test_a_refusal_of_files_verify_uploaded_for_their_purpose_is_no_excuse() -> None:
    """verify uploads the files a create names for their stated purpose (``made_files.py``): a gateway
    refusing one of those refuses a file the contract says it takes, so no skip; a file verify could
    not make still skips, saying why."""
    attach = _create("/v1/stores/{store_id}/files", ("200", "400", "404"), {"file_id": "assistants"})
    case = _case({"store_id": "vs_x"}, {"file_id": "file_made"})
    made = frozenset({"file_id"})
    assert named_ids(case, made) == ("store_id",)
    said = not_there(404, attach, case, made=made)
    assert said is not None and "(store_id)" in said and "file_id" not in said
    assert not_there(400, attach, case, made=made) is None
    assert refused_file(400, attach.definition, case.body, made=made) is None
    why = "file_id: the API has no operation that uploads a file with a purpose"
    unmade = not_there(400, attach, case, unmade=why)
    assert unmade is not None and "file_id (purpose assistants)" in unmade and why in unmade
