"""The tests' own ``redis-server`` (tests/redis_server.py) does what the shared-store tests rely on."""

from __future__ import annotations

import redis

from redis_server import RedisServer


def test_restart_loses_everything_keep_data_keeps_it_and_down_refuses(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url, socket_connect_timeout=1)
    try:
        client.set("fixture:a", b"1")
        redis_server.restart(keep_data=True)
        assert client.get("fixture:a") == b"1"
        redis_server.restart()
        assert client.get("fixture:a") is None
        client.set("fixture:b", b"2")
        with redis_server.down():
            assert not redis_server.ping()
        assert redis_server.ping() and client.get("fixture:b") is None
        assert redis_server.url.endswith(f":{redis_server.port}/0")
    finally:
        client.close()
