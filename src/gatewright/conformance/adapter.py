"""Where verify meets schemathesis (4.x): the spec loaded, the checks picked, cases sent and checked.

``SchemathesisAdapter`` composes the adapter family, one concern a module, and everything outside it
sees gatewright values (``CaseRun``, ``CheckFailure``):

- ``sender.py``: the one door every request leaves by (pooled ``sessions.py``, gated ``limiter.py``,
  charged, redacted); ``evidence.py``: a finding's exchange and ``curl``, credentials masked;
- ``cases.py``: given, valid and positive cases; ``check_runner.py``: schemathesis's checks on a
  response, each failure named by its check, with ``fairness.py``'s second look at the data checks;
- ``phases.py`` (examples, ``coverage.py``, fuzzing) and ``stateful.py``: the phases that generate;
- ``st_internals.py``: every touch of schemathesis's internals.

Public entry points only (``schemathesis.openapi.from_dict``, ``find_operation_by_id``,
``get_strategies_from_examples``, ``as_strategy``, ``iter_coverage_cases``, ``Case.call``,
``Case.validate_response``, ``as_state_machine``). Per case, only what every case needs is done: a
run's exchange and ``curl`` command are built when a finding asks for them.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

import schemathesis

from gatewright.conformance.cases import CaseBuilder
from gatewright.conformance.check_runner import RESPONSE_CHECKS, CheckRunner
from gatewright.conformance.coverage import CoverageCases
from gatewright.conformance.evidence import Evidence
from gatewright.conformance.fairness import Fairness
from gatewright.conformance.limiter import GateClosed, RateLimiter
from gatewright.conformance.phases import run_operation
from gatewright.conformance.positive import PositiveBodies
from gatewright.conformance.redact import Redactor
from gatewright.conformance.runs import CaseRun, CheckFailure
from gatewright.conformance.sender import Auth, Sender
from gatewright.conformance.served import ServedModels
from gatewright.conformance.st_internals import checks_by_name
from gatewright.conformance.stateful import run_stateful
from gatewright.spec import Operation
from gatewright.spec.errors import SpecError
from gatewright.spec.validation import DocumentValidators

# ``gatewright.proxy`` judges live traffic with this adapter and imports these names from here.
__all__ = ["RESPONSE_CHECKS", "CaseRun", "CheckFailure", "RateLimiter", "SchemathesisAdapter"]

# Checks that need more than one identity or a whole run's context are left out.
EXCLUDED_CHECKS = frozenset({"object_level_authorization"})


def load_schema(document: dict[str, Any], base_url: str, *, generate_credentials: bool) -> Any:
    """``document`` as schemathesis loads it, every request going to ``base_url``."""
    document["servers"] = [{"url": base_url}]  # canonical paths are full paths; never add a base path
    try:
        schema = schemathesis.openapi.from_dict(document)
    except schemathesis.errors.LoaderError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError(f"schemathesis cannot load the spec: {reason}") from None
    # Reproductions send the data the run sent: schemathesis would mask every field whose name
    # looks sensitive (``max_tokens`` included); the credentials are masked here, by ``curl``.
    schema.config.output.sanitization.update(enabled=False)
    if not generate_credentials:
        # Credentials are ours to send (``auth``), never made up: a random token a server accepts
        # says nothing about its auth, and without a key requests go out without credentials.
        schema.config.generation.update(with_security_parameters=False)
    return schema


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
        self.schema = load_schema(document, base_url, generate_credentials=generate_credentials)
        self.document = document
        self.validators = DocumentValidators(document)  # request-body checks share its compiled cache
        self.base_url = base_url
        self.redactor = redactor
        self.limiter = limiter
        self.seed = seed
        self.version = schemathesis.__version__
        # ``ignored_auth`` sends requests of its own (without and with made-up credentials) that no
        # gate sees: under a request budget (a paid gateway) it is left out, and the run says so.
        excluded = EXCLUDED_CHECKS | ({"ignored_auth"} if limiter.budgeted else set())
        self.checks = {name: check for name, check in checks_by_name().items() if name not in excluded}
        # Operations the spec marks public whose requests carry the key anyway (``auth``): each is
        # probed once without it (``PUBLIC_ACCESS``), a request of its own, so not under a budget either.
        self.public = frozenset() if limiter.budgeted else public
        self.sender = Sender(
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            limiter=limiter,
            redactor=redactor,
            extra_headers=extra_headers,
        )
        self.evidence = Evidence(redactor, base_url)
        # positive requests name served models and no empty required strings (None: sent as generated)
        positive = PositiveBodies(document, self.validators, served) if served is not None else None
        self.cases = CaseBuilder(self.schema, document, auth, positive)
        self.coverage_cases = CoverageCases(self.schema, base_url)
        self.check_runner = CheckRunner(
            self.checks,
            public=self.public,
            sender=self.sender,
            evidence=self.evidence,
            fairness=Fairness(document, self.validators),
        )

    @property
    def statuses(self) -> dict[str, Counter[int]]:
        """operationId -> status -> times answered (``verify`` warns when nearly all are 404)."""
        return self.sender.statuses

    def close(self) -> None:
        """Close the run's HTTP connections (the adapter stays usable: they reopen on demand)."""
        self.sender.close()

    # --- cases --------------------------------------------------------------------------------

    def operation(self, operation_id: str) -> Any:
        return self.cases.operation(operation_id)

    def make_case(self, operation_id: str, **values: Any) -> Any:
        """A case of ``operation_id`` with exactly these values (``CaseBuilder.make_case``: path
        parameters, query, body, headers, the body's media type)."""
        return self.cases.make_case(operation_id, **values)

    def case_for_id(self, operation: Operation, item_id: str) -> Any:
        """A request about one item ``operation`` reaches by id (a file's content, a made thing's delete):
        ``item_id`` in the path parameter named last in its path, the item's own (``/v1/files/{file_id}``)."""
        name = operation.path.rpartition("{")[2].partition("}")[0]
        return self.make_case(operation.operation_id, path_parameters={name: item_id})

    def valid_case(self, operation_id: str) -> Any | None:
        """A request the spec calls valid: the first documented example, else a generated one."""
        return self.cases.valid_case(operation_id)

    # --- sending and checking -------------------------------------------------------------------

    def send(
        self,
        case: Any,
        *,
        phase: str,
        checks: tuple[str, ...] = RESPONSE_CHECKS,
        extra_headers: dict[str, str] | None = None,
        past_budget: bool = False,
    ) -> CaseRun:
        """Send ``case`` (positive bodies fixed, credentials added) and check its answer; ``past_budget``
        sends it even when the run's budget is spent (``RateLimiter.wait``)."""
        self.cases.make_positive(case)
        headers, query = self.sender.headers_for(case, extra_headers)
        evidence = self.evidence
        try:
            response = self.sender.send(case, headers, query, past_budget=past_budget)
        except GateClosed:  # nothing went out: the run decides what that means
            raise
        except Exception as exc:  # transport errors are findings, not crashes
            return CaseRun(
                case,
                None,
                phase,
                error=self.redactor.text(f"{type(exc).__name__}: {exc}"),
                describe=lambda: (evidence.unanswered(case, headers), evidence.curl(case, headers, query)),
            )
        self.sender.count(case, response)
        run = CaseRun(
            case,
            response,
            phase,
            checks=checks,
            describe=lambda: (evidence.exchange(response), evidence.curl(case, headers, query)),
        )
        run.failures = self.validate(case, response, checks, headers, query)
        return run

    def validate(
        self,
        case: Any,
        response: Any,
        checks: tuple[str, ...],
        headers: dict[str, str],
        query: dict[str, str] | None = None,
    ) -> list[CheckFailure]:
        """The failures of ``checks`` on ``response`` (``check_runner.py``)."""
        return self.check_runner.validate(case, response, checks, headers, query)

    # --- the generating phases ------------------------------------------------------------------

    def run_operation(
        self,
        operation_id: str,
        *,
        max_examples: int,
        modes: tuple[str, ...],
        on_run: Callable[[CaseRun], None],
    ) -> None:
        """Examples, coverage and fuzzing for one operation, as ``modes`` select (``phases.py``)."""
        run_operation(self, operation_id, max_examples=max_examples, modes=modes, on_run=on_run)

    def run_stateful(self, *, max_examples: int, steps: int, on_run: Callable[[CaseRun], None]) -> bool:
        """Follow the spec's OpenAPI links (``stateful.py``); False when there are none."""
        return run_stateful(self, max_examples=max_examples, steps=steps, on_run=on_run)
