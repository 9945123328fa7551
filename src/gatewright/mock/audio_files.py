"""Tiny valid audio files of every format a speech request may ask for, built from bytes in code.

A client asking ``response_format="flac"`` decodes what it gets as FLAC: an MP3 in its place fails
in the player, not in the mock. So each format is its own file: WAV and raw PCM (OpenAI's ``pcm``:
24 kHz 16-bit signed little-endian samples, no header), MP3 frames, Ogg Opus, FLAC and AAC in ADTS
frames, each a short silence that decoders read as one (checked structurally by the unit tests and
by ``file(1)``).
"""

from __future__ import annotations

import hashlib
import io
import struct
import wave
from functools import cache

__all__ = ["MP3_FRAME_BYTES", "SAMPLE_RATE", "SECONDS", "aac", "flac", "mp3", "ogg_opus", "pcm", "wav"]

SAMPLE_RATE = 24_000  # what OpenAI's speech formats use (its pcm is defined as 24 kHz)
CLIP_SECONDS = 0.1  # how long the WAV and raw PCM clips last


@cache
def wav(seconds: float = CLIP_SECONDS, sample_rate: int = 24_000) -> bytes:
    """16-bit mono PCM silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(b"\x00\x00" * int(seconds * sample_rate))
    return buffer.getvalue()


MP3_FRAME_BYTES = 417  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 144 * 128000 // 44100


MP3_FRAMES = 8
_MP3_RATE, _MP3_FRAME_SAMPLES = 44_100, 1_152


@cache
def mp3(frames: int = MP3_FRAMES) -> bytes:
    """Silent MPEG-1 Layer III frames (mono, 128 kbit/s, 44.1 kHz): ~0.2 s at 8 frames.

    A zeroed side-info block says "no main data, zero granule length", which decoders
    render as silence.
    """
    header = bytes((0xFF, 0xFB, 0x90, 0xC0))  # sync, MPEG-1, Layer III, no CRC | 128k, 44.1k | mono
    frame = header + b"\x00" * (MP3_FRAME_BYTES - len(header))
    return frame * frames


def _ogg_crc(data: bytes) -> int:
    """The Ogg page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, no final xor."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packet: bytes, *, sequence: int, header_type: int, granule: int = 0) -> bytes:
    lacing = bytes([255] * (len(packet) // 255) + [len(packet) % 255])
    head = (
        b"OggS"
        + struct.pack("<BBqIII", 0, header_type, granule, 0x67777269, sequence, 0)  # serial "gwri"
        + bytes([len(lacing)])
        + lacing
    )
    page = head + packet
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


_OPUS_SAMPLES = 960  # the one 20 ms packet, at Opus's 48 kHz


@cache
def ogg_opus() -> bytes:
    """An Ogg Opus stream (RFC 7845): its ID and comment headers and one silent 20 ms packet."""
    opus_head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48_000, 0, 0)
    vendor = b"gatewright"
    opus_tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    silence = bytes((0xF8, 0xFF, 0xFE))  # TOC: CELT fullband 20 ms, one frame; then a silent frame
    return (
        _ogg_page(opus_head, sequence=0, header_type=0x02)
        + _ogg_page(opus_tags, sequence=1, header_type=0x00)
        + _ogg_page(silence, sequence=2, header_type=0x04, granule=312 + _OPUS_SAMPLES)
    )


@cache
def pcm(seconds: float = CLIP_SECONDS, sample_rate: int = SAMPLE_RATE) -> bytes:
    """Raw 16-bit signed little-endian mono silence, no header: OpenAI's ``pcm``."""
    return b"\x00\x00" * int(seconds * sample_rate)


def _crc8(data: bytes) -> int:
    """FLAC's frame header checksum: CRC-8, polynomial x^8 + x^2 + x + 1, initial 0."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    """FLAC's frame checksum: CRC-16, polynomial x^16 + x^15 + x^2 + 1, initial 0."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


FLAC_BLOCK = 4096  # samples in the one frame (block size code 0b1100: 256 * 2**4)


@cache
def flac() -> bytes:
    """A FLAC stream: its STREAMINFO (with the MD5 of the samples) and one frame of 4,096 silent 16-bit
    mono samples at 24 kHz, coded as a CONSTANT subframe."""
    samples = FLAC_BLOCK
    info = (
        struct.pack(">HH", samples, samples)
        + (0).to_bytes(3, "big") * 2  # smallest and largest frame: unknown
        # sample rate (20 bits), channels - 1 (3), bits per sample - 1 (5), total samples (36)
        + ((SAMPLE_RATE << 44) | (0 << 41) | (15 << 36) | samples).to_bytes(8, "big")
        + hashlib.md5(b"\x00\x00" * samples).digest()  # FLAC's own checksum of the audio
    )
    metadata = bytes((0x80,)) + len(info).to_bytes(3, "big") + info  # last block, type 0: STREAMINFO
    # sync + fixed blocking | block size 4096, 24 kHz | mono, 16-bit | frame number 0 (UTF-8 coded)
    head = bytes((0xFF, 0xF8, 0xC7, 0x08, 0x00))
    head += bytes((_crc8(head),))
    frame = head + bytes((0x00,)) + b"\x00\x00"  # subframe: CONSTANT, no wasted bits; the value 0
    return b"fLaC" + metadata + frame + struct.pack(">H", _crc16(frame))


# One silent AAC-LC raw data block for one channel: a single channel element with global gain 160, no
# scale factor bands (so no spectral data), no pulse, TNS or gain control, then END.
_AAC_SILENCE = bytes((0x01, 0x40, 0x20, 0x07))
_ADTS_RATES = (96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000)


AAC_FRAMES = 5


@cache
def aac(frames: int = AAC_FRAMES) -> bytes:
    """AAC-LC in ADTS frames (what ``aac`` and ``audio/aac`` mean), mono at 24 kHz: 1,024 silent samples
    a frame, about 0.2 s at 5 frames."""
    length = 7 + len(_AAC_SILENCE)
    rate = _ADTS_RATES.index(SAMPLE_RATE)
    bits = (
        (0xFFF << 44)  # sync word
        | (0 << 43)  # MPEG-4
        | (0 << 41)  # layer
        | (1 << 40)  # no CRC
        | (1 << 38)  # profile: AAC LC (object type 2, less one)
        | (rate << 34)
        | (1 << 30)  # channel configuration: mono
        | (length << 13)
        | (0x7FF << 2)  # buffer fullness: variable bit rate
    )
    return (bits.to_bytes(7, "big") + _AAC_SILENCE) * frames


# How long each file above lasts, by its format's file extension: what a body handing one out says of
# it (``duration``), so it must follow the generators' defaults.
SECONDS: dict[str, float] = {
    "wav": CLIP_SECONDS,
    "pcm": CLIP_SECONDS,
    "mp3": MP3_FRAMES * _MP3_FRAME_SAMPLES / _MP3_RATE,
    "ogg": _OPUS_SAMPLES / 48_000,
    "flac": FLAC_BLOCK / SAMPLE_RATE,
    "aac": AAC_FRAMES * 1_024 / SAMPLE_RATE,
}
