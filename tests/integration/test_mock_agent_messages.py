"""``GET /v1/agents/{task_id}/messages`` lists the agent task's conversation (empiriolabs).

The spec: "list every step the agent has emitted so far ... alongside the final answer", "Combine with
``GET /v1/agents/{task_id}`` for the final result"; its ``result`` is a free-form object. The mock
answered ``result: {}`` for any id, a task's or not. Now ``result.messages`` holds the user's words (the
create's ``input``, then each follow-up's) and, once the task completed, the agent's answer as the task's
own GET shows it (``output``); an id no task has is the route's documented 404. Real HTTP (the agents
API is not OpenAI-shaped, so no SDK speaks it).
"""

from __future__ import annotations

import time
from typing import Any

import requests

from gatewright.mock.schemas import SchemaSet
from gatewright.mock.tasks.transcripts import KEPT_WORDS
from gatewright.spec import load_spec

MOCK_OPTIONS = {"apis": ["empiriolabs"], "seed": 7, "task_duration": 0.05}
AUTH = {"Authorization": "Bearer sk-test"}
PROMPT = "Research the top 3 humanoid-robot startups and write a memo."


def _run(url: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer = requests.post(f"{url}/v1/agents/run", json=body, headers={**AUTH, **headers}, timeout=10)
    assert answer.status_code == 202, answer.text
    started: dict[str, Any] = answer.json()
    return started


def _get(url: str, path: str) -> dict[str, Any]:
    answer = requests.get(f"{url}{path}", headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _messages(url: str, task_id: str) -> list[dict[str, Any]]:
    body = _get(url, f"/v1/agents/{task_id}/messages")
    schemas = SchemaSet(load_spec("empiriolabs").document)
    pointer = "/paths/~1v1~1agents~1{task_id}~1messages/get/responses/200/content/application~1json/schema"
    assert schemas.is_valid(pointer, body, formats=True), schemas.errors(pointer, body, formats=True)
    assert body["task_id"] == task_id and body["object"] == "agent.messages"
    found: list[dict[str, Any]] = body["result"]["messages"]
    return found


def _finished(url: str, task_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        task = _get(url, f"/v1/agents/{task_id}")
        if task["status"] in ("completed", "failed", "stopped"):
            return task
        assert time.monotonic() < deadline, f"task still {task['status']}"
        time.sleep(0.02)


def test_a_running_task_lists_the_users_prompt(mock: str) -> None:
    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False}, Prefer="task=hang")["task_id"]
    assert _messages(mock, task_id) == [{"role": "user", "content": PROMPT}]


def test_a_finished_task_lists_the_agents_answer_as_its_get_shows_it(mock: str) -> None:
    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False})["task_id"]
    task = _finished(mock, task_id)
    assert task["status"] == "completed" and isinstance(task["output"], str) and task["output"]
    assert _messages(mock, task_id) == [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": task["output"]},
    ]
    assert _messages(mock, task_id) == _messages(mock, task_id)  # reading it changes nothing

    follow = "Also include each startup's most recent valuation."
    _run(mock, {"model": "manus", "task_id": task_id, "input": follow, "stream": False})
    assert _messages(mock, task_id)[:2] == [
        {"role": "user", "content": PROMPT},
        {"role": "user", "content": follow},
    ]
    again = _finished(mock, task_id)
    assert _messages(mock, task_id)[2:] == [{"role": "assistant", "content": again["output"]}]


def test_follow_ups_past_the_kept_words_drop_the_oldest_not_the_first_prompt(mock: str) -> None:
    """A task keeps ``KEPT_WORDS`` characters of its conversation: a client sending follow-ups without end
    cannot grow it without bound (review: 200 follow-ups of 1 MiB held 210 MB)."""
    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False}, Prefer="task=hang")["task_id"]
    follow_ups = [f"{n} " + "more " * (KEPT_WORDS // 20) for n in range(12)]  # each a fifth of the words kept
    for words in follow_ups:
        _run(
            mock, {"model": "manus", "task_id": task_id, "input": words, "stream": False}, Prefer="task=hang"
        )
    listed = [turn["content"] for turn in _messages(mock, task_id)]
    assert listed[0] == PROMPT and listed[-1] == follow_ups[-1]
    assert listed[1:] == follow_ups[-(len(listed) - 1) :]  # the latest, in order
    assert sum(map(len, listed)) <= KEPT_WORDS + len(follow_ups[-1])


def test_an_id_no_task_has_is_not_found(mock: str) -> None:
    answer = requests.get(f"{mock}/v1/agents/task_nobody_made/messages", headers=AUTH, timeout=10)
    assert answer.status_code == 404, answer.text
    assert "task_nobody_made" in answer.json()["error"]["message"]
