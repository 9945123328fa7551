"""The answer of a vendor's input-token count route: the count its create would bill.

OpenAI's ``POST /v1/responses/input_tokens`` (``responses.input_tokens.count``) and Anthropic's
``POST /v1/messages/count_tokens`` take a request of their wire and say how many input tokens it
holds, without answering it. An app budgets its context by them, so the count is the create's own
``usage.input_tokens`` for the same request (``Composer.prompt_tokens`` of the same ``Prompt``); none
of it was read from a cache or written to one (``*_details``: 0), since counting answers nothing.
Each write is kept only if the body stays valid against the spec (``mock.fit``).
"""

from __future__ import annotations

import copy
from typing import Any

from gatewright.mock.fit import Edits
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.render import value_for

__all__ = ["COUNT_FIELD", "count_body"]

COUNT_FIELD = "input_tokens"  # what both vendors' count answers call it


def count_body(api: MockApi, op: MockOperation, decision: Decision, tokens: int) -> Any:
    """The decision's body stating ``tokens`` input tokens, none of them cached."""
    pointer = decision.media.schema_pointer if decision.media is not None else None
    assert pointer is not None

    def valid(value: Any) -> bool:
        return api.schemas.is_valid(pointer, value, formats=True)

    body = copy.deepcopy(value_for(api, op, decision))  # cached: edited below in place
    edits = Edits(body, valid)
    writes: list[tuple[tuple[str, ...], Any]] = [((COUNT_FIELD,), tokens)]
    for key, details in body.items() if isinstance(body, dict) else ():
        if key.endswith("_details") and isinstance(details, dict):
            writes += [((key, name), 0) for name, value in details.items() if _is_count(value)]
    edits.set_all(writes)
    return edits.body


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
