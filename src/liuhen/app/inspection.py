"""Image inspection off the receipt path: dimensions, format, EXIF and a thumbnail (Pillow, with its
limits), then the text of the image by offline OCR when it is installed — and resumed after a crash.

The evidence rows are the durable queue: an image whose inspection is missing, or whose OCR was still to
come (``ocr_pending``), past a grace period in which the live path does it, is taken up again by the
scheduled job (``inspect_pending``). Nothing is lost if the process dies mid-way; at worst an image is
inspected twice, with the same result.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import intake
from liuhen.evidence import ocr
from liuhen.evidence.inspect import inspect_image

log = structlog.get_logger(__name__)

#: The live path inspects an image within seconds of its receipt; older ones still waiting were left by a
#: process that stopped.
GRACE = timedelta(minutes=2)


async def inspect(rt: Runtime, evidence_id: int, sha256: str) -> None:
    data = await rt.store.read(sha256)  # decoded bytes (the store may encrypt at rest)
    info = await asyncio.to_thread(inspect_image, data)
    thumbnail = await rt.store.put_bytes(info.thumbnail_jpeg) if info.thumbnail_jpeg else None
    with_ocr = info.ok and ocr.ocr_available()
    details: dict[str, object] = {
        "ok": info.ok,
        "format": info.format,
        "width": info.width,
        "height": info.height,
        "exif": info.exif,
        "error": info.error,
        "thumbnail_sha256": thumbnail.sha256 if thumbnail else None,
    }
    # Stored in two steps: the thumbnail at once, the text about a second later; "ocr_pending" says the
    # second step is still to come (and is redone after a crash).
    await intake.record_inspection(
        rt.db.uow(), evidence_id=evidence_id, details={**details, "ocr_pending": with_ocr}
    )
    if with_ocr:  # text read from the screenshot pre-fills the questions
        found = await asyncio.to_thread(ocr.read_text, data)
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
