"""What replicas exchange (``mock.shared``): values, the stores that hold them, and the error a
request meets while Redis is away.

A store that replicas share implements ``Shared``: its state as keys and values, which are JSON,
bytes, or ``Packed`` (JSON and bytes: an upload and what is known of it), never pickles: a Redis
shared by two teams must not be able to run code in either's mock. ``encode``/``decode`` write them
as Redis holds them: a one-byte tag, then the value.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from gatewright.mock.shared import Ledger

__all__ = ["KEY_SEP", "REDIS_TIMEOUT", "Packed", "Shared", "StoreUnavailable", "decode", "encode"]

KEY_SEP = "\x1f"  # between a store's name and its key, and between the parts of a key
REDIS_TIMEOUT = 2.0  # seconds for a Redis answer before the store counts as unavailable


class StoreUnavailable(Exception):
    """Redis does not answer (or lost the namespace mid-way); the replica answers 503 meanwhile."""


@dataclass(frozen=True, slots=True)
class Packed:
    """A JSON value with bytes beside it (an upload: its bytes and what is known of them)."""

    meta: Any
    data: bytes


class Shared(Protocol):
    """A store whose state is keys and values that replicas share (see the module docstring).

    ``ledger`` is None with the default in-memory store (the store notes nothing: no cost); with a
    shared one, ``Ledger.register`` sets it and the store calls ``ledger.note`` on every change."""

    shared_name: str
    ledger: Ledger | None

    def shared_items(self) -> Iterable[tuple[str, Any]]:
        """Everything the store holds, as (key, value): published again after Redis lost its data."""
        ...

    def shared_apply(self, key: str, value: Any) -> None:
        """Take a change another replica made (``None``: the key is gone); note nothing."""
        ...

    def shared_clear(self) -> None:
        """Forget every shared key (before a reload)."""
        ...


def encode(value: Any) -> bytes:
    if isinstance(value, Packed):
        meta = json.dumps(value.meta, separators=(",", ":")).encode()
        return b"p" + struct.pack(">I", len(meta)) + meta + value.data
    if isinstance(value, bytes | bytearray):
        return b"b" + bytes(value)
    return b"j" + json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def decode(raw: bytes) -> Any:
    tag, rest = raw[:1], raw[1:]
    if tag == b"p":
        (size,) = struct.unpack(">I", rest[:4])
        return Packed(json.loads(rest[4 : 4 + size]), rest[4 + size :])
    if tag == b"b":
        return rest
    if tag == b"j":
        return json.loads(rest)
    raise ValueError(f"not a shared value: {raw[:16]!r}")
