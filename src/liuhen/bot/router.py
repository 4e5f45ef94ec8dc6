"""One registry for what the Telegram door's features handle.

Each feature is one module under ``bot/handlers/`` with an ``install(router)`` that declares its part:
commands, the prefix of its buttons' callback data, the typed text it answers while something waits for it
(what waits is read once by the access gate: ``Member.pending_field``, ``Member.writing_complaint``), and
its scheduled jobs. `discover` finds the features, so a new feature is one new file; no handler imports
another, and everything a person sends that nothing waits for is evidence (nothing is discarded).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from liuhen.app.settings import Settings
from liuhen.app.usecases.enrolment import Member
from liuhen.bot.context import Context

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
Typed = Callable[[Update, Context], Awaitable[bool]]
Job = Callable[[Context], Awaitable[None]]
ErrorHandler = Callable[[object, Context], Coroutine[Any, Any, None]]
ROUTER_KEY = "liuhen.router"


@dataclass(frozen=True)
class Waiting:
    """Typed input a feature answers while ``waits(member)`` holds; ``handler`` returns False when the
    message turns out not to be its answer after all (then the next one is asked, and last the evidence)."""

    waits: Callable[[Member], bool]
    handler: Typed
    order: int


@dataclass
class Scheduled:
    """A repeating job; several features may contribute to one (run one after the other)."""

    name: str
    every: Callable[[Settings], float]
    first: Callable[[Settings], float]
    parts: list[Job] = field(default_factory=list)

    async def __call__(self, context: Context) -> None:
        for part in self.parts:
            await part(context)


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.prefixes: dict[str, Handler] = {}
        self.waiting: list[Waiting] = []
        self.jobs: dict[str, Scheduled] = {}
        self.gate_handler: Handler | None = None
        self.error_handler: ErrorHandler | None = None
        self.evidence_handler: Handler | None = None
        self.unknown_command_handler: Handler | None = None
        self.unknown_button_handler: Handler | None = None

    # -- declaring --------------------------------------------------------------------------------------

    def command(self, name: str, handler: Handler) -> None:
        if name in self.commands:
            raise ValueError(f"/{name} is declared twice")
        self.commands[name] = handler

    def buttons(self, prefix: str, handler: Handler) -> None:
        """The buttons whose callback data starts with ``prefix`` (``x:`` + an opaque token)."""
        if not prefix.endswith(":") or any(
            p.startswith(prefix) or prefix.startswith(p) for p in self.prefixes
        ):
            raise ValueError(f"button prefix {prefix!r} is not distinct")
        self.prefixes[prefix] = handler

    def typed(self, waits: Callable[[Member], bool], handler: Typed, *, order: int = 50) -> None:
        self.waiting.append(Waiting(waits, handler, order))
        self.waiting.sort(key=lambda w: w.order)

    def job(
        self,
        name: str,
        part: Job,
        *,
        every: Callable[[Settings], float],
        first: Callable[[Settings], float],
    ) -> None:
        scheduled = self.jobs.setdefault(name, Scheduled(name, every, first))
        scheduled.parts.append(part)

    def gate(self, handler: Handler) -> None:
        self.gate_handler = handler

    def errors(self, handler: ErrorHandler) -> None:
        self.error_handler = handler

    def evidence(self, handler: Handler) -> None:
        """What every message nothing waits for goes to."""
        self.evidence_handler = handler

    def unknown_command(self, handler: Handler) -> None:
        self.unknown_command_handler = handler

    def unknown_button(self, handler: Handler) -> None:
        """Buttons whose callback data no feature declared (an old or forged button)."""
        self.unknown_button_handler = handler

    # -- dispatching ------------------------------------------------------------------------------------

    async def answer_typed(self, update: Update, context: Context) -> bool:
        """Hand a message to the feature that waits for it; False when none does (then it is evidence)."""
        me = context.me
        if not me.awaits_input:  # the gate read the conversation: usually nothing waits, no more reads
            return False
        for waiting in self.waiting:
            if waiting.waits(me) and await waiting.handler(update, context):
                return True
        return False

    def install(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.bot_data[ROUTER_KEY] = self
        if self.gate_handler is not None:
            app.add_handler(TypeHandler(Update, self.gate_handler), group=-1)
        for name, handler in self.commands.items():
            app.add_handler(CommandHandler(name, handler))
        for prefix, handler in self.prefixes.items():
            app.add_handler(CallbackQueryHandler(handler, pattern=f"^{prefix}"))
        if self.unknown_button_handler is not None:
            app.add_handler(CallbackQueryHandler(self.unknown_button_handler))
        if self.evidence_handler is not None:
            app.add_handler(
                MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, self.evidence_handler)
            )
        if self.unknown_command_handler is not None:
            app.add_handler(
                MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, self.unknown_command_handler)
            )
        if self.error_handler is not None:
            app.add_error_handler(self.error_handler)

    def schedule(self, app: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
        if app.job_queue is None:
            return
        for job in self.jobs.values():
            app.job_queue.run_repeating(
                job, interval=job.every(settings), first=job.first(settings), name=job.name
            )


def router_of(context: Context) -> Router:
    router = context.application.bot_data[ROUTER_KEY]
    assert isinstance(router, Router)
    return router


def discover() -> Router:
    """Every feature module under ``bot/handlers/`` installs its part, in name order."""
    from liuhen.bot import handlers

    router = Router()
    for info in sorted(pkgutil.iter_modules(handlers.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{handlers.__name__}.{info.name}")
        install = getattr(module, "install", None)
        if install is not None:
            install(router)
    return router
