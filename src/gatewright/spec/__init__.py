"""The shared spec model: the bottom layer that normalize, mock and conformance all read."""

from __future__ import annotations

from gatewright.spec.bundled import API_IDS, canonical_dir, canonical_path, load_spec
from gatewright.spec.errors import SpecError
from gatewright.spec.expressions import Exchange, RuntimeExpression
from gatewright.spec.loader import SourceDocument, load_source
from gatewright.spec.model import GREEDY_EXTENSION, TASK_EXTENSION, Operation, Spec
from gatewright.spec.paths import PathTemplate
from gatewright.spec.tasks import Phase, States, TaskSpec

__all__ = [
    "API_IDS",
    "GREEDY_EXTENSION",
    "TASK_EXTENSION",
    "Exchange",
    "Operation",
    "PathTemplate",
    "Phase",
    "RuntimeExpression",
    "SourceDocument",
    "Spec",
    "SpecError",
    "States",
    "TaskSpec",
    "canonical_dir",
    "canonical_path",
    "load_source",
    "load_spec",
]
