"""Running schemathesis's checks on one response, each failure named by the check that raised it.

The common case, nothing fails, costs one ``Case.validate_response`` over all checks; when something
fails, the checks run again one at a time so every ``CheckFailure`` names its check. Two checks send
requests of their own, and both are asked once per operation: ``ignored_auth`` (probes without and
with made-up credentials; skipped once the operation has refused them) and ``PUBLIC_ACCESS`` (an
operation the spec marks public, sent again without the key). A probe's failure shows the probe.
"""

from __future__ import annotations

import threading
from typing import Any

import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis.engine.recorder import ScenarioRecorder  # what Case.validate_response(recorder=) takes

from gatewright.conformance.cases import mode_of
from gatewright.conformance.checks import PUBLIC_ACCESS
from gatewright.conformance.evidence import Evidence
from gatewright.conformance.fairness import Fairness
from gatewright.conformance.limiter import GateClosed
from gatewright.conformance.runs import CheckFailure
from gatewright.conformance.sender import Sender

# Checks that only read the response: safe to apply to a poll or any single call.
RESPONSE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


class CheckRunner:
    """Applies ``checks`` (schemathesis's, by name) to responses of cases ``sender`` sent."""

    def __init__(
        self,
        checks: dict[str, Any],
        *,
        public: frozenset[str],
        sender: Sender,
        evidence: Evidence,
        fairness: Fairness,
    ) -> None:
        self.checks = checks
        self.public = public  # operations probed once without the key (``PUBLIC_ACCESS``)
        self.sender = sender
        self.evidence = evidence
        self.fairness = fairness
        self._auth_enforced: set[str] = set()  # operationIds whose auth ``ignored_auth`` has confirmed
        self._public_probed: set[str] = set()
        self._probed_lock = threading.Lock()

    def validate(
        self,
        case: Any,
        response: Any,
        checks: tuple[str, ...],
        headers: dict[str, str],
        query: dict[str, str] | None = None,
    ) -> list[CheckFailure]:
        """The failures of ``checks`` on ``response`` (the answer to ``case`` sent with ``headers``)."""
        transport_kwargs: dict[str, Any] = {
            "base_url": self.sender.base_url,
            "headers": headers,
            "timeout": self.sender.timeout,
        }
        if query:
            transport_kwargs["params"] = query
        operation_id = str(case.operation.definition.raw.get("operationId", case.path))
        confirmed = operation_id in self._auth_enforced
        names = [
            name for name in checks if name in self.checks and not (confirmed and name == "ignored_auth")
        ]
        if not names:  # schemathesis reads no checks as its default set, probes included
            return self._public_probe(case, response, checks=checks, headers=headers, query=query)
        try:  # the common case, nothing fails: one pass over all checks
            case.validate_response(
                response,
                checks=[self.checks[name] for name in names],
                headers=headers,
                transport_kwargs=transport_kwargs,
            )
        except (Exception, schemathesis.errors.FailureGroup):  # name each failure: one check at a time
            failures = self._one_at_a_time(names, case, response, headers, transport_kwargs)
        else:
            failures = []
        if "ignored_auth" in names and not any(f.check == "ignored_auth" for f in failures):
            self._auth_checked(operation_id, case, response)
        failures.extend(self._public_probe(case, response, checks=checks, headers=headers, query=query))
        return failures

    def _one_at_a_time(
        self,
        names: list[str],
        case: Any,
        response: Any,
        headers: dict[str, str],
        transport_kwargs: dict[str, Any],
    ) -> list[CheckFailure]:
        failures: list[CheckFailure] = []
        operation_id = str(case.operation.definition.raw.get("operationId", case.path))
        redactor = self.sender.redactor
        for name in names:
            # ``ignored_auth`` sends probes of its own: recorded, so a finding shows the probe that failed
            recorder = ScenarioRecorder(label=operation_id) if name == "ignored_auth" else None
            try:
                case.validate_response(
                    response,
                    checks=[self.checks[name]],
                    headers=headers,
                    transport_kwargs=transport_kwargs,
                    recorder=recorder,
                )
            except schemathesis.errors.FailureGroup as group:
                if not self._fair(name, case, response):
                    continue
                failures.extend(
                    self._probe_failure(name, f, recorder, case, headers)
                    if recorder is not None
                    else CheckFailure(name, redactor.text(f.title), redactor.text(f.message))
                    for f in group.exceptions
                )
            except AssertionError as exc:
                failures.append(CheckFailure(name, type(exc).__name__, redactor.text(str(exc))))
            except Exception as exc:  # a check that cannot run on this response is not a finding
                if isinstance(exc, schemathesis.errors.SchemathesisError):
                    continue
                raise
        return failures

    def _fair(self, name: str, case: Any, response: Any) -> bool:
        """Whether a data check's failure stands (``fairness.py``); any other check's always does."""
        if name == "negative_data_rejection":
            return not self.fairness.negation_lost_on_wire(case, response)
        if name == "positive_data_acceptance":
            return self.fairness.fair_positive(case, response)
        return True

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
        if not 200 <= int(response.status_code) < 300 or mode_of(case) == "negative":
            return []
        with self._probed_lock:
            if operation_id in self._public_probed:
                return []
            self._public_probed.add(operation_id)
        credentials, credential_query = self.sender.auth(operation_id)
        names = {name.lower() for name in credentials}
        plain = {name: value for name, value in headers.items() if name.lower() not in names}
        kept = {name: value for name, value in (case.headers or {}).items() if name.lower() not in names}
        params = {name: value for name, value in (query or {}).items() if name not in credential_query}
        probe = case.derive(
            headers=CaseInsensitiveDict(kept),
            query={name: value for name, value in (case.query or {}).items() if name not in credential_query},
        )
        try:
            answer = self.sender.send(probe, plain, params)
        except GateClosed:
            raise
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
                self.sender.redactor.text(message),
                exchange=self.evidence.exchange(answer),
                curl=self.evidence.curl(probe, plain),
                status=status,
            )
        ]

    def _probe_failure(
        self, name: str, failure: Any, recorder: ScenarioRecorder, case: Any, headers: dict[str, str]
    ) -> CheckFailure:
        """A failure of a check that sent its own probe: the probe's exchange and curl when it was
        recorded (its credential, removed or the made-up one, masked like any credential)."""
        redactor = self.sender.redactor
        title, message = redactor.text(failure.title), redactor.text(failure.message)
        interaction = recorder.interactions.get(str(failure.case_id))
        node = recorder.cases.get(str(failure.case_id))
        if interaction is None or interaction.response is None or node is None:
            return CheckFailure(name, title, message)
        credentials, _ = self.sender.auth(str(case.operation.definition.raw.get("operationId", "")))
        plain = {key: value for key, value in headers.items() if key not in credentials}
        probe = interaction.response
        return CheckFailure(
            name,
            title,
            message,
            exchange=self.evidence.exchange(probe),
            curl=self.evidence.curl(node.value, plain),
            status=int(probe.status_code),
        )

    def _auth_checked(self, operation_id: str, case: Any, response: Any) -> None:
        """``ignored_auth`` passed on a valid request that succeeded: it sent its probes (without and
        with made-up credentials) and the operation refused them. One confirmation per operation is
        enough; later cases skip the two extra requests each would cost."""
        if 200 <= int(response.status_code) < 300 and mode_of(case) != "negative":
            self._auth_enforced.add(operation_id)
