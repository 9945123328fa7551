"""Uploading a file to ipop, as its spec takes one: a raw octet-stream body, the purpose and file name
in the query (the SDK's multipart ``files.create`` is not what ipop documents)."""

from __future__ import annotations

import requests

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}  # ipop's routes take x-api-key


def upload_file(url: str, data: bytes, *, purpose: str = "batch", filename: str = "input.jsonl") -> str:
    """The id of ``data`` uploaded to the ipop mock at ``url``."""
    answer = requests.post(
        f"{url}/v1/files",
        params={"purpose": purpose, "filename": filename},
        data=data,
        headers={**AUTH, "Content-Type": "application/octet-stream"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    file_id = answer.json()["id"]
    assert isinstance(file_id, str)
    return file_id
