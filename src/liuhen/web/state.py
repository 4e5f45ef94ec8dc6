"""What the desk console's handlers share: the runtime (database, clock, evidence store) and its limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from liuhen.app.runtime import Runtime
    from liuhen.domain.model import Staff
    from liuhen.web.security import SignInLimit


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
