"""The mock keeps what it is given and hands out real media (issue 19, items 1 and 2).

Clients are the official openai SDK where the route is OpenAI's, plain HTTP elsewhere; media are
judged by Pillow, the stdlib ``wave`` module and the formats' own structure, never by our code.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import time
import wave
from urllib.parse import urlsplit

import openai
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from gatewright.mock import create_app
from gatewright.spec.media import AUDIO_FORMATS
from gatewright.testing import reset_mock, serve_app

AUTH = {"Authorization": "Bearer sk-test"}
VOXVEY_IMAGE_MODEL = "byte/seedream-5-0-260128"


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes the pixels, not only the header
    return image


def _top_boxes(data: bytes) -> list[bytes]:
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        assert size >= 8 and offset + size <= len(data)
        boxes.append(kind)
        offset += size
    assert offset == len(data)
    return boxes


def _client(base_url: str, api: str) -> openai.OpenAI:
    """An SDK client for one API; close it (``with``): a pooled socket left open is a ResourceWarning."""
    return openai.OpenAI(base_url=f"{base_url}/{api}/v1", api_key="sk-test", max_retries=0)


def test_images_b64_json_gives_n_real_images(base_url: str) -> None:
    with _client(base_url, "voxvey") as client:
        before = int(time.time())
        answer = client.images.generate(
            model=VOXVEY_IMAGE_MODEL, prompt="a mug", n=3, response_format="b64_json"
        )
        assert answer.created is not None and before <= answer.created <= time.time()  # made now
        assert len(answer.data) == 3
        for item in answer.data:
            assert item.url is None and item.b64_json
            assert _image(base64.b64decode(item.b64_json)).format == "PNG"


def test_image_urls_are_the_mocks_own_and_download_real_images(base_url: str) -> None:
    with _client(base_url, "voxvey") as client:
        answer = client.images.generate(model=VOXVEY_IMAGE_MODEL, prompt="a mug", n=2, response_format="url")
        urls = [item.url for item in answer.data]
        assert len(set(urls)) == 2
        for url in urls:
            assert url is not None
            assert urlsplit(url).netloc == urlsplit(base_url).netloc  # the host and port the request came to
            download = requests.get(url, timeout=10)
            assert download.status_code == 200 and download.headers["Content-Type"] == "image/png"
            assert _image(download.content).size == (1, 1)
            tampered = requests.get(url.replace("signature=", "signature=0"), timeout=10)
            assert tampered.status_code == 403


@pytest.mark.parametrize(("output_format", "pillow"), [("jpeg", "JPEG"), ("webp", "WEBP"), ("png", "PNG")])
def test_image_links_are_files_of_the_output_format_asked(
    base_url: str, output_format: str, pillow: str
) -> None:
    with _client(base_url, "voxvey") as client:
        answer = client.images.generate(
            model=VOXVEY_IMAGE_MODEL,
            prompt="a mug",
            response_format="url",
            extra_body={"output_format": output_format},
        )
    assert answer.data and answer.data[0].url is not None
    assert _image(requests.get(answer.data[0].url, timeout=10).content).format == pillow


def test_an_image_edit_sent_as_multipart_gives_n_images(base_url: str) -> None:
    """The SDK sends ``images.edit`` as a multipart form, where ``n`` arrives as the text ``"3"``."""
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNoaGj4DwAFhAKAjM1mJgAAAABJRU5ErkJggg=="
    )
    with _client(base_url, "voxvey") as client:
        answer = client.images.edit(model=VOXVEY_IMAGE_MODEL, image=("in.png", png), prompt="brighter", n=3)
    assert len(answer.data or []) == 3


def test_speech_inline_and_linked_is_audio_in_the_format_asked(base_url: str) -> None:
    """empiriolabs: ``response_format: b64_json`` for inline audio bytes, ``output_format`` the format."""
    speech = f"{base_url}/empiriolabs/v1/audio/speech"
    body = {"model": "tts", "input": "hello", "voice": "alloy", "output_format": "WAV"}
    inline = requests.post(speech, json={**body, "response_format": "b64_json"}, headers=AUTH, timeout=10)
    linked = requests.post(speech, json=body, headers=AUTH, timeout=10)
    assert inline.status_code == linked.status_code == 200, (inline.text, linked.text)
    (inline_item,) = inline.json()["data"]
    with wave.open(io.BytesIO(base64.b64decode(inline_item["b64_json"]))) as audio:
        assert audio.getnframes() > 0
    (linked_item,) = linked.json()["data"]
    download = requests.get(linked_item["url"], timeout=10)
    assert download.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(download.content)) as audio:
        assert audio.getnframes() > 0


# What each speech format's bytes begin with: the file a client's decoder opens, not just its label.
_AUDIO_MAGIC = {
    "mp3": lambda audio: struct.unpack(">I", audio[:4])[0] >> 21 == 0x7FF and len(audio) > 400,  # frames
    "opus": lambda audio: audio[:4] == b"OggS" and audio[28:36] == b"OpusHead",
    "aac": lambda audio: audio[:2] == b"\xff\xf1",  # an ADTS frame: MPEG-4, no CRC
    "flac": lambda audio: audio[:4] == b"fLaC",
    "wav": lambda audio: audio[:4] == b"RIFF" and audio[8:12] == b"WAVE",
    "pcm": lambda audio: len(audio) % 2 == 0 and not audio.startswith((b"RIFF", b"ID3", b"\xff")),
}


@pytest.mark.parametrize(
    ("response_format", "content_type"),
    [(word, AUDIO_FORMATS[word]) for word in ("mp3", "opus", "aac", "flac", "wav", "pcm")],
)
def test_speech_honours_the_requested_format(base_url: str, response_format: str, content_type: str) -> None:
    """ipop offers OpenAI's six formats and says the answer's Content-Type matches the one chosen."""
    with _client(base_url, "ipop") as client:
        speech = client.audio.speech.create(
            model="tts-1",
            voice="alloy",
            input="Hello there",
            response_format=response_format,  # type: ignore[arg-type]
        )
        assert speech.response.headers["Content-Type"] == content_type
        audio = speech.content
        assert _AUDIO_MAGIC[response_format](audio), audio[:16]
        if response_format == "wav":
            with wave.open(io.BytesIO(audio)) as clip:
                assert clip.getnframes() > 0


@pytest.mark.parametrize(
    ("response_format", "starts"),
    [("text", "This is"), ("srt", "1\n00:00:00,000 --> "), ("vtt", "WEBVTT\n\n00:00:00.000 --> ")],
)
def test_transcriptions_honour_text_formats(base_url: str, response_format: str, starts: str) -> None:
    with _client(base_url, "ipop") as client:
        text = client.audio.transcriptions.create(
            model="terminaili/whisper",
            file=("clip.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav"),
            response_format=response_format,  # type: ignore[arg-type]
        )
        assert isinstance(text, str) and text.startswith(starts) and len(text.strip()) > len(starts)


def test_transcription_json_has_text_on_a_spec_that_leaves_it_free_form(base_url: str) -> None:
    with _client(base_url, "voxvey") as client:
        transcript = client.audio.transcriptions.create(
            model="whisper-1", file=("clip.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")
        )
        assert transcript.text and not transcript.text.startswith("mock")


def test_one_clip_has_one_transcript_in_every_format_and_verbose_json_times_it(base_url: str) -> None:
    """A pipeline storing JSON text and SRT captions of one file gets the same words in both; the
    ``verbose_json`` the SDK parses has the clip's length, its segment and, asked for, each word's span."""
    clip = ("clip.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")
    texts = set()
    with _client(base_url, "ipop") as client:
        for fmt in ("json", "text", "srt", "vtt"):
            answer = client.audio.transcriptions.create(
                model="terminaili/whisper", file=clip, response_format=fmt
            )  # type: ignore[call-overload]
            text = answer if isinstance(answer, str) else answer.text
            texts.add(" ".join(line for line in text.splitlines()[-1:] if "-->" not in line).strip())
        verbose = client.audio.transcriptions.create(
            model="terminaili/whisper",
            file=clip,
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
        )
    assert len(texts) == 1 and verbose.text in texts, (texts, verbose.text)
    assert verbose.duration == 2.0 and verbose.segments and verbose.segments[0].end == 2.0
    assert verbose.words and " ".join(w.word for w in verbose.words) == verbose.text
    assert all(a.end == b.start for a, b in zip(verbose.words, verbose.words[1:], strict=False))


@pytest.mark.parametrize("api", ["voxvey", "ipop"])
def test_a_verbose_transcript_is_in_the_language_the_request_names(base_url: str, api: str) -> None:
    """A client that says the clip is French reads ``language`` back as it named it (it said English)."""
    model = "terminaili/whisper" if api == "ipop" else "whisper-1"
    clip = ("clip.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")
    with _client(base_url, api) as client:
        named = client.audio.transcriptions.create(
            model=model, file=clip, response_format="verbose_json", language="fr"
        )
        unnamed = client.audio.transcriptions.create(model=model, file=clip, response_format="verbose_json")
    assert named.language == "fr", named.language
    assert unnamed.language == "english", unnamed.language


def test_a_form_list_sent_both_bare_and_bracketed_is_one_list(base_url: str) -> None:
    """``name`` then ``name[]`` in one form (two encoders' habits mixed) is a list of both, not a 500."""
    form = [
        ("model", (None, "whisper-1")),
        ("response_format", (None, "verbose_json")),
        ("timestamp_granularities", (None, "word")),
        ("timestamp_granularities[]", (None, "segment")),
    ]
    clip = ("file", ("a.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav"))
    answer = requests.post(
        f"{base_url}/voxvey/v1/audio/transcriptions", files=[clip, *form], headers=AUTH, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["words"] and answer.json()["segments"]  # the word asked for alone was kept


def test_binary_answers_are_files_of_their_declared_type(base_url: str) -> None:
    video = requests.get(f"{base_url}/voxvey/v1/videos/video_1/content", headers=AUTH, timeout=10)
    assert video.status_code == 200 and video.headers["Content-Type"] == "video/mp4"
    assert _top_boxes(video.content)[:2] == [b"ftyp", b"moov"]
    poster = requests.get(f"{base_url}/ipop/v1/media/videos/asset_1/poster.jpg", headers=AUTH, timeout=10)
    assert poster.status_code == 200 and _image(poster.content).format == "JPEG"


JSONL = b"".join(
    b'{"custom_id":"r%d","method":"POST","url":"/v1/chat/completions","body":{}}\n' % i for i in range(3)
)


def _upload(base_url: str, data: bytes, name: str = "in.jsonl") -> requests.Response:
    return requests.post(
        f"{base_url}/ipop/v1/files",
        params={"purpose": "batch", "filename": name},
        data=data,
        headers={**AUTH, "Content-Type": "application/octet-stream"},
        timeout=10,
    )


def test_an_upload_is_kept_described_truly_and_served_back(base_url: str) -> None:
    created = _upload(base_url, JSONL)
    assert created.status_code == 200
    meta = created.json()
    assert meta["bytes"] == len(JSONL) and meta["filename"] == "in.jsonl" and meta["purpose"] == "batch"
    assert meta["sha256"] == hashlib.sha256(JSONL).hexdigest()
    fetched = requests.get(f"{base_url}/ipop/v1/files/{meta['id']}", headers=AUTH, timeout=10).json()
    assert (fetched["id"], fetched["bytes"], fetched["filename"]) == (meta["id"], len(JSONL), "in.jsonl")
    content = requests.get(f"{base_url}/ipop/v1/files/{meta['id']}/content", headers=AUTH, timeout=10)
    assert content.status_code == 200 and content.content == JSONL
    stored_link = requests.get(meta["storage_uri"], timeout=10)  # a link on the mock's own file route
    assert stored_link.content == JSONL
    assert (
        requests.delete(f"{base_url}/ipop/v1/files/{meta['id']}", headers=AUTH, timeout=10).status_code == 204
    )
    gone = requests.get(f"{base_url}/ipop/v1/files/{meta['id']}/content", headers=AUTH, timeout=10)
    assert gone.status_code == 404 and "error" in gone.json()


def test_reset_forgets_uploads(base_url: str) -> None:
    meta = _upload(base_url, b"keep me").json()
    reset_mock(base_url)
    after = requests.get(f"{base_url}/ipop/v1/files/{meta['id']}/content", headers=AUTH, timeout=10)
    assert after.content != b"keep me"


def test_an_upload_past_the_budget_is_413_in_the_envelope_and_nothing_is_lost() -> None:
    with serve_app(create_app(["ipop"], seed=7, access_log=False, upload_budget=1000)) as url:

        def upload(data: bytes) -> requests.Response:
            return requests.post(
                f"{url}/v1/files",
                data=data,
                headers={**AUTH, "Content-Type": "application/octet-stream"},
                timeout=10,
            )

        first = upload(b"a" * 600)
        refused = upload(b"b" * 600)
        assert first.status_code == 200 and refused.status_code == 413
        assert "1000 bytes" in refused.json()["message"]
        kept = requests.get(f"{url}/v1/files/{first.json()['id']}/content", headers=AUTH, timeout=10)
        assert kept.content == b"a" * 600


def test_beatra_upload_is_201_then_200_for_content_it_already_has(base_url: str) -> None:
    song = b"ID3" + bytes(range(256)) * 4

    def upload() -> requests.Response:
        return requests.post(
            f"{base_url}/beatra/v1/uploads",
            files={"file": ("song.mp3", song, "audio/mpeg")},
            headers=AUTH,
            timeout=10,
        )

    first = upload()
    assert first.status_code == 201
    artifact = first.json()
    assert artifact["size_bytes"] == len(song) and artifact["mime_type"] == "audio/mpeg"
    assert artifact["checksum_sha256"] == hashlib.sha256(song).hexdigest()
    assert requests.get(artifact["cdn_url"], timeout=10).content == song
    again = upload()
    assert again.status_code == 200  # "Content already exists; returns existing artifact"
    assert again.json() == artifact  # that artifact, the one the first upload made


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.binary(min_size=0, max_size=4096),
    name=st.from_regex(r"[a-z]{1,12}\.(bin|jsonl|txt)", fullmatch=True),
)
def test_any_bytes_come_back_exactly(base_url: str, data: bytes, name: str) -> None:
    created = _upload(base_url, data, name)
    assert created.status_code == 200, created.text
    meta = created.json()
    assert meta["bytes"] == len(data) and meta["filename"] == name
    content = requests.get(f"{base_url}/ipop/v1/files/{meta['id']}/content", headers=AUTH, timeout=10)
    assert content.content == data


def test_a_multipart_body_cut_short_is_refused_in_the_api_envelope(base_url: str) -> None:
    """A form without its closing boundary is not the form the client meant: refused (voxvey's 422 for an
    invalid request), never answered 200."""
    head = b'--XX\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
    part = (
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n"
    )
    whole = head + part + b"RIFF....WAVE\r\n--XX--\r\n"
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=XX"}
    url = f"{base_url}/voxvey/v1/audio/transcriptions"
    assert requests.post(url, data=whole, headers=headers, timeout=10).status_code == 200
    cut = requests.post(url, data=head + part + b"RIFF....", headers=headers, timeout=10)
    assert cut.status_code == 422, cut.text
    assert "malformed multipart" in cut.json()["error"]["message"]
