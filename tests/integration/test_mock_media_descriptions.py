"""A JSON answer that hands out media describes the file it hands out (hunt 10, bug 05).

A client picks its decoder and file name from the fields beside a link or inline file (``format``,
``mime_type``, ``duration``): they must state the file actually served, not a generated placeholder
or the spec's example. The ipop images are read with the official openai SDK (its ``Image`` keeps
``mime_type`` as an extra field); empiriolabs' speech answer is its own shape, read over plain HTTP.
"""

from __future__ import annotations

import base64
import io
import wave

import openai
import pytest
import requests

MOCK_OPTIONS = {"apis": ["empiriolabs", "ipop"], "seed": 1}
AUTH = {"Authorization": "Bearer sk-test"}


def _speech(mock: str, **fields: str) -> dict[str, object]:
    body = {"model": "gemini-2-5-flash-tts", "input": "Hello", "voice": "Charon", **fields}
    answer = requests.post(f"{mock}/empiriolabs/v1/audio/speech", json=body, headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["data"]
    assert isinstance(item, dict)
    return item


def test_a_linked_wav_is_said_to_be_a_wav_as_long_as_it_lasts(mock: str) -> None:
    item = _speech(mock, output_format="WAV")
    audio = requests.get(str(item["url"]), timeout=10).content
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    with wave.open(io.BytesIO(audio)) as clip:
        seconds = clip.getnframes() / clip.getframerate()
    assert item["format"] == "wav"
    assert item["duration"] == pytest.approx(seconds, abs=0.01)


def test_speech_in_the_default_format_is_said_to_be_mp3(mock: str) -> None:
    item = _speech(mock)
    audio = requests.get(str(item["url"]), timeout=10).content
    assert audio[:2] == b"\xff\xfb"  # MPEG audio frames
    assert item["format"] == "mp3"
    assert item["duration"] == pytest.approx(8 * 1152 / 44100, abs=0.01)  # the mock's eight frames


@pytest.mark.parametrize(
    ("output_format", "mime_type", "magic"),
    [
        (None, "image/png", b"\x89PNG"),
        ("jpeg", "image/jpeg", b"\xff\xd8\xff"),
        ("webp", "image/webp", b"RIFF"),
    ],
)
def test_an_inline_image_states_its_media_type(
    mock: str, output_format: str | None, mime_type: str, magic: bytes
) -> None:
    extra = {} if output_format is None else {"output_format": output_format}
    with openai.OpenAI(
        base_url=f"{mock}/ipop/v1", api_key="sk-test", default_headers={"x-api-key": "sk-test"}
    ) as client:
        answer = client.images.generate(prompt="a fox", response_format="b64_json", **extra)  # type: ignore[arg-type]
    assert answer.data
    (image,) = answer.data
    assert image.b64_json is not None and base64.b64decode(image.b64_json).startswith(magic)
    assert (image.model_extra or {}).get("mime_type") == mime_type
