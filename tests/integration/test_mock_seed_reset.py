"""Over a real socket: a seeded mock answers the same requests with the same bodies after a reset.

``POST /__gatewright/reset`` must forget every piece of state that feeds generated bodies, so a test
suite that resets between tests sees what a freshly started mock would send, whatever ran before.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from gatewright.testing import reset_mock, running_mock

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test", "Content-Type": "application/json"}

# (path, body, the answer's wall-clock fields): two creates in one stored collection (fresh ids each), a
# task create and an LLM answer. Wall-clock fields say when the answer was made (a created resource is
# dated now, seed or not), so they are left out.
MADE = ("created_at", "updated_at", "expires_at")
REQUESTS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("/ipop/v1/vector_stores", {"name": "first"}, MADE),
    ("/ipop/v1/vector_stores", {"name": "first"}, MADE),
    ("/beatra/v1/images/generations", {"prompt": "a lighthouse", "model": "gpt-image-2"}, ("created_at",)),
    (
        "/ipop/v1/chat/completions",
        {"model": "claude-sonnet-4.6", "messages": [{"role": "user", "content": "hi"}]},
        ("created",),
    ),
]


def _post(base_url: str, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        base_url + path, data=json.dumps(body).encode(), method="POST", headers=AUTH
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _answers(base_url: str) -> list[tuple[int, Any]]:
    """Each request's status and JSON body, without its wall-clock fields; links to the mock itself
    (a task's ``links.self``) name it as ``<mock>``, since two mocks listen on different ports."""
    answers = []
    for path, body, clock in REQUESTS:
        status, raw = _post(base_url, path, body)
        answer = json.loads(raw.decode().replace(base_url, "<mock>"))
        for field in clock:
            assert isinstance(answer.pop(field), int | str), (path, field)
        answers.append((status, answer))
    return answers


def test_the_same_seed_gives_the_same_bodies_after_a_reset() -> None:
    with running_mock(["ipop", "beatra"], seed=7) as url:
        before = _answers(url)
        reset_mock(url)
        after = _answers(url)
    assert [status for status, _ in before] == [200, 200, 202, 200]
    assert after == before
    first, second = (body["id"] for _, body in before[:2])
    assert first != second  # each create still gets a fresh id


def test_a_second_mock_with_the_same_seed_answers_like_the_first() -> None:
    with running_mock(["ipop", "beatra"], seed=7) as url:
        _answers(url)  # state a reset would forget: none of it may live outside the app
        reset_mock(url)
        first = _answers(url)
    with running_mock(["ipop", "beatra"], seed=7) as url:
        assert _answers(url) == first
