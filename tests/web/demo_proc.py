"""Run `liuhen demo --port 0` as a subprocess and wait for its banner (tests/web)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from tests.timeline import Timeline, liuhen, timeline_env

START_TIMEOUT = 60.0


@dataclass
class Demo:
    url: str  # ends with "/"
    banner: str
    log: Path
    clock: Timeline  # the demo's (tests/timeline.py)

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=10) as response:  # noqa: S310
            return json.load(response)


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@contextlib.contextmanager
def running_demo(data: Path, *extra: str, timeline: dict[str, str] | None = None) -> Iterator[Demo]:
    """`liuhen demo` with LIUHEN_DATA_DIR=data, until the banner (URL and newcomer code) is printed; on a
    new timeline (tests/timeline.py) unless one is given."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIUHEN_")}
    env.update(timeline or timeline_env())
    clock = Timeline(env)
    env.update(LIUHEN_DATA_DIR=str(data), LIUHEN_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    log = data / "demo-stderr.log"
    with log.open("a") as stderr:
        proc = subprocess.Popen(
            liuhen("demo", "--host", "127.0.0.1", "--port", "0", *extra),
            cwd=data,  # no developer's .env is read
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
        )
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    banner: list[str] = []
    url = None
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while url is None or not any("登记码" in line for line in banner):
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                pytest.fail(f"`liuhen demo` did not start within {START_TIMEOUT:.0f} s:\n{log.read_text()}")
            if line is None:
                pytest.fail(
                    f"`liuhen demo` ended (exit {proc.wait()}):\n{''.join(banner)}\n{log.read_text()}"
                )
            banner.append(line)
            found = re.search(r"http://[\w.:\[\]]+/", line)
            url = url or (found.group() if found else None)
        yield Demo(url, "".join(banner), log, clock)
    finally:
        proc.terminate()  # a stop as abrupt as a crash: the demo must come back from it
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
