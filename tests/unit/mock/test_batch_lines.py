"""What a batch's input lines must be before any is answered: on the batch's endpoint, ids unique."""

from __future__ import annotations

import json

import pytest

from gatewright.mock.batch_lines import duplicate_id
from gatewright.spec.paths import on_endpoint


@pytest.mark.parametrize(
    ("path", "endpoint", "on"),
    [
        ("/v1/chat/completions", "chat_completions", True),  # ipop's words
        ("/v1/chat/completions", "/v1/chat/completions", True),  # OpenAI's path
        ("/v1/embeddings", "embeddings", True),
        ("/v1/embeddings", "chat_completions", False),
        ("/v1/chat/completions", "embeddings", False),
        ("/v1/completions", "chat_completions", False),
        ("/v1/responses", "/v1/chat/completions", False),
    ],
)
def test_a_line_is_on_the_endpoint_its_batch_names(path: str, endpoint: str, on: bool) -> None:
    assert on_endpoint(path, endpoint) is on


def _file(*ids: object) -> bytes:
    return "\n".join(json.dumps({"custom_id": i, "url": "/v1/chat/completions"}) for i in ids).encode()


def test_an_id_named_twice_is_the_batchs_problem_with_its_line() -> None:
    problem = duplicate_id(_file("a", "b", "a"))
    assert problem is not None and problem.startswith("duplicate_custom_id: line 3:") and "'a'" in problem


def test_unique_ids_and_lines_without_one_are_no_problem() -> None:
    assert duplicate_id(_file("a", "b", None, None, "")) is None
    assert duplicate_id(b"{not json\n{not json\n") is None
