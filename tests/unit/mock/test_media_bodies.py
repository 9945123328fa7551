from __future__ import annotations

from typing import Any

import pytest

from gatewright.mock import media
from gatewright.mock.fit import Edits
from gatewright.mock.media_bodies import asked_frame, asked_kind, link_media, requested_count


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ({"n": 3}, 3),
        ({"n": "3"}, 3),  # a multipart form's field
        ({"num_images": 2}, 2),
        ({"n": 99}, 10),
        ({"n": "²"}, None),  # a digit to str.isdigit, not a number: ignored, never a 500
        ({"n": "9" * 5000}, None),
        ({"n": True}, None),
        ({"n": 0}, None),
        ({}, None),
        ("not a mapping", None),
    ],
)
def test_requested_count(body: Any, count: int | None) -> None:
    assert requested_count(body) == count


@pytest.mark.parametrize(
    ("fields", "frame"),
    [
        ({"size": "1024x768"}, (1024, 768)),
        ({"size": "1024X768"}, (1024, 768)),
        ({"size": "2048*1152"}, (2048, 1152)),  # Wan's spelling
        ({"size": " 640 x 480 "}, (640, 480)),
        ({"width": 640, "height": 320, "size": "1024x1024"}, (640, 320)),  # the two numbers first
        ({"w": "300", "h": "200"}, (300, 200)),  # a query's (or a form's) text
        ({"size": "100000x100000"}, (4096, 4096)),  # past the cap: the frame made
        ({"size": "9" * 5000 + "x1"}, None),  # never a 500
        ({"width": 640}, (640, 640)),  # one side: square, as an unasked image is
        ({"width": 10**400}, (4096, 4096)),  # one side past any float: capped, never an OverflowError
        ({"w": "300", "aspect_ratio": "3:2"}, (300, 200)),  # one side in the stated aspect
        ({"size": "2K"}, (2048, 2048)),  # a size tier: 1024 a K, square unless the request says
        ({"size": "auto"}, None),
        ({"size": "0x10"}, None),
        ({"width": True, "height": 3}, (3, 3)),  # a bool is no side: the height alone
        ("not a mapping", None),
    ],
)
def test_asked_frame(fields: Any, frame: tuple[int, int] | None) -> None:
    assert asked_frame(fields) == frame


@pytest.mark.parametrize(
    ("fields", "frame"),
    [
        ({"resolution": "720p"}, (1280, 720)),  # 16:9 unless the request says
        ({"resolution": "480p"}, (854, 480)),  # the long side rounded to even
        ({"resolution": "1080p", "aspect_ratio": "9:16"}, (1080, 1920)),
        ({"resolution": "720P", "aspectRatio": "1:1"}, (720, 720)),
        ({"size": "1080p", "ratio": "16:9"}, (1920, 1080)),
        ({"resolution": "4k"}, (3840, 2160)),
        ({"resolution": "720p", "size": "640x480"}, (640, 480)),  # an exact frame wins
        ({"resolution": "1024"}, None),  # (no "p": a 3D model's texture size, not a frame)
        ({"aspect_ratio": "16:9"}, None),
    ],
)
def test_a_video_frame_from_its_resolution(fields: Any, frame: tuple[int, int] | None) -> None:
    assert asked_frame(fields, media.MediaKind.MP4) == frame


@pytest.mark.parametrize(
    ("fields", "frame"),
    [
        ({"size": "1K"}, (1024, 1024)),
        ({"size": "1K", "aspect_ratio": "16:9"}, (1360, 768)),  # the tier's area (Gemini: 1344x768)
        ({"size": "2k", "aspect_ratio": "9:16"}, (1536, 2736)),
        ({"size": "4K", "aspect_ratio": "16:9"}, (5456, 3072)),  # within the cap of 4096x4096 in all
        ({"image_size": "512px"}, (512, 512)),
        ({"resolution": "2K", "aspectRatio": "4:3"}, (2368, 1776)),
        ({"aspect_ratio": "16:9"}, (1360, 768)),  # an aspect alone: at 1K
        ({"size": "8K", "aspect_ratio": "1:1"}, (4096, 4096)),  # past the cap: the frame made
        ({"resolution": "720p"}, None),  # a video's word: no image frame
        ({"size": "auto"}, None),
    ],
)
def test_an_image_frame_from_its_size_tier(fields: Any, frame: tuple[int, int] | None) -> None:
    """Gemini's and Seedream's ``1K``/``2K``/``4K``: the side of a square image of that tier, the same
    area in the stated aspect; the video reading of the same words is unchanged."""
    assert asked_frame(fields, media.MediaKind.PNG) == frame
    assert asked_frame(fields) == frame


def test_the_fields_beside_an_image_state_its_frame() -> None:
    """A link or an inline image is of the frame asked; ``width``/``height`` and a ``WxH`` size say so."""
    png = media.signed_path("f1", media.file_name(media.MediaKind.PNG, (640, 480)), expires=1, secret=b"s")
    for request in ({"size": "640x480"}, {"size": "640x480", "response_format": "b64_json"}):
        edits = Edits({"data": [{"url": "x", "width": 1, "height": 1, "size": "1x1", "bytes": 0}]}, None)
        link_media(edits, request, lambda tokens, key: f"http://h{png}", media.MediaKind.PNG)
        (item,) = edits.body["data"]
        assert (item["width"], item["height"], item["size"]) == (640, 480, "640x480")
        assert item["bytes"] == len(media.generate(media.MediaKind.PNG, (640, 480)))


def _linked(request: dict[str, Any]) -> list[dict[str, Any]]:
    edits = Edits({"data": [{"url": "x", "b64_json": "y"}]}, None)
    link_media(edits, request, lambda tokens, key: "https://mock/file.png", media.MediaKind.PNG)
    items: list[dict[str, Any]] = edits.body["data"]
    return items


@pytest.mark.parametrize(
    ("request_fields", "keys"),
    [
        ({}, ["url"]),
        ({"output_format": "webp"}, ["url"]),  # a file format does not choose inline
        ({"response_format": "url", "output_format": "jpeg"}, ["url"]),
        ({"response_format": "b64_json"}, ["b64_json"]),
        ({"response_format": "B64_JSON", "n": 2}, ["b64_json"]),
    ],
)
def test_each_item_is_a_link_or_inline_never_both(request_fields: dict[str, Any], keys: list[str]) -> None:
    items = _linked(request_fields)
    assert [sorted(item) for item in items] == [keys] * (requested_count(request_fields) or 1)


def test_asked_kind_stays_in_its_family() -> None:
    assert asked_kind({"output_format": "jpeg"}, media.MediaKind.PNG) is media.MediaKind.JPEG
    assert asked_kind({"response_format": "wav"}, media.MediaKind.MP3) is media.MediaKind.WAV
    assert asked_kind({"output_format": "wav"}, media.MediaKind.PNG) is media.MediaKind.PNG  # not an image


def test_the_fields_beside_a_file_describe_the_file_handed_out() -> None:
    item = {
        "url": "x",
        "format": "mp3",
        "mime_type": "mock",
        "duration": 0.5,
        "bytes": 1,
        "size": "1024x1024",
    }
    edits = Edits({"data": [item]}, None)
    wav = media.signed_path("f1", "output.wav", expires=1, secret=b"s")
    link_media(edits, {"output_format": "WAV"}, lambda tokens, key: f"http://h{wav}", media.MediaKind.MP3)
    (described,) = edits.body["data"]
    assert described["format"] == "wav" and described["mime_type"] == "audio/wav"
    assert described["duration"] == 0.1 and described["bytes"] == len(media.generate(media.MediaKind.WAV))
    assert described["size"] == "1024x1024"  # a frame, not a byte count: audio has none


def test_a_description_the_schema_refuses_is_left_and_the_next_word_tried() -> None:
    def valid(body: Any) -> bool:
        item = body["data"][0]
        return item.get("format") in ("mp3", "jpeg") and item.get("media_type") in ("image", "audio")

    edits = Edits({"data": [{"b64_json": "y", "format": "mp3", "media_type": "audio"}]}, valid)
    request = {"response_format": "b64_json"}
    link_media(edits, request, lambda tokens, key: None, media.MediaKind.JPEG)
    (item,) = edits.body["data"]
    assert item["format"] == "jpeg"  # "jpg" refused, the other word for it kept
    assert item["media_type"] == "image"  # "image/jpeg" refused, its family kept
