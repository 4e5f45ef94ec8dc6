"""What the desk console's handlers share: the runtime (database, clock, evidence store), the limits."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from liuhen.app.runtime import Runtime
    from liuhen.domain.model import Staff


class SignInLimit:
    """At most ``attempts`` sign-in attempts per client address in ``window`` seconds (a guessed link is a
    needle in 2²⁵⁶; this keeps the log readable and the database quiet under a flood)."""

    def __init__(self, attempts: int = 10, window: float = 60.0) -> None:
        self.attempts, self.window = attempts, window
        self._seen: dict[str, deque[float]] = {}

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        seen = self._seen.setdefault(client, deque())
        while seen and now - seen[0] > self.window:
            seen.popleft()
        if len(seen) >= self.attempts:
            return False
        seen.append(now)
        if len(self._seen) > 10_000:  # forget the quiet ones
            for key in [k for k, v in self._seen.items() if not v]:
                del self._seen[key]
        return True


@dataclass
class Desk:
    runtime: Runtime
    limit: SignInLimit
    trust_proxy: bool = False
    demo: bool = False  # the demo signs its people in with one click (never in production)
    counters: dict[str, int] = field(default_factory=dict)


STATE: web.AppKey[Desk] = web.AppKey("desk", Desk)
#: The signed-in staff member of a request (None on the open pages), and the session's secret.
STAFF: web.RequestKey[Staff | None] = web.RequestKey("staff", object)  # type: ignore[arg-type]
TOKEN: web.RequestKey[str] = web.RequestKey("token", str)
