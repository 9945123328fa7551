"""A key the gateway streams back in pieces reaches no report, violation list or recording."""

from __future__ import annotations

import json
from pathlib import Path

import requests
from aiohttp import web
from proxy_upstream import CHUNK, KEY, proxied

from gatewright.testing import serve_app

PIECES = (KEY[:9], KEY[9:20], KEY[20:])


def _chunk(text: str) -> bytes:
    delta = {**CHUNK, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(delta)}\n\n".encode()


def _echoing_upstream() -> web.Application:
    """A gateway whose model repeats the caller's key a few characters at a time, and whose stream
    never sends ``[DONE]`` (a violation: the report shows the body)."""

    async def chat(request: web.Request) -> web.StreamResponse:
        await request.read()
        key = request.headers["Authorization"].removeprefix("Bearer ")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for piece in ("Your key is ", key[:9], key[9:20], key[20:], "."):
            await response.write(_chunk(piece))
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    return app


def test_a_key_streamed_back_in_pieces_is_written_nowhere(tmp_path: Path) -> None:
    records, reports = tmp_path / "records", tmp_path / "reports"
    with serve_app(_echoing_upstream()) as upstream, proxied(upstream=upstream, record_dir=records) as run:
        answer = requests.post(
            f"{run.url}/v1/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=10,
        )
        assert answer.status_code == 200 and KEY[9:20] in answer.text  # the client gets what was sent
        listed = requests.get(f"{run.url}/__gatewright/violations", timeout=10).json()
        run.proxy.write_reports(reports)
        lines = run.out.getvalue()
    assert [v["check"] for v in listed["violations"]] == ["stream_terminates"]
    written = {
        path.name: path.read_text(encoding="utf-8") for path in [*reports.iterdir(), *records.rglob("*.json")]
    }
    written |= {"violations": json.dumps(listed), "lines": lines}
    assert len(written) == 3 + 1 + 2
    for name, text in written.items():
        assert not [piece for piece in PIECES if piece in text], name
