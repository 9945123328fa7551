"""The official SDKs through the proxy to the project's own mock: every call answers as it does
directly, and the proxy finds nothing (the mock keeps its contract, the SDKs send valid requests).

Two mocks with the same seed serve the same calls in the same order, one directly and one behind
the proxy, so their answers must be equal field for field (timestamps aside).
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import anthropic
import openai
import pytest
import requests

from gatewright.proxy import Proxy, ProxyOptions, create_app
from gatewright.testing import running_mock, serve_app

pytestmark = pytest.mark.slow  # two mocks and the proxy per test; a task lifecycle through it

API = "voxvey"  # documents chat, embeddings, Anthropic messages and a video task
KEY = "sk-voxvey-SECRET-0123456789abcdef"
_VOLATILE = frozenset({"created", "created_at", "completed_at", "expires_at", "progress"})


class Pair:
    """A direct base URL and a proxied one, to mocks in the same state."""

    def __init__(self, direct: str, proxied: str, proxy: Proxy, out: io.StringIO, stack: ExitStack) -> None:
        self.direct, self.proxied, self.proxy, self.out = direct, proxied, proxy, out
        self._stack = stack  # SDK clients close with the pair: no pooled socket outlives the test

    def openai(self, url: str) -> openai.OpenAI:
        return self._stack.enter_context(openai.OpenAI(api_key=KEY, base_url=f"{url}/v1", max_retries=0))

    def anthropic(self, url: str) -> anthropic.Anthropic:
        return self._stack.enter_context(anthropic.Anthropic(api_key=KEY, base_url=url, max_retries=0))

    def both(self, call: Callable[[str], Any]) -> tuple[Any, Any]:
        return _stable(call(self.direct)), _stable(call(self.proxied))

    def violations(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.proxied}/__gatewright/violations", timeout=10).json()["violations"])


def _stable(value: Any) -> Any:
    """An SDK answer as plain data, without the fields that say when it was made."""
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


@pytest.fixture
def pair() -> Iterator[Pair]:
    with ExitStack() as stack:
        direct = stack.enter_context(running_mock([API], seed=3))
        upstream = stack.enter_context(running_mock([API], seed=3))
        out = io.StringIO()
        proxy = Proxy(ProxyOptions(upstream=upstream, api=API), out=out)
        stack.callback(proxy.close)
        proxied = stack.enter_context(serve_app(create_app(proxy)))
        yield Pair(direct, proxied, proxy, out, stack)


MESSAGES: Any = [{"role": "user", "content": "What is the weather in Paris?"}]
CHAT_MODEL = "openai/gpt-4o"  # voxvey's chat and embeddings take provider-prefixed models only
EMBEDDING_MODEL = "openai/text-embedding-3-small"


def test_sdk_calls_answer_as_directly_and_nothing_is_found(pair: Pair) -> None:
    chat = pair.both(
        lambda url: pair.openai(url).chat.completions.create(model=CHAT_MODEL, messages=MESSAGES)
    )
    assert chat[0] == chat[1] and chat[1]["choices"][0]["message"]["content"]

    def stream(url: str) -> list[Any]:
        chunks = pair.openai(url).chat.completions.create(model=CHAT_MODEL, messages=MESSAGES, stream=True)
        return [chunk.model_dump() for chunk in chunks]

    streamed = pair.both(stream)
    assert streamed[0] == streamed[1] and len(streamed[1]) > 2

    embedded = pair.both(
        lambda url: pair.openai(url).embeddings.create(model=EMBEDDING_MODEL, input=["a", "b"])
    )
    assert embedded[0] == embedded[1] and len(embedded[1]["data"]) == 2

    message = pair.both(
        lambda url: pair.anthropic(url).messages.create(
            model="claude-haiku-4-5", max_tokens=64, messages=MESSAGES
        )
    )
    assert message[0] == message[1] and message[1]["content"][0]["type"] == "text"

    def anthropic_stream(url: str) -> str:
        with pair.anthropic(url).messages.stream(
            model="claude-haiku-4-5", max_tokens=64, messages=MESSAGES
        ) as s:
            return s.get_final_text()

    texts = pair.both(anthropic_stream)
    assert texts[0] == texts[1] and texts[1]

    assert pair.violations() == []
    assert pair.out.getvalue() == ""


def test_a_task_lifecycle_through_the_proxy_is_followed_and_clean(pair: Pair) -> None:
    def lifecycle(url: str) -> list[str]:
        client = pair.openai(url)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's note on the Sora API
            video = client.videos.create(model="sora-2", prompt="a lighthouse")
            states: list[str] = [video.status]
            deadline = time.monotonic() + 15
            while video.status not in ("completed", "failed") and time.monotonic() < deadline:
                time.sleep(0.2)
                video = client.videos.retrieve(video.id)
                states.append(video.status)
        return states

    direct, proxied = lifecycle(pair.direct), lifecycle(pair.proxied)
    assert direct[0] == proxied[0] == "queued"
    assert direct[-1] == proxied[-1] == "completed"
    assert pair.violations() == []
    report = pair.proxy.log.report()
    poll_unit = next(u for u in report.units if u.unit_id == "getVideo")
    assert poll_unit.checks.get("task_status_forward", 0) == len(proxied) - 1  # every poll was judged
