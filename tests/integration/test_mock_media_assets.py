"""ipop's media assets keep the source a client uploads (``mock.uploads``, ``tasks.links``).

A new asset's answer says where its source goes (``upload: {"method": "PUT", "url": ...}``). The url
used to name an unreachable placeholder host; the PUT of a source answered a stranger asset with
another id, and the image delivery route made up a 1x1 image. Plain HTTP over real sockets; images
are judged by Pillow.
"""

from __future__ import annotations

import io

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

HEADERS = {"Authorization": "Bearer sk-test", "x-project-id": "p1"}
MOCK_OPTIONS = {"apis": ["ipop", "imarouter"], "seed": 5}  # two: each under its prefix


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _new_asset(mock: str, kind: str = "image") -> dict[str, object]:
    made = requests.post(
        f"{mock}/ipop/v1/media/assets",
        json={"type": kind, "filename": "red.png", "content_type": "image/png"},
        headers=HEADERS,
        timeout=10,
    )
    assert made.status_code == 200, made.text
    body = made.json()
    assert isinstance(body, dict)
    return body


def _put_source(url: str, data: bytes) -> requests.Response:
    return requests.put(
        url, data=data, headers={**HEADERS, "Content-Type": "application/octet-stream"}, timeout=10
    )


def test_the_upload_url_is_the_mocks_own_source_route_and_keeps_the_source(mock: str) -> None:
    made = _new_asset(mock)
    asset, upload = made["asset"], made["upload"]
    assert isinstance(asset, dict) and isinstance(upload, dict)
    assert "error" not in asset  # a new asset has not failed
    assert upload["method"] == "PUT"
    assert upload["url"] == f"{mock}/ipop/v1/media/assets/{asset['id']}/source"
    png = _png()
    put = _put_source(str(upload["url"]), png)
    assert put.status_code == 200, put.text
    assert put.json()["id"] == asset["id"] and put.json()["source_size_bytes"] == len(png)
    assert put.json()["filename"] == "red.png"  # the asset as it stands: its name came with the create
    polled = requests.get(f"{mock}/ipop/v1/media/assets/{asset['id']}", headers=HEADERS, timeout=10).json()
    assert (polled["source_size_bytes"], polled["content_type"]) == (len(png), "image/png")
    delivered = requests.get(f"{mock}/ipop/v1/media/images/{asset['id']}", headers=HEADERS, timeout=10)
    assert delivered.status_code == 200 and delivered.content == png
    assert Image.open(io.BytesIO(delivered.content)).size == (64, 48)


def test_a_derived_file_is_not_the_source(mock: str) -> None:
    """A video's poster is a JPEG the mock makes, not the uploaded source."""
    made = _new_asset(mock, "video")
    upload = made["upload"]
    assert isinstance(upload, dict)
    source = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
    assert _put_source(str(upload["url"]), source).status_code == 200
    asset_id = made["asset"]["id"]  # type: ignore[index]
    poster = requests.get(f"{mock}/ipop/v1/media/videos/{asset_id}/poster.jpg", headers=HEADERS, timeout=10)
    assert poster.status_code == 200 and poster.content != source
    assert Image.open(io.BytesIO(poster.content)).format == "JPEG"
    for derived in ("thumbs/thumb_0001.jpg", "renditions/720p/seg0.ts"):
        got = requests.get(f"{mock}/ipop/v1/media/videos/{asset_id}/{derived}", headers=HEADERS, timeout=10)
        assert got.status_code == 200 and got.content != source
    elsewhere = requests.get(f"{mock}/imarouter/mj/image/{asset_id}", headers=HEADERS, timeout=10)
    assert elsewhere.content != source  # another API's route never hands out ipop's bytes


def test_a_source_goes_only_into_an_asset_that_is_there(mock: str) -> None:
    """An id nobody made (or an asset deleted) is a 404, and nothing is kept under it."""
    never = _put_source(f"{mock}/ipop/v1/media/assets/asset_never_made/source", b"abc")
    assert never.status_code == 404
    read = requests.get(f"{mock}/ipop/v1/media/assets/asset_never_made", headers=HEADERS, timeout=10)
    assert read.status_code == 404
    made = _new_asset(mock)
    asset_id = made["asset"]["id"]  # type: ignore[index]
    assert requests.delete(f"{mock}/ipop/v1/media/assets/{asset_id}", headers=HEADERS, timeout=10).ok
    assert _put_source(str(made["upload"]["url"]), b"late").status_code == 404  # type: ignore[index]


def test_a_second_source_replaces_the_first(mock: str) -> None:
    made = _new_asset(mock)
    url, asset_id = str(made["upload"]["url"]), made["asset"]["id"]  # type: ignore[index]
    _put_source(url, b"0123456789")
    second = _put_source(url, b"abc").json()
    assert (second["source_size_bytes"], second["filename"]) == (3, "red.png")
    polled = requests.get(f"{mock}/ipop/v1/media/assets/{asset_id}", headers=HEADERS, timeout=10).json()
    assert polled["source_size_bytes"] == 3
    delivered = requests.get(f"{mock}/ipop/v1/media/images/{asset_id}", headers=HEADERS, timeout=10)
    assert delivered.content == b"abc"


def test_an_asset_never_uploaded_still_delivers_an_image(mock: str) -> None:
    made = _new_asset(mock)
    asset_id = made["asset"]["id"]  # type: ignore[index]
    delivered = requests.get(f"{mock}/ipop/v1/media/images/{asset_id}", headers=HEADERS, timeout=10)
    assert delivered.status_code == 200
    Image.open(io.BytesIO(delivered.content)).load()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=4096))
def test_any_source_comes_back_exactly(mock: str, data: bytes) -> None:
    made = _new_asset(mock)
    upload = made["upload"]
    assert isinstance(upload, dict)
    put = _put_source(str(upload["url"]), data)
    assert put.status_code == 200 and put.json()["source_size_bytes"] == len(data)
    asset_id = made["asset"]["id"]  # type: ignore[index]
    delivered = requests.get(f"{mock}/ipop/v1/media/images/{asset_id}", headers=HEADERS, timeout=10)
    assert delivered.content == data


def test_an_asset_is_updated_by_a_patch(mock: str) -> None:
    """The asset is a task (its processing); a PATCH of its metadata answered 404 on it."""
    asset_id = _new_asset(mock)["asset"]["id"]  # type: ignore[index]
    url = f"{mock}/ipop/v1/media/assets/{asset_id}"
    patched = requests.patch(
        url, json={"filename": "dog.png", "visibility": "public"}, headers=HEADERS, timeout=10
    )
    assert patched.status_code == 200, patched.text
    for body in (patched.json(), requests.get(url, headers=HEADERS, timeout=10).json()):
        assert (body["id"], body["filename"], body["visibility"]) == (asset_id, "dog.png", "public")


def test_a_deleted_asset_is_not_updated(mock: str) -> None:
    asset_id = _new_asset(mock)["asset"]["id"]  # type: ignore[index]
    url = f"{mock}/ipop/v1/media/assets/{asset_id}"
    assert requests.delete(url, headers=HEADERS, timeout=10).ok
    assert requests.patch(url, json={"filename": "x.png"}, headers=HEADERS, timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("image_format", "frame"),
    [("PNG", (64, 48)), ("JPEG", (320, 200)), ("WEBP", (33, 17)), ("GIF", (1, 900))],
)
def test_an_asset_states_the_frame_of_the_image_uploaded(
    mock: str, image_format: str, frame: tuple[int, int]
) -> None:
    """An asset's ``width``/``height`` are its source's, as the uploaded file's own header says
    (Pillow writes the file); they were generated numbers, changing nothing when the source came."""
    made = _new_asset(mock)
    asset, upload = made["asset"], made["upload"]
    assert isinstance(asset, dict) and isinstance(upload, dict)
    buffer = io.BytesIO()
    Image.new("RGB", frame, "blue").save(buffer, image_format)
    put = _put_source(str(upload["url"]), buffer.getvalue())
    assert put.status_code == 200, put.text
    assert (put.json()["width"], put.json()["height"]) == frame
    polled = requests.get(f"{mock}/ipop/v1/media/assets/{asset['id']}", headers=HEADERS, timeout=10).json()
    assert (polled["width"], polled["height"]) == frame
    listed = requests.get(f"{mock}/ipop/v1/media/assets", headers=HEADERS, timeout=10).json()["assets"]
    assert [(a["width"], a["height"]) for a in listed if a["id"] == asset["id"]] == [frame]
