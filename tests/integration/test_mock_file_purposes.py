"""ipop's jobs over uploaded files refuse a file they may not name; its vector stores list newest first.

ipop's batch create: "The input file must have been uploaded via POST /v1/files with purpose=batch."; its
fine-tune create: "`training_file` must be a file uploaded via POST /v1/files with purpose=fine-tune." (and
the validation file "with purpose=fine-tune-validation"). The mock started the job over any id (a batch
over a file that is not there, then ``failed``; a fine-tune over anything), where the gateway refuses it as
OpenAI does: the create's documented 400 in ipop's ``Error`` envelope, which the official openai SDK raises
as ``BadRequestError``. Its vector store list "Returns the most recent vector stores", and answered the
oldest first. A real mock on a socket, the official SDK as the client (ipop's upload is a raw
octet-stream body: ``ipop_files``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai
import pytest
import requests
from ipop_files import AUTH, upload_file
from sdk_clients import openai_client

# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["ipop"], "seed": 7, "task_duration": 0.05}
BASE = "deepseek-v4-flash"  # a trainable catalog model
LINE = json.dumps(
    {
        "custom_id": "one",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "claude-sonnet-4.6", "messages": [{"role": "user", "content": "hi"}]},
    }
).encode()
TRAINING = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'


@pytest.fixture
def client(mock: str) -> Iterator[openai.OpenAI]:
    with openai_client(mock) as sdk:
        yield sdk


def _batch(client: openai.OpenAI, url: str, file_id: str) -> Any:
    # ipop's ``endpoint`` is its own word, not the SDK's route
    return client.batches.create(
        input_file_id=file_id,
        endpoint="chat_completions",  # type: ignore[arg-type]
        completion_window="24h",
    )


def _training(client: openai.OpenAI, url: str, file_id: str) -> Any:
    return client.fine_tuning.jobs.create(model=BASE, training_file=file_id)


def _validation(client: openai.OpenAI, url: str, file_id: str) -> Any:
    training = upload_file(url, TRAINING, purpose="fine-tune", filename="train.jsonl")
    return client.fine_tuning.jobs.create(model=BASE, training_file=training, validation_file=file_id)


@dataclass(frozen=True)
class Job:
    """How a job is made over a file, the field naming it, the purpose it needs, what such a file holds."""

    create: Callable[[openai.OpenAI, str, str], Any]
    field: str
    purpose: str
    data: bytes


JOBS = [
    pytest.param(Job(_batch, "input_file_id", "batch", LINE), id="batch input"),
    pytest.param(Job(_training, "training_file", "fine-tune", TRAINING), id="fine-tune training"),
    pytest.param(
        Job(_validation, "validation_file", "fine-tune-validation", TRAINING), id="fine-tune validation"
    ),
]


def _jobs(client: openai.OpenAI) -> list[str]:
    """Every batch and fine-tune job the mock holds, by id."""
    batches = [batch.id for batch in itertools.islice(client.batches.list(), 200)]
    return batches + [job.id for job in itertools.islice(client.fine_tuning.jobs.list(), 200)]


def _refused(
    client: openai.OpenAI, create: Callable[[openai.OpenAI, str, str], Any], url: str, file_id: str
) -> openai.BadRequestError:
    before = _jobs(client)
    with pytest.raises(openai.BadRequestError) as raised:
        create(client, url, file_id)
    assert _jobs(client) == before  # nothing started (the list would show the new job alone)
    return raised.value


def _envelope(error: openai.APIStatusError, field: str) -> dict[str, Any]:
    """ipop's ``Error`` body of a refusal: 400, ``bad_request``, the field named."""
    body: dict[str, Any] = error.response.json()
    assert error.status_code == 400
    assert {"error", "code", "request_id", "retryable"} <= body.keys()
    assert (body["code"], body["param"], body["retryable"]) == ("bad_request", field, False)
    assert error.body == body["error"]  # the SDK's reading of ipop's envelope: its ``error`` string
    return body


@pytest.mark.parametrize("job", JOBS)
def test_a_job_over_a_file_nobody_uploaded_is_refused(mock: str, client: openai.OpenAI, job: Job) -> None:
    """It was created (a batch then ended ``failed``; a fine-tune ran and succeeded over nothing)."""
    error = _refused(client, job.create, mock, "file-never-uploaded")
    body = _envelope(error, job.field)
    assert body["message"] == "File with ID 'file-never-uploaded' not found."


@pytest.mark.parametrize("job", JOBS)
@pytest.mark.parametrize("other", ["assistants", "batch", "fine-tune", "batch_output"])
def test_a_job_over_a_file_uploaded_for_another_purpose_is_refused(
    mock: str, client: openai.OpenAI, job: Job, other: str
) -> None:
    if other == job.purpose:
        other = "fine-tune-validation" if job.purpose == "batch" else "batch"
    file_id = upload_file(mock, job.data, purpose=other)
    assert client.files.retrieve(file_id).purpose == other  # the file says what it was uploaded for
    body = _envelope(_refused(client, job.create, mock, file_id), job.field)
    assert body["message"] == (
        f"File with ID '{file_id}' was not uploaded with purpose '{job.purpose}' (its purpose is '{other}')."
    )


@pytest.mark.parametrize("job", JOBS)
def test_a_job_over_a_file_uploaded_for_its_purpose_is_made_as_before(
    mock: str, client: openai.OpenAI, job: Job
) -> None:
    file_id = upload_file(mock, job.data, purpose=job.purpose)
    made = job.create(client, mock, file_id)
    fields = made.to_dict(warnings=False)
    named = {"input_file_id": "input_file_id"}.get(job.field, f"{job.field}_id")  # ipop's: training_file_id
    assert fields[named] == file_id
    assert fields["status"] in ("validating", "validating_files", "queued")
    assert made.id in _jobs(client)


def test_a_fine_tune_over_a_deleted_file_is_refused(mock: str, client: openai.OpenAI) -> None:
    file_id = upload_file(mock, TRAINING, purpose="fine-tune")
    assert requests.delete(f"{mock}/v1/files/{file_id}", headers=AUTH, timeout=10).status_code == 204
    body = _envelope(_refused(client, _training, mock, file_id), "training_file")
    assert file_id in body["message"]


def test_the_vector_store_list_comes_newest_first(mock: str, client: openai.OpenAI) -> None:
    """ "Returns the most recent vector stores": the first page is the newest, and the SDK's auto-pagination
    (by ``after``) still visits each store once, going on to older ones."""
    made = [client.vector_stores.create(name=f"kb-{n}").id for n in range(5)]
    newest_first = made[::-1]
    listed = [store.id for store in client.vector_stores.list(limit=100).data]
    assert [store_id for store_id in listed if store_id in made] == newest_first
    assert listed[: len(made)] == newest_first  # what was made before (the fixtures) comes after
    first = client.vector_stores.list(limit=2)
    assert ([store.id for store in first.data], first.has_more) == (newest_first[:2], True)
    paged = [store.id for store in itertools.islice(client.vector_stores.list(limit=2), 200)]
    assert paged == listed and len(paged) == len(set(paged))


@pytest.mark.parametrize("other", ["batch", "fine-tune"])
def test_attaching_a_file_uploaded_for_another_purpose_to_a_vector_store_is_refused(
    mock: str, client: openai.OpenAI, other: str
) -> None:
    """ipop's attach: "Attaches a file previously uploaded via POST /v1/files with `purpose=assistants`."
    A batch's input was attached and ingested like any other file."""
    store = client.vector_stores.create(name="notes").id
    file_id = upload_file(mock, b"a line of notes\n", purpose=other, filename="notes.txt")
    with pytest.raises(openai.BadRequestError) as raised:
        client.vector_stores.files.create(vector_store_id=store, file_id=file_id)
    body = _envelope(raised.value, "file_id")
    assert body["message"] == (
        f"File with ID '{file_id}' was not uploaded with purpose 'assistants' (its purpose is '{other}')."
    )
    listed = client.vector_stores.files.list(vector_store_id=store).data
    assert file_id not in [row.to_dict(warnings=False).get("file_id") for row in listed]  # nothing attached
    held = requests.get(f"{mock}/v1/vector_stores/{store}", headers=AUTH, timeout=10).json()
    assert (held["file_count"], held["usage_bytes"]) == (0, 0)


def test_a_vector_store_takes_an_assistants_file_and_refuses_one_nobody_uploaded(
    mock: str, client: openai.OpenAI
) -> None:
    """The attach documents 404 (the SDK's NotFoundError) for a file that is not there, as before; a file
    uploaded with purpose=assistants is attached and ingested as before."""
    store = client.vector_stores.create(name="notes").id
    with pytest.raises(openai.NotFoundError) as raised:
        client.vector_stores.files.create(vector_store_id=store, file_id="file-never-uploaded")
    assert raised.value.response.json()["param"] == "file_id"
    assert raised.value.response.json()["message"] == "File with ID 'file-never-uploaded' not found."
    file_id = upload_file(mock, b"a line of notes\n", purpose="assistants", filename="notes.txt")
    row = client.vector_stores.files.create_and_poll(
        file_id=file_id, vector_store_id=store, poll_interval_ms=20
    )
    assert row.status == "completed" and row.to_dict(warnings=False)["file_id"] == file_id


@pytest.mark.parametrize("store", ["never made", "deleted"])
@pytest.mark.parametrize("purpose", ["batch", "assistants"])
def test_attaching_to_a_vector_store_that_is_not_there_is_its_404_whatever_the_file(
    mock: str, client: openai.OpenAI, purpose: str, store: str
) -> None:
    """A missing store is the attach's documented 404 (the SDK's NotFoundError), even for a file of
    another purpose: the purpose check ran first and answered its 400 about the file."""
    store_id = "vs_never_made"
    if store == "deleted":
        store_id = client.vector_stores.create(name="gone").id
        client.vector_stores.delete(store_id)
    file_id = upload_file(mock, b"a line of notes\n", purpose=purpose, filename="notes.txt")
    with pytest.raises(openai.NotFoundError) as raised:
        client.vector_stores.files.create(vector_store_id=store_id, file_id=file_id)
    assert raised.value.response.json()["message"] == f"No vector store '{store_id}'."
