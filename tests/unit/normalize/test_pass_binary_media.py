from __future__ import annotations

from typing import Any

import pytest
from passkit import apply, located, spec

from gatewright.normalize.passes.binary_media import binary_media

BINARY = {"type": "string", "format": "binary"}


def download(path: str, schema: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return spec(paths={path: {"get": {"responses": {"200": {"description": "ok", "content": content}}}}})


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/files/{id}/content", "application/octet-stream"),
        ("/images/{id}.png", "image/png"),
        ("/videos/{id}/thumb.jpg", "image/jpeg"),
        ("/streams/{id}/index.m3u8", "application/vnd.apple.mpegurl"),
    ],
)
def test_serves_binary_json_as_the_extension_s_media_type(path: str, media: str) -> None:
    document = download(path, BINARY)
    out, repairs = apply(binary_media, document)
    assert out["paths"][path]["get"]["responses"]["200"]["content"] == {media: {"schema": BINARY}}
    [repair] = repairs
    assert (repair.before, repair.after) == ("application/json", media)
    assert located(document, repair.pointer) == {"schema": BINARY}


def test_a_one_of_of_strings_with_raw_bytes_is_binary() -> None:
    document = download("/a.png", {"oneOf": [BINARY, {"type": "string", "format": "byte"}]})
    out, _ = apply(binary_media, document)
    assert out["paths"]["/a.png"]["get"]["responses"]["200"]["content"] == {"image/png": {"schema": BINARY}}


def test_binary_fields_of_a_json_request_become_base64() -> None:
    upload = {"type": "object", "properties": {"file": BINARY, "purpose": {"type": "string"}}}
    document = spec(
        paths={
            "/files": {
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Up"}}}
                    },
                    "responses": {},
                }
            },
            "/inline": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": upload}}},
                    "responses": {},
                }
            },
        },
        components={"schemas": {"Up": upload}},
    )
    out, repairs = apply(binary_media, document)
    base64 = {
        "type": "object",
        "properties": {
            "file": {"type": "string", "contentEncoding": "base64"},
            "purpose": {"type": "string"},
        },
    }
    assert out["components"]["schemas"]["UpJson"] == base64
    assert out["components"]["schemas"]["Up"] == upload
    assert out["paths"]["/files"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UpJson"
    }
    assert out["paths"]["/inline"]["post"]["requestBody"]["content"]["application/json"]["schema"] == base64
    schema = "post/requestBody/content/application~1json/schema"
    assert [repair.pointer for repair in repairs] == [f"/paths/~1files/{schema}", f"/paths/~1inline/{schema}"]
    assert located(document, f"/paths/~1files/{schema}") == {"$ref": "#/components/schemas/Up"}
    assert located(document, f"/paths/~1inline/{schema}") == upload


def test_a_json_object_response_is_not_binary() -> None:
    assert apply(binary_media, download("/a.png", {"type": "object"}))[1] == []
