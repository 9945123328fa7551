"""Images of the frame asked for: Pillow (not our code) reads each at its frame, within the cap."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from gatewright.mock import image_files, media
from gatewright.mock.image_files import MAX_PIXELS, MAX_SIDE, fit
from gatewright.mock.media import MediaKind

IMAGES = [MediaKind.PNG, MediaKind.JPEG, MediaKind.WEBP]


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@settings(max_examples=30, deadline=None)
@given(width=st.integers(1, 3000), height=st.integers(1, 3000), kind=st.sampled_from(IMAGES))
def test_an_image_is_of_the_frame_asked_in_flat_grey(width: int, height: int, kind: MediaKind) -> None:
    image = _opened(media.generate(kind, (width, height)))
    assert image.size == (width, height)
    assert image.get_format_mimetype() == kind.content_type
    assert {low for low, _ in image.convert("RGB").getextrema()} == {128}  # one grey


@pytest.mark.parametrize("kind", IMAGES)
def test_a_large_image_stays_a_few_kb(kind: MediaKind) -> None:
    assert len(media.generate(kind, (1024, 1024))) < 8_000
    assert len(media.generate(kind, (4096, 4096))) < 100_000


@pytest.mark.parametrize(
    ("asked", "made"),
    [
        ((1024, 1024), (1024, 1024)),
        ((4704, 2016), (4704, 2016)),  # the largest frame a bundled spec's enum names: as asked
        ((4096, 4096), (4096, 4096)),
        ((100_000, 100_000), (4096, 4096)),  # scaled down to the cap, aspect kept
        ((8192, 2048), (8192, 2048)),
        ((20_000, 10), (MAX_SIDE, 8)),
        ((10**400, 3), (MAX_SIDE, 1)),  # no float overflow, no 500
        ((0, -5), (1, 1)),
    ],
)
def test_fit_caps_a_frame(asked: tuple[int, int], made: tuple[int, int]) -> None:
    assert fit(*asked) == made


@given(width=st.integers(-10, 10**12), height=st.integers(-10, 10**12))
def test_fit_is_always_within_the_cap(width: int, height: int) -> None:
    made_width, made_height = fit(width, height)
    assert 1 <= made_width <= MAX_SIDE and 1 <= made_height <= MAX_SIDE
    assert made_width * made_height <= MAX_PIXELS


def test_an_image_past_the_cap_is_made_at_the_cap() -> None:
    assert _opened(image_files.png(50_000, 50_000)).size == (4096, 4096)


@pytest.mark.parametrize("kind", IMAGES)
def test_facts_of_a_frame_are_the_files(kind: MediaKind) -> None:
    facts = media.facts(kind, (640, 480))
    data = media.generate(kind, (640, 480))
    assert (facts.width, facts.height, facts.size) == (*_opened(data).size, len(data))
    assert media.facts(kind, (10**6, 10**6)).width == 4096  # the frame made, not the one asked


def test_a_link_names_the_frame_it_serves() -> None:
    name = media.file_name(MediaKind.WEBP, (640, 480))
    assert name == "output-640x480.webp"
    path = media.signed_path("f1", name, expires=1, secret=b"s")
    assert media.kind_of_link(f"http://127.0.0.1:1{path}") is MediaKind.WEBP
    assert media.frame_of_link(f"http://127.0.0.1:1{path}") == (640, 480)
    assert media.file_name(MediaKind.PNG) == "output.png" and media.frame_of_name("output.png") is None
    assert media.file_name(MediaKind.PNG, (10**6, 1)) == f"output-{MAX_SIDE}x1.png"  # as made
    assert media.file_name(MediaKind.WAV, (640, 480)) == "output.wav"  # audio has no frame
