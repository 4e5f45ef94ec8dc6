"""A voice note or audio file made listenable in any browser: decoded (Opus in OGG from Telegram, AMR from
WeCom, anything FFmpeg reads) and written again as a plain 16 kHz mono WAV. Run in the decoding worker
(``evidence/worker.py``): the bytes are a stranger's; the original stays untouched in the store."""

from __future__ import annotations

import io
import wave

RATE = 16_000
MAX_SECONDS = 600  # a preview of ten minutes; the original is downloaded whole


def to_wav(data: bytes, *, max_seconds: int = MAX_SECONDS) -> bytes | None:
    """The first audio stream as WAV, or None when there is none or it cannot be decoded."""
    import av  # only in the worker, only when asked

    limit = RATE * max_seconds
    out = io.BytesIO()
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                return None
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            pcm = bytearray()
            for frame in container.decode(streams[0]):
                if not isinstance(frame, av.AudioFrame):
                    continue
                for chunk in resampler.resample(frame):
                    pcm += bytes(chunk.planes[0])[: chunk.samples * 2]
                if len(pcm) >= 2 * limit:
                    break
            for chunk in resampler.resample(None):
                pcm += bytes(chunk.planes[0])[: chunk.samples * 2]
    except (av.FFmpegError, ValueError, OSError, MemoryError):
        return None
    if not pcm:
        return None
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(bytes(pcm[: 2 * limit]))
    return out.getvalue()
