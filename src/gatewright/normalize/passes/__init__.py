"""The repair passes, in the order they run. Adding a repair means adding a pass here."""

from __future__ import annotations

from gatewright.normalize.passes.ambiguous_one_of import ambiguous_one_of
from gatewright.normalize.passes.audio_formats import audio_formats
from gatewright.normalize.passes.base import RepairPass
from gatewright.normalize.passes.binary_media import binary_media
from gatewright.normalize.passes.canonical_order import canonical_order
from gatewright.normalize.passes.catch_all_parameters import mark_catch_all_parameters
from gatewright.normalize.passes.compatibility import compatibility
from gatewright.normalize.passes.compatible_shapes import compatible_shapes
from gatewright.normalize.passes.dangling_refs import repair_dangling_refs
from gatewright.normalize.passes.error_bodies import error_bodies
from gatewright.normalize.passes.example_objects import example_objects
from gatewright.normalize.passes.examples import validate_examples
from gatewright.normalize.passes.fragment_paths import fold_fragment_paths
from gatewright.normalize.passes.header_auth_parameters import header_auth_to_scheme
from gatewright.normalize.passes.implied_errors import implied_error_responses
from gatewright.normalize.passes.lookup_not_found import lookup_not_found
from gatewright.normalize.passes.nullable import rewrite_nullable
from gatewright.normalize.passes.openapi_version import upgrade_openapi_version
from gatewright.normalize.passes.operation_ids import assign_operation_ids
from gatewright.normalize.passes.path_parameters import declare_path_parameters
from gatewright.normalize.passes.prose_auth import prose_auth
from gatewright.normalize.passes.prose_patterns import prose_patterns
from gatewright.normalize.passes.public_operations import explicit_security
from gatewright.normalize.passes.response_statuses import impossible_responses
from gatewright.normalize.passes.schema_examples import schema_example_to_examples
from gatewright.normalize.passes.schema_types import enum_types
from gatewright.normalize.passes.server_base_path import fold_server_base_path
from gatewright.normalize.passes.streaming import declare_streams
from gatewright.normalize.passes.success_bodies import success_bodies
from gatewright.normalize.passes.tags import declare_tags
from gatewright.normalize.passes.tasks import declare_task_lifecycles
from gatewright.normalize.passes.wire_fidelity import wire_fidelity

PASSES: tuple[RepairPass, ...] = (
    upgrade_openapi_version,
    rewrite_nullable,
    schema_example_to_examples,
    example_objects,
    repair_dangling_refs,
    fold_server_base_path,
    fold_fragment_paths,
    declare_path_parameters,
    mark_catch_all_parameters,
    assign_operation_ids,
    header_auth_to_scheme,
    prose_auth,
    prose_patterns,
    explicit_security,
    impossible_responses,
    binary_media,
    audio_formats,
    error_bodies,
    success_bodies,
    compatible_shapes,
    implied_error_responses,
    enum_types,
    ambiguous_one_of,
    declare_streams,
    compatibility,
    wire_fidelity,
    declare_tags,
    declare_task_lifecycles,
    lookup_not_found,
    validate_examples,
    canonical_order,
)

__all__ = ["PASSES"]
