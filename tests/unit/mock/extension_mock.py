"""The mock with its task and stream extensions on a ``ManualClock``, served in process for unit tests.

The ``mock`` and ``make_mock`` fixtures (tests/unit/mock/conftest.py) build it from the module's spec
(``spec_path``, tests/conftest.py): tasks take 10 s, the first 1 s of it queued, ids from seed 1, and
agent-turn streams follow the task engine every 10 ms. ``mock.clock.advance(s)`` moves time on.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from gatewright.mock import create_app
from gatewright.mock.streaming.extension import StreamExtension
from gatewright.mock.tasks import ManualClock, TaskTiming
from gatewright.mock.tasks.extension import TaskExtension

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]


class ExtensionMock:
    """An aiohttp test client of the mock (``client``) and the clock its tasks run on (``clock``)."""

    def __init__(self, client: Client, clock: ManualClock) -> None:
        self.client = client
        self.clock = clock

    async def json(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with self.client.request(method, path, **kwargs) as response:
            return response.status, await response.json()

    async def create(self, path: str, **headers: str) -> dict[str, Any]:
        """``POST path`` with a prompt: the created task's body (200 expected)."""
        status, body = await self.json("POST", path, json={"prompt": "hi"}, headers=headers)
        assert status == 200, body
        assert isinstance(body, dict)
        return body

    async def turn(self, **headers: str) -> str:
        """Start an agent turn (``POST /v1/agent-turns``); its ``request_id``."""
        async with self.client.post("/v1/agent-turns", json={"input": "hi"}, headers=headers) as response:
            assert response.status == 200
            body = await response.json()
        return str(body["request_id"])

    async def events(self, turn_id: str, **headers: str) -> list[dict[str, Any]]:
        """The data of every event the turn's SSE stream sends until it ends."""
        async with self.client.get(f"/v1/agent-turns/{turn_id}/events", headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            text = await response.text()
        return [_data(block) for block in text.split("\n\n") if block.strip()]


def _data(block: str) -> dict[str, Any]:
    line = next(line for line in block.splitlines() if line.startswith("data: "))
    payload: dict[str, Any] = json.loads(line.removeprefix("data: "))
    return payload


async def serve_extensions(
    make_client: MakeClient, spec_path: Path, *, retention: float | None = None
) -> ExtensionMock:
    """The mock of ``spec_path`` with the extensions above; ``retention`` overrides every task's."""
    clock = ManualClock()
    tasks = TaskExtension(
        clock=clock, timing=TaskTiming(duration=10.0, queued=1.0), retention=retention, seed=1
    )
    streams = StreamExtension(tasks=tasks.engine, follow_interval=0.01)
    app = create_app(spec_path=spec_path, extensions=[tasks, streams], access_log=False)
    return ExtensionMock(await make_client(app), clock)
