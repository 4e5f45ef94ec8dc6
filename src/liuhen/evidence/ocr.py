"""Offline OCR of screenshots ("pre-fill from the evidence"), off the receipt path.

The engine is ``rapidocr-onnxruntime`` (the optional extra ``ocr``): PP-OCRv4 Chinese detection and
recognition models that ship inside its wheel and run on onnxruntime's CPU provider. Nothing is downloaded
at run time: the 1.x package has no download code at all, and the model paths used are the packaged ones.
(The later ``rapidocr`` 2.x/3.x packages fetch their models on first use and are deliberately not used.)

Everything here is synchronous and CPU-bound: the bot runs it in its worker process
(``liuhen.evidence.worker``), where the engine is built on first use, once per process, and calls are
serialised. Nothing is imported at import time of liuhen. ``read_text`` never raises on hostile input: it
returns None when OCR is not installed or fails. The image is decoded by ``inspect_image`` (the same format
allowlist and pixel limit, decoded once at reduced scale) and downscaled to at most ``MAX_OCR_PIXELS``
before OCR, so that a phone screenshot takes about a second on two cores (a long stitched screenshot with
many lines of text a few seconds: recognition time grows with the number of lines).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import math
import re
import threading
from dataclasses import dataclass
from typing import Any, Final

from PIL import Image

from liuhen.evidence.inspect import MAX_OCR_PIXELS, MAX_OCR_SIDE, inspect_image

__all__ = [
    "ENGINE_PACKAGE",
    "MAX_OCR_PIXELS",
    "MAX_OCR_SIDE",
    "OcrResult",
    "ocr_available",
    "read_image",
    "read_text",
]

log = logging.getLogger(__name__)

ENGINE_PACKAGE: Final = "rapidocr-onnxruntime"
_ENGINE_MODULE: Final = "rapidocr_onnxruntime"

_MIN_SIDE: Final = 32  # thinner images are padded (see _pad)
_MAX_ASPECT: Final = 8  # and so are longer ones than 1:8
MIN_SCORE: Final = 0.5  # the engine's own default: lines recognised with less confidence are dropped

# The chat title: the line centred in the top bar of a WeChat / SMS screenshot (the other party's name,
# or a group's name with its member count).
_TITLE_MAX_TOP: Final = 0.2  # of the height: the bar ends within the first fifth of a phone screenshot
_TITLE_MAX_TOP_BY_WIDTH: Final = 0.3  # and within ~320 px of a 1080 px wide one, however long it is
_TITLE_CENTRE_TOLERANCE: Final = 0.1  # of the width, either side of the middle
_TITLE_MAX_WIDTH: Final = 0.6  # a wider box is a message, not a title
_CLOCK_RE: Final = re.compile(r"[\d\s:：.%％<>·•…-]*")  # status-bar clock, battery, back arrows, dots


@dataclass(frozen=True, slots=True)
class OcrResult:
    text: str  # the lines joined with "\n", in reading order (top to bottom, left to right)
    lines: tuple[str, ...]
    engine: str  # package and version, e.g. "rapidocr-onnxruntime 1.4.4"
    title: str = ""  # the line centred in the top bar (a chat's title), "" when there is none


_engine_lock = threading.Lock()
_run_lock = threading.Lock()
_engine: Any = None
_engine_name = ENGINE_PACKAGE
_engine_failed = False


def ocr_available() -> bool:
    """Whether the OCR engine is installed (cheap: nothing is imported) and has not failed to load."""
    if _engine is not None:
        return True
    if _engine_failed:
        return False
    try:
        return importlib.util.find_spec(_ENGINE_MODULE) is not None
    except (ImportError, ValueError):
        return False


def read_text(data: bytes) -> OcrResult | None:
    """The text in an image, or None when OCR is not installed, the bytes are no allowed image, or OCR
    fails. Never raises for any input."""
    info = inspect_image(bytes(data), ocr_image=True)
    return read_image(info.ocr_image) if info.ocr_image is not None else None


def read_image(image: Image.Image) -> OcrResult | None:
    """The text in an upright RGB image already scaled for OCR (``ImageInfo.ocr_image``); None when OCR is
    not installed or fails."""
    engine = _get_engine()
    if engine is None:
        return None
    try:
        padded = _pad(image)
        with _run_lock:
            found, _elapsed = engine(padded)
        return _result(found or [], padded.width, padded.height, _engine_name)
    except MemoryError:
        return None
    except Exception as exc:  # the engine choking on an odd image must not take the bot down
        log.warning("ocr_failed: %r", exc)
        return None


def _get_engine() -> Any:
    global _engine, _engine_name, _engine_failed
    if _engine is not None or _engine_failed:
        return _engine
    with _engine_lock:
        if _engine is None and not _engine_failed:
            try:
                module = importlib.import_module(_ENGINE_MODULE)
                # The packaged models only (no model path given). The image is downscaled by us already; the
                # detector takes it as it is ("max": never upscaled, as the default "min" 736 would do, which
                # costs seconds on thin images and finds nothing more in screenshots).
                engine = module.RapidOCR(
                    max_side_len=MAX_OCR_SIDE,
                    det_limit_type="max",
                    det_limit_side_len=MAX_OCR_SIDE,
                    text_score=MIN_SCORE,
                    print_verbose=False,
                )
                try:
                    version = importlib.metadata.version(ENGINE_PACKAGE)
                    _engine_name = f"{ENGINE_PACKAGE} {version}"
                except importlib.metadata.PackageNotFoundError:
                    pass
                _engine = engine
            except Exception as exc:  # not installed, or a shared library missing (opencv needs libGL)
                _engine_failed = True
                log.warning("ocr_unavailable: %r", exc)
    return _engine


def _pad(im: Image.Image) -> Image.Image:
    """Pad thin images with their background so that the engine's own resizing stays bounded: it scales the
    short side up to its minimum (a 1×3000 strip would become gigapixels) and letterboxes wide strips."""
    long_side = max(im.width, im.height)
    short_min = max(_MIN_SIDE, math.ceil(long_side / _MAX_ASPECT))
    width = im.width if im.width >= im.height else max(im.width, short_min)
    height = im.height if im.height > im.width else max(im.height, short_min)
    width, height = max(width, _MIN_SIDE), max(height, _MIN_SIDE)
    if (width, height) == im.size:
        return im
    corner = im.getpixel((0, 0))
    background = corner if isinstance(corner, tuple) else (255, 255, 255)
    canvas = Image.new("RGB", (width, height), background)
    canvas.paste(im, (0, 0))
    return canvas


@dataclass(frozen=True, slots=True)
class _Box:
    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def _result(found: list[Any], width: int, height: int, engine: str) -> OcrResult:
    boxes: list[_Box] = []
    for item in found:
        points, text = item[0], str(item[1]).strip()
        if not text:
            continue
        xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
        boxes.append(_Box(text, min(xs), min(ys), max(xs), max(ys)))
    lines = tuple(b.text for b in _reading_order(boxes))
    return OcrResult("\n".join(lines), lines, engine, _title(boxes, width, height))


def _reading_order(boxes: list[_Box]) -> list[_Box]:
    """Rows top to bottom (boxes whose middles lie within half a box height of the row's first box), each
    row left to right."""
    rows: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top, b.left)):
        if rows:
            first = rows[-1][0]
            if abs(box.middle - first.middle) <= min(first.bottom - first.top, box.bottom - box.top) / 2:
                rows[-1].append(box)
                continue
        rows.append([box])
    return [b for row in rows for b in sorted(row, key=lambda b: b.left)]


def _title(boxes: list[_Box], width: int, height: int) -> str:
    limit = min(_TITLE_MAX_TOP * height, _TITLE_MAX_TOP_BY_WIDTH * width)
    for box in sorted(boxes, key=lambda b: b.top):
        if box.bottom > limit:
            break
        centred = abs((box.left + box.right) / 2 - width / 2) <= _TITLE_CENTRE_TOLERANCE * width
        narrow = box.right - box.left <= _TITLE_MAX_WIDTH * width
        if centred and narrow and not _CLOCK_RE.fullmatch(box.text):
            return box.text
    return ""
