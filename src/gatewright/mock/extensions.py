"""The seam where task lifecycles and streaming plug into the request pipeline.

An ``Extension`` is offered every operation of every served API once, at app
creation, and returns an ``OperationHook`` for the ones it handles (e.g. the
task engine for operations with ``x-gatewright-task``, an SSE writer for
``text/event-stream`` responses). After routing, auth, validation and
negotiation, the pipeline calls the operation's hooks in order; the first one
that returns a response wins, ``None`` falls through to the default renderer.
Extensions' state shows in the control API and is cleared by its reset.

Extensions never import each other (ARCHITECTURE.md, mock, "Extensions and services"): the modules
of each are listed in ``EXTENSION_MODULES``, every other module of the mock is a service any of them
may use, and what one extension needs of another while it runs is a small protocol here
(``AnswerSource``, ``FileKeeper``, ``TaskStarter``) that ``mock.defaults`` fills with the concrete
extension. ``tests/unit/mock/test_extension_layering.py`` holds the code to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from aiohttp import web

from gatewright.mock.negotiation import Decision, json_answer
from gatewright.mock.outcome import JsonOutcome
from gatewright.mock.preferences import Preferences

if TYPE_CHECKING:
    from gatewright.mock.journal import JournalEntry
    from gatewright.mock.operations import MockApi, MockOperation
    from gatewright.mock.rules.models import Reply
    from gatewright.mock.state import ResourceStore
    from gatewright.mock.tasks.engine import TaskEngine
    from gatewright.mock.tasks.facts import FactsOf, FactsRef
    from gatewright.mock.tasks.index import Lifecycle, LifecycleIndex
    from gatewright.mock.tasks.models import Outcome
    from gatewright.mock.tasks.responses import TaskBodies
    from gatewright.mock.uploaded_files import Kept, Upload

__all__ = [
    "ASSEMBLY_MODULES",
    "EXTENSION_MODULES",
    "AnswerSource",
    "ConversationKeeper",
    "Conversations",
    "DirectAnswer",
    "DirectLane",
    "Extension",
    "FileKeeper",
    "MockCall",
    "OperationHook",
    "Refused",
    "StepsAside",
    "TaskHookMaker",
    "TaskStarter",
]

# The modules of each extension, by its ``name`` (the stored responses and the message threads are the
# answers' too: they keep what the answers give). No extension's modules import another's; every module
# of the mock not listed here is a service (shared vocabulary, stores, engines, wire formats) and imports
# none of them. A package's ``__init__`` is a facade: a name imported through it counts as its source
# module's.
EXTENSION_MODULES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "answers": frozenset(
            {
                "gatewright.mock.answers.extension",
                "gatewright.mock.answers.stored",
                "gatewright.mock.answers.threads",
            }
        ),
        "batches": frozenset({"gatewright.mock.batches", "gatewright.mock.batch_lines"}),
        "file_purposes": frozenset({"gatewright.mock.file_purposes"}),
        "media": frozenset({"gatewright.mock.media_answers"}),
        "replay": frozenset({"gatewright.mock.replay.extension"}),
        "streams": frozenset({"gatewright.mock.streaming.extension"}),
        "tasks": frozenset({"gatewright.mock.tasks.extension", "gatewright.mock.tasks.hooks"}),
        "uploads": frozenset({"gatewright.mock.uploads"}),
        "vector_stores": frozenset({"gatewright.mock.vector_stores", "gatewright.mock.vector_store_items"}),
    }
)
# The modules above the extensions: ``defaults`` builds them and hands each what it needs of the others,
# ``app`` installs them (replay too), ``server`` runs the app. Only these (and facades) import an
# extension's module; no extension or service imports one of these.
ASSEMBLY_MODULES = frozenset({"gatewright.mock.defaults", "gatewright.mock.app", "gatewright.mock.server"})


UNKNOWN: Any = object()  # a fact of a ``MockCall`` not worked out yet


@dataclass(slots=True)  # per request: not frozen (ARCHITECTURE.md, mock)
class MockCall:
    """One validated request on its way to a response."""

    request: web.Request
    api: MockApi
    operation: MockOperation
    path_params: Mapping[str, str]
    body: Any  # parsed JSON/form body, raw bytes for other media, None without a body
    preferences: Preferences
    decision: Decision
    store: ResourceStore
    reply: Reply | None = None  # a rule's reply for the extensions to render (scripted answer, faults)
    headers: tuple[tuple[str, str], ...] = ()  # added to the answer (a rule's headers, rate limits)
    raw: bytes = b""  # the body as received (what ``body`` was parsed from)
    exchange: JournalEntry | None = None  # the request's journal entry, filled in on the way (None: none)
    conversations: Conversations | None = None  # what a continued response saw before (``prompt_of``)
    # What stages learn of the request once and pass on, each worked out on first use:
    json: Any = UNKNOWN  # the 2xx JSON answer it gets (``json_decision``), None: none
    prompt: Any = UNKNOWN  # the ``Prompt`` of its wire shape (``answers.prompt.prompt_of``), None: none

    def json_decision(self) -> Decision | None:
        """The 2xx JSON answer this request gets (``negotiation.json_answer``; the pipeline hands in
        the one it negotiated with ``decision``), None where the client steers the mock elsewhere."""
        if self.json is UNKNOWN:
            self.json = json_answer(self.operation.responses, self.preferences, self.decision)
        decision: Decision | None = self.json  # typed, not ``cast``: a call on every answer
        return decision


class Refused(Exception):
    """A hook's refusal of a request it will not answer (more choices than the mock composes, a thread
    it does not hold): the pipeline answers it in the API's own error envelope, a batch fails the line
    that asked. ``details``: the machine-readable cause where the API gives one (Anthropic's
    ``error.details``, ``{"error_code": "thread_not_found"}``)."""

    def __init__(
        self, status: int, message: str, param: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.details = status, message, param, details


class OperationHook(Protocol):
    async def __call__(self, call: MockCall) -> web.StreamResponse | JsonOutcome | None: ...


class Extension(Protocol):
    """What the pipeline asks of an extension. Two more methods are optional (looked up by name), for the
    direct lane (``DirectLane``): ``direct(api, operation) -> DirectAnswer | None`` and
    ``steps_aside(api, operation) -> StepsAside | None``."""

    name: str
    # Its hooks answer or step aside by the request alone (no task state, no sequence), so a
    # byte-identical request meets the same decision and may be answered again (``mock.repeats``).
    repeatable: bool

    def bind(self, api: MockApi, operation: MockOperation) -> OperationHook | None: ...

    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...


# --- the direct lane: a plain request answered without a ``MockCall`` or the hooks ---

# Whether an extension's hook on an operation steps aside for a request (its parsed body, its headers).
StepsAside = Callable[[Any, "Mapping[str, str]"], bool]


class DirectAnswer(Protocol):
    """An operation's JSON answer to a plain request (its parsed body, its bytes, the 2xx JSON answer
    negotiated), checked against its schema: sent as it is, or as a ``JsonOutcome`` where a repeat may be
    given it again (``mock.repeats``); None to leave it to the hooks. May raise ``Refused``."""

    def __call__(self, body: Any, raw: bytes, decision: Decision) -> web.Response | JsonOutcome | None: ...


@dataclass(frozen=True, slots=True)
class DirectLane:
    """The answer to a request that asks nothing of the hooks' stage, made without it.

    Most requests to an LLM route are plain: no rule installed, no ``Prefer``, the JSON answer, no
    stream, no conversation continued. For those, the operation's hooks would only have the stream hook
    step aside and the answer hook compose; the lane has the answering extension (``answer``) compose
    directly, once every other hook on the operation has said it steps aside (``asides``), with no
    ``MockCall`` and no hook calls (a new-prompt chat request costs about a tenth less: ``benchmarks/``).
    The pipeline takes it only when no rules are active and the request sends no ``Prefer``; ``answer``
    returns None for what it leaves to the hooks."""

    answer: DirectAnswer
    asides: tuple[StepsAside, ...] = ()

    def __call__(
        self, body: Any, raw: bytes, headers: Mapping[str, str], decision: Decision
    ) -> web.Response | JsonOutcome | None:
        for aside in self.asides:
            if not aside(body, headers):
                return None
        return self.answer(body, raw, decision)

    @staticmethod
    def of(
        api: MockApi,
        operation: MockOperation,
        bound: Sequence[Extension],
        conversations: Conversations | None,
    ) -> DirectLane | None:
        """The lane of ``operation``, whose hooks ``bound`` made (in order); None where one of them cannot
        say when it steps aside, none answers directly, or the operation's wire continues conversations
        (a continued request's prompt reads them: ``answers.prompt.prompt_as``)."""
        wire = operation.wire
        if wire is None or (isinstance(conversations, AllConversations) and conversations.keeps(wire)):
            return None
        answer: DirectAnswer | None = None
        asides: list[StepsAside] = []
        for extension in bound:
            direct = getattr(extension, "direct", None)
            offered = direct(api, operation) if direct is not None and answer is None else None
            if offered is not None:
                answer = offered
                continue
            steps_aside = getattr(extension, "steps_aside", None)
            aside = steps_aside(api, operation) if steps_aside is not None else None
            if aside is None:
                return None
            asides.append(aside)
        return DirectLane(answer, tuple(asides)) if answer is not None else None


# --- what one extension needs of another while it runs (``mock.defaults`` passes the concrete one) ---


class AnswerSource(Protocol):
    """The LLM answer a compatible request gets (``answers.AnswerExtension``): a stream replays it as
    events, a batch answers each line of its input file with it."""

    def body_for(self, call: MockCall) -> dict[str, Any] | None: ...


@runtime_checkable
class Conversations(Protocol):
    """What came before a request that continues a kept conversation, as the model reads it: a
    Responses ``previous_response_id``'s items before its input (``answers.StoredResponses``), an
    Anthropic thread's messages before its own (``answers.MessageThreads``)."""

    def continued(self, wire: str, api: str, body: Mapping[str, Any]) -> Mapping[str, Any]: ...


@runtime_checkable
class ConversationKeeper(Protocol):
    """An extension that keeps the conversations of one ``wire`` (what ``AllConversations`` gathers): it
    is shown only that wire's requests."""

    wire: str

    def continued(self, api: str, body: Mapping[str, Any]) -> Mapping[str, Any]: ...


class AllConversations:
    """Every installed keeper of conversations, as one (``MockCall.conversations``): a request is shown
    only to the keepers of its wire (every chat request asks, and no keeper continues a chat)."""

    def __init__(self, keepers: Sequence[ConversationKeeper]) -> None:
        self.keepers = tuple(keepers)
        self._by_wire: dict[str, tuple[ConversationKeeper, ...]] = {}
        for keeper in self.keepers:
            self._by_wire[keeper.wire] = (*self._by_wire.get(keeper.wire, ()), keeper)

    def keeps(self, wire: str) -> bool:
        """Whether a keeper continues conversations of ``wire``."""
        return wire in self._by_wire

    def continued(self, wire: str, api: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        for keeper in self._by_wire.get(wire, ()):
            body = keeper.continued(api, body)
        return body


class FileKeeper(Protocol):
    """Keeps a file as an upload is kept (``uploads.UploadExtension``): a batch's output and error files."""

    def keep(
        self, api: MockApi, op: MockOperation, store: ResourceStore, upload: Upload, *, base: str
    ) -> Kept | None: ...


class TaskHookMaker(Protocol):
    """The task hooks another extension starts a task with, or answers a task's routes through."""

    def start(
        self,
        lifecycle: Lifecycle,
        call: MockCall,
        *,
        task_id: str | None = None,
        outcome: Outcome | None = None,
        results: tuple[str, ...] | None = None,
        facts: FactsRef | None = None,
    ) -> web.StreamResponse | JsonOutcome | None: ...

    def poll_hook(self, lifecycles: list[Lifecycle]) -> OperationHook: ...

    def cancel_hook(self, lifecycles: list[Lifecycle]) -> OperationHook: ...


class TaskStarter(Protocol):
    """The task extension as the extensions that start its tasks with what they read see it (batches,
    vector stores): its engine, lifecycles, bodies and hooks, and the facts they register."""

    @property
    def engine(self) -> TaskEngine: ...

    @property
    def index(self) -> LifecycleIndex: ...

    @property
    def bodies(self) -> TaskBodies: ...

    @property
    def hooks(self) -> TaskHookMaker: ...

    def register_facts(self, name: str, of: FactsOf) -> None: ...
