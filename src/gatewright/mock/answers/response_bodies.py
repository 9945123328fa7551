"""Responses bodies as OpenAI shows them: a request's input as list items, a response's
``output_text``, and a background response as its task stands."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gatewright.mock.scalars import digest_id
from gatewright.mock.tasks.models import Task
from gatewright.spec.tasks import Phase

__all__ = ["as_of", "input_items", "output_text"]

_ITEM_IDS = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_", "reasoning": "rs_"}


def input_items(request: Mapping[str, Any], response_id: str) -> list[dict[str, Any]]:
    """The request's ``input`` as OpenAI lists it: a string is one user message; every item has an
    id, a message its ``type``, ``status`` and content parts.

    Ids an item lacks are made from the response's id and the item's place, so they are unique,
    the same under a seed, and drawn from no sequence the answers use.
    """
    sent = request.get("input")
    if isinstance(sent, str):
        sent = [{"role": "user", "content": sent}]
    items: list[dict[str, Any]] = []
    for index, item in enumerate(sent if isinstance(sent, list) else ()):
        if not isinstance(item, Mapping):
            continue
        out = dict(item)
        kind = out.setdefault("type", "message")  # an "easy" input message carries only its role
        if kind == "message":
            out.setdefault("status", "completed")
            if isinstance(out.get("content"), str):
                part = "output_text" if out.get("role") == "assistant" else "input_text"
                out["content"] = [{"type": part, "text": out["content"]}]
        digest = digest_id(f"{response_id}/{index}")
        out.setdefault("id", f"{_ITEM_IDS.get(str(kind), 'item_')}{digest}")
        items.append(out)
    return items


def output_text(body: Mapping[str, Any]) -> str:
    """The text of a response's messages, joined, as the official SDKs' ``output_text`` reads it."""
    return "".join(_texts(body.get("output")))


def _texts(output: Any) -> Iterator[str]:
    for item in output if isinstance(output, list) else ():
        if isinstance(item, Mapping) and item.get("type") == "message":
            for part in item.get("content") or ():
                if isinstance(part, Mapping) and part.get("type") == "output_text":
                    yield str(part.get("text") or "")


def as_of(final: dict[str, Any], task: Task) -> dict[str, Any]:
    """A background response as its task stands: the final answer once it succeeded; before (and
    when it failed or was cancelled) no output, no usage, under the task's status."""
    if task.phase is Phase.SUCCEEDED:
        return final
    shown = {**final, "status": task.status, "output": [], "usage": _zeroed(final.get("usage"))}
    shown.pop("incomplete_details", None)
    if task.error is not None:
        shown["error"] = {"code": task.error.code, "message": task.error.message}
    return shown


def _zeroed(value: Any) -> Any:
    """``usage`` with every count 0, in the API's own shape (nothing has been spent yet)."""
    if isinstance(value, dict):
        return {key: _zeroed(part) for key, part in value.items()}
    return 0 if isinstance(value, int) and not isinstance(value, bool) else value
