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

import re
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from ipop_files import upload_file
from sdk_clients import openai_client

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
