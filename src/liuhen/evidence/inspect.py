"""Media inspection, off the receipt path: what a file really is, and what an image shows.

Everything here is synchronous and CPU-bound: run it in a worker thread or process. ``inspect_image`` never
raises on hostile input (truncated files, decompression bombs, random bytes, non-images): it returns
``ImageInfo(ok=False, error=<code>)`` with one of the ``ERROR_*`` codes below.

Safety: only the allowlisted formats are ever decoded (other formats are told apart by their magic bytes
alone, without being parsed); images larger than ``MAX_PIXELS`` are rejected from their header, before any
pixel is decoded (Pillow's own ``Image.MAX_IMAGE_PIXELS`` check stays in force behind it and is never
raised or disabled here). An image is decoded once, at the size OCR needs (``MAX_OCR_PIXELS``,
``MAX_OCR_SIDE``): JPEGs by DCT scaling (``draft``), the others whole and then reduced at once by an integer
factor (``reduce``, a box filter), so that no full-size copy is ever converted or transposed; the thumbnail
and the OCR image are made from that. The bot runs this in a worker process (``liuhen.evidence.worker``).
"""

from __future__ import annotations

import io
import math
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from PIL import ExifTags, Image, UnidentifiedImageError

__all__ = [
    "ALLOWED_FORMATS",
    "ERROR_CORRUPT",
    "ERROR_DECOMPRESSION_BOMB",
    "ERROR_FORMAT_NOT_ALLOWED",
    "ERROR_NOT_AN_IMAGE",
    "ERROR_OUT_OF_MEMORY",
    "ERROR_UNREADABLE",
    "MAX_OCR_PIXELS",
    "MAX_OCR_SIDE",
    "MAX_PIXELS",
    "MEDIA_MIME_TYPES",
    "UNKNOWN_MEDIA_TYPE",
    "ImageInfo",
    "content_mismatch",
    "inspect_image",
    "ocr_scale",
    "real_media_type",
    "sniff_media_type",
    "to_rgb",
]

MAX_PIXELS: Final = 50_000_000
MAX_OCR_PIXELS: Final = 2_000_000  # a 1080×2340 phone screenshot is scaled to ~0.9: text stays legible
MAX_OCR_SIDE: Final = 4_000  # and a very long stitched screenshot is scaled down further
# Pillow's format names; MPO is a multi-picture JPEG (many phone cameras), HEIF appears only when a plugin
# such as pillow-heif is installed and registered.
ALLOWED_FORMATS: Final = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "HEIC"})

ERROR_NOT_AN_IMAGE: Final = "not_an_image"
ERROR_FORMAT_NOT_ALLOWED: Final = "format_not_allowed"
ERROR_DECOMPRESSION_BOMB: Final = "decompression_bomb"
ERROR_CORRUPT: Final = "corrupt"
ERROR_UNREADABLE: Final = "unreadable"  # the given path could not be read
ERROR_OUT_OF_MEMORY: Final = "out_of_memory"

_EXIF_VALUE_MAX: Final = 120
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ImageInfo:
    ok: bool
    format: str | None = None  # Pillow's name: JPEG, PNG, … (also set when known but rejected)
    width: int | None = None
    height: int | None = None
    mode: str | None = None
    exif: dict[str, str] = field(default_factory=dict)  # DateTimeOriginal, Make, Model, Software, GPS
    thumbnail_jpeg: bytes | None = None  # RGB JPEG, longest side ≤ thumbnail_px
    error: str | None = None
    # the size the pixels were decoded at (after draft/reduce): what was held in memory besides the file
    decoded_width: int | None = None
    decoded_height: int | None = None
    ocr_image: Image.Image | None = None  # upright RGB of at most MAX_OCR_PIXELS (when asked for)


def inspect_image(data: bytes | Path, *, thumbnail_px: int = 320, ocr_image: bool = False) -> ImageInfo:
    """Inspect an image safely (see the module docstring); never raises on hostile input. With
    ``ocr_image`` the image OCR reads is made from the same decode."""
    if thumbnail_px < 1:
        raise ValueError("thumbnail_px must be positive")
    try:
        return _inspect(data, thumbnail_px, ocr_image)
    except MemoryError:
        return ImageInfo(ok=False, error=ERROR_OUT_OF_MEMORY)
    except Exception:  # the last line of defence: hostile input must never escape as an exception
        return ImageInfo(ok=False, error=ERROR_CORRUPT)


def _source(data: bytes | Path) -> io.BytesIO | Path:
    return io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else Path(data)


def _head(data: bytes | Path, n: int = 32) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:n])
    with open(data, "rb") as f:
        return f.read(n)


def _inspect(data: bytes | Path, thumbnail_px: int, want_ocr: bool) -> ImageInfo:
    try:
        head = _head(data)
    except OSError:
        return ImageInfo(ok=False, error=ERROR_UNREADABLE)
    Image.init()  # registers every plugin (and any installed later, e.g. HEIF); cheap once done
    allowed = sorted(f for f in ALLOWED_FORMATS if f in Image.ID)

    # 1. identify from the header, with allowlisted plugins only, and check the size before decoding
    try:
        with Image.open(_source(data), formats=allowed) as im:
            fmt, width, height, mode = im.format, im.width, im.height, im.mode
            if fmt not in ALLOWED_FORMATS:  # defensive: a plugin may hand back a subclass of its own
                return ImageInfo(ok=False, format=fmt, error=ERROR_FORMAT_NOT_ALLOWED)
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                return _bomb(fmt, width, height, mode)
            im.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _bomb(_identify(head), None, None, None)
    except UnidentifiedImageError:
        fmt = _identify(head)
        if fmt is None:
            return ImageInfo(ok=False, error=ERROR_NOT_AN_IMAGE)
        error = ERROR_CORRUPT if fmt in ALLOWED_FORMATS else ERROR_FORMAT_NOT_ALLOWED
        return ImageInfo(ok=False, format=fmt, error=error)
    except FileNotFoundError:
        return ImageInfo(ok=False, error=ERROR_UNREADABLE)
    except MemoryError:
        raise
    except Exception:  # truncated or malformed: OSError, SyntaxError, ValueError, struct.error, …
        return ImageInfo(ok=False, format=_identify(head), error=ERROR_CORRUPT)

    # 2. reopen (verify() leaves the image unusable), decode once at reduced scale, make the thumbnail and
    # the OCR image from that
    try:
        with Image.open(_source(data), formats=allowed) as im:
            exif = _exif(im)
            orientation = _orientation(im)
            work = decode_reduced(im, ocr_scale(width, height))
            decoded = work.size
            work = _upright(work, orientation)
            thumb = _thumbnail(work.copy(), thumbnail_px)
            for_ocr = _for_ocr(work) if want_ocr else None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _bomb(fmt, width, height, mode)
    except MemoryError:
        raise
    except Exception:
        return ImageInfo(ok=False, format=fmt, width=width, height=height, mode=mode, error=ERROR_CORRUPT)
    return ImageInfo(
        ok=True,
        format=fmt,
        width=width,
        height=height,
        mode=mode,
        exif=exif,
        thumbnail_jpeg=thumb,
        decoded_width=decoded[0],
        decoded_height=decoded[1],
        ocr_image=for_ocr,
    )


def ocr_scale(width: int, height: int) -> float:
    """The scale (≤ 1) at which OCR reads an image of this size."""
    return min(1.0, math.sqrt(MAX_OCR_PIXELS / (width * height)), MAX_OCR_SIDE / max(width, height))


def decode_reduced(im: Image.Image, scale: float) -> Image.Image:
    """The pixels of an opened image at ``scale`` or a little more, never less: JPEG by DCT scaling, the
    others decoded whole and reduced at once by the largest integer factor that keeps them above it."""
    width, height = im.size
    if scale < 1 and im.format in ("JPEG", "MPO"):
        im.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
    im.load()
    factor = int(min(im.width / (width * scale), im.height / (height * scale)))
    if factor < 2:
        return im
    if im.mode in ("P", "PA"):  # averaging palette indices would mix unrelated colours
        im = im.convert("RGBA" if im.mode == "PA" or "transparency" in im.info else "RGB")
    try:
        return im.reduce(factor)
    except ValueError:  # a mode reduce() does not know (16-bit): kept whole, still within MAX_PIXELS
        return im


_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(ExifTags.Base.Orientation, 1)
        return value if isinstance(value, int) else 1
    except Exception:
        return 1


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im.transpose(method) if method is not None else im


def _for_ocr(work: Image.Image) -> Image.Image:
    rgb = to_rgb(work)
    scale = ocr_scale(rgb.width, rgb.height)
    if scale < 1:
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return rgb


def to_rgb(im: Image.Image) -> Image.Image:
    """RGB on white (transparent screenshots), 16-bit and float images scaled to 8 bits."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        return im.convert("F").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    return im.convert("RGB")


def _bomb(fmt: str | None, width: int | None, height: int | None, mode: str | None) -> ImageInfo:
    return ImageInfo(
        ok=False, format=fmt, width=width, height=height, mode=mode, error=ERROR_DECOMPRESSION_BOMB
    )


def _identify(head: bytes) -> str | None:
    """Which Pillow format the magic bytes belong to, allowlisted ones first, without parsing anything."""
    Image.init()
    order = [f for f in Image.ID if f in ALLOWED_FORMATS] + [f for f in Image.ID if f not in ALLOWED_FORMATS]
    prefix = head[:16]
    for fmt in order:
        accept = Image.OPEN[fmt][1]
        try:
            if accept is not None and accept(prefix):
                return fmt
        except Exception:  # noqa: S112 - a plugin's accept() choking on odd bytes just means "not this one"
            continue
    return None


def _exif(im: Image.Image) -> dict[str, str]:
    try:
        exif = im.getexif()
        if not exif:
            return {}
        out: dict[str, str] = {}
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        for name, value in (
            ("DateTimeOriginal", sub.get(ExifTags.Base.DateTimeOriginal)),
            ("Make", exif.get(ExifTags.Base.Make)),
            ("Model", exif.get(ExifTags.Base.Model)),
            ("Software", exif.get(ExifTags.Base.Software)),
        ):
            text = _exif_text(value)
            if text:
                out[name] = text
        out["GPS"] = "yes" if ExifTags.IFD.GPSInfo in exif else "no"
        return out
    except Exception:
        return {}


def _exif_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = _CONTROL_RE.sub("", str(value)).strip()
    return text[:_EXIF_VALUE_MAX] or None


def _thumbnail(im: Image.Image, px: int) -> bytes:
    """A JPEG of a decoded, upright image (changed in place: pass a copy)."""
    im.thumbnail((px, px))
    thumb = to_rgb(im) if im.mode != "RGB" else im
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=80)
    return out.getvalue()


# --- what a file really is -----------------------------------------------------------------------------

MEDIA_MIME_TYPES: Final[dict[str, str]] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "avif": "image/avif",
    "ico": "image/vnd.microsoft.icon",
    "pdf": "application/pdf",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "amr": "audio/amr",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    "zip": "application/zip",
    "gzip": "application/gzip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "ole2": "application/x-ole-storage",
    "rtf": "application/rtf",
    "elf": "application/x-executable",
    "pe": "application/vnd.microsoft.portable-executable",
    "macho": "application/x-mach-binary",
}
UNKNOWN_MEDIA_TYPE: Final = "application/octet-stream"

_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})


def sniff_media_type(head: bytes) -> str | None:
    """The real type of a file from its first bytes (pass at least 64), whatever its name or the sender
    claimed: a key of MEDIA_MIME_TYPES, or None if unknown. Office files (docx, xlsx) show as "zip",
    legacy ones (doc, xls) as "ole2"."""
    h = bytes(head[:512])
    if h.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if h.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if h.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if h.startswith(b"RIFF") and len(h) >= 12:
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}.get(h[8:12])
    if h.startswith(b"%PDF-"):
        return "pdf"
    if h.startswith(b"OggS"):
        return "opus" if b"OpusHead" in h[:64] else "ogg"
    if h.startswith(b"ID3"):
        return "mp3"
    if h.startswith(b"fLaC"):
        return "flac"
    if h.startswith(b"#!AMR"):
        return "amr"
    if len(h) >= 12 and h[4:8] == b"ftyp":
        return _ftyp(h)
    if h.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in h[:64] else "mkv"
    if h.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if h.startswith(b"\x1f\x8b"):
        return "gzip"
    if h.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if h.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if h.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if h.startswith(b"{\\rtf"):
        return "rtf"
    if h.startswith(b"\x7fELF"):
        return "elf"
    if h.startswith(b"MZ") and _pe(h):
        return "pe"
    if h[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"):
        return "macho"
    if h.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if h.startswith(b"BM") and len(h) >= 18 and h[6:10] == b"\x00\x00\x00\x00":
        return "bmp"
    if h.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    if len(h) >= 2 and h[0] == 0xFF:
        if h[1] & 0xF6 == 0xF0:  # ADTS sync, layer 00
            return "aac"
        if h[1] & 0xE0 == 0xE0 and h[1] & 0x06:  # MPEG audio frame sync, layer I-III
            return "mp3"
    return None


def _ftyp(h: bytes) -> str:
    brand = h[8:12]
    if brand in _HEIC_BRANDS:
        return "heic"
    if brand in (b"avif", b"avis"):
        return "avif"
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return "m4a"
    if brand == b"qt  ":
        return "mov"
    if brand.startswith((b"3gp", b"3g2")):
        return "3gp"
    return "mp4"


def _pe(h: bytes) -> bool:
    """A DOS/Windows executable: "MZ", then the offset of the "PE" header where a DOS header keeps it."""
    if len(h) < 64:
        return False
    offset = int.from_bytes(h[60:64], "little")
    if offset + 4 <= len(h):
        return h[offset : offset + 4] == b"PE\x00\x00"
    return 64 <= offset < 0x10000


# The claims that would have been recognised had they been true: a file said to be one of these whose bytes
# are none of the known kinds is unknown data. (MP3 and ADTS AAC may begin without a recognisable header,
# and text, office files, SVG … have no magic at all: those claims are kept.)
_VERIFIABLE: Final = frozenset(
    {*MEDIA_MIME_TYPES.values(), "image/jpg", "image/pjpeg", "image/heif", "audio/opus", "audio/x-wav"}
    | {
        "audio/wave",
        "audio/x-flac",
        "audio/x-m4a",
        "audio/amr-wb",
        "video/x-m4v",
        "application/x-zip-compressed",
    }
) - {"audio/mpeg", "audio/aac", "application/rtf", "application/x-ole-storage"}


def real_media_type(head: bytes, claimed: str | None, file_name: str | None = None) -> str:
    """The media type to store for a file: the sniffed one (``sniff_media_type``); else, when the sender's
    claim (``claimed``, or the one its name suggests) could have been recognised and was not, or when there is
    no claim, ``UNKNOWN_MEDIA_TYPE``; else the claim, which cannot be checked (plain text, CSV …)."""
    sniffed = sniff_media_type(head)
    if sniffed is not None:
        return MEDIA_MIME_TYPES[sniffed]
    claim = _normalised(claimed) or _by_name(file_name)
    if claim is None or claim in _VERIFIABLE or claim == UNKNOWN_MEDIA_TYPE:
        return UNKNOWN_MEDIA_TYPE
    return claim


_FAMILIES: Final = {
    "application/pdf": "pdf",
    "application/zip": "archive",
    "application/gzip": "archive",
    "application/vnd.rar": "archive",
    "application/x-7z-compressed": "archive",
    "application/x-zip-compressed": "archive",
    "application/x-executable": "executable",
    "application/vnd.microsoft.portable-executable": "executable",
    "application/x-mach-binary": "executable",
    UNKNOWN_MEDIA_TYPE: "unknown",
}
# What a kind of Telegram message claims to be (a document's claim is its name's)
_KIND_FAMILY: Final = {
    "photo": "image",
    "voice": "audio",
    "audio": "audio",
    "video": "video",
    "video_note": "video",
}


def _family(media_type: str | None) -> str | None:
    if not media_type:
        return None
    top = media_type.split("/", 1)[0]
    if top in ("image", "audio", "video"):
        return top
    return _FAMILIES.get(media_type)


def content_mismatch(kind: str, file_name: str | None, media_type: str | None) -> tuple[str, str] | None:
    """(what the file was said to be, what it is) when a stored file's real type (``media_type``, from
    ``real_media_type``) is not what its kind of message or its name claims, else None. Families: image,
    audio, video, pdf, archive, executable, unknown. Audio and video pass for each other (one container)."""
    claim = _KIND_FAMILY.get(kind)
    if claim is None and file_name:
        by_name = _by_name(file_name)
        claim = _family(by_name) if by_name in _VERIFIABLE else None
    real = _family(media_type)
    if claim is None or real is None or claim == real or {claim, real} == {"audio", "video"}:
        return None
    return claim, real


def _normalised(media_type: str | None) -> str | None:
    return (media_type.split(";", 1)[0].strip().lower() or None) if media_type else None


def _by_name(file_name: str | None) -> str | None:
    if not file_name:
        return None
    guessed, _encoding = mimetypes.guess_type(file_name, strict=False)
    return _normalised(guessed)
