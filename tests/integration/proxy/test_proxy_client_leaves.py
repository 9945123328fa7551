"""Streams whose client leaves are still judged and recorded (issue 20, item 1).

A real gateway ends an SSE body a moment after ``data: [DONE]``; the openai SDK closes the stream
as soon as it read that event. The proxy still judges and records the exchange, and the recording
replays offline through ``gatewright mock --replay``. A client that leaves mid-stream while the
gateway goes on is recorded ``complete: false`` and is not the gateway's violation.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import openai
import pytest
import requests
from aiohttp import web
from proxy_upstream import KEY, SPEC, proxied

from gatewright.mock import create_app
from gatewright.mock.replay import ReplaySettings
from gatewright.spec.recording import load_recordings
from gatewright.testing import serve_app

pytestmark = pytest.mark.slow  # streams cut by their clients through a running proxy

WORDS = ["Hel", "lo", " there"]


def _chunk(text: str) -> bytes:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


def lingering_gateway(linger: float, forever: bool = False) -> web.Application:
    """Streams three chunks and ``[DONE]``, then keeps the body open ``linger`` seconds (or forever,
    a chunk every 50 ms, without ``[DONE]``)."""

    async def chat(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for word in WORDS:
            await response.write(_chunk(word))
        if forever:
            while True:
                await asyncio.sleep(0.05)
                await response.write(_chunk("."))
        await response.write(b"data: [DONE]\n\n")
        await asyncio.sleep(linger)  # the gateway ends its body a moment after the terminal event
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    return app


def _sdk_stream(base_url: str) -> str:
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=KEY, max_retries=0) as client:
        stream = client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            extra_headers={"x-test-id": "t-sdk"},
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        stream.close()
    return text


def test_an_sdk_stream_closed_after_done_is_judged_recorded_and_replays_offline(tmp_path: Path) -> None:
    records = tmp_path / "records"
    with (
        serve_app(lingering_gateway(linger=0.5)) as upstream,
        proxied(upstream=upstream, record_dir=records) as run,
    ):
        for _ in range(3):
            assert _sdk_stream(run.url) == "".join(WORDS)
        violations = requests.get(f"{run.url}/__gatewright/violations", timeout=10).json()
    assert violations["violations"] == []
    recordings = [r for r in load_recordings(records) if r.operation == "createChatCompletion"]
    assert len(recordings) == 3  # none lost
    for recording in recordings:
        assert recording.response.complete and recording.conformant
        assert recording.response.events is not None and recording.response.events[-1] == "data: [DONE]"

    spec_path = tmp_path / "planted.openapi.json"
    spec_path.write_text(json.dumps(SPEC), encoding="utf-8")
    with serve_app(
        create_app(spec_path=spec_path, seed=7, access_log=False, replay=ReplaySettings(records, strict=True))
    ) as offline:
        assert _sdk_stream(offline) == "".join(WORDS)


def test_a_client_that_leaves_a_running_stream_is_recorded_cut_and_is_no_gateway_violation(
    tmp_path: Path,
) -> None:
    records = tmp_path / "records"
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with (
        serve_app(lingering_gateway(linger=0, forever=True)) as upstream,
        proxied(upstream=upstream, record_dir=records) as run,
    ):
        with requests.post(
            f"{run.url}/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {KEY}"},
            stream=True,
            timeout=10,
        ) as answer:
            first = next(answer.iter_content(chunk_size=None))
            assert first.startswith(b"data: ")
        violations = requests.get(f"{run.url}/__gatewright/violations", timeout=15).json()
    assert [v for v in violations["violations"] if v["side"] == "gateway"] == []
    [recording] = [r for r in load_recordings(records) if r.operation == "createChatCompletion"]
    assert recording.response.complete is False
    assert recording.response.events is not None and len(recording.response.events) >= 1
