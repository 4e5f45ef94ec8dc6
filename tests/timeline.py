"""The tests' time, whatever today's date is.

In the test process a `FixedClock` is handed to the runtime. A `liuhen` process (the CLI, `liuhen run`,
`liuhen demo`) reads the system clock, so the tests start it through `liuhen()`, which moves that clock
onto the test's *timeline*: it reads ``START`` when the test begins and runs on from there, and every
process of the test shares it (`timeline_env()` once per test). Without it a code issued at ``START``
would have expired by the time the CLI looks at it, and a bot started in the first days of a month would
meet the real monthly prompt.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # Monday 09:30 in Beijing, a working day mid-month

OFFSET = "LIUHEN_TESTS_CLOCK_OFFSET"  # seconds from the system clock to the test's timeline

# `python -m liuhen`, with the product's system clock moved by the offset; `time.time` too, with which the
# sandbox inside `liuhen demo` dates the messages it makes (the "原消息时间" the bot offers as an answer).
LAUNCH = f"""
import os, sys, time
from datetime import UTC, datetime, timedelta
from liuhen.domain import clock
seconds = float(os.environ[{OFFSET!r}])
clock.SystemClock.now = lambda self: datetime.now(UTC) + timedelta(seconds=seconds)
system_time = time.time
time.time = lambda: system_time() + seconds
sys.argv[0] = "liuhen"
from liuhen.launch import main
main()
"""


def liuhen(*args: str) -> list[str]:
    """The command line of `liuhen ARGS…` on the timeline of the environment it is started with."""
    return [sys.executable, "-c", LAUNCH, *args]


def timeline_env(start: datetime = START) -> dict[str, str]:
    """Environment variables of a timeline that reads ``start`` now."""
    return {OFFSET: repr(start.timestamp() - time.time())}


def same_timeline(env: Mapping[str, str]) -> dict[str, str]:
    """Environment variables of the timeline of the processes started with ``env``."""
    return {OFFSET: env[OFFSET]}


class Timeline:
    """The clock of the processes started with ``env``, for the test's own use (a `Clock`)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.offset = timedelta(seconds=float(env[OFFSET]))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset
