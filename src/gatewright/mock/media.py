"""Tiny but valid media files, generated in code, for the results the mock hands out.

A task that "produced" a video must give the client something it can download and
open, so each kind here is a real file of its format (checked structurally by the
unit tests), not a placeholder string. Everything is built from bytes at import-free
call time; there are no binary fixtures (images: ``mock.image_files``, of the frame a request
asks for; audio: ``mock.audio_files``). Files are served by the mock at URLs it owns
that look signed (``/__gatewright/files/<id>/<name>?signature=...&expires=...``); the
name says the kind and, for an image of a frame asked for, the frame (``output-1024x768.png``).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import quote, unquote, urlencode, urlsplit

from gatewright.mock import audio_files, image_files
from gatewright.mock.image_files import Frame

__all__ = [
    "FILES_PREFIX",
    "FileFacts",
    "MediaFile",
    "MediaKind",
    "facts",
    "file_name",
    "format_words",
    "frame_of_link",
    "generate",
    "kind_for_format",
    "kind_for_media_type",
    "kind_of_link",
    "media_kind_for",
    "sign",
    "signed_path",
    "verify",
]

FILES_PREFIX = "/__gatewright/files"


class MediaKind(enum.Enum):
    """A kind of downloadable result, with its file extension and content type."""

    PNG = ("png", "image/png")
    JPEG = ("jpg", "image/jpeg")
    WEBP = ("webp", "image/webp")
    WAV = ("wav", "audio/wav")
    PCM = ("pcm", "audio/pcm")  # raw samples, no header (OpenAI's ``pcm``)
    FLAC = ("flac", "audio/flac")
    AAC = ("aac", "audio/aac")  # AAC-LC in ADTS frames
    MP3 = ("mp3", "audio/mpeg")
    OGG = ("ogg", "audio/ogg")  # Ogg Opus, what "opus" asks for
    MP4 = ("mp4", "video/mp4")
    GLB = ("glb", "model/gltf-binary")

    @property
    def extension(self) -> str:
        return self.value[0]

    @property
    def content_type(self) -> str:
        return self.value[1]


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One generated file as the mock serves it."""

    kind: MediaKind
    name: str
    data: bytes

    @property
    def content_type(self) -> str:
        return self.kind.content_type


# --- picking a kind ------------------------------------------------------------------------------

# Order matters: "3d video preview" is a 3D asset, "music video" a video, "audio" beats "image".
_HINTS: tuple[tuple[MediaKind, tuple[str, ...]], ...] = (
    (MediaKind.GLB, ("3d", "glb", "gltf", "mesh", "hyper3d", "hitem3d", "model_url")),
    (MediaKind.MP4, ("video", "mp4", "movie", "kling", "sora", "seedance", "subtitle")),
    (MediaKind.WAV, ("wav", "pcm")),
    (MediaKind.MP3, ("speech", "tts", "audio", "music", "song", "sound", "podcast", "voice", "mp3")),
    (MediaKind.PNG, ("image", "img", "png", "jpeg", "jpg", "photo", "picture", "mj", "imagine", "portrait")),
)


def media_kind_for(*hints: str | None, default: MediaKind | None = MediaKind.PNG) -> MediaKind | None:
    """Pick a media kind from what the caller knows: result field name, operationId, path, model.

    Hints are tried in the order given, so pass the most specific first (e.g. the
    result pointer, then the operationId, then the path). Matching is on lower-cased
    substrings; ``default`` is returned when nothing matches.
    """
    for hint in hints:
        if not hint:
            continue
        lowered = hint.lower()
        for kind, words in _HINTS:
            if any(word in lowered for word in words):
                return kind
    return default


# The other names media types go by, and the words a request's ``response_format`` /
# ``output_format`` / ``format`` uses for them (OpenAI's speech and image formats among them).
_MEDIA_TYPES = {
    **{kind.content_type: kind for kind in MediaKind},
    "image/jpg": MediaKind.JPEG,
    "audio/x-wav": MediaKind.WAV,
    "audio/wave": MediaKind.WAV,
    "audio/mp3": MediaKind.MP3,
    "audio/opus": MediaKind.OGG,
    "audio/x-flac": MediaKind.FLAC,
    "audio/aacp": MediaKind.AAC,
    "audio/l16": MediaKind.PCM,
    "model/gltf+binary": MediaKind.GLB,
}
_FORMATS = {
    **{kind.extension: kind for kind in MediaKind},
    "jpeg": MediaKind.JPEG,
    "opus": MediaKind.OGG,
    "mpeg": MediaKind.MP3,
    "gltf": MediaKind.GLB,
}


def kind_for_media_type(media_type: str) -> MediaKind | None:
    """The kind a declared media type names (``image/jpeg`` -> JPEG), or None (``octet-stream``)."""
    return _MEDIA_TYPES.get(media_type.partition(";")[0].strip().lower())


def kind_for_format(word: object) -> MediaKind | None:
    """The kind a request's format word asks for (``wav``, ``jpeg``, ``opus``, ...), or None."""
    return _FORMATS.get(word.strip().lower()) if isinstance(word, str) else None


def format_words(kind: MediaKind) -> tuple[str, ...]:
    """The format words that name ``kind``, its file extension first (``jpg``, ``jpeg``)."""
    return (
        kind.extension,
        *(word for word, named in _FORMATS.items() if named is kind and word != kind.extension),
    )


def file_name(kind: MediaKind, frame: Frame | None = None) -> str:
    """The name a link to a file the mock makes gives it: ``output.png``, or for an image or a video of
    a frame asked for, ``output-1024x768.png`` (the frame as made: ``image_files.fit``). The name is
    signed with the link, so the file route makes what it says and a client cannot ask it for another."""
    if frame is None or kind not in _FRAMED:
        return f"output.{kind.extension}"
    width, height = image_files.fit(*frame)
    return f"output-{width}x{height}.{kind.extension}"


_FRAME_IN_NAME = re.compile(r"-([0-9]{1,5})x([0-9]{1,5})$")


def frame_of_name(name: str) -> Frame | None:
    """The frame a file name states (``output-1024x768.png``: ``file_name``), or None."""
    found = _FRAME_IN_NAME.search(name.rpartition(".")[0])
    return (int(found[1]), int(found[2])) if found else None


def kind_of_link(url: str) -> MediaKind | None:
    """The kind of file a link to the mock's file route serves (its name's extension says), or None."""
    name = _linked_name(url)
    return None if name is None else _FORMATS.get(name.rpartition(".")[2].lower())


def frame_of_link(url: str) -> Frame | None:
    """The frame of the image a link to the mock's file route serves, where its name states one."""
    name = _linked_name(url)
    return None if name is None else frame_of_name(name)


def _linked_name(url: str) -> str | None:
    path = urlsplit(url).path
    return unquote(path.rpartition("/")[2]) if path.startswith(f"{FILES_PREFIX}/") else None


# --- generation ----------------------------------------------------------------------------------


def generate(kind: MediaKind, frame: Frame | None = None) -> bytes:
    """The bytes of a small valid file of ``kind`` (cached: they never change); an image or a video is
    of ``frame`` where one is given (within ``image_files``' cap), else 1x1 (a video 16x16)."""
    if frame is not None and kind in _FRAMED:
        return _FRAMED[kind](*image_files.fit(*frame))
    return _GENERATORS[kind]()


def _box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *payload)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


@lru_cache(maxsize=32)  # (a client asks for a few frames, again and again)
def mp4(width: int = 16, height: int = 16, duration_ms: int = 1000) -> bytes:
    """An ISO BMFF file: ftyp, moov (mvhd + one video trak with an empty sample table), mdat.

    The box tree is complete and well-formed (every box size adds up, every box a
    player expects in a track is present), so MP4 parsers open it and see a 1 s video
    track of ``width``x``height``; it has no coded frames, because a decodable H.264
    frame is not something to forge in a mock. Clients that only download and check
    the container are satisfied; clients that decode get zero frames.
    """
    timescale = 1000
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isom", b"iso2", b"mp41")
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, timescale, duration_ms),  # creation, modification, timescale, duration
        struct.pack(">IH", 0x00010000, 0x0100),  # rate 1.0, volume 1.0
        b"\x00" * 10,  # reserved
        _MATRIX,
        b"\x00" * 24,  # pre_defined
        struct.pack(">I", 2),  # next_track_ID
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        0x3,  # enabled | in movie
        struct.pack(">IIIII", 0, 0, 1, 0, duration_ms),  # created, modified, track_ID, -, duration
        b"\x00" * 8,
        struct.pack(">hhhH", 0, 0, 0, 0),  # layer, alternate_group, volume, reserved
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _full_box(
        b"mdhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, timescale, duration_ms),
        struct.pack(">HH", 0x55C4, 0),  # language "und", pre_defined
    )
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I", 0), b"vide", b"\x00" * 12, b"VideoHandler\x00")
    vmhd = _full_box(b"vmhd", 0, 1, struct.pack(">HHHH", 0, 0, 0, 0))
    dinf = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 0)),
        _full_box(b"stts", 0, 0, struct.pack(">I", 0)),
        _full_box(b"stsc", 0, 0, struct.pack(">I", 0)),
        _full_box(b"stsz", 0, 0, struct.pack(">II", 0, 0)),
        _full_box(b"stco", 0, 0, struct.pack(">I", 0)),
    )
    minf = _box(b"minf", vmhd, dinf, stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    moov = _box(b"moov", mvhd, trak)
    return ftyp + moov + _box(b"mdat")


@cache
def glb() -> bytes:
    """A glTF 2.0 binary with one triangle: JSON chunk + BIN chunk, both 4-byte aligned."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    document = {
        "asset": {"version": "2.0", "generator": "gatewright mock"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": len(positions)}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": len(positions)}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "min": [0, 0, 0],
                "max": [1, 1, 0],
            }
        ],
    }
    json_chunk = json.dumps(document, separators=(",", ":")).encode()
    json_chunk += b" " * (-len(json_chunk) % 4)
    bin_chunk = positions + b"\x00" * (-len(positions) % 4)
    body = (
        struct.pack("<I", len(json_chunk))
        + b"JSON"
        + json_chunk
        + struct.pack("<I", len(bin_chunk))
        + b"BIN\x00"
        + bin_chunk
    )
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


_IMAGES: dict[MediaKind, Callable[[int, int], bytes]] = {
    MediaKind.PNG: image_files.png,
    MediaKind.JPEG: image_files.jpeg,
    MediaKind.WEBP: image_files.webp,
}
_FRAMED: dict[MediaKind, Callable[..., bytes]] = {
    **_IMAGES,
    MediaKind.MP4: mp4,
}  # the kinds made of the frame a request asks for
_GENERATORS: dict[MediaKind, Callable[..., bytes]] = {
    **_FRAMED,  # (called without a frame: 1x1 images, a 16x16 video)
    MediaKind.WAV: audio_files.wav,
    MediaKind.PCM: audio_files.pcm,
    MediaKind.FLAC: audio_files.flac,
    MediaKind.AAC: audio_files.aac,
    MediaKind.MP3: audio_files.mp3,
    MediaKind.OGG: audio_files.ogg_opus,
    MediaKind.GLB: glb,
}


# --- what a body may say of a file --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What the file ``generate`` makes of a kind (and frame) is: its size in bytes, and how long it
    lasts and its frame (images and video), where the kind has them. A body that hands the file out
    states these."""

    size: int
    seconds: float | None
    width: int | None
    height: int | None


_FRAMES = {**dict.fromkeys(_IMAGES, (1, 1)), MediaKind.MP4: (16, 16)}  # what ``generate`` makes unasked
_SECONDS = {
    MediaKind.MP4: 1.0,
    **{
        kind: audio_files.SECONDS[kind.extension]
        for kind in MediaKind
        if kind.extension in audio_files.SECONDS
    },
}


@lru_cache(maxsize=64)
def facts(kind: MediaKind, frame: Frame | None = None) -> FileFacts:
    width: int | None
    height: int | None
    if frame is not None and kind in _FRAMED:
        width, height = image_files.fit(*frame)
    else:
        width, height = _FRAMES.get(kind, (None, None))
    return FileFacts(len(generate(kind, frame)), _SECONDS.get(kind), width, height)


# --- signed-looking URLs -------------------------------------------------------------------------


def sign(file_id: str, name: str, expires: int, secret: bytes) -> str:
    """An HMAC over the file and its expiry, so the mock can refuse tampered or stale links."""
    message = f"{file_id}/{name}:{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def signed_path(file_id: str, name: str, *, expires: int, secret: bytes) -> str:
    """``/__gatewright/files/<id>/<name>?signature=...&expires=...`` (path only; prefix the base URL)."""
    query = urlencode({"signature": sign(file_id, name, expires, secret), "expires": expires})
    return f"{FILES_PREFIX}/{quote(file_id, safe='')}/{quote(name, safe='')}?{query}"


def verify(file_id: str, name: str, *, signature: str, expires: int, secret: bytes, now: float) -> bool:
    """True when the signature matches and the link has not expired."""
    expected = sign(file_id, name, expires, secret)
    return hmac.compare_digest(expected, signature) and now < expires
