"""Schema ``example`` (singular, deprecated in 3.1) becomes the JSON Schema ``examples`` array."""

from __future__ import annotations

from gatewright.normalize.passes.base import Context, Document, all_schemas, repair_pass
from gatewright.normalize.repairs import RepairLog


@repair_pass("schema_examples")
def schema_example_to_examples(document: Document, context: Context, log: RepairLog) -> None:
    """Move each schema's ``example`` into its ``examples`` array."""
    for pointer, schema in list(all_schemas(document)):
        if "example" not in schema:
            continue
        value = schema.pop("example")
        examples = schema.setdefault("examples", [])
        if not isinstance(examples, list):
            schema["examples"] = examples = [examples]
        if value not in examples:
            examples.insert(0, value)
        log.add(
            pointer + "/example",
            "moved into `examples`",
            "the schema keyword `example` is deprecated "
            "in OpenAPI 3.1; JSON Schema 2020-12 has the `examples` array",
            before=value,
        )
