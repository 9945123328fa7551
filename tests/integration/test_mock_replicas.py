"""Two mock processes sharing one real Redis (``--store redis://…``): what one is given, the other keeps.

Each test starts two ``gatewright mock`` processes on their own ports under a prefix of its own, against
the session's ``redis-server`` (tests/conftest.py), and drives them over HTTP as a client behind a load
balancer would: one request to A, the next to B.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from redis_server import RedisServer, free_port

pytestmark = pytest.mark.slow  # mock replicas as processes sharing a real redis-server

AUTH = {"Authorization": "Bearer sk-replicas"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Is it sunny?"}]}
TERMINAL = {"completed", "failed", "cancelled"}


class Replica:
    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url, self.process = url, process

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self._send("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", path, **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**AUTH, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kwargs)

    def delete(self, path: str) -> requests.Response:
        return requests.delete(f"{self.url}{path}", headers=AUTH, timeout=10)

    def chat(self, **headers: str) -> requests.Response:
        return self.post("/empiriolabs/v1/chat/completions", json=CHAT, headers=headers)


@contextmanager
def replica(store: str, prefix: str, *extra: str) -> Iterator[Replica]:
    port = free_port()
    command = [sys.executable, "-m", "gatewright", "mock", "--port", str(port), "--quiet", "--seed", "3"]
    command += ["--api", "voxvey", "--api", "ipop", "--api", "empiriolabs", "--task-duration", "1.5"]
    process = subprocess.Popen([*command, "--store", store, "--store-prefix", prefix, *extra])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the mock stopped"
            try:
                if requests.get(f"{url}/__gatewright/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the mock did not start"
            time.sleep(0.1)
        yield Replica(url, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def two(redis_url: str, *extra: str) -> Iterator[tuple[Replica, Replica]]:
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    with replica(redis_url, prefix, *extra) as a, replica(redis_url, prefix, *extra) as b:
        yield a, b


def _video(on: Replica) -> str:
    created = on.post("/voxvey/v1/videos", json={"model": "openai/sora-2", "prompt": "a lighthouse"})
    assert created.status_code == 200, created.text
    return str(created.json()["id"])


def _poll_to_end(on: Replica, video_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        polled = on.get(f"/voxvey/v1/videos/{video_id}")
        assert polled.status_code == 200, polled.text
        body: dict[str, Any] = polled.json()
        if body["status"] in TERMINAL:
            return body
        assert time.monotonic() < deadline, f"still {body['status']}"
        time.sleep(0.2)


def _upload(on: Replica, data: bytes) -> dict[str, Any]:
    created = on.post(
        "/ipop/v1/files",
        params={"purpose": "batch", "filename": "in.jsonl"},
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert created.status_code == 200, created.text
    return dict(created.json())


def test_a_task_created_on_one_replica_is_polled_to_its_end_on_the_other(redis_url: str) -> None:
    with two(redis_url) as (a, b):
        video_id = _video(a)
        seen_on_b = b.get(f"/voxvey/v1/videos/{video_id}")
        assert seen_on_b.status_code == 200 and seen_on_b.json()["model"] == "openai/sora-2"
        ended = _poll_to_end(b, video_id)
        assert ended["status"] == "completed" and ended["progress"] == 100
        on_a = a.get(f"/voxvey/v1/videos/{video_id}").json()
        assert (on_a["status"], on_a["completed_at"]) == ("completed", ended["completed_at"])


def test_a_file_uploaded_on_one_replica_is_downloaded_from_the_other_and_deleted_everywhere(
    redis_url: str,
) -> None:
    data = bytes(range(256)) * 40 + b'{"custom_id":"r1"}\n'
    with two(redis_url) as (a, b):
        meta = _upload(a, data)
        content = b.get(f"/ipop/v1/files/{meta['id']}/content")
        assert content.status_code == 200 and content.content == data
        assert hashlib.sha256(content.content).hexdigest() == meta["sha256"]
        assert b.delete(f"/ipop/v1/files/{meta['id']}").ok
        assert a.get(f"/ipop/v1/files/{meta['id']}/content").status_code == 404
        assert a.get(f"/ipop/v1/files/{meta['id']}").status_code == 404


def test_a_rule_posted_on_one_replica_answers_on_the_other_and_its_times_are_shared(redis_url: str) -> None:
    rule = {"rules": [{"when": {"contains": "sunny"}, "then": {"status": 429}, "times": 2}]}
    with two(redis_url) as (a, b):
        assert a.post("/__gatewright/rules", json=rule).status_code == 201
        assert [b.chat().status_code, a.chat().status_code, b.chat().status_code] == [429, 429, 200]
        for one in (a, b):
            (described,) = one.get("/__gatewright/rules").json()["rules"]
            assert described["matched"] == 2
        assert b.delete("/__gatewright/rules").ok
        assert a.get("/__gatewright/rules").json()["rules"] == []


def test_rpm_holds_across_replicas(redis_url: str) -> None:
    with two(redis_url, "--rpm", "10") as (a, b):
        statuses = [(a if n % 2 else b).chat().status_code for n in range(10)]
        assert statuses == [200] * 10
        refused = a.chat()
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert b.chat().status_code == 429


def _at_once(a: Replica, b: Replica, count: int) -> list[int]:
    """``count`` chat requests sent together, half to each replica: the statuses."""
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda n: (a if n % 2 else b).chat().status_code, range(count)))


def test_times_and_rpm_hold_for_requests_sent_to_both_replicas_at_once(redis_url: str) -> None:
    # Counted in Redis, one atomic step per request: replicas that each count what they saw admit
    # a limit's last request once per replica when requests arrive together.
    rule = {"rules": [{"when": {"contains": "sunny"}, "then": {"status": 502}, "times": 3}]}
    with two(redis_url) as (a, b):
        assert a.post("/__gatewright/rules", json=rule).status_code == 201
        for _round in range(3):
            statuses = _at_once(a, b, 16)
            assert statuses.count(502) == (3 if _round == 0 else 0), statuses
        for one in (a, b):
            (described,) = one.get("/__gatewright/rules").json()["rules"]
            assert described["matched"] == 3
    with two(redis_url, "--rpm", "7") as (a, b):
        statuses = _at_once(a, b, 24)
        assert statuses.count(200) == 7 and statuses.count(429) == 17, statuses


def test_the_journal_on_either_replica_shows_both_replicas_requests(redis_url: str) -> None:
    with two(redis_url) as (a, b):
        a.chat(**{"x-test-id": "from-a"})
        b.chat(**{"x-test-id": "from-b"})
        a.chat(**{"x-test-id": "from-a"})
        for one in (a, b):
            entries = one.get("/__gatewright/requests").json()["requests"]
            assert [entry["headers"]["x-test-id"] for entry in entries] == ["from-a", "from-b", "from-a"]
            assert entries[0]["headers"]["authorization"] != AUTH["Authorization"]  # redacted
        only_b = a.get("/__gatewright/requests", params={"header": "x-test-id:from-b"}).json()["requests"]
        assert len(only_b) == 1


def test_killing_a_replica_mid_lifecycle_leaves_the_other_answering_the_task_to_its_end(
    redis_url: str,
) -> None:
    with two(redis_url) as (a, b):
        video_id = _video(a)
        a.process.kill()
        a.process.wait(10)
        assert _poll_to_end(b, video_id)["status"] == "completed"


def test_a_reset_on_one_replica_resets_them_all(redis_url: str) -> None:
    with two(redis_url) as (a, b):
        meta = _upload(a, b"kept until reset\n")
        video_id = _video(b)
        assert a.post("/__gatewright/reset").ok
        assert b.get(f"/ipop/v1/files/{meta['id']}/content").content != b"kept until reset\n"  # generated
        assert b.get(f"/voxvey/v1/videos/{video_id}").status_code == 404
        after = [entry["path"] for entry in b.get("/__gatewright/requests").json()["requests"]]
        assert after == [f"/ipop/v1/files/{meta['id']}/content", f"/voxvey/v1/videos/{video_id}"]


def test_redis_away_is_503_in_the_api_envelope_then_nothing_stored_is_lost(
    redis_url: str, redis_server: RedisServer
) -> None:
    rule = {"rules": [{"when": {"contains": "sunny"}, "then": {"status": 429}}]}
    with two(redis_url) as (a, b):
        meta = _upload(a, b"survives a Redis restart\n")
        video_id = _video(b)
        assert a.post("/__gatewright/rules", json=rule).status_code == 201
        with redis_server.down():  # stopped without saving: it comes back empty
            away = b.get(f"/ipop/v1/files/{meta['id']}")
            assert away.status_code == 503
            assert "Redis" in away.json()["message"]  # in ipop's own error envelope (a flat one)
            assert a.chat().status_code == 503
        # Redis came back empty: within a second each replica (requests or not) publishes what it holds
        deadline = time.monotonic() + 10
        while b.chat().status_code != 429:  # the rule only A had seen: A published it again
            assert time.monotonic() < deadline, "the rule was lost"
            time.sleep(0.2)
        for one in (b, a):
            content = one.get(f"/ipop/v1/files/{meta['id']}/content")
            assert content.status_code == 200 and content.content == b"survives a Redis restart\n"
            assert one.chat().status_code == 429
        assert _poll_to_end(a, video_id)["status"] == "completed"


def test_a_result_link_given_by_one_replica_is_served_by_the_other(redis_url: str) -> None:
    with two(redis_url) as (a, b):
        video_id = _video(a)
        link = _poll_to_end(a, video_id)["video_url"]
        served = requests.get(link.replace(a.url, b.url), timeout=10)
        assert served.status_code == 200 and served.content[4:8] == b"ftyp"


def test_workers_share_one_port_and_one_state(redis_url: str) -> None:
    if os.cpu_count() == 1:
        pytest.skip("one CPU: two workers still run, but the kernel may give every connection to one")
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    with replica(redis_url, prefix, "--workers", "2") as both:
        metas = [_upload(both, f"file {n}\n".encode()) for n in range(8)]
        for meta in metas:  # each request may land on either worker
            fetched = requests.get(f"{both.url}/ipop/v1/files/{meta['id']}/content", headers=AUTH, timeout=10)
            assert fetched.status_code == 200 and fetched.content == f"file {metas.index(meta)}\n".encode()


def test_replicas_of_one_seeded_run_give_their_errors_ids_of_their_own(redis_url: str) -> None:
    with two(redis_url) as (a, b):
        ids = [on.get("/ipop/v1/files/file-never-made").json()["request_id"] for on in (a, b)]
    assert ids[0] != ids[1], ids


def test_a_thread_continues_on_either_replica_and_each_reply_once(redis_url: str) -> None:
    """The kept threads and the replies already continued are shared: a thread made on A continues on B,
    its first reply continued again on A is ``thread_already_continued``, and after a reset on B a
    continue on A is ``thread_not_found`` (voxvey documents a 404)."""
    path = "/voxvey/v1/messages"
    ask = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}

    def send(on: Replica, thread: dict[str, str]) -> requests.Response:
        return on.post(path, json={**ask, "thread": thread})

    with two(redis_url) as (a, b):
        first = send(a, {"type": "create"})
        assert first.status_code == 200, first.text
        again = {"type": "continue", "previous_message_id": first.json()["id"]}
        second = send(b, again)
        assert second.status_code == 200, second.text
        assert second.json()["usage"]["input_tokens"] > first.json()["usage"]["input_tokens"]
        twice = send(a, again)
        assert twice.status_code == 400
        assert twice.json()["error"]["details"] == {"error_code": "thread_already_continued"}
        assert b.post("/__gatewright/reset").ok
        gone = send(a, {"type": "continue", "previous_message_id": second.json()["id"]})
        assert gone.status_code == 404
        assert gone.json()["error"]["details"] == {"error_code": "thread_not_found"}


def test_a_reply_continued_on_both_replicas_at_once_is_continued_once(redis_url: str) -> None:
    """Each replica checked the reply was not continued, then published that it was: two continues of one
    reply reaching both at the same instant were both answered. Now one is ``thread_already_continued``."""
    ask = {"model": "claude-sonnet-4-6", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]}
    with two(redis_url) as (a, b), ThreadPoolExecutor(2) as pool:
        for _ in range(6):
            first = a.post("/voxvey/v1/messages", json={**ask, "thread": {"type": "create"}})
            assert first.status_code == 200, first.text
            again = {**ask, "thread": {"type": "continue", "previous_message_id": first.json()["id"]}}
            gate = threading.Barrier(2)

            def send(
                on: Replica, body: dict[str, Any] = again, gate: threading.Barrier = gate
            ) -> requests.Response:
                gate.wait(5)
                return on.post("/voxvey/v1/messages", json=body)

            answers = sorted(pool.map(send, (a, b)), key=lambda answer: answer.status_code)
            assert [answer.status_code for answer in answers] == [200, 400], [
                answer.text for answer in answers
            ]
            assert answers[1].json()["error"]["details"] == {"error_code": "thread_already_continued"}


def _agent_to_end(on: Replica, task_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        polled = on.get(f"/empiriolabs/v1/agents/{task_id}")
        assert polled.status_code == 200, polled.text
        body: dict[str, Any] = polled.json()
        if body["status"] in ("completed", "failed", "stopped"):
            return body
        assert time.monotonic() < deadline, f"still {body['status']}"
        time.sleep(0.05)


def test_an_agent_tasks_runs_and_answers_told_on_one_replica_are_listed_by_the_other(redis_url: str) -> None:
    """An agent task keeps its conversation (each run's words and answer) in its context, which replicas
    share: a follow-up sent to B continues the run A answered, and either lists both answers in order."""
    asked = ["Research humanoid-robot startups.", "Also give each one's valuation."]
    with two(redis_url, "--task-duration", "0.2") as (a, b):
        started = a.post("/empiriolabs/v1/agents/run", json={"model": "manus", "input": asked[0]})
        assert started.status_code == 202, started.text
        task_id = started.json()["task_id"]
        first = _agent_to_end(b, task_id)["output"]
        follow = {"model": "manus", "task_id": task_id, "input": asked[1]}
        assert b.post("/empiriolabs/v1/agents/run", json=follow).status_code == 202
        second = _agent_to_end(a, task_id)["output"]
        assert first != second and "mock-output" not in (first, second)
        for one in (a, b):
            listed = one.get(f"/empiriolabs/v1/agents/{task_id}/messages").json()["result"]["messages"]
            assert listed == [
                {"role": "user", "content": asked[0]},
                {"role": "assistant", "content": first},
                {"role": "user", "content": asked[1]},
                {"role": "assistant", "content": second},
            ]
