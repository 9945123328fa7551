"""An audio answer declares a media type for every format its request may ask for.

ipop's speech request offers ``response_format`` ``mp3|opus|aac|flac|wav|pcm`` and its description
says the answer's ``Content-Type`` matches the chosen format, but its 200 declares only
``audio/mpeg``, ``audio/ogg`` and ``audio/wav``. A client asking for FLAC then gets an answer the
contract does not describe: a server that honours the request breaks the spec, and a mock that keeps
to the spec hands an MP3 to a FLAC decoder. The formats the request offers are part of the contract,
so the response declares their media types (``spec.media.AUDIO_FORMATS``), each with the schema its
audio siblings already have (raw bytes).
"""

from __future__ import annotations

from typing import Any

from gatewright.normalize.passes.base import Context, Document, operations, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.media import AUDIO_FORMATS, JSON
from gatewright.spec.pointer import deref, escape

_FORMAT_FIELD = "response_format"


def _offered(document: Document, op: dict[str, Any]) -> list[str]:
    """The audio format words the JSON request's ``response_format`` enum offers, in its order."""
    media_object = op.get("requestBody", {}).get("content", {}).get(JSON)
    schema = deref(document, media_object.get("schema")) if isinstance(media_object, dict) else None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    field = deref(document, properties.get(_FORMAT_FIELD)) if isinstance(properties, dict) else None
    enum = field.get("enum") if isinstance(field, dict) else None
    return [word for word in enum or () if isinstance(word, str) and word in AUDIO_FORMATS]


@repair_pass("audio_formats")
def audio_formats(document: Document, context: Context, log: RepairLog) -> None:
    """Declare the media type of each audio format a request offers on the audio answers it lacks."""
    for _path, _method, op, pointer in operations(document):
        offered = _offered(document, op)
        if not offered:
            continue
        for status, response in op.get("responses", {}).items():
            content = response.get("content") if isinstance(response, dict) else None
            if not isinstance(content, dict) or not str(status).startswith("2"):
                continue
            audio = [media for media in content if media.startswith("audio/")]
            if not audio:
                continue
            missing = [AUDIO_FORMATS[word] for word in offered if AUDIO_FORMATS[word] not in content]
            for media in dict.fromkeys(missing):
                content[media] = {"schema": dict(content[audio[0]].get("schema") or {})}
                log.add(
                    f"{pointer}/responses/{status}/content/{escape(media)}",
                    f"declared {media}",
                    f"the request's {_FORMAT_FIELD} offers it and the answer has no media type for it",
                    after=media,
                )
