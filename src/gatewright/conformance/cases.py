"""Building schemathesis cases: a given request, a valid one, credentials fixed, positive bodies fixed.

``valid_case`` is what the lifecycle, stream and compatibility phases build on: the operation's first
documented example, else one generated positive case. ``make_positive`` gives a positive case's body
a served model and no empty required string (``positive.py``); negative cases stay as generated.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from gatewright.conformance.positive import PositiveBodies
from gatewright.conformance.sender import Auth
from gatewright.conformance.st_internals import write_body_untracked
from gatewright.spec.pointer import resolve


class CaseBuilder:
    """Cases of one loaded schema, with the run's credentials and (when models are known) positive bodies."""

    def __init__(
        self, schema: Any, document: dict[str, Any], auth: Auth, positive: PositiveBodies | None
    ) -> None:
        self.schema = schema
        self.document = document
        self.auth = auth
        self.positive = positive  # None: positive bodies are sent as generated

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
        media_type: str = "application/json",
    ) -> Any:
        """A case of ``operation_id`` with exactly these values (a body, when given, of ``media_type``)."""
        operation = self.operation(operation_id)
        kwargs: dict[str, Any] = {
            "path_parameters": path_parameters or {},
            "query": query or {},
            "headers": headers or {},
        }
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = media_type
        return operation.Case(**kwargs)

    def valid_case(self, operation_id: str) -> Any | None:
        """A request the spec calls valid: the first documented example, else a generated one."""
        operation = self.operation(operation_id)
        fixed = self.fixed_credentials(operation_id)
        for strategy in operation.get_strategies_from_examples(**fixed):
            case = first_case(strategy)
            if case is not None:
                self.make_positive(case)
                return case
        case = first_case(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **fixed))
        if case is not None:
            self.make_positive(case)
        return case

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
        if self.positive is None or mode_of(case) == "negative" or not isinstance(case.body, dict):
            return
        schema = body_schema(self.document, case)
        if schema is None:
            return
        words = f"{case.operation.path} {case.operation.definition.raw.get('operationId', '')}"
        fixed = self.positive.fix(words, schema, case.body, whole="json" in str(case.media_type or ""))
        if fixed is not case.body:
            # The fix keeps the case as valid as generated: no edit for schemathesis to track.
            write_body_untracked(case, fixed)


def first_case(strategy: st.SearchStrategy[Any]) -> Any | None:
    """The first case ``strategy`` draws (derandomized), or None when it draws none."""
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


def body_schema(document: dict[str, Any], case: Any) -> Any:
    """The request body schema ``case`` was generated from (its media type's), or None."""
    raw_body = case.operation.definition.raw.get("requestBody")
    try:
        request_body = resolve(document, raw_body["$ref"]) if "$ref" in raw_body else raw_body
        return request_body["content"][str(case.media_type or "")]["schema"]
    except (KeyError, TypeError, ValueError):
        return None


def mode_of(case: Any) -> str:
    """``positive`` or ``negative``: how a fuzzed case was generated (what its findings are filed under)."""
    meta = case.meta
    return "negative" if meta is not None and meta.generation.mode.is_negative else "positive"
