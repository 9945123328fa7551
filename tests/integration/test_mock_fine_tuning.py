"""ipop's fine-tunes through the official openai SDK, over a real socket.

ipop's fine-tune create says: "The resulting fine-tune model id is `ft:<base>:u_<user>:<suffix>` for
user-scoped results or `ft:<base>:p_<project>:<suffix>` for project-scoped. The fine-tune is invokable
through /v1/chat/completions using the returned id". Its chat request's ``model`` is an enum of catalog
ids, which the contract widens with that form (the ``prose_patterns`` pass, from a quoted statement in
``ipop.lifecycles.yaml``), and the job's ``result_model_id`` is held to it. The job answers what it was
asked: ``base_model_id`` is the ``model`` sent, ``validation_file_id`` the ``validation_file`` (null when
none was sent). The SDK's ``fine_tuning.jobs`` and ``chat.completions`` calls fit ipop's routes as they
are; ipop's upload is a raw octet-stream body (``ipop_files``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
import requests
from ipop_files import AUTH, upload_file
from sdk_clients import openai_client

from gatewright.spec.bundled import canonical_dir

BASE = "deepseek-v4-flash"
TRAINING = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
FT_ID = re.compile(r"ft:[^:\s]+:[up]_[^:\s]+:[^:\s]+")  # the form ipop's fine-tune create documents
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["ipop"], "seed": 7, "task_duration": 0.05}


@pytest.fixture(scope="module")
def client(mock_url: str) -> Iterator[openai.OpenAI]:
    with openai_client(mock_url) as sdk:
        yield sdk


def _fields(job: Any) -> dict[str, Any]:
    """Every field of a job the SDK parsed, ipop's own among them (its ``FineTuningJob`` keeps what it
    does not declare)."""
    fields: dict[str, Any] = job.to_dict(warnings=False)  # ipop's times are not the SDK's integers
    return fields


def _succeeded(client: openai.OpenAI, job_id: str) -> Any:
    deadline = time.monotonic() + 10
    while True:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in ("succeeded", "failed", "cancelled"):
            assert job.status == "succeeded", _fields(job).get("last_error")
            return job
        assert time.monotonic() < deadline, f"job still {job.status}"
        time.sleep(0.02)


def _chat(client: openai.OpenAI, model: str) -> Any:
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello"}])


@pytest.mark.parametrize(("visibility", "scope"), [(None, "u"), ("project", "p")])
def test_the_model_a_finished_fine_tune_reports_is_one_chat_completions_takes(
    mock: str, client: openai.OpenAI, visibility: str | None, scope: str
) -> None:
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    extra = {"result_visibility": visibility} if visibility else None
    job = client.fine_tuning.jobs.create(
        model=BASE, training_file=training, suffix="support-bot", extra_body=extra
    )
    done = _succeeded(client, job.id)
    model = _fields(done)["result_model_id"]
    assert re.fullmatch(rf"ft:{re.escape(BASE)}:{scope}_[0-9a-f]+:support-bot", model), model
    completion = _chat(client, model)
    assert completion.model == model
    assert completion.choices[0].message.content


def test_the_model_a_finished_fine_tune_reports_is_one_the_models_route_retrieves(
    mock: str, client: openai.OpenAI
) -> None:
    """``GET /v1/models/{model_id}`` took only the catalog's enum: the id a succeeded job reports, which
    chat completions take, was a 400. It takes the fine-tune form too (the same quoted statement), and
    answers a model whose ``id`` is that id, valid against the contract's ``Model``."""
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    job = client.fine_tuning.jobs.create(model=BASE, training_file=training, suffix="support-bot")
    model_id = _fields(_succeeded(client, job.id))["result_model_id"]
    model = client.models.retrieve(model_id)
    assert (model.id, model.object) == (model_id, "model")
    contract = json.loads((canonical_dir() / "ipop.openapi.json").read_text())
    jsonschema.validate(model.to_dict(), {**contract, "$ref": "#/components/schemas/Model"})
    assert client.models.retrieve(BASE).id == BASE  # the catalog's ids as before


@pytest.mark.parametrize(
    "model", ["ft:claude-sonnet-4.6:u_42:bot", "ft:openai/gpt-5.4-mini:p_proj7:support-v2"]
)
def test_any_id_of_the_fine_tune_form_is_a_model_the_route_answers_as_itself(
    client: openai.OpenAI, model: str
) -> None:
    """As chat completions take any id of the documented form, the models route answers it: the model
    with that id (no fixture lists fine-tunes; one answered with a generated id was no answer)."""
    retrieved = client.models.retrieve(model)
    assert (retrieved.id, retrieved.object) == (model, "model")


@pytest.mark.parametrize("model", ["my-model", "ft:claude-sonnet-4.6", "ft:a:team_1:bot"])
def test_a_model_id_neither_in_the_catalog_nor_of_the_fine_tune_form_is_still_refused(
    client: openai.OpenAI, model: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.models.retrieve(model)
    body = refused.value.response.json()
    assert (body["code"], body["param"]) == ("bad_request", "model_id"), body


@pytest.mark.parametrize(
    ("suffix", "part"), [("my bot", "my-bot"), ("a:b", "a-b"), (" support : v2 ", "support-v2")]
)
def test_a_suffix_with_spaces_or_colons_still_names_the_model(
    mock: str, client: openai.OpenAI, suffix: str, part: str
) -> None:
    """ipop's ``suffix`` is any string; one with a space or a colon made a name that broke the documented
    form, and the job answered an id generated from the pattern that named neither base nor suffix."""
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    job = client.fine_tuning.jobs.create(model=BASE, training_file=training, suffix=suffix)
    model = _fields(_succeeded(client, job.id))["result_model_id"]
    assert re.fullmatch(rf"ft:{re.escape(BASE)}:u_[0-9a-f]+:{re.escape(part)}", model), model
    assert _chat(client, model).model == model


@pytest.mark.parametrize(
    "model",
    ["ft:claude-sonnet-4.6:u_42:bot", "ft:openai/gpt-5.4-mini:p_proj7:support-v2", "ft:x:u_abc:y"],
)
def test_a_fine_tune_id_of_the_documented_form_is_a_chat_model(client: openai.OpenAI, model: str) -> None:
    assert FT_ID.fullmatch(model)
    assert _chat(client, model).model == model


@pytest.mark.parametrize(
    "model",
    ["ft:claude-sonnet-4.6", "ft:claude-sonnet-4.6:team_1:bot", "ft:a:u_b:c:d", "ft:a:u b:c", "my-model"],
)
def test_a_model_neither_in_the_catalog_nor_a_fine_tune_id_is_still_refused(
    client: openai.OpenAI, model: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        _chat(client, model)
    body = refused.value.response.json()  # ipop's envelope (the SDK's ``body`` is its ``error`` string)
    assert body["code"] == "bad_request" and body["param"] == "model" and not body["retryable"]
    # each alternative's reason: the catalog's ids, and the ft: form (not "no schema of anyOf holds")
    assert "is not one of" in body["message"] and "does not match" in body["message"], body["message"]


def test_a_fine_tune_job_states_the_base_model_and_files_it_was_given(
    mock: str, client: openai.OpenAI
) -> None:
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    validation = upload_file(mock, TRAINING, purpose="fine-tune-validation", filename="valid.jsonl")
    job = client.fine_tuning.jobs.create(
        model=BASE, training_file=training, validation_file=validation, suffix="bot", seed=11
    )
    listed = [item for item in client.fine_tuning.jobs.list() if item.id == job.id]
    assert len(listed) == 1
    for answer in (job, client.fine_tuning.jobs.retrieve(job.id), listed[0], _succeeded(client, job.id)):
        fields = _fields(answer)
        assert fields["base_model_id"] == BASE
        assert fields["training_file_id"] == training
        assert fields["validation_file_id"] == validation
        assert (fields["suffix"], fields["seed"]) == ("bot", 11)


def test_what_a_fine_tune_job_was_not_asked_is_its_default_or_null(mock: str, client: openai.OpenAI) -> None:
    """No ``validation_file``, ``seed`` or ``suffix`` sent: null, as the job's schema allows; no
    ``result_visibility`` sent: the ``user`` the request schema declares as its default."""
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    job = client.fine_tuning.jobs.create(model=BASE, training_file=training)
    for answer in (job, client.fine_tuning.jobs.retrieve(job.id), _succeeded(client, job.id)):
        fields = _fields(answer)
        assert fields["base_model_id"] == BASE
        assert fields["validation_file_id"] is None
        assert fields["seed"] is None and fields["suffix"] is None
        assert fields["result_visibility"] == "user"


def _polls(client: openai.OpenAI, job_id: str) -> list[dict[str, Any]]:
    """Every answer to polling the job, until it succeeded (the last)."""
    answers = [_fields(client.fine_tuning.jobs.retrieve(job_id))]
    while answers[-1]["status"] != "succeeded":
        answers.append(_fields(_succeeded(client, job_id)))
    return answers


def _listed(client: openai.OpenAI, job_id: str) -> dict[str, Any]:
    (item,) = [item for item in client.fine_tuning.jobs.list() if item.id == job_id]
    return _fields(item)


def test_a_fine_tune_jobs_owner_and_project_stay_as_first_made(mock: str, client: openai.OpenAI) -> None:
    """The job's ``owner_user_id`` and ``project_id`` (made up by the mock: nothing in the request names
    them) differed between the create answer and the polls, each body generated anew; now the create
    answer's, in every poll and the list."""
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    created = _fields(client.fine_tuning.jobs.create(model=BASE, training_file=training))
    answers = [created, *_polls(client, created["id"]), _listed(client, created["id"])]
    assert isinstance(created["owner_user_id"], str) and created["owner_user_id"]
    for answer in answers:
        assert (answer["owner_user_id"], answer["project_id"]) == (
            created["owner_user_id"],
            created["project_id"],
        ), answer["status"]


DEFAULTS = {"n_epochs": 3, "learning_rate": 0.0001, "lora_rank": 8, "lora_alpha": 16}


@pytest.mark.parametrize(
    ("sent", "reported"),
    [
        (None, DEFAULTS),
        ({}, DEFAULTS),
        ({"batch_size": 4}, {"batch_size": 4, **DEFAULTS}),
        (
            {"n_epochs": 5, "learning_rate": 0.001, "lora_rank": 32},
            {"n_epochs": 5, "learning_rate": 0.001, "lora_rank": 32, "lora_alpha": 16},
        ),
        ({"learning_rate": 0.0005}, {**DEFAULTS, "learning_rate": 0.0005}),
    ],
)
def test_a_fine_tune_job_reports_the_declared_default_of_each_hyperparameter_not_sent(
    mock: str, client: openai.OpenAI, sent: dict[str, Any] | None, reported: dict[str, Any]
) -> None:
    """``FineTuneHyperparameters`` declares ``n_epochs`` 3, ``lora_rank`` 8 and ``lora_alpha`` 16 as
    defaults, and says of ``learning_rate`` in prose only "Adam learning rate. Default 1e-4." (a quoted
    ``field_default`` statement in ``ipop.lifecycles.yaml`` makes it the schema's ``0.0001``;
    ``batch_size`` has none): a job reports those for what it was not sent and what it was sent as sent.
    It reported generated values (or only what was sent), then no learning rate where the gateway uses
    1e-4."""
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    extra = {"hyperparameters": sent} if sent is not None else None
    created = _fields(client.fine_tuning.jobs.create(model=BASE, training_file=training, extra_body=extra))
    for answer in (created, *_polls(client, created["id"]), _listed(client, created["id"])):
        assert answer["hyperparameters"] == reported, answer["status"]


def test_a_fine_tune_jobs_adapter_file_is_set_on_success_only(mock: str, client: openai.OpenAI) -> None:
    """ipop: "Set on success: the uploaded LoRA adapter file id." (a ``set_on_success`` statement in
    ``ipop.lifecycles.yaml``). The mock made one up from the create answer on; now it is null until the
    job succeeds, then one id in every answer, of a file ``GET /v1/files/{file_id}`` serves."""
    training = upload_file(mock, TRAINING, purpose="fine-tune", filename="train.jsonl")
    created = _fields(client.fine_tuning.jobs.create(model=BASE, training_file=training))
    answers = [created, *_polls(client, created["id"])]
    assert created["status"] != "succeeded"
    for answer in answers[:-1]:
        assert answer["result_adapter_file_id"] is None, answer["status"]
    adapter = answers[-1]["result_adapter_file_id"]
    assert isinstance(adapter, str) and adapter.startswith("file_"), adapter
    later = [_fields(client.fine_tuning.jobs.retrieve(created["id"])), _listed(client, created["id"])]
    assert [answer["result_adapter_file_id"] for answer in later] == [adapter, adapter]
    served = requests.get(f"{mock}/v1/files/{adapter}", headers=AUTH, timeout=10)
    assert served.status_code == 200, served.text
    assert served.json()["id"] == adapter
