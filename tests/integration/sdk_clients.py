"""The official openai SDK pointed at a running mock, as the tests use it.

Every API's routes take the key one way or another (ipop's as ``x-api-key``), so the client sends it both
ways; retries are off, so a refusal is seen at once. Close it (``with``): a pooled socket left open is a
ResourceWarning, which the suite treats as an error.
"""

from __future__ import annotations

import openai


def openai_client(url: str, api: str | None = None) -> openai.OpenAI:
    """A client for the mock at ``url``: for ``api`` where it serves several (``{url}/{api}/v1``)."""
    base = f"{url}/{api}/v1" if api else f"{url}/v1"
    return openai.OpenAI(
        base_url=base, api_key="sk-test", default_headers={"x-api-key": "sk-test"}, max_retries=0
    )
