"""The work done in the bot's decoding process (``liuhen.app.decoder`` runs it): inspecting an image and
reading its text, away from the event loop and from the bot's own memory.

A 7000×7100 RGBA PNG is 200 MB of pixels once decoded, and OCR's onnxruntime keeps a few hundred MB of
buffers after its first image: both live here, in a process of their own, so that the bot that sends the
receipts stays small. Each job says which process ran it and when (``time.monotonic`` is the system's
clock on Linux, comparable between processes), and hands the freed memory back to the system afterwards.
Only this module, Pillow and (for OCR) the engine are imported in the worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

from PIL import Image

from liuhen.evidence import ocr
from liuhen.evidence.inspect import ImageInfo, inspect_image

__all__ = ["Done", "initialise", "inspect_job", "listen_job", "ocr_job", "preview_job"]

#: The desk console's image preview: the longest side, in pixels.
PREVIEW_PX = 1600

T = TypeVar("T")

#: The worker yields the CPU to the bot: receipts first, inspection with what is left (two cores).
NICENESS = 10


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    result: T
    pid: int  # the process that did the work
    started: float  # time.monotonic() in that process
    ended: float


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def initialise(parent: int | None = None) -> None:
    """Run once in each new worker process: lower priority, and never outlive the bot."""
    with contextlib.suppress(OSError):  # not allowed here: work at the bot's priority
        os.nice(NICENESS)
    if parent is not None:
        _die_with(parent)


def _die_with(parent: int) -> None:
    """A bot killed outright (SIGKILL, the OOM killer) must not leave its worker behind holding hundreds of
    MB: on Linux the kernel sends the worker SIGKILL when its parent dies; if the parent is gone already,
    the worker leaves at once."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)


def inspect_job(data: bytes, with_ocr_image: bool) -> Done[ImageInfo]:
    started = time.monotonic()
    try:
        info = inspect_image(data, ocr_image=with_ocr_image)
    finally:
        del data
        _trim()
    return Done(info, os.getpid(), started, time.monotonic())


def ocr_job(image: Image.Image) -> Done[ocr.OcrResult | None]:
    started = time.monotonic()
    try:
        found = ocr.read_image(image)
    finally:
        _trim()
    return Done(found, os.getpid(), started, time.monotonic())


def preview_job(data: bytes) -> Done[bytes | None]:
    """An image for the desk console: decoded here under the same limits, drawn again as JPEG (None when
    it is no image, or a hostile one)."""
    started = time.monotonic()
    try:
        info = inspect_image(data, thumbnail_px=PREVIEW_PX)
    finally:
        del data
        _trim()
    return Done(info.thumbnail_jpeg if info.ok else None, os.getpid(), started, time.monotonic())


def listen_job(data: bytes) -> Done[bytes | None]:
    """A voice note or audio file for the desk console, decoded here and written again as WAV."""
    from liuhen.evidence.audio import to_wav

    started = time.monotonic()
    try:
        wav = to_wav(data)
    finally:
        del data
        _trim()
    return Done(wav, os.getpid(), started, time.monotonic())


_libc: ctypes.CDLL | None = None


def _trim() -> None:
    """Give the freed pixels back to the system (glibc keeps large freed blocks for the process)."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass
