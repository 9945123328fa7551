"""The one module that talks to schemathesis (4.x); everything else sees gatewright values.

Public entry points only (``schemathesis.openapi.from_dict``, ``find_operation_by_id``,
``get_strategies_from_examples``, ``as_strategy``, the schema's ``iter_coverage_cases`` (the
generator behind ``st run``'s coverage phase), ``Case.call``, ``Case.validate_response``,
``as_state_machine``); the internal touches are the check registry, used to pick checks by name,
and ``make_positive`` writing a case's body past the case's edit tracking. Failures are collected
per check (one ``validate_response`` per check) so every finding names the check that raised it,
and nothing raises into hypothesis, so no time is spent shrinking.

Per case, only what every case needs is done: a run's exchange and ``curl`` command are built
when a finding asks for them, and ``ignored_auth`` probes an operation until it has once seen
the operation refuse a request without credentials (enforcement is a property of the operation,
as schemathesis's own run treats it).
"""

from __future__ import annotations

import copy
import importlib
import json
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks  # the check registry: the one internal import
from schemathesis.engine.recorder import ScenarioRecorder  # what Case.validate_response(recorder=) takes

from gatewright.conformance.bodies import binary_curl, describe_body
from gatewright.conformance.checks import PUBLIC_ACCESS
from gatewright.conformance.models import Exchange
from gatewright.conformance.positive import PositiveBodies
from gatewright.conformance.redact import REDACTED, Redactor
from gatewright.conformance.served import ServedModels, refused_model
from gatewright.conformance.sessions import Sessions
from gatewright.conformance.wire import BodyMutation, form_mutations_lost, multipart_fields, values_valid
from gatewright.spec.errors import SpecError
from gatewright.spec.pointer import resolve
from gatewright.spec.validation import DocumentValidators

# schemathesis imports its coverage module lazily, on the first coverage case. Units run on worker
# threads, and under pytest (where schemathesis is a plugin whose modules pytest rewrites with
# ast.parse) a first import there races another thread's compile on CPython 3.11's shared AST
# state: "SystemError: AST constructor recursion depth mismatch". Importing it here, once, on the
# importing thread, takes the race away.
importlib.import_module("schemathesis.specs.openapi.coverage._operation")

# Checks that need more than one identity or a whole run's context are left out.
EXCLUDED_CHECKS = frozenset({"object_level_authorization"})
# Checks that only read the response: safe to apply to a poll or any single call.
RESPONSE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
BODY_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """A check that failed; ``exchange``/``curl``/``status`` are given when the exchange that failed is
    not the case's own (``ignored_auth``: its probe without, or with an invalid, credential)."""

    check: str
    title: str
    message: str
    exchange: Exchange | None = None
    curl: str = ""
    status: int | None = None


class CaseRun:
    """A sent case, its response (None on a transport error) and the checks that failed on it.

    ``exchange`` and ``curl`` are what a finding shows; most runs find nothing, so the adapter hands
    in ``describe`` and they are built on first use (given directly, they are used as they are).
    """

    __slots__ = (
        "_curl",
        "_describe",
        "_exchange",
        "case",
        "checks",
        "error",
        "failures",
        "phase",
        "response",
    )

    def __init__(
        self,
        case: Any,
        response: Any,
        phase: str,
        *,
        exchange: Exchange | None = None,
        curl: str = "",
        checks: tuple[str, ...] = (),
        failures: list[CheckFailure] | None = None,
        error: str | None = None,
        describe: Callable[[], tuple[Exchange | None, str]] | None = None,
    ) -> None:
        self.case = case
        self.response = response
        self.phase = phase
        self.checks = checks
        self.failures: list[CheckFailure] = failures if failures is not None else []
        self.error = error
        self._exchange = exchange
        self._curl = curl
        self._describe = describe

    def _described(self) -> None:
        if self._describe is not None:
            describe, self._describe = self._describe, None
            self._exchange, self._curl = describe()

    @property
    def exchange(self) -> Exchange | None:
        self._described()
        return self._exchange

    @property
    def curl(self) -> str:
        self._described()
        return self._curl

    @property
    def status(self) -> int | None:
        return None if self.response is None else int(self.response.status_code)

    def json(self) -> Any:
        if self.response is None:
            return None
        try:
            return self.response.json()
        except Exception:
            return None


class BudgetSpent(Exception):
    """``--budget`` requests (or ``--budget-tokens`` estimated tokens) are spent: nothing more goes out."""


CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and JSON; an estimate, said as such


class RunStopped(Exception):
    """The run is stopping (Ctrl-C): units still working in the background send nothing more."""


class RateLimiter:
    """The gate every request passes: at most ``per_second`` requests per second across threads
    (None: unlimited), at most ``budget`` requests in all and at most ``budget_tokens`` estimated
    tokens in and out (None: no budget; ``BudgetSpent``). Tokens are estimated from the bytes
    sent and the answer's declared length (``CHARS_PER_TOKEN``), charged after each answer.

    ``close`` shuts the gate for good (``RunStopped``), and ``pause`` is how a waiting unit sleeps,
    so a unit polling in the background stops as soon as the run does.
    """

    def __init__(
        self, per_second: float | None, budget: int | None = None, budget_tokens: int | None = None
    ) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.budget = budget
        self.budget_tokens = budget_tokens
        self.sent = 0
        self.tokens = 0

    @property
    def budgeted(self) -> bool:
        return self.budget is not None or self.budget_tokens is not None

    @property
    def spent(self) -> bool:
        return (self.budget is not None and self.sent >= self.budget) or (
            self.budget_tokens is not None and self.tokens >= self.budget_tokens
        )

    def describe(self) -> str:
        """The budget as the report names it (``--budget of 12 requests``)."""
        parts = [f"--budget of {self.budget} requests"] if self.budget is not None else []
        if self.budget_tokens is not None:
            parts.append(f"--budget-tokens of {self.budget_tokens} estimated tokens")
        return " / ".join(parts)

    def charge(self, sent: int, received: int) -> None:
        """Count the estimated tokens of one exchange (``sent`` and ``received`` are byte counts)."""
        with self._lock:
            self.tokens += (sent + received + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN

    def close(self) -> None:
        self._closed.set()

    def pause(self, seconds: float) -> None:
        if self._closed.wait(seconds):
            raise RunStopped("the run is stopping")

    def wait(self) -> None:
        if self._closed.is_set():
            raise RunStopped("the run is stopping")
        with self._lock:
            if self.spent:
                raise BudgetSpent(f"the {self.describe()} is spent")
            self.sent += 1
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            self.pause(delay)


Auth = Callable[[str], tuple[dict[str, str], dict[str, str]]]  # operationId -> (headers, query)


def _checks_by_name() -> dict[str, Any]:

    load_all_checks()
    return dict(zip(CHECKS.get_all_names(), CHECKS.get_all(), strict=True))


def _settings(max_examples: int, seed: int | None) -> settings:
    return settings(
        max_examples=max(1, max_examples),
        database=None,
        deadline=None,
        derandomize=seed is not None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        print_blob=False,
        report_multiple_bugs=False,
        # Nothing raises into hypothesis but a give-up (Unsatisfiable, a spent budget, Ctrl-C), which
        # it would announce as a failure with an @seed line; the run reports its own outcome.
        verbosity=Verbosity.quiet,
    )


class SchemathesisAdapter:
    """Sends schemathesis cases to one base URL with credentials, a timeout and a rate limit."""

    def __init__(
        self,
        document: dict[str, Any],
        *,
        base_url: str,
        redactor: Redactor,
        auth: Auth,
        timeout: float,
        limiter: RateLimiter,
        seed: int | None,
        extra_headers: dict[str, str] | None = None,
        generate_credentials: bool = False,
        served: ServedModels | None = None,
        public: frozenset[str] = frozenset(),
    ) -> None:
        document = copy.deepcopy(document)
        document["servers"] = [{"url": base_url}]  # canonical paths are full paths; never add a base path
        try:
            self.schema = schemathesis.openapi.from_dict(document)
        except schemathesis.errors.LoaderError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SpecError(f"schemathesis cannot load the spec: {reason}") from None
        # Reproductions send the data the run sent: schemathesis would mask every field whose name
        # looks sensitive (``max_tokens`` included); the credentials are masked here, by ``curl``.
        self.schema.config.output.sanitization.update(enabled=False)
        if not generate_credentials:
            # Credentials are ours to send (``auth``), never made up: a random token a server accepts
            # says nothing about its auth, and without a key requests go out without credentials.
            self.schema.config.generation.update(with_security_parameters=False)
        self.document = document
        self.validators = DocumentValidators(document)  # request-body checks share its compiled cache
        # positive requests name served models and no empty required strings (None: sent as generated)
        self.positive = PositiveBodies(document, self.validators, served) if served is not None else None
        self.base_url = base_url
        self.redactor = redactor
        self.auth = auth
        self.timeout = timeout
        self.limiter = limiter
        self.seed = seed
        self.extra_headers = dict(extra_headers or {})
        # ``ignored_auth`` sends requests of its own (without and with made-up credentials) that no
        # gate sees: under a request budget (a paid gateway) it is left out, and the run says so.
        excluded = EXCLUDED_CHECKS | ({"ignored_auth"} if limiter.budgeted else set())
        self.checks = {name: check for name, check in _checks_by_name().items() if name not in excluded}
        # Operations the spec marks public whose requests carry the key anyway (``auth``): each is
        # probed once without it (``PUBLIC_ACCESS``), a request of its own, so not under a budget either.
        self.public = frozenset() if limiter.budgeted else public
        self._public_probed: set[str] = set()
        self.version = schemathesis.__version__
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)  # operationId -> status -> times
        self._count_lock = threading.Lock()
        self.sessions = Sessions()  # keep-alive connections, one per thread
        self._auth_enforced: set[str] = set()  # operationIds whose auth ``ignored_auth`` has confirmed
        self._serializable: dict[str, bool] = {}  # request media type -> schemathesis can send it

    def close(self) -> None:
        """Close the run's HTTP connections (the adapter stays usable: they reopen on demand)."""
        self.sessions.close()

    # --- operations and cases -------------------------------------------------------------

    def operation(self, operation_id: str) -> Any:
        return self.schema.find_operation_by_id(operation_id)

    def make_case(
        self,
        operation_id: str,
        *,
        path_parameters: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        operation = self.operation(operation_id)
        kwargs: dict[str, Any] = {
            "path_parameters": path_parameters or {},
            "query": query or {},
            "headers": headers or {},
        }
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        return operation.Case(**kwargs)

    def valid_case(self, operation_id: str) -> Any | None:
        """A request the spec calls valid: the first documented example, else a generated one."""
        operation = self.operation(operation_id)
        fixed = self.fixed_credentials(operation_id)
        for strategy in operation.get_strategies_from_examples(**fixed):
            case = self._first(strategy)
            if case is not None:
                self.make_positive(case)
                return case
        case = self._first(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **fixed))
        if case is not None:
            self.make_positive(case)
        return case

    def _first(self, strategy: st.SearchStrategy[Any]) -> Any | None:
        found: list[Any] = []

        @given(case=strategy)
        @settings(
            max_examples=1,
            database=None,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
            verbosity=Verbosity.quiet,
        )
        def pick(case: Any) -> None:
            if not found:
                found.append(case)

        try:
            pick()
        except (hypothesis.errors.HypothesisException, schemathesis.errors.SchemathesisError):
            return None
        return found[0] if found else None

    # --- sending and checking --------------------------------------------------------------

    def fixed_credentials(self, operation_id: str) -> dict[str, dict[str, str]]:
        """The credentials as fixed values of generated cases, so negative generation never mutates them.

        Credentials added only at send time would turn a case whose sole invalid part is a removed or
        mangled ``Authorization`` header into a valid request, which the server rightly accepts.
        """
        headers, query = self.auth(operation_id)
        fixed: dict[str, dict[str, str]] = {}
        if headers:
            fixed["headers"] = headers
        if query:
            fixed["query"] = query
        return fixed

    def make_positive(self, case: Any) -> None:
        """A positive case's body as a real gateway can accept it (``positive.py``): a served model,
        no empty required string. Negative cases stay as generated."""
        if self.positive is None or _mode_of(case) == "negative" or not isinstance(case.body, dict):
            return
        schema = self._body_schema(case)
        if schema is None:
            return
        words = f"{case.operation.path} {case.operation.definition.raw.get('operationId', '')}"
        fixed = self.positive.fix(words, schema, case.body, whole="json" in str(case.media_type or ""))
        if fixed is not case.body:
            # Written past schemathesis's edit tracking: the fix keeps the case as valid as generated,
            # and the tracking would relabel it on send, any body with a file part as negative.
            object.__setattr__(case, "body", fixed)

    def headers_for(
        self, case: Any, extra: dict[str, str] | None = None
    ) -> tuple[dict[str, str], dict[str, str]]:
        operation_id = case.operation.definition.raw.get("operationId", "")
        headers, query = self.auth(operation_id)
        return {**self.extra_headers, **headers, **(extra or {})}, query

    def send(
        self,
        case: Any,
        *,
        phase: str,
        checks: tuple[str, ...] = RESPONSE_CHECKS,
        extra_headers: dict[str, str] | None = None,
    ) -> CaseRun:
        self.make_positive(case)
        headers, query = self.headers_for(case, extra_headers)
        self.limiter.wait()
        try:
            response = self.sessions.call(
                case, base_url=self.base_url, headers=headers, params=query or None, timeout=self.timeout
            )
        except Exception as exc:  # transport errors are findings, not crashes
            return CaseRun(
                case,
                None,
                phase,
                error=self.redactor.text(f"{type(exc).__name__}: {exc}"),
                describe=lambda: (self._exchange_of_case(case, headers), self.curl(case, headers, query)),
            )
        self.count(case, response)
        self.charge(response)
        run = CaseRun(
            case,
            response,
            phase,
            checks=checks,
            describe=lambda: (self.exchange(response), self.curl(case, headers, query)),
        )
        run.failures = self.validate(case, response, checks, headers, query)
        return run

    def charge(self, response: Any) -> None:
        """Spend the exchange's estimated tokens from ``--budget-tokens`` (when there is one)."""
        if self.limiter.budget_tokens is not None:
            self.limiter.charge(_sent_bytes(response), _declared_length(response))

    def count(self, case: Any, response: Any) -> None:
        """Tally the status an operation answered (``verify`` warns when nearly all are 404)."""
        operation_id = str(case.operation.definition.raw.get("operationId", case.path))
        with self._count_lock:  # lifecycle units count from their own threads
            self.statuses[operation_id][int(response.status_code)] += 1

    def validate(
        self,
        case: Any,
        response: Any,
        checks: tuple[str, ...],
        headers: dict[str, str],
        query: dict[str, str] | None = None,
    ) -> list[CheckFailure]:
        failures: list[CheckFailure] = []
        transport_kwargs: dict[str, Any] = {
            "base_url": self.base_url,
            "headers": headers,
            "timeout": self.timeout,
        }
        if query:
            transport_kwargs["params"] = query
        operation_id = str(case.operation.definition.raw.get("operationId", case.path))
        confirmed = operation_id in self._auth_enforced
        names = [
            name for name in checks if name in self.checks and not (confirmed and name == "ignored_auth")
        ]
        try:  # the common case, nothing fails: one pass over all checks
            case.validate_response(
                response,
                checks=[self.checks[name] for name in names],
                headers=headers,
                transport_kwargs=transport_kwargs,
            )
        except (Exception, schemathesis.errors.FailureGroup):  # name each failure: one check at a time
            pass
        else:
            if "ignored_auth" in names:
                self._auth_checked(operation_id, case, response)
            failures.extend(self._public_probe(case, response, checks=checks, headers=headers, query=query))
            return failures
        for name in names:
            check = self.checks[name]
            # ``ignored_auth`` sends probes of its own: recorded, so a finding shows the probe that failed
            recorder = ScenarioRecorder(label=operation_id) if name == "ignored_auth" else None
            try:
                case.validate_response(
                    response,
                    checks=[check],
                    headers=headers,
                    transport_kwargs=transport_kwargs,
                    recorder=recorder,
                )
            except schemathesis.errors.FailureGroup as group:
                if name == "negative_data_rejection" and self._negation_lost_on_wire(case, response):
                    continue
                if name == "positive_data_acceptance" and not self._fair_positive(case, response):
                    continue
                failures.extend(
                    self._probe_failure(name, f, recorder, case, headers)
                    if recorder is not None
                    else CheckFailure(name, self.redactor.text(f.title), self.redactor.text(f.message))
                    for f in group.exceptions
                )
            except AssertionError as exc:
                failures.append(CheckFailure(name, type(exc).__name__, self.redactor.text(str(exc))))
            except Exception as exc:  # a check that cannot run on this response is not a finding
                if isinstance(exc, schemathesis.errors.SchemathesisError):
                    continue
                raise
        if "ignored_auth" in names and not any(f.check == "ignored_auth" for f in failures):
            self._auth_checked(operation_id, case, response)
        failures.extend(self._public_probe(case, response, checks=checks, headers=headers, query=query))
        return failures

    def _public_probe(
        self,
        case: Any,
        response: Any,
        *,
        checks: tuple[str, ...],
        headers: dict[str, str],
        query: dict[str, str] | None,
    ) -> list[CheckFailure]:
        """``PUBLIC_ACCESS``, once per public operation: its first valid request that succeeded with the
        key is sent again without it; a 401/403 then is the finding, shown as the probe that got it. A
        probe that gets no answer, or any other, says nothing against the operation."""
        operation_id = str(case.operation.definition.raw.get("operationId", case.path))
        if PUBLIC_ACCESS.id not in checks or operation_id not in self.public:
            return []
        if not 200 <= int(response.status_code) < 300 or _mode_of(case) == "negative":
            return []
        with self._count_lock:
            if operation_id in self._public_probed:
                return []
            self._public_probed.add(operation_id)
        credentials, credential_query = self.auth(operation_id)
        names = {name.lower() for name in credentials}
        plain = {name: value for name, value in headers.items() if name.lower() not in names}
        kept = {name: value for name, value in (case.headers or {}).items() if name.lower() not in names}
        params = {name: value for name, value in (query or {}).items() if name not in credential_query}
        probe = case.derive(
            headers=CaseInsensitiveDict(kept),
            query={name: value for name, value in (case.query or {}).items() if name not in credential_query},
        )
        self.limiter.wait()
        try:
            answer = self.sessions.call(
                probe, base_url=self.base_url, headers=plain, params=params or None, timeout=self.timeout
            )
        except Exception:
            return []
        status = int(answer.status_code)
        if status not in (401, 403):
            return []
        message = (
            f"the spec asks no credentials for {case.method} {case.operation.path}, but without them it "
            f"answered {status} (with the key: {int(response.status_code)})"
        )
        return [
            CheckFailure(
                PUBLIC_ACCESS.id,
                "Public operation refused a request without credentials",
                self.redactor.text(message),
                exchange=self.exchange(answer),
                curl=self.curl(probe, plain),
                status=status,
            )
        ]

    def _fair_positive(self, case: Any, response: Any) -> bool:
        """Whether refusing ``case`` breaks the contract: what was sent is valid (see the two checks
        below), and the refusal is not the gateway saying it does not serve the model named."""
        if not (self._parameters_valid(case) and self._json_body_valid(case, response)):
            return False
        text = response.content.decode("utf-8", "replace") if response.content else ""
        return refused_model(int(response.status_code), text) is None

    def _probe_failure(
        self, name: str, failure: Any, recorder: ScenarioRecorder, case: Any, headers: dict[str, str]
    ) -> CheckFailure:
        """A failure of a check that sent its own probe: the probe's exchange and curl when it was
        recorded (its credential, removed or the made-up one, masked like any credential)."""
        title, message = self.redactor.text(failure.title), self.redactor.text(failure.message)
        interaction = recorder.interactions.get(str(failure.case_id))
        node = recorder.cases.get(str(failure.case_id))
        if interaction is None or interaction.response is None or node is None:
            return CheckFailure(name, title, message)
        credentials, _ = self.auth(str(case.operation.definition.raw.get("operationId", "")))
        plain = {key: value for key, value in headers.items() if key not in credentials}
        probe = interaction.response
        return CheckFailure(
            name,
            title,
            message,
            exchange=self.exchange(probe),
            curl=self.curl(node.value, plain),
            status=int(probe.status_code),
        )

    def _auth_checked(self, operation_id: str, case: Any, response: Any) -> None:
        """``ignored_auth`` passed on a valid request that succeeded: it sent its probes (without and
        with made-up credentials) and the operation refused them. One confirmation per operation is
        enough; later cases skip the two extra requests each would cost."""
        meta = case.meta
        negative = meta is not None and meta.generation.mode.is_negative
        if 200 <= int(response.status_code) < 300 and not negative:
            self._auth_enforced.add(operation_id)

    def _parameters_valid(self, case: Any) -> bool:
        """Whether the path and query values sent are valid: a stateful step can carry a value from an
        earlier response (an inferred link) that the parameter's own schema refuses, e.g. an enum."""
        for parameters, values in (
            (case.operation.path_parameters, case.path_parameters),
            (case.operation.query, case.query),
        ):
            for parameter in parameters:
                if isinstance(values, dict) and parameter.name in values:
                    value = values[parameter.name]
                    sent = [v if isinstance(v, str) else json.dumps(v) for v in _as_list(value)]
                    if not values_valid(self.document, parameter.definition.get("schema"), sent):
                        return False
        return True

    def _json_body_valid(self, case: Any, response: Any) -> bool:
        """Whether a JSON body sent as valid is valid, formats included: schemathesis 4.32.5's coverage
        phase drops ``format`` from a ``["string", "null"]`` type list and sends ``""`` as a valid
        ``date-time``/``uuid``, which a server rightly refuses. Not JSON, or no schema: True."""
        body_schema = self._body_schema(case) if "json" in str(case.media_type or "") else None
        if body_schema is None:
            return True
        sent_body = _sent_json(response.request)
        return sent_body is None or self.validators.is_valid(body_schema, sent_body)

    def _body_schema(self, case: Any) -> Any:
        """The request body schema ``case`` was generated from (its media type's), or None."""
        raw_body = case.operation.definition.raw.get("requestBody")
        try:
            request_body = resolve(self.document, raw_body["$ref"]) if "$ref" in raw_body else raw_body
            return request_body["content"][str(case.media_type or "")]["schema"]
        except (KeyError, TypeError, ValueError):
            return None

    def _negation_lost_on_wire(self, case: Any, response: Any) -> bool:
        """A negative case whose every mutation became valid data once encoded (see ``wire.py``):
        string fields of a multipart body sent as text, query values that read as valid."""
        meta = case.meta
        mutations = getattr(getattr(meta, "phase", None), "data", None)
        mutations = getattr(mutations, "mutations", None) or ()
        if meta is None or not mutations:
            return False
        # ParameterLocation is a str enum: compare with plain strings, not the internal type
        negative = {str(loc.value) for loc, c in meta.components.items() if c.mode.is_negative}
        located = {str(m.parameter_location.value) for m in mutations if m.parameter_location is not None}
        if len(located) != 1 or len(mutations) != sum(m.parameter_location is not None for m in mutations):
            return False
        if not negative <= located:
            return False
        request = response.request
        if located == {"query"}:
            query = urllib.parse.urlsplit(str(request.url)).query
            sent = urllib.parse.parse_qs(query, keep_blank_values=True)
            schemas = {p.name: p.definition.get("schema") for p in case.operation.query}
            names = {m.parameter for m in mutations}
            return all(
                name in schemas and values_valid(self.document, schemas[name], sent.get(name, []))
                for name in names
            )
        media_type = str(case.media_type or "")
        if located != {"body"}:
            return False
        body_schema = self._body_schema(case)
        if body_schema is None:
            return False
        if "json" in media_type:
            # A mutation inside one branch of a oneOf/allOf can still leave the whole body valid
            # (e.g. a `model` enum narrowed by an if/then): judge what was sent, against the whole schema.
            sent_body = _sent_json(request)
            return sent_body is not None and self.validators.is_valid(body_schema, sent_body)
        if not media_type.startswith("multipart/form-data"):
            return False
        content_type = request.headers.get("Content-Type", "")
        fields = multipart_fields(request.body, content_type) if isinstance(request.body, bytes) else None
        changes = [BodyMutation(str(m.schema_pointer), tuple(m.keywords)) for m in mutations]
        return fields is not None and form_mutations_lost(self.document, body_schema, changes, fields)

    def run_operation(
        self,
        operation_id: str,
        *,
        max_examples: int,
        modes: tuple[str, ...],
        on_run: Callable[[CaseRun], None],
    ) -> None:
        """The phases of one operation, in ``st run``'s order: its documented examples, the coverage
        cases, then fuzzing: ``2 * max_examples`` cases drawn from both modes together (as many as
        separate positive and negative tests of ``max_examples`` each would send)."""
        operation = self.operation(operation_id)
        checks = (*self.checks, *((PUBLIC_ACCESS.id,) if operation_id in self.public else ()))
        fixed = self.fixed_credentials(operation_id)
        if "examples" in modes:
            for strategy in operation.get_strategies_from_examples(**fixed):
                self._run_hypothesis(self._case_test(strategy, "examples", 1, checks, on_run))
        if "coverage" in modes:
            for case in self.coverage_cases(operation):
                on_run(self.send(case, phase="coverage", checks=checks))
        if "fuzzing" in modes:
            # One test drawing from both modes, as ``st run`` fuzzes: a draw the negative strategy
            # rejects (nothing in the request can be made invalid, e.g. a lone free-form path
            # parameter) costs one more draw, where a negative-only test would spend ~1000 draws
            # before hypothesis gave up on it.
            fuzz = st.one_of(
                operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **fixed),
                operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, **fixed),
            )
            self._run_hypothesis(self._case_test(fuzz, None, 2 * max_examples, checks, on_run))

    def _run_hypothesis(self, test: Callable[[], None]) -> None:
        try:
            test()
        except hypothesis.errors.Unsatisfiable:
            return
        except BaseException as exc:  # the budget ran out inside hypothesis: stop, do not shrink
            if self.limiter.spent:
                raise BudgetSpent(str(exc)) from None
            raise

    def coverage_cases(self, operation: Any) -> Iterator[Any]:
        """Schemathesis's deterministic boundary and negation cases for ``operation``: missing required
        fields, values just past ``minimum``/``maxLength``/an enum, wrong types per location, methods the
        path does not declare. Cases whose body no serializer can send are left out, as ``st run`` does."""
        schema = self.schema
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        )
        for case in cases:
            if case.media_type and not self._can_send(case):
                continue
            yield case

    def _can_send(self, case: Any) -> bool:
        media_type = str(case.media_type)
        known = self._serializable.get(media_type)
        if known is None:
            try:
                case.as_transport_kwargs(base_url=self.base_url)
                known = True
            except schemathesis.errors.SerializationNotPossible:
                known = False
            except Exception:  # any other trouble is the send's to report
                known = True
            self._serializable[media_type] = known
        return known

    def _case_test(
        self,
        strategy: st.SearchStrategy[Any],
        phase: str | None,
        limit: int,
        checks: tuple[str, ...],
        on_run: Callable[[CaseRun], None],
    ) -> Callable[[], None]:
        """A hypothesis test sending each case; ``phase`` None names each by its generation mode."""

        @given(case=strategy)
        @_settings(limit, self.seed)
        def test(case: Any) -> None:
            on_run(self.send(case, phase=phase or _mode_of(case), checks=checks))

        if self.seed is not None:
            test = hypothesis.seed(self.seed)(test)
        return test

    def run_stateful(self, *, max_examples: int, steps: int, on_run: Callable[[CaseRun], None]) -> bool:
        """Follow the spec's OpenAPI links (create -> read -> delete); False when there are none."""
        try:
            machine = self.schema.as_state_machine()
        except schemathesis.errors.NoLinksFound:
            return False
        adapter = self
        checks = tuple(self.checks)

        class Machine(machine):  # type: ignore[misc, valid-type]
            def call(self, case: Any, **kwargs: Any) -> Any:
                adapter.make_positive(case)
                adapter.limiter.wait()
                response = adapter.sessions.call(case, **kwargs)
                adapter.charge(response)
                return response

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                headers, query = adapter.headers_for(case)
                self._gw_headers = headers
                kwargs: dict[str, Any] = {
                    "base_url": adapter.base_url,
                    "headers": headers,
                    "timeout": adapter.timeout,
                }
                if query:
                    kwargs["params"] = query
                return kwargs

            def validate_response(
                self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
            ) -> None:
                headers = kwargs.get("headers", {})
                adapter.count(case, response)
                run = CaseRun(
                    case,
                    response,
                    "stateful",
                    checks=checks,
                    describe=lambda: (
                        adapter.exchange(response),
                        adapter.curl(case, headers, kwargs.get("params")),
                    ),
                )
                run.failures = adapter.validate(case, response, checks, headers, kwargs.get("params"))
                on_run(run)

        stateful_settings = settings(_settings(max_examples, self.seed), stateful_step_count=max(1, steps))
        try:
            Machine.run(settings=stateful_settings)
        except schemathesis.errors.SchemathesisError:
            return False
        return True

    def transport_kwargs(self, case: Any, headers: dict[str, str]) -> dict[str, Any]:
        """``requests`` keyword arguments for ``case``, for callers that read the body themselves."""
        return dict(case.as_transport_kwargs(base_url=self.base_url, headers=headers))

    # --- presentation ----------------------------------------------------------------------

    def curl(self, case: Any, headers: dict[str, str], query: dict[str, str] | None = None) -> str:
        """A command that sends what ``case`` sent, its credentials masked (and nothing else)."""
        redactor = self.redactor
        masked_query = {
            name: REDACTED if name in redactor.query_names or name in (query or {}) else value
            for name, value in {**dict(case.query or {}), **(query or {})}.items()
        }
        try:
            masked = schemathesis.Case(
                case.operation,
                case.method,
                case.path,
                id=case.id,
                path_parameters=case.path_parameters,
                headers=CaseInsensitiveDict(redactor.headers(dict(case.headers or {}))),
                cookies=case.cookies,
                query=masked_query,
                body=case.body,
                media_type=case.media_type,
                multipart_content_types=case.multipart_content_types,
            )
            masked_headers = redactor.headers(headers)
            command = binary_curl(
                masked.as_transport_kwargs(base_url=self.base_url, headers=masked_headers)
            ) or masked.as_curl_command(headers=masked_headers, base_url=self.base_url)
        except Exception:
            return ""
        return redactor.text(str(command))

    def exchange(self, response: Any) -> Exchange:
        request = response.request
        # Binary content (a PNG in a multipart upload, audio) as type + size + hex preview, never raw bytes.
        body = describe_body(request.body, str(request.headers.get("Content-Type", "")))
        headers = {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in response.headers.items()}
        response_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        text = describe_body(response.content, response_type, response.encoding) or ""
        return Exchange(
            method=str(request.method),
            url=self.redactor.url(str(request.url)),
            request_headers=self.redactor.headers({k: str(v) for k, v in request.headers.items()}),
            request_body=_truncate(self.redactor.body(body)) if body is not None else None,
            status=int(response.status_code),
            response_headers=self.redactor.headers(headers),
            response_body=_truncate(self.redactor.body(text)),
            elapsed_ms=round(response.elapsed * 1000, 1),
        )

    def _exchange_of_case(self, case: Any, headers: dict[str, str]) -> Exchange:
        return Exchange(
            method=str(case.method),
            url=self.redactor.url(self.base_url + case.formatted_path),
            request_headers=self.redactor.headers(headers),
        )


def _sent_json(request: Any) -> Any:
    """The JSON body a request sent, or None (none, or not JSON)."""
    try:
        return json.loads(request.body) if isinstance(request.body, bytes) else None
    except ValueError:
        return None


def _mode_of(case: Any) -> str:
    """``positive`` or ``negative``: how a fuzzed case was generated (what its findings are filed under)."""
    meta = case.meta
    return "negative" if meta is not None and meta.generation.mode.is_negative else "positive"


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _truncate(text: str) -> str:
    return (
        text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"... [{len(text) - BODY_LIMIT} more chars]"
    )


def _sent_bytes(response: Any) -> int:
    """The size of the request body that went out (0 when there was none)."""
    body = getattr(getattr(response, "request", None), "body", None)
    if isinstance(body, str):
        return len(body.encode("utf-8", "replace"))
    return len(body) if isinstance(body, bytes | bytearray) else 0


def _declared_length(response: Any) -> int:
    """The answer's size as its ``Content-Length`` declares it (0 for a stream that does not say)."""
    try:
        return max(0, int(response.headers.get("Content-Length", 0)))
    except (TypeError, ValueError):
        return 0
