"""JSON bodies that point at media, as the request asked for them: how many, and as links or inline.

An image API answers ``data: [{url}]`` or ``data: [{b64_json}]``: as many items as the request's
count field says (``n``, or a gateway's own ``num_images``), each a link or the image's base64 as
its ``response_format`` says, never both (OpenAI sends one of the two). An image or a video is of the
frame the request states (``asked_frame``: ``size: "1024x768"``, or width and height fields; an image's
size tier, ``2K`` in its ``aspect_ratio``; a video's ``resolution`` or ``size`` word, ``720p`` in its
``aspect_ratio``). The fields beside
each link or inline file that describe it (``format``, ``mime_type``, ``duration``, ``width``/``height``,
a ``size`` in bytes or ``WxH``) state the file actually handed out: a client picks its decoder and file
name by them. Both the media answers and a task create held on for its result (``sync``) write such
bodies, so the rule lives here once.
"""

from __future__ import annotations

import base64
import copy
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from gatewright.mock import image_files, media
from gatewright.mock.coercion import coerce
from gatewright.mock.fit import Edits, string_fields
from gatewright.mock.image_files import Frame

__all__ = [
    "COUNT_FIELDS",
    "FORMAT_FIELDS",
    "MAX_ITEMS",
    "TYPE_FIELDS",
    "asked_frame",
    "describe",
    "format_word",
    "is_url_key",
    "link_media",
    "requested_count",
]

FORMAT_FIELDS = ("response_format", "output_format", "format")
COUNT_FIELDS = ("n", "num_images", "num_outputs", "number_of_images", "num_videos")
MAX_ITEMS = 10  # a count beyond this still gets this many (OpenAI's own limit for images)
TYPE_FIELDS = ("content_type", "mime_type", "mimetype", "media_type")  # a file's media type
FRAME_FIELDS = (("width", "height"), ("w", "h"))  # an image's frame, as its two numbers
SIZE_FIELD = "size"  # an image's frame as one word: ``1024x768`` (OpenAI's), ``1024*768`` (Wan's)
_FRAME_WORD = re.compile(r"\s*([0-9]{1,32})\s*[x*\u00d7]\s*([0-9]{1,32})\s*", re.IGNORECASE)
# A video's frame as a resolution word: its short side (``720p``, ``1080p``; ``4k`` is 2160), in the
# aspect the request states (``16:9``, the default: 1280x720; ``9:16``: 720x1280; ``1:1``).
RESOLUTION_FIELDS = ("resolution", SIZE_FIELD)
ASPECT_FIELDS = ("aspect_ratio", "aspectRatio", "ratio", SIZE_FIELD)
_RESOLUTION_WORD = re.compile(r"\s*(?:([0-9]{3,4})p|([48])k)\s*", re.IGNORECASE)
_ASPECT_WORD = re.compile(r"\s*([0-9]{1,3})\s*:\s*([0-9]{1,3})\s*")
_DEFAULT_ASPECT = (16, 9)
# An image's frame as a size tier (Gemini's and Seedream's ``1K``/``2K``/``4K``, ``512px``): the side of
# the square image of that tier (1024 a K), the same area in the aspect the request states (1:1 unless it
# says), each side a multiple of 16: ``1K`` at ``16:9`` is 1360x768 (Gemini's own is 1344x768).
TIER_FIELDS = (SIZE_FIELD, "resolution", "image_size")
_TIER_WORD = re.compile(r"\s*(?:([1-8])\s*k|([0-9]{2,5})\s*px)\s*", re.IGNORECASE)
_TIER_SIDE = 1024  # of a square ``1K`` image: also the tier of an aspect stated alone

# Gives the link for the URL field at (tokens, key), or None to leave the field as it is.
Linker = Callable[[tuple[str, ...], str], str | None]
_Handed = tuple[media.MediaKind, Frame | None]  # a file a body hands out: its kind, an image's frame


def format_word(body: Any) -> str | None:
    """The format the request names (``wav``, ``b64_json``, ``srt`` ...), lower-cased, or None."""
    if not isinstance(body, Mapping):
        return None
    for field in FORMAT_FIELDS:
        value = body.get(field)
        if isinstance(value, str) and value:
            return value.strip().lower()
    return None


def requested_count(body: Any) -> int | None:
    """How many items the request asks for (capped at ``MAX_ITEMS``), or None when it does not say."""
    if not isinstance(body, Mapping):
        return None
    for field in COUNT_FIELDS:
        value = _whole(body.get(field))  # (a multipart form's field is text: "3")
        if value is not None:
            return min(value, MAX_ITEMS)
    return None


def asked_frame(fields: Any, kind: media.MediaKind | None = None) -> Frame | None:
    """The frame of the image (or video: ``kind``) a request asks for, or None when it states none: its
    width and height fields (``width``/``height``, ``w``/``h``; a form's or query's text is read as a
    number), else its ``size`` word (``1024x768``, ``1024*768``), else, for a video, its resolution
    word (``_video_frame``), for an image one side in its aspect or its size tier (``2K``, or an
    aspect alone). A frame past the cap comes back scaled down to it
    (``image_files.fit``): what the mock makes and the answer states."""
    if not isinstance(fields, Mapping):
        return None
    for names in FRAME_FIELDS:
        width, height = (_whole(fields.get(name)) for name in names)
        if width is not None and height is not None:
            return image_files.fit(width, height)
    found = _word(fields, (SIZE_FIELD,), _FRAME_WORD)
    if found is not None and int(found[1]) >= 1 and int(found[2]) >= 1:
        return image_files.fit(int(found[1]), int(found[2]))
    if kind is media.MediaKind.MP4:
        return _video_frame(fields)
    return _one_side_frame(fields) or _tier_frame(fields)


def _one_side_frame(fields: Mapping[str, Any]) -> Frame | None:
    """An image's frame from one of its sides (``w`` alone: ipop's resize) and the aspect its request
    states, square unless it says (a resize keeps the image's aspect; an unasked image is square)."""
    across, down = _stated_aspect(fields) or (1, 1)
    for width_name, height_name in FRAME_FIELDS:
        width, height = _whole(fields.get(width_name)), _whole(fields.get(height_name))
        if width is not None:
            return image_files.fit(width, max(1, round(width * down / across)))
        if height is not None:
            return image_files.fit(max(1, round(height * across / down)), height)
    return None


def _tier_frame(fields: Mapping[str, Any]) -> Frame | None:
    """An image's frame from its size tier and stated aspect (``TIER_FIELDS``), or from an aspect
    stated alone (at ``1K``); None when it states neither (``auto``)."""
    tier = _word(fields, TIER_FIELDS, _TIER_WORD)
    side = None if tier is None else int(tier[1]) * _TIER_SIDE if tier[1] else int(tier[2])
    aspect = _stated_aspect(fields)
    if side is None and aspect is None:
        return None
    across, down = aspect or (1, 1)
    stretch = math.sqrt(across / down)
    side = side or _TIER_SIDE
    return image_files.fit(_multiple_of_16(side * stretch), _multiple_of_16(side / stretch))


def _multiple_of_16(length: float) -> int:
    return max(16, 16 * round(length / 16))


def _stated_aspect(fields: Mapping[str, Any]) -> tuple[int, int] | None:
    """The aspect ratio the request states (``16:9``), or None."""
    found = _word(fields, ASPECT_FIELDS, _ASPECT_WORD, lambda m: int(m[1]) >= 1 and int(m[2]) >= 1)
    return None if found is None else (int(found[1]), int(found[2]))


def _word(
    fields: Mapping[str, Any],
    names: tuple[str, ...],
    pattern: re.Pattern[str],
    holds: Callable[[re.Match[str]], bool] = lambda _: True,
) -> re.Match[str] | None:
    """The first of the ``names`` fields whose text is a whole ``pattern`` word that ``holds``."""
    for name in names:
        word = fields.get(name)
        found = pattern.fullmatch(word) if isinstance(word, str) else None
        if found is not None and holds(found):
            return found
    return None


def _video_frame(fields: Mapping[str, Any]) -> Frame | None:
    """A video's frame from its resolution word (``720p``: the short side; ``4k``: 2160) and the aspect
    its request states (16:9 unless it says; the long side rounded to even, ``480p`` is 854x480). An
    image's ``4K`` is a size tier instead (``_tier_frame``)."""
    found = _word(fields, RESOLUTION_FIELDS, _RESOLUTION_WORD)
    side = None if found is None else int(found[1]) if found[1] else int(found[2]) * 540
    if not side:
        return None
    across, down = _stated_aspect(fields) or _DEFAULT_ASPECT
    long_side = 2 * round(side * max(across, down) / min(across, down) / 2)
    return image_files.fit(long_side, side) if across >= down else image_files.fit(side, long_side)


def _whole(value: Any) -> int | None:
    """A positive whole number, or its text (``"768"``), else None."""
    if isinstance(value, str) and len(value) <= 32:
        value = coerce(value.strip(), "integer")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return None
    return min(value, image_files.HUGE)  # a side past any cap: arithmetic on it stays in floats' range


def asked_kind(body: Any, default: media.MediaKind) -> media.MediaKind:
    """The file kind the request's format fields name within ``default``'s family (``output_format:
    jpeg`` for an image, ``wav`` for speech), else ``default``."""
    if not isinstance(body, Mapping):
        return default
    family = default.content_type.partition("/")[0]
    for field in FORMAT_FIELDS:
        kind = media.kind_for_format(body.get(field))
        if kind is not None and kind.content_type.partition("/")[0] == family:
            return kind
    return default


def is_url_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _URL_WORDS or any(lowered.endswith(f"_{word}") for word in _URL_WORDS)


_URL_WORDS = ("url", "uri", "href", "link")
_FORMS = ("url", "b64_json")  # the response_format words that choose links or inline files


def link_media(edits: Edits, request: Mapping[str, Any], link: Linker, inline: media.MediaKind) -> None:
    """Edit ``edits.body``: ``data`` holds the count asked for; each ``b64_json`` a real file of ``inline``
    (of the frame the request asks for; dropped when links were asked for, or beside a ``url`` when no
    format was named); each URL field is ``link``'s, or, for ``url`` when ``b64_json`` was asked for,
    the image inline instead. Each write is kept only if the body stays valid."""
    count = requested_count(request)
    data = edits.body.get("data") if isinstance(edits.body, dict) else None
    if count is not None and isinstance(data, list) and data and len(data) != count:
        edits.set(("data",), [copy.deepcopy(data[0]) for _ in range(count)])
    asked = request.get("response_format")  # links or inline: only this says (output_format is the file's)
    word = asked.strip().lower() if isinstance(asked, str) and asked.strip().lower() in _FORMS else None
    frame = asked_frame(request, inline)
    inlined = (inline, frame)
    handed: dict[tuple[str, ...], set[_Handed]] = {}  # each item: the files (kind, frame) it hands out
    for tokens, key, _ in list(string_fields(edits.body)):
        file: _Handed | None = None
        if key == "b64_json":
            if word == "url" or (word is None and "url" in edits.get(tokens[:-1])):  # links: the default
                edits.remove(tokens)
            elif edits.set(tokens, _inline(inline, frame)):
                file = inlined
        elif is_url_key(key):
            if word == "b64_json" and key == "url":
                edits.remove(tokens)
                file = inlined if edits.set((*tokens[:-1], "b64_json"), _inline(inline, frame)) else None
            elif (url := link(tokens, key)) is not None and edits.set(tokens, url):
                linked = media.kind_of_link(url)
                file = None if linked is None else (linked, media.frame_of_link(url))
        if file is not None:
            handed.setdefault(tokens[:-1], set()).add(file)
    for item, files in handed.items():
        if len(files) == 1:  # an item with two files: which of them its fields describe nobody knows
            kind, made = files.pop()
            describe(edits, item, kind, request, frame=made)


def describe(
    edits: Edits,
    item: tuple[str, ...],
    kind: media.MediaKind,
    request: Mapping[str, Any],
    *,
    frame: Frame | None = None,
) -> None:
    """The fields of the object at ``item`` that describe a file state ``kind``'s (an image of ``frame``),
    where the object has them: its format word (the one the request used for it, else the kind's), media
    type (or its family, where the field is an enum of those), duration (seconds; ``_ms`` in
    milliseconds), frame and byte size. Each write is kept only if the body stays valid."""
    fields = edits.get(item)
    if not isinstance(fields, dict):
        return
    facts = media.facts(kind, frame)
    asked = [w.strip().lower() for f in FORMAT_FIELDS if isinstance(w := request.get(f), str)]
    words = [w for w in asked if media.kind_for_format(w) is kind] + list(media.format_words(kind))
    for name, current in list(fields.items()):
        if name in _FORMAT_WORD_FIELDS:
            choices: list[Any] = words
        elif name in TYPE_FIELDS:
            choices = [kind.content_type, kind.content_type.partition("/")[0]]
        elif name in ("duration", "duration_seconds") and facts.seconds is not None:
            choices = [round(facts.seconds, 3), round(facts.seconds)]  # an integer field: the nearest
        elif name == "duration_ms" and facts.seconds is not None:
            choices = [round(facts.seconds * 1000)]
        elif name in ("width", "height") and facts.width is not None:
            choices = [facts.width if name == "width" else facts.height]
        elif name in _SIZE_FIELDS and isinstance(current, int) and not isinstance(current, bool):
            choices = [facts.size]
        elif name == "size" and isinstance(current, str) and facts.width is not None:  # "1024x1024"
            choices = [f"{facts.width}x{facts.height}"]
        else:
            continue
        any(edits.set((*item, name), choice) for choice in choices)


_FORMAT_WORD_FIELDS = ("format", "output_format", "file_format", "audio_format", "image_format", "extension")
_SIZE_FIELDS = ("size", "bytes", "size_bytes", "file_size", "byte_count", "content_length")


def _inline(kind: media.MediaKind, frame: Frame | None) -> str:
    return base64.b64encode(media.generate(kind, frame)).decode()
