"""Second looks at schemathesis's two data checks before their failure becomes a finding.

``positive_data_acceptance`` failed: the request was refused, but was what went out valid (path and
query values, a JSON body with its formats), and was the refusal not the gateway saying it does not
serve the model named, nor its documented refusal of a file the spec says must have been uploaded for a
purpose (``unmade.refused_file``), which a generated id is not? ``negative_data_rejection`` failed: the
request was accepted, but did the mutation survive the wire, or did encoding make it valid data again
(``wire.py``)?
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from gatewright.conformance.cases import body_schema
from gatewright.conformance.served import refused_model
from gatewright.conformance.unmade import refused_file
from gatewright.conformance.wire import BodyMutation, form_mutations_lost, multipart_fields, values_valid
from gatewright.spec.validation import DocumentValidators


class Fairness:
    """Judges what a case sent against the spec ``document`` (its compiled ``validators`` shared)."""

    def __init__(self, document: dict[str, Any], validators: DocumentValidators) -> None:
        self.document = document
        self.validators = validators

    def fair_positive(self, case: Any, response: Any) -> bool:
        """Whether refusing ``case`` breaks the contract: what was sent is valid (see the two checks
        below), and the refusal is not the gateway saying it does not serve the model named, nor refusing
        a file the request names that the spec says must have been uploaded for a purpose."""
        if not (self.parameters_valid(case) and self.json_body_valid(case, response)):
            return False
        status = int(response.status_code)
        if refused_file(status, case.operation.definition.raw, case.body) is not None:
            return False
        text = response.content.decode("utf-8", "replace") if response.content else ""
        return refused_model(status, text) is None

    def parameters_valid(self, case: Any) -> bool:
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

    def json_body_valid(self, case: Any, response: Any) -> bool:
        """Whether a JSON body sent as valid is valid, formats included: schemathesis 4.32.5's coverage
        phase drops ``format`` from a ``["string", "null"]`` type list and sends ``""`` as a valid
        ``date-time``/``uuid``, which a server rightly refuses. Not JSON, or no schema: True."""
        schema = body_schema(self.document, case) if "json" in str(case.media_type or "") else None
        if schema is None:
            return True
        sent_body = _sent_json(response.request)
        return sent_body is None or self.validators.is_valid(schema, sent_body)

    def negation_lost_on_wire(self, case: Any, response: Any) -> bool:
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
        if located == {"query"}:
            return self._query_mutations_lost(case, response.request, mutations)
        if located != {"body"}:
            return False
        return self._body_mutations_lost(case, response.request, mutations)

    def _query_mutations_lost(self, case: Any, request: Any, mutations: Any) -> bool:
        query = urllib.parse.urlsplit(str(request.url)).query
        sent = urllib.parse.parse_qs(query, keep_blank_values=True)
        schemas = {p.name: p.definition.get("schema") for p in case.operation.query}
        names = {m.parameter for m in mutations}
        return all(
            name in schemas and values_valid(self.document, schemas[name], sent.get(name, []))
            for name in names
        )

    def _body_mutations_lost(self, case: Any, request: Any, mutations: Any) -> bool:
        media_type = str(case.media_type or "")
        schema = body_schema(self.document, case)
        if schema is None:
            return False
        if "json" in media_type:
            # A mutation inside one branch of a oneOf/allOf can still leave the whole body valid
            # (e.g. a `model` enum narrowed by an if/then): judge what was sent, against the whole schema.
            sent_body = _sent_json(request)
            return sent_body is not None and self.validators.is_valid(schema, sent_body)
        if not media_type.startswith("multipart/form-data"):
            return False
        content_type = request.headers.get("Content-Type", "")
        fields = multipart_fields(request.body, content_type) if isinstance(request.body, bytes) else None
        changes = [BodyMutation(str(m.schema_pointer), tuple(m.keywords)) for m in mutations]
        return fields is not None and form_mutations_lost(self.document, schema, changes, fields)


def _sent_json(request: Any) -> Any:
    """The JSON body a request sent, or None (none, or not JSON)."""
    try:
        return json.loads(request.body) if isinstance(request.body, bytes) else None
    except ValueError:
        return None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
