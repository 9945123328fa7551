"""gatewright's own checks, registered once by id, the way schemathesis registers its own.

A check is declared here with ``check(id, phase=..., judges=..., title=..., explanation=...)``
and the code that performs it names it through the returned ``CheckSpec`` (``STREAM_TERMINATES.id``).
The id is what ``report.json``, ``junit.xml``, ``report.html`` and the proxy's violations show;
``judges`` is the part of the spec a finding of it points at (``explain.py``). Registering an id
twice is an error, so every id names one check. schemathesis's checks keep their own registry
(``schemathesis.checks.CHECKS``); ``SCHEMATHESIS_JUDGES`` only says which part of the spec each
of them judges against.

Adding a check: register it here, then perform it (``ctx.ran``/``ctx.fail`` with its id).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CHECKS",
    "SCHEMATHESIS_JUDGES",
    "CheckRegistry",
    "CheckSpec",
    "Judges",
    "Phase",
    "check",
    "judges",
]

# Where a check's findings point in the spec (``explain.py`` turns it into a pointer and an excerpt):
# an operation's ``responses``, its request (parameters and body), its security, its
# ``x-gatewright-task`` (on the create operation: a lifecycle finding about a poll points there too),
# its ``x-gatewright-compatible``, its event-stream media, or the operation as a whole.
Judges = Literal["responses", "request", "security", "task", "compatibility", "stream", "operation"]
# Where a check runs: verify's lifecycle, stream and compatibility phases, any sent request
# (``transport``), or the proxy's judgement of what a client sent (``client``).
Phase = Literal["lifecycle", "stream", "compatibility", "transport", "client"]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One of gatewright's checks: the id reports carry, where it runs, what it judges and why."""

    id: str
    phase: Phase
    judges: Judges
    title: str
    explanation: str


class CheckRegistry:
    """Checks by id, in registration order; an id is registered once."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[str, CheckSpec] = {}

    def register(self, spec: CheckSpec) -> CheckSpec:
        if spec.id in self._items:
            raise ValueError(f"check {spec.id!r} is registered twice")
        self._items[spec.id] = spec
        return spec

    def get_one(self, check_id: str) -> CheckSpec:
        return self._items[check_id]

    def get_all_names(self) -> list[str]:
        return list(self._items)

    def get_all(self) -> list[CheckSpec]:
        return list(self._items.values())

    def in_phase(self, phase: Phase) -> tuple[CheckSpec, ...]:
        return tuple(spec for spec in self._items.values() if spec.phase == phase)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._items

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


CHECKS = CheckRegistry()


def check(check_id: str, *, phase: Phase, judges: Judges, title: str, explanation: str) -> CheckSpec:
    """Register one of gatewright's checks; the ``CheckSpec`` the code that performs it names it by."""
    return CHECKS.register(CheckSpec(check_id, phase, judges, title, explanation))


# schemathesis's checks (registered by schemathesis): the part of the spec each one judges.
SCHEMATHESIS_JUDGES: dict[str, Judges] = {
    "status_code_conformance": "responses",
    "content_type_conformance": "responses",
    "response_headers_conformance": "responses",
    "response_schema_conformance": "responses",
    "not_a_server_error": "responses",
    "negative_data_rejection": "request",
    "positive_data_acceptance": "request",
    "missing_required_header": "request",
    "ignored_auth": "security",
}


def judges(check_id: str) -> Judges:
    """The part of the spec a finding of ``check_id`` (ours or schemathesis's) points at."""
    if check_id in CHECKS:
        return CHECKS.get_one(check_id).judges
    return SCHEMATHESIS_JUDGES.get(check_id, "operation")


# --- any request ---------------------------------------------------------------------------

REQUEST_COMPLETES = check(
    "request_completes",
    phase="transport",
    judges="operation",
    title="Request completes",
    explanation="a request gets an answer: no refused or reset connection, no timeout",
)
PUBLIC_ACCESS = check(
    "public_access",
    phase="transport",
    judges="security",
    title="Public operation answers without credentials",
    explanation="an operation the spec marks public (security: []) does not refuse a request without "
    "credentials with 401/403",
)

# --- task lifecycles (x-gatewright-task) ---------------------------------------------------

TASK_CREATED = check(
    "task_created",
    phase="lifecycle",
    judges="task",
    title="Task created",
    explanation="a documented request to the create operation answers 2xx with a task id",
)
TASK_STATUS_DECLARED = check(
    "task_status_declared",
    phase="lifecycle",
    judges="task",
    title="Task status declared",
    explanation="every poll answer carries a status, one of the declared status values",
)
TASK_STATUS_FORWARD = check(
    "task_status_forward",
    phase="lifecycle",
    judges="task",
    title="Task status moves forward",
    explanation="status moves forward only (initial -> running -> terminal), never out of a terminal state",
)
TASK_TERMINATES = check(
    "task_terminates",
    phase="lifecycle",
    judges="task",
    title="Task terminates",
    explanation="polls answer and the task reaches a terminal state within the task timeout",
)
TASK_RESULT = check(
    "task_result",
    phase="lifecycle",
    judges="task",
    title="Task result",
    explanation="a succeeded task carries a value at its declared result",
)
TASK_CANCEL = check(
    "task_cancel",
    phase="lifecycle",
    judges="task",
    title="Task cancel",
    explanation="a cancelled fresh task ends cancelled (a documented 400/409/422 refusal aside)",
)
BATCH_COUNTS = check(
    "task_batch_counts",
    phase="lifecycle",
    judges="task",
    title="Batch request counts",
    explanation="a finished batch's request_counts add up: completed + failed never past total, equal to it "
    "(and total the lines sent) once the batch succeeded",
)
BATCH_OUTPUT = check(
    "task_batch_output",
    phase="lifecycle",
    judges="task",
    title="Batch output",
    explanation="a succeeded batch's output and error files are JSONL holding one line per completed and "
    "failed request; each output line names a custom_id sent, once, and its response body is valid "
    "against the response schema of the route its request called; no line failed with a 5xx",
)

# --- event streams (text/event-stream) -----------------------------------------------------

STREAM_STARTS = check(
    "stream_starts",
    phase="stream",
    judges="stream",
    title="Stream starts",
    explanation="a valid request with stream: true answers 200 text/event-stream",
)
STREAM_CHUNKS = check(
    "stream_chunks",
    phase="stream",
    judges="stream",
    title="Stream chunks",
    explanation="the stream carries events, each with the shape of its declared stream format",
)
STREAM_TERMINATES = check(
    "stream_terminates",
    phase="stream",
    judges="stream",
    title="Stream terminates",
    explanation="the stream ends with its format's terminal event within the stream timeout",
)

# --- compatibility claims (x-gatewright-compatible) ----------------------------------------

COMPAT_TOOL_CALL = check(
    "compat_tool_call",
    phase="compatibility",
    judges="compatibility",
    title="Tool calls",
    explanation=(
        "tool_choice required / named / Anthropic any / tool answers with that tool call; "
        "its arguments parse and validate against the tool schema sent"
    ),
)
COMPAT_STRUCTURED_OUTPUT = check(
    "compat_structured_output",
    phase="compatibility",
    judges="compatibility",
    title="Structured output",
    explanation=(
        "response_format json_schema (Responses text.format) answers JSON valid against the schema sent"
    ),
)
COMPAT_N = check(
    "compat_n",
    phase="compatibility",
    judges="compatibility",
    title="n choices",
    explanation="n=2 answers two choices, indexes 0 and 1",
)
COMPAT_TOKEN_LIMIT = check(
    "compat_token_limit",
    phase="compatibility",
    judges="compatibility",
    title="Token limit",
    explanation="max_tokens=1 finishes with length / max_tokens",
)
COMPAT_USAGE = check(
    "compat_usage",
    phase="compatibility",
    judges="compatibility",
    title="Usage",
    explanation="usage is there and total = prompt + completion",
)
COMPAT_FRESH_IDS = check(
    "compat_fresh_ids",
    phase="compatibility",
    judges="compatibility",
    title="Fresh ids",
    explanation="two identical requests get different ids",
)
COMPAT_STREAM = check(
    "compat_stream",
    phase="compatibility",
    judges="compatibility",
    title="Streams",
    explanation=(
        "a stream ends with [DONE] / message_stop / response.completed, one id across chunks, "
        "usage with include_usage"
    ),
)
COMPAT_STREAM_TOOL_CALL = check(
    "compat_stream_tool_call",
    phase="compatibility",
    judges="compatibility",
    title="Streamed tool calls",
    explanation="a streamed tool call reassembles (by index, fragments joined) into valid arguments",
)
COMPAT_EMBEDDINGS = check(
    "compat_embeddings",
    phase="compatibility",
    judges="compatibility",
    title="Embeddings",
    explanation=(
        "four inputs give four vectors in order (the same text, the same vector); "
        "dimensions=8 (base64) gives 8"
    ),
)

# --- the client's side (proxy) -------------------------------------------------------------

REQUEST_DOCUMENTED = check(
    "request_documented",
    phase="client",
    judges="operation",
    title="Request documented",
    explanation="the request's path and method are documented by an operation of the spec",
)
REQUEST_PARAMETERS_CONFORMANCE = check(
    "request_parameters_conformance",
    phase="client",
    judges="operation",
    title="Request parameters conform",
    explanation="every required parameter is sent and every value sent is valid against its schema",
)
REQUEST_BODY_CONFORMANCE = check(
    "request_body_conformance",
    phase="client",
    judges="operation",
    title="Request body conforms",
    explanation="a required body is sent, as a documented media type and (JSON) valid against its schema",
)
