"""The models a gateway serves: which ones a positive request names, and how a gateway says "not served".

A real gateway serves a handful of models and refuses the rest with a 4xx that names the model;
a spec's example models (``mistral-small-4``) or a generated ``model: ""`` say nothing about its
conformance. The served ids are the ones given (``--model``, repeatable), else those the API's own
models-list operation answers (``GET …/models``: OpenAI's and Anthropic's ``{"data": [{"id": …}]}``).
Per operation, ``ranked`` orders them so that an embeddings operation names an embedding model
and a chat operation a general one, when both are served; whether the request stays valid with
it is the caller's to judge (``positive.py``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from gatewright.conformance.bodies import error_message
from gatewright.spec import Operation, Spec
from gatewright.spec.schemas import properties, types

__all__ = [
    "MODEL_FIELD",
    "NOT_ASKED",
    "ServedModels",
    "model_ids",
    "models_list_operation",
    "refused_model",
    "success_json_schema",
    "unserved",
]

MODEL_FIELD = "model"
NOT_ASKED = "not asked: no request named a model"  # the models a run never needed (merged reports skip it)
# Kinds of model that are not general text models, by the words their ids carry
# (text-embedding-3-small, whisper-1, tts-1, dall-e-3); an operation takes that kind when its path or
# operationId carries the word.
_KINDS: dict[str, tuple[str, ...]] = {
    "embed": ("embed",),
    "rerank": ("rerank",),
    "moderation": ("moderation",),
    "speech": ("tts", "speech", "voice"),
    "transcri": ("whisper", "transcri", "stt", "asr"),
    "image": ("image", "dall-e", "imagen", "flux", "diffusion"),
    "video": ("video", "veo", "sora", "kling"),
}
# An error message that names the model as unknown, unserved or unsupported (LiteLLM's "Invalid
# model name passed in model=…", OpenAI's "The model `…` does not exist", Anthropic's "model: …"),
# or an error code that says so (OpenAI's model_not_found).
_REFUSAL = re.compile(
    r"unknown model|unsupported model|invalid model|no such model|^model: "
    r"|model[^.;\n]{0,80}\b(?:not found|does not exist|not supported|is not available|not available"
    r"|is not a valid|not allowed|do not have access|does not have access|unknown|unsupported)",
    re.IGNORECASE,
)
_REFUSAL_CODE = re.compile(r"\bmodel_not_(?:found|supported)\b")
_ERROR_STATUSES = frozenset({400, 403, 404, 422})


def _kind(words: str) -> str | None:
    lowered = words.lower()
    return next((kind for kind, marks in _KINDS.items() if any(mark in lowered for mark in marks)), None)


def success_json_schema(spec: Spec, operation: Operation) -> Any:
    """The schema of ``operation``'s ``200`` JSON answer, or None where it declares none."""
    answer = spec.deref(operation.definition.get("responses", {}).get("200") or {})
    return (answer.get("content") or {}).get("application/json", {}).get("schema")


def models_list_operation(spec: Spec) -> Operation | None:
    """The API's list of its models: a GET of ``…/models`` without required parameters whose success
    answer is a ``data`` list; the shortest such path (``/v1/models`` before ``/v1/catalog/models``)."""
    found = []
    for operation in spec.operations:
        if operation.method != "GET" or not operation.path.rstrip("/").endswith("/models"):
            continue
        if any(spec.deref(p).get("required") for p in operation.parameters):
            continue
        schema = success_json_schema(spec, operation)
        data = properties(spec.document, schema).get("data") if schema is not None else None
        if data is not None and "array" in types(spec.document, data):
            found.append(operation)
    return min(found, key=lambda op: (len(op.path), op.path), default=None)


def model_ids(payload: Any) -> tuple[str, ...]:
    """The ids a models list names: ``data`` items' ``id`` (or the items themselves, when strings)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    ids = (item.get("id") if isinstance(item, dict) else item for item in data or ())
    return tuple(dict.fromkeys(i for i in ids if isinstance(i, str) and i))


def refused_model(status: int | None, body: str) -> str | None:
    """The gateway's words when a 4xx says the model is unknown or unsupported, else None: what a
    served-model mix-up looks like, never a conformance finding."""
    if status not in _ERROR_STATUSES:
        return None
    said = error_message(body)
    return said if _REFUSAL.search(said) or _REFUSAL_CODE.search(body) else None


def unserved(said: str) -> str:
    """Why a unit did not judge what it sent: the gateway refused the model named (``refused_model``)."""
    return f"the gateway does not serve the model sent ({said}); name the models it serves with --model"


class ServedModels:
    """The served ids and where they came from; ``learn``, when given, reads them on first use (once,
    whichever thread asks first)."""

    def __init__(
        self,
        ids: tuple[str, ...] = (),
        source: str = "",
        learn: Callable[[], tuple[tuple[str, ...], str]] | None = None,
    ) -> None:
        self.ids = ids
        self.source = source  # "--model", "GET /v1/models", or why none are known
        self._learn = learn
        self._lock = threading.RLock()  # learning sends a request, which may ask again: re-entrant

    def known(self) -> tuple[str, ...]:
        with self._lock:
            if self._learn is not None:
                learn, self._learn = self._learn, None
                self.ids, self.source = learn()
        return self.ids

    def ranked(self, words: str) -> tuple[str, ...]:
        """The served ids, best first for the operation ``words`` (its path and operationId) name:
        those of its kind (an embeddings operation, an embedding model), then general models, then
        the rest."""
        wanted = _kind(words)
        return tuple(
            sorted(self.known(), key=lambda i: 0 if _kind(i) == wanted else 1 if _kind(i) is None else 2)
        )

    def describe(self) -> str:
        """The models as the report's header names them."""
        if self._learn is not None:
            return NOT_ASKED
        if not self.ids:
            return self.source or "none known: positive requests name the spec's own models"
        return f"{', '.join(self.ids)} ({self.source})"
