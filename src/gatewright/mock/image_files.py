"""Images of the frame a request asks for (``size: "1024x1024"``), a few KB whatever their size.

An app that asked for 1024x1024 lays out, crops or thumbnails what it gets by its frame, so the image
the mock hands out has the frame asked for, not 1x1. Each is one flat grey, which every format here
codes in next to nothing: a PNG's identical rows deflate to a few bytes a megabyte, a baseline JPEG
spends two bits on each 8x8 block, and a lossless WebP whose every code has one symbol spends none on
a pixel. No frame is ever held in memory whole.

A frame is capped (``fit``): at most ``MAX_SIDE`` pixels a side and ``MAX_PIXELS`` in all (4096x4096,
the largest custom size a bundled spec documents: imarouter's ``wan2.7-image-pro``). Where a spec bounds
the size (an enum, a ``maximum``) validation refuses what lies beyond it; where it does not (a free
``size`` string, ipop's ``w``/``h`` with only a ``minimum``) a bigger frame is scaled down, its aspect
kept, to fit the cap, and the answer states the frame of the file it hands out. So a hostile size
costs at most tens of milliseconds and a few dozen KB, never gigabytes.
"""

from __future__ import annotations

import math
import struct
import zlib
from functools import lru_cache

__all__ = ["MAX_PIXELS", "MAX_SIDE", "Frame", "fit", "jpeg", "png", "webp"]

Frame = tuple[int, int]  # (width, height) in pixels

MAX_SIDE = 16_384  # a lossless WebP's limit (14 bits a side)
MAX_PIXELS = 4096 * 4096
_GREY = 0x80
HUGE = 1 << 40  # a side is read as at most this before scaling (floats hold it exactly)
_CACHED = 32  # frames of each format kept made (a client asks for a few sizes, again and again)


def fit(width: int, height: int) -> Frame:
    """The frame made for ``width`` x ``height``: at least 1x1, scaled down (aspect kept) to the cap."""
    width, height = min(max(1, width), HUGE), min(max(1, height), HUGE)
    scale = min(1.0, MAX_SIDE / max(width, height), math.sqrt(MAX_PIXELS / (width * height)))
    if scale < 1.0:
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    return width, height


@lru_cache(maxsize=_CACHED)
def png(width: int = 1, height: int = 1) -> bytes:
    """An opaque grey RGBA PNG.

    Its rows are all the same, so a run of them is deflated once and repeated: each run ends on a
    full flush (byte-aligned, no reference back past it), so the runs chain into one valid zlib
    stream, whose checksum is taken over every row. A 4096x4096 image costs about 30 ms, not the
    half second deflating its 64 MB of rows would."""
    width, height = fit(width, height)

    def chunk(tag: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    row = b"\x00" + bytes((_GREY, _GREY, _GREY, 0xFF)) * width  # filter byte 0, then the pixels
    per_run = max(1, (1 << 18) // len(row))  # rows in a run: about 256 KB of them
    runs, rest = divmod(height, per_run)
    run = row * per_run
    repeated = _raw_deflate(run, zlib.Z_FULL_FLUSH) if runs else b""
    checksum = 1
    for _ in range(runs):
        checksum = zlib.adler32(run, checksum)
    checksum = zlib.adler32(row * rest, checksum)
    stream = (
        b"\x78\xda" + repeated * runs + _raw_deflate(row * rest, zlib.Z_FINISH) + struct.pack(">I", checksum)
    )
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


def _raw_deflate(data: bytes, flush: int) -> bytes:
    """``data`` as raw deflate blocks (no zlib header or checksum), ended by ``flush``."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(flush)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


@lru_cache(maxsize=_CACHED)
def jpeg(width: int = 1, height: int = 1) -> bytes:
    """A grey baseline JFIF JPEG (one component).

    Each Huffman table holds one symbol (DC: no change, AC: end of block), so every 8x8 block is the
    two bits ``00``: a DC of 0, which is mid grey, and nothing else. The bits end padded with ones."""
    width, height = fit(width, height)
    blocks = math.ceil(width / 8) * math.ceil(height / 8)
    bits = 2 * blocks
    data = bytes(bits // 8) + (bytes(((1 << (8 - bits % 8)) - 1,)) if bits % 8 else b"")
    one_symbol = bytes((1, *([0] * 15), 0))  # one code of length 1, for symbol 0
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xDB, b"\x00" + b"\x01" * 64)  # quantization table 0: all ones
        + _segment(0xC0, struct.pack(">BHHB3B", 8, height, width, 1, 1, 0x11, 0))
        + _segment(0xC4, b"\x00" + one_symbol)  # DC table 0
        + _segment(0xC4, b"\x10" + one_symbol)  # AC table 0
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")  # one component, tables 0/0, spectral 0..63
        + data
        + b"\xff\xd9"
    )


# A 1x1 grey lossless WebP as Pillow writes it: every prefix code in it has one symbol, so its pixels
# take no bits, and the same stream with another width and height in its header is that frame in grey.
_WEBP = bytes.fromhex("524946461e000000574542505650384c110000002f000000000750c00216b0ff8188e87f0000")
_VP8L_SIZE = 21  # where the 14-bit width-1 and height-1 start (after the 0x2f signature byte)


@lru_cache(maxsize=_CACHED)
def webp(width: int = 1, height: int = 1) -> bytes:
    """A grey lossless WebP (VP8L): Pillow's 1x1 with the frame written into its header."""
    width, height = fit(width, height)
    (bits,) = struct.unpack_from("<I", _WEBP, _VP8L_SIZE)
    bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
    return _WEBP[:_VP8L_SIZE] + struct.pack("<I", bits) + _WEBP[_VP8L_SIZE + 4 :]
