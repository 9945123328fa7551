"""A task moved again after it was created, as empiriolabs' prose says, over a real socket: an agent
follow-up continues the named task (``follow_up``), a GPU instance's or a hosted agent's stop and start
change its status (``actions``). A ``ManualClock`` moves the tasks on, so no test waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gatewright.mock import create_app
from gatewright.mock.defaults import DEFAULT_TASK_DURATION, default_extensions
from gatewright.mock.tasks.clock import ManualClock

pytestmark = pytest.mark.asyncio(loop_scope="function")

Client = TestClient[web.Request, web.Application]
AUTH = {"Authorization": "Bearer sk-test"}


@pytest_asyncio.fixture
async def mock() -> AsyncIterator[tuple[Client, ManualClock]]:
    clock = ManualClock()
    app = create_app(
        ["empiriolabs"], seed=4, access_log=False, extensions=default_extensions(seed=4, task_clock=clock)
    )
    async with TestClient(TestServer(app)) as client:
        yield client, clock


async def _json(client: Client, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = await client.request(method, path, json=body, headers=AUTH)
    return response.status, await response.json()


async def test_a_follow_up_continues_the_named_task(mock: tuple[Client, ManualClock]) -> None:
    client, clock = mock
    status, started = await _json(client, "POST", "/v1/agents/run", {"model": "manus", "input": "Research X"})
    assert status == 202 and started["status"] == "queued"
    task_id = started["task_id"]
    clock.advance(DEFAULT_TASK_DURATION)
    status, done = await _json(client, "GET", f"/v1/agents/{task_id}")
    assert (status, done["status"]) == (200, "completed")

    follow = {"model": "manus", "input": "Also include valuations.", "task_id": task_id}
    status, followed = await _json(client, "POST", "/v1/agents/run", follow)
    assert status == 202
    assert followed["task_id"] == task_id and followed["status"] == "queued"
    assert followed["poll_url"] == f"/v1/agents/{task_id}"
    status, again = await _json(client, "GET", f"/v1/agents/{task_id}")
    assert (status, again["task_id"], again["status"]) == (200, task_id, "queued")
    clock.advance(DEFAULT_TASK_DURATION)
    status, ended = await _json(client, "GET", f"/v1/agents/{task_id}")
    assert (ended["task_id"], ended["status"]) == (task_id, "completed")
    tasks = (await _json(client, "GET", "/__gatewright/state"))[1]["tasks"]["tasks"]
    assert [task["id"] for task in tasks] == [task_id]  # no second task was started


async def test_a_follow_up_of_a_running_task_keeps_it_running(mock: tuple[Client, ManualClock]) -> None:
    client, clock = mock
    task_id = (await _json(client, "POST", "/v1/agents/run", {"model": "manus", "input": "Go"}))[1]["task_id"]
    clock.advance(DEFAULT_TASK_DURATION / 2)
    assert (await _json(client, "GET", f"/v1/agents/{task_id}"))[1]["status"] == "running"
    follow = {"model": "manus", "input": "And more.", "task_id": task_id}
    status, followed = await _json(client, "POST", "/v1/agents/run", follow)
    assert (status, followed["task_id"], followed["status"]) == (202, task_id, "running")
    clock.advance(
        DEFAULT_TASK_DURATION * 0.75
    )  # past the first run's end: the new message is still worked on
    assert (await _json(client, "GET", f"/v1/agents/{task_id}"))[1]["status"] == "running"
    clock.advance(DEFAULT_TASK_DURATION)
    assert (await _json(client, "GET", f"/v1/agents/{task_id}"))[1]["status"] == "completed"


@pytest.mark.parametrize(("prefer", "end"), [("fail", "failed"), ("hang", "running")])
async def test_a_follow_up_of_a_running_task_keeps_the_end_it_was_set_for(
    mock: tuple[Client, ManualClock], prefer: str, end: str
) -> None:
    """A task created to fail (or to hang) and followed up while running ran to ``completed``: the
    follow-up, sending no ``Prefer: task=``, set it to succeed. It keeps running, as the prose says, so it
    ends as it was set to; a follow-up that says ``Prefer: task=`` itself sets this run's end."""
    client, clock = mock
    started = await client.post(
        "/v1/agents/run", json={"model": "manus", "input": "Go"}, headers={**AUTH, "Prefer": f"task={prefer}"}
    )
    task_id = (await started.json())["task_id"]
    clock.advance(DEFAULT_TASK_DURATION / 2)
    assert (await _json(client, "GET", f"/v1/agents/{task_id}"))[1]["status"] == "running"
    follow = {"model": "manus", "input": "And more.", "task_id": task_id}
    assert (await _json(client, "POST", "/v1/agents/run", follow))[0] == 202
    clock.advance(DEFAULT_TASK_DURATION * 3)
    assert (await _json(client, "GET", f"/v1/agents/{task_id}"))[1]["status"] == end
    steered = await client.post("/v1/agents/run", json=follow, headers={**AUTH, "Prefer": "task=succeed"})
    assert steered.status == 202
    clock.advance(DEFAULT_TASK_DURATION * 3)
    assert (await _json(client, "GET", f"/v1/agents/{task_id}"))[1]["status"] == "completed"


async def test_a_follow_up_of_an_unknown_task_is_refused(mock: tuple[Client, ManualClock]) -> None:
    client, _ = mock
    follow = {"model": "manus", "input": "Hello?", "task_id": "task_nobody"}
    status, body = await _json(client, "POST", "/v1/agents/run", follow)
    assert status == 404  # declared by normalize (lookup_not_found), in OpenAI's envelope
    assert body["error"]["param"] == "task_id" and body["error"]["type"] == "not_found_error"
    assert "task_nobody" in body["error"]["message"]


async def _running_gpu(client: Client, clock: ManualClock) -> str:
    status, made = await _json(client, "POST", "/v1/gpu/instances", {"gpu_slug": "rtx-4090", "mode": "model"})
    assert status == 200 and made["instance"]["status"] == "provisioning"
    clock.advance(DEFAULT_TASK_DURATION)
    instance_id: str = made["instance"]["id"]
    assert (await _json(client, "GET", f"/v1/gpu/instances/{instance_id}"))[1]["instance"][
        "status"
    ] == "running"
    return instance_id


async def _gpu_status(client: Client, instance_id: str) -> str:
    status, body = await _json(client, "GET", f"/v1/gpu/instances/{instance_id}")
    assert status == 200
    found: str = body["instance"]["status"]
    return found


async def test_gpu_stop_then_start(mock: tuple[Client, ManualClock]) -> None:
    client, clock = mock
    instance_id = await _running_gpu(client, clock)
    status, stopping = await _json(client, "POST", f"/v1/gpu/instances/{instance_id}/stop")
    assert status == 200
    assert (stopping["instance"]["id"], stopping["instance"]["status"]) == (instance_id, "stopping")
    assert await _gpu_status(client, instance_id) == "stopping"
    clock.advance(DEFAULT_TASK_DURATION)
    assert await _gpu_status(client, instance_id) == "stopped"
    status, body = await _json(client, "GET", f"/v1/gpu/instances/{instance_id}")
    assert body["instance"]["connect_path"] is None and body["instance"]["error"] is None

    status, starting = await _json(client, "POST", f"/v1/gpu/instances/{instance_id}/start")
    assert (status, starting["instance"]["status"]) == (200, "provisioning")
    clock.advance(DEFAULT_TASK_DURATION)
    assert await _gpu_status(client, instance_id) == "running"
    status, refreshed = await _json(client, "POST", f"/v1/gpu/instances/{instance_id}/refresh")
    assert (status, refreshed["instance"]["status"]) == (200, "running")
    assert await _gpu_status(client, instance_id) == "running"


async def test_gpu_action_the_status_does_not_allow_changes_nothing(mock: tuple[Client, ManualClock]) -> None:
    """The action route documents no error for it (only 200, and 400/404), so a start of a running GPU
    answers it as it is, as cloud APIs answer a repeated start."""
    client, clock = mock
    instance_id = await _running_gpu(client, clock)
    status, body = await _json(client, "POST", f"/v1/gpu/instances/{instance_id}/start")
    assert (status, body["instance"]["status"]) == (200, "running")
    clock.advance(DEFAULT_TASK_DURATION)
    assert await _gpu_status(client, instance_id) == "running"


async def test_gpu_action_on_an_unknown_instance_is_not_found(mock: tuple[Client, ManualClock]) -> None:
    client, _ = mock
    status, body = await _json(client, "POST", "/v1/gpu/instances/nobody/stop")
    assert status == 404 and "nobody" in body["error"]["message"]


async def _running_agent(client: Client, clock: ManualClock) -> str:
    status, made = await _json(client, "POST", "/v1/hosted-agents/instances", {"agent_type": "openclaw"})
    assert status == 201 and made["instance"]["status"] in {"provisioning", "draft"}, made
    clock.advance(DEFAULT_TASK_DURATION)
    instance_id: str = made["instance"]["id"]
    assert await _agent_status(client, instance_id) == "running"
    return instance_id


async def _agent_status(client: Client, instance_id: str) -> str:
    status, body = await _json(client, "GET", f"/v1/hosted-agents/instances/{instance_id}")
    assert status == 200, body
    found: str = body["instance"]["status"]
    return found


async def test_hosted_agent_stop_start_restart_and_refresh(mock: tuple[Client, ManualClock]) -> None:
    """ "Start, stop, restart, or refresh a hosted agent", as the GPU instances' actions do."""
    client, clock = mock
    instance_id = await _running_agent(client, clock)
    for action, shown, then in (
        ("stop", "stopping", "stopped"),
        ("start", "provisioning", "running"),
        ("restart", "provisioning", "running"),
        ("refresh", "running", "running"),
    ):
        status, body = await _json(client, "POST", f"/v1/hosted-agents/instances/{instance_id}/{action}")
        assert (status, body["instance"]["id"], body["instance"]["status"]) == (200, instance_id, shown), (
            action
        )
        assert await _agent_status(client, instance_id) == shown
        clock.advance(DEFAULT_TASK_DURATION)
        assert await _agent_status(client, instance_id) == then, action


async def test_hosted_agent_restart_of_a_stopped_agent_changes_nothing(
    mock: tuple[Client, ManualClock],
) -> None:
    client, clock = mock
    instance_id = await _running_agent(client, clock)
    await _json(client, "POST", f"/v1/hosted-agents/instances/{instance_id}/stop")
    clock.advance(DEFAULT_TASK_DURATION)
    status, body = await _json(client, "POST", f"/v1/hosted-agents/instances/{instance_id}/restart")
    assert (status, body["instance"]["status"]) == (200, "stopped")
    clock.advance(DEFAULT_TASK_DURATION)
    assert await _agent_status(client, instance_id) == "stopped"
