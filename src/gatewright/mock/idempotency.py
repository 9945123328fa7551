"""Idempotency keys (``x-gatewright-idempotency``): a retried request gets the first answer again.

An operation that declares ``{"header": NAME}`` is answered once per key: the first request carrying
the key runs as usual and its answer (status, headers, body) is kept; a later one with the same key
and the same request (method, path, query, body) gets that answer again, byte for byte, and creates
nothing. A retry that races the first waits for it. The same key on a different request is the
client's error: 422 where the operation documents it (the IETF Idempotency-Key draft's answer to a
reused key), else 409 where documented, else the first answer again.

Only successful, non-streamed answers are kept: a failure (a fault, a 429) leaves the key free, so a
retry is a real retry; a stream has been sent and is not replayed. Answers are kept per API under a
byte budget, the oldest dropped first; ``reset`` forgets them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gatewright.mock.outcome import error_response
from gatewright.mock.shared_values import KEY_SEP, Packed

if TYPE_CHECKING:
    from gatewright.mock.operations import MockApi, MockOperation
    from gatewright.mock.shared import Ledger

__all__ = ["DEFAULT_BUDGET", "IdempotentAnswers"]

DEFAULT_BUDGET = 16 * 1024 * 1024  # bytes of kept answer bodies
_REUSED = (422, 409)  # a key sent again with another request: the first of these the operation documents
_NOT_KEPT = frozenset({"content-length", "date", "server", "transfer-encoding"})

_Slot = tuple[str, str]  # (api, key)


@dataclass(frozen=True, slots=True)
class _Kept:
    fingerprint: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def response(self) -> web.Response:
        return web.Response(status=self.status, body=self.body, headers=list(self.headers))

    def packed(self) -> Packed:
        meta = {
            "fingerprint": self.fingerprint,
            "status": self.status,
            "headers": [list(h) for h in self.headers],
        }
        return Packed(meta, self.body)


class IdempotentAnswers:
    """The answers kept per idempotency key; see the module docstring. Also a ``mock.shared.Shared``
    store ("api\x1fkey" -> the answer, ``Packed``), so a retry that reaches another replica gets
    the first answer too (a retry racing the first on another replica is not held back)."""

    shared_name = "idempotency"

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.ledger: Ledger | None = None
        self._kept: OrderedDict[_Slot, _Kept] = OrderedDict()
        self._used = 0
        self._running: dict[_Slot, asyncio.Future[None]] = {}

    async def answer(
        self,
        api: MockApi,
        op: MockOperation,
        request: web.Request,
        body: Any,
        respond: Callable[[], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """``respond()``'s answer, or the one kept for the request's key (see the module docstring)."""
        header = op.idempotency
        key = request.headers.get(header) if header is not None else None
        if not key:
            return await respond()
        slot = (api.name, key)
        running = self._running.get(slot)
        if running is not None:
            await asyncio.shield(running)
        fingerprint = _fingerprint(request, body)
        kept = self._kept.get(slot)
        if kept is not None:
            if kept.fingerprint == fingerprint:
                return kept.response()
            status = next((code for code in _REUSED if op.documents(code)), None)
            if status is None:
                return kept.response()
            message = f"{header} {key!r} was already used with another request"
            return error_response(api, op, status, message)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._running[slot] = done
        try:
            response = await respond()
            self._keep(slot, fingerprint, response)
            return response
        finally:
            del self._running[slot]
            done.set_result(None)

    def reset(self) -> None:
        self.shared_clear()

    # shared with other replicas (``mock.shared``)
    def shared_items(self) -> Iterator[tuple[str, Any]]:
        for (api, key), kept in self._kept.items():
            yield f"{api}{KEY_SEP}{key}", kept.packed()

    def shared_apply(self, key: str, value: Any) -> None:
        api, _, name = key.partition(KEY_SEP)
        if isinstance(value, Packed):
            meta = value.meta
            headers = tuple((name, text) for name, text in meta["headers"])
            self._store((api, name), _Kept(meta["fingerprint"], meta["status"], headers, value.data))

    def shared_clear(self) -> None:
        self._kept.clear()
        self._used = 0

    def __len__(self) -> int:
        return len(self._kept)

    def _keep(self, slot: _Slot, fingerprint: str, response: web.StreamResponse) -> None:
        body = response.body if type(response) is web.Response else None
        if not isinstance(body, bytes) or not 200 <= response.status < 300 or len(body) > self.budget:
            return
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT)
        kept = _Kept(fingerprint, response.status, headers, body)
        self._store(slot, kept)
        if self.ledger is not None:
            self.ledger.note(self.shared_name, f"{slot[0]}{KEY_SEP}{slot[1]}", kept.packed())

    def _store(self, slot: _Slot, kept: _Kept) -> None:
        previous = self._kept.pop(slot, None)
        self._used -= len(previous.body) if previous is not None else 0
        self._kept[slot] = kept
        self._used += len(kept.body)
        while self._used > self.budget:
            _, dropped = self._kept.popitem(last=False)
            self._used -= len(dropped.body)


def _fingerprint(request: web.Request, body: Any) -> str:
    """What makes two requests the same one: method, path, query and the parsed body."""
    query = sorted(request.query.items())
    text = json.dumps(
        [request.method, request.path, query, body], sort_keys=True, default=_opaque, ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _opaque(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return hashlib.sha256(value).hexdigest()
    return repr(value)
