"""``gatewright proxy`` in front of a realistic gateway: its exit line, ``/__gatewright/violations``
and its reports agree exactly, and no exchange is lost on the way (issue 20, item 1).

The upstream (``realgateway.py``) behaves like LiteLLM: it ends a stream's body a moment after
``data: [DONE]``, wants the key on the models list its spec marks public, answers 400 naming the
model for models it does not serve and 500s with ``"param": null``. The official openai SDK talks to
it through the proxy (plain calls, streams it closes right after ``[DONE]``, the ``.stream()``
helper), among requests that break the contract on either side. The proxy runs as a user runs it:
a process, stopped by SIGTERM right after the last stream, while the gateway still holds that
stream's body open.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openai
import pytest
import requests
from proxy_process import ProxyProcess
from proxy_upstream import KEY as PLANTED_KEY
from proxy_upstream import proxied

from gatewright.mock import create_app
from gatewright.mock.replay import ReplaySettings
from gatewright.spec.recording import load_recordings
from gatewright.testing import serve_app

sys.path.insert(0, str(Path(__file__).parents[1] / "conformance"))
from realgateway import CHAT_MODEL, EMBED_MODEL, KEY, SPEC, RealGateway

pytestmark = pytest.mark.slow  # the proxy as a process, stopped while answers are running

LINGER = 1.5  # longer than the proxy used to wait for its handlers on shutdown (1 s)
HI = [{"role": "user", "content": "hi"}]
EXIT_LINE = re.compile(r"gatewright proxy: (\d+) violation\(s\), (\d+) distinct finding\(s\)[,;]")
FINDING_HEAD = re.compile(r"^\[(?:gateway|client)\] .*?(?:, seen (\d+) times)?$", re.MULTILINE)


def _proxy(spec_path: Path, upstream: str, tmp_path: Path) -> ProxyProcess:
    """The proxy judging ``upstream`` against ``spec_path``, reports and records under ``tmp_path``."""
    return ProxyProcess(
        *("--spec", str(spec_path), "--upstream", upstream),
        *("--report-dir", str(tmp_path / "reports"), "--record", str(tmp_path / "records")),
    )


def _sdk(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)


def _plain_stream(client: openai.OpenAI) -> str:
    stream = client.chat.completions.create(model=CHAT_MODEL, messages=HI, stream=True)  # type: ignore[arg-type]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    stream.close()  # right after [DONE], while the gateway keeps the body open
    return text


def _helper_stream(client: openai.OpenAI) -> str:
    with client.chat.completions.stream(model=CHAT_MODEL, messages=HI) as stream:  # type: ignore[arg-type]
        for _ in stream:
            pass
        return str(stream.get_final_completion().choices[0].message.content)


def _traffic(url: str) -> int:
    """Conforming and violating exchanges through the proxy; how many were sent."""
    auth = {"Authorization": f"Bearer {KEY}"}
    with _sdk(url) as client:
        assert [model.id for model in client.models.list()] == [CHAT_MODEL, EMBED_MODEL]
        assert client.chat.completions.create(model=CHAT_MODEL, messages=HI).choices  # type: ignore[arg-type]
        assert client.embeddings.create(model=EMBED_MODEL, input="hello").data
        for _ in range(2):  # the same 500 twice: one distinct finding, seen twice
            with pytest.raises(openai.InternalServerError):
                crash = [{"role": "system", "content": "be brief"}, *HI]
                client.chat.completions.create(model=CHAT_MODEL, messages=crash)  # type: ignore[arg-type]
        with pytest.raises(openai.BadRequestError, match="Invalid model name"):  # conforming: a 400
            client.chat.completions.create(model="gpt-4o", messages=HI)  # type: ignore[arg-type]
        assert _plain_stream(client) == "hello"
        assert _helper_stream(client) == "hello"
    # the public models list, asked without the key: the gateway's undocumented 401
    assert requests.get(f"{url}/v1/models", timeout=10).status_code == 401
    # the client's mistakes: a field the schema forbids, a path the spec does not have
    extra = {"model": CHAT_MODEL, "messages": HI, "temperature": 1}
    refused = requests.post(f"{url}/v1/chat/completions", json=extra, headers=auth, timeout=10)
    assert refused.status_code == 400
    assert requests.get(f"{url}/v1/nothing", headers=auth, timeout=10).status_code == 404
    return 11


def _junit_counts(path: Path) -> tuple[int, int]:
    """The findings junit.xml lists and how often they were seen in all."""
    heads = [
        match
        for failure in ET.parse(path).getroot().iter("failure")
        for match in FINDING_HEAD.findall(failure.text or "")
    ]
    return len(heads), sum(int(seen or 1) for seen in heads)


def _unit_of(violation: dict[str, Any]) -> str:
    name = violation["operation"] if violation["operation"] != "-" else "undocumented"
    return f"client:{name}" if violation["side"] == "client" else name


def test_the_exit_line_the_violations_view_and_the_reports_agree(tmp_path: Path) -> None:
    spec_path = tmp_path / "real.openapi.json"
    spec_path.write_text(json.dumps(SPEC), encoding="utf-8")
    reports, records = tmp_path / "reports", tmp_path / "records"
    with serve_app(RealGateway(linger=LINGER).app()) as upstream:
        proxy = _proxy(spec_path, upstream, tmp_path)
        sent = _traffic(proxy.url)
        view = requests.get(f"{proxy.url}/__gatewright/violations", timeout=30).json()
        with _sdk(proxy.url) as client:  # and one more stream, closed after [DONE] just before SIGTERM
            assert _plain_stream(client) == "hello"
        sent += 1
        stopping = time.monotonic()
        code, err = proxy.stop()
    assert code == 0, err
    assert time.monotonic() - stopping < 15
    assert "Traceback" not in err and KEY not in err

    violations = view["violations"]
    assert view["not_judged"] == 0
    expected = {
        ("listModels", "status_code_conformance", "gateway"): 1,
        ("createChatCompletion", "not_a_server_error", "gateway"): 2,
        ("createChatCompletion", "request_body_conformance", "client"): 1,
        ("-", "request_documented", "client"): 1,
    }
    assert Counter((v["operation"], v["check"], v["side"]) for v in violations) == expected

    [exit_line] = EXIT_LINE.findall(err)
    total, distinct = int(exit_line[0]), int(exit_line[1])
    live_lines = [line for line in err.splitlines() if line.startswith("gatewright proxy: [")]

    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    summary = report["summary"]
    junit_findings, junit_seen = _junit_counts(reports / "junit.xml")
    assert total == len(violations) == len(live_lines) == summary["occurrences"] == junit_seen == 5
    assert distinct == summary["findings"] == junit_findings == 4
    by_unit = Counter(
        {(unit["unit_id"], f["check"]): f["count"] for unit in report["units"] for f in unit["findings"]}
    )
    assert by_unit == Counter((_unit_of(v), v["check"]) for v in violations)
    assert report["settings"] == {"exchanges judged": sent, "exchanges not judged": 0}

    # every SDK stream, the last one included, judged (no stream violation) and recorded whole
    streams = [
        r
        for r in load_recordings(records)
        if r.operation == "createChatCompletion" and r.response.events is not None
    ]
    assert len(streams) == 3
    for recording in streams:
        assert recording.response.complete and recording.conformant
        assert recording.response.events is not None and recording.response.events[-1] == "data: [DONE]"

    # and they replay offline, through the plain call and the .stream() helper alike
    replay = ReplaySettings(records, strict=True)
    with (
        serve_app(create_app(spec_path=spec_path, seed=7, access_log=False, replay=replay)) as offline,
        _sdk(offline) as client,
    ):
        assert _plain_stream(client) == "hello"
        assert _helper_stream(client) == "hello"


def test_an_answer_still_running_when_the_proxy_stops_is_judged_and_recorded_cut(tmp_path: Path) -> None:
    """SIGTERM while a client still reads a stream whose body the gateway holds open: the exchange
    is judged as far as it went (not the gateway's violation) and recorded ``complete: false``."""
    spec_path = tmp_path / "real.openapi.json"
    spec_path.write_text(json.dumps(SPEC), encoding="utf-8")
    reports, records = tmp_path / "reports", tmp_path / "records"
    body = {"model": CHAT_MODEL, "messages": HI, "stream": True}
    with serve_app(RealGateway(linger=60).app()) as upstream:
        proxy = _proxy(spec_path, upstream, tmp_path)
        with requests.post(
            f"{proxy.url}/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {KEY}"},
            stream=True,
            timeout=30,
        ) as answer:
            received = b""
            for chunk in answer.iter_content(chunk_size=None):
                received += chunk
                if b"[DONE]" in received:
                    break  # the client reads on; the gateway's body is still open
            code, err = proxy.stop()
    assert code == 0, err
    [exit_line] = EXIT_LINE.findall(err)
    assert exit_line == ("0", "0"), err
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert report["settings"] == {"exchanges judged": 1, "exchanges not judged": 0}
    [recording] = load_recordings(records)
    assert recording.response.complete is False and recording.conformant
    assert recording.response.events is not None and recording.response.events[-1] == "data: [DONE]"


def test_an_exchange_the_judge_fails_on_is_counted_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check that breaks on an odd answer must not stop the proxy, nor lose the exchange silently:
    it is said, counted in ``/__gatewright/violations``, and noted on its operation in the reports."""
    with proxied(report_dir=tmp_path) as run:

        def broken(exchange: Any) -> Any:
            raise ValueError("a check broke")

        monkeypatch.setattr(run.proxy.judge, "judge", broken)
        answer = requests.get(
            f"{run.url}/v1/items/ok", headers={"Authorization": f"Bearer {PLANTED_KEY}"}, timeout=10
        )
        assert answer.status_code == 200  # the client is served all the same
        view = requests.get(f"{run.url}/__gatewright/violations", timeout=15).json()
        assert view == {"violations": [], "not_judged": 1}
        report = run.proxy.log.report()
    assert "could not judge GET /v1/items/ok: ValueError('a check broke')" in run.out.getvalue()
    assert report.settings == {"exchanges judged": 0, "exchanges not judged": 1}
    [unit] = report.units
    assert unit.unit_id == "getItem"
    assert unit.notes == ["1 exchange(s) not judged: the judge failed on it, see the proxy's output"]
