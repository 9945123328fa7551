from __future__ import annotations

from typing import Any

from passkit import apply, spec

from gatewright.normalize.passes.audio_formats import audio_formats

BINARY = {"type": "string", "format": "binary"}


def speech(formats: list[Any] | None, content: dict[str, Any]) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "string"} if formats is None else {"type": "string", "enum": formats}
    request = {"type": "object", "properties": {"input": {"type": "string"}, "response_format": field}}
    operation = {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Speech"}}}},
        "responses": {"200": {"description": "audio", "content": content}, "400": {"description": "bad"}},
    }
    return spec(paths={"/v1/audio/speech": {"post": operation}}, components={"schemas": {"Speech": request}})


def test_each_offered_format_missing_from_the_audio_answer_is_declared_with_its_siblings_schema() -> None:
    document = speech(
        ["mp3", "opus", "aac", "flac", "wav", "pcm"],
        {"audio/mpeg": {"schema": BINARY}, "audio/ogg": {"schema": BINARY}, "audio/wav": {"schema": BINARY}},
    )
    out, repairs = apply(audio_formats, document)
    content = out["paths"]["/v1/audio/speech"]["post"]["responses"]["200"]["content"]
    assert list(content) == ["audio/mpeg", "audio/ogg", "audio/wav", "audio/aac", "audio/flac", "audio/pcm"]
    assert all(media["schema"] == BINARY for media in content.values())
    assert [repair.after for repair in repairs] == ["audio/aac", "audio/flac", "audio/pcm"]
    assert apply(audio_formats, out)[1] == []  # idempotent


def test_nothing_changes_without_an_enum_of_audio_words_or_an_audio_answer() -> None:
    free_form = speech(None, {"audio/mpeg": {"schema": BINARY}})
    json_answer = speech(["mp3", "flac"], {"application/json": {"schema": {"type": "object"}}})
    other_words = speech(["b64_json", "url"], {"audio/mpeg": {"schema": BINARY}})
    for document in (free_form, json_answer, other_words):
        assert apply(audio_formats, document)[1] == []
