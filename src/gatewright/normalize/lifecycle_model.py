"""What a lifecycle file declares, as frozen values the passes apply (read by ``normalize/lifecycles.py``).

A file (docs/lifecycles.md) declares task lifecycles (``Lifecycle``), the bodies and required fields they
need (``Shape``, ``Required``) and the ``behaviours`` a spec states only in prose (``Behaviour``): an
idempotency header, a ``sync`` flag, a no-op cancel of a finished job, ids served on generic routes, a
counter that follows a stream, the fields a list's ``expand`` parameter adds to its items, what the
prose says about auth (an API key header accepted beside the bearer token, a header an operation
requires), what it says a field's values look like (``FieldPattern``) or default to
(``FieldDefault``), which field's values a parameter takes (``FieldValues``) and which answer field
restates a request field (``EchoAs``), what purpose a file a request names was uploaded with
(``FilePurpose``), the order a list comes in (``list_order``) and the tasks a list shows when a parameter
asks for another lifecycle's (``ListShows``).
Operations are named ``METHOD /path``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gatewright.spec.tasks import States

__all__ = [
    "AUTH_KINDS",
    "BEHAVIOURS",
    "ApiKeyHeader",
    "ApiLifecycles",
    "Behaviour",
    "EchoAs",
    "Expansion",
    "FieldDefault",
    "FieldPattern",
    "FieldValues",
    "FilePurpose",
    "Lifecycle",
    "ListShows",
    "Required",
    "RequiredHeader",
    "Shape",
    "Transcript",
]


@dataclass(frozen=True, slots=True)
class Shape:
    """A response body the document leaves opaque, declared so the mock has something real to serve."""

    name: str
    replaces: str  # the free-form component the 2xx responses referenced
    schema: dict[str, Any]
    why: str


@dataclass(frozen=True, slots=True)
class Required:
    """Fields a schema leaves optional although the prose shows them on every body."""

    schema: str
    fields: tuple[str, ...]
    why: str


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """One create -> poll (-> cancel) lifecycle. ``creates``, ``poll`` and ``cancel`` are ``METHOD /path``."""

    name: str
    creates: tuple[str, ...]
    poll: str
    id: str  # runtime expression on the create response
    status: str  # JSON pointer into the poll response body
    states: States
    result: str | None = None  # JSON pointer into the poll response body
    cancel: str | None = None
    prefer: str | None = None
    async_when: str | None = None  # runtime expression on the create request that makes it a task
    poll_body_id: str | None = None  # pointer into the poll request body, for polls that are POSTs
    serve: str | None = None  # a Shape name: the create and poll 2xx bodies become that shape
    fork_poll_schema: str | None = None  # copy the shared poll schema under this name before editing it
    add_status_values: tuple[str, ...] = ()  # values the existing status enum lacks
    retention_seconds: int | None = None
    why: str = ""  # the decisions taken for this lifecycle, copied into the repair log


# What a behaviour statement may say, and which role its operations play (None: any operation). The
# lifecycle file schema (spec/schemas/lifecycles.schema.json) names the same kinds.
BEHAVIOURS: dict[str, str | None] = {
    "idempotency": None,  # {header: NAME}: a repeated key answers the first answer again
    "sync_when": "create",  # $request.body#/<pointer>: true there answers the finished result, not a task
    "finished_cancel": "cancel",  # noop: cancelling a finished task changes nothing (it stays readable)
    "also_served_by": "poll",  # [METHOD /path]: other polls that serve these tasks too, in their own words
    "id_prefix": "create",  # the prefix the API's task ids carry
    "counter": "poll",  # {field: /pointer, follows: METHOD /path}: the last event number of that stream
    "set_on_success": "poll",  # [/pointer, ...]: poll body fields null until the task succeeds, then set
    "api_key_header": None,  # an apiKey header scheme accepted beside the bearer token (no operations)
    "required_header": None,  # a header parameter the operations require
    "expand": None,  # {parameter, fields, all}: the item fields a list leaves out unless its parameter asks
    "field_pattern": None,  # the pattern a component's field follows, or also accepts (no operations)
    "echo_as": None,  # {field, as}: the answer's field ``as`` restates the request's ``field``
    "field_values": None,  # a parameter of the operations takes the values a component's field holds
    "field_default": None,  # the value a component's field takes when not sent (no operations)
    "reasoning_content": None,  # [regex, ...]: the models whose chat answers show their chain of thought
    "parameter_default": None,  # {name, value}: the value a parameter of the operations takes when not sent
    "running_cancel": "cancel",  # a 2xx status: what cancelling a running task answers (its end via GET)
    "rerank": None,  # {results: /pointer}: the answer ranks the request's documents against its query
    "file_purpose": None,  # {field, purpose}: the file the request names there was uploaded for that purpose
    "list_order": None,  # asc or desc: the order a list's items come in where the request asks none
    "follow_up": "create",  # $request.body#/<pointer>: the id there names a task the request continues
    "actions": None,  # {parameter, moves}: routes under a lifecycle's poll that move its task (stop, start)
    "transcript": None,  # {messages, prompt, answer}: a route under a lifecycle's poll reads its conversation
    "mcp": None,  # {tools: [...]}: the route is an MCP server over JSON-RPC 2.0 listing these tools
    "list_shows": None,  # {parameter, value, tasks}: with that value a list shows another lifecycle's tasks
}
AUTH_KINDS = ("api_key_header", "required_header")  # applied by the prose_auth pass


@dataclass(frozen=True, slots=True)
class ApiKeyHeader:
    """An API key header the prose accepts wherever the bearer token is: a ``securitySchemes`` entry."""

    scheme: str  # its name under components/securitySchemes
    header: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RequiredHeader:
    """A header parameter the prose says an operation requires."""

    name: str
    schema: dict[str, Any]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Expansion:
    """A list whose items are summaries unless a query parameter asks for more: the fields it may add
    (each left out unless named) and the word that adds them all (``?expand=all``)."""

    parameter: str
    fields: tuple[str, ...]
    all: str | None = None


@dataclass(frozen=True, slots=True)
class FieldPattern:
    """What the prose says a field's strings look like: the ``pattern`` of ``field`` in the component
    ``schema``. Without ``widens`` its values must match it (a window of ``'24h'``, ``'30m'``); with it,
    strings that match are accepted beside the values the schema lists (a fine-tune's id where a
    catalog enum is the model), ``description`` saying what they are. ``parameters`` name the same
    values elsewhere (``("GET /v1/models/{model_id}", "model_id")``: the id a chat takes is one the
    model route retrieves), and take the pattern alike."""

    schema: str  # a component schema name
    field: str  # a property it declares
    pattern: str  # an ECMA-262 regular expression, anchored where it means the whole value
    widens: bool = False
    description: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()  # (METHOD /path, parameter name)


@dataclass(frozen=True, slots=True)
class FieldDefault:
    """What the prose says a field is when not sent, where its schema declares no ``default``: ipop's
    fine-tune ``learning_rate``, "Adam learning rate. Default 1e-4.", beside siblings whose schema says
    ``default: 3``. ``value`` becomes the ``default`` of ``field`` in the component ``schema``."""

    schema: str  # a component schema name
    field: str  # a property it declares
    value: Any  # a JSON value the field's own schema accepts


@dataclass(frozen=True, slots=True)
class ParameterDefault:
    """What the prose says a parameter is when not sent, where its schema declares no ``default``: ipop's
    vector store list, "Use the `limit` query param to cap the page size (default 20, max 100)."."""

    name: str  # a parameter each operation declares, its schema inline
    value: Any  # a JSON value the parameter's own schema accepts


@dataclass(frozen=True, slots=True)
class FieldValues:
    """A parameter whose values are those a component's field holds: ipop's upload ``purpose`` (any
    string in the query) "selects the storage purpose", which its file object states from a list."""

    parameter: str  # a parameter each operation declares
    schema: str  # a component schema name
    field: str  # a property it declares


@dataclass(frozen=True, slots=True)
class Move:
    """What one action does to a task: allowed in the statuses ``from`` (empty: any), it shows ``via``
    while it moves and ends in ``to``; without ``to`` it changes nothing (empiriolabs' ``refresh``)."""

    from_: tuple[str, ...] = ()
    via: str | None = None
    to: str | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"from": list(self.from_)} if self.from_ else {}
        return {**found, **({"via": self.via} if self.via else {}), **({"to": self.to} if self.to else {})}


@dataclass(frozen=True, slots=True)
class Actions:
    """Routes that act on a task's item (empiriolabs' ``POST /v1/gpu/instances/{instance_id}/{action}``):
    the path ``parameter`` names the action, ``moves`` what each does to the task."""

    parameter: str
    moves: tuple[tuple[str, Move], ...]


@dataclass(frozen=True, slots=True)
class Transcript:
    """A route under a lifecycle's poll that lists its task's conversation (empiriolabs' ``GET
    /v1/agents/{task_id}/messages``: "list every step the agent has emitted so far"): the list goes at
    ``messages`` of its answer, the user's words are at ``prompt`` of each create (or follow-up) request,
    the agent's answer at ``answer`` of the poll's body once the task succeeded."""

    messages: str
    prompt: str
    answer: str

    def as_json(self) -> dict[str, str]:
        return {"messages": self.messages, "prompt": self.prompt, "answer": self.answer}


@dataclass(frozen=True, slots=True)
class EchoAs:
    """What the prose says an answer field is: the request's top-level ``field`` restated under the
    answer's name ``answer`` (ipop's fine-tune ``model``, "Base model catalog id.", is its job's
    ``base_model_id``), which names alone do not tell."""

    field: str  # a top-level property of the operation's JSON request body
    answer: str  # a property of its 2xx JSON answer, at its top or in an object directly under it


@dataclass(frozen=True, slots=True)
class FilePurpose:
    """What the prose says of a file a request names: it must be one uploaded with ``purpose`` (ipop's
    batch create: "The input file must have been uploaded via POST /v1/files with purpose=batch.")."""

    field: str  # a top-level property of the operation's JSON request body: the file's id
    purpose: str  # the purpose its upload stated


@dataclass(frozen=True, slots=True)
class ListShows:
    """A list that shows another lifecycle's tasks when a query parameter has a value: voxvey's video list
    "Proxies video listing to OpenAI by default, ... or to provider-native tasks when `provider=byte` is
    supplied." The parameter takes the value (its enum gains it), the list then shows the tasks polled at
    ``tasks`` in place of its own."""

    parameter: str  # a query parameter each list declares with an inline schema
    value: str  # the word that selects the other tasks
    tasks: str  # METHOD /path: the poll of the lifecycle(s) whose tasks the list then shows


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One statement a spec makes in prose, as data: ``kind`` (a ``BEHAVIOURS`` key) with its ``value``
    for ``operations`` (``METHOD /path``); ``why`` is the spec's words, quoted verbatim (the pass
    finds them in the document), ``note`` any reading of them, ``reason`` what the repair log says in
    their place when given. ``line`` is where it is in the file."""

    kind: str
    operations: tuple[str, ...]
    # idempotency: the header; counter: (field, follows); also_served_by, set_on_success: tuples;
    # api_key_header: an ApiKeyHeader; required_header: a RequiredHeader; expand: an Expansion;
    # field_pattern: a FieldPattern; field_default: a FieldDefault; field_values: a FieldValues;
    # echo_as: an EchoAs; reasoning_content: a tuple of model patterns; parameter_default: a ParameterDefault;
    # running_cancel: a status code; rerank: the results pointer; file_purpose: a FilePurpose;
    # list_order: asc or desc; actions: an Actions; mcp: a tuple of tools (mappings); list_shows: a ListShows;
    # else the string
    value: Any
    why: str
    note: str = ""
    line: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ApiLifecycles:
    """Everything one lifecycle file declares; ``source`` names the file in the pass's errors."""

    lifecycles: tuple[Lifecycle, ...]
    shapes: tuple[Shape, ...] = ()
    required: tuple[Required, ...] = ()
    source: str = ""
    behaviours: tuple[Behaviour, ...] = ()

    def stated(self, kind: str, operation: str) -> Behaviour | None:
        """The statement of ``kind`` about ``operation`` (``METHOD /path``), if the file makes one."""
        return next((b for b in self.behaviours if b.kind == kind and operation in b.operations), None)

    def statements(self, *kinds: str) -> tuple[Behaviour, ...]:
        """The statements of the given kinds, in file order."""
        return tuple(b for b in self.behaviours if b.kind in kinds)
