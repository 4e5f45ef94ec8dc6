"""Images are decoded in a worker process, at the size OCR needs, a bounded number at once
(docs/architecture.md "Decoding in a worker process"). Nothing here is timed: the worker says which
process did the work and when it started and ended, and the decoder counts what runs at once."""

from __future__ import annotations

import asyncio
import io
import os
import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from liuhen.app import inspection
from liuhen.app.decoder import BrokenProcessPool, Decoder
from liuhen.evidence import worker
from liuhen.evidence.inspect import (
    ERROR_DECOMPRESSION_BOMB,
    ERROR_NOT_AN_IMAGE,
    MAX_OCR_PIXELS,
    MAX_OCR_SIDE,
    MAX_PIXELS,
)


def encode(im: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


def gradient(size: tuple[int, int], mode: str = "L") -> bytes:
    return encode(Image.linear_gradient("L").resize(size).convert(mode), "PNG")


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims the given size (CRC fixed up)."""
    data = bytearray(encode(Image.new("1", (8, 8)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.fixture
async def decoder() -> AsyncIterator[Decoder]:
    decoding = Decoder(workers=2)
    try:
        yield decoding
    finally:
        await decoding.close()


async def test_decoding_happens_in_another_process(decoder: Decoder) -> None:
    done = await decoder.run(worker.inspect_job, gradient((64, 48)), False)
    assert done.result.ok and (done.result.width, done.result.height) == (64, 48)
    assert done.pid != os.getpid() and done.pid in decoder.pids()


async def test_a_huge_image_is_decoded_at_a_reduced_size(decoder: Decoder) -> None:
    size = (7000, 7100)
    info = await inspection.look(decoder, gradient(size), with_ocr_image=True)
    assert info.ok and (info.width, info.height) == size  # as stored
    assert info.decoded_width is not None and info.decoded_height is not None
    decoded = info.decoded_width * info.decoded_height
    assert decoded < 4 * MAX_OCR_PIXELS < size[0] * size[1] // 6  # reduced at once, never held whole after
    assert info.ocr_image is not None and info.ocr_image.mode == "RGB"
    assert info.ocr_image.width * info.ocr_image.height <= MAX_OCR_PIXELS
    assert max(info.ocr_image.size) <= MAX_OCR_SIDE


async def test_a_huge_jpeg_is_decoded_small_by_dct_scaling(decoder: Decoder) -> None:
    size = (6000, 4000)
    data = encode(Image.linear_gradient("L").resize(size).convert("RGB"), "JPEG")
    info = await inspection.look(decoder, data)
    assert info.ok and info.decoded_width is not None and info.decoded_height is not None
    assert info.decoded_width * info.decoded_height <= 4 * MAX_OCR_PIXELS
    assert info.ocr_image is None  # not asked for


async def test_at_most_the_workers_decode_at_once(decoder: Decoder) -> None:
    images = [gradient((1500 + n, 1500), "RGB") for n in range(6)]
    done = await asyncio.gather(*(decoder.run(worker.inspect_job, data, True) for data in images))
    assert all(d.result.ok for d in done)
    assert decoder.peak == 2 and decoder.running == 0
    assert len({d.pid for d in done}) <= 2 and os.getpid() not in {d.pid for d in done}
    # the jobs' own intervals, on the system's monotonic clock: never three at once
    for d in done:
        assert sum(1 for other in done if other.started <= d.started < other.ended) <= 2


@pytest.mark.parametrize(
    "data",
    [
        png_claiming(100_000, 100_000),  # Pillow's own limit
        encode(Image.new("1", (int(MAX_PIXELS**0.5) + 10,) * 2), "PNG"),  # ours: a few kB on disk
    ],
    ids=["pillow-limit", "our-limit"],
)
async def test_a_decompression_bomb_is_an_inspection_error(decoder: Decoder, data: bytes) -> None:
    info = await inspection.look(decoder, data, with_ocr_image=True)
    assert (info.ok, info.error, info.thumbnail_jpeg, info.ocr_image) == (
        False,
        ERROR_DECOMPRESSION_BOMB,
        None,
        None,
    )
    assert (await inspection.look(decoder, gradient((10, 10)))).ok  # and the worker goes on


async def test_random_bytes_are_no_image(decoder: Decoder) -> None:
    info = await inspection.look(decoder, os.urandom(4096))
    assert (info.ok, info.error) == (False, ERROR_NOT_AN_IMAGE)


async def test_a_worker_that_dies_takes_only_its_own_job(decoder: Decoder) -> None:
    with pytest.raises(BrokenProcessPool):
        await decoder.run(os._exit, 3)  # the system killing it, say
    info = await inspection.look(decoder, gradient((20, 10)))
    assert info.ok and (info.width, info.height) == (20, 10)


async def test_closing_ends_the_workers() -> None:
    decoding = Decoder()
    assert decoding.pids() == []  # made on first use
    done = await decoding.run(worker.inspect_job, gradient((8, 8)), False)
    await decoding.close()  # waits for them
    with pytest.raises(ProcessLookupError):  # ended and reaped
        os.kill(done.pid, 0)


BOT_THAT_DIES = """
import asyncio, io, sys
from PIL import Image
from liuhen.app.decoder import Decoder
from liuhen.evidence import worker

async def main() -> None:
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "PNG")
    decoder = Decoder()
    done = await decoder.run(worker.inspect_job, buffer.getvalue(), False)
    print(done.pid, flush=True)
    await asyncio.Event().wait()  # until it is killed

asyncio.run(main())
"""


async def test_a_bot_killed_outright_leaves_no_worker_behind() -> None:
    """SIGKILL (or the OOM killer) gives the bot no chance to shut its pool down: the worker still goes with
    it, instead of holding its memory as an orphan."""
    import signal
    import sys

    from tests.waiting import until

    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BOT_THAT_DIES, stdout=asyncio.subprocess.PIPE
    )
    assert bot.stdout is not None
    worker_pid = int((await bot.stdout.readline()).decode())
    assert alive(worker_pid)
    bot.send_signal(signal.SIGKILL)
    await bot.wait()
    await until(lambda: not alive(worker_pid), what="the worker to go with the bot")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie waiting for its reaper is gone already
    except FileNotFoundError:
        return False
