"""Serve an aiohttp app (the mock, or a test double) from a background thread for synchronous callers.

The conformance runner and most users' tests are synchronous, so the mock runs
on its own event loop in a daemon thread, bound to 127.0.0.1 on a free port.
Small synchronous clients of the mock's control API (``/__gatewright/``: reset,
health, rules, the request journal) sit next to it, and so do the objects behind
the pytest plugin's ``gatewright_mock`` fixture: the session's mocks
(``MockServers``) and one test's view of them (``GatewrightMock``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from aiohttp import web

from gatewright.loopback import CONTROL_PREFIX


class MockControlError(RuntimeError):
    """The mock's control API answered an error, e.g. a rules document it refuses (400)."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"{method} {CONTROL_PREFIX}{path} -> {status}: {message}")
        self.status = status
        self.message = message


@contextmanager
def serve_app(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (``http://127.0.0.1:<port>``)."""
    from gatewright.mock.front import MockRunner  # noqa: PLC0415 - keep `import gatewright.testing` light

    loop = asyncio.new_event_loop()
    runner = MockRunner(app, access_log=None, shutdown_timeout=0.1)  # as ``gatewright mock`` serves
    ready = threading.Event()
    bound: list[int] = []
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, host, port).start())
            bound.append(int(runner.addresses[0][1]))
        except BaseException as exc:  # report startup failures to the caller's thread
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="gatewright-server", daemon=True)
    thread.start()
    ready.wait(30)
    if failure or not bound:
        loop.close()
        raise RuntimeError(f"could not start the server: {failure[0] if failure else 'timeout'}")
    try:
        yield f"http://{host}:{bound[0]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


@contextmanager
def running_mock(apis: Sequence[str], *, seed: int | None = 0) -> Iterator[str]:
    """The gatewright mock for ``apis``, in process; one API is served at the root of the yielded URL."""
    from gatewright.mock import create_app  # noqa: PLC0415 - keep `import gatewright.testing` light

    with serve_app(create_app(apis=list(apis), seed=seed, access_log=False)) as url:
        yield url


def _control(
    base_url: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    content_type: str = "application/json",
    timeout: float = 10.0,
) -> Any:
    """One control API call; its JSON answer, or ``MockControlError`` with the mock's message."""
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}{CONTROL_PREFIX}{path}", data=body, method=method
    )
    if body is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise MockControlError(method, path, exc.code, _error_message(exc.read(), exc.reason)) from None
    return json.loads(raw) if raw else None


def _error_message(raw: bytes, fallback: object) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace").strip() or str(fallback)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return json.dumps(data)


def reset_mock(base_url: str, timeout: float = 10.0) -> None:
    """Forget stored resources, tasks, runtime rules and the journal (``POST /__gatewright/reset``)."""
    _control(base_url, "POST", "/reset", body=b"", timeout=timeout)


def mock_health(base_url: str, timeout: float = 10.0) -> dict[str, object]:
    data = _control(base_url, "GET", "/health", timeout=timeout)
    return data if isinstance(data, dict) else {"status": data}


def add_rules(base_url: str, document: str | Mapping[str, Any], timeout: float = 10.0) -> list[str]:
    """Add a rules document (YAML/JSON text, or a mapping) at runtime; returns the new rules' ids.

    The mock checks every rule against the spec and adds all or none: a refused document
    raises ``MockControlError`` (``status`` 400) carrying the mock's message, which names
    the rule, the field and the reason.
    """
    if isinstance(document, str):
        body, content_type = document.encode("utf-8"), "application/yaml"
    else:
        body, content_type = json.dumps(dict(document)).encode("utf-8"), "application/json"
    data = _control(base_url, "POST", "/rules", body=body, content_type=content_type, timeout=timeout)
    return [str(rule_id) for rule_id in data["ids"]]


def remove_rules(base_url: str, ids: Sequence[str] | None = None, timeout: float = 10.0) -> None:
    """Remove these runtime rules (ids already gone are ignored), or every runtime rule when ``ids`` is None.

    Rules loaded from files stay until the mock stops.
    """
    if ids is None:
        _control(base_url, "DELETE", "/rules", timeout=timeout)
        return
    for rule_id in ids:
        try:
            _control(base_url, "DELETE", f"/rules/{urllib.parse.quote(rule_id, safe='')}", timeout=timeout)
        except MockControlError as exc:
            if exc.status != 404:
                raise


def mock_requests(
    base_url: str, header: tuple[str, str] | str | None = None, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The request journal since the last reset, oldest first, credentials redacted.

    ``header=("x-test-id", "t-42")``, or ``"x-test-id:t-42"`` as the control API spells it, keeps
    only the requests that carried that header value; a string that is not ``NAME:VALUE`` is refused
    by the mock (``MockControlError``, 400, naming the form).
    """
    wanted = header if isinstance(header, str) else f"{header[0]}:{header[1]}" if header else None
    query = (
        f"?{urllib.parse.urlencode({'header': wanted})}" if wanted else ""
    )  # the mock reads (and refuses) it
    data = _control(base_url, "GET", f"/requests{query}", timeout=timeout)
    return list(data["requests"])


class MockServers:
    """A test session's mocks: one per API, each serving it at its root, started on first use."""

    def __init__(self, *, seed: int | None = 0) -> None:
        self.seed = seed
        self._urls: dict[str, str] = {}
        self._stack = ExitStack()

    def url(self, api: str) -> str:
        if api not in self._urls:
            self._urls[api] = self._stack.enter_context(running_mock([api], seed=self.seed))
        return self._urls[api]

    def close(self) -> None:
        self._urls.clear()
        self._stack.close()


class GatewrightMock:
    """One test's view of the session's mocks (the ``gatewright_mock`` fixture).

    ``mock("voxvey")`` is that API's base URL, its mock reset on the test's first use, so
    every test starts empty; ``rules`` and ``requests`` program and read that mock. Rules
    added here are removed by ``close()`` when the test ends, pass or fail.
    """

    def __init__(self, servers: MockServers) -> None:
        self._servers = servers
        self._reset: set[str] = set()
        self._added: dict[str, list[str]] = {}

    def __call__(self, api: str) -> str:
        url = self._servers.url(api)
        if api not in self._reset:
            reset_mock(url)
            self._reset.add(api)
        return url

    def rules(self, api: str, document: str | Mapping[str, Any]) -> list[str]:
        """Add rules to ``api``'s mock for this test; their ids (``MockControlError`` if refused)."""
        ids = add_rules(self(api), document)
        self._added.setdefault(api, []).extend(ids)
        return ids

    def requests(self, api: str, header: tuple[str, str] | str | None = None) -> list[dict[str, Any]]:
        """What ``api``'s mock received since this test started, optionally only with ``header``."""
        return mock_requests(self(api), header)

    def close(self) -> None:
        added, self._added = self._added, {}
        for api, ids in added.items():
            remove_rules(self._servers.url(api), ids)
