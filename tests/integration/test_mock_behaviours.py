"""What the specs state in prose, the mock does: over a real socket, one test per behaviour statement.

The statements are data (the ``behaviours`` of ``specs/sources/<api>.lifecycles.yaml``) carried into the
canonical specs as extensions; each test reads what it expects from the canonical spec and checks the
mock against an API (or a route) the statement does not cover, so a mock that ignored the data fails.
Tasks finish at their second poll (``task_polls=2``), so no test waits for time to pass.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from gatewright.spec import load_spec
from gatewright.spec.model import EXPAND_EXTENSION, IDEMPOTENCY_EXTENSION

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test", "x-project-id": "proj_1"}
PNG = b"\x89PNG\r\n\x1a\n"
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"seed": 7, "task_duration": 3600.0, "task_polls": 2}


def tasks(url: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = requests.get(f"{url}/__gatewright/state", timeout=10).json()["tasks"][
        "tasks"
    ]
    return listed


def create_operation(api: str, path: str) -> dict[str, Any]:
    """The canonical definition of ``POST path`` in ``api``'s spec."""
    found = next(op for op in load_spec(api).operations if (op.method.lower(), op.path) == ("post", path))
    definition: dict[str, Any] = found.definition
    return definition


def poll_until(url: str, path: str, word: str, field: str = "status") -> dict[str, Any]:
    for _ in range(4):
        answer = requests.get(f"{url}{path}", headers=AUTH, timeout=10)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body[field] == word:
            return body
    raise AssertionError(f"{path} never reached {word}: {body}")


# --- idempotency keys (beatra: "Optional idempotency key for safe retries of mutating requests.") ---------


def test_a_retried_idempotency_key_gets_the_first_answer_and_makes_nothing_new(mock: str) -> None:
    operation = create_operation("beatra", "/v1/images/generations")
    header = operation[IDEMPOTENCY_EXTENSION]["header"]
    create = f"{mock}/beatra/v1/images/generations"
    body = {"model": "gpt-image-2", "prompt": "a lighthouse at dawn"}
    first = requests.post(create, json=body, headers={**AUTH, header: "retry-1"}, timeout=10)
    again = requests.post(create, json=body, headers={**AUTH, header: "retry-1"}, timeout=10)
    assert first.status_code == again.status_code == 202, first.text
    assert again.content == first.content  # the same task id, status and body, byte for byte
    assert [task["id"] for task in tasks(mock)] == [first.json()["task_id"]]

    other = requests.post(create, json=body, headers={**AUTH, header: "retry-2"}, timeout=10)
    unkeyed = requests.post(create, json=body, headers=AUTH, timeout=10)
    ids = {first.json()["task_id"], other.json()["task_id"], unkeyed.json()["task_id"]}
    assert len(ids) == 3 and len(tasks(mock)) == 3  # another key, or none, is another request

    changed = requests.post(
        create, json={**body, "prompt": "a dog"}, headers={**AUTH, header: "retry-1"}, timeout=10
    )
    expected = next(code for code in ("422", "409") if code in operation["responses"])
    assert str(changed.status_code) == expected, changed.text
    assert header in changed.json()["error"]["message"]  # in the API's own error envelope
    assert len(tasks(mock)) == 3


def test_a_key_on_an_operation_without_the_statement_is_just_a_header(mock: str) -> None:
    assert IDEMPOTENCY_EXTENSION not in create_operation("empiriolabs", "/v1/videos/generations")
    create = f"{mock}/empiriolabs/v1/videos/generations"
    headers = {**AUTH, "Idempotency-Key": "same"}
    first = requests.post(create, json={"model": "m", "prompt": "x"}, headers=headers, timeout=10)
    second = requests.post(create, json={"model": "m", "prompt": "x"}, headers=headers, timeout=10)
    assert first.json()["job_id"] != second.json()["job_id"]


# --- echoed headers (beatra: "Optional client request id echoed in the response.") -------------------------


@pytest.mark.parametrize("body", [{"model": "gpt-image-2", "prompt": "a lighthouse"}, {"model": "nope"}])
def test_a_header_the_spec_says_is_echoed_comes_back_on_success_and_error(
    mock: str, body: dict[str, Any]
) -> None:
    parameters = create_operation("beatra", "/v1/images/generations")["parameters"]
    assert any("echoed in the response" in str(p.get("description")) for p in parameters)
    answer = requests.post(
        f"{mock}/beatra/v1/images/generations",
        json=body,
        headers={**AUTH, "X-Request-Id": "req-42"},
        timeout=10,
    )
    assert answer.status_code in (202, 422), answer.text
    assert answer.headers["X-Request-Id"] == "req-42"
    if answer.status_code == 422:  # the error body's own request id is the client's too
        assert answer.json()["error"]["request_id"] == "req-42"
    plain = requests.post(
        f"{mock}/empiriolabs/v1/images/generations",
        json={},
        headers={**AUTH, "X-Request-Id": "x"},
        timeout=10,
    )
    assert "X-Request-Id" not in plain.headers  # an API that says nothing of it does not echo it


# --- a path's ids restated ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/empiriolabs/v1/agents/{}/messages", "task_id", None),  # a task's: an id no task has is 404
        ("/ipop/v1/inference/{}/attestation", "request_id", "3b241101-e2bb-4255-8caf-4136c566a962"),
    ],
)
def test_an_answer_restates_the_id_its_path_names(
    mock: str, path: str, field: str, value: str | None
) -> None:
    if value is None:
        run = {"model": "manus", "input": "Summarize the news.", "stream": False}
        started = requests.post(f"{mock}/empiriolabs/v1/agents/run", json=run, headers=AUTH, timeout=10)
        assert started.status_code == 202, started.text
        value = started.json()["task_id"]
    answer = requests.get(f"{mock}{path.format(value)}", headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()[field] == value


# --- sync flags (empiriolabs: "Pass `sync: true` to hold the request open instead ...") ---------------------


def test_sync_true_answers_the_finished_result_not_the_job(mock: str) -> None:
    create = f"{mock}/empiriolabs/v1/images/generations"
    body = {"model": "wan2-7-image", "prompt": "A glass cathedral at sunset"}
    held = requests.post(create, json={**body, "sync": True}, headers=AUTH, timeout=10)
    assert held.status_code == 200, held.text
    result = held.json()
    assert "job_id" not in result and "status" not in result
    assert isinstance(result["created"], int) and result["data"], result
    image = result["data"][0]["url"]
    download = requests.get(image, timeout=10)
    assert download.status_code == 200 and download.content.startswith(PNG)
    for item in result["data"]:  # where the body carries the image itself, it is a real one
        if "b64_json" in item:
            assert base64.b64decode(item["b64_json"]).startswith(PNG)
    assert tasks(mock) == []  # nothing to poll

    queued = requests.post(create, json={**body, "sync": False}, headers=AUTH, timeout=10)
    assert queued.json()["status"] == "processing" and [t["id"] for t in tasks(mock)] == [
        queued.json()["job_id"]
    ]


def _images(items: list[dict[str, Any]]) -> list[bytes]:
    """Each item's image: downloaded from its ``url`` or decoded from its ``b64_json`` (never both)."""
    found = []
    for item in items:
        assert ("url" in item) != ("b64_json" in item), item  # one of the two, as OpenAI sends
        if "url" in item:
            download = requests.get(item["url"], timeout=10)
            assert download.status_code == 200
            found.append(download.content)
        else:
            found.append(base64.b64decode(item["b64_json"]))
    assert all(image.startswith(PNG) for image in found)
    return found


@pytest.mark.parametrize("response_format", [None, "url", "b64_json"])
def test_sync_images_honour_num_images_and_response_format(mock: str, response_format: str | None) -> None:
    body = {"model": "wan2-7-image", "prompt": "three lighthouses", "num_images": 3, "sync": True}
    if response_format is not None:
        body["response_format"] = response_format
    held = requests.post(f"{mock}/empiriolabs/v1/images/generations", json=body, headers=AUTH, timeout=10)
    assert held.status_code == 200, held.text
    items = held.json()["data"]
    assert len(_images(items)) == 3
    assert all(("b64_json" in item) == (response_format == "b64_json") for item in items)  # url: the default
    if response_format != "b64_json":
        assert len({item["url"] for item in items}) == 3  # three files, not one link three times


def test_a_finished_image_job_shows_each_image_as_the_spec_example_does(mock: str) -> None:
    """The job's ``result`` is free-form; the spec's example shows ``{"data": [{"url": ...}]}``."""
    created = requests.post(
        f"{mock}/empiriolabs/v1/images/generations",
        json={"model": "wan2-7-image", "prompt": "two cats", "num_images": 2},
        headers=AUTH,
        timeout=10,
    ).json()
    finished = poll_until(mock, f"/empiriolabs/v1/jobs/{created['job_id']}", "completed")
    items = finished["result"]["data"]
    assert len(_images(items)) == 2 and items[0]["url"] != items[1]["url"]


def test_a_finished_job_carries_what_the_synchronous_answer_would_have(mock: str) -> None:
    """empiriolabs: "the `result` field carries the full response in the same shape the synchronous
    endpoint would have returned": a transcription job's result is a transcript, not a file."""
    created = requests.post(
        f"{mock}/empiriolabs/v1/audio/transcriptions",
        files={"file": ("a.wav", b"RIFF0000WAVE", "audio/wav")},
        data={"model": "whisper-1"},
        headers={**AUTH, "Prefer": "respond-async"},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    envelope = created.json()
    assert "text" not in envelope and envelope["status"] == "processing"  # a job, not yet the transcript
    finished = poll_until(mock, f"/empiriolabs/v1/jobs/{envelope['job_id']}", "completed")
    result = finished["result"]
    assert isinstance(result["text"], str) and result["text"]
    assert "url" not in json.dumps(result)


# --- a cancel that is a no-op once finished (empiriolabs: "If the job is already `completed` or `failed`,
# this is a no-op.") -------------------------------------------------------------------------------------


def test_deleting_a_finished_job_is_a_no_op_where_the_spec_says_so(mock: str) -> None:
    created = requests.post(
        f"{mock}/empiriolabs/v1/videos/generations",
        json={"model": "m", "prompt": "x"},
        headers=AUTH,
        timeout=10,
    ).json()
    job = f"/empiriolabs/v1/jobs/{created['job_id']}"
    finished = poll_until(mock, job, "completed")
    deleted = requests.delete(f"{mock}{job}", headers=AUTH, timeout=10)
    assert deleted.status_code == 200 and deleted.json()["status"] == "completed"
    after = requests.get(f"{mock}{job}", headers=AUTH, timeout=10)
    assert after.status_code == 200 and after.json()["status"] == "completed"
    assert after.json()["result"] == finished["result"]


def test_deleting_a_finished_task_without_the_statement_removes_it(mock: str) -> None:
    created = requests.post(
        f"{mock}/voxvey/v1/videos", json={"model": "openai/sora-2", "prompt": "x"}, headers=AUTH, timeout=10
    ).json()
    video = f"/voxvey/v1/videos/{created['id']}"
    poll_until(mock, video, "completed")
    assert requests.delete(f"{mock}{video}", headers=AUTH, timeout=10).status_code == 200
    assert requests.get(f"{mock}{video}", headers=AUTH, timeout=10).status_code == 404


# --- provider-native ids on generic routes (voxvey: "`cgt-*` task IDs default to provider-native";
# imarouter Kling: "Can also be queried via the following endpoint (generic)") -------------------------------


def test_a_provider_native_task_is_served_on_the_generic_video_route_in_its_words(mock: str) -> None:
    native = requests.post(
        f"{mock}/voxvey/v1/byte/contents/generations/tasks",
        json={"model": "byte/dreamina-seedance-2-0-260128", "content": [{"type": "text", "text": "x"}]},
        headers=AUTH,
        timeout=10,
    ).json()
    assert native["id"].startswith("cgt-")
    generic = f"/voxvey/v1/videos/{native['id']}"
    done = poll_until(mock, generic, "completed")  # the generic route's word, not the native `succeeded`
    assert done["id"] == native["id"]
    assert requests.get(done["video_url"], timeout=10).status_code == 200
    own = requests.get(
        f"{mock}/voxvey/v1/byte/contents/generations/tasks/{native['id']}", headers=AUTH, timeout=10
    )
    assert own.json()["status"] == "succeeded"

    video = requests.post(
        f"{mock}/voxvey/v1/videos", json={"model": "openai/sora-2", "prompt": "x"}, headers=AUTH, timeout=10
    ).json()
    assert video["id"].startswith("video_")
    elsewhere = requests.get(
        f"{mock}/voxvey/v1/byte/contents/generations/tasks/{video['id']}", headers=AUTH, timeout=10
    )
    assert elsewhere.status_code == 404  # the statement serves native ids on the generic route, not back


@pytest.mark.parametrize("generic", ["/v1/videos", "/v1/video/generations"])
def test_a_kling_task_is_served_on_the_generic_video_routes(mock: str, generic: str) -> None:
    created = requests.post(
        f"{mock}/imarouter/kling/v1/videos/text2video",
        json={"model": "kling-v1-6", "prompt": "A cat playing with yarn", "mode": "std", "duration": 5},
        headers=AUTH,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    task_id = created.json()["id"]
    answer = requests.get(f"{mock}/imarouter{generic}/{task_id}", headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    assert task_id in json.dumps(answer.json())
    assert answer.json()["status"] in {"queued", "", "in_progress"}
    assert (
        requests.get(f"{mock}/imarouter{generic}/task_unknown", headers=AUTH, timeout=10).status_code == 404
    )


def test_a_minimax_task_is_read_on_the_universal_video_query_in_its_words(mock: str) -> None:
    """imarouter's GET /v1/videos/{task_id}: "Universal query endpoint for all video tasks (Seedance, MiniMax
    Hailuo, etc.)": a MiniMax Hailuo task of POST /v1/video/generations is read there too, in the OpenAI
    video words (``queued``, ``in_progress``, ``completed``; its own poll says ``""`` for submitted)."""
    created = requests.post(
        f"{mock}/imarouter/v1/video/generations",
        json={"model": "MiniMax-Hailuo-2.3", "prompt": "a cat"},
        headers=AUTH,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    task_id = created.json()["id"]
    universal = requests.get(f"{mock}/imarouter/v1/videos/{task_id}", headers=AUTH, timeout=10)
    own = requests.get(f"{mock}/imarouter/v1/video/generations/{task_id}", headers=AUTH, timeout=10)
    assert universal.status_code == own.status_code == 200, (universal.text, own.text)
    assert universal.json()["id"] == own.json()["id"] == task_id
    assert universal.json()["status"] in {"queued", "in_progress", "completed"}  # each poll moves it on here
    assert own.json()["status"] in {"", "in_progress", "completed"}


def test_a_beatra_cancel_of_a_running_task_is_accepted_and_of_a_finished_one_answers_its_end(
    mock: str,
) -> None:
    """beatra's cancel documents 202 "Cancel requested; final state via callback / GET" and 200 "Already
    terminal; returns final state (idempotent)": a running task's cancel answered 200 with its body."""
    created = requests.post(
        f"{mock}/beatra/v1/images/generations",
        json={"model": "gpt-image-2", "prompt": "a cat"},
        headers=AUTH,
        timeout=10,
    )
    assert created.status_code in (200, 201, 202), created.text
    task_id = created.json()["task_id"]
    cancel = f"{mock}/beatra/v1/tasks/{task_id}/cancel"
    accepted = requests.post(cancel, headers=AUTH, timeout=10)
    assert (accepted.status_code, accepted.content) == (202, b""), accepted.text
    polled = requests.get(f"{mock}/beatra/v1/tasks/{task_id}", headers=AUTH, timeout=10).json()
    assert polled["status"] == "canceled", polled  # the final state, via GET
    again = requests.post(cancel, headers=AUTH, timeout=10)
    assert again.status_code == 200 and again.json()["status"] == "canceled", again.text


# --- a counter that follows its stream (ipop agent turns: "Read a resumable agent turn") --------------------


def _events(url: str, request_id: str) -> list[dict[str, Any]]:
    stream = requests.get(f"{url}/ipop/v1/agent-turns/{request_id}/events", headers=AUTH, timeout=10)
    assert stream.status_code == 200
    return [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: {")]


def test_an_agent_turn_counts_the_events_its_stream_holds(mock: str) -> None:
    created = requests.post(
        f"{mock}/ipop/v1/agent-turns",
        json={
            "model": "ipop/coder-balanced",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": False,
        },
        headers=AUTH,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    turn = created.json()
    assert turn["latest_event_seq"] == 1  # `queued`: the one event so far
    detail = poll_until(mock, f"/ipop/v1/agent-turns/{turn['request_id']}", "completed", field="lifecycle")
    events = _events(mock, turn["request_id"])
    assert events[-1]["lifecycle"] == "completed" and events[-1]["event_seq"] > 2
    assert detail["latest_event_seq"] == events[-1]["event_seq"] == len(events)
    resumed = requests.get(
        f"{mock}/ipop/v1/agent-turns/{turn['request_id']}/events",
        params={"after_event_seq": detail["latest_event_seq"]},
        headers=AUTH,
        timeout=10,
    )
    assert "event_seq" not in resumed.text  # nothing after the last event the detail names


# --- a list of summaries unless asked (beatra: "Returns TaskSummary by default. Use `?expand=...`") -------


def _listed_tasks(url: str, **params: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{url}/beatra/v1/tasks", params=params, headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["data"]
    return items


def test_a_task_list_holds_summaries_unless_expand_asks_for_more(mock: str) -> None:
    """beatra's task list answered every task in full whatever ``expand`` said."""
    expand = load_spec("beatra").find("GET", "/v1/tasks").definition[EXPAND_EXTENSION]  # type: ignore[union-attr]
    fields, everything = set(expand["fields"]), expand["all"]
    body = {"model": "gpt-image-2", "prompt": "a lighthouse at dawn"}
    created = requests.post(f"{mock}/beatra/v1/images/generations", json=body, headers=AUTH, timeout=10)
    assert created.status_code == 202, created.text
    task_id = created.json()["task_id"]
    full = poll_until(mock, f"/beatra/v1/tasks/{task_id}", "succeeded")  # the task as its GET shows it
    assert fields <= full.keys()
    (summary,) = _listed_tasks(mock)
    assert summary == {name: value for name, value in full.items() if name not in fields}
    assert {"task_id", "status", "capability", "model", "created_at", "links"} <= summary.keys()
    for name in sorted(fields):  # each word adds its field back, and only it
        (item,) = _listed_tasks(mock, expand=name)
        assert item.keys() - summary.keys() == {name} and item[name] == full[name]
    (some,) = _listed_tasks(mock, expand="output, usage")
    assert some.keys() - summary.keys() == {"output", "usage"}
    assert _listed_tasks(mock, expand=everything) == [full]
    assert _listed_tasks(mock, expand="nothing_known") == [summary]


def test_kept_answers_are_forgotten_on_reset(mock: str) -> None:
    create = f"{mock}/beatra/v1/images/generations"
    body = {"model": "gpt-image-2", "prompt": base64.b64encode(b"reset").decode()}
    first = requests.post(create, json=body, headers={**AUTH, "Idempotency-Key": "k"}, timeout=10)
    assert requests.post(f"{mock}/__gatewright/reset", timeout=10).status_code == 200
    second = requests.post(create, json=body, headers={**AUTH, "Idempotency-Key": "k"}, timeout=10)
    assert second.status_code == 202 and [t["id"] for t in tasks(mock)] == [second.json()["task_id"]]
    assert first.status_code == 202


def _task_page(url: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    answer = requests.get(f"{url}/beatra/v1/tasks", params=params, headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_a_task_list_honours_order_cursor_and_its_filters(mock: str) -> None:
    """beatra's task list declares ``order`` (default ``desc``), ``cursor``, ``capability``, ``status``
    (arrays: given more than once) and ``created_after``/``created_before``; it answered its tasks oldest
    first, the first page again for any cursor, and every task whatever the filters said."""
    declared = {
        p["name"]: p["schema"]
        for p in load_spec("beatra").find("GET", "/v1/tasks").definition["parameters"]  # type: ignore[union-attr]
        if p["in"] == "query"
    }
    assert (
        declared["order"]["default"] == "desc"
        and {"cursor", "capability", "created_after"} <= declared.keys()
    )
    made = []
    for path, prompt in [
        ("images/generations", "one"),
        ("music/text-to-music", "two"),
        ("images/generations", "3"),
    ]:
        body = {"model": "auto", "prompt": prompt}
        created = requests.post(f"{mock}/beatra/v1/{path}", json=body, headers=AUTH, timeout=10)
        assert created.status_code == 202, created.text
        made.append(created.json()["task_id"])

    def ids(*params: tuple[str, str]) -> list[str]:
        return [item["task_id"] for item in _task_page(mock, list(params))["data"]]

    assert ids() == made[::-1]  # newest first by default
    assert ids(("order", "asc")) == made and ids(("order", "desc")) == made[::-1]
    first = _task_page(mock, [("limit", "2")])
    assert [item["task_id"] for item in first["data"]] == made[:0:-1] and first["has_more"]
    assert first["next_cursor"] == made[1]
    rest = _task_page(mock, [("limit", "2"), ("cursor", first["next_cursor"])])
    assert [item["task_id"] for item in rest["data"]] == made[:1] and not rest["has_more"]
    assert rest["next_cursor"] is None
    assert ids(("order", "asc"), ("limit", "1"), ("cursor", made[0])) == made[1:2]
    capability = _task_page(mock, [])["data"][0]["capability"]
    assert ids(("capability", capability)) == made[::-1]
    assert ids(("capability", "no-such-capability")) == []
    assert ids(("capability", "no-such-capability"), ("capability", capability)) == made[::-1]
    unfinished = [("status", "failed"), ("status", "queued"), ("status", "running")]  # (none is polled)
    assert ids(("status", "succeeded")) == [] and ids(*unfinished) == made[::-1]
    hour = 3600
    now = datetime.now(UTC).timestamp()
    at = {
        name: datetime.fromtimestamp(now + shift, UTC).isoformat()
        for name, shift in (("past", -hour), ("future", hour))
    }
    assert ids(("created_after", at["past"])) == made[::-1] and ids(("created_after", at["future"])) == []
    assert ids(("created_before", at["future"])) == made[::-1] and ids(("created_before", at["past"])) == []
    assert ids(("created_after", at["past"]), ("created_before", at["future"]), ("order", "asc")) == made
