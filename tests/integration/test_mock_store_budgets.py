"""What the mock keeps is bounded in bytes and read without trusting it, over real sockets.

The journal keeps a body up to its entry budget (a longer one as a marked, redacted prefix) and
its entries within a total budget, and reading it streams instead of holding the server; replay
reads only regular fixture files inside its folder, within a budget, and refuses or skips what
it could not send faithfully.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from gatewright.mock import create_app
from gatewright.mock.replay import ReplaySettings
from gatewright.spec.recording import Payload, RecordedRequest, RecordedResponse, Recording, write_recording
from gatewright.testing import running_mock, serve_app

pytestmark = pytest.mark.slow  # megabytes of journal and fixtures; `gatewright mock` in subprocesses

API = "empiriolabs"
CHAT = "/v1/chat/completions"
AUTH = {"Authorization": "Bearer sk-test", "Content-Type": "application/json"}


def _chat_body(size: int, **extra: Any) -> bytes:
    """A valid chat request of about ``size`` bytes."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x" * size}], **extra}
    return json.dumps(body).encode()


def _journal(url: str) -> list[dict[str, Any]]:
    return list(httpx2.get(f"{url}/__gatewright/requests", timeout=60).json()["requests"])


# --- 4. the journal is bounded in bytes ---------------------------------------------------------------

MIB = 1024 * 1024
CUT = b'{"api_key": "sk-cut-secret", ' + _chat_body(MIB + MIB // 2)[1:]  # over the 1 MiB a body


@pytest.fixture(scope="module")
def full_journal() -> Iterator[str]:
    """A mock with the default budgets (64 MiB, 1 MiB a body) that was sent 100 MB of requests."""
    with running_mock([API], seed=7) as url, httpx2.Client() as http:
        for number in range(100):
            body = _chat_body(1_000_000, user=f"u-{number}")
            assert http.post(f"{url}{CHAT}", content=body, headers=AUTH, timeout=30).status_code == 200
        assert http.post(f"{url}{CHAT}", content=CUT, headers=AUTH, timeout=30).status_code == 200
        small = _chat_body(10, user="small")
        assert http.post(f"{url}{CHAT}", content=small, headers=AUTH, timeout=30).status_code == 200
        yield url


def test_the_journal_keeps_bodies_within_its_byte_budgets_and_marks_what_it_cut(full_journal: str) -> None:
    entries = _journal(full_journal)
    assert 32 < len(entries) < 100  # the oldest went first
    assert sum(len(json.dumps(e["body"])) for e in entries) <= 64 * MIB
    cut, small = entries[-2:]
    assert cut["truncated"] == {"bytes": len(CUT), "kept": MIB}
    assert isinstance(cut["body"], str) and cut["body"].startswith('{"api_key": "[REDACTED]", "model"')
    assert "sk-cut-secret" not in cut["body"]  # a cut body is redacted like a whole one
    assert small["truncated"] is None and small["body"]["user"] == "small"


def test_reading_a_large_journal_streams_and_never_holds_the_server(full_journal: str) -> None:
    slowest = 0.0
    read: list[int] = []

    def read_journal() -> None:
        with httpx2.stream("GET", f"{full_journal}/__gatewright/requests", timeout=120) as response:
            assert response.headers.get("content-length") is None  # streamed, not built in one piece
            read.append(sum(len(chunk) for chunk in response.iter_bytes()))

    reader = threading.Thread(target=read_journal)
    reader.start()
    with httpx2.Client() as probe:
        while reader.is_alive():
            started = time.perf_counter()
            assert probe.get(f"{full_journal}/__gatewright/health", timeout=30).status_code == 200
            slowest = max(slowest, time.perf_counter() - started)
            time.sleep(0.02)
    reader.join()
    assert read and read[0] > 32 * MIB
    assert slowest < 0.3, f"health took {slowest:.2f}s while the journal was read"


# --- 12. replay reads regular files inside its folder only, within a budget --------------------------


def _recording(status: int = 200, headers: dict[str, str] | None = None, body: Any = None) -> Recording:
    request = RecordedRequest(
        "POST", CHAT, "", {"content-type": "application/json"}, Payload("json", json.loads(_chat_body(5)))
    )
    answer = body if body is not None else {"id": "chatcmpl-rec", "object": "chat.completion"}
    response = RecordedResponse(
        status, {"content-type": "application/json", **(headers or {})}, Payload("json", answer)
    )
    return Recording(API, "createChatCompletion", request, response)


def _fixture_text(recording: Recording) -> str:
    return json.dumps(recording.to_document())


def _devzero(root: Path, _outside: Path) -> str:
    (root / "_").mkdir()
    (root / "_" / "00001-zero.json").symlink_to("/dev/zero")
    return "00001-zero.json"


def _fifo(root: Path, _outside: Path) -> str:
    (root / "_").mkdir()
    os.mkfifo(root / "_" / "00001-fifo.json")
    return "not a regular file"


def _link_out(root: Path, outside: Path) -> str:
    (root / "_").mkdir()
    target = outside / "elsewhere.json"
    target.write_text(_fixture_text(_recording()))
    (root / "_" / "00001-linked.json").symlink_to(target)
    return "out of the fixture directory"


def _folder_link_out(root: Path, outside: Path) -> str:
    (outside / "_").mkdir()
    (outside / "_" / "00001-createChatCompletion.json").write_text(_fixture_text(_recording()))
    (root / "linked").symlink_to(outside / "_")
    return "a link out of"


def _over_budget(root: Path, _outside: Path) -> str:
    (root / "_").mkdir()
    (root / "_" / "00001-big.json").write_text(_fixture_text(_recording()) + " " * 5000)
    return "budget"


# --- 13. replay sends nothing it could not send faithfully --------------------------------------------


def _crlf_header(root: Path, _outside: Path) -> str:
    write_recording(root, _recording(headers={"x-injected": "a\r\nx-evil: 1"}))
    return "control character"


def _status_101(root: Path, _outside: Path) -> str:
    write_recording(root, _recording())
    path = next(root.rglob("*.json"))
    document = json.loads(path.read_text())
    document["response"]["status"] = 101
    path.write_text(json.dumps(document))
    return "not a recording: /response/status: 101 is less than the minimum of 200"


REFUSED = {
    "a link to /dev/zero": _devzero,
    "a FIFO": _fifo,
    "a link out of the folder": _link_out,
    "a linked folder out of the folder": _folder_link_out,
    "over --replay-bytes": _over_budget,
    "a header with CR/LF": _crlf_header,
    "status 101": _status_101,
}


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero")
@pytest.mark.parametrize("make", list(REFUSED.values()), ids=list(REFUSED))
def test_a_fixture_folder_the_mock_cannot_trust_stops_it_in_one_line(tmp_path: Path, make: Any) -> None:
    root, outside = tmp_path / "fixtures", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    words = make(root, outside)
    args = ["mock", "--api", API, "--port", "0", "--quiet", "--replay", str(root)]
    args += ["--replay-bytes", "4096"] if make is _over_budget else []
    # Run against a reader without limits, this would take the machine: the child's memory is capped.
    child = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)); "
        "from gatewright.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", child, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 2, err
    assert "Traceback" not in err and words in err and len(err.strip().splitlines()) == 1, err


def test_a_recorded_answer_that_breaks_the_spec_is_not_replayed_whatever_its_violations_say(
    tmp_path: Path,
) -> None:
    broken = _recording(body={"id": 7, "object": "chat.completion", "choices": "not a list"})
    assert broken.violations == ()
    write_recording(tmp_path, broken)
    with serve_app(create_app([API], seed=7, access_log=False, replay=ReplaySettings(tmp_path))) as url:
        answer = httpx2.post(f"{url}{CHAT}", content=_chat_body(5), headers=AUTH, timeout=30).json()
        state = httpx2.get(f"{url}/__gatewright/state", timeout=30).json()["replay"]
    assert answer["id"] != 7 and isinstance(answer["choices"], list)  # the spec-driven answer
    (skipped,) = state["skipped"]
    assert skipped["reason"] == "nonconformant" and "breaks its schema at /id" in skipped["detail"]
    with serve_app(
        create_app([API], seed=7, access_log=False, replay=ReplaySettings(tmp_path, nonconformant=True))
    ) as url:
        replayed = httpx2.post(f"{url}{CHAT}", content=_chat_body(5), headers=AUTH, timeout=30).json()
    assert replayed["choices"] == "not a list"  # asked for: replayed as recorded
