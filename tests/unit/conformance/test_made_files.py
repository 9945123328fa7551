"""Which operation uploads a file of a purpose, which deletes it, and what goes into the file: found
from the spec alone (any API whose operations state ``x-gatewright-file-purpose``)."""

from __future__ import annotations

import json
from typing import Any

from offline_adapter import offline_adapter

from gatewright.conformance.made_cleanup import Cleanup, delete_operation
from gatewright.conformance.made_files import FileMaker, file_content, upload_operation
from gatewright.conformance.made_parents import parents_of
from gatewright.spec import Spec, load_spec
from gatewright.spec.model import FILE_PURPOSE_EXTENSION

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
CHAT = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "enum": ["m-1"]},
        "messages": {"type": "array", "maxItems": 1},
    },
}


def _post(operation_id: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "requestBody": {"content": content}, "responses": OK, **extra}


def _spec(paths: dict[str, Any]) -> Spec:
    return Spec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths})


MULTIPART = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}, "purpose": {"type": "string"}},
        }
    }
}
RAW = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
PURPOSE_QUERY = {"in": "query", "name": "purpose", "schema": {"type": "string"}}
CREATE = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {
                "input_file_id": {"type": "string"},
                "endpoint": {"type": "string", "default": "chat_completions"},
            },
        }
    }
}


def _api(upload: dict[str, Any]) -> Spec:
    return _spec(
        {
            "/v1/audio": {
                "post": _post("transcribe", {"multipart/form-data": {"schema": {"type": "object"}}})
            },
            "/v1/uploads": {"post": upload},
            "/v1/uploads/{upload_id}": {"delete": {"operationId": "deleteUpload", "responses": OK}},
            "/v1/chat/completions": {"post": _post("chat", {"application/json": {"schema": CHAT}})},
            "/v1/jobs": {
                "post": _post("createJob", CREATE, **{FILE_PURPOSE_EXTENSION: {"input_file_id": "batch"}})
            },
        }
    )


def test_the_upload_is_a_multipart_form_with_file_and_purpose_or_a_raw_body_with_a_purpose_query() -> None:
    multipart = _api(_post("upload", MULTIPART))
    raw = _api(_post("upload", RAW, parameters=[PURPOSE_QUERY]))
    no_purpose = _api(_post("upload", RAW))
    assert upload_operation(multipart) == multipart.operation("upload")
    assert upload_operation(raw) == raw.operation("upload")
    assert upload_operation(no_purpose) is None  # a file, but nothing says its purpose
    assert delete_operation(multipart, "/v1/uploads") == multipart.operation("deleteUpload")
    assert delete_operation(multipart, "/v1/audio") is None


def test_a_route_ending_in_files_is_preferred() -> None:
    spec = _api(_post("upload", MULTIPART))
    spec = _spec(
        {**spec.document["paths"], "/v1/files": {"post": _post("files", RAW, parameters=[PURPOSE_QUERY])}}
    )
    assert upload_operation(spec) == spec.operation("files")


def test_a_multipart_upload_sends_the_file_and_its_purpose_as_form_fields() -> None:
    spec = _api(_post("upload", MULTIPART))
    adapter = offline_adapter(spec.document)
    maker = FileMaker(spec, adapter, spec.operation("createJob"), Cleanup(spec, adapter))
    case = maker.adapter.make_case("createJob", body={"input_file_id": "file_x"})
    (need,) = maker.plan(case).needs
    upload = maker._upload_case(spec.operation("upload"), need)
    assert upload.media_type == "multipart/form-data"
    assert upload.body == {"file": need.content, "purpose": "batch"}
    sent = dict(upload.as_transport_kwargs(base_url="http://127.0.0.1:9")["files"])
    assert sent["purpose"] == (None, "batch") and sent["file"][1] == need.content
    assert (need.field, need.purpose) == ("input_file_id", "batch")


def test_a_batch_input_is_jsonl_of_valid_requests_to_the_route_its_endpoint_names() -> None:
    spec = _api(_post("upload", MULTIPART))
    create = spec.operation("createJob")
    lines = file_content(spec, offline_adapter(spec.document), create, "batch", {"input_file_id": "x"})
    assert isinstance(lines, bytes)
    parsed = [json.loads(line) for line in lines.splitlines()]
    assert [(p["custom_id"], p["method"], p["url"]) for p in parsed] == [
        ("gatewright-1", "POST", "/v1/chat/completions"),
        ("gatewright-2", "POST", "/v1/chat/completions"),
    ]
    assert all(p["body"]["model"] == "m-1" and isinstance(p["body"]["messages"], list) for p in parsed)
    missing = file_content(spec, offline_adapter(spec.document), create, "batch", {"endpoint": "embeddings"})
    assert missing == "the batch's endpoint 'embeddings' is no POST route of the spec"


def test_a_fine_tune_file_is_ten_chat_examples() -> None:
    spec = _api(_post("upload", MULTIPART))
    content = file_content(spec, offline_adapter(spec.document), spec.operation("createJob"), "fine-tune", {})
    assert isinstance(content, bytes)
    examples = [json.loads(line) for line in content.splitlines()]
    assert len(examples) == 10
    assert [m["role"] for m in examples[0]["messages"]] == ["system", "user", "assistant"]


def test_verify_says_why_it_could_not_make_a_file() -> None:
    spec = _api(_post("upload", RAW))  # no purpose to give
    adapter = offline_adapter(spec.document)
    maker = FileMaker(spec, adapter, spec.operation("createJob"), Cleanup(spec, adapter))
    plan = maker.plan(maker.adapter.make_case("createJob", body={"input_file_id": "file_x"}))
    assert plan.needs == ()
    assert plan.unmade == "input_file_id: the API has no operation that uploads a file with a purpose"


def test_the_parents_verify_makes_are_the_top_level_ones_it_can_delete_again() -> None:
    """ipop's attach names a store ``POST /v1/vector_stores`` makes and ``DELETE`` deletes; its project
    job runs name a job under a project no operation makes; its batch create names no parent."""
    spec = load_spec("ipop")
    (store,) = parents_of(spec, spec.operation("postVectorStoresByVectorStoreIdFiles"))
    assert (store.param, store.create.operation_id, store.collection) == (
        "vector_store_id",
        "postVectorStores",
        "/v1/vector_stores",
    )
    assert store.what == "the vector store {vector_store_id} names"
    assert parents_of(spec, spec.operation("postProjectsByProjectIdJobsByJobIdRuns")) == ()
    assert parents_of(spec, spec.operation("postBatches")) == ()


def test_a_parent_whose_create_is_itself_a_lifecycle_is_not_made() -> None:
    """empiriolabs's GPU instance actions name an instance ``POST /v1/gpu/instances`` deploys (a task,
    billed while it runs) and ``DELETE`` tears down: verify does not deploy one to reach an action."""
    spec = load_spec("empiriolabs")
    under_instance = [
        op for op in spec.operations if op.path.startswith("/v1/gpu/instances/{") and op.method == "POST"
    ]
    assert under_instance, "empiriolabs has POST routes under a GPU instance"
    assert delete_operation(spec, "/v1/gpu/instances") is not None  # deletable: only the task rule holds it
    for op in under_instance:
        assert parents_of(spec, op) == (), op.operation_id
