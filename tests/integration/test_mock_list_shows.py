"""A list that shows another lifecycle's tasks when a query parameter has a value (``list_shows``), over a
real socket with the official openai SDK.

voxvey's ``GET /v1/videos`` "Proxies video listing to OpenAI by default, to xAI when `provider=xai` is
supplied, or to provider-native tasks when `provider=byte` is supplied.", while its ``provider`` enum named
``openai`` and ``xai`` only: the mock refused ``provider=byte`` (400). Now the statement in
``specs/sources/voxvey.lifecycles.yaml`` gives the enum ``byte`` and the list, with it, shows the
provider-native (Seedance ``cgt-*``) tasks as their own route shows them; without it the OpenAI videos.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
import requests
from sdk_clients import openai_client

from gatewright.spec import load_spec

AUTH = {"Authorization": "Bearer sk-test"}
MOCK_OPTIONS = {"seed": 7, "task_duration": 3600.0, "task_polls": 2}
NATIVE = "/voxvey/v1/byte/contents/generations/tasks"
BYTE = {"provider": "byte"}

pytestmark = pytest.mark.filterwarnings("ignore:The Sora API is scheduled:DeprecationWarning")


def native_task(mock: str, prompt: str) -> dict[str, Any]:
    """A Seedance task made on voxvey's provider-native create route."""
    body = {"model": "byte/dreamina-seedance-2-0-260128", "content": [{"type": "text", "text": prompt}]}
    made = requests.post(f"{mock}{NATIVE}", json=body, headers=AUTH, timeout=10)
    assert made.status_code == 200, made.text
    task: dict[str, Any] = made.json()
    assert task["id"].startswith("cgt-")
    return task


def listed(client: openai.OpenAI, **query: str) -> list[Any]:
    """Every item of the video list, page after page as the SDK pages it."""
    return list(client.videos.list(extra_query=query or None))


def test_the_video_list_declares_that_provider_byte_shows_the_native_tasks() -> None:
    operation = load_spec("voxvey").find("GET", "/v1/videos")
    assert operation is not None
    provider = next(p for p in operation.parameters if p["name"] == "provider")
    assert provider["schema"]["enum"] == ["openai", "xai", "byte"]
    assert operation.definition["x-gatewright-list-shows"] == {
        "provider": {"byte": "getproviderNativeContentGenerationTask"}
    }


def test_provider_byte_lists_the_native_tasks_and_the_default_list_the_openai_videos(mock: str) -> None:
    native = native_task(mock, "a red kite")
    with openai_client(mock, "voxvey") as client:
        video = client.videos.create(model="openai/sora-2", prompt="a lighthouse")
        assert video.id.startswith("video_")

        byte_list = client.videos.with_raw_response.list(extra_query=BYTE)
        assert byte_list.status_code == 200
        page = byte_list.parse()
        assert [item.id for item in page.data] == [native["id"]]
        assert page.has_more is False
        shown = page.data[0].to_dict()
        # as its own route shows it (its words: test_a_native_task_s_progress_...), not as an OpenAI video
        assert "object" not in shown or shown["object"] != "video"
        # a native word of a task in motion (a video reads `in_progress`); its finished word: the next test
        assert shown["status"] in ("queued", "running")
        assert shown["model"] == "byte/dreamina-seedance-2-0-260128"

        assert [item.id for item in listed(client)] == [video.id]
        assert [item.id for item in listed(client, provider="openai")] == [video.id]
        assert listed(client)[0].object == "video"


def test_a_native_task_s_progress_shows_in_the_byte_list_in_its_own_words(mock: str) -> None:
    native = native_task(mock, "a red kite")
    with openai_client(mock, "voxvey") as client:
        for _ in range(2):  # tasks finish at their second poll
            requests.get(f"{mock}{NATIVE}/{native['id']}", headers=AUTH, timeout=10)
        [item] = listed(client, **BYTE)
        assert (item.id, item.status) == (native["id"], "succeeded")


def test_the_byte_list_pages_each_native_task_once_oldest_first(mock: str) -> None:
    made = [native_task(mock, f"scene {n}")["id"] for n in range(3)]
    with openai_client(mock, "voxvey") as client:
        for _ in range(2):
            client.videos.create(model="openai/sora-2", prompt="a lighthouse")
        assert [item.id for item in listed(client, **BYTE)] == made
        rest = client.videos.list(after=made[0], extra_query=BYTE)
        assert [item.id for item in rest.data] == made[1:]
        assert rest.has_more is False
        assert client.videos.list(after=made[-1], extra_query=BYTE).data == []
        assert not {item.id for item in listed(client)} & set(made)
        assert len(listed(client)) == 2


def test_provider_byte_before_any_native_task_lists_none(mock: str) -> None:
    with openai_client(mock, "voxvey") as client:
        video = client.videos.create(model="openai/sora-2", prompt="a lighthouse")
        page = client.videos.list(extra_query=BYTE)
        assert (page.data, page.has_more) == ([], False)
        assert [item.id for item in listed(client)] == [video.id]


def test_a_provider_the_list_names_nowhere_is_still_refused(mock: str) -> None:
    native_task(mock, "a red kite")
    answer = requests.get(f"{mock}/voxvey/v1/videos", params={"provider": "kling"}, headers=AUTH, timeout=10)
    assert answer.status_code == 422, answer.text  # voxvey's ValidationError
    message = answer.json()["error"]["message"]
    assert message == 'query parameter \'provider\': "kling" is not one of "openai", "xai" or "byte"'
