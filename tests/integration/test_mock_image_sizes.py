"""An image is of the size the request asks for (``size: "1024x1024"``, width and height fields).

Every image the mock handed out was 1x1 whatever the request asked: an app that lays out, crops or
thumbnails by the frame it asked for met a pixel. The official openai SDK asks where the route is
OpenAI's (voxvey's and ipop's ``images.generate`` and ``images.edit``), plain HTTP elsewhere
(imarouter's image tasks, ipop's image delivery); Pillow, not our code, says what each file is.
"""

from __future__ import annotations

import base64
import io
import time
from typing import Any

import pytest
import requests
from PIL import Image
from sdk_clients import openai_client

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test", "x-project-id": "p1"}
MOCK_OPTIONS = {"apis": ["voxvey", "ipop", "imarouter"], "seed": 3, "task_duration": 0.05}
SDK_MODELS = {"voxvey": {"model": "openai/gpt-image-1"}, "ipop": {}}  # ipop's model has a default


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # the pixels decode, not only the header
    return image


def _fetched(image: Any) -> Image.Image:
    """The image an SDK answer item hands out: its link downloaded, or its base64 decoded."""
    if image.url is not None:
        download = requests.get(image.url, timeout=10)
        assert download.status_code == 200, download.text
        return _opened(download.content)
    assert image.b64_json is not None
    return _opened(base64.b64decode(image.b64_json))


@pytest.mark.parametrize("api", sorted(SDK_MODELS))
@pytest.mark.parametrize("response_format", ["url", "b64_json"])
@pytest.mark.parametrize("size", ["1024x1024", "512x768", "1536x1024"])
def test_images_generate_gives_images_of_the_size_asked(
    mock: str, api: str, response_format: str, size: str
) -> None:
    with openai_client(mock, api) as client:
        answer = client.images.generate(
            prompt="a lighthouse",
            size=size,  # type: ignore[arg-type]  # (the SDK's literals leave out sizes gateways accept)
            response_format=response_format,  # type: ignore[arg-type]
            n=2,
            **SDK_MODELS[api],
        )
    assert answer.data is not None and len(answer.data) == 2
    width, height = (int(side) for side in size.split("x"))
    for item in answer.data:
        assert _fetched(item).size == (width, height)


@pytest.mark.parametrize(("output_format", "pillow"), [("jpeg", "JPEG"), ("webp", "WEBP"), ("png", "PNG")])
def test_the_size_holds_in_every_output_format(mock: str, output_format: str, pillow: str) -> None:
    with openai_client(mock, "ipop") as client:
        answer = client.images.generate(
            prompt="a lighthouse",
            size="640x480",
            response_format="b64_json",
            output_format=output_format,  # type: ignore[arg-type]
        )
    assert answer.data
    (item,) = answer.data
    image = _fetched(item)
    assert (image.format, image.size) == (pillow, (640, 480))
    assert (item.model_extra or {}).get("mime_type") == f"image/{output_format}"


def test_an_image_edit_sent_as_a_form_gives_the_size_asked(mock: str) -> None:
    """``images.edit`` is multipart: the size arrives as form text."""
    source = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(source, "PNG")
    with openai_client(mock, "voxvey") as client:
        answer = client.images.edit(
            model="openai/gpt-image-1",
            image=("in.png", source.getvalue()),
            prompt="brighter",
            size="1024x1536",
            response_format="b64_json",
        )
    assert answer.data
    assert _fetched(answer.data[0]).size == (1024, 1536)


def test_a_hostile_size_is_capped_and_the_file_is_small(mock: str) -> None:
    """A free ``size`` string may ask for 100000x100000 (40 GB of pixels); the mock makes 4096x4096
    at most (``image_files.MAX_PIXELS``), aspect kept, a few dozen KB."""
    with openai_client(mock, "voxvey") as client:
        answer = client.images.generate(
            model="openai/gpt-image-1",
            prompt="everything",
            size="100000x100000",  # type: ignore[arg-type]
            response_format="b64_json",
        )
        wide = client.images.generate(
            model="openai/gpt-image-1",
            prompt="everything",
            size="200000x2",  # type: ignore[arg-type]
            response_format="b64_json",
        )
    assert answer.data and answer.data[0].b64_json is not None
    assert len(answer.data[0].b64_json) < 200_000
    assert _fetched(answer.data[0]).size == (4096, 4096)
    assert wide.data
    assert _fetched(wide.data[0]).size == (16384, 1)  # a side is at most 16384


def _finished_task(mock: str, body: dict[str, Any]) -> dict[str, Any]:
    created = requests.post(f"{mock}/imarouter/v1/images/generations", json=body, headers=AUTH, timeout=10)
    assert created.status_code == 200, created.text
    task_id = created.json()["id"]
    deadline = time.monotonic() + 10
    while True:
        polled = requests.get(f"{mock}/imarouter/v1/images/generations/{task_id}", headers=AUTH, timeout=10)
        data: dict[str, Any] = polled.json()["data"]
        if data["status"] == "succeeded":
            return data
        assert time.monotonic() < deadline, data
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("body", "frame"),
    [
        ({"model": "gpt-image-2", "prompt": "a fox", "size": "1536x1024"}, (1536, 1024)),
        ({"model": "wan2.7-image-pro", "prompt": "a fox", "size": "2048*1152"}, (2048, 1152)),
        (
            {
                "model": "prunaai/p-image",
                "prompt": "a fox",
                "aspect_ratio": "custom",
                "width": 640,
                "height": 320,
            },
            (640, 320),
        ),
        # Gemini's size tiers: the side of a square image of the tier, the same area in the aspect asked
        (
            {"model": "gemini-2.5-flash-image", "prompt": "a fox", "size": "2K", "aspect_ratio": "16:9"},
            (2736, 1536),
        ),
        ({"model": "gemini-2.5-flash-image", "prompt": "a fox", "aspect_ratio": "9:16"}, (768, 1360)),  # 1K
        ({"model": "gemini-2.5-flash-image", "prompt": "a fox", "size": "512px"}, (512, 512)),
    ],
)
def test_an_image_task_makes_the_size_asked(mock: str, body: dict[str, Any], frame: tuple[int, int]) -> None:
    """imarouter's models state the size as ``WxH``, Wan's ``W*H``, Pruna's as width and height, Gemini's
    as a size tier (``2K``) in an aspect ratio."""
    result = _finished_task(mock, body)
    download = requests.get(result["url"], timeout=10)
    assert download.status_code == 200
    assert _opened(download.content).size == frame


def test_an_image_delivered_by_asset_is_of_the_width_and_height_asked(mock: str) -> None:
    """ipop's ``GET /media/images/{asset_id}`` declares ``w`` and ``h`` (a minimum, no maximum)."""
    made = requests.post(
        f"{mock}/ipop/v1/media/assets",
        json={"type": "image", "filename": "a.png", "content_type": "image/png"},
        headers=AUTH,
        timeout=10,
    )
    asset_id = made.json()["asset"]["id"]
    url = f"{mock}/ipop/v1/media/images/{asset_id}"
    asked = requests.get(url, params={"w": 300, "h": 200}, headers=AUTH, timeout=10)
    assert asked.status_code == 200 and _opened(asked.content).size == (300, 200)
    huge = requests.get(url, params={"w": 10**30, "h": 10**30}, headers=AUTH, timeout=10)
    assert huge.status_code == 200 and _opened(huge.content).size == (4096, 4096)
    one_side = requests.get(url, params={"w": 120}, headers=AUTH, timeout=10)  # a resize keeps the aspect
    assert one_side.status_code == 200 and _opened(one_side.content).size == (120, 120)
    webp = requests.get(url, params={"w": 64, "h": 32, "format": "webp"}, headers=AUTH, timeout=10)
    assert webp.status_code == 200, webp.text
    assert (_opened(webp.content).format, _opened(webp.content).size) == ("WEBP", (64, 32))
