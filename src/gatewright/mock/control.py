"""The mock's own API under ``/__gatewright/``: health, reset, state, rules and the request journal.

Routes and answer shapes are documented in docs/control-api.md.

| route | |
|---|---|
| ``GET /__gatewright/health`` | liveness and the served APIs |
| ``POST /__gatewright/reset`` | forget resources, tasks, runtime rules, counters, quotas, the journal |
| ``GET /__gatewright/state`` | stored resources and each extension's state |
| ``GET/POST/DELETE /__gatewright/rules``, ``DELETE /__gatewright/rules/{id}`` | rules |
| ``GET /__gatewright/requests[?header=NAME:VALUE]`` | the journal, credentials redacted |

The journal is streamed: its entries are rendered a few at a time on a worker thread and written
as they are, so reading tens of megabytes of it neither builds the answer in one piece nor holds
the event loop (a health check meanwhile answers at once).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from gatewright.loopback import CONTROL_PREFIX as PREFIX
from gatewright.mock.journal import journal_chunks
from gatewright.mock.keys import APIS, CONTROL, EXTENSIONS, GUARD, LEDGER, RULES, STORE
from gatewright.mock.rules import RuleError


async def health(request: web.Request) -> web.Response:
    apis = request.app[APIS]
    return web.json_response(
        {"status": "ok", "apis": {name: api.prefix or "/" for name, api in apis.items()}}
    )


def reset_state(app: web.Application) -> None:
    """Forget what this process holds (with replicas, the ledger empties the shared namespace, and each
    other replica calls this when it sees that)."""
    app[STORE].reset()
    app[CONTROL].reset()
    for api in app[APIS].values():
        api.errors.reset()
    for extension in app[EXTENSIONS]:
        extension.reset()


async def reset(request: web.Request) -> web.Response:
    reset_state(request.app)
    ledger = request.app.get(LEDGER)
    if ledger is not None:
        await ledger.reset()
    return web.json_response({"status": "reset"})


async def resources(request: web.Request) -> web.Response:
    return web.json_response({"resources": request.app[STORE].snapshot()})


async def state(request: web.Request) -> web.Response:
    extensions: dict[str, Any] = {ext.name: ext.snapshot() for ext in request.app[EXTENSIONS]}
    return web.json_response({"resources": request.app[STORE].snapshot(), **extensions})


async def add_rules(request: web.Request) -> web.Response:
    """Checked on a worker thread: ten thousand rules take a second or so to read and check against
    the spec, while the loop keeps answering; they are put in force on the loop, all or none."""
    raw = await request.read()
    book = request.app[RULES]
    try:
        rules = await asyncio.to_thread(book.parse, raw.decode("utf-8", errors="replace"))
    except RuleError as exc:
        return web.json_response({"error": {"message": str(exc), "type": "invalid_rules"}}, status=400)
    return web.json_response({"ids": book.install(rules)}, status=201)


async def list_rules(request: web.Request) -> web.Response:
    return web.json_response({"rules": await request.app[RULES].describe()})


async def clear_rules(request: web.Request) -> web.Response:
    request.app[RULES].clear()
    return web.json_response({"status": "cleared"})


async def remove_rule(request: web.Request) -> web.Response:
    rule_id = request.match_info["rule_id"]
    if not request.app[RULES].remove(rule_id):
        message = f"no runtime rule {rule_id!r} (rules from files stay until the mock stops)"
        return web.json_response({"error": {"message": message, "type": "not_found"}}, status=404)
    return web.json_response({"id": rule_id, "deleted": True})


async def requests(request: web.Request) -> web.StreamResponse:
    wanted = request.query.get("header")
    header: tuple[str, str] | None = None
    if wanted is not None:
        name, sep, value = wanted.partition(":")
        if not sep or not name.strip():
            message = "header filter is NAME:VALUE, e.g. ?header=x-test-id:t-42"
            return web.json_response({"error": {"message": message, "type": "invalid_request"}}, status=400)
        header = (name.strip(), value.strip())
    chunks = journal_chunks(await request.app[CONTROL].all_journal(), header)
    response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
    await response.prepare(request)
    while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
        await response.write(chunk)
    await response.write_eof()
    return response


def setup_control(app: web.Application) -> None:
    """The control routes, each behind the app's ``GUARD`` (only the developer drives them)."""
    guarded = app[GUARD].guarded
    app.router.add_get(f"{PREFIX}/health", guarded(health))
    app.router.add_post(f"{PREFIX}/reset", guarded(reset))
    app.router.add_get(f"{PREFIX}/resources", guarded(resources))
    app.router.add_get(f"{PREFIX}/state", guarded(state))
    app.router.add_get(f"{PREFIX}/rules", guarded(list_rules))
    app.router.add_post(f"{PREFIX}/rules", guarded(add_rules))
    app.router.add_delete(f"{PREFIX}/rules", guarded(clear_rules))
    app.router.add_delete(f"{PREFIX}/rules/{{rule_id}}", guarded(remove_rule))
    app.router.add_get(f"{PREFIX}/requests", guarded(requests))
