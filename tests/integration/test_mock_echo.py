"""Request values flow into answers: create answers, polls and lists say what was sent (issue 19, item 3)."""

from __future__ import annotations

import re
import time
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ipop_files import upload_file

AUTH = {"Authorization": "Bearer sk-test"}
# create_app's options for this module's mock_url (tests/integration/conftest.py)
MOCK_OPTIONS = {"apis": ["ipop", "voxvey", "imarouter"], "seed": 7, "task_duration": 0.05}
TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="\x7f"), max_size=40)


def _poll_until_done(url: str, terminal: tuple[str, ...] = ("completed", "succeeded", "failed")) -> Any:
    for _ in range(50):
        body = requests.get(url, headers=AUTH, timeout=10).json()
        if body.get("status") in terminal:
            return body
        time.sleep(0.02)
    raise AssertionError(f"{url} never finished")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=TEXT, model=st.sampled_from(["grok-imagine-video", "x-ai/grok-imagine-video"]))
def test_a_video_job_says_the_model_and_prompt_it_was_given(mock_url: str, prompt: str, model: str) -> None:
    created = requests.post(
        f"{mock_url}/ipop/v1/videos", json={"model": model, "prompt": prompt}, headers=AUTH, timeout=10
    )
    assert created.status_code == 202, created.text
    job = created.json()
    assert job["model"] == model
    polled = _poll_until_done(f"{mock_url}/ipop/v1/videos/{job['id']}")
    assert polled["model"] == model


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    suffix=st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
    training=st.binary(min_size=1, max_size=64),
    metadata=st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), TEXT, max_size=3),
)
def test_a_fine_tuning_job_restates_its_request_in_create_poll_and_list(
    mock_url: str, suffix: str, training: bytes, metadata: dict[str, str]
) -> None:
    training_file = upload_file(f"{mock_url}/ipop", training, purpose="fine-tune")  # one it may name
    sent = {
        "model": "llama-3-8b",
        "training_file": training_file,
        "suffix": suffix,
        "backend": "mlx_lora",
        "metadata": metadata,
    }
    created = requests.post(f"{mock_url}/ipop/v1/fine_tuning/jobs", json=sent, headers=AUTH, timeout=10)
    assert created.status_code < 300, created.text
    job = created.json()
    for body in (
        job,
        requests.get(f"{mock_url}/ipop/v1/fine_tuning/jobs/{job['id']}", headers=AUTH, timeout=10).json(),
    ):
        assert body["suffix"] == suffix and body["training_file_id"] == training_file
        assert body["backend"] == "mlx_lora" and body["metadata"] == metadata
    listed = requests.get(f"{mock_url}/ipop/v1/fine_tuning/jobs", headers=AUTH, timeout=10).json()
    mine = [item for item in listed["data"] if item["id"] == job["id"]]
    assert mine and mine[0]["suffix"] == suffix


def test_voxvey_video_job_echoes_a_model_the_spec_leaves_free(mock_url: str) -> None:
    created = requests.post(
        f"{mock_url}/voxvey/v1/videos",
        json={"model": "openai/sora-2", "prompt": "a cat"},
        headers=AUTH,
        timeout=10,
    )
    assert created.status_code < 300 and created.json()["model"] == "openai/sora-2"


def test_a_finished_fine_tuning_job_names_its_model_from_base_and_suffix(mock_url: str) -> None:
    """In ipop's documented form, ``ft:<base>:u_<user>:<suffix>`` (its result's schema holds it to it)."""
    sent = {
        "model": "llama-3-8b",
        "training_file": upload_file(f"{mock_url}/ipop", b"{}\n", purpose="fine-tune"),
        "suffix": "support-bot",
        "backend": "mlx_lora",
    }
    job = requests.post(f"{mock_url}/ipop/v1/fine_tuning/jobs", json=sent, headers=AUTH, timeout=10).json()
    assert job["result_model_id"] is None  # nothing yet while it runs
    done = _poll_until_done(
        f"{mock_url}/ipop/v1/fine_tuning/jobs/{job['id']}", terminal=("succeeded", "failed")
    )
    assert done["status"] == "succeeded"
    assert re.fullmatch(r"ft:llama-3-8b:u_[0-9a-f]+:support-bot", done["result_model_id"])
