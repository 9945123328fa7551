"""What a request asks of a task lifecycle, read by the spec's runtime expressions.

A create may want a task (``prefer``, ``async_when``) or the finished result at once (``sync_when``);
a poll or cancel names its task (``poll_id``, else the last path parameter). The task hooks ask these,
and so do the extensions that start tasks themselves (batches, vector stores, background responses):
kept here, beside the engine and out of the hooks, so those extensions read a request the way the
task hooks do without importing the task extension (ARCHITECTURE.md, mock).
"""

from __future__ import annotations

from collections.abc import Mapping

from gatewright.mock.extensions import MockCall
from gatewright.spec.expressions import Exchange, evaluate
from gatewright.spec.tasks import TaskSpec, task_id_in

__all__ = ["followed_task", "holds_on", "named_task_id", "wants_task"]


def _exchange(call: MockCall) -> Exchange:
    return Exchange(
        request_body=call.body, path=call.path_params, query=call.request.query, headers=call.request.headers
    )


def named_task_id(expression: str | None, call: MockCall) -> str | None:
    """The task id a poll/cancel request names (``poll_id``, else the last path parameter)."""
    return task_id_in(expression, call.operation.operation.template.names, _exchange(call))


def followed_task(spec: TaskSpec, call: MockCall) -> str | None:
    """The id of the task this create continues (``follow_up``), None when it starts one."""
    found = evaluate(spec.follow_up, _exchange(call)) if spec.follow_up is not None else None
    return found if isinstance(found, str) and found else None


def holds_on(spec: TaskSpec, call: MockCall) -> bool:
    """Whether this create asks for the finished result instead of a task (``sync_when``)."""
    return spec.sync_when is not None and evaluate(spec.sync_when, _exchange(call)) is True


def wants_task(spec: TaskSpec, call: MockCall) -> bool:
    """Whether this create request is answered as a task (see ``prefer`` and ``async_when``).

    Never one that asks for a stream its operation declares (``stream: true``): a client reading
    events gets events, as OpenAI streams a ``background`` response, not a task envelope."""
    body = call.body
    if call.operation.stream_media and isinstance(body, Mapping) and body.get("stream") is True:
        return False
    if spec.prefer is None and spec.async_when is None:
        return True
    if spec.async_when is not None and evaluate(spec.async_when, _exchange(call)) is True:
        return True
    if spec.prefer is not None:
        key, _, value = spec.prefer.partition("=")
        key = key.strip().lower()
        if key == "code":
            return call.preferences.code is not None and str(call.preferences.code) == value.strip()
        return key in call.preferences.extra
    return False
