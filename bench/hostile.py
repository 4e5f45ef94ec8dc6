"""Hostile images beside the receipts: six 7000×7100 RGBA PNGs inspected at once (through app/inspection.py,
with OCR when it is installed) while simulated receipts go on, beside the same receipts without the images.

    python bench/hostile.py [--images 6] [--side 7000] [--receipts 200] [--workers 1] [--no-threads]

This process plays the bot: it holds the evidence store, the database and the decoder (app/decoder.py)
whose worker process decodes and reads the images. A receipt is what the bot does before answering: the
message's bytes written and fsync'ed into the evidence store, and a database transaction. Printed: the
resident memory (RSS) of this process and of the worker, sampled every 20 ms, and the receipts' p50/p99
latency with and without the images; last, unless ``--no-threads``, the images inspected in this process's
threads (the way before the worker) for comparison. Figures and ratios only, never asserted. The images are
generated here with Pillow, in a child process (so that making them does not count), and not kept.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))  # runnable without an install

from liuhen.app import inspection
from liuhen.app.decoder import Decoder
from liuhen.evidence import ocr, worker
from liuhen.evidence.inspect import inspect_image
from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage.database import Database

MB = 1024 * 1024


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def make_image(args: tuple[int, int, Path]) -> int:
    """A screenshot-like RGBA PNG: a gradient, bands of "text" and a transparent margin (compresses to a
    few MB, as real screenshots do)."""
    from PIL import Image, ImageDraw

    n, side, path = args
    width, height = side, side + side // 70
    im = Image.linear_gradient("L").resize((width, height)).convert("RGBA")
    draw = ImageDraw.Draw(im)
    for y in range(200 + n * 7, height - 200, 90):
        draw.rectangle((150, y, width - 150 - (y * 37 + n) % 2000, y + 40), fill=(20, 20, 20, 255))
        draw.text((160, y + 45), f"（2026）豫0825民初{y:05d}号 {n}", fill=(0, 0, 0, 255))
    draw.rectangle((0, 0, width, 100), fill=(0, 0, 0, 0))
    im.save(path, "PNG", compress_level=6)
    return path.stat().st_size


class Sampler:
    """Peak RSS of this process and of the given other processes, every 20 ms, in a thread."""

    def __init__(self, others: Callable[[], list[int]]) -> None:
        self.others = others
        self.main = self.workers = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.02):
            main = rss(me)
            workers = sum(rss(pid) for pid in self.others())
            self.main, self.workers = max(self.main, main), max(self.workers, workers)
            self.total = max(self.total, main + workers)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def receipts(store: FileEvidenceStore, db: Database, count: int, every: float) -> list[float]:
    async def one(n: int) -> float:
        start = time.perf_counter()
        await store.put_bytes(b'{"message_id": %d, "text": "receipt"}' % n)
        async with db.uow() as uow:
            await uow.ledger.append(actor="bench", action="r", object_type="t", object_id=str(n), payload={})
            await uow.commit()
        return time.perf_counter() - start

    tasks = []
    for n in range(count):
        tasks.append(asyncio.create_task(one(n)))
        await asyncio.sleep(every)
    return list(await asyncio.gather(*tasks))


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="liuhen-hostile-"))
    paths = [tmp / f"hostile-{n}.png" for n in range(args.images)]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        sizes = pool.map(make_image, [(n, args.side, p) for n, p in enumerate(paths)])
    images = [p.read_bytes() for p in paths]
    for p in paths:
        p.unlink()
    side = f"{args.side}×{args.side + args.side // 70}"
    print(f"{args.images} RGBA PNGs of {side} ({min(sizes) / MB:.1f}–{max(sizes) / MB:.1f} MB each on disk)")
    with_ocr = ocr.ocr_available()
    print(f"OCR: {'rapidocr-onnxruntime, in the worker' if with_ocr else 'not installed: decoding only'}")

    store = FileEvidenceStore(tmp / "evidence")
    db = Database(f"sqlite+aiosqlite:///{tmp / 'bench.sqlite'}")
    await db.migrate()
    decoder = Decoder(args.workers)
    every = 0.02

    async def inspect_all_in_worker() -> None:
        async def one(data: bytes) -> None:
            info = await inspection.look(decoder, data, with_ocr_image=with_ocr)
            if info.ocr_image is not None:
                await inspection.read(decoder, info.ocr_image)
            assert info.ok, info.error

        await asyncio.gather(*(one(d) for d in images))

    async def inspect_all_in_threads() -> None:
        async def one(data: bytes) -> None:
            info = await asyncio.to_thread(inspect_image, data, ocr_image=with_ocr)
            if info.ocr_image is not None:
                await asyncio.to_thread(ocr.read_image, info.ocr_image)

        await asyncio.gather(*(one(d) for d in images))

    async def phase(name: str, work: Callable[[], Coroutine[None, None, None]] | None) -> tuple[float, float]:
        with Sampler(decoder.pids) as sampled:
            start = time.perf_counter()
            worked = asyncio.create_task(work()) if work else None
            count = args.receipts
            latencies = await receipts(store, db, count, every)
            if worked is not None:
                while not worked.done():  # the receipts go on for as long as the images take
                    latencies += await receipts(store, db, 50, every)
                await worked
            elapsed = time.perf_counter() - start
        p50, p99 = pct(latencies, 50), pct(latencies, 99)
        print(
            f"{name:<38} {elapsed:6.1f} s  receipts {len(latencies):4d}  p50 {p50:6.1f} ms  p99 {p99:7.1f} ms"
            f"  RSS bot {sampled.main / MB:6.0f} MB  worker {sampled.workers / MB:6.0f} MB"
            f"  together {sampled.total / MB:6.0f} MB"
        )
        return p50, p99

    print(f"bot process at start: {rss(os.getpid()) / MB:.0f} MB RSS; decoding workers: {args.workers}")
    quiet = await phase("receipts alone", None)
    await decoder.run(worker.inspect_job, b"", False)  # the worker started, idle
    idle_worker = sum(rss(pid) for pid in decoder.pids())
    print(f"idle worker process: {idle_worker / MB:.0f} MB RSS")
    loaded = await phase(f"{args.images} images at once, worker process", inspect_all_in_worker)
    ratios = f"p50 ×{loaded[0] / quiet[0]:.2f}, p99 ×{loaded[1] / quiet[1]:.2f}"
    print(f"  receipts' {ratios} beside receipts alone")
    await decoder.close()
    if not args.no_threads:
        threads = await phase(f"{args.images} images at once, in threads", inspect_all_in_threads)
        print(f"  receipts' p50 ×{threads[0] / quiet[0]:.2f}, p99 ×{threads[1] / quiet[1]:.2f}")
    await db.dispose()
    shutil.rmtree(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--receipts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, choices=(1, 2))
    parser.add_argument("--no-threads", action="store_true", help="skip the in-process comparison")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
