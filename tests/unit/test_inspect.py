"""inspect_image and sniff_media_type: real images made in memory, hostile input never raises."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from liuhen.evidence.inspect import (
    ERROR_CORRUPT,
    ERROR_DECOMPRESSION_BOMB,
    ERROR_FORMAT_NOT_ALLOWED,
    ERROR_NOT_AN_IMAGE,
    ERROR_UNREADABLE,
    MAX_PIXELS,
    MEDIA_MIME_TYPES,
    ImageInfo,
    inspect_image,
    sniff_media_type,
)


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def thumb_of(info: ImageInfo) -> Image.Image:
    assert info.thumbnail_jpeg is not None
    im = Image.open(io.BytesIO(info.thumbnail_jpeg))
    assert im.format == "JPEG"
    assert im.mode == "RGB"
    return im


def gradient(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    return Image.linear_gradient("L").resize(size).convert(mode)


def jpeg_with_exif(
    *, gps: bool = False, orientation: int | None = None, size: tuple[int, int] = (640, 480)
) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "P60 Pro\x00"
    exif[ExifTags.Base.Software] = "Snapseed 2.0\n"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:05:01 10:11:12"
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    return encode(gradient(size), "JPEG", exif=exif, quality=90)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny 1-bit PNG whose IHDR is patched to claim the given size (CRC fixed up)."""
    data = bytearray(encode(Image.new("1", (8, 8)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --- real images -----------------------------------------------------------------------------------------


def test_png() -> None:
    info = inspect_image(encode(gradient((800, 600)), "PNG"))
    assert info.ok and info.error is None
    assert (info.format, info.width, info.height, info.mode) == ("PNG", 800, 600, "RGB")
    assert info.exif == {}
    assert thumb_of(info).size == (320, 240)


def test_jpeg_with_exif() -> None:
    info = inspect_image(jpeg_with_exif())
    assert info.ok
    assert (info.format, info.width, info.height) == ("JPEG", 640, 480)
    assert info.exif == {
        "DateTimeOriginal": "2024:05:01 10:11:12",
        "Make": "HUAWEI",
        "Model": "P60 Pro",
        "Software": "Snapseed 2.0",
        "GPS": "no",
    }
    assert all(isinstance(v, str) for v in info.exif.values())


def test_gps_presence_is_reported() -> None:
    assert inspect_image(jpeg_with_exif(gps=True)).exif["GPS"] == "yes"


def test_thumbnail_follows_exif_orientation() -> None:
    info = inspect_image(jpeg_with_exif(orientation=6, size=(400, 200)))
    assert (info.width, info.height) == (400, 200)  # as stored
    assert thumb_of(info).size == (160, 320)  # as shown


@pytest.mark.parametrize("px", [1, 64, 100, 320, 1000])
@pytest.mark.parametrize("size", [(1, 1), (50, 30), (1200, 300), (300, 1200), (999, 1000)])
def test_thumbnail_bounds(px: int, size: tuple[int, int]) -> None:
    info = inspect_image(encode(gradient(size), "PNG"), thumbnail_px=px)
    w, h = thumb_of(info).size
    assert max(w, h) <= px
    assert max(w, h) == min(px, max(size))  # never enlarged
    assert w >= 1 and h >= 1


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGBA", "PNG"),
        ("P", "GIF"),
        ("1", "BMP"),
        ("L", "WEBP"),
        ("LA", "PNG"),
        ("CMYK", "JPEG"),
        ("I;16", "PNG"),
        ("F", "TIFF"),
    ],
)
def test_modes_and_formats_give_rgb_thumbnails(mode: str, fmt: str) -> None:
    info = inspect_image(encode(gradient((400, 300)).convert(mode), fmt))
    assert info.ok, info.error
    assert info.format == fmt
    assert thumb_of(info).size == (320, 240)


def test_transparent_pixels_become_white() -> None:
    info = inspect_image(encode(Image.new("RGBA", (40, 40), (0, 0, 0, 0)), "PNG"))
    assert thumb_of(info).getpixel((20, 20)) == pytest.approx((255, 255, 255), abs=2)


def test_path_input(tmp_path: Path) -> None:
    path = tmp_path / "截图.png"
    path.write_bytes(encode(gradient((64, 32)), "PNG"))
    info = inspect_image(path)
    assert info.ok and (info.width, info.height) == (64, 32)
    assert inspect_image(tmp_path / "missing.png").error == ERROR_UNREADABLE


# --- rejected input --------------------------------------------------------------------------------------


def test_decompression_bomb_from_patched_header() -> None:
    info = inspect_image(png_claiming(100_000, 100_000))
    assert not info.ok
    assert info.error == ERROR_DECOMPRESSION_BOMB
    assert info.thumbnail_jpeg is None


def test_image_over_our_pixel_limit_is_a_bomb() -> None:
    side = int(MAX_PIXELS**0.5) + 10
    info = inspect_image(encode(Image.new("1", (side, side)), "PNG"))  # a few kB on disk
    assert (info.ok, info.error) == (False, ERROR_DECOMPRESSION_BOMB)
    assert (info.format, info.width, info.height) == ("PNG", side, side)


@pytest.mark.parametrize("fmt", ["ICO", "PCX", "EPS", "PPM", "TGA"])
def test_disallowed_formats(fmt: str) -> None:
    info = inspect_image(encode(Image.new("RGB", (32, 32), "blue"), fmt))
    assert (info.ok, info.error) == (False, ERROR_FORMAT_NOT_ALLOWED)
    assert info.thumbnail_jpeg is None


@pytest.mark.parametrize("data", [b"", b"hello world" * 50, b"%PDF-1.7\n" + bytes(200), bytes(1000)])
def test_not_an_image(data: bytes) -> None:
    assert inspect_image(data) == ImageInfo(ok=False, error=ERROR_NOT_AN_IMAGE)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "TIFF"])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_truncated_images_are_corrupt(fmt: str, keep: float) -> None:
    data = encode(gradient((300, 200)), fmt)
    info = inspect_image(data[: int(len(data) * keep)])
    assert not info.ok
    assert info.error in (ERROR_CORRUPT, ERROR_NOT_AN_IMAGE)


def test_png_with_a_bad_crc_is_corrupt() -> None:
    data = bytearray(encode(gradient((50, 50)), "PNG"))
    data[-20] ^= 0xFF  # inside the image data
    assert inspect_image(bytes(data)).error == ERROR_CORRUPT


# --- hostile input never raises --------------------------------------------------------------------------

SEEDS = [
    encode(gradient((40, 30)), "PNG"),
    jpeg_with_exif(size=(40, 30)),
    encode(gradient((40, 30)).convert("P"), "GIF"),
    encode(gradient((40, 30)), "WEBP"),
    encode(gradient((40, 30)), "BMP"),
    encode(gradient((40, 30)), "TIFF"),
    encode(gradient((40, 30)), "ICO"),
]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Pillow warns about corrupt EXIF and (above its own limit) decompression bombs: expected for this input
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::PIL.Image.DecompressionBombWarning")


def _check(info: object) -> None:
    assert isinstance(info, ImageInfo)
    if info.ok:
        assert info.thumbnail_jpeg is not None and info.error is None
    else:
        assert info.error is not None and info.thumbnail_jpeg is None


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(data: bytes) -> None:
    _check(inspect_image(data))


@FUZZ
@given(st.sampled_from(SEEDS), st.binary(max_size=2048))
def test_magic_then_garbage_never_raises(seed: bytes, tail: bytes) -> None:
    _check(inspect_image(seed[:16] + tail))


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=12),
    st.integers(min_value=0),
)
def test_mutated_images_never_raise(seed: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for pos, value in flips:
        data[pos % len(data)] = value
    _check(inspect_image(bytes(data[: len(data) - cut % (len(data) // 2 + 1)])))


@FUZZ
@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=0, max_value=2**31 - 1))
def test_any_claimed_png_size_never_raises(width: int, height: int) -> None:
    info = inspect_image(png_claiming(width, height))
    _check(info)
    if width * height > MAX_PIXELS:
        assert info.error == ERROR_DECOMPRESSION_BOMB


# --- sniffing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("PNG", "png"), ("JPEG", "jpeg"), ("GIF", "gif"), ("WEBP", "webp"), ("BMP", "bmp"), ("TIFF", "tiff")],
)
def test_sniff_real_images(fmt: str, expected: str) -> None:
    assert sniff_media_type(encode(gradient((16, 16)), fmt)[:64]) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.4\n%\xe2\xe3", "pdf"),
        (b"OggS\x00\x02" + bytes(22) + b"OpusHead\x01\x01", "opus"),
        (b"OggS\x00\x02" + bytes(22) + b"\x01vorbis", "ogg"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x64\x00", "mp3"),
        (b"\xff\xf1\x50\x80", "aac"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x18ftypmp42", "mp4"),
        (b"\x00\x00\x00\x18ftypheic", "heic"),
        (b"\x00\x00\x00\x1cftypavif", "avif"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "m4a"),
        (b"\x00\x00\x00\x14ftypqt  ", "mov"),
        (b"\x00\x00\x00\x14ftyp3gp4", "3gp"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "wav"),
        (b"RIFF\x24\x08\x00\x00AVI LIST", "avi"),
        (b"RIFF\x24\x08\x00\x00XXXX", None),
        (b"fLaC\x00\x00\x00\x22", "flac"),
        (b"#!AMR\n", "amr"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "webm"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", "mkv"),
        (b"PK\x03\x04\x14\x00\x06\x00", "zip"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"Rar!\x1a\x07\x01\x00", "rar"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", "7z"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "ole2"),
        (b"{\\rtf1\\ansi", "rtf"),
        (b"\x00\x00\x01\x00\x01\x00\x20\x20", "ico"),
        (b"", None),
        (b"plain text, claimed to be a .jpg", None),
        (b"\xff", None),
        (b"RIFF", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff_media_type(head) == expected
    if expected is not None:
        assert expected in MEDIA_MIME_TYPES


@FUZZ
@given(st.binary(max_size=600))
def test_sniff_never_raises(head: bytes) -> None:
    result = sniff_media_type(head)
    assert result is None or result in MEDIA_MIME_TYPES
