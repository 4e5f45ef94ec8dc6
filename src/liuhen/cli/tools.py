"""What every `liuhen` command module shares: settings, a runtime for one command, consoles, failing.

Light on purpose: `liuhen --help` imports every command module, so the runtime (database, keys, store) and
the settings (pydantic) are imported only when a command runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from liuhen.app.runtime import Runtime
    from liuhen.app.settings import Settings

out = Console()
err = Console(stderr=True)
T = TypeVar("T")
CLI_ACTOR = "cli"


def settings() -> Settings:
    """The settings, with the court named "本院" when ``LIUHEN_COURT_NAME`` is unset."""
    from liuhen.app.settings import Settings
    from liuhen.texts.labels import THIS_COURT

    config = Settings()
    return config if config.court_name else config.model_copy(update={"court_name": THIS_COURT})


def with_runtime(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open the runtime (database migrated, court ensured), run ``fn``, close."""
    import asyncio

    from liuhen.app.runtime import open_runtime

    async def main() -> T:
        runtime = await open_runtime(settings())
        try:
            return await fn(runtime)
        finally:
            await runtime.close()

    return asyncio.run(main())


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a Chinese error on stderr and exit non-zero."""
    err.print(f"[red]错误：[/red]{message}")
    raise typer.Exit(code)
