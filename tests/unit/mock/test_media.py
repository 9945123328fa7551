"""Generated media files are structurally valid for their formats (stdlib parsers and struct checks)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import subprocess
import wave
import zlib

import pytest

from gatewright.mock import audio_files, image_files, media
from gatewright.mock.media import MediaKind
from gatewright.spec.media import AUDIO_FORMATS


def test_png_chunks_and_pixels() -> None:
    data = image_files.png(2, 3)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        tag, payload = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(tag + payload) & 0xFFFFFFFF
        chunks[tag] = payload
        offset += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (width, height, depth, color) == (2, 3, 8, 6)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 4 * width)


def test_wav_opens_with_the_wave_module() -> None:
    with wave.open(io.BytesIO(audio_files.wav()), "rb") as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 24_000)
        assert clip.getnframes() == 2400
        assert set(clip.readframes(clip.getnframes())) == {0}


def test_mp3_is_a_run_of_valid_mpeg1_layer3_frames() -> None:
    data = audio_files.mp3()
    assert len(data) == 8 * audio_files.MP3_FRAME_BYTES
    bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    for offset in range(0, len(data), audio_files.MP3_FRAME_BYTES):
        (header,) = struct.unpack(">I", data[offset : offset + 4])
        assert header >> 21 == 0x7FF  # frame sync
        assert (header >> 19) & 0b11 == 0b11  # MPEG-1
        assert (header >> 17) & 0b11 == 0b01  # Layer III
        bitrate = bitrates[(header >> 12) & 0xF] * 1000
        assert (header >> 10) & 0b11 == 0  # 44.1 kHz
        padding = (header >> 9) & 1
        assert 144 * bitrate // 44_100 + padding == audio_files.MP3_FRAME_BYTES


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    end = len(data) if end is None else end
    found, offset = [], start
    while offset < end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        assert size >= 8 and offset + size <= end, (kind, size)
        found.append((kind, offset + 8, offset + size))
        offset += size
    assert offset == end
    return found


def test_mp4_box_tree_is_complete_and_sizes_add_up() -> None:
    data = media.mp4()
    top = _boxes(data)
    assert [k for k, *_ in top] == [b"ftyp", b"moov", b"mdat"]
    assert data[8:12] == b"isom"
    _, start, end = top[1]
    moov = {k: (s, e) for k, s, e in _boxes(data, start, end)}
    assert list(moov) == [b"mvhd", b"trak"]
    timescale, duration = struct.unpack(">II", data[moov[b"mvhd"][0] + 12 : moov[b"mvhd"][0] + 20])
    assert (timescale, duration) == (1000, 1000)
    trak = {k: (s, e) for k, s, e in _boxes(data, *moov[b"trak"])}
    assert list(trak) == [b"tkhd", b"mdia"]
    _tkhd_start, tkhd_end = trak[b"tkhd"]
    width, height = struct.unpack(">II", data[tkhd_end - 8 : tkhd_end])
    assert (width >> 16, height >> 16) == (16, 16)
    mdia = {k: (s, e) for k, s, e in _boxes(data, *trak[b"mdia"])}
    assert list(mdia) == [b"mdhd", b"hdlr", b"minf"]
    assert data[mdia[b"hdlr"][0] + 8 : mdia[b"hdlr"][0] + 12] == b"vide"
    minf = {k: (s, e) for k, s, e in _boxes(data, *mdia[b"minf"])}
    assert list(minf) == [b"vmhd", b"dinf", b"stbl"]
    stbl = [k for k, *_ in _boxes(data, *minf[b"stbl"])]
    assert stbl == [b"stsd", b"stts", b"stsc", b"stsz", b"stco"]


def test_glb_header_and_chunks() -> None:
    data = media.glb()
    magic, version, length = struct.unpack("<4sII", data[:12])
    assert (magic, version, length) == (b"glTF", 2, len(data))
    json_length, json_type = struct.unpack("<I4s", data[12:20])
    assert json_type == b"JSON" and json_length % 4 == 0
    document = json.loads(data[20 : 20 + json_length])
    assert document["asset"]["version"] == "2.0"
    bin_offset = 20 + json_length
    bin_length, bin_type = struct.unpack("<I4s", data[bin_offset : bin_offset + 8])
    assert bin_type == b"BIN\x00" and bin_length >= document["buffers"][0]["byteLength"]
    assert bin_offset + 8 + bin_length == len(data)
    assert struct.unpack("<9f", data[bin_offset + 8 : bin_offset + 44])[3] == 1.0


@pytest.mark.skipif(shutil.which("file") is None, reason="file(1) not installed")
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (MediaKind.PNG, "PNG image"),
        (MediaKind.JPEG, "JPEG image"),
        (MediaKind.WEBP, "Web/P image"),
        (MediaKind.WAV, "WAVE audio"),
        (MediaKind.MP3, "MPEG ADTS, layer III"),
        (MediaKind.OGG, "Ogg data, Opus audio"),
        (MediaKind.FLAC, "FLAC audio bitstream data, 16 bit, mono, 24 kHz, 4096 samples"),
        (MediaKind.AAC, "MPEG ADTS, AAC, v4 LC, 24 kHz, monaural"),
        (MediaKind.MP4, "ISO Media"),
        (MediaKind.GLB, "glTF binary"),
    ],
)
def test_file_recognises_each_kind(kind: MediaKind, expected: str) -> None:
    out = subprocess.run(["file", "-b", "-"], input=media.generate(kind), capture_output=True, check=True)
    assert expected in out.stdout.decode()


@pytest.mark.parametrize(
    ("hints", "kind"),
    [
        (("/video_url",), MediaKind.MP4),
        (("createVideoGeneration",), MediaKind.MP4),
        (("createImage",), MediaKind.PNG),
        (("createSpeech",), MediaKind.MP3),
        (("text-to-music",), MediaKind.MP3),
        (("create3dGeneration",), MediaKind.GLB),
        (("hyper3d",), MediaKind.GLB),
        (("pcm",), MediaKind.WAV),
        ((None, "", "imageUrl"), MediaKind.PNG),
        (("nothing",), MediaKind.PNG),
    ],
)
def test_media_kind_for(hints: tuple[str | None, ...], kind: MediaKind) -> None:
    assert media.media_kind_for(*hints) is kind


def test_content_types() -> None:
    assert {k.extension: k.content_type for k in MediaKind} == {
        "png": "image/png",
        "jpg": "image/jpeg",
        "webp": "image/webp",
        "wav": "audio/wav",
        "pcm": "audio/pcm",
        "flac": "audio/flac",
        "aac": "audio/aac",
        "mp3": "audio/mpeg",
        "ogg": "audio/ogg",
        "mp4": "video/mp4",
        "glb": "model/gltf-binary",
    }


@pytest.mark.parametrize("kind", [MediaKind.PNG, MediaKind.JPEG, MediaKind.WEBP])
def test_images_decode_with_pillow(kind: MediaKind) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(media.generate(kind)))
    image.load()
    assert image.size == (1, 1) and image.get_format_mimetype() == kind.content_type


def test_ogg_pages_carry_valid_checksums_and_the_opus_headers() -> None:
    data, offset, packets = audio_files.ogg_opus(), 0, []
    while offset < len(data):
        assert data[offset : offset + 4] == b"OggS"
        segments = data[offset + 26]
        lacing = data[offset + 27 : offset + 27 + segments]
        header_end = offset + 27 + segments
        page = data[offset : header_end + sum(lacing)]
        (crc,) = struct.unpack("<I", page[22:26])
        assert crc == audio_files._ogg_crc(page[:22] + b"\0\0\0\0" + page[26:])
        packets.append(page[header_end - offset :])
        offset += len(page)
    assert packets[0].startswith(b"OpusHead") and packets[1].startswith(b"OpusTags") and len(packets) == 3


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("wav", MediaKind.WAV),
        ("opus", MediaKind.OGG),
        ("jpeg", MediaKind.JPEG),
        ("JPG", MediaKind.JPEG),
        ("mp3", MediaKind.MP3),
        ("flac", MediaKind.FLAC),
        ("aac", MediaKind.AAC),
        ("pcm", MediaKind.PCM),
        ("srt", None),
        (7, None),
    ],
)
def test_format_words_name_kinds(word: object, kind: MediaKind | None) -> None:
    assert media.kind_for_format(word) is kind
    if kind is not None:
        assert media.kind_for_media_type(kind.content_type + "; charset=binary") is kind


def test_signed_paths_verify_and_expire() -> None:
    secret = b"s"
    path = media.signed_path("f1", "out.mp4", expires=1000, secret=secret)
    assert path.startswith("/__gatewright/files/f1/out.mp4?signature=") and path.endswith("&expires=1000")
    signature = path.split("signature=")[1].split("&")[0]
    assert media.verify("f1", "out.mp4", signature=signature, expires=1000, secret=secret, now=999)
    assert not media.verify("f1", "out.mp4", signature=signature, expires=1000, secret=secret, now=1000)
    assert not media.verify("f2", "out.mp4", signature=signature, expires=1000, secret=secret, now=0)


def test_each_speech_format_word_is_a_kind_of_the_media_type_the_contract_declares_for_it() -> None:
    """normalize declares ``AUDIO_FORMATS``' media types (``passes.audio_formats``); the mock must
    answer each word with a file of exactly that type."""
    for word, media_type in AUDIO_FORMATS.items():
        kind = media.kind_for_format(word)
        assert kind is not None and kind.content_type == media_type, word


def test_pcm_is_headerless_silence_at_24_khz() -> None:
    data = audio_files.pcm(0.5)
    assert len(data) == 2 * 12_000 and set(data) == {0}


def _crc(data: bytes, width: int, poly: int) -> int:
    top, mask, crc = 1 << (width - 1), (1 << width) - 1, 0
    for byte in data:
        crc ^= byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
    return crc


def test_flac_streaminfo_and_frame_checksums() -> None:
    data = audio_files.flac()
    assert data[:4] == b"fLaC" and data[4] == 0x80  # the last (only) metadata block: STREAMINFO
    length = int.from_bytes(data[5:8], "big")
    info = data[8 : 8 + length]
    fields = int.from_bytes(info[10:18], "big")
    rate, channels, bits, samples = (
        fields >> 44,
        ((fields >> 41) & 7) + 1,
        ((fields >> 36) & 31) + 1,
        fields & (2**36 - 1),
    )
    assert (rate, channels, bits, samples) == (24_000, 1, 16, 4096)
    assert info[18:] == hashlib.md5(b"\0\0" * samples).digest()  # FLAC's own checksum
    frame = data[8 + length :]
    assert frame[:2] == b"\xff\xf8" and frame[5] == _crc(frame[:5], 8, 0x07)
    assert int.from_bytes(frame[-2:], "big") == _crc(frame[:-2], 16, 0x8005)


def test_aac_is_a_run_of_adts_frames_of_their_stated_length() -> None:
    data, offset, frames = audio_files.aac(), 0, 0
    while offset < len(data):
        header = int.from_bytes(data[offset : offset + 7], "big")
        assert header >> 44 == 0xFFF and (header >> 40) & 1 == 1  # sync, no CRC
        assert (header >> 38) & 3 == 1 and (header >> 34) & 0xF == 6  # AAC LC, 24 kHz
        offset += (header >> 13) & 0x1FFF
        frames += 1
    assert offset == len(data) and frames == 5


def test_facts_state_what_the_files_hold() -> None:
    """What a body says of a file (``media.facts``) is read back from the bytes, not assumed."""
    with wave.open(io.BytesIO(media.generate(MediaKind.WAV))) as clip:
        assert media.facts(MediaKind.WAV).seconds == clip.getnframes() / clip.getframerate()
    assert (
        media.facts(MediaKind.PCM).seconds == len(media.generate(MediaKind.PCM)) / 2 / audio_files.SAMPLE_RATE
    )
    frames = len(media.generate(MediaKind.MP3)) // audio_files.MP3_FRAME_BYTES
    assert media.facts(MediaKind.MP3).seconds == pytest.approx(frames * 1152 / 44_100)
    width, height = struct.unpack(">II", media.generate(MediaKind.PNG)[16:24])  # IHDR
    assert (media.facts(MediaKind.PNG).width, media.facts(MediaKind.PNG).height) == (width, height)
    for kind in MediaKind:
        assert media.facts(kind).size == len(media.generate(kind))


def test_a_link_to_the_file_route_names_its_kind() -> None:
    path = media.signed_path("f1", "output.wav", expires=1, secret=b"s")
    assert media.kind_of_link(f"http://127.0.0.1:1{path}") is MediaKind.WAV
    assert media.kind_of_link("https://example.test/output.wav") is None  # not a file the mock serves
