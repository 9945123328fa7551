"""A rule that only delays an answer or adds headers leaves the media it hands out as they were.

Adding latency to a media route is how a team tests its timeouts; the images, audio and uploads
behind the rule must stay real (a rule that says what the body is, ``body:`` or ``example:``,
still replaces it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from gatewright.testing import add_rules

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test", "x-project-id": "proj_1"}
MOCK_OPTIONS = {"seed": 3}
PNG, WAV = b"\x89PNG\r\n\x1a\n", b"RIFF"
THENS = [{"delay_ms": 5}, {"headers": {"x-test": "kept"}}]


def _images(mock: str) -> requests.Response:
    body = {"model": "m", "prompt": "two cats", "n": 2}
    return requests.post(f"{mock}/voxvey/v1/images/generations", json=body, headers=AUTH, timeout=10)


def _speech(mock: str) -> requests.Response:
    body = {"model": "tts", "input": "hello", "voice": "alloy", "response_format": "wav"}
    return requests.post(f"{mock}/ipop/v1/audio/speech", json=body, headers=AUTH, timeout=10)


def _images_are_real(answer: requests.Response) -> None:
    items = answer.json()["data"]
    assert len(items) == 2
    for item in items:
        assert requests.get(item["url"], timeout=10).content.startswith(PNG)


def _speech_is_wav(answer: requests.Response) -> None:
    assert answer.headers["Content-Type"] == "audio/wav" and answer.content.startswith(WAV)


ROUTES: dict[
    str, tuple[str, str, Callable[[str], requests.Response], Callable[[requests.Response], None]]
] = {
    "images": ("voxvey", "createImageGeneration", _images, _images_are_real),
    "speech": ("ipop", "postAudioSpeech", _speech, _speech_is_wav),
}


@pytest.mark.parametrize("then", THENS, ids=["delay", "headers"])
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_rule_that_only_delays_or_adds_headers_keeps_the_media(
    mock: str, route: str, then: dict[str, Any]
) -> None:
    api, operation, send, check = ROUTES[route]
    add_rules(mock, {"rules": [{"when": {"api": api, "operation": operation}, "then": then}]})
    answer = send(mock)
    assert answer.status_code == 200, answer.text
    check(answer)
    if "headers" in then:
        assert answer.headers["x-test"] == "kept"
    (entry,) = requests.get(f"{mock}/__gatewright/requests", timeout=10).json()["requests"][-1:]
    assert entry["rule"] is not None  # the rule did match


def test_an_upload_behind_a_delay_rule_is_kept(mock: str) -> None:
    add_rules(mock, {"rules": [{"when": {"api": "beatra"}, "then": {"delay_ms": 5}}]})
    files = {"file": ("notes.bin", b"\x00\x01 kept bytes", "application/octet-stream")}
    first = requests.post(f"{mock}/beatra/v1/uploads", files=files, headers=AUTH, timeout=10)
    again = requests.post(f"{mock}/beatra/v1/uploads", files=files, headers=AUTH, timeout=10)
    assert (first.status_code, again.status_code) == (201, 200)  # the second is the de-dup hit


def test_a_rule_giving_the_body_still_replaces_the_media(mock: str) -> None:
    body = {"created": 1, "data": [{"url": "https://example.test/fixed.png"}]}
    add_rules(mock, {"rules": [{"when": {"operation": "createImageGeneration"}, "then": {"body": body}}]})
    assert _images(mock).json() == body
