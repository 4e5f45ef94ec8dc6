"""Tests wait for events, never for a while: `until` polls a condition (sync or async) until it holds and
returns what it returned, or fails after ``timeout`` seconds naming what it waited for. The deadline only
bounds a test that would otherwise hang; a passing test never waits for it.

That something did *not* happen is asserted after waiting for a later event that must come after it
(a probe's reply, further runs of a job, the process's exit), never after a pause."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

POLL = 0.02  # seconds between two looks at the condition


async def until(
    condition: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
    what: str = "the condition",
    every: float = POLL,
) -> T:
    """The condition's first truthy value, looked at every ``every`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        value: T = await result if inspect.isawaitable(result) else result  # type: ignore[assignment]
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(every)
