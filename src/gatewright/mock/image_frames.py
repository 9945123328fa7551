"""The frame (width, height) an uploaded image's own bytes state, read from its header.

A client uploads an image (ipop's media asset source) and reads the item back: its ``width`` and
``height`` are those of the file it sent, not made-up numbers. PNG, GIF, JPEG and WebP say their
frame in their first bytes (a JPEG in its start-of-frame segment, after the segments before it); a
file that is none of them, or is cut short, states no frame and the item keeps what it had.
"""

from __future__ import annotations

import struct

from gatewright.mock.image_files import Frame

__all__ = ["frame_of"]

# JPEG start-of-frame markers (SOF0-SOF15 except DHT, JPG and DAC, which share the range)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # markers with no length after them (TEM, RSTn)
_HEAD = 1 << 20  # bytes of a JPEG searched for its frame (real files state it in their first few KB)
_SEGMENTS = 256  # segments walked before it


def frame_of(data: bytes) -> Frame | None:
    """The frame ``data``'s image header states, or None (not an image this reads, or cut short)."""
    try:
        frame = _read(data)
    except (struct.error, IndexError):
        return None
    return frame if frame is not None and frame[0] > 0 and frame[1] > 0 else None


def _read(data: bytes) -> Frame | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def _jpeg(data: bytes) -> Frame | None:
    """The frame of the first start-of-frame segment, walking the segments before it by their lengths:
    at most ``_SEGMENTS`` of them, within the first ``_HEAD`` bytes (a hostile upload of fill bytes or
    tiny segments would otherwise hold the event loop for seconds)."""
    at, segments = 2, 0
    end = min(len(data), _HEAD)
    while at + 4 <= end and segments < _SEGMENTS:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes before a marker: skip the run at once, in C
            run = data[at:end]
            at += len(run) - len(run.lstrip(b"\xff")) - 1  # to the last 0xFF, before the marker
            continue
        segments += 1
        if marker in _STANDALONE:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        if marker == 0xDA or length < 2:  # image data before any frame: not a file this reads
            return None
        at += 2 + length
    return None


def _webp(data: bytes) -> Frame | None:
    """Lossy (``VP8 ``: 14 bits a side after the key frame's start code), lossless (``VP8L``: 14 bits
    a side, minus one) or extended (``VP8X``: 24 bits a side, minus one)."""
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None
