"""A video is of the size the request asks for (``size: "1280x720"``, a ``resolution`` like ``720p``).

Every MP4 the mock handed out was 16x16 whatever the request asked: an app that lays out a player or
checks what it paid for by the frame met a 16x16 video. The official openai SDK asks where the route is
OpenAI's (voxvey's ``videos.create`` then ``videos.download_content``), plain HTTP elsewhere (ipop's,
imarouter's and empiriolabs' video tasks, whose results link to files). The frame is read from the file
by a box walk written here (ISO BMFF: the video track's ``tkhd`` width and height, 16.16 fixed point),
not by the mock's writer.
"""

from __future__ import annotations

import struct
import time
import warnings
from typing import Any

import pytest
import requests
from sdk_clients import openai_client

from gatewright.spec import load_spec

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}
MOCK_OPTIONS = {"apis": ["voxvey", "ipop", "imarouter", "empiriolabs"], "seed": 3, "task_duration": 0.05}
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, bytes]:
    """Every box in ``data[start:end]`` and the containers under it, by type: its payload (the first of
    a type). Each box's size must land inside its parent: a malformed tree fails here."""
    end = len(data) if end is None else end
    found: dict[bytes, bytes] = {}
    at = start
    while at < end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        assert 8 <= size <= end - at, (kind, size, end - at)
        found.setdefault(kind, data[at + 8 : at + size])
        if kind in _CONTAINERS:
            for inner, payload in _boxes(data, at + 8, at + size).items():
                found.setdefault(inner, payload)
        at += size
    assert at == end
    return found


def _frame(data: bytes) -> tuple[int, int]:
    """The video track's width and height as its ``tkhd`` states them (version 0 or 1)."""
    boxes = _boxes(data)
    assert boxes[b"ftyp"][:4] in (b"isom", b"mp42", b"mp41")
    assert b"mdat" in boxes and boxes[b"hdlr"][8:12] == b"vide"
    tkhd = boxes[b"tkhd"]
    fixed = tkhd[-8:]  # width, height: the box's last two 32-bit fields
    assert len(tkhd) == (84 if tkhd[0] == 0 else 96)
    width, height = struct.unpack(">II", fixed)
    assert width & 0xFFFF == 0 and height & 0xFFFF == 0
    return width >> 16, height >> 16


@pytest.mark.parametrize("size", ["1280x720", "720x1280", "1792x1024"])
def test_an_openai_video_is_of_the_size_asked(mock: str, size: str) -> None:
    with openai_client(mock, "voxvey") as client, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (the SDK's notice that Sora will close)
        video = client.videos.create_and_poll(
            model="sora-2",
            prompt="a lighthouse",
            size=size,  # type: ignore[arg-type]  # (the SDK's literals leave out sizes gateways accept)
            poll_interval_ms=20,
        )
        assert video.status == "completed"
        data = client.videos.download_content(video.id).read()
    assert _frame(data) == tuple(int(side) for side in size.split("x"))


# (api, create path, request, the frame it asks for)
TASKS = [
    (
        "ipop",
        "/v1/videos",
        {"prompt": "a cat", "model": "grok-imagine-video", "resolution": "720p"},
        (1280, 720),
    ),
    ("ipop", "/v1/videos", {"prompt": "a cat", "model": "grok-imagine-video", "size": "640x480"}, (640, 480)),
    (
        "imarouter",
        "/api/v1/contents/generations/tasks",
        {"model": "seedance-2.0", "content": [{"type": "text", "text": "a cat"}], "resolution": "480p"},
        (854, 480),
    ),
    (
        "imarouter",
        "/v1/videos",
        {"model": "veo-3.0-generate-001", "prompt": "a cat", "resolution": "1080p", "aspect_ratio": "9:16"},
        (1080, 1920),
    ),
    (
        "empiriolabs",
        "/v1/videos/generations",
        {"model": "seedance-2-0-pro", "prompt": "a cat", "resolution": "1080p", "aspect_ratio": "1:1"},
        (1080, 1080),
    ),
]


@pytest.mark.parametrize(("api", "path", "request_body", "frame"), TASKS)
def test_a_video_task_hands_out_a_video_of_the_resolution_asked(
    mock: str, api: str, path: str, request_body: dict[str, Any], frame: tuple[int, int]
) -> None:
    created = requests.post(f"{mock}/{api}{path}", json=request_body, headers=AUTH, timeout=10)
    assert created.status_code in (200, 201, 202), created.text
    links = _links(_poll_to_end(mock, api, path, created.json()))
    assert links, "the finished task links no file"
    for link in links:
        download = requests.get(link, timeout=10)
        assert download.status_code == 200, download.text
        assert _frame(download.content) == frame, link


def _poll_to_end(mock: str, api: str, path: str, created: dict[str, Any]) -> Any:
    """The task's body once it is finished, polled where its create's ``x-gatewright-task`` says."""
    spec = load_spec(api)
    create = spec.find("POST", path)
    assert create is not None
    task = create.definition["x-gatewright-task"]
    poll = next(op for op in spec.operations if op.operation_id == task["poll"])
    task_id = created[task["id"].rpartition("/")[2]]
    url = f"{mock}/{api}{poll.path.replace('{' + poll.template.names[-1] + '}', task_id)}"
    status = task["status"].strip("/").split("/")
    words = set(task["states"]["succeeded"]) | set(task["states"]["failed"])
    deadline = time.monotonic() + 10
    while True:
        body = requests.get(url, headers=AUTH, timeout=10).json()
        value = body
        for token in status:
            value = value[token]
        if value in words or time.monotonic() > deadline:
            assert value in task["states"]["succeeded"], body
            return body
        time.sleep(0.05)


def _links(value: Any) -> list[str]:
    """Every link to the mock's file route in a body."""
    if isinstance(value, dict):
        return [link for item in value.values() for link in _links(item)]
    if isinstance(value, list):
        return [link for item in value for link in _links(item)]
    return [value] if isinstance(value, str) and "/__gatewright/files/" in value else []
