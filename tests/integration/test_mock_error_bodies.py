"""Error bodies say what a client needs to act on them (``mock.errors``): whether to retry, and a
request id of their own to quote."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from gatewright.testing import add_rules, reset_mock

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}
MOCK_OPTIONS = {"apis": ["beatra", "ipop"], "seed": 5}
CHAT = {"beatra": "auto", "ipop": "deepseek-v4-pro"}


def _fault(mock: str, api: str, status: int, prompt: str = "hi") -> dict[str, Any]:
    body = {"model": CHAT[api], "messages": [{"role": "user", "content": prompt}]}
    headers = {**AUTH, "x-fault": str(status)}
    answer = requests.post(f"{mock}/{api}/v1/chat/completions", json=body, headers=headers, timeout=10)
    assert answer.status_code == status, answer.text
    envelope = answer.json()
    return dict(envelope["error"] if isinstance(envelope.get("error"), dict) else envelope)


@pytest.fixture
def faulty(mock: str) -> str:
    add_rules(
        mock,
        {"rules": [{"when": {"headers": {"x-fault": str(s)}}, "then": {"status": s}} for s in (429, 503)]},
    )
    return mock


@pytest.mark.parametrize("api", ["beatra", "ipop"])
def test_a_rate_limit_or_an_outage_says_retrying_may_succeed_and_a_bad_request_says_it_will_not(
    faulty: str, api: str
) -> None:
    """beatra and ipop define ``retryable``: "If true, retrying the exact same request may succeed"."""
    assert _fault(faulty, api, 429)["retryable"] is True
    assert _fault(faulty, api, 503)["retryable"] is True
    refused = requests.post(
        f"{faulty}/{api}/v1/chat/completions", json={"model": 7}, headers=AUTH, timeout=10
    )
    assert refused.status_code in (400, 422)
    envelope = refused.json()
    assert (envelope["error"] if isinstance(envelope.get("error"), dict) else envelope)["retryable"] is False


def test_ipop_s_outage_names_its_own_code_for_it(faulty: str) -> None:
    assert _fault(faulty, "ipop", 503)["code"] == "service_unavailable"


def test_every_error_has_a_request_id_of_its_own_and_a_seeded_mock_repeats_them_after_a_reset(
    faulty: str,
) -> None:
    def ids() -> list[str]:
        return [_fault(faulty, api, 503)["request_id"] for api in ("ipop", "ipop", "beatra", "beatra")]

    first = ids()
    assert len(set(first)) == len(first), first
    reset_mock(faulty)
    add_rules(faulty, {"rules": [{"when": {"headers": {"x-fault": "503"}}, "then": {"status": 503}}]})
    assert ids() == first


def test_an_error_a_retry_cannot_mend_names_no_time_to_wait_and_an_outage_its_own_code(faulty: str) -> None:
    """ipop's optional ``retry_after_seconds`` only beside ``retryable: true``; a 500 of the server's is
    not the client's ``bad_request``."""
    refused = requests.post(f"{faulty}/ipop/v1/chat/completions", json={"model": 7}, headers=AUTH, timeout=10)
    assert refused.json()["retryable"] is False and "retry_after_seconds" not in refused.json()
    assert "retry_after_seconds" in _fault(faulty, "ipop", 503)
    add_rules(faulty, {"rules": [{"when": {"headers": {"x-fault": "500"}}, "then": {"status": 500}}]})
    assert _fault(faulty, "ipop", 500)["code"] != "bad_request"
