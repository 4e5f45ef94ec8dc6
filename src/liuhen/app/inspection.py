"""Image inspection off the receipt path: dimensions, format, EXIF and a thumbnail (Pillow, with its
limits), then the text of the image by offline OCR when it is installed — and resumed after a crash.

The evidence rows are the durable queue: an image whose inspection is missing, or whose OCR was still to
come (``ocr_pending``), past a grace period in which the live path does it, is taken up again by the
scheduled job (``inspect_pending``). Nothing is lost if the process dies mid-way; at worst an image is
inspected twice, with the same result.

The pixels are decoded, and the text read, in the runtime's worker process (``app/decoder.py``), at the
size OCR needs: the bot itself never holds a decoded image nor the OCR engine (docs/architecture.md
"Decoding in a worker process").
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from PIL import Image

from liuhen.app.decoder import BrokenProcessPool, Decoder
from liuhen.app.runtime import Runtime
from liuhen.app.usecases import intake
from liuhen.evidence import ocr, worker
from liuhen.evidence.inspect import ERROR_OUT_OF_MEMORY, ImageInfo

log = structlog.get_logger(__name__)

#: The live path inspects an image within seconds of its receipt; older ones still waiting were left by a
#: process that stopped.
GRACE = timedelta(minutes=2)


async def look(decoder: Decoder, data: bytes, *, with_ocr_image: bool = False) -> ImageInfo:
    """Inspect an image in the worker process; a worker that died is an inspection error, not a crash."""
    try:
        return (await decoder.run(worker.inspect_job, data, with_ocr_image)).result
    except BrokenProcessPool:
        return ImageInfo(ok=False, error=ERROR_OUT_OF_MEMORY)


async def read(decoder: Decoder, image: Image.Image) -> ocr.OcrResult | None:
    """The text of an image made for OCR (``ImageInfo.ocr_image``), read in the worker process."""
    try:
        return (await decoder.run(worker.ocr_job, image)).result
    except BrokenProcessPool:
        return None


async def inspect(rt: Runtime, evidence_id: int, sha256: str) -> None:
    data = await rt.store.read(sha256)  # decoded bytes (the store may encrypt at rest)
    info = await look(rt.decoder, data, with_ocr_image=ocr.ocr_available())
    del data
    thumbnail = await rt.store.put_bytes(info.thumbnail_jpeg) if info.thumbnail_jpeg else None
    with_ocr = info.ok and info.ocr_image is not None
    details: dict[str, object] = {
        "ok": info.ok,
        "format": info.format,
        "width": info.width,
        "height": info.height,
        "exif": info.exif,
        "error": info.error,
        "thumbnail_sha256": thumbnail.sha256 if thumbnail else None,
    }
    if info.decoded_width is not None:  # the size the pixels were decoded at (at most what OCR needs)
        details["decoded"] = [info.decoded_width, info.decoded_height]
    # Stored in two steps: the thumbnail at once, the text about a second later; "ocr_pending" says the
    # second step is still to come (and is redone after a crash).
    await intake.record_inspection(
        rt.db.uow(), evidence_id=evidence_id, details={**details, "ocr_pending": with_ocr}
    )
    if with_ocr and info.ocr_image is not None:  # text read from the screenshot pre-fills the questions
        found = await read(rt.decoder, info.ocr_image)
        if found is not None:
            details |= {"ocr_text": found.text, "ocr_engine": found.engine, "ocr_title": found.title}
        await intake.record_inspection(rt.db.uow(), evidence_id=evidence_id, details=details)


async def inspect_pending(rt: Runtime, *, limit: int = 20) -> int:
    """Inspect what a stopped process left uninspected; how many were done."""
    waiting = await intake.uninspected(rt.db.uow(read_only=True), before=rt.clock.now() - GRACE, limit=limit)
    for evidence_id, sha256 in waiting:
        try:
            await inspect(rt, evidence_id, sha256)
        except Exception as exc:  # a broken file must not stop the others; it is marked by its inspection
            log.warning("inspection_failed", evidence_id=evidence_id, error=repr(exc))
    return len(waiting)
