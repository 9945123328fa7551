"""``image_frames.frame_of`` reads the frame an image file's header states; Pillow writes the files."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from gatewright.mock import image_files
from gatewright.mock.image_frames import frame_of

FORMATS: list[tuple[str, dict[str, Any]]] = [
    ("PNG", {}),
    ("GIF", {}),
    ("JPEG", {}),
    ("JPEG", {"progressive": True}),
    ("WEBP", {"lossless": True}),  # VP8L
    ("WEBP", {"quality": 50}),  # VP8
    ("WEBP", {"exif": b"Exif\x00\x00gatewright"}),  # VP8X: metadata makes the extended form
]


def _written(image_format: str, options: dict[str, Any], frame: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", frame, (10, 200, 30)).save(buffer, image_format, **options)
    return buffer.getvalue()


@settings(max_examples=20)
@given(
    written=st.sampled_from(FORMATS),
    frame=st.tuples(st.integers(1, 2000), st.integers(1, 2000)),
)
def test_the_frame_of_any_image_pillow_writes(
    written: tuple[str, dict[str, Any]], frame: tuple[int, int]
) -> None:
    assert frame_of(_written(*written, frame)) == frame


def test_the_mocks_own_images_read_back_as_made() -> None:
    for write in (image_files.png, image_files.jpeg, image_files.webp):
        assert frame_of(write(640, 360)) == (640, 360)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n",  # a signature, then nothing
        b"\xff\xd8\xff\xe0\x00\x10JFIF",  # cut before any frame
        b"RIFF\x00\x00\x00\x00WEBPVP8L",
        b"\xff\xd8\xff\xda\x00\x08" + b"\x00" * 16,  # image data before a frame
        b"\xff\xd8" + b"\xff" * (4 << 20),  # fill bytes only (a hostile upload): read past in C
        b"\xff\xd8" + b"\xff\xe0\x00\x02" * (1 << 20),  # a million empty segments: at most 256 walked
    ],
)
def test_a_file_that_states_no_frame_gives_none(data: bytes) -> None:
    assert frame_of(data) is None


def test_a_frame_after_a_run_of_fill_bytes_is_read() -> None:
    sof = b"\xff\xc0\x00\x11\x08\x00\x20\x00\x40"  # baseline start of frame: 32 high, 64 wide
    assert frame_of(b"\xff\xd8" + b"\xff" * 100 + sof) == (64, 32)


def test_a_cut_jpeg_never_raises() -> None:
    whole = _written("JPEG", {}, (50, 40))
    for end in range(len(whole)):
        frame_of(whole[:end])  # None or the frame, never an exception
