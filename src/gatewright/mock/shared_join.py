"""Joining a namespace of replicas in Redis (``gatewright mock --store``): each replica's number, so
ids drawn by different replicas never collide, and the namespace's link secret, so a result link one
replica signs is served by any other."""

from __future__ import annotations

import secrets

import redis

from gatewright.mock.shared_values import REDIS_TIMEOUT, StoreUnavailable

__all__ = ["join"]


def join(url: str, prefix: str) -> tuple[int, bytes]:
    """This replica's number in the namespace (0 for the first to join) and the namespace's link
    secret (result links one replica signs, any other serves); ``StoreUnavailable`` when Redis does
    not answer. Synchronous: it runs before the app is built (the seed depends on the number)."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        try:
            number = int(client.incr(f"{prefix}:replicas")) - 1
            client.set(f"{prefix}:link-secret", secrets.token_bytes(32), nx=True)
            secret = client.get(f"{prefix}:link-secret")
            assert isinstance(secret, bytes)
            return number, secret
        finally:
            client.close()
    except redis.RedisError as exc:
        raise StoreUnavailable(f"Redis at {url} does not answer: {exc}") from None
