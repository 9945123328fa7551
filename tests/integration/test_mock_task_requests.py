"""A task's answers say what its create request asked for (``mock.tasks.asked``): its ``input`` is
that request, a callback nobody set up is null, and a finished task offers no cancel link."""

from __future__ import annotations

import time
from typing import Any

import requests

AUTH = {"Authorization": "Bearer sk-test"}
MOCK_OPTIONS = {"apis": ["beatra"], "seed": 3, "task_duration": 0.3}
MUSIC = {"model": "suno-5.5", "prompt": "a calm piano piece", "title": "Dawn", "instrumental": True}


def _create(mock: str, body: dict[str, Any], prefer: str | None = None) -> dict[str, Any]:
    headers = {**AUTH, **({"Prefer": f"task={prefer}"} if prefer else {})}
    created = requests.post(f"{mock}/v1/music/text-to-music", json=body, headers=headers, timeout=10)
    assert created.status_code == 202, created.text
    return dict(created.json())


def _finished(mock: str, task_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        polled = requests.get(f"{mock}/v1/tasks/{task_id}", headers=AUTH, timeout=10).json()
        if polled["status"] in ("succeeded", "failed", "cancelled"):
            return dict(polled)
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} did not finish")


def test_a_task_s_input_is_the_request_that_made_it(mock: str) -> None:
    created = _create(mock, {**MUSIC, "metadata": {"user": "u-1"}})
    assert created["input"] == {**MUSIC, "metadata": {"user": "u-1"}}
    assert _finished(mock, created["task_id"])["input"] == created["input"]


def test_a_callback_nobody_set_up_is_null_as_is_an_object_not_sent(mock: str) -> None:
    created = _create(mock, MUSIC)
    polled = _finished(mock, created["task_id"])
    for body in (created, polled):
        assert body["callback"] is None, body["callback"]
        assert body["metadata"] is None, body["metadata"]  # the create takes metadata; none was sent


def test_a_finished_task_has_no_cancel_link_and_a_running_one_names_its_cancel_route(mock: str) -> None:
    running = _create(mock, MUSIC, prefer="hang")
    cancel = running["links"]["cancel"]
    assert cancel == f"{mock}/v1/tasks/{running['task_id']}/cancel", cancel
    done = _finished(mock, _create(mock, MUSIC)["task_id"])
    assert done["links"]["cancel"] is None and done["task_id"] in done["links"]["self"]
