"""Binary payloads under ``application/json`` get a real media type (or base64 in JSON)."""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import deref, escape

JSON = "application/json"
OCTET = "application/octet-stream"
# A fixed table, not `mimetypes`, whose answers depend on the machine's /etc/mime.types.
MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".ts": "video/mp2t",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}


def is_binary(document: Document, schema: Any) -> bool:
    """A string of raw bytes, or a oneOf/anyOf of plain strings that includes raw bytes."""
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "string" and schema.get("format") == "binary":
        return True
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list) and branches:
        resolved = [deref(document, b) for b in branches]
        return all(isinstance(b, dict) and b.get("type") == "string" for b in resolved) and any(
            b.get("format") == "binary" for b in resolved
        )
    return False


def media_type_for(path: str) -> str:
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return MEDIA_TYPES.get(suffix, OCTET)


def _base64_copy(document: Document, schema: dict[str, Any]) -> dict[str, Any]:
    copy: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            copy[key] = {}
            for name, prop in value.items():
                target = deref(document, prop)
                if isinstance(target, dict) and target.get("format") == "binary":
                    copy[key][name] = {k: v for k, v in target.items() if k != "format"}
                    copy[key][name]["contentEncoding"] = "base64"
                else:
                    copy[key][name] = prop
        else:
            copy[key] = value
    return copy


@repair_pass("binary_media")
def binary_media(document: Document, context: Context, log: RepairLog) -> None:
    """Serve raw bytes as bytes, and carry binary request fields in JSON as base64."""
    schemas = document.get("components", {}).get("schemas", {})
    for path, _method, op, pointer in operations(document):
        for status, response in op.get("responses", {}).items():
            content = response.get("content") if isinstance(response, dict) else None
            if not content or JSON not in content or not is_binary(document, content[JSON].get("schema")):
                continue
            media = media_type_for(path)
            response["content"] = {(media if key == JSON else key): value for key, value in content.items()}
            response["content"][media]["schema"] = {"type": "string", "format": "binary"}
            log.add(
                f"{pointer}/responses/{status}/content/{escape(JSON)}",
                f"served as {media}",
                "the body is raw bytes, which JSON cannot carry",
                before=JSON,
                after=media,
            )
        media_object = op.get("requestBody", {}).get("content", {}).get(JSON)
        if not isinstance(media_object, dict):
            continue
        ref = media_object.get("schema", {}).get("$ref", "")
        target = deref(document, media_object.get("schema"))
        if not isinstance(target, dict):
            continue
        binary = [
            name
            for name, prop in target.get("properties", {}).items()
            if isinstance(deref(document, prop), dict) and deref(document, prop).get("format") == "binary"
        ]
        if not binary:
            continue
        copy = _base64_copy(document, target)
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1] + "Json"
            schemas[name] = copy
            media_object["schema"] = {"$ref": f"#/components/schemas/{name}"}
            where = f"#/components/schemas/{name}"
        else:
            media_object["schema"] = copy
            where = "inline"
        log.add(
            f"{pointer}/requestBody/content/{escape(JSON)}/schema",
            f"binary fields {binary} carried as base64 strings in JSON ({where})",
            "`format: binary` means raw bytes, which a JSON body cannot hold; other media types keep them",
        )
