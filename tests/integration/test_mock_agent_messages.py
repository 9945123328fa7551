"""``GET /v1/agents/{task_id}/messages`` lists the agent task's conversation (empiriolabs).

The spec: "list every step the agent has emitted so far ... alongside the final answer", "Combine with
``GET /v1/agents/{task_id}`` for the final result"; its ``result`` is a free-form object. The mock
answered ``result: {}`` for any id, a task's or not. Now ``result.messages`` holds the conversation run by
run: the user's words (the create's ``input``, then each follow-up's), then the answer that run gave, as
the task's own GET shows it (``output``) once it completed; an id no task has is the route's documented
404. The answer was the task's placeholder (``mock-output``) whatever was asked, and a follow-up's run
dropped the earlier answer (all the user's words, then only the last answer); now each run's answer is
the mock's LLM answer to its words (``Composer.reply``: the same words and seed, the same answer), and
every run's answer stays in order. Real HTTP (the agents API is not OpenAI-shaped, so no SDK speaks it).
"""

from __future__ import annotations

import time
from typing import Any

import requests

from gatewright.mock.answers import Composer, Prompt
from gatewright.mock.schemas import SchemaSet
from gatewright.mock.tasks.transcripts import KEPT_WORDS
from gatewright.spec import load_spec

MOCK_OPTIONS = {"apis": ["empiriolabs"], "seed": 7, "task_duration": 0.05}
AUTH = {"Authorization": "Bearer sk-test"}
PROMPT = "Research the top 3 humanoid-robot startups and write a memo."
FOLLOW = "Also include each startup's most recent valuation."
PLACEHOLDER = "mock-output"  # what the task's GET said whatever was asked


def _composed(words: str, model: str = "manus") -> str:
    """The mock's LLM answer to ``words`` under the module's seed: what an agent run answers them."""
    return Composer(seed=MOCK_OPTIONS["seed"]).reply(Prompt(model, words, words, False), wire="runAgent")


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


def test_a_finished_task_answers_its_prompt_in_its_get_and_its_messages(mock: str) -> None:
    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False})["task_id"]
    task = _finished(mock, task_id)
    assert task["status"] == "completed" and task["output"] != PLACEHOLDER
    assert task["output"] == _composed(PROMPT)  # the mock's LLM answer to the words it was given
    assert _messages(mock, task_id) == [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": task["output"]},
    ]
    assert _messages(mock, task_id) == _messages(mock, task_id)  # reading it changes nothing


def test_the_answer_follows_the_prompt_the_same_words_the_same_answer(mock: str) -> None:
    """Deterministic per prompt and seed: another task asked the same gets the same answer, one asked
    otherwise another, and after a reset the same again."""
    asked = {
        words: _finished(mock, _run(mock, {"model": "manus", "input": words, "stream": False})["task_id"])
        for words in (PROMPT, FOLLOW)
    }
    again = _finished(mock, _run(mock, {"model": "manus", "input": PROMPT, "stream": False})["task_id"])
    assert again["task_id"] != asked[PROMPT]["task_id"] and again["output"] == asked[PROMPT]["output"]
    assert asked[PROMPT]["output"] != asked[FOLLOW]["output"]
    assert asked[FOLLOW]["output"] == _composed(FOLLOW)
    requests.post(f"{mock}/__gatewright/reset", timeout=10).raise_for_status()
    after = _finished(mock, _run(mock, {"model": "manus", "input": PROMPT, "stream": False})["task_id"])
    assert after["output"] == asked[PROMPT]["output"]


def test_a_follow_up_answers_again_and_both_answers_stay_in_order(mock: str) -> None:
    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False})["task_id"]
    first = _finished(mock, task_id)["output"]
    _run(mock, {"model": "manus", "task_id": task_id, "input": FOLLOW, "stream": False}, Prefer="task=hang")
    asked = [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": first},
        {"role": "user", "content": FOLLOW},
    ]
    assert _messages(mock, task_id) == asked  # the follow-up's run has not answered yet
    assert _get(mock, f"/v1/agents/{task_id}")["status"] in ("queued", "running")

    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False})["task_id"]
    assert _finished(mock, task_id)["output"] == first
    _run(mock, {"model": "manus", "task_id": task_id, "input": FOLLOW, "stream": False})
    second = _finished(mock, task_id)["output"]
    assert second == _composed(FOLLOW) != first
    assert _messages(mock, task_id) == [*asked, {"role": "assistant", "content": second}]


def test_a_run_that_took_new_words_or_was_stopped_answers_nothing_of_its_own(mock: str) -> None:
    """The spec: a follow-up to a running task is picked up "on its next reasoning step": that run answers
    the latest words; a stopped run answered nothing, so its words stand alone."""
    hang = {"Prefer": "task=hang"}
    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False}, **hang)["task_id"]
    _run(
        mock, {"model": "manus", "task_id": task_id, "input": FOLLOW, "stream": False}, Prefer="task=succeed"
    )
    answer = _finished(mock, task_id)["output"]
    assert answer != PLACEHOLDER and answer == _composed(FOLLOW)
    assert _messages(mock, task_id) == [
        {"role": "user", "content": PROMPT},
        {"role": "user", "content": FOLLOW},
        {"role": "assistant", "content": answer},
    ]
    more = "Now shorten it to one paragraph."
    _run(mock, {"model": "manus", "task_id": task_id, "input": more, "stream": False}, **hang)
    stopped = requests.post(f"{mock}/v1/agents/{task_id}/stop", headers=AUTH, timeout=10)
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped", stopped.text
    last = "Try once more."
    _run(mock, {"model": "manus", "task_id": task_id, "input": last, "stream": False})
    assert _finished(mock, task_id)["output"] == _composed(last)
    assert [turn["role"] for turn in _messages(mock, task_id)] == [
        "user",
        "user",
        "assistant",
        "user",
        "user",
        "assistant",
    ]
    assert _messages(mock, task_id)[3:] == [
        {"role": "user", "content": more},
        {"role": "user", "content": last},
        {"role": "assistant", "content": _composed(last)},
    ]


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


def test_answered_runs_past_the_kept_words_drop_the_oldest_run_whole(mock: str) -> None:
    """The answers count within ``KEPT_WORDS`` too: past it the oldest follow-up run goes, its words and its
    answer together, so the list still alternates user / assistant and keeps the first prompt's run."""
    task_id = _run(mock, {"model": "manus", "input": PROMPT, "stream": False})["task_id"]
    first = _finished(mock, task_id)["output"]
    follow_ups = [f"{n} " + "more " * (KEPT_WORDS // 20) for n in range(8)]  # each a fifth of the words kept
    for words in follow_ups:
        _run(mock, {"model": "manus", "task_id": task_id, "input": words, "stream": False})
        _finished(mock, task_id)
    listed = _messages(mock, task_id)
    assert [turn["role"] for turn in listed] == ["user", "assistant"] * (len(listed) // 2)
    assert listed[:2] == [{"role": "user", "content": PROMPT}, {"role": "assistant", "content": first}]
    kept = [turn["content"] for turn in listed[2::2]]
    assert 0 < len(kept) < len(follow_ups) and kept == follow_ups[-len(kept) :]  # the latest, in order
    assert [turn["content"] for turn in listed[3::2]] == [_composed(words) for words in kept]
    assert sum(len(turn["content"]) for turn in listed) <= KEPT_WORDS


def test_an_id_no_task_has_is_not_found(mock: str) -> None:
    answer = requests.get(f"{mock}/v1/agents/task_nobody_made/messages", headers=AUTH, timeout=10)
    assert answer.status_code == 404, answer.text
    assert "task_nobody_made" in answer.json()["error"]["message"]
